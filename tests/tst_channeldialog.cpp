#include "channeldialog.h"
#include "fakehttpserver.h"
#include "profiles.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

template<typename T> T *child(const ChannelDialog &dialog, const char *name)
{
    T *widget = dialog.findChild<T *>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

/// The error label that sits with a field (in the same little box).
QLabel *errorLabelOf(QWidget *field)
{
    const QList<QLabel *> labels = field->parentWidget()->findChildren<QLabel *>();
    for (QLabel *label : labels) {
        if (label->property("longwatchError").toBool())
            return label;
    }
    return nullptr;
}

void typeInto(QLineEdit *edit, const QString &text)
{
    edit->clear();
    QTest::keyClicks(edit, text);
}

} // namespace

class tst_ChannelDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validatesAsTyped_data();
    void validatesAsTyped();
    void roundTripsAConfiguration();
    void otherAddressesOnePerLine();
    void feedFormatRowsAreLabelledInWords();
    void feedFormatShowsTheChosenProfilesSettings();
    void showsOnlyTheFieldsOfTheChosenAuthentication();
    void refusesATakenName();
    void showsTheConfigurationsSentencesAtTheirFields();
    void storedSecretHeaderValuesAreNotShown();
    void secretsInTheAddressAreNotShown();
    void testConnectionShowsWhatCameBack_data();
    void testConnectionShowsWhatCameBack();
    void testCanBeCancelled();
    void connectionFieldsValidateAsTyped_data();
    void connectionFieldsValidateAsTyped();
    void connectionSettingsRoundTrip();
    void secretFieldsWarnWhenSecretsAreKeptInAPlainFile();
    void trustingARefusedCertificatePinsItAndTestsAgain_data();
    void trustingARefusedCertificatePinsItAndTestsAgain();
    void anExpiredCertificateIsNotOfferedForTrust_data();
    void anExpiredCertificateIsNotOfferedForTrust();

private:
    /// Rows for each HTTP client the dialog's test may take: Longwatch's
    /// own and Qt's (LONGWATCH_HTTP_CLIENT=qt, read when the dialog is made).
    static void addClientRows();
};

namespace {

/// Sets LONGWATCH_HTTP_CLIENT for the dialogs made while it lives.
class ClientChoice
{
public:
    explicit ClientChoice(bool ownClient)
    {
        if (ownClient)
            qunsetenv("LONGWATCH_HTTP_CLIENT");
        else
            qputenv("LONGWATCH_HTTP_CLIENT", "qt");
    }
    ~ClientChoice() { qunsetenv("LONGWATCH_HTTP_CLIENT"); }
    ClientChoice(const ClientChoice &) = delete;
    ClientChoice &operator=(const ClientChoice &) = delete;
};

} // namespace

void tst_ChannelDialog::addClientRows()
{
    QTest::addColumn<bool>("ownClient");
    QTest::newRow("on Longwatch's client") << true;
    QTest::newRow("on Qt's client") << false;
}

void tst_ChannelDialog::connectionFieldsValidateAsTyped_data()
{
    QTest::addColumn<int>("proxyMode");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("field"); // the field whose error label must speak
    QTest::addColumn<QString>("fieldText");
    QTest::addColumn<QString>("reasonWord"); // empty: no problem

    QTest::newRow("the system proxy needs no server")
        << int(ProxySettings::Mode::System) << "" << 0 << ""
        << ""
        << "";
    QTest::newRow("an HTTP proxy without a server is refused")
        << int(ProxySettings::Mode::Http) << "" << 3128 << "proxyHostEdit"
        << ""
        << "server";
    QTest::newRow("a SOCKS5 proxy without a port is refused")
        << int(ProxySettings::Mode::Socks5) << "proxy.example" << 0 << "proxyHostEdit"
        << ""
        << "port";
    QTest::newRow("a complete HTTP proxy is fine")
        << int(ProxySettings::Mode::Http) << "proxy.example" << 3128 << ""
        << ""
        << "";
    QTest::newRow("a CA file that does not exist is refused")
        << int(ProxySettings::Mode::System) << "" << 0 << "caFileEdit"
        << "/nonexistent/ca.pem"
        << "no file";
    QTest::newRow("a key without its certificate is refused")
        << int(ProxySettings::Mode::System) << "" << 0 << "clientKeyEdit"
        << "@existing"
        << "certificate";
}

