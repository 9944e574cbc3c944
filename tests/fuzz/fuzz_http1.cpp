// libFuzzer harness for the HTTP/1.x response parser: whatever a server (or
// something that only pretends to be one) sends. The bytes are fed twice,
// all at once and cut into pieces at places taken from the input itself:
// both must end in the same step with the same status, headers and body,
// since TCP may cut an answer anywhere. The body never holds more than was
// sent, and a failure always says why.

#include "http1parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;

namespace {

struct Outcome
{
    Http1Parser::Step step = Http1Parser::Step::NeedMore;
    int status = 0;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool keepAlive = false;
    QByteArray rest; ///< bytes after a complete response
};

/// Feeds `pieces` in order, going on after Headers as Http1Reply does.
Outcome run(const QList<QByteArray> &pieces, bool bodyless)
{
    Http1Parser parser(bodyless);
    Outcome outcome;
    QByteArray input;
    for (const QByteArray &piece : pieces) {
        input += piece;
        while (true) {
            outcome.step = parser.parse(input, outcome.body);
            if (outcome.step != Http1Parser::Step::Headers)
                break;
            if (!parser.headersComplete() || parser.statusCode() < 200)
                std::abort(); // Headers only for a final response
        }
        if (outcome.step == Http1Parser::Step::Done || outcome.step == Http1Parser::Step::Failed)
            break;
    }
    if (outcome.step == Http1Parser::Step::NeedMore)
        outcome.step = parser.closed();
    if (outcome.step == Http1Parser::Step::Failed && parser.errorString().isEmpty())
        std::abort(); // a failure must say why
    outcome.status = parser.statusCode();
    outcome.headers = parser.headers();
    outcome.keepAlive = parser.keepAlive();
    outcome.rest = input;
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    // The first byte picks HEAD or not and the size of the pieces.
    const bool bodyless = (data[0] & 0x80) != 0;
    const qsizetype piece = (data[0] & 0x7f) + 1;
    const QByteArray bytes(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);

    const Outcome whole = run({bytes}, bodyless);
    QList<QByteArray> pieces;
    for (qsizetype i = 0; i < bytes.size(); i += piece)
        pieces.append(bytes.mid(i, piece));
    const Outcome cut = run(pieces, bodyless);

    if (whole.body.size() > bytes.size())
        std::abort();
    if (whole.step != cut.step)
        std::abort();
    if (whole.step == Http1Parser::Step::Done &&
        (whole.status != cut.status || whole.headers != cut.headers || whole.body != cut.body ||
         whole.keepAlive != cut.keepAlive))
        std::abort();
    return 0;
}
