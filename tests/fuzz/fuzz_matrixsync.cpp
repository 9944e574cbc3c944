// libFuzzer harness for the matrix-sync profile's reader (#20): any answer a
// homeserver (or something pretending to be one) may give to /sync. The
// input is
//
//     byte 0      which HTTP status (index into kStatuses, modulo)
//     byte 1      bit 0: a first sync (no cursor) or a later one
//     rest        the body
//
// The profile must not crash; every event's raw must be one JSON value; no
// news carries no events; an answer that is not Events or NoNews keeps the
// cursor it was given; a good answer's cursor is never empty; the request
// for any cursor it returns can be built.

#include "feedprofile.h"
#include "profiles.h"

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
    static std::unique_ptr<FeedProfile> profile = [] {
        QStringList errors;
        return createProfile(QStringLiteral("matrix-sync"),
                             QUrl(QStringLiteral("https://127.0.0.1:8448")), {}, &errors);
    }();
    if (!profile)
        std::abort();
    PollResponse response;
    response.status = kStatuses[data[0] % std::size(kStatuses)];
    response.body = QByteArray(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));
    response.headers = {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("7")}};
    response.receivedAt = QDateTime(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());
    const QString cursor = (data[1] & 1) ? QStringLiteral("s72594_4483_1934") : QString();

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
    case Verdict::Events:
        if (result.cursor.isEmpty())
            std::abort(); // next_batch is the cursor, and it is required
        break;
    default:
        if (result.cursor != cursor)
            std::abort();
        break;
    }
    (void)profile->request(result.cursor).url.toEncoded();
    return 0;
}
