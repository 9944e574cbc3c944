#include "channel.h"
#include "channelmanager.h"
#include "epolleventdispatcher.h"
#include "fakehttpserver.h"
#include "networkpool.h"
#include "secretstore.h"
#include "settingschannelstore.h"
#include "threadpriority.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <atomic>
#include <optional>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

ChannelConfig configFor(const FakeHttpServer &server, const QString &name,
                        const QString &path = "/poll")
{
    ChannelConfig c;
    c.name = name;
    c.url = server.url(path);
    c.profileId = "seed-events";
    c.knobs = {{"hold", "5"}};
    c.timing.backoffInitial = 50ms;
    c.timing.backoffMax = 100ms;
    return c;
}

/// A channel whose server's name never resolves (RFC 6761: .invalid), with
/// a backoff long enough that only the offline rules bring its retries near.
ChannelConfig unreachableConfig(const QString &name, const QString &host)
{
    ChannelConfig c;
    c.name = name;
    c.url = QUrl("http://" + host + ".invalid/poll");
    c.profileId = "seed-events";
    c.knobs = {{"hold", "5"}};
    c.timing.backoffInitial = 10min;
    c.timing.backoffMax = 10min;
    return c;
}

} // namespace

// Every test runs twice: with the pollers in the test's thread, and on a
// network thread of their own (ChannelManager::useNetworkThread(), as the
// dashboard runs them).
class tst_ChannelManager : public QObject
{
    Q_OBJECT
public:
    explicit tst_ChannelManager(bool networkThread)
        : m_networkThread(networkThread)
    {}

private Q_SLOTS:
    void initTestCase();
    void addsAndRemovesWithAnnouncements();
    void eventsArriveWithTheirChannel();
    void countsEventsAndKeepsARate();
    void pauseStopsAndIsRemembered();
    void duplicateGetsANewIdentity();
    void anEditKeepsTheCursorOfTheSameFeed();
    void aConfigurationThatCannotRunFailsWithTheReason();
    void loadsStoredChannelsAndSkipsTransientOnes();
    void storedSecretsAreFilledInBeforeTheChannelStarts();
    void trustingARefusedCertificatePinsItAndTheChannelGoesLive();
    void quickPauseAndResumeEndsPolling();
    void removingAndDeletingWhilePollsAreUnderWayIsQuiet();
    void aFlakyServerShowsEachRetry();
    void aNetworkChangeEndsTheHeldPollAndAsksAgain();
    void aNetworkChangeEndsALongBackoff();
    void aNetworkChangeLeavesPausedChannelsAlone();
    void theNetworkThreadYieldsToThisOne();
    void channelsThatAllCannotReachTheirServersAreOffline();
    void oneServerOutOfReachIsNotOffline();
    void refusedConnectionsAreNotOffline();
    void theFirstAnswerBringsEveryChannelBackAtOnce();

private:
    /// Sets `manager` up as this run wants it.
    void prepare(ChannelManager &manager) const;

    bool m_networkThread = false;
};

void tst_ChannelManager::initTestCase()
{
    qInfo("pollers run %s", m_networkThread ? "on a network thread" : "in the test's thread");
}

void tst_ChannelManager::prepare(ChannelManager &manager) const
{
    if (m_networkThread)
        manager.useNetworkThread();
    QCOMPARE(manager.usesNetworkThread(), m_networkThread);
#ifdef Q_OS_LINUX
    // The network thread holds the sockets on an epoll dispatcher.
    if (m_networkThread && qEnvironmentVariable("LONGWATCH_EVENT_DISPATCHER") != "qt")
        QVERIFY(dynamic_cast<EpollEventDispatcher *>(
            QAbstractEventDispatcher::instance(manager.networkPool()->managerThread())));
#endif
}

void tst_ChannelManager::storedSecretsAreFilledInBeforeTheChannelStarts()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(dir.filePath("secrets.json")));
    ChannelConfig config = configFor(server, "secret");
    config.id = "with-token";
    config.auth = ChannelConfig::Auth::Bearer;
    config.token = "st0red-token";
    config.paused = true; // no traffic needed
    store.save({config});

    ChannelManager manager(&store);

    prepare(manager);
    manager.load();
    QCOMPARE(manager.count(), 1);
    Channel *channel = manager.at(0);
    QVERIFY(channel->config().token.isEmpty()); // not read yet
    QTRY_COMPARE(channel->config().token, QStringLiteral("st0red-token"));
    QVERIFY(channel->config().pendingSecretFields.isEmpty());
    QCOMPARE(channel->config().pollerSettings().headers.value(0).second,
             QByteArray("Bearer st0red-token"));
}

