#include "couchdbprofile.h"

#include "genericjsonprofile.h"
#include "jsonpath.h"
#include "jsontext.h"
#include "logging.h"
#include "profiles/profilesupport.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

namespace Longwatch {

namespace {

bool isSequence(const QJsonValue &value)
{
    return value.isString() || value.isDouble();
}

QString bodyDetail(const QByteArray &body)
{
    return QStringLiteral("body: %1").arg(bodyExcerpt(body));
}

} // namespace

CouchDbProfile::CouchDbProfile(const QUrl &url, std::chrono::milliseconds hold,
                               QString initialCursor)
    : m_url(url)
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
{
    // Accept the database URL as well as its _changes URL.
    QString path = m_url.path();
    if (!path.endsWith(QLatin1String("/_changes"))) {
        while (path.endsWith(QLatin1Char('/')))
            path.chop(1);
        m_url.setPath(path + QStringLiteral("/_changes"));
    }
}

std::unique_ptr<FeedProfile> CouchDbProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                    QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    basic.initialCursor = QStringLiteral("now");
    const QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    if (basic.initialCursor.isEmpty())
        basic.initialCursor = QStringLiteral("now");
    return std::make_unique<CouchDbProfile>(url, basic.hold, basic.initialCursor);
}

QString CouchDbProfile::sinceValue(const QString &cursor)
{
    QJsonValue value;
    if (ProfileSupport::parseAnyJson(cursor.toUtf8(), &value) && isSequence(value))
        return jsonScalarText(value);
    return cursor;
}

PollRequest CouchDbProfile::request(const QString &cursor) const
{
    QUrl url = m_url;
    QUrlQuery query(url);
    // The user's own parameters (filter, include_docs, style) stay; ours win.
    for (const auto *name : {"feed", "since", "timeout"})
        query.removeAllQueryItems(QLatin1String(name));
    query.addQueryItem(QStringLiteral("feed"), QStringLiteral("longpoll"));
    const QString since = sinceValue(cursor.isEmpty() ? m_initialCursor : cursor);
    // Percent-encode ourselves: QUrlQuery leaves '+' alone, which a server reads as a space.
    query.addQueryItem(QStringLiteral("since"),
                       QString::fromLatin1(QUrl::toPercentEncoding(since)));
    query.addQueryItem(QStringLiteral("timeout"),
                       formatHoldTime(m_hold, GenericJsonOptions::HoldUnit::Milliseconds));
    url.setQuery(query);
    PollRequest request;
    request.url = url;
    return request;
}

void CouchDbProfile::reset()
{
    m_seenOrder.clear();
    m_seen.clear();
}

bool CouchDbProfile::remember(const QString &key)
{
    if (m_seen.contains(key))
        return false;
    m_seen.insert(key);
    m_seenOrder.push_back(key);
    while (m_seenOrder.size() > size_t(kSeenMemory)) {
        m_seen.remove(m_seenOrder.front());
        m_seenOrder.pop_front();
    }
    return true;
}

PollResult CouchDbProfile::parse(const PollResponse &response, const QString &cursor)
{
    if (response.status == 400) {
        // CouchDB answers 400 "Malformed sequence supplied in 'since'
        // parameter" to a cursor it cannot read (a cursor from another
        // database, or one typed by hand): starting over is the fix.
        const QString reason = serverReason(response.body);
        if (reason.contains(QLatin1String("since"), Qt::CaseInsensitive) ||
            reason.contains(QLatin1String("sequence"), Qt::CaseInsensitive)) {
            PollResult result;
            result.verdict = Verdict::Resync;
            result.cursor = cursor;
            result.reason = tr("CouchDB does not accept the position %1 (%2); starting over.")
                                .arg(cursor, reason);
            result.detail = QStringLiteral("HTTP 400; %1").arg(bodyDetail(response.body));
            return result;
        }
    }
    if (auto verdict = classifyHttpStatus(response, cursor))
        return *verdict;

    // Only heartbeat newlines and no JSON: the server (or a proxy) ended the
    // hold without an answer. Nothing happened.
    if (response.body.trimmed().isEmpty())
        return PollResult::noNews(cursor);

    QJsonDocument doc;
    QString error;
    if (!parseJsonBody(response.body, &doc, &error))
        return PollResult::malformedBody(cursor, error, bodyDetail(response.body));
    if (!doc.isObject())
        return PollResult::malformedBody(
            cursor,
            tr("The changes feed answered with a JSON array, expected an object with "
               "\"results\" and \"last_seq\"."),
            bodyDetail(response.body));
    const QJsonObject root = doc.object();
    const QJsonValue resultsValue = root.value(QLatin1String("results"));
    if (!resultsValue.isArray())
        return PollResult::malformedBody(cursor,
                                         tr("The changes feed's answer has no \"results\" array."),
                                         bodyDetail(response.body));
    const QJsonArray results = resultsValue.toArray();

    // Check the whole answer before taking any of it: the cursor must not
    // move past changes we could not read.
    struct Change
    {
        QJsonObject object;
        QString key;
    };
    QList<Change> changes;
    changes.reserve(results.size());
    for (qsizetype i = 0; i < results.size(); ++i) {
        const QJsonObject change = results.at(i).toObject();
        const QJsonValue docId = change.value(QLatin1String("id"));
        if (!results.at(i).isObject() || !docId.isString())
            return PollResult::malformedBody(
                cursor, tr("Change %1 of the changes feed's answer has no document id.").arg(i + 1),
                bodyDetail(response.body));
        const QJsonValue rev = change.value(QLatin1String("changes"))
                                   .toArray()
                                   .at(0)
                                   .toObject()
                                   .value(QLatin1String("rev"));
        // Without a revision the sequence tells this change from the next one.
        const QString version =
            rev.isString()
                ? rev.toString()
                : QStringLiteral("seq:") + jsonScalarText(change.value(QLatin1String("seq")));
        changes.append({change, docId.toString() + QLatin1Char('@') + version});
    }

    QString next = cursor;
    const QJsonValue lastSeq = root.value(QLatin1String("last_seq"));
    if (isSequence(lastSeq)) {
        next = QString::fromUtf8(compactJson(lastSeq));
    } else if (!lastSeq.isUndefined() && !lastSeq.isNull()) {
        return PollResult::malformedBody(
            cursor, tr("The changes feed's \"last_seq\" is neither a string nor a number."),
            bodyDetail(response.body));
    } else if (!changes.isEmpty()) {
        // No last_seq (a proxy or an old server): the last change's seq is the same position.
        const QJsonValue seq = changes.constLast().object.value(QLatin1String("seq"));
        if (!isSequence(seq))
            return PollResult::malformedBody(
                cursor, tr("The changes feed's answer has changes but no \"last_seq\"."),
                bodyDetail(response.body));
        next = QString::fromUtf8(compactJson(seq));
    }

    EventList events;
    for (const Change &change : std::as_const(changes)) {
        if (!remember(change.key)) {
            qCDebug(lcProfile).noquote() << "couchdb: dropping repeated change" << change.key;
            continue;
        }
        Event event;
        event.key = change.key;
        event.type = change.object.value(QLatin1String("deleted")).toBool()
                         ? QStringLiteral("deleted")
                         : QStringLiteral("change");
        event.text = change.object.value(QLatin1String("id")).toString();
        event.raw = compactJson(change.object);
        events.append(std::move(event));
    }
    PollResult result = PollResult::noNews(next);
    if (!events.isEmpty()) {
        result.verdict = Verdict::Events;
        result.events = std::move(events);
    }
    return result;
}

} // namespace Longwatch
