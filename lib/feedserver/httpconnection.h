#pragma once

// The server side of one HTTP/1.1 connection, on a plain QTcpSocket.
//
// Why not QtHttpServer: the Debian 12 module (6.4.2) was measured with a
// probe before writing this, and two things rule it out for long polls:
//  - a held QHttpServerResponder keeps a raw pointer to its socket; when the
//    client goes away the module deletes the socket, and writing the held
//    answer later crashes (SIGSEGV). Only the socket itself tells us it died,
//    through a pointer the module may delete at any time.
//  - while one request on a keep-alive connection is held, the module reads
//    and answers the next request on that connection first, so answers leave
//    out of request order (RFC 9112 section 9.3.2 requires the order).
// It also has no setting that caps the size of a request body (413). What is
// below is the small subset a feed
// server needs: request line, header fields, Content-Length bodies,
// keep-alive, 100-continue, and one request at a time per connection.

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <utility>

class QTcpSocket;

namespace Longwatch {

/// One request as it came off the wire.
struct HttpRequest
{
    QByteArray method;
    QByteArray target;                     ///< the request target as sent, e.g. "/poll?last_id=3"
    QUrl url;                              ///< the target parsed: path and query
    QHash<QByteArray, QByteArray> headers; ///< lower-case names; repeats joined with ", "
    QByteArray body;
};

/// Serves one TCP connection: parses requests and writes the answers the
/// owner gives for them.
///
/// Requests are handed over one at a time. While a request waits for its
/// answer (a long poll being held), later requests pipelined on the same
/// connection stay unread in the buffer, but the socket is still read, so a
/// client that goes away is noticed at once and closed() fires.
///
/// Malformed requests, oversize bodies and unsupported framing are answered
/// here, with a JSON body `{"error": "..."}`, and the connection is closed.
class HttpConnection final : public QObject
{
    Q_OBJECT
public:
    using Headers = QList<std::pair<QByteArray, QByteArray>>;

    struct Limits
    {
        qint64 maxBodyBytes = 1024 * 1024; ///< larger bodies get 413
        qint64 maxHeadBytes = 64 * 1024;   ///< a larger request line + fields get 431
    };

    /// Takes ownership of `socket`, which must be connected.
    HttpConnection(QTcpSocket *socket, Limits limits, QObject *parent = nullptr);
    ~HttpConnection() override;

    /// Answers the request last handed over by requestReceived(). Call it
    /// exactly once per request, now or later; does nothing once closed.
    void respond(int status, const QByteArray &body,
                 const QByteArray &contentType = QByteArrayLiteral("application/json"),
                 const Headers &extraHeaders = {});

    /// True until closed() was emitted.
    bool isOpen() const { return m_phase != Phase::Closed; }
    /// True between requestReceived() and respond().
    bool isAwaitingResponse() const { return m_phase == Phase::Handling; }

    /// "127.0.0.1:54321", for log lines.
    QString peer() const { return m_peer; }

    /// Drops the connection at once, without an answer.
    void abort();

    /// "OK", "Not Found", ...: the reason phrase of a status code.
    static QByteArray reasonPhrase(int status);
    /// `{"error":"<reason>"}`, compact.
    static QByteArray errorBody(const QString &reason);

Q_SIGNALS:
    /// A complete request arrived; answer it with respond(). Emitted once per
    /// request, never again before that request was answered.
    void requestReceived(const Longwatch::HttpRequest &request);
    /// The connection is gone: the peer closed or reset it, or it was closed
    /// after an answer. Emitted exactly once; the object deletes itself later.
    void closed();

private:
    enum class Phase {
        Head,     ///< reading a request line and header fields
        Body,     ///< reading a Content-Length body
        Discard,  ///< swallowing an oversize body before answering 413
        Handling, ///< the owner has the request; waiting for respond()
        Closing,  ///< the last answer is being flushed
        Closed,
    };

    void onReadyRead();
    void onDisconnected();
    void processBuffer();
    bool parseHead(const QByteArray &head);
    void fail(int status, const QString &reason);

    QTcpSocket *m_socket = nullptr;
    Limits m_limits;
    QString m_peer;
    Phase m_phase = Phase::Head;
    QByteArray m_buffer;
    HttpRequest m_request;
    qint64 m_contentLength = 0;
    qint64 m_discardLeft = 0;
    bool m_keepAlive = true;
    bool m_processQueued = false;
};

} // namespace Longwatch
