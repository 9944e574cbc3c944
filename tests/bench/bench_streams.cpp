// bench_streams: what an answer that streams costs against a long poll
// (#20), in this process only, with nginx+Nchan in a child process and the
// events published by a Python child process (neither's CPU is counted):
//   - CPU per event through one channel, the same events published to the
//     same Nchan at a steady rate and as fast as the publisher goes: once
//     read as a long poll (the nchan profile on a longpoll subscriber, one
//     request per message) and once as a stream (the sse profile on an
//     EventSource subscriber, one answer kept open);
//   - 1,000 idle streams (sse profile, NetworkPool, Nchan's EventSource
//     pinging every 10 s): CPU % of one core over the idle time.
// CPU is getrusage(RUSAGE_SELF) user + system, so Qt's HTTP threads count.
// Not a test: docs/PERFORMANCE.md has the figures and the command. Ends with
// SUMMARY lines (row 20: issue #20's targets) for .ci/bench. Needs nginx with
// the Nchan module, and python3.
//
//   bench_streams [--events N] [--rate R] [--runs K] [--streams N] [--idle-seconds S]

#include "benchsupport.h"
#include "memorytuning.h"
#include "networkaccessmanager.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>

#include <cstdio>
#include <memory>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// Nchan (Bench::startNchan()) with an EventSource subscriber at
/// /es/<channel> too (a ping comment every 10 s), keeping every message a
/// run publishes.
bool startNchanStreams(Bench::ChildServer &server, const QTemporaryDir &dir, int connections)
{
    return Bench::startNchan(server, dir, connections,
                             QStringLiteral("nchan_message_buffer_length 100000;\n"
                                            "    nchan_message_timeout 10m;"),
                             QStringLiteral(R"(        location ~ ^/es/(\w+)$ {
            nchan_subscriber eventsource;
            nchan_channel_id $1;
            nchan_eventsource_ping_interval 10;
            nchan_subscriber_timeout 0;
        }
)"));
}

/// Publishes `count` small JSON events to /pub/<channel> over one kept-alive
/// connection, `rate` per second (0: as fast as it goes), from a child
/// process. Exits 0 if every POST was taken.
const char *kPublisher = R"(
import http.client, sys, time
port, path, count, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = http.client.HTTPConnection('127.0.0.1', port)
start = time.monotonic()
for i in range(count):
    if rate > 0:
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    body = '{"id":%d,"type":"job.finished","message":"Build #%d of service-%d ok"}' % (i, i, i % 17)
    c.request('POST', path, body, {'Content-Type': 'application/json'})
    r = c.getresponse()
    r.read()
    if r.status not in (201, 202):
        sys.exit('publish: HTTP %d' % r.status)
)";

struct Run
{
    double cpuPerEvent = std::nan("");
    int answers = 0;
};

