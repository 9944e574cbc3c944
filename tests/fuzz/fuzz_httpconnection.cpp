// libFuzzer harness for the feed server's request parser (HttpConnection),
// the one parser of network input that a client controls wholly. The
// bytes arrive on a connected socket (a Unix socket pair: no ports, no
// TIME_WAIT), the client then closes its side. Whatever they are, every
// request handed over keeps the parser's promises (a token method, a valid
// target, a body within the limit), each is answered, and the connection
// ends with closed(), exactly once.

#include "httpconnection.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QTcpSocket>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <sys/socket.h>
#include <unistd.h>

using namespace Longwatch;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool isTokenCharacter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int argc = 1;
    static char name[] = "fuzz_httpconnection";
    static char *argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);

    int fds[2];
    check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    const int client = fds[0];
    auto *socket = new QTcpSocket;
    check(socket->setSocketDescriptor(fds[1]));

    HttpConnection::Limits limits;
    limits.maxBodyBytes = 4096;
    limits.maxHeadBytes = 4096;
    auto *connection = new HttpConnection(socket, limits);
    int requests = 0;
    int closings = 0;
    QObject::connect(connection, &HttpConnection::requestReceived, connection,
                     [&, connection](const HttpRequest &request) {
                         ++requests;
                         check(!request.method.isEmpty());
                         for (const char c : request.method)
                             check(isTokenCharacter(c));
                         check(request.url.isValid());
                         check(request.body.size() <= limits.maxBodyBytes);
                         check(connection->isAwaitingResponse());
                         connection->respond(200, QByteArrayLiteral("{}"));
                     });
    QObject::connect(connection, &HttpConnection::closed, [&closings] { ++closings; });

    // A Unix socket takes this much at once; the harness's inputs are smaller.
    const auto *bytes = reinterpret_cast<const char *>(data);
    size_t written = 0;
    while (written < size) {
        const ssize_t n = ::send(client, bytes + written, size - written, MSG_NOSIGNAL);
        check(n > 0);
        written += size_t(n);
    }
    ::shutdown(client, SHUT_WR);

    char sink[4096];
    const QDeadlineTimer deadline(5000);
    while (closings == 0) {
        check(!deadline.hasExpired()); // the server must notice the client is done
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        while (::recv(client, sink, sizeof sink, MSG_DONTWAIT) > 0) {
        }
    }
    check(closings == 1);
    ::close(client);
    // closed() was emitted; the connection deletes itself (and its socket) later.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
    check(closings == 1);
    (void)requests;
    return 0;
}
