#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <utility>

namespace Longwatch::Testing {

/// Certificates and keys made with the `openssl` command for one test
/// run, in a directory the test owns (a QTemporaryDir). EC P-256 keys: fast
/// to make. Every maker returns false and fills errorString() if openssl
/// is missing or fails.
class TestCertificates
{
public:
    explicit TestCertificates(const QString &directory);

    static bool opensslAvailable();
    QString errorString() const { return m_error; }

    /// A CA certificate `name` with common name `commonName`.
    bool makeCa(const QString &name, const QString &commonName);
    /// A certificate `name` signed by the CA `caName`, for 127.0.0.1 and
    /// localhost (server) or for a client (`client` true).
    bool makeSigned(const QString &name, const QString &commonName, const QString &caName,
                    bool client = false);
    /// A self-signed server certificate `name` for 127.0.0.1 and localhost,
    /// or for the names in `subjectAltName` ("DNS:feeds.example").
    bool makeSelfSigned(const QString &name, const QString &commonName,
                        const QString &subjectAltName = QStringLiteral("IP:127.0.0.1,"
                                                                       "DNS:localhost"));
    /// A self-signed server certificate `name` that expired in 2021.
    bool makeExpiredSelfSigned(const QString &name, const QString &commonName);
    /// `name`'s key again, encrypted with `passphrase` (PEM, AES-256), as
    /// "<name>-encrypted.key".
    bool encryptKey(const QString &name, const QString &passphrase);
    /// `name`'s certificate and key as a PKCS#12 file "<name>.p12".
    bool makePkcs12(const QString &name, const QString &passphrase);
    /// `name`'s certificate and key in one PEM file "<name>-combined.pem".
    bool makeCombinedPem(const QString &name);

    QString certificatePath(const QString &name) const;
    QString keyPath(const QString &name) const;
    QString path(const QString &fileName) const;
    QSslCertificate certificate(const QString &name) const;
    QSslKey key(const QString &name) const;

private:
    bool openssl(const QStringList &arguments);
    bool writeFile(const QString &fileName, const QByteArray &content);

    QString m_directory;
    QString m_error;
};

/// A small HTTPS/1.1 server for tests on 127.0.0.1 and a port the system
/// picks: answers every request with the same scripted response and closes
/// the connection. Records each request's header block and the client
/// certificate each handshake presented.
class TlsTestServer final : public QObject
{
    Q_OBJECT
public:
    TlsTestServer(const QSslCertificate &certificate, const QSslKey &key,
                  QObject *parent = nullptr);
    ~TlsTestServer() override;

    /// Mutual TLS: the handshake fails unless the client presents a
    /// certificate issued by one of `cas`.
    void requireClientCertificate(const QList<QSslCertificate> &cas);
    /// The protocols the server takes by ALPN, in its order of preference
    /// (default: none, ALPN is not answered).
    void setAlpnProtocols(const QList<QByteArray> &protocols);
    /// The answer to every request (default: 200 with {"events":[]}).
    void setResponse(int status, const QByteArray &body,
                     const QList<std::pair<QByteArray, QByteArray>> &headers = {});

    bool listen();
    quint16 port() const;
    /// https://127.0.0.1:<port><path>
    QUrl url(const QString &path = QStringLiteral("/")) const;

    /// Keep connections open between requests (HTTP/1.1 keep-alive), so
    /// that a client may reuse them. Off by default: one request per connection.
    void setKeepAlive(bool keepAlive);

    /// Every request's header block (request line and headers), in order.
    QList<QByteArray> requests() const { return m_requests; }
    int requestCount() const { return int(m_requests.size()); }
    /// Handshakes that succeeded, and the client certificates they carried
    /// (null for none).
    int handshakeCount() const { return int(m_clientCertificates.size()); }
    QList<QSslCertificate> clientCertificates() const { return m_clientCertificates; }
    /// Handshakes that failed on the server's side.
    int failedHandshakeCount() const { return m_failedHandshakes; }

private:
    void onConnection();

    QSslServer m_server;
    QByteArray m_body;
    int m_status = 200;
    QList<std::pair<QByteArray, QByteArray>> m_headers;
    bool m_keepAlive = false;
    QList<QByteArray> m_requests;
    QList<QSslCertificate> m_clientCertificates;
    int m_failedHandshakes = 0;
};

/// `openssl s_server -www` on 127.0.0.1 and a port it picks: a TLS server
/// that resumes sessions across connections (one SSL context for all;
/// QSslServer makes one per connection, so it never does). Its answer to
/// every request is an HTTP/1.0 page that says whether the session was
/// "New" or "Reused"; it closes the connection after it.
class OpensslServer
{
public:
    OpensslServer(const QString &certificatePath, const QString &keyPath);
    ~OpensslServer();
    OpensslServer(const OpensslServer &) = delete;
    OpensslServer &operator=(const OpensslServer &) = delete;

    /// Starts the server and waits until it listens; false (and
    /// errorString()) if it does not.
    bool start();
    QString errorString() const { return m_error; }
    /// https://127.0.0.1:<port><path>
    QUrl url(const QString &path = QStringLiteral("/")) const;

private:
    QProcess m_process;
    QString m_certificatePath;
    QString m_keyPath;
    quint16 m_port = 0;
    QString m_error;
};

/// Whether a request's header block (TlsTestServer::requests()) came from
/// Longwatch's own HTTP client, which says "User-Agent: Longwatch" (Qt's
/// says "Mozilla/5.0") unless the request names another.
bool isFromLongwatchClient(const QByteArray &requestHead);

} // namespace Longwatch::Testing