/// One channel on `profileId` at `url` receives `count` events published at
/// `rate` to `channel`; CPU per event from the first publish to the last
/// event. NaN (and why, on stderr) if not all came.
Run measure(const QString &profileId, const QUrl &url, quint16 port, const QString &channel,
            int count, int rate)
{
    QStringList errors;
    std::unique_ptr<FeedProfile> profile = createProfile(profileId, url, {}, &errors);
    if (!profile) {
        std::fprintf(stderr, "profile: %s\n", qPrintable(errors.join(QLatin1Char(' '))));
        return {};
    }
    NetworkAccessManager network;
    Poller poller(std::move(profile), &network);
    PollerSettings settings;
    settings.liveRepollGuard = 0ms; // answers come at once here by design
    poller.setSettings(settings);
    int received = 0;
    Run run;
    QObject::connect(&poller, &Poller::batchReceived, &poller,
                     [&](const EventList &events) { received += int(events.size()); });
    QObject::connect(&poller, &Poller::responseReceived, &poller, [&] { ++run.answers; });
    QObject::connect(&poller, &Poller::errorOccurred, &poller,
                     [](Poller::Error, const QString &message) {
                         std::fprintf(stderr, "poller: %s\n", qPrintable(message));
                     });
    poller.start();
    // Subscribed: the stream is open, or the long poll is held by Nchan.
    const bool streaming = profileId == QLatin1String("sse");
    Bench::waitUntil(
        [&] {
            return streaming ? poller.isStreaming()
                             : Bench::connectionsTo(port) >= 1 &&
                                   poller.state() == Poller::State::Waiting;
        },
        5000);
    Bench::idleFor(200);
    run.answers = 0;
    QProcess publisher;
    publisher.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    const double cpu0 = Bench::cpuUsecs();
    publisher.start(QStringLiteral("python3"),
                    {QStringLiteral("-c"), QString::fromLatin1(kPublisher), QString::number(port),
                     QStringLiteral("/pub/") + channel, QString::number(count),
                     QString::number(rate)});
    const bool all = Bench::waitUntil([&] { return received >= count; }, 120'000, 50);
    const double cpu = Bench::cpuUsecs() - cpu0;
    publisher.waitForFinished(10'000);
    poller.stop();
    if (!all || publisher.exitCode() != 0) {
        std::fprintf(stderr, "%s: %d of %d events, publisher exit %d\n", qPrintable(profileId),
                     received, count, publisher.exitCode());
        return run;
    }
    run.cpuPerEvent = cpu / count;
    return run;
}

} // namespace

int main(int argc, char *argv[])
{
    limitMallocArenas(); // as the programs do: see memorytuning.h
    Bench::raiseDescriptorLimit();
    Bench::useNetworkEventDispatcher();
    QCoreApplication app(argc, argv);
    Bench::quietLogs();
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"),
                                          QStringLiteral("events per run (default 2000)"),
                                          QStringLiteral("N"), QStringLiteral("2000"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("steady publish rate per s (default 500)"),
                                        QStringLiteral("R"), QStringLiteral("500"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("runs (default 3)"),
                                        QStringLiteral("K"), QStringLiteral("3"));
    const QCommandLineOption streamsOption(QStringLiteral("streams"),
                                           QStringLiteral("idle streams (default 1000)"),
                                           QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption idleOption(QStringLiteral("idle-seconds"),
                                        QStringLiteral("idle measurement (default 30)"),
                                        QStringLiteral("S"), QStringLiteral("30"));
    parser.addOptions({eventsOption, rateOption, runsOption, streamsOption, idleOption});
    parser.process(app);
    const int events = std::max(1, parser.value(eventsOption).toInt());
    const int rate = std::max(0, parser.value(rateOption).toInt());
    const int runs = std::max(1, parser.value(runsOption).toInt());
    const int streams = std::max(1, parser.value(streamsOption).toInt());
    const int idleSeconds = std::max(1, parser.value(idleOption).toInt());

    if (!Bench::haveNchan() ||
        QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty()) {
        std::printf("bench_streams: skipped, needs %s with %s, and python3\n",
                    qPrintable(Bench::kNginx), qPrintable(Bench::kNchanModule));
        return 0;
    }
    QTemporaryDir dir;
    Bench::ChildServer nchan;
    if (!dir.isValid() || !startNchanStreams(nchan, dir, std::max(4096, 2 * streams + 1024)))
        return 1;
    const quint16 port = nchan.port();
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(port);
    std::printf("bench_streams: one channel, %d events a run, %d runs; nginx+Nchan in pid %lld, "
                "publisher a python3 child\n\n",
                events, runs, nchan.pid());
    Bench::printHeader("unit");

    int channelNumber = 0;
    std::map<std::pair<QString, int>, Bench::Summary> perEvent;
    for (const int publishRate : {rate, 0}) {
        for (const QString &profileId : {QStringLiteral("nchan"), QStringLiteral("sse")}) {
            std::vector<double> cpu, answers;
            for (int r = 0; r < runs; ++r) {
                const QString channel = QStringLiteral("c%1").arg(++channelNumber);
                const QString path = (profileId == QLatin1String("sse") ? QStringLiteral("/es/")
                                                                        : QStringLiteral("/sub/")) +
                                     channel;
                const Run run =
                    measure(profileId, QUrl(base + path), port, channel, events, publishRate);
                if (!std::isnan(run.cpuPerEvent)) {
                    cpu.push_back(run.cpuPerEvent);
                    answers.push_back(double(run.answers));
                }
            }
            const QString how = profileId == QLatin1String("sse")
                                    ? QStringLiteral("stream (sse, EventSource)")
                                    : QStringLiteral("long poll (nchan)");
            const QString when = publishRate > 0 ? QStringLiteral("%1/s").arg(publishRate)
                                                 : QStringLiteral("flat out");
            perEvent[{profileId, publishRate}] = Bench::summarize(cpu);
            Bench::printRow(QStringLiteral("CPU per event, %1, published %2").arg(how, when),
                            perEvent[{profileId, publishRate}], "us");
            Bench::printRow(QStringLiteral("  responses (a stream: one per read)"),
                            Bench::summarize(answers), "count");
        }
    }

    // Idle streams: opened, then measured in four windows.
    NetworkPool pool;
    std::vector<std::unique_ptr<Poller>> pollers;
    PollerSettings settings;
    for (int i = 0; i < streams; ++i) {
        const QUrl url(base + QStringLiteral("/es/idle%1").arg(i));
        QStringList errors;
        std::unique_ptr<FeedProfile> profile =
            createProfile(QStringLiteral("sse"), url, {}, &errors);
        if (!profile)
            return 1;
        auto poller =
            std::make_unique<Poller>(std::move(profile), pool.acquire(url, settings.transport));
        poller->setSettings(settings);
        QObject::connect(poller.get(), &Poller::errorOccurred, poller.get(),
                         [i](Poller::Error, const QString &message) {
                             std::fprintf(stderr, "stream %d: %s\n", i, qPrintable(message));
                         });
        poller->start();
        pollers.push_back(std::move(poller));
    }
    const bool allOpen = Bench::waitUntil(
        [&] {
            return std::all_of(pollers.begin(), pollers.end(),
                               [](const auto &p) { return p->isStreaming(); });
        },
        60'000, 50);
    const int open = int(std::count_if(pollers.begin(), pollers.end(),
                                       [](const auto &p) { return p->isStreaming(); }));
    Bench::idleFor(1000);
    std::vector<double> windows;
    const double idle0 = Bench::cpuUsecs();
    QElapsedTimer wall;
    wall.start();
    for (int w = 0; w < 4; ++w) {
        const double cpu0 = Bench::cpuUsecs();
        QElapsedTimer window;
        window.start();
        Bench::idleFor(idleSeconds * 1000 / 4);
        windows.push_back(100.0 * (Bench::cpuUsecs() - cpu0) /
                          (double(window.nsecsElapsed()) / 1000.0));
    }
    const double idleCpu =
        100.0 * (Bench::cpuUsecs() - idle0) / (double(wall.nsecsElapsed()) / 1000.0);
    const int stillOpen = int(std::count_if(pollers.begin(), pollers.end(),
                                            [](const auto &p) { return p->isStreaming(); }));
    Bench::printRow(QStringLiteral("%1 idle streams: CPU of a core, %2 s windows")
                        .arg(streams)
                        .arg(idleSeconds / 4.0),
                    Bench::summarize(windows), "%");
    Bench::printRow(QStringLiteral("%1 idle streams: CPU of a core over all %2 s")
                        .arg(streams)
                        .arg(idleSeconds),
                    Bench::summarize({idleCpu}), "%");
    Bench::printRow(QStringLiteral("  streams open at the start / at the end"),
                    Bench::summarize({double(open), double(stillOpen)}), "count");
    Bench::printRow(QStringLiteral("  managers (NetworkPool)"),
                    Bench::summarize({double(pool.managerCount())}), "count");
    if (!allOpen)
        std::printf("(NOT ALL STREAMS OPENED: %d of %d)\n", open, streams);
    for (auto &poller : pollers)
        poller->stop();

    std::printf("\ntargets: CPU per event of a stream <= a long poll's; %d idle streams < 1 %% "
                "of a core\n\n",
                streams);
    const auto streamRow = [&](int publishRate, const QString &when) {
        const double longPoll = perEvent[{QStringLiteral("nchan"), publishRate}].median;
        Bench::printSummary(20, QStringLiteral("CPU per event, stream, published %1").arg(when),
                            perEvent[{QStringLiteral("sse"), publishRate}].median, "us",
                            QStringLiteral("<= long poll's (%1 us)").arg(longPoll, 0, 'f', 1),
                            Bench::Goal::AtMost, longPoll);
    };
    streamRow(rate, QStringLiteral("%1/s").arg(rate));
    streamRow(0, QStringLiteral("flat out"));
    Bench::printSummary(20, QStringLiteral("%1 idle streams: CPU of a core").arg(streams), idleCpu,
                        "%", QStringLiteral("< 1 %"), Bench::Goal::Below, 1.0);
    return 0;
}