void tst_ChannelDialog::connectionFieldsValidateAsTyped()
{
    QFETCH(int, proxyMode);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, field);
    QFETCH(QString, fieldText);
    QFETCH(QString, reasonWord);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString existing = dir.filePath("some.pem");
    {
        QFile file(existing);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not checked here\n");
    }
    ChannelDialog dialog;
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "Builds");
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));

    auto *mode = child<QComboBox>(dialog, "proxyModeCombo");
    mode->setCurrentIndex(mode->findData(proxyMode));
    typeInto(child<QLineEdit>(dialog, "proxyHostEdit"), host);
    child<QSpinBox>(dialog, "proxyPortSpin")->setValue(port);
    if (!field.isEmpty() && field != "proxyHostEdit")
        typeInto(child<QLineEdit>(dialog, qPrintable(field)),
                 fieldText == "@existing" ? existing : fieldText);

    if (reasonWord.isEmpty()) {
        QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
        return;
    }
    QVERIFY(!dialog.problems().isEmpty());
    // The proxy's server and port share a row; the reason sits below both.
    QWidget *edit = child<QLineEdit>(dialog, qPrintable(field));
    QLabel *error = errorLabelOf(field == "proxyHostEdit" ? edit->parentWidget() : edit);
    QVERIFY(error);
    QVERIFY2(error->text().contains(reasonWord, Qt::CaseInsensitive), qPrintable(error->text()));
    QVERIFY(!child<QPushButton>(dialog, "okButton")->isEnabled());
}

void tst_ChannelDialog::otherAddressesOnePerLine()
{
    ChannelDialog dialog;
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "Builds");
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    auto *others = child<QPlainTextEdit>(dialog, "alternateUrlsEdit");
    others->setPlainText("http://127.0.0.2:1/poll\n\n  http://127.0.0.3:1/poll  \n");
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QCOMPARE(dialog.config().alternateUrls,
             (QList<QUrl>{QUrl("http://127.0.0.2:1/poll"), QUrl("http://127.0.0.3:1/poll")}));

    // Validated like the address, at the field.
    others->setPlainText("http://127.0.0.2:1/poll\nftp://127.0.0.3/poll");
    QLabel *error = errorLabelOf(others);
    QVERIFY(error);
    QVERIFY2(error->text().contains("http://"), qPrintable(error->text()));
    QVERIFY(!child<QPushButton>(dialog, "okButton")->isEnabled());

    // Shown again as they were set.
    ChannelConfig config = dialog.config();
    config.alternateUrls = {QUrl("https://b.example/feed")};
    dialog.setConfig(config);
    QCOMPARE(others->toPlainText(), QString("https://b.example/feed"));
    QVERIFY(child<QPushButton>(dialog, "okButton")->isEnabled());
}

void tst_ChannelDialog::connectionSettingsRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList files;
    for (const char *name : {"ca.pem", "client.pem", "client.key"}) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        files << file.fileName();
    }
    ChannelConfig c;
    c.id = "conn";
    c.name = "Secure";
    c.url = QUrl("https://127.0.0.1:1/poll");
    TransportOptions &t = c.timing.transport;
    t.proxy = {ProxySettings::Mode::Socks5, "proxy.example", 1080, "pu", "ppw"};
    t.httpVersion = HttpVersion::Http2;
    t.tls.caCertificatesFile = files.at(0);
    t.tls.clientCertificateFile = files.at(1);
    t.tls.clientKeyFile = files.at(2);
    t.tls.clientKeyPassphrase = "${env:LW_KEY_PASS}";
    t.tls.pinnedSha256 = {QString(64, 'a'), QString(64, 'b')};
    c.timing.maxBodyBytes = 2 * 1024 * 1024;
    c.timing.maxHeaderBytes = 12345; // not whole KiB: kept unless changed
    c.timing.maxEventsPerBatch = 500;

    ChannelDialog dialog;
    dialog.setConfig(c);
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    ChannelConfig back = dialog.config();
    QCOMPARE(back.timing.transport, c.timing.transport);
    QCOMPARE(back.timing.maxBodyBytes, c.timing.maxBodyBytes);
    QCOMPARE(back.timing.maxHeaderBytes, c.timing.maxHeaderBytes);
    QCOMPARE(back.timing.maxEventsPerBatch, c.timing.maxEventsPerBatch);
    QVERIFY(child<QLabel>(dialog, "secretWarning")->isHidden()); // no warning given

    // Removing a pin removes it from the configuration.
    auto *pins = child<QListWidget>(dialog, "pinsList");
    QCOMPARE(pins->count(), 2);
    QVERIFY(pins->item(0)->text().contains(':')); // shown as browsers show it
    pins->setCurrentRow(0);
    QTest::mouseClick(child<QPushButton>(dialog, "removePinButton"), Qt::LeftButton);
    QCOMPARE(dialog.config().timing.transport.tls.pinnedSha256, QStringList{QString(64, 'b')});

    // Limits typed in the dialog are taken in KiB.
    child<QSpinBox>(dialog, "maxHeaderSpin")->setValue(32);
    QCOMPARE(dialog.config().timing.maxHeaderBytes, 32 * 1024);
}

