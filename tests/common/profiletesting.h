#pragma once

// Small helpers shared by the feed profiles' table-driven tests.

#include "feedprofile.h"

#include <QDateTime>
#include <QString>

namespace Longwatch::Testing {

/// A response as the Poller would hand it to a profile, received at a fixed
/// time (2026-11-22 12:00 UTC) so that Retry-After dates are predictable.
inline PollResponse response(int status, const QByteArray &body, HeaderList headers = {})
{
    PollResponse r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    r.receivedAt = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC);
    return r;
}

/// A verdict in words, for failure messages.
inline QString verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Events:
        return QStringLiteral("events");
    case Verdict::NoNews:
        return QStringLiteral("no news");
    case Verdict::Retry:
        return QStringLiteral("retry");
    case Verdict::Fatal:
        return QStringLiteral("fatal");
    case Verdict::Resync:
        return QStringLiteral("resync");
    }
    return QStringLiteral("?");
}

} // namespace Longwatch::Testing
