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

#include "profilefuzzing.h"
#include "profiles.h"
#include "profiles/zulipprofile.h"

#include <QUrl>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;
using namespace Longwatch::Fuzzing;

namespace {

/// Aborts unless `result`'s cursor, and the cursor after any part of its
/// events, is `<id>@<queue>`; after an /events answer (from `cursor`, not
/// `registering`) of the same queue and never going back.
void checkTheCursors(const FeedProfile &profile, const PollResult &result, const QString &cursor,
                     bool registering)
{
    QString queue;
    qint64 last = 0;
    if (!ZulipProfile::splitCursor(result.cursor, &queue, &last))
        std::abort();
    if (!registering && (queue != QLatin1String("1375801870:2942") || last < 41))
        std::abort();
    // Any part of the events leaves a cursor of the same queue.
    for (qsizetype count = 1; !registering && count <= result.events.size(); ++count) {
        const std::optional<QString> after = profile.cursorAfter(result.events, count, cursor);
        QString partQueue;
        qint64 partLast = 0;
        if (!after || !ZulipProfile::splitCursor(*after, &partQueue, &partLast) ||
            partQueue != queue || partLast > last)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    silenceProfileLogs();
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
    const bool registering = !(data[1] & 1);
    const QString cursor = registering ? QString() : QStringLiteral("41@1375801870:2942");

    const PollResult result = profile->parse(answerFrom(data, size), cursor);
    checkEveryProfilesRules(result, cursor);
    if (result.verdict == Verdict::Events || result.verdict == Verdict::NoNews)
        checkTheCursors(*profile, result, cursor, registering);
    if (profile->holdTime().count() <= 0)
        std::abort();
    (void)profile->request(result.cursor).url.toEncoded();
    return 0;
}
