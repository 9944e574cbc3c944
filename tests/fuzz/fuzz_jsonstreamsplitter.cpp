// libFuzzer harness for the splitter of NDJSON and JSON text sequences
// (JsonStreamSplitter): any bytes a streaming server may send, fed whole,
// in random splits (seeded by the input, so a finding replays) and, when
// short, byte by byte, must give the same records and heartbeats; with a
// small cap too, so that the error state is reached and held.

#include "jsonstreamsplitter.h"

#include <QList>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;

namespace {

struct Outcome
{
    QList<QByteArray> records;
    qint64 heartbeats = 0;
    bool error = false;

    friend bool operator==(const Outcome &, const Outcome &) = default;
};

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

template<typename NextSize> Outcome split(QByteArrayView input, qsizetype cap, NextSize nextSize)
{
    JsonStreamSplitter splitter(cap);
    Outcome outcome;
    qsizetype from = 0;
    const auto check = [&](const QList<QByteArray> &records) {
        for (const QByteArray &record : records) {
            if (record.isEmpty() || record.size() > cap || record.contains('\n') ||
                record.contains('\x1E') || isWhitespace(record.front()) ||
                isWhitespace(record.back()))
                std::abort(); // a record is trimmed, bounded, without separators
        }
        outcome.records += records;
    };
    while (from < input.size()) {
        const qsizetype size = std::min(nextSize(), input.size() - from);
        const bool failedBefore = splitter.hasError();
        const QList<QByteArray> records = splitter.feed(input.sliced(from, size));
        if (failedBefore && !records.isEmpty())
            std::abort(); // nothing after an error
        if (splitter.pendingBytes() > cap)
            std::abort(); // the buffer is bounded
        check(records);
        from += size;
    }
    outcome.error = splitter.hasError();
    if (splitter.hasError() == splitter.errorString().isEmpty())
        std::abort(); // an error has its sentence, and only an error
    check(splitter.finish());
    outcome.heartbeats = splitter.heartbeats();
    return outcome;
}

void check(QByteArrayView input, qsizetype cap)
{
    const Outcome whole = split(input, cap, [&] { return input.size(); });
    uint64_t state = 0x9E3779B97F4A7C15ull ^ uint64_t(input.size());
    for (const char c : input)
        state = (state ^ uint8_t(c)) * 0x100000001B3ull;
    if (state == 0)
        state = 1;
    for (int round = 0; round < 4; ++round) {
        const Outcome pieces = split(input, cap, [&] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return qsizetype(state % 17) + 1;
        });
        if (!(pieces == whole))
            std::abort();
    }
    if (input.size() <= 4096) {
        const Outcome bytes = split(input, cap, [] { return qsizetype(1); });
        if (!(bytes == whole))
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    check(input, qsizetype(16) << 20);
    check(input, 16);
    return 0;
}
