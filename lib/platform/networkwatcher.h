#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

#include <chrono>
#include <functional>

class QSocketNotifier;

namespace Longwatch {

/// Notices what makes every held connection suspect: the machine's network
/// changed (a link went up or down, an address or a route came or went), or
/// the process did not run for a while (the machine slept, or the process
/// was stopped). A long poll held over a connection that died meanwhile
/// would otherwise wait for its deadline, and a channel in backoff for its
/// next try: minutes after a laptop wakes up.
///
/// Network changes come from the kernel (rtnetlink, in the network
/// namespace the watcher was made in) and, where Qt has a backend for it,
/// from QNetworkInformation; sleep from a periodic check that finds far more
/// time passed (CLOCK_BOOTTIME, which counts suspend) than it waited, and
/// from logind's PrepareForSleep on the system bus where there is one.
class NetworkWatcher final : public QObject
{
    Q_OBJECT
public:
    /// Milliseconds since an arbitrary start that go on while the machine
    /// sleeps; injectable for tests.
    using Clock = std::function<std::chrono::milliseconds()>;

    /// How often the sleep check runs (LONGWATCH_SLEEP_CHECK_MS in the
    /// environment sets another, for tests and diagnosis).
    static constexpr std::chrono::seconds kDefaultSleepCheck{2};
    /// How much later than due a check must come to count as a sleep: a
    /// busy machine delays timers by a second or two, never by this.
    static constexpr std::chrono::seconds kSleepSlack{3};
    /// How long changes are gathered into one networkChanged(): a link
    /// coming up brings its addresses and routes a moment later.
    static constexpr std::chrono::milliseconds kDefaultSettle{300};

    explicit NetworkWatcher(QObject *parent = nullptr);
    ~NetworkWatcher() override;

    /// True if the kernel tells this watcher about network changes.
    bool watchesKernel() const { return m_netlink >= 0; }
    /// False while the machine has no default route (IPv4 or IPv6): no
    /// server beyond its own links can be reached. True where that is not
    /// known (no rtnetlink) and until the kernel said what routes there are.
    bool isOnline() const { return m_online; }

    /// What resumed(`asleep`) means, in the words networkChanged() uses
    /// ("resumed after 42 s", "resumed from sleep"), for the log.
    static QString resumeText(std::chrono::milliseconds asleep);

    void setSleepCheckInterval(std::chrono::milliseconds interval);
    void setSettleTime(std::chrono::milliseconds settle);
    void setClock(Clock clock);

Q_SIGNALS:
    /// Once per burst of changes, after they settled; `what` says in words
    /// what changed last (for the log: "link eth0 down", "address added").
    void networkChanged(const QString &what);
    /// Once after the process was found to have not run for `asleep`
    /// (a check came kSleepSlack or more later than due), or after logind said the
    /// machine woke up (then `asleep` is zero: it is not known).
    void resumed(std::chrono::milliseconds asleep);
    /// When isOnline() changed: the last default route went, or the first
    /// came back. Emitted before the networkChanged() of the same change.
    void onlineChanged(bool online);

private:
    void openNetlink();
    bool requestDump(int type);
    void readNetlink();
    void updateOnline();
    void noteChange(const QString &what);
    void checkSleep();
    Q_SLOT void onPrepareForSleep(bool sleeping);

    int m_netlink = -1;
    QSocketNotifier *m_netlinkNotifier = nullptr;
    /// Per link index, the flags that say whether it carries traffic: a
    /// link message that does not change them (statistics, a rename) is
    /// not a change of the network.
    QHash<int, unsigned> m_linkFlags;
    /// The default routes there are (family, gateway, link, metric).
    QSet<QByteArray> m_defaultRoutes;
    /// The dump asked for and not yet done: RTM_GETLINK, then RTM_GETROUTE.
    int m_dumping = 0;
    bool m_online = true;
    QString m_lastChange;
    QTimer m_settle;
    QTimer m_sleepCheck;
    Clock m_clock;
    std::chrono::milliseconds m_lastCheck{0};
};

} // namespace Longwatch
