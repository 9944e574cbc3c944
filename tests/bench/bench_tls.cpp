// bench_tls: the whole longwatch-tail program over http and https through
// the same nginx, a TLS front (and plain front) to longwatch-feed, in one
// run. The bench makes a throwaway private CA and a server certificate for
// 127.0.0.1 with openssl; longwatch-tail trusts it with --ca-file.
//   - rate: one channel, `--events` events published straight to
//     longwatch-feed at `--rate` per second (one event per answer): CPU per
//     event of the whole tail process (user + system, /proc/<pid>/stat), for
//     the own client on http, the own client on https and Qt's client on
//     https (LONGWATCH_HTTP_CLIENT=qt);
//   - idle: `--channels` channels holding polls (the feed holds 55 s) for
//     `--idle-seconds`: RSS per channel above the base (the same tail with
//     one channel), threads, and % of one core.
// Rows are labelled by LONGWATCH_HTTP_CLIENT as the tail was started with:
// "own" is Longwatch's own client (Http1Reply, over OpenSSL directly for https),
// "qt" is Qt's (LONGWATCH_HTTP_CLIENT=qt). Only the tail's CPU counts
// (not nginx's, not the feed's, not this program's). Not a test: run by
// .ci/bench, never by ctest. Ends with SUMMARY lines (row 18, issue #18).
//
// --trust pin trusts the server certificate by its SHA-256 fingerprint
// (--pin) instead of --ca-file, for a comparison: a CA file is added to the
// system's CAs in every channel's TLS configuration.
//
//   bench_tls [--events N] [--rate R] [--runs K] [--channels N] [--idle-seconds S]
//             [--trust ca|pin]

#include "benchsupport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>

#include <cstdio>
#include <memory>

#include <unistd.h>

