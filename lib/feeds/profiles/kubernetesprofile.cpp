#include "kubernetesprofile.h"

#include "jsontext.h"
#include "profiles.h"
#include "profiles/profilesupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <utility>

namespace Longwatch {

namespace {

/// More objects than any one collection a dashboard follows: past this the
/// memory of seen versions starts again (a list then hands over all).
constexpr qsizetype kMaxSeen = 200'000;

QString bodyDetail(const QByteArray &body)
{
    return QStringLiteral("body: %1").arg(bodyExcerpt(body));
}

QString text(const QJsonObject &object, QLatin1String name)
{
    return object.value(name).toString();
}

/// True if `object.status.conditions` has a condition of `type` that is "True".
bool hasCondition(const QJsonObject &status, QLatin1String type)
{
    const QJsonArray conditions = status.value(QLatin1String("conditions")).toArray();
    for (const QJsonValue &condition : conditions) {
        const QJsonObject c = condition.toObject();
        if (text(c, QLatin1String("type")) == type &&
            text(c, QLatin1String("status")) == QLatin1String("True"))
            return true;
    }
    return false;
}

bool isFinal(const QString &word)
{
    return word == QLatin1String("succeeded") || word == QLatin1String("failed") ||
           word == QLatin1String("cancelled");
}

} // namespace

KubernetesProfile::KubernetesProfile(QUrl url, std::chrono::milliseconds hold,
                                     QString initialCursor)
    : m_url(std::move(url))
    , m_hold(hold)
    , m_initialCursor(std::move(initialCursor))
{}

std::unique_ptr<FeedProfile> KubernetesProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                       QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    // kube-apiserver ends a watch after --min-request-timeout (30 min,
    // randomised) anyway; five minutes keeps a quiet one short.
    basic.hold = std::chrono::minutes(5);
    QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
    const QUrlQuery query(url);
    if (query.hasQueryItem(QStringLiteral("watch")) ||
        query.hasQueryItem(QStringLiteral("resourceVersion")))
        problems << ProfileText::tr("A Kubernetes address names the collection to follow "
                                    "(e.g. /apis/batch/v1/namespaces/ci/jobs); kubernetes-watch "
                                    "adds watch and resourceVersion itself.");
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<KubernetesProfile>(url, basic.hold, basic.initialCursor);
}

PollRequest KubernetesProfile::request(const QString &cursor) const
{
    PollRequest request;
    QUrl url = m_url;
    if (!cursor.isEmpty()) {
        QUrlQuery query(url); // a labelSelector or fieldSelector stays
        query.addQueryItem(QStringLiteral("watch"), QStringLiteral("1"));
        query.addQueryItem(QStringLiteral("resourceVersion"), cursor);
        query.addQueryItem(QStringLiteral("allowWatchBookmarks"), QStringLiteral("true"));
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(m_hold).count();
        query.addQueryItem(QStringLiteral("timeoutSeconds"),
                           QString::number(std::max<qint64>(seconds, 1)));
        url.setQuery(query);
    }
    request.url = url;
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    return request;
}

void KubernetesProfile::reset()
{
    m_body.clear();
    m_lines.reset();
    m_pendingEnd.reset();
}

std::optional<QString> KubernetesProfile::cursorAfter(const EventList &events, qsizetype count,
                                                      const QString &cursor) const
{
    // A list's items are not positions in the watch: a list is taken whole.
    if (cursor.isEmpty())
        return std::nullopt;
    if (count <= 0)
        return cursor;
    if (count > events.size())
        return std::nullopt;
    // The key is <uid>:<resourceVersion>; a uid has no colon.
    const QString version = events.at(count - 1).key.section(QLatin1Char(':'), 1);
    if (version.isEmpty())
        return std::nullopt;
    return version;
}

bool KubernetesProfile::startStream(const PollResponse &head, const StreamLimits &limits)
{
    if (head.status != 200)
        return false;
    m_maxBytes = limits.maxEventBytes;
    m_body.clear();
    m_lines = JsonStreamSplitter(limits.maxEventBytes);
    m_pendingEnd.reset();
    return true;
}

