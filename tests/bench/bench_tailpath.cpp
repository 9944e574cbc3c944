// bench_tailpath: the real path per event, whole process (#23). Three
// clients, each a process of its own, read the same feeds in one run:
//   - tail:    the real longwatch-tail binary (--quiet; its NDJSON lines
//              read from its standard output);
//   - python:  Python `requests` (Debian's python3-requests), one
//              requests.Session, printing each event as a JSON line;
//   - minimal: the machine's floor, this program started again as a client:
//              one blocking keep-alive socket (Bench::BlockingHttp), the GET
//              built by hand, the answer read by Content-Length, one line
//              per event written as it is, no JSON.
// through two servers: longwatch-feed (the seed-events profile) and
// nginx+Nchan (the nchan profile), when installed. For each server and
// client: one warm-up event (the client connected and answered once), then
// `--events` events published at `--rate` per second (one event per answer),
// and the client's CPU (user + system, all threads) over them from
// /proc/<pid>/stat, the kernel's rusage of that process: only the client's
// CPU counts, not the servers', not this program's. Every client prints
// one line per event, as longwatch-tail does. Not a test: run by
// .ci/bench, never by ctest. Ends with SUMMARY lines (row 23, issue #23).
//
//   bench_tailpath [--events N] [--rate R] [--runs K] [--no-python] [--no-nchan]
//                  [--tail-binary PATH]
//
// --tail-binary runs another build of longwatch-tail (e.g. a copy of the
// one before a change) as the tail, so that two builds can be measured in
// turns under the same load.

#include "benchsupport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QProcess>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include <unistd.h>

namespace {

constexpr int kSummaryRow = 23;
constexpr double kTargetUsecs = 60; // µs of CPU per event, longwatch-tail

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

const char kPythonClient[] = R"PY(
import json, sys
try:
    import requests
except ImportError:
    print("missing", file=sys.stderr, flush=True)
    sys.exit(3)
mode, url = sys.argv[1], sys.argv[2]
s = requests.Session()
out = sys.stdout
last_id, etag, modified = 0, None, None
while True:
    if mode == "feed":
        r = s.get(url, params={"last_id": last_id, "hold": 30}, timeout=60)
        for e in r.json().get("events", []):
            last_id = max(last_id, int(e["id"]))
            out.write(json.dumps(e) + "\n")
        out.flush()
    else:
        h = {}
        if modified:
            h["If-Modified-Since"] = modified
            h["If-None-Match"] = etag or "0"
        r = s.get(url, headers=h, timeout=60)
        if r.status_code == 200:
            modified, etag = r.headers.get("Last-Modified"), r.headers.get("Etag")
            out.write(json.dumps(r.json()) + "\n")
            out.flush()
)PY";

/// The minimal client (this program with --client): long-polls `path` on
/// 127.0.0.1:`port` for ever, one line per event on standard output.
int runMinimalClient(const QByteArray &mode, quint16 port, const QByteArray &path)
{
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    Bench::BlockingHttp http;
    qint64 cursor = 0;
    QByteArray lastModified, etag;
    for (;;) {
        if (!http.isOpen() && !http.connectTo(port)) {
            std::fprintf(stderr, "minimal client: %s\n", http.errorString().constData());
            return 1;
        }
        QByteArray request;
        if (mode == "feed") {
            request = "GET " + path + "?last_id=" + QByteArray::number(cursor) +
                      "&hold=30 HTTP/1.1\r\n" + host + "\r\n";
        } else {
            request = "GET " + path + " HTTP/1.1\r\n" + host;
            if (!lastModified.isEmpty())
                request += "If-Modified-Since: " + lastModified +
                           "\r\nIf-None-Match: " + (etag.isEmpty() ? "0" : etag) + "\r\n";
            request += "\r\n";
        }
        if (!http.write(request))
            continue;
        Bench::BlockingHttp::Response response;
        if (!http.read(&response, Bench::monotonicUsecs() + 60'000'000))
            continue;
        if (response.status != 200)
            continue; // Nchan ends a quiet long poll with 304 (or 408)
        if (mode == "feed") {
            // Each event of {"events":[{"id":N,...},...]} on a line of its own.
            const QByteArray &body = response.body;
            qsizetype at = body.indexOf("{\"id\":");
            while (at >= 0) {
                const qsizetype next = body.indexOf("{\"id\":", at + 1);
                const qsizetype end = next >= 0 ? next - 1 : body.lastIndexOf("]");
                cursor = std::max(cursor, std::atoll(body.constData() + at + 6));
                std::fwrite(body.constData() + at, 1, size_t(end - at), stdout);
                std::fputc('\n', stdout);
                at = next;
            }
        } else {
            lastModified = response.header("last-modified");
            etag = response.header("etag");
            std::fwrite(response.body.constData(), 1, size_t(response.body.size()), stdout);
            std::fputc('\n', stdout);
        }
        std::fflush(stdout);
    }
}

