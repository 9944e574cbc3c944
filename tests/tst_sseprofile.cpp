// The sse profile (lib/feeds/profiles/sseprofile): Server-Sent Events as the
// WHATWG HTML spec says (html.spec.whatwg.org/multipage/server-sent-events.html),
// one test per wire rule, through the Poller against the scriptable fake
// server: the request's headers, `event`, `data` over several lines, `id`
// as key, cursor and Last-Event-ID, `retry` as the reconnect delay, comments
// as heartbeats, answers that are not an event stream, the event cap.

#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"
#include "profiles/sseprofile.h"
#include "profiletesting.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

const QByteArray kEventStream = QByteArrayLiteral("text/event-stream");

/// One Poller on the sse profile against the fake server, recorded.
struct Channel : RecordedPoller
{
    explicit Channel(FakeHttpServer &server, const PollerSettings &settings = quickPollerSettings(),
                     const QVariantMap &knobs = {{"hold", "0.2"}})
        : RecordedPoller("sse", server.url("/events"), knobs, settings, "sse")
    {}
};

/// The stream the server opened for the `count`-th request.
int openStream(FakeHttpServer &server, int count)
{
    if (!QTest::qWaitFor(
            [&] { return server.openStreams().size() == 1 && server.requestCount() == count; },
            5000))
        return 0;
    return server.openStreams().constFirst();
}

} // namespace

class tst_SseProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isOffered();
    void asksForAnEventStreamWithoutCompression();
    void eventTypeAndDataOverSeveralLines();
    void dataThatIsJsonIsKeptAsJson();
    void idIsKeyCursorAndLastEventIdOnReconnect();
    void anEventWithoutItsOwnIdHasNoKey();
    void retryIsTheReconnectDelay();
    void commentsAreHeartbeatsNotEvents();
    void anAnswerThatIsNoEventStreamStopsTheChannel_data();
    void anAnswerThatIsNoEventStreamStopsTheChannel();
    void anEventOverTheCapIsRetried();
    void knobsOtherThanHoldAndInitialCursorAreRefused();
};

void tst_SseProfile::isOffered()
{
    QVERIFY(profileIds().contains("sse"));
    QVERIFY(!profileDescription("sse").isEmpty());
    QVERIFY(SseProfile::isEventStream("text/event-stream"));
    QVERIFY(SseProfile::isEventStream("Text/Event-Stream; charset=utf-8"));
    QVERIFY(!SseProfile::isEventStream("text/plain"));
}

void tst_SseProfile::asksForAnEventStreamWithoutCompression()
{
    FakeHttpServer server;
    server.enqueue("/events", FakeResponse::stream(kEventStream));
    Channel channel(server);
    QVERIFY(channel.isValid());
    channel.poller().start();
    QVERIFY(openStream(server, 1) > 0);
    const FakeRequest request = server.requests().constFirst();
    QCOMPARE(request.method, QByteArrayLiteral("GET"));
    QCOMPARE(request.header("Accept"), QByteArrayLiteral("text/event-stream"));
    QCOMPARE(request.header("Cache-Control"), QByteArrayLiteral("no-cache"));
    QCOMPARE(request.header("Accept-Encoding"), QByteArrayLiteral("identity"));
    // No last event ID yet: no Last-Event-ID.
    QVERIFY(request.header("Last-Event-ID").isNull());
    QTRY_VERIFY(channel.poller().isStreaming());
}

void tst_SseProfile::eventTypeAndDataOverSeveralLines()
{
    FakeHttpServer server;
    server.enqueue("/events", FakeResponse::stream(kEventStream));
    Channel channel(server);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    // CRLF and LF line ends; the type does not carry over into the next event.
    QVERIFY(server.streamWrite(id, "event: build\r\ndata: first line\r\ndata: second\r\n\r\n"
                                   "data: plain\n\n"));
    QTRY_COMPARE(channel.events.size(), 2);
    QCOMPARE(channel.batches, 1);
    QCOMPARE(channel.events.at(0).type, QStringLiteral("build"));
    QCOMPARE(channel.events.at(0).text, QStringLiteral("first line\nsecond"));
    QCOMPARE(channel.events.at(0).raw, QByteArrayLiteral("\"first line\\nsecond\""));
    QCOMPARE(channel.events.at(1).type, QStringLiteral("message"));
    QCOMPARE(channel.events.at(1).text, QStringLiteral("plain"));
}

