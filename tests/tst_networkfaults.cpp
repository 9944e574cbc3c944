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
#include "tlstestserver.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QProcess>
#include <QSignalSpy>
#include <QSslServer>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <optional>
#include <signal.h>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

/// Joins `hosts`. Skips the test where namespaces cannot be made here (not
/// root, no `ip netns`) and fails it where they cannot be joined: false then.
bool join(TwoHosts &hosts)
{
    if (!hosts.client.isValid()) {
        QTest::qSkip(hosts.client.skipReason().constData(), __FILE__, __LINE__);
        return false;
    }
    QString error;
    return QTest::qVerify(hosts.connect(&error), "hosts.connect(&error)", qPrintable(error),
                          __FILE__, __LINE__);
}

/// Gives the server's side of `hosts` the `addresses` (each a /32 on lws)
/// and the client a default route through it: servers beyond a router,
/// reachable only by that route. False with `error` set if not.
bool beyondARouter(const TwoHosts &hosts, const QStringList &addresses, QString *error)
{
    for (const QString &address : addresses) {
        if (!hosts.server.run({"addr", "add", address + "/32", "dev", "lws"}, error))
            return false;
    }
    return hosts.client.run({"route", "add", "default", "via", TwoHosts::kServerAddress}, error);
}

/// A fake server listening on `address` in the server's namespace of
/// `hosts` (its sockets stay there; the caller's thread does not); null,
/// and the test failed, if it does not listen.
std::unique_ptr<FakeHttpServer> serverIn(const TwoHosts &hosts,
                                         const QString &address = TwoHosts::kServerAddress)
{
    std::unique_ptr<FakeHttpServer> server;
    {
        EnterNetworkNamespace inServer(hosts.server);
        if (!QTest::qVerify(inServer.isEntered(), "inServer.isEntered()", "", __FILE__, __LINE__))
            return nullptr;
        server = std::make_unique<FakeHttpServer>(QHostAddress(address));
    }
    if (!QTest::qVerify(server->isListening(), "server->isListening()",
                        qPrintable(server->errorString()), __FILE__, __LINE__))
        return nullptr;
    return server;
}

/// join() and serverIn(): what most cases start with. False, the test
/// skipped or failed, if not.
bool joinWithAServer(TwoHosts &hosts, std::unique_ptr<FakeHttpServer> *server)
{
    if (!join(hosts))
        return false;
    *server = serverIn(hosts);
    return *server != nullptr;
}

/// An https server on the server's address in the server's namespace of
/// `hosts` that takes every request and holds it, never answering: a long
/// poll of a feed with no news.
class HoldingTlsServer final : public QObject
{
public:
    HoldingTlsServer(const TwoHosts &hosts, const QSslCertificate &certificate, const QSslKey &key)
    {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setLocalCertificate(certificate);
        configuration.setPrivateKey(key);
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_server.setSslConfiguration(configuration);
        connect(&m_server, &QSslServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                    m_received += socket->readAll();
                    m_requests = int(m_received.count("\r\n\r\n"));
                });
            }
        });
        EnterNetworkNamespace inServer(hosts.server);
        m_listening =
            inServer.isEntered() && m_server.listen(QHostAddress(TwoHosts::kServerAddress), 0);
    }

    bool isListening() const { return m_listening; }
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("https://%1:%2%3")
                        .arg(TwoHosts::kServerAddress)
                        .arg(m_server.serverPort())
                        .arg(path));
    }
    int requestCount() const { return m_requests; }
    /// Every byte of every request so far.
    QByteArray received() const { return m_received; }

private:
    QSslServer m_server;
    bool m_listening = false;
    QByteArray m_received;
    int m_requests = 0;
};

/// A seed-events poller on `manager` for `url`, holding 60 s unless `hold`
/// says otherwise; null, and the test failed, if the profile is refused.
std::unique_ptr<Poller> pollerFor(QNetworkAccessManager *manager, const QUrl &url,
                                  const QString &hold = QStringLiteral("60"))
{
    QStringList errors;
    auto profile = createProfile("seed-events", url, {{"hold", hold}}, &errors);
    if (!QTest::qVerify(bool(profile), "profile", qPrintable(errors.join(' ')), __FILE__, __LINE__))
        return nullptr;
    return std::make_unique<Poller>(std::move(profile), manager);
}

