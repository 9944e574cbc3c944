// The zulip-events profile's wire rules (#20), through the Poller against
// the scriptable fake server. The exchanges follow Zulip's API reference:
// "Register an event queue" (https://zulip.com/api/register-queue:
// POST /api/v1/register, form fields with JSON values, queue_id,
// last_event_id, event_queue_longpoll_timeout_seconds), "Get events from
// an event queue" (https://zulip.com/api/get-events: queue_id,
// last_event_id, dont_block; heartbeat events; the BAD_EVENT_QUEUE_ID
// error, after which "a compliant client will handle this error by
// re-initializing itself"), "Real-time events API"
// (https://zulip.com/api/real-time-events) and "Error handling"
// (https://zulip.com/api/rest-error-handling: {"result":"error","msg",
// "code"}, RATE_LIMIT_HIT with retry-after). Queue ids, the message and the
// error bodies are the references' examples.

#include "channelconfig.h"
#include "connectiontest.h"
#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"
#include "profiles/zulipprofile.h"
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

const QString kRegister = QStringLiteral("/api/v1/register");
const QString kEvents = QStringLiteral("/api/v1/events");
const QByteArray kQueue = "fb67bf8a-c031-47cc-84cf-ed80accacda8";
const QByteArray kApiKey = "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv";

PollerSettings quickSettings()
{
    PollerSettings settings = quickPollerSettings();
    settings.basicAuth = {QStringLiteral("ci-bot@example.com"), QString::fromLatin1(kApiKey)};
    return settings;
}

QByteArray registered(const QByteArray &queue = kQueue, int lastEventId = -1)
{
    return R"({"last_event_id":)" + QByteArray::number(lastEventId) + R"(,"msg":"","queue_id":")" +
           queue +
           R"(","result":"success","zulip_feature_level":2,"zulip_version":"5.0","max_message_id":12345677})";
}

/// The reference's example message event.
QByteArray messageEvent(int id, int messageId)
{
    return R"({"flags":[],"id":)" + QByteArray::number(id) +
           R"(,"message":{"avatar_url":null,"client":"ZulipPython","content":"Why does the Cc field show up?","content_type":"text/x-markdown","display_recipient":"Denmark","id":)" +
           QByteArray::number(messageId) +
           R"(,"is_me_message":false,"reactions":[],"recipient_id":12314,"sender_email":"othello-bot@example.com","sender_full_name":"Othello Bot","sender_id":13215,"sender_realm_str":"example","subject":"Castle","submessages":[],"timestamp":1375978403,"topic_links":[],"type":"stream"},"type":"message"})";
}

QByteArray events(const QList<QByteArray> &list)
{
    QByteArray joined;
    for (const QByteArray &event : list)
        joined += (joined.isEmpty() ? "" : ",") + event;
    return R"({"events":[)" + joined + R"(],"msg":"","queue_id":")" + kQueue +
           R"(","result":"success"})";
}

QByteArray heartbeat(int id)
{
    return R"({"id":)" + QByteArray::number(id) + R"(,"type":"heartbeat"})";
}

const QByteArray kBadQueue =
    R"({"code":"BAD_EVENT_QUEUE_ID","msg":"Bad event queue ID: fb67bf8a-c031-47cc-84cf-ed80accacda8","queue_id":"fb67bf8a-c031-47cc-84cf-ed80accacda8","result":"error"})";

/// One Poller on the zulip-events profile against the fake server.
struct Channel : RecordedPoller
{
    explicit Channel(FakeHttpServer &server, const QVariantMap &knobs = {})
        : RecordedPoller("zulip-events", server.url("/"), knobs, quickSettings(), "zulip")
    {}
};

std::unique_ptr<FeedProfile> profile(const QVariantMap &knobs = {})
{
    return profileFor("zulip-events", QUrl("https://chat.example.com"), knobs);
}