void tst_SseProfile::dataThatIsJsonIsKeptAsJson()
{
    FakeHttpServer server;
    server.enqueue("/events", FakeResponse::stream(kEventStream));
    Channel channel(server);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    QVERIFY(
        server.streamWrite(id, "data: {\"job\": \"nightly\",\ndata:  \"status\": \"failed\"}\n\n"));
    QTRY_COMPARE(channel.events.size(), 1);
    QCOMPARE(channel.events.at(0).raw,
             QByteArrayLiteral("{\"job\":\"nightly\",\"status\":\"failed\"}"));
}

void tst_SseProfile::idIsKeyCursorAndLastEventIdOnReconnect()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kEventStream));
    Channel channel(server);
    channel.poller().start();
    const int first = openStream(server, 1);
    QVERIFY(first > 0);
    QVERIFY(server.streamWrite(first, "id: 41\ndata: a\n\nid: 42\ndata: b\n\n"));
    QTRY_COMPARE(channel.events.size(), 2);
    QCOMPARE(channel.events.at(0).key, QStringLiteral("41"));
    QCOMPARE(channel.events.at(1).key, QStringLiteral("42"));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("42"));
    // An event cut by the end of the stream is not dispatched, and its id
    // does not count.
    QVERIFY(server.streamWrite(first, "id: 43\ndata: c\n"));
    QVERIFY(server.streamEnd(first));
    const int second = openStream(server, 2);
    QVERIFY(second > 0);
    QCOMPARE(server.requests().at(1).header("Last-Event-ID"), QByteArrayLiteral("42"));
    QCOMPARE(channel.events.size(), 2);
    // A block with an id and no data moves the cursor without an event.
    QVERIFY(server.streamWrite(second, "id: 50\n\n"));
    QTRY_COMPARE(channel.poller().cursor(), QStringLiteral("50"));
    QCOMPARE(channel.events.size(), 2);
    QVERIFY(channel.errors.isEmpty());
}

void tst_SseProfile::anEventWithoutItsOwnIdHasNoKey()
{
    FakeHttpServer server;
    server.enqueue("/events", FakeResponse::stream(kEventStream));
    Channel channel(server);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    // It carries the last id (the cursor stays there) but is not that
    // event: a key would make the Poller drop it as a repeat.
    QVERIFY(server.streamWrite(id, "id: 7\ndata: one\n\ndata: two\n\n"));
    QTRY_COMPARE(channel.events.size(), 2);
    QCOMPARE(channel.events.at(0).key, QStringLiteral("7"));
    QVERIFY(channel.events.at(1).key.isEmpty());
    QCOMPARE(channel.poller().cursor(), QStringLiteral("7"));
}

void tst_SseProfile::retryIsTheReconnectDelay()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kEventStream));
    Channel channel(server);
    channel.poller().start();
    const int first = openStream(server, 1);
    QVERIFY(first > 0);
    QVERIFY(server.streamWrite(first, "retry: 400\n\n"));
    QTRY_COMPARE(channel.poller().profile()->reconnectDelay(), milliseconds(400));
    QElapsedTimer clock;
    clock.start();
    QVERIFY(server.streamEnd(first));
    QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 2, 5000);
    QVERIFY2(clock.elapsed() >= 400, qPrintable(QString::number(clock.elapsed())));
    // A broken stream waits at least as long, whatever the backoff draws.
    const int second = openStream(server, 2);
    QVERIFY(second > 0);
    clock.restart();
    QVERIFY(server.streamCut(second));
    QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 3, 5000);
    QVERIFY2(clock.elapsed() >= 400, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(channel.errors.size(), 1);
}

