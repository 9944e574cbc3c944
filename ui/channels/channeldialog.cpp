#include "channeldialog.h"

#include "networkaccessmanager.h"

#include "icons.h"
#include "notificationruleseditor.h"
#include "profiles.h"
#include "redact.h"
#include "statuscolors.h"
#include "tlsinfo.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

using namespace std::chrono;

namespace Longwatch {

namespace {

enum Tab { FeedTab, AccessTab, ConnectionTab, TimingTab, KnobsTab, JobsTab, TabCount };

// A file a person named for TLS: empty is fine, else it must be readable.
QString checkFile(const QString &path)
{
    if (path.isEmpty())
        return {};
    const QFileInfo info(path);
    if (!info.exists())
        return ChannelDialog::tr("There is no file %1.").arg(path);
    if (!info.isFile() || !info.isReadable())
        return ChannelDialog::tr("The file %1 cannot be read.").arg(path);
    return {};
}

double toSeconds(milliseconds ms)
{
    return double(ms.count()) / 1000.0;
}

milliseconds fromSeconds(double seconds)
{
    return milliseconds(qint64(seconds * 1000.0 + 0.5));
}

QLabel *makeErrorLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setVisible(false);
    label->setTextFormat(Qt::PlainText);
    label->setForegroundRole(QPalette::NoRole);
    label->setProperty("longwatchError", true);
    return label;
}

/// Shown in place of a secret in the address.
const QString kHiddenUrlSecret = QStringLiteral("***");

/// Shown in place of a stored secret header value.
const QByteArray kHiddenHeaderValue =
    QByteArrayLiteral("\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");

QLabel *makeHelpLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    label->setFont(font);
    label->setPalette(StatusColors::dimmedText(label->palette()));
    return label;
}

// A field with its error (and optional help) stacked below it, as one
// form row, so the reason sits right beside what it is about.
QWidget *fieldWithNotes(QWidget *field, QLabel *error, QLabel *help, Qt::Alignment alignment = {})
{
    auto *box = new QWidget;
    // Never taller than it needs: spare room goes below the form, not
    // between a field and its notes.
    box->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field, 0, alignment);
    if (help)
        layout->addWidget(help);
    if (error)
        layout->addWidget(error);
    return box;
}

// A form row whose label's mnemonic focuses `buddy` inside `field`.
void addBuddyRow(QFormLayout *form, const QString &text, QWidget *field, QWidget *buddy)
{
    auto *label = new QLabel(text);
    label->setBuddy(buddy);
    form->addRow(label, field);
}

/// A spin box at its own width on a form row, with help text under it.
void addSpinRow(QFormLayout *form, const QString &label, QAbstractSpinBox *spin, QLabel *help)
{
    auto *row = new QWidget;
    auto *rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    rowLayout->addWidget(spin);
    rowLayout->addStretch();
    addBuddyRow(form, label, fieldWithNotes(row, nullptr, help), spin);
}

} // namespace

ChannelDialog::ChannelDialog(QWidget *parent)
    : QDialog(parent)
    , m_network(new NetworkAccessManager(this))
{
    setWindowTitle(tr("Add Channel"));
    setObjectName(QStringLiteral("channelDialog"));

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_tabs->addTab(buildFeedTab(), tr("&Feed"));
    m_tabs->addTab(buildAccessTab(), tr("&Access"));
    m_tabs->addTab(buildConnectionTab(), tr("&Connection"));
    m_tabs->addTab(buildTimingTab(), tr("T&iming"));
    m_tabs->addTab(buildKnobsTab(), tr("Feed f&ormat"));
    m_tabs->addTab(buildJobsTab(), tr("&Jobs"));
    m_tabs->addTab(buildNotificationsTab(), tr("&Notifications"));

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Add Channel"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("okButton"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        validate();
        if (m_problems.isEmpty())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buildTestBox());
    layout->addWidget(m_buttons);

    m_test = new ConnectionTest(m_network, this);
    connect(m_test, &ConnectionTest::finished, this, &ChannelDialog::onTestFinished);

    setConfig(ChannelConfig{});
    resize(680, 580);
}

ChannelDialog::~ChannelDialog() = default;

QLineEdit *ChannelDialog::addLineRow(QFormLayout *form, const QString &label,
                                     const QString &objectName, QLabel **error, const QString &help)
{
    auto *edit = new QLineEdit;
    edit->setObjectName(objectName);
    edit->setClearButtonEnabled(true);
    QLabel *errorLabel = error ? makeErrorLabel(this) : nullptr;
    if (error)
        *error = errorLabel;
    QLabel *helpLabel = help.isEmpty() ? nullptr : makeHelpLabel(help, this);
    addBuddyRow(form, label, fieldWithNotes(edit, errorLabel, helpLabel), edit);
    connect(edit, &QLineEdit::textChanged, this, &ChannelDialog::validate);
    return edit;
}

QDoubleSpinBox *ChannelDialog::addSecondsRow(QFormLayout *form, const QString &label,
                                             const QString &objectName, double minimum,
                                             double maximum, const QString &help)
{
    auto *spin = new QDoubleSpinBox;
    spin->setObjectName(objectName);
    spin->setRange(minimum, maximum);
    spin->setDecimals(1);
    spin->setSingleStep(1.0);
    spin->setSuffix(tr(" s"));
    spin->setAccelerated(true);
    spin->setMinimumWidth(110);
    addSpinRow(form, label, spin, makeHelpLabel(help, this));
    connect(spin, &QDoubleSpinBox::valueChanged, this, &ChannelDialog::validate);
    return spin;
}

QWidget *ChannelDialog::buildFeedTab()
{
    auto *page = new QWidget;
    auto *form = new QFormLayout(page);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_name = addLineRow(form, tr("&Name:"), QStringLiteral("nameEdit"), &m_nameError,
                        tr("How the channel is called in the list and in notifications."));
    m_name->setPlaceholderText(tr("e.g. Nightly builds"));
    addGroupRow(form);
    m_url = addLineRow(form, tr("&Address:"), QStringLiteral("urlEdit"), &m_urlError);
    m_url->setPlaceholderText(tr("https://ci.example.com/feeds/builds/poll"));

    m_profile = new QComboBox;
    m_profile->setObjectName(QStringLiteral("profileCombo"));
    for (const QString &id : profileIds())
        m_profile->addItem(id, id);
    m_profileHelp = makeHelpLabel({}, this);
    m_profileError = makeErrorLabel(this);
    m_profile->setMinimumWidth(220);
    addBuddyRow(form, tr("&Profile:"),
                fieldWithNotes(m_profile, m_profileError, m_profileHelp, Qt::AlignLeft), m_profile);
    connect(m_profile, &QComboBox::currentIndexChanged, this, &ChannelDialog::onProfileChanged);

    m_hold = addSecondsRow(form, tr("&Hold time:"), QStringLiteral("holdSpin"), 0.1, 3600,
                           tr("How long the server keeps a request open when there is no "
                              "news. The request's deadline is this plus the margin."));
    return page;
}

