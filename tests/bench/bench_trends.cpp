// bench_trends: the Trends page (ui/trends) over a large event log (#22).
//
// Writes a synthetic log of job runs (tests/common/trendstesting.h: the
// demo's channels and series, ~10 events a run, so 1,000,000 events are
// about 100,000 runs), then, several times, makes a Trends page on it and
// times how long it takes from show() to the charts being drawn, while a
// 5 ms timer measures the longest gap in the GUI thread's event loop (a
// stall). Offscreen (QT_QPA_PLATFORM=offscreen unless set). The log also
// holds the channels' health (a sample a minute per channel over
// --health-days, 90 by default), which the page reads with the runs.
//
//   bench_trends [--events N] [--runs K] [--health-days D] [--log FILE] [--keep FILE]
//     --log FILE   use the log at FILE as it is (written before with --keep)
//     --keep FILE  write the log to FILE and keep it (for screenshots too)
//
// Targets: opens in under 500 ms; no stall over 50 ms.

#include "benchsupport.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "eventlog.h"
#include "trendspage.h"
#include "trendstesting.h"

#include <QApplication>
#include <QChartView>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>

#include <cstdio>

using namespace Longwatch;

namespace {

struct Opening
{
    double openMs = 0;       ///< show() to the charts drawn
    double longestGapMs = 0; ///< the longest event-loop gap meanwhile
    int series = 0;
};

/// One page, made and shown on the log at `path`.
Opening openPage(const QString &path, ChannelManager *manager, int days)
{
    Opening opening;
    QElapsedTimer clock;
    qint64 lastTick = 0;
    qint64 longestGap = 0;
    QTimer ticker;
    ticker.setInterval(5);
    ticker.setTimerType(Qt::PreciseTimer);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        longestGap = std::max(longestGap, now - lastTick);
        lastTick = now;
    });
    clock.start();
    ticker.start();
    TrendsPage page(manager);
    page.resize(1200, 760);
    page.setEventLog(path, nullptr);
    if (days > 0)
        page.setRange(0, days);
    bool shown = false;
    QObject::connect(&page, &TrendsPage::shown, [&] { shown = true; });
    page.show();
    while (!shown)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    // The charts drawn: one paint of the views.
    page.durationView()->viewport()->repaint();
    page.failureView()->viewport()->repaint();
    opening.openMs = double(clock.nsecsElapsed()) / 1e6;
    // The gaps of the opening itself, and a little after it.
    QDeadlineTimer after(100);
    while (!after.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 10);
    const qint64 now = clock.nsecsElapsed();
    longestGap = std::max(longestGap, now - lastTick);
    opening.longestGapMs = double(longestGap) / 1e6;
    opening.series = int(page.seriesNames().size());
    return opening;
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("Events."),
                                          QStringLiteral("n"), QStringLiteral("1000000"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Openings."),
                                        QStringLiteral("k"), QStringLiteral("5"));
    const QCommandLineOption logOption(QStringLiteral("log"), QStringLiteral("Use this log."),
                                       QStringLiteral("file"));
    const QCommandLineOption keepOption(QStringLiteral("keep"),
                                        QStringLiteral("Write the log here and keep it."),
                                        QStringLiteral("file"));
    const QCommandLineOption healthOption(QStringLiteral("health-days"),
                                          QStringLiteral("Days of channel health."),
                                          QStringLiteral("d"), QStringLiteral("90"));
    parser.addOptions({eventsOption, runsOption, healthOption, logOption, keepOption});
    parser.process(app);

    QTemporaryDir dir;
    QString path = parser.value(logOption);
    if (path.isEmpty()) {
        path = parser.isSet(keepOption) ? parser.value(keepOption)
                                        : dir.filePath(QStringLiteral("trends.sqlite"));
        EventLog log;
        if (!log.open(path)) {
            std::fprintf(stderr, "%s\n", qPrintable(log.errorString()));
            return 1;
        }
        Testing::TrendLogSpec spec;
        spec.events = parser.value(eventsOption).toLongLong();
        spec.days = 90;
        QElapsedTimer writing;
        writing.start();
        const qint64 written = Testing::writeTrendLog(&log, spec);
        if (written < 0) {
            std::fprintf(stderr, "%s\n", qPrintable(log.errorString()));
            return 1;
        }
        std::printf("wrote %lld events, %lld job runs in %.1f s\n", written,
                    qint64(log.jobRuns().size()), double(writing.elapsed()) / 1000);
        writing.restart();
        const qint64 samples =
            Testing::writeHealthLog(&log, std::max(0, parser.value(healthOption).toInt()));
        if (samples < 0) {
            std::fprintf(stderr, "%s\n", qPrintable(log.errorString()));
            return 1;
        }
        std::printf("wrote %lld health samples in %.1f s\n", samples,
                    double(writing.elapsed()) / 1000);
    }
    if (parser.isSet(keepOption) && !parser.isSet(logOption))
        std::printf("kept the log at %s\n", qPrintable(path));

    MemoryChannelStore store;
    ChannelManager manager(&store);
    const int runs = std::max(1, parser.value(runsOption).toInt());
    struct Range
    {
        int days;
        QString name;
    };
    const Range ranges[] = {{0, QStringLiteral("last 50 runs")},
                            {90, QStringLiteral("last 90 days (at most 300 runs a series)")}};
    std::printf("\n== Trends page on %s (%.0f MiB), %d openings per range\n\n", qPrintable(path),
                double(QFileInfo(path).size()) / (1 << 20), runs);
    Bench::printHeader("ms");
    Bench::Summary firstOpen;
    double worstGap = 0;
    for (const Range &range : ranges) {
        std::vector<double> opens;
        std::vector<double> gaps;
        int series = 0;
        for (int i = 0; i < runs; ++i) {
            const Opening opening = openPage(path, &manager, range.days);
            opens.push_back(opening.openMs);
            gaps.push_back(opening.longestGapMs);
            series = opening.series;
        }
        const Bench::Summary open = Bench::summarize(opens);
        const Bench::Summary gap = Bench::summarize(gaps);
        if (range.days == 0)
            firstOpen = open;
        worstGap = std::max(worstGap, gap.max);
        Bench::printRow(QStringLiteral("open, %1 (%2 series): show() to charts drawn")
                            .arg(range.name)
                            .arg(series),
                        open, "ms");
        Bench::printRow(QStringLiteral("  longest GUI event-loop gap meanwhile"), gap, "ms");
    }
    std::printf("\n");
    Bench::printSummary(22, QStringLiteral("Trends page opens (1M-event log)"), firstOpen.median,
                        "ms", QStringLiteral("< 500"), Bench::Goal::Below, 500);
    Bench::printSummary(22, QStringLiteral("Trends page: longest GUI stall"), worstGap, "ms",
                        QStringLiteral("<= 50"), Bench::Goal::AtMost, 50);
    return 0;
}
