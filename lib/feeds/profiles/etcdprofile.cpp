#include "etcdprofile.h"

#include "jsontext.h"
#include "profiles.h"
#include "profiles/profilesupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <algorithm>
#include <utility>

namespace Longwatch {

namespace {

const QString kV2Path = QStringLiteral("/v2/keys");
const QString kV3Path = QStringLiteral("/v3/watch");

QString bodyDetail(const QByteArray &body)
{
    return QStringLiteral("body: %1").arg(bodyExcerpt(body));
}

/// A number etcd writes as a JSON number (v2) or, being 64-bit, as a
/// string of digits (v3's gateway); -1 if neither.
qint64 etcdNumber(const QJsonValue &value)
{
    if (value.isDouble())
        return value.toInteger(-1);
    bool ok = false;
    const qint64 number = value.toString().toLongLong(&ok);
    return ok ? number : -1;
}

/// `{"type","key","value","revision"}`, the value as JSON if it is JSON.
Event changeEvent(const QString &type, const QByteArray &key, const QByteArray &value,
                  qint64 revision, bool hasValue)
{
    Event event;
    event.key = QString::number(revision) + QLatin1Char(':') + QString::fromUtf8(key);
    event.type = type;
    Event message;
    ProfileSupport::setMessage(message, value);
    event.text = hasValue ? QString::fromUtf8(key) + QStringLiteral(": ") + message.text
                          : QString::fromUtf8(key);
    QByteArray raw = QByteArrayLiteral("{\"type\":") + jsonString(type) +
                     QByteArrayLiteral(",\"key\":") + jsonString(QString::fromUtf8(key));
    if (hasValue)
        raw += QByteArrayLiteral(",\"value\":") + message.raw;
    raw += QByteArrayLiteral(",\"revision\":") + QByteArray::number(revision) + '}';
    event.raw = raw;
    return event;
}

} // namespace

EtcdProfile::EtcdProfile(QUrl server, Api api, QString key, std::chrono::milliseconds hold,
                         QString initialCursor)
    : m_server(std::move(server))
    , m_api(api)
    , m_key(std::move(key))
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
{}

std::unique_ptr<FeedProfile> EtcdProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                 QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
    bool ok = true;
    if (!basic.initialCursor.isEmpty() && (basic.initialCursor.toLongLong(&ok) < 1 || !ok))
        problems << ProfileText::tr("The first cursor of etcd-watch is an index or revision "
                                    "(a whole number from 1), or empty for now.");
    const QString path = url.path();
    Api api = Api::V2;
    QString key;
    if (path == kV2Path || path.startsWith(kV2Path + QLatin1Char('/'))) {
        key = path.mid(kV2Path.size());
    } else if (path == kV3Path || path.startsWith(kV3Path + QLatin1Char('/'))) {
        api = Api::V3;
        key = path.mid(kV3Path.size());
    } else if (problems.isEmpty()) {
        problems << ProfileText::tr("An etcd address ends in /v2/keys/<directory> (the v2 API) or "
                                    "/v3/watch/<key prefix> (the v3 API).");
    }
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    QUrl server = url;
    server.setPath({});
    server.setQuery(QString());
    server.setFragment({});
    return std::make_unique<EtcdProfile>(server, api, key, basic.hold, basic.initialCursor);
}

QByteArray EtcdProfile::prefixEnd(const QByteArray &prefix)
{
    QByteArray end = prefix;
    while (!end.isEmpty()) {
        if (uchar(end.back()) < 0xff) {
            end.back() = char(uchar(end.back()) + 1);
            return end;
        }
        end.chop(1);
    }
    return QByteArray(1, '\0'); // every key
}

