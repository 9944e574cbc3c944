// bench_latency: how long an event takes from publish to Poller::batchReceived
// at a steady rate (200 events/s by default), through
//   (a) an in-process FeedServer (publish() on the same event loop),
//   (b) the longwatch-feed program in its own process (POST /feeds/<f>/publish),
//   (c) nginx + Nchan (POST /pub/<channel>), when installed.
// For (b) and (c) the events are POSTed by a minimal publisher: blocking,
// keep-alive HTTP/1.1 over one plain socket in a thread of its own, each
// event stamped right before its request is written, every answer's status
// checked (--publisher qnam: the older QNetworkAccessManager publisher, which
// stamps before queuing the POST and so counts its own send path too). On
// the same server in the same run, each on its own in turn (--together: all
// at once on the same events, where they wait for each other's answers
// on the two cores and, the Poller and the bare QNAM loop, in the main
// thread), besides the Poller:
//   - a minimal client: one thread, one blocking keep-alive socket, a
//     hand-built long-poll GET with the cursor, the answer read by
//     Content-Length and searched for the stamps and the next cursor. No Qt
//     HTTP stack, no event loop: the machine's floor for delivery latency
//     (kernel, loopback, the server, scheduling);
//   - a bare QNetworkAccessManager long-poll loop on the main thread (the
//     same GETs as the minimal client's, no Poller, no profile): between it
//     and the floor is Qt's HTTP stack, between it and the Poller the
//     Poller's own share;
//   - a plain Python `requests` long-poll client, for the ratio.
// Not a test: docs/PERFORMANCE.md has the figures and the command. Ends with
// SUMMARY lines (row 1 of issue #6) for .ci/bench.
//
// Every event carries "@@<CLOCK_MONOTONIC µs>@@" stamped when it was
// published; the receiver compares it with its own monotonic clock (one
// machine, one clock).
//
//   bench_latency [--rate R] [--events N] [--runs K] [--only a,b,c] [--no-python]
//                 [--together] [--publisher socket|qnam]

#include "benchsupport.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"

#include <feedserver.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonObject>
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
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

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

/// Every stamp in `bytes`, in order.
std::vector<qint64> stampsIn(const QByteArray &bytes)
{
    std::vector<qint64> stamps;
    qsizetype at = 0;
    for (;;) {
        const qsizetype start = bytes.indexOf("@@", at);
        if (start < 0)
            break;
        const qsizetype end = bytes.indexOf("@@", start + 2);
        if (end < 0)
            break;
        bool ok = false;
        const qint64 value = bytes.mid(start + 2, end - start - 2).toLongLong(&ok);
        if (ok)
            stamps.push_back(value);
        at = end + 2;
    }
    return stamps;
}

/// The largest `"id":N` in a longwatch-feed poll answer (its next cursor),
/// `current` if none is larger.
qint64 largestId(const QByteArray &body, qint64 current)
{
    qsizetype at = 0;
    while ((at = body.indexOf("\"id\":", at)) >= 0) {
        at += 5;
        qsizetype end = at;
        while (end < body.size() && body.at(end) >= '0' && body.at(end) <= '9')
            ++end;
        current = std::max(current, body.mid(at, end - at).toLongLong());
    }
    return current;
}

/// The machine's floor for delivery latency: a single-threaded long-poll
/// client in a thread of its own over one blocking keep-alive socket
/// (Bench::BlockingHttp). The GET is built by hand with the cursor
/// (longwatch-feed: last_id and hold=5, as the Poller sends; Nchan:
/// If-Modified-Since and If-None-Match from the last answer, as the Python
/// client does); the answer is read by Content-Length, its stamps compared
/// with the clock at once, its next cursor found by a byte search. The first
/// kWarmup events are not counted.
class MinimalClient
{
public:
    enum class Mode { Feed, Nchan };

    MinimalClient(Mode mode, quint16 port, const QByteArray &path, int count,
                  double deadlineSeconds)
    {
        m_thread = std::thread([this, mode, port, path, count, deadlineSeconds] {
            run(mode, port, path, count, deadlineSeconds);
            m_done.store(true, std::memory_order_release);
        });
    }
    ~MinimalClient()
    {
        m_stop = true;
        m_thread.join();
    }
    MinimalClient(const MinimalClient &) = delete;
    MinimalClient &operator=(const MinimalClient &) = delete;

