// longwatch-export: writes the events of a Longwatch event log (the SQLite
// file of `longwatch-tail --store` or of the dashboard) as CSV, NDJSON or
// JSON, filtered by channel, time, type and text.

#include "englishplurals.h"
#include "eventexporter.h"
#include "eventlog.h"
#include "programoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QTimeZone>

#include <climits>
#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace Longwatch;

namespace {

EventExporter *g_exporter = nullptr;

void onSignal(int)
{
    // Only an atomic store: safe in a signal handler.
    if (g_exporter)
        g_exporter->cancel();
}

/// The context of longwatch-export's sentences.
class ExportText
{
    Q_DECLARE_TR_FUNCTIONS(ExportText)
};

/// An ISO 8601 date or date-time; without a zone it is local time.
std::optional<qint64> parseTime(const QString &text)
{
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid()) {
        const QDate date = QDate::fromString(text, Qt::ISODate);
        if (!date.isValid())
            return std::nullopt;
        time = date.startOfDay();
    }
    return time.toMSecsSinceEpoch() * 1000;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Longwatch::installEnglishPlurals(&app);
    nameProgram(QStringLiteral("longwatch-export"));

    QCommandLineParser parser;
    parser.setApplicationDescription(ExportText::tr(
        "Writes the events of a Longwatch event log as CSV, NDJSON or JSON.\n\n"
        "Formats:\n"
        "  csv     RFC 4180, UTF-8, CRLF line ends, header row\n"
        "          channel,key,type,text,time,received,raw\n"
        "          A cell of what a feed sent that starts with =, +, -, @, a tab or a\n"
        "          carriage return gets a leading ' so that a spreadsheet shows it as\n"
        "          text instead of running it as a formula (OWASP, CSV injection).\n"
        "  ndjson  one JSON object per line, the same fields as longwatch-tail prints:\n"
        "          {\"channel\",\"key\",\"type\",\"text\",\"time\",\"received\",\"event\":<the "
        "event's own JSON, verbatim>}\n"
        "  json    one JSON array of those objects\n"
        "NDJSON and JSON hold every value exactly as the feed sent it.\n\n"
        "\"time\" is the server's own time of the event (empty or null if it sent none), "
        "\"received\" when Longwatch received it; both ISO 8601 UTC. The export holds only "
        "what the feeds sent: the event log keeps no URLs, headers or credentials.\n\n"
        "Filters combine: an event is exported if it matches every filter given, and any "
        "of the values of a repeated one. --since and --until compare with the received "
        "time; a date or time without a zone is local time.\n\n"
        "A file is written under a temporary name and renamed when complete, so a failed "
        "or interrupted export (Ctrl+C) leaves no file, and an existing file is only "
        "replaced by a complete export.\n\n"
        "Exit status: 0 on success, 1 if the log cannot be read or the output cannot be "
        "written (or on Ctrl+C), 2 on bad arguments.\n\n"
        "Example:\n"
        "  longwatch-export --store events.sqlite --format csv --channel builds "
        "--since 2026-11-01 --output builds.csv"));
    parser.addHelpOption();
    parser.addVersionOption();

