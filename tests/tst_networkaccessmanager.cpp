#include "compression.h"
#include "fakehttpserver.h"
#include "http1reply.h"
#include "networkaccessmanager.h"
#include "testeventdispatcher.h"

#include <QBuffer>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Longwatch::Testing::FakeResponse::Framing)
Q_DECLARE_METATYPE(Longwatch::Testing::Compression)

namespace {

using ReplyPtr = std::unique_ptr<QNetworkReply>;

/// A manager that follows redirects within the origin only, as the Poller
/// asks for each request; Qt's default policy (any origin not less safe)
/// sends requests to Qt's client.
class Manager : public NetworkAccessManager
{
public:
    Manager() { setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy); }
};

} // namespace

class tst_NetworkAccessManager : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    // Which requests take Longwatch's client
    void takesOnlyDirectHttp1_data();
    void takesOnlyDirectHttp1();
    void aProxyForTheUrlSendsItToQt();
    void loopbackHostsGoPastTheApplicationProxyAsInQt();
    void theEnvironmentSwitchSendsAllToQt();

    // Answers
    void readsStatusHeadersAndBodyWithQtsSignals();
    void sendPassesFinishedOnWithoutQtsPostProcessing();
    void everyFramingGivesTheWholeBody_data();
    void everyFramingGivesTheWholeBody();
    void sendsTheRequestAsGiven();
    void headersBesideTheRequestGoOutAsIfSetOnIt_data();
    void headersBesideTheRequestGoOutAsIfSetOnIt();
    void answerHeadersKeptApartAreTheReplysOwn_data();
    void answerHeadersKeptApartAreTheReplysOwn();
    void errorStatusesGiveQtsErrorCodes_data();
    void errorStatusesGiveQtsErrorCodes();
    void faultsGiveQtsErrorCodes_data();
    void faultsGiveQtsErrorCodes();
    void refusedConnection();

    // Connections
    void aKeptAliveConnectionCarriesTheNextRequest();
    void aConnectionTheServerClosedIsNotUsedAgain();
    void anIdleConnectionTheServerClosesLeavesThePool();
    void aClosingConnectionIsNotKept();

    // Control
    void abortFinishesAtOnce();
    void deletingAReplyInFlightIsSafe();
    void deletingTheManagerInFlightIsSafe();

    // Redirects and cookies
    void sameOriginRedirectsAreFollowed();
    void seeOtherTurnsAPostIntoAGet();
    void redirectsToAnotherOriginAreRefused();
    void redirectLoopsEnd();
    void manualRedirectsAreLeftToTheCaller();
    void cookiesGoBackToTheServer();

    // Content codings (gzip, deflate)
    void codedBodiesAreDecodedAsByQt_data();
    void codedBodiesAreDecodedAsByQt();
    void gzipMembersOneAfterTheOtherAreOneBody();
    void aRequestNamingItsOwnCodingsGetsTheBodyAsItCame();
    void aCodingNotAskedForIsLeftAsItCame();
    void aCorruptCodedBodyIsAContentError();
    void aCutCodedBodyIsAContentError();
    void aBombIsDecodedOnlyAsFastAsItIsRead();
};

void tst_NetworkAccessManager::initTestCase()
{
    qRegisterMetaType<FakeRequest>();
    qunsetenv("LONGWATCH_HTTP_CLIENT");
    qunsetenv("http_proxy");
    qunsetenv("HTTP_PROXY");
}

void tst_NetworkAccessManager::takesOnlyDirectHttp1_data()
{
    QTest::addColumn<QNetworkRequest>("request");
    QTest::addColumn<bool>("own");

    const QUrl url(QStringLiteral("http://127.0.0.1:8080/feed?after=1"));
    QNetworkRequest plain(url);
    QTest::newRow("plain http is Longwatch's") << plain << true;
    QNetworkRequest anyOrigin(url);
    anyOrigin.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                           QNetworkRequest::NoLessSafeRedirectPolicy);
    QTest::newRow("with redirects to any origin, Qt's") << anyOrigin << false;
    QNetworkRequest sameOrigin(url);
    sameOrigin.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                            QNetworkRequest::SameOriginRedirectPolicy);
    QTest::newRow("with same-origin redirects, Longwatch's") << sameOrigin << true;
    const QUrl secure(QStringLiteral("https://127.0.0.1/feed"));
    QTest::newRow("https is Longwatch's") << QNetworkRequest(secure) << true;
    QNetworkRequest http1Only(secure);
    http1Only.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QTest::newRow("https on HTTP/1.1 only is Longwatch's") << http1Only << true;
    QNetworkRequest http2(secure);
    http2.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
    QTest::newRow("https allowing HTTP/2 is Qt's") << http2 << false;
    QTest::newRow("another scheme is Qt's")
        << QNetworkRequest(QUrl(QStringLiteral("ftp://127.0.0.1/feed"))) << false;
    QNetworkRequest h2c(url);
    h2c.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    QTest::newRow("HTTP/2 cleartext is Qt's") << h2c << false;
    QTest::newRow("credentials in the URL are Qt's")
        << QNetworkRequest(QUrl(QStringLiteral("http://user:pw@127.0.0.1/feed"))) << false;
    QNetworkRequest timeout(url);
    timeout.setTransferTimeout(5000);
    QTest::newRow("a transfer timeout is Qt's") << timeout << false;
    QNetworkRequest injected(url);
    injected.setRawHeader("X-Bad", "a\r\nX-Injected: 1");
    QTest::newRow("a header value with a line break is Qt's") << injected << false;
}