void ChannelDialog::addGroupRow(QFormLayout *form)
{
    m_group = new QComboBox;
    m_group->setObjectName(QStringLiteral("groupCombo"));
    m_group->setEditable(true);
    m_group->setInsertPolicy(QComboBox::NoInsert);
    m_group->lineEdit()->setPlaceholderText(tr("No group"));
    m_group->setMinimumWidth(220);
    addBuddyRow(form, tr("&Group:"),
                fieldWithNotes(m_group, nullptr,
                               makeHelpLabel(tr("The channel list shows the channels of a group "
                                                "under its name. Pick one or type a new name."),
                                             this),
                               Qt::AlignLeft),
                m_group);
}

void ChannelDialog::setGroupNames(const QStringList &groups)
{
    const QString current = m_group->currentText();
    m_group->clear();
    m_group->addItem(QString()); // no group
    m_group->addItems(groups);
    m_group->setCurrentText(current);
}

QWidget *ChannelDialog::buildAccessTab()
{
    auto *page = new QWidget;
    m_accessForm = new QFormLayout(page);
    m_accessForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_auth = new QComboBox;
    m_auth->setObjectName(QStringLiteral("authCombo"));
    m_auth->addItem(tr("None"), int(ChannelConfig::Auth::None));
    m_auth->addItem(tr("Bearer token"), int(ChannelConfig::Auth::Bearer));
    m_auth->addItem(tr("Basic (user and password)"), int(ChannelConfig::Auth::Basic));
    m_auth->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    m_accessForm->addRow(tr("A&uthentication:"), m_auth);
    connect(m_auth, &QComboBox::currentIndexChanged, this, &ChannelDialog::onAuthChanged);

    m_token = addLineRow(m_accessForm, tr("&Token:"), QStringLiteral("tokenEdit"), &m_tokenError,
                         tr("Sent as \"Authorization: Bearer …\"; never shown in logs."));
    m_token->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    addSecretWarning(m_token);
    m_user = addLineRow(m_accessForm, tr("U&ser:"), QStringLiteral("userEdit"), &m_userError);
    m_password =
        addLineRow(m_accessForm, tr("Pass&word:"), QStringLiteral("passwordEdit"), nullptr);
    m_password->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    addSecretWarning(m_password);

    m_headers = new QPlainTextEdit;
    m_headers->setObjectName(QStringLiteral("headersEdit"));
    m_headers->setPlaceholderText(tr("X-Api-Version: 2\nAccept-Language: en"));
    m_headers->setTabChangesFocus(true);
    // Five lines, and no more: the form should not stretch it.
    m_headers->setFixedHeight(m_headers->fontMetrics().lineSpacing() * 5 +
                              2 * m_headers->frameWidth() + 8);
    m_headersError = makeErrorLabel(this);
    m_accessForm->addRow(tr("&Headers:"),
                         fieldWithNotes(m_headers, m_headersError,
                                        makeHelpLabel(tr("One \"Name: value\" per line, sent "
                                                         "with every request. The values of "
                                                         "headers that carry secrets (X-Api-Key, "
                                                         "Cookie, …) are kept with the other "
                                                         "secrets, masked in logs and shown here "
                                                         "as ••••••; type over it to change one."),
                                                      this)));
    addSecretWarning(m_headers);
    connect(m_headers, &QPlainTextEdit::textChanged, this, &ChannelDialog::validate);
    return page;
}

QLabel *ChannelDialog::addSecretWarning(QWidget *field)
{
    // Under the field, in its box of notes, so it reads as being about it.
    QLabel *warning = makeErrorLabel(this);
    warning->setObjectName(QStringLiteral("secretWarning"));
    if (auto *notes = qobject_cast<QVBoxLayout *>(field->parentWidget()->layout()))
        notes->addWidget(warning);
    m_secretWarnings << warning;
    return warning;
}

void ChannelDialog::setSecretWarning(const QString &warning)
{
    m_secretWarning = warning;
    // Short beside each field; the whole story (where the file is) on hover.
    for (QLabel *label : std::as_const(m_secretWarnings)) {
        setError(label, warning.isEmpty() ? QString()
                                          : tr("⚠ Not in a keychain: kept unencrypted in a file "
                                               "only you can read."));
        label->setToolTip(warning);
    }
}

