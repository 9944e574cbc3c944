#pragma once

#include "notifier.h"

#include <QDBusConnection>
#include <QHash>
#include <QObject>

#include <chrono>
#include <optional>

namespace Longwatch {

/// The desktop's own notifications, through the freedesktop Notifications
/// interface on D-Bus (org.freedesktop.Notifications, the Desktop
/// Notifications Specification 1.2), whether or not there is a tray.
///
/// A notification carries the application's name and icon (the desktop
/// entry's), its urgency from the severity (low, normal, critical), and
/// two actions: "Show" (also what a click on it does) and, when it is about
/// one channel, "Mute channel for an hour". The notifications of one burst
/// (Notifier::Subject::burst) are one notification, updated in place
/// (replaces_id); while an update is on its way, only the latest one waits.
class DesktopNotifications final : public QObject
{
    Q_OBJECT
public:
    /// How long "Mute channel for an hour" mutes.
    static constexpr std::chrono::hours muteDuration{1};

    /// Talks to the notification service on `bus`; a bus that is not
    /// connected means no service.
    explicit DesktopNotifications(const QDBusConnection &bus, QObject *parent = nullptr);
    ~DesktopNotifications() override;

    /// Whether there is a notification service on the bus: a bus, and
    /// org.freedesktop.Notifications owned or startable by the bus.
    bool isAvailable() const;

    /// Sends a notification, or updates the one of `subject.burst` in
    /// place. Returns false, sending nothing, when there is no service.
    bool show(const QString &title, const QString &message, Notifier::Severity severity,
              const Notifier::Subject &subject);

Q_SIGNALS:
    /// "Show" was chosen (or the notification clicked): the window is
    /// wanted, on `channelId` (empty: several channels) and its `job`
    /// (empty: several jobs).
    void showRequested(const QString &channelId, const QString &job);
    /// "Mute channel for an hour" was chosen on a notification about
    /// `channelId`.
    void muteRequested(const QString &channelId);

private Q_SLOTS:
    // Slots by name: QDBusConnection::connect() takes no member pointers.
    void onActionInvoked(uint id, const QString &action);
    void onNotificationClosed(uint id, uint reason);

private:
    struct Content
    {
        QString title;
        QString message;
        Notifier::Severity severity;
        Notifier::Subject subject;
    };
    /// The notification a burst shows, and what waits to update it.
    struct Burst
    {
        int number = 0;
        uint id = 0; ///< the service's; 0 until it answered
        bool sending = false;
        std::optional<Content> next;
    };
    void send(const Content &content, uint replacesId);
    void onSent(const Content &content, uint id);
    void setRegistered(bool registered);

    QDBusConnection m_bus;
    bool m_registered = false;  ///< the service has an owner
    bool m_activatable = false; ///< the bus can start the service
    bool m_markup = false;      ///< the service reads the body as markup
    Burst m_burst;
    QHash<uint, Notifier::Subject> m_shown; ///< notification id -> what it is about
};

} // namespace Longwatch
