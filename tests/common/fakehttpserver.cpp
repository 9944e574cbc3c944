#include "fakehttpserver.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <limits>

using namespace std::chrono_literals;

namespace Longwatch::Testing {

namespace {

// Filler goes out in pieces of this size, and only while the socket's own
// buffer is below the high-water mark: a huge body is produced as the client
// reads it, and production stops when the client goes away.
constexpr qint64 kFillPiece = 64 * 1024;
constexpr qint64 kHighWater = 256 * 1024;
// A request head larger than this is not a request we want to read.
constexpr qsizetype kMaxHead = 1024 * 1024;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 410:
        return QByteArrayLiteral("Gone");
    case 422:
        return QByteArrayLiteral("Unprocessable Content");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    default:
        break;
    }
    return QByteArrayLiteral("Status");
}

bool sameName(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

QByteArray chunkFrame(QByteArrayView data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data.toByteArray() + "\r\n";
}

} // namespace

// ---------------------------------------------------------------------------
// FakeRequest

QByteArray FakeRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (sameName(key, name))
            return value;
    }
    return {};
}

QString FakeRequest::queryValue(const QString &name) const
{
    return query.queryItemValue(name, QUrl::FullyDecoded);
}

// ---------------------------------------------------------------------------
// FakeResponse

FakeResponse FakeResponse::json(const QByteArray &body)
{
    FakeResponse response;
    response.m_body = body;
    response.m_headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    return response;
}

FakeResponse FakeResponse::seedEvents(const QList<qint64> &ids)
{
    QByteArray body = QByteArrayLiteral("{\"events\":[");
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (i > 0)
            body += ',';
        body += QByteArrayLiteral("{\"id\":") + QByteArray::number(ids[i]) +
                QByteArrayLiteral(",\"type\":\"test\",\"message\":\"event ") +
                QByteArray::number(ids[i]) + QByteArrayLiteral("\"}");
    }
    body += QByteArrayLiteral("]}");
    return json(body);
}

FakeResponse FakeResponse::status(int code, const QByteArray &body)
{
    FakeResponse response;
    response.m_status = code;
    response.m_body = body;
    if (!body.isEmpty()) {
        // Enough for tests: JSON-looking bodies are labelled as JSON.
        const QByteArray trimmed = body.trimmed();
        const bool looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
        response.m_headers.append({QByteArrayLiteral("Content-Type"),
                                   looksJson ? QByteArrayLiteral("application/json")
                                             : QByteArrayLiteral("text/plain; charset=utf-8")});
    }
    return response;
}

FakeResponse FakeResponse::hugeBody(qint64 bytes)
{
    FakeResponse response;
    response.m_fillerBytes = bytes;
    response.m_headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/octet-stream")});
    return response;
}

FakeResponse FakeResponse::hold()
{
    FakeResponse response;
    response.m_kind = Kind::Hold;
    return response;
}

FakeResponse FakeResponse::garbage(const QByteArray &bytes)
{
    FakeResponse response;
    response.m_kind = Kind::Garbage;
    response.m_body = bytes;
    return response;
}

FakeResponse FakeResponse::closeConnection()
{
    FakeResponse response;
    response.m_kind = Kind::Close;
    return response;
}

FakeResponse FakeResponse::stream(const QByteArray &contentType)
{
    FakeResponse response;
    response.m_stream = true;
    response.m_framing = Framing::Chunked;
    response.m_headers.append({QByteArrayLiteral("Content-Type"), contentType});
    return response;
}

FakeResponse FakeResponse::withHeader(const QByteArray &name, const QByteArray &value) const
{
    FakeResponse response = *this;
    if (sameName(name, "Content-Type")) {
        response.m_headers.removeIf(
            [](const auto &header) { return sameName(header.first, "Content-Type"); });
    }
    response.m_headers.append({name, value});
    return response;
}

FakeResponse FakeResponse::withDelay(std::chrono::milliseconds delay) const
{
    FakeResponse response = *this;
    response.m_delay = delay;
    return response;
}

FakeResponse FakeResponse::withFraming(Framing framing) const
{
    FakeResponse response = *this;
    response.m_framing = framing;
    return response;
}

FakeResponse FakeResponse::withHeartbeats(int count, std::chrono::milliseconds interval) const
{
    FakeResponse response = *this;
    response.m_heartbeats = count;
    response.m_heartbeatInterval = interval;
    return response;
}

FakeResponse FakeResponse::withTrickle(std::chrono::milliseconds interval) const
{
    FakeResponse response = *this;
    response.m_trickle = interval;
    return response;
}