QWidget *ChannelDialog::buildConnectionTab()
{
    auto *inner = new QWidget;
    m_connectionForm = new QFormLayout(inner);
    QFormLayout *form = m_connectionForm;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_alternateUrls = new QPlainTextEdit;
    m_alternateUrls->setObjectName(QStringLiteral("alternateUrlsEdit"));
    m_alternateUrls->setPlaceholderText(tr("https://ci2.example.com/feeds/builds/poll"));
    m_alternateUrls->setTabChangesFocus(true);
    m_alternateUrls->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_alternateUrls->setFixedHeight(m_alternateUrls->fontMetrics().lineSpacing() * 3 +
                                    2 * m_alternateUrls->frameWidth() + 8);
    m_alternateUrlsError = makeErrorLabel(this);
    form->addRow(tr("Other &addresses:"),
                 fieldWithNotes(m_alternateUrls, m_alternateUrlsError,
                                makeHelpLabel(tr("Other servers of the same feed, one per line. "
                                                 "After 3 failed tries in a row, or a connection "
                                                 "that died, the channel goes on from the next "
                                                 "one with its cursor, and comes back to the "
                                                 "main address after 10 minutes of success. They "
                                                 "use the main address's credentials."),
                                              this)));
    connect(m_alternateUrls, &QPlainTextEdit::textChanged, this, &ChannelDialog::validate);

    m_proxyMode = new QComboBox;
    m_proxyMode->setObjectName(QStringLiteral("proxyModeCombo"));
    m_proxyMode->addItem(tr("System default"), int(ProxySettings::Mode::System));
    m_proxyMode->addItem(tr("No proxy"), int(ProxySettings::Mode::NoProxy));
    m_proxyMode->addItem(tr("HTTP proxy"), int(ProxySettings::Mode::Http));
    m_proxyMode->addItem(tr("SOCKS5 proxy"), int(ProxySettings::Mode::Socks5));
    m_proxyMode->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    form->addRow(tr("&Proxy:"), m_proxyMode);
    connect(m_proxyMode, &QComboBox::currentIndexChanged, this, &ChannelDialog::onProxyModeChanged);

    m_proxyHost = new QLineEdit;
    m_proxyHost->setObjectName(QStringLiteral("proxyHostEdit"));
    m_proxyHost->setPlaceholderText(tr("proxy.example.com"));
    m_proxyPort = new QSpinBox;
    m_proxyPort->setObjectName(QStringLiteral("proxyPortSpin"));
    m_proxyPort->setRange(0, 65535);
    m_proxyPort->setSpecialValueText(tr("port"));
    auto *proxyRow = new QWidget;
    auto *proxyLayout = new QHBoxLayout(proxyRow);
    proxyLayout->setContentsMargins(0, 0, 0, 0);
    proxyLayout->addWidget(m_proxyHost, 1);
    proxyLayout->addWidget(m_proxyPort);
    m_proxyHostError = makeErrorLabel(this);
    addBuddyRow(form, tr("Proxy ser&ver:"), fieldWithNotes(proxyRow, m_proxyHostError, nullptr),
                m_proxyHost);
    connect(m_proxyHost, &QLineEdit::textChanged, this, &ChannelDialog::validate);
    connect(m_proxyPort, &QSpinBox::valueChanged, this, &ChannelDialog::validate);
    m_proxyUser = addLineRow(form, tr("Proxy us&er:"), QStringLiteral("proxyUserEdit"), nullptr);
    m_proxyPassword =
        addLineRow(form, tr("Proxy pass&word:"), QStringLiteral("proxyPasswordEdit"), nullptr,
                   tr("Given only when the proxy asks; kept with the other secrets."));
    m_proxyPassword->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    addSecretWarning(m_proxyPassword);

    m_httpVersion = new QComboBox;
    m_httpVersion->setObjectName(QStringLiteral("httpVersionCombo"));
    m_httpVersion->addItem(tr("Automatic"), int(HttpVersion::Automatic));
    m_httpVersion->addItem(tr("HTTP/1.1 only"), int(HttpVersion::Http1Only));
    m_httpVersion->addItem(tr("HTTP/2"), int(HttpVersion::Http2));
    m_httpVersion->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    m_httpVersionHelp = makeHelpLabel({}, this);
    addBuddyRow(form, tr("HTTP &version:"),
                fieldWithNotes(m_httpVersion, nullptr, m_httpVersionHelp, Qt::AlignLeft),
                m_httpVersion);
    connect(m_httpVersion, &QComboBox::currentIndexChanged, this, &ChannelDialog::validate);

    m_caFile =
        addLineRow(form, tr("CA certi&ficates:"), QStringLiteral("caFileEdit"), &m_caFileError,
                   tr("A PEM file of CAs trusted for this channel besides the system's."));
    m_clientCert =
        addLineRow(form, tr("Client certificat&e:"), QStringLiteral("clientCertEdit"),
                   &m_clientCertError, tr("PEM or PKCS#12 (.p12), for servers that ask for one."));
    m_clientKey = addLineRow(form, tr("Client &key:"), QStringLiteral("clientKeyEdit"),
                             &m_clientKeyError, tr("Empty if the key is in the certificate file."));
    m_keyPassphrase =
        addLineRow(form, tr("Key pa&ssphrase:"), QStringLiteral("keyPassphraseEdit"), nullptr);
    m_keyPassphrase->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    addSecretWarning(m_keyPassphrase);

    m_pins = new QListWidget;
    m_pins->setObjectName(QStringLiteral("pinsList"));
    m_pins->setFixedHeight(m_pins->fontMetrics().lineSpacing() * 3 + 2 * m_pins->frameWidth() + 6);
    m_removePin = new QPushButton(tr("&Remove"));
    m_removePin->setObjectName(QStringLiteral("removePinButton"));
    auto *pinRow = new QWidget;
    auto *pinLayout = new QHBoxLayout(pinRow);
    pinLayout->setContentsMargins(0, 0, 0, 0);
    pinLayout->addWidget(m_pins, 1);
    pinLayout->addWidget(m_removePin, 0, Qt::AlignTop);
    addBuddyRow(form, tr("Pinned certificates:"),
                fieldWithNotes(pinRow, nullptr,
                               makeHelpLabel(tr("SHA-256 fingerprints of server certificates "
                                                "trusted although they fail verification."),
                                             this)),
                m_pins);
    connect(m_removePin, &QPushButton::clicked, this, [this] {
        delete m_pins->currentItem();
        validate();
    });
    connect(m_pins, &QListWidget::currentRowChanged, this,
            [this](int row) { m_removePin->setEnabled(row >= 0); });

    const auto addLimit = [&](const QString &label, const QString &name, int maximum,
                              const QString &suffix, const QString &help) {
        auto *spin = new QSpinBox;
        spin->setObjectName(name);
        spin->setRange(1, maximum);
        spin->setSuffix(suffix);
        spin->setMinimumWidth(110);
        addSpinRow(form, label, spin, makeHelpLabel(help, this));
        return spin;
    };
    m_maxBody = addLimit(tr("Largest &answer:"), QStringLiteral("maxBodySpin"), 1024 * 1024,
                         tr(" KiB"), tr("Bigger answers fail and are retried later."));
    m_maxHeader = addLimit(tr("Largest &headers:"), QStringLiteral("maxHeaderSpin"), 64 * 1024,
                           tr(" KiB"), tr("All response header lines together."));
    m_maxEvents =
        addLimit(tr("Most events per a&nswer:"), QStringLiteral("maxEventsSpin"), 100'000'000,
                 QString(), tr("More fail the answer; none are taken, the cursor stays."));

    auto *scroll = new QScrollArea;
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
}

void ChannelDialog::onProxyModeChanged()
{
    const auto mode = ProxySettings::Mode(m_proxyMode->currentData().toInt());
    const bool own = mode == ProxySettings::Mode::Http || mode == ProxySettings::Mode::Socks5;
    for (QWidget *field : {m_proxyHost, m_proxyUser, m_proxyPassword})
        field->setEnabled(own);
    m_proxyPort->setEnabled(own);
    validate();
}

