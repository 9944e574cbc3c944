#include "common/profiletesting.h"
#include "genericjsonprofile.h"
#include "profiles.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Longwatch::Verdict)

namespace {

std::unique_ptr<FeedProfile> make(const QString &id, const QVariantMap &knobs = {},
                                  const QString &url = QStringLiteral("http://feed.test/poll"))
{
    QStringList errors;
    auto profile = createProfile(id, QUrl(url), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

QStringList keys(const EventList &events)
{
    QStringList result;
    for (const Event &e : events)
        result << e.key;
    return result;
}

} // namespace

class tst_GenericJsonProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void seedEventsRequest();
    void seedEvents_data();
    void seedEvents();
    void seedEventsFields();
    void rawIsTheServersBytes_data();
    void rawIsTheServersBytes();
    void eventTimes_data();
    void eventTimes();
    void seedQueue_data();
    void seedQueue();
    void cursorPlacement_data();
    void cursorPlacement();
    void cursorSource_data();
    void cursorSource();
    void ndjson();
    void noNewsRules_data();
    void noNewsRules();
    void okEnvelope();
    void knobErrors_data();
    void knobErrors();
};

void tst_GenericJsonProfile::seedEventsRequest()
{
    auto profile = make(QStringLiteral("seed-events"));
    QVERIFY(profile);
    QCOMPARE(profile->initialCursor(), QStringLiteral("0"));
    QCOMPARE(profile->holdTime(), 55s);
    const PollRequest request = profile->request(QStringLiteral("42"));
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(QUrlQuery(request.url).queryItemValue(QStringLiteral("last_id")),
             QStringLiteral("42"));
    QVERIFY(request.body.isEmpty());
}

void tst_GenericJsonProfile::seedEvents_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QString>("next");

    QTest::newRow("new events move the cursor to the largest id")
        << "0" << 200 << QByteArray(R"({"events":[{"id":1},{"id":2},{"id":3}]})") << Verdict::Events
        << QStringList{"1", "2", "3"} << "3";
    QTest::newRow("an empty array is no news")
        << "5" << 200 << QByteArray(R"({"events":[]})") << Verdict::NoNews << QStringList{} << "5";
    QTest::newRow("an empty 200 is no news")
        << "5" << 200 << QByteArray() << Verdict::NoNews << QStringList{} << "5";
    QTest::newRow("heartbeat newlines before the JSON are skipped")
        << "0" << 200 << QByteArray("\n\n  \r\n{\"events\":[{\"id\":7}]}") << Verdict::Events
        << QStringList{"7"} << "7";
    QTest::newRow("events at or behind the cursor are dropped")
        << "5" << 200 << QByteArray(R"({"events":[{"id":4},{"id":5},{"id":6}]})") << Verdict::Events
        << QStringList{"6"} << "6";
    QTest::newRow("ids going backwards never move the cursor back")
        << "9" << 200 << QByteArray(R"({"events":[{"id":3},{"id":2}]})") << Verdict::NoNews
        << QStringList{} << "9";
    QTest::newRow("string ids that are numbers count as numbers")
        << "1" << 200 << QByteArray(R"({"events":[{"id":"2"},{"id":"10"}]})") << Verdict::Events
        << QStringList{"2", "10"} << "10";
    QTest::newRow("a body that is not JSON is a retry and the cursor stays")
        << "5" << 200 << QByteArray("<html>oops</html>") << Verdict::Retry << QStringList{} << "5";
    QTest::newRow("a truncated body is a retry")
        << "5" << 200 << QByteArray(R"({"events":[{"id":6)") << Verdict::Retry << QStringList{}
        << "5";
    QTest::newRow("events that are not an array are a retry")
        << "5" << 200 << QByteArray(R"({"events":{"id":6}})") << Verdict::Retry << QStringList{}
        << "5";
    QTest::newRow("a missing events field is a retry")
        << "5" << 200 << QByteArray(R"({"evnts":[]})") << Verdict::Retry << QStringList{} << "5";
    QTest::newRow("a top-level array is the wrong shape")
        << "5" << 200 << QByteArray(R"([{"id":6}])") << Verdict::Retry << QStringList{} << "5";
    QTest::newRow("404 is fatal") << "5" << 404 << QByteArray(R"({"error":"no such feed"})")
                                  << Verdict::Fatal << QStringList{} << "5";
    QTest::newRow("401 is fatal") << "5" << 401 << QByteArray() << Verdict::Fatal << QStringList{}
                                  << "5";
    QTest::newRow("408 is a retry")
        << "5" << 408 << QByteArray() << Verdict::Retry << QStringList{} << "5";
    QTest::newRow("429 is a retry")
        << "5" << 429 << QByteArray() << Verdict::Retry << QStringList{} << "5";
    QTest::newRow("502 is a retry")
        << "5" << 502 << QByteArray("Bad gateway") << Verdict::Retry << QStringList{} << "5";
    QTest::newRow("410 asks for a resync")
        << "5" << 410 << QByteArray() << Verdict::Resync << QStringList{} << "5";
    QTest::newRow("304 is no news")
        << "5" << 304 << QByteArray() << Verdict::NoNews << QStringList{} << "5";
    QTest::newRow("204 is no news")
        << "5" << 204 << QByteArray() << Verdict::NoNews << QStringList{} << "5";
}

