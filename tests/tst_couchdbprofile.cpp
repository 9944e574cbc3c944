#include "common/profiletesting.h"
#include "profiles.h"
#include "profiles/couchdbprofile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

QStringList keys(const EventList &events)
{
    QStringList result;
    for (const Event &e : events)
        result << e.key;
    return result;
}

QStringList types(const EventList &events)
{
    QStringList result;
    for (const Event &e : events)
        result << e.type;
    return result;
}

std::unique_ptr<FeedProfile> make(const QVariantMap &knobs = {},
                                  const QString &url = "http://couch.test:5984/jobs")
{
    QStringList errors;
    auto profile = createProfile("couchdb-changes", QUrl(url), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

} // namespace

class tst_CouchDbProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void registered();
    void request_data();
    void request();
    void requestKeepsTheUsersParameters();
    void parse_data();
    void parse();
    void eventFields();
    void repeatsAcrossAnswersAreDropped();
    void seenMemoryIsBounded();
    void knobs_data();
    void knobs();
    void aContinuousFeedIsAskedForAndReadLineByLine();
    void aBadLineInAContinuousFeedTakesNoneOfItsRead();
};

void tst_CouchDbProfile::registered()
{
    QVERIFY(profileIds().contains("couchdb-changes"));
    QVERIFY(!profileDescription("couchdb-changes").isEmpty());
    auto profile = make();
    QVERIFY(profile);
    QCOMPARE(profile->id(), QString("couchdb-changes"));
    QCOMPARE(profile->initialCursor(), QString("now"));
    QCOMPARE(profile->holdTime(), 55s);
}

void tst_CouchDbProfile::request_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<QString>("since");

    const QString db = "http://couch.test:5984/jobs";
    QTest::newRow("the initial cursor asks for changes from now") << db << "now"
                                                                  << "now";
    QTest::newRow("an empty cursor falls back to the initial one") << db << ""
                                                                   << "now";
    QTest::newRow("a string sequence is sent without its JSON quotes")
        << db << R"("12-g1AAAA+b/c=")"
        << "12-g1AAAA+b/c=";
    QTest::newRow("a numeric sequence is sent as its digits") << db << "42"
                                                              << "42";
    QTest::newRow("a large numeric sequence keeps all its digits") << db << "9007199254740993"
                                                                   << "9007199254740993";
    QTest::newRow("a cursor typed without quotes is sent as typed") << db << "12-abc"
                                                                    << "12-abc";
    QTest::newRow("a _changes URL is used as it is") << "http://couch.test:5984/jobs/_changes"
                                                     << "now"
                                                     << "now";
    QTest::newRow("a database URL with a trailing slash") << db + "/"
                                                          << "7"
                                                          << "7";
}

void tst_CouchDbProfile::request()
{
    QFETCH(QString, url);
    QFETCH(QString, cursor);
    QFETCH(QString, since);
    auto profile = make({}, url);
    QVERIFY(profile);
    const PollRequest request = profile->request(cursor);
    QCOMPARE(request.method, QByteArray("GET"));
    QVERIFY(request.body.isEmpty());
    QVERIFY(request.headers.isEmpty());
    QCOMPARE(request.url.path(), QString("/jobs/_changes"));
    const QUrlQuery query(request.url);
    QCOMPARE(query.queryItemValue("feed"), QString("longpoll"));
    QCOMPARE(query.queryItemValue("since", QUrl::FullyDecoded), since);
    QCOMPARE(query.queryItemValue("timeout"), QString("55000"));
    // '+' must reach the server as %2B, or it reads a space.
    QVERIFY2(!request.url.toString(QUrl::FullyEncoded).contains('+'),
             qPrintable(request.url.toString(QUrl::FullyEncoded)));
}

void tst_CouchDbProfile::requestKeepsTheUsersParameters()
{
    auto profile = make({{"hold", "20"}},
                        "http://couch.test/jobs/_changes?include_docs=true&since=5&feed=normal");
    QVERIFY(profile);
    const QUrlQuery query(profile->request("9").url);
    QCOMPARE(query.queryItemValue("include_docs"), QString("true"));
    QCOMPARE(query.allQueryItemValues("since"), QStringList{"9"});
    QCOMPARE(query.allQueryItemValues("feed"), QStringList{"longpoll"});
    QCOMPARE(query.queryItemValue("timeout"), QString("20000"));
}

