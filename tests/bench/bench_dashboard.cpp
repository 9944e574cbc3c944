// bench_dashboard: the dashboard itself (MainWindow, its EventModel, the
// event log written by an EventLogWriter), offscreen, wired as app/longwatch.cpp
// wires it (SettingsChannelStore, ChannelManager, MainWindow, Startup):
//
//   latency (row 2): one seed-events channel, events published at 200/s with
//     a CLOCK_MONOTONIC stamp; publish -> the row is in the EventModel
//     (rowsInserted), through (a) an in-process FeedServer published to on
//     the GUI thread and (b) the longwatch-feed program (blocking socket
//     POSTs from a helper thread, each stamped right before its write). The event log is on, so
//     recording runs as in the app.
//   flood (row 7): 100 channels to a flood server in a child process (this
//     program with --flood-server: a FeedServer that publishes ~20,000
//     events/s round robin over the feeds, so held polls are answered with
//     whatever is pending), the event log on, for --flood-seconds. A 5 ms
//     QTimer on the GUI thread measures stalls (how late each tick is);
//     RSS (sampled every second: whether it levels off), rows, events/s and
//     the EventLogWriter's backlog are reported.
//   cold start (row 9): an event log of 1,000,000 events over 100 channels
//     (made once per invocation, or kept with --cold-cache) and an ini with
//     those channels, pointed at a server that holds their polls; the real
//     `longwatch` binary is started with --screenshot (hidden option, delay
//     0, a BMP) and timed from before the process starts until it logs that
//     the grab of its window (channels loaded, events shown) is saved. The
//     same start is also measured in-process, in steps.
//
// --hidden-window runs latency and flood without showing the window, so
// that the cost of painting can be told apart; --same-thread runs the
// pollers on the GUI thread rather than on the app's network thread.
// Latency also counts the window's paints while events trickle in and the
// GUI thread's CPU time in each; --paint-profile adds which widgets painted
// and how much of them. Under callgrind, each run's trickle is dumped on
// its own ("latency trickle"): run with
// --toggle-collect='QWidgetRepaintManager::paintAndFlush()' for the
// instructions per paint.
//
// Not a test: it prints medians over runs with min and max, never fails on a
// slow machine. docs/PERFORMANCE.md has the figures and the command.
//
//   bench_dashboard [--only latency,flood,cold] [--runs K] [--flood-seconds S]
//                   [--flood-runs K] [--cold-cache DIR] [--hidden-window] ...

#include "benchsupport.h"
#include "channelconfig.h"
#include "channelmanager.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventmodel.h"
#include "mainwindow.h"
#include "settingschannelstore.h"
#include "startup.h"

#include <feedserver.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPaintEvent>
#include <QProcess>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QTimer>
#include <QUuid>

#include <cstdio>
#include <cstring>
#include <memory>

#include <malloc.h>
#include <time.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name)
#endif

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// The first events of a latency run warm connections up and are not counted.
constexpr int kWarmup = 10;
/// The stall probe's interval on the GUI thread.
constexpr int kProbeMs = 5;

QByteArray stamp(qint64 usecs)
{
    return "@@" + QByteArray::number(usecs) + "@@";
}

/// The stamp in an event's raw JSON, -1 if none.
qint64 stampOf(const QByteArray &raw)
{
    const qsizetype start = raw.indexOf("@@");
    const qsizetype end = start < 0 ? -1 : raw.indexOf("@@", start + 2);
    if (end < 0)
        return -1;
    bool ok = false;
    const qint64 value = raw.mid(start + 2, end - start - 2).toLongLong(&ok);
    return ok ? value : -1;
}

double mib(qint64 kib)
{
    return kib < 0 ? std::nan("") : double(kib) / 1024.0;
}

QtMessageHandler g_defaultHandler = nullptr;

/// Drops what the offscreen platform and a machine without a keychain or a
/// session say at every window and start (it would cut the tables); the
/// rest goes to Qt's handler.
void quietMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    for (const char *noise : {"This plugin does not support", "no system keychain",
                              "QStandardPaths: XDG_RUNTIME_DIR not set"}) {
        if (message.contains(QLatin1String(noise)))
            return;
    }
    g_defaultHandler(type, context, message);
}

/// A seed-events channel on `url` whose server holds polls for `holdSeconds`
/// (told with hold-param: the preset sends no hold otherwise).
ChannelConfig feedChannel(const QString &name, const QUrl &url, int holdSeconds)
{
    ChannelConfig config;
    config.name = name;
    config.url = url;
    config.knobs = {{QStringLiteral("hold"), QString::number(holdSeconds)},
                    {QStringLiteral("hold-param"), QStringLiteral("hold")}};
    return config;
}

/// False with --hidden-window: the latency and flood phases leave the window
/// unshown, so nothing is painted (tells the cost of painting apart).
bool g_showWindow = true;

/// False with --same-thread: the pollers run on the GUI thread instead of
/// the network thread the app gives them (tells that thread's gain apart).
bool g_networkThread = true;

/// CPU time of the calling thread, µs.
double threadCpuUsecs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e6 + double(now.tv_nsec) / 1e3;
}

/// The window's paints while recording (a latency run's trickle): each
/// UpdateRequest a top-level widget handles is one paint of the window
/// (QWidgetRepaintManager::sync()), with every widget's Paint event in it.
struct PaintProfile
{
    struct Widget
    {
        qint64 paints = 0;
        qint64 pixels = 0; ///< painted area, summed over the paints
    };
    bool recording = false;
    bool perWidget = false;         ///< --paint-profile
    std::vector<double> cpuUsecs;   ///< the GUI thread's, per window paint
    QHash<QString, Widget> widgets; ///< by "Class#objectName"

    void start()
    {
        recording = true;
        cpuUsecs.clear();
        widgets.clear();
    }
};
PaintProfile g_paints;

/// "Class#objectName" of a widget, or of the nearest named parent.
QString widgetKey(const QWidget *widget)
{
    QString key = QString::fromLatin1(widget->metaObject()->className());
    for (const QWidget *w = widget; w; w = w->parentWidget()) {
        if (!w->objectName().isEmpty() && !w->objectName().startsWith(QLatin1String("qt_"))) {
            key += (w == widget ? QStringLiteral("#") : QStringLiteral(" in #")) + w->objectName();
            break;
        }
    }
    return key;
}

