// Network faults made for real, between two network namespaces this test
// makes (ip netns, a veth pair, addresses that exist only there): the
// client lives in one, the server in the other. Skipped where namespaces
// cannot be made (not root).

#include "channel.h"
#include "channelmanager.h"
#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "networknamespace.h"
#include "networkwatcher.h"
#include "poller.h"
#include "profiles.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <memory>

#include <optional>
#include <signal.h>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

/// A fake server listening on `address` in the server's namespace of
/// `hosts` (its sockets stay there; the caller's thread does not).
std::unique_ptr<FakeHttpServer> serverIn(const TwoHosts &hosts,
                                         const QString &address = TwoHosts::kServerAddress)
{
    EnterNetworkNamespace inServer(hosts.server);
    if (!inServer.isEntered())
        return nullptr;
    return std::make_unique<FakeHttpServer>(QHostAddress(address));
}

} // namespace

class tst_NetworkFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aSilentDeadPathIsNoticedInSeconds();
    void linkUpBringsTheFirstEventAtOnce();
    void withoutARouteOutChannelsWaitForTheNetwork();
    void aStoppedRecorderPollsAgainOnceItRuns();
};

void tst_NetworkFaults::aSilentDeadPathIsNoticedInSeconds()
{
    TwoHosts hosts;
    QString error;
    if (!hosts.client.isValid())
        QSKIP(hosts.client.skipReason());
    QVERIFY2(hosts.connect(&error), qPrintable(error));
    std::unique_ptr<FakeHttpServer> server = serverIn(hosts);
    QVERIFY(server);
    QVERIFY2(server->isListening(), qPrintable(server->errorString()));
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());

    // A long poll the server holds for a minute, on the own client.
    NetworkAccessManager manager;
    QStringList profileErrors;
    auto profile =
        createProfile("seed-events", server->url("/poll"), {{"hold", "60"}}, &profileErrors);
    QVERIFY2(profile, qPrintable(profileErrors.join(' ')));
    Poller poller(std::move(profile), &manager);
    PollerSettings settings;
    settings.deadConnectionLimit = 3s;
    poller.setSettings(settings);
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    QVERIFY(poller.start());
    QTRY_COMPARE(server->requests().size(), 1);
    QTRY_COMPARE(poller.state(), Poller::State::Waiting);

    // The server's packets go nowhere from now on, without a word: no
    // reset, no ICMP, as when a NAT box forgets the connection.
    QElapsedTimer sinceDeath;
    sinceDeath.start();
    QVERIFY(
        hosts.server.run({"route", "add", "blackhole", TwoHosts::kClientAddress + "/32"}, &error));
    // The deadline is 70 s away; the dead path must show long before.
    QVERIFY(errors.wait(15000));
    const qint64 noticedMs = sinceDeath.elapsed();
    qInfo("dead path noticed after %lld ms (limit 3 s)", noticedMs);
    QVERIFY(noticedMs < 8000);
    QCOMPARE(poller.state(), Poller::State::Backoff);
    QCOMPARE(poller.error(), Poller::Error::TimeoutError);
    QVERIFY2(poller.errorString().contains("network path to it is probably gone"),
             qPrintable(poller.errorString()));
}

void tst_NetworkFaults::linkUpBringsTheFirstEventAtOnce()
{
    TwoHosts hosts;
    QString error;
    if (!hosts.client.isValid())
        QSKIP(hosts.client.skipReason());
    QVERIFY2(hosts.connect(&error), qPrintable(error));
    std::unique_ptr<FakeHttpServer> server = serverIn(hosts);
    QVERIFY(server);
    QVERIFY2(server->isListening(), qPrintable(server->errorString()));
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());

    // The dashboard's way: channels in a manager that watches the network
    // (of the client's namespace: its netlink socket is made here).
    ChannelManager manager;
    manager.watchNetwork();
    QVERIFY(manager.networkWatcher()->watchesKernel());
    ChannelConfig config;
    config.name = "builds";
    config.url = server->url("/poll");
    config.profileId = "seed-events";
    config.knobs = {{"hold", "60"}};
    // A long backoff: without the watcher the next try after the link is
    // back would be up to a minute away.
    config.timing.backoffInitial = 60s;
    config.timing.backoffMax = 60s;
    Channel *channel = manager.addChannel(config);
    QSignalSpy batches(&manager, &ChannelManager::batchReceived);
    QTRY_COMPARE(server->requests().size(), 1);

    // The link goes: the held poll is dropped and the new try fails.
    QVERIFY(hosts.client.run({"link", "set", "lwc", "down"}, &error));
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);

    server->enqueue("/poll", FakeResponse::seedEvents({1, 2}));
    QElapsedTimer sinceUp;
    sinceUp.start();
    QVERIFY(hosts.client.run({"link", "set", "lwc", "up"}, &error));
    QVERIFY(batches.wait(10000));
    const qint64 firstEventMs = sinceUp.elapsed();
    qInfo("first event %lld ms after the link came up", firstEventMs);
    QVERIFY(firstEventMs < 2000);
    QCOMPARE(batches.constFirst().at(1).value<EventList>().size(), 2);
}