FakeResponse FakeResponse::withCloseAfterBodyBytes(qint64 bytes) const
{
    FakeResponse response = *this;
    response.m_cut = Cut::Close;
    response.m_cutAfter = bytes;
    return response;
}

FakeResponse FakeResponse::withStallAfterBodyBytes(qint64 bytes) const
{
    FakeResponse response = *this;
    response.m_cut = Cut::Stall;
    response.m_cutAfter = bytes;
    return response;
}

// ---------------------------------------------------------------------------
// FakeHttpServer internals

/// One thing the server does while answering: the answer is a queue of
/// these, run in order by FakeHttpServer::run().
struct FakeHttpServer::Step
{
    enum class Kind {
        Write,  ///< write `bytes`
        Fill,   ///< write `count` filler bytes, as the socket drains
        Wait,   ///< pause `count` ms
        Hold,   ///< wait for the test to answer
        Close,  ///< close the connection (after pending bytes are written)
        Stall,  ///< do nothing more; the connection stays open
        Stream, ///< an open stream: the test writes to it
    };
    Kind kind = Kind::Write;
    QByteArray bytes;
    qint64 count = 0;
    bool chunked = false;

    static Step make(Kind kind, QByteArray bytes = {}, qint64 count = 0, bool chunked = false)
    {
        Step step;
        step.kind = kind;
        step.bytes = std::move(bytes);
        step.count = count;
        step.chunked = chunked;
        return step;
    }
};

/// One client connection. A QObject (without its own signals) so that it and
/// its socket and timer can be deleted later, never inside their own signals.
class FakeHttpServer::Connection final : public QObject
{
public:
    Connection(QTcpSocket *s, QObject *parent)
        : QObject(parent)
        , socket(s)
    {
        socket->setParent(this);
        timer.setSingleShot(true);
        timer.setTimerType(Qt::PreciseTimer);
    }

    QTcpSocket *socket;
    QTimer timer;
    QByteArray input;
    std::deque<Step> steps;
    int requestId = 0;       ///< the request being answered, or last answered
    bool busy = false;       ///< an answer is under way
    bool closeAfter = false; ///< the client asked for Connection: close
    bool closing = false;    ///< no more requests are read
};

FakeHttpServer::FakeHttpServer(QObject *parent)
    : FakeHttpServer(QHostAddress(QHostAddress::LocalHost), parent)
{}

FakeHttpServer::FakeHttpServer(const QHostAddress &address, QObject *parent)
    : QObject(parent)
    , m_address(address)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FakeHttpServer::onNewConnection);
    if (m_server.listen(m_address, 0))
        m_port = m_server.serverPort();
    else
        m_errorString =
            tr("Could not listen on %1: %2").arg(m_address.toString(), m_server.errorString());
}

FakeHttpServer::~FakeHttpServer()
{
    m_server.close();
    // Quietly: the test is over, nobody should hear from the connections.
    const QList<Connection *> connections = std::exchange(m_connections, {});
    for (Connection *connection : connections) {
        disconnect(connection->socket, nullptr, this, nullptr);
        disconnect(&connection->timer, nullptr, this, nullptr);
        connection->socket->abort();
        delete connection;
    }
}

bool FakeHttpServer::isListening() const
{
    return m_server.isListening();
}

QUrl FakeHttpServer::url(const QString &pathAndQuery) const
{
    return QUrl(
        QStringLiteral("http://%1:%2%3").arg(m_address.toString()).arg(m_port).arg(pathAndQuery));
}

void FakeHttpServer::enqueue(const QString &path, const FakeResponse &response)
{
    m_scripts[path].push_back(response);
}

void FakeHttpServer::setDefaultResponse(const FakeResponse &response)
{
    m_default = response;
}

QList<FakeRequest> FakeHttpServer::requests(const QString &path) const
{
    QList<FakeRequest> found;
    for (const FakeRequest &request : m_requests) {
        if (request.path == path)
            found.append(request);
    }
    return found;
}

int FakeHttpServer::heldCount(const QString &path) const
{
    int count = 0;
    for (const auto &[id, connection] : m_held) {
        if (m_requests.at(id - 1).path == path)
            ++count;
    }
    return count;
}

QList<FakeRequest> FakeHttpServer::heldRequests() const
{
    QList<FakeRequest> held;
    for (const auto &[id, connection] : m_held)
        held.append(m_requests.at(id - 1));
    return held;
}