/// Records g_paints while it is recording.
class BenchApplication final : public QApplication
{
public:
    using QApplication::QApplication;

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (!g_paints.recording || !receiver->isWidgetType())
            return QApplication::notify(receiver, event);
        auto *widget = static_cast<QWidget *>(receiver);
        if (event->type() == QEvent::Paint && g_paints.perWidget) {
            PaintProfile::Widget &w = g_paints.widgets[widgetKey(widget)];
            ++w.paints;
            for (const QRect &rect : static_cast<QPaintEvent *>(event)->region())
                w.pixels += qint64(rect.width()) * rect.height();
        }
        if (event->type() != QEvent::UpdateRequest || !widget->isWindow())
            return QApplication::notify(receiver, event);
        const double before = threadCpuUsecs();
        const bool result = QApplication::notify(receiver, event);
        g_paints.cpuUsecs.push_back(threadCpuUsecs() - before);
        return result;
    }
};

const char *windowState()
{
    if (!g_networkThread)
        return g_showWindow ? "window shown, pollers on the GUI thread"
                            : "window HIDDEN (no painting), pollers on the GUI thread";
    return g_showWindow ? "window shown" : "window HIDDEN (no painting)";
}

/// The dashboard as app/longwatch.cpp builds it, in the same order (Startup
/// last, so it goes first), with the event log and settings in `dir` and no
/// keychain (secrets, of which there are none, go to a file there).
class Dashboard
{
public:
    Dashboard(const QString &settingsPath, const QString &eventLogPath, const QString &dir)
        : m_settings(settingsPath, QSettings::IniFormat)
        , m_store(&m_settings)
        , m_manager(&m_store)
        , m_window(&m_manager, &m_settings)
        , m_startup(options(eventLogPath, dir), &m_store, &m_manager, &m_window)
    {
        QObject::connect(&m_startup, &Startup::finished, &m_window, [this] { m_finished = true; });
        if (g_networkThread)
            m_manager.useNetworkThread(); // as app/longwatch.cpp does
    }

