// longwatch-feed: the reference long-poll feed server (seed-events and
// seed-queue), with simulated CI jobs in --demo mode. docs/FEED-SERVER.md.

#include "demofeed.h"
#include "englishplurals.h"
#include "feedserver.h"
#include "logging.h"
#include "programoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSaveFile>

#include <cstdio>

using namespace Longwatch;

namespace {

/// The context of longwatch-feed's sentences.
class FeedText
{
    Q_DECLARE_TR_FUNCTIONS(FeedText)
};

/// Says `message` and exits with status 2, which this program gives to
/// whatever keeps it from starting (a bad argument, a port taken, a journal
/// it cannot open).
[[noreturn]] void fail(const QString &message)
{
    say(message);
    std::exit(ExitUsage);
}

std::chrono::milliseconds parseSeconds(const QString &text, const QString &option)
{
    const std::optional<std::chrono::milliseconds> value = readSeconds(text, 24 * 3600);
    if (!value)
        fail(FeedText::tr("--%1 wants a number of seconds between 0 and 86400, not \"%2\".")
                 .arg(option, text));
    return *value;
}

qint64 parseCount(const QString &text, const QString &option, qint64 lowest, qint64 highest)
{
    const std::optional<qint64> value = readWholeNumber(text, lowest, highest);
    if (!value)
        fail(FeedText::tr("--%1 wants a whole number from %2 to %3, not \"%4\".")
                 .arg(option)
                 .arg(lowest)
                 .arg(highest)
                 .arg(text));
    return *value;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Longwatch::installEnglishPlurals(&app);
    nameProgram(QStringLiteral("longwatch-feed"));

    QCommandLineParser parser;
    parser.setApplicationDescription(FeedText::tr(
        "The reference long-poll feed server for Longwatch.\n"
        "\n"
        "Endpoints (JSON in and out; errors are {\"error\": \"...\"}):\n"
        "  GET  /poll?last_id=N[&hold=S][&limit=K]   events newer than N, held until one\n"
        "                                            comes or the hold ends: {\"events\":[...]}\n"
        "  POST /publish                             store a JSON object as an event (201);\n"
        "                                            the server sets id, and time if missing\n"
        "  GET  /feeds/<name>/poll, POST /feeds/<name>/publish\n"
        "                                            the same for a named feed; the bare paths\n"
        "                                            are the feed \"default\"\n"
        "  GET  /feeds                               the feeds with their last id\n"
        "  GET  /receive[?hold=S]                    one queued message: {\"message\": ...},\n"
        "                                            null when the hold ends\n"
        "  POST /send                                {\"message\": ...} to one receiver, or queue "
        "it\n"
        "\n"
        "A poll whose last_id is older than the retained events gets the retained ones;\n"
        "the events in between are gone without notice."));
    parser.addHelpOption();
    parser.addVersionOption();

    const QCommandLineOption listenOption(
        QStringLiteral("listen"),
        FeedText::tr("Address to listen on (default 127.0.0.1; 0.0.0.0 for all)."),
        FeedText::tr("ADDR"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOption(
        QStringLiteral("port"),
        FeedText::tr("Port to listen on; 0 picks a free one (default 8080)."), FeedText::tr("N"),
        QStringLiteral("8080"));
    const QCommandLineOption portFileOption(
        QStringLiteral("port-file"),
        FeedText::tr("Write the port to FILE once listening (for scripts, with --port 0)."),
        FeedText::tr("FILE"));
    const QCommandLineOption holdOption(
        QStringLiteral("hold"),
        FeedText::tr("Longest hold of a poll, in seconds (default 55); clients may ask for less "
                     "with ?hold=S."),
        FeedText::tr("SECONDS"), QStringLiteral("55"));
    const QCommandLineOption queueHoldOption(
        QStringLiteral("queue-hold"),
        FeedText::tr("Longest hold of GET /receive, in seconds (default 30)."),
        FeedText::tr("SECONDS"), QStringLiteral("30"));
    const QCommandLineOption retainOption(
        QStringLiteral("retain"),
        FeedText::tr("Events kept per feed, and messages kept in the queue (default 10000)."),
        FeedText::tr("N"), QStringLiteral("10000"));
    const QCommandLineOption maxBodyOption(
        QStringLiteral("max-body"),
        FeedText::tr("Largest request body in bytes; larger ones get 413 (default 1048576)."),
        FeedText::tr("BYTES"), QStringLiteral("1048576"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        FeedText::tr("Publish simulated CI jobs on the feeds builds, tests, deploys and batch."));
    const QCommandLineOption seedOption(
        QStringLiteral("seed"),
        FeedText::tr("Seed of the demo jobs, to repeat a run (default: random)."),
        FeedText::tr("N"));
    const QCommandLineOption demoIntervalOption(
        QStringLiteral("demo-interval"),
        FeedText::tr(
            "Gap between demo events in milliseconds, drawn from MIN-MAX (default 500-2000)."),
        FeedText::tr("MIN-MAX"), QStringLiteral("500-2000"));
    const QCommandLineOption journalOption(
        QStringLiteral("journal"),
        FeedText::tr("Keep every published event in this file (NDJSON) and load it at start, so a "
                     "restarted server goes on with the same events and ids."),
        FeedText::tr("FILE"));
    const QCommandLineOption verboseOption(QStringLiteral("verbose"),
                                           FeedText::tr("Log every request and stored event."));
    parser.addOptions({listenOption, portOption, portFileOption, holdOption, queueHoldOption,
                       retainOption, maxBodyOption, demoOption, seedOption, demoIntervalOption,
                       journalOption, verboseOption});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty())
        fail(FeedText::tr("Unexpected argument \"%1\"; see --help.")
                 .arg(parser.positionalArguments().first()));

    // Per-request lines only on request; QT_LOGGING_RULES still wins.
    if (!parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.feedserver.debug=false"));

    const QHostAddress address(parser.value(listenOption));
    if (address.isNull())
        fail(FeedText::tr("--listen wants an IP address, not \"%1\".")
                 .arg(parser.value(listenOption)));
    const auto port =
        quint16(parseCount(parser.value(portOption), QStringLiteral("port"), 0, 65535));

    FeedServerSettings settings;
    settings.hold = parseSeconds(parser.value(holdOption), QStringLiteral("hold"));
    settings.queueHold = parseSeconds(parser.value(queueHoldOption), QStringLiteral("queue-hold"));
    settings.retain =
        int(parseCount(parser.value(retainOption), QStringLiteral("retain"), 1, 10'000'000));
    settings.maxBodyBytes =
        parseCount(parser.value(maxBodyOption), QStringLiteral("max-body"), 1, qint64(1) << 32);

    FeedServer server;
    server.setSettings(settings);
    if (parser.isSet(journalOption) && !server.openJournal(parser.value(journalOption)))
        fail(server.errorString());
    if (!server.listen(address, port))
        fail(server.errorString());

    if (parser.isSet(portFileOption)) {
        // Written whole or not at all, so a script polling for the file never
        // reads half a number.
        QSaveFile file(parser.value(portFileOption));
        if (!file.open(QIODevice::WriteOnly) ||
            file.write(QByteArray::number(server.port()) + '\n') < 0 || !file.commit()) {
            fail(FeedText::tr("Could not write the port file %1: %2")
                     .arg(parser.value(portFileOption), file.errorString()));
        }
    }

    DemoFeed demo(&server);
    if (parser.isSet(demoOption)) {
        if (parser.isSet(seedOption)) {
            bool ok = false;
            const quint64 seed = parser.value(seedOption).toULongLong(&ok);
            if (!ok)
                fail(FeedText::tr("--seed wants a whole number, not \"%1\".")
                         .arg(parser.value(seedOption)));
            demo.setSeed(seed);
        }
        const QStringList range = parser.value(demoIntervalOption).split(QLatin1Char('-'));
        const qint64 lowest =
            parseCount(range.value(0), QStringLiteral("demo-interval"), 1, 3'600'000);
        const qint64 highest =
            range.size() > 1
                ? parseCount(range.value(1), QStringLiteral("demo-interval"), lowest, 3'600'000)
                : lowest;
        demo.setInterval(std::chrono::milliseconds(lowest), std::chrono::milliseconds(highest));
        demo.start();
        const QString base = server.baseUrl().toString();
        for (const QString &feed : DemoFeed::feedNames())
            qCInfo(lcFeedServer).noquote()
                << "demo feed" << feed << "at"
                << base + QStringLiteral("/feeds/") + feed + QStringLiteral("/poll");
    }

    return app.exec();
}
