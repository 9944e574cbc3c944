// bench_poller_cpu: what a Poller costs its own process, with the feed server
// (longwatch-feed) in another process so that the server's CPU is not
// counted:
//   - CPU per no-news poll (the server answers at once with no events),
//   - CPU per event when answers carry 100 or 1,000 events (and the
//     minimal client's, below, reading the same 100-event answer whole),
//   - events/s through one channel when the server answers with large batches;
//   - the same no-news GET from a bare QNetworkAccessManager, and from a
//     minimal single-threaded HTTP/1.1 client written here (the floor the
//     machine and kernel allow), to tell Qt's HTTP stack from the Poller;
//   - the no-news poll over HTTP/1.1 and over HTTP/2 cleartext (h2c, prior
//     knowledge) through the same nginx proxy in front of the feed server,
//     if nginx is installed;
//   - QJsonDocument::fromJson alone on the body a 1,000-event batch arrives
//     in, per event: the part of the per-event cost that is Qt's JSON parser.
//   - the seed-events profile's parse (GenericJsonProfile::parse) alone on
//     that body, per event: Qt's JSON parser plus making the events and the
//     cursor, without the Poller and Qt's HTTP stack.
// CPU is getrusage(RUSAGE_SELF) user + system, so Qt's HTTP thread counts too.
// Not a test: docs/PERFORMANCE.md has the figures and the command. Ends with
// SUMMARY lines (rows 3 and 4 of issue #6) for .ci/bench.
//
//   bench_poller_cpu [--polls N] [--events N] [--runs K]

#include "benchsupport.h"
#include "genericjsonprofile.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QNetworkAccessManager>
#include <QTcpSocket>

#include <cstdio>
#include <functional>
#include <memory>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// A journal of `count` events in feed `feed`, about 150 bytes of JSON each.
bool writeJournal(const QString &path, const QString &feed, int count)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append))
        return false;
    QByteArray chunk;
    for (int i = 1; i <= count; ++i) {
        chunk += "{\"feed\":\"" + feed.toLatin1() +
                 "\",\"event\":{\"id\":" + QByteArray::number(i) +
                 ",\"type\":\"job.finished\",\"message\":\"Build #" + QByteArray::number(i) +
                 " of service-" + QByteArray::number(i % 17) +
                 " ok\",\"time\":\"2026-11-22T20:31:41.123456Z\"}}\n";
        if (chunk.size() > (1 << 20)) {
            if (file.write(chunk) != chunk.size())
                return false;
            chunk.clear();
        }
    }
    return file.write(chunk) == chunk.size();
}

struct Measured
{
    double cpuUsecs = 0;
    double systemUsecs = 0; ///< of cpuUsecs, in the kernel
    double wallUsecs = 0;
    int polls = 0;
    int events = 0;
};

