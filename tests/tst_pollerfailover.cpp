// A channel with other addresses of the same feed (#19 item 5): the rule
// that moves it to the next address and back, on two fake servers.

#include "channelconfig.h"
#include "fakehttpserver.h"
#include "poller.h"
#include "profiles.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

const QString kFeed = QStringLiteral("/feed");

PollerSettings quickSettings()
{
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 5s;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 20ms;
    settings.backoffMax = 80ms;
    settings.liveRepollGuard = 10ms;
    return settings;
}

std::unique_ptr<FeedProfile> seedProfile(const FakeHttpServer &server)
{
    const QVariantMap knobs{{QStringLiteral("hold"), QStringLiteral("0.2")}};
    return createProfile(QStringLiteral("seed-events"), server.url(kFeed), knobs, nullptr);
}

QStringList sentCursors(const FakeHttpServer &server)
{
    QStringList cursors;
    for (const FakeRequest &request : server.requests(kFeed))
        cursors << request.queryValue(QStringLiteral("last_id"));
    return cursors;
}

/// A poller on server `a` with `b` as its other address, its batches recorded.
struct TwoServers
{
    TwoServers(FakeHttpServer &a, FakeHttpServer &b, const PollerSettings &settings)
        : poller(seedProfile(a), &manager)
    {
        std::vector<std::unique_ptr<FeedProfile>> others;
        others.push_back(seedProfile(b));
        poller.setOtherServers(std::move(others));
        poller.setSettings(settings);
        poller.setClock([this] { return now; });
        poller.setRandom([] { return 0.5; });
        QObject::connect(&poller, &Poller::batchReceived, &poller,
                         [this](const EventList &events, const QString &) {
                             for (const Event &event : events)
                                 ids << event.key;
                         });
    }

    QNetworkAccessManager manager;
    Poller poller;
    QDateTime now = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);
    QStringList ids;
};

} // namespace

class tst_PollerFailover : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void threeFailuresMoveToTheNextAddressWithTheCursor();
    void aLastingSuccessElsewhereGoesBackToTheFirst();
    void oneAddressNeverMoves();
    void otherAddressesUseTheMainAddressesSecrets();
};

