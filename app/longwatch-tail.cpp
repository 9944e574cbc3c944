// longwatch-tail: polls one or more long-poll channels and writes each event
// as one NDJSON line to stdout; states and errors go to stderr as sentences.

#include "englishplurals.h"
#include "epolleventdispatcher.h"
#include "event.h"
#include "eventexporter.h"
#include "eventstore.h"
#include "logging.h"
#include "memorytuning.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"
#include "redact.h"
#include "terminationsignals.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QNetworkProxyFactory>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace Longwatch;
using namespace std::chrono;

namespace {

enum ExitCode { ExitOk = 0, ExitFatal = 1, ExitUsage = 2 };

/// The context of longwatch-tail's sentences.
class TailText
{
    Q_DECLARE_TR_FUNCTIONS(TailText)
};

void say(const QString &line)
{
    std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

milliseconds secondsOption(const QCommandLineParser &parser, const QString &name, bool *ok)
{
    const double value = parser.value(name).toDouble(ok);
    *ok = *ok && value >= 0;
    return milliseconds(qint64(value * 1000));
}

} // namespace

int main(int argc, char *argv[])
{
    limitMallocArenas();
    // The channels poll in this thread: the same epoll dispatcher as the
    // dashboard's network thread (a thousand sockets cost only what is ready).
    if (QAbstractEventDispatcher *dispatcher = Longwatch::createNetworkEventDispatcher())
        QCoreApplication::setEventDispatcher(dispatcher);
    QCoreApplication app(argc, argv);
    Longwatch::installEnglishPlurals(&app);
    QCoreApplication::setApplicationName(QStringLiteral("longwatch-tail"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LONGWATCH_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        TailText::tr(
            "Polls HTTP long-poll feeds and writes every event as one JSON line to standard "
            "output:\n"
            "  {\"channel\",\"key\",\"type\",\"text\",\"time\",\"received\",\"event\":<the event's "
            "own JSON>}\n"
            "States and errors go to standard error as sentences.\n\n"
            "Profiles:\n") +
        [] {
            QString text;
            for (const QString &id : profileIds())
                text += QStringLiteral("  %1  %2\n").arg(id, -14).arg(profileDescription(id));
            return text;
        }() +
        TailText::tr(
            "\nWith --store FILE, every batch of events and the channel's new cursor are first "
            "written to that event log (SQLite) in one transaction, and only then printed; "
            "events already stored are not printed again, and with --count the rest of the last "
            "batch is recorded but not printed. Started again "
            "with the same file, each channel resumes from the cursor stored with its last "
            "batch (unless --since names a cursor), so nothing is missed or repeated across "
            "restarts, even after a crash. Channels are known by NAME: give a name to one "
            "feed only. longwatch-export reads the file.\n"
            "\nExit status: 0 when --count or --duration is reached or on Ctrl+C, 1 when a channel "
            "fails for good (e.g. the server refuses the request) or the event log cannot be "
            "opened or written, 2 on bad arguments.\n\n"
            "Example:\n  longwatch-tail --channel builds=http://127.0.0.1:8080/poll --profile "
            "seed-events"));
    parser.addHelpOption();
    parser.addVersionOption();

    const QCommandLineOption channelOption(QStringLiteral("channel"),
                                           TailText::tr("A channel to poll; repeat for several."),
                                           TailText::tr("NAME=URL"));
    const QCommandLineOption profileOption(
        QStringLiteral("profile"),
        TailText::tr("Feed profile: one for every channel, or one per "
                     "--channel in order (default seed-events)."),
        TailText::tr("PROFILE"));
    const QCommandLineOption sinceOption(
        QStringLiteral("since"),
        TailText::tr(
            "Resume from this cursor (every channel), or NAME=CURSOR for one channel; repeatable."),
        TailText::tr("CURSOR"));
    const QCommandLineOption countOption(QStringLiteral("count"),
                                         TailText::tr("Exit after N events."), TailText::tr("N"));
    const QCommandLineOption durationOption(
        QStringLiteral("duration"), TailText::tr("Exit after S seconds."), TailText::tr("S"));
    const QCommandLineOption headerOption(
        QStringLiteral("header"), TailText::tr("Send this header with every request; repeatable."),
        TailText::tr("NAME: VALUE"));
    const QCommandLineOption connectTimeoutOption(
        QStringLiteral("connect-timeout"),
        TailText::tr("Seconds to wait for a connection (default 5)."), TailText::tr("S"),
        QStringLiteral("5"));
    const QCommandLineOption marginOption(
        QStringLiteral("deadline-margin"),
        TailText::tr("Seconds a request may run past the server's hold time (default 10)."),
        TailText::tr("S"), QStringLiteral("10"));
    const QCommandLineOption inactivityOption(
        QStringLiteral("inactivity-timeout"),
        TailText::tr("Seconds of silence allowed once an answer has started (default 30)."),
        TailText::tr("S"), QStringLiteral("30"));
    const QCommandLineOption backoffInitialOption(
        QStringLiteral("backoff-initial"),
        TailText::tr("Ceiling of the first retry delay in seconds (default 4)."), TailText::tr("S"),
        QStringLiteral("4"));
    const QCommandLineOption backoffMaxOption(
        QStringLiteral("backoff-max"),
        TailText::tr("Ceiling of any retry delay in seconds (default 300)."), TailText::tr("S"),
        QStringLiteral("300"));
    const QCommandLineOption maxBodyOption(
        QStringLiteral("max-body"),
        TailText::tr("Largest answer accepted, in bytes (default 16 MiB)."), TailText::tr("BYTES"),
        QString::number(16 * 1024 * 1024));
    const QCommandLineOption storeOption(
        QStringLiteral("store"),
        TailText::tr(
            "Record events in this event log (SQLite file, created if missing) before printing "
            "them, and resume each channel from its stored cursor."),
        TailText::tr("FILE"));
    const QCommandLineOption quietOption({QStringLiteral("q"), QStringLiteral("quiet")},
                                         TailText::tr("Report only errors on standard error."));
    const QCommandLineOption verboseOption(QStringLiteral("verbose"),
                                           TailText::tr("Log every request on standard error."));
    parser.addOptions({channelOption, profileOption, sinceOption, countOption, durationOption,
                       headerOption, connectTimeoutOption, marginOption, inactivityOption,
                       backoffInitialOption, backoffMaxOption, maxBodyOption, storeOption,
                       quietOption, verboseOption});
    QList<QCommandLineOption> knobOptions;
    for (const auto &[name, help] : knobNames()) {
        knobOptions.append(QCommandLineOption(name, TailText::tr("Profile setting: %1.").arg(help),
                                              TailText::tr("VALUE")));
        parser.addOption(knobOptions.back());
    }
    parser.process(app);

    auto usageError = [&](const QString &message) {
        say(QStringLiteral("longwatch-tail: %1").arg(message));
        say(TailText::tr("Try 'longwatch-tail --help'."));
        return ExitUsage;
    };

    if (!parser.positionalArguments().isEmpty())
        return usageError(
            TailText::tr("unexpected argument '%1'.").arg(parser.positionalArguments().first()));
    const QStringList channelSpecs = parser.values(channelOption);
    if (channelSpecs.isEmpty())
        return usageError(TailText::tr("say which feed to poll with --channel NAME=URL."));
    QStringList profiles = parser.values(profileOption);
    if (profiles.isEmpty())
        profiles << QStringLiteral("seed-events");
    if (profiles.size() != 1 && profiles.size() != channelSpecs.size())
        return usageError(
            TailText::tr("give one --profile for all channels or one per --channel."));

    QVariantMap knobs;
    for (const QCommandLineOption &option : std::as_const(knobOptions)) {
        if (parser.isSet(option))
            knobs.insert(option.names().constFirst(), parser.value(option));
    }

    PollerSettings settings;
    bool ok = true;
    const std::pair<const QCommandLineOption *, milliseconds *> durations[] = {
        {&connectTimeoutOption, &settings.connectTimeout},
        {&marginOption, &settings.deadlineMargin},
        {&inactivityOption, &settings.inactivityTimeout},
        {&backoffInitialOption, &settings.backoffInitial},
        {&backoffMaxOption, &settings.backoffMax}};
    for (const auto &[option, target] : durations) {
        *target = secondsOption(parser, option->names().constFirst(), &ok);
        if (!ok)
            return usageError(
                TailText::tr("--%1 takes a number of seconds.").arg(option->names().constFirst()));
    }
    settings.maxBodyBytes = parser.value(maxBodyOption).toLongLong(&ok);
    if (!ok || settings.maxBodyBytes <= 0)
        return usageError(TailText::tr("--max-body takes a positive number of bytes."));
    for (const QString &header : parser.values(headerOption)) {
        const qsizetype colon = header.indexOf(QLatin1Char(':'));
        if (colon <= 0)
            return usageError(TailText::tr("--header takes 'Name: value'."));
        settings.headers.append(
            {header.left(colon).trimmed().toLatin1(), header.mid(colon + 1).trimmed().toUtf8()});
    }

    qint64 remaining = -1;
    if (parser.isSet(countOption)) {
        remaining = parser.value(countOption).toLongLong(&ok);
        if (!ok || remaining <= 0)
            return usageError(TailText::tr("--count takes a positive whole number."));
    }

    QHash<QString, QString> sinceByChannel;
    QString sinceForAll;
    bool sinceForAllGiven = false;
    for (const QString &since : parser.values(sinceOption)) {
        const qsizetype eq = since.indexOf(QLatin1Char('='));
        bool named = false;
        if (eq > 0) {
            const QString name = since.left(eq);
            named = std::any_of(channelSpecs.cbegin(), channelSpecs.cend(), [&](const QString &s) {
                return s.startsWith(name + QLatin1Char('='));
            });
            if (named)
                sinceByChannel.insert(name, since.mid(eq + 1));
        }
        if (!named) {
            sinceForAll = since;
            sinceForAllGiven = true;
        }
    }

    if (!parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    else
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*.debug=true"));
    const bool quiet = parser.isSet(quietOption);

    // Declared before the pollers, so it closes after them.
    std::unique_ptr<EventStore> store;
    if (parser.isSet(storeOption)) {
        store = std::make_unique<EventStore>();
        if (!store->open(parser.value(storeOption))) {
            say(QStringLiteral("longwatch-tail: %1").arg(store->errorString()));
            return ExitFatal;
        }
    }

    QNetworkProxyFactory::setUseSystemConfiguration(true);
    NetworkPool pool;
    std::vector<std::unique_ptr<Poller>> pollers;
    int exitCode = ExitOk;
    bool finishing = false;
    auto finish = [&](int code) {
        if (finishing)
            return;
        finishing = true;
        exitCode = code;
        for (auto &poller : pollers) {
            const QSignalBlocker blocker(poller.get());
            poller->stop();
        }
        QTimer::singleShot(0, &app, [&app, code] { app.exit(code); });
    };

    QSet<QString> names;
    for (qsizetype i = 0; i < channelSpecs.size(); ++i) {
        const QString &spec = channelSpecs.at(i);
        const qsizetype eq = spec.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return usageError(TailText::tr("--channel takes NAME=URL, not '%1'.").arg(spec));
        const QString name = spec.left(eq);
        if (names.contains(name))
            return usageError(TailText::tr("two channels are called '%1'.").arg(name));
        names.insert(name);
        const QUrl url = QUrl::fromUserInput(spec.mid(eq + 1));
        const QString profileId = profiles.size() == 1 ? profiles.first() : profiles.at(i);
        QStringList errors;
        std::unique_ptr<FeedProfile> profile = createProfile(profileId, url, knobs, &errors);
        if (!profile)
            return usageError(
                TailText::tr("channel '%1': %2").arg(name, errors.join(QLatin1Char(' '))));

        QNetworkAccessManager *manager = pool.acquire(url, settings.transport);
        auto poller = std::make_unique<Poller>(std::move(profile), manager);
        poller->setName(name);
        poller->setSettings(settings);
        Poller *p = poller.get();
        QObject::connect(
            p, &Poller::batchReceived, p,
            [&, name](const EventList &events, const QString &cursor) {
                // With --store: recorded (batch and cursor in one transaction)
                // before anything is printed, and what was stored before is not
                // printed again.
                QList<int> duplicates;
                if (store) {
                    const std::optional<AppendResult> result = store->append(name, events, cursor);
                    if (!result) {
                        say(TailText::tr("[%1] could not record events: %2")
                                .arg(name, store->errorString()));
                        finish(ExitFatal);
                        return;
                    }
                    duplicates = result->duplicateIndexes;
                }
                qsizetype nextDuplicate = 0;
                for (qsizetype at = 0; at < events.size(); ++at) {
                    if (nextDuplicate < duplicates.size() && duplicates.at(nextDuplicate) == at) {
                        ++nextDuplicate;
                        continue;
                    }
                    if (remaining == 0)
                        break;
                    const QByteArray line = EventExporter::ndjsonLine(name, events.at(at));
                    if (std::fwrite(line.constData(), 1, size_t(line.size()), stdout) !=
                            size_t(line.size()) ||
                        std::fflush(stdout) != 0) {
                        finish(ExitOk); // the reader went away
                        return;
                    }
                    if (remaining > 0)
                        --remaining;
                }
                if (remaining == 0)
                    finish(ExitOk);
            });
        QObject::connect(p, &Poller::stateChanged, p, [&, p, name](Poller::State state) {
            if (state == Poller::State::Failed) {
                say(TailText::tr("[%1] stopped: %2").arg(name, p->errorString()));
                finish(ExitFatal);
            } else if (!quiet && state != Poller::State::Backoff &&
                       state != Poller::State::Stopped) {
                say(TailText::tr("[%1] %2").arg(name, Poller::stateString(state).toLower()));
            }
        });
        QObject::connect(p, &Poller::retryScheduled, p,
                         [&, p, name](int attempt, milliseconds delay) {
                             say(TailText::tr("[%1] %2 Next try in %3 s (attempt %4).")
                                     .arg(name, p->errorString())
                                     .arg(double(delay.count()) / 1000.0, 0, 'f', 1)
                                     .arg(attempt));
                         });
        QObject::connect(p, &Poller::cursorReset, p,
                         [&, name](const QString &, const QString &why) {
                             say(TailText::tr("[%1] %2").arg(name, why));
                         });
        if (!quiet)
            say(TailText::tr("[%1] polling %2 (%3)").arg(name, redactedUrl(url), profileId));
        QString startCursor = sinceByChannel.value(name, sinceForAll);
        if (store && !sinceByChannel.contains(name) && !sinceForAllGiven) {
            const std::optional<QString> stored = store->cursor(name);
            if (stored) {
                startCursor = *stored;
                if (!quiet)
                    say(TailText::tr("[%1] resuming from the stored cursor %2")
                            .arg(name, startCursor));
            } else if (store->error() != EventStore::Error::NoError) {
                say(QStringLiteral("longwatch-tail: %1").arg(store->errorString()));
                return ExitFatal;
            }
        }
        p->start(startCursor);
        pollers.push_back(std::move(poller));
    }

    if (parser.isSet(durationOption)) {
        const milliseconds duration =
            secondsOption(parser, durationOption.names().constFirst(), &ok);
        if (!ok)
            return usageError(TailText::tr("--duration takes a number of seconds."));
        QTimer::singleShot(duration, &app, [&] { finish(ExitOk); });
    }

    // Ctrl+C and SIGTERM end the run cleanly (exit 0), through the event loop.
    handleTerminationSignals(&app, [&] { finish(ExitOk); });

    const int code = app.exec();
    return finishing ? exitCode : code;
}
