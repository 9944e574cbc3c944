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

/// A change's key, `<id>@<rev>` (or `<id>@seq:<seq>` without a revision);
/// empty if the change has no document id.
QString changeKey(const QJsonValue &value)
{
    const QJsonObject change = value.toObject();
    const QJsonValue docId = change.value(QLatin1String("id"));
    if (!value.isObject() || !docId.isString())
        return {};
    const QJsonValue rev = change.value(QLatin1String("changes"))
                               .toArray()
                               .at(0)
                               .toObject()
                               .value(QLatin1String("rev"));
    // Without a revision the sequence tells this change from the next one.
    const QString version = rev.isString() ? rev.toString()
                                           : QStringLiteral("seq:") +
                                                 jsonScalarText(change.value(QLatin1String("seq")));
    return docId.toString() + QLatin1Char('@') + version;
}

Event changeEvent(const QJsonObject &change, const QString &key)
{
    Event event;
    event.key = key;
    event.type = change.value(QLatin1String("deleted")).toBool() ? QStringLiteral("deleted")
                                                                 : QStringLiteral("change");
    event.text = change.value(QLatin1String("id")).toString();
    event.raw = compactJson(change);
    return event;
}

} // namespace

CouchDbProfile::CouchDbProfile(const QUrl &url, std::chrono::milliseconds hold,
                               QString initialCursor, bool continuous)
    : m_url(url)
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
    , m_continuous(continuous)
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
    basic.takesMode = true;
    const QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    if (basic.initialCursor.isEmpty())
        basic.initialCursor = QStringLiteral("now");
    return std::make_unique<CouchDbProfile>(url, basic.hold, basic.initialCursor, basic.stream);
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
    query.addQueryItem(QStringLiteral("feed"),
                       m_continuous ? QStringLiteral("continuous") : QStringLiteral("longpoll"));
    const QString since = sinceValue(cursor.isEmpty() ? m_initialCursor : cursor);
    // Percent-encode ourselves: QUrlQuery leaves '+' alone, which a server reads as a space.
    query.addQueryItem(QStringLiteral("since"),
                       QString::fromLatin1(QUrl::toPercentEncoding(since)));
    if (!m_continuous) {
        query.addQueryItem(QStringLiteral("timeout"),
                           formatHoldTime(m_hold, GenericJsonOptions::HoldUnit::Milliseconds));
    } else if (!query.hasQueryItem(QStringLiteral("heartbeat"))) {
        // A newline twice per hold: a quiet continuous feed is not a silent one.
        query.addQueryItem(QStringLiteral("heartbeat"),
                           formatHoldTime(m_hold / 2, GenericJsonOptions::HoldUnit::Milliseconds));
    }
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
        const QString key = changeKey(results.at(i));
        if (key.isEmpty())
            return PollResult::malformedBody(
                cursor, tr("Change %1 of the changes feed's answer has no document id.").arg(i + 1),
                bodyDetail(response.body));
        changes.append({results.at(i).toObject(), key});
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
        events.append(changeEvent(change.object, change.key));
    }
    return ProfileSupport::eventsOrNoNews(std::move(events), next);
}

bool CouchDbProfile::startStream(const PollResponse &head, const StreamLimits &limits)
{
    if (head.status != 200)
        return false;
    m_splitter = JsonStreamSplitter(limits.maxEventBytes);
    return true;
}

PollResult CouchDbProfile::readStream(QByteArrayView bytes, const QString &cursor)
{
    return takeLines(m_splitter.feed(bytes), cursor);
}

PollResult CouchDbProfile::endStream(const QString &cursor)
{
    return takeLines(m_splitter.finish(), cursor);
}

/// Lines of a continuous feed: one change each, `{"seq","id","changes"}`,
/// or the last line, `{"last_seq","pending"}`, when the server ends the feed.
PollResult CouchDbProfile::takeLines(const QList<QByteArray> &lines, const QString &cursor)
{
    if (m_splitter.hasError())
        return PollResult::tooLarge(cursor, m_splitter.errorString());
    // Every line is checked before any change is taken: the cursor must not
    // move past a change that could not be read.
    QString next = cursor;
    QList<std::pair<QJsonObject, QString>> changes;
    for (const QByteArray &line : lines) {
        QJsonDocument doc;
        QString error;
        if (!parseJsonBody(line, &doc, &error) || !doc.isObject())
            return PollResult::malformedBody(
                cursor,
                error.isEmpty() ? tr("A line of the continuous changes feed is not an object.")
                                : error,
                bodyDetail(line));
        const QJsonObject object = doc.object();
        if (object.contains(QLatin1String("error")))
            return PollResult::retry(
                cursor, tr("CouchDB ended the changes feed: %1.").arg(serverReason(line)),
                bodyDetail(line));
        const QJsonValue lastSeq = object.value(QLatin1String("last_seq"));
        if (isSequence(lastSeq)) {
            next = QString::fromUtf8(compactJson(lastSeq));
            continue;
        }
        const QString key = changeKey(object);
        const QJsonValue seq = object.value(QLatin1String("seq"));
        if (key.isEmpty() || !isSequence(seq))
            return PollResult::malformedBody(
                cursor, tr("A change of the continuous feed has no document id or seq."),
                bodyDetail(line));
        next = QString::fromUtf8(compactJson(seq));
        changes.append({object, key});
    }
    PollResult result = PollResult::noNews(next);
    for (const auto &[object, key] : std::as_const(changes)) {
        if (!remember(key)) {
            qCDebug(lcProfile).noquote() << "couchdb: dropping repeated change" << key;
            continue;
        }
        result.events.append(changeEvent(object, key));
    }
    if (!result.events.isEmpty())
        result.verdict = Verdict::Events;
    return result;
}

} // namespace Longwatch
