// libFuzzer harness for the feed server's request parser (HttpConnection):
// whatever a client, or something that only pretends to be one, sends. The
// connection reads from a socket that only replays the input, and every
// request it hands over is answered at once, so pipelined requests are read
// too. The bytes are fed twice, all at once and cut into pieces of a size
// taken from the input: TCP may cut a request anywhere, so both runs must
// hand over the same requests and write the same answers, and close (or
// not) alike. Small limits, also taken from the input, must hold: no body
// over maxBodyBytes, no request line and header fields over maxHeadBytes,
// a body as long as its Content-Length, field values without CR, LF or NUL,
// and every refusal answered with a JSON body that says why.

#include "httpconnection.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace Longwatch;

namespace {

void check(bool condition, int line = __builtin_LINE())
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_httprequest.cpp:%d: check failed\n", line);
        std::abort();
    }
}

/// A connected socket without a network: reads come from deliver(), writes
/// go to `written`, one entry per write(), which outlives the socket.
class ReplaySocket final : public QTcpSocket
{
public:
    explicit ReplaySocket(QList<QByteArray> *written)
        : m_written(written)
    {
        setSocketState(QAbstractSocket::ConnectedState);
        setOpenMode(QIODevice::ReadWrite | QIODevice::Unbuffered);
    }

    void deliver(const QByteArray &bytes)
    {
        m_in += bytes;
        Q_EMIT readyRead();
    }

    qint64 bytesAvailable() const override { return m_in.size() + QTcpSocket::bytesAvailable(); }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = qMin<qint64>(maxSize, m_in.size());
        std::memcpy(data, m_in.constData(), size_t(n));
        m_in.remove(0, n);
        return n;
    }
    qint64 writeData(const char *data, qint64 size) override
    {
        m_written->append(QByteArray(data, size));
        return size;
    }

private:
    QList<QByteArray> *m_written;
    QByteArray m_in;
};

struct Request
{
    QByteArray method;
    QByteArray target;
    QList<std::pair<QByteArray, QByteArray>> headers; ///< sorted by name
    QByteArray body;
    bool operator==(const Request &) const = default;
};

struct Answer
{
    int status = 0;
    QByteArray body;
    bool operator==(const Answer &) const = default;
};

struct Outcome
{
    QList<Request> requests;
    QList<Answer> answers; ///< without 100 Continue, which depends on the cut
    bool closed = false;
};

/// "HTTP/1.1 200 OK\r\nDate: ...\r\n...\r\n\r\nbody": the status and body.
Answer parseAnswer(const QByteArray &out)
{
    check(out.startsWith("HTTP/1.1 "));
    const qsizetype end = out.indexOf("\r\n\r\n");
    check(end > 0);
    Answer answer;
    bool ok = false;
    answer.status = out.mid(9, 3).toInt(&ok);
    check(ok);
    answer.body = out.mid(end + 4);
    check(out.left(end).contains("\r\nContent-Length: " + QByteArray::number(answer.body.size()) +
                                 "\r\n"));
    return answer;
}

Outcome run(const QList<QByteArray> &pieces, HttpConnection::Limits limits)
{
    QList<QByteArray> written;
    auto *socket = new ReplaySocket(&written);
    QPointer<HttpConnection> connection = new HttpConnection(socket, limits);
    Outcome outcome;
    QObject::connect(
        connection, &HttpConnection::requestReceived, connection, [&](const HttpRequest &request) {
            check(!outcome.closed);
            Request seen{request.method, request.target, {}, request.body};
            qint64 headBytes = request.method.size() + request.target.size();
            for (auto it = request.headers.cbegin(); it != request.headers.cend(); ++it) {
                check(it.key() == it.key().toLower());
                for (const char c : it.value())
                    check(c != '\r' && c != '\n' && c != '\0');
                headBytes += it.key().size() + it.value().size();
                seen.headers.append({it.key(), it.value()});
            }
            std::sort(seen.headers.begin(), seen.headers.end());
            // On the wire each field also had its ':' and line
            // end, more than the ", " that joins a repeat.
            check(headBytes <= limits.maxHeadBytes);
            check(request.body.size() <= limits.maxBodyBytes);
            check(
                request.body.size() ==
                request.headers.value("content-length", "0").split(',')[0].trimmed().toLongLong());
            check(!request.headers.contains("transfer-encoding"));
            check(request.url.isValid());
            outcome.requests.append(seen);
            connection->respond(200, "{}");
        });
    QObject::connect(connection, &HttpConnection::closed, [&] { outcome.closed = true; });

    // A pipelined request is read from the event loop, one per pass (what
    // is posted during a pass waits for the next): pass until nothing more
    // is written, as the event loop would.
    const auto settle = [&] {
        qsizetype before = 0;
        do {
            before = written.size();
            QCoreApplication::sendPostedEvents();
        } while (written.size() != before);
    };
    for (const QByteArray &piece : pieces) {
        if (!connection || outcome.closed)
            break;
        socket->deliver(piece);
        settle();
    }
    if (connection)               // a closed one deleted itself (deleteLater)
        delete connection.data(); // also deletes the socket

    for (const QByteArray &out : std::as_const(written)) {
        if (out == "HTTP/1.1 100 Continue\r\n\r\n")
            continue;
        check(outcome.answers.isEmpty() || outcome.answers.constLast().status == 200);
        const Answer answer = parseAnswer(out);
        if (answer.status != 200) {
            // A refusal says why, and closes the connection.
            const QJsonObject error = QJsonDocument::fromJson(answer.body).object();
            check(!error.value(QStringLiteral("error")).toString().isEmpty());
            check(outcome.closed);
        }
        outcome.answers.append(answer);
    }
    check(outcome.answers.size() >= outcome.requests.size());
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    static QCoreApplication app(*argc, *argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    // The first byte picks the limits (bits 6-7) and the size of the pieces.
    HttpConnection::Limits limits;
    switch (data[0] >> 6) {
    case 0:
        break; // the defaults
    case 1:
        limits = {16, 64};
        break;
    case 2:
        limits = {0, 200};
        break;
    default:
        limits = {1000, 40};
        break;
    }
    const qsizetype piece = (data[0] & 0x3f) + 1;
    const QByteArray bytes(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);

    const Outcome whole = run({bytes}, limits);
    QList<QByteArray> pieces;
    for (qsizetype i = 0; i < bytes.size(); i += piece)
        pieces.append(bytes.mid(i, piece));
    const Outcome cut = run(pieces, limits);

    check(whole.requests == cut.requests);
    check(whole.answers == cut.answers);
    check(whole.closed == cut.closed);
    return 0;
}
