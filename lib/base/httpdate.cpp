#include "httpdate.h"

#include <QLocale>
#include <QTimeZone>

#include <algorithm>
#include <array>
#include <cstdio>

namespace Longwatch {

namespace {

constexpr std::array<const char *, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char *, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
const char kHttpDateFormat[] = "ddd, dd MMM yyyy HH:mm:ss 'GMT'";

/// `count` decimal digits of `text` at `at`, or -1.
int digitsAt(QByteArrayView text, qsizetype at, qsizetype count)
{
    int value = 0;
    for (qsizetype i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

/// The IMF-fixdate of RFC 9110 section 5.6.7 ("Sun, 06 Nov 1994 08:49:37
/// GMT", what servers send) read by hand: QLocale::toDateTime() with a
/// format is slow, and it is on the path of every Nchan message
/// (docs/PERFORMANCE.md, "Figures behind choices in the code").
/// Anything else (another form, a day name that does not match the date)
/// is left to QLocale, as before.
QDateTime parseImfFixdate(QByteArrayView v)
{
    if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || v[19] != ':' || v[22] != ':' || v.sliced(25) != " GMT")
        return {};
    const auto month = std::find_if(kMonths.cbegin(), kMonths.cend(), [&](const char *name) {
        return v.sliced(8, 3) == QByteArrayView(name);
    });
    const QDate date(digitsAt(v, 12, 4), int(month - kMonths.cbegin()) + 1, digitsAt(v, 5, 2));
    const QTime time(digitsAt(v, 17, 2), digitsAt(v, 20, 2), digitsAt(v, 23, 2));
    if (month == kMonths.cend() || !date.isValid() || !time.isValid() ||
        v.first(3) != QByteArrayView(kDays[date.dayOfWeek() - 1]))
        return {};
    return QDateTime(date, time, QTimeZone::utc());
}

} // namespace

QDateTime parseHttpDate(QByteArrayView value)
{
    if (const QDateTime fast = parseImfFixdate(value.trimmed()); fast.isValid())
        return fast;
    const QString text = QString::fromLatin1(value.trimmed());
    if (text.isEmpty())
        return {};
    QDateTime when = QLocale::c().toDateTime(text, QLatin1String(kHttpDateFormat));
    if (!when.isValid())
        when = QDateTime::fromString(text, Qt::RFC2822Date);
    if (!when.isValid())
        return {};
    when.setTimeZone(QTimeZone::utc());
    return when;
}

QByteArray formatHttpDate(const QDateTime &time)
{
    const QDateTime utc = time.toUTC();
    const QDate date = utc.date();
    const QTime clock = utc.time();
    if (!date.isValid() || date.year() < 1000 || date.year() > 9999)
        return QLocale::c().toString(utc, QLatin1String(kHttpDateFormat)).toLatin1();
    // By hand, as parseImfFixdate() reads it: QLocale's formatting is slow too.
    char text[32];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  kDays[date.dayOfWeek() - 1], date.day(), kMonths[date.month() - 1], date.year(),
                  clock.hour(), clock.minute(), clock.second());
    return QByteArray(text);
}

} // namespace Longwatch