    /// Shows the window (unless `show` is false) and runs the start; true
    /// once finished() came.
    bool start(bool show = true, int timeoutMs = 30'000)
    {
        m_window.restoreWindowState();
        if (show)
            m_window.show();
        m_startup.run();
        return Bench::waitUntil([this] { return m_finished; }, timeoutMs);
    }
    bool isFinished() const { return m_finished; }

    ChannelManager &manager() { return m_manager; }
    MainWindow &window() { return m_window; }
    EventModel *model() const { return m_window.eventModel(); }
    EventLogWriter *writer() { return m_startup.writer(); }
    bool hasEventLog() const { return m_startup.hasEventLog(); }
    Startup &startup() { return m_startup; }

    bool allWaiting() const
    {
        const QList<Channel *> &channels = m_manager.channels();
        return std::all_of(channels.begin(), channels.end(),
                           [](const Channel *c) { return c->state() == Poller::State::Waiting; });
    }

private:
    static Startup::Options options(const QString &eventLogPath, const QString &dir)
    {
        Startup::Options options;
        options.eventLogPath = eventLogPath;
        options.noKeychain = true;
        options.secretsFallbackPath = dir + QStringLiteral("/secrets.json");
        return options;
    }

    QSettings m_settings;
    SettingsChannelStore m_store;
    ChannelManager m_manager;
    MainWindow m_window;
    Startup m_startup;
    bool m_finished = false;
};

/// A GET or POST on this thread's event loop, waited for (setup and
/// teardown only, never while something is measured). Empty on failure.
QByteArray httpRequest(const QUrl &url, const QByteArray &postBody = {}, int timeoutMs = 15'000)
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = nullptr;
    if (postBody.isNull()) {
        reply = network.get(request);
    } else {
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        reply = network.post(request, postBody);
    }
    Bench::waitUntil([reply] { return reply->isFinished(); }, timeoutMs + 1000);
    const QByteArray body =
        reply->error() == QNetworkReply::NoError ? reply->readAll() : QByteArray();
    if (reply->error() != QNetworkReply::NoError)
        std::fprintf(stderr, "%s: %s\n", qPrintable(url.toString()),
                     qPrintable(reply->errorString()));
    reply->deleteLater();
    return body;
}

// ------------------------------------------------------------- flood server

/// --flood-server: a FeedServer in this (child) process. It waits for a
/// control event {"rate": R, "seconds": S, "channels": N} on the feed
/// "control", then publishes R events/s, round robin over the feeds f0 ..
/// f<N-1>, for S seconds (catching up on a late timer, so the rate holds if
/// the process keeps up), and then publishes what it did to the feed "stats".
int runFloodServer(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Bench::quietLogs();
    QCommandLineParser parser;
    const QCommandLineOption serverOption(QStringLiteral("flood-server"));
    const QCommandLineOption portFileOption(QStringLiteral("port-file"), QString(),
                                            QStringLiteral("file"));
    parser.addOptions({serverOption, portFileOption});
    parser.process(app);

    FeedServer server;
    FeedServerSettings settings;
    settings.hold = 30s;
    settings.retain = 5000; // 25 s of one feed at 200/s: bounded memory
    server.setSettings(settings);
    if (!server.listen()) {
        std::fprintf(stderr, "flood server: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    {
        QFile portFile(parser.value(portFileOption));
        if (!portFile.open(QIODevice::WriteOnly) ||
            portFile.write(QByteArray::number(server.port())) < 0)
            return 1;
    }

    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(kProbeMs);
    QElapsedTimer clock;
    double rate = 0;
    qint64 durationMs = 0;
    int channels = 1;
    qint64 published = 0;
    qint64 behindMax = 0; ///< the most events the schedule was ahead of us
    const QStringList types{QStringLiteral("build.started"), QStringLiteral("build.progress"),
                            QStringLiteral("deploy.step"), QStringLiteral("alert.warning")};
    QObject::connect(&timer, &QTimer::timeout, &server, [&] {
        const qint64 elapsed = std::min(clock.elapsed(), durationMs);
        const auto due = qint64(rate * double(elapsed) / 1000.0);
        behindMax = std::max(behindMax, due - published);
        while (published < due) {
            const int channel = int(published % channels);
            server.publish(
                QStringLiteral("f%1").arg(channel),
                QJsonObject{
                    {QStringLiteral("type"), types.at(int(published / channels % 4))},
                    {QStringLiteral("message"),
                     QStringLiteral("step %1 of the flood on channel %2, all is well")
                         .arg(published)
                         .arg(channel)},
                    {QStringLiteral("m"), QString::fromLatin1(stamp(Bench::monotonicUsecs()))}});
            ++published;
        }
        if (elapsed >= durationMs) {
            timer.stop();
            server.publish(QStringLiteral("stats"),
                           QJsonObject{{QStringLiteral("published"), published},
                                       {QStringLiteral("ms"), clock.elapsed()},
                                       {QStringLiteral("behindMax"), behindMax}});
        }
    });
    QObject::connect(&server, &FeedServer::published, &server,
                     [&](const QString &feed, const QJsonObject &event) {
                         if (feed != QLatin1String("control") || timer.isActive())
                             return;
                         rate = event.value(QStringLiteral("rate")).toDouble();
                         durationMs =
                             qint64(event.value(QStringLiteral("seconds")).toDouble() * 1000.0);
                         channels = std::max(1, event.value(QStringLiteral("channels")).toInt());
                         published = 0;
                         behindMax = 0;
                         clock.start();
                         timer.start();
                     });
    return app.exec();
}

// ------------------------------------------------------------------ latency

struct LatencyFigures
{
    std::vector<double> p50, p99;
    std::vector<double> paintsPerSecond;           ///< window paints during the trickle
    std::vector<double> paintCpuMean, paintCpuP99; ///< GUI thread CPU per window paint
    QHash<QString, PaintProfile::Widget> widgets;  ///< summed over the runs
    int lost = 0;
};

/// One latency run: a fresh dashboard in `dir` with one channel on `pollUrl`;
/// `startPublishing` starts `count` events at the rate, `publishingDone`
/// says when all are out.
bool latencyRun(const QString &dir, const QUrl &pollUrl, int count, int rate,
                const std::function<void()> &startPublishing,
                const std::function<bool()> &publishingDone, LatencyFigures *figures)
{
    QDir().mkpath(dir);
    Dashboard dashboard(dir + QStringLiteral("/longwatch.ini"),
                        dir + QStringLiteral("/events.sqlite"), dir);
    if (!dashboard.start(g_showWindow) || !dashboard.hasEventLog()) {
        std::fprintf(stderr, "latency: the dashboard did not start with its event log\n");
        return false;
    }
    EventModel *model = dashboard.model();
    std::vector<double> latencies;
    int seen = 0;
    QObject::connect(model, &QAbstractItemModel::rowsInserted, model,
                     [&](const QModelIndex &, int first, int last) {
                         const qint64 now = Bench::monotonicUsecs();
                         for (int row = first; row <= last; ++row) {
                             const qint64 t = stampOf(
                                 model->index(row, 0).data(EventModel::RawJsonRole).toByteArray());
                             if (t < 0)
                                 continue;
                             if (seen++ >= kWarmup)
                                 latencies.push_back(double(now - t));
                         }
                     });
    dashboard.manager().addChannel(feedChannel(QStringLiteral("latency"), pollUrl, 5));
    Bench::waitUntil([&] { return dashboard.allWaiting(); }, 10'000);
    Bench::idleFor(200);

    g_paints.start();
    CALLGRIND_ZERO_STATS;
    QElapsedTimer trickle;
    trickle.start();
    startPublishing();
    const int runMs = count * 1000 / rate + 10'000;
    Bench::waitUntil([&] { return seen >= count && publishingDone(); }, runMs);
    CALLGRIND_DUMP_STATS_AT("latency trickle");
    g_paints.recording = false;
    const double seconds = double(std::max<qint64>(1, trickle.elapsed())) / 1000.0;
    figures->paintsPerSecond.push_back(double(g_paints.cpuUsecs.size()) / seconds);
    if (!g_paints.cpuUsecs.empty()) {
        double sum = 0;
        for (const double usecs : g_paints.cpuUsecs)
            sum += usecs;
        figures->paintCpuMean.push_back(sum / double(g_paints.cpuUsecs.size()));
        figures->paintCpuP99.push_back(Bench::quantile(g_paints.cpuUsecs, 0.99));
    }
    for (auto it = g_paints.widgets.cbegin(); it != g_paints.widgets.cend(); ++it) {
        PaintProfile::Widget &sum = figures->widgets[it.key()];
        sum.paints += it->paints;
        sum.pixels += it->pixels;
    }
    figures->lost += count - std::min(seen, count);
    if (latencies.empty())
        return false;
    figures->p50.push_back(Bench::quantile(latencies, 0.5));
    figures->p99.push_back(Bench::quantile(latencies, 0.99));
    return true;
}

void reportLatency(const QString &label, const LatencyFigures &f)
{
    Bench::printRow(label + QStringLiteral(": p50"), Bench::summarize(f.p50), "us");
    Bench::printRow(label + QStringLiteral(": p99"), Bench::summarize(f.p99), "us");
    if (g_showWindow) {
        Bench::printRow(label + QStringLiteral(": window paints"),
                        Bench::summarize(f.paintsPerSecond), "/s");
        Bench::printRow(label + QStringLiteral(": GUI CPU per window paint, mean"),
                        Bench::summarize(f.paintCpuMean), "us");
        Bench::printRow(label + QStringLiteral(": GUI CPU per window paint, p99"),
                        Bench::summarize(f.paintCpuP99), "us");
    }
    Bench::deferSummary(2, QStringLiteral("publish -> row in the EventModel, %1: p50").arg(label),
                        Bench::summarize(f.p50).median, "us", {});
    Bench::deferSummary(2, QStringLiteral("publish -> row in the EventModel, %1: p99").arg(label),
                        Bench::summarize(f.p99).median, "us", QStringLiteral("p99 <= 5000 us"),
                        Bench::Goal::AtMost, 5000);
    if (f.lost > 0)
        std::printf("  (%s: %d events did not arrive in time)\n", qPrintable(label), f.lost);
    if (!f.widgets.isEmpty()) {
        // Most painted area first.
        QList<QString> keys = f.widgets.keys();
        std::sort(keys.begin(), keys.end(), [&f](const QString &a, const QString &b) {
            return f.widgets.value(a).pixels > f.widgets.value(b).pixels;
        });
        std::printf("\n  %s, paints during the trickles (all runs):\n  | %-58s | %8s | %12s |\n",
                    qPrintable(label), "widget", "paints", "kpixels");
        for (const QString &key : keys) {
            const PaintProfile::Widget &w = f.widgets.value(key);
            std::printf("  | %-58s | %8lld | %12.1f |\n", qPrintable(key.left(58)), w.paints,
                        double(w.pixels) / 1000.0);
        }
        std::printf("\n");
    }
}

void benchLatency(const QTemporaryDir &dir, int runs, int count, int rate)
{
    std::printf("latency (row 2): publish -> row in the EventModel, one seed-events channel, "
                "event log on, %s, %d events/s, %d events per run (first %d not counted), %d "
                "runs\n\n",
                windowState(), rate, count, kWarmup, runs);
    Bench::printHeader("unit");
    const auto interval = std::chrono::milliseconds(std::max(1, 1000 / rate));
    {
        FeedServer server;
        if (!server.listen()) {
            std::fprintf(stderr, "%s\n", qPrintable(server.errorString()));
            return;
        }
        LatencyFigures figures;
        for (int r = 0; r < runs; ++r) {
            const QString feed = QStringLiteral("a%1").arg(r);
            QTimer timer;
            timer.setTimerType(Qt::PreciseTimer);
            timer.setInterval(interval);
            int published = 0;
            QObject::connect(&timer, &QTimer::timeout, &timer, [&] {
                if (published == count) {
                    timer.stop();
                    return;
                }
                ++published;
                server.publish(feed,
                               QJsonObject{{QStringLiteral("type"), QStringLiteral("probe")},
                                           {QStringLiteral("m"),
                                            QString::fromLatin1(stamp(Bench::monotonicUsecs()))}});
            });
            latencyRun(
                dir.filePath(QStringLiteral("latency-a%1").arg(r)),
                QUrl(server.baseUrl().toString() + QStringLiteral("/feeds/") + feed +
                     QStringLiteral("/poll")),
                count, rate, [&] { timer.start(); }, [&] { return published == count; }, &figures);
        }
        reportLatency(QStringLiteral("(a) in-process FeedServer"), figures);
    }
    {
        Bench::ChildServer server;
        if (!Bench::startFeedServer(server, dir))
            return;
        const QString base = QStringLiteral("http://127.0.0.1:%1/feeds/").arg(server.port());
        LatencyFigures figures;
        int failedPublishes = 0;
        for (int r = 0; r < runs; ++r) {
            const QString feed = QStringLiteral("b%1").arg(r);
            const QByteArray publishPath = "/feeds/" + feed.toLatin1() + "/publish";
            std::unique_ptr<Bench::SocketPublisher> publisher;
            latencyRun(
                dir.filePath(QStringLiteral("latency-b%1").arg(r)),
                QUrl(base + feed + QStringLiteral("/poll")), count, rate,
                [&] {
                    // Blocking keep-alive POSTs over a plain socket, each
                    // stamped right before its write (as bench_latency's):
                    // a QNetworkAccessManager publisher stamps before it
                    // queues the POST and so counts its own send path as
                    // delivery. longwatch-feed answers a publish with 201.
                    publisher = std::make_unique<Bench::SocketPublisher>(
                        server.port(), [publishPath](int) { return publishPath; },
                        QByteArrayLiteral("application/json"),
                        [](qint64 usecs, int) {
                            return "{\"type\":\"probe\",\"m\":\"" + stamp(usecs) + "\"}";
                        },
                        count, rate, std::vector<int>{201});
                },
                [&] { return publisher && publisher->isDone(); }, &figures);
            if (publisher)
                failedPublishes += publisher->errors();
        }
        reportLatency(QStringLiteral("(b) longwatch-feed process"), figures);
        if (failedPublishes > 0)
            std::printf("  (%d publishes failed)\n", failedPublishes);
    }
    std::printf("\ntarget (row 2): p99 <= 5000 us\n\n");
    Bench::printDeferredSummaries();
}

// -------------------------------------------------------------------- flood

struct FloodFigures
{
    std::vector<double> idleStallP99, idleStallMax, stallP99, stallMax, over16, stalledShare,
        rssStart, rssHalf, rssEnd, rssPeak, rssSecondHalf, rssLastQuarter, rows, deliveredPerSecond,
        recordedPerSecond, publishedPerSecond, pendingEnd, drainMs, rowP50, rowP99;
    /// The last run's RSS in MiB, sampled every second of the flood.
    std::vector<double> rssCurve;
};

/// Records how late each tick of a kProbeMs timer on this thread is.
class StallProbe
{
public:
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(kProbeMs);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
            const qint64 now = Bench::monotonicUsecs();
            if (m_last > 0)
                m_stalls.push_back(std::max(0.0, double(now - m_last - kProbeMs * 1000) / 1000.0));
            m_last = now;
        });
    }
    void start()
    {
        m_stalls.clear();
        m_last = 0;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    /// Lateness of each tick in ms.
    const std::vector<double> &stalls() const { return m_stalls; }

private:
    QTimer m_timer;
    qint64 m_last = 0;
    std::vector<double> m_stalls;
};

bool floodRun(const QString &dir, const QString &selfPath, int channels, int rate, int seconds,
              FloodFigures *f)
{
    QDir().mkpath(dir);
    Bench::ChildServer server;
    const QString portFile = dir + QStringLiteral("/flood.port");
    if (!server.start(selfPath,
                      {QStringLiteral("--flood-server"), QStringLiteral("--port-file"), portFile},
                      [portFile] { return Bench::readPortFile(portFile); }))
        return false;
    const QString base = QStringLiteral("http://127.0.0.1:%1/feeds/").arg(server.port());

    Dashboard dashboard(dir + QStringLiteral("/longwatch.ini"),
                        dir + QStringLiteral("/events.sqlite"), dir);
    if (!dashboard.start(g_showWindow) || !dashboard.hasEventLog()) {
        std::fprintf(stderr, "flood: the dashboard did not start with its event log\n");
        return false;
    }
    for (int i = 0; i < channels; ++i) {
        dashboard.manager().addChannel(feedChannel(
            QStringLiteral("flood %1").arg(i), QUrl(base + QStringLiteral("f%1/poll").arg(i)), 30));
    }
    if (!Bench::waitUntil([&] { return dashboard.allWaiting(); }, 30'000))
        std::fprintf(stderr, "flood: not every channel is waiting\n");
    Bench::idleFor(500);

    // The probe with nothing happening: what the machine itself adds.
    StallProbe probe;
    probe.start();
    Bench::idleFor(2000);
    probe.stop();
    f->idleStallP99.push_back(Bench::quantile(probe.stalls(), 0.99));
    f->idleStallMax.push_back(Bench::quantile(probe.stalls(), 1.0));

    EventModel *model = dashboard.model();
    std::vector<double> rowLatencies; // the oldest event of each inserted batch
    const auto connection = QObject::connect(
        model, &QAbstractItemModel::rowsInserted, model, [&](const QModelIndex &, int first, int) {
            const qint64 t =
                stampOf(model->index(first, 0).data(EventModel::RawJsonRole).toByteArray());
            if (t > 0)
                rowLatencies.push_back(double(Bench::monotonicUsecs() - t) / 1000.0);
        });
    qint64 recorded = 0;
    QObject::connect(dashboard.writer(), &EventLogWriter::committed, model,
                     [&](const QString &, const QString &, int added) { recorded += added; });

    const qint64 rss0 = Bench::procStatusKiB(0, "VmRSS");
    std::vector<double> rssCurve; // MiB, once a second
    const qint64 appended0 = model->totalAppended();
    const QByteArray control = QJsonDocument(QJsonObject{{QStringLiteral("rate"), rate},
                                                         {QStringLiteral("seconds"), seconds},
                                                         {QStringLiteral("channels"), channels}})
                                   .toJson(QJsonDocument::Compact);
    if (httpRequest(QUrl(base + QStringLiteral("control/publish")), control).isEmpty())
        return false;
    probe.start();
    QElapsedTimer wall;
    wall.start();
    QTimer sampler;
    sampler.setInterval(1000);
    QObject::connect(&sampler, &QTimer::timeout, &sampler,
                     [&] { rssCurve.push_back(mib(Bench::procStatusKiB(0, "VmRSS"))); });
    sampler.start();
    Bench::idleFor(seconds * 1000);
    const qint64 elapsedMs = wall.elapsed();
    probe.stop();
    sampler.stop();
    QObject::disconnect(connection);
    const qint64 appended = model->totalAppended() - appended0;
    const qint64 recordedInWindow = recorded;
    const qint64 rssEnd = Bench::procStatusKiB(0, "VmRSS");
    const qint64 pending = dashboard.writer()->pendingEvents();
    const int rows = model->rowCount();

    // Does the log catch up once the flood is over? (bounded wait)
    QElapsedTimer drain;
    drain.start();
    const bool drained =
        Bench::waitUntil([&] { return dashboard.writer()->pendingEvents() == 0; }, 30'000, 20);

    const QJsonObject stats =
        QJsonDocument::fromJson(
            httpRequest(QUrl(base + QStringLiteral("stats/poll?last_id=0&hold=10"))))
            .object()
            .value(QStringLiteral("events"))
            .toArray()
            .at(0)
            .toObject();
    const double published = stats.value(QStringLiteral("published")).toDouble();
    const double publishMs = stats.value(QStringLiteral("ms")).toDouble();

    f->stallP99.push_back(Bench::quantile(probe.stalls(), 0.99));
    f->stallMax.push_back(Bench::quantile(probe.stalls(), 1.0));
    double stalledMs = 0;
    for (const double stall : probe.stalls())
        stalledMs += stall >= 16.0 ? stall : 0.0;
    f->over16.push_back(double(std::count_if(probe.stalls().begin(), probe.stalls().end(),
                                             [](double s) { return s >= 16.0; })));
    f->stalledShare.push_back(100.0 * stalledMs / double(elapsedMs));
    f->rssStart.push_back(mib(rss0));
    // The curve gives the rest: half time, the peak, the last quarter.
    const auto at = [&rssCurve](std::size_t i) {
        return i < rssCurve.size() ? rssCurve[i] : std::nan("");
    };
    const double rssHalf = rssCurve.empty() ? std::nan("") : at((rssCurve.size() - 1) / 2);
    f->rssHalf.push_back(rssHalf);
    f->rssEnd.push_back(mib(rssEnd));
    f->rssPeak.push_back(
        std::max(mib(std::max(rss0, rssEnd)),
                 rssCurve.empty() ? 0.0 : *std::max_element(rssCurve.begin(), rssCurve.end())));
    f->rssSecondHalf.push_back(mib(rssEnd) - rssHalf);
    // Bounded memory levels off: the last quarter of the run adds little.
    f->rssLastQuarter.push_back(100.0 * (mib(rssEnd) - at(rssCurve.size() * 3 / 4)) / mib(rssEnd));
    f->rssCurve = std::move(rssCurve);
    f->rows.push_back(double(rows));
    f->deliveredPerSecond.push_back(double(appended) * 1000.0 / double(elapsedMs));
    f->recordedPerSecond.push_back(double(recordedInWindow) * 1000.0 / double(elapsedMs));
    f->publishedPerSecond.push_back(publishMs > 0 ? published * 1000.0 / publishMs : std::nan(""));
    f->pendingEnd.push_back(double(pending));
    f->drainMs.push_back(drained ? double(drain.elapsed()) : std::nan(""));
    f->rowP50.push_back(Bench::quantile(rowLatencies, 0.5));
    f->rowP99.push_back(Bench::quantile(rowLatencies, 0.99));
    if (!drained)
        std::printf("  (the log still had %lld events queued 30 s after the flood)\n",
                    static_cast<long long>(dashboard.writer()->pendingEvents()));
    return true;
}

void benchFlood(const QTemporaryDir &dir, const QString &selfPath, int runs, int channels, int rate,
                int seconds)
{
    std::printf("flood (row 7): %d channels, %d events/s in total from a FeedServer in a child "
                "process, %d s, event log on, %s; stall probe: a %d ms QTimer on the "
                "GUI thread; %d runs\n\n",
                channels, rate, seconds, windowState(), kProbeMs, runs);
    FloodFigures f;
    for (int r = 0; r < runs; ++r) {
        if (!floodRun(dir.filePath(QStringLiteral("flood%1").arg(r)), selfPath, channels, rate,
                      seconds, &f))
            std::fprintf(stderr, "flood run %d failed\n", r + 1);
        // The run's log can be hundreds of MB.
        QDir(dir.filePath(QStringLiteral("flood%1").arg(r))).removeRecursively();
        // Delete what the run left to deleteLater() and give freed memory
        // back, so that the next run's RSS starts nearer where this one's
        // did (glibc keeps freed arenas otherwise).
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        Bench::idleFor(200);
        malloc_trim(0);
    }
    Bench::printHeader("unit");
    Bench::printRow(QStringLiteral("idle before the flood: stall p99"),
                    Bench::summarize(f.idleStallP99), "ms");
    Bench::printRow(QStringLiteral("idle before the flood: stall max"),
                    Bench::summarize(f.idleStallMax), "ms");
    Bench::printRow(QStringLiteral("flood: GUI-thread stall p99"), Bench::summarize(f.stallP99),
                    "ms");
    Bench::printRow(QStringLiteral("flood: GUI-thread stall max"), Bench::summarize(f.stallMax),
                    "ms");
    Bench::printRow(QStringLiteral("flood: stalls of 16 ms or more"), Bench::summarize(f.over16),
                    "count");
    Bench::printRow(QStringLiteral("flood: share of the run in those stalls"),
                    Bench::summarize(f.stalledShare), "%");
    Bench::printRow(QStringLiteral("flood: events published/s (server)"),
                    Bench::summarize(f.publishedPerSecond), "1/s");
    Bench::printRow(QStringLiteral("flood: events delivered/s (EventModel)"),
                    Bench::summarize(f.deliveredPerSecond), "1/s");
    Bench::printRow(QStringLiteral("flood: events committed/s (event log)"),
                    Bench::summarize(f.recordedPerSecond), "1/s");
    Bench::printRow(QStringLiteral("flood: EventLogWriter pending at the end"),
                    Bench::summarize(f.pendingEnd), "events");
    Bench::printRow(QStringLiteral("flood: log drained after the end in"),
                    Bench::summarize(f.drainMs), "ms");
    Bench::printRow(QStringLiteral("flood: publish -> row, oldest of batch p50"),
                    Bench::summarize(f.rowP50), "ms");
    Bench::printRow(QStringLiteral("flood: publish -> row, oldest of batch p99"),
                    Bench::summarize(f.rowP99), "ms");
    Bench::printRow(QStringLiteral("flood: EventModel rows at the end"), Bench::summarize(f.rows),
                    "rows");
    Bench::printRow(QStringLiteral("flood: RSS before"), Bench::summarize(f.rssStart), "MiB");
    Bench::printRow(QStringLiteral("flood: RSS at half time"), Bench::summarize(f.rssHalf), "MiB");
    Bench::printRow(QStringLiteral("flood: RSS at the end"), Bench::summarize(f.rssEnd), "MiB");
    Bench::printRow(QStringLiteral("flood: RSS peak (1 s samples)"), Bench::summarize(f.rssPeak),
                    "MiB");
    Bench::printRow(QStringLiteral("flood: RSS growth over the second half"),
                    Bench::summarize(f.rssSecondHalf), "MiB");
    Bench::printRow(QStringLiteral("flood: RSS growth over the last quarter, of the end's"),
                    Bench::summarize(f.rssLastQuarter), "%");
    // Where the growth stops shows what it is: the table fills its 100,000
    // rows, then each channel's dedupe memory its keys, then it levels off.
    std::printf("  (the last run's RSS in MiB, every 5 s of the flood:");
    for (std::size_t i = 4; i < f.rssCurve.size(); i += 5)
        std::printf(" %.0f", f.rssCurve[i]);
    std::printf(")\n");
    std::printf("\ntarget (row 7): stall p99 < 16 ms, max < 100 ms, memory bounded "
                "(RSS levels off: the last quarter of the run adds < 2 %%)\n\n");
    Bench::printSummary(7, QStringLiteral("flood: GUI-thread stall p99"),
                        Bench::summarize(f.stallP99).median, "ms", QStringLiteral("< 16 ms"),
                        Bench::Goal::Below, 16);
    Bench::printSummary(7, QStringLiteral("flood: GUI-thread stall max"),
                        Bench::summarize(f.stallMax).median, "ms", QStringLiteral("< 100 ms"),
                        Bench::Goal::Below, 100);
    Bench::printSummary(7, QStringLiteral("flood: events delivered/s (EventModel)"),
                        Bench::summarize(f.deliveredPerSecond).median, "1/s", {});
    Bench::printSummary(7, QStringLiteral("flood: RSS growth over the second half"),
                        Bench::summarize(f.rssSecondHalf).median, "MiB", {});
    Bench::printSummary(7, QStringLiteral("flood: RSS growth over the last quarter"),
                        Bench::summarize(f.rssLastQuarter).median, "%",
                        QStringLiteral("memory bounded: < 2 %"), Bench::Goal::Below, 2);
}

// --------------------------------------------------------------- cold start

/// The id of cold-start channel `i`: stable, so a kept log fits a new ini.
QString coldChannelId(int i)
{
    static const QUuid ns(QStringLiteral("{6f1d0c52-3b7e-4f0a-9a55-1c0d7e2b9a10}"));
    return QUuid::createUuidV5(ns, QStringLiteral("bench-cold-%1").arg(i))
        .toString(QUuid::WithoutBraces);
}

/// Makes an event log of `total` events over `channels` channels, as a
/// recorder leaves it: titles, cursors, batches of 10 events per channel
/// taking turns (so the newest rows mix channels), 100 batches per
/// transaction. Skipped if `path` was completed before (a ".complete" file
/// beside it).
bool makeColdLog(const QString &path, qint64 total, int channels)
{
    const QString marker = path + QStringLiteral(".complete");
    if (QFile::exists(marker) && QFile::exists(path)) {
        std::printf("cold start: reusing the event log %s\n", qPrintable(path));
        return true;
    }
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(path + suffix);
    QElapsedTimer timer;
    timer.start();
    EventLog store;
    if (!store.open(path)) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
        return false;
    }
    for (int c = 0; c < channels; ++c)
        store.setChannelTitle(coldChannelId(c), QStringLiteral("cold %1").arg(c));
    const QStringList types{QStringLiteral("build.started"), QStringLiteral("build.progress"),
                            QStringLiteral("deploy.step"), QStringLiteral("alert.warning")};
    constexpr int kPerBatch = 10;
    constexpr int kBatchesPerTransaction = 100;
    const qint64 perChannel = total / channels;
    const qint64 startUsecs = currentUsecsUtc() - perChannel * channels * 1000; // 1 ms apart
    qint64 written = 0;
    QList<EventBatch> batches;
    for (qint64 first = 1; first <= perChannel; first += kPerBatch) {
        const qint64 last = std::min(perChannel, first + kPerBatch - 1);
        for (int c = 0; c < channels; ++c) {
            EventBatch batch;
            batch.channel = coldChannelId(c);
            for (qint64 id = first; id <= last; ++id) {
                Event event;
                event.key = QString::number(id);
                event.type = types.at(int(id % 4));
                event.text = QStringLiteral("step %1 on channel %2, all is well").arg(id).arg(c);
                event.receivedUsecs = startUsecs + written * 1000;
                event.time =
                    QDateTime::fromMSecsSinceEpoch(event.receivedUsecs / 1000, QTimeZone::utc());
                event.raw = QJsonDocument(QJsonObject{{QStringLiteral("id"), id},
                                                      {QStringLiteral("type"), event.type},
                                                      {QStringLiteral("message"), event.text},
                                                      {QStringLiteral("time"),
                                                       event.time.toString(Qt::ISODateWithMs)}})
                                .toJson(QJsonDocument::Compact);
                batch.events.append(event);
                ++written;
            }
            batch.cursor = QString::number(last);
            batches.append(batch);
            if (batches.size() == kBatchesPerTransaction) {
                if (!store.append(batches)) {
                    std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
                    return false;
                }
                batches.clear();
            }
        }
    }
    if (!batches.isEmpty() && !store.append(batches)) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
        return false;
    }
    store.close();
    QFile file(marker);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    std::printf("cold start: made an event log of %lld events over %d channels in %.1f s (%.0f "
                "MiB)\n",
                static_cast<long long>(written), channels, double(timer.elapsed()) / 1000.0,
                double(QFileInfo(path).size()) / 1048576.0);
    return true;
}

/// The ini of the cold-start channels, polling `base` (a server that holds).
bool writeColdSettings(const QString &path, const QString &base, int channels)
{
    QFile::remove(path);
    QSettings settings(path, QSettings::IniFormat);
    SettingsChannelStore store(&settings);
    QList<ChannelConfig> configs;
    for (int c = 0; c < channels; ++c) {
        ChannelConfig config = feedChannel(QStringLiteral("cold %1").arg(c),
                                           QUrl(base + QStringLiteral("c%1/poll").arg(c)), 30);
        config.id = coldChannelId(c);
        configs.append(config);
    }
    store.save(configs);
    settings.sync();
    return settings.status() == QSettings::NoError;
}

struct ColdRun
{
    double shownMs = std::nan("");
    double exitMs = std::nan("");
    double hwmMiB = std::nan("");
};

/// Starts the real app on a copy of the ini and times it until it logs the
/// saved grab of its window.
ColdRun coldRunProcess(const QString &dir, const QString &ini, const QString &log)
{
    ColdRun run;
    const QString runIni = dir + QStringLiteral("/run.ini");
    QFile::remove(runIni);
    QFile::copy(ini, runIni);
    const QString shot = dir + QStringLiteral("/shot.bmp");
    QFile::remove(shot);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    // Keep the app out of this user's files (secrets fallback, default settings).
    for (const char *name : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"})
        environment.insert(QString::fromLatin1(name), dir + QStringLiteral("/xdg"));
    environment.insert(QStringLiteral("QT_LOGGING_RULES"),
                       QStringLiteral("longwatch.*.info=false;longwatch.ui.info=true"));
    QProcess process;
    process.setProgram(QStringLiteral(LONGWATCH_APP_BINARY));
    process.setArguments({QStringLiteral("--settings"), runIni, QStringLiteral("--event-log"), log,
                          QStringLiteral("--screenshot"), shot,
                          QStringLiteral("--screenshot-delay"), QStringLiteral("0")});
    process.setProcessEnvironment(environment);
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QByteArray err;
    qint64 shownAt = 0;
    QObject::connect(&process, &QProcess::readyReadStandardError, &process, [&] {
        const qint64 now = Bench::monotonicUsecs();
        err += process.readAllStandardError();
        if (shownAt == 0 && err.contains("screenshot saved to")) {
            shownAt = now;
            run.hwmMiB = mib(Bench::procStatusKiB(process.processId(), "VmHWM"));
        }
    });
    const qint64 start = Bench::monotonicUsecs();
    process.start();
    Bench::waitUntil([&] { return process.state() == QProcess::NotRunning; }, 60'000, 1);
    const qint64 end = Bench::monotonicUsecs();
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(5000);
    }
    err += process.readAllStandardError();
    if (shownAt == 0 || process.exitCode() != 0) {
        std::fprintf(stderr, "longwatch did not show its window (exit %d):\n%s\n",
                     process.exitCode(), err.constData());
        return run;
    }
    run.shownMs = double(shownAt - start) / 1000.0;
    run.exitMs = double(end - start) / 1000.0;
    return run;
}

struct ColdSteps
{
    double constructedMs = std::nan("");
    double firstPaintMs = std::nan("");
    double finishedMs = std::nan("");
    double paintAfterFinishedMs = std::nan("");
};

/// Paint events of one widget, timed.
class PaintWatch final : public QObject
{
public:
    explicit PaintWatch(std::function<void()> painted)
        : m_painted(std::move(painted))
    {}
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            m_painted();
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void()> m_painted;
};

/// The same start in this process, in steps (what the process-level figure
/// is made of, without exec and library loading).
ColdSteps coldRunInProcess(const QString &dir, const QString &ini, const QString &log)
{
    ColdSteps steps;
    const QString runIni = dir + QStringLiteral("/inprocess.ini");
    QFile::remove(runIni);
    QFile::copy(ini, runIni);
    const qint64 start = Bench::monotonicUsecs();
    const auto since = [start] { return double(Bench::monotonicUsecs() - start) / 1000.0; };
    Dashboard dashboard(runIni, log, dir);
    steps.constructedMs = since();
    PaintWatch watch([&] {
        if (std::isnan(steps.firstPaintMs))
            steps.firstPaintMs = since();
        if (dashboard.isFinished() && std::isnan(steps.paintAfterFinishedMs))
            steps.paintAfterFinishedMs = since();
    });
    dashboard.window().eventView()->viewport()->installEventFilter(&watch);
    QObject::connect(&dashboard.startup(), &Startup::finished, &dashboard.window(),
                     [&] { steps.finishedMs = since(); });
    dashboard.start();
    // After finished() the view repaints with the rows; the event loop runs
    // until it has (or a bounded wait passes).
    Bench::waitUntil([&] { return !std::isnan(steps.paintAfterFinishedMs); }, 10'000, 1);
    dashboard.window().eventView()->viewport()->removeEventFilter(&watch);
    return steps;
}

void benchColdStart(const QTemporaryDir &dir, const QString &cacheDir, int runs, qint64 events,
                    int channels)
{
    std::printf("cold start (row 9): %d channels, %lld stored events, window offscreen; %d "
                "runs\n",
                channels, static_cast<long long>(events), runs);
    QDir().mkpath(cacheDir);
    const QString log =
        QDir(cacheDir).filePath(QStringLiteral("events-v2-%1x%2.sqlite").arg(events).arg(channels));
    if (!makeColdLog(log, events, channels))
        return;
    Bench::ChildServer server;
    if (!Bench::startFeedServer(server, dir))
        return;
    const QString runDir = dir.filePath(QStringLiteral("cold"));
    QDir().mkpath(runDir + QStringLiteral("/xdg"));
    const QString ini = runDir + QStringLiteral("/channels.ini");
    if (!writeColdSettings(ini, QStringLiteral("http://127.0.0.1:%1/feeds/").arg(server.port()),
                           channels)) {
        std::fprintf(stderr, "could not write %s\n", qPrintable(ini));
        return;
    }
    std::printf("\n");
    Bench::printHeader("unit");
    std::vector<double> shown, exited, hwm;
    for (int r = 0; r < runs; ++r) {
        const ColdRun run = coldRunProcess(runDir, ini, log);
        if (std::isnan(run.shownMs))
            continue;
        shown.push_back(run.shownMs);
        exited.push_back(run.exitMs);
        hwm.push_back(run.hwmMiB);
        // The held polls of the run that ended go away with its connections.
        Bench::idleFor(300);
    }
    Bench::printRow(QStringLiteral("longwatch process: start -> window grabbed"),
                    Bench::summarize(shown), "ms");
    Bench::printRow(QStringLiteral("longwatch process: start -> exit after the grab"),
                    Bench::summarize(exited), "ms");
    Bench::printRow(QStringLiteral("longwatch process: peak RSS (VmHWM) at the grab"),
                    Bench::summarize(hwm), "MiB");

    std::vector<double> constructed, firstPaint, finished, painted;
    for (int r = 0; r < runs; ++r) {
        const ColdSteps steps = coldRunInProcess(runDir, ini, log);
        constructed.push_back(steps.constructedMs);
        firstPaint.push_back(steps.firstPaintMs);
        finished.push_back(steps.finishedMs);
        painted.push_back(steps.paintAfterFinishedMs);
        Bench::idleFor(300);
    }
    Bench::printRow(QStringLiteral("in-process: window constructed"), Bench::summarize(constructed),
                    "ms");
    Bench::printRow(QStringLiteral("in-process: first paint of the event view"),
                    Bench::summarize(firstPaint), "ms");
    Bench::printRow(QStringLiteral("in-process: Startup::finished (channels loaded)"),
                    Bench::summarize(finished), "ms");
    Bench::printRow(QStringLiteral("in-process: event view painted after finished"),
                    Bench::summarize(painted), "ms");
    std::printf("\ntarget (row 9): start -> shown window < 1000 ms\n\n");
    Bench::printSummary(9, QStringLiteral("cold start: longwatch start -> window grabbed"),
                        Bench::summarize(shown).median, "ms", QStringLiteral("< 1000 ms"),
                        Bench::Goal::Below, 1000);
    Bench::printSummary(9, QStringLiteral("cold start: peak RSS at the grab"),
                        Bench::summarize(hwm).median, "MiB", {});
}

} // namespace

int main(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--flood-server") == 0)
            return runFloodServer(argc, argv);
    }
    Bench::raiseDescriptorLimit();
    g_defaultHandler = qInstallMessageHandler(quietMessages);
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    BenchApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Longwatch"));
    QApplication::setApplicationName(QStringLiteral("longwatch-bench"));
    Bench::quietLogs();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The dashboard under load, offscreen: latency (row 2), flood (row 7), cold start "
        "(row 9) of docs/PERFORMANCE.md."));
    parser.addHelpOption();
    const QCommandLineOption onlyOption(
        QStringLiteral("only"), QStringLiteral("phases: latency (2), flood (7), cold (9)"),
        QStringLiteral("LIST"), QStringLiteral("latency,flood,cold"));
    const QCommandLineOption runsOption(QStringLiteral("runs"),
                                        QStringLiteral("runs of latency and cold start (5)"),
                                        QStringLiteral("K"), QStringLiteral("5"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("latency: events/s (200)"),
                                        QStringLiteral("R"), QStringLiteral("200"));
    const QCommandLineOption eventsOption(QStringLiteral("events"),
                                          QStringLiteral("latency: events per run (400)"),
                                          QStringLiteral("N"), QStringLiteral("400"));
    const QCommandLineOption floodSecondsOption(QStringLiteral("flood-seconds"),
                                                QStringLiteral("flood: seconds per run (30)"),
                                                QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption floodRunsOption(QStringLiteral("flood-runs"),
                                             QStringLiteral("flood: runs (3)"), QStringLiteral("K"),
                                             QStringLiteral("3"));
    const QCommandLineOption floodRateOption(QStringLiteral("flood-rate"),
                                             QStringLiteral("flood: events/s in total (20000)"),
                                             QStringLiteral("R"), QStringLiteral("20000"));
    const QCommandLineOption floodChannelsOption(QStringLiteral("flood-channels"),
                                                 QStringLiteral("flood: channels (100)"),
                                                 QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption coldEventsOption(QStringLiteral("cold-events"),
                                              QStringLiteral("cold start: stored events "
                                                             "(1000000)"),
                                              QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption coldChannelsOption(QStringLiteral("cold-channels"),
                                                QStringLiteral("cold start: channels (100)"),
                                                QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption coldCacheOption(
        QStringLiteral("cold-cache"),
        QStringLiteral("cold start: keep the made event log in DIR and reuse it (default: a "
                       "temporary folder, removed at the end)"),
        QStringLiteral("DIR"));
    const QCommandLineOption hiddenOption(
        QStringLiteral("hidden-window"),
        QStringLiteral("latency and flood: do not show the window (diagnostics: no painting)"));
    const QCommandLineOption paintProfileOption(
        QStringLiteral("paint-profile"),
        QStringLiteral("latency: list the widgets painted during the trickle (diagnostics)"));
    const QCommandLineOption sameThreadOption(
        QStringLiteral("same-thread"),
        QStringLiteral("latency and flood: run the pollers on the GUI thread, not on the network "
                       "thread the app uses (diagnostics)"));
    parser.addOptions({hiddenOption, sameThreadOption, paintProfileOption, onlyOption, runsOption,
                       rateOption, eventsOption, floodSecondsOption, floodRunsOption,
                       floodRateOption, floodChannelsOption, coldEventsOption, coldChannelsOption,
                       coldCacheOption});
    parser.process(app);
    g_showWindow = !parser.isSet(hiddenOption);
    g_networkThread = !parser.isSet(sameThreadOption);
    g_paints.perWidget = parser.isSet(paintProfileOption);
    const QStringList only = parser.value(onlyOption).split(QLatin1Char(','));
    const auto wants = [&only](const char *name, const char *row) {
        return only.contains(QLatin1String(name)) || only.contains(QLatin1String(row));
    };
    const int runs = std::clamp(parser.value(runsOption).toInt(), 1, 100);
    const int rate = std::clamp(parser.value(rateOption).toInt(), 1, 1000);
    const int events = std::clamp(parser.value(eventsOption).toInt(), kWarmup + 10, 100'000);
    const int floodSeconds = std::clamp(parser.value(floodSecondsOption).toInt(), 1, 600);
    const int floodRuns = std::clamp(parser.value(floodRunsOption).toInt(), 1, 20);
    const int floodRate = std::clamp(parser.value(floodRateOption).toInt(), 1, 1'000'000);
    // The feed server keeps at most FeedServer::maxFeeds feeds (with "control", "stats").
    const int floodChannels = std::clamp(parser.value(floodChannelsOption).toInt(), 1, 1000);
    const qint64 coldEvents =
        std::clamp<qint64>(parser.value(coldEventsOption).toLongLong(), 1, 100'000'000);
    const int coldChannels = std::clamp(parser.value(coldChannelsOption).toInt(), 1, 1000);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    std::printf("bench_dashboard: Qt %s, platform %s\n\n", qVersion(),
                qPrintable(QApplication::platformName()));
    if (wants("latency", "2"))
        benchLatency(dir, runs, events, rate);
    if (wants("flood", "7"))
        benchFlood(dir, QCoreApplication::applicationFilePath(), floodRuns, floodChannels,
                   floodRate, floodSeconds);
    if (wants("cold", "9")) {
        const QString cache = parser.isSet(coldCacheOption) ? parser.value(coldCacheOption)
                                                            : dir.filePath(QStringLiteral("cache"));
        benchColdStart(dir, cache, runs, coldEvents, coldChannels);
    }
    return 0;
}