/// One client as a child process that dies with us; counts its lines.
class Client
{
public:
    Client(const QString &program, const QStringList &arguments)
    {
        m_process.setProgram(program);
        m_process.setArguments(arguments);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char *name :
             {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "LONGWATCH_HTTP_CLIENT"})
            environment.remove(QString::fromLatin1(name));
        m_process.setProcessEnvironment(environment);
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput,
                         [this] { m_lines += m_process.readAllStandardOutput().count('\n'); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, [this] {
            const QByteArray text = m_process.readAllStandardError();
            if (m_err.size() < 4096)
                m_err += text.left(4096);
        });
        m_process.start();
        m_process.waitForStarted(5000);
    }
    ~Client()
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
    QByteArray err() const { return m_err; }

private:
    QProcess m_process;
    qint64 m_lines = 0;
    QByteArray m_err;
};

struct Server
{
    QString label;
    QByteArray mode; ///< "feed" or "nchan"
    quint16 port = 0;
    QByteArray subscribe(const QByteArray &channel) const
    {
        return mode == "feed" ? "/feeds/" + channel + "/poll" : "/sub/" + channel;
    }
    QByteArray publish(const QByteArray &channel) const
    {
        return mode == "feed" ? "/feeds/" + channel + "/publish" : "/pub/" + channel;
    }
    std::vector<int> okStatuses() const
    {
        return mode == "feed" ? std::vector<int>{201} : std::vector<int>{201, 202};
    }
};

QByteArray eventBody(qint64, int index)
{
    return "{\"type\":\"bench\",\"message\":\"event " + QByteArray::number(index) +
           " with a few words\"}";
}

} // namespace

