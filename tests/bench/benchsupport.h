#pragma once

// Helpers shared by the benchmarks (bench_latency, bench_poller_cpu,
// bench_channels, bench_store, bench_dashboard, bench_streams, ...): statistics over runs, the
// servers they start in child processes, a table printer, the SUMMARY lines
// .ci/bench collects, and a minimal blocking HTTP/1.1 client. Header-only so
// each bench stays one target.

#include "epolleventdispatcher.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Bench {

/// CPU time of this process (user + system, all threads), µs.
inline double cpuUsecs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

/// The part of cpuUsecs() spent in the kernel (system calls, the network
/// stack, scheduling), µs.
inline double systemCpuUsecs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_stime.tv_sec) * 1e6 + double(usage.ru_stime.tv_usec);
}

/// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM); pid 0 is this
/// process. -1 if unknown (the process is gone). readAll(), not
/// atEnd()/readLine(): /proc files report a size of 0.
inline qint64 procStatusKiB(qint64 pid, const char *field)
{
    QFile status(pid == 0 ? QStringLiteral("/proc/self/status")
                          : QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

/// Microseconds on CLOCK_MONOTONIC (libstdc++'s steady_clock), which every
/// process on the machine shares: a stamp taken in one process can be
/// compared with a clock read in another.
inline qint64 monotonicUsecs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// The p-quantile (0..1) by the nearest-rank method; NaN if empty.
inline double quantile(std::vector<double> values, double p)
{
    if (values.empty())
        return std::nan("");
    std::sort(values.begin(), values.end());
    const auto rank = std::size_t(std::ceil(p * double(values.size())));
    return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

/// Median, min and max of one figure over several runs.
struct Summary
{
    double median = std::nan("");
    double min = std::nan("");
    double max = std::nan("");
};

inline Summary summarize(const std::vector<double> &runs)
{
    Summary s;
    if (runs.empty())
        return s;
    s.median = quantile(runs, 0.5);
    s.min = *std::min_element(runs.begin(), runs.end());
    s.max = *std::max_element(runs.begin(), runs.end());
    return s;
}

inline void printHeader(const char *unit)
{
    std::printf("| %-60s | %10s | %10s | %10s | %-8s |\n", "measurement", "median", "min", "max",
                unit);
    std::printf("|%s|%s|%s|%s|%s|\n", QByteArray(62, '-').constData(),
                QByteArray(12, '-').constData(), QByteArray(12, '-').constData(),
                QByteArray(12, '-').constData(), QByteArray(10, '-').constData());
}

inline void printRow(const QString &name, const Summary &s, const char *unit)
{
    std::printf("| %-60s | %10.1f | %10.1f | %10.1f | %-8s |\n", qPrintable(name), s.median, s.min,
                s.max, unit);
    std::fflush(stdout);
}

/// How a SUMMARY line's median is compared with its target.
enum class Goal {
    None,    ///< no target of its own (context): met is "-"
    AtMost,  ///< median <= limit
    Below,   ///< median < limit
    AtLeast, ///< median >= limit
};

/// Prints one machine-readable line for .ci/bench's final table:
/// `SUMMARY|<row>|<measurement>|<median>|<unit>|<target text>|<met>`, met
/// being yes, no, or "-" (no target for this figure, or no figure). `row` is
/// the row of issue #6 (docs/PERFORMANCE.md).
inline void printSummary(int row, QString measurement, double median, const char *unit,
                         QString target, Goal goal = Goal::None, double limit = 0)
{
    // '|' separates the fields.
    measurement.replace(QLatin1Char('|'), QLatin1Char('/'));
    target.replace(QLatin1Char('|'), QLatin1Char('/'));
    const char *met = "-";
    if (goal != Goal::None && !std::isnan(median)) {
        const bool ok = goal == Goal::AtMost  ? median <= limit
                        : goal == Goal::Below ? median < limit
                                              : median >= limit;
        met = ok ? "yes" : "no";
    }
    QByteArray number;
    if (std::isnan(median))
        number = "nan";
    else if (std::fabs(median) >= 1000)
        number = QByteArray::number(median, 'f', 0);
    else if (std::fabs(median) >= 10)
        number = QByteArray::number(median, 'f', 1);
    else
        number = QByteArray::number(median, 'f', 2);
    std::printf("SUMMARY|%d|%s|%s|%s|%s|%s\n", row, qPrintable(measurement), number.constData(),
                unit, qPrintable(target.isEmpty() ? QStringLiteral("-") : target), met);
    std::fflush(stdout);
}

/// SUMMARY lines kept by deferSummary() until printDeferredSummaries(), for
/// figures known in the middle of a table.
inline std::vector<std::function<void()>> &deferredSummaries()
{
    static std::vector<std::function<void()>> lines;
    return lines;
}

/// printSummary() later, at printDeferredSummaries(), so as not to cut a table.
inline void deferSummary(int row, const QString &measurement, double median, const char *unit,
                         const QString &target, Goal goal = Goal::None, double limit = 0)
{
    deferredSummaries().push_back(
        [=] { printSummary(row, measurement, median, unit, target, goal, limit); });
}

inline void printDeferredSummaries()
{
    for (const auto &line : deferredSummaries())
        line();
    deferredSummaries().clear();
}

/// Puts the main thread, where a benchmark runs its Pollers, on the event
/// dispatcher of the dashboard's network thread (EpollEventDispatcher on
/// Linux), and says so. LONGWATCH_EVENT_DISPATCHER=qt keeps Qt's, for a
/// comparison. Call before the QCoreApplication is made.
inline void useNetworkEventDispatcher()
{
    QAbstractEventDispatcher *dispatcher = Longwatch::createNetworkEventDispatcher();
    if (dispatcher)
        QCoreApplication::setEventDispatcher(dispatcher);
    std::printf("event dispatcher of the polling thread: %s\n",
                dispatcher ? "epoll (as the dashboard's network thread)"
                           : "Qt's (LONGWATCH_EVENT_DISPATCHER=qt, or not Linux)");
}

/// Raises this process's descriptor limit to its hard limit: every socket
/// is a descriptor, in this process and in the servers it starts.
inline void raiseDescriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

/// Keeps Longwatch's debug and info messages out of a benchmark's output
/// (and its time); warnings still show.
inline void quietLogs()
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*.debug=false\n"
                                                    "longwatch.*.info=false"));
}

