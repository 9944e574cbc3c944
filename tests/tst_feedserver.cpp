#include "feedserver.h"

#include <QAbstractEventDispatcher>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

// Longer than any wait below: a request the server holds by mistake fails
// the test instead of passing after the hold.
constexpr auto kServerHold = 60s;
constexpr int kWaitMs = 10'000;

struct Answer
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
};

/// A raw HTTP/1.1 client, for what QNetworkAccessManager hides: pipelining,
/// Expect, a close in the middle, a thousand connections.
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket,
                         [this] { m_received += m_socket.readAll(); });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }
    QTcpSocket &socket() { return m_socket; }
    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    const QByteArray &received() const { return m_received; }

    /// Complete responses received so far, in order: status and body.
    QList<std::pair<int, QByteArray>> responses() const
    {
        QList<std::pair<int, QByteArray>> out;
        qsizetype pos = 0;
        for (;;) {
            const qsizetype headEnd = m_received.indexOf("\r\n\r\n", pos);
            if (headEnd < 0)
                return out;
            const QByteArray head = m_received.mid(pos, headEnd - pos);
            const int status = head.mid(9, 3).toInt();
            qint64 length = 0;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (m_received.size() < headEnd + 4 + length)
                return out;
            out.append({status, m_received.mid(headEnd + 4, length)});
            pos = headEnd + 4 + length;
        }
    }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
};

QByteArray getRequest(const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

QJsonObject parseObject(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QList<qint64> eventIds(const QJsonObject &answer)
{
    QList<qint64> ids;
    const QJsonArray events = answer.value(QStringLiteral("events")).toArray();
    for (const QJsonValue &event : events)
        ids.append(event.toObject().value(QStringLiteral("id")).toInteger());
    return ids;
}

} // namespace

class tst_FeedServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void publishThenPollReturnsTheEvent();
    void publishSetsIdAndKeepsAGivenTime();
    void heldPollIsAnsweredOnPublish();
    void holdExpiryReturnsAnEmptyArray();
    void pollFilters_data();
    void pollFilters();
    void namedFeedsAreIndependent();
    void feedListNamesPolledFeedsWithoutEvents();
    void retentionKeepsTheNewestEvents();
    void badRequests_data();
    void badRequests();
    void oversizeBodyGets413();
    void malformedRequestsAreRefusedAndClosed_data();
    void malformedRequestsAreRefusedAndClosed();
    void http10ClosesAfterTheAnswer();
    void expectContinue_data();
    void expectContinue();
    void keepAliveAnswersPipelinedRequestsInOrder();
    void queueSendThenReceive();
    void queueHeldReceiverGetsTheMessage();
    void queueReceiveExpiresWithNull();
    void queueMessageGoesToExactlyOneReceiver();
    void clientThatGoesAwayIsDropped_data();
    void clientThatGoesAwayIsDropped();
    void thousandHeldPollsAreAllAnswered();
    void listeningOnATakenPortFails();
    void journalCarriesEventsAcrossARestart();

private:
    QUrl url(const QString &pathAndQuery) const;
    QNetworkReply *get(const QString &pathAndQuery, QNetworkAccessManager *manager = nullptr);
    QNetworkReply *post(const QString &path, const QByteArray &body,
                        QNetworkAccessManager *manager = nullptr);
    QNetworkReply *send(const QByteArray &method, const QString &path);
    static bool finish(QNetworkReply *reply, Answer *answer);

    std::unique_ptr<FeedServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_manager;
};

void tst_FeedServer::initTestCase()
{
    // A line per request is too much with a thousand requests.
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.feedserver.debug=false"));
}

void tst_FeedServer::init()
{
    m_server = std::make_unique<FeedServer>();
    FeedServerSettings settings;
    settings.hold = kServerHold;
    settings.queueHold = kServerHold;
    m_server->setSettings(settings);
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
    QVERIFY(m_server->port() != 0);
    m_manager = std::make_unique<QNetworkAccessManager>();
    m_manager->setProxy(QNetworkProxy::NoProxy);
}

void tst_FeedServer::cleanup()
{
    m_manager.reset();
    m_server.reset();
}

QUrl tst_FeedServer::url(const QString &pathAndQuery) const
{
    return QUrl(m_server->baseUrl().toString() + pathAndQuery);
}

