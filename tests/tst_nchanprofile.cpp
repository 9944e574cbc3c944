#include "common/profiletesting.h"
#include "profiles.h"
#include "profiles/nchanprofile.h"
#include "profiles/profilesupport.h"

#include "httpdate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QTest>
#include <QTimeZone>

using namespace Longwatch;
using Longwatch::Testing::verdictName;
using namespace std::chrono_literals;

namespace {

// What Nchan sent in the integration runs: Last-Modified in IMF-fixdate,
// Etag unquoted. 1795380184 is Sun, 22 Nov 2026 20:43:04 GMT.
const QByteArray kLastModified = "Sun, 22 Nov 2026 20:43:04 GMT";
constexpr qint64 kSeconds = 1795380184;

PollResponse response(int status, const QByteArray &body, HeaderList headers = {})
{
    PollResponse r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    r.receivedAt = QDateTime(QDate(2026, 11, 22), QTime(20, 43, 5), Qt::UTC);
    return r;
}

HeaderList messageHeaders(const QByteArray &etag, const QByteArray &lastModified = kLastModified)
{
    return {{"Content-Type", "text/plain"},
            {"Last-Modified", lastModified},
            {"Etag", etag},
            {"Vary", "If-None-Match, If-Modified-Since"}};
}

bool isJson(const QByteArray &raw)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson('[' + raw + ']', &error);
    return error.error == QJsonParseError::NoError && doc.array().size() == 1;
}

std::unique_ptr<FeedProfile> make(const QVariantMap &knobs = {})
{
    QStringList errors;
    auto profile = createProfile("nchan", QUrl("http://nchan.test/sub/jobs"), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

} // namespace

class tst_NchanProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void registered();
    void request_data();
    void request();
    void cursorRoundTrip_data();
    void cursorRoundTrip();
    void parse_data();
    void parse();
    void messageTimeIsLastModified();
    void messageAsBefore_data();
    void messageAsBefore();
    void datesKeptFromTheLastMessageAreRight();
    void httpDatesAreWhatQLocaleMakesOfThem();
    void knobs_data();
    void knobs();
};

void tst_NchanProfile::httpDatesAreWhatQLocaleMakesOfThem()
{
    // parseHttpDate() and formatHttpDate() read and write the usual form by
    // hand; they must agree with QLocale, which they replaced on that path.
    const QString format = QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'");
    QDateTime time(QDate(1994, 11, 6), QTime(8, 49, 37), QTimeZone::utc());
    for (int i = 0; i < 400; ++i) {
        time = time.addSecs(86'400LL * 37 + 3'601 * i + 7);
        const QByteArray expected = QLocale::c().toString(time, format).toLatin1();
        QCOMPARE(formatHttpDate(time), expected);
        QCOMPARE(parseHttpDate(expected), time);
    }
    QCOMPARE(formatHttpDate(QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59), QTimeZone::utc())),
             QByteArray("Thu, 29 Feb 2024 23:59:59 GMT"));
    // Times in another zone are written in GMT.
    QCOMPARE(formatHttpDate(QDateTime(QDate(2026, 11, 23), QTime(7, 0), QTimeZone(3600))),
             QByteArray("Mon, 23 Nov 2026 06:00:00 GMT"));
    // What the hand reader leaves to QLocale: a wrong day name, another
    // form, nonsense.
    for (const QByteArray &text :
         {QByteArray("Tue, 23 Nov 2026 06:00:00 GMT"),
          QByteArray("Mon, 23 Nov 2026 06:00:00 +0000"),
          QByteArray("Mon, 31 Feb 2026 06:00:00 GMT"), QByteArray("Mon, 23 Xyz 2026 06:00:00 GMT"),
          QByteArray("Mon, 2x Nov 2026 06:00:00 GMT"), QByteArray("yesterday")}) {
        QDateTime old = QLocale::c().toDateTime(QString::fromLatin1(text), format);
        if (!old.isValid())
            old = QDateTime::fromString(QString::fromLatin1(text), Qt::RFC2822Date);
        if (old.isValid())
            old.setTimeZone(QTimeZone::utc());
        QCOMPARE(parseHttpDate(text), old);
    }
}