void tst_NetworkAccessManager::takesOnlyDirectHttp1()
{
    QFETCH(QNetworkRequest, request);
    QFETCH(bool, own);

    Manager manager;
    QCOMPARE(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation), own);
    QVERIFY(!manager.usesOwnClient(request, QNetworkAccessManager::UnknownOperation));
    QNetworkRequest badVerb = request;
    badVerb.setAttribute(QNetworkRequest::CustomVerbAttribute, QByteArray("GET /x HTTP/1.1\r\n"));
    QVERIFY(!manager.usesOwnClient(badVerb, QNetworkAccessManager::CustomOperation));
}

void tst_NetworkAccessManager::aProxyForTheUrlSendsItToQt()
{
    // Not a loopback address: Qt sends those past any application proxy.
    const QNetworkRequest request(QUrl(QStringLiteral("http://feeds.example:8080/feed")));
    const QNetworkRequest loopback(QUrl(QStringLiteral("http://127.0.0.1:8080/feed")));
    const QNetworkRequest secure(QUrl(QStringLiteral("https://feeds.example/feed")));
    Manager manager;
    QVERIFY(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation));
    QVERIFY(manager.usesOwnClient(secure, QNetworkAccessManager::GetOperation));
    manager.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), 3128));
    QVERIFY(!manager.usesOwnClient(request, QNetworkAccessManager::GetOperation));
    QVERIFY(!manager.usesOwnClient(secure, QNetworkAccessManager::GetOperation));
    manager.setProxy(QNetworkProxy::NoProxy);
    QVERIFY(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation));

    // The application's proxy, when the manager has none of its own.
    manager.setProxy(QNetworkProxy::DefaultProxy);
    QNetworkProxy::setApplicationProxy(
        QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), 1080));
    const bool withApplicationProxy =
        manager.usesOwnClient(request, QNetworkAccessManager::GetOperation);
    const bool loopbackWithApplicationProxy =
        manager.usesOwnClient(loopback, QNetworkAccessManager::GetOperation);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(!withApplicationProxy);
    QVERIFY(loopbackWithApplicationProxy);
    QVERIFY(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation));
}

void tst_NetworkAccessManager::loopbackHostsGoPastTheApplicationProxyAsInQt()
{
    // usesOwnClient() works out once per host what Qt's proxy query says
    // for it; hosts one after the other, and again, against Qt's answer.
    const QStringList hosts = {"localhost",     "localhost.localdomain",
                               "127.0.0.1",     "127.1.2.3",
                               "[::1]",         "[::ffff:127.0.0.1]",
                               "localhostx",    "10.0.0.1",
                               "feeds.example", "127.0.0.1",
                               "feeds.example", "[::1]"};
    Manager manager;
    QNetworkProxy::setApplicationProxy(
        QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("10.9.9.9"), 3128));
    int loopbacks = 0;
    for (const QString &host : hosts) {
        const QUrl url(QStringLiteral("http://%1:8080/feed").arg(host));
        QVERIFY2(url.isValid(), qPrintable(host));
        const QList<QNetworkProxy> qts =
            QNetworkProxyFactory::proxyForQuery(QNetworkProxyQuery(url));
        const bool direct = qts.isEmpty() || qts.first().type() == QNetworkProxy::NoProxy;
        loopbacks += direct ? 1 : 0;
        QCOMPARE(manager.usesOwnClient(QNetworkRequest(url), QNetworkAccessManager::GetOperation),
                 direct);
    }
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(loopbacks >= 7);
    QVERIFY(loopbacks < hosts.size());
}

void tst_NetworkAccessManager::theEnvironmentSwitchSendsAllToQt()
{
    const QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:8080/feed")));
    qputenv("LONGWATCH_HTTP_CLIENT", "qt");
    Manager switchedOff;
    qunsetenv("LONGWATCH_HTTP_CLIENT");
    QVERIFY(!switchedOff.ownClientEnabled());
    QVERIFY(!switchedOff.usesOwnClient(request, QNetworkAccessManager::GetOperation));
    QVERIFY(!switchedOff.usesOwnClient(QNetworkRequest(QUrl(QStringLiteral("https://127.0.0.1/"))),
                                       QNetworkAccessManager::GetOperation));

    // And a request through Qt still works on this manager.
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}"));
    ReplyPtr reply(switchedOff.get(QNetworkRequest(server.url())));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(switchedOff.idleConnectionCount(), 0);
}

void tst_NetworkAccessManager::readsStatusHeadersAndBodyWithQtsSignals()
{
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"),
                   FakeResponse::json(R"({"events":[]})").withHeader("Retry-After", "7"));
    Manager manager;
    QSignalSpy managerFinished(&manager, &QNetworkAccessManager::finished);
    ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
    QStringList order;
    const auto record = [&order](const QString &name) {
        if (order.isEmpty() || order.last() != name)
            order << name;
    };
    connect(reply.get(), &QNetworkReply::socketStartedConnecting, this,
            [&] { record("connecting"); });
    connect(reply.get(), &QNetworkReply::requestSent, this, [&] { record("sent"); });
    connect(reply.get(), &QNetworkReply::metaDataChanged, this, [&] { record("headers"); });
    connect(reply.get(), &QNetworkReply::readyRead, this, [&] { record("body"); });
    connect(reply.get(), &QNetworkReply::finished, this, [&] { record("finished"); });
    QByteArray body;
    connect(reply.get(), &QNetworkReply::readyRead, this, [&] { body += reply->readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    body += reply->readAll();

    QCOMPARE(order, QStringList({"connecting", "sent", "headers", "body", "finished"}));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
             QByteArray("OK"));
    QCOMPARE(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool(), false);
    QCOMPARE(reply->rawHeader("retry-after"), QByteArray("7"));
    QCOMPARE(reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(), body.size());
    QCOMPARE(body, QByteArray(R"({"events":[]})"));
    QCOMPARE(managerFinished.size(), 1); // QNetworkAccessManager::finished, as for Qt's replies
}

