// The network thread's event dispatcher: posted events, wake-ups from other
// threads, timers, socket notifiers and the corner cases Qt's own
// dispatchers handle (nested loops, deletion while pending, files epoll
// cannot watch). The whole test runs on it: main() installs it for the main
// thread, so QTest's own waiting, QTcpServer and the network client below
// use it too.

#include "epolleventdispatcher.h"
#include "networkaccessmanager.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkReply>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

EpollEventDispatcher *dispatcher()
{
    return static_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

// Runs the main thread's event loop until `done` or `timeoutMs`; true if done.
bool runUntil(const std::function<bool()> &done, int timeoutMs = 5000)
{
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return done();
}

// Runs the event loop until a timer of `interval` fires: time for what
// should not happen to show, or for a dispatcher that can wait again.
bool runFor(std::chrono::milliseconds interval)
{
    QObject context;
    bool fired = false;
    QTimer::singleShot(interval, &context, [&] { fired = true; });
    return runUntil([&] { return fired; });
}

// Runs `loop` with a 10-s backstop against a wake-up that never comes;
// returns how long it ran, in ms.
qint64 execWithBackstop(QEventLoop &loop)
{
    QTimer backstop;
    backstop.setSingleShot(true);
    QObject::connect(&backstop, &QTimer::timeout, &loop, &QEventLoop::quit);
    backstop.start(10s);
    QElapsedTimer clock;
    clock.start();
    loop.exec();
    return clock.elapsed();
}

// Posts (from any thread) a call that sets `*done` and quits `loop`.
void postQuit(QEventLoop &loop, bool *done)
{
    QMetaObject::invokeMethod(
        &loop,
        [&loop, done] {
            *done = true;
            loop.quit();
        },
        Qt::QueuedConnection);
}

// A connected pair of UNIX sockets, closed on destruction.
struct SocketPair
{
    int fds[2] = {-1, -1};
    SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); }
    ~SocketPair()
    {
        for (const int fd : fds) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    bool isValid() const { return fds[0] >= 0 && fds[1] >= 0; }
    void makeReadable() const { QCOMPARE(::write(fds[1], "x", 1), ssize_t(1)); }
};

// Counts its timer events; optionally runs a nested loop in the first one.
class TimerCounter : public QObject
{
public:
    int events = 0;
    int depth = 0;
    int deepest = 0;
    bool nestOnce = false;

protected:
    void timerEvent(QTimerEvent *) override
    {
        ++events;
        ++depth;
        deepest = std::max(deepest, depth);
        if (nestOnce) {
            nestOnce = false;
            QEventLoop nested;
            QTimer::singleShot(30ms, &nested, &QEventLoop::quit);
            nested.exec();
        }
        --depth;
    }
};

} // namespace

class tst_EpollEventDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isTheMainThreadsDispatcher();
    void postedEventsAndQueuedCalls();
    void anotherThreadWakesItUp();
    void aPostFromAboutToBlockIsNotLeftWaiting();
    void timersFireInOrderAndNeverEarly();
    void repeatingTimerStopsWhenKilled();
    void zeroTimerDoesNotStarveOthers();
    void timerIsNotReenteredByANestedLoop();
    void objectDeletedInItsOwnTimerEvent();
    void remainingTimeAndRegisteredTimers();
    void timersMoveWithTheirObjectBetweenDispatchers();
    void socketNotifierReadAndWrite();
    void notifierDeletedWhileAnotherIsBeingHandled();
    void aHangUpWakesEveryNotifierOfTheSocket();
    void aNotifierOnAndOffInOnePassCostsNoSystemCall();
    void aDescriptorClosedAndReusedInOnePassIsWatchedAfresh();
    void regularFileCountsAsAlwaysReady();
    void excludedSocketsDoNotEndTheWait();
    void tcpRoundTripAndHangUp();
    void httpRequestsOnBothClients();
    void threadWithItQuits();
};