void tst_PollerFailover::threeFailuresMoveToTheNextAddressWithTheCursor()
{
    FakeHttpServer a;
    FakeHttpServer b;
    QVERIFY(a.isListening() && b.isListening());
    a.enqueue(kFeed, FakeResponse::seedEvents({1, 2}));
    a.setDefaultResponse(FakeResponse::status(503));
    // B has the same feed: event 2 again (at the cursor: dropped), then 3.
    b.enqueue(kFeed, FakeResponse::seedEvents({2, 3}));
    b.setDefaultResponse(FakeResponse::seedEvents({}).withDelay(50ms));

    TwoServers channel(a, b, quickSettings());
    QSignalSpy moved(&channel.poller, &Poller::serverChanged);
    QSignalSpy errors(&channel.poller, &Poller::errorOccurred);
    QCOMPARE(channel.poller.serverCount(), 2);
    QVERIFY(channel.poller.start());

    QVERIFY(moved.wait(5000));
    QCOMPARE(moved.size(), 1);
    QCOMPARE(moved.at(0).at(0).toInt(), 1);
    QCOMPARE(channel.poller.server(), 1);
    // One good answer and exactly three failures on A.
    QCOMPARE(a.requests(kFeed).size(), 4);
    QCOMPARE(errors.size(), 3);
    const QString expected =
        QStringLiteral("Trying the second server, 127.0.0.1:%1.").arg(b.port());
    QVERIFY2(channel.poller.errorString().endsWith(expected),
             qPrintable(channel.poller.errorString()));
    QCOMPARE(channel.poller.serverName(), QStringLiteral("127.0.0.1:%1").arg(b.port()));

    QTRY_COMPARE(channel.ids,
                 (QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3")}));
    QCOMPARE(sentCursors(b).value(0), QStringLiteral("2"));
    QTRY_COMPARE(channel.poller.state(), Poller::State::Live);
    QCOMPARE(channel.poller.server(), 1);
    QVERIFY(channel.poller.errorString().isEmpty());
    QCOMPARE(a.requests(kFeed).size(), 4);
}

void tst_PollerFailover::aLastingSuccessElsewhereGoesBackToTheFirst()
{
    FakeHttpServer a;
    FakeHttpServer b;
    QVERIFY(a.isListening() && b.isListening());
    a.setDefaultResponse(FakeResponse::status(502));
    b.enqueue(kFeed, FakeResponse::seedEvents({7}));
    b.setDefaultResponse(FakeResponse::seedEvents({}).withDelay(20ms));

    PollerSettings settings = quickSettings();
    settings.failbackAfter = 10min;
    TwoServers channel(a, b, settings);
    QSignalSpy moved(&channel.poller, &Poller::serverChanged);
    QVERIFY(channel.poller.start(QStringLiteral("5")));
    QVERIFY(moved.wait(5000));
    QCOMPARE(channel.poller.server(), 1);
    QTRY_COMPARE(channel.ids, QStringList{QStringLiteral("7")});

    // A success of nine minutes is not enough: B keeps the channel.
    a.setDefaultResponse(FakeResponse::seedEvents({}).withDelay(20ms));
    const int onA = int(a.requests(kFeed).size());
    channel.now = channel.now.addSecs(9 * 60);
    const int onB = int(b.requests(kFeed).size());
    QTRY_VERIFY(b.requests(kFeed).size() >= onB + 3);
    QCOMPARE(channel.poller.server(), 1);
    QCOMPARE(int(a.requests(kFeed).size()), onA);

    // Past ten minutes: the next request goes to A, from B's cursor.
    channel.now = channel.now.addSecs(2 * 60);
    QVERIFY(moved.wait(5000));
    QCOMPARE(moved.last().at(0).toInt(), 0);
    QCOMPARE(channel.poller.server(), 0);
    QTRY_VERIFY(a.requests(kFeed).size() > onA);
    QCOMPARE(sentCursors(a).value(onA), QStringLiteral("7"));
    QTRY_COMPARE(channel.poller.state(), Poller::State::Live);
    QCOMPARE(channel.ids, QStringList{QStringLiteral("7")});
}

void tst_PollerFailover::oneAddressNeverMoves()
{
    FakeHttpServer a;
    QVERIFY(a.isListening());
    a.setDefaultResponse(FakeResponse::status(503));
    QNetworkAccessManager manager;
    Poller poller(seedProfile(a), &manager);
    poller.setSettings(quickSettings());
    poller.setRandom([] { return 0.0; });
    QSignalSpy moved(&poller, &Poller::serverChanged);
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    QVERIFY(poller.start());
    QTRY_VERIFY(errors.size() >= 5);
    QCOMPARE(moved.size(), 0);
    QCOMPARE(poller.server(), 0);
    QVERIFY(!poller.errorString().contains(QStringLiteral("Trying")));
}

void tst_PollerFailover::otherAddressesUseTheMainAddressesSecrets()
{
    ChannelConfig config;
    config.name = QStringLiteral("feed");
    config.profileId = QStringLiteral("seed-events");
    config.url = QUrl(QStringLiteral("http://me:pw@a.example:8080/feed?access_token=t0k"));
    config.alternateUrls = {QUrl(QStringLiteral("http://b.example:8080/feed?access_token="))};
    QVERIFY2(config.validate().isEmpty(), qPrintable(config.validate().join(u' ')));
    QCOMPARE(config.alternateUrl(0),
             QUrl(QStringLiteral("http://me:pw@b.example:8080/feed?access_token=t0k")));

    // Written without secrets, read back the same.
    const QVariantMap map = config.toVariantMap();
    QCOMPARE(map.value(QStringLiteral("alternateUrls")).toStringList(),
             QStringList{QStringLiteral("http://b.example:8080/feed?access_token=")});
    const ChannelConfig read = ChannelConfig::fromVariantMap(map);
    QCOMPARE(read.alternateUrls, config.alternateUrls);
    QCOMPARE(read.createOtherProfiles().size(), size_t(1));

    // An address of its own credentials, or not an address: a problem at the field.
    config.alternateUrls = {QUrl(QStringLiteral("http://x:y@b.example/feed"))};
    QCOMPARE(config.problems().size(), 1);
    QCOMPARE(config.problems().at(0).field, ChannelConfig::Field::AlternateUrls);
    config.alternateUrls = {QUrl(QStringLiteral("ftp://b.example/feed"))};
    QCOMPARE(config.problems().size(), 1);
    QCOMPARE(config.problems().at(0).field, ChannelConfig::Field::AlternateUrls);
}

QTEST_GUILESS_MAIN(tst_PollerFailover)
#include "tst_pollerfailover.moc"
