#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>

// HTTP dates (RFC 9110 section 5.6.7), read and written in one place: the
// Nchan profile's Last-Modified and If-Modified-Since, Retry-After, and the
// feed server's Date.
namespace Longwatch {

/// Parses an HTTP date, as UTC: an IMF-fixdate ("Sun, 06 Nov 1994
/// 08:49:37 GMT"), else the RFC 2822 forms Qt reads. Surrounding whitespace
/// is ignored; anything else gives an invalid QDateTime.
QDateTime parseHttpDate(QByteArrayView value);

/// Formats `time` as an IMF-fixdate, e.g. "Sun, 22 Nov 2026 20:43:04 GMT".
QByteArray formatHttpDate(const QDateTime &time);

} // namespace Longwatch
