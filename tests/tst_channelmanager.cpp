#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "fakehttpserver.h"
#include "secretstore.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

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

} // namespace

class tst_ChannelManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
};

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
    QDateTime now(QDate(2030, 1, 1), QTime(12, 0, 0), QTimeZone::utc());
    manager.setChannelSetup([&now](Channel *channel) {
        channel->setClock([&now] { return now; });
        channel->setRateBuckets(4, 10s);
    });
    Channel *channel = manager.addChannel(configFor(server, "builds"));
    QTRY_COMPARE(channel->eventCount(), qint64(3));
    QCOMPARE(channel->lastEventAt(), now);
    QCOMPARE(channel->rateHistory(), (QList<int>{0, 0, 0, 3}));
    // Time moves on: the events slide to the left, the newest bucket is empty.
    now = now.addSecs(20);
    QCOMPARE(channel->rateHistory(), (QList<int>{0, 3, 0, 0}));
    now = now.addSecs(60);
    QCOMPARE(channel->rateHistory(), (QList<int>{0, 0, 0, 0}));
}

void tst_ChannelManager::pauseStopsAndIsRemembered()
{
    FakeHttpServer server;
    MemoryChannelStore store;
    ChannelManager manager(&store);
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
    Channel *original = manager.addChannel(configFor(server, "builds"));
    Channel *copy = manager.duplicateChannel(original);
    QVERIFY(copy);
    QVERIFY(copy->id() != original->id());
    QVERIFY(copy->name().contains("builds"));
    QVERIFY(copy->name() != original->name());
    QCOMPARE(copy->config().url, original->config().url);
    QCOMPARE(store.load().size(), 2);
}

void tst_ChannelManager::anEditKeepsTheCursorOfTheSameFeed()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::seedEvents({7}));
    ChannelManager manager;
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

QTEST_GUILESS_MAIN(tst_ChannelManager)
#include "tst_channelmanager.moc"
