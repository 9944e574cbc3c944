// generic-json's #20 knobs through the real Poller, against the scriptable
// fake server: the bootstrap request and its start-over (with the gap the
// Poller reports), conditional requests paced by the server, and answers
// read as NDJSON or Server-Sent Events streams.
//
// The Zulip exchanges follow its published API reference:
// https://zulip.com/api/register-queue and https://zulip.com/api/get-events
// (BAD_EVENT_QUEUE_ID, 400). The pace header is GitHub's X-Poll-Interval:
// https://docs.github.com/en/rest/activity/events

#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<FeedProfile> make(const QVariantMap &knobs, const QUrl &url)
{
    QStringList errors;
    auto profile = createProfile(QStringLiteral("generic-json"), url, knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

QStringList texts(const EventList &events)
{
    QStringList result;
    for (const Event &event : events)
        result << event.text;
    return result;
}

QByteArray registered(const QByteArray &queue)
{
    return R"({"last_event_id":-1,"msg":"","queue_id":")" + queue +
           R"(","result":"success","zulip_feature_level":2})";
}

QByteArray messages(int first, int last)
{
    QByteArray events;
    for (int id = first; id <= last; ++id) {
        if (!events.isEmpty())
            events += ',';
        events += R"({"id":)" + QByteArray::number(id) +
                  R"(,"type":"message","message":{"content":"m)" + QByteArray::number(id) +
                  R"("}})";
    }
    return R"({"events":[)" + events + R"(],"msg":"","result":"success"})";
}

} // namespace

class tst_GenericJsonPoller : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bootstrapThenPollAndStartOverWithAGap();
    void conditionalRequestsArePacedByTheServer();
    void ndjsonStreamResumesFromItsCursor();
    void sseStreamResumesAfterTheLastEventId();

private:
    PollerSettings quickSettings() const
    {
        PollerSettings settings;
        settings.backoffInitial = 20ms;
        settings.backoffMax = 100ms;
        return settings;
    }
};

void tst_GenericJsonPoller::bootstrapThenPollAndStartOverWithAGap()
{
    FakeHttpServer server;
    server.enqueue("/api/v1/register", FakeResponse::json(registered("q1")));
    server.enqueue("/api/v1/events", FakeResponse::json(messages(0, 1)));
    server.enqueue("/api/v1/events",
                   FakeResponse::status(400, R"({"code":"BAD_EVENT_QUEUE_ID","msg":"Bad event )"
                                             R"(queue ID: q1","queue_id":"q1","result":"error"})"));
    server.enqueue("/api/v1/register", FakeResponse::json(registered("q2")));
    server.enqueue("/api/v1/events", FakeResponse::json(messages(0, 0)));
    // Then the server holds.
    NetworkAccessManager manager;
    Poller poller(make({{"bootstrap-url", "/api/v1/register"},
                        {"bootstrap-method", "POST"},
                        {"bootstrap-values", "queue_id=queue_id"},
                        {"bootstrap-again-on", "400, code=BAD_EVENT_QUEUE_ID"},
                        {"cursor-name", "last_event_id"},
                        {"initial-cursor", "-1"},
                        {"text-path", "message.content"}},
                       server.url("/api/v1/events?queue_id=${bootstrap:queue_id}")),
                  &manager);
    poller.setSettings(quickSettings());
    EventList received;
    connect(&poller, &Poller::batchReceived, this,
            [&](const EventList &events) { received += events; });
    QSignalSpy resets(&poller, &Poller::cursorReset);
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    poller.start();

    QTRY_COMPARE(server.requestCount(), 6); // the last one held
    const QList<FakeRequest> requests = server.requests();
    QStringList asked;
    for (const FakeRequest &request : requests)
        asked << QString::fromLatin1(request.method) + ' ' + request.path + ' ' +
                     request.queryValue("queue_id") + ' ' + request.queryValue("last_event_id");
    QCOMPARE(asked, (QStringList{"POST /api/v1/register  ", "GET /api/v1/events q1 -1",
                                 "GET /api/v1/events q1 1", "POST /api/v1/register  ",
                                 "GET /api/v1/events q2 -1", "GET /api/v1/events q2 0"}));
    QCOMPARE(texts(received), (QStringList{"m0", "m1", "m0"}));
    // One start-over: the channel shows it as a gap row.
    QCOMPARE(resets.size(), 1);
    QCOMPARE(resets.constFirst().at(0).toString(), QStringLiteral("1"));
    QVERIFY2(resets.constFirst().at(1).toString().contains("BAD_EVENT_QUEUE_ID"),
             qPrintable(resets.constFirst().at(1).toString()));
    QCOMPARE(poller.cursor(), QStringLiteral("0"));
    QVERIFY(errors.isEmpty());
}