void tst_NetworkAccessManager::sendPassesFinishedOnWithoutQtsPostProcessing()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json(R"({"events":[]})"));
    Manager manager;
    QSignalSpy managerFinished(&manager, &QNetworkAccessManager::finished);
    const QNetworkRequest request(server.url(QStringLiteral("/feed")));

    // The own client's reply, handed out without the by-name connects:
    // no manager() then, but the manager's finished() all the same.
    ReplyPtr fast(manager.send(request, "GET"));
    QVERIFY(qobject_cast<Http1Reply *>(fast.get()));
    QCOMPARE(fast->manager(), nullptr);
    QTRY_VERIFY_WITH_TIMEOUT(fast->isFinished(), 10000);
    QCOMPARE(fast->error(), QNetworkReply::NoError);
    QCOMPARE(fast->readAll(), QByteArray(R"({"events":[]})"));
    QCOMPARE(managerFinished.size(), 1);
    QCOMPARE(managerFinished.first().first().value<QNetworkReply *>(), fast.get());
    QCOMPARE(fast->operation(), QNetworkAccessManager::GetOperation); // as get() makes it
    // Another verb without a body: the own client too, as a custom request.
    ReplyPtr custom(manager.send(request, "REPORT"));
    QVERIFY(qobject_cast<Http1Reply *>(custom.get()));
    QCOMPARE(custom->operation(), QNetworkAccessManager::CustomOperation);
    QCOMPARE(custom->request().attribute(QNetworkRequest::CustomVerbAttribute).toByteArray(),
             QByteArray("REPORT"));
    QTRY_VERIFY_WITH_TIMEOUT(custom->isFinished(), 10000);
    QCOMPARE(server.requests().last().method, QByteArray("REPORT"));
    QCOMPARE(managerFinished.size(), 2);
    managerFinished.removeLast();

    // A body, or replies the manager deletes itself: sendCustomRequest().
    QBuffer body;
    body.setData("{}");
    ReplyPtr withBody(manager.send(request, "POST", &body));
    QCOMPARE(withBody->manager(), &manager);
    QTRY_VERIFY_WITH_TIMEOUT(withBody->isFinished(), 10000);
    QCOMPARE(managerFinished.size(), 2);
    manager.setAutoDeleteReplies(true);
    QPointer<QNetworkReply> autoDeleted = manager.send(request, "GET");
    QCOMPARE(autoDeleted->manager(), &manager);
    QTRY_VERIFY_WITH_TIMEOUT(autoDeleted.isNull(), 10000);
    QCOMPARE(managerFinished.size(), 3);
}

void tst_NetworkAccessManager::everyFramingGivesTheWholeBody_data()
{
    QTest::addColumn<FakeResponse::Framing>("framing");
    QTest::addColumn<bool>("trickle");
    QTest::newRow("Content-Length") << FakeResponse::Framing::ContentLength << false;
    QTest::newRow("chunked") << FakeResponse::Framing::Chunked << false;
    QTest::newRow("until the server closes") << FakeResponse::Framing::UntilClose << false;
    QTest::newRow("chunked, one byte at a time") << FakeResponse::Framing::Chunked << true;
}

void tst_NetworkAccessManager::everyFramingGivesTheWholeBody()
{
    QFETCH(FakeResponse::Framing, framing);
    QFETCH(bool, trickle);

    FakeHttpServer server;
    const QByteArray json = R"({"events":[{"id":1},{"id":2}],"cursor":"2"})";
    FakeResponse response = FakeResponse::json(json).withFraming(framing);
    if (trickle)
        response = response.withTrickle(1ms);
    server.enqueue(QStringLiteral("/feed"), response);
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
    QByteArray body;
    connect(reply.get(), &QNetworkReply::readyRead, this, [&] { body += reply->readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(body, json);
    // Only a body with a known end leaves a connection for the next request.
    QCOMPARE(manager.idleConnectionCount(), framing == FakeResponse::Framing::UntilClose ? 0 : 1);
}

void tst_NetworkAccessManager::sendsTheRequestAsGiven()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}"));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/a%20b?after=3&q=x%26y")));
    request.setRawHeader("X-Client", "longwatch-test");
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    ReplyPtr reply(manager.post(request, QByteArray(R"({"after":3})")));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);

    QCOMPARE(server.requestCount(), 1);
    const FakeRequest sent = server.requests(QStringLiteral("/a b")).value(0);
    QCOMPARE(sent.method, QByteArray("POST"));
    QCOMPARE(sent.queryValue(QStringLiteral("after")), QStringLiteral("3"));
    QCOMPARE(sent.queryValue(QStringLiteral("q")), QStringLiteral("x&y"));
    QCOMPARE(sent.body, QByteArray(R"({"after":3})"));
    QCOMPARE(sent.header("Content-Length"), QByteArray("11"));
    QCOMPARE(sent.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(sent.header("X-Client"), QByteArray("longwatch-test"));
    QCOMPARE(sent.header("Host"),
             QStringLiteral("127.0.0.1:%1").arg(server.url().port()).toLatin1());
    QVERIFY(!sent.header("User-Agent").isEmpty());
}