/// Polls `url` until `enough` says so or `timeoutMs` passes.
Measured poll(const QUrl &url, const QString &hold, const QString &cursor,
              const std::function<bool(const Measured &, int total)> &enough, int timeoutMs,
              HttpVersion httpVersion = HttpVersion::Automatic)
{
    QStringList errors;
    // The seed-events preset sends no hold parameter; without one the server
    // would hold for its own 30 s, past the Poller's deadline.
    QVariantMap knobs{{QStringLiteral("hold"), hold},
                      {QStringLiteral("hold-param"), QStringLiteral("hold")}};
    // The hold knob wants more than 0 s; a no-news poll sends hold=0 in the
    // URL and moves the profile's own hold parameter out of the way.
    if (url.query().contains(QStringLiteral("hold=0")))
        knobs.insert(QStringLiteral("hold-param"), QStringLiteral("unused_hold"));
    std::unique_ptr<FeedProfile> profile =
        createProfile(QStringLiteral("seed-events"), url, knobs, &errors);
    if (!profile) {
        std::fprintf(stderr, "profile: %s\n", qPrintable(errors.join(QLatin1Char(' '))));
        return {};
    }
    NetworkAccessManager network; // the app's: Longwatch's client for plain http
    Poller poller(std::move(profile), &network);
    PollerSettings settings;
    // No-news answers come back at once here by design: measure them, do not
    // pause after them.
    settings.liveRepollGuard = 0ms;
    settings.transport.httpVersion = httpVersion;
    poller.setSettings(settings);
    Measured m;
    int total = 0; // events since the start, the warm-up answers included
    // The measured loop ends from the Poller's own signals, as the minimal
    // client's does: a check timer would add its wake-ups to the Poller's.
    QEventLoop *measuring = nullptr;
    const auto check = [&] {
        if (measuring && enough(m, total))
            measuring->quit();
    };
    QObject::connect(&poller, &Poller::responseReceived, &poller, [&] {
        ++m.polls;
        check();
    });
    QObject::connect(&poller, &Poller::batchReceived, &poller, [&](const EventList &events) {
        m.events += int(events.size());
        total += int(events.size());
        check();
    });
    QObject::connect(&poller, &Poller::errorOccurred, &poller,
                     [](Poller::Error, const QString &message) {
                         std::fprintf(stderr, "poller: %s\n", qPrintable(message));
                     });
    // The first answer opens the connection: start counting after it.
    poller.start(cursor);
    Bench::waitUntil([&] { return m.polls > 0; }, 5000);
    m = {};
    const double cpu0 = Bench::cpuUsecs();
    const double system0 = Bench::systemCpuUsecs();
    QElapsedTimer wall;
    wall.start();
    QEventLoop loop;
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    measuring = &loop;
    if (!enough(m, total))
        loop.exec();
    measuring = nullptr;
    m.cpuUsecs = Bench::cpuUsecs() - cpu0;
    m.systemUsecs = Bench::systemCpuUsecs() - system0;
    m.wallUsecs = double(wall.nsecsElapsed()) / 1000.0;
    poller.stop();
    return m;
}

/// CPU per GET of `polls` no-news GETs of `url` from a bare
/// QNetworkAccessManager, one after the other, after one to open the
/// connection; NaN if an answer was not 200. `http2`: h2c by prior knowledge
/// (Http2DirectAttribute, as the Poller sets it); every answer must then
/// have come over HTTP/2.
double bareGets(const QUrl &url, int polls, bool http2)
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    if (http2)
        request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    int done = 0;
    int failed = 0;
    QEventLoop *measuring = nullptr;
    std::function<void()> get = [&] {
        QNetworkReply *reply = network.get(request);
        QObject::connect(reply, &QNetworkReply::finished, &network, [&, reply] {
            reply->readAll();
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200 ||
                (http2 && !reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool()))
                ++failed;
            reply->deleteLater();
            if (++done <= polls)
                get();
            else if (measuring)
                measuring->quit();
        });
    };
    get();
    Bench::waitUntil([&] { return done > 0; }, 5000);
    const int start = done;
    const double cpu0 = Bench::cpuUsecs();
    // Ended by the last answer, not by a check timer (see poll()).
    QEventLoop loop;
    QTimer::singleShot(60'000, &loop, &QEventLoop::quit);
    measuring = &loop;
    if (done <= polls)
        loop.exec();
    measuring = nullptr;
    const double perGet = (Bench::cpuUsecs() - cpu0) / std::max(1, done - start);
    if (failed > 0 || done <= polls) {
        std::fprintf(stderr, "bare QNAM %s: %d of %d answers not 200%s\n",
                     qPrintable(url.toString()), failed, done, http2 ? " over HTTP/2" : "");
        return std::nan("");
    }
    return perGet;
}

