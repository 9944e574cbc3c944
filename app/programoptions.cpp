#include "programoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <algorithm>
#include <cstdio>

#include <cmath>

namespace Longwatch {

namespace {

/// The context of the sentences every program says alike.
class ProgramText
{
    Q_DECLARE_TR_FUNCTIONS(ProgramText)
};

} // namespace

void nameProgram(const QString &name)
{
    QCoreApplication::setApplicationName(name);
    QCoreApplication::setApplicationVersion(QStringLiteral(LONGWATCH_VERSION));
}

void say(const QString &line)
{
    std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

void sayError(const QString &message)
{
    say(QStringLiteral("%1: %2").arg(QCoreApplication::applicationName(), message));
}

int usageError(const QString &message)
{
    sayError(message);
    say(ProgramText::tr("Try '%1 --help'.").arg(QCoreApplication::applicationName()));
    return ExitUsage;
}

std::optional<int> refusePositionalArguments(const QCommandLineParser &parser)
{
    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        return std::nullopt;
    return usageError(ProgramText::tr("unexpected argument '%1'.").arg(arguments.first()));
}

std::optional<double> readNumber(const QString &text, double lowest, double highest)
{
    bool ok = false;
    const double value = text.toDouble(&ok);
    // Negated so that NaN fails.
    if (!ok || !(value >= lowest) || !(value <= highest))
        return std::nullopt;
    return value;
}

std::optional<std::chrono::milliseconds> readSeconds(const QString &text, double highestSeconds)
{
    const std::optional<double> seconds = readNumber(text, 0, highestSeconds);
    if (!seconds)
        return std::nullopt;
    return std::chrono::milliseconds(qint64(std::ceil(*seconds * 1000)));
}

std::optional<qint64> readWholeNumber(const QString &text, qint64 lowest, qint64 highest)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < lowest || value > highest)
        return std::nullopt;
    return value;
}

void answerWithoutTheGui(QCommandLineParser &parser, int &argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const bool parsed = parser.parse(arguments);
    const bool onlyAnAnswer = parser.isSet(QStringLiteral("help")) ||
                              parser.isSet(QStringLiteral("help-all")) ||
                              parser.isSet(QStringLiteral("version"));
    const QStringList options = arguments.mid(1);
    const bool mayHoldQtOptions =
        std::any_of(options.cbegin(), options.cend(), [](const QString &option) {
            return option.size() > 2 && option.startsWith(QLatin1Char('-')) &&
                   option.at(1) != QLatin1Char('-');
        });
    if (parsed ? !onlyAnAnswer : mayHoldQtOptions)
        return;
    QCoreApplication terminal(argc, argv);
    parser.process(terminal); // prints the help, the version or the error, and exits
}

} // namespace Longwatch
