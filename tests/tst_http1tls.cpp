// Longwatch's own HTTP/1.1 client over TLS (Http1Reply on a QSslSocket):
// the same failures as Qt's client, kept-alive connections shared only
// within one TLS configuration and one trust, sessions resumed on the next
// connection, ALPN. The Poller's use of it is in tst_tls.

#include "http1reply.h"
#include "networkaccessmanager.h"
#include "testeventdispatcher.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

constexpr int kWaitMs = 15'000;

using ReplyPtr = std::unique_ptr<QNetworkReply>;

/// A manager that follows redirects within the origin only, as the Poller
/// asks for each request (Qt's default policy sends requests to Qt's client).
class Manager : public NetworkAccessManager
{
public:
    Manager() { setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy); }
};

/// What a reply came to, to set one client's beside the other's.
struct Outcome
{
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    int status = 0;
    QList<QSslError::SslError> sslErrors;
    QByteArray body;
    bool encrypted = false;
    QSslCertificate peer; ///< in tlsPeerInfo() once the reply has finished
};

/// A configuration as the Poller makes one for a channel with a CA file:
/// the system's CAs and `cas`, each call a list of its own.
QSslConfiguration trusting(const QList<QSslCertificate> &cas)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(QSslConfiguration::systemCaCertificates() + cas);
    return configuration;
}

/// GETs `url` with `configuration`, ignoring the certificate errors a pin
/// for `pinned` overrides (as the Poller does), and waits for the end.
Outcome fetch(NetworkAccessManager &manager, const QUrl &url,
              const QSslConfiguration &configuration,
              const QSslCertificate &pinned = QSslCertificate())
{
    Outcome outcome;
    QNetworkRequest request(url);
    request.setSslConfiguration(configuration);
    ReplyPtr reply(manager.get(request));
    QObject::connect(reply.get(), &QNetworkReply::sslErrors, reply.get(),
                     [&outcome, &reply, &pinned](const QList<QSslError> &errors) {
                         for (const QSslError &error : errors)
                             outcome.sslErrors << error.error();
                         const QList<QSslError> ignore =
                             errorsToIgnore(errors, tlsPeerInfo(reply.get()).certificate(),
                                            {certificateSha256(pinned)});
                         if (!ignore.isEmpty())
                             reply->ignoreSslErrors(ignore);
                     });
    QObject::connect(reply.get(), &QNetworkReply::encrypted, reply.get(),
                     [&outcome] { outcome.encrypted = true; });
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!finished.wait(kWaitMs))
        qWarning("the reply did not finish");
    outcome.error = reply->error();
    outcome.errorString = reply->errorString();
    outcome.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    outcome.body = reply->readAll();
    outcome.peer = tlsPeerInfo(reply.get()).certificate();
    return outcome;
}

} // namespace

class tst_Http1Tls : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void failuresAreQtsFailures_data();
    void failuresAreQtsFailures();
    void offersOnlyHttp11();
    void peerCertificateIsGiven();

    void aKeptAliveConnectionCarriesTheNextRequest();
    void aConnectionIsNotSharedAcrossTlsConfigurations();
    void aConnectionThatIgnoredErrorsIsLentOnlyToARequestIgnoringThem();

    void aSecondConnectionResumesTheSession();
    void aSessionWithIgnoredErrorsIsNotResumed();
    void clearingTheConnectionCacheForgetsSessions();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
};

void tst_Http1Tls::initTestCase()
{
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl'); it makes the "
              "test certificates.");
    qunsetenv("LONGWATCH_HTTP_CLIENT");
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    TestCertificates &c = *m_certs;
    QVERIFY2(c.makeCa("ca", "Longwatch Test CA"), qPrintable(c.errorString()));
    QVERIFY2(c.makeCa("otherca", "Another Test CA"), qPrintable(c.errorString()));
    QVERIFY2(c.makeSigned("server", "127.0.0.1", "ca"), qPrintable(c.errorString()));
    QVERIFY2(c.makeSelfSigned("self", "127.0.0.1"), qPrintable(c.errorString()));
    QVERIFY2(c.makeSelfSigned("elsewhere", "feeds.example", "DNS:feeds.example"),
             qPrintable(c.errorString()));
    QVERIFY2(c.makeExpiredSelfSigned("expired", "127.0.0.1"), qPrintable(c.errorString()));
}