void tst_GenericJsonProfile::seedEvents()
{
    QFETCH(QString, cursor);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(Verdict, verdict);
    QFETCH(QStringList, keys);
    QFETCH(QString, next);

    auto profile = make(QStringLiteral("seed-events"));
    const PollResult result = profile->parse(response(status, body), cursor);
    QCOMPARE(result.verdict, verdict);
    QCOMPARE(::keys(result.events), keys);
    QCOMPARE(result.cursor, next);
    if (verdict == Verdict::Retry || verdict == Verdict::Fatal)
        QVERIFY2(result.reason.endsWith(QLatin1Char('.')), qPrintable(result.reason));
}

void tst_GenericJsonProfile::seedEventsFields()
{
    auto profile = make(QStringLiteral("seed-events"));
    const PollResult result = profile->parse(
        response(
            200,
            R"({"events":[{"id":12,"type":"build","message":"done","time":"2026-11-22T10:00:00Z","extra":[1,2]}]})"),
        QStringLiteral("0"));
    QCOMPARE(result.events.size(), 1);
    const Event &e = result.events.first();
    QCOMPARE(e.key, QStringLiteral("12"));
    QCOMPARE(e.type, QStringLiteral("build"));
    QCOMPARE(e.text, QStringLiteral("done"));
    QCOMPARE(e.time, QDateTime(QDate(2026, 11, 22), QTime(10, 0), Qt::UTC));

    // A time no clock can show is no time, not undefined behaviour.
    const PollResult huge =
        profile->parse(response(200, R"({"events":[{"id":13,"time":1.7e86},{"id":14,"time":-5}]})"),
                       QStringLiteral("12"));
    QCOMPARE(huge.events.size(), 2);
    QVERIFY(!huge.events.at(0).time.isValid());
    QVERIFY(!huge.events.at(1).time.isValid());
    const QJsonObject raw = QJsonDocument::fromJson(e.raw).object();
    QCOMPARE(raw.value(QStringLiteral("extra")).toArray().size(), 2);
    QCOMPARE(raw.value(QStringLiteral("id")).toInt(), 12);
}

void tst_GenericJsonProfile::rawIsTheServersBytes_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("raws");

    QTest::newRow("compact: as sent, key order and number forms kept")
        << QByteArray(R"({"events":[{"type":"a","id":1,"v":1.50},{"id":2,"s":"x\"y, ]}"}]})")
        << QList<QByteArray>{R"({"type":"a","id":1,"v":1.50})", R"({"id":2,"s":"x\"y, ]}"})"};
    QTest::newRow("pretty: re-serialised compact, one line each")
        << QByteArray("{\"events\": [\n  {\"id\": 1, \"type\": \"a\"},\n  {\"id\":2}\n]}")
        << QList<QByteArray>{R"({"id":1,"type":"a"})", R"({"id":2})"};
    QTest::newRow("whitespace between elements only")
        << QByteArray("{ \"events\" : [ {\"id\":1} ,\n {\"id\":2} ] }")
        << QList<QByteArray>{R"({"id":1})", R"({"id":2})"};
    QTest::newRow("a repeated member: the last wins, as in QJsonObject")
        << QByteArray(R"({"events":[{"id":9}],"events":[{"id":1},{"id":2}]})")
        << QList<QByteArray>{R"({"id":1})", R"({"id":2})"};
    QTest::newRow("an escaped member name is not guessed at")
        << QByteArray(R"({"ev\u0065nts":[{"id":1}]})") << QList<QByteArray>{R"({"id":1})"};
    QTest::newRow("scalars and nested arrays")
        << QByteArray(R"({"events":[[1,[2]],"s",3,true,null,{"id":4,"a":[{"b":"]"}]}]})")
        << QList<QByteArray>{"[1,[2]]", R"("s")", "3",
                             "true",    "null",   R"({"id":4,"a":[{"b":"]"}]})"};
}