/// A seed-events channel `name` on `url` holding 60 s, its backoff fixed
/// at `backoff`: long, so that only the network watcher can bring the
/// next try sooner.
ChannelConfig seedEventsChannel(const QString &name, const QUrl &url, std::chrono::seconds backoff)
{
    ChannelConfig config;
    config.name = name;
    config.url = url;
    config.profileId = "seed-events";
    config.knobs = {{"hold", "60"}};
    config.timing.backoffInitial = backoff;
    config.timing.backoffMax = backoff;
    return config;
}

/// Makes the server's packets go nowhere (TwoHosts::dropServerToClient())
/// and waits up to 15 s for an error in `errors`: the milliseconds from the
/// cut to the error, -1 if it did not come (the test failed).
qint64 msUntilErrorOnceThePathDies(const TwoHosts &hosts, QSignalSpy &errors)
{
    QElapsedTimer sinceDeath;
    sinceDeath.start();
    QString error;
    if (!QTest::qVerify(hosts.dropServerToClient(&error), "hosts.dropServerToClient(&error)",
                        qPrintable(error), __FILE__, __LINE__) ||
        !QTest::qVerify(errors.wait(15000), "errors.wait(15000)", "", __FILE__, __LINE__))
        return -1;
    return sinceDeath.elapsed();
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
    void aSilentDeadPathOnHttpsIsNoticedInSeconds();
    void anAddressBackBringsTheNextPollAtOnce();
    void onQtsClientADeadPathShowsOnlyAtTheDeadline();
    void aDeadPathMovesTheChannelToItsOtherServer();
    void channelsThatCannotReachAnyServerWaitForTheNetwork();

private:
    void checkTheFirstEventComesAtOnceAfter(const QStringList &cut, const QStringList &mend,
                                            const char *mended);
    static void checkADeadPathIsNoticedInSeconds(const TwoHosts &hosts, Poller &poller,
                                                 QSignalSpy &errors);
};

/// The dashboard's way: a channel in a manager that watches the network (of
/// the client's namespace: its netlink socket is made there), with a
/// backoff of a minute. `ip cut` on the client drops its held poll and
/// fails the next try; the first event must come at once after `ip mend`
/// (`mended` says what came back), not at the end of the backoff.
void tst_NetworkFaults::checkTheFirstEventComesAtOnceAfter(const QStringList &cut,
                                                           const QStringList &mend,
                                                           const char *mended)
{
    TwoHosts hosts;
    std::unique_ptr<FakeHttpServer> server;
    if (!joinWithAServer(hosts, &server))
        return;
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());
    ChannelManager manager;
    manager.watchNetwork();
    QVERIFY(manager.networkWatcher()->watchesKernel());
    Channel *channel = manager.addChannel(seedEventsChannel("builds", server->url("/poll"), 60s));
    QSignalSpy batches(&manager, &ChannelManager::batchReceived);
    QTRY_COMPARE(server->requests().size(), 1);

    QString error;
    QVERIFY2(hosts.client.run(cut, &error), qPrintable(error));
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    QVERIFY(channel->nextRetryAt().isValid());

    server->enqueue("/poll", FakeResponse::seedEvents({1, 2}));
    const qsizetype requestsBefore = server->requests().size();
    QElapsedTimer sinceMended;
    sinceMended.start();
    QVERIFY2(hosts.client.run(mend, &error), qPrintable(error));
    QVERIFY(batches.wait(10000));
    const qint64 firstEventMs = sinceMended.elapsed();
    qInfo("first event %lld ms after %s", firstEventMs, mended);
    QVERIFY(server->requests().size() > requestsBefore);
    QVERIFY(firstEventMs < 2000);
    QCOMPARE(batches.constFirst().at(1).value<EventList>().size(), 2);
}

/// With `poller` waiting on a held poll, the server's packets go nowhere:
/// the dead path must show within seconds (the dead-connection limit of
/// 3 s), long before the deadline of 70 s.
void tst_NetworkFaults::checkADeadPathIsNoticedInSeconds(const TwoHosts &hosts, Poller &poller,
                                                         QSignalSpy &errors)
{
    const qint64 noticedMs = msUntilErrorOnceThePathDies(hosts, errors);
    QVERIFY(noticedMs >= 0);
    qInfo("dead path noticed after %lld ms (limit 3 s)", noticedMs);
    QVERIFY(noticedMs < 8000);
    QCOMPARE(poller.state(), Poller::State::Backoff);
    QCOMPARE(poller.error(), Poller::Error::TimeoutError);
    QVERIFY2(poller.errorString().contains("network path to it is probably gone"),
             qPrintable(poller.errorString()));
    QVERIFY(poller.couldNotReach());
}