void tst_ChannelDialog::secretFieldsWarnWhenSecretsAreKeptInAPlainFile()
{
    ChannelDialog dialog;
    const QList<QLabel *> warnings = dialog.findChildren<QLabel *>("secretWarning");
    // Token, password, headers, proxy password, key passphrase.
    QCOMPARE(warnings.size(), 5);
    for (QLabel *label : warnings)
        QVERIFY(label->isHidden());
    dialog.setSecretWarning("Secrets are kept in a plain file.");
    for (QLabel *label : warnings) {
        QVERIFY(!label->isHidden());
        QVERIFY(label->text().contains("unencrypted"));
        QCOMPARE(label->toolTip(), QStringLiteral("Secrets are kept in a plain file."));
    }
    dialog.setSecretWarning({});
    for (QLabel *label : warnings)
        QVERIFY(label->isHidden());
}

void tst_ChannelDialog::validatesAsTyped_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reasonWord"); // empty: the field is fine

    QTest::newRow("a good address is fine") << "urlEdit"
                                            << "http://127.0.0.1:1/poll"
                                            << "";
    QTest::newRow("an address without a scheme is refused") << "urlEdit"
                                                            << "example.com/poll"
                                                            << "http";
    QTest::newRow("an ftp address is refused") << "urlEdit"
                                               << "ftp://example.com/x"
                                               << "http";
    QTest::newRow("a broken events path is refused with the position") << "knob_events-path"
                                                                       << "data["
                                                                       << "path";
    QTest::newRow("a good events path is fine") << "knob_events-path"
                                                << "data.items"
                                                << "";
    QTest::newRow("a bad knob value is refused") << "knob_cursor-target"
                                                 << "sideways"
                                                 << "sideways";
    QTest::newRow("a broken job path is refused") << "jobPathsEdit"
                                                  << "job, build["
                                                  << "build[";
    QTest::newRow("a job series pattern without a group is refused") << "jobSeriesEdit"
                                                                     << "^build-\\d+$"
                                                                     << "group";
    QTest::newRow("a job series pattern with a group is fine") << "jobSeriesEdit"
                                                               << "^(build)-\\d+$"
                                                               << "";
    QTest::newRow("an empty name is refused") << "nameEdit"
                                              << ""
                                              << "name";
}

void tst_ChannelDialog::validatesAsTyped()
{
    QFETCH(QString, field);
    QFETCH(QString, text);
    QFETCH(QString, reasonWord);

    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "builds");
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QPushButton *ok = child<QPushButton>(dialog, "okButton");
    QVERIFY(ok->isEnabled());

    auto *edit = child<QLineEdit>(dialog, field.toLatin1().constData());
    typeInto(edit, text);
    QLabel *error = errorLabelOf(edit);
    QVERIFY(error);
    if (reasonWord.isEmpty()) {
        QVERIFY(error->isHidden());
        QVERIFY(ok->isEnabled());
        return;
    }
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(reasonWord, Qt::CaseInsensitive), qPrintable(error->text()));
    QVERIFY(!ok->isEnabled());
    QVERIFY(!dialog.problems().isEmpty());
    // Putting it right clears the reason at once.
    typeInto(edit, field == "urlEdit"        ? "http://127.0.0.1:1/poll"
                   : field == "nameEdit"     ? "builds"
                   : field == "jobPathsEdit" ? "job"
                                             : "");
    QVERIFY(error->isHidden());
    QVERIFY(ok->isEnabled());
}