    /// Its first GET is written.
    bool isReady() const { return m_ready || isDone(); }
    bool isDone() const { return m_done.load(std::memory_order_acquire); }
    /// Ends the run (a held GET is given up within 100 ms) and waits for it.
    void stop()
    {
        m_stop = true;
        Bench::waitUntil([&] { return isDone(); }, 5000);
    }
    /// Once done: the latencies of the counted events, µs.
    const std::vector<double> &latencies() const { return m_latencies; }
    int seen() const { return m_seen; }
    int failures() const { return m_failures; }
    QByteArray firstError() const { return m_firstError; }

private:
    void run(Mode mode, quint16 port, const QByteArray &path, int count, double deadlineSeconds)
    {
        const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
        const qint64 endAt = Bench::monotonicUsecs() + qint64(deadlineSeconds * 1e6);
        Bench::BlockingHttp http;
        qint64 cursor = 0;
        QByteArray lastModified, etag;
        while (m_seen < count && !m_stop && Bench::monotonicUsecs() < endAt) {
            if (!http.isOpen() && !http.connectTo(port)) {
                fail(http.errorString());
                return; // nothing to retry against
            }
            QByteArray request;
            if (mode == Mode::Feed) {
                request = "GET " + path + "?last_id=" + QByteArray::number(cursor) +
                          "&hold=5 HTTP/1.1\r\n" + host + "\r\n";
            } else {
                request = "GET " + path + " HTTP/1.1\r\n" + host;
                if (!lastModified.isEmpty())
                    request += "If-Modified-Since: " + lastModified +
                               "\r\nIf-None-Match: " + (etag.isEmpty() ? "0" : etag) + "\r\n";
                request += "\r\n";
            }
            if (!http.write(request)) {
                fail(http.errorString());
                continue;
            }
            m_ready = true;
            Bench::BlockingHttp::Response response;
            if (!http.read(&response, std::min(endAt, Bench::monotonicUsecs() + 40'000'000),
                           &m_stop)) {
                if (!m_stop && Bench::monotonicUsecs() < endAt)
                    fail(http.errorString());
                continue;
            }
            const qint64 now = Bench::monotonicUsecs();
            if (response.status != 200) {
                // Nchan ends a quiet long poll with 304 (or 408): poll again.
                if (!(mode == Mode::Nchan && (response.status == 304 || response.status == 408)))
                    fail("status " + QByteArray::number(response.status));
                continue;
            }
            for (const qint64 stamp : stampsIn(response.body)) {
                if (m_seen++ >= kWarmup)
                    m_latencies.push_back(double(now - stamp));
            }
            if (mode == Mode::Feed) {
                cursor = largestId(response.body, cursor);
            } else {
                lastModified = response.header("last-modified");
                etag = response.header("etag");
            }
        }
    }

    void fail(const QByteArray &why)
    {
        if (m_failures++ == 0)
            m_firstError = why;
    }

    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_ready{false};
    std::atomic<bool> m_done{false};
    std::atomic<int> m_seen{0};
    std::atomic<int> m_failures{0};
    QByteArray m_firstError;
    std::vector<double> m_latencies;
};

/// Qt's share of the Poller's delivery latency: a bare long-poll loop on
/// one QNetworkAccessManager on the main thread, no Poller and no profile.
/// The GET carries the cursor as MinimalClient's does (longwatch-feed:
/// last_id and hold=5; Nchan: If-Modified-Since and If-None-Match from the
/// last answer); on finished the body is read, its stamps compared with the
/// clock at once and its next cursor found by a byte search, and the next GET
/// goes out at once (from the handler: QNAM sends it on a later turn of the
/// event loop, so this is no recursion). The first kWarmup events are not
/// counted.
class BareQnamClient
{
public:
    BareQnamClient(MinimalClient::Mode mode, const QUrl &url, int count)
        : m_mode(mode)
        , m_url(url)
        , m_count(count)
    {
        get();
    }
    ~BareQnamClient() { stop(); }
    BareQnamClient(const BareQnamClient &) = delete;
    BareQnamClient &operator=(const BareQnamClient &) = delete;