PollRequest EtcdProfile::request(const QString &cursor) const
{
    PollRequest request;
    QUrl url = m_server;
    if (m_api == Api::V2) {
        url.setPath(kV2Path + m_key);
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("recursive"), QStringLiteral("true"));
        if (!cursor.isEmpty()) {
            query.addQueryItem(QStringLiteral("wait"), QStringLiteral("true"));
            query.addQueryItem(QStringLiteral("waitIndex"), cursor);
        }
        url.setQuery(query);
        request.url = url;
        return request;
    }
    url.setPath(kV3Path);
    request.url = url;
    request.method = QByteArrayLiteral("POST");
    const QByteArray prefix = m_key.isEmpty() ? QByteArray(1, '\0') : m_key.toUtf8();
    QByteArray create = QByteArrayLiteral("{\"key\":\"") + prefix.toBase64() +
                        QByteArrayLiteral("\",\"range_end\":\"") +
                        prefixEnd(m_key.toUtf8()).toBase64() + '"';
    if (!cursor.isEmpty())
        create += QByteArrayLiteral(",\"start_revision\":\"") + cursor.toLatin1() + '"';
    // Progress notifications tell the revision of a quiet watch.
    create += QByteArrayLiteral(",\"progress_notify\":true}");
    request.body = QByteArrayLiteral("{\"create_request\":") + create + '}';
    return request;
}

void EtcdProfile::reset()
{
    m_body.clear();
    m_indexHeader.clear();
    m_lines.reset();
}

bool EtcdProfile::startStream(const PollResponse &head, const StreamLimits &limits)
{
    if (head.status != 200)
        return false;
    m_maxBytes = limits.maxEventBytes;
    m_body.clear();
    m_indexHeader = head.header("X-Etcd-Index");
    m_lines = JsonStreamSplitter(limits.maxEventBytes);
    return true;
}

PollResult EtcdProfile::readStream(QByteArrayView bytes, const QString &cursor)
{
    if (m_api == Api::V3)
        return readV3Lines(m_lines.feed(bytes), cursor);
    // v2: one answer, held until the change; it is complete at its end.
    if (m_body.size() + bytes.size() > m_maxBytes)
        return PollResult::tooLarge(
            cursor, tr("etcd sent an answer larger than %1 bytes.").arg(m_maxBytes));
    m_body.append(bytes);
    return PollResult::noNews(cursor);
}

PollResult EtcdProfile::endStream(const QString &cursor)
{
    if (m_api == Api::V3)
        return readV3Lines(m_lines.finish(), cursor);
    return readV2Answer(std::exchange(m_body, {}), cursor);
}

PollResult EtcdProfile::parse(const PollResponse &response, const QString &cursor)
{
    const QJsonObject error = QJsonDocument::fromJson(response.body).object();
    const int code = error.value(QLatin1String("errorCode")).toInt();
    if (m_api == Api::V2 && response.status == 400 && code == 401) {
        // "The event in requested index is outdated and cleared": etcd v2
        // keeps only its last 1,000 changes.
        PollResult result;
        result.verdict = Verdict::Resync;
        result.cursor = cursor;
        result.reason = tr("etcd no longer has the changes from index %1 (it keeps its last "
                           "1,000); starting again from its current index, so changes in "
                           "between may be missing.")
                            .arg(cursor);
        result.detail = QStringLiteral("HTTP 400; %1").arg(bodyDetail(response.body));
        return result;
    }
    if (m_api == Api::V2 && response.status == 404 && code == 100) {
        // The directory does not exist yet: wait for it from the index.
        const qint64 index = response.header("X-Etcd-Index").toLongLong();
        if (index > 0)
            return PollResult::noNews(QString::number(index + 1));
    }
    if (auto verdict = classifyHttpStatus(response, cursor))
        return *verdict;
    if (m_api == Api::V2) {
        m_indexHeader = response.header("X-Etcd-Index");
        return readV2Answer(response.body, cursor);
    }
    m_lines.reset();
    QList<QByteArray> lines = m_lines.feed(response.body);
    lines += m_lines.finish();
    return readV3Lines(lines, cursor);
}

PollResult EtcdProfile::readV2Answer(const QByteArray &body, const QString &cursor)
{
    if (body.trimmed().isEmpty())
        return PollResult::noNews(cursor); // ended without a change
    QJsonDocument doc;
    QString error;
    if (!parseJsonBody(body, &doc, &error) || !doc.isObject())
        return PollResult::malformedBody(
            cursor, error.isEmpty() ? tr("etcd's answer is not a JSON object.") : error,
            bodyDetail(body));
    const QJsonObject answer = doc.object();
    const QString action = answer.value(QLatin1String("action")).toString();
    if (cursor.isEmpty() || action == QLatin1String("get")) {
        // The first read: only where to wait from.
        const qint64 index = m_indexHeader.toLongLong();
        if (index < 1)
            return PollResult::malformedBody(
                cursor, tr("etcd's answer has no X-Etcd-Index header to wait from."));
        return PollResult::noNews(QString::number(index + 1));
    }
    const QJsonObject node = answer.value(QLatin1String("node")).toObject();
    const qint64 index = etcdNumber(node.value(QLatin1String("modifiedIndex")));
    const QJsonValue key = node.value(QLatin1String("key"));
    if (action.isEmpty() || index < 1 || !key.isString())
        return PollResult::malformedBody(
            cursor, tr("etcd's answer has no action, key or modifiedIndex."), bodyDetail(body));
    const QJsonValue value = node.value(QLatin1String("value"));
    PollResult result = PollResult::noNews(QString::number(index + 1));
    result.verdict = Verdict::Events;
    result.events.append(changeEvent(action, key.toString().toUtf8(), value.toString().toUtf8(),
                                     index, value.isString()));
    return result;
}

