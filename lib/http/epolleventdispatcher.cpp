#include "epolleventdispatcher.h"

#include "logging.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>
#include <QVarLengthArray>

#include <algorithm>
#include <climits>

#ifdef Q_OS_LINUX
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#endif

namespace Longwatch {

QAbstractEventDispatcher *createNetworkEventDispatcher()
{
#ifdef Q_OS_LINUX
    if (qEnvironmentVariable("LONGWATCH_EVENT_DISPATCHER") == QLatin1String("qt"))
        return nullptr;
    auto *dispatcher = new EpollEventDispatcher;
    if (dispatcher->isValid())
        return dispatcher;
    delete dispatcher;
    qCWarning(lcNetwork) << "no epoll instance (" << std::strerror(errno)
                         << "): the network thread keeps Qt's event dispatcher";
#endif
    return nullptr;
}

#ifdef Q_OS_LINUX

namespace {

// Ready files taken from the kernel per epoll_wait(); more stay ready for
// the next pass (epoll is level-triggered here).
constexpr int kMaxReadyPerPass = 256;

constexpr qint64 kNsPerMs = 1'000'000;

qint64 monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// Whole milliseconds from now until `deadline`, rounded up so that a wait
// never ends before it (and then spins until it comes).
int msUntil(qint64 deadline, qint64 now)
{
    if (deadline <= now)
        return 0;
    return int(std::min<qint64>((deadline - now + kNsPerMs - 1) / kNsPerMs, INT_MAX));
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wakeEpoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wakeFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (m_epoll < 0 || m_wakeEpoll < 0 || m_wakeFd < 0)
        return;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = m_wakeFd;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event) != 0 ||
        epoll_ctl(m_wakeEpoll, EPOLL_CTL_ADD, m_wakeFd, &event) != 0) {
        ::close(m_wakeFd);
        m_wakeFd = -1;
    }
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    for (const int fd : {m_wakeFd, m_wakeEpoll, m_epoll}) {
        if (fd >= 0)
            ::close(fd);
    }
}

void EpollEventDispatcher::startingUp()
{
    m_thread.store(QThread::currentThreadId(), std::memory_order_release);
}

void EpollEventDispatcher::wakeUp()
{
    // Posted from the dispatcher's own thread: it is running, not waiting,
    // and looks at m_wokenHere before it waits again.
    if (QThread::currentThreadId() == m_thread.load(std::memory_order_acquire)) {
        m_wokenHere = true;
        return;
    }
    if (!m_wakeUpPending.exchange(true, std::memory_order_acq_rel))
        eventfd_write(m_wakeFd, 1);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupt.store(true, std::memory_order_release);
    wakeUp();
}

