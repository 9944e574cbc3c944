#include "nchanprofile.h"

#include "fastjsonscanner.h"
#include "httpdate.h"
#include "jsonpath.h"
#include "jsontext.h"
#include "logging.h"
#include "profiles/profilesupport.h"

#include <QCoreApplication>
#include <QTimeZone>

namespace Longwatch {

namespace {

/// ProfileSupport::setMessage() for a message that is a JSON object or
/// array, without a QJsonDocument round trip: the same raw and text. False
/// for anything else, or where FastJsonScanner::compact() declines.
bool setJsonMessage(Event &event, const QByteArray &message)
{
    QByteArray raw;
    if (!FastJsonScanner::compact(message, &raw))
        return false;
    event.text = QString::fromUtf8(raw);
    event.raw = std::move(raw);
    return true;
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
    QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
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

QString NchanProfile::encodeCursor(const QDateTime &lastModified, const QByteArray &etag)
{
    return QString::number(lastModified.toSecsSinceEpoch()) + QLatin1Char(':') +
           QString::fromLatin1(etag);
}

bool NchanProfile::decodeCursor(const QString &cursor, QDateTime *lastModified, QByteArray *etag)
{
    qint64 seconds = 0;
    if (!splitCursor(cursor, &seconds, etag))
        return false;
    if (lastModified)
        *lastModified = QDateTime::fromSecsSinceEpoch(seconds, QTimeZone::utc());
    return true;
}

bool NchanProfile::splitCursor(const QString &cursor, qint64 *seconds, QByteArray *etag)
{
    const qsizetype colon = cursor.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    bool ok = false;
    *seconds = QStringView(cursor).left(colon).toLongLong(&ok);
    if (!ok || *seconds < 0)
        return false;
    if (etag)
        *etag = QStringView(cursor).mid(colon + 1).toLatin1();
    return true;
}

PollRequest NchanProfile::request(const QString &cursor) const
{
    PollRequest request;
    request.url = m_url;
    qint64 seconds = 0;
    QByteArray etag;
    if (splitCursor(cursor, &seconds, &etag)) {
        // Messages published in the same second ask with the same date:
        // formatted once.
        if (seconds != m_askedSeconds) {
            m_askedDate = formatHttpDate(QDateTime::fromSecsSinceEpoch(seconds, QTimeZone::utc()));
            m_askedSeconds = seconds;
        }
        request.headers.append({QByteArrayLiteral("If-Modified-Since"), m_askedDate});
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
    // Messages published in the same second carry the same date: read once.
    if (lastModifiedHeader != m_lastModifiedHeader || m_lastModifiedHeader.isNull()) {
        m_lastModified = parseHttpDate(lastModifiedHeader);
        m_lastModifiedHeader = lastModifiedHeader;
    }
    const QDateTime lastModified = m_lastModified;
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
    if (!setJsonMessage(event, response.body))
        ProfileSupport::setMessage(event, response.body);
    PollResult result;
    result.verdict = Verdict::Events;
    result.events.append(std::move(event));
    result.cursor = next;
    return result;
}

} // namespace Longwatch