void tst_CouchDbProfile::parse_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QStringList>("types");
    QTest::addColumn<QString>("next");
    QTest::addColumn<QString>("reasonContains");

    QTest::newRow("a change with a string sequence moves the cursor to last_seq as a JSON string")
        << "now" << 200
        << QByteArray(R"({"results":[{"seq":"3-g1AAAA","id":"job-1","changes":[{"rev":"1-abc"}]}],)"
                      R"("last_seq":"3-g1AAAA","pending":0})")
        << "events" << QStringList{"job-1@1-abc"} << QStringList{"change"} << R"("3-g1AAAA")"
        << "";
    QTest::newRow("a numeric last_seq stays a number")
        << "0" << 200
        << QByteArray(R"({"results":[{"seq":7,"id":"a","changes":[{"rev":"2-x"}]}],"last_seq":7})")
        << "events" << QStringList{"a@2-x"} << QStringList{"change"} << "7"
        << "";
    QTest::newRow("heartbeat newlines before the JSON are skipped")
        << R"("2-q")" << 200
        << QByteArray("\n\n\n{\"results\":[{\"seq\":\"3-r\",\"id\":\"b\",\"changes\":[{\"rev\":"
                      "\"1-y\"}]}],\"last_seq\":\"3-r\"}\n")
        << "events" << QStringList{"b@1-y"} << QStringList{"change"} << R"("3-r")"
        << "";
    QTest::newRow("only heartbeat newlines are no news and keep the cursor")
        << R"("2-q")" << 200 << QByteArray("\n\n\n\n") << "no news" << QStringList{}
        << QStringList{} << R"("2-q")"
        << "";
    QTest::newRow("an empty body is no news") << R"("2-q")" << 200 << QByteArray() << "no news"
                                              << QStringList{} << QStringList{} << R"("2-q")"
                                              << "";
    QTest::newRow("the hold running out with no results is no news at the new last_seq")
        << R"("2-q")" << 200 << QByteArray(R"({"results":[],"last_seq":"2-q2"})") << "no news"
        << QStringList{} << QStringList{} << R"("2-q2")"
        << "";
    QTest::newRow("a deleted document is a deleted event")
        << "now" << 200
        << QByteArray(R"({"results":[{"seq":"4-d","id":"gone","changes":[{"rev":"3-z"}],)"
                      R"("deleted":true}],"last_seq":"4-d"})")
        << "events" << QStringList{"gone@3-z"} << QStringList{"deleted"} << R"("4-d")"
        << "";
    QTest::newRow("the same revision twice in one answer is reported once")
        << "now" << 200
        << QByteArray(R"({"results":[{"seq":"5-a","id":"x","changes":[{"rev":"1-a"}]},)"
                      R"({"seq":"6-a","id":"x","changes":[{"rev":"1-a"}]},)"
                      R"({"seq":"7-a","id":"x","changes":[{"rev":"2-b"}]}],"last_seq":"7-a"})")
        << "events" << QStringList{"x@1-a", "x@2-b"} << QStringList{"change", "change"}
        << R"("7-a")"
        << "";
    QTest::newRow("a change without a revision is told apart by its sequence")
        << "now" << 200
        << QByteArray(R"({"results":[{"seq":"8-a","id":"y","changes":[]}],"last_seq":"8-a"})")
        << "events" << QStringList{"y@seq:8-a"} << QStringList{"change"} << R"("8-a")"
        << "";
    QTest::newRow("a missing last_seq falls back to the last change's sequence")
        << "now" << 200
        << QByteArray(R"({"results":[{"seq":"9-a","id":"z","changes":[{"rev":"1-c"}]}]})")
        << "events" << QStringList{"z@1-c"} << QStringList{"change"} << R"("9-a")"
        << "";
    QTest::newRow("results that are not an array are malformed and the cursor stays")
        << R"("2-q")" << 200 << QByteArray(R"({"results":{"id":"a"},"last_seq":"3-q"})") << "retry"
        << QStringList{} << QStringList{} << R"("2-q")"
        << "results";
    QTest::newRow("a change whose id is a number is malformed")
        << R"("2-q")" << 200
        << QByteArray(R"({"results":[{"seq":"3-q","id":17,"changes":[{"rev":"1-a"}]}],)"
                      R"("last_seq":"3-q"})")
        << "retry" << QStringList{} << QStringList{} << R"("2-q")"
        << "document id";
    QTest::newRow("a change that is not an object is malformed")
        << R"("2-q")" << 200 << QByteArray(R"({"results":["a"],"last_seq":"3-q"})") << "retry"
        << QStringList{} << QStringList{} << R"("2-q")"
        << "document id";
    QTest::newRow("a last_seq that is an object is malformed")
        << R"("2-q")" << 200 << QByteArray(R"({"results":[],"last_seq":{"n":3}})") << "retry"
        << QStringList{} << QStringList{} << R"("2-q")"
        << "last_seq";
    QTest::newRow("changes with no sequence anywhere are malformed")
        << R"("2-q")" << 200 << QByteArray(R"({"results":[{"id":"a","changes":[{"rev":"1-a"}]}]})")
        << "retry" << QStringList{} << QStringList{} << R"("2-q")"
        << "last_seq";
    QTest::newRow("an array instead of an object is malformed")
        << R"("2-q")" << 200 << QByteArray("[]") << "retry" << QStringList{} << QStringList{}
        << R"("2-q")"
        << "array";
    QTest::newRow("a body that is not JSON is malformed")
        << R"("2-q")" << 200 << QByteArray("<html>proxy error</html>") << "retry" << QStringList{}
        << QStringList{} << R"("2-q")"
        << "not valid JSON";
    QTest::newRow("a truncated body is malformed")
        << R"("2-q")" << 200 << QByteArray(R"({"results":[{"seq":"3-q","id":"a")") << "retry"
        << QStringList{} << QStringList{} << R"("2-q")"
        << "not valid JSON";
    QTest::newRow("a missing database is fatal with CouchDB's reason")
        << "now" << 404
        << QByteArray(R"({"error":"not_found","reason":"Database does not exist."})") << "fatal"
        << QStringList{} << QStringList{} << "now"
        << "Database does not exist.";
    QTest::newRow("an unreadable since sequence starts over")
        << R"("garbage")" << 400
        << QByteArray(
               R"({"error":"bad_request","reason":"Malformed sequence supplied in 'since' parameter."})")
        << "resync" << QStringList{} << QStringList{} << R"("garbage")"
        << "starting over";
    QTest::newRow("another bad request is fatal")
        << "now" << 400 << QByteArray(R"({"error":"bad_request","reason":"Invalid filter"})")
        << "fatal" << QStringList{} << QStringList{} << "now"
        << "Invalid filter";
    QTest::newRow("a missing login is fatal")
        << "now" << 401
        << QByteArray(R"({"error":"unauthorized","reason":"You are not authorized"})") << "fatal"
        << QStringList{} << QStringList{} << "now"
        << "not authorized";
    QTest::newRow("a server error is retried")
        << "now" << 500 << QByteArray() << "retry" << QStringList{} << QStringList{} << "now"
        << "500";
    QTest::newRow("a proxy's 304 is no news")
        << "now" << 304 << QByteArray() << "no news" << QStringList{} << QStringList{} << "now"
        << "";
}

