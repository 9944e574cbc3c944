#pragma once

#include "notificationrules.h"

#include <QDialog>
#include <QHash>
#include <QPointer>

class QCheckBox;
class QDateTimeEdit;
class QLabel;
class QListWidget;
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
/// and snoozes at once ("for an hour", "until tomorrow 08:00", "until …").
/// OK applies the rules and the quiet hours to the notifier and the
/// channels, then emits applied() so that the window keeps them.
class NotificationSettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    enum Tab { RulesTab, QuietTab };

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
};

} // namespace Longwatch
