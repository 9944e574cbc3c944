#include "common/profiletesting.h"
#include "fastjsonscanner.h"
#include "fuzz/fastscandiff.h"
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
    void everyDayOfSomeYearsReadsAsQDateHasIt();
    void seedQueue_data();
    void seedQueue();
    void cursorPlacement_data();
    void cursorPlacement();
    void pollUrlIsQUrlQuerysForAnyCursor();
    void cursorSource_data();
    void cursorSource();
    void ndjson();
    void noNewsRules_data();
    void noNewsRules();
    void okEnvelope();
    void knobErrors_data();
    void knobErrors();
    void fastScanMatchesQJsonDocument_data();
    void fastScanMatchesQJsonDocument();
    void fastScannerTakesOnlyWhatItUnderstands_data();
    void fastScannerTakesOnlyWhatItUnderstands();
    void fastScanIsOnForArrayFeedsOnly();
    void fastScanReadsTheUsualAnswers_data();
    void fastScanReadsTheUsualAnswers();

    // Wildcard events paths.
    void wildcardGathersEveryRoomsEventsInDocumentOrder();
    void wildcardMembersWithoutEventsAreNoEvents();
    void wildcardOverAnArrayKeepsNoIndex();
    void wildcardKeepsTheFastPathForOtherPaths();
    // Conditional requests.
    void conditionalRequestsSendTheValidatorsOfTheLastAnswerTaken();
    void conditionalRequestsAreOffByDefault();
    void a304IsNoNewsWhenAskedConditionally();
    void serverPaceHeaderPacesTheNextPoll();
    // The bootstrap request.
    void bootstrapFillsThePollRequest();
    void bootstrapAgainOnTheNamedError_data();
    void bootstrapAgainOnTheNamedError();
    void bootstrapAnswerWithoutItsValueIsRetried();
    // Streaming.
    void streamNdjsonReadsEachValueAsItArrives();
    void streamNdjsonLineCapHolds();
    void streamNdjsonBadLineEndsTheStreamAtTheCursor();
    void streamSseTakesJsonDataWithItsIdAndType();
    void streamSseNeedsAnEventStream();
    void streamBootstrapErrorInsideTheStream();
    void newKnobErrors_data();
    void newKnobErrors();
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
    QTest::newRow("not a leap year") << "2023-02-29T00:00:00Z" << QDateTime();
    QTest::newRow("a century without a leap day") << "2100-02-29T00:00:00Z" << QDateTime();
    QTest::newRow("a fourth century with one")
        << "2000-02-29T23:59:59.999Z"
        << QDateTime(QDate(2000, 2, 29), QTime(23, 59, 59, 999), Qt::UTC);
    QTest::newRow("before the epoch")
        << "1969-12-31T23:59:59.5Z"
        << QDateTime(QDate(1969, 12, 31), QTime(23, 59, 59, 500), Qt::UTC);
    QTest::newRow("the first year")
        << "0001-01-01T00:00:00Z" << QDateTime(QDate(1, 1, 1), QTime(0, 0), Qt::UTC);
    QTest::newRow("the last day") << "9999-12-31T23:59:59Z"
                                  << QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59), Qt::UTC);
    QTest::newRow("no month 13") << "2026-13-01T00:00:00Z" << QDateTime();
    QTest::newRow("no day 31 in April") << "2026-04-31T00:00:00Z" << QDateTime();
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

