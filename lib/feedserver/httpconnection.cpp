#include "httpconnection.h"

#include "httpdate.h"
#include "jsontext.h"
#include "logging.h"

#include <QDateTime>
#include <QJsonObject>
#include <QTcpSocket>

namespace Longwatch {

namespace {

// RFC 9110 section 5.6.2: token characters, for method and field names.
bool isToken(const QByteArray &text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

// Does a comma-separated field value (Connection, Expect) hold `token`?
bool hasToken(const QByteArray &value, const QByteArray &token)
{
    const QList<QByteArray> parts = value.split(',');
    for (const QByteArray &part : parts) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, Limits limits, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_limits(limits)
    , m_peer(QStringLiteral("%1:%2").arg(socket->peerAddress().toString()).arg(socket->peerPort()))
{
    m_socket->setParent(this);
    // Lets the kernel notice a peer that vanished without a FIN while its
    // poll is held (hours by default on Linux, but better than never).
    m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        // A reset ends in UnconnectedState; some errors arrive without a
        // disconnected() after them.
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onDisconnected();
    });
    // Bytes read before the owner connected its slots are picked up from the
    // event loop, so requestReceived() never fires inside this constructor.
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::respond(int status, const QByteArray &body, const QByteArray &contentType,
                             const Headers &extraHeaders)
{
    if (m_phase == Phase::Closed || m_phase == Phase::Closing)
        return;
    if (m_phase != Phase::Handling) {
        qCWarning(lcFeedServer).noquote() << m_peer << "second answer to one request ignored";
        return;
    }

    QByteArray out;
    out.reserve(body.size() + 256);
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    out += "Date: " + formatHttpDate(QDateTime::currentDateTimeUtc()) + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    // Long-poll answers are news of one moment; no cache may replay them.
    out += "Cache-Control: no-store\r\n";
    for (const auto &[name, value] : extraHeaders)
        out += name + ": " + value + "\r\n";
    if (!m_keepAlive)
        out += "Connection: close\r\n";
    out += "\r\n";
    out += body;
    m_socket->write(out);
    qCDebug(lcFeedServer).noquote()
        << m_peer << m_request.method << m_request.target << "->" << status;

    if (!m_keepAlive) {
        m_phase = Phase::Closing;
        // Flushes what was written, then closes; disconnected() follows.
        m_socket->disconnectFromHost();
        return;
    }
    m_phase = Phase::Head;
    m_request = {};
    // A pipelined request may already wait in the buffer. Read it from the
    // event loop, not from inside the caller's handler, so handlers never
    // nest.
    if (!m_buffer.isEmpty() && !m_processQueued) {
        m_processQueued = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_processQueued = false;
                processBuffer();
            },
            Qt::QueuedConnection);
    }
}

void HttpConnection::abort()
{
    if (m_phase == Phase::Closed)
        return;
    m_socket->abort();
    onDisconnected();
}

QByteArray HttpConnection::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 417:
        return "Expectation Failed";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    case 507:
        return "Insufficient Storage";
    default:
        return "Unknown";
    }
}

QByteArray HttpConnection::errorBody(const QString &reason)
{
    return compactJson(QJsonObject{{QStringLiteral("error"), reason}});
}

void HttpConnection::onReadyRead()
{
    const QByteArray data = m_socket->readAll();
    if (m_phase == Phase::Closing || m_phase == Phase::Closed)
        return; // nothing more will be answered on this connection
    m_buffer += data;
    // While a request is held, a client may pipeline more; keep at most one
    // more full request around rather than buffer without end.
    if (m_phase == Phase::Handling &&
        m_buffer.size() > m_limits.maxHeadBytes + m_limits.maxBodyBytes) {
        qCWarning(lcFeedServer).noquote()
            << m_peer << "sent too much while its request was held; closing";
        abort();
        return;
    }
    processBuffer();
}

void HttpConnection::onDisconnected()
{
    if (m_phase == Phase::Closed)
        return;
    m_phase = Phase::Closed;
    m_buffer.clear();
    Q_EMIT closed();
    deleteLater();
}

void HttpConnection::processBuffer()
{
    for (;;) {
        switch (m_phase) {
        case Phase::Head: {
            // RFC 9112 section 2.2: ignore empty lines before a request line.
            qsizetype skip = 0;
            while (m_buffer.mid(skip, 2) == "\r\n")
                skip += 2;
            if (skip > 0)
                m_buffer.remove(0, skip);
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0) {
                // The blank line may still end at maxHeadBytes, its first
                // bytes already here: refuse only what can no longer fit,
                // so where TCP cuts the request does not decide.
                if (m_buffer.size() > m_limits.maxHeadBytes + 3)
                    fail(431, tr("The request line and header fields exceed %1 bytes.")
                                  .arg(m_limits.maxHeadBytes));
                return;
            }
            if (end > m_limits.maxHeadBytes) {
                fail(431, tr("The request line and header fields exceed %1 bytes.")
                              .arg(m_limits.maxHeadBytes));
                return;
            }
            const QByteArray head = m_buffer.left(end);
            m_buffer.remove(0, end + 4);
            if (!parseHead(head))
                return;
            break;
        }
        case Phase::Body:
            if (m_buffer.size() < m_contentLength)
                return;
            m_request.body = m_buffer.left(m_contentLength);
            m_buffer.remove(0, m_contentLength);
            m_phase = Phase::Handling;
            Q_EMIT requestReceived(m_request);
            return;
        case Phase::Discard: {
            const qint64 n = qMin<qint64>(m_discardLeft, m_buffer.size());
            m_buffer.remove(0, n);
            m_discardLeft -= n;
            if (m_discardLeft > 0)
                return;
            // Answered only now that the client has sent everything, so it
            // is reading when the answer comes (a close with unread data
            // would reset the connection and lose the 413).
            fail(413,
                 tr("The request body exceeds the limit of %1 bytes.").arg(m_limits.maxBodyBytes));
            return;
        }
        case Phase::Handling:
        case Phase::Closing:
        case Phase::Closed:
            return;
        }
    }
}

