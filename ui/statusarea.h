#pragma once

#include "notifier.h"

#include <QColor>
#include <QObject>

class QAction;
class QLabel;
class QMainWindow;
class QMenu;
class QSystemTrayIcon;

namespace Longwatch {

class ChannelManager;
class DesktopNotifications;
class ElidedLabel;

/// Where the window says how things stand: in its status bar the health
/// of all channels (a coloured dot and the first channel in trouble), the
/// events received, the last notification and whether notifications are
/// muted or paused; in the system tray, where there is one, the same
/// health as the icon's colour. Notifications go to the desktop's
/// notification service on the session bus (DesktopNotifications), or
/// where there is none to the tray as balloons; the status bar says the
/// last one in every case.
class StatusArea final : public QObject
{
    Q_OBJECT
public:
    /// Fills `window`'s status bar. `manager` and `notifier` are not owned.
    StatusArea(QMainWindow *window, ChannelManager *manager, Notifier *notifier);

    /// Puts the icon in the system tray, with `menu` (nullptr entries are
    /// separators); without a tray, notifications stay in the status bar.
    void showTrayIcon(const QList<QAction *> &menu);
    bool hasTray() const { return m_tray != nullptr; }

    /// The health of all channels, in the status bar and the tray.
    void updateHealth();
    /// Muted, paused until …, or neither: in the status bar and the tray.
    void updateNotificationState();
    void setEventsReceived(qint64 count);
    /// Shows a notification: in the status bar; as a desktop notification
    /// where the session bus has a notification service, else as a tray
    /// balloon where there is a tray; and by asking for attention when it
    /// is critical.
    void showNotification(const QString &title, const QString &message, Notifier::Severity severity,
                          const Notifier::Subject &subject = {});
    DesktopNotifications *desktopNotifications() const { return m_desktop; }
    /// Shows, until the end of the session, why events are not saved.
    void showEventLogProblem(const QString &sentence);
    /// Colours and icons again, after the palette changed.
    void refresh();

Q_SIGNALS:
    /// The tray icon was clicked: the window is wanted.
    void trayActivated();
    /// A notification's "Show" was chosen: the window is wanted, on
    /// `channelId` (empty: several) and its `job` (empty: several).
    void showRequested(const QString &channelId, const QString &job);

private:
    QString trayToolTip(const QString &summary) const;

    QMainWindow *m_window;
    ChannelManager *m_manager;
    Notifier *m_notifier;
    QColor m_healthColor; ///< of the health dot shown; set again only when it changes
    QLabel *m_healthIcon = nullptr;
    QLabel *m_healthLabel = nullptr;
    QLabel *m_eventCount = nullptr;
    QLabel *m_notifyState = nullptr;
    ElidedLabel *m_lastNotification = nullptr;
    QLabel *m_logProblem = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_trayMenu = nullptr;
    DesktopNotifications *m_desktop = nullptr;
};

} // namespace Longwatch
