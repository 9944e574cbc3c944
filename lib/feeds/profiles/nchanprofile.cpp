#include "nchanprofile.h"

#include "jsonpath.h"
#include "logging.h"
#include "profiles/profilesupport.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTimeZone>

#include <algorithm>
#include <array>
#include <cstdio>

namespace Longwatch {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Longwatch::NchanProfile", text);
}

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
/// GMT", what Nchan sends) read by hand: QLocale::toDateTime() with a
/// format costs a few hundred µs a call, on the path of every message.
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

NchanProfile::NchanProfile(QUrl url, std::chrono::milliseconds hold, QString initialCursor)
    : m_url(std::move(url))
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
{}

std::unique_ptr<FeedProfile> NchanProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                  QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    basic.hold = std::chrono::seconds(55);
    QStringList problems = ProfileSupport::readBasicKnobs(
        profileId(), url, knobs, {QStringLiteral("hold"), QStringLiteral("initial-cursor")},
        &basic);
    if (!basic.initialCursor.isEmpty() && !decodeCursor(basic.initialCursor, nullptr, nullptr))
        problems << tr("The initial cursor '%1' is not an Nchan message id such as "
                       "1795380184:0 (publication time in seconds, a colon, the Etag).")
                        .arg(basic.initialCursor);
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<NchanProfile>(url, basic.hold, basic.initialCursor);
}

QDateTime NchanProfile::parseHttpDate(QByteArrayView value)
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

QByteArray NchanProfile::formatHttpDate(const QDateTime &time)
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

QString NchanProfile::encodeCursor(const QDateTime &lastModified, const QByteArray &etag)
{
    return QString::number(lastModified.toSecsSinceEpoch()) + QLatin1Char(':') +
           QString::fromLatin1(etag);
}

bool NchanProfile::decodeCursor(const QString &cursor, QDateTime *lastModified, QByteArray *etag)
{
    const qsizetype colon = cursor.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    bool ok = false;
    const qint64 seconds = QStringView(cursor).left(colon).toLongLong(&ok);
    if (!ok || seconds < 0)
        return false;
    if (lastModified)
        *lastModified = QDateTime::fromSecsSinceEpoch(seconds, QTimeZone::utc());
    if (etag)
        *etag = cursor.mid(colon + 1).toLatin1();
    return true;
}

PollRequest NchanProfile::request(const QString &cursor) const
{
    PollRequest request;
    request.url = m_url;
    QDateTime lastModified;
    QByteArray etag;
    if (decodeCursor(cursor, &lastModified, &etag)) {
        request.headers.append(
            {QByteArrayLiteral("If-Modified-Since"), formatHttpDate(lastModified)});
        if (!etag.isEmpty())
            request.headers.append({QByteArrayLiteral("If-None-Match"), etag});
    }
    return request;
}

PollResult NchanProfile::parse(const PollResponse &response, const QString &cursor)
{
    switch (response.status) {
    case 408:
        // Nchan's nchan_subscriber_timeout ran out: the hold ended empty.
        return PollResult::noNews(cursor);
    case 403:
        return PollResult::fatal(
            cursor,
            tr("The Nchan server refused the subscription (403 Forbidden): the channel does not "
               "exist yet, or this client may not subscribe to it."),
            QStringLiteral("HTTP 403; body: %1").arg(bodyExcerpt(response.body)));
    default:
        break;
    }
    if (auto verdict = classifyHttpStatus(response, cursor))
        return *verdict; // 304 (interval-poll mode) is no news there

    const QByteArray lastModifiedHeader = response.header("Last-Modified");
    const QByteArray etag = response.header("Etag").trimmed();
    if (lastModifiedHeader.isNull() && response.header("Etag").isNull() &&
        response.body.isEmpty()) {
        // Not a message (a message always has an id): an empty answer from
        // something in between that ended the hold.
        return PollResult::noNews(cursor);
    }
    const QDateTime lastModified = parseHttpDate(lastModifiedHeader);
    if (!lastModified.isValid())
        return PollResult::malformedBody(
            cursor,
            tr("The Nchan server sent a message without a readable Last-Modified header, so "
               "Longwatch cannot ask for the message after it."),
            QStringLiteral("Last-Modified: %1; Etag: %2")
                .arg(QString::fromLatin1(lastModifiedHeader), QString::fromLatin1(etag)));

    const QString next = encodeCursor(lastModified, etag);
    if (next == cursor) {
        // The message we already have, sent again: nothing new.
        qCDebug(lcProfile).noquote() << "nchan: message" << next << "sent again, dropped";
        return PollResult::noNews(cursor);
    }

    Event event;
    event.key = next;
    event.type = QStringLiteral("message");
    event.time = lastModified;
    QJsonValue value;
    if (ProfileSupport::parseAnyJson(response.body, &value)) {
        event.raw = ProfileSupport::compactJson(value);
        event.text = jsonScalarText(value);
    } else {
        event.raw = ProfileSupport::jsonString(response.body);
        event.text = QString::fromUtf8(response.body).trimmed();
    }
    PollResult result;
    result.verdict = Verdict::Events;
    result.events.append(std::move(event));
    result.cursor = next;
    return result;
}

} // namespace Longwatch
