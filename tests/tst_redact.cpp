#include "redact.h"

#include <QTest>

using namespace Longwatch;

class tst_Redact : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void url_data();
    void url();
    void secretPlacesSplitTheAddress_data();
    void secretPlacesSplitTheAddress();
    void aPlaceTheAddressLacksIsRefused();
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
        << "https://api.telegram.org/bot***/getUpdates?offset=5"
        << "ABCdef_ghi-JKL";
    // Found by fuzz_workspace: an encoded '/' inside the token.
    QTest::newRow("a bot token with an encoded slash")
        << "https://api.telegram.org/bot42:ab%2Fcdef/getUpdates"
        << "https://api.telegram.org/bot***/getUpdates"
        << "ab%2Fcdef";
    QTest::newRow("a password in the user info") << "http://alice:s3cret-pw@host:8080/feed"
                                                 << "http://host:8080/feed"
                                                 << "s3cret-pw";
    QTest::newRow("a token query parameter") << "http://host/poll?last_id=3&access_token=abcd1234"
                                             << "http://host/poll?last_id=3&access_token=***"
                                             << "abcd1234";
    QTest::newRow("an api key parameter") << "http://host/poll?apiKey=zzzz9999"
                                          << "http://host/poll?apiKey=***"
                                          << "zzzz9999";
    QTest::newRow("a plain URL is unchanged") << "http://host/poll?last_id=3"
                                              << "http://host/poll?last_id=3"
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

void tst_Redact::secretPlacesSplitTheAddress_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("rest");
    QTest::addColumn<QStringList>("places");
    QTest::addColumn<QStringList>("secrets");

    QTest::newRow("a token parameter keeps its place, empty")
        << "http://127.0.0.1:8080/feeds/tests/poll?access_token=TOPSECRET42"
        << "http://127.0.0.1:8080/feeds/tests/poll?access_token="
        << QStringList{"userinfo", "query/access_token"} << QStringList{"TOPSECRET42"};
    QTest::newRow("user and password go whole")
        << "http://alice:pw-s3cret@127.0.0.1:8080/feed?last_id=3"
        << "http://127.0.0.1:8080/feed?last_id=3" << QStringList{"userinfo"}
        << QStringList{"alice:pw-s3cret"};
    QTest::newRow("a bare user part is a secret")
        << "https://t0ken-as-user@feed.example/poll"
        << "https://feed.example/poll" << QStringList{"userinfo"} << QStringList{"t0ken-as-user"};
    QTest::newRow("a Telegram bot token leaves a bot segment")
        << "https://api.telegram.org/bot123456:AAH-bot-t0ken/getUpdates?offset=5"
        << "https://api.telegram.org/bot/getUpdates?offset=5" << QStringList{"userinfo", "bot/1"}
        << QStringList{"123456:AAH-bot-t0ken"};
    QTest::newRow("a bot token with an encoded slash")
        << "https://api.telegram.org/bot42:ab%2Fcdef/getUpdates"
        << "https://api.telegram.org/bot/getUpdates" << QStringList{"userinfo", "bot/1"}
        << QStringList{"42:ab%2Fcdef"};
    QTest::newRow("a repeated parameter is counted")
        << "http://host/p?key=one-s3cret&x=1&key=two-s3cret"
        << "http://host/p?key=&x=1&key=" << QStringList{"userinfo", "query/key", "query/key/2"}
        << QStringList{"one-s3cret", "two-s3cret"};
    QTest::newRow("an encoded value stays encoded, the name has no slash")
        << "http://host/p?a%2Ftoken=x%26y%3Dz&since=1"
        << "http://host/p?a%2Ftoken=&since=1" << QStringList{"userinfo", "query/a%2Ftoken"}
        << QStringList{"x%26y%3Dz"};
    QTest::newRow("a masked bot token is a place")
        << "https://api.telegram.org/bot***/getUpdates"
        << "https://api.telegram.org/bot/getUpdates" << QStringList{"userinfo", "bot/1"}
        << QStringList{"***"};
    QTest::newRow("a token without a value is an empty place")
        << "http://host/p?token&since=1"
        << "http://host/p?token&since=1" << QStringList{"userinfo", "query/token"} << QStringList{};
    QTest::newRow("a plain address has only the empty user info")
        << "http://host/poll?last_id=3#top"
        << "http://host/poll?last_id=3#top" << QStringList{"userinfo"} << QStringList{};
}

void tst_Redact::secretPlacesSplitTheAddress()
{
    QFETCH(QString, url);
    QFETCH(QString, rest);
    QFETCH(QStringList, places);
    QFETCH(QStringList, secrets);
    const QUrl full(url);
    QVERIFY(full.isValid());
    const QList<UrlSecret> found = urlSecrets(full);
    QStringList foundPlaces;
    QStringList foundSecrets;
    for (const UrlSecret &secret : found) {
        foundPlaces << secret.place;
        if (!secret.value.isEmpty())
            foundSecrets << secret.value;
    }
    QCOMPARE(foundPlaces, places);
    QCOMPARE(foundSecrets, secrets);

    // The rest has every place, empty, and none of the secrets.
    const QUrl without = withoutUrlSecrets(full);
    QCOMPARE(without, QUrl(rest));
    QStringList restPlaces;
    for (const UrlSecret &secret : urlSecrets(without)) {
        restPlaces << secret.place;
        QVERIFY2(secret.value.isEmpty(), qPrintable(secret.place));
    }
    QCOMPARE(restPlaces, places);
    const QString shown = redactedUrl(full);
    for (const QString &secret : std::as_const(secrets)) {
        QVERIFY2(!without.toString().contains(secret), qPrintable(without.toString()));
        if (secret != "***") // a mask is shown as one
            QVERIFY2(!shown.contains(secret), qPrintable(shown));
    }

    // Put back, the secrets give the address again, exactly.
    QUrl joined = without;
    for (const UrlSecret &secret : found)
        QVERIFY(setUrlSecret(&joined, secret.place, secret.value));
    QCOMPARE(joined, full);
    QCOMPARE(joined.toString(), full.toString());
}

void tst_Redact::aPlaceTheAddressLacksIsRefused()
{
    QUrl url("http://host/feeds/poll?since=1&key=");
    const QUrl before = url;
    QVERIFY(!setUrlSecret(&url, "bot/1", "1:x"));     // "feeds" is no bot segment
    QVERIFY(!setUrlSecret(&url, "bot/9", "1:x"));     // no such segment
    QVERIFY(!setUrlSecret(&url, "query/key/2", "x")); // one "key" only
    QVERIFY(!setUrlSecret(&url, "query/since", "x")); // not a secret parameter
    QVERIFY(!setUrlSecret(&url, "fragment", "x"));
    QCOMPARE(url, before);
    QVERIFY(setUrlSecret(&url, "query/key", "k3y"));
    QCOMPARE(url, QUrl("http://host/feeds/poll?since=1&key=k3y"));
    QUrl invalid;
    QVERIFY(!setUrlSecret(&invalid, "userinfo", "a:b"));
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