void tst_ChannelManager::trustingARefusedCertificatePinsItAndTheChannelGoesLive()
{
    if (!TestCertificates::opensslAvailable())
        QSKIP("openssl is needed to make certificates");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs(dir.path());
    QVERIFY2(certs.makeSelfSigned("self", "localhost"), qPrintable(certs.errorString()));
    TlsTestServer server(certs.certificate("self"), certs.key("self"));
    QVERIFY(server.listen());

    MemoryChannelStore store;
    ChannelManager manager(&store);
    prepare(manager);
    ChannelConfig config;
    config.name = "self-signed";
    config.url = server.url("/poll");
    config.timing.backoffInitial = 50ms;
    config.timing.backoffMax = 100ms;
    Channel *channel = manager.addChannel(config);
    QTRY_COMPARE(channel->error(), Poller::Error::TlsError);
    const TlsFailure failure = channel->tlsFailure();
    QVERIFY(!failure.isNull());
    QVERIFY(failure.canBePinned());
    QCOMPARE(failure.certificate.sha256,
             CertificateInfo::fromCertificate(certs.certificate("self")).sha256);

    QVERIFY(!channel->trustCertificate("not a fingerprint"));
    QVERIFY(channel->trustCertificate(failure.certificate.fingerprintText()));
    QTRY_COMPARE(channel->state(), Poller::State::Live);
    QCOMPARE(channel->config().timing.transport.tls.pinnedSha256,
             QStringList{failure.certificate.sha256});
    QCOMPARE(store.load().value(0).timing.transport.tls.pinnedSha256,
             QStringList{failure.certificate.sha256});
    QVERIFY(channel->tlsFailure().isNull());
}

void tst_ChannelManager::addsAndRemovesWithAnnouncements()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    ChannelManager manager;
    prepare(manager);
    QSignalSpy aboutToAdd(&manager, &ChannelManager::channelAboutToBeAdded);
    QSignalSpy added(&manager, &ChannelManager::channelAdded);
    QSignalSpy aboutToRemove(&manager, &ChannelManager::channelAboutToBeRemoved);
    QSignalSpy removed(&manager, &ChannelManager::channelRemoved);

    // The count must not change before the "about to" signal.
    connect(&manager, &ChannelManager::channelAboutToBeAdded, this,
            [&manager](int index) { QCOMPARE(manager.count(), index); });
    Channel *a = manager.addChannel(configFor(server, "a"));
    Channel *b = manager.addChannel(configFor(server, "b"));
    QCOMPARE(aboutToAdd.size(), 2);
    QCOMPARE(added.size(), 2);
    QCOMPARE(aboutToAdd.at(1).at(0).toInt(), 1);
    QCOMPARE(manager.count(), 2);
    QCOMPARE(manager.indexOf(b), 1);
    QCOMPARE(manager.channel(a->id()), a);
    QVERIFY(a->id() != b->id());

    const QString id = a->id();
    manager.removeChannel(a);
    QCOMPARE(aboutToRemove.size(), 1);
    QCOMPARE(aboutToRemove.at(0).at(0).toInt(), 0);
    QCOMPARE(removed.at(0).at(0).toString(), id);
    QCOMPARE(manager.count(), 1);
    QCOMPARE(manager.at(0), b);
    QCOMPARE(manager.channel(id), nullptr);
}

void tst_ChannelManager::eventsArriveWithTheirChannel()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::seedEvents({1, 2, 3}));
    ChannelManager manager;
    prepare(manager);
    QSignalSpy batches(&manager, &ChannelManager::batchReceived);
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QVERIFY(batches.wait());
    QCOMPARE(batches.at(0).at(0).value<Channel *>(), channel);
    const auto events = batches.at(0).at(1).value<EventList>();
    QCOMPARE(events.size(), 3);
    QCOMPARE(events.last().key, QStringLiteral("3"));
    QTRY_COMPARE(channel->state(), Poller::State::Live);
    QCOMPARE(channel->cursor(), QStringLiteral("3"));
}