void tst_NetworkFaults::aSilentDeadPathIsNoticedInSeconds()
{
    TwoHosts hosts;
    std::unique_ptr<FakeHttpServer> server;
    if (!joinWithAServer(hosts, &server))
        return;
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());

    // A long poll the server holds for a minute, on the own client.
    NetworkAccessManager manager;
    std::unique_ptr<Poller> poller = pollerFor(&manager, server->url("/poll"));
    QVERIFY(poller);
    PollerSettings settings;
    settings.deadConnectionLimit = 3s;
    poller->setSettings(settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QTRY_COMPARE(server->requests().size(), 1);
    QTRY_COMPARE(poller->state(), Poller::State::Waiting);

    checkADeadPathIsNoticedInSeconds(hosts, *poller, errors);
}

void tst_NetworkFaults::linkUpBringsTheFirstEventAtOnce()
{
    checkTheFirstEventComesAtOnceAfter({"link", "set", "lwc", "down"}, {"link", "set", "lwc", "up"},
                                       "the link came up");
}

void tst_NetworkFaults::withoutARouteOutChannelsWaitForTheNetwork()
{
    TwoHosts hosts;
    if (!join(hosts))
        return;
    QString error;
    QVERIFY2(beyondARouter(hosts, {"10.202.0.2"}, &error), qPrintable(error));
    std::unique_ptr<FakeHttpServer> server = serverIn(hosts, "10.202.0.2");
    if (!server)
        return;
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());
    ChannelManager manager;
    manager.watchNetwork();
    QSignalSpy offline(&manager, &ChannelManager::offlineChanged);
    QTRY_VERIFY(!manager.isOffline());
    Channel *channel = manager.addChannel(seedEventsChannel("remote", server->url("/poll"), 10min));
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
    std::unique_ptr<FakeHttpServer> server;
    if (!joinWithAServer(hosts, &server))
        return;

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

    QVERIFY(hosts.dropServerToClient());
    QCOMPARE(::kill(pid_t(tail.processId()), SIGSTOP), 0);
    server->closeAllConnections(); // its FIN goes nowhere
    // The machine sleeps: the stimulus itself, not a wait for something.
    QTest::qWait(5000);
    QVERIFY(hosts.restoreServerToClient());
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

void tst_NetworkFaults::aSilentDeadPathOnHttpsIsNoticedInSeconds()
{
    if (!TestCertificates::opensslAvailable())
        QSKIP("needs the openssl command to make a certificate");
    TwoHosts hosts;
    if (!join(hosts))
        return;
    QTemporaryDir directory;
    TestCertificates certificates(directory.path());
    QVERIFY2(certificates.makeSelfSigned("server", "feeds", "IP:" + TwoHosts::kServerAddress),
             qPrintable(certificates.errorString()));
    HoldingTlsServer server(hosts, certificates.certificate("server"), certificates.key("server"));
    QVERIFY(server.isListening());
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());

    // A long poll the server holds for a minute, over TLS on the own client.
    NetworkAccessManager manager;
    std::unique_ptr<Poller> poller = pollerFor(&manager, server.url("/poll"));
    QVERIFY(poller);
    PollerSettings settings;
    settings.deadConnectionLimit = 3s;
    settings.transport.tls.pinnedSha256 = {QString::fromLatin1(
        certificates.certificate("server").digest(QCryptographicHash::Sha256).toHex())};
    poller->setSettings(settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QTRY_COMPARE(server.requestCount(), 1);
    QVERIFY2(isFromLongwatchClient(server.received()), server.received().constData());
    QTRY_COMPARE(poller->state(), Poller::State::Waiting);

    checkADeadPathIsNoticedInSeconds(hosts, *poller, errors);
}