void tst_CouchDbProfile::parse()
{
    QFETCH(QString, cursor);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, verdict);
    QFETCH(QStringList, keys);
    QFETCH(QStringList, types);
    QFETCH(QString, next);
    QFETCH(QString, reasonContains);

    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(status, body), cursor);
    QCOMPARE(verdictName(result.verdict), verdict);
    QCOMPARE(::keys(result.events), keys);
    QCOMPARE(::types(result.events), types);
    QCOMPARE(result.cursor, next);
    if (!reasonContains.isEmpty())
        QVERIFY2(result.reason.contains(reasonContains), qPrintable(result.reason));
    if (verdict == "retry" && status == 200)
        QVERIFY(result.malformed);
    // Every cursor a change gives must build a request again.
    QVERIFY(profile->request(result.cursor).url.isValid());
}

void tst_CouchDbProfile::eventFields()
{
    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(
        response(200, R"({"results":[{"seq":"4-d","id":"gone","changes":[{"rev":"3-z"}],)"
                      R"("deleted":true}],"last_seq":"4-d"})"),
        "now");
    QCOMPARE(result.events.size(), 1);
    const Event &event = result.events.first();
    QCOMPARE(event.text, QString("gone"));
    QVERIFY(!event.time.isValid());
    QJsonParseError error;
    const QJsonObject raw = QJsonDocument::fromJson(event.raw, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(raw.value("deleted"), QJsonValue(true));
    QCOMPARE(raw.value("seq"), QJsonValue("4-d"));
    QVERIFY(!event.raw.contains(' ')); // compact
}

void tst_CouchDbProfile::repeatsAcrossAnswersAreDropped()
{
    auto profile = make();
    QVERIFY(profile);
    const QByteArray first =
        R"({"results":[{"seq":"1-a","id":"doc","changes":[{"rev":"1-x"}]}],"last_seq":"1-a"})";
    // A cluster node restarting replays changes from an older sequence.
    const QByteArray replay =
        R"({"results":[{"seq":"1-b","id":"doc","changes":[{"rev":"1-x"}]},)"
        R"({"seq":"2-b","id":"doc","changes":[{"rev":"2-y"}]}],"last_seq":"2-b"})";
    PollResult result = profile->parse(response(200, first), "now");
    QCOMPARE(keys(result.events), QStringList{"doc@1-x"});

    result = profile->parse(response(200, replay), result.cursor);
    QCOMPARE(verdictName(result.verdict), QString("events"));
    QCOMPARE(keys(result.events), QStringList{"doc@2-y"});
    QCOMPARE(result.cursor, QString(R"("2-b")"));

    // Only repeats: no news, but the cursor still moves on.
    const QByteArray again =
        R"({"results":[{"seq":"3-b","id":"doc","changes":[{"rev":"2-y"}]}],"last_seq":"3-b"})";
    result = profile->parse(response(200, again), result.cursor);
    QCOMPARE(verdictName(result.verdict), QString("no news"));
    QCOMPARE(result.cursor, QString(R"("3-b")"));

    profile->reset();
    result = profile->parse(response(200, again), "now");
    QCOMPARE(keys(result.events), QStringList{"doc@2-y"});
}

void tst_CouchDbProfile::seenMemoryIsBounded()
{
    CouchDbProfile profile(QUrl("http://couch.test/db"));
    const auto change = [](int n) {
        return QString(R"({"seq":%1,"id":"d%1","changes":[{"rev":"1-a"}]})").arg(n);
    };
    QStringList all;
    for (int n = 0; n <= CouchDbProfile::kSeenMemory; ++n)
        all << change(n);
    const QByteArray body =
        QString(R"({"results":[%1],"last_seq":%2})").arg(all.join(',')).arg(all.size()).toUtf8();
    PollResult result = profile.parse(response(200, body), "0");
    QCOMPARE(result.events.size(), CouchDbProfile::kSeenMemory + 1);
    // The oldest pair has been forgotten; the newest is still known.
    const QByteArray oldest = QString(R"({"results":[%1,%2],"last_seq":1})")
                                  .arg(change(0), change(CouchDbProfile::kSeenMemory))
                                  .toUtf8();
    result = profile.parse(response(200, oldest), "0");
    QCOMPARE(keys(result.events), QStringList{"d0@1-a"});
}

void tst_CouchDbProfile::knobs_data()
{
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<QString>("initialCursor");

    const QString db = "http://couch.test/jobs";
    QTest::newRow("an initial cursor can be given")
        << QVariantMap{{"initial-cursor", "0"}} << db << ""
        << "0";
    QTest::newRow("an empty initial cursor means now")
        << QVariantMap{{"initial-cursor", ""}} << db << ""
        << "now";
    QTest::newRow("a generic knob that does not apply is refused")
        << QVariantMap{{"events-path", "results"}} << db << "does not apply"
        << "";
    QTest::newRow("an unknown knob is refused")
        << QVariantMap{{"colour", "red"}} << db << "does not apply"
        << "";
    QTest::newRow("a negative hold is refused")
        << QVariantMap{{"hold", "-3"}} << db << "not a valid value"
        << "";
    QTest::newRow("an ftp URL is refused") << QVariantMap{} << "ftp://couch.test/jobs"
                                           << "http://"
                                           << "";
}

void tst_CouchDbProfile::knobs()
{
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, url);
    QFETCH(QString, errorContains);
    QFETCH(QString, initialCursor);
    QStringList errors;
    auto profile = createProfile("couchdb-changes", QUrl(url), knobs, &errors);
    if (errorContains.isEmpty()) {
        QVERIFY2(profile, qPrintable(errors.join(' ')));
        QCOMPARE(profile->initialCursor(), initialCursor);
    } else {
        QVERIFY(!profile);
        QVERIFY2(errors.join(' ').contains(errorContains), qPrintable(errors.join(' ')));
    }
}

