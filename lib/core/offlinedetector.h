#pragma once

#include "poller.h"

#include <QHash>
#include <QString>

#include <chrono>

namespace Longwatch {

/// Tells, from what the channels do, that the machine is offline although
/// it has a route out (a Wi-Fi that lets nothing through, a captive portal,
/// a VPN that died, a cable unplugged behind the router): every running
/// channel fails to reach its server at once.
///
/// The rule, written once for the dashboard (ChannelManager) and
/// longwatch-tail (TailSession):
/// - only failures that say nothing came back from the server's machine
///   count (Poller::couldNotReach(): host not found, network unreachable,
///   connect timed out, a connection that died on its way); an HTTP error,
///   a refused connection or a TLS failure is an answer from the server's
///   side, and a server that answers is reachable;
/// - every running channel (not paused, not failed for good) must have
///   failed so, on at least kMinimumServers different hosts: one server
///   that cannot be reached is that server's trouble, however many
///   channels ask it (and a single channel cannot tell its server's
///   failure from the network's);
/// - their failures must have begun within window() of each other (the
///   network going takes them all at once; servers failing one by one over
///   hours are each their own outage).
/// Offline then lasts until one channel reaches its server (an answer of
/// any kind), or no channel that could not reach its server runs any more.
/// A channel just started that has neither failed nor been answered yet
/// neither makes nor ends it.
class OfflineDetector final
{
public:
    static constexpr int kMinimumServers = 2;
    static constexpr std::chrono::milliseconds kDefaultWindow{60'000};

    enum class Change {
        None,
        WentOffline, ///< isOffline() became true
        Answered,    ///< isOffline() became false: a channel reached its server
        Cleared,     ///< isOffline() became false: no channel that failed to reach runs
    };

    /// How far apart the first failures of every channel may be to count as
    /// "at once".
    void setWindow(std::chrono::milliseconds window) { m_window = window; }
    std::chrono::milliseconds window() const { return m_window; }

    /// Records what channel `key` (polling `host`) says now: its state, and
    /// whether its last failure was one of reach (Poller::couldNotReach()).
    /// `now` is any monotonic time (the same clock on every call). Returns
    /// how isOffline() changed.
    Change update(const QString &key, const QString &host, Poller::State state, bool couldNotReach,
                  std::chrono::milliseconds now);
    /// The channel `key` is gone.
    Change remove(const QString &key);

    bool isOffline() const { return m_offline; }
    /// How many running channels, and on how many hosts, could not reach
    /// their servers (for the log).
    int unreachableChannels() const;
    int unreachableServers() const;

private:
    enum class Reach {
        Inactive,    ///< not running: paused, failed for good, never started
        Unknown,     ///< running, and neither answered nor failed to reach yet
        Reached,     ///< its server answered (even with an error)
        Unreachable, ///< its last tries could not reach its server
    };
    struct Entry
    {
        QString host;
        Reach reach = Reach::Inactive;
        std::chrono::milliseconds since{0}; ///< when it became Unreachable
    };

    static Reach reachOf(Poller::State state, bool couldNotReach, Reach before);
    Change evaluate(Reach changedTo);

    QHash<QString, Entry> m_entries;
    std::chrono::milliseconds m_window = kDefaultWindow;
    bool m_offline = false;
};

} // namespace Longwatch