/// A form field of an application/x-www-form-urlencoded body.
QString formValue(const QByteArray &body, const QString &name)
{
    return QUrlQuery(QString::fromLatin1(body)).queryItemValue(name, QUrl::FullyDecoded);
}

} // namespace

class tst_ZulipProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isOfferedWithItsSettings();
    void theAddressNamesTheServer();
    void theFirstRequestRegistersAQueueFormEncoded();
    void theQueueIsLongPolledFromTheLastEventId();
    void heartbeatsAreNoNewsButAreAcknowledged();
    void aBadEventQueueRegistersAgainAndShowsAGap();
    void theHoldIsZulipsLongPollTimeout();
    void refusedCredentialsStopTheChannel();
    void aRateLimitWaitsRetryAfter();
    void otherEventsAndMalformedAnswers();
    void theConnectionTestRegistersAQueueThenPolls();
};

void tst_ZulipProfile::isOfferedWithItsSettings()
{
    QVERIFY(profileIds().contains("zulip-events"));
    QVERIFY(!profileDescription("zulip-events").isEmpty());
    const QStringList names = profileKnobNames();
    QVERIFY(names.contains("event-types"));
    QVERIFY(names.contains("narrow"));
    QStringList errors;
    QVERIFY(!createProfile("ntfy", QUrl("http://127.0.0.1/alerts"), {{"narrow", "[]"}}, &errors));
    QVERIFY2(errors.join(' ').contains("zulip-events"), qPrintable(errors.join(' ')));
    errors.clear();
    QVERIFY(!createProfile("zulip-events", QUrl("https://chat.example.com"),
                           {{"narrow", "channel:ci"}}, &errors));
    QVERIFY2(errors.join(' ').contains("operator"), qPrintable(errors.join(' ')));
    QVERIFY(!createProfile("zulip-events", QUrl("https://chat.example.com"),
                           {{"initial-cursor", "5@abc"}}, &errors));

    // A form shows the problem at the setting itself.
    ChannelConfig config;
    config.name = QStringLiteral("zulip");
    config.url = QUrl("https://chat.example.com");
    config.profileId = QStringLiteral("zulip-events");
    config.knobs = {{"narrow", "channel:ci"}};
    const QList<ChannelConfig::Problem> problems = config.problems();
    QCOMPARE(problems.size(), 1);
    QCOMPARE(problems.at(0).field, ChannelConfig::Field::Knob);
    QCOMPARE(problems.at(0).knob, QStringLiteral("narrow"));
}

void tst_ZulipProfile::theAddressNamesTheServer()
{
    for (const char *address :
         {"https://chat.example.com", "https://chat.example.com/", "https://chat.example.com/api",
          "https://chat.example.com/api/v1/", "https://chat.example.com/api/v1/events"})
        QCOMPARE(ZulipProfile::serverUrlFor(QUrl(address)).toString(),
                 QStringLiteral("https://chat.example.com"));
    QCOMPARE(
        ZulipProfile::serverUrlFor(QUrl("https://example.com/zulip/api/v1/register")).toString(),
        QStringLiteral("https://example.com/zulip"));
    QString queue;
    qint64 last = 0;
    QVERIFY(
        ZulipProfile::splitCursor(ZulipProfile::makeCursor("1375801870:2942", -1), &queue, &last));
    QCOMPARE(queue, QStringLiteral("1375801870:2942"));
    QCOMPARE(last, -1);
    QVERIFY(!ZulipProfile::splitCursor("", &queue, &last));
    QVERIFY(!ZulipProfile::splitCursor("x@q", &queue, &last));
    QVERIFY(!ZulipProfile::splitCursor("5@", &queue, &last));
}

