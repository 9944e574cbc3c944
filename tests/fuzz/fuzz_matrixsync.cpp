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

#include "profilefuzzing.h"
#include "profiles.h"

#include <QUrl>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;
using namespace Longwatch::Fuzzing;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    silenceProfileLogs();
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
    PollResponse response = answerFrom(data, size);
    response.headers = {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("7")}};
    const QString cursor = (data[1] & 1) ? QStringLiteral("s72594_4483_1934") : QString();

    const PollResult result = profile->parse(response, cursor);
    checkEveryProfilesRules(result, cursor);
    // next_batch is the cursor, and it is required.
    if ((result.verdict == Verdict::Events || result.verdict == Verdict::NoNews) &&
        result.cursor.isEmpty())
        std::abort();
    (void)profile->request(result.cursor).url.toEncoded();
    return 0;
}