    /// It has seen `count` events, or has stopped.
    bool isDone() const { return m_seen >= m_count || m_stopped; }
    /// Gives up the GET in flight (our own abort, not a failure).
    void stop()
    {
        m_stopped = true;
        if (m_reply)
            m_reply->abort(); // finished() comes now, and is ignored
    }
    /// The latencies of the counted events so far, µs.
    const std::vector<double> &latencies() const { return m_latencies; }
    int seen() const { return m_seen; }
    int failures() const { return m_failures; }
    QByteArray firstError() const { return m_firstError; }

private:
    void get()
    {
        QUrl url = m_url;
        QNetworkRequest request;
        if (m_mode == MinimalClient::Mode::Feed) {
            url.setQuery(QStringLiteral("last_id=%1&hold=5").arg(m_cursor));
        } else if (!m_lastModified.isEmpty()) {
            request.setRawHeader("If-Modified-Since", m_lastModified);
            request.setRawHeader("If-None-Match", m_etag.isEmpty() ? "0" : m_etag);
        }
        request.setUrl(url);
        m_reply = m_network.get(request);
        QObject::connect(m_reply, &QNetworkReply::finished, &m_network,
                         [this, reply = m_reply] { onFinished(reply); });
    }

    void onFinished(QNetworkReply *reply)
    {
        const qint64 now = Bench::monotonicUsecs();
        reply->deleteLater();
        m_reply = nullptr;
        if (m_stopped)
            return;
        const QByteArray body = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 200) {
            for (const qint64 stamp : stampsIn(body)) {
                if (m_seen++ >= kWarmup)
                    m_latencies.push_back(double(now - stamp));
            }
            if (m_mode == MinimalClient::Mode::Feed) {
                m_cursor = largestId(body, m_cursor);
            } else {
                m_lastModified = reply->rawHeader("Last-Modified");
                m_etag = reply->rawHeader("Etag");
            }
        } else if (!(m_mode == MinimalClient::Mode::Nchan && (status == 304 || status == 408))) {
            // Nchan ends a quiet long poll with 304 (or 408): poll again.
            if (m_failures++ == 0)
                m_firstError = status != 0 ? "status " + QByteArray::number(status)
                                           : reply->errorString().toUtf8();
        }
        if (m_seen < m_count)
            get();
    }

    QNetworkAccessManager m_network;
    const MinimalClient::Mode m_mode;
    const QUrl m_url;
    const int m_count;
    QNetworkReply *m_reply = nullptr; ///< the GET in flight, owned by m_network
    bool m_stopped = false;
    qint64 m_cursor = 0;
    QByteArray m_lastModified, m_etag;
    int m_seen = 0;
    int m_failures = 0;
    QByteArray m_firstError;
    std::vector<double> m_latencies;
};

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

/// Debian's own Python, with Debian's python3-requests (.ci/deps installs
/// it), rather than whatever python3 comes first in PATH (a pyenv or venv
/// Python may have another requests, or none): the comparison is with the
/// packaged client. Falls back to PATH where there is no /usr/bin/python3.
QString pythonProgram()
{
    const QString debian = QStringLiteral("/usr/bin/python3");
    return QFileInfo(debian).isExecutable() ? debian : QStringLiteral("python3");
}