void tst_GenericJsonProfile::everyDayOfSomeYearsReadsAsQDateHasIt()
{
    // The usual "...Z" times are read by hand, not by QDate: every day of
    // years around the calendar's rules, and days 29 to 31 of every month,
    // through both parse paths, against QDate and QDateTime.
    for (const int year : {1, 4, 100, 399, 400, 1582, 1600, 1900, 1969, 1970, 1972, 2000, 2024,
                           2026, 2100, 2400, 9999}) {
        QByteArray body = "{\"events\":[";
        QList<QDateTime> expected;
        for (int month = 1; month <= 12; ++month) {
            for (int day = 1; day <= 31; ++day) {
                const QByteArray time = QByteArray::number(year).rightJustified(4, '0') + '-' +
                                        QByteArray::number(month).rightJustified(2, '0') + '-' +
                                        QByteArray::number(day).rightJustified(2, '0') +
                                        "T13:14:15.678Z";
                if (!expected.isEmpty())
                    body += ',';
                body += "{\"id\":" + QByteArray::number(expected.size() + 1) + ",\"time\":\"" +
                        time + "\"}";
                const QDate date(year, month, day);
                expected << (date.isValid() ? QDateTime(date, QTime(13, 14, 15, 678), Qt::UTC)
                                            : QDateTime());
            }
        }
        body += "]}";
        for (const bool fast : {true, false}) {
            auto profile = make(QStringLiteral("seed-events"));
            static_cast<GenericJsonProfile *>(profile.get())->setFastScanEnabled(fast);
            const PollResult result = profile->parse(response(200, body), QStringLiteral("0"));
            QCOMPARE(result.events.size(), expected.size());
            for (qsizetype i = 0; i < expected.size(); ++i) {
                const QDateTime &time = result.events.at(i).time;
                QVERIFY2(time == expected.at(i),
                         qPrintable(QStringLiteral("%1 (fast scan %2): %3, expected %4")
                                        .arg(year)
                                        .arg(fast)
                                        .arg(time.toString(Qt::ISODateWithMs),
                                             expected.at(i).toString(Qt::ISODateWithMs))));
            }
        }
    }
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

// request() splices most cursors into a query made once (pollUrl()); the
// URL must be the one QUrlQuery makes for every poll, as it was before
// (cursor: removed and added at the end; then the hold parameter).
void tst_GenericJsonProfile::pollUrlIsQUrlQuerysForAnyCursor()
{
    const QStringList urls = {
        QStringLiteral("http://127.0.0.1:8080/feeds/x/poll"),
        QStringLiteral("http://h/poll?last_id=5&wait=3"),
        QStringLiteral("http://h/poll?a=1&b=x%20y&c=%26&d=caf%C3%A9&e=ü"),
        QStringLiteral("http://h/poll?a=b+c&last_id=&x&&y=%25"),
        QStringLiteral("http://h/poll?q=a%2Bb;c&%7Bk%7D=v#fragment"),
        QStringLiteral("http://h/poll?"),
        QStringLiteral("http://h/poll?LongwatchCursorPlaceholder=1"),
        QStringLiteral("http://user@h/p%20ath/?since=1&since=2"),
    };
    const QStringList cursors = {
        QString(),
        QStringLiteral("0"),
        QStringLiteral("1234567890123"),
        QStringLiteral("abc-DEF_1.2~"),
        QStringLiteral("a b"),
        QStringLiteral("x&y=z"),
        QStringLiteral("ümlaut"),
        QStringLiteral("%41+/?#"),
        QStringLiteral("LongwatchCursorPlaceholder"),
    };
    const QList<QVariantMap> knobSets = {
        {},
        {{"hold-param", "wait"}, {"hold-unit", "go"}, {"hold", "30"}},
        {{"cursor-name", "since"}, {"hold-param", "timeout"}, {"hold-unit", "ms"}},
        {{"cursor-name", "c d"}, {"hold-param", "wait"}},
        {{"cursor-name", "wait"}, {"hold-param", "wait"}},
    };
    int compared = 0;
    for (const QString &url : urls) {
        for (const QVariantMap &knobs : knobSets) {
            auto profile = make(QStringLiteral("generic-json"), knobs, url);
            QVERIFY2(profile, qPrintable(url));
            const auto *generic = dynamic_cast<const GenericJsonProfile *>(profile.get());
            QVERIFY(generic);
            const GenericJsonOptions &options = generic->options();
            for (const QString &cursor : cursors) {
                QUrl expected = options.url;
                QUrlQuery query(expected);
                if (!cursor.isEmpty()) {
                    query.removeAllQueryItems(options.cursorName);
                    query.addQueryItem(options.cursorName,
                                       QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
                }
                if (!options.holdParam.isEmpty()) {
                    query.removeAllQueryItems(options.holdParam);
                    query.addQueryItem(options.holdParam,
                                       formatHoldTime(options.holdTime, options.holdUnit));
                }
                expected.setQuery(query);
                const QUrl made = profile->request(cursor).url;
                const QString where = url + QLatin1String(" cursor ") + cursor;
                QVERIFY2(made == expected,
                         qPrintable(where + QLatin1String(": ") + made.toString() +
                                    QLatin1String(" != ") + expected.toString()));
                QVERIFY2(made.toEncoded() == expected.toEncoded(), qPrintable(where));
                ++compared;
            }
        }
    }
    QCOMPARE(compared, urls.size() * knobSets.size() * cursors.size());
    // The splice is what the usual URLs get; the odd ones take QUrlQuery.
    const auto splices = [](const QString &url, const QVariantMap &knobs = {}) {
        auto profile = make(QStringLiteral("generic-json"), knobs, url);
        const auto *generic = dynamic_cast<const GenericJsonProfile *>(profile.get());
        return generic && generic->splicesCursorIntoQuery();
    };
    QVERIFY(splices(urls.at(0)));
    QVERIFY(splices(urls.at(1), knobSets.at(1)));
    QVERIFY(!splices(urls.at(4)));                 // "{k}": QUrl keeps it either way
    QVERIFY(!splices(urls.at(6)));                 // the placeholder is in the URL
    QVERIFY(!splices(urls.at(0), knobSets.at(4))); // the hold parameter takes the cursor's name
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

namespace {

/// Bodies for the fast scan's differential test: the usual shape, and every
/// kind of thing it must decline (each then parsed by QJsonDocument).
void addBodies()
{
    QTest::addColumn<QByteArray>("body");
    const auto row = [](const char *name, const QByteArray &body) { QTest::newRow(name) << body; };
    row("the usual answer",
        R"({"events":[{"id":6,"type":"job.finished","message":"Build #6 ok","time":"2026-11-22T20:31:41.123456Z"},{"id":7,"type":"job.started","message":"Build #7","time":"2026-11-22T20:31:42Z"}],"cursor":"7"})");
    row("no events", R"({"events":[]})");
    row("heartbeat whitespace, pretty-printed events",
        "\n \r\n{ \"events\" : [\n  {\"id\": 6, \"type\": \"a\"},\n  {\"id\":7}\n] , \"cursor\" : "
        "9 }\n");
    row("whitespace only between elements", "{\"events\":[ {\"id\":6} ,\n {\"id\":7} ]}");
    row("escapes in strings",
        R"({"events":[{"id":"6","message":"a\"b\\c\/d\b\f\n\r\t \u00e9\u20ac\uFFFF end","type":"t\u0041"}]})");
    row("UTF-8 in strings",
        "{\"events\":[{\"id\":6,\"message\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\","
        "\"type\":\"\xe2\x9c\x93\"}]}");
    row("missing, null and boolean fields",
        R"({"events":[{"id":6},{"id":7,"type":null,"message":true,"time":false},{"type":"x"}]})");
    row("empty strings", R"({"events":[{"id":"","type":"","message":"","time":""}],"cursor":""})");
    row("ids as strings, negative, zero",
        R"({"events":[{"id":"6"},{"id":-3},{"id":-0},{"id":0}]})");
    row("ids of 18, 19 and 20 digits",
        R"({"events":[{"id":123456789012345678},{"id":1234567890123456789},{"id":12345678901234567890}]})");
    row("ids that are not integers",
        R"({"events":[{"id":1.5},{"id":2.0},{"id":1e2},{"id":-1E-2},{"id":0.000}]})");
    row("ids that are objects or arrays", R"({"events":[{"id":{"b":1,"a":2}},{"id":[1,"x"]}]})");
    row("times in every form",
        R"({"events":[{"id":1,"time":"2026-11-22T10:00:05Z"},{"id":2,"time":"2026-11-22T10:00:05.1Z"},{"id":3,"time":"2026-11-22T11:00:05+01:00"},{"id":4,"time":"Sun, 22 Nov 2026 10:00:05 +0000"},{"id":5,"time":"soon"},{"id":6,"time":"2026-02-30T10:00:05Z"},{"id":7,"time":"0000-01-01T00:00:00Z"},{"id":8,"time":"2026-11-22 10:00:05Z"}]})");
    row("times as numbers",
        R"({"events":[{"id":1,"time":1700000000},{"id":2,"time":1700000000123},{"id":3,"time":1.5e9},{"id":4,"time":-5},{"id":5,"time":1.7e86},{"id":6,"time":1700000000.5},{"id":7,"time":123456789012345678901}]})");
    row("an escaped time", R"({"events":[{"id":1,"time":"2026-11-22T10:00:05\u005a"}]})");
    row("noise types",
        R"({"events":[{"id":1,"type":"keepalive"},{"id":2,"type":"open"},{"id":3,"type":"ping"},{"id":4,"type":"x"}]})");
    row("nested fields",
        R"({"data":{"items":[{"meta":{"id":7,"at":"2026-11-22T10:00:05Z"},"kind":"k","body":{"text":"hi"}},{"meta":{"id":8},"body":"flat"}],"next":"n8"}})");
    row("nested fields that are not objects",
        R"({"data":{"items":[{"meta":5,"body":[1]}],"next":null}})");
    row("telegram-like updates",
        R"({"ok":true,"result":[{"update_id":10,"type":"message"},{"update_id":11}]})");
    row("an envelope without ok", R"({"result":[{"update_id":10}]})");
    row("an envelope that is not ok",
        R"({"ok":false,"description":"Too Many Requests","parameters":{"retry_after":7},"result":[]})");
    row("an envelope with ok not a boolean", R"({"ok":"true","result":[{"update_id":10}]})");
    row("an envelope with ok null", R"({"ok":null,"result":[{"update_id":10}]})");
    row("events null", R"({"events":null,"cursor":"3"})");
    row("events missing", R"({"evnts":[],"cursor":"3"})");
    row("events an object", R"({"events":{"id":6}})");
    row("events a string", R"({"events":"6"})");
    row("cursor a string", R"({"events":[{"id":6}],"cursor":"abc"})");
    row("cursor a number", R"({"events":[{"id":6}],"cursor":12})");
    row("cursor a fraction", R"({"events":[{"id":6}],"cursor":1.5})");
    row("cursor null", R"({"events":[{"id":6}],"cursor":null})");
    row("cursor true", R"({"events":[{"id":6}],"cursor":true})");
    row("cursor an object", R"({"events":[{"id":6}],"cursor":{"b":1,"a":[2]}})");
    row("cursor empty", R"({"events":[],"cursor":""})");
    row("a top-level array", R"([{"id":"a"},{"id":"b","type":"x"}])");
    row("an empty top-level array", "[]");
    row("a repeated member at the top", R"({"events":[{"id":9}],"events":[{"id":1},{"id":2}]})");
    row("a repeated member in an event", R"({"events":[{"id":1,"id":2}]})");
    row("a repeated member deeper", R"({"events":[{"id":1,"x":{"a":1,"a":2}}]})");
    row("an escaped member name", R"({"ev\u0065nts":[{"id":1}]})");
    row("an escaped field name", R"({"events":[{"i\u0064":5}]})");
    row("a byte order mark", "\xef\xbb\xbf{\"events\":[{\"id\":1}]}");
    row("garbage after the document", R"({"events":[]} x)");
    row("two documents", R"({"events":[]}{"events":[]})");
    row("a trailing comma in the array", R"({"events":[{"id":1},]})");
    row("a trailing comma in an object", R"({"events":[{"id":1,}]})");
    row("a missing comma", R"({"events":[{"id":1}{"id":2}]})");
    row("a missing colon", R"({"events":[{"id" 1}]})");
    row("unterminated", R"({"events":[{"id":6)");
    row("unterminated string", R"({"events":[{"id":"6)");
    row("a leading zero", R"({"events":[{"id":01}]})");
    row("a lone minus", R"({"events":[{"id":-}]})");
    row("a bare decimal point", R"({"events":[{"id":1.}]})");
    row("no integer part", R"({"events":[{"id":.5}]})");
    row("an empty exponent", R"({"events":[{"id":1e}]})");
    row("a huge exponent", R"({"events":[{"id":1,"x":1e999}]})");
    row("a number of 25 digits", R"({"events":[{"id":1,"x":1234567890123456789012345}]})");
    row("a number at the very end", "[1");
    row("a raw tab in a string", "{\"events\":[{\"id\":1,\"message\":\"a\tb\"}]}");
    row("a raw newline in a string", "{\"events\":[{\"id\":1,\"message\":\"a\nb\"}]}");
    row("a form feed as whitespace", "{\"events\":[{\"id\":1}]\f}");
    row("an invalid UTF-8 byte", "{\"events\":[{\"id\":1,\"message\":\"a\xff\"}]}");
    row("an overlong UTF-8 sequence", "{\"events\":[{\"id\":1,\"message\":\"\xc0\xaf\"}]}");
    row("a UTF-8 surrogate", "{\"events\":[{\"id\":1,\"message\":\"\xed\xa0\x80\"}]}");
    row("a UTF-8 noncharacter", "{\"events\":[{\"id\":1,\"message\":\"\xef\xbf\xbe\"}]}");
    row("a byte order mark in a string", "{\"events\":[{\"id\":1,\"message\":\"\xef\xbb\xbfx\"}]}");
    row("a truncated UTF-8 sequence", "{\"events\":[{\"id\":1,\"message\":\"\xe2\x82\"}]}");
    row("beyond U+10FFFF", "{\"events\":[{\"id\":1,\"message\":\"\xf4\x90\x80\x80\"}]}");
    row("an unknown escape", R"({"events":[{"id":1,"message":"a\xb"}]})");
    row("an escaped NUL", R"({"events":[{"id":1,"message":"a\u0000b"}]})");
    row("an escaped surrogate pair", R"({"events":[{"id":1,"message":"\ud83d\ude00"}]})");
    row("a lone escaped surrogate", R"({"events":[{"id":1,"message":"\ud800"}]})");
    row("a short \\u escape", R"({"events":[{"id":1,"message":"\u12"}]})");
    row("a top-level number", "5");
    row("a top-level string", R"("s")");
    row("truncated literals", R"({"events":[{"id":1,"a":tru}]})");
    row("misspelt literals", R"({"events":[{"id":1,"a":nul}]})");
    row("elements that are not objects", R"({"events":[1,"s",null,true,[1],{"id":2}]})");
    QByteArray deep = R"({"events":[{"id":1,"x":)";
    deep += QByteArray(70, '[') + QByteArray(70, ']') + "}]}";
    row("nesting deeper than the scanner goes", deep);
    QByteArray shallow = R"({"events":[{"id":1,"x":)";
    shallow += QByteArray(40, '[') + QByteArray(40, ']') + "}]}";
    row("nesting the scanner takes", shallow);
    QByteArray wide = R"({"events":[{"id":1)";
    for (int i = 0; i < 70; ++i)
        wide += ",\"k" + QByteArray::number(i) + "\":" + QByteArray::number(i);
    row("an event with 70 members", wide + "}]}");
    QByteArray longText = R"({"events":[{"id":1,"message":")";
    for (int i = 0; i < 40; ++i)
        longText += "0123456789abcdef\\\"\xc3\xa9 ";
    row("a long string with escapes and UTF-8 at every offset", longText + "\"}]}");
}

} // namespace