void tst_ChannelDialog::roundTripsAConfiguration()
{
    ChannelConfig c;
    c.id = "abc";
    c.name = "deploys";
    c.url = QUrl("https://ci.example.com/feeds/deploys/poll");
    c.profileId = "seed-events";
    c.knobs = {{"hold", "20"}, {"events-path", "data.events"}};
    c.headers = {{"X-Team", "blue"}};
    c.auth = ChannelConfig::Auth::Basic;
    c.user = "ann";
    c.password = "secret";
    c.timing.connectTimeout = 2500ms;
    c.timing.backoffInitial = 3s;
    c.timing.backoffMax = 120s;
    c.jobs.jobPaths = {"deploy.id", "id"};
    c.jobs.statusPath = "deploy.state";
    c.notifications.followDefaults = false;
    c.notifications.rules.setOn(NotificationRules::Transition::JobFinished, true);
    c.notifications.rules.setOn(NotificationRules::Transition::JobFixed, false);
    c.notifications.rules.setBreaksThrough(NotificationRules::Transition::ChannelDown, true);
    c.notifications.rules.setDownMinutes(17);
    c.jobSeriesPattern = "^(deploy)/";
    c.paused = true;

    ChannelDialog dialog;
    dialog.setConfig(c);
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QVERIFY(dialog.windowTitle().contains("deploys"));
    const ChannelConfig back = dialog.config();
    QCOMPARE(back.id, c.id);
    QCOMPARE(back.name, c.name);
    QCOMPARE(back.url, c.url);
    QCOMPARE(back.knobs, c.knobs);
    QCOMPARE(back.headers, c.headers);
    QCOMPARE(back.auth, c.auth);
    QCOMPARE(back.user, c.user);
    QCOMPARE(back.password, c.password);
    QCOMPARE(back.timing.connectTimeout, c.timing.connectTimeout);
    QCOMPARE(back.timing.backoffInitial, c.timing.backoffInitial);
    QCOMPARE(back.timing.backoffMax, c.timing.backoffMax);
    QCOMPARE(back.jobs, c.jobs);
    QCOMPARE(back.notifications, c.notifications);
    QCOMPARE(back.jobSeriesPattern, c.jobSeriesPattern);
    QCOMPARE(back.paused, true);

    // The profile's own hold time is not written as a knob.
    child<QDoubleSpinBox>(dialog, "holdSpin")->setValue(55);
    QVERIFY(!dialog.config().knobs.contains("hold"));
}

void tst_ChannelDialog::feedFormatRowsAreLabelledInWords()
{
    ChannelDialog dialog;
    dialog.show();
    auto *profile = child<QComboBox>(dialog, "profileCombo");
    profile->setCurrentIndex(profile->findData(QStringLiteral("generic-json")));
    auto *tabs = dialog.findChild<QTabWidget *>();
    QVERIFY(tabs);
    QWidget *page = nullptr;
    for (int i = 0; i < tabs->count(); ++i) {
        if (tabs->tabText(i).remove(QLatin1Char('&')) == QLatin1String("Feed format"))
            page = tabs->widget(i);
    }
    QVERIFY(page);

    QStringList names;
    for (const ProfileKnob &knob : profileKnobs())
        names.append(knob.name);
    // "cursor-target", "id-path": lowercase words joined by '-'.
    static const QRegularExpression optionLike(QStringLiteral("^[a-z]+(-[a-z]+)*:?$"));
    int knobRows = 0;
    const QList<QFormLayout *> forms = page->findChildren<QFormLayout *>();
    QVERIFY(!forms.isEmpty());
    for (QFormLayout *form : forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            QLayoutItem *item = form->itemAt(row, QFormLayout::LabelRole);
            auto *label = item ? qobject_cast<QLabel *>(item->widget()) : nullptr;
            if (!label)
                continue;
            const QString text = label->text().remove(QLatin1Char('&'));
            QVERIFY2(!optionLike.match(text).hasMatch(), qPrintable(text));
            QVERIFY2(!names.contains(text.chopped(text.endsWith(QLatin1Char(':')) ? 1 : 0)),
                     qPrintable(text));
            QVERIFY2(text.contains(QLatin1Char(' ')), qPrintable(text)); // words, not a name
            auto *edit = qobject_cast<QLineEdit *>(label->buddy());
            if (!edit || !edit->objectName().startsWith(QLatin1String("knob_")))
                continue;
            ++knobRows;
            const QString name = edit->objectName().mid(5);
            QVERIFY2(names.contains(name), qPrintable(name));
            if (name.contains(QLatin1Char('-')))
                QVERIFY2(!text.contains(name), qPrintable(text));
            QVERIFY2(label->toolTip().contains(name), qPrintable(label->toolTip()));
            QVERIFY2(edit->toolTip().contains(name), qPrintable(edit->toolTip()));
        }
    }
    // Every knob of the profile but the hold time (a number on the Feed tab)
    // has its row.
    const qsizetype offered = std::count_if(names.cbegin(), names.cend(), [](const QString &n) {
        return n != QLatin1String("hold") && profileTakesKnob(QStringLiteral("generic-json"), n);
    });
    QCOMPARE(knobRows, offered);
}

