#include "nchanprofile.h"

#include "httpdate.h"
#include "jsonpath.h"
#include "jsontext.h"
#include "logging.h"
#include "profiles/profilesupport.h"

#include <QCoreApplication>
#include <QTimeZone>

namespace Longwatch {

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
    ProfileSupport::setMessage(event, response.body);
    PollResult result;
    result.verdict = Verdict::Events;
    result.events.append(std::move(event));
    result.cursor = next;
    return result;
}

} // namespace Longwatch