void tst_GenericJsonProfile::fastScanMatchesQJsonDocument_data()
{
    addBodies();
}

void tst_GenericJsonProfile::fastScanMatchesQJsonDocument()
{
    QFETCH(QByteArray, body);
    const QList<GenericJsonOptions> sets = FastScanDiff::optionSets();
    for (qsizetype i = 0; i < sets.size(); ++i) {
        for (const QString &cursor : FastScanDiff::cursors()) {
            const QString why = FastScanDiff::compare(sets.at(i), body, cursor);
            QVERIFY2(why.isEmpty(), qPrintable(QStringLiteral("option set %1, cursor %2: %3")
                                                   .arg(i)
                                                   .arg(FastScanDiff::describe(cursor), why)));
        }
    }
}

void tst_GenericJsonProfile::fastScannerTakesOnlyWhatItUnderstands_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("taken");
    QTest::addColumn<int>("elements");

    QTest::newRow("the usual answer")
        << QByteArray(
               R"({"events":[{"id":6,"type":"a","message":"m","time":"2026-11-22T20:31:41Z"},{"id":7}]})")
        << true << 2;
    QTest::newRow("pretty-printed")
        << QByteArray("{\n \"events\": [\n  {\"id\": 6}\n ]\n}\n") << true << 1;
    QTest::newRow("escapes and UTF-8")
        << QByteArray("{\"events\":[{\"id\":6,\"message\":\"\\\"\\u00e9\xc3\xa9\"}]}") << true << 1;
    QTest::newRow("no events array") << QByteArray(R"({"other":1})") << true << 0;
    QTest::newRow("invalid JSON") << QByteArray(R"({"events":[{"id":6})") << false << 0;
    QTest::newRow("a repeated member")
        << QByteArray(R"({"events":[{"id":6,"id":7}]})") << false << 0;
    QTest::newRow("an escaped member name")
        << QByteArray(R"({"events":[{"\u0069d":6}]})") << false << 0;
    QTest::newRow("a raw control character")
        << QByteArray("{\"events\":[{\"id\":6,\"message\":\"\x01\"}]}") << false << 0;
    QTest::newRow("an element that is not an object")
        << QByteArray(R"({"events":[6]})") << false << 0;
}