void tst_ChannelDialog::feedFormatShowsTheChosenProfilesSettings()
{
    ChannelDialog dialog;
    dialog.show();
    auto rowShown = [&](const char *knob) {
        const QString name = QStringLiteral("knob_") + QLatin1String(knob);
        auto *edit = dialog.findChild<QLineEdit *>(name);
        return edit && !edit->parentWidget()->isHidden();
    };
    auto headingShown = [&](const QString &text) {
        for (const QLabel *label : dialog.findChildren<QLabel *>()) {
            if (label->text() == text)
                return !label->isHidden();
        }
        return false;
    };
    auto *profile = child<QComboBox>(dialog, "profileCombo");
    auto choose = [&](const char *id) {
        profile->setCurrentIndex(profile->findData(QLatin1String(id)));
        QCOMPARE(profile->currentData().toString(), QLatin1String(id));
    };

    choose("generic-json");
    QVERIFY(rowShown("cursor-target"));
    QVERIFY(rowShown("bootstrap-url"));
    QVERIFY(!rowShown("mode"));
    QVERIFY(!rowShown("rooms"));
    QVERIFY(headingShown("Events"));

    // ntfy reads its own few settings; generic-json's thirty are hidden, and
    // so are the headings with nothing under them.
    choose("ntfy");
    QVERIFY(rowShown("mode"));
    QVERIFY(rowShown("initial-cursor"));
    QVERIFY(!rowShown("cursor-target"));
    QVERIFY(!rowShown("events-path"));
    QVERIFY(!headingShown("Events"));
    QVERIFY(!headingShown("Bootstrap request (before the first poll)"));

    choose("matrix-sync");
    QVERIFY(rowShown("rooms"));
    QVERIFY(rowShown("sync-filter"));
    QVERIFY(!rowShown("narrow"));

    choose("zulip-events");
    QVERIFY(rowShown("narrow"));
    QVERIFY(!rowShown("rooms"));
    // Set LONGWATCH_SCREENSHOT_DIR to keep pictures of the tab to look at.
    if (const QString shots = qEnvironmentVariable("LONGWATCH_SCREENSHOT_DIR"); !shots.isEmpty()) {
        auto *tabs = child<QTabWidget>(dialog, "tabs");
        for (int i = 0; i < tabs->count(); ++i) {
            if (tabs->tabText(i).remove(QLatin1Char('&')) == QLatin1String("Feed format"))
                tabs->setCurrentIndex(i);
        }
        for (const char *id : {"zulip-events", "ntfy", "generic-json"}) {
            choose(id);
            QCoreApplication::processEvents(); // the layout requests the rows posted
            QVERIFY(dialog.grab().save(shots + QStringLiteral("/feed-format-%1.png").arg(id)));
        }
    }

    // A setting that holds a value stays in sight, with the profile's refusal
    // beside it, rather than being hidden while it stops the channel.
    ChannelConfig c;
    c.name = QStringLiteral("topic");
    c.url = QUrl(QStringLiteral("http://127.0.0.1:1/sub/builds"));
    c.profileId = QStringLiteral("nchan");
    c.knobs = {{"events-path", "data.events"}};
    dialog.setConfig(c);
    QVERIFY(rowShown("events-path"));
    QVERIFY(headingShown("Events"));
    QVERIFY(!rowShown("cursor-target"));
    QVERIFY(!dialog.problems().isEmpty());
}

void tst_ChannelDialog::showsOnlyTheFieldsOfTheChosenAuthentication()
{
    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "builds");
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    child<QTabWidget>(dialog, "tabs")->setCurrentIndex(1);
    auto *auth = child<QComboBox>(dialog, "authCombo");
    auto *token = child<QLineEdit>(dialog, "tokenEdit");
    auto *user = child<QLineEdit>(dialog, "userEdit");
    QVERIFY(!token->isVisible());
    QVERIFY(!user->isVisible());

    auth->setCurrentIndex(auth->findData(int(ChannelConfig::Auth::Bearer)));
    QVERIFY(token->isVisible());
    QVERIFY(!user->isVisible());
    QVERIFY(!dialog.problems().isEmpty()); // a bearer token is required
    typeInto(token, "t0k3n");
    QVERIFY(dialog.problems().isEmpty());
    QCOMPARE(dialog.config().pollerSettings().headers.last().second, QByteArray("Bearer t0k3n"));

    auth->setCurrentIndex(auth->findData(int(ChannelConfig::Auth::None)));
    QVERIFY(dialog.config().token.isEmpty());

    auto *headers = child<QPlainTextEdit>(dialog, "headersEdit");
    headers->setPlainText("X-Good: 1\nbroken line");
    QVERIFY(!dialog.problems().isEmpty());
    QLabel *error = errorLabelOf(headers);
    QVERIFY(error && !error->isHidden());
    QVERIFY(error->text().contains("2"));
}

void tst_ChannelDialog::refusesATakenName()
{
    ChannelDialog dialog;
    dialog.setTakenNames({"builds"});
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "Builds");
    QVERIFY(!dialog.problems().isEmpty());
    QVERIFY(dialog.problems().first().contains("Builds"));
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "Builds 2");
    QVERIFY(dialog.problems().isEmpty());
}