PollResult KubernetesProfile::readStream(QByteArrayView bytes, const QString &cursor)
{
    if (m_pendingEnd)
        return *std::exchange(m_pendingEnd, std::nullopt);
    if (!cursor.isEmpty())
        return readWatchLines(m_lines.feed(bytes), cursor, true);
    // A list is one JSON object, complete at the answer's end.
    if (m_body.size() + bytes.size() > m_maxBytes)
        return PollResult::tooLarge(
            cursor, tr("Kubernetes sent a list larger than %1 bytes; a label or field selector "
                       "in the address makes it smaller.")
                        .arg(m_maxBytes));
    m_body.append(bytes);
    return PollResult::noNews(cursor);
}

PollResult KubernetesProfile::endStream(const QString &cursor)
{
    if (m_pendingEnd)
        return *std::exchange(m_pendingEnd, std::nullopt);
    if (!cursor.isEmpty())
        return readWatchLines(m_lines.finish(), cursor, true);
    return readList(std::exchange(m_body, {}), cursor);
}

PollResult KubernetesProfile::parse(const PollResponse &response, const QString &cursor)
{
    if (response.status == 410) {
        // The body is a Status whose message names the versions.
        const QString message =
            text(QJsonDocument::fromJson(response.body).object(), QLatin1String("message"));
        return gone(cursor, message.isEmpty() ? serverReason(response.body) : message,
                    QStringLiteral("HTTP 410; %1").arg(bodyDetail(response.body)));
    }
    if (auto verdict = classifyHttpStatus(response, cursor))
        return *verdict;
    if (cursor.isEmpty())
        return readList(response.body, cursor);
    m_lines.reset();
    QList<QByteArray> lines = m_lines.feed(response.body);
    lines += m_lines.finish();
    return readWatchLines(lines, cursor, false);
}

PollResult KubernetesProfile::gone(const QString &cursor, const QString &serverWords,
                                   const QString &detail)
{
    // The Poller goes back to initialCursor(): a first cursor from the
    // knobs is older still, so from now on the start is a list.
    m_initialCursor.clear();
    PollResult result;
    result.verdict = Verdict::Resync;
    result.cursor = cursor;
    result.reason = tr("Kubernetes no longer has the changes after resourceVersion %1 (410 Gone: "
                       "%2); listing again, so changes in between may be missing.")
                        .arg(cursor, serverWords);
    result.detail = detail;
    return result;
}

QString KubernetesProfile::jobStatusWord(const QString &kind, const QJsonObject &object,
                                         bool deleted)
{
    const QJsonObject status = object.value(QLatin1String("status")).toObject();
    QString word;
    if (kind == QLatin1String("Job")) {
        // batch/v1 JobStatus: the Complete and Failed conditions end a Job
        // (SuccessCriteriaMet and FailureTarget come just before them).
        if (hasCondition(status, QLatin1String("Complete")) ||
            hasCondition(status, QLatin1String("SuccessCriteriaMet")))
            word = QStringLiteral("succeeded");
        else if (hasCondition(status, QLatin1String("Failed")) ||
                 hasCondition(status, QLatin1String("FailureTarget")))
            word = QStringLiteral("failed");
        else if (status.value(QLatin1String("active")).toInt() > 0 ||
                 status.value(QLatin1String("ready")).toInt() > 0)
            word = QStringLiteral("running");
        else
            word = QStringLiteral("queued"); // not started, or suspended
    } else if (kind == QLatin1String("Pod")) {
        // core/v1 PodStatus.phase: Pending, Running, Succeeded, Failed, Unknown.
        const QString phase = text(status, QLatin1String("phase"));
        if (phase == QLatin1String("Pending"))
            word = QStringLiteral("queued");
        else if (phase == QLatin1String("Running"))
            word = QStringLiteral("running");
        else if (phase == QLatin1String("Succeeded"))
            word = QStringLiteral("succeeded");
        else if (phase == QLatin1String("Failed"))
            word = QStringLiteral("failed");
        else
            word = phase.isEmpty() ? QStringLiteral("queued") : phase.toLower();
    } else {
        return {};
    }
    if (deleted && !isFinal(word))
        word = QStringLiteral("cancelled");
    return word;
}