void tst_ChannelManager::countsEventsAndKeepsARate()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::seedEvents({1, 2}));
    server.enqueue("/poll", FakeResponse::seedEvents({3}));
    ChannelManager manager;
    prepare(manager);
    // Read on the network thread too: atomic.
    std::atomic<qint64> nowMs =
        QDateTime(QDate(2030, 1, 1), QTime(12, 0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    const auto now = [&nowMs] { return QDateTime::fromMSecsSinceEpoch(nowMs, QTimeZone::utc()); };
    manager.setChannelSetup([&now](Channel *channel) {
        channel->setClock(now);
        channel->setRateBuckets(4, 10s);
    });
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QTRY_COMPARE(channel->eventCount(), qint64(3));
    QCOMPARE(channel->lastEventAt(), now());
    QCOMPARE(channel->rateHistory(), (QList<int>{0, 0, 0, 3}));
    // Time moves on: the events slide to the left, the newest bucket is empty.
    nowMs += 20'000;
    QCOMPARE(channel->rateHistory(), (QList<int>{0, 3, 0, 0}));
    nowMs += 60'000;
    QCOMPARE(channel->rateHistory(), (QList<int>{0, 0, 0, 0}));
}

void tst_ChannelManager::pauseStopsAndIsRemembered()
{
    FakeHttpServer server;
    MemoryChannelStore store;
    ChannelManager manager(&store);
    prepare(manager);
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    QSignalSpy states(channel, &Channel::stateChanged);
    channel->pause();
    QCOMPARE(channel->state(), Poller::State::Stopped);
    QVERIFY(channel->isPaused());
    QVERIFY(!states.isEmpty());
    QCOMPARE(store.load().size(), 1);
    QVERIFY(store.load().first().paused);
    const int requests = server.requestCount();

    channel->resume();
    QVERIFY(!channel->isPaused());
    QVERIFY(!store.load().first().paused);
    QTRY_COMPARE(server.requestCount(), requests + 1);
}

void tst_ChannelManager::duplicateGetsANewIdentity()
{
    FakeHttpServer server;
    MemoryChannelStore store;
    ChannelManager manager(&store);
    prepare(manager);
    Channel *original = manager.addChannel(configFor(server, "builds"));
    Channel *copy = manager.duplicateChannel(original);
    QVERIFY(copy);
    QVERIFY(copy->id() != original->id());
    QVERIFY(copy->name().contains("builds"));
    QVERIFY(copy->name() != original->name());
    QCOMPARE(copy->config().url, original->config().url);
    QCOMPARE(store.load().size(), 2);
    // A second copy gets a name of its own.
    Channel *second = manager.duplicateChannel(original);
    QCOMPARE(copy->name(), QStringLiteral("builds (copy)"));
    QCOMPARE(second->name(), QStringLiteral("builds (copy 2)"));
    QVERIFY(manager.copyOf(original).id.isEmpty());
    QCOMPARE(manager.copyOf(original).name, QStringLiteral("builds (copy 3)"));
}

void tst_ChannelManager::anEditKeepsTheCursorOfTheSameFeed()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::seedEvents({7}));
    ChannelManager manager;
    prepare(manager);
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QTRY_COMPARE(channel->cursor(), QStringLiteral("7"));
    QTRY_COMPARE(server.heldCount(), 1);

    ChannelConfig renamed = channel->config();
    renamed.name = "renamed builds";
    manager.updateChannel(channel, renamed);
    QCOMPARE(channel->name(), QStringLiteral("renamed builds"));
    // The restarted poll continues from the cursor, not from the start.
    QTRY_VERIFY(server.requests().size() >= 3);
    QCOMPARE(server.requests().last().queryValue("last_id"), QStringLiteral("7"));

    ChannelConfig moved = channel->config();
    moved.url = server.url("/other");
    manager.updateChannel(channel, moved);
    QTRY_COMPARE(server.requests("/other").size(), 1);
    QCOMPARE(server.requests("/other").first().queryValue("last_id"), QStringLiteral("0"));
}

void tst_ChannelManager::aConfigurationThatCannotRunFailsWithTheReason()
{
    ChannelManager manager;
    prepare(manager);
    ChannelConfig c;
    c.name = "broken";
    c.url = QUrl("http://127.0.0.1:1/poll");
    c.profileId = "no-such-profile";
    Channel *channel = manager.addChannel(c);
    QCOMPARE(channel->state(), Poller::State::Failed);
    QVERIFY(channel->errorString().contains("no-such-profile"));
    QCOMPARE(channel->poller(), nullptr);
}

