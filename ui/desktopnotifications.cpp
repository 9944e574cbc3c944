#include "desktopnotifications.h"

#include "logging.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusReply>
#include <QDBusServiceWatcher>

#include <utility>

namespace Longwatch {

namespace {

const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
const QString kInterface = QStringLiteral("org.freedesktop.Notifications");

// Action keys. "default" is what a click on the notification does (the
// specification's name for it); some servers show it as a button too.
const QString kDefaultAction = QStringLiteral("default");
const QString kShowAction = QStringLiteral("show");
const QString kMuteAction = QStringLiteral("mute");

/// The specification's urgency levels: 0 low, 1 normal, 2 critical.
uchar urgency(Notifier::Severity severity)
{
    switch (severity) {
    case Notifier::Severity::Information:
        return 0;
    case Notifier::Severity::Warning:
        return 1;
    case Notifier::Severity::Critical:
        return 2;
    }
    return 1;
}

} // namespace

DesktopNotifications::DesktopNotifications(const QDBusConnection &bus, QObject *parent)
    : QObject(parent)
    , m_bus(bus)
{
    if (!m_bus.isConnected()) {
        qCInfo(lcUi) << "no D-Bus session bus: notifications go to the tray or the status bar";
        return;
    }
    QDBusConnectionInterface *daemon = m_bus.interface();
    // A notification server may be started by the bus when first called
    // (D-Bus activation), so an activatable name counts as there.
    const QDBusReply<QStringList> activatable = daemon->activatableServiceNames();
    m_activatable = activatable.isValid() && activatable.value().contains(kService);
    auto *watcher =
        new QDBusServiceWatcher(kService, m_bus, QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(watcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString &, const QString &, const QString &owner) {
                setRegistered(!owner.isEmpty());
            });
    setRegistered(daemon->isServiceRegistered(kService).value());
    m_bus.connect(kService, kPath, kInterface, QStringLiteral("ActionInvoked"), this,
                  SLOT(onActionInvoked(uint, QString)));
    m_bus.connect(kService, kPath, kInterface, QStringLiteral("NotificationClosed"), this,
                  SLOT(onNotificationClosed(uint, uint)));
}

DesktopNotifications::~DesktopNotifications() = default;

bool DesktopNotifications::isAvailable() const
{
    return m_bus.isConnected() && (m_registered || m_activatable);
}

void DesktopNotifications::setRegistered(bool registered)
{
    m_registered = registered;
    // A new server knows none of the old one's notifications.
    m_burst = {};
    m_shown.clear();
    m_markup = false;
    if (!registered) {
        qCInfo(lcUi) << "no notification service on the session bus";
        return;
    }
    // Whether the body is read as markup: then "<" and "&" in a job's name
    // must be escaped, and must not be where it is not.
    const QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, kInterface,
                                                             QStringLiteral("GetCapabilities"));
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher] {
        watcher->deleteLater();
        const QDBusPendingReply<QStringList> reply = *watcher;
        if (!reply.isError())
            m_markup = reply.value().contains(QStringLiteral("body-markup"));
    });
}

bool DesktopNotifications::show(const QString &title, const QString &message,
                                Notifier::Severity severity, const Notifier::Subject &subject)
{
    if (!isAvailable())
        return false;
    const Content content{title, message, severity, subject};
    if (subject.burst == 0) {
        send(content, 0);
        return true;
    }
    if (subject.burst != m_burst.number)
        m_burst = Burst{subject.burst, 0, false, std::nullopt};
    // The id that the update replaces comes with the answer to the first:
    // until then, only the latest content waits (a hundred failures in a
    // second make a few calls, not a hundred).
    if (m_burst.sending) {
        m_burst.next = content;
        return true;
    }
    m_burst.sending = true;
    send(content, m_burst.id);
    return true;
}

void DesktopNotifications::send(const Content &content, uint replacesId)
{
    QStringList actions{kDefaultAction, tr("Show"), kShowAction, tr("Show")};
    if (!content.subject.channelId.isEmpty())
        actions << kMuteAction << tr("Mute channel for an hour");
    const QVariantMap hints{
        {QStringLiteral("urgency"), QVariant::fromValue(urgency(content.severity))},
        // The desktop file's name without ".desktop" (resources/longwatch.desktop).
        {QStringLiteral("desktop-entry"), QStringLiteral("longwatch")},
    };
    QDBusMessage call =
        QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("Notify"));
    call << QStringLiteral("Longwatch") << replacesId
         << QStringLiteral("longwatch") // the icon's name, as the desktop file's Icon=
         << content.title << (m_markup ? content.message.toHtmlEscaped() : content.message)
         << actions << hints << qint32(-1); // -1: the server's own timeout
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher, content] {
        watcher->deleteLater();
        const QDBusPendingReply<uint> reply = *watcher;
        if (reply.isError()) {
            qCWarning(lcUi).noquote()
                << "the notification service refused a notification:" << reply.error().message();
            onSent(content, 0);
            return;
        }
        onSent(content, reply.value());
    });
}

void DesktopNotifications::onSent(const Content &content, uint id)
{
    if (id != 0)
        m_shown.insert(id, content.subject);
    if (content.subject.burst == 0 || content.subject.burst != m_burst.number)
        return;
    m_burst.id = id;
    m_burst.sending = false;
    if (m_burst.next) {
        const Content next = *std::exchange(m_burst.next, std::nullopt);
        m_burst.sending = true;
        send(next, m_burst.id);
    }
}

void DesktopNotifications::onActionInvoked(uint id, const QString &action)
{
    // The signal goes to every client of the service: only ours count.
    const auto it = m_shown.constFind(id);
    if (it == m_shown.cend())
        return;
    qCDebug(lcUi).noquote() << "notification" << id << "action" << action;
    if (action == kDefaultAction || action == kShowAction)
        Q_EMIT showRequested(it->channelId, it->job);
    else if (action == kMuteAction && !it->channelId.isEmpty())
        Q_EMIT muteRequested(it->channelId);
}

void DesktopNotifications::onNotificationClosed(uint id, uint reason)
{
    Q_UNUSED(reason)
    if (m_shown.remove(id) == 0)
        return;
    // Closed (by the user, or expired): the burst's next news is a new one.
    if (id == m_burst.id && !m_burst.sending)
        m_burst.id = 0;
}

} // namespace Longwatch
