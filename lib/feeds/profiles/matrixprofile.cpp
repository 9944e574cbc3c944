#include "matrixprofile.h"

#include "profiles/profilesupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>
#include <utility>

namespace Longwatch {

namespace {

const QLatin1String kSyncPath("/_matrix/client/v3/sync");

QString bodyDetail(const PollResponse &response)
{
    return QStringLiteral("HTTP %1; body: %2").arg(response.status).arg(bodyExcerpt(response.body));
}

/// Appends `name=value` to an encoded query, every reserved byte of the
/// value escaped (an inline filter is JSON: '&', '+' and '#' must not
/// reach the server as they are).
void addEncoded(QByteArray &query, const char *name, const QString &value)
{
    if (!query.isEmpty())
        query += '&';
    query += name;
    query += '=';
    query += QUrl::toPercentEncoding(value);
}

} // namespace

MatrixProfile::MatrixProfile(QUrl syncUrl, std::chrono::milliseconds hold, QString initialCursor,
                             QByteArray filter)
    : m_url(std::move(syncUrl))
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
    , m_filter(std::move(filter))
{}

QStringList MatrixProfile::ownKnobs()
{
    return {QStringLiteral("rooms"), QStringLiteral("sync-filter")};
}

QUrl MatrixProfile::syncUrlFor(const QUrl &url)
{
    QUrl sync = url;
    QString path = url.path();
    if (path.endsWith(QLatin1String("/sync")))
        return sync;
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    sync.setPath(path + kSyncPath);
    return sync;
}

QByteArray MatrixProfile::defaultFilter(const QStringList &rooms)
{
    // Filtering (spec, "Filtering"): an empty "types" list lets no event
    // through, so presence, account data, state and ephemeral events stay
    // on the server; only timelines come, up to 100 events a room per
    // answer before the server calls a timeline limited.
    const QJsonArray none;
    QJsonObject room;
    room.insert(QLatin1String("timeline"), QJsonObject{{QLatin1String("limit"), 100}});
    room.insert(QLatin1String("state"), QJsonObject{{QLatin1String("types"), none}});
    room.insert(QLatin1String("ephemeral"), QJsonObject{{QLatin1String("types"), none}});
    room.insert(QLatin1String("account_data"), QJsonObject{{QLatin1String("types"), none}});
    if (!rooms.isEmpty())
        room.insert(QLatin1String("rooms"), QJsonArray::fromStringList(rooms));
    QJsonObject filter;
    filter.insert(QLatin1String("presence"), QJsonObject{{QLatin1String("types"), none}});
    filter.insert(QLatin1String("account_data"), QJsonObject{{QLatin1String("types"), none}});
    filter.insert(QLatin1String("room"), room);
    return QJsonDocument(filter).toJson(QJsonDocument::Compact);
}

QString MatrixProfile::knobProblem(const QString &name, const QString &value)
{
    if (name == QLatin1String("rooms")) {
        for (const QString &room : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString id = room.trimmed();
            if (!id.startsWith(QLatin1Char('!')) || !id.contains(QLatin1Char(':')))
                return tr("'%1' is not a Matrix room id (those look like !abcdefg:example.org; "
                          "an alias such as #room:example.org does not do).")
                    .arg(id);
        }
    } else if (name == QLatin1String("sync-filter") && value.startsWith(QLatin1Char('{'))) {
        // Otherwise the id of a filter made on the server.
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(value.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return tr("The sync filter is not a JSON object (%1).").arg(error.errorString());
    }
    return {};
}

std::unique_ptr<FeedProfile> MatrixProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                   QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    // Synapse and the other homeservers accept any timeout; half a minute
    // keeps a quiet sync well inside proxies' idle limits.
    basic.hold = std::chrono::seconds(30);
    QVariantMap rest = knobs;
    const QString rooms = rest.take(QStringLiteral("rooms")).toString().trimmed();
    const QString filter = rest.take(QStringLiteral("sync-filter")).toString().trimmed();
    QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, rest, &basic);
    for (const auto &[name, value] : {std::pair(QStringLiteral("rooms"), rooms),
                                      std::pair(QStringLiteral("sync-filter"), filter)}) {
        const QString problem = knobProblem(name, value);
        if (!problem.isEmpty())
            problems << problem;
    }
    if (!rooms.isEmpty() && !filter.isEmpty())
        problems << tr("Give either rooms or a sync filter, not both: a filter of your own names "
                       "its rooms itself.");
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    QStringList roomList;
    for (const QString &room : rooms.split(QLatin1Char(','), Qt::SkipEmptyParts))
        roomList << room.trimmed();
    QByteArray filterText = defaultFilter(roomList);
    if (filter.startsWith(QLatin1Char('{')))
        filterText = QJsonDocument::fromJson(filter.toUtf8()).toJson(QJsonDocument::Compact);
    else if (!filter.isEmpty())
        filterText = filter.toUtf8();
    return std::make_unique<MatrixProfile>(syncUrlFor(url), basic.hold, basic.initialCursor,
                                           filterText);
}

