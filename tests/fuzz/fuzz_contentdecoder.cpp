// libFuzzer harness for ContentDecoder, which undoes gzip and deflate
// bodies for Longwatch's own HTTP/1.1 client: whatever a server sends as
// such a body. The first byte chooses the coding and where the rest is cut
// into pieces; the rest is decoded twice, all at once with big outputs and
// piece by piece with small ones (as Http1Reply does when its reader is
// slow): both must end the same way with the same bytes, no call may make
// more than it was allowed, and a failure always says why. Then the same
// bytes, compressed by zlib in the chosen format, must decode to themselves.

#include "compression.h"
#include "contentdecoder.h"

#include <QList>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace Longwatch;

namespace {

// What is compared of an output: a bomb's first 128 KiB, not the whole of
// it (decoding a few bytes a call is slow, and the speed of the fuzzer is
// its reach).
constexpr qsizetype kMaxOutput = 128 * 1024;

struct Outcome
{
    ContentDecoder::Status status = ContentDecoder::Status::NeedInput;
    QByteArray output;
};

// Aborts, saying which check failed.
void check(bool condition, int line)
{
    if (!condition) {
        fprintf(stderr, "fuzz_contentdecoder: the check at line %d failed\n", line);
        abort();
    }
}
#define CHECK(condition) check((condition), __LINE__)

Outcome decode(ContentDecoder::Coding coding, const QList<QByteArray> &pieces, qsizetype step)
{
    ContentDecoder decoder(coding);
    Outcome outcome;
    QByteArray input;
    for (const QByteArray &piece : pieces) {
        input += piece;
        while (outcome.output.size() < kMaxOutput) {
            const qsizetype before = outcome.output.size();
            const qsizetype unused = input.size();
            outcome.status = decoder.decode(input, outcome.output, step);
            CHECK(outcome.output.size() - before <= step);
            CHECK(input.size() <= unused);
            if (outcome.status == ContentDecoder::Status::Failed) {
                CHECK(!decoder.errorString().isEmpty());
                return outcome;
            }
            CHECK(decoder.atEnd() == (outcome.status == ContentDecoder::Status::End));
            if (outcome.status != ContentDecoder::Status::Full)
                break;
        }
    }
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t control = data[0];
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const auto coding =
        (control & 1) ? ContentDecoder::Coding::Deflate : ContentDecoder::Coding::Gzip;

    // As a coded body: whole, and in pieces of 1 to 64 bytes with outputs
    // of 1 to 512 bytes a call.
    const Outcome whole = decode(coding, {bytes}, kMaxOutput);
    const qsizetype cut = 1 + ((control >> 1) & 63);
    const qsizetype step = 1 + qsizetype((control >> 7) ? 511 : (control >> 1) & 15);
    QList<QByteArray> pieces;
    for (qsizetype at = 0; at < bytes.size(); at += cut)
        pieces.append(bytes.mid(at, cut));
    const Outcome pieced = decode(coding, pieces, step);
    const bool complete = whole.output.size() < kMaxOutput && pieced.output.size() < kMaxOutput;
    if (complete) {
        using Status = ContentDecoder::Status;
        CHECK((whole.status == Status::Failed) == (pieced.status == Status::Failed));
        CHECK((whole.status == Status::End) == (pieced.status == Status::End));
        if (whole.status != ContentDecoder::Status::Failed)
            CHECK(whole.output == pieced.output);
    }

    // The bytes themselves, compressed: they come back.
    using Testing::Compression;
    const Compression format = coding == ContentDecoder::Coding::Gzip ? Compression::Gzip
                               : (control & 2)                        ? Compression::RawDeflate
                                                                      : Compression::Zlib;
    const QByteArray coded = Testing::compressed(bytes, format);
    CHECK(!coded.isEmpty());
    const Outcome back = decode(coding, {coded}, 4096);
    CHECK(back.status == ContentDecoder::Status::End);
    CHECK(back.output == bytes);
    return 0;
}