bool KubernetesProfile::objectEvent(const QString &type, const QJsonObject &object,
                                    Event *event) const
{
    QJsonObject metadata = object.value(QLatin1String("metadata")).toObject();
    const QString uid = text(metadata, QLatin1String("uid"));
    const QString version = text(metadata, QLatin1String("resourceVersion"));
    if (uid.isEmpty() || version.isEmpty() || uid.contains(QLatin1Char(':')))
        return false;
    const QString kind = text(object, QLatin1String("kind"));
    const QString name = text(metadata, QLatin1String("name"));
    const QString space = text(metadata, QLatin1String("namespace"));
    const QString where = space.isEmpty() ? name : space + QLatin1Char('/') + name;
    event->key = uid + QLatin1Char(':') + version;
    event->type = type;
    event->text = type + QLatin1Char(' ') + kind + QLatin1Char(' ') + where;

    QJsonObject summary;
    summary.insert(QLatin1String("type"), type);
    summary.insert(QLatin1String("kind"), kind);
    if (!space.isEmpty())
        summary.insert(QLatin1String("namespace"), space);
    summary.insert(QLatin1String("name"), name);
    const QString word = jobStatusWord(kind, object, type == QLatin1String("DELETED"));
    if (!word.isEmpty()) {
        summary.insert(QLatin1String("job"), where);
        summary.insert(QLatin1String("status"), word);
        const QJsonObject status = object.value(QLatin1String("status")).toObject();
        if (kind == QLatin1String("Pod")) {
            summary.insert(QLatin1String("phase"), text(status, QLatin1String("phase")));
        } else {
            const int completions = object.value(QLatin1String("spec"))
                                        .toObject()
                                        .value(QLatin1String("completions"))
                                        .toInt();
            const int succeeded = status.value(QLatin1String("succeeded")).toInt();
            if (completions > 0 && succeeded >= 0)
                summary.insert(QLatin1String("progress"),
                               std::min(100, int(qint64(succeeded) * 100 / completions)));
        }
    }
    // managedFields is bookkeeping of who set which field: long and of no
    // use to a person reading the event.
    QJsonObject trimmed = object;
    metadata.remove(QLatin1String("managedFields"));
    trimmed.insert(QLatin1String("metadata"), metadata);
    summary.insert(QLatin1String("object"), trimmed);
    event->raw = QJsonDocument(summary).toJson(QJsonDocument::Compact);
    return true;
}

PollResult KubernetesProfile::readList(const QByteArray &body, const QString &cursor)
{
    QJsonDocument doc;
    QString error;
    if (!parseJsonBody(body, &doc, &error) || !doc.isObject())
        return PollResult::malformedBody(
            cursor, error.isEmpty() ? tr("Kubernetes' list is not a JSON object.") : error,
            bodyDetail(body));
    const QJsonObject list = doc.object();
    const QString version =
        text(list.value(QLatin1String("metadata")).toObject(), QLatin1String("resourceVersion"));
    const QJsonValue items = list.value(QLatin1String("items"));
    if (version.isEmpty() || !items.isArray())
        return PollResult::malformedBody(
            cursor,
            tr("Kubernetes' answer is no list: it has no items or no metadata.resourceVersion "
               "(does the address name a collection, such as /api/v1/namespaces/ci/pods?)."),
            bodyDetail(body));
    const QJsonArray array = items.toArray();
    EventList events;
    QHash<QString, QString> listed;
    for (const QJsonValue &item : array) {
        QJsonObject object = item.toObject();
        // A list's items carry no kind of their own: "JobList" names it.
        if (!object.contains(QLatin1String("kind"))) {
            QString kind = text(list, QLatin1String("kind"));
            if (kind.endsWith(QLatin1String("List")))
                kind.chop(4);
            object.insert(QLatin1String("kind"), kind);
        }
        Event event;
        if (!objectEvent(QStringLiteral("ADDED"), object, &event))
            return PollResult::malformedBody(
                cursor, tr("An item of Kubernetes' list has no metadata.uid or resourceVersion."),
                bodyDetail(body));
        const QString uid = event.key.section(QLatin1Char(':'), 0, 0);
        const QString itemVersion = event.key.section(QLatin1Char(':'), 1);
        listed.insert(uid, itemVersion);
        // Listed again after a 410: only what changed since is news.
        if (m_seen.value(uid) != itemVersion)
            events.append(std::move(event));
    }
    m_seen = listed.size() <= kMaxSeen ? std::move(listed) : QHash<QString, QString>();
    PollResult result = PollResult::noNews(version);
    if (!events.isEmpty()) {
        result.verdict = Verdict::Events;
        result.events = std::move(events);
    }
    return result;
}