PollRequest MatrixProfile::request(const QString &cursor) const
{
    PollRequest request;
    QUrl url = m_url;
    QByteArray query = url.query(QUrl::FullyEncoded).toLatin1();
    addEncoded(query, "filter", QString::fromUtf8(m_filter));
    addEncoded(query, "set_presence", QStringLiteral("offline"));
    if (cursor.isEmpty()) {
        // The first sync answers at once: it only fetches the position.
        addEncoded(query, "timeout", QStringLiteral("0"));
    } else {
        addEncoded(query, "since", cursor);
        addEncoded(query, "timeout", QString::number(m_hold.count()));
    }
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    request.url = url;
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    return request;
}

PollResult MatrixProfile::parseError(const PollResponse &response, const QString &cursor) const
{
    // Errors are {"errcode","error"} objects (spec, "Standard error response").
    const QJsonObject error = QJsonDocument::fromJson(response.body).object();
    const QString code = error.value(QLatin1String("errcode")).toString();
    const QString words = error.value(QLatin1String("error")).toString().left(200);
    if (code == QLatin1String("M_UNKNOWN_TOKEN")) {
        const bool soft = error.value(QLatin1String("soft_logout")).toBool();
        return PollResult::fatal(
            cursor,
            soft ? tr("The Matrix server no longer accepts the access token (M_UNKNOWN_TOKEN, "
                      "expired): log in again and put the new access token in the channel's "
                      "bearer token.")
                 : tr("The Matrix server does not know the access token (M_UNKNOWN_TOKEN): it "
                      "was logged out or never existed. Put a valid access token in the "
                      "channel's bearer token."),
            bodyDetail(response));
    }
    if (code == QLatin1String("M_MISSING_TOKEN"))
        return PollResult::fatal(
            cursor,
            tr("The Matrix server wants an access token (M_MISSING_TOKEN): choose bearer "
               "authentication in the channel and enter the account's access token."),
            bodyDetail(response));
    if (code == QLatin1String("M_LIMIT_EXCEEDED") || response.status == 429) {
        PollResult result = PollResult::retry(
            cursor,
            tr("The Matrix server asks to slow down (%1).")
                .arg(words.isEmpty() ? QStringLiteral("M_LIMIT_EXCEEDED") : words),
            bodyDetail(response));
        const QJsonValue after = error.value(QLatin1String("retry_after_ms"));
        if (after.isDouble() && std::isfinite(after.toDouble()) && after.toDouble() >= 0)
            result.retryAfter = retryHintFromSeconds(after.toDouble() / 1000.0);
        else
            result.retryAfter =
                parseRetryAfter(response.header("Retry-After"), response.receivedAt);
        return result;
    }
    // Only called for statuses outside 2xx, which the common table classifies.
    std::optional<PollResult> verdict = classifyHttpStatus(response, cursor);
    PollResult result =
        verdict ? *verdict
                : PollResult::retry(cursor, tr("The Matrix server answered with an error."),
                                    bodyDetail(response));
    if (!code.isEmpty())
        result.reason = tr("The Matrix server answered %1 %2: %3")
                            .arg(QString::number(response.status), code, words);
    return result;
}