void tst_GenericJsonProfile::fastScannerTakesOnlyWhatItUnderstands()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, taken);
    QFETCH(int, elements);
    FastJsonScanner::Plan plan;
    plan.eventsPath = {"events"};
    plan.fieldPaths = {FastJsonScanner::Path{"id"}, FastJsonScanner::Path{"type"},
                       FastJsonScanner::Path{"message"}, FastJsonScanner::Path{"time"}};
    int seen = 0;
    FastJsonScanner::Found found;
    const bool ok = FastJsonScanner::scan(
        body, plan, [&](const FastJsonScanner::Element &) { return ++seen > 0; }, &found);
    QCOMPARE(ok, taken);
    if (taken) {
        QCOMPARE(seen, elements);
        // Whatever the scanner takes, QJsonDocument takes too.
        QJsonParseError error;
        QJsonDocument::fromJson(body, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
    }
}

void tst_GenericJsonProfile::fastScanIsOnForArrayFeedsOnly()
{
    const QUrl url(QStringLiteral("http://feed.test/poll"));
    QVERIFY(GenericJsonProfile(GenericJsonProfile::seedEventsOptions(url)).canFastScan());
    for (const GenericJsonOptions &options : FastScanDiff::optionSets())
        QVERIFY(GenericJsonProfile(options).canFastScan());

    // A single event, lines of JSON, array indices and paths that are the
    // event itself go through QJsonDocument.
    QVERIFY(!GenericJsonProfile(GenericJsonProfile::seedQueueOptions(url)).canFastScan());
    GenericJsonOptions options = GenericJsonProfile::seedEventsOptions(url);
    options.eventsAt = GenericJsonOptions::EventsAt::NdjsonLines;
    QVERIFY(!GenericJsonProfile(options).canFastScan());
    options = GenericJsonProfile::seedEventsOptions(url);
    options.okPath = QStringLiteral("ok[0]");
    QVERIFY(!GenericJsonProfile(options).canFastScan());
    options = GenericJsonProfile::seedEventsOptions(url);
    options.eventsPath = QStringLiteral("data[0].events");
    QVERIFY(!GenericJsonProfile(options).canFastScan());
    options = GenericJsonProfile::seedEventsOptions(url);
    options.textPath.clear();
    QVERIFY(!GenericJsonProfile(options).canFastScan());
}