void tst_NchanProfile::registered()
{
    QVERIFY(profileIds().contains("nchan"));
    QVERIFY(!profileDescription("nchan").isEmpty());
    auto profile = make({{"hold", "30"}});
    QVERIFY(profile);
    QCOMPARE(profile->id(), QString("nchan"));
    QCOMPARE(profile->initialCursor(), QString());
    QCOMPARE(profile->holdTime(), 30s);
}

void tst_NchanProfile::request_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<QByteArray>("ifModifiedSince");
    QTest::addColumn<QByteArray>("ifNoneMatch");

    QTest::newRow("no cursor sends no headers, so Nchan starts at its oldest message")
        << "" << QByteArray() << QByteArray();
    QTest::newRow("a cursor sends back Last-Modified and the unquoted Etag")
        << "1795380184:3" << kLastModified << QByteArray("3");
    QTest::newRow("a quoted Etag goes back with its quotes")
        << R"(1795380184:"abc")" << kLastModified << QByteArray(R"("abc")");
    QTest::newRow("an Etag with colons is split at the first colon only")
        << "1795380184:a:b" << kLastModified << QByteArray("a:b");
    QTest::newRow("a multi-channel Etag with commas is sent as it came")
        << "1795380184:0,2" << kLastModified << QByteArray("0,2");
    QTest::newRow("a cursor without an Etag sends only the date")
        << "1795380184:" << kLastModified << QByteArray();
    QTest::newRow("a cursor that is not a message id sends nothing")
        << "yesterday" << QByteArray() << QByteArray();
    QTest::newRow("a negative time is not a message id") << "-5:1" << QByteArray() << QByteArray();
}

void tst_NchanProfile::request()
{
    QFETCH(QString, cursor);
    QFETCH(QByteArray, ifModifiedSince);
    QFETCH(QByteArray, ifNoneMatch);
    auto profile = make();
    QVERIFY(profile);
    const PollRequest request = profile->request(cursor);
    QCOMPARE(request.url, QUrl("http://nchan.test/sub/jobs"));
    QCOMPARE(request.method, QByteArray("GET"));
    QByteArray sentDate, sentTag;
    for (const auto &[name, value] : request.headers) {
        if (name == "If-Modified-Since")
            sentDate = value;
        else if (name == "If-None-Match")
            sentTag = value;
        else
            QFAIL(qPrintable("unexpected header " + QString::fromLatin1(name)));
    }
    QCOMPARE(sentDate, ifModifiedSince);
    QCOMPARE(sentTag, ifNoneMatch);
}

void tst_NchanProfile::cursorRoundTrip_data()
{
    QTest::addColumn<QByteArray>("lastModified");
    QTest::addColumn<QByteArray>("etag");
    QTest::addColumn<QString>("cursor");

    QTest::newRow("Nchan's own message id notation")
        << kLastModified << QByteArray("0") << "1795380184:0";
    QTest::newRow("a single-digit day")
        << QByteArray("Tue, 01 Dec 2026 09:05:00 GMT") << QByteArray("12") << "1796115900:12";
    QTest::newRow("the epoch") << QByteArray("Thu, 01 Jan 1970 00:00:00 GMT") << QByteArray("0")
                               << "0:0";
    QTest::newRow("a quoted weak Etag")
        << kLastModified << QByteArray(R"(W/"x")") << R"(1795380184:W/"x")";
}