PollResult EtcdProfile::readV3Lines(const QList<QByteArray> &lines, const QString &cursor)
{
    if (m_lines.hasError())
        return PollResult::tooLarge(cursor, m_lines.errorString());
    // Every line is checked before any event is taken.
    qint64 next = cursor.isEmpty() ? 0 : cursor.toLongLong();
    EventList events;
    for (const QByteArray &line : lines) {
        QJsonDocument doc;
        QString error;
        if (!parseJsonBody(line, &doc, &error) || !doc.isObject())
            return PollResult::malformedBody(
                cursor,
                error.isEmpty() ? tr("A line of etcd's watch is not a JSON object.") : error,
                bodyDetail(line));
        const QJsonObject object = doc.object();
        if (object.contains(QLatin1String("error")))
            return PollResult::retry(
                cursor, tr("etcd ended the watch: %1.").arg(serverReason(line)), bodyDetail(line));
        const QJsonObject response = object.value(QLatin1String("result")).toObject();
        const qint64 revision = etcdNumber(
            response.value(QLatin1String("header")).toObject().value(QLatin1String("revision")));
        const qint64 compacted = etcdNumber(response.value(QLatin1String("compact_revision")));
        if (response.value(QLatin1String("canceled")).toBool()) {
            if (compacted > 0) {
                PollResult result;
                result.verdict = Verdict::Resync;
                result.cursor = cursor;
                result.reason =
                    tr("etcd has compacted its history up to revision %1, past revision %2; "
                       "watching again from its current revision, so changes in between may "
                       "be missing.")
                        .arg(compacted)
                        .arg(cursor);
                result.detail = bodyDetail(line);
                return result;
            }
            return PollResult::retry(
                cursor,
                tr("etcd cancelled the watch: %1.")
                    .arg(response.value(QLatin1String("cancel_reason")).toString()),
                bodyDetail(line));
        }
        const QJsonArray changes = response.value(QLatin1String("events")).toArray();
        for (const QJsonValue &change : changes) {
            const QJsonObject kv = change.toObject().value(QLatin1String("kv")).toObject();
            const qint64 modified = etcdNumber(kv.value(QLatin1String("mod_revision")));
            const QJsonValue key = kv.value(QLatin1String("key"));
            if (modified < 1 || !key.isString())
                return PollResult::malformedBody(
                    cursor, tr("An event of etcd's watch has no key or mod_revision."),
                    bodyDetail(line));
            // PUT is the default of the enum, which the gateway leaves out.
            const bool deleted = change.toObject().value(QLatin1String("type")).toString() ==
                                 QLatin1String("DELETE");
            events.append(changeEvent(
                deleted ? QStringLiteral("delete") : QStringLiteral("put"),
                QByteArray::fromBase64(key.toString().toLatin1()),
                QByteArray::fromBase64(kv.value(QLatin1String("value")).toString().toLatin1()),
                modified, !deleted));
            next = std::max(next, modified + 1);
        }
        // A response without events (created, or a progress notification)
        // says the watch has sent everything up to its revision. Created
        // on a start revision, the events from there are still to come.
        const bool created = response.value(QLatin1String("created")).toBool();
        if (changes.isEmpty() && revision > 0 && (!created || cursor.isEmpty()))
            next = std::max(next, revision + 1);
    }
    PollResult result = PollResult::noNews(next > 0 ? QString::number(next) : cursor);
    if (!events.isEmpty()) {
        result.verdict = Verdict::Events;
        result.events = std::move(events);
    }
    return result;
}

} // namespace Longwatch