void tst_GenericJsonPoller::conditionalRequestsArePacedByTheServer()
{
    FakeHttpServer server;
    server.enqueue("/events", FakeResponse::json(R"([{"id":"11","type":"PushEvent"}])")
                                  .withHeader("ETag", "W/\"a1\"")
                                  .withHeader("X-Poll-Interval", "0.3"));
    server.enqueue("/events", FakeResponse::status(304).withHeader("X-Poll-Interval", "0.3"));
    server.enqueue(
        "/events",
        FakeResponse::json(R"([{"id":"12"},{"id":"11"}])").withHeader("ETag", "W/\"a2\""));
    NetworkAccessManager manager;
    Poller poller(make({{"conditional", "yes"},
                        {"poll-interval-header", "X-Poll-Interval"},
                        {"events-path", ""},
                        {"cursor-target", "none"},
                        {"initial-cursor", ""},
                        {"hold", "5"}},
                       server.url("/events")),
                  &manager);
    poller.setSettings(quickSettings());
    EventList received;
    connect(&poller, &Poller::batchReceived, this,
            [&](const EventList &events) { received += events; });
    QElapsedTimer clock;
    QList<qint64> at;
    connect(&server, &FakeHttpServer::requestReceived, this,
            [&](const FakeRequest &) { at << clock.elapsed(); });
    clock.start();
    poller.start();
    QTRY_COMPARE(server.requestCount(), 4);
    const QList<FakeRequest> requests = server.requests();
    QCOMPARE(requests.at(0).header("If-None-Match"), QByteArray());
    QCOMPARE(requests.at(1).header("If-None-Match"), QByteArray("W/\"a1\""));
    QCOMPARE(requests.at(2).header("If-None-Match"), QByteArray("W/\"a1\""));
    // The answer with "12" moved the cursor: its validators go with it.
    QCOMPARE(requests.at(3).header("If-None-Match"), QByteArray("W/\"a2\""));
    QCOMPARE(received.size(), 2);
    QCOMPARE(received.at(1).key, QStringLiteral("12"));
    // The server's 0.3 s between the starts of the first three polls.
    QVERIFY2(at.at(1) - at.at(0) >= 290, qPrintable(QString::number(at.at(1) - at.at(0))));
    QVERIFY2(at.at(2) - at.at(1) >= 290, qPrintable(QString::number(at.at(2) - at.at(1))));
}

void tst_GenericJsonPoller::ndjsonStreamResumesFromItsCursor()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream("application/x-ndjson"));
    NetworkAccessManager manager;
    Poller poller(make({{"stream", "ndjson"}, {"events-at", "ndjson"}}, server.url("/watch")),
                  &manager);
    poller.setSettings(quickSettings());
    EventList received;
    connect(&poller, &Poller::batchReceived, this,
            [&](const EventList &events) { received += events; });
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    poller.start();
    QTRY_COMPARE(server.openStreams().size(), 1);
    const int first = server.openStreams().constFirst();
    QCOMPARE(server.requests().constFirst().queryValue("last_id"), QStringLiteral("0"));
    QVERIFY(server.streamWrite(first, R"({"id":1,"message":"one"})"
                                      "\n\n"
                                      R"({"id":2,"mess)"));
    QTRY_COMPARE(texts(received), QStringList{"one"});
    QVERIFY(poller.isStreaming());
    QVERIFY(server.streamWrite(first, R"(age":"two"})"
                                      "\n"));
    QTRY_COMPARE(texts(received), (QStringList{"one", "two"}));
    QCOMPARE(poller.cursor(), QStringLiteral("2"));
    // The server ends the answer: the next request resumes from the cursor.
    QVERIFY(server.streamEnd(first));
    QTRY_COMPARE(server.openStreams().size(), 1);
    QCOMPARE(server.requests().constLast().queryValue("last_id"), QStringLiteral("2"));
    QVERIFY(server.streamWrite(server.openStreams().constFirst(), R"({"id":3,"message":"three"})"
                                                                  "\n"));
    QTRY_COMPARE(texts(received), (QStringList{"one", "two", "three"}));
    QVERIFY(errors.isEmpty());
}

void tst_GenericJsonPoller::sseStreamResumesAfterTheLastEventId()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream("text/event-stream"));
    NetworkAccessManager manager;
    Poller poller(make({{"stream", "sse"},
                        {"events-at", "whole"},
                        {"events-path", ""},
                        {"cursor-from", "last-id"},
                        {"cursor-target", "header"},
                        {"cursor-name", "Last-Event-ID"},
                        {"initial-cursor", ""}},
                       server.url("/es")),
                  &manager);
    poller.setSettings(quickSettings());
    EventList received;
    connect(&poller, &Poller::batchReceived, this,
            [&](const EventList &events) { received += events; });
    poller.start();
    QTRY_COMPARE(server.openStreams().size(), 1);
    const int first = server.openStreams().constFirst();
    QCOMPARE(server.requests().constFirst().header("Accept"), QByteArray("text/event-stream"));
    QCOMPARE(server.requests().constFirst().header("Last-Event-ID"), QByteArray());
    QVERIFY(
        server.streamWrite(first, ": hi\n\nevent: job\nid: 7\ndata: {\"message\":\"built\"}\n\n"));
    QTRY_COMPARE(texts(received), QStringList{"built"});
    QCOMPARE(received.constFirst().type, QStringLiteral("job"));
    QCOMPARE(poller.cursor(), QStringLiteral("7"));
    QVERIFY(server.streamEnd(first));
    QTRY_COMPARE(server.openStreams().size(), 1);
    QCOMPARE(server.requests().constLast().header("Last-Event-ID"), QByteArray("7"));
}

QTEST_GUILESS_MAIN(tst_GenericJsonPoller)
#include "tst_genericjsonpoller.moc"
