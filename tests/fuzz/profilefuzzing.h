#pragma once

// What the harnesses of one profile's reader (fuzz_matrixsync,
// fuzz_zulipevents) share: the input's status and body, the time it is
// received at, and the rules every profile's answer keeps. A rule broken
// aborts, which libFuzzer reports as a crash with the input.

#include "feedprofile.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimeZone>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>

namespace Longwatch::Fuzzing {

/// The statuses an input's first byte picks from (modulo): mostly 200.
inline constexpr int kStatuses[] = {200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502};

/// For LLVMFuzzerInitialize: profiles log what they see; at millions of
/// runs that is only noise.
inline void silenceProfileLogs()
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
}

/// The time every answer is received at, so that a run repeats.
inline QDateTime receivedAt()
{
    return QDateTime(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());
}

/// The answer an input of `size` (at least 2) bytes stands for: byte 0 the
/// status (kStatuses, modulo), byte 1 left to the harness, the rest the body.
inline PollResponse answerFrom(const uint8_t *data, size_t size)
{
    PollResponse response;
    response.status = kStatuses[data[0] % std::size(kStatuses)];
    response.body = QByteArray(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));
    response.receivedAt = receivedAt();
    return response;
}

inline bool isOneJsonValue(const QByteArray &raw)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson('[' + raw + ']', &error);
    return error.error == QJsonParseError::NoError && doc.isArray();
}

/// Aborts unless `result`, a profile's reading of an answer to a request for
/// `cursor`, keeps the rules of every profile: each event's raw is one JSON
/// value; no news carries no events; a verdict other than Events and NoNews
/// keeps `cursor`.
inline void checkEveryProfilesRules(const PollResult &result, const QString &cursor)
{
    for (const Event &event : result.events) {
        if (!isOneJsonValue(event.raw))
            std::abort();
    }
    if (result.verdict == Verdict::NoNews && !result.events.isEmpty())
        std::abort();
    if (result.verdict != Verdict::Events && result.verdict != Verdict::NoNews &&
        result.cursor != cursor)
        std::abort();
}

} // namespace Longwatch::Fuzzing
