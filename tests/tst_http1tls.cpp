// Longwatch's own HTTP/1.1 client over TLS (Http1Reply on TlsConnection,
// OpenSSL driven directly): the same failures as Qt's client, kept-alive
// connections shared only within one TLS configuration and one trust,
// sessions resumed on the next connection, ALPN; one TLS context per
// configuration, no record buffers held by an idle connection, a spoiled
// or cut stream an error in words. The Poller's use of it is in tst_tls.

#include "http1connection_p.h"
#include "http1reply.h"
#include "networkaccessmanager.h"
#include "networkpool.h"
#include "testeventdispatcher.h"
#include "tlsconnection_p.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <malloc.h>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Internal;
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

/// Between a client and a TLS server on `upstream`: passes the bytes both
/// ways, and spoils the server's answer to the request (what it sends once
/// the client wrote a third time: ClientHello, the end of a TLS 1.2
/// handshake, the request): Corrupt flips a bit in its first piece, Truncate passes half
/// of it and closes the connection without close_notify.
class SpoilingProxy final : public QObject
{
public:
    enum class Spoil { Corrupt, Truncate };

    SpoilingProxy(quint16 upstream, Spoil spoil)
        : m_upstream(upstream)
        , m_spoil(spoil)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &SpoilingProxy::onConnection);
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const
    {
        return QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(m_server.serverPort()));
    }

private:
    void onConnection()
    {
        QTcpSocket *client = m_server.nextPendingConnection();
        auto *server = new QTcpSocket(client);
        auto writes = std::make_shared<int>(0);
        auto spoiled = std::make_shared<bool>(false);
        connect(client, &QTcpSocket::readyRead, server, [client, server, writes] {
            ++*writes;
            server->write(client->readAll());
        });
        connect(server, &QTcpSocket::readyRead, client, [this, client, server, writes, spoiled] {
            QByteArray data = server->readAll();
            if (*writes < 3 || data.isEmpty() || *spoiled) {
                client->write(data);
                return;
            }
            // The first piece of the answer (a close_notify may follow).
            *spoiled = true;
            if (m_spoil == Spoil::Corrupt) {
                // In the middle: in the record of the body, not in a
                // close_notify that may come with it.
                const qsizetype middle = data.size() / 2;
                data[middle] = char(data.at(middle) ^ 0x01);
                client->write(data);
                return;
            }
            client->write(data.left(data.size() / 2));
            client->disconnectFromHost();
        });
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        server->connectToHost(QHostAddress::LocalHost, m_upstream);
    }

    QTcpServer m_server;
    quint16 m_upstream;
    Spoil m_spoil;
};

/// `openssl s_server` without -www: what the client sends it prints, what
/// is written to its standard input it sends; one connection at a time.
class EchoingOpensslServer
{
public:
    bool start(const QString &certificate, const QString &key)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start("openssl",
                        {"s_server", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key});
        if (!m_process.waitForStarted(10'000))
            return false;
        const qsizetype at = waitFor("ACCEPT 127.0.0.1:");
        if (at < 0)
            return false;
        m_port = m_said.mid(at + 17, m_said.indexOf('\n', at) - at - 17).trimmed().toUShort();
        return m_port != 0;
    }
    ~EchoingOpensslServer()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    quint16 port() const { return m_port; }
    /// Waits until the server printed `text` (after what was waited for
    /// before); its position in what it said, or -1.
    qsizetype waitFor(const QByteArray &text)
    {
        QDeadlineTimer deadline(kWaitMs);
        for (;;) {
            const qsizetype at = m_said.indexOf(text, m_seen);
            if (at >= 0 && m_said.indexOf('\n', at) > 0) {
                m_seen = at + text.size();
                return at;
            }
            if (deadline.hasExpired() || !m_process.waitForReadyRead(int(deadline.remainingTime())))
                return -1;
            m_said += m_process.readAll();
        }
    }
    void send(const QByteArray &line) { m_process.write(line); }

private:
    QProcess m_process;
    QByteArray m_said;
    qsizetype m_seen = 0;
    quint16 m_port = 0;
};

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