void tst_NetworkAccessManager::headersBesideTheRequestGoOutAsIfSetOnIt_data()
{
    QTest::addColumn<FakeHeaders>("onRequest");
    QTest::addColumn<FakeHeaders>("beside");
    QTest::addColumn<bool>("keptApart");
    const FakeHeaders channel{{"Authorization", "Bearer x"}, {"X-Channel", "1"}};
    const FakeHeaders nchan{{"If-Modified-Since", "Sun, 22 Nov 2026 20:43:04 GMT"},
                            {"If-None-Match", "3"}};
    QTest::newRow("a cursor in two fields") << channel << nchan << true;
    QTest::newRow("no fields on the request") << FakeHeaders{} << nchan << true;
    QTest::newRow("a field the request has replaces it")
        << FakeHeaders{{"X-Channel", "1"}, {"If-None-Match", "old"}, {"X-Last", "2"}} << nchan
        << false;
    QTest::newRow("in another case too") << FakeHeaders{{"if-none-match", "old"}} << nchan << false;
    QTest::newRow("a repeated field, the last one counts")
        << channel << FakeHeaders{{"X-A", "1"}, {"x-a", "2"}} << false;
    QTest::newRow("an empty value") << channel << FakeHeaders{{"X-A", ""}, {"X-B", "1"}} << false;
    QTest::newRow("fields the client reads itself")
        << channel
        << FakeHeaders{{"Accept-Encoding", "identity"}, {"User-Agent", "other"}, {"Cookie", "a=1"}}
        << false;
}

void tst_NetworkAccessManager::headersBesideTheRequestGoOutAsIfSetOnIt()
{
    // NetworkAccessManager::send() with fields beside the request (the
    // Poller's for a profile's cursor) must put on the wire what setting
    // them on the request puts there: the same fields, values and order.
    QFETCH(FakeHeaders, onRequest);
    QFETCH(FakeHeaders, beside);
    QFETCH(bool, keptApart);
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}"));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/poll")));
    for (const auto &[name, value] : onRequest)
        request.setRawHeader(name, value);
    QNetworkRequest set = request;
    for (const auto &[name, value] : beside)
        set.setRawHeader(name, value);

    ReplyPtr before(manager.send(set, "GET"));
    QTRY_VERIFY_WITH_TIMEOUT(before->isFinished(), 10000);
    ReplyPtr apart(manager.send(request, "GET", nullptr, beside));
    QTRY_VERIFY_WITH_TIMEOUT(apart->isFinished(), 10000);
    QCOMPARE(apart->error(), QNetworkReply::NoError);
    QVERIFY(qobject_cast<Http1Reply *>(apart.get()));

    const QList<FakeRequest> sent = server.requests(QStringLiteral("/poll"));
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(1).headers, sent.at(0).headers);
    for (const auto &[name, value] : beside) {
        if (!value.isEmpty())
            QVERIFY(!sent.at(1).header(name).isNull());
    }
    // Where the fields can go beside it, they do (the cheap way is taken).
    QCOMPARE(!apart->request().hasRawHeader(beside.constFirst().first), keptApart);
}

void tst_NetworkAccessManager::answerHeadersKeptApartAreTheReplysOwn_data()
{
    QTest::addColumn<bool>("own");
    QTest::addColumn<bool>("coded");
    QTest::addColumn<bool>("redirect");
    QTest::newRow("own client") << true << false << false;
    QTest::newRow("own client, gzip") << true << true << false;
    QTest::newRow("own client, after a redirect") << true << false << true;
    QTest::newRow("Qt's client") << false << false << false;
}

void tst_NetworkAccessManager::answerHeadersKeptApartAreTheReplysOwn()
{
    // send() with ReplyHeaders::Apart: replyHeaders() and replyHeader()
    // give what rawHeaderPairs(), rawHeader() and header() give for the
    // same answer set on the reply.
    QFETCH(bool, own);
    QFETCH(bool, coded);
    QFETCH(bool, redirect);
    const QByteArray plain = R"({"events":[]})";
    FakeResponse answer = FakeResponse::json(coded ? compressed(plain, Compression::Gzip) : plain)
                              .withHeader("Last-Modified", "Mon, 07 Dec 2026 08:00:00 GMT")
                              .withHeader("ETag", "\"5\"")
                              .withHeader("X-Repeated", "one")
                              .withHeader("x-repeated", "two")
                              .withHeader("Set-Cookie", "session=abc; Path=/")
                              .withHeader("Set-Cookie", "theme=dark; Path=/")
                              .withHeader("Location", "/elsewhere");
    if (coded)
        answer = answer.withHeader("Content-Encoding", "gzip");
    FakeHttpServer server;
    const FakeResponse moved = FakeResponse::status(302)
                                   .withHeader("Location", "/feed")
                                   .withHeader("X-Only-Before", "1")
                                   .withHeader("X-Repeated", "before");
    for (int i = 0; i < 2; ++i) {
        if (redirect)
            server.enqueue(QStringLiteral("/old"), moved);
        server.enqueue(QStringLiteral("/feed"), answer);
    }
    const QNetworkRequest request(
        server.url(redirect ? QStringLiteral("/old") : QStringLiteral("/feed")));

    Manager inReplyManager;
    inReplyManager.setOwnClientEnabled(own);
    ReplyPtr inReply(inReplyManager.send(request, "GET", nullptr, {}));
    QTRY_VERIFY_WITH_TIMEOUT(inReply->isFinished(), 10000);
    Manager apartManager;
    apartManager.setOwnClientEnabled(own);
    ReplyPtr apart(
        apartManager.send(request, "GET", nullptr, {}, NetworkAccessManager::ReplyHeaders::Apart));
    QTRY_VERIFY_WITH_TIMEOUT(apart->isFinished(), 10000);
    QCOMPARE(apart->error(), QNetworkReply::NoError);
    QCOMPARE(readAllOf(apart.get()), plain);
    QCOMPARE(qobject_cast<Http1Reply *>(apart.get()) != nullptr, own);

    const QList<QNetworkReply::RawHeaderPair> expected = inReply->rawHeaderPairs();
    QVERIFY(expected.size() >= 8);
    QCOMPARE(replyHeaders(inReply.get()), expected);
    QCOMPARE(replyHeaders(apart.get()), expected);
    // The reply itself has them only from Qt's client.
    QCOMPARE(apart->rawHeaderPairs().isEmpty(), own);
    for (const QByteArray name :
         {"x-repeated", "SET-COOKIE", "Content-Length", "Location", "X-Only-Before", "Missing"}) {
        QCOMPARE(replyHeader(apart.get(), name), inReply->rawHeader(name));
        QCOMPARE(replyHeader(apart.get(), name).isNull(), inReply->rawHeader(name).isNull());
    }
    for (const auto known : {QNetworkRequest::ContentTypeHeader,
                             QNetworkRequest::ContentLengthHeader, QNetworkRequest::LocationHeader,
                             QNetworkRequest::LastModifiedHeader, QNetworkRequest::SetCookieHeader,
                             QNetworkRequest::ETagHeader, QNetworkRequest::ServerHeader}) {
        QCOMPARE(replyHeader(inReply.get(), known), inReply->header(known));
        // Qt parses Content-Length only the first time it is set on a
        // reply (QTBUG-15311): after a redirect the reply keeps the
        // redirect's; kept apart, it is the final answer's.
        if (redirect && known == QNetworkRequest::ContentLengthHeader)
            continue;
        QCOMPARE(replyHeader(apart.get(), known), inReply->header(known));
    }
    if (redirect) {
        QCOMPARE(inReply->header(QNetworkRequest::ContentLengthHeader).toLongLong(), 0);
        QCOMPARE(replyHeader(apart.get(), QNetworkRequest::ContentLengthHeader).toLongLong(),
                 plain.size());
    }
    QCOMPARE(replyHeader(apart.get(), QNetworkRequest::ContentLengthHeader).isValid(), !coded);
    // Cookies reach the manager's jar all the same.
    QCOMPARE(apartManager.cookieJar()->cookiesForUrl(server.url()).size(), 2);
}