void tst_NetworkFaults::withoutARouteOutChannelsWaitForTheNetwork()
{
    TwoHosts hosts;
    QString error;
    if (!hosts.client.isValid())
        QSKIP(hosts.client.skipReason());
    QVERIFY2(hosts.connect(&error), qPrintable(error));
    // A server beyond a router: reachable only through the default route.
    QVERIFY(hosts.server.run({"addr", "add", "10.202.0.2/32", "dev", "lws"}, &error));
    QVERIFY(hosts.client.run({"route", "add", "default", "via", TwoHosts::kServerAddress}, &error));
    std::unique_ptr<FakeHttpServer> server = serverIn(hosts, "10.202.0.2");
    QVERIFY(server);
    QVERIFY2(server->isListening(), qPrintable(server->errorString()));
    EnterNetworkNamespace inClient(hosts.client);
    ChannelManager manager;
    manager.watchNetwork();
    QSignalSpy offline(&manager, &ChannelManager::offlineChanged);
    QTRY_VERIFY(!manager.isOffline());
    ChannelConfig config;
    config.name = "remote";
    config.url = server->url("/poll");
    config.profileId = "seed-events";
    config.knobs = {{"hold", "60"}};
    config.timing.backoffInitial = 10min;
    config.timing.backoffMax = 10min;
    Channel *channel = manager.addChannel(config);
    QTRY_COMPARE(server->requests().size(), 1);

    // The way out goes: offline, and the channel waits for the network with
    // retries no more than 30 s apart, however long its own backoff.
    QVERIFY(hosts.client.run({"route", "del", "default"}, &error));
    QVERIFY(offline.wait());
    QVERIFY(manager.isOffline());
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    QVERIFY(channel->isWaitingForNetwork());
    QVERIFY(channel->nextRetryAt().isValid());
    QVERIFY(QDateTime::currentDateTimeUtc().secsTo(channel->nextRetryAt()) <=
            Poller::kOfflineBackoffCeiling.count());

    // It comes back: online, and the channel gets through at once.
    server->enqueue("/poll", FakeResponse::seedEvents({7}));
    QSignalSpy batches(&manager, &ChannelManager::batchReceived);
    QVERIFY(hosts.client.run({"route", "add", "default", "via", TwoHosts::kServerAddress}, &error));
    QVERIFY(batches.wait(5000));
    QVERIFY(!manager.isOffline());
    QVERIFY(!channel->isWaitingForNetwork());
}

void tst_NetworkFaults::aStoppedRecorderPollsAgainOnceItRuns()
{
    // A sleep, as a stopped process sees it: while longwatch-tail does not
    // run, the server forgets its connection and its goodbye is lost. Once
    // it runs again it must notice the time it lost and ask again at once,
    // rather than wait for its keep-alive probes (9 s) or its deadline.
    TwoHosts hosts;
    QString error;
    if (!hosts.client.isValid())
        QSKIP(hosts.client.skipReason());
    QVERIFY2(hosts.connect(&error), qPrintable(error));
    std::unique_ptr<FakeHttpServer> server = serverIn(hosts);
    QVERIFY(server);
    QVERIFY2(server->isListening(), qPrintable(server->errorString()));

    QProcess tail;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // Checks twice a second: a stop of 5 s is then plainly a sleep.
    environment.insert("LONGWATCH_SLEEP_CHECK_MS", "500");
    tail.setProcessEnvironment(environment);
    tail.start("ip", {"netns", "exec", hosts.client.name(), LONGWATCH_TAIL_PATH, "--channel",
                      "builds=" + server->url("/poll").toString(), "--profile", "seed-events",
                      "--hold", "50"});
    QVERIFY(tail.waitForStarted());
    QTRY_COMPARE(server->requests().size(), 1);
    QTRY_COMPARE(server->heldCount(), 1);

    QVERIFY(hosts.server.run({"route", "add", "blackhole", TwoHosts::kClientAddress + "/32"}));
    QCOMPARE(::kill(pid_t(tail.processId()), SIGSTOP), 0);
    server->closeAllConnections(); // its FIN goes nowhere
    // The machine sleeps: the stimulus itself, not a wait for something.
    QTest::qWait(5000);
    QVERIFY(hosts.server.run({"route", "del", "blackhole", TwoHosts::kClientAddress + "/32"}));
    server->enqueue("/poll", FakeResponse::seedEvents({1}));
    QElapsedTimer sinceResume;
    sinceResume.start();
    QCOMPARE(::kill(pid_t(tail.processId()), SIGCONT), 0);
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += tail.readAllStandardOutput()).contains("\"key\":\"1\""),
                             15000);
    const qint64 firstEventMs = sinceResume.elapsed();
    qInfo("first event %lld ms after the process ran again", firstEventMs);
    const QByteArray messages = tail.readAllStandardError();
    tail.terminate();
    QVERIFY(tail.waitForFinished());
    QVERIFY2(messages.contains("resumed after"), messages.constData());
    QVERIFY(firstEventMs < 2000);
}

QTEST_GUILESS_MAIN(tst_NetworkFaults)
#include "tst_networkfaults.moc"
