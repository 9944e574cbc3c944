#include "redact.h"

#include <QTest>

using namespace Longwatch;

class tst_Redact : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void url_data();
    void url();
    void secretHeaders();
    void text();
};

void tst_Redact::url_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("secret");

    QTest::newRow("a Telegram bot token in the path")
        << "https://api.telegram.org/bot123456:ABCdef_ghi-JKL/getUpdates?offset=5"
        << "https://api.telegram.org/bot***/getUpdates?offset=5" << "ABCdef_ghi-JKL";
    // Found by fuzz_workspace: an encoded '/' inside the token.
    QTest::newRow("a bot token with an encoded slash")
        << "https://api.telegram.org/bot42:ab%2Fcdef/getUpdates"
        << "https://api.telegram.org/bot***/getUpdates" << "ab%2Fcdef";
    QTest::newRow("a password in the user info")
        << "http://alice:s3cret-pw@host:8080/feed" << "http://host:8080/feed" << "s3cret-pw";
    QTest::newRow("a token query parameter")
        << "http://host/poll?last_id=3&access_token=abcd1234" << "http://host/poll?last_id=3&access_token=***"
        << "abcd1234";
    QTest::newRow("an api key parameter") << "http://host/poll?apiKey=zzzz9999" << "http://host/poll?apiKey=***"
                                          << "zzzz9999";
    QTest::newRow("a plain URL is unchanged") << "http://host/poll?last_id=3" << "http://host/poll?last_id=3"
                                              << "";
}

void tst_Redact::url()
{
    QFETCH(QString, url);
    QFETCH(QString, shown);
    QFETCH(QString, secret);
    const QString redacted = redactedUrl(QUrl(url));
    QCOMPARE(redacted, shown);
    if (!secret.isEmpty()) {
        QVERIFY(!redacted.contains(secret));
        QVERIFY2(secretsInUrl(QUrl(url)).join(QLatin1Char(' ')).contains(secret),
                 "the secret must be known so it can be removed from other text");
    }
}

void tst_Redact::secretHeaders()
{
    QVERIFY(isSecretHeader("Authorization"));
    QVERIFY(isSecretHeader("proxy-authorization"));
    QVERIFY(isSecretHeader("X-Api-Key"));
    QVERIFY(isSecretHeader("X-Auth-Token"));
    QVERIFY(!isSecretHeader("Accept"));
    QVERIFY(!isSecretHeader("If-None-Match"));
}

void tst_Redact::text()
{
    QCOMPARE(redactedText(QStringLiteral("bad token abcd1234 here"), {QStringLiteral("abcd1234")}),
             QStringLiteral("bad token *** here"));
    // Very short "secrets" would blank ordinary words; they are left alone.
    QCOMPARE(redactedText(QStringLiteral("a b c"), {QStringLiteral("b")}), QStringLiteral("a b c"));
}

QTEST_GUILESS_MAIN(tst_Redact)
#include "tst_redact.moc"
