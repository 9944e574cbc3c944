// libFuzzer harness for the Server-Sent Events parser: any bytes a server
// may send on a text/event-stream. The stream is fed whole, in random
// splits (seeded by the input, so a finding replays) and, when short, byte
// by byte; each must give the same events and the same state, with small
// limits too so that the error state is reached and held.

#include "sseparser.h"

#include <QList>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;

namespace {

struct Outcome
{
    QList<SseEvent> events;
    QString lastEventId;
    qint64 comments = 0;
    qint64 retryMs = -1;
    bool error = false;

    friend bool operator==(const Outcome &, const Outcome &) = default;
};

/// Feeds `input` in pieces whose sizes `nextSize` picks (0 < size), then
/// ends the stream.
template<typename NextSize>
Outcome parse(QByteArrayView input, qsizetype maxLine, qsizetype maxEvent, NextSize nextSize)
{
    SseParser parser(maxLine, maxEvent);
    Outcome outcome;
    qsizetype from = 0;
    while (from < input.size()) {
        const qsizetype size = std::min(nextSize(), input.size() - from);
        const bool failedBefore = parser.hasError();
        const QList<SseEvent> events = parser.feed(input.sliced(from, size));
        if (failedBefore && !events.isEmpty())
            std::abort(); // nothing after an error
        for (const SseEvent &event : events) {
            if (event.type.isEmpty())
                std::abort(); // "message" when there was no event field
            if (event.data.size() > maxEvent)
                std::abort(); // the limit holds (a UTF-8 byte is at most one UTF-16 unit)
        }
        outcome.events.append(events);
        from += size;
    }
    parser.finish();
    if (parser.hasError() == parser.errorString().isEmpty())
        std::abort(); // an error has its sentence, and only an error
    outcome.lastEventId = parser.lastEventId();
    outcome.comments = parser.comments();
    outcome.retryMs = parser.reconnectionTime() ? parser.reconnectionTime()->count() : -1;
    outcome.error = parser.hasError();
    return outcome;
}

void check(QByteArrayView input, qsizetype maxLine, qsizetype maxEvent)
{
    const Outcome whole = parse(input, maxLine, maxEvent, [&] { return input.size(); });

    // xorshift64, seeded by the input.
    uint64_t state = 0x9E3779B97F4A7C15ull ^ uint64_t(input.size());
    for (const char c : input)
        state = (state ^ uint8_t(c)) * 0x100000001B3ull;
    if (state == 0)
        state = 1;
    for (int round = 0; round < 4; ++round) {
        const Outcome split = parse(input, maxLine, maxEvent, [&] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return qsizetype(state % 17) + 1; // 1..17 bytes: splits CRLF and UTF-8 often
        });
        if (!(split == whole))
            std::abort();
    }
    if (input.size() <= 4096) {
        const Outcome byteByByte = parse(input, maxLine, maxEvent, [] { return qsizetype(1); });
        if (!(byteByByte == whole))
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    check(input, SseParser::kDefaultMaxLineBytes, SseParser::kDefaultMaxEventBytes);
    check(input, 24, 64);
    return 0;
}