    const QCommandLineOption storeOption(QStringLiteral("store"),
                                         ExportText::tr("The event log (SQLite file) to read."),
                                         ExportText::tr("FILE"));
    const QCommandLineOption formatOption(QStringLiteral("format"),
                                          ExportText::tr("csv, ndjson or json (default csv)."),
                                          ExportText::tr("FORMAT"), QStringLiteral("csv"));
    const QCommandLineOption channelOption(
        QStringLiteral("channel"), ExportText::tr("Only events of this channel; repeatable."),
        ExportText::tr("NAME"));
    const QCommandLineOption sinceOption(
        QStringLiteral("since"),
        ExportText::tr(
            "Only events received at or after this ISO 8601 date or time, e.g. 2026-11-01 or "
            "2026-11-01T08:00:00Z."),
        ExportText::tr("ISO"));
    const QCommandLineOption untilOption(
        QStringLiteral("until"),
        ExportText::tr("Only events received before this ISO 8601 date or time."),
        ExportText::tr("ISO"));
    const QCommandLineOption typeOption(QStringLiteral("type"),
                                        ExportText::tr("Only events of this type; repeatable."),
                                        ExportText::tr("TYPE"));
    const QCommandLineOption textOption(
        QStringLiteral("text"),
        ExportText::tr(
            "Only events whose key, type or text contains this (ASCII letters match either case)."),
        ExportText::tr("SUBSTRING"));
    const QCommandLineOption outputOption(
        {QStringLiteral("o"), QStringLiteral("output")},
        ExportText::tr("Write to this file; - is standard output (the default)."),
        ExportText::tr("FILE"), QStringLiteral("-"));
    const QCommandLineOption quietOption({QStringLiteral("q"), QStringLiteral("quiet")},
                                         ExportText::tr("Report only errors on standard error."));
    parser.addOptions({storeOption, formatOption, channelOption, sinceOption, untilOption,
                       typeOption, textOption, outputOption, quietOption});
    parser.process(app);

    if (const std::optional<int> refused = refusePositionalArguments(parser))
        return *refused;
    if (!parser.isSet(storeOption) || parser.value(storeOption).isEmpty())
        return usageError(ExportText::tr("say which event log to read with --store FILE."));
    const std::optional<EventExporter::Format> format =
        EventExporter::formatFromName(parser.value(formatOption));
    if (!format)
        return usageError(ExportText::tr("--format takes csv, ndjson or json, not '%1'.")
                              .arg(parser.value(formatOption)));

    EventQuery query;
    query.channels = parser.values(channelOption);
    query.types = parser.values(typeOption);
    query.text = parser.value(textOption);
    if (parser.isSet(sinceOption)) {
        query.sinceUsecs = parseTime(parser.value(sinceOption));
        if (!query.sinceUsecs)
            return usageError(ExportText::tr("--since takes an ISO 8601 date or time, not '%1'.")
                                  .arg(parser.value(sinceOption)));
    }
    if (parser.isSet(untilOption)) {
        query.untilUsecs = parseTime(parser.value(untilOption));
        if (!query.untilUsecs)
            return usageError(ExportText::tr("--until takes an ISO 8601 date or time, not '%1'.")
                                  .arg(parser.value(untilOption)));
    }
    const bool quiet = parser.isSet(quietOption);
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));

    EventLog store;
    if (!store.open(parser.value(storeOption), EventLog::OpenMode::MustExist)) {
        sayError(store.errorString());
        return ExitFailed;
    }

    EventExporter exporter(&store);
    exporter.setFormat(*format);
    exporter.setQuery(query);
    const QString output = parser.value(outputOption);
    const bool toStdout = output == QLatin1String("-");
    if (!quiet && !toStdout && ::isatty(STDERR_FILENO)) {
        // A progress line that rewrites itself, on a terminal only.
        QObject::connect(
            &exporter, &EventExporter::progress, &exporter, [](qint64 done, qint64 total) {
                std::fprintf(stderr, "\r%s",
                             qPrintable(ExportText::tr("%1 of %2 events").arg(done).arg(total)));
                std::fflush(stderr);
            });
    }

    g_exporter = &exporter;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    bool ok = false;
    if (toStdout) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly)) {
            sayError(out.errorString());
            return ExitFailed;
        }
        ok = exporter.exportToDevice(&out) && out.flush();
        if (ok && out.error() != QFileDevice::NoError)
            ok = false;
    } else {
        ok = exporter.exportToFile(output);
    }
    g_exporter = nullptr;
    if (!quiet && !toStdout && ::isatty(STDERR_FILENO))
        std::fprintf(stderr, "\n");

    if (!ok) {
        sayError(exporter.errorString());
        return ExitFailed;
    }
    if (!quiet && !toStdout)
        say(QCoreApplication::translate("longwatch-export", "Exported %n event(s) to %1.", nullptr,
                                        int(std::min<qint64>(exporter.exportedCount(), INT_MAX)))
                .arg(QDir::toNativeSeparators(output)));
    return ExitOk;
}