/// Runs the event loop for up to `timeoutMs` until `done()` holds; returns
/// done(). A real event loop rather than processEvents() and a sleep, so that
/// what arrives meanwhile is handled at once (a sleep would add to latencies).
template<typename Done> bool waitUntil(Done done, int timeoutMs, int checkMs = 5)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    check.setInterval(checkMs);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start();
    loop.exec();
    return done();
}

/// Runs the event loop for `ms` with no timer of its own in between.
inline void idleFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

inline bool acceptsConnections(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(200);
}

/// A server in a child process that dies with us (PR_SET_PDEATHSIG).
class ChildServer
{
public:
    ~ChildServer() { stop(); }

    /// Starts `program`; `portOf` reads the port it listens on once ready
    /// (0 while not yet). Returns false, with a message on stderr, on failure.
    template<typename PortOf>
    bool start(const QString &program, const QStringList &arguments, PortOf portOf)
    {
        m_process = std::make_unique<QProcess>();
        m_process->setProgram(program);
        m_process->setArguments(arguments);
        m_process->setProcessChannelMode(QProcess::ForwardedChannels);
        // Warnings still show; "listening on ..." lines would cut the tables.
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        if (!environment.contains(QStringLiteral("QT_LOGGING_RULES")))
            environment.insert(QStringLiteral("QT_LOGGING_RULES"),
                               QStringLiteral("longwatch.*.info=false"));
        m_process->setProcessEnvironment(environment);
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process->start();
        if (!m_process->waitForStarted(5000)) {
            std::fprintf(stderr, "could not start %s: %s\n", qPrintable(program),
                         qPrintable(m_process->errorString()));
            return false;
        }
        const bool up = waitUntil(
            [&] {
                if (m_process->state() != QProcess::Running)
                    return true;
                m_port = portOf();
                return m_port != 0 && acceptsConnections(m_port);
            },
            10'000);
        if (!up || m_process->state() != QProcess::Running || m_port == 0) {
            std::fprintf(stderr, "%s did not come up\n", qPrintable(program));
            return false;
        }
        return true;
    }

    void stop()
    {
        if (!m_process || m_process->state() == QProcess::NotRunning)
            return;
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }

    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }

private:
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

/// The port in a --port-file, 0 until it is written.
inline quint16 readPortFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return quint16(file.readAll().trimmed().toUInt());
}