bool FakeHttpServer::answer(int requestId, const FakeResponse &response)
{
    const auto it = m_held.find(requestId);
    if (it == m_held.end())
        return false;
    Connection *connection = it->second;
    m_held.erase(it);
    startResponse(connection, response);
    return true;
}

int FakeHttpServer::answerHeld(const QString &path, const FakeResponse &response)
{
    QList<int> ids;
    for (const auto &[id, connection] : m_held) {
        if (m_requests.at(id - 1).path == path)
            ids.append(id);
    }
    int answered = 0;
    for (int id : std::as_const(ids))
        answered += answer(id, response) ? 1 : 0;
    return answered;
}

int FakeHttpServer::answerAllHeld(const FakeResponse &response)
{
    QList<int> ids;
    for (const auto &[id, connection] : m_held)
        ids.append(id);
    int answered = 0;
    for (int id : std::as_const(ids))
        answered += answer(id, response) ? 1 : 0;
    return answered;
}

qint64 FakeHttpServer::bytesSent(int requestId) const
{
    return m_outcomes.value(requestId).bytesSent;
}

bool FakeHttpServer::isFinished(int requestId) const
{
    return m_outcomes.value(requestId).finished;
}

QList<int> FakeHttpServer::openStreams() const
{
    QList<int> ids;
    for (const auto &[id, connection] : m_streams)
        ids.append(id);
    return ids;
}

bool FakeHttpServer::streamWrite(int requestId, const QByteArray &bytes)
{
    const auto it = m_streams.find(requestId);
    if (it == m_streams.end() || bytes.isEmpty())
        return false;
    it->second->socket->write(chunkFrame(bytes));
    return true;
}

bool FakeHttpServer::streamEnd(int requestId)
{
    const auto it = m_streams.find(requestId);
    if (it == m_streams.end())
        return false;
    Connection *connection = it->second;
    m_streams.erase(it);
    connection->socket->write(QByteArrayLiteral("0\r\n\r\n"));
    run(connection); // nothing left: the answer is finished
    return true;
}

bool FakeHttpServer::streamCut(int requestId)
{
    const auto it = m_streams.find(requestId);
    if (it == m_streams.end())
        return false;
    dropConnection(it->second);
    return true;
}

void FakeHttpServer::closeAllConnections()
{
    const QList<Connection *> connections = m_connections;
    for (Connection *connection : connections)
        dropConnection(connection);
}

void FakeHttpServer::refuseConnections()
{
    m_server.close();
    closeAllConnections();
}

bool FakeHttpServer::resumeConnections()
{
    if (m_server.isListening())
        return true;
    if (m_server.listen(m_address, m_port))
        return true;
    m_errorString = tr("Could not listen on %1:%2 again: %3")
                        .arg(m_address.toString())
                        .arg(m_port)
                        .arg(m_server.errorString());
    return false;
}

void FakeHttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        // No Nagle: trickled bytes and heartbeats must leave when scripted.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        auto *connection = new Connection(socket, this);
        m_connections.append(connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, connection] {
            connection->input += connection->socket->readAll();
            readFrom(connection);
        });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, connection](qint64 bytes) {
            if (connection->requestId > 0)
                m_outcomes[connection->requestId].bytesSent += bytes;
            if (!connection->steps.empty() && connection->steps.front().kind == Step::Kind::Fill)
                run(connection);
        });
        connect(socket, &QTcpSocket::disconnected, this,
                [this, connection] { dropConnection(connection); });
        connect(socket, &QTcpSocket::errorOccurred, this, [this, connection] {
            // A write to a client that went away fails here, possibly
            // without a disconnected() to follow.
            if (connection->socket->state() != QAbstractSocket::ConnectedState)
                dropConnection(connection);
        });
        connect(&connection->timer, &QTimer::timeout, this,
                [this, connection] { run(connection); });
    }
}