void tst_GenericJsonProfile::rawIsTheServersBytes()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, raws);
    QVariantMap knobs;
    knobs.insert(QStringLiteral("cursor-from"), QStringLiteral("none"));
    auto profile = make(QStringLiteral("generic-json"), knobs);
    QVERIFY(profile);
    const PollResult result = profile->parse(response(200, body), QStringLiteral("0"));
    QCOMPARE(result.verdict, Verdict::Events);
    QList<QByteArray> got;
    for (const Event &event : result.events)
        got << event.raw;
    QCOMPARE(got, raws);
}

void tst_GenericJsonProfile::eventTimes_data()
{
    QTest::addColumn<QString>("time");
    QTest::addColumn<QDateTime>("expected");
    const QDateTime base(QDate(2026, 11, 22), QTime(10, 0, 5), Qt::UTC);
    QTest::newRow("UTC, no fraction") << "2026-11-22T10:00:05Z" << base;
    QTest::newRow("UTC, milliseconds") << "2026-11-22T10:00:05.123Z" << base.addMSecs(123);
    QTest::newRow("UTC, one digit") << "2026-11-22T10:00:05.1Z" << base.addMSecs(100);
    QTest::newRow("UTC, nanoseconds") << "2026-11-22T10:00:05.987654321Z" << base.addMSecs(987);
    QTest::newRow("an offset") << "2026-11-22T11:00:05+01:00" << base;
    QTest::newRow("a leap day") << "2024-02-29T00:00:00Z"
                                << QDateTime(QDate(2024, 2, 29), QTime(0, 0), Qt::UTC);
    QTest::newRow("not a day") << "2026-02-30T10:00:05Z" << QDateTime();
    QTest::newRow("not a time") << "2026-11-22T25:00:05Z" << QDateTime();
    QTest::newRow("RFC 2822") << "Sun, 22 Nov 2026 10:00:05 +0000" << base;
    QTest::newRow("garbage") << "soon" << QDateTime();
}

void tst_GenericJsonProfile::eventTimes()
{
    QFETCH(QString, time);
    QFETCH(QDateTime, expected);
    auto profile = make(QStringLiteral("seed-events"));
    const QByteArray body = R"({"events":[{"id":1,"time":")" + time.toUtf8() + R"("}]})";
    const PollResult result = profile->parse(response(200, body), QStringLiteral("0"));
    QCOMPARE(result.events.size(), 1);
    QCOMPARE(result.events.first().time.isValid(), expected.isValid());
    if (expected.isValid())
        QCOMPARE(result.events.first().time.toMSecsSinceEpoch(), expected.toMSecsSinceEpoch());
}

void tst_GenericJsonProfile::seedQueue_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("raw");

    QTest::newRow("a string message is one event")
        << QByteArray(R"({"message":"hi"})") << Verdict::Events << "hi" << QByteArray(R"("hi")");
    QTest::newRow("an object message keeps its JSON")
        << QByteArray(R"({"message":{"job":"a","status":"ok"}})") << Verdict::Events << ""
        << QByteArray(R"({"job":"a","status":"ok"})");
    QTest::newRow("null is no news")
        << QByteArray(R"({"message":null})") << Verdict::NoNews << "" << QByteArray();
    QTest::newRow("a missing message is a retry")
        << QByteArray(R"({"msg":1})") << Verdict::Retry << "" << QByteArray();
    QTest::newRow("a number message")
        << QByteArray(R"({"message":42})") << Verdict::Events << "42" << QByteArray("42");
}

void tst_GenericJsonProfile::seedQueue()
{
    QFETCH(QByteArray, body);
    QFETCH(Verdict, verdict);
    QFETCH(QString, text);
    QFETCH(QByteArray, raw);

    auto profile =
        make(QStringLiteral("seed-queue"), {}, QStringLiteral("http://feed.test/receive"));
    QVERIFY(profile);
    QCOMPARE(profile->holdTime(), 30s);
    QCOMPARE(profile->request(QString()).url.query(), QString());
    const PollResult result = profile->parse(response(200, body), QString());
    QCOMPARE(result.verdict, verdict);
    QVERIFY(result.cursor.isEmpty());
    if (verdict == Verdict::Events) {
        QCOMPARE(result.events.size(), 1);
        QCOMPARE(result.events.first().text, text);
        QCOMPARE(result.events.first().raw, raw);
    }
}

