// bench_channels: many channels to one server (longwatch-feed in its own
// process), each on a manager from NetworkPool (HTTP/1.1, six per manager):
//   - fan-out: one event published to every channel (POSTs from a helper
//     thread, all at once) -> time until every channel has it, and how
//     many were starved (nothing after 5 s);
//   - idle: the channels holding polls for a bounded time: CPU % of one
//     core and RSS per channel above the base before the channels existed.
// Not a test: docs/PERFORMANCE.md has the figures and the command.
//
//   bench_channels [--channels N] [--rounds K] [--idle-seconds S] [--long]

#include "benchsupport.h"
#include "memorytuning.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>

#include <cstdio>
#include <memory>

#include <sys/resource.h>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// Every socket is a descriptor, in this process and in the server it starts.
void raiseDescriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

qint64 stampOf(const QByteArray &raw)
{
    const qsizetype start = raw.indexOf("@@");
    const qsizetype end = start < 0 ? -1 : raw.indexOf("@@", start + 2);
    return end < 0 ? -1 : raw.mid(start + 2, end - start - 2).toLongLong();
}

} // namespace

int main(int argc, char *argv[])
{
    limitMallocArenas(); // as the programs do: see memorytuning.h
    raiseDescriptorLimit();
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*.debug=false\n"
                                                    "longwatch.*.info=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption channelsOption(QStringLiteral("channels"), QStringLiteral("channels"),
                                            QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption roundsOption(QStringLiteral("rounds"),
                                          QStringLiteral("fan-out rounds"), QStringLiteral("K"),
                                          QStringLiteral("5"));
    const QCommandLineOption idleOption(QStringLiteral("idle-seconds"),
                                        QStringLiteral("idle measurement (default 20)"),
                                        QStringLiteral("S"), QStringLiteral("20"));
    const QCommandLineOption longOption(QStringLiteral("long"), QStringLiteral("idle for 60 s"));
    const QCommandLineOption holdOption(
        QStringLiteral("hold"), QStringLiteral("seconds the server holds each poll (default 10)"),
        QStringLiteral("S"), QStringLiteral("10"));
    parser.addOptions({channelsOption, roundsOption, idleOption, longOption, holdOption});
    parser.process(app);
    // The feed server keeps at most FeedServer::maxFeeds (1024) feeds.
    const int channels = std::clamp(parser.value(channelsOption).toInt(), 1, 1024);
    const int rounds = std::clamp(parser.value(roundsOption).toInt(), 1, 100);
    const int idleSeconds =
        parser.isSet(longOption) ? 60 : std::clamp(parser.value(idleOption).toInt(), 4, 600);
    const int holdSeconds = std::clamp(parser.value(holdOption).toInt(), 1, 300);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    Bench::ChildServer server;
    if (!Bench::startFeedServer(server, dir))
        return 1;
    const QString base = QStringLiteral("http://127.0.0.1:%1/feeds/").arg(server.port());

    NetworkPool pool;
    const qint64 baseRss = Bench::procStatusKiB(0, "VmRSS");
    std::vector<std::unique_ptr<Poller>> pollers;
    std::vector<qint64> lastStamp(std::size_t(channels), 0);
    std::vector<qint64> deliveredAt(std::size_t(channels), 0);
    // Holds of 10 s by default, so that the idle phase sees re-polls. The
    // seed-events preset sends no hold parameter: without hold-param the
    // server would hold for its own time, not the one the Poller expects.
    const QVariantMap knobs{{QStringLiteral("hold"), QString::number(holdSeconds)},
                            {QStringLiteral("hold-param"), QStringLiteral("hold")}};
    for (int i = 0; i < channels; ++i) {
        const QUrl url(base + QStringLiteral("ch%1/poll").arg(i));
        QStringList errors;
        std::unique_ptr<FeedProfile> profile =
            createProfile(QStringLiteral("seed-events"), url, knobs, &errors);
        if (!profile) {
            std::fprintf(stderr, "profile: %s\n", qPrintable(errors.join(QLatin1Char(' '))));
            return 1;
        }
        auto poller = std::make_unique<Poller>(std::move(profile), pool.acquire(url));
        QObject::connect(poller.get(), &Poller::batchReceived, poller.get(),
                         [&, i](const EventList &events) {
                             const qint64 now = Bench::monotonicUsecs();
                             for (const Event &event : events)
                                 lastStamp[std::size_t(i)] = stampOf(event.raw);
                             deliveredAt[std::size_t(i)] = now;
                         });
        QObject::connect(poller.get(), &Poller::errorOccurred, poller.get(),
                         [i](Poller::Error, const QString &message) {
                             std::fprintf(stderr, "channel %d: %s\n", i, qPrintable(message));
                         });
        poller->start();
        pollers.push_back(std::move(poller));
    }
    const bool allWaiting = Bench::waitUntil(
        [&] {
            return std::all_of(pollers.begin(), pollers.end(),
                               [](const auto &p) { return p->state() == Poller::State::Waiting; });
        },
        30'000);
    // Let the last requests reach the server and be held.
    Bench::idleFor(1000);
    std::printf("bench_channels: %d channels on %d managers (NetworkPool, HTTP/1.1)%s, "
                "%d fan-out rounds, %d s idle; server in pid %lld\n\n",
                channels, pool.managerCount(), allWaiting ? "" : " (NOT ALL WAITING)", rounds,
                idleSeconds, server.pid());
    Bench::printHeader("unit");

    std::vector<double> allDelivered, p50, worst, starvedRuns;
    for (int round = 0; round < rounds; ++round) {
        std::fill(deliveredAt.begin(), deliveredAt.end(), 0);
        const qint64 start = Bench::monotonicUsecs();
        Bench::HttpPublisher publisher(
            [&](int i) {
                QNetworkRequest request(QUrl(base + QStringLiteral("ch%1/publish").arg(i)));
                request.setHeader(QNetworkRequest::ContentTypeHeader,
                                  QByteArrayLiteral("application/json"));
                return request;
            },
            [](qint64 usecs, int) { return "{\"m\":\"@@" + QByteArray::number(usecs) + "@@\"}"; },
            channels, 0);
        const auto delivered = [&] {
            return std::count_if(deliveredAt.begin(), deliveredAt.end(),
                                 [&](qint64 t) { return t >= start; });
        };
        Bench::waitUntil([&] { return delivered() == channels; }, 5000);
        std::vector<double> latencies;
        qint64 last = start;
        for (int i = 0; i < channels; ++i) {
            if (deliveredAt[std::size_t(i)] >= start) {
                latencies.push_back(
                    double(deliveredAt[std::size_t(i)] - lastStamp[std::size_t(i)]));
                last = std::max(last, deliveredAt[std::size_t(i)]);
            }
        }
        starvedRuns.push_back(double(channels - delivered()));
        allDelivered.push_back(double(last - start) / 1000.0);
        p50.push_back(Bench::quantile(latencies, 0.5) / 1000.0);
        worst.push_back(Bench::quantile(latencies, 1.0) / 1000.0);
        Bench::waitUntil([&] { return publisher.isDone(); }, 10'000);
    }
    Bench::printRow(QStringLiteral("fan-out: first publish -> all delivered"),
                    Bench::summarize(allDelivered), "ms");
    Bench::printRow(QStringLiteral("fan-out: publish -> delivery, p50 channel"),
                    Bench::summarize(p50), "ms");
    Bench::printRow(QStringLiteral("fan-out: publish -> delivery, slowest channel"),
                    Bench::summarize(worst), "ms");
    Bench::printRow(QStringLiteral("fan-out: channels starved (nothing in 5 s)"),
                    Bench::summarize(starvedRuns), "count");

    // Idle: measured in windows of a quarter of the time each.
    std::vector<double> cpuPercent;
    const int windowMs = idleSeconds * 1000 / 4;
    const double idleCpu0 = Bench::cpuUsecs();
    QElapsedTimer idleWall;
    idleWall.start();
    for (int w = 0; w < 4; ++w) {
        const double cpu0 = Bench::cpuUsecs();
        QElapsedTimer wall;
        wall.start();
        Bench::idleFor(windowMs);
        cpuPercent.push_back(100.0 * (Bench::cpuUsecs() - cpu0) /
                             (double(wall.nsecsElapsed()) / 1000.0));
    }
    const double perChannel = double(Bench::procStatusKiB(0, "VmRSS") - baseRss) / channels;
    const double idleCpu =
        100.0 * (Bench::cpuUsecs() - idleCpu0) / (double(idleWall.nsecsElapsed()) / 1000.0);
    Bench::printRow(QStringLiteral("idle: CPU of one core, %1 s windows (hold %2 s)")
                        .arg(windowMs / 1000)
                        .arg(holdSeconds),
                    Bench::summarize(cpuPercent), "%");
    Bench::printRow(QStringLiteral("idle: CPU of one core over all %1 s").arg(idleSeconds),
                    Bench::summarize({idleCpu}), "%");
    Bench::printRow(QStringLiteral("idle: RSS per channel above base"),
                    Bench::summarize({perChannel}), "KiB");
    std::printf("\ntargets: all delivered within 1000 ms, none starved; idle < 1 %% CPU, "
                "< 64 KiB per channel\n");
    for (auto &poller : pollers)
        poller->stop();
    return 0;
}