/// The machine's floor for one no-news GET: a minimal HTTP/1.1 keep-alive
/// client, one buffered QTcpSocket on the main thread (no HTTP thread, no
/// thread hops; Qt reads whatever the kernel has in one read()), the request
/// built once by hand, the answer read by Content-Length. Every answer must
/// be "200" with exactly `expectedBody`. Returns CPU per GET over `polls`
/// GETs after one that opens the connection, NaN (and why, on stderr) if
/// anything else came.
double minimalGets(quint16 port, const QByteArray &target, const QByteArray &expectedBody,
                   int polls, double *systemPerGet = nullptr)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        std::fprintf(stderr, "minimal client: %s\n", qPrintable(socket.errorString()));
        return std::nan("");
    }
    // As Qt's HTTP channel does: the request goes out in one segment at once.
    socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QByteArray request =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n\r\n";
    QByteArray buffer;
    QByteArray problem;
    int done = 0;
    const int total = polls + 1;
    QEventLoop loop;
    double cpu0 = 0;
    double system0 = 0;
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        buffer += socket.readAll();
        while (problem.isEmpty()) {
            const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
            if (!lines.first().startsWith("HTTP/1.1 200 ")) {
                problem = "status line " + lines.first().trimmed();
                break;
            }
            qsizetype length = -1;
            for (const QByteArray &line : lines) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
                if (line.toLower().startsWith("transfer-encoding:"))
                    problem = "not read by Content-Length: " + line.trimmed();
            }
            if (length < 0 && problem.isEmpty())
                problem = "no Content-Length";
            if (!problem.isEmpty())
                break;
            if (buffer.size() < headerEnd + 4 + length)
                return;
            if (buffer.mid(headerEnd + 4, length) != expectedBody) {
                problem = "body " + buffer.mid(headerEnd + 4, length);
                break;
            }
            buffer.remove(0, headerEnd + 4 + length);
            if (++done == 1) {
                cpu0 = Bench::cpuUsecs(); // the connection is open: count from here
                system0 = Bench::systemCpuUsecs();
            }
            if (done == total) {
                loop.quit();
                return;
            }
            socket.write(request);
        }
        loop.quit();
    });
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, [&] {
        problem = "the server closed the connection";
        loop.quit();
    });
    QTimer::singleShot(60'000, &loop, [&] {
        problem = "timed out";
        loop.quit();
    });
    socket.write(request);
    loop.exec();
    const double perGet = (Bench::cpuUsecs() - cpu0) / std::max(1, done - 1);
    if (systemPerGet)
        *systemPerGet = (Bench::systemCpuUsecs() - system0) / std::max(1, done - 1);
    if (!problem.isEmpty() || done != total) {
        std::fprintf(stderr, "minimal client: %s after %d answers\n", problem.constData(), done);
        return std::nan("");
    }
    return perGet;
}

/// The body longwatch-feed answers `target` with (one GET over a plain
/// socket), empty (and why, on stderr) if not a 200.
QByteArray fetchBody(quint16 port, const QByteArray &target)
{
    Bench::BlockingHttp http;
    Bench::BlockingHttp::Response response;
    if (!http.connectTo(port) ||
        !http.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
                    "\r\n\r\n") ||
        !http.read(&response, Bench::monotonicUsecs() + 30'000'000)) {
        std::fprintf(stderr, "GET %s: %s\n", target.constData(), http.errorString().constData());
        return {};
    }
    if (response.status != 200) {
        std::fprintf(stderr, "GET %s: status %d\n", target.constData(), response.status);
        return {};
    }
    return response.body;
}

/// CPU per event of QJsonDocument::fromJson alone over `body` (an answer of
/// `eventsPerBody` events), parsed `times` times on this thread; NaN if the
/// body does not parse to that many events.
double parseCpuPerEvent(const QByteArray &body, int eventsPerBody, int times)
{
    {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(body, &error);
        const qsizetype n = document.object().value(QLatin1String("events")).toArray().size();
        if (error.error != QJsonParseError::NoError || n != eventsPerBody) {
            std::fprintf(stderr, "the %d-event body: %s, %lld events\n", eventsPerBody,
                         qPrintable(error.errorString()), static_cast<long long>(n));
            return std::nan("");
        }
    }
    qsizetype keep = 0;
    const double cpu0 = Bench::cpuUsecs();
    for (int i = 0; i < times; ++i) {
        const QJsonDocument document = QJsonDocument::fromJson(body);
        keep += document.isObject() ? 1 : 0;
    }
    const double cpu = Bench::cpuUsecs() - cpu0;
    return keep == times ? cpu / (double(times) * eventsPerBody) : std::nan("");
}

