// bench_store: how fast the event log takes batches and how fast and lean
// exports of a large log are. Not a test (nothing here can fail on a slow
// machine); docs/STORE.md has the figures and the command. Ends with SUMMARY
// lines (row 8 of issue #6) for .ci/bench.
//
//   bench_store [--events N] [--insert-events N] [--batch B] [--runs R] [--dir DIR]

#include "benchsupport.h"
#include "eventexporter.h"
#include "eventlog.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace Longwatch;

namespace {

/// Resets VmHWM to the current RSS (Linux 4.0+), so a peak can be measured per run.
bool resetPeak()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    return clear.open(QIODevice::WriteOnly) && clear.write("5") == 1;
}

/// A realistic event: a seed-events job message, about 200 bytes of JSON.
Event makeEvent(qint64 i)
{
    static const QString types[] = {QStringLiteral("job.started"), QStringLiteral("job.finished"),
                                    QStringLiteral("job.failed"), QStringLiteral("deploy")};
    Event event;
    event.key = QString::number(i);
    event.type = types[i % 4];
    event.text = QStringLiteral("Build #%1 of service-%2 %3, \"quoted\", naïve")
                     .arg(i)
                     .arg(i % 17)
                     .arg(i % 4 == 2 ? QStringLiteral("failed") : QStringLiteral("ok"));
    event.time = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + i * 7, Qt::UTC);
    event.receivedUsecs = 1'700'000'000'000'000 + i * 7'000 + 123;
    event.raw =
        QStringLiteral("{\"id\":%1,\"type\":\"%2\",\"message\":\"%3\",\"time\":\"%4\","
                       "\"job\":{\"name\":\"service-%5\",\"attempt\":1}}")
            .arg(i)
            .arg(event.type, QString(event.text).replace(QLatin1Char('"'), QStringLiteral("\\\"")),
                 event.time.toString(Qt::ISODateWithMs))
            .arg(i % 17)
            .toUtf8();
    return event;
}

const QString kChannels[] = {QStringLiteral("builds"), QStringLiteral("deploys"),
                             QStringLiteral("alerts"), QStringLiteral("audit")};

/// Appends `count` events in batches of `batch` (one transaction each);
/// returns the seconds the appends took (building the events is not
/// counted), or -1.
double fill(EventLog &store, qint64 count, int batch, qint64 firstKey = 0)
{
    double seconds = 0;
    // In slices, so a million events never sit in memory at once.
    constexpr qint64 slice = 100'000;
    for (qint64 start = 0; start < count; start += slice) {
        QList<EventList> batches;
        const qint64 end = std::min(count, start + slice);
        for (qint64 i = start; i < end; i += batch) {
            EventList events;
            events.reserve(batch);
            for (qint64 j = i; j < std::min(end, i + batch); ++j)
                events.append(makeEvent(firstKey + j));
            batches.append(std::move(events));
        }
        QElapsedTimer timer;
        timer.start();
        for (const EventList &events : std::as_const(batches)) {
            const qint64 first = events.constFirst().key.toLongLong();
            const QString &channel = kChannels[(first / batch) % 4];
            if (!store.append(channel, events, events.constLast().key)) {
                std::fprintf(stderr, "append failed: %s\n", qPrintable(store.errorString()));
                return -1;
            }
        }
        seconds += double(timer.nsecsElapsed()) / 1e9;
    }
    return seconds;
}

/// The child process of one export measurement: a fresh process, so the
/// peak RSS it reports belongs to the export alone. Prints
/// "<seconds> <rss before KiB> <peak KiB> <events>".
int exportChild(const QString &logPath, const QString &format, const QString &out)
{
    EventLog store;
    if (!store.open(logPath, EventLog::OpenMode::MustExist)) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
        return 1;
    }
    const qint64 rssBefore = Bench::procStatusKiB(0, "VmRSS");
    resetPeak();
    QElapsedTimer timer;
    timer.start();
    EventExporter exporter(&store);
    exporter.setFormat(*EventExporter::formatFromName(format));
    if (!exporter.exportToFile(out)) {
        std::fprintf(stderr, "%s\n", qPrintable(exporter.errorString()));
        return 1;
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    std::printf("%f %lld %lld %lld\n", seconds, rssBefore, Bench::procStatusKiB(0, "VmHWM"),
                exporter.exportedCount());
    return 0;
}