void tst_EpollEventDispatcher::isTheMainThreadsDispatcher()
{
    QVERIFY(dynamic_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    QVERIFY(dispatcher()->isValid());
}

void tst_EpollEventDispatcher::postedEventsAndQueuedCalls()
{
    int calls = 0;
    QObject context;
    for (int i = 0; i < 3; ++i)
        QMetaObject::invokeMethod(
            &context, [&] { ++calls; }, Qt::QueuedConnection);
    QCOMPARE(calls, 0);
    QVERIFY(runUntil([&] { return calls == 3; }));

    // deleteLater() needs the loop too.
    QPointer<QObject> doomed = new QObject;
    doomed->deleteLater();
    QEventLoop loop;
    QTimer::singleShot(0, &loop, &QEventLoop::quit);
    loop.exec();
    QVERIFY(doomed.isNull());
}

void tst_EpollEventDispatcher::anotherThreadWakesItUp()
{
    // The other thread posts once this thread's pass has decided to wait
    // (aboutToBlock), with no timer due: only the eventfd can end the wait.
    QEventLoop loop;
    bool woken = false;
    std::thread poster;
    const QMetaObject::Connection once =
        connect(dispatcher(), &QAbstractEventDispatcher::aboutToBlock, &loop, [&] {
            disconnect(once);
            poster = std::thread([&] { postQuit(loop, &woken); });
        });
    const qint64 ms = execWithBackstop(loop);
    poster.join();
    QVERIFY(woken);
    QVERIFY2(ms < 5000, "the posted call did not wake the waiting loop");
}

void tst_EpollEventDispatcher::aPostFromAboutToBlockIsNotLeftWaiting()
{
    // A handler of aboutToBlock() posts from the dispatcher's own thread,
    // after the pass decided it may wait; the wait must not begin.
    QEventLoop loop;
    bool handled = false;
    const QMetaObject::Connection once =
        connect(dispatcher(), &QAbstractEventDispatcher::aboutToBlock, &loop, [&] {
            disconnect(once);
            postQuit(loop, &handled);
        });
    const qint64 ms = execWithBackstop(loop);
    QVERIFY(handled);
    QVERIFY2(ms < 5000, "the post waited for the next wake-up");
}

void tst_EpollEventDispatcher::timersFireInOrderAndNeverEarly()
{
    QElapsedTimer clock;
    clock.start();
    QList<int> order;
    QList<qint64> firedAt;
    for (const int ms : {30, 10, 20}) {
        QTimer::singleShot(std::chrono::milliseconds(ms), Qt::PreciseTimer, this, [&, ms] {
            order.append(ms);
            firedAt.append(clock.elapsed());
        });
    }
    QVERIFY(runUntil([&] { return order.size() == 3; }));
    QCOMPARE(order, QList<int>({10, 20, 30}));
    for (int i = 0; i < 3; ++i)
        QVERIFY2(
            firedAt[i] >= order[i],
            qPrintable(QStringLiteral("%1 ms timer fired at %2 ms").arg(order[i]).arg(firedAt[i])));
}

void tst_EpollEventDispatcher::repeatingTimerStopsWhenKilled()
{
    QTimer timer;
    timer.setInterval(2ms);
    int ticks = 0;
    connect(&timer, &QTimer::timeout, this, [&] {
        if (++ticks == 3)
            timer.stop();
    });
    timer.start();
    QVERIFY(runUntil([&] { return ticks == 3; }));
    QCOMPARE(dispatcher()->registeredTimers(&timer).size(), 0);
    QVERIFY(runFor(30ms)); // well past several more intervals: nothing came
    QCOMPARE(ticks, 3);
}

void tst_EpollEventDispatcher::zeroTimerDoesNotStarveOthers()
{
    QTimer busy;
    busy.setInterval(0);
    int spins = 0;
    connect(&busy, &QTimer::timeout, this, [&] { ++spins; });
    busy.start();
    bool fired = false;
    bool called = false;
    QTimer::singleShot(10ms, this, [&] { fired = true; });
    QMetaObject::invokeMethod(
        this, [&] { called = true; }, Qt::QueuedConnection);
    QVERIFY(runUntil([&] { return fired && called; }));
    QVERIFY(spins > 1);
    // A zero timer alone is not work done (QCoreApplication::processEvents
    // with a time limit loops while a pass says it did some).
    const int before = spins;
    QCOMPARE(dispatcher()->processEvents(QEventLoop::AllEvents), false);
    QCOMPARE(spins, before + 1);
    busy.stop();
}

void tst_EpollEventDispatcher::timerIsNotReenteredByANestedLoop()
{
    TimerCounter counter;
    counter.nestOnce = true;
    const int id = counter.startTimer(1ms);
    QVERIFY(runUntil([&] { return counter.events >= 3; }));
    counter.killTimer(id);
    // The nested loop in the first event ran 30 ms, many intervals, without
    // sending the timer's event again.
    QCOMPARE(counter.deepest, 1);
}

void tst_EpollEventDispatcher::objectDeletedInItsOwnTimerEvent()
{
    class SelfDeleting : public QObject
    {
    public:
        bool *gone = nullptr;
        ~SelfDeleting() override { *gone = true; }

    protected:
        void timerEvent(QTimerEvent *) override { delete this; }
    };
    bool gone = false;
    auto *object = new SelfDeleting;
    object->gone = &gone;
    object->startTimer(1ms);
    const int before = dispatcher()->timerCount();
    QVERIFY(runUntil([&] { return gone; }));
    QCOMPARE(dispatcher()->timerCount(), before - 1);
    QVERIFY(runFor(1ms)); // the dispatcher goes on
}

void tst_EpollEventDispatcher::remainingTimeAndRegisteredTimers()
{
    QTimer timer;
    timer.setTimerType(Qt::VeryCoarseTimer);
    timer.start(60s);
    const int remaining = timer.remainingTime();
    QVERIFY2(remaining > 59'000 && remaining <= 60'000, qPrintable(QString::number(remaining)));
    const QList<QAbstractEventDispatcher::TimerInfo> timers =
        dispatcher()->registeredTimers(&timer);
    QCOMPARE(timers.size(), 1);
    QCOMPARE(timers.first().timerId, timer.timerId());
    QCOMPARE(timers.first().interval, 60'000);
    QCOMPARE(timers.first().timerType, Qt::VeryCoarseTimer);
    QCOMPARE(dispatcher()->remainingTime(-5), -1);
    timer.stop();
    QVERIFY(dispatcher()->registeredTimers(&timer).isEmpty());

    // Per object, as timers come and go.
    QObject object;
    const int first = object.startTimer(1h);
    const int second = object.startTimer(2h);
    QCOMPARE(dispatcher()->registeredTimers(&object).size(), 2);
    object.killTimer(first);
    QCOMPARE(dispatcher()->registeredTimers(&object).size(), 1);
    QCOMPARE(dispatcher()->registeredTimers(&object).first().timerId, second);
    object.killTimer(second);
    QVERIFY(dispatcher()->registeredTimers(&object).isEmpty());
    QVERIFY(!dispatcher()->unregisterTimers(&object));
}

void tst_EpollEventDispatcher::timersMoveWithTheirObjectBetweenDispatchers()
{
    // A running timer follows its object to a thread on Qt's dispatcher
    // (which asks ours for registeredTimers()), and back.
    QThread other;
    other.start();
    QTimer timer;
    timer.setInterval(5ms);
    std::atomic<QThread *> firedIn{nullptr};
    connect(
        &timer, &QTimer::timeout, &timer, [&] { firedIn.store(QThread::currentThread()); },
        Qt::DirectConnection);
    timer.start();
    const int before = dispatcher()->timerCount();
    timer.moveToThread(&other);
    QCOMPARE(dispatcher()->timerCount(), before - 1);
    QVERIFY(runUntil([&] { return firedIn.load() == &other; }));
    QMetaObject::invokeMethod(
        &timer, [&] { timer.moveToThread(QCoreApplication::instance()->thread()); },
        Qt::BlockingQueuedConnection);
    // Qt registers them in the new thread with a queued call.
    QVERIFY(runUntil([&] { return dispatcher()->timerCount() == before; }));
    firedIn.store(nullptr);
    QVERIFY(runUntil([&] { return firedIn.load() == QThread::currentThread(); }));
    other.quit();
    QVERIFY(other.wait(5000));
}

void tst_EpollEventDispatcher::socketNotifierReadAndWrite()
{
    SocketPair pair;
    QVERIFY(pair.isValid());
    const int watchedBefore = dispatcher()->watchedSocketCount();
    QSocketNotifier readable(pair.fds[0], QSocketNotifier::Read);
    QSocketNotifier writable(pair.fds[0], QSocketNotifier::Write);
    QCOMPARE(dispatcher()->watchedSocketCount(), watchedBefore + 1); // one descriptor
    int reads = 0;
    int writes = 0;
    connect(&readable, &QSocketNotifier::activated, this, [&] {
        char byte = 0;
        QCOMPARE(::read(pair.fds[0], &byte, 1), ssize_t(1));
        ++reads;
    });
    connect(&writable, &QSocketNotifier::activated, this, [&] {
        ++writes;
        writable.setEnabled(false); // otherwise it is always writable
    });
    QVERIFY(runUntil([&] { return writes == 1; }));
    QCOMPARE(reads, 0);
    pair.makeReadable();
    QVERIFY(runUntil([&] { return reads == 1; }));
    QCOMPARE(writes, 1);
    readable.setEnabled(false);
    QCOMPARE(dispatcher()->watchedSocketCount(), watchedBefore);
    pair.makeReadable();
    readable.setEnabled(true);
    QVERIFY(runUntil([&] { return reads == 2; }));
}

void tst_EpollEventDispatcher::notifierDeletedWhileAnotherIsBeingHandled()
{
    // Both sockets are ready in the same pass; whichever is handled first
    // deletes the other, which must then not be sent.
    SocketPair first;
    SocketPair second;
    QVERIFY(first.isValid() && second.isValid());
    auto *a = new QSocketNotifier(first.fds[0], QSocketNotifier::Read);
    auto *b = new QSocketNotifier(second.fds[0], QSocketNotifier::Read);
    int activations = 0;
    connect(a, &QSocketNotifier::activated, this, [&] {
        ++activations;
        delete b;
        b = nullptr;
        a->setEnabled(false);
    });
    connect(b, &QSocketNotifier::activated, this, [&] {
        ++activations;
        delete a;
        a = nullptr;
        b->setEnabled(false);
    });
    first.makeReadable();
    second.makeReadable();
    QVERIFY(runUntil([&] { return activations > 0; }));
    QVERIFY(runFor(20ms));
    QCOMPARE(activations, 1);
    delete a;
    delete b;
}

void tst_EpollEventDispatcher::aHangUpWakesEveryNotifierOfTheSocket()
{
    // epoll reports a hang-up whatever was asked for; a notifier that did
    // not hear of it would have every wait end at once, for ever.
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier exception(pair.fds[0], QSocketNotifier::Exception);
    int activations = 0;
    connect(&exception, &QSocketNotifier::activated, this, [&] {
        ++activations;
        exception.setEnabled(false);
    });
    ::close(pair.fds[1]);
    pair.fds[1] = -1;
    QVERIFY(runUntil([&] { return activations == 1; }));
}

void tst_EpollEventDispatcher::aNotifierOnAndOffInOnePassCostsNoSystemCall()
{
    // As a socket does with its write notifier for every request it sends.
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier readable(pair.fds[0], QSocketNotifier::Read);
    QSocketNotifier writable(pair.fds[0], QSocketNotifier::Write);
    writable.setEnabled(false);
    QVERIFY(runFor(1ms)); // the read notifier is in the kernel now
    const qint64 before = dispatcher()->kernelUpdateCount();
    for (int i = 0; i < 10; ++i) {
        writable.setEnabled(true);
        writable.setEnabled(false);
    }
    QVERIFY(runFor(1ms));
    QCOMPARE(dispatcher()->kernelUpdateCount(), before);
    // A change that lasts reaches the kernel once.
    int writes = 0;
    connect(&writable, &QSocketNotifier::activated, this, [&] {
        ++writes;
        writable.setEnabled(false);
    });
    writable.setEnabled(true);
    QVERIFY(runUntil([&] { return writes == 1; }));
    QVERIFY(dispatcher()->kernelUpdateCount() > before);
}

void tst_EpollEventDispatcher::aDescriptorClosedAndReusedInOnePassIsWatchedAfresh()
{
    // A socket's last notifier goes, the socket is closed and a new one
    // gets the same number before the loop turns (a retry on a new
    // connection): the kernel dropped the old file, the new one must be
    // added, not taken for the old.
    auto first = std::make_unique<SocketPair>();
    QVERIFY(first->isValid());
    const int number = first->fds[0];
    auto oldNotifier = std::make_unique<QSocketNotifier>(number, QSocketNotifier::Read);
    QVERIFY(runFor(1ms));
    oldNotifier.reset();
    first.reset();
    SocketPair second;
    QVERIFY(second.isValid());
    if (second.fds[0] != number && second.fds[1] != number)
        QSKIP("the kernel gave other numbers to the new sockets");
    const int reader = second.fds[0] == number ? 0 : 1;
    QSocketNotifier notifier(second.fds[reader], QSocketNotifier::Read);
    int reads = 0;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        ++reads;
        notifier.setEnabled(false);
    });
    QCOMPARE(::write(second.fds[1 - reader], "x", 1), ssize_t(1));
    QVERIFY(runUntil([&] { return reads == 1; }));
}

