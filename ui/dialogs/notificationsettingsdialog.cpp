#include "notificationsettingsdialog.h"

#include "channel.h"
#include "channelmanager.h"
#include "labels.h"
#include "notificationruleseditor.h"
#include "notifier.h"
#include "statuscolors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QSlider>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTimeEdit>
#include <QVBoxLayout>

using namespace std::chrono_literals;

namespace Longwatch {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kNameRole = Qt::UserRole + 2;
constexpr int kSoundRole =
    Qt::UserRole; ///< a sound combo's item: the sound (empty: none), as addItem() keeps it
constexpr int kChooseRole = Qt::UserRole + 4; ///< a sound combo's item: "Choose file…"

/// "deploys", or "deploys (own rules)".
QString rowText(const QString &name, const ChannelNotifications &notifications)
{
    return notifications.followDefaults
               ? name
               : NotificationSettingsDialog::tr("%1 (own rules)").arg(name);
}

} // namespace

NotificationSettingsDialog::NotificationSettingsDialog(Notifier *notifier, ChannelManager *manager,
                                                       QWidget *parent)
    : QDialog(parent)
    , m_notifier(notifier)
    , m_manager(manager)
{
    setObjectName(QStringLiteral("notificationSettingsDialog"));
    setWindowTitle(tr("Notification Settings"));
    auto *layout = new QVBoxLayout(this);
    m_tabs = new QTabWidget;
    m_tabs->addTab(buildRulesTab(), tr("&Rules"));
    m_tabs->addTab(buildQuietTab(), tr("&Quiet hours and snooze"));
    m_tabs->addTab(buildSoundsTab(), tr("S&ounds"));
    layout->addWidget(m_tabs, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    m_defaults->setRules(notifier->defaultRules());
    m_channel->setDefault(notifier->defaultRules());
    // The channels' editor follows the default as it is edited here.
    connect(m_defaults, &NotificationRulesEditor::changed, this,
            [this] { m_channel->setDefault(m_defaults->rules()); });
    setQuietHours(notifier->quietHours());
    setSoundSettings(notifier->sounds()->settings());
    updateSnoozeState();
    connect(notifier, &Notifier::activeChanged, this,
            &NotificationSettingsDialog::updateSnoozeState);
    m_list->setCurrentRow(0);
    resize(720, 520);
}

QWidget *NotificationSettingsDialog::buildRulesTab()
{
    auto *page = new QWidget;
    auto *layout = new QHBoxLayout(page);
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("ruleChannels"));
    m_list->setMaximumWidth(220);
    auto *defaults = new QListWidgetItem(tr("Default rules"), m_list);
    QFont bold = defaults->font();
    bold.setBold(true);
    defaults->setFont(bold);
    for (const Channel *channel : m_manager->channels()) {
        auto *item =
            new QListWidgetItem(rowText(channel->name(), channel->config().notifications), m_list);
        item->setData(kIdRole, channel->id());
        item->setData(kNameRole, channel->name());
        m_edits.insert(channel->id(), channel->config().notifications);
    }
    connect(m_list, &QListWidget::currentRowChanged, this,
            &NotificationSettingsDialog::onRowChanged);
    layout->addWidget(m_list);

    m_editors = new QStackedWidget;
    auto *defaultsPage = new QWidget;
    auto *defaultsLayout = new QVBoxLayout(defaultsPage);
    auto *intro = new QLabel(tr("The rules of every channel that uses the default rules. "
                                "A channel may have its own: choose it on the left."));
    intro->setWordWrap(true);
    defaultsLayout->addWidget(intro);
    m_defaults = new NotificationRulesEditor;
    m_defaults->setObjectName(QStringLiteral("defaultRules"));
    defaultsLayout->addWidget(m_defaults);
    defaultsLayout->addStretch(1);
    m_editors->addWidget(defaultsPage);

    auto *channelPage = new QWidget;
    auto *channelLayout = new QVBoxLayout(channelPage);
    m_channelTitle = new QLabel;
    m_channelTitle->setFont(scaledFont(font(), 1.1, true));
    channelLayout->addWidget(m_channelTitle);
    m_channel = new NotificationRulesEditor(tr("&Use the default rules"));
    m_channel->setObjectName(QStringLiteral("channelRules"));
    connect(m_channel, &NotificationRulesEditor::changed, this, [this] {
        if (QListWidgetItem *item = m_list->currentItem(); item && !m_shownChannel.isEmpty())
            item->setText(
                rowText(item->data(kNameRole).toString(), m_channel->channelNotifications()));
    });
    channelLayout->addWidget(m_channel);
    channelLayout->addStretch(1);
    m_editors->addWidget(channelPage);
    layout->addWidget(m_editors, 1);
    return page;
}

