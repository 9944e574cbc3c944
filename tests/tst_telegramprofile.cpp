#include "common/profiletesting.h"
#include "profiles.h"
#include "profiles/telegramprofile.h"

#include <QTest>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

// A made-up token in Telegram's shape: "<bot id>:<35 url-safe characters>".
const QString kToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ";
const QString kSecretHalf = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ";

std::unique_ptr<FeedProfile> make(const QVariantMap &knobs = {},
                                  const QString &url = "https://api.telegram.org/bot" + kToken +
                                                       "/getUpdates")
{
    QStringList errors;
    auto profile = createProfile("telegram-getupdates", QUrl(url), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

QByteArray bytes(const QString &text)
{
    return text.toUtf8();
}

} // namespace

class tst_TelegramProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void registered();
    void request_data();
    void request();
    void parse_data();
    void parse();
    void eventFields();
    void knobErrorsDoNotShowTheToken();
};

void tst_TelegramProfile::registered()
{
    QVERIFY(profileIds().contains("telegram-getupdates"));
    QVERIFY(!profileDescription("telegram-getupdates").isEmpty());
    auto profile = make();
    QVERIFY(profile);
    QCOMPARE(profile->id(), QString("telegram-getupdates"));
    QCOMPARE(profile->initialCursor(), QString());
    QCOMPARE(profile->holdTime(), 50s);
}

void tst_TelegramProfile::request_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<QString>("offset");
    QTest::addColumn<QString>("timeout");

    const QString bot = "https://api.telegram.org/bot" + kToken;
    QTest::newRow("the first call sends no offset: the oldest unconfirmed update comes first")
        << bot + "/getUpdates" << QVariantMap{} << ""
        << ""
        << "50";
    QTest::newRow("a cursor is the offset, which acknowledges everything before it")
        << bot + "/getUpdates" << QVariantMap{} << "1001"
        << "1001"
        << "50";
    QTest::newRow("a bot URL without the method gets /getUpdates") << bot << QVariantMap{} << "7"
                                                                   << "7"
                                                                   << "50";
    QTest::newRow("a bot URL with a trailing slash") << bot + "/" << QVariantMap{} << "7"
                                                     << "7"
                                                     << "50";
    QTest::newRow("the hold knob sets the timeout in seconds")
        << bot << QVariantMap{{"hold", "25"}} << "7"
        << "7"
        << "25";
}

void tst_TelegramProfile::request()
{
    QFETCH(QString, url);
    QFETCH(QVariantMap, knobs);
    QFETCH(QString, cursor);
    QFETCH(QString, offset);
    QFETCH(QString, timeout);
    auto profile = make(knobs, url);
    QVERIFY(profile);
    const PollRequest request = profile->request(cursor);
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.url.path(), "/bot" + kToken + "/getUpdates");
    const QUrlQuery query(request.url);
    QCOMPARE(query.allQueryItemValues("offset"),
             offset.isEmpty() ? QStringList{} : QStringList{offset});
    QCOMPARE(query.queryItemValue("timeout"), timeout);
}