#ifdef LONGWATCH_FEED_BINARY
/// Starts `longwatch-feed` on 127.0.0.1, port 0 (benchmarks that are given
/// the program's path).
inline bool startFeedServer(ChildServer &server, const QTemporaryDir &dir,
                            const QStringList &extra = {})
{
    const QString portFile = dir.filePath(QStringLiteral("feed.port"));
    QFile::remove(portFile);
    return server.start(QStringLiteral(LONGWATCH_FEED_BINARY),
                        QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1"),
                                    QStringLiteral("--port"), QStringLiteral("0"),
                                    QStringLiteral("--port-file"), portFile,
                                    QStringLiteral("--hold"), QStringLiteral("30")} +
                            extra,
                        [portFile] { return readPortFile(portFile); });
}
#endif

const QString kNginx = QStringLiteral("/usr/sbin/nginx");
const QString kNchanModule = QStringLiteral("/usr/lib/nginx/modules/ngx_nchan_module.so");

inline bool haveNchan()
{
    return QFile::exists(kNginx) && QFile::exists(kNchanModule);
}

inline bool haveNginx()
{
    return QFile::exists(kNginx);
}

/// A free TCP port on 127.0.0.1 for a server that cannot listen on port 0
/// and tell us (nginx), 0 if none.
inline quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

/// Starts nginx from the temporary prefix `dir` with `http` as the body of
/// its http block (`preamble` before it, e.g. a load_module line), one
/// worker with `workerConnections`. `ready` gives the port to report once
/// nginx answers, 0 until then.
inline bool startNginx(ChildServer &server, const QTemporaryDir &dir, const QString &preamble,
                       const QString &http, int workerConnections,
                       const std::function<quint16()> &ready)
{
    const QString prefix = dir.path();
    const QString conf = QStringLiteral(R"(%1
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid %2/nginx.pid;
error_log %2/error.log warn;
%3
events { worker_connections %4; }
http {
    access_log off;
    client_body_temp_path %2/client_body;
    proxy_temp_path %2/proxy;
    fastcgi_temp_path %2/fastcgi;
    uwsgi_temp_path %2/uwsgi;
    scgi_temp_path %2/scgi;
    keepalive_requests 1000000;
%5}
)")
                             .arg(preamble, prefix)
                             // As root, nginx would switch to "nobody" and could
                             // not write into our prefix.
                             .arg(geteuid() == 0 ? QStringLiteral("user root;") : QString())
                             .arg(workerConnections)
                             .arg(http);
    QFile file(prefix + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly) || file.write(conf.toUtf8()) < 0)
        return false;
    file.close();
    return server.start(kNginx,
                        {QStringLiteral("-p"), prefix, QStringLiteral("-c"),
                         prefix + QStringLiteral("/nginx.conf"), QStringLiteral("-e"),
                         prefix + QStringLiteral("/error.log")},
                        ready);
}

/// Starts nginx with Nchan from a temporary prefix: long-poll subscribers at
/// /sub/<channel>, publishers at /pub/<channel>; `directives` for the http
/// block (the messages Nchan keeps) and `moreLocations` for the server.
inline bool
startNchan(ChildServer &server, const QTemporaryDir &dir, int workerConnections = 4096,
           const QString &directives = QStringLiteral("nchan_message_buffer_length 2000;"),
           const QString &moreLocations = {})
{
    const quint16 port = freePort();
    if (port == 0)
        return false;
    const QString http = QStringLiteral(R"(    %2
    server {
        listen 127.0.0.1:%1;
        location ~ ^/sub/(\w+)$ {
            nchan_subscriber longpoll;
            nchan_channel_id $1;
            nchan_subscriber_timeout 30s;
        }
        location ~ ^/pub/(\w+)$ {
            nchan_publisher;
            nchan_channel_id $1;
        }
%3    }
)")
                             .arg(port)
                             .arg(directives, moreLocations);
    return startNginx(server, dir, QStringLiteral("load_module %1;").arg(kNchanModule), http,
                      workerConnections, [port] { return port; });
}

