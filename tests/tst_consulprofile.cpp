#include "common/profiletesting.h"
#include "profiles.h"
#include "profiles/consulprofile.h"

#include <QJsonDocument>
#include <QTest>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<FeedProfile>
make(const QVariantMap &knobs = {},
     const QString &url = "http://consul.test:8500/v1/catalog/services")
{
    QStringList errors;
    auto profile = createProfile("consul-blocking", QUrl(url), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

// One answer of a scenario: "<status> <index header>=<index> <body>", e.g.
// "200 X-Consul-Index=5 {\"a\":1}". Written as text so rows stay readable.
PollResponse step(const QString &text)
{
    const QStringList parts = text.split(' ');
    const int status = parts.value(0).toInt();
    const QStringList header = parts.value(1).split('=');
    const QByteArray body = parts.mid(2).join(' ').toUtf8();
    return response(status, body, {{header.value(0).toLatin1(), header.value(1).toLatin1()}});
}

} // namespace

class tst_ConsulProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void registered();
    void request_data();
    void request();
    void holdTimeCoversTheJitter_data();
    void holdTimeCoversTheJitter();
    void scenario_data();
    void scenario();
    void failures_data();
    void failures();
    void resetForgetsTheLastState();
    void eventFields();
    void knobs_data();
    void knobs();
};

void tst_ConsulProfile::registered()
{
    QVERIFY(profileIds().contains("consul-blocking"));
    QVERIFY(!profileDescription("consul-blocking").isEmpty());
    auto profile = make();
    QVERIFY(profile);
    QCOMPARE(profile->id(), QString("consul-blocking"));
    QCOMPARE(profile->initialCursor(), QString("0"));
}

void tst_ConsulProfile::request_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<QString>("index");
    QTest::addColumn<QString>("wait");

    const QString services = "http://consul.test:8500/v1/catalog/services";
    QTest::newRow("the first call sends no index and does not block")
        << services << QVariantMap{} << "0"
        << ""
        << "";
    QTest::newRow("an empty cursor is a first call too") << services << QVariantMap{} << ""
                                                         << ""
                                                         << "";
    QTest::newRow("a cursor blocks on that index with the wait as a Go duration")
        << services << QVariantMap{} << "42"
        << "42"
        << "55s";
    QTest::newRow("the hold knob sets the wait") << services << QVariantMap{{"hold", "300"}} << "7"
                                                 << "7"
                                                 << "300s";
    QTest::newRow("a fractional hold is written in milliseconds")
        << services << QVariantMap{{"hold", "1.5"}} << "7"
        << "7"
        << "1500ms";
    QTest::newRow("an index the user put in the URL is replaced")
        << "http://consul.test/v1/kv/app?recurse=true&index=3&wait=1s" << QVariantMap{} << "9"
        << "9"
        << "55s";
    QTest::newRow("a cursor that is not a number reads without blocking")
        << services << QVariantMap{} << "abc"
        << ""
        << "";
}

void tst_ConsulProfile::request()
{
    QFETCH(QString, url);
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, cursor);
    QFETCH(QString, index);
    QFETCH(QString, wait);
    auto profile = make(knobs, url);
    QVERIFY(profile);
    const PollRequest request = profile->request(cursor);
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.url.path(), QUrl(url).path());
    const QUrlQuery query(request.url);
    QCOMPARE(query.allQueryItemValues("index"),
             index.isEmpty() ? QStringList{} : QStringList{index});
    QCOMPARE(query.allQueryItemValues("wait"), wait.isEmpty() ? QStringList{} : QStringList{wait});
    if (QUrlQuery(QUrl(url)).hasQueryItem("recurse"))
        QCOMPARE(query.queryItemValue("recurse"), QString("true"));
}

void tst_ConsulProfile::holdTimeCoversTheJitter_data()
{
    QTest::addColumn<QString>("hold");
    QTest::addColumn<int>("expectedMs");
    QTest::newRow("a 160 s wait may last 170 s") << "160" << 170'000;
    QTest::newRow("the default 55 s wait") << "55" << 58'438;
    QTest::newRow("a 1 s wait") << "1" << 1'063;
}

void tst_ConsulProfile::holdTimeCoversTheJitter()
{
    QFETCH(QString, hold);
    QFETCH(int, expectedMs);
    auto profile = make({{"hold", hold}});
    QVERIFY(profile);
    QCOMPARE(profile->holdTime().count(), expectedMs);
    const auto wait = std::chrono::milliseconds(qint64(hold.toDouble() * 1000));
    QVERIFY(profile->holdTime() >= wait + wait / 16);
}

