#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QTcpServer>
#include <QUrl>
#include <QUrlQuery>

#include <chrono>
#include <deque>
#include <map>
#include <utility>

namespace Longwatch::Testing {

using FakeHeaders = QList<std::pair<QByteArray, QByteArray>>;

/// One request as the fake server read it.
struct FakeRequest
{
    int id = 0; ///< 1, 2, 3... in order of arrival, over the server's life
    QByteArray method;
    QString path; ///< decoded, without the query
    QUrlQuery query;
    FakeHeaders headers;
    QByteArray body;

    /// The first header of that name (case-insensitive), or a null QByteArray.
    QByteArray header(QByteArrayView name) const;
    /// A query item, fully decoded; empty if absent.
    QString queryValue(const QString &name) const;
};

/// What the fake server does with one request: an HTTP answer, possibly
/// paced, cut or broken, or no answer at all. Built with the static makers
/// and refined with the with...() modifiers, which return a modified copy:
///
///     FakeResponse::status(503).withHeader("Retry-After", "2")
///     FakeResponse::seedEvents({1, 2, 3}).withDelay(300ms)
///     FakeResponse::json(body).withTrickle(20ms)
class FakeResponse
{
public:
    /// How the end of the body is marked on the wire.
    enum class Framing {
        ContentLength, ///< a Content-Length header (the default)
        Chunked,       ///< Transfer-Encoding: chunked
        UntilClose,    ///< no length; the server closes the connection after the body
    };

    /// 200 with a JSON body.
    static FakeResponse json(const QByteArray &body);
    /// 200 with the seed-events envelope, one {"id":N,"type":"test",
    /// "message":"event N"} object per id in the "events" array.
    static FakeResponse seedEvents(const QList<qint64> &ids);
    /// Any status with an optional body, labelled application/json if it
    /// starts with '{' or '[', else text/plain. 204 and 304 never carry a body.
    static FakeResponse status(int code, const QByteArray &body = {});
    /// A 200 whose body is `bytes` filler bytes, produced as the client
    /// reads, so a huge body costs no memory and stops when the client goes.
    static FakeResponse hugeBody(qint64 bytes);
    /// No answer: the request waits until the test answers it (answer(),
    /// answerHeld(), answerAllHeld()) or the client or the server goes away.
    static FakeResponse hold();
    /// Bytes that are not HTTP, then the connection is closed.
    static FakeResponse garbage(const QByteArray &bytes);
    /// The connection is closed without a byte of answer.
    static FakeResponse closeConnection();
    /// A 200 of `contentType`, chunked, that stays open after its headers
    /// (and any scripted heartbeats or body): the test writes to it with
    /// streamWrite() and ends it with streamEnd() or streamCut().
    static FakeResponse stream(const QByteArray &contentType);

    /// Adds a response header. Content-Type replaces the maker's; a scripted
    /// Content-Length, Transfer-Encoding or Connection replaces the server's
    /// own (so a test can lie about the length).
    FakeResponse withHeader(const QByteArray &name, const QByteArray &value) const;
    /// Waits this long before the first byte ("hold N ms, then answer").
    FakeResponse withDelay(std::chrono::milliseconds delay) const;
    FakeResponse withFraming(Framing framing) const;
    /// Sends `count` newline heartbeats, one every `interval`, after the
    /// headers and before the body (they are part of the body on the wire).
    FakeResponse withHeartbeats(int count, std::chrono::milliseconds interval) const;
    /// Slow loris: the whole answer (status line, headers, body) goes out
    /// one byte every `interval`.
    FakeResponse withTrickle(std::chrono::milliseconds interval) const;
    /// Sends the headers (announcing the whole body) and only the first
    /// `bytes` of the body, then closes the connection.
    FakeResponse withCloseAfterBodyBytes(qint64 bytes) const;
    /// Sends the headers and the first `bytes` of the body, then goes
    /// silent with the connection left open.
    FakeResponse withStallAfterBodyBytes(qint64 bytes) const;

private:
    friend class FakeHttpServer;
    enum class Kind { Answer, Hold, Garbage, Close };
    bool m_stream = false;
    enum class Cut { None, Close, Stall };

    Kind m_kind = Kind::Answer;
    int m_status = 200;
    FakeHeaders m_headers;
    QByteArray m_body;
    qint64 m_fillerBytes = 0; ///< filler sent after m_body
    Framing m_framing = Framing::ContentLength;
    std::chrono::milliseconds m_delay{0};
    int m_heartbeats = 0;
    std::chrono::milliseconds m_heartbeatInterval{0};
    std::chrono::milliseconds m_trickle{0};
    Cut m_cut = Cut::None;
    qint64 m_cutAfter = 0;
};

/// A scriptable HTTP/1.1 server for tests, on 127.0.0.1 and a port the
/// system picks. It reads requests (request line, headers, Content-Length
/// bodies; keep-alive), records each one, and answers it with the next
/// scripted FakeResponse for its path, else with the default response
/// (hold(), unless changed). Everything is driven by the event loop; no call
/// blocks.
class FakeHttpServer final : public QObject
{
    Q_OBJECT
public:
    explicit FakeHttpServer(QObject *parent = nullptr);
    /// Listens on `address` instead (an address of a network namespace the
    /// test made; see networknamespace.h).
    explicit FakeHttpServer(const QHostAddress &address, QObject *parent = nullptr);
    ~FakeHttpServer() override;

