#include "common/profiletesting.h"
#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"
#include "profiles/ntfyprofile.h"

#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<FeedProfile> make(const QVariantMap &knobs = {},
                                  const QString &url = "http://ntfy.test/alerts")
{
    QStringList errors;
    auto profile = createProfile("ntfy", QUrl(url), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

// Lines as ntfy writes them (https://docs.ntfy.sh/subscribe/api/#json-message-format).
const QByteArray kOpen = R"({"id":"op3n","time":1795380180,"event":"open","topic":"alerts"})";
const QByteArray kKeepalive =
    R"({"id":"k33p","time":1795380181,"event":"keepalive","topic":"alerts"})";
const QByteArray kFirst = R"({"id":"sPs71M8A2T","time":1795380184,"expires":1795423384,)"
                          R"("event":"message","topic":"alerts","message":"disk full"})";
const QByteArray kSecond = R"({"id":"hwQ2YpKdmg","time":1795380190,"event":"message",)"
                           R"("topic":"alerts","title":"db","message":"replica lag 30 s"})";

} // namespace

class tst_NtfyProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void registered();
    void request_data();
    void request();
    void parse_data();
    void parse();
    void eventFields();
    void theStreamIsTheDefault();
    void aModeThatIsNeitherIsRefused();
    void streamedMessagesArriveAsTheyComeAndResumeFromTheLastId();
    void aBadLineEndsTheStreamFromTheLastMessage();
};

void tst_NtfyProfile::registered()
{
    QVERIFY(profileIds().contains("ntfy"));
    QVERIFY(!profileDescription("ntfy").isEmpty());
    auto profile = make({{"mode", "poll"}});
    QVERIFY(profile);
    QCOMPARE(profile->id(), QString("ntfy"));
    QCOMPARE(profile->initialCursor(), QString("all"));
    // poll=1 answers at once: the hold only covers sending the cache, so the
    // Poller's deadline (hold + margin) stays short; polls are paced.
    QVERIFY(profile->holdTime() <= 10s);
    QVERIFY(profile->holdTime() > 0s);
    QCOMPARE(profile->minimumPollInterval(), 5s);
    QVERIFY(!profile->streamsAnswers());
}

void tst_NtfyProfile::request_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<QString>("since");

    QTest::newRow("the first poll asks for everything cached") << "http://ntfy.test/alerts"
                                                               << "all"
                                                               << "all";
    QTest::newRow("a cursor asks for messages after that id") << "http://ntfy.test/alerts"
                                                              << "sPs71M8A2T"
                                                              << "sPs71M8A2T";
    QTest::newRow("a /json URL is used as it is") << "http://ntfy.test/alerts/json"
                                                  << "abc"
                                                  << "abc";
    QTest::newRow("a /json URL that already polls gets no second poll parameter")
        << "http://ntfy.test/alerts/json?poll=1"
        << "abc"
        << "abc";
    QTest::newRow("a topic URL with a trailing slash") << "http://ntfy.test/alerts/"
                                                       << "all"
                                                       << "all";
}

void tst_NtfyProfile::request()
{
    QFETCH(QString, url);
    QFETCH(QString, cursor);
    QFETCH(QString, since);
    auto profile = make({{"mode", "poll"}}, url);
    QVERIFY(profile);
    const PollRequest request = profile->request(cursor);
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.url.path(), QString("/alerts/json"));
    const QUrlQuery query(request.url);
    QCOMPARE(query.allQueryItemValues("poll"), QStringList{"1"});
    QCOMPARE(query.allQueryItemValues("since"), QStringList{since});
}