void tst_ConsulProfile::scenario_data()
{
    QTest::addColumn<QString>("start");
    QTest::addColumn<QStringList>("answers");
    QTest::addColumn<QStringList>("verdicts");
    QTest::addColumn<QStringList>("cursors");

    QTest::newRow("the first answer is reported as the state")
        << "0" << QStringList{"200 X-Consul-Index=5 {\"web\":[]}"} << QStringList{"events"}
        << QStringList{"5"};
    QTest::newRow("an unchanged body is no news, though the index moved")
        << "0"
        << QStringList{"200 X-Consul-Index=5 {\"web\":[]}", "200 X-Consul-Index=9 {\"web\":[]}"}
        << QStringList{"events", "no news"} << QStringList{"5", "9"};
    QTest::newRow("a changed body is an event")
        << "0"
        << QStringList{"200 X-Consul-Index=5 {\"web\":[]}",
                       "200 X-Consul-Index=6 {\"web\":[\"v2\"]}"}
        << QStringList{"events", "events"} << QStringList{"5", "6"};
    QTest::newRow("the same state with keys in another order and other spacing is no news")
        << "0"
        << QStringList{"200 X-Consul-Index=5 {\"a\":1,\"b\":2}",
                       "200 X-Consul-Index=6 {  \"b\": 2, \"a\": 1 }"}
        << QStringList{"events", "no news"} << QStringList{"5", "6"};
    QTest::newRow("an index going backwards resets the cursor to 0, then reads again")
        << "0"
        << QStringList{"200 X-Consul-Index=10 [1]", "200 X-Consul-Index=4 [1]",
                       "200 X-Consul-Index=4 [1]"}
        << QStringList{"events", "no news", "no news"} << QStringList{"10", "0", "4"};
    QTest::newRow("a backwards index with a new state still reports the state")
        << "0" << QStringList{"200 X-Consul-Index=10 [1]", "200 X-Consul-Index=3 [2]"}
        << QStringList{"events", "events"} << QStringList{"10", "0"};
    QTest::newRow("a resumed cursor ahead of the server resets to 0")
        << "500" << QStringList{"200 X-Consul-Index=20 [1]", "200 X-Consul-Index=20 [1]"}
        << QStringList{"events", "no news"} << QStringList{"0", "20"};
    QTest::newRow("an index of 0 is never sent back: it becomes 1")
        << "0" << QStringList{"200 X-Consul-Index=0 []", "200 X-Consul-Index=0 []"}
        << QStringList{"events", "no news"} << QStringList{"1", "0"};
    QTest::newRow("Nomad's index header works the same")
        << "0"
        << QStringList{"200 X-Nomad-Index=77 [{\"ID\":\"job\"}]",
                       "200 X-Nomad-Index=78 [{\"ID\":\"job\"}]"}
        << QStringList{"events", "no news"} << QStringList{"77", "78"};
    QTest::newRow("a missing KV key is an absent state, and stays no news while absent")
        << "0"
        << QStringList{"404 X-Consul-Index=8 ", "404 X-Consul-Index=9 ",
                       "200 X-Consul-Index=12 [{\"Key\":\"app\"}]"}
        << QStringList{"events", "no news", "events"} << QStringList{"8", "9", "12"};
    QTest::newRow("a raw value that is not JSON is compared as bytes")
        << "0"
        << QStringList{"200 X-Consul-Index=3 on", "200 X-Consul-Index=4 on",
                       "200 X-Consul-Index=5 off"}
        << QStringList{"events", "no news", "events"} << QStringList{"3", "4", "5"};
    QTest::newRow("an empty body is a state of its own")
        << "0"
        << QStringList{"200 X-Consul-Index=3 ", "200 X-Consul-Index=4 ", "200 X-Consul-Index=5 []"}
        << QStringList{"events", "no news", "events"} << QStringList{"3", "4", "5"};
}

void tst_ConsulProfile::scenario()
{
    QFETCH(QString, start);
    QFETCH(QStringList, answers);
    QFETCH(QStringList, verdicts);
    QFETCH(QStringList, cursors);
    QCOMPARE(verdicts.size(), answers.size());

    auto profile = make({{"initial-cursor", start}});
    QVERIFY(profile);
    QString cursor = profile->initialCursor();
    for (qsizetype i = 0; i < answers.size(); ++i) {
        const PollResult result = profile->parse(step(answers.at(i)), cursor);
        QCOMPARE(verdictName(result.verdict), verdicts.at(i));
        QCOMPARE(result.cursor, cursors.at(i));
        QCOMPARE(result.events.size(), verdicts.at(i) == "events" ? 1 : 0);
        cursor = result.cursor;
        // After the first call, no request may carry an index below 1.
        const QString index = QUrlQuery(profile->request(cursor).url).queryItemValue("index");
        QVERIFY2(index.isEmpty() || index.toLongLong() >= 1, qPrintable(index));
    }
}