void tst_SseProfile::commentsAreHeartbeatsNotEvents()
{
    PollerSettings settings = quickPollerSettings();
    settings.inactivityTimeout = 300ms;
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kEventStream));
    Channel channel(server, settings);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    int comments = 0;
    QTimer heartbeat;
    QObject::connect(&heartbeat, &QTimer::timeout, &server, [&] {
        if (server.streamWrite(id, ": ping\n"))
            ++comments;
    });
    heartbeat.start(60ms);
    // Far longer than the 300 ms of silence allowed: one stream throughout.
    QTRY_VERIFY_WITH_TIMEOUT(comments >= 20 || server.requestCount() > 1, 10000);
    heartbeat.stop();
    QCOMPARE(server.requestCount(), 1);
    QVERIFY(channel.events.isEmpty());
    QVERIFY(channel.errors.isEmpty());
    QCOMPARE(channel.poller().state(), Poller::State::Live);
    // A comment does not end the event around it.
    QVERIFY(server.streamWrite(id, "data: a\n: ping\ndata: b\n\n"));
    QTRY_COMPARE(channel.events.size(), 1);
    QCOMPARE(channel.events.at(0).text, QStringLiteral("a\nb"));
}

void tst_SseProfile::anAnswerThatIsNoEventStreamStopsTheChannel_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<QString>("words");
    QTest::newRow("JSON instead of an event stream")
        << FakeResponse::json("{\"events\":[]}") << "application/json";
    QTest::newRow("204: the server asks not to connect again")
        << FakeResponse::status(204) << "not to connect again";
    QTest::newRow("a 404 says check the URL") << FakeResponse::status(404) << "URL";
}

void tst_SseProfile::anAnswerThatIsNoEventStreamStopsTheChannel()
{
    QFETCH(FakeResponse, response);
    QFETCH(QString, words);
    FakeHttpServer server;
    server.enqueue("/events", response);
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.poller().state(), Poller::State::Failed);
    QVERIFY2(channel.poller().errorString().contains(words),
             qPrintable(channel.poller().errorString()));
    QCOMPARE(server.requestCount(), 1);
}

void tst_SseProfile::anEventOverTheCapIsRetried()
{
    PollerSettings settings = quickPollerSettings();
    settings.maxBodyBytes = 1000;
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kEventStream));
    Channel channel(server, settings);
    channel.poller().start();
    const int first = openStream(server, 1);
    QVERIFY(first > 0);
    // Under the cap event by event, over it in all: no limit on a stream.
    for (int i = 1; i <= 5; ++i)
        QVERIFY(server.streamWrite(first, "id: " + QByteArray::number(i) +
                                              "\ndata: " + QByteArray(500, 'x') + "\n\n"));
    QTRY_COMPARE(channel.events.size(), 5);
    QVERIFY(channel.errors.isEmpty());
    // Data of one event over 1000 bytes, in lines under it.
    QVERIFY(server.streamWrite(first, "id: 6\ndata: " + QByteArray(600, 'y') +
                                          "\ndata: " + QByteArray(600, 'y') + "\n\n"));
    QTRY_COMPARE(channel.errors.size(), 1);
    QCOMPARE(channel.errors.constFirst().first, Poller::Error::SizeLimitError);
    QCOMPARE(channel.poller().cursor(), QStringLiteral("5"));
    QVERIFY(openStream(server, 2) > 0);
    QCOMPARE(server.requests().at(1).header("Last-Event-ID"), QByteArrayLiteral("5"));
}

void tst_SseProfile::knobsOtherThanHoldAndInitialCursorAreRefused()
{
    QStringList errors;
    QVERIFY(createProfile("sse", QUrl("http://127.0.0.1:1/events"),
                          {{"initial-cursor", "17"}, {"hold", "30"}}, &errors));
    QVERIFY(errors.isEmpty());
    auto profile = createProfile("sse", QUrl("http://127.0.0.1:1/events"),
                                 {{"initial-cursor", "17"}}, &errors);
    QCOMPARE(profile->request(profile->initialCursor()).headers.size(), 3);
    QVERIFY(
        !createProfile("sse", QUrl("http://127.0.0.1:1/events"), {{"events-path", "x"}}, &errors));
    QVERIFY(errors.join(' ').contains("events-path"));
}

QTEST_GUILESS_MAIN(tst_SseProfile)
#include "tst_sseprofile.moc"