void tst_NetworkFaults::anAddressBackBringsTheNextPollAtOnce()
{
    // The client's address goes (a DHCP lease lost, a VPN that took it):
    // the held poll is dropped and the next try finds no way out.
    const QString address = TwoHosts::kClientAddress + "/24";
    checkTheFirstEventComesAtOnceAfter({"addr", "del", address, "dev", "lwc"},
                                       {"addr", "add", address, "dev", "lwc"},
                                       "the address came back");
}

void tst_NetworkFaults::onQtsClientADeadPathShowsOnlyAtTheDeadline()
{
    TwoHosts hosts;
    std::unique_ptr<FakeHttpServer> server;
    if (!joinWithAServer(hosts, &server))
        return;
    // Had the path lived, the answer (no news) at the end of the hold.
    server->enqueue("/poll", FakeResponse::seedEvents({}).withDelay(4s));
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());

    // Qt's client, as for HTTP/2 or a proxy (LONGWATCH_HTTP_CLIENT=qt does
    // the same for every request): it cannot set the socket options.
    NetworkAccessManager manager;
    manager.setOwnClientEnabled(false);
    std::unique_ptr<Poller> poller = pollerFor(&manager, server->url("/poll"), "4");
    QVERIFY(poller);
    PollerSettings settings;
    settings.deadConnectionLimit = 3s; // what the own client would have used
    settings.deadlineMargin = 3s;      // the deadline: 4 + 3 s
    poller->setSettings(settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QElapsedTimer sinceAsked;
    sinceAsked.start();
    QVERIFY(poller->start());
    QTRY_COMPARE(server->requests().size(), 1);
    QVERIFY(!server->requests().constFirst().header("User-Agent").startsWith("Longwatch"));
    QTRY_COMPARE(poller->state(), Poller::State::Waiting);

    QVERIFY(msUntilErrorOnceThePathDies(hosts, errors) >= 0);
    const qint64 noticedMs = sinceAsked.elapsed();
    qInfo("dead path on Qt's client noticed %lld ms after the request (deadline 7 s)", noticedMs);
    // Not at the dead-connection limit: at the deadline, and the channel says why.
    QVERIFY(noticedMs >= 6500);
    QVERIFY(noticedMs < 10000);
    QCOMPARE(poller->error(), Poller::Error::TimeoutError);
    QVERIFY2(poller->errorString().contains("did not finish answering within 7 s"),
             qPrintable(poller->errorString()));
    QVERIFY2(poller->errorString().contains("Qt's HTTP client") &&
                 poller->errorString().contains("only at this deadline"),
             qPrintable(poller->errorString()));
}

void tst_NetworkFaults::aDeadPathMovesTheChannelToItsOtherServer()
{
    // Server A in the server's namespace, server B in a third one with a
    // veth pair of its own to the client: A's path dies, B's lives.
    TwoHosts hosts;
    if (!join(hosts))
        return;
    NetworkNamespace third;
    QVERIFY2(third.isValid(), third.skipReason().constData());
    QString error;
    QVERIFY2(joinNamespaces(hosts.client, "lwc2", "10.201.1.1/24", third, "lws2", "10.201.1.2/24",
                            &error),
             qPrintable(error));
    std::unique_ptr<FakeHttpServer> a = serverIn(hosts);
    if (!a)
        return;
    std::unique_ptr<FakeHttpServer> b;
    {
        EnterNetworkNamespace inThird(third);
        QVERIFY(inThird.isEntered());
        b = std::make_unique<FakeHttpServer>(QHostAddress("10.201.1.2"));
    }
    QVERIFY2(b->isListening(), qPrintable(b->errorString()));
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());

    a->enqueue("/poll", FakeResponse::seedEvents({1, 2}));
    // B has the same feed (a shared store): 2 again (at the cursor), then 3.
    b->enqueue("/poll", FakeResponse::seedEvents({2, 3}));
    ChannelManager manager;
    ChannelConfig config = seedEventsChannel("builds", a->url("/poll"), 60s);
    config.alternateUrls = {b->url("/poll")};
    config.timing.deadConnectionLimit = 3s;
    QStringList keys;
    connect(&manager, &ChannelManager::batchReceived, this,
            [&keys](Channel *, const EventList &events) {
                for (const Event &event : events)
                    keys << event.key;
            });
    Channel *channel = manager.addChannel(config);
    QTRY_COMPARE(keys, QStringList({"1", "2"}));
    QTRY_COMPARE(a->heldCount(), 1); // the next poll, held

    QElapsedTimer sinceDeath;
    sinceDeath.start();
    QVERIFY2(hosts.dropServerToClient(&error), qPrintable(error));
    // At once on B, without a failed try more there: a dead path moves it.
    QTRY_VERIFY_WITH_TIMEOUT(keys.size() == 3, 15000);
    qInfo("on the other server %lld ms after A's path died (limit 3 s)", sinceDeath.elapsed());
    QCOMPARE(keys, QStringList({"1", "2", "3"}));
    QCOMPARE(channel->server(), 1);
    QCOMPARE(b->requests().constFirst().queryValue("last_id"), "2");
    QCOMPARE(a->requests().size(), 2);
    QTRY_COMPARE(b->heldCount(), 1);
    QCOMPARE(b->requests().at(1).queryValue("last_id"), "3");
}

