#include "ntfyprofile.h"

#include "profiles.h"

#include <QUrlQuery>

namespace Longwatch {

GenericJsonOptions ntfyOptions(const QUrl &url, bool poll)
{
    using O = GenericJsonOptions;
    O o;
    o.url = url;
    QString path = o.url.path();
    if (!path.endsWith(QLatin1String("/json"))) {
        while (path.endsWith(QLatin1Char('/')))
            path.chop(1);
        o.url.setPath(path + QStringLiteral("/json"));
    }
    QUrlQuery query(o.url);
    query.removeAllQueryItems(QStringLiteral("poll"));
    if (poll)
        query.addQueryItem(QStringLiteral("poll"), QStringLiteral("1"));
    o.url.setQuery(query);

    o.cursorTarget = O::CursorTarget::Query;
    o.cursorName = QStringLiteral("since");
    o.initialCursor = QStringLiteral("all");
    o.cursorSource = O::CursorSource::LastId;
    o.eventsAt = O::EventsAt::NdjsonLines;
    o.idPath = QStringLiteral("id");
    o.typePath = QStringLiteral("event");
    o.textPath = QStringLiteral("message");
    o.timePath = QStringLiteral("time"); // unix seconds
    o.skipTypes = {QStringLiteral("open"), QStringLiteral("keepalive"),
                   QStringLiteral("poll_request")};
    if (poll) {
        // poll=1 answers at once (see the header): the hold only has to
        // cover sending what the server has cached...
        o.holdTime = std::chrono::seconds(5);
        // ...and, since every answer comes at once, a pace between polls.
        o.pollInterval = std::chrono::seconds(5);
    } else {
        // A keepalive line every 45 s by default, and some slack.
        o.holdTime = std::chrono::seconds(55);
        o.pollInterval = std::chrono::milliseconds(0);
    }
    return o;
}

NtfyProfile::NtfyProfile(GenericJsonOptions options, bool stream)
    : m_lines(std::move(options), profileId())
    , m_stream(stream)
{}

std::unique_ptr<FeedProfile> NtfyProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                 QStringList *errors)
{
    QVariantMap rest = knobs;
    const QString mode = rest.take(QStringLiteral("mode")).toString().trimmed().toLower();
    QStringList problems;
    if (!mode.isEmpty()) {
        GenericJsonOptions scratch; // where every knob's value is checked
        problems << applyKnobs(scratch, {{QStringLiteral("mode"), mode}});
    }
    const bool stream = mode != QLatin1String("poll");
    GenericJsonOptions options = ntfyOptions(url, !stream);
    problems << applyKnobs(options, rest);
    problems << options.validate();
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<NtfyProfile>(std::move(options), stream);
}

void NtfyProfile::reset()
{
    m_lines.reset();
    m_splitter.reset();
}

bool NtfyProfile::startStream(const PollResponse &head, const StreamLimits &limits)
{
    if (head.status != 200)
        return false;
    m_splitter = JsonStreamSplitter(limits.maxEventBytes);
    return true;
}

PollResult NtfyProfile::readStream(QByteArrayView bytes, const QString &cursor)
{
    return takeLines(m_splitter.feed(bytes), cursor);
}

PollResult NtfyProfile::endStream(const QString &cursor)
{
    return takeLines(m_splitter.finish(), cursor);
}

PollResult NtfyProfile::takeLines(const QList<QByteArray> &lines, const QString &cursor)
{
    if (m_splitter.hasError())
        return PollResult::tooLarge(cursor, m_splitter.errorString());
    if (lines.isEmpty())
        return PollResult::noNews(cursor);
    // The complete lines of this read are an NDJSON answer of their own.
    PollResponse response;
    response.status = 200;
    response.body = lines.join('\n');
    return m_lines.parse(response, cursor);
}

} // namespace Longwatch
