#pragma once

// Not public API: TLS for Longwatch's own HTTP/1.1 client, on OpenSSL 3
// directly. Used by Http1Reply, Http1Connection and Http1ConnectionPool.
// Every OpenSSL call and pointer stays in tlsconnection.cpp.

#include "tlsinfo.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>

#include <memory>

class QTcpSocket;

namespace Longwatch::Internal {

/// The OpenSSL context (SSL_CTX) of one TLS configuration: its peer
/// verification, its CAs (the system's, looked up on demand, unless the
/// configuration names its own), its client certificate and key, its lowest
/// protocol, ALPN offering http/1.1 only, and buffers released whenever a
/// connection has nothing in flight (SSL_MODE_RELEASE_BUFFERS). Shared by
/// every connection made with that configuration (Http1ConnectionPool keeps
/// one per configuration it knows, from a TlsContextCache it may share with
/// other pools); freed when the last one lets go.
///
/// Why not QSslSocket: Qt 6.4 makes an SSL_CTX for every socket (its CAs
/// parsed again each time) and keeps OpenSSL's two 16 KiB record buffers
/// and its own buffers for as long as a connection lives, with no public
/// way to share a context or release the buffers: 125 KiB an idle https
/// channel (docs/PERFORMANCE.md, "https on the own client").
class TlsContext final
{
public:
    /// A context for `configuration`; one that OpenSSL refused (a key that
    /// does not fit the certificate, ...) says why in errorString(), and a
    /// connection made with it fails with that sentence.
    static std::shared_ptr<TlsContext> create(const QSslConfiguration &configuration);
    ~TlsContext();
    TlsContext(const TlsContext &) = delete;
    TlsContext &operator=(const TlsContext &) = delete;

    bool isValid() const { return m_errorString.isEmpty(); }
    QString errorString() const { return m_errorString; }
    /// Whether a handshake whose certificate errors are not all ignored
    /// fails (peer verification is not VerifyNone): as QSslSocket, the
    /// errors are reported either way.
    bool verifiesPeer() const { return m_verifiesPeer; }
    /// How many contexts exist in this process now (for tests and the
    /// benchmark's reading: one per TLS configuration in use).
    static int liveCount();

private:
    friend class TlsConnection;
    TlsContext() = default;
    struct Handle;
    std::unique_ptr<Handle> m_handle;
    QString m_errorString;
    bool m_verifiesPeer = true;
};

/// The TLS contexts of several connection pools (a NetworkPool's managers,
/// six channels each): one context per distinct TLS configuration, however
/// many pools use it. Holds them weakly: a context lives while a pool
/// knows its configuration or a connection uses it, then goes. A pool
/// without a shared one has its own. Thread-safe (managers may live on
/// the network thread).
///
/// Why shared across pools: a context per manager (1,000 channels of one
/// configuration made 167) cost 3 KiB an idle channel (bench_tls).
class TlsContextCache final
{
public:
    /// The live context of a configuration equal to `configuration`, or a
    /// new one.
    std::shared_ptr<TlsContext> context(const QSslConfiguration &configuration);

private:
    struct Entry
    {
        QSslConfiguration configuration;
        std::weak_ptr<TlsContext> context;
    };
    QMutex m_mutex;
    QList<Entry> m_entries;
};

/// What a TLS handshake established: the server's certificates, the
/// protocol, ALPN's choice. Kept by the connection and by each reply that
/// carried a request on it (the certificates are OpenSSL's own, shared, and
/// turned into QSslCertificates only when asked for).
class TlsPeer final
{
public:
    ~TlsPeer();
    TlsPeer(const TlsPeer &) = delete;
    TlsPeer &operator=(const TlsPeer &) = delete;