void EpollEventDispatcher::readWakeUps()
{
    eventfd_t count = 0;
    eventfd_read(m_wakeFd, &count);
    m_wakeUpPending.store(false, std::memory_order_release);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    if (!m_thread.load(std::memory_order_relaxed))
        startingUp();
    m_interrupt.store(false, std::memory_order_relaxed);
    Q_EMIT awake();

    // Events posted while these are sent stay for the next pass; posting
    // them called wakeUp(), so this pass will not wait.
    m_wokenHere = false;
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !flags.testFlag(QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    bool canWait = flags.testFlag(QEventLoop::WaitForMoreEvents) && !m_wokenHere &&
                   !m_interrupt.load(std::memory_order_acquire);
    if (canWait)
        Q_EMIT aboutToBlock();
    if (m_interrupt.load(std::memory_order_acquire))
        return false;
    canWait = canWait && !m_wokenHere; // aboutToBlock's handlers may have posted

    applyWatchChanges();
    int timeout = -1;
    if (!canWait || (includeNotifiers && m_alwaysReady > 0))
        timeout = 0;
    else if (includeTimers)
        timeout = waitTimeout();

    // Without the sockets, wait on a set that has only the wake-up: ready
    // sockets would end every wait at once (level-triggered).
    epoll_event ready[kMaxReadyPerPass];
    int count =
        epoll_wait(includeNotifiers ? m_epoll : m_wakeEpoll, ready, kMaxReadyPerPass, timeout);
    if (count < 0) {
        if (errno != EINTR)
            qCWarning(lcNetwork) << "epoll_wait failed:" << std::strerror(errno);
        count = 0;
    }
    // Left over from a pass whose handler ran a nested loop: these may come
    // again, and must not be sent twice.
    const std::size_t leftOver = m_pending.size();
    int handled = 0;
    for (int i = 0; i < count; ++i) {
        const int fd = ready[i].data.fd;
        if (fd == m_wakeFd) {
            readWakeUps();
            ++handled; // as Qt's dispatchers count a wake-up
            continue;
        }
        if (!includeNotifiers)
            continue; // still ready next time: level-triggered
        const auto watch = m_watches.constFind(fd);
        if (watch == m_watches.cend())
            continue;
        // A hang-up or an error wakes every notifier of the socket, as in
        // Qt's poll() dispatcher (epoll reports both whether asked or not,
        // so a notifier left out would have the wait end at once forever).
        const quint32 events = ready[i].events;
        const quint32 always = EPOLLHUP | EPOLLERR;
        if (watch->read && (events & (EPOLLIN | always)))
            queueActivation(watch->read, leftOver);
        if (watch->write && (events & (EPOLLOUT | always)))
            queueActivation(watch->write, leftOver);
        if (watch->exception && (events & (EPOLLPRI | always)))
            queueActivation(watch->exception, leftOver);
    }
    if (includeNotifiers && m_alwaysReady > 0) {
        for (const Watch &watch : std::as_const(m_watches)) {
            if (!watch.alwaysReady)
                continue;
            for (QSocketNotifier *notifier : {watch.read, watch.write, watch.exception}) {
                if (notifier)
                    queueActivation(notifier, leftOver);
            }
        }
    }

    if (includeNotifiers)
        handled += activateSocketNotifiers();
    if (includeTimers)
        handled += activateTimers();
    return handled > 0;
}

void EpollEventDispatcher::queueActivation(QSocketNotifier *notifier, std::size_t leftOver)
{
    const auto end = m_pending.cbegin() + qsizetype(leftOver);
    if (std::find(m_pending.cbegin(), end, notifier) == end)
        m_pending.push_back(notifier);
}

int EpollEventDispatcher::activateSocketNotifiers()
{
    // One at a time from the member list: a handler may unregister (or
    // delete) a notifier still waiting here, or run a nested event loop that
    // sends the rest.
    int sent = 0;
    while (!m_pending.empty()) {
        QSocketNotifier *notifier = m_pending.front();
        m_pending.pop_front();
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        ++sent;
    }
    return sent;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    if (fd < 0)
        return;
    Watch &watch = m_watches[fd];
    QSocketNotifier **slot = notifier->type() == QSocketNotifier::Read    ? &watch.read
                             : notifier->type() == QSocketNotifier::Write ? &watch.write
                                                                          : &watch.exception;
    if (*slot && *slot != notifier)
        qCWarning(lcNetwork) << "a second socket notifier of the same type for socket" << fd
                             << "replaces the first";
    *slot = notifier;
    updateWatch(fd);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    std::erase(m_pending, notifier);
    const int fd = int(notifier->socket());
    const auto watch = m_watches.find(fd);
    if (watch == m_watches.end())
        return;
    for (QSocketNotifier **slot : {&watch->read, &watch->write, &watch->exception}) {
        if (*slot == notifier)
            *slot = nullptr;
    }
    updateWatch(fd);
}

namespace {

quint32 wantedEvents(const QSocketNotifier *read, const QSocketNotifier *write,
                     const QSocketNotifier *exception)
{
    return (read ? quint32(EPOLLIN) : 0u) | (write ? quint32(EPOLLOUT) : 0u) |
           (exception ? quint32(EPOLLPRI) : 0u);
}

} // namespace

void EpollEventDispatcher::updateWatch(int fd)
{
    const auto it = m_watches.find(fd);
    if (it == m_watches.end())
        return;
    Watch &watch = *it;
    const quint32 wanted = wantedEvents(watch.read, watch.write, watch.exception);
    if (wanted == 0) {
        // At once: Qt closes a socket right after its last notifier goes,
        // and the number may come back for another file in this very pass,
        // which must then be added afresh. (The removal fails harmlessly
        // when the descriptor was closed first: the kernel dropped it.)
        if (watch.alwaysReady) {
            --m_alwaysReady;
        } else if (watch.events != 0) {
            epoll_event event{};
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &event);
            ++m_kernelUpdates;
        }
        m_watches.erase(it);
        return;
    }
    // Anything else waits for the next epoll_wait(): a socket turns its
    // write notifier on to send a request and off once it is flushed, in
    // the same pass, and then nothing need change in the kernel.
    if (wanted != watch.events && !watch.dirty) {
        watch.dirty = true;
        m_dirty.push_back(fd);
    }
}