QNetworkReply *tst_FeedServer::get(const QString &pathAndQuery, QNetworkAccessManager *manager)
{
    return (manager ? manager : m_manager.get())->get(QNetworkRequest(url(pathAndQuery)));
}

QNetworkReply *tst_FeedServer::post(const QString &path, const QByteArray &body,
                                    QNetworkAccessManager *manager)
{
    QNetworkRequest request(url(path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return (manager ? manager : m_manager.get())->post(request, body);
}

QNetworkReply *tst_FeedServer::send(const QByteArray &method, const QString &path)
{
    return m_manager->sendCustomRequest(QNetworkRequest(url(path)), method);
}

bool tst_FeedServer::finish(QNetworkReply *reply, Answer *answer)
{
    // deleteLater() only after the wait: the spy's event loop would run it.
    if (!reply->isFinished()) {
        QSignalSpy spy(reply, &QNetworkReply::finished);
        if (!spy.wait(kWaitMs))
            return false;
    }
    reply->deleteLater();
    answer->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer->body = reply->readAll();
    answer->json = parseObject(answer->body);
    return true;
}

void tst_FeedServer::publishThenPollReturnsTheEvent()
{
    Answer published;
    QVERIFY(finish(post(QStringLiteral("/publish"), R"({"type":"greeting","message":"hello"})"),
                   &published));
    QCOMPARE(published.status, 201);
    QCOMPARE(published.json.value(QStringLiteral("id")).toInteger(), 1);
    QCOMPARE(published.json.value(QStringLiteral("message")).toString(), QStringLiteral("hello"));

    Answer polled;
    QVERIFY(finish(get(QStringLiteral("/poll?last_id=0")), &polled));
    QCOMPARE(polled.status, 200);
    const QJsonArray events = polled.json.value(QStringLiteral("events")).toArray();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject(), published.json);
    QCOMPARE(m_server->lastId(FeedServer::defaultFeedName()), 1);
}

void tst_FeedServer::publishSetsIdAndKeepsAGivenTime()
{
    Answer first;
    QVERIFY(finish(post(QStringLiteral("/publish"), R"({"id":77,"message":"a"})"), &first));
    QCOMPARE(first.status, 201);
    QCOMPARE(first.json.value(QStringLiteral("id")).toInteger(), 1); // the server's id wins
    const QDateTime time = QDateTime::fromString(
        first.json.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    QVERIFY(time.isValid());
    QCOMPARE(time.timeSpec(), Qt::UTC);

    Answer second;
    QVERIFY(
        finish(post(QStringLiteral("/publish"), R"({"time":"2020-01-02T03:04:05Z"})"), &second));
    QCOMPARE(second.json.value(QStringLiteral("id")).toInteger(), 2);
    QCOMPARE(second.json.value(QStringLiteral("time")).toString(),
             QStringLiteral("2020-01-02T03:04:05Z"));
}

void tst_FeedServer::heldPollIsAnsweredOnPublish()
{
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *reply = get(QStringLiteral("/poll?last_id=0"));
    QTRY_COMPARE(m_server->heldCount(), 1);
    QVERIFY(!reply->isFinished());

    const QJsonObject stored =
        m_server->publish(FeedServer::defaultFeedName(), {{QStringLiteral("message"), 1}});
    Answer answer;
    QVERIFY(finish(reply, &answer));
    QCOMPARE(answer.status, 200);
    QCOMPARE(eventIds(answer.json), QList<qint64>{1});
    QCOMPARE(answer.json.value(QStringLiteral("events")).toArray().at(0).toObject(), stored);
    QCOMPARE(m_server->heldCount(), 0);
    // Well before the server's hold of a minute.
    QVERIFY2(clock.elapsed() < 5'000, qPrintable(QString::number(clock.elapsed())));
}

void tst_FeedServer::holdExpiryReturnsAnEmptyArray()
{
    FeedServerSettings settings = m_server->settings();
    settings.hold = 300ms;
    m_server->setSettings(settings);

    QElapsedTimer clock;
    clock.start();
    Answer answer;
    QVERIFY(finish(get(QStringLiteral("/poll?last_id=0")), &answer));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.body, QByteArray(R"({"events":[]})"));
    QVERIFY2(clock.elapsed() >= 300, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_server->heldCount(), 0);

    // A client may ask for a shorter hold than the server's, never longer.
    settings.hold = kServerHold;
    m_server->setSettings(settings);
    clock.restart();
    QVERIFY(finish(get(QStringLiteral("/poll?last_id=0&hold=0.2")), &answer));
    QCOMPARE(answer.body, QByteArray(R"({"events":[]})"));
    QVERIFY2(clock.elapsed() >= 200, qPrintable(QString::number(clock.elapsed())));
}

void tst_FeedServer::pollFilters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QList<qint64>>("expected");

    // Five events are published first.
    QTest::newRow("last_id 0 gets all five in order")
        << "last_id=0" << QList<qint64>{1, 2, 3, 4, 5};
    QTest::newRow("no last_id counts as 0") << "" << QList<qint64>{1, 2, 3, 4, 5};
    QTest::newRow("last_id 3 gets the two after it") << "last_id=3" << QList<qint64>{4, 5};
    QTest::newRow("last_id 4 gets the last one") << "last_id=4" << QList<qint64>{5};
    QTest::newRow("the newest id gets nothing when hold is 0")
        << "last_id=5&hold=0" << QList<qint64>{};
    QTest::newRow("limit 2 gets the oldest two after last_id")
        << "last_id=1&limit=2" << QList<qint64>{2, 3};
    QTest::newRow("a limit above the count gets them all")
        << "last_id=2&limit=100" << QList<qint64>{3, 4, 5};
}

void tst_FeedServer::pollFilters()
{
    QFETCH(QString, query);
    QFETCH(QList<qint64>, expected);
    for (int i = 1; i <= 5; ++i)
        m_server->publish(FeedServer::defaultFeedName(), {{QStringLiteral("n"), i}});

    Answer answer;
    QVERIFY(finish(get(QStringLiteral("/poll?") + query), &answer));
    QCOMPARE(answer.status, 200);
    QCOMPARE(eventIds(answer.json), expected);
}

void tst_FeedServer::namedFeedsAreIndependent()
{
    QNetworkReply *buildsPoll = get(QStringLiteral("/feeds/builds/poll?last_id=0"));
    QNetworkReply *deploysPoll = get(QStringLiteral("/feeds/deploys/poll?last_id=0"));
    QTRY_COMPARE(m_server->heldCount(), 2);

    Answer published;
    QVERIFY(finish(post(QStringLiteral("/feeds/builds/publish"), R"({"job":"b"})"), &published));
    QCOMPARE(published.status, 201);
    QCOMPARE(published.json.value(QStringLiteral("id")).toInteger(), 1);

    Answer builds;
    QVERIFY(finish(buildsPoll, &builds));
    QCOMPARE(eventIds(builds.json), QList<qint64>{1});
    QCOMPARE(builds.json.value(QStringLiteral("events"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("job")),
             QJsonValue(QStringLiteral("b")));
    // The deploys poll is still held: a builds event is not its news.
    QCOMPARE(m_server->heldCount(), 1);
    QVERIFY(!deploysPoll->isFinished());

    // Each feed counts its own ids; the bare paths are the feed "default".
    QVERIFY(finish(post(QStringLiteral("/feeds/deploys/publish"), R"({"job":"d"})"), &published));
    QCOMPARE(published.json.value(QStringLiteral("id")).toInteger(), 1);
    Answer deploys;
    QVERIFY(finish(deploysPoll, &deploys));
    QCOMPARE(eventIds(deploys.json), QList<qint64>{1});
    QCOMPARE(m_server->lastId(FeedServer::defaultFeedName()), 0);
    QVERIFY(finish(post(QStringLiteral("/publish"), "{}"), &published));
    Answer viaName;
    QVERIFY(finish(get(QStringLiteral("/feeds/default/poll?last_id=0")), &viaName));
    QCOMPARE(eventIds(viaName.json), QList<qint64>{1});

    Answer list;
    QVERIFY(finish(get(QStringLiteral("/feeds")), &list));
    QStringList names;
    for (const QJsonValue &feed : list.json.value(QStringLiteral("feeds")).toArray())
        names.append(feed.toObject().value(QStringLiteral("name")).toString());
    QCOMPARE(names, (QStringList{QStringLiteral("builds"), QStringLiteral("default"),
                                 QStringLiteral("deploys")}));
}

void tst_FeedServer::feedListNamesPolledFeedsWithoutEvents()
{
    // A client that polls a feed nobody published to yet sees it in GET /feeds,
    // so a mistyped feed name in a channel's address shows up as a second feed.
    Answer answer;
    QVERIFY(finish(get(QStringLiteral("/feeds/quiet/poll?last_id=0&hold=0")), &answer));
    QCOMPARE(answer.status, 200);
    QNetworkReply *held = get(QStringLiteral("/feeds/waiting/poll?last_id=0"));
    QTRY_COMPARE(m_server->heldCount(), 1);
    QVERIFY(finish(post(QStringLiteral("/feeds/busy/publish"), R"({"job":"b"})"), &answer));
    // A bad poll is refused before it names a feed.
    QVERIFY(finish(get(QStringLiteral("/feeds/refused/poll?last_id=x")), &answer));
    QCOMPARE(answer.status, 400);

    Answer list;
    QVERIFY(finish(get(QStringLiteral("/feeds")), &list));
    QCOMPARE(list.status, 200);
    QMap<QString, QJsonObject> feeds;
    for (const QJsonValue &feed : list.json.value(QStringLiteral("feeds")).toArray())
        feeds.insert(feed.toObject().value(QStringLiteral("name")).toString(), feed.toObject());
    QCOMPARE(feeds.keys(), (QStringList{QStringLiteral("busy"), QStringLiteral("quiet"),
                                        QStringLiteral("waiting")}));
    for (const QString &name : {QStringLiteral("quiet"), QStringLiteral("waiting")}) {
        QCOMPARE(feeds.value(name).value(QStringLiteral("last_id")).toInteger(-1), 0);
        QCOMPARE(feeds.value(name).value(QStringLiteral("retained")).toInt(-1), 0);
    }
    QCOMPARE(feeds.value(QStringLiteral("busy")).value(QStringLiteral("retained")).toInt(), 1);
    QCOMPARE(m_server->feedNames(), feeds.keys());
    held->abort();
    held->deleteLater();
}

void tst_FeedServer::retentionKeepsTheNewestEvents()
{
    FeedServerSettings settings = m_server->settings();
    settings.retain = 3;
    m_server->setSettings(settings);
    for (int i = 1; i <= 10; ++i)
        m_server->publish(QStringLiteral("small"), {{QStringLiteral("n"), i}});
    QCOMPARE(m_server->retainedCount(QStringLiteral("small")), 3);
    QCOMPARE(m_server->lastId(QStringLiteral("small")), 10);

    // A client behind the buffer gets what is left; the rest is gone.
    Answer answer;
    QVERIFY(finish(get(QStringLiteral("/feeds/small/poll?last_id=2")), &answer));
    QCOMPARE(eventIds(answer.json), (QList<qint64>{8, 9, 10}));
    QVERIFY(finish(get(QStringLiteral("/feeds/small/poll?last_id=8")), &answer));
    QCOMPARE(eventIds(answer.json), (QList<qint64>{9, 10}));
}

void tst_FeedServer::badRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");

    QTest::newRow("a publish body that is not JSON is a 400")
        << QByteArray("POST") << "/publish" << QByteArray("{not json") << 400;
    QTest::newRow("a publish body that is an array is a 400")
        << QByteArray("POST") << "/publish" << QByteArray("[1,2]") << 400;
    QTest::newRow("an empty publish body is a 400")
        << QByteArray("POST") << "/feeds/x/publish" << QByteArray() << 400;
    QTest::newRow("a last_id that is not a number is a 400")
        << QByteArray("GET") << "/poll?last_id=abc" << QByteArray() << 400;
    QTest::newRow("a negative last_id is a 400")
        << QByteArray("GET") << "/poll?last_id=-1" << QByteArray() << 400;
    QTest::newRow("a hold that is not a number is a 400")
        << QByteArray("GET") << "/poll?hold=soon" << QByteArray() << 400;
    QTest::newRow("a limit of 0 is a 400")
        << QByteArray("GET") << "/poll?limit=0" << QByteArray() << 400;
    QTest::newRow("a send without a message is a 400")
        << QByteArray("POST") << "/send" << QByteArray(R"({"msg":1})") << 400;
    QTest::newRow("a send of null is a 400")
        << QByteArray("POST") << "/send" << QByteArray(R"({"message":null})") << 400;
    QTest::newRow("an unknown path is a 404")
        << QByteArray("GET") << "/nothing/here" << QByteArray() << 404;
    QTest::newRow("an unknown action on a feed is a 404")
        << QByteArray("GET") << "/feeds/builds/tail" << QByteArray() << 404;
    QTest::newRow("a feed name with a space is a 404")
        << QByteArray("GET") << "/feeds/a%20b/poll" << QByteArray() << 404;
    QTest::newRow("POST on a poll is a 405")
        << QByteArray("POST") << "/poll" << QByteArray("{}") << 405;
    QTest::newRow("GET on a publish is a 405")
        << QByteArray("GET") << "/feeds/builds/publish" << QByteArray() << 405;
    QTest::newRow("DELETE on receive is a 405")
        << QByteArray("DELETE") << "/receive" << QByteArray() << 405;
    QTest::newRow("GET on send is a 405") << QByteArray("GET") << "/send" << QByteArray() << 405;
}

void tst_FeedServer::badRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);

    QNetworkRequest request(url(path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = method == "GET"    ? m_manager->get(request)
                           : method == "POST" ? m_manager->post(request, body)
                                              : m_manager->sendCustomRequest(request, method);
    Answer answer;
    QVERIFY(finish(reply, &answer));
    QCOMPARE(answer.status, status);
    QVERIFY2(!answer.json.value(QStringLiteral("error")).toString().isEmpty(), answer.body);
    if (status == 405)
        QVERIFY(!reply->rawHeader("Allow").isEmpty());
    QCOMPARE(m_server->lastId(FeedServer::defaultFeedName()), 0);
    QCOMPARE(m_server->heldCount(), 0);
}

void tst_FeedServer::oversizeBodyGets413()
{
    FeedServerSettings settings = m_server->settings();
    settings.maxBodyBytes = 1024;
    m_server->setSettings(settings);
    const QByteArray big = R"({"message":")" + QByteArray(4096, 'x') + R"("})";

    Answer answer;
    QVERIFY(finish(post(QStringLiteral("/publish"), big), &answer));
    QCOMPARE(answer.status, 413);
    QVERIFY(!answer.json.value(QStringLiteral("error")).toString().isEmpty());
    QCOMPARE(m_server->lastId(FeedServer::defaultFeedName()), 0);

    // A body at the limit is fine, and the server goes on serving.
    const QByteArray fits = R"({"m":")" + QByteArray(1024 - 8, 'y') + R"("})";
    QCOMPARE(fits.size(), 1024);
    QVERIFY(finish(post(QStringLiteral("/publish"), fits), &answer));
    QCOMPARE(answer.status, 201);
}

void tst_FeedServer::malformedRequestsAreRefusedAndClosed_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    QTest::newRow("a request line that is not HTTP is a 400")
        << QByteArray("GARBAGE\r\n\r\n") << 400;
    QTest::newRow("an HTTP/1.1 request without Host is a 400")
        << QByteArray("GET /poll HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("whitespace before a field's colon is a 400")
        << QByteArray("GET /poll HTTP/1.1\r\nHost : x\r\n\r\n") << 400;
    QTest::newRow("a folded header line is a 400")
        << QByteArray("GET /poll HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n") << 400;
    QTest::newRow("two different Content-Lengths are a 400")
        << QByteArray("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                      "Content-Length: 3\r\n\r\n{}")
        << 400;
    QTest::newRow("a chunked body is a 411")
        << QByteArray("POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\n{}\r\n0\r\n\r\n")
        << 411;
    QTest::newRow("HTTP/2.0 in the request line is a 505")
        << QByteArray("GET /poll HTTP/2.0\r\nHost: x\r\n\r\n") << 505;
    QTest::newRow("an expectation other than 100-continue is a 417")
        << QByteArray("GET /poll HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n") << 417;
    QTest::newRow("header fields over 64 KiB are a 431")
        << QByteArray("GET /poll HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(70'000, 'b') +
                      "\r\n\r\n")
        << 431;
}

void tst_FeedServer::malformedRequestsAreRefusedAndClosed()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    RawClient client(m_server->port());
    client.send(request);
    QTRY_COMPARE(client.responses().size(), 1);
    QCOMPARE(client.responses().at(0).first, status);
    const QJsonObject body = parseObject(client.responses().at(0).second);
    QVERIFY(!body.value(QStringLiteral("error")).toString().isEmpty());
    QVERIFY(client.received().contains("Connection: close\r\n"));
    // The framing after a bad request cannot be trusted: the server closes.
    QTRY_COMPARE(client.socket().state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(m_server->lastId(FeedServer::defaultFeedName()), 0);
    QTRY_COMPARE(m_server->connectionCount(), 0);
}

void tst_FeedServer::http10ClosesAfterTheAnswer()
{
    RawClient client(m_server->port());
    client.send("GET /poll?hold=0 HTTP/1.0\r\n\r\n");
    QTRY_COMPARE(client.responses().size(), 1);
    QCOMPARE(client.responses().at(0).first, 200);
    QCOMPARE(client.responses().at(0).second, QByteArray(R"({"events":[]})"));
    QTRY_COMPARE(client.socket().state(), QAbstractSocket::UnconnectedState);
}

void tst_FeedServer::expectContinue_data()
{
    QTest::addColumn<int>("bodySize");
    QTest::addColumn<int>("status");

    QTest::newRow("a body within the limit is invited with 100 Continue") << 100 << 201;
    QTest::newRow("a body over the limit is refused before it is sent") << 5000 << 413;
}

void tst_FeedServer::expectContinue()
{
    QFETCH(int, bodySize);
    QFETCH(int, status);
    FeedServerSettings settings = m_server->settings();
    settings.maxBodyBytes = 1024;
    m_server->setSettings(settings);

    RawClient client(m_server->port());
    const QByteArray body = R"({"m":")" + QByteArray(bodySize - 8, 'z') + R"("})";
    client.send("POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                "Content-Length: " +
                QByteArray::number(body.size()) + "\r\n\r\n");
    if (status == 201) {
        QTRY_VERIFY(client.received().startsWith("HTTP/1.1 100 Continue\r\n\r\n"));
        client.send(body);
        QTRY_VERIFY(client.received().contains("HTTP/1.1 201 "));
        QCOMPARE(m_server->lastId(FeedServer::defaultFeedName()), 1);
    } else {
        QTRY_COMPARE(client.responses().size(), 1);
        QCOMPARE(client.responses().at(0).first, 413);
        QVERIFY(!client.received().contains("100 Continue"));
        QTRY_COMPARE(client.socket().state(), QAbstractSocket::UnconnectedState);
    }
}

void tst_FeedServer::keepAliveAnswersPipelinedRequestsInOrder()
{
    RawClient client(m_server->port());
    QTRY_COMPARE(client.socket().state(), QAbstractSocket::ConnectedState);
    // Two requests in one write; the first is held, so the second must wait
    // for it (RFC 9112 section 9.3.2: answers keep request order).
    client.send(getRequest("/feeds/p/poll?last_id=0") + getRequest("/feeds"));
    QTRY_COMPARE(m_server->heldCount(), 1);
    QCOMPARE(m_server->connectionCount(), 1);
    m_server->publish(QStringLiteral("p"), {{QStringLiteral("n"), 1}});

    QTRY_COMPARE(client.responses().size(), 2);
    const auto responses = client.responses();
    QCOMPARE(responses.at(0).first, 200);
    QCOMPARE(eventIds(parseObject(responses.at(0).second)), QList<qint64>{1});
    QCOMPARE(responses.at(1).first, 200);
    QVERIFY(parseObject(responses.at(1).second).contains(QStringLiteral("feeds")));

    // The connection is still open for a third request.
    client.send(getRequest("/feeds/p/poll?last_id=0"));
    QTRY_COMPARE(client.responses().size(), 3);
    QCOMPARE(client.socket().state(), QAbstractSocket::ConnectedState);
    QCOMPARE(m_server->connectionCount(), 1);
}

void tst_FeedServer::queueSendThenReceive()
{
    Answer sent;
    QVERIFY(finish(post(QStringLiteral("/send"), R"({"message":{"text":"hi"}})"), &sent));
    QCOMPARE(sent.status, 202);
    QCOMPARE(sent.json.value(QStringLiteral("delivered")).toBool(), false);
    QCOMPARE(m_server->queuedMessageCount(), 1);

    Answer received;
    QVERIFY(finish(get(QStringLiteral("/receive")), &received));
    QCOMPARE(received.status, 200);
    QCOMPARE(
        received.json.value(QStringLiteral("message")).toObject().value(QStringLiteral("text")),
        QJsonValue(QStringLiteral("hi")));
    QCOMPARE(m_server->queuedMessageCount(), 0);
}

void tst_FeedServer::queueHeldReceiverGetsTheMessage()
{
    QNetworkReply *receiver = get(QStringLiteral("/receive"));
    QTRY_COMPARE(m_server->heldCount(), 1);

    Answer sent;
    QVERIFY(finish(post(QStringLiteral("/send"), R"({"message":42})"), &sent));
    QCOMPARE(sent.status, 200);
    QCOMPARE(sent.json.value(QStringLiteral("delivered")).toBool(), true);
    Answer received;
    QVERIFY(finish(receiver, &received));
    QCOMPARE(received.json.value(QStringLiteral("message")).toInt(), 42);
    QCOMPARE(m_server->queuedMessageCount(), 0);
}

void tst_FeedServer::queueReceiveExpiresWithNull()
{
    FeedServerSettings settings = m_server->settings();
    settings.queueHold = 200ms;
    m_server->setSettings(settings);
    QElapsedTimer clock;
    clock.start();
    Answer received;
    QVERIFY(finish(get(QStringLiteral("/receive")), &received));
    QCOMPARE(received.status, 200);
    QVERIFY(received.json.contains(QStringLiteral("message")));
    QVERIFY(received.json.value(QStringLiteral("message")).isNull());
    QVERIFY2(clock.elapsed() >= 200, qPrintable(QString::number(clock.elapsed())));
}

void tst_FeedServer::queueMessageGoesToExactlyOneReceiver()
{
    QList<QNetworkReply *> receivers;
    for (int i = 0; i < 3; ++i)
        receivers.append(get(QStringLiteral("/receive")));
    QTRY_COMPARE(m_server->heldCount(), 3);

    QCOMPARE(m_server->send(QJsonValue(QStringLiteral("only-one"))),
             FeedServer::SendResult::Delivered);
    QCOMPARE(m_server->heldCount(), 2);
    QCOMPARE(m_server->queuedMessageCount(), 0);
    const auto finished = [&receivers] {
        return std::count_if(receivers.cbegin(), receivers.cend(),
                             [](QNetworkReply *reply) { return reply->isFinished(); });
    };
    QTRY_COMPARE(finished(), 1);
    for (QNetworkReply *reply : std::as_const(receivers)) {
        if (reply->isFinished()) {
            Answer answer;
            QVERIFY(finish(reply, &answer));
            QCOMPARE(answer.json.value(QStringLiteral("message")).toString(),
                     QStringLiteral("only-one"));
        }
    }
    receivers.removeIf([](QNetworkReply *reply) { return reply->isFinished(); });

    // One more message each for the two left; none gets two.
    QCOMPARE(m_server->send(QJsonValue(QStringLiteral("second"))),
             FeedServer::SendResult::Delivered);
    QCOMPARE(m_server->send(QJsonValue(QStringLiteral("third"))),
             FeedServer::SendResult::Delivered);
    QCOMPARE(m_server->heldCount(), 0);
    QStringList got;
    for (QNetworkReply *reply : std::as_const(receivers)) {
        Answer answer;
        QVERIFY(finish(reply, &answer));
        got.append(answer.json.value(QStringLiteral("message")).toString());
    }
    got.sort();
    QCOMPARE(got, (QStringList{QStringLiteral("second"), QStringLiteral("third")}));
    // With no receiver left, the next message waits in the queue.
    QCOMPARE(m_server->send(QJsonValue(4)), FeedServer::SendResult::Queued);
    QCOMPARE(m_server->queuedMessageCount(), 1);
}

void tst_FeedServer::clientThatGoesAwayIsDropped_data()
{
    QTest::addColumn<bool>("raw");
    QTest::newRow("a QNetworkReply aborted while held") << false;
    QTest::newRow("a raw socket closed while held") << true;
}

void tst_FeedServer::clientThatGoesAwayIsDropped()
{
    QFETCH(bool, raw);
    std::unique_ptr<RawClient> client;
    QNetworkReply *reply = nullptr;
    if (raw) {
        client = std::make_unique<RawClient>(m_server->port());
        client->send(getRequest("/poll?last_id=0"));
    } else {
        reply = get(QStringLiteral("/poll?last_id=0"));
    }
    QTRY_COMPARE(m_server->heldCount(), 1);
    QSignalSpy heldChanged(m_server.get(), &FeedServer::heldCountChanged);

    if (raw)
        client->socket().close();
    else
        reply->abort();
    QTRY_COMPARE(m_server->heldCount(), 0);
    QTRY_COMPARE(m_server->connectionCount(), 0);
    QCOMPARE(heldChanged.size(), 1);
    QCOMPARE(heldChanged.at(0).at(0).toInt(), 0);
    if (reply)
        reply->deleteLater();

    // Publishing afterwards writes to no dead client, and polls still work.
    m_server->publish(FeedServer::defaultFeedName(), {{QStringLiteral("n"), 1}});
    Answer answer;
    QVERIFY(finish(get(QStringLiteral("/poll?last_id=0")), &answer));
    QCOMPARE(eventIds(answer.json), QList<qint64>{1});
}

void tst_FeedServer::thousandHeldPollsAreAllAnswered()
{
    constexpr int count = 1000;
    std::vector<std::unique_ptr<RawClient>> clients;
    clients.reserve(count);
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<RawClient>(m_server->port()));
        clients.back()->send(getRequest("/feeds/mass/poll?last_id=0"));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->heldCount(), count, 30'000);

    // Held requests wait on one timer between them, not one each.
    int timers = 0;
    QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance();
    timers += int(dispatcher->registeredTimers(m_server.get()).size());
    const QList<QObject *> children = m_server->findChildren<QObject *>();
    for (QObject *child : children)
        timers += int(dispatcher->registeredTimers(child).size());
    QCOMPARE(timers, 1);

    const QJsonObject stored = m_server->publish(
        QStringLiteral("mass"), {{QStringLiteral("message"), QStringLiteral("all")}});
    QCOMPARE(m_server->heldCount(), 0);
    const auto answered = [&clients] {
        int n = 0;
        for (const auto &client : clients)
            n += client->responses().size() == 1 ? 1 : 0;
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(answered(), count, 30'000);
    for (const auto &client : clients) {
        const auto response = client->responses().at(0);
        QCOMPARE(response.first, 200);
        QCOMPARE(parseObject(response.second).value(QStringLiteral("events")).toArray(),
                 QJsonArray{stored});
    }
}

void tst_FeedServer::listeningOnATakenPortFails()
{
    FeedServer second;
    QVERIFY(!second.listen(QHostAddress::LocalHost, m_server->port()));
    QVERIFY(!second.errorString().isEmpty());
    QVERIFY(!second.isListening());
}

void tst_FeedServer::journalCarriesEventsAcrossARestart()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("journal.ndjson"));
    {
        FeedServer first;
        QVERIFY2(first.openJournal(path), qPrintable(first.errorString()));
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(first.publish(QStringLiteral("jobs"), {{"n", i}}).value("id").toInteger(), i);
        QCOMPARE(first.publish(QStringLiteral("other"), {{"n", 9}}).value("id").toInteger(), 1);
    }
    // A crash can leave half a line at the end of the journal.
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::Append));
        QVERIFY(file.write(R"({"feed":"jobs","event":{"id":4,"n")") > 0);
    }
    FeedServer second;
    QVERIFY2(second.openJournal(path), qPrintable(second.errorString()));
    QCOMPARE(second.lastId(QStringLiteral("jobs")), 3);
    QCOMPARE(second.retainedCount(QStringLiteral("jobs")), 3);
    QCOMPARE(second.lastId(QStringLiteral("other")), 1);
    QCOMPARE(second.publish(QStringLiteral("jobs"), {{"n", 4}}).value("id").toInteger(), 4);

    // A client resuming from last_id=2 gets 3 and 4 from the restarted server.
    QVERIFY(second.listen(QHostAddress::LocalHost, 0));
    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy::NoProxy);
    QNetworkReply *reply = manager.get(QNetworkRequest(
        QUrl(second.baseUrl().toString() + QStringLiteral("/feeds/jobs/poll?last_id=2"))));
    Answer answer;
    QVERIFY(finish(reply, &answer));
    QCOMPARE(answer.status, 200);
    const QJsonArray events =
        QJsonDocument::fromJson(answer.body).object().value("events").toArray();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0).toObject().value("id").toInteger(), 3);
    QCOMPARE(events.at(1).toObject().value("n").toInt(), 4);

    QVERIFY(!second.openJournal(dir.filePath(QStringLiteral("no/such/dir/j"))));
    QVERIFY(second.errorString().contains(QLatin1String("no/such/dir")));
}

QTEST_GUILESS_MAIN(tst_FeedServer)
#include "tst_feedserver.moc"