void tst_NchanProfile::cursorRoundTrip()
{
    QFETCH(QByteArray, lastModified);
    QFETCH(QByteArray, etag);
    QFETCH(QString, cursor);
    const QDateTime when = parseHttpDate(lastModified);
    QVERIFY(when.isValid());
    QCOMPARE(NchanProfile::encodeCursor(when, etag), cursor);
    QDateTime decodedWhen;
    QByteArray decodedTag;
    QVERIFY(NchanProfile::decodeCursor(cursor, &decodedWhen, &decodedTag));
    QCOMPARE(decodedWhen, when);
    QCOMPARE(decodedTag, etag);
    QCOMPARE(formatHttpDate(decodedWhen), lastModified);
}

void tst_NchanProfile::parse_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<int>("status");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<QString>("next");
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("text");

    const QString s = QString::number(kSeconds);
    QTest::newRow("a text message becomes one event whose raw is a JSON string")
        << "" << 200 << messageHeaders("0") << QByteArray("hello") << "events" << s + ":0"
        << QByteArray(R"("hello")") << "hello";
    QTest::newRow("a JSON message is kept as JSON, compacted")
        << s + ":0" << 200 << messageHeaders("1") << QByteArray("{\"job\": 7, \"ok\": true}\n")
        << "events" << s + ":1" << QByteArray(R"({"job":7,"ok":true})") << R"({"job":7,"ok":true})";
    QTest::newRow("a JSON string message keeps its text")
        << "" << 200 << messageHeaders("0") << QByteArray(R"("quoted")") << "events" << s + ":0"
        << QByteArray(R"("quoted")") << "quoted";
    QTest::newRow("a number message is kept as a number")
        << "" << 200 << messageHeaders("0") << QByteArray("42") << "events" << s + ":0"
        << QByteArray("42") << "42";
    QTest::newRow("two JSON values are text, not JSON")
        << "" << 200 << messageHeaders("0") << QByteArray("1,2") << "events" << s + ":0"
        << QByteArray(R"("1,2")") << "1,2";
    QTest::newRow("text with quotes and newlines is escaped")
        << "" << 200 << messageHeaders("0") << QByteArray("say \"hi\"\nbye") << "events" << s + ":0"
        << QByteArray(R"("say \"hi\"\nbye")") << "say \"hi\"\nbye";
    QTest::newRow("a binary message still gives valid JSON")
        << "" << 200 << messageHeaders("0") << QByteArray("\xff\xfe\x00\x01", 4) << "events"
        << s + ":0" << QByteArray() << "";
    QTest::newRow("an empty message is still a message")
        << s + ":0" << 200 << messageHeaders("1") << QByteArray() << "events" << s + ":1"
        << QByteArray(R"("")") << "";
    QTest::newRow("a quoted Etag is kept with its quotes")
        << "" << 200 << messageHeaders(R"("5")") << QByteArray("x") << "events" << s + R"(:"5")"
        << QByteArray(R"("x")") << "x";
    QTest::newRow("the next tag in the same second moves the cursor")
        << s + ":1" << 200 << messageHeaders("2") << QByteArray("third") << "events" << s + ":2"
        << QByteArray(R"("third")") << "third";
    QTest::newRow("a later second with tag 0 moves the cursor")
        << s + ":7" << 200 << messageHeaders("0", "Sun, 22 Nov 2026 20:43:05 GMT")
        << QByteArray("later") << "events" << QString::number(kSeconds + 1) + ":0"
        << QByteArray(R"("later")") << "later";
    QTest::newRow("the message we already have, sent again, is no news")
        << s + ":3" << 200 << messageHeaders("3") << QByteArray("again") << "no news" << s + ":3"
        << QByteArray() << "";
    QTest::newRow("the hold expiring with 408 is no news and keeps the cursor")
        << s + ":3" << 408 << HeaderList{{"Etag", "3"}, {"Content-Length", "0"}} << QByteArray()
        << "no news" << s + ":3" << QByteArray() << "";
    QTest::newRow("304 in interval-poll mode is no news")
        << s + ":3" << 304 << messageHeaders("3") << QByteArray() << "no news" << s + ":3"
        << QByteArray() << "";
    QTest::newRow("an empty 200 without message headers is no news")
        << s + ":3" << 200 << HeaderList{} << QByteArray() << "no news" << s + ":3" << QByteArray()
        << "";
    QTest::newRow("a message without Last-Modified is malformed and keeps the cursor")
        << s + ":3" << 200 << HeaderList{{"Etag", "4"}} << QByteArray("x") << "retry" << s + ":3"
        << QByteArray() << "";
    QTest::newRow("an unreadable Last-Modified is malformed")
        << s + ":3" << 200 << messageHeaders("4", "yesterday-ish") << QByteArray("x") << "retry"
        << s + ":3" << QByteArray() << "";
    QTest::newRow("403 is fatal") << s + ":3" << 403 << HeaderList{} << QByteArray() << "fatal"
                                  << s + ":3" << QByteArray() << "";
    QTest::newRow("404 is fatal") << "" << 404 << HeaderList{} << QByteArray("<html>404</html>")
                                  << "fatal"
                                  << "" << QByteArray() << "";
    QTest::newRow("a 502 from a proxy is retried")
        << s + ":3" << 502 << HeaderList{} << QByteArray("<html>bad gateway</html>") << "retry"
        << s + ":3" << QByteArray() << "";
    QTest::newRow("410 Gone starts over") << s + ":3" << 410 << HeaderList{} << QByteArray()
                                          << "resync" << s + ":3" << QByteArray() << "";
}

