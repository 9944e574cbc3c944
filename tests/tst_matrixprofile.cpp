// The matrix-sync profile's wire rules (#20), through the Poller against
// the scriptable fake server. The exchanges follow the Matrix
// Client-Server API (https://spec.matrix.org/latest/client-server-api/):
// "GET /_matrix/client/v3/sync" (#get_matrixclientv3sync: since, timeout,
// filter, set_presence; next_batch; rooms.join.<room id>.timeline with
// events, limited and prev_batch), "Filtering" (#filtering: an inline
// filter as JSON in the filter parameter; an empty "types" list lets
// nothing through), "Standard error response" and "Rate limiting"
// (#standard-error-response, #rate-limiting: errcode, error,
// M_UNKNOWN_TOKEN with soft_logout, M_LIMIT_EXCEEDED with retry_after_ms).
// The sync body below is the spec's example response, trimmed to the
// fields the profile reads (its room id, event ids and tokens included).

#include "channelconfig.h"
#include "connectiontest.h"
#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"
#include "profiles/matrixprofile.h"
#include "profiletesting.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

const QString kSync = QStringLiteral("/_matrix/client/v3/sync");
const QByteArray kToken = "syt_YWxpY2U_secretsecret_0Xf1ae";

PollerSettings quickSettings()
{
    PollerSettings settings = quickPollerSettings();
    // How ChannelConfig sends a bearer token.
    settings.headers = {{"Authorization", "Bearer " + kToken}};
    return settings;
}

QByteArray messageEvent(const QByteArray &id, const QByteArray &body, qint64 ts)
{
    return R"({"content":{"body":")" + body + R"(","msgtype":"m.text"},"event_id":")" + id +
           R"(","origin_server_ts":)" + QByteArray::number(ts) +
           R"(,"sender":"@example:example.org","type":"m.room.message","unsigned":{"age":1234}})";
}

/// A sync answer with one joined room's timeline.
QByteArray syncAnswer(const QByteArray &nextBatch, const QByteArray &room,
                      const QList<QByteArray> &events, bool limited = false)
{
    QByteArray list;
    for (const QByteArray &event : events)
        list += (list.isEmpty() ? "" : ",") + event;
    return R"({"next_batch":")" + nextBatch + R"(","rooms":{"join":{")" + room +
           R"(":{"timeline":{"events":[)" + list + R"(],"limited":)" +
           (limited ? "true" : "false") + R"(,"prev_batch":"t34-23535_0_0"}}}}})";
}

/// The first sync: the spec's example, with history that is not news.
const QByteArray kFirst = syncAnswer(
    "s72594_4483_1934", "!726s6s6q:example.com",
    {messageEvent("$143273582443PhrSn:example.org", "This is an old message", 1432735824653)});

/// One Poller on the matrix-sync profile against the fake server.
struct Channel : RecordedPoller
{
    explicit Channel(FakeHttpServer &server, const QVariantMap &knobs = {{"hold", "30"}})
        : RecordedPoller("matrix-sync", server.url("/"), knobs, quickSettings(), "matrix")
    {}
};

std::unique_ptr<FeedProfile> profile(const QVariantMap &knobs = {})
{
    return profileFor("matrix-sync", QUrl("https://matrix.example.org"), knobs);
}

QJsonObject filterOf(const FakeRequest &request)
{
    return QJsonDocument::fromJson(request.queryValue("filter").toUtf8()).object();
}

} // namespace

class tst_MatrixProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isOfferedWithItsSettings();
    void theAddressNamesTheHomeserver();
    void theFirstSyncTakesThePositionNotTheHistory();
    void everyJoinedRoomsTimelineBecomesEvents();
    void theDeadlineIsAboveTheServersTimeout();
    void aLimitedTimelineShowsAGapForItsRoom();
    void theFilterKeepsTimelinesAndTheRoomsKnobNarrowsIt();
    void aSyncFilterOfOnesOwnReplacesTheProfiles();
    void anUnknownTokenStopsTheChannelWithoutShowingIt();
    void limitExceededWaitsRetryAfterMs();
    void aBodyWithoutNextBatchIsMalformed();
    void theConnectionTestTakesThePosition();
};