void tst_ChannelDialog::showsTheConfigurationsSentencesAtTheirFields()
{
    // A configuration wrong on four tabs: the dialog checks nothing again,
    // it shows ChannelConfig's own sentences, each at its field.
    ChannelConfig c;
    c.name = "Builds";
    c.url = QUrl("http://127.0.0.1:1/poll");
    c.knobs = {{"cursor-target", "sideways"}};
    c.auth = ChannelConfig::Auth::Bearer;
    c.timing.transport.proxy.mode = ProxySettings::Mode::Http;
    c.timing.transport.proxy.host = "proxy.example";
    c.timing.backoffInitial = 60s;
    c.timing.backoffMax = 30s;
    c.jobs.statusPath = "state[";
    const QList<ChannelConfig::Problem> expected = c.problems();
    QCOMPARE(expected.size(), 5);

    ChannelDialog dialog;
    dialog.setConfig(c);
    QCOMPARE(dialog.problems(), c.validate());
    QVERIFY(!child<QPushButton>(dialog, "okButton")->isEnabled());

    const auto sentenceOf = [&](ChannelConfig::Field field) {
        for (const ChannelConfig::Problem &problem : expected) {
            if (problem.field == field)
                return problem.sentence;
        }
        return QString();
    };
    const auto shownAt = [&](const char *fieldName) {
        QWidget *field = child<QWidget>(dialog, fieldName);
        QLabel *error =
            errorLabelOf(qstrcmp(fieldName, "proxyHostEdit") == 0 ? field->parentWidget() : field);
        return error && !error->isHidden() ? error->text() : QString();
    };
    QCOMPARE(shownAt("knob_cursor-target"), sentenceOf(ChannelConfig::Field::Knob));
    QCOMPARE(shownAt("tokenEdit"), sentenceOf(ChannelConfig::Field::Token));
    QCOMPARE(shownAt("proxyHostEdit"), sentenceOf(ChannelConfig::Field::Proxy));
    QCOMPARE(shownAt("statusPathEdit"), sentenceOf(ChannelConfig::Field::StatusPath));
    QCOMPARE(shownAt("nameEdit"), QString());
    QCOMPARE(shownAt("urlEdit"), QString());
    QCOMPARE(shownAt("jobPathsEdit"), QString());
    QVERIFY(sentenceOf(ChannelConfig::Field::Backoff).contains("first retry"));
    QWidget *timingPage = child<QTabWidget>(dialog, "tabs")->widget(3);
    bool backoffShown = false;
    for (QLabel *label : timingPage->findChildren<QLabel *>()) {
        if (label->property("longwatchError").toBool() && !label->isHidden())
            backoffShown =
                backoffShown || label->text() == sentenceOf(ChannelConfig::Field::Backoff);
    }
    QVERIFY(backoffShown);

    // Feed, Access, Connection, Timing, Knobs, Jobs: all but the first are
    // marked; Notifications has nothing to say.
    auto *tabs = child<QTabWidget>(dialog, "tabs");
    QCOMPARE(tabs->count(), 7);
    const QList<bool> marked{false, true, true, true, true, true, false};
    for (int tab = 0; tab < tabs->count(); ++tab)
        QVERIFY2(tabs->tabIcon(tab).isNull() != marked.at(tab), qPrintable(tabs->tabText(tab)));
}

void tst_ChannelDialog::testConnectionShowsWhatCameBack_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<bool>("refuse");
    QTest::addColumn<ConnectionTest::Outcome>("outcome");
    QTest::addColumn<QString>("statusWord");
    QTest::addColumn<int>("previewRows");

    QTest::newRow("events found are listed newest first")
        << FakeResponse::seedEvents({1, 2, 3}) << false << ConnectionTest::Outcome::Events
        << "3 events" << 3;
    QTest::newRow("an empty answer says nothing new")
        << FakeResponse::json(R"({"events":[]})") << false << ConnectionTest::Outcome::NoNews
        << "nothing new" << 0;
    QTest::newRow("a refused connection is said in words")
        << FakeResponse::hold() << true << ConnectionTest::Outcome::Failed << "refused" << 0;
    QTest::newRow("a 403 shows the server's reason")
        << FakeResponse::status(403, R"({"error":"token expired"})") << false
        << ConnectionTest::Outcome::Failed << "token expired" << 0;
}