void tst_NtfyProfile::parse_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QString>("next");

    QTest::newRow("messages become events and the cursor is the last id")
        << 200 << HeaderList{} << kFirst + '\n' + kSecond + '\n'
        << "events" << QStringList{"sPs71M8A2T", "hwQ2YpKdmg"} << "hwQ2YpKdmg";
    QTest::newRow("open and keepalive lines are skipped")
        << 200 << HeaderList{} << kOpen + '\n' + kFirst + '\n' + kKeepalive + '\n'
        << "events" << QStringList{"sPs71M8A2T"} << "sPs71M8A2T";
    QTest::newRow("only keepalive lines are no news and keep the cursor")
        << 200 << HeaderList{} << kKeepalive + '\n' + kKeepalive + '\n'
        << "no news" << QStringList{} << "start";
    QTest::newRow("an empty body is no news")
        << 200 << HeaderList{} << QByteArray() << "no news" << QStringList{} << "start";
    QTest::newRow("blank lines and a missing final newline are fine")
        << 200 << HeaderList{} << "\n\n" + kFirst + "\r\n\n" + kSecond << "events"
        << QStringList{"sPs71M8A2T", "hwQ2YpKdmg"} << "hwQ2YpKdmg";
    QTest::newRow("a line that is not JSON is malformed and keeps the cursor")
        << 200 << HeaderList{} << kFirst + "\n{\"id\":\"x\",\"event\":\n"
        << "retry" << QStringList{} << "start";
    QTest::newRow("a truncated last line is malformed")
        << 200 << HeaderList{} << kFirst + "\n{\"id\":\"hwQ2"
        << "retry" << QStringList{} << "start";
    QTest::newRow("a numeric id still moves the cursor")
        << 200 << HeaderList{} << QByteArray(R"({"id":42,"event":"message","message":"m"})")
        << "events" << QStringList{"42"} << "42";
    QTest::newRow("a rate limit honours Retry-After")
        << 429 << HeaderList{{"Retry-After", "10"}}
        << QByteArray(R"({"code":42901,"http":429,"error":"limit reached"})") << "retry"
        << QStringList{} << "start";
    QTest::newRow("a topic that needs a login is fatal")
        << 403 << HeaderList{} << QByteArray(R"({"code":40301,"http":403,"error":"forbidden"})")
        << "fatal" << QStringList{} << "start";
    QTest::newRow("a server error is retried")
        << 500 << HeaderList{} << QByteArray() << "retry" << QStringList{} << "start";
}

void tst_NtfyProfile::parse()
{
    QFETCH(int, status);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QString, verdict);
    QFETCH(QStringList, keys);
    QFETCH(QString, next);
    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(status, body, headers), "start");
    QCOMPARE(verdictName(result.verdict), verdict);
    QStringList gotKeys;
    for (const Event &e : result.events)
        gotKeys << e.key;
    QCOMPARE(gotKeys, keys);
    QCOMPARE(result.cursor, next);
    if (status == 429)
        QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(10'000)));
    if (verdict == "fatal")
        QVERIFY2(result.reason.contains("forbidden"), qPrintable(result.reason));
}

void tst_NtfyProfile::eventFields()
{
    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(200, kFirst + '\n' + kSecond), "all");
    QCOMPARE(result.events.size(), 2);
    const Event &first = result.events.first();
    QCOMPARE(first.type, QString("message"));
    QCOMPARE(first.text, QString("disk full"));
    QCOMPARE(first.time, QDateTime::fromSecsSinceEpoch(1795380184, Qt::UTC));
    QVERIFY(first.raw.contains(R"("expires":1795423384)"));
    QCOMPARE(result.events.at(1).text, QString("replica lag 30 s"));
}

void tst_NtfyProfile::theStreamIsTheDefault()
{
    auto profile = make({}, "http://ntfy.test/alerts/json?poll=1");
    QVERIFY(profile);
    QVERIFY(profile->streamsAnswers());
    QVERIFY(!profile->acceptsCompression());
    // A keepalive every 45 s (ntfy's default): 55 s of silence allowed.
    QCOMPARE(profile->holdTime(), 55s);
    QCOMPARE(profile->minimumPollInterval(), 0s);
    const PollRequest request = profile->request("all");
    QCOMPARE(request.url.path(), QString("/alerts/json"));
    const QUrlQuery query(request.url);
    QVERIFY(!query.hasQueryItem("poll"));
    QCOMPARE(query.allQueryItemValues("since"), QStringList{"all"});
    QVERIFY(make({{"mode", "stream"}}));
}