/// "PATH (Python X.Y.Z, requests A.B.C)" for the run's header.
QString pythonDescription(const QString &python)
{
    QProcess process;
    process.start(python, {QStringLiteral("-c"),
                           QStringLiteral("import sys\n"
                                          "try:\n"
                                          "    import requests; r = requests.__version__\n"
                                          "except ImportError:\n"
                                          "    r = 'missing'\n"
                                          "print(sys.version.split()[0], r)")});
    const QStringList parts = process.waitForFinished(10'000)
                                  ? QString::fromUtf8(process.readAllStandardOutput())
                                        .simplified()
                                        .split(QLatin1Char(' '))
                                  : QStringList();
    if (parts.size() != 2)
        return python;
    return QStringLiteral("%1 (Python %2, requests %3)").arg(python, parts[0], parts[1]);
}

/// The Python client of one run, in a child process.
class PythonClient
{
public:
    bool start(const QString &script, const QString &mode, const QUrl &url, int count,
               double deadlineSeconds)
    {
        m_process.setProgram(pythonProgram());
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
    std::vector<double> minimalP50, minimalP99; ///< the minimal client's
    std::vector<double> bareP50, bareP99;       ///< the bare QNAM loop's
    std::vector<double> postP50, postP99;       ///< the publisher's POST round trips
    int lost = 0;
    int minimalLost = 0;
    int minimalFailures = 0;
    QByteArray minimalError;
    int bareLost = 0;
    int bareFailures = 0;
    QByteArray bareError;
    int publishFailures = 0;
    QByteArray publishError;
    std::map<int, int> publishStatuses; ///< good answers by status
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
    /// None: neither the minimal client nor the bare QNAM loop.
    std::optional<MinimalClient::Mode> minimal;
    /// Which clients this run starts (of those set up above).
    struct Clients
    {
        bool poller = true;
        bool python = true;
        bool minimal = true;
        bool bare = true;
    } clients;

    bool execute(const std::function<void()> &startPublishing,
                 const std::function<bool()> &publishingDone, RunFigures *figures) const
    {
        QStringList errors;
        std::unique_ptr<FeedProfile> profile = createProfile(profileId, pollUrl, knobs, &errors);
        if (!profile) {
            std::fprintf(stderr, "profile: %s\n", qPrintable(errors.join(QLatin1Char(' '))));
            return false;
        }
        NetworkAccessManager network; // the app's: Longwatch's client for plain http
        std::unique_ptr<Poller> poller;
        if (clients.poller)
            poller = std::make_unique<Poller>(std::move(profile), &network);
        std::vector<double> latencies;
        int seen = clients.poller ? 0 : count;
        if (poller)
            QObject::connect(poller.get(), &Poller::batchReceived, poller.get(),
                             [&](const EventList &events) {
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
        if (!pythonScript.isEmpty() && clients.python) {
            withPython = python.start(pythonScript, pythonMode, pollUrl, count, runSeconds);
            figures->pythonMissing = python.missing();
        }
        std::unique_ptr<MinimalClient> minimalClient;
        if (minimal && clients.minimal)
            minimalClient = std::make_unique<MinimalClient>(
                *minimal, quint16(pollUrl.port()), pollUrl.path(QUrl::FullyEncoded).toLatin1(),
                count, runSeconds);
        std::unique_ptr<BareQnamClient> bareClient;
        if (minimal && clients.bare)
            bareClient = std::make_unique<BareQnamClient>(*minimal, pollUrl, count);
        if (poller)
            poller->start();
        // Let every client hold its first request before the clock starts.
        Bench::waitUntil(
            [&] {
                return (!poller || poller->state() == Poller::State::Waiting) &&
                       (!minimalClient || minimalClient->isReady());
            },
            5000);
        Bench::idleFor(200);

        startPublishing();
        Bench::waitUntil(
            [&] {
                return seen >= count && publishingDone() &&
                       (!minimalClient || minimalClient->isDone()) &&
                       (!bareClient || bareClient->isDone());
            },
            int(runSeconds * 1000));
        if (poller)
            poller->stop();
        figures->lost += count - std::min(seen, count);
        if (minimalClient) {
            minimalClient->stop();
            figures->minimalLost += count - std::min(minimalClient->seen(), count);
            if (minimalClient->failures() > 0 && figures->minimalFailures == 0)
                figures->minimalError = minimalClient->firstError();
            figures->minimalFailures += minimalClient->failures();
            if (!minimalClient->latencies().empty()) {
                figures->minimalP50.push_back(Bench::quantile(minimalClient->latencies(), 0.5));
                figures->minimalP99.push_back(Bench::quantile(minimalClient->latencies(), 0.99));
            }
        }
        if (bareClient) {
            bareClient->stop();
            figures->bareLost += count - std::min(bareClient->seen(), count);
            if (bareClient->failures() > 0 && figures->bareFailures == 0)
                figures->bareError = bareClient->firstError();
            figures->bareFailures += bareClient->failures();
            if (!bareClient->latencies().empty()) {
                figures->bareP50.push_back(Bench::quantile(bareClient->latencies(), 0.5));
                figures->bareP99.push_back(Bench::quantile(bareClient->latencies(), 0.99));
            }
        }
        if (poller) {
            if (latencies.empty())
                return false;
            figures->p50.push_back(Bench::quantile(latencies, 0.5));
            figures->p99.push_back(Bench::quantile(latencies, 0.99));
        }
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
    if (!f.minimalP50.empty()) {
        Bench::printRow(label + QStringLiteral(": minimal client p50 (floor)"),
                        Bench::summarize(f.minimalP50), "us");
        Bench::printRow(label + QStringLiteral(": minimal client p99 (floor)"),
                        Bench::summarize(f.minimalP99), "us");
    }
    if (!f.bareP50.empty()) {
        // Between the floor and the Poller: the gap down to the floor is
        // Qt's HTTP stack, the gap up to the Poller the Poller's own.
        Bench::printRow(label + QStringLiteral(": bare QNetworkAccessManager p50"),
                        Bench::summarize(f.bareP50), "us");
        Bench::printRow(label + QStringLiteral(": bare QNetworkAccessManager p99"),
                        Bench::summarize(f.bareP99), "us");
    }
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
    if (!f.postP50.empty()) {
        // Context: a POST answered is (about) when the server has handed the
        // event to the held polls.
        Bench::printRow(label + QStringLiteral(": POST round trip p50 (publisher)"),
                        Bench::summarize(f.postP50), "us");
        Bench::printRow(label + QStringLiteral(": POST round trip p99 (publisher)"),
                        Bench::summarize(f.postP99), "us");
    }
    if (f.lost > 0)
        std::printf("  (%s: %d events did not reach the Poller in time)\n", qPrintable(label),
                    f.lost);
    if (f.minimalLost > 0)
        std::printf("  (%s: %d events did not reach the minimal client in time)\n",
                    qPrintable(label), f.minimalLost);
    if (f.minimalFailures > 0)
        std::printf("  (%s: %d minimal-client requests failed, the first: %s)\n", qPrintable(label),
                    f.minimalFailures, f.minimalError.constData());
    if (f.bareLost > 0)
        std::printf("  (%s: %d events did not reach the bare QNAM loop in time)\n",
                    qPrintable(label), f.bareLost);
    if (f.bareFailures > 0)
        std::printf("  (%s: %d bare QNAM requests failed, the first: %s)\n", qPrintable(label),
                    f.bareFailures, f.bareError.constData());
    if (f.publishFailures > 0)
        std::printf("  (%s: %d publishes failed, the first: %s)\n", qPrintable(label),
                    f.publishFailures, f.publishError.isEmpty() ? "-" : f.publishError.constData());
    if (!f.publishStatuses.empty()) {
        QStringList statuses;
        for (const auto &[status, n] : f.publishStatuses)
            statuses << QStringLiteral("%1 x %2").arg(n).arg(status);
        std::printf("  (%s: publishes answered %s)\n", qPrintable(label),
                    qPrintable(statuses.join(QStringLiteral(", "))));
    }
}

/// Row 1 of issue #6 for .ci/bench.
void summarize(const QString &label, const RunFigures &f)
{
    const QString p50Target = QStringLiteral("p50 <= 500 us");
    const QString p99Target = QStringLiteral("p99 <= 2000 us");
    Bench::printSummary(1, label + QStringLiteral(": Poller p50"), Bench::summarize(f.p50).median,
                        "us", p50Target, Bench::Goal::AtMost, 500);
    Bench::printSummary(1, label + QStringLiteral(": Poller p99"), Bench::summarize(f.p99).median,
                        "us", p99Target, Bench::Goal::AtMost, 2000);
    if (!f.minimalP50.empty()) {
        Bench::printSummary(1, label + QStringLiteral(": minimal client p50 (machine floor)"),
                            Bench::summarize(f.minimalP50).median, "us", p50Target,
                            Bench::Goal::AtMost, 500);
        Bench::printSummary(1, label + QStringLiteral(": minimal client p99 (machine floor)"),
                            Bench::summarize(f.minimalP99).median, "us", p99Target,
                            Bench::Goal::AtMost, 2000);
    }
    if (!f.bareP50.empty()) {
        Bench::printSummary(1, label + QStringLiteral(": bare QNetworkAccessManager p50"),
                            Bench::summarize(f.bareP50).median, "us", p50Target,
                            Bench::Goal::AtMost, 500);
        Bench::printSummary(1, label + QStringLiteral(": bare QNetworkAccessManager p99"),
                            Bench::summarize(f.bareP99).median, "us", p99Target,
                            Bench::Goal::AtMost, 2000);
    }
}

/// The publisher of one (b) or (c) run: the minimal socket one, or
/// QNetworkAccessManager's (--publisher qnam).
class Publisher
{
public:
    /// POSTs `count` events to `path` on 127.0.0.1:`port` at `rate`.
    Publisher(bool qnam, quint16 port, const QByteArray &path, const QByteArray &contentType,
              const Bench::SocketPublisher::Body &body, int count, int rate,
              const std::vector<int> &okStatuses)
    {
        if (qnam) {
            QNetworkRequest request(
                QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port) + QString::fromLatin1(path)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
            m_qnam = std::make_unique<Bench::HttpPublisher>([request](int) { return request; },
                                                            body, count, rate);
        } else {
            m_socket = std::make_unique<Bench::SocketPublisher>(
                port, [path](int) { return path; }, contentType, body, count, rate, okStatuses);
        }
    }

    bool isDone() const { return m_qnam ? m_qnam->isDone() : m_socket->isDone(); }

    /// Once done: failures, POST round trips and statuses into `figures`.
    void addTo(RunFigures *figures) const
    {
        const int errors = m_qnam ? m_qnam->errors() : m_socket->errors();
        if (errors > 0 && figures->publishFailures == 0 && m_socket)
            figures->publishError = m_socket->firstError();
        figures->publishFailures += errors;
        if (!m_socket)
            return;
        const std::vector<double> roundTrips = m_socket->roundTrips();
        if (!roundTrips.empty()) {
            figures->postP50.push_back(Bench::quantile(roundTrips, 0.5));
            figures->postP99.push_back(Bench::quantile(roundTrips, 0.99));
        }
        for (const auto &[status, n] : m_socket->statuses())
            figures->publishStatuses[status] += n;
    }

private:
    std::unique_ptr<Bench::HttpPublisher> m_qnam;
    std::unique_ptr<Bench::SocketPublisher> m_socket;
};

} // namespace

int main(int argc, char *argv[])
{
    Bench::useNetworkEventDispatcher();
    QCoreApplication app(argc, argv);
    Bench::quietLogs();

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
    const QCommandLineOption togetherOption(
        QStringLiteral("together"),
        QStringLiteral("(b) and (c): run the Poller and the other clients at once, as before "
                       "(by default each runs on its own, one after the other, for every run)"));
    const QCommandLineOption publisherOption(
        QStringLiteral("publisher"),
        QStringLiteral("(b) and (c): socket (blocking keep-alive POSTs over a plain socket, "
                       "stamped right before the write; default) or qnam (a "
                       "QNetworkAccessManager in a helper thread, stamped before the POST is "
                       "queued)"),
        QStringLiteral("P"), QStringLiteral("socket"));
    parser.addOptions({rateOption, eventsOption, runsOption, onlyOption, noPythonOption,
                       togetherOption, publisherOption});
    parser.process(app);
    const QString publisherKind = parser.value(publisherOption);
    if (publisherKind != QLatin1String("socket") && publisherKind != QLatin1String("qnam")) {
        std::fprintf(stderr, "--publisher: socket or qnam\n");
        return 2;
    }
    const bool qnamPublisher = publisherKind == QLatin1String("qnam");
    const int rate = std::clamp(parser.value(rateOption).toInt(), 1, 1000);
    const int count = std::clamp(parser.value(eventsOption).toInt(), kWarmup + 10, 100'000);
    const int runs = std::clamp(parser.value(runsOption).toInt(), 1, 100);
    const QStringList only = parser.value(onlyOption).split(QLatin1Char(','));

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    QString script;
    if (!parser.isSet(noPythonOption)) {
        const QString python = pythonProgram();
        if (QStandardPaths::findExecutable(python).isEmpty()) {
            std::printf("python3 not found: skipping the Python client\n");
        } else {
            std::printf("Python client: %s\n", qPrintable(pythonDescription(python)));
            script = dir.filePath(QStringLiteral("client.py"));
            QFile file(script);
            if (!file.open(QIODevice::WriteOnly) || file.write(kPythonClient) < 0)
                return 1;
        }
    }

    // (b) and (c): each client on its own by default, in turn within every
    // run, so that none waits for another's answer in its thread or for a
    // core; --together starts them all on the same events.
    std::vector<Run::Clients> phases;
    if (parser.isSet(togetherOption)) {
        phases.push_back({});
    } else {
        phases.push_back({true, false, false, false}); // the Poller
        phases.push_back({false, false, true, false}); // the minimal client
        phases.push_back({false, false, false, true}); // the bare QNAM loop
        if (!script.isEmpty())
            phases.push_back({false, true, false, false}); // Python requests
    }

    std::printf("bench_latency: %d events/s, %d events per run (first %d not counted), %d runs; "
                "(b), (c) published by %s, %s\n\n",
                rate, count, kWarmup, runs,
                qnamPublisher ? "a QNetworkAccessManager (stamped before queuing)"
                              : "blocking socket POSTs (stamped right before the write)",
                phases.size() == 1 ? "all clients at once" : "each client on its own, in turn");
    Bench::printHeader("unit");
    // SUMMARY lines go after the table, so they do not cut it.
    std::vector<std::function<void()>> summaries;
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
                    {},
                    std::nullopt,
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
        summaries.push_back(
            [figures] { summarize(QStringLiteral("(a) in-process FeedServer"), figures); });
    }

    if (only.contains(QStringLiteral("b"))) {
        Bench::ChildServer server;
        if (!Bench::startFeedServer(server, dir))
            return 1;
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(server.port());
        RunFigures figures;
        for (int r = 0; r < runs * int(phases.size()); ++r) {
            const QString feed = QStringLiteral("b%1").arg(r);
            Run run{QStringLiteral("seed-events"),
                    QUrl(base + QStringLiteral("/feeds/") + feed + QStringLiteral("/poll")),
                    {{QStringLiteral("hold"), QStringLiteral("5")},
                     {QStringLiteral("hold-param"), QStringLiteral("hold")}},
                    count,
                    rate,
                    script,
                    QStringLiteral("feed"),
                    MinimalClient::Mode::Feed,
                    phases[std::size_t(r) % phases.size()]};
            std::unique_ptr<Publisher> publisher;
            run.execute(
                [&] {
                    // longwatch-feed answers a publish with 201 and the event.
                    publisher = std::make_unique<Publisher>(
                        qnamPublisher, server.port(), "/feeds/" + feed.toLatin1() + "/publish",
                        QByteArrayLiteral("application/json"),
                        [](qint64 usecs, int) { return "{\"m\":\"" + stamp(usecs) + "\"}"; }, count,
                        rate, std::vector<int>{201});
                },
                [&] { return publisher && publisher->isDone(); }, &figures);
            if (publisher) {
                Bench::waitUntil([&] { return publisher->isDone(); }, 15'000);
                publisher->addTo(&figures);
            }
        }
        report(QStringLiteral("(b) longwatch-feed process"), figures, true);
        summaries.push_back(
            [figures] { summarize(QStringLiteral("(b) longwatch-feed process"), figures); });
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
            for (int r = 0; r < runs * int(phases.size()); ++r) {
                const QString channel = QStringLiteral("c%1").arg(r);
                Run run{QStringLiteral("nchan"),
                        QUrl(base + QStringLiteral("/sub/") + channel),
                        {{QStringLiteral("hold"), QStringLiteral("30")}},
                        count,
                        rate,
                        script,
                        QStringLiteral("nchan"),
                        MinimalClient::Mode::Nchan,
                        phases[std::size_t(r) % phases.size()]};
                std::unique_ptr<Publisher> publisher;
                run.execute(
                    [&] {
                        // Nchan answers a publish with 201 once a subscriber
                        // is there to get the message, 202 when none is.
                        publisher = std::make_unique<Publisher>(
                            qnamPublisher, server.port(), "/pub/" + channel.toLatin1(),
                            QByteArrayLiteral("text/plain"),
                            [](qint64 usecs, int) { return stamp(usecs); }, count, rate,
                            std::vector<int>{201, 202});
                    },
                    [&] { return publisher && publisher->isDone(); }, &figures);
                if (publisher) {
                    Bench::waitUntil([&] { return publisher->isDone(); }, 15'000);
                    publisher->addTo(&figures);
                }
            }
            report(QStringLiteral("(c) nginx + Nchan"), figures, true);
            summaries.push_back(
                [figures] { summarize(QStringLiteral("(c) nginx + Nchan"), figures); });
            notePythonMissing(figures);
        }
    }
    std::printf("\ntargets: p50 <= 500 us, p99 <= 2000 us\n\n");
    for (const auto &summary : summaries)
        summary();
    return 0;
}