void EpollEventDispatcher::applyWatchChanges()
{
    for (const int fd : m_dirty) {
        const auto it = m_watches.find(fd);
        if (it == m_watches.end() || !it->dirty)
            continue; // gone (and perhaps back) since
        Watch &watch = *it;
        watch.dirty = false;
        const quint32 wanted = wantedEvents(watch.read, watch.write, watch.exception);
        if (wanted == watch.events || watch.alwaysReady) {
            watch.events = wanted;
            continue;
        }
        epoll_event event{};
        event.events = wanted;
        event.data.fd = fd;
        int op = watch.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        int result = epoll_ctl(m_epoll, op, fd, &event);
        ++m_kernelUpdates;
        // The descriptor was closed and its number reused behind our back
        // (the kernel dropped the old file from the set), or is still in
        // the set from before: do the other one.
        if (result != 0 && (errno == EEXIST || errno == ENOENT)) {
            op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
            result = epoll_ctl(m_epoll, op, fd, &event);
        }
        if (result != 0 && errno == EPERM) {
            // A regular file or a directory: poll() calls it always ready.
            watch.alwaysReady = true;
            ++m_alwaysReady;
        } else if (result != 0) {
            qCWarning(lcNetwork) << "cannot watch socket" << fd << ":" << std::strerror(errno);
        }
        watch.events = wanted;
    }
    m_dirty.clear();
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Q_ASSERT(timerId > 0 && interval >= 0 && object);
    Timer timer;
    timer.deadline = monotonicNs() + interval * kNsPerMs;
    timer.interval = interval;
    timer.type = timerType;
    timer.object = object;
    unregisterTimer(timerId); // not expected: ids are unique until released
    m_timers.insert(timerId, timer);
    m_queue.insert({timer.deadline, timerId});
    ++m_timersOf[object];
}

void EpollEventDispatcher::forgetTimerOf(QObject *object)
{
    const auto it = m_timersOf.find(object);
    if (it != m_timersOf.end() && --*it <= 0)
        m_timersOf.erase(it);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_queue.erase({it->deadline, timerId});
    forgetTimerOf(it->object);
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    if (!m_timersOf.remove(object))
        return false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            m_queue.erase({it->deadline, it.key()});
            it = m_timers.erase(it);
        } else {
            ++it;
        }
    }
    return true;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> timers;
    if (!m_timersOf.contains(object))
        return timers;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            timers.append(TimerInfo(it.key(), int(it->interval), it->type));
    }
    return timers;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    return msUntil(it->deadline, monotonicNs());
}

int EpollEventDispatcher::waitTimeout() const
{
    // The soonest timer not busy in its own event (a nested loop must not
    // spin on it).
    for (const Deadline &next : m_queue) {
        if (!m_timers.value(next.second).inEvent)
            return msUntil(next.first, monotonicNs());
    }
    return -1;
}

int EpollEventDispatcher::activateTimers()
{
    if (m_queue.empty())
        return 0;
    const qint64 now = monotonicNs();
    if (m_queue.begin()->first > now)
        return 0;
    // The timers due now, each sent at most once in this pass even if it is
    // due again by the time its turn comes (a zero interval).
    QVarLengthArray<int, 16> due;
    for (auto it = m_queue.cbegin(); it != m_queue.cend() && it->first <= now; ++it)
        due.append(it->second);
    int activated = 0;
    for (const int id : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end() || it->inEvent || it->deadline > now)
            continue; // gone, busy, or started again by an earlier one
        m_queue.erase({it->deadline, id});
        it->deadline += it->interval * kNsPerMs;
        if (it->deadline <= now)
            it->deadline = now + it->interval * kNsPerMs; // fell behind: skip, do not catch up
        m_queue.insert({it->deadline, id});
        if (it->interval > 0)
            ++activated; // a zero timer alone is not work done (processEvents' loops)
        it->inEvent = true;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(it->object, &event);
        // The handler may have stopped the timer, deleted its object or
        // started other timers (the hash may have moved).
        it = m_timers.find(id);
        if (it != m_timers.end())
            it->inEvent = false;
    }
    return activated;
}

#endif // Q_OS_LINUX

} // namespace Longwatch