PollResult KubernetesProfile::readWatchLines(const QList<QByteArray> &lines, const QString &cursor,
                                             bool deferEnd)
{
    if (m_lines.hasError())
        return PollResult::tooLarge(cursor, m_lines.errorString());
    QString next = cursor;
    EventList events;
    QList<std::pair<QString, QString>> seen; ///< uid, version (empty: deleted)
    for (const QByteArray &line : lines) {
        QJsonDocument doc;
        QString error;
        if (!parseJsonBody(line, &doc, &error) || !doc.isObject())
            return PollResult::malformedBody(
                cursor,
                error.isEmpty() ? tr("A line of Kubernetes' watch is not a JSON object.") : error,
                bodyDetail(line));
        const QJsonObject watchEvent = doc.object();
        const QString type = text(watchEvent, QLatin1String("type"));
        const QJsonObject object = watchEvent.value(QLatin1String("object")).toObject();
        if (type == QLatin1String("ERROR")) {
            // The object is a Status; 410 is an expired resourceVersion.
            const QString message = text(object, QLatin1String("message"));
            PollResult end =
                object.value(QLatin1String("code")).toInt() == 410
                    ? gone(next, message, bodyDetail(line))
                    : PollResult::retry(next, tr("Kubernetes ended the watch: %1.").arg(message),
                                        bodyDetail(line));
            if (!deferEnd || events.isEmpty())
                return end;
            // The events before it were complete: they go out first, the
            // end with the next read or the stream's end.
            m_pendingEnd = std::move(end);
            break;
        }
        const QString version = text(object.value(QLatin1String("metadata")).toObject(),
                                     QLatin1String("resourceVersion"));
        if (type == QLatin1String("BOOKMARK")) {
            // Everything up to this version has been sent (watch bookmarks).
            if (!version.isEmpty())
                next = version;
            continue;
        }
        if (type != QLatin1String("ADDED") && type != QLatin1String("MODIFIED") &&
            type != QLatin1String("DELETED"))
            return PollResult::malformedBody(
                cursor, tr("Kubernetes' watch sent an event of unknown type '%1'.").arg(type),
                bodyDetail(line));
        Event event;
        if (!objectEvent(type, object, &event))
            return PollResult::malformedBody(
                cursor,
                tr("An object in Kubernetes' watch has no metadata.uid or resourceVersion."),
                bodyDetail(line));
        seen.append({event.key.section(QLatin1Char(':'), 0, 0),
                     type == QLatin1String("DELETED") ? QString() : version});
        next = version;
        events.append(std::move(event));
    }
    // Only once every line read well: these events are handed over.
    for (const auto &[uid, version] : std::as_const(seen)) {
        if (version.isEmpty())
            m_seen.remove(uid);
        else if (m_seen.size() < kMaxSeen || m_seen.contains(uid))
            m_seen.insert(uid, version);
    }
    return ProfileSupport::eventsOrNoNews(std::move(events), next);
}

} // namespace Longwatch
