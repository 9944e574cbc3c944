// libFuzzer harness for the streaming profiles' readers (#20): any bytes a
// server may write into an open stream, fed to readStream() in splits
// seeded by the input, then endStream(). The input is
//
//     byte 0      which stream (index into kStreams, modulo)
//     rest        the stream's bytes
//
// The profiles must not crash or grow without bound, every event's raw must
// be one JSON value, a Retry, Fatal or Resync ends the stream (as the Poller
// does), and a read that completes nothing must not invent events.

#include "feedprofile.h"
#include "profiles.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrl>
#include <QVariantMap>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace Longwatch;

namespace {

struct Stream
{
    const char *profile;
    const char *url;
    const char *mode; ///< the "mode" knob, or nullptr
    const char *contentType;
    const char *initialCursor = nullptr; ///< the "initial-cursor" knob, or nullptr
    const char *knobs = nullptr;         ///< more knobs, "name=value" joined by ";", or nullptr
};

constexpr Stream kStreams[] = {
    {"sse", "http://127.0.0.1:1/events", nullptr, "text/event-stream"},
    {"ntfy", "http://127.0.0.1:1/alerts", "stream", "application/x-ndjson"},
    {"couchdb-changes", "http://127.0.0.1:1/db", "stream", "text/plain"},
    {"etcd-watch", "http://127.0.0.1:1/v2/keys/jobs", nullptr, "application/json"},
    {"etcd-watch", "http://127.0.0.1:1/v3/watch/jobs/", nullptr, "application/json"},
    // kubernetes-watch lists without a cursor and watches with one.
    {"kubernetes-watch", "http://127.0.0.1:1/api/v1/pods", nullptr, "application/json"},
    {"kubernetes-watch", "http://127.0.0.1:1/api/v1/pods", nullptr, "application/json", "10245"},
    // generic-json's streaming modes: values through an events path with a
    // wildcard, through "whole" and as lines.
    {"generic-json", "http://127.0.0.1:1/s", nullptr, "application/x-ndjson", nullptr,
     "stream=ndjson;events-path=rooms.*.events;cursor-from=last-id"},
    {"generic-json", "http://127.0.0.1:1/s", nullptr, "application/x-ndjson", nullptr,
     "stream=ndjson;events-at=ndjson;bootstrap-again-on=code=gone;bootstrap-url=/b"},
    {"generic-json", "http://127.0.0.1:1/s", nullptr, "text/event-stream", nullptr,
     "stream=sse;events-at=whole;events-path=;cursor-from=last-id"},
};

bool isOneJsonValue(const QByteArray &raw)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson('[' + raw + ']', &error);
    return error.error == QJsonParseError::NoError && doc.isArray();
}

/// False when the stream ends here.
bool check(const PollResult &result, QString *cursor)
{
    for (const Event &event : result.events) {
        if (!isOneJsonValue(event.raw))
            std::abort();
    }
    if (result.verdict == Verdict::NoNews && !result.events.isEmpty())
        std::abort(); // no news carries no events
    if (result.verdict != Verdict::Events && result.verdict != Verdict::NoNews)
        return false;
    if (!result.cursor.isEmpty())
        *cursor = result.cursor;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const Stream &stream = kStreams[data[0] % std::size(kStreams)];
    QVariantMap knobs;
    if (stream.mode)
        knobs.insert(QStringLiteral("mode"), QString::fromLatin1(stream.mode));
    if (stream.initialCursor)
        knobs.insert(QStringLiteral("initial-cursor"), QString::fromLatin1(stream.initialCursor));
    if (stream.knobs) {
        for (const QString &knob : QString::fromLatin1(stream.knobs).split(QLatin1Char(';'))) {
            const qsizetype equals = knob.indexOf(QLatin1Char('='));
            knobs.insert(knob.left(equals), knob.mid(equals + 1));
        }
    }
    QStringList errors;
    std::unique_ptr<FeedProfile> profile = createProfile(
        QString::fromLatin1(stream.profile), QUrl(QString::fromLatin1(stream.url)), knobs, &errors);
    if (!profile || !profile->streamsAnswers())
        std::abort();
    PollResponse head;
    head.status = 200;
    head.headers = {{QByteArrayLiteral("Content-Type"), QByteArray(stream.contentType)},
                    {QByteArrayLiteral("X-Etcd-Index"), QByteArrayLiteral("7")}};
    if (stream.knobs && std::strstr(stream.knobs, "bootstrap-url")) {
        // The bootstrap request's answer comes before any stream.
        PollResponse answer;
        answer.status = 200;
        answer.body = QByteArrayLiteral("{}");
        profile->parse(answer, profile->initialCursor());
    }
    StreamLimits limits;
    limits.maxEventBytes = 4096; // small, so that the caps are reached
    if (!profile->startStream(head, limits))
        std::abort();

    const QByteArrayView input(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);
    QString cursor = profile->initialCursor();
    uint64_t state = 0x9E3779B97F4A7C15ull ^ uint64_t(size);
    for (const char c : input)
        state = (state ^ uint8_t(c)) * 0x100000001B3ull;
    if (state == 0)
        state = 1;
    qsizetype from = 0;
    while (from < input.size()) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const qsizetype piece = std::min(qsizetype(state % 64) + 1, input.size() - from);
        if (!check(profile->readStream(input.sliced(from, piece), cursor), &cursor))
            return 0;
        from += piece;
    }
    check(profile->endStream(cursor), &cursor);
    (void)profile->request(cursor).url.toEncoded();
    return 0;
}