/// CPU per event of the seed-events profile's parse alone
/// (GenericJsonProfile::parse: the JSON parse plus making the events and
/// the next cursor) over `body` (a 200 answer of `eventsPerBody` events to
/// the poll at cursor 0 of `url`), parsed `times` times on this thread, with
/// the knobs the Poller rows use; NaN (and why, on stderr) if the answer
/// does not parse to that many events. `fastScan` false: the general path
/// (QJsonDocument and JsonPath) the profile takes for unusual answers.
double profileParseCpuPerEvent(const QUrl &url, const QByteArray &body, int eventsPerBody,
                               int times, bool fastScan = true)
{
    QStringList errors;
    const std::unique_ptr<FeedProfile> profile =
        createProfile(QStringLiteral("seed-events"), url,
                      {{QStringLiteral("hold"), QStringLiteral("5")},
                       {QStringLiteral("hold-param"), QStringLiteral("hold")}},
                      &errors);
    if (!profile) {
        std::fprintf(stderr, "profile: %s\n", qPrintable(errors.join(QLatin1Char(' '))));
        return std::nan("");
    }
    if (auto *generic = dynamic_cast<GenericJsonProfile *>(profile.get()))
        generic->setFastScanEnabled(fastScan);
    PollResponse response;
    response.status = 200;
    response.reasonPhrase = QByteArrayLiteral("OK");
    response.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")},
                        {QByteArrayLiteral("Content-Length"), QByteArray::number(body.size())}};
    response.body = body;
    response.receivedAt = QDateTime::currentDateTimeUtc();
    const QString cursor = QStringLiteral("0");
    {
        const PollResult result = profile->parse(response, cursor);
        if (result.verdict != Verdict::Events || result.events.size() != eventsPerBody) {
            std::fprintf(stderr,
                         "the %d-event body through the profile: verdict %d, %lld events, %s\n",
                         eventsPerBody, int(result.verdict),
                         static_cast<long long>(result.events.size()), qPrintable(result.reason));
            return std::nan("");
        }
    }
    qsizetype keep = 0;
    const double cpu0 = Bench::cpuUsecs();
    for (int i = 0; i < times; ++i) {
        const PollResult result = profile->parse(response, cursor);
        keep += result.events.size() == eventsPerBody ? 1 : 0;
    }
    const double cpu = Bench::cpuUsecs() - cpu0;
    return keep == times ? cpu / (double(times) * eventsPerBody) : std::nan("");
}

} // namespace