void tst_GenericJsonProfile::fastScanReadsTheUsualAnswers_data()
{
    QTest::addColumn<int>("optionSet");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("fast");

    QTest::newRow("seed-events")
        << 0
        << QByteArray(
               R"({"events":[{"id":6,"type":"job.finished","message":"Build #6 ok","time":"2026-11-22T20:31:41.123456Z"}]})")
        << true;
    QTest::newRow("seed-events, pretty-printed")
        << 0
        << QByteArray(
               "{\n  \"events\": [\n    {\"id\": 6, \"message\": \"a\\nb \xc3\xa9\"}\n  ]\n}\n")
        << true;
    QTest::newRow("seed-events, no news") << 0 << QByteArray(R"({"events":[]})") << true;
    QTest::newRow("a cursor in the body, noise types")
        << 1 << QByteArray(R"({"events":[{"id":6,"type":"keepalive"},{"id":7}],"cursor":"c7"})")
        << true;
    QTest::newRow("events null") << 0 << QByteArray(R"({"events":null})") << true;
    QTest::newRow("events null where that is an error")
        << 1 << QByteArray(R"({"events":null,"cursor":"c7"})") << false;
    QTest::newRow("nested paths")
        << 2 << QByteArray(R"({"data":{"items":[{"meta":{"id":7},"kind":"k"}],"next":"n8"}})")
        << true;
    QTest::newRow("a top-level array") << 3 << QByteArray(R"([{"id":"a"},{"id":"b"}])") << true;
    QTest::newRow("an ok envelope")
        << 4 << QByteArray(R"({"ok":true,"result":[{"update_id":10,"type":"message"}]})") << true;
    QTest::newRow("an envelope that is not ok")
        << 4 << QByteArray(R"({"ok":false,"description":"Too Many Requests"})") << false;
    QTest::newRow("not JSON") << 0 << QByteArray("<html>oops</html>") << false;
    QTest::newRow("no events field") << 0 << QByteArray(R"({"evnts":[]})") << false;
    QTest::newRow("an id that is an object")
        << 0 << QByteArray(R"({"events":[{"id":{"a":1}}]})") << false;
}

void tst_GenericJsonProfile::fastScanReadsTheUsualAnswers()
{
    QFETCH(int, optionSet);
    QFETCH(QByteArray, body);
    QFETCH(bool, fast);
    GenericJsonProfile profile(FastScanDiff::optionSets().at(optionSet));
    const PollResult result = profile.parse(response(200, body), QStringLiteral("0"));
    QCOMPARE(profile.fastScanCount(), fast ? 1 : 0);
    if (fast)
        QVERIFY(result.verdict == Verdict::Events || result.verdict == Verdict::NoNews);
    QCOMPARE(
        FastScanDiff::compare(FastScanDiff::optionSets().at(optionSet), body, QStringLiteral("0")),
        QString());
}

// --- Wildcard events paths ---------------------------------------------------

namespace {

QStringList texts(const EventList &events)
{
    QStringList result;
    for (const Event &e : events)
        result << e.text;
    return result;
}

QByteArray headerOf(const PollRequest &request, QByteArrayView name)
{
    for (const auto &[key, value] : request.headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

/// A Matrix-like /sync answer (spec.matrix.org/v1.8/client-server-api/#get_matrixclientv3sync):
/// events under every joined room's timeline, rooms not in name order.
const QByteArray kSync =
    R"({"next_batch":"s72595_4483_1934","rooms":{"join":{)"
    R"("!zeta:example.org":{"timeline":{"events":[)"
    R"({"event_id":"$z1","type":"m.room.message","content":{"body":"zed one"}},)"
    R"({"event_id":"$z2","type":"m.room.message","content":{"body":"zed two"}}],"limited":false}},)"
    R"("!alpha:example.org":{"timeline":{"events":[)"
    R"({"event_id":"$a1","type":"m.room.message","content":{"body":"alpha"}}]}},)"
    R"("!quiet:example.org":{"state":{"events":[]}}}}})";

QVariantMap syncKnobs()
{
    return {{"events-path", "rooms.join.*.timeline.events"},
            {"id-path", "event_id"},
            {"text-path", "content.body"},
            {"cursor-target", "query"},
            {"cursor-name", "since"},
            {"initial-cursor", ""},
            {"cursor-from", "body"},
            {"cursor-from-name", "next_batch"}};
}

} // namespace

void tst_GenericJsonProfile::wildcardGathersEveryRoomsEventsInDocumentOrder()
{
    auto profile = make(QStringLiteral("generic-json"), syncKnobs());
    QVERIFY(profile);
    const PollResult result = profile->parse(response(200, kSync), QString());
    QCOMPARE(result.verdict, Verdict::Events);
    // The room "!zeta" comes first in the answer; QJsonObject would sort it last.
    QCOMPARE(keys(result.events), (QStringList{"$z1", "$z2", "$a1"}));
    // The room's id is in front of the text.
    QCOMPARE(texts(result.events),
             (QStringList{"[!zeta:example.org] zed one", "[!zeta:example.org] zed two",
                          "[!alpha:example.org] alpha"}));
    QCOMPARE(result.events.first().type, QStringLiteral("m.room.message"));
    // The raw JSON is the event's own, without the room.
    QCOMPARE(QJsonDocument::fromJson(result.events.last().raw).object().value("event_id"),
             QJsonValue("$a1"));
    QCOMPARE(result.cursor, QStringLiteral("s72595_4483_1934"));
}

void tst_GenericJsonProfile::wildcardMembersWithoutEventsAreNoEvents()
{
    auto profile = make(QStringLiteral("generic-json"), syncKnobs());
    QVERIFY(profile);
    // No joined room at all, or rooms without a timeline: no news, the cursor moves.
    PollResult result =
        profile->parse(response(200, R"({"next_batch":"s2","rooms":{}})"), QStringLiteral("s1"));
    QCOMPARE(result.verdict, Verdict::NoNews);
    QCOMPARE(result.cursor, QStringLiteral("s2"));
    result = profile->parse(
        response(200,
                 R"({"next_batch":"s3","rooms":{"join":{"!a":{"timeline":{"events":null}}}}})"),
        QStringLiteral("s2"));
    QCOMPARE(result.verdict, Verdict::NoNews);
    // A value where an array should be is the server's error, named with its room.
    result = profile->parse(
        response(200, R"({"next_batch":"s4","rooms":{"join":{"!a":{"timeline":{"events":7}}}}})"),
        QStringLiteral("s3"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY(result.malformed);
    QVERIFY2(result.reason.contains(QLatin1String("!a")), qPrintable(result.reason));
    QCOMPARE(result.cursor, QStringLiteral("s3"));
}

void tst_GenericJsonProfile::wildcardOverAnArrayKeepsNoIndex()
{
    // Every element of an array, in order; an index names nothing that
    // lasts, so the text stays as it is. Whole: each match is one event.
    auto profile = make(QStringLiteral("generic-json"),
                        {{"events-path", "pages[*].items"}, {"cursor-from", "last-id"}});
    QVERIFY(profile);
    PollResult result = profile->parse(
        response(200, R"({"pages":[{"items":[{"id":"a","message":"x"}]},{"items":[{"id":"b"}]}]})"),
        QString());
    QCOMPARE(keys(result.events), (QStringList{"a", "b"}));
    QCOMPARE(texts(result.events), (QStringList{"x", ""}));
    QCOMPARE(result.cursor, QStringLiteral("b"));

    profile = make(QStringLiteral("generic-json"),
                   {{"events-at", "whole"}, {"events-path", "jobs.*"}, {"cursor-from", "none"}});
    QVERIFY(profile);
    result = profile->parse(
        response(200, R"({"jobs":{"build":{"id":"1","message":"ok"},"deploy":{"id":"2"}}})"),
        QString());
    QCOMPARE(keys(result.events), (QStringList{"1", "2"}));
    QCOMPARE(texts(result.events), (QStringList{"[build] ok", "[deploy]"}));
}

void tst_GenericJsonProfile::wildcardKeepsTheFastPathForOtherPaths()
{
    const QUrl url(QStringLiteral("http://feed.test/poll"));
    GenericJsonOptions options = GenericJsonProfile::seedEventsOptions(url);
    QVERIFY(GenericJsonProfile(options).canFastScan());
    options.eventsPath = QStringLiteral("rooms.*.events");
    GenericJsonProfile wild(options);
    QVERIFY(!wild.canFastScan());
    const PollResult result =
        wild.parse(response(200, R"({"rooms":{"r":{"events":[{"id":3}]}}})"), QStringLiteral("0"));
    QCOMPARE(keys(result.events), QStringList{"3"});
    QCOMPARE(wild.fastScanCount(), 0);
}

// --- Conditional requests ----------------------------------------------------

void tst_GenericJsonProfile::conditionalRequestsSendTheValidatorsOfTheLastAnswerTaken()
{
    auto profile = make(QStringLiteral("generic-json"), {{"conditional", "yes"}});
    QVERIFY(profile);
    QCOMPARE(headerOf(profile->request(QStringLiteral("0")), "If-None-Match"), QByteArray());

    const HeaderList validators{{"ETag", "W/\"v1\""},
                                {"Last-Modified", "Sun, 22 Nov 2026 10:00:00 GMT"}};
    PollResult result =
        profile->parse(response(200, R"({"events":[{"id":5}]})", validators), QStringLiteral("0"));
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(result.cursor, QStringLiteral("5"));
    // From the cursor that answer gave: "only if it changed".
    PollRequest request = profile->request(QStringLiteral("5"));
    QCOMPARE(headerOf(request, "If-None-Match"), QByteArray("W/\"v1\""));
    QCOMPARE(headerOf(request, "If-Modified-Since"), QByteArray("Sun, 22 Nov 2026 10:00:00 GMT"));
    // From the old cursor (the channel did not take those events): in full.
    request = profile->request(QStringLiteral("0"));
    QCOMPARE(headerOf(request, "If-None-Match"), QByteArray());
    QCOMPARE(headerOf(request, "If-Modified-Since"), QByteArray());

    // An answer of no news is: nothing in it to lose.
    result = profile->parse(response(200, R"({"events":[{"id":4}]})", {{"ETag", "\"v3\""}}),
                            QStringLiteral("5"));
    QCOMPARE(result.verdict, Verdict::NoNews);
    QCOMPARE(headerOf(profile->request(QStringLiteral("5")), "If-None-Match"),
             QByteArray("\"v3\""));
    // A start forgets them.
    profile->reset();
    QCOMPARE(headerOf(profile->request(QStringLiteral("5")), "If-None-Match"), QByteArray());

    // An answer whose events do not move the cursor is not known to be
    // taken: its validators are not kept (those of before stay).
    profile =
        make(QStringLiteral("generic-json"), {{"conditional", "yes"}, {"cursor-from", "none"}});
    QVERIFY(profile);
    result = profile->parse(response(200, R"({"events":[]})", {{"ETag", "\"v1\""}}),
                            QStringLiteral("c"));
    QCOMPARE(result.verdict, Verdict::NoNews);
    QCOMPARE(headerOf(profile->request(QStringLiteral("c")), "If-None-Match"),
             QByteArray("\"v1\""));
    result = profile->parse(response(200, R"({"events":[{"id":1}]})", {{"ETag", "\"v2\""}}),
                            QStringLiteral("c"));
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(headerOf(profile->request(QStringLiteral("c")), "If-None-Match"),
             QByteArray("\"v1\""));
}

void tst_GenericJsonProfile::conditionalRequestsAreOffByDefault()
{
    auto profile = make(QStringLiteral("generic-json"));
    QVERIFY(profile);
    profile->parse(response(200, R"({"events":[{"id":5}]})", {{"ETag", "\"v1\""}}),
                   QStringLiteral("0"));
    QCOMPARE(headerOf(profile->request(QStringLiteral("5")), "If-None-Match"), QByteArray());
}

void tst_GenericJsonProfile::a304IsNoNewsWhenAskedConditionally()
{
    auto profile = make(QStringLiteral("generic-json"), {{"conditional", "yes"}});
    QVERIFY(profile);
    profile->parse(response(200, R"({"events":[{"id":8}]})", {{"ETag", "\"v8\""}}),
                   QStringLiteral("7"));
    QCOMPARE(headerOf(profile->request(QStringLiteral("8")), "If-None-Match"),
             QByteArray("\"v8\""));
    const PollResult result = profile->parse(response(304, {}), QStringLiteral("8"));
    QCOMPARE(result.verdict, Verdict::NoNews);
    QCOMPARE(result.cursor, QStringLiteral("8"));
    // The validators stay for the next poll.
    QCOMPARE(headerOf(profile->request(QStringLiteral("8")), "If-None-Match"),
             QByteArray("\"v8\""));
}

void tst_GenericJsonProfile::serverPaceHeaderPacesTheNextPoll()
{
    // GitHub's events API says how often to ask (X-Poll-Interval, seconds).
    auto profile =
        make(QStringLiteral("generic-json"), {{"poll-interval", "2"},
                                              {"poll-interval-header", "X-Poll-Interval"},
                                              {"conditional", "yes"}});
    QVERIFY(profile);
    QCOMPARE(profile->minimumPollInterval(), 2000ms);
    profile->parse(response(304, {}, {{"x-poll-interval", "60"}}), QStringLiteral("1"));
    QCOMPARE(profile->minimumPollInterval(), 60'000ms);
    // Each answer sets it: a shorter one than the knob's is the knob's.
    profile->parse(response(200, R"({"events":[]})", {{"X-Poll-Interval", "1"}}),
                   QStringLiteral("1"));
    QCOMPARE(profile->minimumPollInterval(), 2000ms);
    profile->parse(response(200, R"({"events":[]})", {{"X-Poll-Interval", "90"}}),
                   QStringLiteral("1"));
    QCOMPARE(profile->minimumPollInterval(), 90'000ms);
    // An answer without it, or with nonsense, goes back to the knob's.
    profile->parse(response(200, R"({"events":[]})"), QStringLiteral("1"));
    QCOMPARE(profile->minimumPollInterval(), 2000ms);
    profile->parse(response(200, R"({"events":[]})", {{"X-Poll-Interval", "-5"}}),
                   QStringLiteral("1"));
    QCOMPARE(profile->minimumPollInterval(), 2000ms);
    // At most an hour.
    profile->parse(response(200, R"({"events":[]})", {{"X-Poll-Interval", "86400"}}),
                   QStringLiteral("1"));
    QCOMPARE(profile->minimumPollInterval(), std::chrono::milliseconds(3'600'000));
}

// --- The bootstrap request ---------------------------------------------------

namespace {

/// Zulip's event queue (zulip.com/api/register-queue, zulip.com/api/get-events):
/// POST /api/v1/register, then GET /api/v1/events?queue_id=...&last_event_id=...
QVariantMap zulipKnobs()
{
    return {{"bootstrap-url", "/api/v1/register"},
            {"bootstrap-method", "POST"},
            {"bootstrap-values", "queue_id=queue_id"},
            {"bootstrap-again-on", "400, code=BAD_EVENT_QUEUE_ID"},
            {"cursor-name", "last_event_id"},
            {"initial-cursor", "-1"},
            {"skip-types", "heartbeat"},
            {"text-path", "message.content"}};
}

const char kZulipUrl[] = "https://zulip.test/api/v1/events?queue_id=${bootstrap:queue_id}";

const QByteArray kRegistered =
    R"({"last_event_id":-1,"msg":"","queue_id":"fb67bf8a-c031-47cc-84cf-ed80accacda8",)"
    R"("result":"success","zulip_feature_level":2})";

const QByteArray kBadQueue =
    R"({"code":"BAD_EVENT_QUEUE_ID","msg":"Bad event queue ID: fb67bf8a-c031-47cc-84cf-ed80accacda8",)"
    R"("queue_id":"fb67bf8a-c031-47cc-84cf-ed80accacda8","result":"error"})";

} // namespace

void tst_GenericJsonProfile::bootstrapFillsThePollRequest()
{
    auto profile = make(QStringLiteral("generic-json"), zulipKnobs(), kZulipUrl);
    QVERIFY(profile);
    profile->reset();
    // While it has no values, request() is the bootstrap request.
    PollRequest request = profile->request(QStringLiteral("-1"));
    QCOMPARE(request.url, QUrl("https://zulip.test/api/v1/register"));
    QCOMPARE(request.method, QByteArray("POST"));
    // Its answer is no news, and leaves the cursor where it was.
    PollResult result = profile->parse(response(200, kRegistered), QStringLiteral("-1"));
    QCOMPARE(result.verdict, Verdict::NoNews);
    QCOMPARE(result.cursor, QStringLiteral("-1"));
    QVERIFY(result.events.isEmpty());

    request = profile->request(QStringLiteral("-1"));
    QCOMPARE(request.method, QByteArray("GET"));
    const QUrlQuery query(request.url);
    QCOMPARE(request.url.path(), QStringLiteral("/api/v1/events"));
    QCOMPARE(query.queryItemValue("queue_id"),
             QStringLiteral("fb67bf8a-c031-47cc-84cf-ed80accacda8"));
    QCOMPARE(query.queryItemValue("last_event_id"), QStringLiteral("-1"));

    // The events, heartbeats as no news.
    result = profile->parse(
        response(200, R"({"events":[{"id":0,"type":"message","message":{"content":"hi"}}],)"
                      R"("msg":"","result":"success"})"),
        QStringLiteral("-1"));
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(texts(result.events), QStringList{"hi"});
    QCOMPARE(result.cursor, QStringLiteral("0"));
    result = profile->parse(
        response(200, R"({"events":[{"id":1,"type":"heartbeat"}],"msg":"","result":"success"})"),
        QStringLiteral("0"));
    QCOMPARE(result.verdict, Verdict::NoNews);

    // A value goes into a POST body too, and is percent-encoded in a URL.
    profile = make(QStringLiteral("generic-json"),
                   {{"bootstrap-url", "http://b.test/start"},
                    {"bootstrap-values", "q=a.q, t=token"},
                    {"method", "POST"},
                    {"body", R"({"queue":"${bootstrap:q}","n":[1,"x${bootstrap:t}"]})"}},
                   QStringLiteral("http://feed.test/p/${bootstrap:t}?q=${bootstrap:q}"));
    QVERIFY(profile);
    QCOMPARE(profile->parse(response(200, R"({"a":{"q":"a b&c"},"token":7})"), QStringLiteral("0"))
                 .verdict,
             Verdict::NoNews);
    request = profile->request(QStringLiteral("0"));
    QCOMPARE(request.url.path(), QStringLiteral("/p/7"));
    QCOMPARE(QUrlQuery(request.url).queryItemValue("q", QUrl::FullyDecoded),
             QStringLiteral("a b&c"));
    QCOMPARE(QUrlQuery(request.url).queryItemValue("last_id"), QStringLiteral("0"));
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    QCOMPARE(body.value("queue").toString(), QStringLiteral("a b&c"));
    QCOMPARE(body.value("n").toArray().at(1).toString(), QStringLiteral("x7"));
}

void tst_GenericJsonProfile::bootstrapAgainOnTheNamedError_data()
{
    QTest::addColumn<QString>("againOn");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Verdict>("verdict");

    QTest::newRow("Zulip's expired queue: status and code")
        << "400, code=BAD_EVENT_QUEUE_ID" << 400 << kBadQueue << Verdict::Resync;
    QTest::newRow("another 400 is an error")
        << "400, code=BAD_EVENT_QUEUE_ID" << 400
        << QByteArray(R"({"code":"BAD_REQUEST","result":"error"})") << Verdict::Fatal;
    QTest::newRow("the code with another status is not it")
        << "400, code=BAD_EVENT_QUEUE_ID" << 500 << kBadQueue << Verdict::Retry;
    QTest::newRow("a status alone") << "404" << 404 << QByteArray() << Verdict::Resync;
    QTest::newRow("a field alone, with ==")
        << "result == expired" << 200 << QByteArray(R"({"result":"expired"})") << Verdict::Resync;
    QTest::newRow("a field alone, another value")
        << "result=expired" << 200 << QByteArray(R"({"result":"success","events":[]})")
        << Verdict::NoNews;
}

void tst_GenericJsonProfile::bootstrapAgainOnTheNamedError()
{
    QFETCH(QString, againOn);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(Verdict, verdict);
    QVariantMap knobs = zulipKnobs();
    knobs.insert("bootstrap-again-on", againOn);
    auto profile = make(QStringLiteral("generic-json"), knobs, kZulipUrl);
    QVERIFY(profile);
    QCOMPARE(profile->parse(response(200, kRegistered), QStringLiteral("-1")).verdict,
             Verdict::NoNews);
    QVERIFY(!profile->request(QStringLiteral("3")).url.path().endsWith("register"));

    const PollResult result = profile->parse(response(status, body), QStringLiteral("3"));
    QCOMPARE(verdictName(result.verdict), verdictName(verdict));
    if (verdict == Verdict::Resync) {
        // The Poller shows the gap, drops the cursor and resets the profile;
        // the next request is the bootstrap request again.
        QVERIFY2(result.reason.contains(QLatin1String("bootstrap")), qPrintable(result.reason));
        QCOMPARE(result.cursor, QStringLiteral("3"));
        QCOMPARE(profile->request(QStringLiteral("-1")).url.path(),
                 QStringLiteral("/api/v1/register"));
    } else {
        QCOMPARE(profile->request(QStringLiteral("3")).url.path(),
                 QStringLiteral("/api/v1/events"));
    }
}

void tst_GenericJsonProfile::bootstrapAnswerWithoutItsValueIsRetried()
{
    auto profile = make(QStringLiteral("generic-json"), zulipKnobs(), kZulipUrl);
    QVERIFY(profile);
    PollResult result =
        profile->parse(response(200, R"({"result":"success"})"), QStringLiteral("-1"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY2(result.reason.contains(QLatin1String("queue_id")), qPrintable(result.reason));
    QCOMPARE(profile->request(QStringLiteral("-1")).url.path(), QStringLiteral("/api/v1/register"));
    result = profile->parse(response(503, "busy"), QStringLiteral("-1"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY2(result.reason.contains(QLatin1String("bootstrap")), qPrintable(result.reason));
    QCOMPARE(profile->request(QStringLiteral("-1")).url.path(), QStringLiteral("/api/v1/register"));
    // A stream is not started on the bootstrap answer.
    auto streaming =
        make(QStringLiteral("generic-json"),
             {{"stream", "ndjson"}, {"bootstrap-url", "/start"}, {"bootstrap-values", "q=q"}},
             QStringLiteral("http://feed.test/s?q=${bootstrap:q}"));
    QVERIFY(streaming);
    QVERIFY(!streaming->startStream(response(200, {}), StreamLimits{}));
}

// --- Streaming -----------------------------------------------------------------

namespace {

/// Every read of `bytes`, `piece` bytes at a time, then the end.
PollResult readAll(FeedProfile &profile, QByteArrayView bytes, qsizetype piece, QString cursor,
                   EventList *events)
{
    PollResult last = PollResult::noNews(cursor);
    for (qsizetype from = 0; from < bytes.size(); from += piece) {
        last = profile.readStream(bytes.sliced(from, std::min(piece, bytes.size() - from)), cursor);
        if (last.verdict != Verdict::Events && last.verdict != Verdict::NoNews)
            return last;
        events->append(last.events);
        cursor = last.cursor;
    }
    last = profile.endStream(cursor);
    events->append(last.events);
    return last;
}

} // namespace

void tst_GenericJsonProfile::streamNdjsonReadsEachValueAsItArrives()
{
    // A stream of event objects (events-at whole, the value itself).
    auto profile = make(QStringLiteral("generic-json"), {{"stream", "ndjson"},
                                                         {"events-at", "whole"},
                                                         {"events-path", ""},
                                                         {"skip-types", "keepalive"}});
    QVERIFY(profile);
    QVERIFY(profile->streamsAnswers());
    QVERIFY(!profile->acceptsCompression());
    // Errors are read whole.
    QVERIFY(!profile->startStream(response(500, {}), StreamLimits{}));
    QVERIFY(profile->startStream(response(200, {}, {{"Content-Type", "application/x-ndjson"}}),
                                 StreamLimits{}));
    const QByteArray stream = "{\"id\":4,\"message\":\"a\"}\n\n{\"type\":\"keepalive\"}\r\n"
                              "{\"id\":5,\"message\":\"b\"}\n{\"id\":6,\"message\":\"c\"}";
    for (const qsizetype piece : {qsizetype(1), qsizetype(7), stream.size()}) {
        QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
        EventList events;
        const PollResult last = readAll(*profile, stream, piece, QStringLiteral("3"), &events);
        QCOMPARE(keys(events), (QStringList{"4", "5", "6"}));
        // The last line ends with the stream (no line end): max-id is 6.
        QCOMPARE(last.cursor, QStringLiteral("6"));
    }
    // A read that completes nothing is no news, the cursor unchanged.
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    const PollResult part = profile->readStream("{\"id\":9,", QStringLiteral("6"));
    QCOMPARE(part.verdict, Verdict::NoNews);
    QCOMPARE(part.cursor, QStringLiteral("6"));

    // An array at the events path of each value, as in a polled answer.
    profile = make(QStringLiteral("generic-json"), {{"stream", "ndjson"}});
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    const PollResult result = profile->readStream(
        "{\"events\":[{\"id\":1},{\"id\":2}]}\n{\"events\":[{\"id\":2},{\"id\":3}]}\n",
        QStringLiteral("0"));
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(keys(result.events), (QStringList{"1", "2", "3"})); // 2 again is a repeat
    QCOMPARE(result.cursor, QStringLiteral("3"));
}

void tst_GenericJsonProfile::streamNdjsonLineCapHolds()
{
    auto profile =
        make(QStringLiteral("generic-json"), {{"stream", "ndjson"}, {"events-at", "ndjson"}});
    QVERIFY(profile);
    StreamLimits limits;
    limits.maxEventBytes = 64;
    QVERIFY(profile->startStream(response(200, {}), limits));
    PollResult result = profile->readStream("{\"id\":1}\n", QStringLiteral("0"));
    QCOMPARE(keys(result.events), QStringList{"1"});
    result =
        profile->readStream("{\"id\":2,\"message\":\"" + QByteArray(100, 'x'), QStringLiteral("1"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY(result.overLimit);
    QCOMPARE(result.cursor, QStringLiteral("1"));
}

void tst_GenericJsonProfile::streamNdjsonBadLineEndsTheStreamAtTheCursor()
{
    auto profile =
        make(QStringLiteral("generic-json"), {{"stream", "ndjson"}, {"events-at", "ndjson"}});
    QVERIFY(profile);
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    // The good line before the bad one in the same read is not skipped past.
    const PollResult result = profile->readStream("{\"id\":7}\nnot json\n", QStringLiteral("6"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY(result.malformed);
    QCOMPARE(result.cursor, QStringLiteral("6"));
}

void tst_GenericJsonProfile::streamSseTakesJsonDataWithItsIdAndType()
{
    auto profile = make(QStringLiteral("generic-json"), {{"stream", "sse"},
                                                         {"events-at", "whole"},
                                                         {"events-path", ""},
                                                         {"id-path", "uuid"},
                                                         {"cursor-from", "last-id"},
                                                         {"cursor-target", "header"},
                                                         {"cursor-name", "Last-Event-ID"},
                                                         {"initial-cursor", ""}});
    QVERIFY(profile);
    const PollRequest request = profile->request(QStringLiteral("41"));
    QCOMPARE(headerOf(request, "Accept"), QByteArray("text/event-stream"));
    QCOMPARE(headerOf(request, "Last-Event-ID"), QByteArray("41"));
    QVERIFY(profile->startStream(
        response(200, {}, {{"Content-Type", "text/event-stream; charset=utf-8"}}), StreamLimits{}));
    const QByteArray stream = ": hello\n\n"
                              "retry: 2500\n\n"
                              "event: job\nid: 42\ndata: {\"message\":\"built\",\n"
                              "data: \"time\":\"2026-11-22T10:00:00Z\"}\n\n"
                              "data: {\"uuid\":\"u-1\",\"type\":\"own\",\"message\":\"x\"}\n\n"
                              "event: ping\ndata:\n\n";
    for (const qsizetype piece : {qsizetype(1), qsizetype(5), stream.size()}) {
        QVERIFY(profile->startStream(response(200, {}, {{"Content-Type", "text/event-stream"}}),
                                     StreamLimits{}));
        EventList events;
        const PollResult last = readAll(*profile, stream, piece, QStringLiteral("41"), &events);
        // The SSE id and event type where the JSON has none; the JSON's own first.
        QCOMPARE(keys(events), (QStringList{"42", "u-1"}));
        QCOMPARE(events.at(0).type, QStringLiteral("job"));
        QCOMPARE(events.at(1).type, QStringLiteral("own"));
        QCOMPARE(events.at(0).time, QDateTime(QDate(2026, 11, 22), QTime(10, 0), Qt::UTC));
        QCOMPARE(texts(events), (QStringList{"built", "x"}));
        QCOMPARE(last.cursor, QStringLiteral("u-1"));
        QCOMPARE(profile->reconnectDelay(), 2500ms);
    }
}

void tst_GenericJsonProfile::streamSseNeedsAnEventStream()
{
    auto profile = make(QStringLiteral("generic-json"), {{"stream", "sse"}});
    QVERIFY(profile);
    // Anything else is read whole, as a JSON answer.
    QVERIFY(!profile->startStream(response(200, {}, {{"Content-Type", "application/json"}}),
                                  StreamLimits{}));
    QCOMPARE(profile->parse(response(200, R"({"events":[{"id":1}]})"), QStringLiteral("0")).verdict,
             Verdict::Events);
    StreamLimits limits;
    limits.maxEventBytes = 32;
    QVERIFY(
        profile->startStream(response(200, {}, {{"Content-Type", "text/event-stream"}}), limits));
    const PollResult result =
        profile->readStream("data: " + QByteArray(100, 'x') + "\n\n", QStringLiteral("0"));
    QCOMPARE(result.verdict, Verdict::Retry);
    QVERIFY(result.overLimit);
}

void tst_GenericJsonProfile::streamBootstrapErrorInsideTheStream()
{
    auto profile = make(QStringLiteral("generic-json"),
                        {{"stream", "ndjson"},
                         {"events-at", "ndjson"},
                         {"bootstrap-url", "/watch/start"},
                         {"bootstrap-values", "w=watch"},
                         {"bootstrap-again-on", "error=expired"}},
                        QStringLiteral("http://feed.test/watch/${bootstrap:w}"));
    QVERIFY(profile);
    QCOMPARE(profile->parse(response(200, R"({"watch":"w1"})"), QStringLiteral("0")).verdict,
             Verdict::NoNews);
    QCOMPARE(profile->request(QStringLiteral("0")).url.path(), QStringLiteral("/watch/w1"));
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    PollResult result = profile->readStream("{\"id\":1}\n", QStringLiteral("0"));
    QCOMPARE(keys(result.events), QStringList{"1"});
    result = profile->readStream("{\"id\":2}\n{\"error\":\"expired\"}\n", QStringLiteral("1"));
    QCOMPARE(result.verdict, Verdict::Resync);
    QCOMPARE(result.cursor, QStringLiteral("1"));
    QCOMPARE(profile->request(QStringLiteral("0")).url.path(), QStringLiteral("/watch/start"));
}

void tst_GenericJsonProfile::newKnobErrors_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("a wildcard in the id path")
        << "generic-json"
        << "http://a/" << QVariantMap{{"id-path", "a.*"}} << "wildcard";
    QTest::newRow("a wildcard in the cursor's body path")
        << "generic-json"
        << "http://a/" << QVariantMap{{"cursor-from", "body"}, {"cursor-from-name", "*.next"}}
        << "wildcard";
    QTest::newRow("a wildcard where the cursor goes in the body")
        << "generic-json"
        << "http://a/"
        << QVariantMap{{"method", "POST"}, {"cursor-target", "body"}, {"cursor-name", "a.*"}}
        << "wildcard";
    QTest::newRow("a bad stream format")
        << "generic-json"
        << "http://a/" << QVariantMap{{"stream", "websocket"}} << "stream";
    QTest::newRow("stream for a profile with its own")
        << "sse"
        << "http://a/" << QVariantMap{{"stream", "ndjson"}} << "generic-json";
    QTest::newRow("a bad conditional")
        << "generic-json"
        << "http://a/" << QVariantMap{{"conditional", "maybe"}} << "conditional";
    QTest::newRow("a placeholder without a bootstrap request")
        << "generic-json"
        << "http://a/e?q=${bootstrap:q}" << QVariantMap{} << "bootstrap URL";
    QTest::newRow("a placeholder that no value names")
        << "generic-json"
        << "http://a/e?q=${bootstrap:q}"
        << QVariantMap{{"bootstrap-url", "/r"}, {"bootstrap-values", "id=id"}} << "${bootstrap:q}";
    QTest::newRow("bootstrap values without a URL")
        << "generic-json"
        << "http://a/" << QVariantMap{{"bootstrap-values", "id=id"}} << "bootstrap URL";
    QTest::newRow("a bad bootstrap value name")
        << "generic-json"
        << "http://a/" << QVariantMap{{"bootstrap-url", "/r"}, {"bootstrap-values", "a b=id"}}
        << "bootstrap-values";
    QTest::newRow("a bad bootstrap path")
        << "generic-json"
        << "http://a/" << QVariantMap{{"bootstrap-url", "/r"}, {"bootstrap-values", "q=a..b"}}
        << "bootstrap value 'q'";
    QTest::newRow("a bad bootstrap error")
        << "generic-json"
        << "http://a/" << QVariantMap{{"bootstrap-url", "/r"}, {"bootstrap-again-on", "4000"}}
        << "bootstrap-again-on";
    QTest::newRow("a bad bootstrap method")
        << "generic-json"
        << "http://a/" << QVariantMap{{"bootstrap-url", "/r"}, {"bootstrap-method", "PUT"}}
        << "bootstrap method";
    QTest::newRow("a bootstrap URL that is not http")
        << "generic-json"
        << "http://a/" << QVariantMap{{"bootstrap-url", "ftp://b/r"}} << "bootstrap URL";
}

void tst_GenericJsonProfile::newKnobErrors()
{
    knobErrors();
}

QTEST_GUILESS_MAIN(tst_GenericJsonProfile)
#include "tst_genericjsonprofile.moc"