void tst_ZulipProfile::theFirstRequestRegistersAQueueFormEncoded()
{
    FakeHttpServer server;
    server.enqueue(kRegister, FakeResponse::json(registered()));
    Channel channel(server, {{"event-types", "message, update_message"},
                             {"narrow", R"([["channel", "ci & builds"]])"}});
    QVERIFY(channel.isValid());
    channel.poller().start();
    QTRY_COMPARE(server.requestCount(), 2);
    const FakeRequest reg = server.requests().at(0);
    QCOMPARE(reg.method, QByteArrayLiteral("POST"));
    QCOMPARE(reg.path, kRegister);
    QCOMPARE(reg.header("Content-Type"), QByteArrayLiteral("application/x-www-form-urlencoded"));
    QCOMPARE(formValue(reg.body, "event_types"), QStringLiteral(R"(["message","update_message"])"));
    QCOMPARE(formValue(reg.body, "narrow"), QStringLiteral(R"([["channel","ci & builds"]])"));
    QCOMPARE(formValue(reg.body, "apply_markdown"), QStringLiteral("false"));
    QCOMPARE(reg.header("Authorization"),
             "Basic " + QByteArray("ci-bot@example.com:" + kApiKey).toBase64());
    // The register answer is the queue, not news.
    QVERIFY(channel.events.isEmpty());
    QCOMPARE(channel.poller().cursor(), QStringLiteral("-1@") + QString::fromLatin1(kQueue));
}

void tst_ZulipProfile::theQueueIsLongPolledFromTheLastEventId()
{
    FakeHttpServer server;
    server.enqueue(kRegister, FakeResponse::json(registered()));
    server.enqueue(kEvents, FakeResponse::json(events({messageEvent(0, 12345678)})));
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.events.size(), 1);
    const FakeRequest poll = server.requests().at(1);
    QCOMPARE(poll.method, QByteArrayLiteral("GET"));
    QCOMPARE(poll.path, kEvents);
    QCOMPARE(poll.queryValue("queue_id"), QString::fromLatin1(kQueue));
    QCOMPARE(poll.queryValue("last_event_id"), QStringLiteral("-1"));
    QCOMPARE(poll.queryValue("dont_block"), QStringLiteral("false"));
    const Event message = channel.events.at(0);
    QCOMPARE(message.key, QStringLiteral("message:12345678"));
    QCOMPARE(message.type, QStringLiteral("message"));
    QCOMPARE(
        message.text,
        QStringLiteral("Othello Bot in #Denmark \u203a Castle: Why does the Cc field show up?"));
    QCOMPARE(message.time.toSecsSinceEpoch(), 1375978403);
    QCOMPARE(QJsonDocument::fromJson(message.raw).object().value("id").toInt(), 0);
    // The next poll acknowledges event 0.
    QTRY_COMPARE(server.requestCount(), 3);
    QCOMPARE(server.requests().at(2).queryValue("last_event_id"), QStringLiteral("0"));
}

void tst_ZulipProfile::heartbeatsAreNoNewsButAreAcknowledged()
{
    FakeHttpServer server;
    server.enqueue(kRegister, FakeResponse::json(registered(kQueue, 6)));
    server.enqueue(kEvents, FakeResponse::json(events({heartbeat(7)})));
    Channel channel(server);
    QSignalSpy advanced(&channel.poller(), &Poller::cursorAdvanced);
    channel.poller().start();
    QTRY_COMPARE(server.requestCount(), 3);
    QVERIFY(channel.events.isEmpty());
    QCOMPARE(server.requests().at(1).queryValue("last_event_id"), QStringLiteral("6"));
    QCOMPARE(server.requests().at(2).queryValue("last_event_id"), QStringLiteral("7"));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("7@") + QString::fromLatin1(kQueue));
    // Held again: live, not failing.
    QCOMPARE(channel.poller().state(), Poller::State::Live);
    QVERIFY(channel.poller().errorString().isEmpty());
}