void tst_GenericJsonProfile::cursorPlacement_data()
{
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("query");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("in a query parameter")
        << QVariantMap{{"cursor-target", "query"}, {"cursor-name", "after"}} << "after=17"
        << QByteArray() << QByteArray();
    QTest::newRow("in a header") << QVariantMap{{"cursor-target", "header"},
                                                {"cursor-name", "X-Cursor"}}
                                 << "" << QByteArray("17") << QByteArray();
    QTest::newRow("in a JSON body field, as a number")
        << QVariantMap{{"method", "POST"},
                       {"cursor-target", "body"},
                       {"cursor-name", "page.after"},
                       {"body", R"({"limit":10})"}}
        << "" << QByteArray() << QByteArray(R"({"limit":10,"page":{"after":17}})");
    QTest::newRow("with a hold parameter as a Go duration")
        << QVariantMap{{"hold-param", "wait"}, {"hold-unit", "go"}, {"hold", "30"}}
        << "last_id=17&wait=30s" << QByteArray() << QByteArray();
    QTest::newRow("with a hold parameter in milliseconds")
        << QVariantMap{{"hold-param", "timeout"}, {"hold-unit", "ms"}, {"hold", "2.5"}}
        << "last_id=17&timeout=2500" << QByteArray() << QByteArray();
}

void tst_GenericJsonProfile::cursorPlacement()
{
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, query);
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, body);

    auto profile = make(QStringLiteral("generic-json"), knobs);
    QVERIFY(profile);
    const PollRequest request = profile->request(QStringLiteral("17"));
    QCOMPARE(request.url.query(), query);
    QByteArray sentHeader;
    for (const auto &[name, value] : request.headers) {
        if (name == "X-Cursor")
            sentHeader = value;
    }
    QCOMPARE(sentHeader, header);
    QCOMPARE(request.body, body);
}

void tst_GenericJsonProfile::cursorSource_data()
{
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QString>("next");

    QTest::newRow("from a body path")
        << QVariantMap{{"cursor-from", "body"},
                       {"cursor-from-name", "meta.next"},
                       {"events-path", "data"}}
        << QByteArray(R"({"data":[{"id":"a"}],"meta":{"next":"tok-2"}})") << HeaderList{}
        << "tok-2";
    QTest::newRow("from a response header")
        << QVariantMap{{"cursor-from", "header"}, {"cursor-from-name", "X-Index"}}
        << QByteArray(R"({"events":[{"id":"a"}]})") << HeaderList{{"x-index", "99"}} << "99";
    QTest::newRow("from the largest id plus one")
        << QVariantMap{{"cursor-increment", "1"}} << QByteArray(R"({"events":[{"id":5},{"id":8}]})")
        << HeaderList{} << "9";
    QTest::newRow("from the last id when ids are opaque")
        << QVariantMap{{"cursor-from", "last-id"}}
        << QByteArray(R"({"events":[{"id":"x1"},{"id":"x0"}]})") << HeaderList{} << "x0";
    QTest::newRow("max-id falls back to the last id for opaque ids")
        << QVariantMap{} << QByteArray(R"({"events":[{"id":"b"},{"id":"a"}]})") << HeaderList{}
        << "a";
    QTest::newRow("with custom field paths")
        << QVariantMap{{"events-path", "result.items"}, {"id-path", "meta.seq"}}
        << QByteArray(R"({"result":{"items":[{"meta":{"seq":3}},{"meta":{"seq":4}}]}})")
        << HeaderList{} << "4";
}

void tst_GenericJsonProfile::cursorSource()
{
    QFETCH(QVariantMap, knobs);
    QFETCH(QByteArray, body);
    QFETCH(HeaderList, headers);
    QFETCH(QString, next);

    auto profile = make(QStringLiteral("generic-json"), knobs);
    QVERIFY(profile);
    const PollResult result = profile->parse(response(200, body, headers), QStringLiteral("1"));
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(result.cursor, next);
}

