#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>

#include <atomic>
#include <deque>
#include <set>
#include <utility>
#include <vector>

namespace Longwatch {

/// The event dispatcher for the thread that holds the channels' sockets
/// (ChannelManager's network thread), or nullptr to keep Qt's: off Linux,
/// when the kernel refuses an epoll instance, or when the environment says
/// LONGWATCH_EVENT_DISPATCHER=qt. Give it to QThread::setEventDispatcher()
/// before the thread starts, or to QCoreApplication::setEventDispatcher()
/// before the application object is made.
QAbstractEventDispatcher *createNetworkEventDispatcher();

#ifdef Q_OS_LINUX

/// A QAbstractEventDispatcher on Linux's epoll, for a thread that holds a
/// thousand mostly quiet sockets.
///
/// Qt 6.4's own dispatchers (glib's and the UNIX one) hand every socket of
/// the thread to poll() each time the thread wakes up, so the kernel walks
/// all of them for every answer that arrives, every queued call and every
/// timer (with 1,000 held long polls, most of a core's time in that thread
/// went there: perf showed sock_poll, tcp_poll and fdget on top). epoll
/// keeps the interest list in the kernel: a wake-up costs what is ready,
/// not what is registered. Timers are kept in an ordered set (Qt's list
/// inserts in linear time).
///
/// What it does like Qt's UNIX dispatcher:
/// - posted events first, then ready sockets, then due timers, in each pass;
/// - a socket that reports an error or a hang-up activates all its
///   notifiers; a file epoll cannot watch (a regular file) counts as always
///   ready, as poll() says it is;
/// - a timer does not fire again while its own timer event is being handled
///   (a nested event loop), and zero-interval timers run once per pass
///   without counting as work done.
/// What it does differently: every timer fires at its due time, rounded up
/// to the millisecond; coarse timers are not moved to shared boundaries.
/// A notifier switched on and off within one pass (a socket's write
/// notifier, for each request sent) costs no system call: changes reach
/// the kernel just before the wait, all but removals, which go at once
/// (the descriptor may be closed and its number reused within the pass).
///
/// Everything but wakeUp() and interrupt() runs in the dispatcher's thread.
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    /// False if the kernel gave no epoll instance or no eventfd.
    bool isValid() const { return m_epoll >= 0 && m_wakeEpoll >= 0 && m_wakeFd >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    using QAbstractEventDispatcher::registerTimer;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;
    void startingUp() override;

    /// Sockets and timers registered now, and epoll_ctl() calls so far
    /// (for tests).
    int watchedSocketCount() const { return int(m_watches.size()); }
    int timerCount() const { return int(m_timers.size()); }
    qint64 kernelUpdateCount() const { return m_kernelUpdates; }

private:
    struct Watch
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 events = 0;       ///< what epoll watches for now
        bool alwaysReady = false; ///< epoll refused the file (EPERM)
        bool dirty = false;       ///< in m_dirty: the kernel has yet to hear of a change
    };
    struct Timer
    {
        qint64 deadline = 0; ///< CLOCK_MONOTONIC, ns
        qint64 interval = 0; ///< ms
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        bool inEvent = false; ///< its QTimerEvent is being handled
    };
    using Deadline = std::pair<qint64, int>; ///< deadline, timer id

    void forgetTimerOf(QObject *object);
    void updateWatch(int fd);
    void applyWatchChanges();
    void queueActivation(QSocketNotifier *notifier, std::size_t leftOver);
    int activateSocketNotifiers();
    int activateTimers();
    int waitTimeout() const;
    void readWakeUps();

    int m_epoll = -1;     ///< the sockets and the wake-up
    int m_wakeEpoll = -1; ///< the wake-up alone (ExcludeSocketNotifiers)
    int m_wakeFd = -1;    ///< eventfd written by wakeUp() from other threads
    std::atomic<Qt::HANDLE> m_thread{nullptr};
    std::atomic<bool> m_wakeUpPending{false}; ///< m_wakeFd has been written, not read
    std::atomic<bool> m_interrupt{false};
    /// wakeUp() from the dispatcher's own thread since the pass began: that
    /// thread is not waiting, so it only has to not wait next time.
    bool m_wokenHere = false;

    QHash<int, Watch> m_watches; ///< by file descriptor
    int m_alwaysReady = 0;       ///< watches with alwaysReady set
    qint64 m_kernelUpdates = 0;
    std::vector<int> m_dirty;                ///< watches to update before the next wait
    std::deque<QSocketNotifier *> m_pending; ///< activations not yet sent

    QHash<int, Timer> m_timers; ///< by timer id
    /// Timers per object that has any. QObject asks registeredTimers() for
    /// every object moved to another thread (Qt's HTTP client moves one per
    /// request), so the answer for an object without timers must not cost
    /// a walk over all of them.
    QHash<QObject *, int> m_timersOf;
    std::set<Deadline> m_queue; ///< every timer, soonest first
};

#endif // Q_OS_LINUX

} // namespace Longwatch
