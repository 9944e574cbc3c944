#include "contentdecoder.h"

#include <QCoreApplication>

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace Longwatch {

namespace {

// zlib's output per inflate() call: big enough for few calls, small enough
// that the QByteArray's growth stays close to what was made.
constexpr qsizetype kStep = 64 * 1024;

// Whether `input` from `from` on starts another gzip member (RFC 1952
// sections 2.2 and 2.3.1: members may follow each other; each starts with
// ID1 31, ID2 139).
bool gzipMemberAt(const QByteArray &input, qsizetype from)
{
    return input.size() - from >= 2 && uchar(input[from]) == 0x1f && uchar(input[from + 1]) == 0x8b;
}

} // namespace

struct ContentDecoder::Stream
{
    z_stream z{};
    bool live = false;
    ~Stream()
    {
        if (live)
            inflateEnd(&z);
    }
};

std::optional<ContentDecoder::Coding> ContentDecoder::codingFor(QByteArrayView contentEncoding)
{
    const QByteArrayView coding = contentEncoding.trimmed();
    // RFC 9110 section 8.4.1.3: "x-gzip" is an alias of "gzip".
    if (coding.compare("gzip", Qt::CaseInsensitive) == 0 ||
        coding.compare("x-gzip", Qt::CaseInsensitive) == 0)
        return Coding::Gzip;
    if (coding.compare("deflate", Qt::CaseInsensitive) == 0)
        return Coding::Deflate;
    return std::nullopt;
}

ContentDecoder::ContentDecoder(Coding coding)
    : m_coding(coding)
{}

ContentDecoder::~ContentDecoder() = default;

bool ContentDecoder::begin(QByteArrayView first)
{
    // gzip only (16); deflate as the zlib format, or raw where the first two
    // bytes are no zlib header (RFC 1950 section 2.2: compression method 8,
    // a window of at most 32 KiB, CMF * 256 + FLG a multiple of 31).
    int windowBits = 15 + 16;
    if (m_coding == Coding::Deflate) {
        const uint cmf = uchar(first[0]);
        const uint flg = uchar(first[1]);
        const bool zlibHeader = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0;
        windowBits = zlibHeader ? 15 : -15;
    }
    m_stream = std::make_unique<Stream>();
    if (inflateInit2(&m_stream->z, windowBits) != Z_OK) {
        m_error = tr("zlib could not be set up");
        return false;
    }
    m_stream->live = true;
    return true;
}

ContentDecoder::Status ContentDecoder::decode(QByteArray &input, QByteArray &output,
                                              qsizetype maxOutput)
{
    if (!m_error.isEmpty())
        return Status::Failed;
    const bool gzip = m_coding == Coding::Gzip;
    if (m_end) {
        if (!m_ignoringRest && gzip && gzipMemberAt(input, 0)) {
            inflateReset(&m_stream->z);
            m_end = false;
        } else {
            // Anything else after the end is ignored, as browsers and curl
            // do, however it arrives; one byte may still be the start of
            // another gzip member.
            if (m_ignoringRest || !gzip || input.size() >= 2) {
                input.clear();
                m_ignoringRest = true;
            }
            return Status::End;
        }
    }
    if (!m_stream) {
        if (input.size() < 2)
            return Status::NeedInput; // deflate's format shows in its first two bytes
        if (!begin(input))
            return Status::Failed;
    }
    z_stream &z = m_stream->z;
    qsizetype used = 0;
    qsizetype made = 0;
    Status status = Status::Full;
    while (made < maxOutput) {
        const qsizetype room = std::min(maxOutput - made, kStep);
        const qsizetype before = output.size();
        output.resize(before + room);
        const qsizetype offered = std::min<qsizetype>(input.size() - used, UINT_MAX);
        z.next_in = reinterpret_cast<Bytef *>(input.data() + used);
        z.avail_in = uInt(offered);
        z.next_out = reinterpret_cast<Bytef *>(output.data() + before);
        z.avail_out = uInt(room);
        const int result = inflate(&z, Z_NO_FLUSH);
        used += offered - qsizetype(z.avail_in);
        made += room - qsizetype(z.avail_out);
        output.resize(before + room - qsizetype(z.avail_out));
        if (result == Z_STREAM_END) {
            if (gzip && gzipMemberAt(input, used)) {
                inflateReset(&z);
                continue;
            }
            m_end = true;
            status = Status::End;
            if (!gzip || input.size() - used >= 2) {
                used = input.size(); // ignored, as above
                m_ignoringRest = true;
            }
            break;
        }
        if (result == Z_BUF_ERROR && z.avail_in == 0) {
            status = Status::NeedInput; // nothing more to make without input
            break;
        }
        if (result != Z_OK) {
            m_error = z.msg ? QString::fromLatin1(z.msg) : tr("the data is corrupt");
            status = Status::Failed;
            break;
        }
        if (z.avail_in == 0 && z.avail_out > 0) {
            status = Status::NeedInput;
            break;
        }
    }
    input.remove(0, used);
    return status;
}

} // namespace Longwatch