QWidget *ChannelDialog::buildTimingTab()
{
    auto *page = new QWidget;
    auto *form = new QFormLayout(page);
    m_connectTimeout =
        addSecondsRow(form, tr("&Connect timeout:"), QStringLiteral("connectTimeoutSpin"), 0.1, 600,
                      tr("Give up on a connection that is not made by then."));
    m_deadlineMargin =
        addSecondsRow(form, tr("Deadline &margin:"), QStringLiteral("deadlineMarginSpin"), 0.1, 600,
                      tr("Added to the hold time for the whole request's "
                         "deadline (server jitter, slow networks)."));
    m_inactivity =
        addSecondsRow(form, tr("&Silence timeout:"), QStringLiteral("inactivityTimeoutSpin"), 0.1,
                      3600, tr("Give up when an answer that started stops arriving."));
    m_backoffInitial = addSecondsRow(form, tr("&First retry within:"),
                                     QStringLiteral("backoffInitialSpin"), 0.1, 3600,
                                     tr("After a failure the next try comes at a random time "
                                        "up to this; the bound doubles with each failure."));
    m_backoffMax = addSecondsRow(form, tr("&Longest retry wait:"), QStringLiteral("backoffMaxSpin"),
                                 0.1, 86400, tr("The bound stops growing here."));
    m_backoffError = makeErrorLabel(this);
    form->addRow(QString(), m_backoffError);

    // How much history the event log keeps for this channel.
    auto *history = new QLabel(tr("Event log"));
    QFont bold = history->font();
    bold.setBold(true);
    history->setFont(bold);
    form->addRow(history);
    auto addCountRow = [this, form](const QString &label, const QString &objectName, int maximum,
                                    int step, const QString &special, const QString &suffix,
                                    const QString &help) {
        auto *spin = new QSpinBox;
        spin->setObjectName(objectName);
        spin->setRange(0, maximum);
        spin->setSingleStep(step);
        spin->setGroupSeparatorShown(true);
        spin->setSpecialValueText(special);
        spin->setSuffix(suffix);
        spin->setAccelerated(true);
        spin->setMinimumWidth(140);
        addSpinRow(form, label, spin, makeHelpLabel(help, this));
        return spin;
    };
    m_keepEvents = addCountRow(tr("&Keep at most:"), QStringLiteral("keepEventsSpin"), 100'000'000,
                               10'000, tr("all events"), tr(" events"),
                               tr("The oldest events are deleted when the channel has more."));
    m_keepDays =
        addCountRow(tr("Keep &for:"), QStringLiteral("keepDaysSpin"), 36'500, 1, tr("ever"),
                    tr(" days"), tr("Events older than this are deleted from the event log."));

    auto *scroll = new QScrollArea;
    scroll->setWidget(page);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
}

QWidget *ChannelDialog::buildKnobsTab()
{
    auto *inner = new QWidget;
    auto *form = new QFormLayout(inner);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *intro = makeHelpLabel(tr("Leave a field empty to keep the profile's default. Fields "
                                   "that are paths take JSON paths like data.items or "
                                   "meta[\"a.b\"]."),
                                inner);
    form->addRow(intro);
    // Headings before the first knob of each group: the form is long.
    const QHash<QString, QString> headings{
        {QStringLiteral("mode"), tr("Request")},
        {QStringLiteral("cursor-target"), tr("Cursor")},
        {QStringLiteral("events-at"), tr("Events")},
        {QStringLiteral("no-news"), tr("No news and pacing")},
        {QStringLiteral("retry-after-path"), tr("Errors")},
        {QStringLiteral("bootstrap-url"), tr("Bootstrap request (before the first poll)")},
    };
    qsizetype headingRow = -1;
    for (const ProfileKnob &knob : profileKnobs()) {
        if (knob.name == QLatin1String("hold"))
            continue; // on the Feed tab, as a number
        if (const QString heading = headings.value(knob.name); !heading.isEmpty()) {
            auto *label = new QLabel(heading, inner);
            QFont bold = label->font();
            bold.setBold(true);
            label->setFont(bold);
            label->setContentsMargins(0, 8, 0, 0);
            form->addRow(label);
            m_knobRows.append({nullptr, label, {}});
            headingRow = m_knobRows.size() - 1;
        }
        if (headingRow >= 0)
            m_knobRows[headingRow].knobs.append(knob.name);
        QLabel *error = nullptr;
        QLineEdit *edit = addLineRow(form, tr("%1:").arg(knob.label),
                                     QStringLiteral("knob_") + knob.name, &error, knob.help);
        edit->setPlaceholderText(tr("profile default"));
        // The row reads in words; the option's own name, which saved
        // channels and longwatch-tail use, is in the tooltip.
        const QString tip = tr("%1\nOption: %2 (longwatch-tail --%2)").arg(knob.help, knob.name);
        edit->setToolTip(tip);
        form->itemAt(form->rowCount() - 1, QFormLayout::LabelRole)->widget()->setToolTip(tip);
        m_knobEdits.insert(knob.name, edit);
        m_knobErrors.insert(knob.name, error);
        m_knobRows.append(
            {form->labelForField(edit->parentWidget()), edit->parentWidget(), {knob.name}});
    }
    m_knobsForm = form;
    auto *scroll = new QScrollArea;
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
}

QWidget *ChannelDialog::buildJobsTab()
{
    auto *page = new QWidget;
    auto *form = new QFormLayout(page);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(makeHelpLabel(tr("The job board shows the latest status of each job the "
                                  "events mention. Tell it where the events keep those "
                                  "fields."),
                               page));
    m_jobPaths =
        addLineRow(form, tr("&Job fields:"), QStringLiteral("jobPathsEdit"), &m_jobPathsError,
                   tr("Paths that name the job, comma separated; the first one "
                      "present wins."));
    m_statusPath =
        addLineRow(form, tr("&Status field:"), QStringLiteral("statusPathEdit"), &m_statusPathError,
                   tr("Words like success, error or in_progress are understood."));
    m_progressPath = addLineRow(form, tr("&Progress field:"), QStringLiteral("progressPathEdit"),
                                &m_progressPathError, tr("A number from 0 to 100."));
    m_jobSeries =
        addLineRow(form, tr("Job s&eries:"), QStringLiteral("jobSeriesEdit"), &m_jobSeriesError,
                   tr("For trends: a regular expression whose first group in "
                      "parentheses is the series a job is a run of. Empty: the job's "
                      "name without its run number (\"build-linux #205\" is a run of "
                      "\"build-linux\")."));
    m_jobSeries->setPlaceholderText(tr("e.g. ^(.+?)-\\d+$"));

    return page;
}