    void connectionsOfOneConfigurationShareOneTlsContext();
    void managersOfOneNetworkPoolShareTlsContexts();
    void thePoolKeepsContextsOfItsLastKnownConfigurationsOnly();
    void anIdleConnectionHoldsNoRecordBuffers();
    void aSpoiledOrCutAnswerIsAnErrorInWords_data();
    void aSpoiledOrCutAnswerIsAnErrorInWords();

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

void tst_Http1Tls::connectionsOfOneConfigurationShareOneTlsContext()
{
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.setKeepAlive(true);
    QVERIFY(server.listen());
    const int before = TlsContext::liveCount();
    {
        Manager manager;
        const QSslConfiguration one = trusting({m_certs->certificate("ca")});
        const QSslConfiguration other =
            trusting({m_certs->certificate("ca"), m_certs->certificate("otherca")});
        // Two requests at once: two connections, one context (made apart,
        // the same content is the same configuration).
        const auto getBoth = [&](const QSslConfiguration &a, const QSslConfiguration &b) {
            QNetworkRequest first(server.url());
            first.setSslConfiguration(a);
            QNetworkRequest second(server.url());
            second.setSslConfiguration(b);
            ReplyPtr replies[] = {ReplyPtr(manager.get(first)), ReplyPtr(manager.get(second))};
            for (ReplyPtr &reply : replies) {
                if (!reply->isFinished()) {
                    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
                    QVERIFY(finished.wait(kWaitMs));
                }
                QCOMPARE(reply->error(), QNetworkReply::NoError);
            }
        };
        getBoth(one, trusting({m_certs->certificate("ca")}));
        QCOMPARE(server.handshakeCount(), 2);
        QCOMPARE(manager.idleConnectionCount(), 2);
        QCOMPARE(TlsContext::liveCount() - before, 1);
        // Another configuration, another context.
        getBoth(other, other);
        QCOMPARE(TlsContext::liveCount() - before, 2);
        QCOMPARE(server.handshakeCount(), 4);
    }
    // Freed with the last connection and the pool.
    QTRY_COMPARE(TlsContext::liveCount(), before);
}

void tst_Http1Tls::managersOfOneNetworkPoolShareTlsContexts()
{
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    QVERIFY(server.listen());
    const QSslConfiguration configuration = trusting({m_certs->certificate("ca")});
    const int before = TlsContext::liveCount();
    {
        NetworkPool pool;
        pool.setChannelsPerManager(1); // a manager per channel
        QNetworkAccessManager *managers[] = {pool.acquire(server.url()),
                                             pool.acquire(server.url())};
        QVERIFY(managers[0] != managers[1]);
        for (QNetworkAccessManager *manager : managers) {
            auto *own = qobject_cast<NetworkAccessManager *>(manager);
            QVERIFY(own);
            own->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
            QCOMPARE(fetch(*own, server.url(), configuration).error, QNetworkReply::NoError);
        }
        QCOMPARE(server.handshakeCount(), 2);
        // One context for both managers' connections; a manager of its own
        // (outside the pool) has its own.
        QCOMPARE(TlsContext::liveCount() - before, 1);
        Manager apart;
        QCOMPARE(fetch(apart, server.url(), configuration).error, QNetworkReply::NoError);
        QCOMPARE(TlsContext::liveCount() - before, 2);
    }
    QTRY_COMPARE(TlsContext::liveCount(), before);
}

void tst_Http1Tls::thePoolKeepsContextsOfItsLastKnownConfigurationsOnly()
{
    Http1ConnectionPool pool;
    const int before = TlsContext::liveCount();
    const auto configuration = [](int n) {
        QSslConfiguration made = QSslConfiguration::defaultConfiguration();
        made.setPeerVerifyDepth(n + 1); // a configuration of its own
        return made;
    };
    int id = 0;
    pool.tlsKey("127.0.0.1", 443, configuration(0), &id);
    std::weak_ptr<TlsContext> first = pool.tlsContext(id, configuration(0));
    QVERIFY(!first.expired());
    QCOMPARE(pool.tlsContext(id, configuration(0)), first.lock());
    // A connection holds its context as long as it lives.
    std::shared_ptr<TlsContext> held = first.lock();
    for (int n = 1; n <= 64; ++n) {
        pool.tlsKey("127.0.0.1", 443, configuration(n), &id);
        QVERIFY(pool.tlsContext(id, configuration(n)));
    }
    // The first configuration is forgotten (64 known), its context kept by
    // its connection, then freed with it.
    QVERIFY(!first.expired());
    held.reset();
    QVERIFY(first.expired());
    QCOMPARE(TlsContext::liveCount() - before, 64);
}

void tst_Http1Tls::anIdleConnectionHoldsNoRecordBuffers()
{
    // The heap this process uses, by glibc (the server is another process,
    // so only the client's side counts). A connection that sent and
    // received and now waits holds its socket (its 16 KiB read buffer), its
    // SSL and the peer's certificate: some 34 KiB here. OpenSSL's record
    // buffers (some 17 KiB each) are freed while nothing is in flight: the
    // read buffer that the last read set up alone makes it some 50 KiB.
    EchoingOpensslServer server;
    QVERIFY(server.start(m_certs->certificatePath("server"), m_certs->keyPath("server")));
    const std::shared_ptr<TlsContext> context =
        TlsContext::create(trusting({m_certs->certificate("ca")}));
    QVERIFY2(context->isValid(), qPrintable(context->errorString()));
    const auto exchange = [&server](TlsConnection &tls) {
        QSignalSpy encrypted(&tls, &TlsConnection::encrypted);
        QSignalSpy readyRead(&tls, &TlsConnection::readyRead);
        tls.connectToHost("127.0.0.1", server.port(), {});
        QVERIFY(encrypted.wait(kWaitMs));
        QVERIFY(tls.write("ping\n"));
        QVERIFY(server.waitFor("ping") >= 0);
        server.send("pong\n");
        QVERIFY(readyRead.wait(kWaitMs));
        QCOMPARE(tls.readAll(), "pong\n");
    };
    {
        // OpenSSL's and Qt's allocations at first use are nobody's.
        TlsConnection warmup(context);
        exchange(warmup);
        if (QTest::currentTestFailed())
            return;
    }
    const size_t before = mallinfo2().uordblks;
    auto tls = std::make_unique<TlsConnection>(context);
    exchange(*tls);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(tls->isIdleUsable());
    const qint64 held = qint64(mallinfo2().uordblks) - qint64(before);
    qInfo("an idle TLS connection holds %lld bytes of heap", held);
    QVERIFY2(held < 44 * 1024, qPrintable(QString::number(held)));
}

void tst_Http1Tls::aSpoiledOrCutAnswerIsAnErrorInWords_data()
{
    QTest::addColumn<int>("spoil");
    QTest::addColumn<QString>("words");
    QTest::addColumn<QNetworkReply::NetworkError>("error");

    QTest::newRow("a record that fails its check is a reading error")
        << int(SpoilingProxy::Spoil::Corrupt) << "bad record mac"
        << QNetworkReply::UnknownNetworkError;
    QTest::newRow("an answer cut short without close_notify is a closed connection")
        << int(SpoilingProxy::Spoil::Truncate) << "Connection closed"
        << QNetworkReply::RemoteHostClosedError;
}

void tst_Http1Tls::aSpoiledOrCutAnswerIsAnErrorInWords()
{
    QFETCH(int, spoil);
    QFETCH(QString, words);
    QFETCH(QNetworkReply::NetworkError, error);

    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.setResponse(200, QByteArray(4000, 'x'));
    QVERIFY(server.listen());
    SpoilingProxy proxy(server.port(), SpoilingProxy::Spoil(spoil));
    QVERIFY(proxy.listen());
    Manager manager;
    // TLS 1.2: the client writes three times (hello, the end of the
    // handshake, the request) before the answer comes.
    QSslConfiguration configuration = trusting({m_certs->certificate("ca")});
    configuration.setProtocol(QSsl::TlsV1_2);
    const Outcome outcome = fetch(manager, proxy.url(), configuration);
    QCOMPARE(server.requestCount(), 1);
    QCOMPARE(outcome.error, error);
    QVERIFY2(outcome.errorString.contains(words), qPrintable(outcome.errorString));
    QVERIFY(outcome.body.size() < 4000);
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