void tst_TelegramProfile::parse_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<int>("status");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<QStringList>("types");
    QTest::addColumn<QString>("next");
    QTest::addColumn<int>("retryAfterMs"); // -1: none
    QTest::addColumn<QString>("reasonContains");

    QTest::newRow("updates move the offset past the largest update_id")
        << "" << 200 << HeaderList{}
        << QByteArray(R"({"ok":true,"result":[{"update_id":100,"message":{"message_id":1,)"
                      R"("date":1795380184,"text":"hi"}},{"update_id":101,"edited_message":)"
                      R"({"message_id":1,"date":1795380190,"text":"hi!"}}]})")
        << "events" << QStringList{"100", "101"} << QStringList{"message", "edited_message"}
        << "102" << -1 << "";
    QTest::newRow("the kind of each update is its type")
        << "5" << 200 << HeaderList{}
        << QByteArray(R"({"ok":true,"result":[{"update_id":5,"callback_query":{"id":"q",)"
                      R"("data":"yes"}},{"update_id":6,"channel_post":{"date":1,"caption":"c"}},)"
                      R"({"update_id":7,"my_chat_member":{"date":2}}]})")
        << "events" << QStringList{"5", "6", "7"}
        << QStringList{"callback_query", "channel_post", "my_chat_member"} << "8" << -1 << "";
    QTest::newRow("an empty result is no news")
        << "102" << 200 << HeaderList{} << QByteArray(R"({"ok":true,"result":[]})") << "no news"
        << QStringList{} << QStringList{} << "102" << -1 << "";
    QTest::newRow("updates below the offset are dropped as already acknowledged")
        << "102" << 200 << HeaderList{}
        << QByteArray(R"({"ok":true,"result":[{"update_id":101,"message":{"text":"old"}},)"
                      R"({"update_id":102,"message":{"text":"new"}}]})")
        << "events" << QStringList{"102"} << QStringList{"message"} << "103" << -1 << "";
    QTest::newRow("heartbeat whitespace before the JSON is skipped")
        << "" << 200 << HeaderList{}
        << QByteArray("\n\r\n {\"ok\":true,\"result\":[{\"update_id\":1,\"message\":{}}]}")
        << "events" << QStringList{"1"} << QStringList{"message"} << "2" << -1 << "";
    QTest::newRow("an empty body is no news")
        << "9" << 200 << HeaderList{} << QByteArray() << "no news" << QStringList{} << QStringList{}
        << "9" << -1 << "";
    QTest::newRow("429 with parameters.retry_after retries after that delay")
        << "9" << 429 << HeaderList{}
        << QByteArray(R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry )"
                      R"(after 7","parameters":{"retry_after":7}})")
        << "retry" << QStringList{} << QStringList{} << "9" << 7000 << "slow down";
    QTest::newRow("a 429 envelope behind a proxy that says 200 still retries after the delay")
        << "9" << 200 << HeaderList{}
        << QByteArray(R"({"ok":false,"error_code":429,"description":"Too Many Requests",)"
                      R"("parameters":{"retry_after":3}})")
        << "retry" << QStringList{} << QStringList{} << "9" << 3000 << "slow down";
    QTest::newRow("a retry_after too large for a delay is capped, not overflowed")
        << "9" << 429 << HeaderList{}
        << QByteArray(R"({"ok":false,"error_code":429,"parameters":{"retry_after":1e300}})")
        << "retry" << QStringList{} << QStringList{} << "9" << 24 * 3600 * 1000 << "";
    QTest::newRow("a negative retry_after falls back to Retry-After")
        << "9" << 429 << HeaderList{{"Retry-After", "11"}}
        << QByteArray(R"({"ok":false,"error_code":429,"parameters":{"retry_after":-5}})") << "retry"
        << QStringList{} << QStringList{} << "9" << 11000 << "";
    QTest::newRow("a date beyond any calendar is no time (found by fuzz_profiles)")
        << "" << 200 << HeaderList{}
        << QByteArray(R"({"ok":true,"result":[{"update_id":10,"message":{"text":"hi",)"
                      R"("date":1.7e63}}]})")
        << "events" << QStringList{"10"} << QStringList{"message"} << "11" << -1 << "";
    QTest::newRow("a 429 without retry_after falls back to Retry-After")
        << "9" << 429 << HeaderList{{"Retry-After", "11"}}
        << QByteArray(R"({"ok":false,"error_code":429,"description":"Too Many Requests"})")
        << "retry" << QStringList{} << QStringList{} << "9" << 11000 << "slow down";
    QTest::newRow("409 is fatal: another poller is running")
        << "9" << 409 << HeaderList{}
        << QByteArray(
               R"({"ok":false,"error_code":409,"description":"Conflict: terminated by )"
               R"(other getUpdates request; make sure that only one bot instance is running"})")
        << "fatal" << QStringList{} << QStringList{} << "9" << -1 << "Another poller is running";
    QTest::newRow("401 is fatal: the token is wrong")
        << "9" << 401 << HeaderList{}
        << QByteArray(R"({"ok":false,"error_code":401,"description":"Unauthorized"})") << "fatal"
        << QStringList{} << QStringList{} << "9" << -1 << "token";
    QTest::newRow("a description that echoes the token is shown without it")
        << "9" << 404 << HeaderList{}
        << bytes(R"({"ok":false,"error_code":404,"description":"Not Found: bot)" + kToken +
                 R"( and )" + kSecretHalf + R"("})")
        << "fatal" << QStringList{} << QStringList{} << "9" << -1 << "Not Found: bot***";
    QTest::newRow("a 500 envelope is retried")
        << "9" << 500 << HeaderList{}
        << QByteArray(R"({"ok":false,"error_code":500,"description":"Internal Server Error"})")
        << "retry" << QStringList{} << QStringList{} << "9" << -1 << "Internal Server Error";
    QTest::newRow("an ok:false envelope without a code uses the HTTP status")
        << "9" << 502 << HeaderList{} << QByteArray(R"({"ok":false,"description":"Bad Gateway"})")
        << "retry" << QStringList{} << QStringList{} << "9" << -1 << "Bad Gateway";
    QTest::newRow("an HTML page from a proxy is retried")
        << "9" << 502 << HeaderList{} << QByteArray("<html>502 Bad Gateway</html>") << "retry"
        << QStringList{} << QStringList{} << "9" << -1 << "502";
    QTest::newRow("a result that is not an array is malformed")
        << "9" << 200 << HeaderList{} << QByteArray(R"({"ok":true,"result":"none"})") << "retry"
        << QStringList{} << QStringList{} << "9" << -1 << "array";
    QTest::newRow("an update_id that is not a number is malformed and the offset stays")
        << "9" << 200 << HeaderList{}
        << QByteArray(R"({"ok":true,"result":[{"update_id":"ten","message":{}}]})") << "retry"
        << QStringList{} << QStringList{} << "9" << -1 << "update_id";
    QTest::newRow("an answer without ok is an error")
        << "9" << 200 << HeaderList{} << QByteArray(R"({"result":[]})") << "retry" << QStringList{}
        << QStringList{} << "9" << -1 << "error";
    QTest::newRow("a top-level array is an error")
        << "9" << 200 << HeaderList{} << QByteArray("[]") << "retry" << QStringList{}
        << QStringList{} << "9" << -1 << "error";
    QTest::newRow("a body that is not JSON is malformed")
        << "9" << 200 << HeaderList{} << QByteArray("{\"ok\":tru") << "retry" << QStringList{}
        << QStringList{} << "9" << -1 << "not valid JSON";
}