void tst_NchanProfile::parse()
{
    QFETCH(QString, cursor);
    QFETCH(int, status);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QString, verdict);
    QFETCH(QString, next);
    QFETCH(QByteArray, raw);
    QFETCH(QString, text);

    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(status, body, headers), cursor);
    QCOMPARE(verdictName(result.verdict), verdict);
    QCOMPARE(result.cursor, next);
    if (verdict != "events") {
        QVERIFY(result.events.isEmpty());
        if (verdict != "no news")
            QVERIFY2(!result.reason.isEmpty(), "a failure must say why");
        return;
    }
    QCOMPARE(result.events.size(), 1);
    const Event &event = result.events.first();
    QCOMPARE(event.key, next); // the message id is the key
    QCOMPARE(event.type, QString("message"));
    QVERIFY2(isJson(event.raw), event.raw.constData());
    if (!raw.isEmpty())
        QCOMPARE(event.raw, raw);
    if (!text.isEmpty() || !raw.isEmpty())
        QCOMPARE(event.text, text);
    // The next request asks for the message after this one.
    QVERIFY(!profile->request(result.cursor).headers.isEmpty());
}

void tst_NchanProfile::messageAsBefore_data()
{
    QTest::addColumn<QByteArray>("body");
    const char *const bodies[] = {
        R"({"type":"bench","message":"event 1 with a few words"})",
        " {\"b\" : [1, {\"d\":null,\"c\":true}], \"a\":-0}\r\n",
        R"({"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\u001f\u007f","e":"\ud83d\ude00"})",
        "{\"u\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
        R"({"n":[1.5,1e2,-0.0,12345678901234567890,1.0]})",
        R"({"a":1,"a":2})",
        "{\"\xc3\xa9\":1,\"e\":2}",
        R"({"z":{"y":{"x":{"w":[[[{"v":"deep"}]]]}}}})",
        R"([3,"two",{"one":1}])",
        R"("a string")",
        R"(17)",
        R"(true)",
        R"(null)",
        R"({"wrong":"types","id":"7","time":12,"ok":"yes"})",
        R"({"cut":)",
        R"({"a":1}{"b":2})",
        "\v{\"a\":1}",
        "\xef\xbb\xbf{\"bom\":1}",
        "{\"nul\":\"\\u0000\"}",
        "{\"raw tab\":\"a\tb\"}",
        "{\"bad\":\"\xff\"}",
        "plain text",
        "",
    };
    for (const char *body : bodies)
        QTest::newRow(body) << QByteArray(body);
}