void tst_NetworkAccessManager::errorStatusesGiveQtsErrorCodes_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::newRow("401") << 401 << QNetworkReply::AuthenticationRequiredError;
    QTest::newRow("404") << 404 << QNetworkReply::ContentNotFoundError;
    QTest::newRow("409") << 409 << QNetworkReply::ContentConflictError;
    QTest::newRow("429") << 429 << QNetworkReply::UnknownContentError;
    QTest::newRow("500") << 500 << QNetworkReply::InternalServerError;
    QTest::newRow("503") << 503 << QNetworkReply::ServiceUnavailableError;
    QTest::newRow("504") << 504 << QNetworkReply::UnknownServerError;
}

void tst_NetworkAccessManager::errorStatusesGiveQtsErrorCodes()
{
    QFETCH(int, status);
    QFETCH(QNetworkReply::NetworkError, error);

    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(status, "{\"error\":\"no\"}"));
    // The same on both clients.
    for (const bool own : {true, false}) {
        Manager manager;
        manager.setOwnClientEnabled(own);
        ReplyPtr reply(manager.get(QNetworkRequest(server.url())));
        QSignalSpy errors(reply.get(), &QNetworkReply::errorOccurred);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), error);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), status);
        QCOMPARE(reply->readAll(), QByteArray("{\"error\":\"no\"}"));
    }
}

void tst_NetworkAccessManager::faultsGiveQtsErrorCodes_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<bool>("hasStatus");
    QTest::newRow("a close before any answer")
        << FakeResponse::closeConnection() << QNetworkReply::RemoteHostClosedError << false;
    QTest::newRow("a close in the middle of the body")
        << FakeResponse::json(QByteArray(100, ' ')).withCloseAfterBodyBytes(10)
        << QNetworkReply::RemoteHostClosedError << true;
    QTest::newRow("bytes that are not HTTP")
        << FakeResponse::garbage("\x16\x03\x01 not http\r\n\r\n") << QNetworkReply::ProtocolFailure
        << false;
    QTest::newRow("conflicting lengths")
        << FakeResponse::json("{}").withHeader("Content-Length", "2, 3")
        << QNetworkReply::ProtocolFailure << false;
}

void tst_NetworkAccessManager::faultsGiveQtsErrorCodes()
{
    QFETCH(FakeResponse, response);
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(bool, hasStatus);

    FakeHttpServer server;
    server.setDefaultResponse(response);
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url())));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), error);
    QVERIFY(!reply->errorString().isEmpty());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid(), hasStatus);
    QCOMPARE(manager.idleConnectionCount(), 0);
}

void tst_NetworkAccessManager::refusedConnection()
{
    FakeHttpServer server;
    const QUrl url = server.url();
    server.refuseConnections();
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(url)));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::ConnectionRefusedError);
    QVERIFY(!reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid());
}

void tst_NetworkAccessManager::aKeptAliveConnectionCarriesTheNextRequest()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}"));
    Manager manager;
    for (int i = 0; i < 3; ++i) {
        ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/poll")))));
        QSignalSpy connecting(reply.get(), &QNetworkReply::socketStartedConnecting);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(connecting.size(), i == 0 ? 1 : 0);
        QCOMPARE(manager.idleConnectionCount(), 1);
    }
    QCOMPARE(server.requestCount(), 3);
    QCOMPARE(server.openConnectionCount(), 1);
}

void tst_NetworkAccessManager::aConnectionTheServerClosedIsNotUsedAgain()
{
    // The server drops the kept-alive connection; the next request either
    // sees that first or finds out when it fails before any answer, and
    // then goes out again on a new connection. Either way it succeeds.
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}"));
    Manager manager;
    ReplyPtr first(manager.get(QNetworkRequest(server.url())));
    QTRY_VERIFY_WITH_TIMEOUT(first->isFinished(), 10000);
    QCOMPARE(manager.idleConnectionCount(), 1);
    for (int i = 0; i < 3; ++i) {
        server.closeAllConnections();
        ReplyPtr next(manager.get(QNetworkRequest(server.url())));
        QTRY_VERIFY_WITH_TIMEOUT(next->isFinished(), 10000);
        QCOMPARE(next->error(), QNetworkReply::NoError);
        QCOMPARE(next->readAll(), QByteArray("{}"));
    }
    QCOMPARE(server.requestCount(), 4);
}