Event MatrixProfile::timelineEvent(const QString &roomId, QJsonObject event)
{
    // ClientEventWithoutRoomID: event_id, type, sender, origin_server_ts, content.
    Event out;
    out.key = event.value(QLatin1String("event_id")).toString();
    out.type = event.value(QLatin1String("type")).toString();
    out.time = utcFromEpochMsecs(event.value(QLatin1String("origin_server_ts")).toDouble(-1));
    const QString sender = event.value(QLatin1String("sender")).toString();
    const QJsonValue body =
        event.value(QLatin1String("content")).toObject().value(QLatin1String("body"));
    if (body.isString())
        out.text = sender + QStringLiteral(": ") + body.toString();
    else
        out.text = tr("%1 from %2").arg(out.type, sender);
    event.insert(QLatin1String("room_id"), roomId);
    out.raw = QJsonDocument(event).toJson(QJsonDocument::Compact);
    return out;
}

Event MatrixProfile::gapEvent(const QString &roomId, const QString &cursor) const
{
    // Shown like the row a channel adds when its feed started again
    // (Channel::gapEvent()), for one room; the events after the gap follow it.
    const QString reason =
        tr("Matrix left out earlier events of room %1: its timeline was limited.").arg(roomId);
    return ProfileSupport::gapEvent(
        tr("Gap \u2014 events in between may be missing. %1").arg(reason), reason, cursor,
        {{QLatin1String("room_id"), roomId}});
}

PollResult MatrixProfile::parse(const PollResponse &response, const QString &cursor)
{
    if (response.status < 200 || response.status >= 300)
        return parseError(response, cursor);
    QJsonDocument doc;
    QString error;
    if (!parseJsonBody(response.body, &doc, &error) || !doc.isObject())
        return PollResult::malformedBody(
            cursor, error.isEmpty() ? tr("Matrix's sync answer is not a JSON object.") : error,
            bodyDetail(response));
    const QJsonObject sync = doc.object();
    const QJsonValue nextBatch = sync.value(QLatin1String("next_batch"));
    if (!nextBatch.isString() || nextBatch.toString().isEmpty())
        return PollResult::malformedBody(
            cursor,
            tr("Matrix's sync answer has no next_batch (does the address name a Matrix "
               "homeserver?)."),
            bodyDetail(response));
    const QString next = nextBatch.toString();
    // The first sync only finds the position: the rooms' past is not news.
    if (cursor.isEmpty())
        return PollResult::noNews(next);

    const QJsonObject joined =
        sync.value(QLatin1String("rooms")).toObject().value(QLatin1String("join")).toObject();
    EventList events;
    for (auto room = joined.constBegin(); room != joined.constEnd(); ++room) {
        const QJsonObject timeline =
            room.value().toObject().value(QLatin1String("timeline")).toObject();
        if (timeline.value(QLatin1String("limited")).toBool())
            events.append(gapEvent(room.key(), cursor));
        const QJsonArray list = timeline.value(QLatin1String("events")).toArray();
        for (const QJsonValue &value : list) {
            if (!value.isObject())
                return PollResult::malformedBody(
                    cursor,
                    tr("An event in the timeline of room %1 is not a JSON object.").arg(room.key()),
                    bodyDetail(response));
            events.append(timelineEvent(room.key(), value.toObject()));
        }
    }
    return ProfileSupport::eventsOrNoNews(std::move(events), next);
}

} // namespace Longwatch