void tst_MatrixProfile::isOfferedWithItsSettings()
{
    QVERIFY(profileIds().contains("matrix-sync"));
    QVERIFY(!profileDescription("matrix-sync").isEmpty());
    const QStringList names = profileKnobNames();
    QVERIFY(names.contains("rooms"));
    QVERIFY(names.contains("sync-filter"));
    // Its settings are refused by other profiles rather than ignored.
    QStringList errors;
    QVERIFY(!createProfile("generic-json", QUrl("http://127.0.0.1/poll"),
                           {{"rooms", "!a:example.org"}}, &errors));
    QVERIFY2(errors.join(' ').contains("matrix-sync"), qPrintable(errors.join(' ')));
    errors.clear();
    QVERIFY(!createProfile("matrix-sync", QUrl("https://matrix.example.org"),
                           {{"rooms", "#ci:example.org"}}, &errors));
    QVERIFY2(errors.join(' ').contains("room id"), qPrintable(errors.join(' ')));
    QVERIFY(!createProfile("matrix-sync", QUrl("https://matrix.example.org"),
                           {{"events-path", "x"}}, &errors));

    // A form shows the problem at the setting itself.
    ChannelConfig config;
    config.name = QStringLiteral("matrix");
    config.url = QUrl("https://matrix.example.org");
    config.profileId = QStringLiteral("matrix-sync");
    config.knobs = {{"rooms", "#ci:example.org"}, {"sync-filter", "{oops"}};
    QStringList atKnobs;
    for (const ChannelConfig::Problem &problem : config.problems()) {
        if (problem.field == ChannelConfig::Field::Knob)
            atKnobs << problem.knob;
    }
    atKnobs.sort();
    QCOMPARE(atKnobs, QStringList({"rooms", "sync-filter"}));
}

void tst_MatrixProfile::theAddressNamesTheHomeserver()
{
    QCOMPARE(MatrixProfile::syncUrlFor(QUrl("https://matrix.example.org")).toString(),
             QStringLiteral("https://matrix.example.org/_matrix/client/v3/sync"));
    QCOMPARE(MatrixProfile::syncUrlFor(QUrl("https://example.org/matrix/")).toString(),
             QStringLiteral("https://example.org/matrix/_matrix/client/v3/sync"));
    QCOMPARE(
        MatrixProfile::syncUrlFor(QUrl("https://m.example.org/_matrix/client/v3/sync")).toString(),
        QStringLiteral("https://m.example.org/_matrix/client/v3/sync"));
}

void tst_MatrixProfile::theFirstSyncTakesThePositionNotTheHistory()
{
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    Channel channel(server);
    QVERIFY(channel.isValid());
    QSignalSpy advanced(&channel.poller(), &Poller::cursorAdvanced);
    channel.poller().start();
    QTRY_COMPARE(server.requestCount(), 2);
    const FakeRequest first = server.requests().at(0);
    QCOMPARE(first.path, kSync);
    QVERIFY(!first.query.hasQueryItem("since"));
    QCOMPARE(first.queryValue("timeout"), QStringLiteral("0")); // answers at once
    QCOMPARE(first.queryValue("set_presence"), QStringLiteral("offline"));
    QCOMPARE(first.header("Authorization"), "Bearer " + kToken);
    // The old message is history, not news.
    QVERIFY(channel.events.isEmpty());
    QCOMPARE(channel.poller().cursor(), QStringLiteral("s72594_4483_1934"));
    QCOMPARE(advanced.size(), 1);
    const FakeRequest second = server.requests().at(1);
    QCOMPARE(second.queryValue("since"), QStringLiteral("s72594_4483_1934"));
    QCOMPARE(second.queryValue("timeout"), QStringLiteral("30000"));
}

void tst_MatrixProfile::everyJoinedRoomsTimelineBecomesEvents()
{
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    // Two joined rooms, and an invited one whose events are not timeline.
    server.enqueue(
        kSync,
        FakeResponse::json(
            R"({"next_batch":"s72595_4483_1934","rooms":{"join":{"!726s6s6q:example.com":{"timeline":{"events":[)" +
            messageEvent("$1:example.org", "build 12 failed", 1432735824653) + "," +
            messageEvent("$2:example.org", "build 13 passed", 1432735825000) +
            R"(],"limited":false}},"!other:example.com":{"timeline":{"events":[{"content":{"membership":"join"},"event_id":"$3:example.org","origin_server_ts":1432735826000,"sender":"@bob:example.org","state_key":"@bob:example.org","type":"m.room.member"}]}}},"invite":{"!696r7674:example.com":{"invite_state":{"events":[{"content":{"name":"My Room Name"},"sender":"@alice:example.com","state_key":"","type":"m.room.name"}]}}}},"presence":{"events":[]}})"));
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.events.size(), 3);
    const Event first = channel.events.at(0);
    QCOMPARE(first.key, QStringLiteral("$1:example.org"));
    QCOMPARE(first.type, QStringLiteral("m.room.message"));
    QCOMPARE(first.text, QStringLiteral("@example:example.org: build 12 failed"));
    QCOMPARE(first.time.toMSecsSinceEpoch(), 1432735824653);
    const QJsonObject raw = QJsonDocument::fromJson(first.raw).object();
    QCOMPARE(raw.value("room_id").toString(), QStringLiteral("!726s6s6q:example.com"));
    QCOMPARE(raw.value("sender").toString(), QStringLiteral("@example:example.org"));
    QCOMPARE(channel.events.at(1).key, QStringLiteral("$2:example.org"));
    const Event member = channel.events.at(2);
    QCOMPARE(member.type, QStringLiteral("m.room.member"));
    QCOMPARE(member.text, QStringLiteral("m.room.member from @bob:example.org"));
    QCOMPARE(QJsonDocument::fromJson(member.raw).object().value("room_id").toString(),
             QStringLiteral("!other:example.com"));
    QTRY_COMPARE(server.requestCount(), 3);
    QCOMPARE(server.requests().at(2).queryValue("since"), QStringLiteral("s72595_4483_1934"));
}