QWidget *ChannelDialog::buildNotificationsTab()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    auto *intro = new QLabel(tr("What this channel tells you about. The default rules are set in "
                                "Notifications › Notification Settings, with the quiet hours."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_notifications = new NotificationRulesEditor(tr("&Use the default rules"));
    m_notifications->setObjectName(QStringLiteral("notificationRules"));
    layout->addWidget(m_notifications);
    layout->addStretch(1);
    return page;
}

void ChannelDialog::setDefaultNotificationRules(const NotificationRules &rules)
{
    m_notifications->setDefault(rules);
}

QWidget *ChannelDialog::buildTestBox()
{
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 4, 0, 0);

    auto *row = new QHBoxLayout;
    m_testButton =
        new QPushButton(Icons::themed(QStringLiteral("test"), palette()), tr("&Test Connection"));
    m_testButton->setObjectName(QStringLiteral("testButton"));
    m_testButton->setToolTip(tr("Make one real request with these settings and show what "
                                "comes back."));
    m_testButton->setAutoDefault(false);
    connect(m_testButton, &QPushButton::clicked, this, &ChannelDialog::toggleTest);
    m_testIcon = new QLabel;
    m_testIcon->setFixedSize(20, 20);
    m_testStatus = new QLabel;
    m_testStatus->setObjectName(QStringLiteral("testStatus"));
    m_testStatus->setWordWrap(true);
    m_testStatus->setTextFormat(Qt::PlainText);
    m_testStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row->addWidget(m_testButton, 0, Qt::AlignTop);
    row->addSpacing(6);
    row->addWidget(m_testIcon, 0, Qt::AlignTop);
    row->addWidget(m_testStatus, 1);
    layout->addLayout(row);

    m_testDetail = makeHelpLabel({}, this);
    m_testDetail->setObjectName(QStringLiteral("testDetail"));
    m_testDetail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_testDetail->setVisible(false);
    layout->addWidget(m_testDetail);

    m_trustButton = new QPushButton(tr("Tr&ust This Certificate"));
    m_trustButton->setObjectName(QStringLiteral("trustCertificateButton"));
    m_trustButton->setToolTip(tr("Add the certificate's SHA-256 fingerprint to the pinned "
                                 "certificates on the Connection tab, and test again."));
    m_trustButton->setAutoDefault(false);
    m_trustButton->setVisible(false);
    connect(m_trustButton, &QPushButton::clicked, this, &ChannelDialog::trustTestedCertificate);
    layout->addWidget(m_trustButton, 0, Qt::AlignLeft);

    m_testPreview = new QTreeWidget;
    m_testPreview->setObjectName(QStringLiteral("testPreview"));
    m_testPreview->setRootIsDecorated(false);
    m_testPreview->setAlternatingRowColors(true);
    m_testPreview->setUniformRowHeights(true);
    m_testPreview->setHeaderLabels({tr("Id"), tr("Type"), tr("Text")});
    m_testPreview->header()->setStretchLastSection(true);
    m_testPreview->setMinimumHeight(120);
    m_testPreview->setVisible(false);
    layout->addWidget(m_testPreview, 1);
    return box;
}

