#include "feedprofile.h"

#include <QTest>

#include <QTimeZone>
#include <limits>

using namespace Longwatch;
using namespace std::chrono;

Q_DECLARE_METATYPE(Longwatch::Verdict)
Q_DECLARE_METATYPE(std::optional<std::chrono::milliseconds>)

class tst_FeedProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void classify_data();
    void classify();
    void retryAfter_data();
    void retryAfter();
    void serverReason_data();
    void serverReason();
    void headerLookupIgnoresCase();
    void numbersFromFeedsStayInRange();
};

void tst_FeedProfile::classify_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("retryAfterHeader");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<qint64>("retryAfterMs");

    QTest::newRow("200 is for the profile to parse")
        << 200 << QByteArray() << Verdict::Events << -1LL;
    for (int status : {408, 500, 502, 504})
        QTest::addRow("%d is a retry", status) << status << QByteArray() << Verdict::Retry << -1LL;
    QTest::newRow("429 honours Retry-After seconds")
        << 429 << QByteArray("12") << Verdict::Retry << 12000LL;
    QTest::newRow("503 honours a Retry-After date")
        << 503 << QByteArray("Sun, 22 Nov 2026 12:00:30 GMT") << Verdict::Retry << 30000LL;
    QTest::newRow("a Retry-After date in the past means now")
        << 503 << QByteArray("Sun, 22 Nov 2026 11:00:00 GMT") << Verdict::Retry << 0LL;
    for (int status : {400, 401, 403, 404, 405, 409, 422, 418})
        QTest::addRow("%d is fatal", status) << status << QByteArray() << Verdict::Fatal << -1LL;
    QTest::newRow("410 asks for a resync") << 410 << QByteArray() << Verdict::Resync << -1LL;
    QTest::newRow("304 is no news") << 304 << QByteArray() << Verdict::NoNews << -1LL;
    QTest::newRow("a redirect we did not follow is fatal")
        << 302 << QByteArray() << Verdict::Fatal << -1LL;
    QTest::newRow("an unknown 5xx is a retry") << 599 << QByteArray() << Verdict::Retry << -1LL;
}

void tst_FeedProfile::classify()
{
    QFETCH(int, status);
    QFETCH(QByteArray, retryAfterHeader);
    QFETCH(Verdict, verdict);
    QFETCH(qint64, retryAfterMs);

    PollResponse response;
    response.status = status;
    response.body = R"({"error":"the reason"})";
    if (!retryAfterHeader.isEmpty())
        response.headers.append({"Retry-After", retryAfterHeader});
    response.receivedAt = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC);

    const auto result = classifyHttpStatus(response, QStringLiteral("c"));
    if (status == 200) {
        QVERIFY(!result);
        return;
    }
    QVERIFY(result);
    QCOMPARE(result->verdict, verdict);
    QCOMPARE(result->cursor, QStringLiteral("c"));
    if (retryAfterMs >= 0)
        QCOMPARE(result->retryAfter, std::optional(milliseconds(retryAfterMs)));
    else
        QVERIFY(!result->retryAfter);
    if (verdict == Verdict::Fatal && status >= 400) {
        QVERIFY2(result->reason.contains(QString::number(status)), qPrintable(result->reason));
        QVERIFY2(result->reason.contains(QLatin1String("the reason")), qPrintable(result->reason));
    }
}

void tst_FeedProfile::retryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expectedMs");
    QTest::newRow("seconds") << QByteArray("120") << 120000LL;
    QTest::newRow("zero") << QByteArray("0") << 0LL;
    QTest::newRow("spaces around seconds") << QByteArray(" 5 ") << 5000LL;
    QTest::newRow("an IMF date") << QByteArray("Sun, 22 Nov 2026 12:01:00 GMT") << 60000LL;
    QTest::newRow("negative seconds are ignored") << QByteArray("-3") << -1LL;
    QTest::newRow("garbage is ignored") << QByteArray("soon") << -1LL;
    QTest::newRow("empty is ignored") << QByteArray() << -1LL;
}

void tst_FeedProfile::retryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expectedMs);
    const auto parsed =
        parseRetryAfter(value, QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC));
    if (expectedMs < 0)
        QVERIFY(!parsed);
    else
        QCOMPARE(parsed, std::optional(milliseconds(expectedMs)));
}

void tst_FeedProfile::serverReason_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reason");
    QTest::newRow("Telegram's description")
        << QByteArray(R"({"ok":false,"description":"Conflict"})") << "Conflict";
    QTest::newRow("a plain error field") << QByteArray(R"({"error":"bad cursor"})") << "bad cursor";
    QTest::newRow("a nested error message")
        << QByteArray(R"({"error":{"message":"nope"}})") << "nope";
    QTest::newRow("plain text") << QByteArray("Service down\n") << "Service down";
    QTest::newRow("an HTML page says nothing") << QByteArray("<html><body>502</body></html>") << "";
    QTest::newRow("control characters are blanked") << QByteArray("a\x01"
                                                                  "b")
                                                    << "a b";
    QTest::newRow("an empty body") << QByteArray() << "";
}

void tst_FeedProfile::serverReason()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, reason);
    QCOMPARE(Longwatch::serverReason(body), reason);
}

void tst_FeedProfile::headerLookupIgnoresCase()
{
    PollResponse response;
    response.headers = {{"Etag", "1"}, {"X-Consul-Index", "7"}};
    QCOMPARE(response.header("x-consul-index"), QByteArray("7"));
    QCOMPARE(response.header("ETag"), QByteArray("1"));
    QVERIFY(response.header("Missing").isNull());
}

void tst_FeedProfile::numbersFromFeedsStayInRange()
{
    // A double out of an integer's range must never be converted to one
    // (undefined behaviour; found by fuzz_profiles in two profiles).
    QCOMPARE(utcFromEpochMsecs(1700000000123.0),
             QDateTime::fromMSecsSinceEpoch(1700000000123, QTimeZone::utc()));
    QVERIFY(!utcFromEpochMsecs(1.7e66).isValid());
    QVERIFY(!utcFromEpochMsecs(-1.0).isValid());
    QVERIFY(!utcFromEpochMsecs(std::numeric_limits<double>::infinity()).isValid());
    QVERIFY(!utcFromEpochMsecs(std::numeric_limits<double>::quiet_NaN()).isValid());

    QCOMPARE(retryHintFromSeconds(2.5), std::optional(std::chrono::milliseconds(2500)));
    QCOMPARE(retryHintFromSeconds(1e300), std::optional(std::chrono::milliseconds(86'400'000)));
    QCOMPARE(retryHintFromSeconds(-1), std::nullopt);
    QCOMPARE(retryHintFromSeconds(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
}

QTEST_GUILESS_MAIN(tst_FeedProfile)
#include "tst_feedprofile.moc"