void tst_ChannelDialog::testConnectionShowsWhatCameBack()
{
    QFETCH(FakeResponse, response);
    QFETCH(bool, refuse);
    QFETCH(ConnectionTest::Outcome, outcome);
    QFETCH(QString, statusWord);
    QFETCH(int, previewRows);

    FakeHttpServer server;
    server.enqueue("/poll", response);
    if (refuse)
        server.refuseConnections();

    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "urlEdit"), server.url("/poll").toString());
    auto *button = child<QPushButton>(dialog, "testButton");
    QVERIFY(button->isEnabled()); // no name needed for a test
    QSignalSpy finished(&dialog, &ChannelDialog::testFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(finished.wait());
    QCOMPARE(finished.at(0).at(0).value<ConnectionTest::Outcome>(), outcome);
    const QString status = child<QLabel>(dialog, "testStatus")->text();
    QVERIFY2(status.contains(statusWord, Qt::CaseInsensitive), qPrintable(status));
    auto *preview = child<QTreeWidget>(dialog, "testPreview");
    QCOMPARE(preview->topLevelItemCount(), previewRows);
    QCOMPARE(preview->isVisible(), previewRows > 0);
    if (previewRows > 0) {
        QCOMPARE(preview->topLevelItem(0)->text(0), QStringLiteral("3"));
        QVERIFY(child<QLabel>(dialog, "testDetail")->text().contains("3"));
    }
    QCOMPARE(server.requestCount(), refuse ? 0 : 1);
}

void tst_ChannelDialog::testCanBeCancelled()
{
    FakeHttpServer server; // holds
    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "urlEdit"), server.url("/poll").toString());
    auto *button = child<QPushButton>(dialog, "testButton");
    QSignalSpy finished(&dialog, &ChannelDialog::testFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(server.heldCount(), 1);
    QVERIFY(button->text().contains("Cancel"));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.at(0).at(0).value<ConnectionTest::Outcome>(),
             ConnectionTest::Outcome::Cancelled);
    QVERIFY(button->text().contains("Test"));
}

void tst_ChannelDialog::trustingARefusedCertificatePinsItAndTestsAgain_data()
{
    addClientRows();
}