void tst_ChannelManager::loadsStoredChannelsAndSkipsTransientOnes()
{
    FakeHttpServer server;
    MemoryChannelStore store;
    ChannelConfig paused = configFor(server, "paused one");
    paused.paused = true;
    store.save({configFor(server, "running one"), paused});

    ChannelManager manager(&store);

    prepare(manager);
    manager.load();
    QCOMPARE(manager.count(), 2);
    QCOMPARE(manager.at(1)->state(), Poller::State::Stopped);
    QTRY_COMPARE(manager.at(0)->state(), Poller::State::Waiting);
    QCOMPARE(server.requestCount(), 1);

    ChannelConfig demo = configFor(server, "demo");
    demo.transient = true;
    manager.addChannel(demo);
    QCOMPARE(manager.count(), 3);
    QCOMPARE(store.load().size(), 2);
}

void tst_ChannelManager::quickPauseAndResumeEndsPolling()
{
    // Pause and resume faster than a poller on another thread reports: the
    // channel must end up polling, and say so, not stay stopped.
    FakeHttpServer server;
    MemoryChannelStore store;
    ChannelManager manager(&store);
    prepare(manager);
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    for (int i = 0; i < 5; ++i) {
        channel->pause();
        QCOMPARE(channel->state(), Poller::State::Stopped);
        channel->resume();
    }
    const int requests = server.requestCount();
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    QTRY_VERIFY(server.heldCount() >= 1);
    QVERIFY(server.requestCount() > requests - 5);

    channel->pause();
    QTRY_COMPARE(server.heldCount(), 0);
    QCOMPARE(channel->state(), Poller::State::Stopped);
}

void tst_ChannelManager::removingAndDeletingWhilePollsAreUnderWayIsQuiet()
{
    // Channels removed, edited and finally deleted with the manager while
    // answers keep coming: nothing may reach a channel that is gone (under
    // ASan this fails loudly), the others keep polling, and the manager's
    // end waits for the network thread.
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::seedEvents({1, 2}).withDelay(5ms));
    int answers = 0;
    {
        ChannelManager manager;
        prepare(manager);
        manager.setChannelSetup([this, &answers](Channel *channel) {
            connect(channel, &Channel::responseReceived, this, [&answers] { ++answers; });
        });
        QList<Channel *> channels;
        for (int i = 0; i < 20; ++i)
            channels << manager.addChannel(configFor(server, QString("c%1").arg(i)));
        QTRY_VERIFY(answers >= 40);
        for (int i = 0; i < 10; ++i)
            manager.removeChannel(channels.at(i));
        for (int i = 10; i < 15; ++i) {
            ChannelConfig moved = channels.at(i)->config();
            moved.url = server.url(QString("/moved%1").arg(i));
            manager.updateChannel(channels.at(i), moved);
        }
        QCOMPARE(manager.count(), 10);
        const int before = answers;
        QTRY_VERIFY(answers >= before + 40);
        QTRY_VERIFY(server.requests("/moved14").size() >= 2);
    }
    const int after = answers;
    QCoreApplication::processEvents();
    QCOMPARE(answers, after);
}

void tst_ChannelManager::aFlakyServerShowsEachRetry()
{
    // Failed attempts in a row stay in Backoff; each must still reach the
    // channel (attempt, error), from whichever thread the poller runs in.
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(503));
    ChannelManager manager;
    prepare(manager);
    Channel *channel = manager.addChannel(configFor(server, "flaky"));
    QSignalSpy changed(&manager, &ChannelManager::channelChanged);
    QTRY_VERIFY(channel->attempt() >= 3);
    QCOMPARE(channel->state(), Poller::State::Backoff);
    QCOMPARE(channel->error(), Poller::Error::HttpError);
    QVERIFY(channel->errorString().contains("503"));
    QVERIFY(channel->nextRetryAt().isValid());
    QVERIFY(changed.size() >= 3);
}

void tst_ChannelManager::aNetworkChangeEndsTheHeldPollAndAsksAgain()
{
    // The held poll may ride on a connection the new network cannot reach:
    // it is dropped, quietly, and the channel asks again within the jitter.
    FakeHttpServer server;
    ChannelManager manager;
    prepare(manager);
    Channel *channel = manager.addChannel(configFor(server, "held"));
    QTRY_COMPARE(server.requests().size(), 1);
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    QElapsedTimer clock;
    clock.start();
    manager.restartAfterNetworkChange("test");
    QTRY_COMPARE(server.requests().size(), 2);
    QVERIFY(clock.elapsed() < ChannelManager::kNetworkChangeJitter.count() + 1000);
    QCOMPARE(channel->error(), Poller::Error::NoError);
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
}