void tst_Http1Tls::failuresAreQtsFailures_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<bool>("trustTheCa");

    QTest::newRow("a certificate from a trusted CA passes") << "server" << true;
    QTest::newRow("a certificate from an unknown CA fails alike") << "server" << false;
    QTest::newRow("a self-signed certificate fails alike") << "self" << false;
    QTest::newRow("a certificate for another host fails alike") << "elsewhere" << false;
    QTest::newRow("an expired certificate fails alike") << "expired" << false;
}

void tst_Http1Tls::failuresAreQtsFailures()
{
    QFETCH(QString, certificate);
    QFETCH(bool, trustTheCa);

    TlsTestServer server(m_certs->certificate(certificate), m_certs->key(certificate));
    QVERIFY(server.listen());
    const QSslConfiguration configuration =
        trustTheCa ? trusting({m_certs->certificate("ca")}) : trusting({});
    Outcome outcomes[2];
    for (const bool own : {true, false}) {
        Manager manager;
        manager.setOwnClientEnabled(own);
        QNetworkRequest request(server.url());
        request.setSslConfiguration(configuration);
        QCOMPARE(manager.usesOwnClient(request, QNetworkAccessManager::GetOperation), own);
        outcomes[own ? 0 : 1] = fetch(manager, server.url(), configuration);
    }
    const Outcome &ours = outcomes[0];
    const Outcome &qts = outcomes[1];
    QCOMPARE(ours.error, qts.error);
    QCOMPARE(ours.errorString, qts.errorString);
    QCOMPARE(ours.sslErrors, qts.sslErrors);
    QCOMPARE(ours.status, qts.status);
    QCOMPARE(ours.body, qts.body);
    QCOMPARE(ours.encrypted, qts.encrypted);
    QCOMPARE(ours.peer, qts.peer);
    QCOMPARE(ours.peer, m_certs->certificate(certificate));
    QCOMPARE(ours.error == QNetworkReply::NoError, trustTheCa);
    if (!trustTheCa) {
        QCOMPARE(ours.error, QNetworkReply::SslHandshakeFailedError);
        QVERIFY(!ours.sslErrors.isEmpty());
    }
    if (certificate == "elsewhere")
        QVERIFY(ours.sslErrors.contains(QSslError::HostNameMismatch));
    // Nothing was sent to a server that was not trusted.
    QCOMPARE(server.requestCount(), trustTheCa ? 2 : 0);
    if (trustTheCa) {
        QVERIFY(isFromLongwatchClient(server.requests().at(0)));
        QVERIFY(!isFromLongwatchClient(server.requests().at(1)));
    }
}