QWidget *NotificationSettingsDialog::buildQuietTab()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);

    auto *quiet = new QGroupBox(tr("Quiet hours"));
    auto *form = new QFormLayout(quiet);
    m_quietEnabled = new QCheckBox(tr("&Keep quiet on a schedule"));
    m_quietEnabled->setObjectName(QStringLiteral("quietEnabled"));
    form->addRow(m_quietEnabled);
    auto *days = new QWidget;
    auto *daysLayout = new QHBoxLayout(days);
    daysLayout->setContentsMargins(0, 0, 0, 0);
    const QLocale locale;
    for (int d = Qt::Monday; d <= Qt::Sunday; ++d) {
        auto *box = new QCheckBox(locale.dayName(d, QLocale::ShortFormat));
        box->setObjectName(QStringLiteral("quietDay%1").arg(d));
        m_days << box;
        daysLayout->addWidget(box);
    }
    daysLayout->addStretch(1);
    form->addRow(tr("Starting on:"), days);
    auto *hours = new QWidget;
    auto *hoursLayout = new QHBoxLayout(hours);
    hoursLayout->setContentsMargins(0, 0, 0, 0);
    m_from = new QTimeEdit;
    m_from->setObjectName(QStringLiteral("quietFrom"));
    m_from->setDisplayFormat(QStringLiteral("HH:mm"));
    m_to = new QTimeEdit;
    m_to->setObjectName(QStringLiteral("quietTo"));
    m_to->setDisplayFormat(QStringLiteral("HH:mm"));
    hoursLayout->addWidget(m_from);
    hoursLayout->addWidget(new QLabel(tr("to")));
    hoursLayout->addWidget(m_to);
    hoursLayout->addWidget(dimLabel(tr("(an end before the start is the next morning)")));
    hoursLayout->addStretch(1);
    form->addRow(tr("&From:"), hours);
    const auto enable = [this](bool on) {
        for (QCheckBox *box : std::as_const(m_days))
            box->setEnabled(on);
        m_from->setEnabled(on);
        m_to->setEnabled(on);
    };
    connect(m_quietEnabled, &QCheckBox::toggled, this, enable);
    auto *note = dimLabel(tr("While it is quiet, only what a rule marks \"Even when quiet\" is "
                             "announced (a failed job, by default). The rest is kept and told "
                             "in one notification afterwards."));
    note->setWordWrap(true);
    form->addRow(note);
    layout->addWidget(quiet);

    auto *snooze = new QGroupBox(tr("Snooze"));
    auto *snoozeLayout = new QVBoxLayout(snooze);
    m_snoozeState = new QLabel;
    m_snoozeState->setObjectName(QStringLiteral("snoozeState"));
    snoozeLayout->addWidget(m_snoozeState);
    auto *presets = new QHBoxLayout;
    auto *hour = new QPushButton(tr("For an &hour"));
    hour->setObjectName(QStringLiteral("snoozeHour"));
    auto *morning = new QPushButton(tr("Until &tomorrow 08:00"));
    morning->setObjectName(QStringLiteral("snoozeMorning"));
    auto *resume = new QPushButton(tr("&Resume now"));
    resume->setObjectName(QStringLiteral("snoozeResume"));
    presets->addWidget(hour);
    presets->addWidget(morning);
    presets->addStretch(1);
    presets->addWidget(resume);
    snoozeLayout->addLayout(presets);
    auto *custom = new QHBoxLayout;
    m_snoozeUntil = new QDateTimeEdit(QDateTime::currentDateTime().addSecs(2 * 3600));
    m_snoozeUntil->setObjectName(QStringLiteral("snoozeUntil"));
    m_snoozeUntil->setDisplayFormat(QStringLiteral("ddd d MMM HH:mm"));
    m_snoozeUntil->setCalendarPopup(true);
    auto *until = new QPushButton(tr("&Snooze until"));
    until->setObjectName(QStringLiteral("snoozeCustom"));
    custom->addWidget(until);
    custom->addWidget(m_snoozeUntil);
    custom->addStretch(1);
    snoozeLayout->addLayout(custom);
    connect(hour, &QPushButton::clicked, this, [this] {
        if (m_notifier)
            m_notifier->pauseFor(1h);
    });
    connect(morning, &QPushButton::clicked, this, [this] {
        if (m_notifier)
            m_notifier->snoozeUntil(Notifier::nextMorning(QDateTime::currentDateTime()));
    });
    connect(until, &QPushButton::clicked, this, [this] {
        if (m_notifier)
            m_notifier->snoozeUntil(m_snoozeUntil->dateTime().toUTC());
    });
    connect(resume, &QPushButton::clicked, this, [this] {
        if (m_notifier)
            m_notifier->resumeNotifications();
    });
    layout->addWidget(snooze);
    layout->addStretch(1);
    return page;
}

