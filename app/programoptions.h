#pragma once

// What the four programs (longwatch, longwatch-tail, longwatch-feed,
// longwatch-export) do alike with their command lines: their name and
// version, how they say errors on standard error, the exit status of a bad
// argument, and how they read a number from an option.

#include <QtGlobal>

#include <chrono>
#include <optional>

class QCommandLineParser;
class QString;

namespace Longwatch {

/// The exit statuses the command-line programs share; each program's
/// --help says what they mean for it.
enum ExitStatus {
    ExitOk = 0,     ///< done, or stopped on request (Ctrl+C, --count, --duration)
    ExitFailed = 1, ///< something outside the command line failed (a file, a feed)
    ExitUsage = 2,  ///< a bad argument
};

/// Gives the program its name and Longwatch's version, as --version, --help
/// and the sentences below show them. Works before and after the
/// application object exists.
void nameProgram(const QString &name);

/// Writes `line` and a line end to standard error at once, in the local
/// 8-bit encoding, and flushes it.
void say(const QString &line);

/// Says "<program>: <message>" on standard error: how the programs report
/// what stopped them.
void sayError(const QString &message);

/// Says a bad argument as sayError() does, then "Try '<program> --help'.";
/// returns ExitUsage for main() to return.
int usageError(const QString &message);

/// For programs that take no positional arguments: usageError() naming the
/// first one given (its ExitUsage), or nothing when there is none.
std::optional<int> refusePositionalArguments(const QCommandLineParser &parser);

/// The number `text` holds (C locale) if it lies from `lowest` to `highest`;
/// never NaN.
std::optional<double> readNumber(const QString &text, double lowest, double highest);

/// The whole number `text` holds if it lies from `lowest` to `highest`.
std::optional<qint64> readWholeNumber(const QString &text, qint64 lowest, qint64 highest);

/// The number of seconds `text` holds, from 0 to `highestSeconds`, as
/// milliseconds rounded up (so that 0.0001 s is not no time at all).
std::optional<std::chrono::milliseconds> readSeconds(const QString &text,
                                                     double highestSeconds = 366.0 * 24 * 3600);

/// For a program with widgets: answers --help, --version and a mistyped
/// option before a QApplication exists, because one needs a display and
/// aborts without it (over ssh, in a container) while a QCoreApplication
/// does not; prints the answer and exits. Returns when the command line asks
/// for the GUI, or when it fails but may hold Qt's own options (-platform,
/// -style: one dash and a word), which only QApplication knows and takes off
/// the command line: the parse after it answers those.
void answerWithoutTheGui(QCommandLineParser &parser, int &argc, char **argv);

} // namespace Longwatch