/// Starts nginx (no Nchan) from a temporary prefix as a reverse proxy to
/// the HTTP/1.1 server on `backendPort`: HTTP/2 cleartext by prior knowledge
/// (`listen ... http2`, h2c) on server.port(), and plain HTTP/1.1 on
/// `*http1Port`, so that both protocols pay for the same proxy. Upstream
/// connections are kept alive and long polls may be held for up to 300 s.
inline bool startH2cProxy(ChildServer &server, const QTemporaryDir &dir, quint16 backendPort,
                          quint16 *http1Port, int workerConnections = 8192)
{
    const quint16 h2cPort = freePort();
    *http1Port = freePort();
    if (h2cPort == 0 || *http1Port == 0 || h2cPort == *http1Port)
        return false;
    // keepalive_requests (in startNginx) also caps the requests of one
    // HTTP/2 connection (nginx >= 1.19.7; default 1000, after which nginx
    // sends GOAWAY). http2_max_concurrent_streams: NetworkPool puts up to
    // 100 HTTP/2 channels on one manager, i.e. one connection.
    const QString http = QStringLiteral(R"(    keepalive_timeout 300s;
    http2_max_concurrent_streams 128;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_read_timeout 300s;
    upstream feed {
        server 127.0.0.1:%1;
        keepalive 2048;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:%2 http2;
        location / { proxy_pass http://feed; }
    }
    server {
        listen 127.0.0.1:%3;
        location / { proxy_pass http://feed; }
    }
)")
                             .arg(backendPort)
                             .arg(h2cPort)
                             .arg(*http1Port);
    const quint16 otherPort = *http1Port;
    return startNginx(server, dir, {}, http, workerConnections, [h2cPort, otherPort] {
        return acceptsConnections(otherPort) ? h2cPort : quint16(0);
    });
}

/// Established TCP connections (IPv4) whose remote end is 127.0.0.1:`port`,
/// i.e. the client ends of the connections to a server on this machine,
/// from /proc/net/tcp; -1 if unreadable. Counts every process's, so use it
/// for a server only this process talks to.
inline int connectionsTo(quint16 port)
{
    QFile table(QStringLiteral("/proc/net/tcp"));
    if (!table.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray remote =
        "0100007F:" + QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
    int count = 0;
    // "sl local_address rem_address st ...": st 01 is ESTABLISHED.
    for (const QByteArray &line : table.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() > 3 && fields[2] == remote && fields[3] == "01")
            ++count;
    }
    return count;
}

/// Publishes `count` events at `rate` per second from a thread of its own,
/// so that publishing never waits for the receiver's event loop.
class HttpPublisher
{
public:
    using Request = std::function<QNetworkRequest(int index)>;
    using Body = std::function<QByteArray(qint64 usecs, int index)>;

    /// `rate` 0: all at once.
    HttpPublisher(Request request, Body body, int count, int rate)
    {
        m_thread.reset(QThread::create([this, request, body, count, rate] {
            QNetworkAccessManager network;
            QTimer timer;
            timer.setTimerType(Qt::PreciseTimer);
            timer.setInterval(std::chrono::milliseconds(rate > 0 ? std::max(1, 1000 / rate) : 0));
            QEventLoop loop;
            int sent = 0;
            int done = 0;
            const auto post = [&] {
                QNetworkReply *reply = network.post(request(sent), body(monotonicUsecs(), sent));
                ++sent;
                QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply] {
                    if (reply->error() != QNetworkReply::NoError)
                        ++m_errors;
                    reply->deleteLater();
                    if (++done == count) {
                        m_finishedAt = monotonicUsecs();
                        loop.quit();
                    }
                });
            };
            QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
                // rate 0: everything at once (the manager queues what it
                // cannot send yet).
                while (sent < count) {
                    post();
                    if (rate > 0)
                        return;
                }
                timer.stop();
            });
            timer.start();
            loop.exec();
        }));
        m_thread->start();
    }
    ~HttpPublisher() { m_thread->wait(); }

    bool isDone() const { return m_thread->isFinished(); }
    int errors() const { return m_errors; }
    /// monotonicUsecs() when the last answer came, 0 before.
    qint64 finishedAtUsecs() const { return m_finishedAt; }

private:
    std::unique_ptr<QThread> m_thread;
    std::atomic<int> m_errors{0};
    std::atomic<qint64> m_finishedAt{0};
};

/// A minimal blocking HTTP/1.1 client over one keep-alive POSIX socket to
/// 127.0.0.1, for a thread of its own: no event loop, no HTTP thread, no
/// thread hops. A request is written with one send(); an answer is read by
/// Content-Length (or chunked), as much as the kernel has per read(). What
/// the machine itself costs per request (kernel, loopback, scheduling),
/// without Qt's HTTP stack.
class BlockingHttp
{
public:
    struct Response
    {
        int status = 0;
        QByteArray head; ///< status line and headers, without the blank line
        QByteArray body;