void tst_EpollEventDispatcher::regularFileCountsAsAlwaysReady()
{
    // epoll refuses regular files; poll() calls them always readable, and so
    // does this dispatcher.
    QTemporaryFile file;
    QVERIFY(file.open());
    QSocketNotifier notifier(file.handle(), QSocketNotifier::Read);
    int activations = 0;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        if (++activations == 2)
            notifier.setEnabled(false);
    });
    QVERIFY(runUntil([&] { return activations == 2; }));
    QVERIFY(runFor(5ms)); // disabled, it is no longer watched: the loop waits again
    QCOMPARE(activations, 2);
}

void tst_EpollEventDispatcher::excludedSocketsDoNotEndTheWait()
{
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier readable(pair.fds[0], QSocketNotifier::Read);
    int reads = 0;
    connect(&readable, &QSocketNotifier::activated, this, [&] { ++reads; });
    pair.makeReadable();
    bool fired = false;
    QTimer::singleShot(20ms, this, [&] { fired = true; });
    // Each pass waits for the timer: a ready socket that is excluded must
    // not end the wait at once (a spin of thousands of passes).
    int passes = 0;
    while (!fired && passes < 1000) {
        dispatcher()->processEvents(QEventLoop::ExcludeSocketNotifiers |
                                    QEventLoop::WaitForMoreEvents);
        ++passes;
    }
    QVERIFY(fired);
    QVERIFY2(passes <= 3, qPrintable(QString::number(passes)));
    QCOMPARE(reads, 0);
    QVERIFY(runUntil([&] { return reads > 0; }));
}