void tst_NetworkAccessManager::anIdleConnectionTheServerClosesLeavesThePool()
{
    // The connection's socket signals go to the pool while it waits there
    // (Http1Connection): a close is noticed without a request.
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}"));
    Manager manager;
    for (int round = 0; round < 2; ++round) { // the second time on a new connection
        ReplyPtr reply(manager.get(QNetworkRequest(server.url())));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(manager.idleConnectionCount(), 1);
        server.closeAllConnections();
        QTRY_COMPARE_WITH_TIMEOUT(manager.idleConnectionCount(), 0, 10000);
    }
    QCOMPARE(server.requestCount(), 2);
}

void tst_NetworkAccessManager::aClosingConnectionIsNotKept()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json("{}").withHeader("Connection", "close"));
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url())));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(manager.idleConnectionCount(), 0);
}

void tst_NetworkAccessManager::abortFinishesAtOnce()
{
    FakeHttpServer server; // holds every request
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url())));
    QTRY_COMPARE(server.heldCount(), 1);
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QSignalSpy errors(reply.get(), &QNetworkReply::errorOccurred);
    reply->abort();
    QCOMPARE(finished.size(), 1); // at once, as Qt's
    QCOMPARE(errors.size(), 1);
    QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
    QVERIFY(reply->isFinished());
    reply->abort(); // a second abort does nothing
    QCOMPARE(finished.size(), 1);
    QCOMPARE(manager.idleConnectionCount(), 0);
    QTRY_COMPARE(server.openConnectionCount(), 0);
}

void tst_NetworkAccessManager::deletingAReplyInFlightIsSafe()
{
    FakeHttpServer server;
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url())));
    QTRY_COMPARE(server.heldCount(), 1);
    reply.reset();
    QTRY_COMPARE(server.openConnectionCount(), 0);
    QCOMPARE(manager.idleConnectionCount(), 0);
    // Deleted before it started: nothing goes out.
    reply.reset(manager.get(QNetworkRequest(server.url())));
    reply.reset();
    server.setDefaultResponse(FakeResponse::json("{}"));
    ReplyPtr after(manager.get(QNetworkRequest(server.url())));
    QTRY_VERIFY_WITH_TIMEOUT(after->isFinished(), 10000);
    QCOMPARE(after->error(), QNetworkReply::NoError);
    QCOMPARE(server.requestCount(), 2);
}

void tst_NetworkAccessManager::deletingTheManagerInFlightIsSafe()
{
    FakeHttpServer server;
    auto manager = std::make_unique<Manager>();
    QPointer<QNetworkReply> reply = manager->get(QNetworkRequest(server.url()));
    QTRY_COMPARE(server.heldCount(), 1);
    manager.reset(); // takes its replies (children) with it
    QVERIFY(reply.isNull());
    QTRY_COMPARE(server.openConnectionCount(), 0);
}

void tst_NetworkAccessManager::sameOriginRedirectsAreFollowed()
{
    FakeHttpServer server;
    server.enqueue(
        QStringLiteral("/old"),
        FakeResponse::status(301, "{\"moved\":true}").withHeader("Location", "/new?after=1"));
    server.enqueue(QStringLiteral("/new"), FakeResponse::json(R"({"events":[]})"));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/old")));
    request.setRawHeader("Authorization", "Bearer same-origin-only");
    QVERIFY(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation));
    ReplyPtr reply(manager.get(request));
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);
    QSignalSpy headers(reply.get(), &QNetworkReply::metaDataChanged);
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(redirected.size(), 1);
    QCOMPARE(headers.size(), 1); // the final answer's only
    QCOMPARE(reply->url(), server.url(QStringLiteral("/new?after=1")));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->readAll(), QByteArray(R"({"events":[]})"));
    const FakeRequest followed = server.requests(QStringLiteral("/new")).value(0);
    QCOMPARE(followed.header("Authorization"), QByteArray("Bearer same-origin-only"));
    QCOMPARE(server.openConnectionCount(), 1); // the same connection
}

void tst_NetworkAccessManager::seeOtherTurnsAPostIntoAGet()
{
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/submit"),
                   FakeResponse::status(303).withHeader("Location", "/result"));
    server.enqueue(QStringLiteral("/result"), FakeResponse::json("{}"));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/submit")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    ReplyPtr reply(manager.post(request, QByteArray("{\"a\":1}")));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    const FakeRequest result = server.requests(QStringLiteral("/result")).value(0);
    QCOMPARE(result.method, QByteArray("GET"));
    QVERIFY(result.body.isEmpty());
}

void tst_NetworkAccessManager::redirectsToAnotherOriginAreRefused()
{
    FakeHttpServer server;
    // Another host name for the same server is another origin.
    const QByteArray elsewhere =
        QStringLiteral("http://localhost:%1/new").arg(server.url().port()).toLatin1();
    server.enqueue(QStringLiteral("/old"),
                   FakeResponse::status(302).withHeader("Location", elsewhere));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/old")));
    ReplyPtr reply(manager.get(request));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::InsecureRedirectError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 302);
    QCOMPARE(reply->rawHeader("Location"), elsewhere);
    QCOMPARE(server.requestCount(), 1);
}