        /// The value of header `name` (case-insensitive), empty if none.
        QByteArray header(const QByteArray &name) const
        {
            const QByteArray wanted = name.toLower() + ':';
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith(wanted))
                    return line.mid(wanted.size()).trimmed();
            }
            return {};
        }
    };

    BlockingHttp() = default;
    ~BlockingHttp() { close(); }
    BlockingHttp(const BlockingHttp &) = delete;
    BlockingHttp &operator=(const BlockingHttp &) = delete;

    bool connectTo(quint16 port)
    {
        close();
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0)
            return fail("socket()");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            return fail("connect()");
        // As Qt's HTTP channel does: a request goes out in one segment at once.
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return true;
    }

    bool isOpen() const { return m_fd >= 0; }

    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        m_buffer.clear();
    }

    /// Writes all of `bytes`; false (and closed) on error.
    bool write(const QByteArray &bytes)
    {
        qsizetype done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.constData() + done,
                                     std::size_t(bytes.size() - done), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return fail("send()");
            done += n;
        }
        return true;
    }

    /// Reads one answer. False (and closed) on an error, a malformed answer,
    /// when `deadlineUsecs` (monotonicUsecs()) passes, or when `*stop` turns
    /// true (checked every 100 ms).
    bool read(Response *response, qint64 deadlineUsecs, const std::atomic<bool> *stop = nullptr)
    {
        qsizetype headerEnd = -1;
        while ((headerEnd = m_buffer.indexOf("\r\n\r\n")) < 0) {
            if (!fill(deadlineUsecs, stop))
                return false;
        }
        response->head = m_buffer.left(headerEnd);
        response->body.clear();
        const QList<QByteArray> statusLine =
            response->head.left(response->head.indexOf('\r')).split(' ');
        response->status = statusLine.size() >= 2 && statusLine[0].startsWith("HTTP/1.")
                               ? statusLine[1].toInt()
                               : 0;
        if (response->status < 200)
            return fail("status line " + statusLine.join(' '));
        qsizetype at = headerEnd + 4;
        if (response->header("transfer-encoding").toLower().contains("chunked")) {
            for (;;) {
                qsizetype lineEnd = -1;
                while ((lineEnd = m_buffer.indexOf("\r\n", at)) < 0) {
                    if (!fill(deadlineUsecs, stop))
                        return false;
                }
                bool ok = false;
                const qsizetype size = m_buffer.mid(at, lineEnd - at)
                                           .split(';')
                                           .value(0)
                                           .trimmed()
                                           .toLongLong(&ok, 16);
                if (!ok)
                    return fail("bad chunk size");
                // The chunk, its CRLF; after the last (empty) one, the final CRLF (no trailers).
                while (m_buffer.size() < lineEnd + 2 + size + 2) {
                    if (!fill(deadlineUsecs, stop))
                        return false;
                }
                response->body += m_buffer.mid(lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
                if (size == 0)
                    break;
            }
        } else {
            bool ok = false;
            const qsizetype length = response->header("content-length").toLongLong(&ok);
            if (!ok) {
                if (response->status != 204 && response->status != 304)
                    return fail("an answer without Content-Length");
            } else {
                while (m_buffer.size() < at + length) {
                    if (!fill(deadlineUsecs, stop))
                        return false;
                }
                response->body = m_buffer.mid(at, length);
                at += length;
            }
        }
        m_buffer.remove(0, at);
        return true;
    }

    /// Why the last call failed.
    QByteArray errorString() const { return m_error; }

private:
    bool fail(const QByteArray &what)
    {
        m_error = what;
        if (errno != 0 && (what.endsWith("()")))
            m_error += QByteArray(": ") + std::strerror(errno);
        close();
        return false;
    }

    /// One read() more into the buffer.
    bool fill(qint64 deadlineUsecs, const std::atomic<bool> *stop)
    {
        for (;;) {
            if (stop && stop->load())
                return fail("stopped");
            const qint64 left = deadlineUsecs - monotonicUsecs();
            if (left <= 0)
                return fail("timed out");
            pollfd entry{m_fd, POLLIN, 0};
            const int ready = ::poll(&entry, 1, int(std::min<qint64>(100, left / 1000 + 1)));
            if (ready < 0 && errno != EINTR)
                return fail("poll()");
            if (ready <= 0)
                continue;
            char chunk[65536];
            const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return fail("read()");
            if (n == 0) {
                errno = 0;
                return fail("the server closed the connection");
            }
            m_buffer.append(chunk, n);
            return true;
        }
    }

    int m_fd = -1;
    QByteArray m_buffer;
    QByteArray m_error;
};