void tst_MatrixProfile::theDeadlineIsAboveTheServersTimeout()
{
    // The server holds the sync for its whole timeout, then answers: the
    // client must still be listening.
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    server.enqueue(kSync, FakeResponse::json(
                              syncAnswer("s2", "!r:example.com",
                                         {messageEvent("$h:example.org", "held", 1432735824653)}))
                              .withDelay(1000ms));
    Channel channel(server, {{"hold", "1"}});
    QSignalSpy failed(&channel.poller(), &Poller::errorOccurred);
    channel.poller().start();
    QTRY_COMPARE_WITH_TIMEOUT(channel.events.size(), 1, 5000);
    QCOMPARE(server.requests().at(1).queryValue("timeout"), QStringLiteral("1000"));
    QVERIFY(channel.poller().profile()->holdTime() == 1000ms);
    QCOMPARE(failed.size(), 0);
}

void tst_MatrixProfile::aLimitedTimelineShowsAGapForItsRoom()
{
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    server.enqueue(
        kSync, FakeResponse::json(syncAnswer(
                   "s3", "!726s6s6q:example.com",
                   {messageEvent("$after:example.org", "after the gap", 1432735824653)}, true)));
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.events.size(), 2);
    const Event gap = channel.events.at(0);
    QCOMPARE(gap.type, QStringLiteral("gap"));
    QVERIFY(gap.key.isEmpty()); // a gap row, as the events table shows them
    QVERIFY2(gap.text.contains("Gap") && gap.text.contains("!726s6s6q:example.com"),
             qPrintable(gap.text));
    const QJsonObject raw = QJsonDocument::fromJson(gap.raw).object();
    QCOMPARE(raw.value("type").toString(), QStringLiteral("gap"));
    QCOMPARE(raw.value("previousCursor").toString(), QStringLiteral("s72594_4483_1934"));
    QCOMPARE(channel.events.at(1).key, QStringLiteral("$after:example.org"));
}

void tst_MatrixProfile::theFilterKeepsTimelinesAndTheRoomsKnobNarrowsIt()
{
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    Channel channel(server, {{"rooms", "!726s6s6q:example.com, !b+c&d:example.com"}});
    channel.poller().start();
    QTRY_COMPARE(server.requestCount(), 2);
    for (const FakeRequest &request : server.requests()) {
        const QJsonObject filter = filterOf(request);
        QVERIFY2(!filter.isEmpty(), qPrintable(request.queryValue("filter")));
        QCOMPARE(filter.value("presence").toObject().value("types").toArray().size(), 0);
        const QJsonObject room = filter.value("room").toObject();
        QVERIFY(room.value("state").toObject().value("types").toArray().isEmpty());
        QVERIFY(room.contains("timeline"));
        // Reserved characters in a room id reach the server intact.
        QCOMPARE(room.value("rooms").toArray(),
                 QJsonArray({"!726s6s6q:example.com", "!b+c&d:example.com"}));
    }
}

void tst_MatrixProfile::aSyncFilterOfOnesOwnReplacesTheProfiles()
{
    auto byId = profile({{"sync-filter", "66696p746572"}});
    QVERIFY(byId);
    QCOMPARE(QUrlQuery(byId->request("s1").url).queryItemValue("filter"),
             QStringLiteral("66696p746572"));
    auto inlineFilter = profile({{"sync-filter", R"({"room":{"timeline":{"limit":5}}})"}});
    QVERIFY(inlineFilter);
    const QString sent =
        QUrlQuery(inlineFilter->request("s1").url).queryItemValue("filter", QUrl::FullyDecoded);
    QCOMPARE(sent, QStringLiteral(R"({"room":{"timeline":{"limit":5}}})"));
    QStringList errors;
    QVERIFY(!createProfile("matrix-sync", QUrl("https://m.example.org"),
                           {{"sync-filter", "{not json"}}, &errors));
    QVERIFY(!createProfile("matrix-sync", QUrl("https://m.example.org"),
                           {{"sync-filter", "{}"}, {"rooms", "!a:b"}}, &errors));
}

