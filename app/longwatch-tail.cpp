// longwatch-tail: polls one or more long-poll channels and writes each event
// as one NDJSON line to stdout; states and errors go to stderr as sentences.
// main() reads the command line into TailOptions; a TailSession runs them.

#include "englishplurals.h"
#include "epolleventdispatcher.h"
#include "memorytuning.h"
#include "profiles.h"
#include "programoptions.h"
#include "secretstore.h"
#include "tailmetrics.h"
#include "tailsession.h"
#include "tailtransport.h"
#include "tailworkspace.h"
#include "terminationsignals.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkProxyFactory>
#include <QSet>

#include <algorithm>
#include <limits>
#include <memory>

using namespace Longwatch;
using namespace std::chrono;

namespace {

/// The context of longwatch-tail's sentences.
class TailText
{
    Q_DECLARE_TR_FUNCTIONS(TailText)
};

/// What the command line asks for: the run, and where more channels come from.
struct TailCommand
{
    TailOptions options;                  ///< with the --channel NAME=URL channels
    std::optional<QString> workspacePath; ///< --workspace FILE
    QStringList picks;                    ///< --channel NAME: channels of the workspace
    std::optional<QString> secretsFile;   ///< --secrets-file FILE
    QStringList since;                    ///< the --since values, read once the names are known
    std::optional<std::pair<QHostAddress, quint16>> metrics; ///< --metrics ADDRESS:PORT
};

/// "127.0.0.1:9464", "[::1]:0", "localhost:9464": an address (or a name
/// for it) and a port; nothing if it is not that.
std::optional<std::pair<QHostAddress, quint16>> readListenAddress(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return std::nullopt;
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    const std::optional<qint64> port = readWholeNumber(text.mid(colon + 1), 0, 65535);
    if (!port)
        return std::nullopt;
    QHostAddress address;
    if (host == QLatin1String("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(host))
        return std::nullopt;
    return std::pair(address, quint16(*port));
}

/// Reads the command line into a TailCommand, every argument checked before
/// anything is opened or started. Nothing when an argument is bad: the
/// sentence is said, and main() returns ExitUsage. --help and --version
/// exit here; the logging rules (--verbose or silent) are set here.
std::optional<TailCommand> readOptions(const QCoreApplication &app)
{
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
            "\nWith --workspace FILE, every channel of a workspace file (File > Export Workspace "
            "in the dashboard) is polled with all its settings, except the channels paused in "
            "it; --channel NAME picks some of them, --channel NAME=URL adds others. Secrets the "
            "file left out are read from the keychain (or from --secrets-file) under "
            "'recorder/<channel>/<field>', e.g. 'recorder/Builds/token'.\n"
            "\nThe options from --header to --max-body, the transport options (--ca-file to "
            "--http-version) and the profile settings apply to the --channel NAME=URL channels "
            "and "
            "mean what the same settings of a channel mean in the dashboard. Secrets (passwords, "
            "the bearer token, the key's passphrase) are taken only as references to environment "
            "variables, '${env:NAME}' in single quotes, because command lines are visible to "
            "other users of this computer; they are read when a request is made and never "
            "printed.\n"
            "\nExit status: 0 when --count or --duration is reached or on Ctrl+C or SIGTERM, 1 "
            "when a channel fails for good (e.g. the server refuses the request) or the event log "
            "cannot be opened or written, 2 on bad arguments (a workspace file that cannot be "
            "used, a secret that cannot be found).\n\n"
            "Example:\n  longwatch-tail --channel builds=http://127.0.0.1:8080/poll --profile "
            "seed-events"));
    parser.addHelpOption();
    parser.addVersionOption();

    const QCommandLineOption channelOption(
        QStringLiteral("channel"),
        TailText::tr("A channel to poll; repeat for several. With --workspace, NAME alone picks "
                     "the workspace's channel of that name."),
        TailText::tr("NAME=URL"));
    const QCommandLineOption workspaceOption(
        QStringLiteral("workspace"),
        TailText::tr("Poll the channels of this workspace file with their own settings."),
        TailText::tr("FILE"));
    const QCommandLineOption secretsFileOption(
        QStringLiteral("secrets-file"),
        TailText::tr("Read the secrets a workspace file left out from this JSON file (key: "
                     "value, readable by its owner only) instead of the keychain."),
        TailText::tr("FILE"));
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
    const QCommandLineOption metricsOption(
        QStringLiteral("metrics"),
        TailText::tr("Serve each channel's figures in the Prometheus text format at "
                     "http://ADDRESS:PORT/metrics (port 0: a free one; where it listens is said "
                     "on standard error)."),
        TailText::tr("ADDRESS:PORT"));
    const QCommandLineOption quietOption({QStringLiteral("q"), QStringLiteral("quiet")},
                                         TailText::tr("Report only errors on standard error."));
    const QCommandLineOption verboseOption(QStringLiteral("verbose"),
                                           TailText::tr("Log every request on standard error."));
    parser.addOptions({channelOption, workspaceOption, secretsFileOption, profileOption,
                       sinceOption, countOption, durationOption, headerOption, connectTimeoutOption,
                       marginOption, inactivityOption, backoffInitialOption, backoffMaxOption,
                       maxBodyOption, storeOption, metricsOption, quietOption, verboseOption});
    const TailTransportOptions transportOptions;
    parser.addOptions(transportOptions.options());
    QList<QCommandLineOption> knobOptions;
    for (const auto &[name, help] : knobNames()) {
        knobOptions.append(QCommandLineOption(name, TailText::tr("Profile setting: %1.").arg(help),
                                              TailText::tr("VALUE")));
        parser.addOption(knobOptions.back());
    }
    parser.process(app);

    if (refusePositionalArguments(parser))
        return std::nullopt;
    TailCommand command;
    if (parser.isSet(workspaceOption))
        command.workspacePath = parser.value(workspaceOption);
    if (parser.isSet(secretsFileOption))
        command.secretsFile = parser.value(secretsFileOption);
    QStringList channelSpecs;
    for (const QString &spec : parser.values(channelOption)) {
        if (command.workspacePath && !spec.contains(QLatin1Char('=')))
            command.picks << spec;
        else
            channelSpecs << spec;
    }
    if (channelSpecs.isEmpty() && !command.workspacePath) {
        usageError(TailText::tr("say which feed to poll with --channel NAME=URL."));
        return std::nullopt;
    }
    QStringList profiles = parser.values(profileOption);
    if (profiles.isEmpty())
        profiles << QStringLiteral("seed-events");
    if (profiles.size() != 1 && profiles.size() != channelSpecs.size()) {
        usageError(TailText::tr("give one --profile for all channels or one per --channel."));
        return std::nullopt;
    }

    TailOptions &options = command.options;
    QVariantMap knobs;
    for (const QCommandLineOption &option : std::as_const(knobOptions)) {
        if (parser.isSet(option))
            knobs.insert(option.names().constFirst(), parser.value(option));
    }

    PollerSettings settings;
    const std::pair<const QCommandLineOption *, milliseconds *> durations[] = {
        {&connectTimeoutOption, &settings.connectTimeout},
        {&marginOption, &settings.deadlineMargin},
        {&inactivityOption, &settings.inactivityTimeout},
        {&backoffInitialOption, &settings.backoffInitial},
        {&backoffMaxOption, &settings.backoffMax}};
    for (const auto &[option, target] : durations) {
        const std::optional<milliseconds> value = readSeconds(parser.value(*option));
        if (!value) {
            usageError(
                TailText::tr("--%1 takes a number of seconds.").arg(option->names().constFirst()));
            return std::nullopt;
        }
        *target = *value;
    }
    const std::optional<qint64> maxBody =
        readWholeNumber(parser.value(maxBodyOption), 1, std::numeric_limits<qint64>::max());
    if (!maxBody) {
        usageError(TailText::tr("--max-body takes a positive number of bytes."));
        return std::nullopt;
    }
    settings.maxBodyBytes = *maxBody;
    for (const QString &header : parser.values(headerOption)) {
        const qsizetype colon = header.indexOf(QLatin1Char(':'));
        if (colon <= 0) {
            usageError(TailText::tr("--header takes 'Name: value'."));
            return std::nullopt;
        }
        settings.headers.append(
            {header.left(colon).trimmed().toLatin1(), header.mid(colon + 1).trimmed().toUtf8()});
    }
    // The transport options apply to every channel.
    if (const QString problem = transportOptions.read(parser, &settings); !problem.isEmpty()) {
        usageError(problem);
        return std::nullopt;
    }

    if (parser.isSet(countOption)) {
        options.count =
            readWholeNumber(parser.value(countOption), 1, std::numeric_limits<qint64>::max());
        if (!options.count) {
            usageError(TailText::tr("--count takes a positive whole number."));
            return std::nullopt;
        }
    }

    command.since = parser.values(sinceOption);

    QSet<QString> names;
    for (qsizetype i = 0; i < channelSpecs.size(); ++i) {
        const QString &spec = channelSpecs.at(i);
        const qsizetype eq = spec.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            usageError(TailText::tr("--channel takes NAME=URL, not '%1'.").arg(spec));
            return std::nullopt;
        }
        TailOptions::Channel channel;
        channel.name = spec.left(eq);
        if (names.contains(channel.name)) {
            usageError(TailText::tr("two channels are called '%1'.").arg(channel.name));
            return std::nullopt;
        }
        names.insert(channel.name);
        channel.url = QUrl::fromUserInput(spec.mid(eq + 1));
        channel.profileId = profiles.size() == 1 ? profiles.first() : profiles.at(i);
        channel.knobs = knobs;
        channel.settings = settings;
        // Built here only to check the profile and its settings: a bad one is
        // a bad argument, said before the event log is opened.
        QStringList errors;
        if (!createProfile(channel.profileId, channel.url, channel.knobs, &errors)) {
            usageError(
                TailText::tr("channel '%1': %2").arg(channel.name, errors.join(QLatin1Char(' '))));
            return std::nullopt;
        }
        options.channels.append(channel);
    }

