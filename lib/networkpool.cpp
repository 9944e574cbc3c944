#include "networkpool.h"

#include <QNetworkAccessManager>

namespace Longwatch {

NetworkPool::NetworkPool(QObject *parent)
    : QObject(parent)
{
}

NetworkPool::~NetworkPool() = default;

void NetworkPool::setChannelsPerManager(int count)
{
    m_perManager = std::max(1, count);
}

QString NetworkPool::serverKey(const QUrl &url)
{
    return QStringLiteral("%1://%2:%3")
        .arg(url.scheme(), url.host().toLower())
        .arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
}

QNetworkAccessManager *NetworkPool::acquire(const QUrl &url)
{
    QList<Slot> &slots = m_servers[serverKey(url)];
    for (Slot &slot : slots) {
        if (slot.leases < m_perManager) {
            ++slot.leases;
            return slot.manager;
        }
    }
    // Reuse a manager that serves other servers before making a new one:
    // the limit is per host, so one manager can carry six channels each to
    // many servers.
    for (QNetworkAccessManager *manager : std::as_const(m_managers)) {
        const bool used = std::any_of(slots.cbegin(), slots.cend(),
                                      [&](const Slot &s) { return s.manager == manager; });
        if (!used) {
            slots.append({manager, 1});
            return manager;
        }
    }
    auto *manager = new QNetworkAccessManager(this);
    m_managers.append(manager);
    slots.append({manager, 1});
    return manager;
}

void NetworkPool::release(QNetworkAccessManager *manager, const QUrl &url)
{
    const auto it = m_servers.find(serverKey(url));
    if (it == m_servers.end())
        return;
    for (qsizetype i = 0; i < it->size(); ++i) {
        Slot &slot = (*it)[i];
        if (slot.manager == manager) {
            if (--slot.leases <= 0)
                it->removeAt(i);
            break;
        }
    }
    if (it->isEmpty())
        m_servers.erase(it);
}

} // namespace Longwatch