void tst_ChannelManager::aNetworkChangeEndsALongBackoff()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(503));
    ChannelManager manager;
    prepare(manager);
    ChannelConfig config = configFor(server, "backing off");
    config.timing.backoffInitial = 10min;
    config.timing.backoffMax = 10min;
    Channel *channel = manager.addChannel(config);
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    QCOMPARE(channel->attempt(), 1);
    // The next try would come in up to ten minutes; the server is fine now.
    server.setDefaultResponse(FakeResponse::hold());
    manager.restartAfterNetworkChange("test");
    QTRY_COMPARE(server.requests().size(), 2);
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    QCOMPARE(channel->attempt(), 0);
}

void tst_ChannelManager::aNetworkChangeLeavesPausedChannelsAlone()
{
    FakeHttpServer server;
    ChannelManager manager;
    prepare(manager);
    Channel *paused = manager.addChannel(configFor(server, "paused"));
    QTRY_COMPARE(server.requests().size(), 1);
    paused->pause();
    QTRY_COMPARE(paused->state(), Poller::State::Stopped);
    Channel *running = manager.addChannel(configFor(server, "running", "/other"));
    QTRY_COMPARE(server.requests("/other").size(), 1);
    manager.restartAfterNetworkChange("test");
    QTRY_COMPARE(server.requests("/other").size(), 2);
    QCOMPARE(server.requests("/poll").size(), 1);
    QCOMPARE(paused->state(), Poller::State::Stopped);
    QVERIFY(running->state() != Poller::State::Stopped);
}

/// The nice value of this process's thread `task` (Linux /proc), or nullopt.
std::optional<int> niceOfTask(const QString &task)
{
    QFile stat("/proc/self/task/" + task + "/stat");
    if (!stat.open(QIODevice::ReadOnly))
        return std::nullopt;
    // After the parenthesised name come the state (field 3) ... nice (19).
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 16 ? std::optional<int>(fields.at(16).toInt()) : std::nullopt;
}

/// The nice value of this process's first thread named `name`, or nullopt.
std::optional<int> niceOfThread(const QByteArray &name)
{
    const QStringList tasks = QDir("/proc/self/task").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &task : tasks) {
        QFile comm("/proc/self/task/" + task + "/comm");
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
            return niceOfTask(task);
    }
    return std::nullopt;
}

void tst_ChannelManager::theNetworkThreadYieldsToThisOne()
{
    if (!m_networkThread)
        QSKIP("only with the network thread");
    if (!QFile::exists("/proc/self/task"))
        QSKIP("needs Linux's /proc");
    FakeHttpServer server;
    ChannelManager manager;
    prepare(manager);
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    // Below this (the main) thread, so that a flood of answers cannot
    // starve the GUI; Qt's HTTP threads (https, proxies), started from it,
    // inherit that. Plain http goes through Longwatch's own client, in the
    // network thread itself.
    const std::optional<int> mine = niceOfTask(QString::number(QCoreApplication::applicationPid()));
    const std::optional<int> network = niceOfThread("longwatch-net");
    QVERIFY(mine && network);
    QCOMPARE(*network, std::min(*mine + kBackgroundNiceIncrement, 19));
    QCOMPARE(niceOfThread("QNetworkAccessM"), std::nullopt);

    // HTTP/2 is Qt's: its thread starts with the first request.
    ChannelConfig overQt = configFor(server, "over-qt");
    overQt.timing.transport.httpVersion = HttpVersion::Http2;
    manager.addChannel(overQt);
    QTRY_VERIFY(niceOfThread("QNetworkAccessM"));
    QCOMPARE(*niceOfThread("QNetworkAccessM"), *network);
}

void tst_ChannelManager::channelsThatAllCannotReachTheirServersAreOffline()
{
    ChannelManager manager;
    prepare(manager);
    QSignalSpy offline(&manager, &ChannelManager::offlineChanged);
    Channel *builds = manager.addChannel(unreachableConfig("builds", "builds"));
    Channel *deploys = manager.addChannel(unreachableConfig("deploys", "deploys"));
    QVERIFY(offline.wait());
    QCOMPARE(offline.size(), 1);
    QCOMPARE(offline.constFirst().constFirst().toBool(), true);
    QVERIFY(manager.isOffline());
    for (const Channel *channel : {builds, deploys}) {
        QTRY_VERIFY(channel->isWaitingForNetwork());
        QVERIFY(channel->couldNotReach());
        // However long its own backoff, and even if the retry was drawn
        // before the other channel failed too.
        QTRY_VERIFY(channel->nextRetryAt().isValid() &&
                    QDateTime::currentDateTimeUtc().secsTo(channel->nextRetryAt()) <=
                        Poller::kOfflineBackoffCeiling.count());
    }
    // Paused, the channels say nothing about the network any more.
    builds->pause();
    deploys->pause();
    QTRY_VERIFY(!manager.isOffline());
}

