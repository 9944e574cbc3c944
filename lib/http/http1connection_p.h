#pragma once

// Not public API: the connections of Longwatch's HTTP/1.1 client and the
// pool that keeps them alive between requests. Used by Http1Reply and
// NetworkAccessManager only.

#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>

class QTcpSocket;

namespace Longwatch {

class Http1Reply;

namespace Internal {

class Http1ConnectionPool;

/// One connection of Longwatch's HTTP/1.1 client: its socket (a child), and
/// whoever has it now: the reply that carries a request on it, or the pool
/// it waits in for the next one. The socket's signals are connected once,
/// here, for the connection's whole life, and go to the reply that holds
/// it; while it waits in the pool, anything from the server (a close, a
/// stray byte) drops it. Connecting and disconnecting five signals per
/// request cost more than a tenth of a no-news poll's instructions.
class Http1Connection final : public QObject
{
public:
    /// Takes `socket` (a new one, not yet connecting).
    explicit Http1Connection(QTcpSocket *socket);

    QTcpSocket *socket() const { return m_socket; }
    /// The reply that now carries a request on this connection, or nullptr.
    void setReply(Http1Reply *reply) { m_reply = reply; }
    /// The pool this connection now waits in, or nullptr.
    void setIdleIn(Http1ConnectionPool *pool) { m_idleIn = pool; }

private:
    QTcpSocket *m_socket;
    Http1Reply *m_reply = nullptr;
    Http1ConnectionPool *m_idleIn = nullptr;
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

    /// The name connections to host:port are kept under.
    static QString key(const QString &host, quint16 port);
    /// An open idle connection to the server `key` names, now owned by the
    /// caller; or nullptr.
    Http1Connection *take(const QString &key);
    /// Takes back a connection whose last response was complete.
    void put(const QString &key, Http1Connection *connection);
    int idleCount() const;
    /// Closes every idle connection.
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

    /// By key; a server's list stays when it empties, as the next put()
    /// is usually a moment away.
    QHash<QString, QList<Idle>> m_idle;
    QTimer m_sweep;
};

} // namespace Internal
} // namespace Longwatch
