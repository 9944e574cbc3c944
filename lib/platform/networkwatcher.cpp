#include "networkwatcher.h"

#include <QDBusConnection>
#include <QNetworkInformation>
#include <QSocketNotifier>

#include <cerrno>
#include <ctime>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

// The kernel's netlink macros (NLMSG_*, RTA_*, IFLA_RTA) are C and cast
// the C way.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace Longwatch {

using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds bootTime()
{
    // CLOCK_BOOTTIME goes on while the machine is suspended; the monotonic
    // clock QElapsedTimer and QTimer use does not.
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::nanoseconds(now.tv_nsec));
}

// The flags that say whether a link carries traffic.
constexpr unsigned kLinkUpFlags = IFF_UP | IFF_RUNNING;

QString linkName(const ifinfomsg *link, int length)
{
    int left = length - int(NLMSG_ALIGN(sizeof(ifinfomsg)));
    for (auto *attribute = IFLA_RTA(link); RTA_OK(attribute, left);
         attribute = RTA_NEXT(attribute, left)) {
        if (attribute->rta_type == IFLA_IFNAME)
            return QString::fromLocal8Bit(static_cast<const char *>(RTA_DATA(attribute)));
    }
    return QString::number(link->ifi_index);
}

/// What tells one default route from another: its family, gateway, link
/// and metric.
QByteArray defaultRouteKey(const rtmsg *route, int attributesLength)
{
    QByteArray key(1, char(route->rtm_family));
    int left = attributesLength;
    for (auto *attribute = RTM_RTA(route); RTA_OK(attribute, left);
         attribute = RTA_NEXT(attribute, left)) {
        if (attribute->rta_type == RTA_GATEWAY || attribute->rta_type == RTA_OIF ||
            attribute->rta_type == RTA_PRIORITY) {
            key += char(attribute->rta_type);
            key += QByteArray(static_cast<const char *>(RTA_DATA(attribute)),
                              int(RTA_PAYLOAD(attribute)));
        }
    }
    return key;
}

} // namespace

NetworkWatcher::NetworkWatcher(QObject *parent)
    : QObject(parent)
    , m_settle(this)
    , m_sleepCheck(this)
    , m_clock(bootTime)
{
    m_settle.setSingleShot(true);
    m_settle.setInterval(kDefaultSettle);
    connect(&m_settle, &QTimer::timeout, this, [this] { Q_EMIT networkChanged(m_lastChange); });

    bool valid = false;
    const int checkMs = qEnvironmentVariableIntValue("LONGWATCH_SLEEP_CHECK_MS", &valid);
    m_sleepCheck.setInterval(valid && checkMs > 0 ? std::chrono::milliseconds(checkMs)
                                                  : std::chrono::milliseconds(kDefaultSleepCheck));
    connect(&m_sleepCheck, &QTimer::timeout, this, &NetworkWatcher::checkSleep);
    m_lastCheck = m_clock();
    m_sleepCheck.start();

    openNetlink();

    // Where NetworkManager runs, Qt's backend tells when it sees the
    // network come or go (a VPN, a captive portal's end).
    if (QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability)) {
        connect(QNetworkInformation::instance(), &QNetworkInformation::reachabilityChanged, this,
                [this](QNetworkInformation::Reachability reachability) {
                    noteChange(reachability == QNetworkInformation::Reachability::Disconnected
                                   ? QStringLiteral("network reported unreachable")
                                   : QStringLiteral("network reported reachable"));
                });
    }

    // logind announces suspend and resume to whoever listens on the system
    // bus; the sleep check covers machines without it and stopped processes.
    QDBusConnection systemBus = QDBusConnection::systemBus();
    if (systemBus.isConnected()) {
        systemBus.connect(QStringLiteral("org.freedesktop.login1"),
                          QStringLiteral("/org/freedesktop/login1"),
                          QStringLiteral("org.freedesktop.login1.Manager"),
                          QStringLiteral("PrepareForSleep"), this, SLOT(onPrepareForSleep(bool)));
    }
}

NetworkWatcher::~NetworkWatcher()
{
    if (m_netlink >= 0)
        ::close(m_netlink);
}

QString NetworkWatcher::resumeText(std::chrono::milliseconds asleep)
{
    return asleep.count() > 0 ? QStringLiteral("resumed after %1 s").arg(asleep.count() / 1000)
                              : QStringLiteral("resumed from sleep");
}

void NetworkWatcher::setSleepCheckInterval(std::chrono::milliseconds interval)
{
    m_sleepCheck.setInterval(interval);
    m_lastCheck = m_clock();
    m_sleepCheck.start();
}

void NetworkWatcher::setSettleTime(std::chrono::milliseconds settle)
{
    m_settle.setInterval(settle);
}

void NetworkWatcher::setClock(Clock clock)
{
    m_clock = std::move(clock);
    m_lastCheck = m_clock();
}

void NetworkWatcher::openNetlink()
{
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0)
        return;
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    address.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
                        RTMGRP_IPV6_ROUTE;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return;
    }
    m_netlink = fd;
    // The links there are now, so that a later message about one is a
    // change only if its state changed; then the routes (requestDump()).
    if (!requestDump(RTM_GETLINK)) {
        ::close(fd);
        m_netlink = -1;
        return;
    }
    m_netlinkNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(m_netlinkNotifier, &QSocketNotifier::activated, this, &NetworkWatcher::readNetlink);
}