void tst_ConsulProfile::failures_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<QString>("reasonContains");

    QTest::newRow("an endpoint without an index header cannot block and is fatal")
        << 200 << HeaderList{} << QByteArray("{}") << "fatal"
        << "blocking";
    QTest::newRow("an index that is not a number is malformed")
        << 200 << HeaderList{{"X-Consul-Index", "abc"}} << QByteArray("{}") << "retry"
        << "not a number";
    QTest::newRow("a 404 without an index is fatal")
        << 404 << HeaderList{} << QByteArray("Invalid URL path") << "fatal"
        << "Invalid URL path";
    QTest::newRow("a missing ACL token is fatal")
        << 403 << HeaderList{} << QByteArray("Permission denied") << "fatal"
        << "Permission denied";
    QTest::newRow("no cluster leader is retried")
        << 500 << HeaderList{} << QByteArray("No cluster leader") << "retry"
        << "No cluster leader";
    QTest::newRow("a rate limit honours Retry-After")
        << 429 << HeaderList{{"Retry-After", "3"}} << QByteArray() << "retry"
        << "429";
}

void tst_ConsulProfile::failures()
{
    QFETCH(int, status);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QString, verdict);
    QFETCH(QString, reasonContains);
    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(status, body, headers), "12");
    QCOMPARE(verdictName(result.verdict), verdict);
    QCOMPARE(result.cursor, QString("12"));
    QVERIFY(result.events.isEmpty());
    QVERIFY2(result.reason.contains(reasonContains), qPrintable(result.reason));
    if (status == 429)
        QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(3000)));
}

void tst_ConsulProfile::resetForgetsTheLastState()
{
    auto profile = make();
    QVERIFY(profile);
    const PollResponse answer = response(200, "[1]", {{"X-Consul-Index", "5"}});
    QCOMPARE(profile->parse(answer, "0").verdict, Verdict::Events);
    QCOMPARE(profile->parse(answer, "5").verdict, Verdict::NoNews);
    profile->reset();
    QCOMPARE(profile->parse(answer, "5").verdict, Verdict::Events);
}

void tst_ConsulProfile::eventFields()
{
    auto profile = make();
    QVERIFY(profile);
    const PollResult first =
        profile->parse(response(200, "{ \"web\": [\"v1\"] }", {{"X-Consul-Index", "5"}}), "0");
    QCOMPARE(first.events.size(), 1);
    const Event &event = first.events.first();
    QCOMPARE(event.type, QString("state"));
    QCOMPARE(event.raw, QByteArray(R"({"web":["v1"]})"));
    QVERIFY(event.text.contains("web"));
    QVERIFY2(event.key.startsWith("5:"), qPrintable(event.key));

    // A different state under an index seen before has another key, so the
    // Poller's memory of recent keys does not swallow it.
    profile->reset();
    const PollResult other =
        profile->parse(response(200, "{\"web\":[\"v2\"]}", {{"X-Consul-Index", "5"}}), "0");
    QCOMPARE(other.events.size(), 1);
    QVERIFY(other.events.first().key.startsWith("5:"));
    QVERIFY(other.events.first().key != event.key);

    // The same state gives the same key.
    profile->reset();
    const PollResult same =
        profile->parse(response(200, "{\"web\":[\"v1\"]}", {{"X-Consul-Index", "5"}}), "0");
    QCOMPARE(same.events.first().key, event.key);

    const PollResult raw =
        profile->parse(response(200, "plain \"text\"", {{"X-Consul-Index", "6"}}), "5");
    QCOMPARE(raw.events.first().raw, QByteArray(R"("plain \"text\"")"));
    QCOMPARE(raw.events.first().text, QString("plain \"text\""));

    const PollResult absent = profile->parse(response(404, "", {{"X-Consul-Index", "7"}}), "6");
    QCOMPARE(absent.events.first().type, QString("absent"));
    QCOMPARE(absent.events.first().raw, QByteArray("null"));
}

void tst_ConsulProfile::knobs_data()
{
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("a whole-number initial cursor is accepted")
        << QVariantMap{{"initial-cursor", "120"}} << "";
    QTest::newRow("an initial cursor that is not a number is refused")
        << QVariantMap{{"initial-cursor", "latest"}} << "not a Consul index";
    QTest::newRow("a negative initial cursor is refused")
        << QVariantMap{{"initial-cursor", "-1"}} << "not a Consul index";
    QTest::newRow("a knob of the generic profile does not apply")
        << QVariantMap{{"hold-param", "wait"}} << "does not apply";
}

void tst_ConsulProfile::knobs()
{
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, errorContains);
    QStringList errors;
    auto profile =
        createProfile("consul-blocking", QUrl("http://consul.test/v1/kv/a"), knobs, &errors);
    if (errorContains.isEmpty()) {
        QVERIFY2(profile, qPrintable(errors.join(' ')));
        QCOMPARE(profile->initialCursor(), knobs.value("initial-cursor").toString());
    } else {
        QVERIFY(!profile);
        QVERIFY2(errors.join(' ').contains(errorContains), qPrintable(errors.join(' ')));
    }
}

QTEST_GUILESS_MAIN(tst_ConsulProfile)
#include "tst_consulprofile.moc"