    if (parser.isSet(durationOption)) {
        options.duration = readSeconds(parser.value(durationOption));
        if (!options.duration) {
            usageError(TailText::tr("--duration takes a number of seconds."));
            return std::nullopt;
        }
    }

    if (parser.isSet(storeOption))
        options.storePath = parser.value(storeOption);
    if (parser.isSet(metricsOption)) {
        command.metrics = readListenAddress(parser.value(metricsOption));
        if (!command.metrics) {
            usageError(TailText::tr("--metrics takes an address and a port, like 127.0.0.1:9464."));
            return std::nullopt;
        }
    }
    options.quiet = parser.isSet(quietOption);
    if (!parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    else
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*.debug=true"));
    return command;
}

/// Adds the workspace's channels to the run; false with the sentence in
/// `error` if a name is taken twice.
bool addChannels(const QList<TailOptions::Channel> &channels, TailOptions *options, QString *error)
{
    for (const TailOptions::Channel &channel : channels) {
        const bool taken = std::any_of(
            options->channels.cbegin(), options->channels.cend(),
            [&](const TailOptions::Channel &other) { return other.name == channel.name; });
        if (taken) {
            *error = TailText::tr("two channels are called '%1'.").arg(channel.name);
            return false;
        }
    }
    options->channels = channels + options->channels;
    return true;
}

/// Reads the --since values, now that every channel's name is known:
/// "NAME=CURSOR" for a channel of that name, any other value (even one with
/// "=") for every channel.
void applySince(const QStringList &values, TailOptions *options)
{
    for (const QString &since : values) {
        const qsizetype eq = since.indexOf(QLatin1Char('='));
        const QString name = eq > 0 ? since.left(eq) : QString();
        const bool named =
            eq > 0 && std::any_of(options->channels.cbegin(), options->channels.cend(),
                                  [&](const TailOptions::Channel &c) { return c.name == name; });
        if (named)
            options->sinceByChannel.insert(name, since.mid(eq + 1));
        else
            options->sinceForAll = since;
    }
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
    nameProgram(QStringLiteral("longwatch-tail"));

    std::optional<TailCommand> command = readOptions(app);
    if (!command)
        return ExitUsage;
    QNetworkProxyFactory::setUseSystemConfiguration(true);

    std::unique_ptr<TailMetrics> metrics;
    std::unique_ptr<MetricsServer> metricsServer;
    std::unique_ptr<TailSession> session;
    // Runs once every channel is known: returns the exit status when the
    // run cannot start, or nothing while it runs.
    const auto start =
        [&](const QList<TailOptions::Channel> &workspaceChannels) -> std::optional<int> {
        TailOptions &options = command->options;
        if (QString error; !addChannels(workspaceChannels, &options, &error)) {
            sayError(error);
            return ExitUsage;
        }
        if (options.channels.isEmpty()) {
            sayError(TailText::tr("the workspace file has no channel to poll."));
            return ExitUsage;
        }
        applySince(command->since, &options);
        session = std::make_unique<TailSession>(options);
        if (command->metrics) {
            metrics = std::make_unique<TailMetrics>();
            metricsServer = std::make_unique<MetricsServer>(metrics.get());
            if (!metricsServer->listen(command->metrics->first, command->metrics->second)) {
                sayError(TailText::tr("cannot serve the metrics: %1.")
                             .arg(metricsServer->errorString()));
                return ExitFailed;
            }
            // Said even with --quiet: a port chosen by the system is found here.
            say(TailText::tr("metrics at http://%1/metrics").arg(metricsServer->boundAddress()));
            session->setMetrics(metrics.get());
        }
        QObject::connect(session.get(), &TailSession::message, session.get(), &say);
        QObject::connect(session.get(), &TailSession::finished, &app, &QCoreApplication::exit);
        if (!session->start()) {
            sayError(session->errorString());
            return ExitFailed;
        }
        return std::nullopt;
    };

    TailWorkspace workspace;
    if (command->workspacePath) {
        if (!workspace.read(*command->workspacePath, command->picks)) {
            sayError(workspace.errorString());
            return ExitUsage;
        }
        if (!command->options.quiet) {
            for (const QString &sentence : workspace.skipped())
                say(sentence);
            for (const QString &name : workspace.paused())
                say(TailText::tr("[%1] paused in the workspace file: not polled (pick it with "
                                 "--channel %1 to poll it).")
                        .arg(name));
        }
    }
    // The workspace's channels, once the secrets it left out are filled in.
    const auto startWithWorkspace = [&]() -> std::optional<int> {
        QString error;
        const std::optional<QList<TailOptions::Channel>> channels = workspace.channels(&error);
        if (!channels) {
            sayError(error);
            return ExitUsage;
        }
        return start(*channels);
    };

    // Ctrl+C and SIGTERM end the run cleanly (exit 0), through the event loop.
    handleTerminationSignals(&app, [&session] {
        if (session)
            session->finish(ExitOk);
        else
            QCoreApplication::exit(ExitOk);
    });

    if (!workspace.needsSecrets()) {
        if (const std::optional<int> status = startWithWorkspace())
            return *status;
        return QCoreApplication::exec();
    }
    // The secrets come from the keychain (or the given file), which answers
    // later: the run starts from the event loop.
    const auto filled = [&](const QString &error) {
        if (!error.isEmpty()) {
            sayError(error);
            QCoreApplication::exit(ExitUsage);
        } else if (const std::optional<int> status = startWithWorkspace()) {
            QCoreApplication::exit(*status);
        }
    };
    const auto opened = [&](std::shared_ptr<SecretStore> store) {
        workspace.fillSecrets(std::move(store), filled);
    };
    if (command->secretsFile)
        opened(std::make_shared<FileSecretStore>(*command->secretsFile));
    else
        SecretStore::open(QStringLiteral("Longwatch"), SecretStore::defaultFallbackPath(), &app,
                          opened);
    return QCoreApplication::exec();
}
