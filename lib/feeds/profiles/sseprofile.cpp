#include "sseprofile.h"

#include "profiles/profilesupport.h"

namespace Longwatch {

SseProfile::SseProfile(QUrl url, std::chrono::milliseconds hold, QString initialCursor)
    : m_url(std::move(url))
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
{}

std::unique_ptr<FeedProfile> SseProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    basic.hold = std::chrono::seconds(60);
    const QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<SseProfile>(url, basic.hold, basic.initialCursor);
}

bool SseProfile::isEventStream(QByteArrayView contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView type =
        (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    return type.compare("text/event-stream", Qt::CaseInsensitive) == 0;
}

PollRequest SseProfile::request(const QString &cursor) const
{
    PollRequest request;
    request.url = m_url;
    // Nchan answers 403 to a subscriber that does not ask for the stream.
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("text/event-stream")});
    request.headers.append({QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache")});
    // "If the event source's last event ID string is not the empty
    // string, set `Last-Event-ID`" (the spec's "reestablish the connection").
    if (!cursor.isEmpty())
        request.headers.append({QByteArrayLiteral("Last-Event-ID"), cursor.toUtf8()});
    return request;
}

void SseProfile::reset()
{
    m_reconnectDelay = std::chrono::milliseconds(0);
}

bool SseProfile::startStream(const PollResponse &head, const StreamLimits &limits)
{
    // Anything else is no event stream: parse() says why.
    if (head.status != 200 || !isEventStream(head.header("Content-Type")))
        return false;
    // A line may be as long as an event: both are capped at the event cap.
    m_parser = SseParser(limits.maxEventBytes + 8, limits.maxEventBytes);
    return true;
}

PollResult SseProfile::parse(const PollResponse &response, const QString &cursor)
{
    if (auto verdict = classifyHttpStatus(response, cursor))
        return *verdict;
    // The spec fails the connection for good, without reconnecting, on any
    // other answer: 204 is how a server says "stop asking".
    if (response.status == 204)
        return PollResult::fatal(
            cursor, tr("The server answered 204 No Content: it asks clients of this event "
                       "stream not to connect again."));
    const QByteArray type = response.header("Content-Type");
    if (response.status == 200 && !isEventStream(type))
        return PollResult::fatal(
            cursor,
            tr("The server answered with %1, not with an event stream (text/event-stream); "
               "check the URL.")
                .arg(type.isEmpty() ? tr("no content type") : QString::fromLatin1(type)),
            QStringLiteral("body: %1").arg(bodyExcerpt(response.body)));
    return PollResult::fatal(
        cursor, tr("The server answered %1, not 200 with an event stream.").arg(response.status));
}

PollResult SseProfile::readStream(QByteArrayView bytes, const QString &cursor)
{
    // The stored cursor is the last event ID (after a restart, too).
    if (m_parser.lastEventId() != cursor)
        m_parser.setLastEventId(cursor);
    const QList<SseEvent> events = m_parser.feed(bytes);
    if (m_parser.reconnectionTime())
        m_reconnectDelay = *m_parser.reconnectionTime();
    if (m_parser.hasError())
        return PollResult::tooLarge(cursor, m_parser.errorString());
    PollResult result = PollResult::noNews(m_parser.lastEventId());
    for (const SseEvent &sse : events) {
        Event event;
        if (sse.ownId)
            event.key = sse.lastEventId;
        event.type = sse.type;
        ProfileSupport::setMessage(event, sse.data.toUtf8());
        result.events.append(std::move(event));
    }
    if (!result.events.isEmpty())
        result.verdict = Verdict::Events;
    return result;
}

PollResult SseProfile::endStream(const QString &cursor)
{
    // "If the file ends in the middle of an event, before the final empty
    // line, the incomplete event is not dispatched."
    m_parser.finish();
    return PollResult::noNews(cursor);
}

} // namespace Longwatch
