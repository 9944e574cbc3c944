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

QTEST_GUILESS_MAIN(tst_GenericJsonProfile)
#include "tst_genericjsonprofile.moc"