void NotificationSettingsDialog::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(tab);
}

void NotificationSettingsDialog::showChannel(const QString &channelId)
{
    for (int row = 0; row < m_list->count(); ++row) {
        if (m_list->item(row)->data(kIdRole).toString() == channelId) {
            m_list->setCurrentRow(row);
            return;
        }
    }
}

void NotificationSettingsDialog::keepChannelEdit()
{
    if (!m_shownChannel.isEmpty())
        m_edits.insert(m_shownChannel, m_channel->channelNotifications());
}

void NotificationSettingsDialog::onRowChanged(int row)
{
    keepChannelEdit();
    const QListWidgetItem *item = m_list->item(row);
    m_shownChannel = item ? item->data(kIdRole).toString() : QString();
    if (m_shownChannel.isEmpty()) {
        m_editors->setCurrentIndex(0);
        return;
    }
    m_channelTitle->setText(item->data(kNameRole).toString());
    m_channel->setChannelNotifications(m_edits.value(m_shownChannel));
    m_editors->setCurrentIndex(1);
}

QuietHours NotificationSettingsDialog::quietHours() const
{
    QuietHours quiet;
    quiet.enabled = m_quietEnabled->isChecked();
    for (int d = Qt::Monday; d <= Qt::Sunday; ++d)
        quiet.setDay(d, m_days.at(d - 1)->isChecked());
    quiet.from = m_from->time();
    quiet.to = m_to->time();
    return quiet;
}

void NotificationSettingsDialog::setQuietHours(const QuietHours &quiet)
{
    m_quietEnabled->setChecked(!quiet.enabled); // toggled() enables the rest as it says
    m_quietEnabled->setChecked(quiet.enabled);
    for (int d = Qt::Monday; d <= Qt::Sunday; ++d)
        m_days.at(d - 1)->setChecked(quiet.hasDay(d));
    m_from->setTime(quiet.from);
    m_to->setTime(quiet.to);
}

void NotificationSettingsDialog::updateSnoozeState()
{
    if (!m_notifier)
        return;
    const QString state = m_notifier->stateText();
    m_snoozeState->setText(state.isEmpty() ? tr("Notifications are on.") : state);
}