    TlsPeerInfo info() const;
    QSsl::SslProtocol protocol() const { return m_protocol; }

private:
    friend class TlsConnection;
    TlsPeer() = default;
    struct Certificates;
    std::unique_ptr<Certificates> m_certificates;
    QSsl::SslProtocol m_protocol = QSsl::UnknownProtocol;
    QByteArray m_negotiatedProtocol;
};

/// One TLS client connection over a plain QTcpSocket (a child), OpenSSL
/// reading from and writing to the socket directly (no memory BIOs, no
/// copy of the records). Behaves as QSslSocket does for Http1Reply:
///
/// - connected() once the TCP connection is up (the handshake starts then);
/// - sslErrors() once, after a handshake whose certificate failed
///   verification (host name included; Qt's codes, the certificate at the
///   depth of each error), before anything is sent: the handshake goes on
///   only if a slot ignored every error (ignoreSslErrors()), or the
///   context does not verify the peer; else failed() with
///   SslHandshakeFailedError and the first error's words;
/// - encrypted() once the handshake is done and trusted;
/// - readyRead() when decrypted bytes wait in readAll() (never for a
///   session ticket, which goes to sessionTicket());
/// - bytesWritten() as the socket's;
/// - failed() once, for the end of the connection: the socket's error or
///   close, a TLS alert, close_notify (RemoteHostClosedError, "The TLS/SSL
///   connection has been closed"), a bad record (SslInternalError, "Error
///   while reading: ..."); error() and errorString() say which.
class TlsConnection final : public QObject
{
    Q_OBJECT
public:
    explicit TlsConnection(std::shared_ptr<TlsContext> context, QObject *parent = nullptr);
    ~TlsConnection() override;

    QTcpSocket *socket() const { return m_socket; }
    const TlsContext *context() const { return m_context.get(); }

    /// Connects to host:port (straight, no proxy) and shakes hands with
    /// `host` as the name the certificate must carry (SNI unless it is an
    /// address); `session` (sessionTicket()'s bytes, or empty) is resumed.
    void connectToHost(const QString &host, quint16 port, const QByteArray &session);
    void ignoreSslErrors() { m_ignoreAll = true; }
    void ignoreSslErrors(const QList<QSslError> &errors) { m_ignored = errors; }

    bool isEncrypted() const { return m_phase == Phase::Encrypted; }
    /// The handshake's outcome; during sslErrors() already set; nullptr
    /// before.
    std::shared_ptr<const TlsPeer> peer() const { return m_peer; }

    /// Encrypts `data` onto the socket and flushes it; false if the
    /// connection has failed.
    bool write(QByteArray data);
    QByteArray readAll() { return std::exchange(m_plain, {}); }
    qint64 bytesAvailable() const { return m_plain.size(); }
    QAbstractSocket::SocketError error() const;
    QString errorString() const;
    /// Connected, trusted, and nothing received that nobody read.
    bool isIdleUsable() const;

Q_SIGNALS:
    void connected();
    void sslErrors(const QList<QSslError> &errors);
    void encrypted();
    void readyRead();
    void bytesWritten();
    /// A resumable session (TLS 1.2 with the handshake, TLS 1.3 whenever
    /// the server sends a ticket), as bytes for connectToHost().
    void sessionTicket(const QByteArray &session);
    void failed();

private:
    friend class TlsContext; // passes OpenSSL's callbacks on
    enum class Phase {
        Connecting,  ///< TCP connecting
        Handshaking, ///< TLS handshake under way
        Deciding,    ///< sslErrors() emitted, its slots deciding
        Encrypted,   ///< trusted: application data flows
        Failed,      ///< failed() was emitted; nothing more
    };
    struct Ssl;
    static void onNewSession(TlsConnection *connection, const QByteArray &session);
    static void onVerifyError(TlsConnection *connection, int code, int depth);

    /// Leaving the handshake counts for the heap's trim after a burst.
    void setPhase(Phase phase);
    void onSocketConnected();
    void onSocketReadyRead();
    void onSocketGone();
    void continueHandshake();
    /// The errors of the handshake, as QSslSocket lists them.
    QList<QSslError> handshakeErrors() const;
    bool errorsIgnored(const QList<QSslError> &errors) const;
    /// Decrypts whatever came; readyRead() if any application data did.
    /// False if the connection failed meanwhile.
    bool decrypt();
    void fail(QAbstractSocket::SocketError error, const QString &message);

    std::shared_ptr<TlsContext> m_context;
    QTcpSocket *m_socket;
    std::unique_ptr<Ssl> m_ssl;
    Phase m_phase = Phase::Connecting;
    QString m_host;
    std::shared_ptr<const TlsPeer> m_peer;
    struct VerifyError
    {
        int code = 0;
        int depth = 0;
    };
    QList<VerifyError> m_verifyErrors; ///< during the handshake only
    bool m_ignoreAll = false;
    QList<QSslError> m_ignored;
    QByteArray m_plain; ///< decrypted, not yet read
    QAbstractSocket::SocketError m_error = QAbstractSocket::UnknownSocketError;
    QString m_errorString; ///< set by fail() for TLS's own errors
};

} // namespace Longwatch::Internal