void tst_NetworkFaults::channelsThatCannotReachAnyServerWaitForTheNetwork()
{
    // Two servers beyond a router; the machine keeps its default route, but
    // nothing comes back through it (a Wi-Fi that lets nothing out).
    TwoHosts hosts;
    if (!join(hosts))
        return;
    QString error;
    QVERIFY2(beyondARouter(hosts, {"10.202.0.2", "10.202.0.3"}, &error), qPrintable(error));
    std::unique_ptr<FakeHttpServer> first = serverIn(hosts, "10.202.0.2");
    std::unique_ptr<FakeHttpServer> second = serverIn(hosts, "10.202.0.3");
    if (!first || !second)
        return;
    EnterNetworkNamespace inClient(hosts.client);
    QVERIFY(inClient.isEntered());
    ChannelManager manager;
    manager.watchNetwork();
    QTRY_VERIFY(!manager.isOffline());
    const auto configFor = [](const FakeHttpServer &server, const QString &name,
                              std::chrono::seconds backoff) {
        ChannelConfig config = seedEventsChannel(name, server.url("/poll"), backoff);
        config.timing.deadConnectionLimit = 3s;
        config.timing.connectTimeout = 1s;
        return config;
    };
    ChannelConfig quick = configFor(*first, "quick", 1s);
    quick.timing.backoffMax = 2s;
    Channel *quickChannel = manager.addChannel(quick);
    Channel *slowChannel = manager.addChannel(configFor(*second, "slow", 10min));
    QTRY_COMPARE(first->heldCount(), 1);
    QTRY_COMPARE(second->heldCount(), 1);

    QSignalSpy offline(&manager, &ChannelManager::offlineChanged);
    QVERIFY2(hosts.dropServerToClient(&error), qPrintable(error));
    QVERIFY(offline.wait(20000));
    QVERIFY(manager.isOffline());
    QTRY_VERIFY(slowChannel->isWaitingForNetwork());
    QVERIFY(slowChannel->couldNotReach());
    // Its retry, drawn below ten minutes, comes within 30 s now.
    QTRY_VERIFY(slowChannel->nextRetryAt().isValid() &&
                QDateTime::currentDateTimeUtc().secsTo(slowChannel->nextRetryAt()) <=
                    Poller::kOfflineBackoffCeiling.count());

    // The way comes back; the quick channel gets through first, and the
    // slow one follows at once rather than at the end of its backoff.
    second->enqueue("/poll", FakeResponse::seedEvents({9}));
    QSignalSpy batches(&manager, &ChannelManager::batchReceived);
    QVERIFY2(hosts.restoreServerToClient(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!manager.isOffline(), 10000);
    QElapsedTimer sinceOnline;
    sinceOnline.start();
    QVERIFY(quickChannel->state() == Poller::State::Waiting ||
            quickChannel->state() == Poller::State::Live);
    QTRY_VERIFY_WITH_TIMEOUT(!batches.isEmpty(), 5000);
    qInfo("the other channel's first event %lld ms after the first one got through",
          sinceOnline.elapsed());
    QVERIFY(sinceOnline.elapsed() < 2000);
    QCOMPARE(batches.constFirst().constFirst().value<Channel *>(), slowChannel);
}

QTEST_GUILESS_MAIN(tst_NetworkFaults)
#include "tst_networkfaults.moc"