void FakeHttpServer::readFrom(Connection *connection)
{
    if (connection->busy || connection->closing)
        return;
    QByteArray &input = connection->input;
    const qsizetype headEnd = input.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        if (input.size() > kMaxHead)
            dropConnection(connection);
        return;
    }
    const QList<QByteArray> lines = input.left(headEnd).split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3) {
        dropConnection(connection);
        return;
    }
    FakeRequest request;
    request.method = requestLine[0];
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    const qint64 bodyLength = request.header("Content-Length").toLongLong();
    if (input.size() < headEnd + 4 + bodyLength)
        return; // the body is still on its way
    request.body = input.mid(headEnd + 4, bodyLength);
    input.remove(0, headEnd + 4 + bodyLength);

    const QByteArray target = requestLine[1];
    const qsizetype question = target.indexOf('?');
    request.path = QUrl::fromPercentEncoding(target.left(question < 0 ? target.size() : question));
    if (question >= 0)
        request.query = QUrlQuery(QString::fromLatin1(target.mid(question + 1)));
    request.id = int(m_requests.size()) + 1;

    connection->closeAfter =
        sameName(request.header("Connection"), "close") || requestLine[2] == "HTTP/1.0";
    connection->busy = true;
    connection->requestId = request.id;
    m_requests.append(request);
    m_outcomes.insert(request.id, {});

    Q_EMIT requestReceived(request);
    if (!m_connections.contains(connection))
        return; // a slot closed it

    // A slot of requestReceived may still have scripted this very request.
    std::deque<FakeResponse> &queue = m_scripts[request.path];
    FakeResponse response = m_default;
    if (!queue.empty()) {
        response = queue.front();
        queue.pop_front();
    }
    startResponse(connection, response);
}

void FakeHttpServer::startResponse(Connection *connection, const FakeResponse &response)
{
    connection->steps = stepsFor(response);
    run(connection);
}

std::deque<FakeHttpServer::Step> FakeHttpServer::stepsFor(const FakeResponse &response) const
{
    using Kind = Step::Kind;
    std::deque<Step> steps;
    if (response.m_delay > 0ms)
        steps.push_back(Step::make(Kind::Wait, {}, response.m_delay.count()));

    switch (response.m_kind) {
    case FakeResponse::Kind::Hold:
        steps.push_back(Step::make(Kind::Hold));
        return steps;
    case FakeResponse::Kind::Close:
        steps.push_back(Step::make(Kind::Close));
        return steps;
    case FakeResponse::Kind::Garbage:
        steps.push_back(Step::make(Kind::Write, response.m_body));
        break;
    case FakeResponse::Kind::Answer: {
        const int status = response.m_status;
        // RFC 9110 section 6.4.1: these never have content.
        const bool noContent = (status >= 100 && status < 200) || status == 204 || status == 304;
        const QByteArray body = noContent ? QByteArray() : response.m_body;
        const qint64 filler = noContent ? 0 : response.m_fillerBytes;
        const int heartbeats = noContent ? 0 : response.m_heartbeats;
        const qint64 total = heartbeats + body.size() + filler;
        const bool chunked = response.m_framing == FakeResponse::Framing::Chunked;

        QByteArray head = QByteArrayLiteral("HTTP/1.1 ") + QByteArray::number(status) + ' ' +
                          reasonPhrase(status) + "\r\n";
        const auto scripted = [&](QByteArrayView name) {
            return std::any_of(response.m_headers.cbegin(), response.m_headers.cend(),
                               [&](const auto &h) { return sameName(h.first, name); });
        };
        head += QByteArrayLiteral("Server: FakeHttpServer\r\n");
        if (!noContent) {
            switch (response.m_framing) {
            case FakeResponse::Framing::ContentLength:
                if (!scripted("Content-Length"))
                    head += "Content-Length: " + QByteArray::number(total) + "\r\n";
                break;
            case FakeResponse::Framing::Chunked:
                if (!scripted("Transfer-Encoding"))
                    head += QByteArrayLiteral("Transfer-Encoding: chunked\r\n");
                break;
            case FakeResponse::Framing::UntilClose:
                if (!scripted("Connection"))
                    head += QByteArrayLiteral("Connection: close\r\n");
                break;
            }
        }
        for (const auto &[name, value] : response.m_headers)
            head += name + ": " + value + "\r\n";
        head += "\r\n";
        steps.push_back(Step::make(Kind::Write, head));

        // Body bytes (heartbeats, body, filler) count against a cut.
        qint64 budget = response.m_cut == FakeResponse::Cut::None
                            ? std::numeric_limits<qint64>::max()
                            : response.m_cutAfter;
        const auto write = [&](const QByteArray &bytes) {
            const QByteArray part = bytes.left(qsizetype(std::min<qint64>(budget, bytes.size())));
            budget -= part.size();
            if (!part.isEmpty())
                steps.push_back(Step::make(Kind::Write, chunked ? chunkFrame(part) : part));
        };
        for (int i = 0; i < heartbeats && budget > 0; ++i) {
            if (response.m_heartbeatInterval > 0ms)
                steps.push_back(Step::make(Kind::Wait, {}, response.m_heartbeatInterval.count()));
            write(QByteArrayLiteral("\n"));
        }
        write(body);
        const qint64 fill = std::min(budget, filler);
        if (fill > 0)
            steps.push_back(Step::make(Kind::Fill, {}, fill, chunked));
        budget -= fill;

        switch (response.m_cut) {
        case FakeResponse::Cut::Close:
            steps.push_back(Step::make(Kind::Close));
            break;
        case FakeResponse::Cut::Stall:
            steps.push_back(Step::make(Kind::Stall));
            break;
        case FakeResponse::Cut::None:
            if (response.m_stream)
                steps.push_back(Step::make(Kind::Stream));
            else if (chunked && !noContent)
                steps.push_back(Step::make(Kind::Write, QByteArrayLiteral("0\r\n\r\n")));
            break;
        }
        if (response.m_framing == FakeResponse::Framing::UntilClose && !noContent &&
            response.m_cut == FakeResponse::Cut::None)
            steps.push_back(Step::make(Kind::Close));
        break;
    }
    }
    if (response.m_kind == FakeResponse::Kind::Garbage)
        steps.push_back(Step::make(Kind::Close));

    if (response.m_trickle > 0ms) {
        // Slow loris: every written byte becomes its own step, with a pause
        // before each one but the first.
        std::deque<Step> trickled;
        bool first = true;
        for (Step &step : steps) {
            if (step.kind != Kind::Write) {
                trickled.push_back(std::move(step));
                continue;
            }
            for (char byte : std::as_const(step.bytes)) {
                if (!first)
                    trickled.push_back(Step::make(Kind::Wait, {}, response.m_trickle.count()));
                first = false;
                trickled.push_back(Step::make(Kind::Write, QByteArray(1, byte)));
            }
        }
        steps = std::move(trickled);
    }
    return steps;
}

