// What a client reads when the feed server refuses a request: the sentence
// in the 400's {"error": …}, for each poll parameter and body it checks, in
// the order it checks them.
#include "feedserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;

namespace {

struct Answer
{
    int status = 0;
    QString error;
};

} // namespace

class tst_FeedServerRequests : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void refusedWithSentence_data();
    void refusedWithSentence();
    void theLargestLimitIsAccepted();

private:
    bool request(const QByteArray &method, const QString &path, const QByteArray &body,
                 Answer *answer);

    FeedServer m_server;
    QNetworkAccessManager m_manager;
};

void tst_FeedServerRequests::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.feedserver.debug=false"));
    QVERIFY(m_server.listen());
    m_manager.setProxy(QNetworkProxy::NoProxy);
}

bool tst_FeedServerRequests::request(const QByteArray &method, const QString &path,
                                     const QByteArray &body, Answer *answer)
{
    QNetworkRequest request(QUrl(m_server.baseUrl().toString() + path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = method == "GET" ? m_manager.get(request) : m_manager.post(request, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    const bool done = reply->isFinished() || finished.wait(10'000);
    answer->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer->error = QJsonDocument::fromJson(reply->readAll())
                        .object()
                        .value(QStringLiteral("error"))
                        .toString();
    reply->deleteLater();
    return done;
}

/// The sentence the server gives for a body that is not JSON.
static QString notJsonSentence(const QByteArray &body)
{
    QJsonParseError error;
    QJsonDocument::fromJson(body, &error);
    return QStringLiteral("The body is not valid JSON: %1 (at byte %2).")
        .arg(error.errorString())
        .arg(error.offset);
}

void tst_FeedServerRequests::refusedWithSentence_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("sentence");

    const QString lastId = QStringLiteral("last_id must be an integer, 0 or more.");
    const QString limit = QStringLiteral("limit must be an integer, 1 or more.");
    const QString hold = QStringLiteral("hold must be a number of seconds, 0 or more.");
    QTest::newRow("a last_id that is not a number")
        << QByteArray("GET") << "/poll?last_id=abc" << QByteArray() << lastId;
    QTest::newRow("a negative last_id")
        << QByteArray("GET") << "/poll?last_id=-1" << QByteArray() << lastId;
    QTest::newRow("an empty last_id")
        << QByteArray("GET") << "/poll?last_id=" << QByteArray() << lastId;
    QTest::newRow("a limit of 0") << QByteArray("GET") << "/poll?limit=0" << QByteArray() << limit;
    QTest::newRow("a limit that is a fraction")
        << QByteArray("GET") << "/poll?limit=2.5" << QByteArray() << limit;
    QTest::newRow("a limit one above the largest 32-bit integer")
        << QByteArray("GET") << "/poll?limit=2147483648" << QByteArray() << limit;
    QTest::newRow("a bad last_id is named before a bad limit")
        << QByteArray("GET") << "/poll?limit=0&last_id=x" << QByteArray() << lastId;
    QTest::newRow("a bad limit is named before a bad hold")
        << QByteArray("GET") << "/poll?hold=soon&limit=0" << QByteArray() << limit;
    QTest::newRow("a hold that is not a number")
        << QByteArray("GET") << "/poll?hold=soon" << QByteArray() << hold;
    QTest::newRow("a publish body that is not JSON")
        << QByteArray("POST") << "/publish" << QByteArray("{not json")
        << notJsonSentence("{not json");
    QTest::newRow("an empty publish body")
        << QByteArray("POST") << "/feeds/x/publish" << QByteArray() << notJsonSentence({});
    QTest::newRow("a send body that is not JSON")
        << QByteArray("POST") << "/send" << QByteArray(R"({"message":)")
        << notJsonSentence(R"({"message":)");
}

void tst_FeedServerRequests::refusedWithSentence()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, sentence);

    Answer answer;
    QVERIFY(request(method, path, body, &answer));
    QCOMPARE(answer.status, 400);
    QCOMPARE(answer.error, sentence);
}

void tst_FeedServerRequests::theLargestLimitIsAccepted()
{
    Answer answer;
    QVERIFY(request("GET", QStringLiteral("/poll?limit=2147483647&last_id=0&hold=0"), {}, &answer));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.error, QString());
}

QTEST_MAIN(tst_FeedServerRequests)
#include "tst_feedserverrequests.moc"