void tst_NchanProfile::messageAsBefore()
{
    // The profile reads JSON objects and arrays without a QJsonDocument
    // (FastJsonScanner::compact()); every message must still become what
    // ProfileSupport::setMessage() makes of it.
    QFETCH(QByteArray, body);
    auto profile = make();
    const PollResult result =
        profile->parse(response(200, body, messageHeaders("0")), QString::number(kSeconds) + ":9");
    QCOMPARE(result.events.size(), 1);
    Event before;
    ProfileSupport::setMessage(before, body);
    QCOMPARE(result.events.first().raw, before.raw);
    QCOMPARE(result.events.first().text, before.text);
}

void tst_NchanProfile::datesKeptFromTheLastMessageAreRight()
{
    // The profile keeps the last date it read and wrote, for the next
    // message in the same second: each message and request must be what a
    // fresh profile makes of it, whatever came before.
    const QByteArray later = "Sun, 22 Nov 2026 20:43:05 GMT";
    const struct
    {
        QByteArray lastModified;
        QByteArray etag;
        qint64 seconds;
    } messages[] = {
        {kLastModified, "0", kSeconds},     {kLastModified, "1", kSeconds},
        {later, "0", kSeconds + 1},         {later, "1", kSeconds + 1},
        {kLastModified, "2", kSeconds},     {"yesterday-ish", "3", -1},
        {kLastModified, "\"4\"", kSeconds},
    };
    auto profile = make();
    QString cursor;
    for (const auto &message : messages) {
        const PollResponse answer =
            response(200, "x", messageHeaders(message.etag, message.lastModified));
        const PollResult result = profile->parse(answer, cursor);
        const PollResult fresh = make()->parse(answer, cursor);
        QCOMPARE(verdictName(result.verdict), verdictName(fresh.verdict));
        QCOMPARE(result.cursor, fresh.cursor);
        if (message.seconds < 0) {
            QCOMPARE(verdictName(result.verdict), QString("retry"));
            continue;
        }
        QCOMPARE(result.events.size(), 1);
        QCOMPARE(result.events.first().time.toSecsSinceEpoch(), message.seconds);
        QCOMPARE(result.cursor,
                 QString::number(message.seconds) + ':' + QString::fromLatin1(message.etag));
        cursor = result.cursor;
        const PollRequest request = profile->request(cursor);
        QCOMPARE(request.headers, make()->request(cursor).headers);
        QCOMPARE(request.headers.first().second, message.lastModified);
    }
}

void tst_NchanProfile::messageTimeIsLastModified()
{
    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(200, "x", messageHeaders("0")), {});
    QCOMPARE(result.events.size(), 1);
    QCOMPARE(result.events.first().time, QDateTime::fromSecsSinceEpoch(kSeconds, Qt::UTC));
}

void tst_NchanProfile::knobs_data()
{
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("a message id is a valid initial cursor")
        << QVariantMap{{"initial-cursor", "1795380184:2"}} << "";
    QTest::newRow("an initial cursor that is not a message id is refused")
        << QVariantMap{{"initial-cursor", "last week"}} << "not an Nchan message id";
    QTest::newRow("a knob of the generic profile does not apply")
        << QVariantMap{{"cursor-name", "since"}} << "does not apply";
    QTest::newRow("a hold of zero is refused") << QVariantMap{{"hold", "0"}} << "not a valid value";
}

void tst_NchanProfile::knobs()
{
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, errorContains);
    QStringList errors;
    auto profile = createProfile("nchan", QUrl("http://nchan.test/sub/a"), knobs, &errors);
    if (errorContains.isEmpty()) {
        QVERIFY2(profile, qPrintable(errors.join(' ')));
        QCOMPARE(profile->initialCursor(), knobs.value("initial-cursor").toString());
    } else {
        QVERIFY(!profile);
        QVERIFY2(errors.join(' ').contains(errorContains), qPrintable(errors.join(' ')));
    }
}

QTEST_GUILESS_MAIN(tst_NchanProfile)
#include "tst_nchanprofile.moc"