struct Stats
{
    double median = 0;
    double min = 0;
    double max = 0;
};

Stats stats(QList<double> values)
{
    std::sort(values.begin(), values.end());
    Stats s;
    if (values.isEmpty())
        return s;
    const qsizetype n = values.size();
    s.median = n % 2 ? values.at(n / 2) : (values.at(n / 2 - 1) + values.at(n / 2)) / 2;
    s.min = values.first();
    s.max = values.last();
    return s;
}

void row(const char *what, const QList<double> &values, const char *unit, int decimals)
{
    const Stats s = stats(values);
    std::printf("| %-36s | %12.*f | %12.*f | %12.*f | %-8s |\n", what, decimals, s.median, decimals,
                s.min, decimals, s.max, unit);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Event log benchmark: inserts and exports."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(
        QStringLiteral("events"), QStringLiteral("Events in the log exported (default 1000000)."),
        QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption insertOption(QStringLiteral("insert-events"),
                                          QStringLiteral("Events per insert run (default 200000)."),
                                          QStringLiteral("N"), QStringLiteral("200000"));
    const QCommandLineOption batchOption(QStringLiteral("batch"),
                                         QStringLiteral("Events per batch (default 1000)."),
                                         QStringLiteral("B"), QStringLiteral("1000"));
    const QCommandLineOption runsOption(QStringLiteral("runs"),
                                        QStringLiteral("Runs of each measurement (default 5)."),
                                        QStringLiteral("R"), QStringLiteral("5"));
    const QCommandLineOption dirOption(
        QStringLiteral("dir"), QStringLiteral("Folder for the files (default: a temporary one)."),
        QStringLiteral("DIR"));
    const QCommandLineOption childOption(QStringLiteral("export-child"),
                                         QStringLiteral("Internal: export LOG as FORMAT to OUT."),
                                         QStringLiteral("LOG,FORMAT,OUT"));
    parser.addOptions(
        {eventsOption, insertOption, batchOption, runsOption, dirOption, childOption});
    parser.process(app);
    if (parser.isSet(childOption)) {
        const QStringList args = parser.value(childOption).split(QLatin1Char(','));
        return args.size() == 3 ? exportChild(args.at(0), args.at(1), args.at(2)) : 2;
    }

    const qint64 events = parser.value(eventsOption).toLongLong();
    const qint64 insertEvents = parser.value(insertOption).toLongLong();
    const int batch = std::max(1, parser.value(batchOption).toInt());
    const int runs = std::max(1, parser.value(runsOption).toInt());
    QTemporaryDir temporary;
    const QString dir = parser.isSet(dirOption) ? parser.value(dirOption) : temporary.path();
    QDir().mkpath(dir);

    std::printf(
        "bench_store: %lld events exported, %lld per insert run, batches of %d, %d runs, in %s\n\n",
        events, insertEvents, batch, runs, qPrintable(dir));

    // 1. Batched inserts into a fresh log, one transaction per batch.
    QList<double> insertRates;
    for (int run = 0; run < runs; ++run) {
        const QString path = dir + QStringLiteral("/insert-%1.sqlite").arg(run);
        EventLog store;
        if (!store.open(path)) {
            std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
            return 1;
        }
        const double seconds = fill(store, insertEvents, batch);
        if (seconds < 0)
            return 1;
        insertRates << double(insertEvents) / seconds;
        store.close();
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(path + suffix);
    }

    // 2. Exports of a large log.
    const QString logPath = dir + QStringLiteral("/export-source.sqlite");
    EventLog store;
    if (!store.open(logPath)) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
        return 1;
    }
    // The log is kept between runs of the benchmark when --dir is given.
    const qint64 have = store.countEvents({});
    if (have < events && fill(store, events - have, batch, have) < 0)
        return 1;
    const double logMiB = double(QFileInfo(logPath).size()) / (1024.0 * 1024.0);

    store.close();

    QList<double> seconds[3];
    QList<double> extraMiB[3];
    QList<double> fileMiB[3];
    const char *formats[3] = {"ndjson", "csv", "json"};
    for (int run = 0; run < runs; ++run) {
        for (int f = 0; f < 3; ++f) {
            const QString out = dir + QStringLiteral("/export.") + QLatin1String(formats[f]);
            QProcess child;
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            child.start(
                QCoreApplication::applicationFilePath(),
                {QStringLiteral("--export-child"),
                 QStringList{logPath, QLatin1String(formats[f]), out}.join(QLatin1Char(','))});
            if (!child.waitForFinished(-1) || child.exitCode() != 0) {
                std::fprintf(stderr, "export child failed\n");
                return 1;
            }
            const QList<QByteArray> fields = child.readAllStandardOutput().trimmed().split(' ');
            if (fields.size() != 4 || fields.at(3).toLongLong() != events) {
                std::fprintf(stderr, "export child said: %s\n", fields.join(' ').constData());
                return 1;
            }
            seconds[f] << fields.at(0).toDouble();
            extraMiB[f] << double(fields.at(2).toLongLong() - fields.at(1).toLongLong()) / 1024.0;
            fileMiB[f] << double(QFileInfo(out).size()) / (1024.0 * 1024.0);
            QFile::remove(out);
        }
    }

    std::printf("| %-36s | %12s | %12s | %12s | %-8s |\n", "measurement", "median", "min", "max",
                "unit");
    std::printf("|%s|%s|%s|%s|%s|\n", QByteArray(38, '-').constData(),
                QByteArray(14, '-').constData(), QByteArray(14, '-').constData(),
                QByteArray(14, '-').constData(), QByteArray(10, '-').constData());
    row(qPrintable(QStringLiteral("insert, %1 events per transaction").arg(batch)), insertRates,
        "events/s", 0);
    const char *names[3] = {"NDJSON", "CSV", "JSON"};
    for (int f = 0; f < 3; ++f) {
        row(qPrintable(QStringLiteral("export %1, time").arg(QLatin1String(names[f]))), seconds[f],
            "s", 2);
        row(qPrintable(QStringLiteral("export %1, extra peak RSS").arg(QLatin1String(names[f]))),
            extraMiB[f], "MiB", 1);
        row(qPrintable(QStringLiteral("export %1, file size").arg(QLatin1String(names[f]))),
            fileMiB[f], "MiB", 1);
    }
    std::printf("\nlog: %lld events, %.1f MiB on disk\n\n", events, logMiB);

    // Row 8: the export targets are for a log of 1,000,000 events; with
    // another size the figures are shown, "met" is not judged.
    const Bench::Goal exportGoal = events == 1'000'000 ? Bench::Goal::Below : Bench::Goal::None;
    Bench::printSummary(8, QStringLiteral("insert, %1 events per transaction").arg(batch),
                        stats(insertRates).median, "1/s", QStringLiteral(">= 100000 /s"),
                        Bench::Goal::AtLeast, 100'000);
    for (int f = 0; f < 3; ++f) {
        Bench::printSummary(
            8,
            QStringLiteral("export %1 of %2 events, time").arg(QLatin1String(names[f])).arg(events),
            stats(seconds[f]).median, "s", QStringLiteral("< 5 s (1000000 events)"), exportGoal, 5);
        // 50 MB = 47.7 MiB.
        Bench::printSummary(
            8, QStringLiteral("export %1, extra peak RSS").arg(QLatin1String(names[f])),
            stats(extraMiB[f]).median, "MiB", QStringLiteral("< 50 MB (47.7 MiB)"), exportGoal,
            50e6 / (1024.0 * 1024.0));
    }
    return 0;
}
