// libFuzzer harness for the zulip-events profile's reader (#20): any answer
// to a queue's registration or to an /events long poll. The input is
//
//     byte 0      which HTTP status (index into kStatuses, modulo)
//     byte 1      bit 0: a register answer (no cursor) or an /events one
//     rest        the body
//
// The profile must not crash; every event's raw must be one JSON value; no
// news carries no events; a good answer's cursor is `<id>@<queue>` (a
// register answer's starts the queue; an /events answer's keeps the queue
// and never goes back); any other verdict keeps the cursor; the request for
// any cursor it returns can be built; the cursor after any part of the
// events is of the same queue and not past the whole answer's.

#include "feedprofile.h"
#include "profiles.h"
#include "profiles/zulipprofile.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimeZone>
#include <QUrl>
#include <QVariantMap>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;

namespace {

constexpr int kStatuses[] = {200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502};

bool isOneJsonValue(const QByteArray &raw)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson('[' + raw + ']', &error);
    return error.error == QJsonParseError::NoError && doc.isArray();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    QStringList errors;
    // A new profile per input: a register answer may change its hold.
    const std::unique_ptr<FeedProfile> profile =
        createProfile(QStringLiteral("zulip-events"),
                      QUrl(QStringLiteral("https://127.0.0.1:9991")), {}, &errors);
    if (!profile)
        std::abort();
    PollResponse response;
    response.status = kStatuses[data[0] % std::size(kStatuses)];
    response.body = QByteArray(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));
    response.receivedAt = QDateTime(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());
    const bool registering = !(data[1] & 1);
    const QString cursor = registering ? QString() : QStringLiteral("41@1375801870:2942");

    const PollResult result = profile->parse(response, cursor);
    for (const Event &event : result.events) {
        if (!isOneJsonValue(event.raw))
            std::abort();
    }
    switch (result.verdict) {
    case Verdict::NoNews:
        if (!result.events.isEmpty())
            std::abort();
        [[fallthrough]];
    case Verdict::Events: {
        QString queue;
        qint64 last = 0;
        if (!ZulipProfile::splitCursor(result.cursor, &queue, &last))
            std::abort();
        if (!registering && (queue != QLatin1String("1375801870:2942") || last < 41))
            std::abort();
        // Any part of the events leaves a cursor of the same queue.
        for (qsizetype count = 1; !registering && count <= result.events.size(); ++count) {
            const std::optional<QString> after = profile->cursorAfter(result.events, count, cursor);
            QString partQueue;
            qint64 partLast = 0;
            if (!after || !ZulipProfile::splitCursor(*after, &partQueue, &partLast) ||
                partQueue != queue || partLast > last)
                std::abort();
        }
        break;
    }
    default:
        if (result.cursor != cursor)
            std::abort();
        break;
    }
    if (profile->holdTime().count() <= 0)
        std::abort();
    (void)profile->request(result.cursor).url.toEncoded();
    return 0;
}