void tst_MatrixProfile::anUnknownTokenStopsTheChannelWithoutShowingIt()
{
    FakeHttpServer server;
    server.enqueue(
        kSync,
        FakeResponse::status(
            401,
            R"({"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false})"));
    Channel channel(server);
    QSignalSpy failed(&channel.poller(), &Poller::errorOccurred);
    channel.poller().start();
    QTRY_COMPARE(channel.poller().state(), Poller::State::Failed);
    const QString said = channel.poller().errorString();
    QVERIFY2(said.contains("M_UNKNOWN_TOKEN") && said.contains("access token") &&
                 said.contains("bearer token"),
             qPrintable(said));
    QVERIFY(!said.contains(QString::fromLatin1(kToken)));
    QVERIFY(!channel.poller().errorDetail().contains(QString::fromLatin1(kToken)));
    QCOMPARE(server.requestCount(), 1); // not asked again

    // An expired token (soft logout) says to log in again.
    auto matrix = profile();
    const PollResult soft = matrix->parse(
        response(401,
                 R"({"errcode":"M_UNKNOWN_TOKEN","error":"Token expired","soft_logout":true})"),
        "s1");
    QCOMPARE(soft.verdict, Verdict::Fatal);
    QVERIFY2(soft.reason.contains("log in again"), qPrintable(soft.reason));
    const PollResult missing = matrix->parse(
        response(401, R"({"errcode":"M_MISSING_TOKEN","error":"Missing token"})"), "s1");
    QCOMPARE(missing.verdict, Verdict::Fatal);
    QVERIFY2(missing.reason.contains("bearer"), qPrintable(missing.reason));
}

void tst_MatrixProfile::limitExceededWaitsRetryAfterMs()
{
    auto matrix = profile();
    PollResponse limited = response(
        429, R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000})");
    const PollResult result = matrix->parse(limited, "s1");
    QCOMPARE(result.verdict, Verdict::Retry);
    QCOMPARE(result.cursor, QStringLiteral("s1"));
    QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(2000)));
    QVERIFY2(result.reason.contains("Too many requests"), qPrintable(result.reason));
    // Without retry_after_ms, the Retry-After header (spec v1.10 and later).
    limited.body = R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests"})";
    limited.headers = {{"Retry-After", "3"}};
    QCOMPARE(matrix->parse(limited, "s1").retryAfter,
             std::optional(std::chrono::milliseconds(3000)));

    // Through the Poller: the next try waits the server's 2 s, not the backoff.
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    server.enqueue(kSync, FakeResponse::status(
                              429, limited.body.replace("\"}", "\",\"retry_after_ms\":2000}")));
    Channel channel(server);
    QSignalSpy failed(&channel.poller(), &Poller::errorOccurred);
    channel.poller().start();
    QVERIFY(failed.wait(5000));
    const QDateTime next = channel.poller().nextRetryAt();
    QVERIFY(next.isValid());
    const qint64 wait = QDateTime::currentDateTimeUtc().msecsTo(next);
    QVERIFY2(wait > 1500 && wait <= 2100, qPrintable(QString::number(wait)));
}

void tst_MatrixProfile::aBodyWithoutNextBatchIsMalformed()
{
    auto matrix = profile();
    const PollResult result = matrix->parse(response(200, R"({"rooms":{}})"), "s1");
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY(result.malformed);
    QCOMPARE(result.cursor, QStringLiteral("s1"));
    const PollResult notJson = matrix->parse(response(200, "<html>"), "s1");
    QVERIFY(notJson.malformed);
    const PollResult badEvent = matrix->parse(
        response(200,
                 R"({"next_batch":"s2","rooms":{"join":{"!r:x":{"timeline":{"events":[1]}}}}})"),
        "s1");
    QVERIFY(badEvent.malformed);
    QCOMPARE(badEvent.cursor, QStringLiteral("s1")); // never past what it did not hand over
}

void tst_MatrixProfile::theConnectionTestTakesThePosition()
{
    FakeHttpServer server;
    server.enqueue(kSync, FakeResponse::json(kFirst));
    ChannelConfig config;
    config.name = QStringLiteral("matrix");
    config.url = server.url("/");
    config.profileId = QStringLiteral("matrix-sync");
    config.auth = ChannelConfig::Auth::Bearer;
    config.token = QString::fromLatin1(kToken);
    config.timing = quickSettings();
    config.timing.headers.clear();
    NetworkAccessManager manager;
    ConnectionTest test(&manager);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    QVERIFY(test.start(config));
    QVERIFY(finished.wait(5000));
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::NoNews);
    QCOMPARE(test.cursor(), QStringLiteral("s72594_4483_1934"));
    QCOMPARE(server.requests().at(0).header("Authorization"), "Bearer " + kToken);
}

QTEST_MAIN(tst_MatrixProfile)
#include "tst_matrixprofile.moc"