/// Publishes `count` events at `rate` per second with blocking, keep-alive
/// HTTP/1.1 POSTs over one plain socket (BlockingHttp) from a thread of its
/// own: each event's stamp (monotonicUsecs(), passed to `body`) is taken right
/// before its request is written, and the next POST goes out only after the
/// answer to this one, so what a receiver measures is the server's delivery,
/// not a client library's send path. Every answer's status must be one of
/// `okStatuses`; anything else, or an I/O error (the socket is then opened
/// again), counts as a failure.
class SocketPublisher
{
public:
    using Target = std::function<QByteArray(int index)>; ///< the request path
    using Body = std::function<QByteArray(qint64 usecs, int index)>;

    /// `rate` 0: one after the other, as fast as the answers come.
    SocketPublisher(quint16 port, Target target, const QByteArray &contentType, Body body,
                    int count, int rate, std::vector<int> okStatuses)
    {
        m_thread = std::thread([this, port, target, contentType, body, count, rate,
                                okStatuses = std::move(okStatuses)] {
            const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
            BlockingHttp http;
            const qint64 interval = rate > 0 ? 1'000'000 / rate : 0;
            const qint64 start = monotonicUsecs();
            for (int i = 0; i < count; ++i) {
                // Paced on an absolute schedule, as a QTimer would: the POST
                // of event i goes out at start + i * interval, or at once if
                // the last answer came later than that.
                const qint64 due = start + i * interval;
                if (monotonicUsecs() < due) {
                    const timespec at{time_t(due / 1'000'000), long(due % 1'000'000) * 1000};
                    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
                    }
                }
                if (!http.isOpen() && !http.connectTo(port)) {
                    noteFailure(http.errorString());
                    continue;
                }
                const QByteArray head = "POST " + target(i) + " HTTP/1.1\r\n" + host +
                                        "Content-Type: " + contentType + "\r\nContent-Length: ";
                const qint64 stamped = monotonicUsecs();
                const QByteArray payload = body(stamped, i);
                if (!http.write(head + QByteArray::number(payload.size()) + "\r\n\r\n" + payload)) {
                    noteFailure(http.errorString());
                    continue;
                }
                BlockingHttp::Response response;
                if (!http.read(&response, monotonicUsecs() + 10'000'000)) {
                    noteFailure(http.errorString());
                    continue;
                }
                m_roundTrips.push_back(double(monotonicUsecs() - stamped));
                if (std::find(okStatuses.begin(), okStatuses.end(), response.status) ==
                    okStatuses.end())
                    noteFailure("status " + QByteArray::number(response.status) + ": " +
                                response.body.left(200).trimmed());
                else
                    ++m_statuses[response.status];
            }
            m_finishedAt = monotonicUsecs();
            m_done.store(true, std::memory_order_release);
        });
    }
    ~SocketPublisher() { m_thread.join(); }
    SocketPublisher(const SocketPublisher &) = delete;
    SocketPublisher &operator=(const SocketPublisher &) = delete;

    bool isDone() const { return m_done.load(std::memory_order_acquire); }
    /// Failed POSTs so far.
    int errors() const { return m_errors; }
    /// monotonicUsecs() when the last answer came, 0 before.
    qint64 finishedAtUsecs() const { return m_finishedAt; }
    /// Once isDone(): the first failure's reason, empty if none.
    QByteArray firstError() const { return isDone() ? m_firstError : QByteArray(); }
    /// Once isDone(): each answered POST's time from its stamp to its answer, µs.
    std::vector<double> roundTrips() const
    {
        return isDone() ? m_roundTrips : std::vector<double>{};
    }
    /// Once isDone(): how many good answers had each status.
    std::map<int, int> statuses() const { return isDone() ? m_statuses : std::map<int, int>{}; }

private:
    void noteFailure(const QByteArray &why)
    {
        if (m_errors++ == 0)
            m_firstError = why;
    }

    std::thread m_thread;
    std::atomic<bool> m_done{false};
    std::atomic<int> m_errors{0};
    std::atomic<qint64> m_finishedAt{0};
    QByteArray m_firstError;
    std::vector<double> m_roundTrips;
    std::map<int, int> m_statuses;
};

} // namespace Bench
