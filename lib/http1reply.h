#pragma once

#include "http1parser.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

class QTcpSocket;

namespace Longwatch {

/// Kept-alive connections of one NetworkAccessManager, by server, waiting
/// for their next request. A connection the server closes, or that sends
/// anything while idle, is dropped; one idle longer than kIdleLimit too.
class Http1ConnectionPool final : public QObject
{
    Q_OBJECT
public:
    /// How long an idle connection is kept (nginx closes them after 75 s).
    static constexpr std::chrono::seconds kIdleLimit{30};

    explicit Http1ConnectionPool(QObject *parent = nullptr);

    /// The name connections to host:port are kept under.
    static QString key(const QString &host, quint16 port);
    /// An open idle connection to the server `key` names, now owned by the
    /// caller; or nullptr.
    QTcpSocket *take(const QString &key);
    /// Takes back a connection whose last response was complete.
    void put(const QString &key, QTcpSocket *socket);
    int idleCount() const;
    /// Closes every idle connection.
    void clear();

private:
    struct Idle
    {
        QTcpSocket *socket = nullptr;
        QDeadlineTimer expires;
    };
    void drop(QTcpSocket *socket);
    void expire();

    QHash<QString, QList<Idle>> m_idle;
    QTimer m_sweep;
};

/// One HTTP/1.1 request and its response on a plain TCP connection, as a
/// QNetworkReply (see NetworkAccessManager for what it does and why).
/// Starts from the event loop, so its creator can connect to its signals
/// first.
class Http1Reply final : public QNetworkReply
{
    Q_OBJECT
public:
    Http1Reply(QNetworkAccessManager *manager, Http1ConnectionPool *pool,
               QNetworkAccessManager::Operation operation, const QNetworkRequest &request,
               QByteArray method, QByteArray body);
    ~Http1Reply() override;

    void abort() override;
    void close() override;
    /// Also how far the socket reads ahead of the parser (0: no limit).
    void setReadBufferSize(qint64 size) override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    /// What readAll() gives, handed over without a copy.
    QByteArray takeAll();

protected:
    qint64 readData(char *data, qint64 maxSize) override;

private:
    void start();
    void connectSocket(QTcpSocket *socket, bool reused);
    void sendRequest();
    void onConnected();
    void onReadyRead();
    /// An error or the close of the connection (both end up here).
    void onSocketError();
    void process();
    void onHeaders();
    void onComplete();
    void followRedirect();
    /// Lets go of the socket: back to the pool if it can carry another request.
    void releaseSocket(bool reusable);
    void finishWithError(NetworkError code, const QString &message);
    void finishNow();

    QPointer<QNetworkAccessManager> m_manager;
    QPointer<Http1ConnectionPool> m_pool;
    QByteArray m_method;
    QByteArray m_body;
    QString m_host;
    quint16 m_port = 80;
    QString m_poolKey; ///< Http1ConnectionPool::key() of m_host and m_port
    QTcpSocket *m_socket = nullptr;
    bool m_reusedSocket = false;
    bool m_retried = false;     ///< already tried once more after a kept-alive connection failed
    bool m_requestSent = false; ///< requestSent() emitted for this attempt
    int m_redirects = 0;
    Http1Parser m_parser;
    QByteArray m_input;      ///< read from the socket, not yet parsed
    QByteArray m_buffer;     ///< body bytes not yet read by the user
    qsizetype m_readPos = 0; ///< into m_buffer
    qint64 m_received = 0;
    bool m_finished = false;
};

} // namespace Longwatch
