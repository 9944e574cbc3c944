// bench_latency: how long an event takes from publish to Poller::batchReceived
// at a steady rate (200 events/s by default), through
//   (a) an in-process FeedServer (publish() on the same event loop),
//   (b) the longwatch-feed program in its own process (POST /feeds/<f>/publish
//       from a helper thread with its own QNetworkAccessManager),
//   (c) nginx + Nchan (POST /pub/<channel>), when installed,
// and, for (b) and (c), a plain Python `requests` long-poll client on the same
// server in the same run, for the ratio. Not a test: docs/PERFORMANCE.md has
// the figures and the command.
//
// Every event carries "@@<CLOCK_MONOTONIC µs>@@" stamped when it was
// published; the receiver compares it with its own monotonic clock (one
// machine, one clock).
//
//   bench_latency [--rate R] [--events N] [--runs K] [--only a,b,c] [--no-python]

#include "benchsupport.h"
#include "poller.h"
#include "profiles.h"

#include <feedserver.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// The first events of a run warm connections up and are not counted.
constexpr int kWarmup = 10;

QByteArray stamp(qint64 usecs)
{
    return "@@" + QByteArray::number(usecs) + "@@";
}

/// The stamp in an event's raw JSON, -1 if none.
qint64 stampOf(const QByteArray &raw)
{
    const qsizetype start = raw.indexOf("@@");
    if (start < 0)
        return -1;
    const qsizetype end = raw.indexOf("@@", start + 2);
    if (end < 0)
        return -1;
    bool ok = false;
    const qint64 value = raw.mid(start + 2, end - start - 2).toLongLong(&ok);
    return ok ? value : -1;
}

const char kPythonClient[] = R"PY(
import sys, time
try:
    import requests
except ImportError:
    print("missing", flush=True)
    sys.exit(0)
mode, url, count, warmup, deadline = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = requests.Session()
lat = []
seen = 0
def take(text):
    global seen
    start = text.find("@@")
    if start < 0:
        return
    end = text.find("@@", start + 2)
    now = time.monotonic_ns() // 1000
    if seen >= warmup:
        lat.append(now - int(text[start + 2:end]))
    seen += 1
print("ready", flush=True)
end_at = time.monotonic() + deadline
last_id, etag, modified = 0, None, None
while seen < count and time.monotonic() < end_at:
    if mode == "feed":
        r = s.get(url, params={"last_id": last_id, "hold": 5}, timeout=10)
        for e in r.json().get("events", []):
            last_id = max(last_id, int(e["id"]))
            take(e.get("m", ""))
    else:
        h = {}
        if modified:
            h["If-Modified-Since"] = modified
            h["If-None-Match"] = etag or "0"
        r = s.get(url, headers=h, timeout=40)
        if r.status_code == 200:
            modified, etag = r.headers.get("Last-Modified"), r.headers.get("Etag")
            take(r.text)
lat.sort()
def q(p):
    if not lat:
        return float("nan")
    import math
    return lat[max(0, min(len(lat) - 1, math.ceil(p * len(lat)) - 1))]
print("result %f %f %d" % (q(0.5), q(0.99), len(lat)), flush=True)
)PY";

/// The Python client of one run, in a child process.
class PythonClient
{
public:
    bool start(const QString &script, const QString &mode, const QUrl &url, int count,
               double deadlineSeconds)
    {
        m_process.setProgram(QStringLiteral("python3"));
        m_process.setArguments({script, mode, url.toString(), QString::number(count),
                                QString::number(kWarmup), QString::number(deadlineSeconds)});
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        Bench::waitUntil(
            [&] { return m_process.canReadLine() || m_process.state() != QProcess::Running; },
            10'000);
        const QByteArray line = m_process.readLine().trimmed();
        if (line == "missing")
            m_missing = true;
        return line == "ready";
    }
    bool missing() const { return m_missing; }
    /// p50 and p99 in µs once the client is through; false if it failed.
    bool finish(double *p50, double *p99, int timeoutMs)
    {
        Bench::waitUntil([&] { return m_process.state() == QProcess::NotRunning; }, timeoutMs);
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(2000);
            return false;
        }
        const QList<QByteArray> fields = m_process.readAll().trimmed().split(' ');
        if (fields.size() != 4 || fields[0] != "result" || fields[3].toInt() == 0)
            return false;
        *p50 = fields[1].toDouble();
        *p99 = fields[2].toDouble();
        return true;
    }

private:
    QProcess m_process;
    bool m_missing = false;
};

struct RunFigures
{
    std::vector<double> p50, p99, pyP50, pyP99;
    int lost = 0;
    bool pythonMissing = false;
};

/// One run: a Poller on `pollUrl` with `profileId`, events published by
/// `publishAll` (which returns when it has started publishing), until all
/// `count` have arrived or the run's time is up.
struct Run
{
    QString profileId;
    QUrl pollUrl;
    QVariantMap knobs;
    int count = 0;
    int rate = 200;
    QString pythonScript; ///< empty: no Python client
    QString pythonMode;

