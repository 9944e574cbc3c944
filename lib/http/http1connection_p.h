#pragma once

// Not public API: the connections of Longwatch's HTTP/1.1 client and the
// pool that keeps them alive between requests. Used by Http1Reply and
// NetworkAccessManager only.

#include <QAbstractSocket>
#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>
#include <QTimer>

#include <chrono>
#include <memory>

class QTcpSocket;

namespace Longwatch {

class Http1Reply;

namespace Internal {

class Http1ConnectionPool;
class TlsConnection;
class TlsContext;
class TlsContextCache;
class TlsPeer;

/// One connection of Longwatch's HTTP/1.1 client: its socket, or for https
/// its TlsConnection (a child either way), and whoever has it now: the
/// reply that carries a request on it, or the pool it waits in for the
/// next one. The signals are connected once, here, for the connection's
/// whole life, and go to the reply that holds it; while it waits in the
/// pool, anything from the server (a close, a stray byte) drops it.
/// Connecting and disconnecting five signals per request cost more than a
/// tenth of a no-news poll's instructions.
class Http1Connection final : public QObject
{
public:
    /// Takes `socket` (a new one, not yet connecting): plain http.
    explicit Http1Connection(QTcpSocket *socket);
    /// Takes `tls` (a new one, not yet connecting): https.
    explicit Http1Connection(TlsConnection *tls);

    /// The TCP socket (for https the one under TLS).
    QTcpSocket *socket() const { return m_socket; }
    /// The TLS of an https connection, or nullptr.
    TlsConnection *tls() const { return m_tls; }
    /// The reply that now carries a request on this connection, or nullptr.
    void setReply(Http1Reply *reply) { m_reply = reply; }
    /// The pool this connection now waits in, or nullptr.
    void setIdleIn(Http1ConnectionPool *pool) { m_idleIn = pool; }

    /// Sends `data` now (encrypted for https).
    void write(const QByteArray &data);
    /// What came (decrypted for https) and nobody read.
    QByteArray readAll();
    qint64 bytesAvailable() const;
    QAbstractSocket::SocketError error() const;
    QString errorString() const;
    /// Still connected, with nothing received while it waited.
    bool isIdleUsable() const;

    /// What the TLS handshake established, or nullptr.
    std::shared_ptr<const TlsPeer> established() const;
    /// The errors of the handshake that the reply which made it ignored
    /// (a pinned certificate). Every later reply on this connection is
    /// shown them and must ignore them too, as a new handshake would make
    /// it do: a connection never lends one request's trust to another.
    QList<QSslError> ignoredErrors() const { return m_ignoredErrors; }
    /// After the handshake, with the errors it ignored. A connection whose
    /// handshake ignored none hands its TLS sessions to `pool` under `key`
    /// (the one that came with the handshake, and those the server sends
    /// later), to resume one on the next connection; one that ignored
    /// errors keeps none.
    void setEncrypted(const QList<QSslError> &ignoredErrors, Http1ConnectionPool *pool,
                      const QString &key);

private:
    /// The signals a QTcpSocket and a TlsConnection have alike.
    template<typename Transport> void connectTransport(Transport *transport);
    void keepSessionTicket(const QByteArray &ticket);

    QTcpSocket *m_socket;
    TlsConnection *m_tls = nullptr;
    Http1Reply *m_reply = nullptr;
    Http1ConnectionPool *m_idleIn = nullptr;
    QList<QSslError> m_ignoredErrors;
    bool m_trustDecided = false;              ///< setEncrypted() was called
    QByteArray m_pendingTicket;               ///< a session from before setEncrypted()
    QPointer<Http1ConnectionPool> m_sessions; ///< where sessions go, if anywhere
    QString m_sessionKey;
};

/// Kept-alive connections of one NetworkAccessManager, by server, waiting
/// for their next request. A connection the server closes, or that sends
/// anything while idle, is dropped; one idle longer than kIdleLimit too.
/// It owns the connections waiting in it; a connection in use belongs to
/// its reply, which hands it back or deletes it.
class Http1ConnectionPool final : public QObject
{
    Q_OBJECT
public:
    /// How long an idle connection is kept (nginx closes them after 75 s).
    static constexpr std::chrono::seconds kIdleLimit{30};

    explicit Http1ConnectionPool(QObject *parent = nullptr);
    ~Http1ConnectionPool() override;

    /// The name plain connections to host:port are kept under.
    static QString key(const QString &host, quint16 port);
    /// The name https connections to host:port made with `configuration`
    /// are kept under, and their TLS sessions: one per server and TLS
    /// configuration (CAs, client certificate, peer verification, ...), so
    /// that a connection or session made under one configuration's trust is
    /// never used by a request with another.
    /// `id`, if given, is the configuration's number for tlsContext().
    QString tlsKey(const QString &host, quint16 port, const QSslConfiguration &configuration,
                   int *id = nullptr);
    /// The TLS context of the configuration tlsKey() numbered `id`: one
    /// for all its connections, made at the first, kept while the pool
    /// knows the configuration (the last kKnownTlsLimit) or a connection
    /// uses it. `configuration` is that configuration (for a context not
    /// made yet).
    std::shared_ptr<TlsContext> tlsContext(int id, const QSslConfiguration &configuration);
    /// Where contexts come from: shared with other pools (a NetworkPool's
    /// managers), or this pool's own (the default).
    void setTlsContextCache(std::shared_ptr<TlsContextCache> cache);
    /// The last TLS session a server gave a connection under `key`, to
    /// resume that TLS session on a new connection; empty if none. Taken:
    /// a ticket serves one connection (RFC 8446 appendix C.4: reusing one
    /// lets an observer link the connections); each gets new ones.
    QByteArray takeSessionTicket(const QString &key) { return m_sessionTickets.take(key); }
    void keepSessionTicket(const QString &key, const QByteArray &ticket);
    /// An open idle connection to the server `key` names, now owned by the
    /// caller; or nullptr.
    Http1Connection *take(const QString &key);
    /// Takes back a connection whose last response was complete.
    void put(const QString &key, Http1Connection *connection);
    int idleCount() const;
    /// Closes every idle connection and forgets every TLS session.
    void clear();
    /// Closes `connection` (idle in this pool) and forgets it.
    void drop(Http1Connection *connection);

private:
    struct Idle
    {
        Http1Connection *connection = nullptr;
        QDeadlineTimer expires;
    };
    void expire();

    /// A TLS configuration seen, with the number tlsKey() gives it.
    struct KnownTls
    {
        QSslConfiguration configuration;
        /// Its CA list, whose data pointer says cheaply whether a request
        /// carries the very same list (see tlsKey()).
        QList<QSslCertificate> cas;
        int id = 0;
        /// Made by tlsContext() at the first connection; entries with the
        /// same id hold the same one.
        std::shared_ptr<TlsContext> context;
    };
    QList<KnownTls> m_knownTls;
    std::shared_ptr<TlsContextCache> m_tlsContexts;
    int m_lastTlsId = 0;
    QHash<QString, QByteArray> m_sessionTickets; ///< by tlsKey()

    /// By key; a server's list stays when it empties, as the next put()
    /// is usually a moment away.
    QHash<QString, QList<Idle>> m_idle;
    QTimer m_sweep;
};

} // namespace Internal
} // namespace Longwatch