    /// False if the server could not listen; errorString() says why.
    bool isListening() const;
    QString errorString() const { return m_errorString; }
    quint16 port() const { return m_port; }
    /// http://127.0.0.1:<port><pathAndQuery>
    QUrl url(const QString &pathAndQuery = QStringLiteral("/")) const;

    /// Appends a response to the queue of `path` (exact match, no query).
    void enqueue(const QString &path, const FakeResponse &response);
    /// Used when a path's queue is empty. Initially hold().
    void setDefaultResponse(const FakeResponse &response);

    /// Every request so far, in order of arrival.
    const QList<FakeRequest> &requests() const { return m_requests; }
    QList<FakeRequest> requests(const QString &path) const;
    int requestCount() const { return int(m_requests.size()); }

    /// Requests waiting for the test to answer them.
    int heldCount() const { return int(m_held.size()); }
    int heldCount(const QString &path) const;
    QList<FakeRequest> heldRequests() const;
    /// Answers one held request; false if it is not (or no longer) held.
    bool answer(int requestId, const FakeResponse &response);
    /// Answers every request held on `path`; returns how many.
    int answerHeld(const QString &path, const FakeResponse &response);
    /// Answers every held request; returns how many.
    int answerAllHeld(const FakeResponse &response);

    /// Open streams (FakeResponse::stream()), by request id.
    QList<int> openStreams() const;
    /// Writes `bytes` as one chunk of the open stream answering
    /// `requestId`; false if there is none.
    bool streamWrite(int requestId, const QByteArray &bytes);
    /// Ends the stream as a server does (the last chunk); the connection
    /// stays for the next request.
    bool streamEnd(int requestId);
    /// Closes the stream's connection without ending the answer: a broken
    /// stream.
    bool streamCut(int requestId);

    /// Bytes of a request's answer (status line and headers included) that
    /// the operating system has taken so far.
    qint64 bytesSent(int requestId) const;
    /// True once the answer to a request ended: sent in full, cut as
    /// scripted, or the client went away.
    bool isFinished(int requestId) const;

    /// Client connections open now.
    int openConnectionCount() const { return int(m_connections.size()); }
    /// Closes every client connection (held requests go unanswered).
    void closeAllConnections();
    /// Stops listening and closes every connection: new connections are
    /// refused. The port number is kept for resumeConnections().
    void refuseConnections();
    /// Listens again on the same port. False if the port cannot be bound
    /// again (errorString() says why); a test can then make a new server.
    bool resumeConnections();

Q_SIGNALS:
    /// Emitted once per request, when it has been read in full.
    void requestReceived(const Longwatch::Testing::FakeRequest &request);
    /// Emitted when a request starts waiting for the test to answer it.
    void requestHeld(const Longwatch::Testing::FakeRequest &request);
    /// Emitted when a stream's headers went out and it waits for streamWrite().
    void streamOpened(const Longwatch::Testing::FakeRequest &request);
    /// Emitted once per request whose answer ended; `delivered` is false if
    /// the client went away (or the server closed) before every scripted byte
    /// was written.
    void responseFinished(int requestId, bool delivered);

private:
    class Connection;
    struct Step;
    struct Outcome
    {
        qint64 bytesSent = 0;
        bool finished = false;
    };

    void onNewConnection();
    void readFrom(Connection *connection);
    void startResponse(Connection *connection, const FakeResponse &response);
    void run(Connection *connection);
    void finishResponse(Connection *connection, bool delivered);
    void dropConnection(Connection *connection);
    std::deque<Step> stepsFor(const FakeResponse &response) const;

    QTcpServer m_server;
    quint16 m_port = 0;
    QHostAddress m_address{QHostAddress::LocalHost};
    QString m_errorString;
    FakeResponse m_default = FakeResponse::hold();
    QHash<QString, std::deque<FakeResponse>> m_scripts;
    QList<FakeRequest> m_requests;
    QHash<int, Outcome> m_outcomes;
    std::map<int, Connection *> m_held;    ///< by request id, so answers go in arrival order
    std::map<int, Connection *> m_streams; ///< open streams, by request id
    QList<Connection *> m_connections;     ///< children of this server
};

} // namespace Longwatch::Testing

Q_DECLARE_METATYPE(Longwatch::Testing::FakeResponse)
Q_DECLARE_METATYPE(Longwatch::Testing::FakeRequest)