bool HttpConnection::parseHead(const QByteArray &head)
{
    m_request = {};
    m_keepAlive = false; // until the version is known; errors close anyway
    const QList<QByteArray> lines = head.split('\n');
    QByteArray requestLine = lines.value(0);
    if (requestLine.endsWith('\r'))
        requestLine.chop(1);

    // RFC 9112 section 3: method SP request-target SP HTTP-version.
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
        fail(400, tr("Malformed request line."));
        return false;
    }
    const QByteArray &version = parts[2];
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        if (version.startsWith("HTTP/"))
            fail(505, tr("Only HTTP/1.1 and HTTP/1.0 are supported."));
        else
            fail(400, tr("Malformed request line."));
        return false;
    }
    m_request.method = parts[0];
    m_request.target = parts[1];
    m_request.url = QUrl(QString::fromLatin1(parts[1]), QUrl::StrictMode);
    const bool originForm = parts[1].startsWith('/');
    const bool absoluteForm = m_request.url.scheme() == QLatin1String("http");
    if (!m_request.url.isValid() || !(originForm || absoluteForm)) {
        fail(400, tr("Malformed request target."));
        return false;
    }

    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines[i];
        if (line.endsWith('\r'))
            line.chop(1);
        // Obsolete line folding (RFC 9112 section 5.2) and whitespace before
        // the colon (section 5.1) must be rejected.
        const qsizetype colon = line.indexOf(':');
        if (line.startsWith(' ') || line.startsWith('\t') || colon <= 0 ||
            !isToken(line.left(colon))) {
            fail(400, tr("Malformed header field."));
            return false;
        }
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        // RFC 9110 section 5.5: a value with CR, LF or NUL must be rejected
        // (a bare CR is not a line end here, but might be one downstream).
        if (value.contains('\r') || value.contains('\0')) {
            fail(400, tr("Malformed header field."));
            return false;
        }
        auto it = m_request.headers.find(name);
        if (it == m_request.headers.end())
            m_request.headers.insert(name, value);
        else
            it.value() += ", " + value;
    }

    const bool http11 = version == "HTTP/1.1";
    const QByteArray connection = m_request.headers.value("connection");
    m_keepAlive = http11 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");

    // RFC 9112 section 3.2: a 1.1 request without Host is a 400.
    if (http11 && !m_request.headers.contains("host")) {
        fail(400, tr("The Host header field is missing."));
        return false;
    }
    if (m_request.headers.contains("transfer-encoding")) {
        // The body's end cannot be found without decoding chunks, which this
        // server does not do; clients can always send Content-Length.
        fail(411, tr("Chunked request bodies are not supported; send Content-Length."));
        return false;
    }

    m_contentLength = 0;
    if (m_request.headers.contains("content-length")) {
        // Repeats arrive joined with ", "; they must all agree (RFC 9112 6.3).
        const QList<QByteArray> values = m_request.headers.value("content-length").split(',');
        qint64 length = -1;
        for (const QByteArray &raw : values) {
            const QByteArray text = raw.trimmed();
            bool ok = !text.isEmpty() && text.size() <= 18;
            for (const char c : text)
                ok = ok && c >= '0' && c <= '9';
            const qint64 n = ok ? text.toLongLong(&ok) : -1;
            if (!ok || (length >= 0 && n != length)) {
                fail(400, tr("Invalid Content-Length."));
                return false;
            }
            length = n;
        }
        m_contentLength = length;
    }

    const QByteArray expect = m_request.headers.value("expect");
    const bool expectContinue = hasToken(expect, "100-continue");
    if (!expect.isEmpty() && !expectContinue) {
        fail(417, tr("Only the expectation 100-continue is supported."));
        return false;
    }

    if (m_contentLength > m_limits.maxBodyBytes) {
        if (expectContinue) {
            // The client waits before sending the body; refuse it unseen.
            fail(413,
                 tr("The request body exceeds the limit of %1 bytes.").arg(m_limits.maxBodyBytes));
            return false;
        }
        m_discardLeft = m_contentLength;
        m_phase = Phase::Discard;
        return true;
    }
    if (expectContinue && m_contentLength > m_buffer.size())
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    m_phase = Phase::Body;
    return true;
}

void HttpConnection::fail(int status, const QString &reason)
{
    qCDebug(lcFeedServer).noquote() << m_peer << "bad request:" << reason;
    // The framing may be lost, so nothing after this can be trusted: close.
    m_keepAlive = false;
    m_phase = Phase::Handling;
    respond(status, errorBody(reason));
}

} // namespace Longwatch
