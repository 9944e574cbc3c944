#include "compression.h"

#include <zlib.h>

namespace Longwatch::Testing {

QByteArray compressed(const QByteArray &data, Compression format)
{
    z_stream z{};
    const int windowBits = format == Compression::Gzip   ? 15 + 16
                           : format == Compression::Zlib ? 15
                                                         : -15;
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, windowBits, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out(qsizetype(deflateBound(&z, uLong(data.size()))), Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    const int result = deflate(&z, Z_FINISH);
    out.resize(qsizetype(z.total_out));
    deflateEnd(&z);
    return result == Z_STREAM_END ? out : QByteArray();
}

} // namespace Longwatch::Testing