void FakeHttpServer::run(Connection *connection)
{
    using Kind = Step::Kind;
    std::deque<Step> &steps = connection->steps;
    while (!steps.empty()) {
        Step &step = steps.front();
        switch (step.kind) {
        case Kind::Write:
            connection->socket->write(step.bytes);
            steps.pop_front();
            break;
        case Kind::Fill: {
            static const QByteArray piece(kFillPiece, 'x');
            while (step.count > 0 && connection->socket->bytesToWrite() < kHighWater) {
                const qint64 size = std::min(step.count, kFillPiece);
                const QByteArrayView data(piece.constData(), size);
                connection->socket->write(step.chunked ? chunkFrame(data) : data.toByteArray());
                step.count -= size;
            }
            if (step.count > 0)
                return; // bytesWritten() brings us back
            steps.pop_front();
            break;
        }
        case Kind::Wait:
            connection->timer.start(std::chrono::milliseconds(step.count));
            steps.pop_front();
            return;
        case Kind::Hold: {
            steps.pop_front();
            m_held.emplace(connection->requestId, connection);
            const FakeRequest request = m_requests.at(connection->requestId - 1);
            Q_EMIT requestHeld(request);
            return;
        }
        case Kind::Close:
            steps.clear();
            connection->closing = true;
            finishResponse(connection, true);
            // Graceful: what was written still reaches the client first.
            connection->socket->disconnectFromHost();
            return;
        case Kind::Stall:
            return; // stays at the front: nothing more happens
        case Kind::Stream: {
            steps.pop_front();
            m_streams.emplace(connection->requestId, connection);
            const FakeRequest request = m_requests.at(connection->requestId - 1);
            Q_EMIT streamOpened(request);
            return;
        }
        }
    }
    finishResponse(connection, true);
    if (connection->closeAfter) {
        connection->closing = true;
        connection->socket->disconnectFromHost();
        return;
    }
    readFrom(connection); // keep-alive: a next request may be waiting
}

void FakeHttpServer::finishResponse(Connection *connection, bool delivered)
{
    if (!connection->busy)
        return;
    connection->busy = false;
    m_held.erase(connection->requestId);
    m_streams.erase(connection->requestId);
    m_outcomes[connection->requestId].finished = true;
    Q_EMIT responseFinished(connection->requestId, delivered);
}

void FakeHttpServer::dropConnection(Connection *connection)
{
    if (!m_connections.removeOne(connection))
        return;
    connection->timer.stop();
    connection->steps.clear();
    finishResponse(connection, false);
    disconnect(connection->socket, nullptr, this, nullptr);
    disconnect(&connection->timer, nullptr, this, nullptr);
    connection->socket->abort();
    // Possibly inside one of the socket's own signals: delete later.
    connection->deleteLater();
}

} // namespace Longwatch::Testing
