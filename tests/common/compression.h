#pragma once

// Content codings made with zlib, for tests of the clients that undo them.

#include <QByteArray>

namespace Longwatch::Testing {

enum class Compression {
    Gzip,       ///< RFC 1952, "Content-Encoding: gzip"
    Zlib,       ///< RFC 1950, what "deflate" means (RFC 9110 section 8.4.1.2)
    RawDeflate, ///< RFC 1951 alone, what some servers send as "deflate"
};

/// `data` compressed in `format` (best compression).
QByteArray compressed(const QByteArray &data, Compression format);

} // namespace Longwatch::Testing