void tst_GenericJsonProfile::ndjson()
{
    auto profile = make(QStringLiteral("generic-json"), {{"events-at", "ndjson"},
                                                         {"type-path", "event"},
                                                         {"skip-types", "open,keepalive"},
                                                         {"cursor-from", "last-id"}});
    QVERIFY(profile);
    const QByteArray body = "{\"id\":\"a\",\"event\":\"open\"}\n"
                            "{\"id\":\"b\",\"event\":\"message\",\"message\":\"one\"}\n"
                            "\n"
                            "{\"id\":\"c\",\"event\":\"keepalive\"}\n"
                            "{\"id\":\"d\",\"event\":\"message\",\"message\":\"two\"}\n";
    PollResult result = profile->parse(response(200, body), QString());
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(keys(result.events), (QStringList{"b", "d"}));
    QCOMPARE(result.cursor, QStringLiteral("d"));

    result = profile->parse(response(200, "{\"id\":\"e\"}\nnot json\n"), QStringLiteral("d"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY2(result.reason.contains(QLatin1String("Line 2")), qPrintable(result.reason));
    QCOMPARE(result.cursor, QStringLiteral("d"));
}

void tst_GenericJsonProfile::noNewsRules_data()
{
    QTest::addColumn<QString>("noNews");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Verdict>("verdict");

    QTest::newRow("408 is no news when asked") << "408" << 408 << QByteArray() << Verdict::NoNews;
    QTest::newRow("408 is a retry otherwise") << "304" << 408 << QByteArray() << Verdict::Retry;
    QTest::newRow("an empty body is a retry when not listed")
        << "304" << 200 << QByteArray() << Verdict::Retry;
    QTest::newRow("an unchanged cursor is no news when asked")
        << "unchanged" << 200 << QByteArray(R"({"events":[{"id":"x"}],"c":"1"})")
        << Verdict::NoNews;
}

void tst_GenericJsonProfile::noNewsRules()
{
    QFETCH(QString, noNews);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(Verdict, verdict);
    auto profile = make(QStringLiteral("generic-json"),
                        {{"no-news", noNews}, {"cursor-from", "body"}, {"cursor-from-name", "c"}});
    QVERIFY(profile);
    QCOMPARE(profile->parse(response(status, body), QStringLiteral("1")).verdict, verdict);
}

void tst_GenericJsonProfile::okEnvelope()
{
    auto profile =
        make(QStringLiteral("generic-json"), {{"events-path", "result"},
                                              {"ok-path", "ok"},
                                              {"error-text-path", "description"},
                                              {"retry-after-path", "parameters.retry_after"},
                                              {"id-path", "update_id"}});
    QVERIFY(profile);
    PollResult result = profile->parse(
        response(
            200,
            R"({"ok":false,"description":"Too Many Requests","parameters":{"retry_after":7}})"),
        QStringLiteral("3"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY(result.reason.contains(QLatin1String("Too Many Requests")));
    QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(7000)));

    result = profile->parse(
        response(
            429,
            R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}})"),
        QStringLiteral("3"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(3000)));

    result = profile->parse(response(200, R"({"ok":true,"result":[{"update_id":4}]})"),
                            QStringLiteral("3"));
    QCOMPARE(result.verdict, Verdict::Events);
}

void tst_GenericJsonProfile::knobErrors_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("an unknown profile") << "nope"
                                        << "http://a/" << QVariantMap{} << "Unknown profile";
    QTest::newRow("an unknown knob") << "generic-json"
                                     << "http://a/" << QVariantMap{{"colour", "red"}} << "colour";
    QTest::newRow("a bad JSON path")
        << "generic-json"
        << "http://a/" << QVariantMap{{"id-path", "a..b"}} << "id path";
    QTest::newRow("a bad cursor target")
        << "generic-json"
        << "http://a/" << QVariantMap{{"cursor-target", "sky"}} << "cursor-target";
    QTest::newRow("a URL without http") << "seed-events"
                                        << "ftp://a/x" << QVariantMap{} << "http";
    QTest::newRow("a body cursor with GET")
        << "generic-json"
        << "http://a/" << QVariantMap{{"cursor-target", "body"}} << "POST";
    QTest::newRow("a negative hold") << "generic-json"
                                     << "http://a/" << QVariantMap{{"hold", "-1"}} << "hold";
    QTest::newRow("a body that is not an object")
        << "generic-json"
        << "http://a/" << QVariantMap{{"method", "POST"}, {"body", "[1]"}} << "JSON object";
}

void tst_GenericJsonProfile::knobErrors()
{
    QFETCH(QString, profile);
    QFETCH(QString, url);
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, mentions);
    QStringList errors;
    QVERIFY(!createProfile(profile, QUrl(url), knobs, &errors));
    QVERIFY(!errors.isEmpty());
    QVERIFY2(errors.join(QLatin1Char(' ')).contains(mentions),
             qPrintable(errors.join(QLatin1Char('|'))));
}

QTEST_GUILESS_MAIN(tst_GenericJsonProfile)
#include "tst_genericjsonprofile.moc"