void tst_ChannelDialog::trustingARefusedCertificatePinsItAndTestsAgain()
{
    QFETCH(bool, ownClient);
    const ClientChoice client(ownClient);
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl'); it makes the "
              "test certificates.");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs(dir.path());
    QVERIFY2(certs.makeSelfSigned("self", "127.0.0.1"), qPrintable(certs.errorString()));
    const QSslCertificate certificate = certs.certificate("self");
    const CertificateInfo info = CertificateInfo::fromCertificate(certificate);
    TlsTestServer server(certificate, certs.key("self"));
    server.setKeepAlive(true); // a connection a later test could reuse
    QVERIFY(server.listen());

    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "urlEdit"), server.url("/poll").toString());
    auto *test = child<QPushButton>(dialog, "testButton");
    auto *trust = child<QPushButton>(dialog, "trustCertificateButton");
    auto *pins = child<QListWidget>(dialog, "pinsList");
    QVERIFY(trust->isHidden());
    QSignalSpy finished(&dialog, &ChannelDialog::testFinished);
    QTest::mouseClick(test, Qt::LeftButton);
    QVERIFY(finished.wait(15'000));
    QCOMPARE(finished.last().at(0).value<ConnectionTest::Outcome>(),
             ConnectionTest::Outcome::Failed);
    const QString status = child<QLabel>(dialog, "testStatus")->text();
    QVERIFY2(status.contains("not trusted"), qPrintable(status));
    // The certificate in words, and the choice to trust it.
    const QString detail = child<QLabel>(dialog, "testDetail")->text();
    QVERIFY(child<QLabel>(dialog, "testDetail")->isVisible());
    for (const QString &part : {"Subject: " + info.subject, "Issuer: " + info.issuer,
                                "SHA-256: " + info.fingerprintText(), QString("127.0.0.1")})
        QVERIFY2(detail.contains(part), qPrintable(detail));
    QVERIFY(trust->isVisible());
    QCOMPARE(pins->count(), 0);
    QCOMPARE(server.requestCount(), 0);

    // Trusting it pins it on the Connection tab and tests again, which passes.
    QTest::mouseClick(trust, Qt::LeftButton);
    QCOMPARE(pins->count(), 1);
    QCOMPARE(pins->item(0)->data(Qt::UserRole).toString(), info.sha256);
    QCOMPARE(pins->item(0)->text(), info.fingerprintText());
    QCOMPARE(dialog.config().timing.transport.tls.pinnedSha256, QStringList{info.sha256});
    QVERIFY(dialog.connectionTest()->isRunning());
    QVERIFY(trust->isHidden());
    QVERIFY(finished.wait(15'000));
    QCOMPARE(finished.last().at(0).value<ConnectionTest::Outcome>(),
             ConnectionTest::Outcome::NoNews);
    QVERIFY2(child<QLabel>(dialog, "testStatus")->text().contains("Connected"),
             qPrintable(child<QLabel>(dialog, "testStatus")->text()));
    QVERIFY(trust->isHidden());
    QCOMPARE(server.requestCount(), 1);
    QCOMPARE(isFromLongwatchClient(server.requests().first()), ownClient);

    // Without the pin, the next test fails again: it does not ride on the
    // connection the pinned test left open.
    pins->setCurrentRow(0);
    QTest::mouseClick(child<QPushButton>(dialog, "removePinButton"), Qt::LeftButton);
    QCOMPARE(pins->count(), 0);
    QTest::mouseClick(test, Qt::LeftButton);
    QVERIFY(finished.wait(15'000));
    QCOMPARE(finished.last().at(0).value<ConnectionTest::Outcome>(),
             ConnectionTest::Outcome::Failed);
    QVERIFY(trust->isVisible());
    QCOMPARE(server.requestCount(), 1);
}

void tst_ChannelDialog::anExpiredCertificateIsNotOfferedForTrust_data()
{
    addClientRows();
}

void tst_ChannelDialog::anExpiredCertificateIsNotOfferedForTrust()
{
    QFETCH(bool, ownClient);
    const ClientChoice client(ownClient);
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl'); it makes the "
              "test certificates.");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs(dir.path());
    QVERIFY2(certs.makeExpiredSelfSigned("expired", "127.0.0.1"), qPrintable(certs.errorString()));
    TlsTestServer server(certs.certificate("expired"), certs.key("expired"));
    QVERIFY(server.listen());

    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "urlEdit"), server.url("/poll").toString());
    QSignalSpy finished(&dialog, &ChannelDialog::testFinished);
    QTest::mouseClick(child<QPushButton>(dialog, "testButton"), Qt::LeftButton);
    QVERIFY(finished.wait(15'000));
    QCOMPARE(finished.last().at(0).value<ConnectionTest::Outcome>(),
             ConnectionTest::Outcome::Failed);
    const QString status = child<QLabel>(dialog, "testStatus")->text();
    QVERIFY2(status.contains("not valid"), qPrintable(status));
    QVERIFY(!dialog.connectionTest()->tlsFailure().isNull()); // refused for its certificate...
    QVERIFY(child<QPushButton>(dialog, "trustCertificateButton")->isHidden()); // ...not offered
    QCOMPARE(child<QListWidget>(dialog, "pinsList")->count(), 0);
}

void tst_ChannelDialog::storedSecretHeaderValuesAreNotShown()
{
    ChannelConfig c;
    c.name = "Headers";
    c.url = QUrl("http://127.0.0.1:1/poll");
    c.headers = {{"X-Api-Key", "k-7f31-secret"},
                 {"Accept", "application/json"},
                 {"X-Auth-Token", "${env:LW_TOKEN}"},
                 {"X-Api-Key", "k-second-secret"}};
    ChannelDialog dialog;
    dialog.setConfig(c);
    const QString shown = child<QPlainTextEdit>(dialog, "headersEdit")->toPlainText();
    QVERIFY2(!shown.contains("k-7f31-secret") && !shown.contains("k-second-secret"),
             qPrintable(shown));
    QVERIFY(shown.contains("Accept: application/json"));
    QVERIFY(shown.contains("X-Auth-Token: ${env:LW_TOKEN}")); // a reference, not a secret
    QVERIFY(shown.contains("X-Api-Key:"));
    // Unchanged, the stored values stay, in their order.
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QCOMPARE(dialog.config().headers, c.headers);
    // A value typed over the mask replaces it.
    child<QPlainTextEdit>(dialog, "headersEdit")
        ->setPlainText(QString(shown).replace(QRegularExpression("X-Api-Key: [^\\n]*$"),
                                              "X-Api-Key: typed-new"));
    const HeaderList edited = dialog.config().headers;
    QCOMPARE(edited.at(0).second, QByteArray("k-7f31-secret"));
    QCOMPARE(edited.at(3).second, QByteArray("typed-new"));
}

void tst_ChannelDialog::secretsInTheAddressAreNotShown()
{
    ChannelConfig c;
    c.name = "Bot";
    c.url = QUrl("https://api.telegram.org/bot123456:AAHsecretToken_x/getUpdates");
    c.profileId = "telegram-getupdates";
    ChannelDialog dialog;
    dialog.setConfig(c);
    auto *url = child<QLineEdit>(dialog, "urlEdit");
    QVERIFY2(!url->text().contains("AAHsecretToken_x"), qPrintable(url->text()));
    QVERIFY(url->text().contains("***"));
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QCOMPARE(dialog.config().url, c.url);
    // Editing another part of the address keeps the hidden token.
    url->setText(QString(url->text()).replace("api.telegram.org", "tg.example"));
    QCOMPARE(dialog.config().url, QUrl("https://tg.example/bot123456:AAHsecretToken_x/getUpdates"));
}

QTEST_MAIN(tst_ChannelDialog)
#include "tst_channeldialog.moc"