namespace {

constexpr int kSummaryRow = 18;

/// CPU time of process `pid` (user + system, all its threads) in µs, from
/// /proc/<pid>/stat (clock ticks); -1 if it is gone.
double processCpuUsecs(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    // The fields after the command name (which may hold spaces), from field 3.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = fields.at(11).toDouble() + fields.at(12).toDouble(); // utime, stime
    return ticks * 1e6 / double(sysconf(_SC_CLK_TCK));
}

bool run(const QString &program, const QStringList &arguments, const QString &directory)
{
    QProcess process;
    process.setWorkingDirectory(directory);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(30'000) || process.exitCode() != 0) {
        std::fprintf(stderr, "%s %s failed: %s\n", qPrintable(program),
                     qPrintable(arguments.join(QLatin1Char(' '))), process.readAll().constData());
        return false;
    }
    return true;
}

/// A private CA (ca.pem) and a server certificate it signed for 127.0.0.1
/// (server.pem, server.key), EC P-256, in `dir`.
bool makeCertificates(const QString &dir)
{
    const QString openssl = QStringLiteral("openssl");
    QFile ext(dir + QStringLiteral("/server.ext"));
    if (!ext.open(QIODevice::WriteOnly))
        return false;
    ext.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
              "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ext.close();
    return run(openssl,
               {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
                "/CN=Longwatch bench CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign"},
               dir) &&
           run(openssl,
               {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"},
               dir) &&
           run(openssl,
               {"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"},
               dir);
}

/// nginx in front of longwatch-feed on `feedPort`: plain HTTP/1.1 on
/// `*httpPort` and TLS on `*httpsPort`, upstream connections kept alive,
/// polls held up to 300 s. TLS sessions are cached, as on a real front.
bool startTlsFront(Bench::ChildServer &nginx, const QTemporaryDir &dir, quint16 feedPort,
                   quint16 *httpPort, quint16 *httpsPort)
{
    *httpPort = Bench::freePort();
    *httpsPort = Bench::freePort();
    if (*httpPort == 0 || *httpsPort == 0 || *httpPort == *httpsPort)
        return false;
    const QString http = QStringLiteral(R"(    keepalive_timeout 300s;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_read_timeout 300s;
    proxy_buffering off;
    upstream feed {
        server 127.0.0.1:%1;
        keepalive 4096;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:%2;
        location / { proxy_pass http://feed; }
    }
    server {
        listen 127.0.0.1:%3 ssl;
        ssl_certificate %4/server.pem;
        ssl_certificate_key %4/server.key;
        ssl_session_cache shared:tls:10m;
        location / { proxy_pass http://feed; }
    }
)")
                             .arg(feedPort)
                             .arg(*httpPort)
                             .arg(*httpsPort)
                             .arg(dir.path());
    const quint16 plain = *httpPort;
    const quint16 tls = *httpsPort;
    return Bench::startNginx(nginx, dir, {}, http, 8192, [plain, tls] {
        return Bench::acceptsConnections(tls) ? plain : quint16(0);
    });
}

/// One way the tail reaches the feed: its scheme, port and client.
struct Route
{
    QString label;
    bool https = false;
    bool qtClient = false;
};

QString clientLabel(bool qtClient)
{
    return qtClient ? QStringLiteral("LONGWATCH_HTTP_CLIENT=qt")
                    : QStringLiteral("LONGWATCH_HTTP_CLIENT unset (own)");
}

/// longwatch-tail as a child process that dies with us; counts the lines it
/// prints and keeps what it says.
class Tail
{
public:
    Tail(const QStringList &arguments, bool qtClient)
    {
        m_process.setProgram(QStringLiteral(LONGWATCH_TAIL_BINARY));
        m_process.setArguments(arguments);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("LONGWATCH_HTTP_CLIENT"));
        if (qtClient)
            environment.insert(QStringLiteral("LONGWATCH_HTTP_CLIENT"), QStringLiteral("qt"));
        for (const char *name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"})
            environment.remove(QString::fromLatin1(name));
        m_process.setProcessEnvironment(environment);
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput,
                         [this] { m_lines += m_process.readAllStandardOutput().count('\n'); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, [this] {
            const QByteArray text = m_process.readAllStandardError();
            m_listening += text.count("] listening");
            if (m_err.size() < 4096)
                m_err += text.left(4096);
        });
        m_process.start();
        m_process.waitForStarted(5000);
    }
    ~Tail()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    bool running() const { return m_process.state() == QProcess::Running; }
    qint64 pid() const { return m_process.processId(); }
    qint64 lines() const { return m_lines; }
    int listening() const { return m_listening; }
    QByteArray err() const { return m_err; }

private:
    QProcess m_process;
    qint64 m_lines = 0;
    int m_listening = 0;
    QByteArray m_err;
};

QString channelUrl(const Route &route, quint16 httpPort, quint16 httpsPort, const QString &feed)
{
    return QStringLiteral("%1://127.0.0.1:%2/feeds/%3/poll")
        .arg(route.https ? QStringLiteral("https") : QStringLiteral("http"))
        .arg(route.https ? httpsPort : httpPort)
        .arg(feed);
}

QByteArray eventBody(qint64, int index)
{
    return "{\"type\":\"bench\",\"message\":\"event " + QByteArray::number(index) + "\"}";
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("longwatch-tail over http and https through one nginx TLS front."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"),
                                          QStringLiteral("events per rate run (default 2000)"),
                                          QStringLiteral("N"), QStringLiteral("2000"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("events per second (default 200)"),
                                        QStringLiteral("R"), QStringLiteral("200"));
    const QCommandLineOption runsOption(QStringLiteral("runs"),
                                        QStringLiteral("rate runs per route (default 3)"),
                                        QStringLiteral("K"), QStringLiteral("3"));
    const QCommandLineOption channelsOption(QStringLiteral("channels"),
                                            QStringLiteral("idle channels (default 1000)"),
                                            QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption idleOption(
        QStringLiteral("idle-seconds"),
        QStringLiteral("idle window, the feed holding 55 s (default 55)"), QStringLiteral("S"),
        QStringLiteral("55"));
    const QCommandLineOption trustOption(
        QStringLiteral("trust"),
        QStringLiteral("how the tail trusts the server: ca (--ca-file, default) or pin (--pin)"),
        QStringLiteral("HOW"), QStringLiteral("ca"));
    parser.addOptions(
        {eventsOption, rateOption, runsOption, channelsOption, idleOption, trustOption});
    parser.process(app);
    const int events = std::max(1, parser.value(eventsOption).toInt());
    const int rate = std::max(1, parser.value(rateOption).toInt());
    const int runs = std::max(1, parser.value(runsOption).toInt());
    const int channels = std::max(2, parser.value(channelsOption).toInt());
    const int idleSeconds = std::max(1, parser.value(idleOption).toInt());

    if (!Bench::haveNginx()) {
        std::printf("bench_tls: nginx is not installed (.ci/deps); skipped\n");
        return 0;
    }
    QTemporaryDir dir;
    if (!dir.isValid() || !makeCertificates(dir.path()))
        return 1;
    // How every https tail trusts the server: the private CA, or a pin.
    QStringList trust{QStringLiteral("--ca-file"), dir.filePath(QStringLiteral("ca.pem"))};
    if (parser.value(trustOption) == QLatin1String("pin")) {
        const QList<QSslCertificate> server =
            QSslCertificate::fromPath(dir.filePath(QStringLiteral("server.pem")));
        if (server.isEmpty())
            return 1;
        trust = QStringList{
            QStringLiteral("--pin"),
            QString::fromLatin1(server.first().digest(QCryptographicHash::Sha256).toHex())};
    }
    Bench::ChildServer feed;
    if (!Bench::startFeedServer(feed, dir, {QStringLiteral("--hold"), QStringLiteral("55")}))
        return 1;
    Bench::ChildServer nginx;
    quint16 httpPort = 0;
    quint16 httpsPort = 0;
    if (!startTlsFront(nginx, dir, feed.port(), &httpPort, &httpsPort)) {
        std::fprintf(stderr, "nginx did not start; its log:\n%s\n",
                     [&] {
                         QFile log(dir.filePath(QStringLiteral("error.log")));
                         return log.open(QIODevice::ReadOnly) ? log.readAll() : QByteArray();
                     }()
                         .constData());
        return 1;
    }

    std::printf("== bench_tls: longwatch-tail (whole process) through nginx, 1 worker (http :%u, "
                "https :%u), to longwatch-feed; https trusted with %s\n",
                httpPort, httpsPort, qPrintable(trust.constFirst()));
    std::printf("rows by LONGWATCH_HTTP_CLIENT: 'own' is Longwatch's own client (OpenSSL "
                "directly for https), 'qt' is Qt's\n");
    std::printf("rate: %d events at %d/s, one event per answer, %d run(s) per route; idle: %d "
                "channels, %d s window, feed hold 55 s\n\n",
                events, rate, runs, channels, idleSeconds);

    const Route routes[] = {
        {QStringLiteral("http, ") + clientLabel(false), false, false},
        {QStringLiteral("https, ") + clientLabel(false), true, false},
        {QStringLiteral("https, ") + clientLabel(true), true, true},
    };

    // Rate: CPU per event.
    std::vector<double> cpuPerEvent[3];
    std::vector<double> ratePeakRss[3];
    int feedNumber = 0;
    for (int r = 0; r < 3; ++r) {
        const Route &route = routes[r];
        for (int k = 0; k < runs; ++k) {
            const QString feedName = QStringLiteral("rate%1").arg(++feedNumber);
            QStringList arguments{QStringLiteral("--channel"),
                                  QStringLiteral("b=") +
                                      channelUrl(route, httpPort, httpsPort, feedName),
                                  QStringLiteral("--quiet")};
            if (route.https)
                arguments << trust;
            Tail tail(arguments, route.qtClient);
            const QByteArray target = "/feeds/" + feedName.toLatin1() + "/publish";
            const auto path = [target](int) { return target; };
            // One event first: connected, handshaken and polling before the
            // clock starts.
            {
                Bench::SocketPublisher warmup(feed.port(), path, "application/json", eventBody, 1,
                                              0, {201});
                Bench::waitUntil([&] { return warmup.isDone(); }, 10'000);
            }
            if (!Bench::waitUntil([&] { return tail.lines() >= 1 || !tail.running(); }, 20'000) ||
                !tail.running()) {
                std::fprintf(stderr, "%s: the tail got nothing: %s\n", qPrintable(route.label),
                             tail.err().constData());
                return 1;
            }
            const double cpuBefore = processCpuUsecs(tail.pid());
            Bench::SocketPublisher publisher(feed.port(), path, "application/json", eventBody,
                                             events, rate, {201});
            const bool all =
                Bench::waitUntil([&] { return tail.lines() >= events + 1 || !tail.running(); },
                                 events * 1000 / rate + 30'000);
            const double cpuAfter = processCpuUsecs(tail.pid());
            ratePeakRss[r].push_back(double(Bench::procStatusKiB(tail.pid(), "VmHWM")) / 1024.0);
            Bench::waitUntil([&] { return publisher.isDone(); }, 30'000);
            if (!all || publisher.errors() > 0 || cpuBefore < 0 || cpuAfter < 0) {
                std::fprintf(stderr, "%s: %lld of %d events arrived, %d failed POSTs (%s): %s\n",
                             qPrintable(route.label), tail.lines() - 1, events, publisher.errors(),
                             publisher.firstError().constData(), tail.err().constData());
                return 1;
            }
            cpuPerEvent[r].push_back((cpuAfter - cpuBefore) / events);
        }
    }

    // Idle: many channels holding polls.
    struct Idle
    {
        double perChannelKiB = 0;
        double threads = 0;
        double corePercent = 0;
        double baseMiB = 0;
        double totalMiB = 0;
    };
    Idle idle[3];
    for (int r = 0; r < 3; ++r) {
        const Route &route = routes[r];
        const auto tailArguments = [&](int n) {
            QStringList arguments;
            for (int i = 0; i < n; ++i)
                arguments << QStringLiteral("--channel")
                          << QStringLiteral("c%1=").arg(i) +
                                 channelUrl(route, httpPort, httpsPort, QStringLiteral("idle"));
            if (route.https)
                arguments << trust;
            return arguments;
        };
        qint64 baseKiB = 0;
        {
            Tail one(tailArguments(1), route.qtClient);
            if (!Bench::waitUntil([&] { return one.listening() >= 1 || !one.running(); }, 20'000) ||
                !one.running()) {
                std::fprintf(stderr, "%s: one channel did not start: %s\n", qPrintable(route.label),
                             one.err().constData());
                return 1;
            }
            Bench::idleFor(1000);
            baseKiB = Bench::procStatusKiB(one.pid(), "VmRSS");
        }
        Tail many(tailArguments(channels), route.qtClient);
        if (!Bench::waitUntil([&] { return many.listening() >= channels || !many.running(); },
                              120'000) ||
            !many.running()) {
            std::fprintf(stderr, "%s: %d of %d channels listening: %s\n", qPrintable(route.label),
                         many.listening(), channels, many.err().constData());
            return 1;
        }
        Bench::idleFor(1000);
        const double cpuBefore = processCpuUsecs(many.pid());
        Bench::idleFor(idleSeconds * 1000);
        const double cpuAfter = processCpuUsecs(many.pid());
        const qint64 rssKiB = Bench::procStatusKiB(many.pid(), "VmRSS");
        idle[r].threads = double(Bench::procStatusKiB(many.pid(), "Threads"));
        idle[r].corePercent = (cpuAfter - cpuBefore) / (idleSeconds * 1e6) * 100.0;
        idle[r].perChannelKiB = double(rssKiB - baseKiB) / (channels - 1);
        idle[r].baseMiB = double(baseKiB) / 1024.0;
        idle[r].totalMiB = double(rssKiB) / 1024.0;
    }

    std::printf("rate phase (%d events at %d/s; medians over %d run(s)):\n", events, rate, runs);
    Bench::printHeader("unit");
    for (int r = 0; r < 3; ++r) {
        Bench::printRow(QStringLiteral("CPU per event: ") + routes[r].label,
                        Bench::summarize(cpuPerEvent[r]), "us");
        Bench::printRow(QStringLiteral("peak RSS: ") + routes[r].label,
                        Bench::summarize(ratePeakRss[r]), "MiB");
    }
    std::printf("\nidle phase (%d channels, %d s window, one run):\n", channels, idleSeconds);
    std::printf("| %-52s | %9s | %9s | %11s | %7s | %8s |\n", "route", "base MiB", "RSS MiB",
                "KiB/channel", "threads", "% core");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", QByteArray(54, '-').constData(),
                QByteArray(11, '-').constData(), QByteArray(11, '-').constData(),
                QByteArray(13, '-').constData(), QByteArray(9, '-').constData(),
                QByteArray(10, '-').constData());
    for (int r = 0; r < 3; ++r)
        std::printf("| %-52s | %9.1f | %9.1f | %11.1f | %7.0f | %8.2f |\n",
                    qPrintable(routes[r].label), idle[r].baseMiB, idle[r].totalMiB,
                    idle[r].perChannelKiB, idle[r].threads, idle[r].corePercent);
    std::printf("\n");

    const double http = Bench::summarize(cpuPerEvent[0]).median;
    for (int r = 0; r < 3; ++r)
        Bench::printSummary(kSummaryRow, QStringLiteral("tail CPU per event, ") + routes[r].label,
                            Bench::summarize(cpuPerEvent[r]).median, "us", QString());
    Bench::printSummary(kSummaryRow,
                        QStringLiteral("tail https/http CPU per event, ") + clientLabel(false),
                        Bench::summarize(cpuPerEvent[1]).median / http, "x",
                        QStringLiteral("<= 1.3"), Bench::Goal::AtMost, 1.3);
    Bench::printSummary(kSummaryRow,
                        QStringLiteral("tail https/http CPU per event, ") + clientLabel(true),
                        Bench::summarize(cpuPerEvent[2]).median / http, "x", QString());
    for (int r = 0; r < 3; ++r) {
        const bool target = routes[r].https && !routes[r].qtClient;
        const QString idleTag = QStringLiteral("idle %1 ch, ").arg(channels) + routes[r].label;
        Bench::printSummary(kSummaryRow, idleTag + QStringLiteral(": RSS per channel above base"),
                            idle[r].perChannelKiB, "KiB",
                            target ? QStringLiteral("< 64") : QString(),
                            target ? Bench::Goal::Below : Bench::Goal::None, 64);
        Bench::printSummary(kSummaryRow, idleTag + QStringLiteral(": threads"), idle[r].threads, "",
                            target ? QStringLiteral("<= 3") : QString(),
                            target ? Bench::Goal::AtMost : Bench::Goal::None, 3);
        Bench::printSummary(kSummaryRow, idleTag + QStringLiteral(": % of a core"),
                            idle[r].corePercent, "%", target ? QStringLiteral("< 0.5") : QString(),
                            target ? Bench::Goal::Below : Bench::Goal::None, 0.5);
    }
    return 0;
}