void tst_ChannelManager::oneServerOutOfReachIsNotOffline()
{
    // One server (however many of its channels) cannot be told from a
    // network that is gone: it is that server's trouble, said as such.
    ChannelManager manager;
    prepare(manager);
    Channel *first = manager.addChannel(unreachableConfig("first", "builds"));
    QTRY_COMPARE(first->state(), Poller::State::Backoff);
    QVERIFY(first->couldNotReach());
    ChannelConfig sameHost = unreachableConfig("second", "builds");
    sameHost.url.setPath("/other");
    Channel *second = manager.addChannel(sameHost);
    QTRY_COMPARE(second->state(), Poller::State::Backoff);
    QVERIFY(second->couldNotReach());
    QVERIFY(!manager.isOffline());
    QVERIFY(!first->isWaitingForNetwork());
}

void tst_ChannelManager::refusedConnectionsAreNotOffline()
{
    // A refusal comes from the server's machine: it is reachable.
    quint16 closedPort = 0;
    {
        FakeHttpServer gone;
        closedPort = gone.port();
    }
    ChannelManager manager;
    prepare(manager);
    QList<Channel *> channels;
    for (const QString host : {"127.0.0.1", "localhost"}) {
        ChannelConfig config = unreachableConfig(host, host);
        config.url = QUrl(QStringLiteral("http://%1:%2/poll").arg(host).arg(closedPort));
        channels << manager.addChannel(config);
    }
    for (const Channel *channel : std::as_const(channels)) {
        QTRY_COMPARE(channel->state(), Poller::State::Backoff);
        QVERIFY2(channel->errorString().contains("refused"), qPrintable(channel->errorString()));
        QVERIFY(!channel->couldNotReach());
    }
    QVERIFY(!manager.isOffline());
}

void tst_ChannelManager::theFirstAnswerBringsEveryChannelBackAtOnce()
{
    FakeHttpServer server; // holds every request
    ChannelManager manager;
    prepare(manager);
    QSignalSpy offline(&manager, &ChannelManager::offlineChanged);
    // Reaches a server on its second address after two tries: the first
    // sign of a network.
    ChannelConfig first = unreachableConfig("first", "builds");
    first.alternateUrls = {server.url("/poll")};
    first.timing.failoverAfter = 2;
    first.timing.backoffInitial = 200ms;
    first.timing.backoffMax = 200ms;
    Channel *reaches = manager.addChannel(first);
    Channel *waits = manager.addChannel(unreachableConfig("second", "deploys"));
    QSignalSpy waitsStates(waits, &Channel::stateChanged);
    qsizetype sinceOffline = -1; // its state changes from when it was offline
    connect(&manager, &ChannelManager::offlineChanged, this, [&](bool isOffline) {
        if (isOffline)
            sinceOffline = waitsStates.size();
    });
    QTRY_COMPARE(offline.size(), 1);
    QTRY_COMPARE(reaches->state(), Poller::State::Waiting);
    QTRY_COMPARE(offline.size(), 2);
    QCOMPARE(offline.at(1).constFirst().toBool(), false);
    QVERIFY(!manager.isOffline());
    // The other one tries again at once, its backoff forgotten: the one it
    // had drawn (up to 30 s offline) would have made this attempt 2.
    QVERIFY(sinceOffline >= 0);
    const auto triedAgain = [&] {
        for (qsizetype at = sinceOffline; at < waitsStates.size(); ++at) {
            if (waitsStates.at(at).constFirst().value<Poller::State>() == Poller::State::Connecting)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(triedAgain(), 3000);
    QTRY_COMPARE(waits->state(), Poller::State::Backoff);
    QCOMPARE(waits->attempt(), 1);
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_ChannelManager sameThread(false);
    int failures = QTest::qExec(&sameThread, argc, argv);
    tst_ChannelManager networkThread(true);
    failures += QTest::qExec(&networkThread, argc, argv);
    return failures;
}
#include "tst_channelmanager.moc"