void tst_TelegramProfile::parse()
{
    QFETCH(QString, cursor);
    QFETCH(int, status);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QString, verdict);
    QFETCH(QStringList, keys);
    QFETCH(QStringList, types);
    QFETCH(QString, next);
    QFETCH(int, retryAfterMs);
    QFETCH(QString, reasonContains);

    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(response(status, body, headers), cursor);
    QCOMPARE(verdictName(result.verdict), verdict);
    QStringList gotKeys, gotTypes;
    for (const Event &e : result.events) {
        gotKeys << e.key;
        gotTypes << e.type;
    }
    QCOMPARE(gotKeys, keys);
    QCOMPARE(gotTypes, types);
    QCOMPARE(result.cursor, next);
    if (retryAfterMs < 0)
        QVERIFY(!result.retryAfter.has_value());
    else
        QCOMPARE(result.retryAfter, std::optional(std::chrono::milliseconds(retryAfterMs)));
    QVERIFY2(result.reason.contains(reasonContains), qPrintable(result.reason));
    // The token, or its secret half, never appears in what may be shown.
    for (const QString &text : {result.reason, result.detail}) {
        QVERIFY2(!text.contains(kSecretHalf), qPrintable(text));
        QVERIFY2(!text.contains(kToken), qPrintable(text));
    }
}

void tst_TelegramProfile::eventFields()
{
    auto profile = make();
    QVERIFY(profile);
    const PollResult result = profile->parse(
        response(200, R"({"ok":true,"result":[)"
                      R"({"update_id":1,"message":{"date":1795380184,"text":"hello"}},)"
                      R"({"update_id":2,"edited_message":{"date":1795380190,"text":"hello!"}},)"
                      R"({"update_id":3,"message":{"date":1795380200,"caption":"a photo"}},)"
                      R"({"update_id":4,"callback_query":{"id":"x","data":"button-1"}}]})"),
        "");
    QCOMPARE(result.events.size(), 4);
    QCOMPARE(result.events.at(0).text, QString("hello"));
    QCOMPARE(result.events.at(0).time, QDateTime::fromSecsSinceEpoch(1795380184, Qt::UTC));
    QCOMPARE(result.events.at(1).text, QString("hello!"));
    QCOMPARE(result.events.at(1).time, QDateTime::fromSecsSinceEpoch(1795380190, Qt::UTC));
    QCOMPARE(result.events.at(2).text, QString("a photo"));
    QCOMPARE(result.events.at(3).text, QString("button-1"));
    QVERIFY(!result.events.at(3).time.isValid());
    // The update as Telegram sent it.
    QCOMPARE(result.events.at(3).raw,
             QByteArray(R"({"update_id":4,"callback_query":{"id":"x","data":"button-1"}})"));
}

void tst_TelegramProfile::knobErrorsDoNotShowTheToken()
{
    QStringList errors;
    // A bad knob and a URL whose query also carries the token.
    auto profile = createProfile(
        "telegram-getupdates",
        QUrl("https://api.telegram.org/bot" + kToken + "/getUpdates?token=" + kSecretHalf),
        {{"hold", "never"}, {"ok-path", "a[["}}, &errors);
    QVERIFY(!profile);
    QVERIFY(!errors.isEmpty());
    for (const QString &error : std::as_const(errors))
        QVERIFY2(!error.contains(kSecretHalf), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_TelegramProfile)
#include "tst_telegramprofile.moc"