void ChannelDialog::setConfig(const ChannelConfig &config)
{
    m_base = config;
    m_editing = !config.id.isEmpty();
    setWindowTitle(m_editing ? tr("Edit Channel — %1").arg(config.name) : tr("Add Channel"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(m_editing ? tr("Save") : tr("Add Channel"));

    const QSignalBlocker blockProfile(m_profile);
    m_name->setText(config.name);
    m_group->setCurrentText(config.group);
    // Secrets in the address (a bot token, a password, a token parameter)
    // are shown as *** and kept unless the address is edited there.
    QString shownUrl = config.url.toString();
    m_hiddenUrlSecrets.clear();
    for (const QString &secret : secretsInUrl(config.url)) {
        if (secret.size() >= 4 && shownUrl.contains(secret)) {
            shownUrl.replace(shownUrl.indexOf(secret), secret.size(), kHiddenUrlSecret);
            m_hiddenUrlSecrets.append(secret);
        }
    }
    m_url->setText(shownUrl);
    m_profile->setCurrentIndex(std::max(0, m_profile->findData(config.profileId)));

    QVariantMap knobs = config.knobs;
    bool ok = false;
    const double hold = knobs.take(QStringLiteral("hold")).toDouble(&ok);
    m_hold->setValue(ok ? hold : toSeconds(profileDefaultHold()));
    for (auto it = m_knobEdits.cbegin(); it != m_knobEdits.cend(); ++it)
        it.value()->setText(knobs.value(it.key()).toString());

    m_auth->setCurrentIndex(std::max(0, m_auth->findData(int(config.auth))));
    m_token->setText(config.token);
    m_user->setText(config.user);
    m_password->setText(config.password);
    // Stored values of secret headers are not shown (screenshots, someone
    // looking over a shoulder): a mask stands for them and keeps them unless
    // the line is edited. `${env:NAME}` references are not secrets.
    m_hiddenHeaderValues.clear();
    HeaderList shown = config.headers;
    for (auto &[name, value] : shown) {
        if (!isSecretHeader(name) || value.isEmpty() || value.startsWith("${env:"))
            continue;
        m_hiddenHeaderValues.append({name.toLower(), value});
        value = kHiddenHeaderValue;
    }
    m_headers->setPlainText(formatHeaderLines(shown));

    const TransportOptions &transport = config.timing.transport;
    {
        const QSignalBlocker blockMode(m_proxyMode);
        m_proxyMode->setCurrentIndex(std::max(0, m_proxyMode->findData(int(transport.proxy.mode))));
    }
    m_proxyHost->setText(transport.proxy.host);
    QStringList others;
    for (const QUrl &other : config.alternateUrls)
        others << other.toString();
    m_alternateUrls->setPlainText(others.join(QLatin1Char('\n')));
    m_proxyPort->setValue(transport.proxy.port);
    m_proxyUser->setText(transport.proxy.user);
    m_proxyPassword->setText(transport.proxy.password);
    m_httpVersion->setCurrentIndex(
        std::max(0, m_httpVersion->findData(int(transport.httpVersion))));
    m_caFile->setText(transport.tls.caCertificatesFile);
    m_clientCert->setText(transport.tls.clientCertificateFile);
    m_clientKey->setText(transport.tls.clientKeyFile);
    m_keyPassphrase->setText(transport.tls.clientKeyPassphrase);
    m_pins->clear();
    for (const QString &pin : transport.tls.pinnedSha256)
        addPin(pin);
    m_removePin->setEnabled(false);
    m_maxBody->setValue(int(
        std::clamp<qint64>((config.timing.maxBodyBytes + 1023) / 1024, 1, m_maxBody->maximum())));
    m_maxHeader->setValue(int(std::clamp<qint64>((config.timing.maxHeaderBytes + 1023) / 1024, 1,
                                                 m_maxHeader->maximum())));
    m_maxEvents->setValue(std::clamp(config.timing.maxEventsPerBatch, 1, m_maxEvents->maximum()));

    m_connectTimeout->setValue(toSeconds(config.timing.connectTimeout));
    m_deadlineMargin->setValue(toSeconds(config.timing.deadlineMargin));
    m_inactivity->setValue(toSeconds(config.timing.inactivityTimeout));
    m_backoffInitial->setValue(toSeconds(config.timing.backoffInitial));
    m_backoffMax->setValue(toSeconds(config.timing.backoffMax));
    m_keepEvents->setValue(int(std::clamp<qint64>(config.keepEvents, 0, m_keepEvents->maximum())));
    m_keepDays->setValue(config.keepDays);

    m_jobPaths->setText(config.jobs.jobPaths.join(QStringLiteral(", ")));
    m_statusPath->setText(config.jobs.statusPath);
    m_progressPath->setText(config.jobs.progressPath);
    m_notifications->setChannelNotifications(config.notifications, config.group);
    m_jobSeries->setText(config.jobSeriesPattern);

    m_profileHelp->setText(profileDescription(m_profile->currentData().toString()));
    showTheProfilesKnobs();
    onAuthChanged();
    onProxyModeChanged();
    validate();
}

void ChannelDialog::addPin(const QString &pin)
{
    CertificateInfo shown;
    shown.sha256 = normalizedFingerprint(pin);
    for (int i = 0; !shown.sha256.isEmpty() && i < m_pins->count(); ++i) {
        if (normalizedFingerprint(m_pins->item(i)->data(Qt::UserRole).toString()) == shown.sha256)
            return;
    }
    auto *item = new QListWidgetItem(pin, m_pins);
    if (!shown.sha256.isEmpty())
        item->setText(shown.fingerprintText());
    item->setData(Qt::UserRole, pin);
}

void ChannelDialog::setTakenNames(const QStringList &names)
{
    m_takenNames = names;
    validate();
}

milliseconds ChannelDialog::profileDefaultHold() const
{
    const std::unique_ptr<FeedProfile> profile =
        createProfile(m_profile->currentData().toString(),
                      QUrl(QStringLiteral("http://localhost/")), {}, nullptr);
    return profile ? duration_cast<milliseconds>(profile->holdTime()) : milliseconds(55'000);
}

void ChannelDialog::onProfileChanged()
{
    m_profileHelp->setText(profileDescription(m_profile->currentData().toString()));
    m_hold->setValue(toSeconds(profileDefaultHold()));
    showTheProfilesKnobs();
    validate();
}

void ChannelDialog::showTheProfilesKnobs()
{
    // Thirty settings of generic-json are noise on an ntfy channel: only the
    // chosen profile's are shown, and any other that holds a value, so that
    // nothing set is hidden (validate() names it if the profile refuses it).
    const QString id = m_profile->currentData().toString();
    auto shown = [&](const QString &name) {
        const QLineEdit *edit = m_knobEdits.value(name);
        return edit && (profileTakesKnob(id, name) || !edit->text().trimmed().isEmpty());
    };
    // The rows are taken out and the shown ones put back in order: a row
    // hidden before the dialog was first shown (by QFormLayout::setRowVisible()
    // or by hiding its widgets) came back 0 px tall in Qt 6.4.
    for (const KnobRow &row : std::as_const(m_knobRows)) {
        if (m_knobsForm->indexOf(row.field) < 0)
            continue;
        const QFormLayout::TakeRowResult taken = m_knobsForm->takeRow(row.field);
        delete taken.labelItem;
        delete taken.fieldItem;
    }
    for (const KnobRow &row : std::as_const(m_knobRows)) {
        const bool on = std::any_of(row.knobs.cbegin(), row.knobs.cend(), shown);
        if (row.label)
            row.label->setVisible(on);
        row.field->setVisible(on);
        if (on && row.label)
            m_knobsForm->addRow(row.label, row.field);
        else if (on)
            m_knobsForm->addRow(row.field);
    }
}

void ChannelDialog::onAuthChanged()
{
    const auto auth = ChannelConfig::Auth(m_auth->currentData().toInt());
    m_accessForm->setRowVisible(m_token->parentWidget(), auth == ChannelConfig::Auth::Bearer);
    m_accessForm->setRowVisible(m_user->parentWidget(), auth == ChannelConfig::Auth::Basic);
    m_accessForm->setRowVisible(m_password->parentWidget(), auth == ChannelConfig::Auth::Basic);
    validate();
}

QVariantMap ChannelDialog::knobs() const
{
    QVariantMap knobs;
    for (auto it = m_knobEdits.cbegin(); it != m_knobEdits.cend(); ++it) {
        const QString value = it.value()->text().trimmed();
        if (!value.isEmpty())
            knobs.insert(it.key(), value);
    }
    // The hold time is a knob too, written only when it differs from the
    // profile's own, so that a profile's new default reaches old channels.
    const milliseconds hold = fromSeconds(m_hold->value());
    if (hold != profileDefaultHold())
        knobs.insert(QStringLiteral("hold"), QString::number(m_hold->value(), 'g', 10));
    return knobs;
}

QString ChannelDialog::urlText() const
{
    // The masks stand for the hidden secrets, in the order they were shown.
    QString text = m_url->text().trimmed();
    qsizetype from = 0;
    for (const QString &secret : m_hiddenUrlSecrets) {
        const qsizetype at = text.indexOf(kHiddenUrlSecret, from);
        if (at < 0)
            break;
        text.replace(at, kHiddenUrlSecret.size(), secret);
        from = at + secret.size();
    }
    return text;
}

ChannelConfig ChannelDialog::config() const
{
    ChannelConfig c = m_base;
    c.name = m_name->text().trimmed();
    c.group = m_group->currentText().simplified();
    c.url = QUrl(urlText(), QUrl::StrictMode);
    c.alternateUrls.clear();
    for (const QString &line : m_alternateUrls->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            c.alternateUrls << QUrl(line.trimmed(), QUrl::StrictMode);
    }
    c.profileId = m_profile->currentData().toString();
    c.knobs = knobs();
    c.auth = ChannelConfig::Auth(m_auth->currentData().toInt());
    c.token = c.auth == ChannelConfig::Auth::Bearer ? m_token->text().trimmed() : QString();
    c.user = c.auth == ChannelConfig::Auth::Basic ? m_user->text() : QString();
    c.password = c.auth == ChannelConfig::Auth::Basic ? m_password->text() : QString();
    c.headers = parseHeaderLines(m_headers->toPlainText());
    // A masked value is the stored one: the n-th masked header of a name
    // gets that name's n-th hidden value.
    QHash<QByteArray, int> used;
    for (auto &[name, value] : c.headers) {
        if (value != kHiddenHeaderValue)
            continue;
        const QByteArray key = name.toLower();
        int seen = used.value(key);
        for (const auto &[hiddenName, hiddenValue] : std::as_const(m_hiddenHeaderValues)) {
            if (hiddenName != key || seen-- > 0)
                continue;
            value = hiddenValue;
            break;
        }
        used[key] += 1;
    }
    c.timing.connectTimeout = fromSeconds(m_connectTimeout->value());
    c.timing.deadlineMargin = fromSeconds(m_deadlineMargin->value());
    c.timing.inactivityTimeout = fromSeconds(m_inactivity->value());
    c.timing.backoffInitial = fromSeconds(m_backoffInitial->value());
    c.timing.backoffMax = fromSeconds(m_backoffMax->value());
    c.keepEvents = m_keepEvents->value();
    c.keepDays = m_keepDays->value();
    TransportOptions &transport = c.timing.transport;
    transport.proxy.mode = ProxySettings::Mode(m_proxyMode->currentData().toInt());
    const bool ownProxy = transport.proxy.mode == ProxySettings::Mode::Http ||
                          transport.proxy.mode == ProxySettings::Mode::Socks5;
    transport.proxy.host = ownProxy ? m_proxyHost->text().trimmed() : QString();
    transport.proxy.port = ownProxy ? quint16(m_proxyPort->value()) : quint16(0);
    transport.proxy.user = ownProxy ? m_proxyUser->text() : QString();
    transport.proxy.password = ownProxy ? m_proxyPassword->text() : QString();
    transport.httpVersion = HttpVersion(m_httpVersion->currentData().toInt());
    transport.tls.caCertificatesFile = m_caFile->text().trimmed();
    transport.tls.clientCertificateFile = m_clientCert->text().trimmed();
    transport.tls.clientKeyFile = m_clientKey->text().trimmed();
    transport.tls.clientKeyPassphrase = m_keyPassphrase->text();
    transport.tls.pinnedSha256.clear();
    for (int i = 0; i < m_pins->count(); ++i)
        transport.tls.pinnedSha256 << m_pins->item(i)->data(Qt::UserRole).toString();
    // Kept as they were unless changed, so that odd byte counts survive an edit.
    const auto kib = [](qint64 bytes) { return (bytes + 1023) / 1024; };
    if (m_maxBody->value() != kib(m_base.timing.maxBodyBytes))
        c.timing.maxBodyBytes = qint64(m_maxBody->value()) * 1024;
    if (m_maxHeader->value() != kib(m_base.timing.maxHeaderBytes))
        c.timing.maxHeaderBytes = qint64(m_maxHeader->value()) * 1024;
    if (m_maxEvents->value() != m_base.timing.maxEventsPerBatch)
        c.timing.maxEventsPerBatch = m_maxEvents->value();
    QStringList paths;
    for (const QString &path : m_jobPaths->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        paths << path.trimmed();
    c.jobs.jobPaths = paths;
    c.jobs.statusPath = m_statusPath->text().trimmed();
    c.jobs.progressPath = m_progressPath->text().trimmed();
    c.notifications = m_notifications->channelNotifications();
    c.jobSeriesPattern = m_jobSeries->text();
    return c;
}

void ChannelDialog::setError(QLabel *label, const QString &text)
{
    if (!label)
        return;
    if (text.isEmpty()) {
        label->clear();
        label->setVisible(false);
        return;
    }
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText,
                     StatusColors::forChannelState(Poller::State::Failed, this->palette()));
    label->setPalette(palette);
    label->setText(text);
    label->setVisible(true);
}

void ChannelDialog::validate()
{
    if (!m_buttons || !m_test)
        return; // still building
    const ChannelConfig c = config();
    QStringList problems;
    QHash<QLabel *, QStringList> shown; // the sentences at each error label
    QList<bool> tabHasError(TabCount, false);
    const auto report = [&](QLabel *label, int tab, const QString &sentence) {
        problems << sentence;
        if (label)
            shown[label] << sentence;
        tabHasError[tab] = true;
    };

    // What only the dialog can tell: the names of the other channels, header
    // lines it could not read, the files on this computer.
    if (!c.name.isEmpty() && m_takenNames.contains(c.name, Qt::CaseInsensitive) &&
        (!m_editing || c.name.compare(m_base.name, Qt::CaseInsensitive) != 0))
        report(m_nameError, FeedTab, tr("Another channel is already called \"%1\".").arg(c.name));
    QStringList headerErrors;
    parseHeaderLines(m_headers->toPlainText(), &headerErrors);
    for (const QString &error : std::as_const(headerErrors))
        report(m_headersError, AccessTab, error);
    const TlsSettings &tls = c.timing.transport.tls;
    for (const auto &[label, file] : {std::pair{m_caFileError, tls.caCertificatesFile},
                                      std::pair{m_clientCertError, tls.clientCertificateFile},
                                      std::pair{m_clientKeyError, tls.clientKeyFile}}) {
        if (const QString problem = checkFile(file); !problem.isEmpty())
            report(label, ConnectionTab, problem);
    }

    // The rules of a configuration, each at its field.
    bool feedOk = true; // the address, the profile and its knobs
    for (const ChannelConfig::Problem &problem : c.problems()) {
        const auto [label, tab] = placeOf(problem);
        // A key file that is not there is the first thing to fix.
        if (problem.field == ChannelConfig::Field::ClientKey && shown.contains(label))
            continue;
        feedOk = feedOk && tab != KnobsTab && problem.field != ChannelConfig::Field::Url &&
                 problem.field != ChannelConfig::Field::Profile;
        report(label, tab, problem.sentence);
    }
    for (QLabel *label : errorLabels())
        setError(label,
                 shown.value(label).join(label == m_headersError || label == m_alternateUrlsError
                                             ? QLatin1Char('\n')
                                             : QLatin1Char(' ')));

    const auto httpVersion = HttpVersion(m_httpVersion->currentData().toInt());
    m_httpVersionHelp->setText(httpVersion == HttpVersion::Http2
                                   ? tr("For http:// the server must speak HTTP/2 without TLS.")
                               : httpVersion == HttpVersion::Http1Only
                                   ? tr("For servers that misbehave with HTTP/2.")
                                   : tr("HTTP/1.1 on Longwatch's own client; choose HTTP/2 "
                                        "for HTTP/2 over https."));
    for (int tab = 0; tab < m_tabs->count(); ++tab)
        m_tabs->setTabIcon(tab, tabHasError[tab]
                                    ? Icons::tinted(QStringLiteral("warning"),
                                                    StatusColors::forChannelState(
                                                        Poller::State::Failed, palette()))
                                    : QIcon());

    m_problems = problems;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problems.isEmpty());
    // A test needs a feed to ask; the name and the job mapping do not matter.
    m_testButton->setEnabled(m_test->isRunning() ||
                             (feedOk && !tabHasError[AccessTab] && !tabHasError[ConnectionTab] &&
                              !tabHasError[TimingTab]));
}

std::pair<QLabel *, int> ChannelDialog::placeOf(const ChannelConfig::Problem &problem) const
{
    using Field = ChannelConfig::Field;
    switch (problem.field) {
    case Field::Name:
        return {m_nameError, FeedTab};
    case Field::Url:
        return {m_urlError, FeedTab};
    case Field::AlternateUrls:
        return {m_alternateUrlsError, ConnectionTab};
    case Field::Knob:
        return {m_knobErrors.value(problem.knob), KnobsTab};
    case Field::Profile:
        return {m_profileError, FeedTab};
    case Field::Token:
        return {m_tokenError, AccessTab};
    case Field::User:
        return {m_userError, AccessTab};
    case Field::Proxy:
        return {m_proxyHostError, ConnectionTab};
    case Field::ClientKey:
        return {m_clientKeyError, ConnectionTab};
    case Field::PinnedCertificates:
    case Field::Limits:
        return {nullptr, ConnectionTab};
    case Field::Backoff:
        return {m_backoffError, TimingTab};
    case Field::JobPaths:
        return {m_jobPathsError, JobsTab};
    case Field::StatusPath:
        return {m_statusPathError, JobsTab};
    case Field::ProgressPath:
        return {m_progressPathError, JobsTab};
    case Field::JobSeries:
        return {m_jobSeriesError, JobsTab};
    }
    return {nullptr, FeedTab};
}

QList<QLabel *> ChannelDialog::errorLabels() const
{
    QList<QLabel *> labels{
        m_nameError,     m_urlError,        m_profileError,       m_tokenError,
        m_userError,     m_headersError,    m_alternateUrlsError, m_proxyHostError,
        m_caFileError,   m_clientCertError, m_clientKeyError,     m_backoffError,
        m_jobPathsError, m_statusPathError, m_progressPathError,  m_jobSeriesError};
    for (QLabel *label : m_knobErrors)
        labels << label;
    return labels;
}

void ChannelDialog::toggleTest()
{
    if (m_test->isRunning()) {
        m_test->cancel();
        return;
    }
    ChannelConfig c = config();
    if (c.name.isEmpty())
        c.name = tr("test");
    showTestRunning();
    // Fresh connections for every test: Qt 6.4 shares a kept-alive
    // connection, and the TLS trust it was made with, between requests to
    // the same server, so a certificate trusted by a pin the person has
    // just removed (or a CA file since changed) would still pass.
    m_network->clearConnectionCache();
    m_test->start(c);
}

void ChannelDialog::trustTestedCertificate()
{
    const TlsFailure failure = m_test->tlsFailure();
    if (m_test->isRunning() || !failure.canBePinned() || failure.pinned)
        return;
    addPin(failure.certificate.sha256);
    validate();
    toggleTest();
}

void ChannelDialog::showTestRunning()
{
    m_testButton->setText(tr("&Cancel Test"));
    m_testButton->setEnabled(true);
    m_testIcon->setPixmap(
        Icons::tinted(QStringLiteral("reconnect"),
                      StatusColors::forChannelState(Poller::State::Waiting, palette()))
            .pixmap(18, 18));
    m_testStatus->setText(
        tr("Asking the server… it may hold the request for up to %1 s when there is no news.")
            .arg(m_hold->value()));
    m_testDetail->setVisible(false);
    m_trustButton->setVisible(false);
    m_testPreview->clear();
    m_testPreview->setVisible(false);
}

void ChannelDialog::onTestFinished(ConnectionTest::Outcome outcome)
{
    m_testButton->setText(tr("&Test Connection"));
    m_trustButton->setVisible(false);
    validate();
    const QColor good = StatusColors::forChannelState(Poller::State::Live, palette());
    const QColor bad = StatusColors::forChannelState(Poller::State::Failed, palette());
    const double seconds = double(m_test->elapsed().count()) / 1000.0;
    const QString cursor = m_test->cursor();
    switch (outcome) {
    case ConnectionTest::Outcome::Events: {
        const EventList events = m_test->events();
        m_testIcon->setPixmap(Icons::tinted(QStringLiteral("ok"), good).pixmap(18, 18));
        // Spelled out rather than "%n event(s)": no English catalogue is loaded.
        const QString elapsed = QLocale().toString(seconds, 'f', 1);
        m_testStatus->setText(events.size() == 1
                                  ? tr("Connected: 1 event found in %1 s.").arg(elapsed)
                                  : tr("Connected: %1 events found in %2 s.")
                                        .arg(QLocale().toString(events.size()), elapsed));
        m_testDetail->setText(
            tr("The channel would continue from cursor %1. The newest events are shown below.")
                .arg(cursor.isEmpty() ? tr("(none)") : cursor));
        m_testDetail->setVisible(true);
        // Newest first: what a person wants to recognise is what just happened.
        const qsizetype shown = std::min<qsizetype>(events.size(), 50);
        for (qsizetype i = events.size() - 1; i >= events.size() - shown; --i) {
            const Event &event = events.at(i);
            auto *item = new QTreeWidgetItem(m_testPreview);
            item->setText(0, event.key);
            item->setText(1, event.type);
            item->setText(2, event.text.isEmpty() ? QString::fromUtf8(event.raw) : event.text);
            item->setToolTip(2, QString::fromUtf8(event.raw));
        }
        m_testPreview->resizeColumnToContents(0);
        m_testPreview->resizeColumnToContents(1);
        m_testPreview->setVisible(true);
        break;
    }
    case ConnectionTest::Outcome::NoNews:
        m_testIcon->setPixmap(Icons::tinted(QStringLiteral("ok"), good).pixmap(18, 18));
        m_testStatus->setText(tr("Connected: the server answered after %1 s with nothing new.")
                                  .arg(seconds, 0, 'f', 1));
        m_testDetail->setText(tr("Cursor: %1").arg(cursor.isEmpty() ? tr("(none)") : cursor));
        m_testDetail->setVisible(true);
        break;
    case ConnectionTest::Outcome::Failed: {
        m_testIcon->setPixmap(Icons::tinted(QStringLiteral("error"), bad).pixmap(18, 18));
        m_testStatus->setText(m_test->errorString());
        m_testDetail->setText(m_test->errorDetail());
        m_testDetail->setVisible(!m_test->errorDetail().isEmpty());
        // Offered only where a pin lets the certificate through: not for an
        // expired or revoked one, nor for one pinned already.
        const TlsFailure failure = m_test->tlsFailure();
        if (failure.canBePinned() && !failure.pinned) {
            const CertificateInfo &certificate = failure.certificate;
            QString text = tr("Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256: %5")
                               .arg(certificate.subject, certificate.issuer,
                                    QLocale().toString(certificate.notBefore, QLocale::ShortFormat),
                                    QLocale().toString(certificate.notAfter, QLocale::ShortFormat),
                                    certificate.fingerprintText());
            if (!certificate.hostNames.isEmpty())
                text +=
                    QLatin1Char('\n') + tr("Names in the certificate: %1")
                                            .arg(certificate.hostNames.join(QStringLiteral(", ")));
            text += QStringLiteral("\n\n") +
                    tr("Trust it only if you know this fingerprint to be the server's. The "
                       "channel will then accept exactly this certificate; other channels are "
                       "not affected.");
            m_testDetail->setText(text);
            m_testDetail->setVisible(true);
            m_trustButton->setVisible(true);
        }
        break;
    }
    case ConnectionTest::Outcome::Cancelled:
    case ConnectionTest::Outcome::None:
        m_testIcon->clear();
        m_testStatus->setText(tr("Test cancelled."));
        break;
    }
    Q_EMIT testFinished(outcome);
}

} // namespace Longwatch