void tst_CouchDbProfile::aContinuousFeedIsAskedForAndReadLineByLine()
{
    auto profile = make({{"mode", "stream"}, {"hold", "20"}});
    QVERIFY(profile);
    QVERIFY(profile->streamsAnswers());
    QVERIFY(!profile->acceptsCompression());
    QVERIFY(!make()->acceptsCompression()); // a long poll holds with heartbeats too
    const QUrlQuery query(profile->request("now").url);
    QCOMPARE(query.queryItemValue("feed"), QString("continuous"));
    // A heartbeat twice per hold, instead of CouchDB's timeout.
    QCOMPARE(query.queryItemValue("heartbeat"), QString("10000"));
    QVERIFY(!query.hasQueryItem("timeout"));
    // A heartbeat the user chose stays.
    auto own = make({{"mode", "stream"}}, "http://couch.test/db/_changes?heartbeat=500");
    QCOMPARE(QUrlQuery(own->request("now").url).allQueryItemValues("heartbeat"),
             QStringList{"500"});

    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    const QByteArray a = R"({"seq":"1-a","id":"job-1","changes":[{"rev":"1-x"}]})";
    const QByteArray b = R"({"seq":"2-b","id":"job-2","changes":[{"rev":"1-y"}],"deleted":true})";
    PollResult result = profile->readStream(a + "\n\n" + b.left(10), "now");
    QCOMPARE(verdictName(result.verdict), QString("events"));
    QCOMPARE(result.events.size(), 1);
    QCOMPARE(result.events.at(0).key, QString("job-1@1-x"));
    QCOMPARE(result.cursor, QString("\"1-a\""));
    result = profile->readStream(b.mid(10) + "\n", result.cursor);
    QCOMPARE(result.events.size(), 1);
    QCOMPARE(result.events.at(0).type, QString("deleted"));
    QCOMPARE(result.cursor, QString("\"2-b\""));
    // The same change again is no news; the end of the feed moves the cursor.
    result = profile->readStream(a + "\n{\"last_seq\":\"3-c\",\"pending\":0}\n", result.cursor);
    QCOMPARE(verdictName(result.verdict), QString("no news"));
    QCOMPARE(result.cursor, QString("\"3-c\""));
    QCOMPARE(verdictName(profile->endStream(result.cursor).verdict), QString("no news"));
}

void tst_CouchDbProfile::aBadLineInAContinuousFeedTakesNoneOfItsRead()
{
    auto profile = make({{"mode", "stream"}});
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    const QByteArray good = R"({"seq":5,"id":"job-5","changes":[{"rev":"1-x"}]})";
    PollResult result = profile->readStream(good + "\n{\"seq\":6}\n", "4");
    QCOMPARE(verdictName(result.verdict), QString("retry"));
    QVERIFY(result.malformed);
    QCOMPARE(result.cursor, QString("4"));
    // Not remembered either: the next stream hands it over.
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    result = profile->readStream(good + "\n", "4");
    QCOMPARE(result.events.size(), 1);
    QCOMPARE(result.cursor, QString("5"));
    result = profile->readStream("{\"error\":\"unauthorized\",\"reason\":\"gone\"}\n", "5");
    QCOMPARE(verdictName(result.verdict), QString("retry"));
}

QTEST_GUILESS_MAIN(tst_CouchDbProfile)
#include "tst_couchdbprofile.moc"