bool NetworkWatcher::requestDump(int type)
{
    struct
    {
        nlmsghdr header;
        rtgenmsg body;
    } request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtgenmsg));
    request.header.nlmsg_type = quint16(type);
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.body.rtgen_family = AF_UNSPEC;
    if (::send(m_netlink, &request, request.header.nlmsg_len, 0) < 0)
        return false;
    m_dumping = type;
    return true;
}

void NetworkWatcher::updateOnline()
{
    // Until the route dump is done, what routes there are is not known.
    if (m_dumping != 0)
        return;
    const bool online = !m_defaultRoutes.isEmpty();
    if (online == m_online)
        return;
    m_online = online;
    Q_EMIT onlineChanged(online);
}

void NetworkWatcher::readNetlink()
{
    alignas(nlmsghdr) char buffer[32 * 1024];
    for (;;) {
        const ssize_t got = ::recv(m_netlink, buffer, sizeof buffer, 0);
        if (got < 0) {
            // The kernel dropped messages it could not queue: something
            // changed, and what is not known.
            if (errno == ENOBUFS)
                noteChange(QStringLiteral("network messages lost"));
            return;
        }
        int left = int(got);
        for (auto *message = reinterpret_cast<const nlmsghdr *>(buffer); NLMSG_OK(message, left);
             message = NLMSG_NEXT(message, left)) {
            switch (message->nlmsg_type) {
            case NLMSG_DONE:
            case NLMSG_ERROR:
                // One dump at a time on a socket: the routes after the links.
                if (m_dumping == RTM_GETLINK) {
                    if (!requestDump(RTM_GETROUTE))
                        m_dumping = 0;
                } else {
                    m_dumping = 0;
                }
                updateOnline();
                break;
            case RTM_NEWLINK:
            case RTM_DELLINK: {
                const auto *link = static_cast<const ifinfomsg *>(NLMSG_DATA(message));
                const bool dump = message->nlmsg_flags & NLM_F_MULTI;
                const unsigned flags =
                    message->nlmsg_type == RTM_DELLINK ? 0U : link->ifi_flags & kLinkUpFlags;
                const auto known = m_linkFlags.constFind(link->ifi_index);
                const unsigned before = known == m_linkFlags.cend() ? 0U : *known;
                if (message->nlmsg_type == RTM_DELLINK)
                    m_linkFlags.remove(link->ifi_index);
                else
                    m_linkFlags.insert(link->ifi_index, flags);
                if (!dump && flags != before) {
                    const QString name = linkName(link, int(message->nlmsg_len - NLMSG_HDRLEN));
                    noteChange(flags == kLinkUpFlags ? QStringLiteral("link %1 up").arg(name)
                                                     : QStringLiteral("link %1 down").arg(name));
                }
                break;
            }
            case RTM_NEWADDR:
            case RTM_DELADDR: {
                // Addresses of the host itself (loopback) and IPv6 link-local
                // ones come and go with links, and no connection uses them.
                const auto *address = static_cast<const ifaddrmsg *>(NLMSG_DATA(message));
                if (address->ifa_scope == RT_SCOPE_HOST || address->ifa_scope == RT_SCOPE_LINK)
                    break;
                noteChange(message->nlmsg_type == RTM_NEWADDR ? QStringLiteral("address added")
                                                              : QStringLiteral("address removed"));
                break;
            }
            case RTM_NEWROUTE:
            case RTM_DELROUTE: {
                const auto *route = static_cast<const rtmsg *>(NLMSG_DATA(message));
                if (route->rtm_table != RT_TABLE_MAIN || route->rtm_type != RTN_UNICAST ||
                    (route->rtm_flags & RTM_F_CLONED))
                    break;
                if (route->rtm_dst_len == 0) {
                    const QByteArray key = defaultRouteKey(
                        route, int(message->nlmsg_len - NLMSG_LENGTH(sizeof(rtmsg))));
                    if (message->nlmsg_type == RTM_NEWROUTE)
                        m_defaultRoutes.insert(key);
                    else
                        m_defaultRoutes.remove(key);
                    updateOnline();
                }
                if (message->nlmsg_flags & NLM_F_MULTI)
                    break; // the dump, not a change
                noteChange(message->nlmsg_type == RTM_NEWROUTE ? QStringLiteral("route added")
                                                               : QStringLiteral("route removed"));
                break;
            }
            default:
                break;
            }
        }
    }
}

void NetworkWatcher::noteChange(const QString &what)
{
    m_lastChange = what;
    m_settle.start();
}

void NetworkWatcher::checkSleep()
{
    const std::chrono::milliseconds now = m_clock();
    const std::chrono::milliseconds passed = now - m_lastCheck;
    m_lastCheck = now;
    const auto interval = m_sleepCheck.intervalAsDuration();
    if (passed >= interval + kSleepSlack)
        Q_EMIT resumed(std::chrono::duration_cast<std::chrono::milliseconds>(passed - interval));
}

void NetworkWatcher::onPrepareForSleep(bool sleeping)
{
    if (!sleeping)
        Q_EMIT resumed(0ms);
}

} // namespace Longwatch