void tst_Http1Tls::offersOnlyHttp11()
{
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.setAlpnProtocols(
        {QSslConfiguration::ALPNProtocolHTTP2, QSslConfiguration::NextProtocolHttp1_1});
    QVERIFY(server.listen());
    Manager manager;
    QNetworkRequest request(server.url());
    request.setSslConfiguration(trusting({m_certs->certificate("ca")}));
    ReplyPtr reply(manager.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    // The server would rather speak HTTP/2; it was not offered.
    QCOMPARE(tlsPeerInfo(reply.get()).negotiatedProtocol, QSslConfiguration::NextProtocolHttp1_1);
    QCOMPARE(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool(), false);
    QVERIFY(isFromLongwatchClient(server.requests().first()));
}

void tst_Http1Tls::peerCertificateIsGiven()
{
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    QVERIFY(server.listen());
    Manager manager;
    QNetworkRequest request(server.url());
    request.setSslConfiguration(trusting({m_certs->certificate("ca")}));
    ReplyPtr reply(manager.get(request));
    QVERIFY(qobject_cast<Http1Reply *>(reply.get()));
    // The Poller listens for encrypted() and sslErrors() only where they may come.
    QVERIFY(mayUseTls(reply.get()));
    ReplyPtr plain(manager.get(QNetworkRequest(QUrl("http://127.0.0.1:1/"))));
    QVERIFY(qobject_cast<Http1Reply *>(plain.get()));
    QVERIFY(!mayUseTls(plain.get()));
    QSignalSpy encrypted(reply.get(), &QNetworkReply::encrypted);
    QSignalSpy managerEncrypted(&manager, &QNetworkAccessManager::encrypted);
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(encrypted.size(), 1);
    QCOMPARE(managerEncrypted.size(), 1);
    // On either client through one helper: QSslConfiguration has no public
    // setter for what the own client's handshake established.
    const TlsPeerInfo got = tlsPeerInfo(reply.get());
    QCOMPARE(got.certificate(), m_certs->certificate("server"));
    QVERIFY(got.certificateChain.contains(m_certs->certificate("server")));
    QVERIFY(got.protocol != QSsl::UnknownProtocol);
}

void tst_Http1Tls::aKeptAliveConnectionCarriesTheNextRequest()
{
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.setKeepAlive(true);
    QVERIFY(server.listen());
    Manager manager;
    const QSslConfiguration configuration = trusting({m_certs->certificate("ca")});
    const Outcome first = fetch(manager, server.url(), configuration);
    QCOMPARE(first.error, QNetworkReply::NoError);
    QVERIFY(first.encrypted);
    QCOMPARE(manager.idleConnectionCount(), 1);
    // The same configuration again, and one made apart with the same
    // content (as another channel with the same CA file has).
    const Outcome second = fetch(manager, server.url(), configuration);
    const Outcome third = fetch(manager, server.url(), trusting({m_certs->certificate("ca")}));
    for (const Outcome &outcome : {second, third}) {
        QCOMPARE(outcome.error, QNetworkReply::NoError);
        QVERIFY(!outcome.encrypted); // no new handshake
    }
    QCOMPARE(server.requestCount(), 3);
    QCOMPARE(server.handshakeCount(), 1);
    QCOMPARE(manager.idleConnectionCount(), 1);
}

void tst_Http1Tls::aConnectionIsNotSharedAcrossTlsConfigurations()
{
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.setKeepAlive(true);
    QVERIFY(server.listen());
    Manager manager;
    // Both trust the server, but not the same CAs: the second must not
    // ride on the first one's connection.
    const QSslConfiguration one = trusting({m_certs->certificate("ca")});
    const QSslConfiguration other =
        trusting({m_certs->certificate("ca"), m_certs->certificate("otherca")});
    QSslConfiguration unverified = one;
    unverified.setPeerVerifyMode(QSslSocket::VerifyNone);
    QCOMPARE(fetch(manager, server.url(), one).error, QNetworkReply::NoError);
    QCOMPARE(fetch(manager, server.url(), other).error, QNetworkReply::NoError);
    QCOMPARE(server.handshakeCount(), 2);
    QCOMPARE(fetch(manager, server.url(), unverified).error, QNetworkReply::NoError);
    QCOMPARE(server.handshakeCount(), 3);
    QCOMPARE(manager.idleConnectionCount(), 3);
    // Each goes on with its own.
    QCOMPARE(fetch(manager, server.url(), other).error, QNetworkReply::NoError);
    QCOMPARE(fetch(manager, server.url(), one).error, QNetworkReply::NoError);
    QCOMPARE(server.handshakeCount(), 3);
    QCOMPARE(server.requestCount(), 5);
    // A configuration that trusts only an unrelated CA does not get the
    // server's trusted connection, and fails.
    const Outcome untrusted = fetch(manager, server.url(), trusting({}));
    QCOMPARE(untrusted.error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(server.requestCount(), 5);
}

void tst_Http1Tls::aConnectionThatIgnoredErrorsIsLentOnlyToARequestIgnoringThem()
{
    const QSslCertificate self = m_certs->certificate("self");
    TlsTestServer server(self, m_certs->key("self"));
    server.setKeepAlive(true);
    QVERIFY(server.listen());
    Manager manager;
    const QSslConfiguration configuration = trusting({});

    const Outcome pinned = fetch(manager, server.url(), configuration, self);
    QCOMPARE(pinned.error, QNetworkReply::NoError);
    QCOMPARE(pinned.sslErrors, QList<QSslError::SslError>{QSslError::SelfSignedCertificate});
    QCOMPARE(manager.idleConnectionCount(), 1);

    // The same configuration without the pin: shown the same errors, and
    // refused as a new handshake would refuse it, nothing sent.
    const Outcome unpinned = fetch(manager, server.url(), configuration);
    QCOMPARE(unpinned.error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(unpinned.sslErrors, pinned.sslErrors);
    QCOMPARE(unpinned.errorString,
             "SSL handshake failed: " +
                 QSslError(QSslError::SelfSignedCertificate, self).errorString());
    QCOMPARE(server.requestCount(), 1);
    // A pin for another certificate does not cover it either.
    const Outcome otherPin =
        fetch(manager, server.url(), configuration, m_certs->certificate("expired"));
    QCOMPARE(otherPin.error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(server.requestCount(), 1);

    // The connection stayed for the pinned requests.
    QCOMPARE(manager.idleConnectionCount(), 1);
    const Outcome again = fetch(manager, server.url(), configuration, self);
    QCOMPARE(again.error, QNetworkReply::NoError);
    QCOMPARE(again.sslErrors, pinned.sslErrors);
    QCOMPARE(server.requestCount(), 2);
    QCOMPARE(server.handshakeCount(), 1);
}

void tst_Http1Tls::aSecondConnectionResumesTheSession()
{
    OpensslServer server(m_certs->certificatePath("server"), m_certs->keyPath("server"));
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    Manager manager;
    const QSslConfiguration configuration = trusting({m_certs->certificate("ca")});
    // The server closes every connection: each request makes a new one.
    const Outcome first = fetch(manager, server.url(), configuration);
    QCOMPARE(first.error, QNetworkReply::NoError);
    QVERIFY2(first.body.contains("New, "), first.body.left(200).constData());
    const Outcome second = fetch(manager, server.url(), configuration);
    QCOMPARE(second.error, QNetworkReply::NoError);
    QVERIFY(second.encrypted);
    QVERIFY2(second.body.contains("Reused, "), second.body.left(200).constData());
    // Each connection leaves a ticket for the next.
    const Outcome third = fetch(manager, server.url(), configuration);
    QVERIFY2(third.body.contains("Reused, "), third.body.left(200).constData());
    // Another TLS configuration does not resume this one's session.
    const Outcome other =
        fetch(manager, server.url(),
              trusting({m_certs->certificate("ca"), m_certs->certificate("self")}));
    QCOMPARE(other.error, QNetworkReply::NoError);
    QVERIFY2(other.body.contains("New, "), other.body.left(200).constData());
}

void tst_Http1Tls::aSessionWithIgnoredErrorsIsNotResumed()
{
    // A resumed handshake checks no certificate: a session made with
    // errors ignored would let a request through that ignores none.
    const QSslCertificate self = m_certs->certificate("self");
    OpensslServer server(m_certs->certificatePath("self"), m_certs->keyPath("self"));
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    Manager manager;
    const QSslConfiguration configuration = trusting({});
    const Outcome pinned = fetch(manager, server.url(), configuration, self);
    QCOMPARE(pinned.error, QNetworkReply::NoError);
    QVERIFY(!pinned.sslErrors.isEmpty());
    const Outcome unpinned = fetch(manager, server.url(), configuration);
    QCOMPARE(unpinned.error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(unpinned.sslErrors, pinned.sslErrors);
    const Outcome pinnedAgain = fetch(manager, server.url(), configuration, self);
    QCOMPARE(pinnedAgain.error, QNetworkReply::NoError);
    QVERIFY2(pinnedAgain.body.contains("New, "), pinnedAgain.body.left(200).constData());
}

void tst_Http1Tls::clearingTheConnectionCacheForgetsSessions()
{
    OpensslServer server(m_certs->certificatePath("server"), m_certs->keyPath("server"));
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    Manager manager;
    const QSslConfiguration configuration = trusting({m_certs->certificate("ca")});
    QCOMPARE(fetch(manager, server.url(), configuration).error, QNetworkReply::NoError);
    manager.clearConnectionCache();
    const Outcome after = fetch(manager, server.url(), configuration);
    QCOMPARE(after.error, QNetworkReply::NoError);
    QVERIFY2(after.body.contains("New, "), after.body.left(200).constData());
}

int main(int argc, char *argv[])
{
    useTestEventDispatcher();
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_Http1Tls test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_http1tls.moc"