void NotificationSettingsDialog::accept()
{
    keepChannelEdit();
    if (m_notifier) {
        m_notifier->setDefaultRules(m_defaults->rules());
        m_notifier->setQuietHours(quietHours());
        m_notifier->sounds()->setSettings(soundSettings());
    }
    for (auto it = m_edits.cbegin(); it != m_edits.cend(); ++it) {
        if (Channel *channel = m_manager->channel(it.key()))
            channel->setNotifications(it.value());
    }
    Q_EMIT applied();
    QDialog::accept();
}

// ---------------------------------------------------------------- sounds

QWidget *NotificationSettingsDialog::buildSoundsTab()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    auto *intro = new QLabel(
        tr("A sound when a notification is shown; none by default. Sounds keep quiet when "
           "notifications do (muted, snoozed, quiet hours), except for what breaks through. "
           "Failures in a burst make one sound."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *grid = new QGridLayout;
    grid->setColumnStretch(1, 1);
    grid->addWidget(dimLabel(tr("Sound")), 0, 1);
    grid->addWidget(dimLabel(tr("Volume")), 0, 2, 1, 2);
    QPalette problemPalette = palette();
    problemPalette.setColor(QPalette::WindowText,
                            StatusColors::forJobStatus(JobStatus::Failed, palette()));
    const QList<NotificationRules::Transition> transitions = NotificationRules::transitions();
    for (int i = 0; i < transitions.size(); ++i) {
        const NotificationRules::Transition t = transitions.at(i);
        const QString key = NotificationRules::key(t);
        SoundRow row{t};
        row.sound = new QComboBox;
        row.sound->setObjectName(QStringLiteral("sound-%1").arg(key));
        row.sound->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        row.sound->setMinimumContentsLength(18);
        row.sound->addItem(tr("None"), QString());
        for (const NotificationSounds::BuiltinSound &builtin : NotificationSounds::builtinSounds())
            row.sound->addItem(builtin.label, builtin.id);
        row.sound->insertSeparator(row.sound->count());
        row.sound->addItem(tr("Choose file…"));
        row.sound->setItemData(row.sound->count() - 1, true, kChooseRole);
        auto *label = new QLabel(NotificationSounds::transitionText(t));
        label->setBuddy(row.sound);
        row.volume = new QSlider(Qt::Horizontal);
        row.volume->setObjectName(QStringLiteral("volume-%1").arg(key));
        row.volume->setRange(0, 100);
        row.volume->setSingleStep(5);
        row.volume->setPageStep(10);
        row.volume->setMinimumWidth(100);
        row.volume->setAccessibleName(tr("Volume: %1").arg(label->text()));
        row.volumeText = dimLabel();
        // Wide enough for "100 %" so that the column does not move.
        row.volumeText->setMinimumWidth(row.volumeText->fontMetrics().horizontalAdvance(
            QLocale().toString(100) + QStringLiteral(" %")));
        row.volumeText->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        row.play = new QPushButton(tr("▶ Play"));
        row.play->setObjectName(QStringLiteral("play-%1").arg(key));
        row.play->setToolTip(tr("Hear this sound at this volume"));
        row.problem = new QLabel;
        row.problem->setObjectName(QStringLiteral("soundProblem-%1").arg(key));
        row.problem->setWordWrap(true);
        row.problem->setTextFormat(Qt::PlainText);
        row.problem->setPalette(problemPalette);
        row.problem->setVisible(false);

        const int line = 1 + 2 * i;
        grid->addWidget(label, line, 0);
        grid->addWidget(row.sound, line, 1);
        grid->addWidget(row.volume, line, 2);
        grid->addWidget(row.volumeText, line, 3);
        grid->addWidget(row.play, line, 4);
        grid->addWidget(row.problem, line + 1, 1, 1, 4);

        connect(row.sound, &QComboBox::activated, this,
                [this, i](int index) { onSoundActivated(i, index); });
        connect(row.volume, &QSlider::valueChanged, this, [this, i](int volume) {
            m_soundRows.at(i).volumeText->setText(tr("%1 %").arg(QLocale().toString(volume)));
        });
        connect(row.play, &QPushButton::clicked, this, [this, i] { playSound(i); });
        m_soundRows << row;
    }
    layout->addLayout(grid);
    auto *note = dimLabel(tr("Your own sound must be a WAV file of uncompressed (PCM) sound; "
                             "a short one is best."));
    note->setWordWrap(true);
    layout->addWidget(note);
    layout->addStretch(1);

    m_chooseSoundFile = [](QWidget *parent) {
        return QFileDialog::getOpenFileName(parent, tr("Choose a Sound"), QDir::homePath(),
                                            tr("WAV sounds (*.wav *.WAV);;All files (*)"));
    };
    return page;
}

NotificationSoundSettings NotificationSettingsDialog::soundSettings() const
{
    NotificationSoundSettings settings;
    for (const SoundRow &row : m_soundRows)
        settings.setChoice(row.transition,
                           {row.sound->currentData(kSoundRole).toString(), row.volume->value()});
    return settings;
}

void NotificationSettingsDialog::setSoundSettings(const NotificationSoundSettings &settings)
{
    for (int i = 0; i < m_soundRows.size(); ++i) {
        const NotificationSoundSettings::Choice choice =
            settings.choice(m_soundRows.at(i).transition);
        m_soundRows.at(i).volume->setValue(choice.volume);
        selectSound(i, choice.sound);
    }
}

void NotificationSettingsDialog::setSoundFileChooser(FileChooser chooser)
{
    m_chooseSoundFile = std::move(chooser);
}

void NotificationSettingsDialog::selectSound(int i, const QString &sound)
{
    SoundRow &row = m_soundRows[i];
    QComboBox *combo = row.sound;
    int index = sound.isEmpty() ? 0 : combo->findData(sound, kSoundRole);
    if (index < 0 && NotificationSounds::isFile(sound)) {
        // One file a row, listed above "Choose file…" by its name.
        const int choose = combo->count() - 1;
        if (NotificationSounds::isFile(combo->itemData(choose - 1, kSoundRole).toString()))
            combo->removeItem(choose - 1);
        index = combo->count() - 1;
        combo->insertItem(index, QFileInfo(sound).fileName(), sound);
        combo->setItemData(index, QDir::toNativeSeparators(sound), Qt::ToolTipRole);
    }
    if (index < 0)
        index = 0; // a built-in this version does not have
    combo->setCurrentIndex(index);
    row.shown = index;
    const QString problem = NotificationSounds::problem(sound);
    row.problem->setText(problem);
    row.problem->setVisible(!problem.isEmpty());
    row.volume->setEnabled(!sound.isEmpty());
    row.volumeText->setEnabled(!sound.isEmpty());
    row.volumeText->setText(tr("%1 %").arg(QLocale().toString(row.volume->value())));
    row.play->setEnabled(!sound.isEmpty());
}

void NotificationSettingsDialog::onSoundActivated(int i, int index)
{
    SoundRow &row = m_soundRows[i];
    if (!row.sound->itemData(index, kChooseRole).toBool()) {
        selectSound(i, row.sound->itemData(index, kSoundRole).toString());
        return;
    }
    const QString path = m_chooseSoundFile ? m_chooseSoundFile(this) : QString();
    if (path.isEmpty()) {
        row.sound->setCurrentIndex(row.shown); // cancelled: as it was
        return;
    }
    selectSound(i, QDir::cleanPath(QFileInfo(path).absoluteFilePath()));
}

void NotificationSettingsDialog::playSound(int i)
{
    const SoundRow &row = m_soundRows.at(i);
    if (!m_notifier)
        return;
    const QString problem = m_notifier->sounds()->preview(
        row.sound->currentData(kSoundRole).toString(), row.volume->value());
    row.problem->setText(problem);
    row.problem->setVisible(!problem.isEmpty());
}

} // namespace Longwatch
