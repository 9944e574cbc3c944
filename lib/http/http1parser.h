#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <utility>

namespace Longwatch {

/// Reads one HTTP/1.x response (RFC 9112) from bytes as they arrive: the
/// status line, the header fields, then a body framed by Content-Length,
/// by chunked transfer coding, or by the connection's close. Interim 1xx
/// responses are skipped. It holds no socket and never blocks, so the same
/// code serves the client (Http1Reply) and the fuzzer.
///
/// Tolerant where servers are sloppy (bare LF line ends, obsolete folded
/// header lines), strict where a mistake would mix up two messages on one
/// connection (conflicting Content-Length values, bad chunk sizes).
class Http1Parser
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::Http1Parser)

public:
    enum class Step {
        NeedMore, ///< everything given was consumed; feed more
        Headers,  ///< the final response's status and headers are complete (once per response)
        Done,     ///< the response is complete; what follows it in `input` is left there
        Failed,   ///< not HTTP/1.x, or framing that cannot be trusted: see errorString()
    };

    /// The most bytes of status line and header fields (and of trailer
    /// fields) taken; past it the response fails rather than grow memory.
    static constexpr qsizetype kMaxHeaderBytes = 1 << 20;

    /// `bodyless`: the request was HEAD, so no response to it has a body.
    explicit Http1Parser(bool bodyless = false);

    /// Consumes bytes from the front of `input` and appends body bytes to
    /// `body`. Returns at each step: Headers once, then Done, or Failed;
    /// NeedMore when `input` is used up. Call again after Headers to go on.
    Step parse(QByteArray &input, QByteArray &body);
    /// The connection closed: Done if the body ran until the close (or was
    /// complete), Failed if the response was cut short.
    Step closed();

    int statusCode() const { return m_status; }
    const QByteArray &reasonPhrase() const { return m_reason; }
    int minorVersion() const { return m_minor; }
    const QList<std::pair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    /// The first value of header `name` (case-insensitive), or a null array.
    QByteArray header(QByteArrayView name) const;
    /// The body's length as announced (Content-Length), or -1.
    qint64 contentLength() const { return m_framing == Framing::Length ? m_announced : -1; }
    /// Whether the connection can carry another request once this response
    /// is Done: HTTP/1.1 without "Connection: close", or HTTP/1.0 with
    /// "Connection: keep-alive", and a body not delimited by the close.
    bool keepAlive() const;
    /// Whether any byte of a response has been read.
    bool started() const { return m_started; }
    bool headersComplete() const { return m_phase > Phase::Fields; }
    bool isDone() const { return m_phase == Phase::Done; }
    /// What was wrong, as a phrase ("a bad or conflicting Content-Length").
    QString errorString() const { return m_error; }

private:
    enum class Phase {
        StatusLine,
        Fields,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
        Failed
    };
    enum class Framing { None, Length, Chunked, UntilClose };

    Step fail(const QString &error);
    /// The line in `input` at `pos`, without its line end, in `line`, and
    /// `pos` past it; false if the line is not complete yet.
    bool takeLine(const QByteArray &input, qsizetype &pos, QByteArrayView &line);
    /// Moves up to m_remaining bytes of body from `input` at `pos` to
    /// `body`; true once m_remaining is 0.
    bool takeCounted(QByteArray &input, qsizetype &pos, QByteArray &body);
    Step parseStatusLine(QByteArrayView line);
    Step parseField(QByteArrayView line);
    Step endOfFields();

    bool m_bodyless = false;
    bool m_started = false;
    Phase m_phase = Phase::StatusLine;
    Framing m_framing = Framing::None;
    int m_status = 0;
    int m_minor = 1;
    QByteArray m_reason;
    QList<std::pair<QByteArray, QByteArray>> m_headers;
    qint64 m_announced = -1; ///< Content-Length
    qint64 m_remaining = 0;  ///< of the body or of the current chunk
    qsizetype m_headerBytes = 0;
    bool m_closeAfter = false; ///< "Connection: close" or HTTP/1.0 without keep-alive
    QString m_error;
};

} // namespace Longwatch