void tst_ZulipProfile::aBadEventQueueRegistersAgainAndShowsAGap()
{
    FakeHttpServer server;
    server.enqueue(kRegister, FakeResponse::json(registered()));
    server.enqueue(kRegister, FakeResponse::json(registered("1375801870:2943")));
    server.enqueue(kEvents, FakeResponse::status(400, kBadQueue));
    server.enqueue(kEvents, FakeResponse::json(events({messageEvent(0, 12345679)})));
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.events.size(), 1);
    QCOMPARE(server.requests().at(0).path, kRegister);
    QCOMPARE(server.requests().at(1).path, kEvents);
    QCOMPARE(server.requests().at(2).path, kRegister); // registered again
    QCOMPARE(server.requests().at(3).queryValue("queue_id"), QStringLiteral("1375801870:2943"));
    QCOMPARE(server.requests().at(3).queryValue("last_event_id"), QStringLiteral("-1"));
    // The Poller reports the start-over: the channel makes it a gap row.
    QCOMPARE(channel.resets.size(), 1);
    QVERIFY2(channel.resets.at(0).contains("BAD_EVENT_QUEUE_ID") &&
                 channel.resets.at(0).contains("may be missing"),
             qPrintable(channel.resets.at(0)));
    QCOMPARE(channel.events.at(0).key, QStringLiteral("message:12345679"));
}

void tst_ZulipProfile::theHoldIsZulipsLongPollTimeout()
{
    auto zulip = profile();
    QVERIFY(zulip->holdTime() == 90s);
    QByteArray body = registered();
    body.replace("\"msg\"", "\"event_queue_longpoll_timeout_seconds\":120,\"msg\"");
    const PollResult result = zulip->parse(response(200, body), {});
    QCOMPARE(result.verdict, Verdict::NoNews);
    QVERIFY(zulip->holdTime() == 120s);
    // A hold set by the person stays.
    auto set = profile({{"hold", "40"}});
    set->parse(response(200, body), {});
    QVERIFY(set->holdTime() == 40s);
}

void tst_ZulipProfile::refusedCredentialsStopTheChannel()
{
    FakeHttpServer server;
    server.enqueue(kRegister,
                   FakeResponse::status(
                       401, R"({"code":"UNAUTHORIZED","msg":"Invalid API key","result":"error"})"));
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.poller().state(), Poller::State::Failed);
    const QString said = channel.poller().errorString();
    QVERIFY2(said.contains("Invalid API key") && said.contains("API key") && said.contains("email"),
             qPrintable(said));
    QVERIFY(!said.contains(QString::fromLatin1(kApiKey)));
    QVERIFY(!channel.poller().errorDetail().contains(QString::fromLatin1(kApiKey)));
    QCOMPARE(server.requestCount(), 1);
}

void tst_ZulipProfile::aRateLimitWaitsRetryAfter()
{
    auto zulip = profile();
    const QByteArray limited =
        R"({"code":"RATE_LIMIT_HIT","msg":"API usage exceeded rate limit","result":"error","retry-after":28.706807374954224})";
    const QString cursor = QStringLiteral("3@") + QString::fromLatin1(kQueue);
    PollResult result = zulip->parse(response(429, limited), cursor);
    QCOMPARE(result.verdict, Verdict::Retry);
    QCOMPARE(result.cursor, cursor);
    QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(28706)));
    QVERIFY2(result.reason.contains("exceeded rate limit"), qPrintable(result.reason));
    result = zulip->parse(response(429, limited, {{"Retry-After", "29"}}), cursor);
    QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(29000)));
}

