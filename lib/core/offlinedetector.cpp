#include "offlinedetector.h"

#include <QSet>

#include <algorithm>

namespace Longwatch {

OfflineDetector::Reach OfflineDetector::reachOf(Poller::State state, bool couldNotReach,
                                                Reach before)
{
    switch (state) {
    case Poller::State::Idle:
    case Poller::State::Stopped:
    case Poller::State::Failed:
        return Reach::Inactive;
    case Poller::State::Waiting:
    case Poller::State::Live:
        // The request went out on a connection: the server's machine is there.
        return Reach::Reached;
    case Poller::State::Backoff:
        return couldNotReach ? Reach::Unreachable : Reach::Reached;
    case Poller::State::Connecting:
        // A retry under way says nothing new; a channel that starts knows nothing yet.
        return before == Reach::Inactive ? Reach::Unknown : before;
    }
    return before;
}

OfflineDetector::Change OfflineDetector::update(const QString &key, const QString &host,
                                                Poller::State state, bool couldNotReach,
                                                std::chrono::milliseconds now)
{
    Entry &entry = m_entries[key];
    entry.host = host;
    const Reach reach = reachOf(state, couldNotReach, entry.reach);
    if (reach == entry.reach)
        return Change::None;
    entry.reach = reach;
    if (reach == Reach::Unreachable)
        entry.since = now;
    return evaluate(reach);
}

OfflineDetector::Change OfflineDetector::remove(const QString &key)
{
    if (!m_entries.remove(key))
        return Change::None;
    return evaluate(Reach::Inactive);
}

OfflineDetector::Change OfflineDetector::evaluate(Reach changedTo)
{
    if (m_offline) {
        if (changedTo == Reach::Reached) {
            m_offline = false;
            return Change::Answered;
        }
        if (unreachableChannels() == 0) {
            m_offline = false;
            return Change::Cleared;
        }
        return Change::None;
    }
    if (changedTo != Reach::Unreachable && changedTo != Reach::Inactive)
        return Change::None;
    std::chrono::milliseconds first = std::chrono::milliseconds::max();
    std::chrono::milliseconds last = std::chrono::milliseconds::min();
    for (const Entry &entry : std::as_const(m_entries)) {
        if (entry.reach == Reach::Inactive)
            continue;
        if (entry.reach != Reach::Unreachable)
            return Change::None; // one is answered, or has not said yet
        first = std::min(first, entry.since);
        last = std::max(last, entry.since);
    }
    if (unreachableServers() < kMinimumServers || last - first > m_window)
        return Change::None;
    m_offline = true;
    return Change::WentOffline;
}

int OfflineDetector::unreachableChannels() const
{
    return int(std::count_if(m_entries.cbegin(), m_entries.cend(),
                             [](const Entry &entry) { return entry.reach == Reach::Unreachable; }));
}

int OfflineDetector::unreachableServers() const
{
    QSet<QString> hosts;
    for (const Entry &entry : std::as_const(m_entries)) {
        if (entry.reach == Reach::Unreachable)
            hosts.insert(entry.host.toLower());
    }
    return int(hosts.size());
}

} // namespace Longwatch
