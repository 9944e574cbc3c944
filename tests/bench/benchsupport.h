#pragma once

// Helpers shared by the network benchmarks (bench_latency, bench_poller_cpu,
// bench_channels): statistics over runs, the servers they start in child
// processes, and a table printer. Header-only so each bench stays one target.

#include <QByteArray>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
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
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
    std::printf("| %-52s | %10s | %10s | %10s | %-8s |\n", "measurement", "median", "min", "max",
                unit);
    std::printf("|%s|%s|%s|%s|%s|\n", QByteArray(54, '-').constData(),
                QByteArray(12, '-').constData(), QByteArray(12, '-').constData(),
                QByteArray(12, '-').constData(), QByteArray(10, '-').constData());
}

inline void printRow(const QString &name, const Summary &s, const char *unit)
{
    std::printf("| %-52s | %10.1f | %10.1f | %10.1f | %-8s |\n", qPrintable(name), s.median, s.min,
                s.max, unit);
    std::fflush(stdout);
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

/// Starts nginx with Nchan from a temporary prefix: long-poll subscribers at
/// /sub/<channel>, publishers at /pub/<channel>.
inline bool startNchan(ChildServer &server, const QTemporaryDir &dir, int workerConnections = 4096)
{
    quint16 port = 0;
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return false;
        port = probe.serverPort();
    }
    const QString prefix = dir.path();
    const QString conf = QStringLiteral(R"(load_module %1;
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid %2/nginx.pid;
error_log %2/error.log warn;
%4
events { worker_connections %5; }
http {
    access_log off;
    client_body_temp_path %2/client_body;
    proxy_temp_path %2/proxy;
    fastcgi_temp_path %2/fastcgi;
    uwsgi_temp_path %2/uwsgi;
    scgi_temp_path %2/scgi;
    keepalive_requests 1000000;
    nchan_message_buffer_length 2000;
    server {
        listen 127.0.0.1:%3;
        location ~ ^/sub/(\w+)$ {
            nchan_subscriber longpoll;
            nchan_channel_id $1;
            nchan_subscriber_timeout 30s;
        }
        location ~ ^/pub/(\w+)$ {
            nchan_publisher;
            nchan_channel_id $1;
        }
    }
}
)")
                             .arg(kNchanModule, prefix)
                             .arg(port)
                             .arg(geteuid() == 0 ? QStringLiteral("user root;") : QString())
                             .arg(workerConnections);
    QFile file(prefix + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly) || file.write(conf.toUtf8()) < 0)
        return false;
    file.close();
    return server.start(kNginx,
                        {QStringLiteral("-p"), prefix, QStringLiteral("-c"),
                         prefix + QStringLiteral("/nginx.conf"), QStringLiteral("-e"),
                         prefix + QStringLiteral("/error.log")},
                        [port] { return port; });
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
    const QString prefix = dir.path();
    // keepalive_requests also caps the requests of one HTTP/2 connection
    // (nginx >= 1.19.7; default 1000, after which nginx sends GOAWAY).
    // http2_max_concurrent_streams: NetworkPool puts up to 100 HTTP/2
    // channels on one manager, i.e. one connection.
    const QString conf = QStringLiteral(R"(daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid %1/nginx.pid;
error_log %1/error.log warn;
%2
events { worker_connections %3; }
http {
    access_log off;
    client_body_temp_path %1/client_body;
    proxy_temp_path %1/proxy;
    fastcgi_temp_path %1/fastcgi;
    uwsgi_temp_path %1/uwsgi;
    scgi_temp_path %1/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    http2_max_concurrent_streams 128;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_read_timeout 300s;
    upstream feed {
        server 127.0.0.1:%4;
        keepalive 2048;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:%5 http2;
        location / { proxy_pass http://feed; }
    }
    server {
        listen 127.0.0.1:%6;
        location / { proxy_pass http://feed; }
    }
}
)")
                             .arg(prefix)
                             // As root, nginx would switch to "nobody" and could
                             // not write into our prefix.
                             .arg(geteuid() == 0 ? QStringLiteral("user root;") : QString())
                             .arg(workerConnections)
                             .arg(backendPort)
                             .arg(h2cPort)
                             .arg(*http1Port);
    QFile file(prefix + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly) || file.write(conf.toUtf8()) < 0)
        return false;
    file.close();
    const quint16 otherPort = *http1Port;
    return server.start(
        kNginx,
        {QStringLiteral("-p"), prefix, QStringLiteral("-c"), prefix + QStringLiteral("/nginx.conf"),
         QStringLiteral("-e"), prefix + QStringLiteral("/error.log")},
        [h2cPort, otherPort] { return acceptsConnections(otherPort) ? h2cPort : quint16(0); });
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

} // namespace Bench