void tst_NtfyProfile::aModeThatIsNeitherIsRefused()
{
    QStringList errors;
    QVERIFY(!createProfile("ntfy", QUrl("http://ntfy.test/alerts"), {{"mode", "push"}}, &errors));
    QVERIFY2(errors.join(' ').contains("mode"), qPrintable(errors.join(' ')));
    errors.clear();
    QVERIFY(!createProfile("seed-events", QUrl("http://ntfy.test/poll"), {{"mode", "stream"}},
                           &errors));
    QVERIFY2(errors.join(' ').contains("does not apply"), qPrintable(errors.join(' ')));
}

void tst_NtfyProfile::streamedMessagesArriveAsTheyComeAndResumeFromTheLastId()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream("application/x-ndjson; charset=utf-8"));
    NetworkAccessManager manager;
    Poller poller(make({}, server.url("/alerts").toString()), &manager);
    PollerSettings settings;
    settings.backoffInitial = 20ms;
    poller.setSettings(settings);
    EventList received;
    int batches = 0;
    connect(&poller, &Poller::batchReceived, this, [&](const EventList &events) {
        received += events;
        ++batches;
    });
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    poller.start();
    QTRY_COMPARE(server.openStreams().size(), 1);
    const int first = server.openStreams().constFirst();
    QCOMPARE(server.requests().constFirst().path, QString("/alerts/json"));
    QCOMPARE(server.requests().constFirst().queryValue("since"), QString("all"));
    QVERIFY(!server.requests().constFirst().query.hasQueryItem("poll"));
    // ntfy opens with an "open" line: no event, but the stream is Live.
    QVERIFY(server.streamWrite(first, kOpen + '\n'));
    QTRY_VERIFY(poller.isStreaming());
    QVERIFY(server.streamWrite(first, kFirst + '\n' + kKeepalive + '\n'));
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).text, QString("disk full"));
    QCOMPARE(poller.cursor(), QString("sPs71M8A2T"));
    // A message split over two reads comes when its line is complete.
    QVERIFY(server.streamWrite(first, kSecond.left(20)));
    QVERIFY(server.streamWrite(first, kSecond.mid(20) + '\n'));
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(batches, 2);
    QCOMPARE(poller.cursor(), QString("hwQ2YpKdmg"));
    // ntfy restarted: the next stream asks for what came after the last id.
    QVERIFY(server.streamEnd(first));
    QTRY_COMPARE(server.requestCount(), 2);
    QCOMPARE(server.requests().at(1).queryValue("since"), QString("hwQ2YpKdmg"));
    QVERIFY(errors.isEmpty());
}

void tst_NtfyProfile::aBadLineEndsTheStreamFromTheLastMessage()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream("application/x-ndjson"));
    NetworkAccessManager manager;
    Poller poller(make({}, server.url("/alerts").toString()), &manager);
    PollerSettings settings;
    settings.backoffInitial = 20ms;
    poller.setSettings(settings);
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    poller.start();
    QTRY_COMPARE(server.openStreams().size(), 1);
    const int first = server.openStreams().constFirst();
    QVERIFY(server.streamWrite(first, kFirst + '\n'));
    QTRY_COMPARE(poller.cursor(), QString("sPs71M8A2T"));
    QVERIFY(server.streamWrite(first, "not json\n"));
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(errors.constFirst().at(0).value<Poller::Error>(), Poller::Error::ResponseError);
    QTRY_COMPARE(server.requestCount(), 2);
    QCOMPARE(server.requests().at(1).queryValue("since"), QString("sPs71M8A2T"));
}

QTEST_GUILESS_MAIN(tst_NtfyProfile)
#include "tst_ntfyprofile.moc"