void tst_NetworkAccessManager::redirectLoopsEnd()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(307).withHeader("Location", "/loop"));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/loop")));
    request.setMaximumRedirectsAllowed(3);
    ReplyPtr reply(manager.get(request));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::TooManyRedirectsError);
    QCOMPARE(server.requestCount(), 4);
}

void tst_NetworkAccessManager::manualRedirectsAreLeftToTheCaller()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(302).withHeader("Location", "/elsewhere"));
    Manager manager;
    QNetworkRequest request(server.url(QStringLiteral("/here")));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    ReplyPtr reply(manager.get(request));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 302);
    QCOMPARE(reply->rawHeader("Location"), QByteArray("/elsewhere"));
    QCOMPARE(server.requestCount(), 1);
}

void tst_NetworkAccessManager::cookiesGoBackToTheServer()
{
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/login"),
                   FakeResponse::json("{}").withHeader("Set-Cookie", "session=abc; Path=/"));
    server.setDefaultResponse(FakeResponse::json("{}"));
    Manager manager;
    ReplyPtr login(manager.get(QNetworkRequest(server.url(QStringLiteral("/login")))));
    QTRY_VERIFY_WITH_TIMEOUT(login->isFinished(), 10000);
    QCOMPARE(manager.cookieJar()->cookiesForUrl(server.url()).size(), 1);
    ReplyPtr next(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
    QTRY_VERIFY_WITH_TIMEOUT(next->isFinished(), 10000);
    QCOMPARE(server.requests(QStringLiteral("/feed")).value(0).header("Cookie"),
             QByteArray("session=abc"));
}

namespace {

/// A JSON body that compresses well, as a backlog of events does.
QByteArray eventsBody(int count)
{
    QByteArray body = "{\"events\":[";
    for (int i = 1; i <= count; ++i) {
        body += (i > 1 ? "," : "") + QByteArray(R"({"id":)") + QByteArray::number(i) +
                R"(,"type":"job.finished","message":"Build #)" + QByteArray::number(i) +
                R"( of service-7 ok"})";
    }
    return body + "]}";
}

} // namespace

void tst_NetworkAccessManager::codedBodiesAreDecodedAsByQt_data()
{
    QTest::addColumn<Compression>("format");
    QTest::addColumn<QByteArray>("coding");
    QTest::addColumn<FakeResponse::Framing>("framing");
    QTest::addColumn<bool>("trickle");
    QTest::addColumn<bool>("qtToo"); // Qt 6.4's client reads it too
    using F = FakeResponse::Framing;
    QTest::newRow("gzip") << Compression::Gzip << QByteArray("gzip") << F::ContentLength << false
                          << true;
    QTest::newRow("gzip, chunked")
        << Compression::Gzip << QByteArray("gzip") << F::Chunked << false << true;
    QTest::newRow("gzip until the close")
        << Compression::Gzip << QByteArray("gzip") << F::UntilClose << false << true;
    QTest::newRow("gzip, a byte at a time")
        << Compression::Gzip << QByteArray("gzip") << F::ContentLength << true << true;
    QTest::newRow("x-gzip") << Compression::Gzip << QByteArray("x-gzip") << F::ContentLength
                            << false << false;
    QTest::newRow("GZIP in capitals")
        << Compression::Gzip << QByteArray("GZIP") << F::ContentLength << false << true;
    QTest::newRow("deflate in the zlib format (RFC 9110)")
        << Compression::Zlib << QByteArray("deflate") << F::ContentLength << false << true;
    QTest::newRow("deflate sent raw")
        << Compression::RawDeflate << QByteArray("deflate") << F::ContentLength << false << true;
}

void tst_NetworkAccessManager::codedBodiesAreDecodedAsByQt()
{
    QFETCH(Compression, format);
    QFETCH(QByteArray, coding);
    QFETCH(FakeResponse::Framing, framing);
    QFETCH(bool, trickle);
    QFETCH(bool, qtToo);

    const QByteArray plain = eventsBody(trickle ? 20 : 2000);
    const QByteArray coded = compressed(plain, format);
    QVERIFY(!coded.isEmpty());
    QVERIFY(coded.size() < plain.size() / 4);
    FakeResponse response =
        FakeResponse::json(coded).withHeader("Content-Encoding", coding).withFraming(framing);
    if (trickle)
        response = response.withTrickle(1ms);
    FakeHttpServer server;
    server.setDefaultResponse(response);
    // The same on both clients: the body decoded, Content-Encoding kept,
    // Content-Length (the coded length) gone. Qt 6.4's does not know
    // "x-gzip", which RFC 9110 section 8.4.1.3 asks to read as "gzip".
    for (const bool own : {true, false}) {
        if (!own && !qtToo)
            continue;
        Manager manager;
        manager.setOwnClientEnabled(own);
        const QNetworkRequest request(server.url(QStringLiteral("/feed")));
        QCOMPARE(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation), own);
        ReplyPtr reply(manager.get(request));
        QByteArray body;
        connect(reply.get(), &QNetworkReply::readyRead, this, [&] { body += reply->readAll(); });
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(body.size(), plain.size());
        QCOMPARE(body, plain);
        QCOMPARE(reply->rawHeader("Content-Encoding"), coding);
        QVERIFY2(!reply->hasRawHeader("Content-Length"), own ? "own client" : "Qt's client");
        QVERIFY(!reply->header(QNetworkRequest::ContentLengthHeader).isValid());
        QVERIFY(server.requests().constLast().header("Accept-Encoding").contains("gzip"));
    }
}

void tst_NetworkAccessManager::gzipMembersOneAfterTheOtherAreOneBody()
{
    // RFC 1952 section 2.2: a gzip file is a series of members.
    const QByteArray first = eventsBody(300);
    const QByteArray second = "\n" + eventsBody(5);
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json(compressed(first, Compression::Gzip) +
                                                 compressed(second, Compression::Gzip))
                                  .withHeader("Content-Encoding", "gzip"));
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
    QVERIFY(qobject_cast<Http1Reply *>(reply.get()));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), first + second);
}

