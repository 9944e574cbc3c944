// longwatch-feed: the reference long-poll feed server (seed-events and
// seed-queue), with simulated CI jobs in --demo mode. docs/FEED-SERVER.md.

#include "demofeed.h"
#include "englishplurals.h"
#include "feedserver.h"
#include "logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSaveFile>

#include <cmath>
#include <cstdio>

using namespace Longwatch;

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("longwatch-feed", text);
}

[[noreturn]] void fail(const QString &message)
{
    std::fputs(qPrintable(message + QLatin1Char('\n')), stderr);
    std::exit(2);
}

std::chrono::milliseconds parseSeconds(const QString &text, const QString &option)
{
    bool ok = false;
    const double seconds = text.toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds < 0 || seconds > 24 * 3600)
        fail(tr("--%1 wants a number of seconds between 0 and 86400, not \"%2\".")
                 .arg(option, text));
    return std::chrono::milliseconds(qint64(std::ceil(seconds * 1000)));
}

qint64 parseCount(const QString &text, const QString &option, qint64 lowest, qint64 highest)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < lowest || value > highest)
        fail(tr("--%1 wants a whole number from %2 to %3, not \"%4\".")
                 .arg(option)
                 .arg(lowest)
                 .arg(highest)
                 .arg(text));
    return value;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Longwatch::installEnglishPlurals(&app);
    QCoreApplication::setApplicationName(QStringLiteral("longwatch-feed"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LONGWATCH_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(tr(
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
        QStringLiteral("listen"), tr("Address to listen on (default 127.0.0.1; 0.0.0.0 for all)."),
        tr("ADDR"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOption(QStringLiteral("port"),
                                        tr("Port to listen on; 0 picks a free one (default 8080)."),
                                        tr("N"), QStringLiteral("8080"));
    const QCommandLineOption portFileOption(
        QStringLiteral("port-file"),
        tr("Write the port to FILE once listening (for scripts, with --port 0)."), tr("FILE"));
    const QCommandLineOption holdOption(
        QStringLiteral("hold"),
        tr("Longest hold of a poll, in seconds (default 55); clients may ask for less "
           "with ?hold=S."),
        tr("SECONDS"), QStringLiteral("55"));
    const QCommandLineOption queueHoldOption(
        QStringLiteral("queue-hold"), tr("Longest hold of GET /receive, in seconds (default 30)."),
        tr("SECONDS"), QStringLiteral("30"));
    const QCommandLineOption retainOption(
        QStringLiteral("retain"),
        tr("Events kept per feed, and messages kept in the queue (default 10000)."), tr("N"),
        QStringLiteral("10000"));
    const QCommandLineOption maxBodyOption(
        QStringLiteral("max-body"),
        tr("Largest request body in bytes; larger ones get 413 (default 1048576)."), tr("BYTES"),
        QStringLiteral("1048576"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        tr("Publish simulated CI jobs on the feeds builds, tests, deploys and batch."));
    const QCommandLineOption seedOption(
        QStringLiteral("seed"), tr("Seed of the demo jobs, to repeat a run (default: random)."),
        tr("N"));
    const QCommandLineOption demoIntervalOption(
        QStringLiteral("demo-interval"),
        tr("Gap between demo events in milliseconds, drawn from MIN-MAX (default 500-2000)."),
        tr("MIN-MAX"), QStringLiteral("500-2000"));
    const QCommandLineOption journalOption(
        QStringLiteral("journal"),
        tr("Keep every published event in this file (NDJSON) and load it at start, so a "
           "restarted server goes on with the same events and ids."),
        tr("FILE"));
    const QCommandLineOption verboseOption(QStringLiteral("verbose"),
                                           tr("Log every request and stored event."));
    parser.addOptions({listenOption, portOption, portFileOption, holdOption, queueHoldOption,
                       retainOption, maxBodyOption, demoOption, seedOption, demoIntervalOption,
                       journalOption, verboseOption});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty())
        fail(tr("Unexpected argument \"%1\"; see --help.")
                 .arg(parser.positionalArguments().first()));

    // Per-request lines only on request; QT_LOGGING_RULES still wins.
    if (!parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.feedserver.debug=false"));

    const QHostAddress address(parser.value(listenOption));
    if (address.isNull())
        fail(tr("--listen wants an IP address, not \"%1\".").arg(parser.value(listenOption)));
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
            fail(tr("Could not write the port file %1: %2")
                     .arg(parser.value(portFileOption), file.errorString()));
        }
    }

    DemoFeed demo(&server);
    if (parser.isSet(demoOption)) {
        if (parser.isSet(seedOption)) {
            bool ok = false;
            const quint64 seed = parser.value(seedOption).toULongLong(&ok);
            if (!ok)
                fail(tr("--seed wants a whole number, not \"%1\".").arg(parser.value(seedOption)));
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