    bool execute(const std::function<void()> &startPublishing,
                 const std::function<bool()> &publishingDone, RunFigures *figures) const
    {
        QStringList errors;
        std::unique_ptr<FeedProfile> profile = createProfile(profileId, pollUrl, knobs, &errors);
        if (!profile) {
            std::fprintf(stderr, "profile: %s\n", qPrintable(errors.join(QLatin1Char(' '))));
            return false;
        }
        QNetworkAccessManager network;
        Poller poller(std::move(profile), &network);
        std::vector<double> latencies;
        int seen = 0;
        QObject::connect(&poller, &Poller::batchReceived, &poller, [&](const EventList &events) {
            const qint64 now = Bench::monotonicUsecs();
            for (const Event &event : events) {
                const qint64 t = stampOf(event.raw);
                if (t < 0)
                    continue;
                if (seen++ >= kWarmup)
                    latencies.push_back(double(now - t));
            }
        });
        const double runSeconds = double(count) / rate + 10.0;
        PythonClient python;
        bool withPython = false;
        if (!pythonScript.isEmpty()) {
            withPython = python.start(pythonScript, pythonMode, pollUrl, count, runSeconds);
            figures->pythonMissing = python.missing();
        }
        poller.start();
        // Let both clients hold their first request before the clock starts.
        Bench::waitUntil([&] { return poller.state() == Poller::State::Waiting; }, 5000);
        Bench::idleFor(200);

        startPublishing();
        Bench::waitUntil([&] { return seen >= count && publishingDone(); }, int(runSeconds * 1000));
        poller.stop();
        figures->lost += count - std::min(seen, count);
        if (latencies.empty())
            return false;
        figures->p50.push_back(Bench::quantile(latencies, 0.5));
        figures->p99.push_back(Bench::quantile(latencies, 0.99));
        double p50 = 0, p99 = 0;
        if (withPython && python.finish(&p50, &p99, 15'000)) {
            figures->pyP50.push_back(p50);
            figures->pyP99.push_back(p99);
        }
        return true;
    }
};

void report(const QString &label, const RunFigures &f, bool python)
{
    Bench::printRow(label + QStringLiteral(": Poller p50"), Bench::summarize(f.p50), "us");
    Bench::printRow(label + QStringLiteral(": Poller p99"), Bench::summarize(f.p99), "us");
    if (python && !f.pyP50.empty()) {
        Bench::printRow(label + QStringLiteral(": Python requests p50"), Bench::summarize(f.pyP50),
                        "us");
        Bench::printRow(label + QStringLiteral(": Python requests p99"), Bench::summarize(f.pyP99),
                        "us");
        std::vector<double> ratio;
        for (std::size_t i = 0; i < std::min(f.p50.size(), f.pyP50.size()); ++i)
            ratio.push_back(f.p50[i] / f.pyP50[i]);
        Bench::printRow(label + QStringLiteral(": p50 ratio Poller/Python"),
                        Bench::summarize(ratio), "x");
    }
    if (f.lost > 0)
        std::printf("  (%s: %d events did not arrive in time)\n", qPrintable(label), f.lost);
}

QNetworkRequest postRequest(const QUrl &url, const QByteArray &contentType)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    return request;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*.debug=false\n"
                                                    "longwatch.*.info=false"));

    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption rateOption(QStringLiteral("rate"), QStringLiteral("events/s"),
                                        QStringLiteral("R"), QStringLiteral("200"));
    const QCommandLineOption eventsOption(QStringLiteral("events"),
                                          QStringLiteral("events per run"), QStringLiteral("N"),
                                          QStringLiteral("400"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("runs per server"),
                                        QStringLiteral("K"), QStringLiteral("5"));
    const QCommandLineOption onlyOption(QStringLiteral("only"),
                                        QStringLiteral("servers: a (in-process), b "
                                                       "(longwatch-feed), c (nchan)"),
                                        QStringLiteral("LIST"), QStringLiteral("a,b,c"));
    const QCommandLineOption noPythonOption(QStringLiteral("no-python"),
                                            QStringLiteral("skip the Python requests client"));
    parser.addOptions({rateOption, eventsOption, runsOption, onlyOption, noPythonOption});
    parser.process(app);
    const int rate = std::clamp(parser.value(rateOption).toInt(), 1, 1000);
    const int count = std::clamp(parser.value(eventsOption).toInt(), kWarmup + 10, 100'000);
    const int runs = std::clamp(parser.value(runsOption).toInt(), 1, 100);
    const QStringList only = parser.value(onlyOption).split(QLatin1Char(','));

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    QString script;
    if (!parser.isSet(noPythonOption)) {
        if (QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty()) {
            std::printf("python3 not found: skipping the Python client\n");
        } else {
            script = dir.filePath(QStringLiteral("client.py"));
            QFile file(script);
            if (!file.open(QIODevice::WriteOnly) || file.write(kPythonClient) < 0)
                return 1;
        }
    }

    std::printf("bench_latency: %d events/s, %d events per run (first %d not counted), %d runs\n\n",
                rate, count, kWarmup, runs);
    Bench::printHeader("unit");
    bool pythonMissingReported = false;
    const auto notePythonMissing = [&](const RunFigures &f) {
        if (f.pythonMissing && !pythonMissingReported) {
            std::printf("  (python3-requests is not installed: no Python figures)\n");
            pythonMissingReported = true;
        }
    };

    if (only.contains(QStringLiteral("a"))) {
        FeedServer server;
        if (!server.listen()) {
            std::fprintf(stderr, "%s\n", qPrintable(server.errorString()));
            return 1;
        }
        RunFigures figures;
        for (int r = 0; r < runs; ++r) {
            const QString feed = QStringLiteral("a%1").arg(r);
            Run run{QStringLiteral("seed-events"),
                    QUrl(server.baseUrl().toString() + QStringLiteral("/feeds/") + feed +
                         QStringLiteral("/poll")),
                    {{QStringLiteral("hold"), QStringLiteral("5")},
                     {QStringLiteral("hold-param"), QStringLiteral("hold")}},
                    count,
                    rate,
                    {},
                    {}};
            QTimer timer;
            timer.setTimerType(Qt::PreciseTimer);
            timer.setInterval(std::chrono::milliseconds(std::max(1, 1000 / rate)));
            int published = 0;
            QObject::connect(&timer, &QTimer::timeout, &timer, [&] {
                if (published == count) {
                    timer.stop();
                    return;
                }
                ++published;
                server.publish(feed,
                               QJsonObject{{QStringLiteral("m"),
                                            QString::fromLatin1(stamp(Bench::monotonicUsecs()))}});
            });
            run.execute([&] { timer.start(); }, [&] { return published == count; }, &figures);
        }
        report(QStringLiteral("(a) in-process FeedServer"), figures, false);
    }

    if (only.contains(QStringLiteral("b"))) {
        Bench::ChildServer server;
        if (!Bench::startFeedServer(server, dir))
            return 1;
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(server.port());
        RunFigures figures;
        for (int r = 0; r < runs; ++r) {
            const QString feed = QStringLiteral("b%1").arg(r);
            Run run{QStringLiteral("seed-events"),
                    QUrl(base + QStringLiteral("/feeds/") + feed + QStringLiteral("/poll")),
                    {{QStringLiteral("hold"), QStringLiteral("5")},
                     {QStringLiteral("hold-param"), QStringLiteral("hold")}},
                    count,
                    rate,
                    script,
                    QStringLiteral("feed")};
            const QUrl publishUrl(base + QStringLiteral("/feeds/") + feed +
                                  QStringLiteral("/publish"));
            std::unique_ptr<Bench::HttpPublisher> publisher;
            run.execute(
                [&] {
                    publisher = std::make_unique<Bench::HttpPublisher>(
                        [publishUrl](int) {
                            return postRequest(publishUrl, QByteArrayLiteral("application/json"));
                        },
                        [](qint64 usecs, int) { return "{\"m\":\"" + stamp(usecs) + "\"}"; }, count,
                        rate);
                },
                [&] { return publisher && publisher->isDone(); }, &figures);
            if (publisher && publisher->errors() > 0)
                std::printf("  (%d publishes failed)\n", publisher->errors());
        }
        report(QStringLiteral("(b) longwatch-feed process"), figures, true);
        notePythonMissing(figures);
    }

    if (only.contains(QStringLiteral("c"))) {
        if (!Bench::haveNchan()) {
            std::printf("  (c) skipped: nginx or libnginx-mod-nchan is not installed\n");
        } else {
            Bench::ChildServer server;
            if (!Bench::startNchan(server, dir))
                return 1;
            const QString base = QStringLiteral("http://127.0.0.1:%1").arg(server.port());
            RunFigures figures;
            for (int r = 0; r < runs; ++r) {
                const QString channel = QStringLiteral("c%1").arg(r);
                Run run{QStringLiteral("nchan"),
                        QUrl(base + QStringLiteral("/sub/") + channel),
                        {{QStringLiteral("hold"), QStringLiteral("30")}},
                        count,
                        rate,
                        script,
                        QStringLiteral("nchan")};
                const QUrl publishUrl(base + QStringLiteral("/pub/") + channel);
                std::unique_ptr<Bench::HttpPublisher> publisher;
                run.execute(
                    [&] {
                        publisher = std::make_unique<Bench::HttpPublisher>(
                            [publishUrl](int) {
                                return postRequest(publishUrl, QByteArrayLiteral("text/plain"));
                            },
                            [](qint64 usecs, int) { return stamp(usecs); }, count, rate);
                    },
                    [&] { return publisher && publisher->isDone(); }, &figures);
                if (publisher && publisher->errors() > 0)
                    std::printf("  (%d publishes failed)\n", publisher->errors());
            }
            report(QStringLiteral("(c) nginx + Nchan"), figures, true);
            notePythonMissing(figures);
        }
    }
    std::printf("\ntargets: p50 <= 500 us, p99 <= 2000 us\n");
    return 0;
}