int main(int argc, char *argv[])
{
    Bench::useNetworkEventDispatcher();
    QCoreApplication app(argc, argv);
    Bench::quietLogs();
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption pollsOption(QStringLiteral("polls"),
                                         QStringLiteral("no-news polls per run"),
                                         QStringLiteral("N"), QStringLiteral("2000"));
    const QCommandLineOption eventsOption(QStringLiteral("events"),
                                          QStringLiteral("events in the feed"), QStringLiteral("N"),
                                          QStringLiteral("100000"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("runs"),
                                        QStringLiteral("K"), QStringLiteral("5"));
    parser.addOptions({pollsOption, eventsOption, runsOption});
    parser.process(app);
    const int polls = std::clamp(parser.value(pollsOption).toInt(), 10, 1'000'000);
    const int events = std::clamp(parser.value(eventsOption).toInt(), 1000, 5'000'000);
    const int runs = std::clamp(parser.value(runsOption).toInt(), 1, 100);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    const QString journal = dir.filePath(QStringLiteral("journal.ndjson"));
    const QString feed = QStringLiteral("big");
    if (!writeJournal(journal, feed, events)) {
        std::fprintf(stderr, "could not write %s\n", qPrintable(journal));
        return 1;
    }
    Bench::ChildServer server;
    if (!Bench::startFeedServer(server, dir,
                                {QStringLiteral("--journal"), journal, QStringLiteral("--retain"),
                                 QString::number(events)}))
        return 1;
    const QString base = QStringLiteral("http://127.0.0.1:%1/feeds/").arg(server.port()) + feed;

    std::printf("bench_poller_cpu: %d no-news polls, %d events in the feed, %d runs; server "
                "in pid %lld\n\n",
                polls, events, runs, server.pid());
    Bench::printHeader("unit");

    // For the SUMMARY lines at the end.
    Bench::Summary noNewsPoll, bareGet, minimalGet, h2cPoll;

    // No news: the cursor is the newest event and the server holds for 0 s.
    {
        std::vector<double> perPoll, inKernel, rate;
        for (int r = 0; r < runs; ++r) {
            const Measured m = poll(
                QUrl(base + QStringLiteral("/poll?hold=0")), QStringLiteral("1"),
                QString::number(events), [&](const Measured &x, int) { return x.polls >= polls; },
                60'000);
            if (m.polls == 0)
                continue;
            perPoll.push_back(m.cpuUsecs / m.polls);
            inKernel.push_back(m.systemUsecs / m.polls);
            rate.push_back(m.polls / (m.wallUsecs / 1e6));
        }
        noNewsPoll = Bench::summarize(perPoll);
        Bench::printRow(QStringLiteral("CPU per no-news poll"), noNewsPoll, "us");
        Bench::printRow(QStringLiteral("  of it in the kernel"), Bench::summarize(inKernel), "us");
        Bench::printRow(QStringLiteral("no-news polls per second"), Bench::summarize(rate), "1/s");
    }

    // The same no-news GETs from a bare QNetworkAccessManager, no Poller: what
    // Qt's HTTP stack costs by itself, to tell it from the Poller's share.
    const QByteArray noNewsTarget =
        "/feeds/" + feed.toLatin1() + "/poll?hold=0&last_id=" + QByteArray::number(events);
    const QByteArray noNewsBody = "{\"events\":[]}"; // what longwatch-feed answers
    const auto bareRow = [&](const QString &name, quint16 port, bool http2) {
        std::vector<double> perPoll;
        const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(port) +
                       QString::fromLatin1(noNewsTarget));
        for (int r = 0; r < runs; ++r) {
            const double perGet = bareGets(url, polls, http2);
            if (!std::isnan(perGet))
                perPoll.push_back(perGet);
        }
        const Bench::Summary summary = Bench::summarize(perPoll);
        Bench::printRow(name, summary, "us");
        return summary;
    };
    const auto minimalRow = [&](const QString &name, quint16 port) {
        std::vector<double> perPoll, inKernel;
        for (int r = 0; r < runs; ++r) {
            double system = 0;
            const double perGet = minimalGets(port, noNewsTarget, noNewsBody, polls, &system);
            if (!std::isnan(perGet)) {
                perPoll.push_back(perGet);
                inKernel.push_back(system);
            }
        }
        const Bench::Summary summary = Bench::summarize(perPoll);
        Bench::printRow(name, summary, "us");
        Bench::printRow(QStringLiteral("  of it in the kernel"), Bench::summarize(inKernel), "us");
        return summary;
    };
    const auto pollerRow = [&](const QString &name, quint16 port, HttpVersion version) {
        std::vector<double> perPoll;
        for (int r = 0; r < runs; ++r) {
            const Measured m = poll(
                QUrl(QStringLiteral("http://127.0.0.1:%1/feeds/").arg(port) + feed +
                     QStringLiteral("/poll?hold=0")),
                QStringLiteral("1"), QString::number(events),
                [&](const Measured &x, int) { return x.polls >= polls; }, 60'000, version);
            if (m.polls > 0)
                perPoll.push_back(m.cpuUsecs / m.polls);
        }
        const Bench::Summary summary = Bench::summarize(perPoll);
        Bench::printRow(name, summary, "us");
        return summary;
    };
    bareGet = bareRow(QStringLiteral("CPU per no-news GET, bare QNetworkAccessManager"),
                      server.port(), false);
    // The floor: the same GET without Qt's HTTP stack. The gap to the row
    // above is Qt's HTTP/1.1 client (its thread, the hops, the byte reads).
    minimalGet = minimalRow(QStringLiteral("CPU per no-news GET, minimal client (machine floor)"),
                            server.port());
    // The ratio holds however busy the machine is (a noisy VM makes both
    // sides dearer): 100 us against a quiet machine's floor of ~25 us is 4x.
    Bench::printRow(QStringLiteral("no-news poll: Poller / minimal client (medians)"),
                    Bench::summarize({noNewsPoll.median / minimalGet.median}), "x");

    // HTTP/1.1 against HTTP/2 (h2c) through the same nginx, which proxies to
    // the same longwatch-feed: nginx's own CPU is not counted, only ours.
    {
        Bench::ChildServer nginx;
        quint16 http1Port = 0;
        if (!Bench::haveNginx()) {
            std::printf("| (nginx rows skipped: %s is not installed) |\n",
                        qPrintable(Bench::kNginx));
        } else if (!Bench::startH2cProxy(nginx, dir, server.port(), &http1Port)) {
            std::printf("| (nginx rows skipped: nginx did not start) |\n");
        } else {
            pollerRow(QStringLiteral("via nginx, HTTP/1.1: CPU per no-news poll (Poller)"),
                      http1Port, HttpVersion::Http1Only);
            bareRow(QStringLiteral("via nginx, HTTP/1.1: CPU per GET, bare QNAM"), http1Port,
                    false);
            minimalRow(QStringLiteral("via nginx, HTTP/1.1: CPU per GET, minimal client"),
                       http1Port);
            h2cPoll =
                pollerRow(QStringLiteral("via nginx, HTTP/2 h2c: CPU per no-news poll (Poller)"),
                          nginx.port(), HttpVersion::Http2);
            bareRow(QStringLiteral("via nginx, HTTP/2 h2c: CPU per GET, bare QNAM"), nginx.port(),
                    true);
        }
    }

    // Batches: the server answers with `limit` events per poll, from id 0.
    Bench::Summary perEvent100, minimalEvent100, perEvent1000, rate1000, rate10000, parse1000,
        profileParse1000;
    for (const int limit : {100, 1000, 10'000}) {
        std::vector<double> perEvent, perPoll, rate;
        for (int r = 0; r < runs; ++r) {
            const Measured m = poll(
                QUrl(base + QStringLiteral("/poll?limit=%1").arg(limit)), QStringLiteral("5"),
                QStringLiteral("0"), [&](const Measured &, int total) { return total >= events; },
                120'000);
            if (m.events == 0)
                continue;
            perEvent.push_back(m.cpuUsecs / m.events);
            perPoll.push_back(m.cpuUsecs / std::max(1, m.polls));
            rate.push_back(m.events / (m.wallUsecs / 1e6));
        }
        Bench::printRow(QStringLiteral("CPU per event, %1-event batches").arg(limit),
                        Bench::summarize(perEvent), "us");
        Bench::printRow(QStringLiteral("events/s one channel, %1-event batches").arg(limit),
                        Bench::summarize(rate), "1/s");
        if (limit == 100) {
            perEvent100 = Bench::summarize(perEvent);
            // The floor at this size: the minimal client GETs the first
            // 100-event answer again and again and reads it whole (no
            // JSON): what moving the bytes costs, per event.
            const QByteArray target =
                "/feeds/" + feed.toLatin1() + "/poll?limit=100&last_id=0&hold=0";
            const QByteArray body = fetchBody(server.port(), target);
            std::vector<double> floor;
            for (int r = 0; r < runs && !body.isEmpty(); ++r) {
                const double perGet =
                    minimalGets(server.port(), target, body, std::max(10, polls / 2));
                if (!std::isnan(perGet))
                    floor.push_back(perGet / 100);
            }
            minimalEvent100 = Bench::summarize(floor);
            Bench::printRow(QStringLiteral("  minimal client, per event of 100-event answers"),
                            minimalEvent100, "us");
        }
        if (limit == 10'000)
            rate10000 = Bench::summarize(rate);
        if (limit != 1000)
            continue;
        perEvent1000 = Bench::summarize(perEvent);
        rate1000 = Bench::summarize(rate);
        // The limit of the per-event target: Qt's JSON parser alone on the
        // very body the first poll of the row above receives (events 1 to
        // 1,000), as many events in all as the row parsed.
        const QByteArray body =
            fetchBody(server.port(), "/feeds/" + feed.toLatin1() + "/poll?limit=1000&last_id=0");
        std::vector<double> parse;
        for (int r = 0; r < runs && !body.isEmpty(); ++r) {
            const double perEventParse = parseCpuPerEvent(body, 1000, std::max(10, events / 1000));
            if (!std::isnan(perEventParse))
                parse.push_back(perEventParse);
        }
        parse1000 = Bench::summarize(parse);
        Bench::printRow(
            QStringLiteral("QJsonDocument::fromJson alone, per event (1000-event body)"), parse1000,
            "us");
        // The same body through the seed-events profile's parse (the JSON
        // parse plus the events and the cursor), no Poller, no HTTP: the gap
        // to the row above is the profile's own share, the gap to the
        // Poller's per-event row what is left of the Poller and Qt's HTTP.
        std::vector<double> profileParse;
        for (int r = 0; r < runs && !body.isEmpty(); ++r) {
            const double perEventParse = profileParseCpuPerEvent(
                QUrl(base + QStringLiteral("/poll")), body, 1000, std::max(10, events / 1000));
            if (!std::isnan(perEventParse))
                profileParse.push_back(perEventParse);
        }
        profileParse1000 = Bench::summarize(profileParse);
        Bench::printRow(
            QStringLiteral("GenericJsonProfile parse alone, per event (1000-event body)"),
            profileParse1000, "us");
        // The same through the general path (QJsonDocument, JsonPath), which
        // the profile takes for answers the fast scan does not read.
        std::vector<double> generalParse;
        for (int r = 0; r < runs && !body.isEmpty(); ++r) {
            const double perEventParse =
                profileParseCpuPerEvent(QUrl(base + QStringLiteral("/poll")), body, 1000,
                                        std::max(10, events / 1000), false);
            if (!std::isnan(perEventParse))
                generalParse.push_back(perEventParse);
        }
        Bench::printRow(QStringLiteral("GenericJsonProfile parse, general path (1000-event body)"),
                        Bench::summarize(generalParse), "us");
        std::printf("  (the 1000-event body: %lld bytes, parsed %d times a run)\n",
                    static_cast<long long>(body.size()), std::max(10, events / 1000));
    }
    std::printf("\ntargets: <= 100 us per no-news poll, <= 2 us per event, >= 200000 events/s\n\n");

    const QString pollTarget = QStringLiteral("<= 100 us");
    Bench::printSummary(3, QStringLiteral("CPU per no-news poll (Poller)"), noNewsPoll.median, "us",
                        pollTarget, Bench::Goal::AtMost, 100);
    Bench::printSummary(3, QStringLiteral("CPU per no-news GET, bare QNetworkAccessManager"),
                        bareGet.median, "us", pollTarget, Bench::Goal::AtMost, 100);
    Bench::printSummary(3, QStringLiteral("CPU per no-news GET, minimal client (machine floor)"),
                        minimalGet.median, "us", pollTarget, Bench::Goal::AtMost, 100);
    if (!std::isnan(h2cPoll.median))
        Bench::printSummary(3, QStringLiteral("via nginx, HTTP/2 h2c: CPU per no-news poll"),
                            h2cPoll.median, "us", pollTarget, Bench::Goal::AtMost, 100);
    const QString eventTarget = QStringLiteral("<= 2 us");
    Bench::printSummary(3, QStringLiteral("CPU per event, 100-event batches"), perEvent100.median,
                        "us", eventTarget, Bench::Goal::AtMost, 2);
    Bench::printSummary(3, QStringLiteral("CPU per event of 100-event answers, minimal client"),
                        minimalEvent100.median, "us", eventTarget, Bench::Goal::AtMost, 2);
    Bench::printSummary(3, QStringLiteral("CPU per event, 1000-event batches"), perEvent1000.median,
                        "us", eventTarget, Bench::Goal::AtMost, 2);
    Bench::printSummary(3, QStringLiteral("QJsonDocument::fromJson alone, per event"),
                        parse1000.median, "us", eventTarget, Bench::Goal::AtMost, 2);
    Bench::printSummary(3, QStringLiteral("GenericJsonProfile parse alone, per event"),
                        profileParse1000.median, "us", eventTarget, Bench::Goal::AtMost, 2);
    const QString rateTarget = QStringLiteral(">= 200000 /s");
    Bench::printSummary(4, QStringLiteral("events/s one channel, 1000-event batches"),
                        rate1000.median, "1/s", rateTarget, Bench::Goal::AtLeast, 200'000);
    Bench::printSummary(4, QStringLiteral("events/s one channel, 10000-event batches"),
                        rate10000.median, "1/s", rateTarget, Bench::Goal::AtLeast, 200'000);
    return 0;
}