void tst_ZulipProfile::otherEventsAndMalformedAnswers()
{
    auto zulip = profile();
    const QString cursor = QStringLiteral("3@") + QString::fromLatin1(kQueue);
    const PollResult other = zulip->parse(
        response(200, events({R"({"id":4,"type":"subscription","op":"add","subscriptions":[]})",
                              heartbeat(5)})),
        cursor);
    QCOMPARE(other.verdict, Verdict::Events);
    QCOMPARE(other.events.size(), 1);
    QCOMPARE(other.events.at(0).key, QString::fromLatin1(kQueue) + QStringLiteral(":4"));
    QCOMPARE(other.events.at(0).text, QStringLiteral("subscription add"));
    QCOMPARE(other.cursor, QStringLiteral("5@") + QString::fromLatin1(kQueue));
    // Part of an answer: the cursor after the part acknowledges only it.
    const PollResult three =
        zulip->parse(response(200, events({messageEvent(7, 1), heartbeat(8), messageEvent(9, 2),
                                           messageEvent(10, 3)})),
                     cursor);
    QCOMPARE(three.events.size(), 3);
    QCOMPARE(zulip->cursorAfter(three.events, 2, cursor),
             std::optional(QStringLiteral("9@") + QString::fromLatin1(kQueue)));
    QCOMPARE(zulip->cursorAfter(three.events, 0, cursor), std::optional(cursor));
    QCOMPARE(zulip->cursorAfter(three.events, 4, cursor), std::nullopt);
    QCOMPARE(zulip->cursorAfter(three.events, 1, QString()), std::nullopt); // a register answer
    // A message without an id is no message key (it would stand for all of them).
    const PollResult noId = zulip->parse(
        response(200, events({R"({"id":6,"type":"message","message":{"content":"x"}})"})), cursor);
    QCOMPARE(noId.events.size(), 1);
    QCOMPARE(noId.events.at(0).key, QString::fromLatin1(kQueue) + QStringLiteral(":6"));

    for (const QByteArray &bad : {QByteArray("<html>"), QByteArray(R"({"result":"success"})"),
                                  events({R"({"type":"message"})"})}) {
        const PollResult result = zulip->parse(response(200, bad), cursor);
        QCOMPARE(result.verdict, Verdict::Retry);
        QVERIFY(result.malformed);
        QCOMPARE(result.cursor, cursor);
    }
    // A register answer without a queue.
    QVERIFY(zulip->parse(response(200, R"({"result":"success","msg":""})"), {}).malformed);
    // Another 400 (a narrow the server does not take) stops, in Zulip's words.
    const PollResult refused = zulip->parse(
        response(400, R"({"code":"BAD_REQUEST","msg":"Invalid narrow operator","result":"error"})"),
        {});
    QCOMPARE(refused.verdict, Verdict::Fatal);
    QVERIFY2(refused.reason.contains("Invalid narrow operator"), qPrintable(refused.reason));
}

void tst_ZulipProfile::theConnectionTestRegistersAQueueThenPolls()
{
    // The register answer only prepares the feed: the test goes on to the
    // first poll of the queue, and that answer is what it reports.
    FakeHttpServer server;
    server.enqueue(kRegister, FakeResponse::json(registered()));
    server.enqueue(kEvents, FakeResponse::json(events({messageEvent(0, 12345678)})));
    ChannelConfig config;
    config.name = QStringLiteral("zulip");
    config.url = server.url("/");
    config.profileId = QStringLiteral("zulip-events");
    config.auth = ChannelConfig::Auth::Basic;
    config.user = QStringLiteral("ci-bot@example.com");
    config.password = QString::fromLatin1(kApiKey);
    config.timing = quickSettings();
    config.timing.basicAuth = {};
    NetworkAccessManager manager;
    ConnectionTest test(&manager);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    QVERIFY(test.start(config));
    QVERIFY(finished.wait(5000));
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::Events);
    QCOMPARE(test.events().size(), 1);
    QCOMPARE(test.cursor(), QStringLiteral("0@") + QString::fromLatin1(kQueue));
    QCOMPARE(server.requestCount(), 2);
    QCOMPARE(server.requests().at(0).path, kRegister);
    QCOMPARE(server.requests().at(1).path, kEvents);
}

QTEST_MAIN(tst_ZulipProfile)
#include "tst_zulipprofile.moc"