void tst_NetworkAccessManager::aRequestNamingItsOwnCodingsGetsTheBodyAsItCame()
{
    const QByteArray coded = compressed(eventsBody(100), Compression::Gzip);
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json(coded).withHeader("Content-Encoding", "gzip"));
    for (const bool own : {true, false}) {
        Manager manager;
        manager.setOwnClientEnabled(own);
        QNetworkRequest request(server.url(QStringLiteral("/feed")));
        request.setRawHeader("Accept-Encoding", "gzip");
        ReplyPtr reply(manager.get(request));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->readAll(), coded);
        QCOMPARE(reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(), coded.size());
        QCOMPARE(server.requests().constLast().header("Accept-Encoding"), QByteArray("gzip"));
    }
}

void tst_NetworkAccessManager::aCodingNotAskedForIsLeftAsItCame()
{
    // Not undone: the reader sees what came, and Content-Encoding says what it is.
    const QByteArray coded = compressed(eventsBody(100), Compression::Gzip);
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/br"),
                   FakeResponse::json("not really brotli").withHeader("Content-Encoding", "br"));
    server.enqueue(QStringLiteral("/twice"),
                   FakeResponse::json(coded).withHeader("Content-Encoding", "gzip, gzip"));
    Manager manager;
    ReplyPtr br(manager.get(QNetworkRequest(server.url(QStringLiteral("/br")))));
    ReplyPtr twice(manager.get(QNetworkRequest(server.url(QStringLiteral("/twice")))));
    QTRY_VERIFY_WITH_TIMEOUT(br->isFinished() && twice->isFinished(), 10000);
    QCOMPARE(br->error(), QNetworkReply::NoError);
    QCOMPARE(br->readAll(), QByteArray("not really brotli"));
    QCOMPARE(twice->error(), QNetworkReply::NoError);
    QCOMPARE(twice->readAll(), coded);
}

void tst_NetworkAccessManager::aCorruptCodedBodyIsAContentError()
{
    QByteArray coded = compressed(eventsBody(2000), Compression::Gzip);
    for (qsizetype i = 40; i < coded.size() - 40; i += 7)
        coded[i] = char(coded[i] ^ 0x5a);
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json(coded).withHeader("Content-Encoding", "gzip"));
    // The same code and the same first words on both clients.
    for (const bool own : {true, false}) {
        Manager manager;
        manager.setOwnClientEnabled(own);
        ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
        QCOMPARE(qobject_cast<Http1Reply *>(reply.get()) != nullptr, own);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::UnknownContentError);
        QVERIFY2(reply->errorString().startsWith(QLatin1String("Decompression failed")),
                 qPrintable(reply->errorString()));
    }
}

void tst_NetworkAccessManager::aCutCodedBodyIsAContentError()
{
    // The HTTP framing is complete; the gzip stream in it is not.
    const QByteArray coded = compressed(eventsBody(2000), Compression::Gzip);
    FakeHttpServer server;
    server.setDefaultResponse(
        FakeResponse::json(coded.first(coded.size() / 2)).withHeader("Content-Encoding", "gzip"));
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
    QVERIFY(qobject_cast<Http1Reply *>(reply.get()));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::UnknownContentError);
    QVERIFY2(reply->errorString().contains(QLatin1String("the compressed data is cut short")),
             qPrintable(reply->errorString()));
}

void tst_NetworkAccessManager::aBombIsDecodedOnlyAsFastAsItIsRead()
{
    // 32 MiB of zeros in about 32 KiB: never more than the reply's read
    // buffer size waits decoded for the reader, however fast it arrived.
    constexpr qint64 kDecoded = 32 * 1024 * 1024;
    constexpr qint64 kLimit = 64 * 1024;
    const QByteArray coded = compressed(QByteArray(kDecoded, '\0'), Compression::Gzip);
    QVERIFY(coded.size() < 64 * 1024);
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::json(coded).withHeader("Content-Encoding", "gzip"));
    Manager manager;
    ReplyPtr reply(manager.get(QNetworkRequest(server.url(QStringLiteral("/feed")))));
    QVERIFY(qobject_cast<Http1Reply *>(reply.get()));
    reply->setReadBufferSize(kLimit);

    // A reader that does not read: the reply waits with what it decoded
    // (had it decoded on, the first readyRead would have brought far more).
    QTRY_VERIFY_WITH_TIMEOUT(reply->bytesAvailable() == kLimit, 10000);
    QCoreApplication::processEvents();
    QCOMPARE(reply->bytesAvailable(), kLimit);
    QVERIFY(!reply->isFinished());

    // Reading lets it go on, never more than a read buffer ahead.
    qint64 total = 0;
    qint64 most = 0;
    bool zeros = true;
    const auto read = [&] {
        most = std::max(most, reply->bytesAvailable());
        const QByteArray piece = reply->readAll();
        zeros = zeros && piece.count('\0') == piece.size();
        total += piece.size();
    };
    QSignalSpy readyRead(reply.get(), &QNetworkReply::readyRead);
    connect(reply.get(), &QNetworkReply::readyRead, this, read);
    read();
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 20000);
    read();
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(total, kDecoded);
    QVERIFY(zeros);
    QVERIFY2(most <= kLimit, qPrintable(QString::number(most)));
    QVERIFY(readyRead.count() >= (kDecoded - kLimit) / kLimit);
}

int main(int argc, char *argv[])
{
    useTestEventDispatcher();
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_NetworkAccessManager test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_networkaccessmanager.moc"