int main(int argc, char *argv[])
{
    // The client mode comes first: no QCoreApplication, as little as the
    // floor needs.
    if (argc == 5 && std::strcmp(argv[1], "--client") == 0)
        return runMinimalClient(argv[2], quint16(std::atoi(argv[3])), argv[4]);

    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "CPU per event of longwatch-tail, Python requests and a minimal client, whole process."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"),
                                          QStringLiteral("Events per run."), QStringLiteral("N"),
                                          QStringLiteral("2000"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("Events per second."), QStringLiteral("R"),
                                        QStringLiteral("200"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Runs."),
                                        QStringLiteral("K"), QStringLiteral("3"));
    const QCommandLineOption noPythonOption(QStringLiteral("no-python"),
                                            QStringLiteral("Leave the Python client out."));
    const QCommandLineOption noNchanOption(QStringLiteral("no-nchan"),
                                           QStringLiteral("Leave nginx+Nchan out."));
    const QCommandLineOption tailOption(
        QStringLiteral("tail-binary"),
        QStringLiteral("The longwatch-tail to measure (default: the one of this build)."),
        QStringLiteral("PATH"), QStringLiteral(LONGWATCH_TAIL_BINARY));
    parser.addOptions(
        {eventsOption, rateOption, runsOption, noPythonOption, noNchanOption, tailOption});
    parser.process(app);
    const int events = parser.value(eventsOption).toInt();
    const int rate = parser.value(rateOption).toInt();
    const int runs = parser.value(runsOption).toInt();
    const QString tailBinary = parser.value(tailOption);
    if (events < 1 || rate < 1 || runs < 1) {
        std::fprintf(stderr, "--events, --rate and --runs take positive numbers\n");
        return 2;
    }

    QTemporaryDir dir;
    Bench::ChildServer feed;
    if (!Bench::startFeedServer(feed, dir))
        return 1;
    std::vector<Server> servers = {{QStringLiteral("longwatch-feed"), "feed", feed.port()}};
    Bench::ChildServer nchan;
    QTemporaryDir nchanDir;
    if (!parser.isSet(noNchanOption) && Bench::haveNchan()) {
        if (!Bench::startNchan(nchan, nchanDir))
            return 1;
        servers.push_back({QStringLiteral("nginx+Nchan"), "nchan", nchan.port()});
    } else {
        std::printf("(nginx+Nchan left out: --no-nchan, or nginx or its Nchan module missing)\n");
    }
    const QString python = QStringLiteral("/usr/bin/python3");
    const bool withPython = !parser.isSet(noPythonOption) && QFile::exists(python);

    QByteArray load = "?";
    if (QFile file(QStringLiteral("/proc/loadavg")); file.open(QIODevice::ReadOnly))
        load = file.readAll().trimmed();
    std::printf("== bench_tailpath: CPU per event, whole client process (user + system), "
                "%d events at %d/s, one per answer; %d run(s); %ld cores, load %s; tail %s\n",
                events, rate, runs, sysconf(_SC_NPROCESSORS_ONLN), load.constData(),
                qPrintable(tailBinary));

    const QStringList clients =
        withPython ? QStringList{"tail", "python", "minimal"} : QStringList{"tail", "minimal"};
    // figures[server label][client] = µs per event, one per run
    std::map<QString, std::map<QString, std::vector<double>>> figures;
    int channelNumber = 0;
    for (int run = 0; run < runs; ++run) {
        for (const Server &server : servers) {
            for (const QString &client : clients) {
                const QByteArray channel = "tp" + QByteArray::number(++channelNumber);
                const QString url = QStringLiteral("http://127.0.0.1:%1%2")
                                        .arg(server.port)
                                        .arg(QString::fromLatin1(server.subscribe(channel)));
                std::unique_ptr<Client> process;
                if (client == QLatin1String("tail"))
                    process = std::make_unique<Client>(
                        tailBinary,
                        QStringList{"--channel", "b=" + url, "--profile",
                                    server.mode == "feed" ? "seed-events" : "nchan", "--quiet"});
                else if (client == QLatin1String("python"))
                    process = std::make_unique<Client>(
                        python, QStringList{"-c", QString::fromLatin1(kPythonClient),
                                            QString::fromLatin1(server.mode), url});
                else
                    process = std::make_unique<Client>(
                        QCoreApplication::applicationFilePath(),
                        QStringList{"--client", QString::fromLatin1(server.mode),
                                    QString::number(server.port),
                                    QString::fromLatin1(server.subscribe(channel))});
                // Warm-up: one event, answered, so the client is connected
                // and past its start.
                {
                    Bench::SocketPublisher warmUp(
                        server.port, [&](int) { return server.publish(channel); },
                        "application/json", eventBody, 1, 0, server.okStatuses());
                    const bool warm = Bench::waitUntil(
                        [&] { return process->lines() >= 1 || !process->running(); }, 20'000);
                    Bench::waitUntil([&] { return warmUp.isDone(); }, 10'000);
                    if (!warm || !process->running()) {
                        std::fprintf(stderr, "%s via %s: no warm-up event: %s\n",
                                     qPrintable(client), qPrintable(server.label),
                                     process->err().constData());
                        return 1;
                    }
                }
                // Let the client's next long poll reach the server.
                Bench::idleFor(100);
                const double before = processCpuUsecs(process->pid());
                Bench::SocketPublisher publisher(
                    server.port, [&](int) { return server.publish(channel); }, "application/json",
                    eventBody, events, rate, server.okStatuses());
                const bool all = Bench::waitUntil(
                    [&] { return process->lines() >= events + 1 || !process->running(); },
                    events * 1000 / rate + 30'000);
                const double after = processCpuUsecs(process->pid());
                Bench::waitUntil([&] { return publisher.isDone(); }, 30'000);
                if (!all || publisher.errors() > 0 || before < 0 || after < 0) {
                    std::fprintf(stderr,
                                 "%s via %s: %lld of %d events arrived, %d failed POSTs "
                                 "(%s): %s\n",
                                 qPrintable(client), qPrintable(server.label), process->lines() - 1,
                                 events, publisher.errors(), publisher.firstError().constData(),
                                 process->err().constData());
                    return 1;
                }
                figures[server.label][client].push_back((after - before) / events);
                std::printf("  run %d, %-14s %-8s %7.1f µs/event\n", run + 1,
                            qPrintable(server.label), qPrintable(client),
                            (after - before) / events);
                std::fflush(stdout);
            }
        }
    }

    std::printf("\n");
    Bench::printHeader("µs/event");
    for (const Server &server : servers) {
        for (const QString &client : clients)
            Bench::printRow(server.label + QStringLiteral(": ") + client,
                            Bench::summarize(figures[server.label][client]), "µs");
    }
    std::printf("\n");
    for (const Server &server : servers) {
        const auto &row = figures[server.label];
        Bench::printSummary(kSummaryRow,
                            QStringLiteral("longwatch-tail CPU per event, ") + server.label,
                            Bench::summarize(row.at(QStringLiteral("tail"))).median, "µs",
                            QStringLiteral("<= 60 µs"), Bench::Goal::AtMost, kTargetUsecs);
        for (const QString &client : clients) {
            if (client != QLatin1String("tail"))
                Bench::printSummary(kSummaryRow,
                                    client + QStringLiteral(" CPU per event, ") + server.label,
                                    Bench::summarize(row.at(client)).median, "µs", QString());
        }
    }
    return 0;
}
