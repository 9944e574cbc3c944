#pragma once

#include "notificationrules.h"
#include "notificationsounds.h"

#include <QDialog>
#include <QHash>
#include <QPointer>

#include <functional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QStackedWidget;
class QTabWidget;
class QTimeEdit;

namespace Longwatch {

class ChannelManager;
class Notifier;
class NotificationRulesEditor;

/// Notifications › Notification Settings: everything about notifications
/// in one place. The Rules tab edits the default rules and each channel's
/// (follow the default, or its own); the Quiet tab the weekly quiet hours,
/// and snoozes at once ("for an hour", "until tomorrow 08:00", "until …");
/// the Sounds tab a sound and a volume for each transition, each with a
/// Play button to hear it.
/// OK applies the rules, the quiet hours and the sounds to the notifier and
/// the channels, then emits applied() so that the window keeps them.
class NotificationSettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    enum Tab { RulesTab, QuietTab, SoundsTab };
    /// Asks for a sound file: its path, or empty when the user cancels.
    using FileChooser = std::function<QString(QWidget *parent)>;

    /// Neither `notifier` nor `manager` is owned.
    NotificationSettingsDialog(Notifier *notifier, ChannelManager *manager,
                               QWidget *parent = nullptr);

    void showTab(Tab tab);
    /// Shows the rules of the channel `channelId` (empty: the default rules).
    void showChannel(const QString &channelId);
    NotificationRulesEditor *defaultRulesEditor() const { return m_defaults; }
    NotificationRulesEditor *channelRulesEditor() const { return m_channel; }
    QuietHours quietHours() const;
    void setQuietHours(const QuietHours &quiet);
    NotificationSoundSettings soundSettings() const;
    void setSoundSettings(const NotificationSoundSettings &settings);
    /// What "Choose file…" asks with (by default a file dialog).
    void setSoundFileChooser(FileChooser chooser);

    void accept() override;

Q_SIGNALS:
    /// OK applied the settings to the notifier and the channels.
    void applied();

private:
    QWidget *buildRulesTab();
    QWidget *buildQuietTab();
    /// Keeps what the channel editor shows for the channel it shows.
    void keepChannelEdit();
    void onRowChanged(int row);
    void updateSnoozeState();

    /// One transition's line on the Sounds tab.
    struct SoundRow
    {
        NotificationRules::Transition transition;
        QComboBox *sound = nullptr;
        QSlider *volume = nullptr;
        QLabel *volumeText = nullptr;
        QPushButton *play = nullptr;
        QLabel *problem = nullptr; ///< why its file cannot play; hidden when it can
        int shown = 0;             ///< the combo's sound before "Choose file…"
    };
    QWidget *buildSoundsTab();
    /// Shows `sound` in the row `row` (a file not listed yet is added).
    void selectSound(int row, const QString &sound);
    void onSoundActivated(int row, int index);
    void playSound(int row);

    QPointer<Notifier> m_notifier;
    ChannelManager *m_manager;
    QTabWidget *m_tabs = nullptr;
    QListWidget *m_list = nullptr;
    QStackedWidget *m_editors = nullptr;
    NotificationRulesEditor *m_defaults = nullptr;
    NotificationRulesEditor *m_channel = nullptr;
    QLabel *m_channelTitle = nullptr;
    QString m_shownChannel;                       ///< whose rules m_channel shows; empty: none
    QHash<QString, ChannelNotifications> m_edits; ///< channel id -> as edited

    QCheckBox *m_quietEnabled = nullptr;
    QList<QCheckBox *> m_days; ///< Monday first
    QTimeEdit *m_from = nullptr;
    QTimeEdit *m_to = nullptr;
    QLabel *m_snoozeState = nullptr;
    QDateTimeEdit *m_snoozeUntil = nullptr;

    QList<SoundRow> m_soundRows; ///< in NotificationRules::transitions()' order
    FileChooser m_chooseSoundFile;
};

} // namespace Longwatch