void tst_EpollEventDispatcher::tcpRoundTripAndHangUp()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(runUntil([&] { return server.hasPendingConnections(); }));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QVERIFY(runUntil([&] { return client.state() == QAbstractSocket::ConnectedState; }));

    // 4 MiB one way: the writer's buffer fills, so its write notifier goes
    // on and off many times.
    const QByteArray payload(4 * 1024 * 1024, 'p');
    QByteArray received;
    connect(peer.get(), &QTcpSocket::readyRead, this, [&] { received += peer->readAll(); });
    client.write(payload);
    QVERIFY(runUntil([&] { return received.size() == payload.size(); }, 20'000));
    QCOMPARE(received, payload);

    // The peer closes: the client hears it (a hang-up on its read side).
    bool disconnected = false;
    connect(&client, &QTcpSocket::disconnected, this, [&] { disconnected = true; });
    peer->close();
    QVERIFY(runUntil([&] { return disconnected; }));
}

void tst_EpollEventDispatcher::httpRequestsOnBothClients()
{
    // Longwatch's own HTTP/1.1 client works in this thread; Qt's client
    // (used here for a request the own client does not take) works from its
    // own thread and answers through posted events.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> peers;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *peer = server.nextPendingConnection()) {
            peers.append(peer);
            connect(peer, &QTcpSocket::readyRead, peer, [peer] {
                if (peer->readAll().contains("\r\n\r\n"))
                    peer->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
            });
        }
    });
    NetworkAccessManager manager;
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/x").arg(server.serverPort()));
    for (const bool own : {true, false}) {
        QNetworkRequest request(url);
        if (!own) // an attribute the own client leaves to Qt's
            request.setTransferTimeout(30'000);
        std::unique_ptr<QNetworkReply> reply(manager.get(request));
        QVERIFY(runUntil([&] { return reply->isFinished(); }));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->readAll(), QByteArray("hello"));
    }
    qDeleteAll(peers);
}

void tst_EpollEventDispatcher::threadWithItQuits()
{
    QThread thread;
    QAbstractEventDispatcher *threadDispatcher = createNetworkEventDispatcher();
    QVERIFY(threadDispatcher);
    thread.setEventDispatcher(threadDispatcher);
    thread.start();
    QObject context;
    context.moveToThread(&thread);
    std::atomic<int> calls{0};
    bool timerFired = false;
    bool onItsDispatcher = false;
    QMetaObject::invokeMethod(
        &context,
        [&] {
            ++calls;
            onItsDispatcher = QAbstractEventDispatcher::instance() == threadDispatcher;
            QTimer::singleShot(5ms, &context, [&] {
                timerFired = true;
                QMetaObject::invokeMethod(
                    &context, [&] { ++calls; }, Qt::QueuedConnection);
            });
        },
        Qt::QueuedConnection);
    QVERIFY(runUntil([&] { return calls.load() == 2; }));
    QMetaObject::invokeMethod(
        &context, [&] { context.moveToThread(QCoreApplication::instance()->thread()); },
        Qt::BlockingQueuedConnection);
    thread.quit();
    QVERIFY(thread.wait(5000));
    QVERIFY(onItsDispatcher);
    QVERIFY(timerFired);
}

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_EpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
