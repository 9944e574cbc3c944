#include "zulipprofile.h"

#include "profiles/profilesupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>
#include <utility>

namespace Longwatch {

namespace {

QString bodyDetail(const PollResponse &response)
{
    return QStringLiteral("HTTP %1; body: %2").arg(response.status).arg(bodyExcerpt(response.body));
}

QString text(const QJsonObject &object, QLatin1String name)
{
    return object.value(name).toString();
}

/// `name=value` for an application/x-www-form-urlencoded body.
void addFormField(QByteArray &form, const char *name, const QByteArray &value)
{
    if (!form.isEmpty())
        form += '&';
    form += name;
    form += '=';
    form += value.toPercentEncoding();
}

/// An event id as Zulip sends it: a whole number (-1 before the first).
bool eventId(const QJsonValue &value, qint64 *id)
{
    if (!value.isDouble())
        return false;
    const double number = value.toDouble();
    if (!std::isfinite(number) || number < -1 || number > 9.0e15 || std::floor(number) != number)
        return false;
    *id = qint64(number);
    return true;
}

} // namespace

ZulipProfile::ZulipProfile(Options options)
    : m_options(std::move(options))
{}

QStringList ZulipProfile::ownKnobs()
{
    return {QStringLiteral("event-types"), QStringLiteral("narrow")};
}

QUrl ZulipProfile::serverUrlFor(const QUrl &url)
{
    QUrl server = url;
    QString path = url.path();
    for (const QLatin1String tail :
         {QLatin1String("/register"), QLatin1String("/events"), QLatin1String("/"),
          QLatin1String("/v1"), QLatin1String("/"), QLatin1String("/api"), QLatin1String("/")}) {
        if (path.endsWith(tail))
            path.chop(tail.size());
    }
    server.setPath(path);
    server.setQuery(QString());
    return server;
}

QString ZulipProfile::makeCursor(const QString &queueId, qint64 lastEventId)
{
    return QString::number(lastEventId) + QLatin1Char('@') + queueId;
}

bool ZulipProfile::splitCursor(const QString &cursor, QString *queueId, qint64 *lastEventId)
{
    const qsizetype at = cursor.indexOf(QLatin1Char('@'));
    if (at <= 0 || at == cursor.size() - 1)
        return false;
    bool ok = false;
    const qint64 id = cursor.left(at).toLongLong(&ok);
    if (!ok || id < -1)
        return false;
    *queueId = cursor.mid(at + 1);
    *lastEventId = id;
    return true;
}

QString ZulipProfile::knobProblem(const QString &name, const QString &value)
{
    if (name == QLatin1String("narrow") && !value.isEmpty()) {
        // [["channel","ci"],["topic","builds"]]: a list of [operator, operand].
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(value.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isArray())
            return tr("The narrow is Zulip's JSON list of [operator, operand] pairs, e.g. "
                      "[[\"channel\",\"ci\"]].");
    }
    return {};
}

std::unique_ptr<FeedProfile> ZulipProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                  QStringList *errors)
{
    Options options;
    ProfileSupport::BasicKnobs basic;
    basic.hold = options.hold;
    QVariantMap rest = knobs;
    const QString types = rest.take(QStringLiteral("event-types")).toString().trimmed();
    const QString narrow = rest.take(QStringLiteral("narrow")).toString().trimmed();
    QStringList problems;
    if (rest.contains(QStringLiteral("initial-cursor")))
        problems << tr("zulip-events registers its own event queue: 'initial-cursor' does not "
                       "apply.");
    rest.remove(QStringLiteral("initial-cursor"));
    problems << ProfileSupport::readBasicKnobs(profileId(), url, rest, &basic);
    options.server = serverUrlFor(url);
    options.hold = basic.hold;
    options.holdSet = knobs.contains(QStringLiteral("hold"));
    if (!types.isEmpty()) {
        options.eventTypes.clear();
        for (const QString &type : types.split(QLatin1Char(','), Qt::SkipEmptyParts))
            options.eventTypes << type.trimmed();
    }
    const QString narrowProblem = knobProblem(QStringLiteral("narrow"), narrow);
    if (!narrowProblem.isEmpty())
        problems << narrowProblem;
    else if (!narrow.isEmpty())
        options.narrow = QJsonDocument::fromJson(narrow.toUtf8()).toJson(QJsonDocument::Compact);
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<ZulipProfile>(std::move(options));
}

PollRequest ZulipProfile::request(const QString &cursor) const
{
    PollRequest request;
    QUrl url = m_options.server;
    QString queueId;
    qint64 lastEventId = -1;
    if (!splitCursor(cursor, &queueId, &lastEventId)) {
        // "Register a queue": form fields, lists and narrows as JSON text.
        url.setPath(url.path() + QStringLiteral("/api/v1/register"));
        request.method = QByteArrayLiteral("POST");
        request.contentType = QByteArrayLiteral("application/x-www-form-urlencoded");
        addFormField(request.body, "event_types",
                     QJsonDocument(QJsonArray::fromStringList(m_options.eventTypes))
                         .toJson(QJsonDocument::Compact));
        if (!m_options.narrow.isEmpty())
            addFormField(request.body, "narrow", m_options.narrow);
        addFormField(request.body, "apply_markdown", "false");
    } else {
        url.setPath(url.path() + QStringLiteral("/api/v1/events"));
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("queue_id"),
                           QString::fromLatin1(QUrl::toPercentEncoding(queueId)));
        query.addQueryItem(QStringLiteral("last_event_id"), QString::number(lastEventId));
        query.addQueryItem(QStringLiteral("dont_block"), QStringLiteral("false"));
        url.setQuery(query);
    }
    request.url = url;
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    return request;
}

PollResult ZulipProfile::parseError(const PollResponse &response, const QString &cursor,
                                    const QJsonObject &envelope) const
{
    // Errors are {"result":"error","msg","code"} (zulip.com/api/rest-error-handling).
    const QString code = text(envelope, QLatin1String("code"));
    const QString words = text(envelope, QLatin1String("msg")).left(200);
    if (code == QLatin1String("BAD_EVENT_QUEUE_ID")) {
        PollResult result;
        result.verdict = Verdict::Resync;
        result.cursor = cursor;
        result.reason = tr("Zulip no longer has the event queue (BAD_EVENT_QUEUE_ID: it expires "
                           "when nobody asks for a while); registering a new one, so events in "
                           "between may be missing.");
        result.detail = bodyDetail(response);
        return result;
    }
    if (response.status == 401)
        return PollResult::fatal(
            cursor,
            tr("Zulip refused the credentials (%1): the channel's user is the account's email "
               "address, its password the account's API key.")
                .arg(words.isEmpty() ? QStringLiteral("401") : words),
            bodyDetail(response));
    if (response.status == 429 || code == QLatin1String("RATE_LIMIT_HIT")) {
        PollResult result = PollResult::retry(
            cursor, tr("Zulip asks to slow down (%1).").arg(words.isEmpty() ? code : words),
            bodyDetail(response));
        result.retryAfter = parseRetryAfter(response.header("Retry-After"), response.receivedAt);
        if (!result.retryAfter)
            result.retryAfter =
                retryHintFromSeconds(envelope.value(QLatin1String("retry-after")).toDouble(-1));
        return result;
    }
    std::optional<PollResult> verdict = classifyHttpStatus(response, cursor);
    PollResult result = verdict ? *verdict
                                : PollResult::retry(cursor, tr("Zulip answered with an error."),
                                                    bodyDetail(response));
    if (!words.isEmpty())
        result.reason =
            code.isEmpty()
                ? tr("Zulip answered %1: %2").arg(QString::number(response.status), words)
                : tr("Zulip answered %1 %2: %3").arg(QString::number(response.status), code, words);
    return result;
}

PollResult ZulipProfile::parse(const PollResponse &response, const QString &cursor)
{
    QJsonDocument doc;
    QString error;
    const bool json = parseJsonBody(response.body, &doc, &error) && doc.isObject();
    const QJsonObject answer = doc.object();
    const bool success = response.status >= 200 && response.status < 300 &&
                         text(answer, QLatin1String("result")) != QLatin1String("error");
    if (!success)
        return parseError(response, cursor, answer);
    if (!json)
        return PollResult::malformedBody(
            cursor, error.isEmpty() ? tr("Zulip's answer is not a JSON object.") : error,
            bodyDetail(response));
    QString queueId;
    qint64 lastEventId = -1;
    m_lastAnswerRegister = !splitCursor(cursor, &queueId, &lastEventId);
    if (m_lastAnswerRegister)
        return readRegister(response, answer);
    return readEvents(response, answer, cursor);
}

std::optional<QString> ZulipProfile::cursorAfter(const EventList &events, qsizetype count,
                                                 const QString &cursor) const
{
    QString queueId;
    qint64 last = -1;
    if (!splitCursor(cursor, &queueId, &last) || count > events.size())
        return std::nullopt;
    if (count <= 0)
        return cursor;
    qint64 id = -1;
    const QJsonObject event = QJsonDocument::fromJson(events.at(count - 1).raw).object();
    if (!eventId(event.value(QLatin1String("id")), &id))
        return std::nullopt;
    return makeCursor(queueId, id);
}

PollResult ZulipProfile::readRegister(const PollResponse &response, const QJsonObject &answer)
{
    const QString queueId = text(answer, QLatin1String("queue_id"));
    qint64 lastEventId = -1;
    if (queueId.isEmpty() || !eventId(answer.value(QLatin1String("last_event_id")), &lastEventId))
        return PollResult::malformedBody(
            {},
            tr("Zulip's register answer has no queue_id or last_event_id (does the address "
               "name a Zulip server?)."),
            bodyDetail(response));
    // Zulip says how long a client should wait for /events before giving up.
    const double timeout =
        answer.value(QLatin1String("event_queue_longpoll_timeout_seconds")).toDouble(-1);
    if (!m_options.holdSet && std::isfinite(timeout) && timeout >= 1 && timeout <= 3600)
        m_options.hold = std::chrono::milliseconds(qint64(timeout * 1000));
    return PollResult::noNews(makeCursor(queueId, lastEventId));
}

Event ZulipProfile::zulipEvent(const QString &queueId, const QJsonObject &event)
{
    Event out;
    out.type = text(event, QLatin1String("type"));
    out.raw = QJsonDocument(event).toJson(QJsonDocument::Compact);
    const QJsonObject message = event.value(QLatin1String("message")).toObject();
    qint64 messageId = -1;
    if (out.type == QLatin1String("message") &&
        eventId(message.value(QLatin1String("id")), &messageId) && messageId >= 0) {
        // A message (zulip.com/api/get-events, "message" event).
        out.key = QStringLiteral("message:%1").arg(messageId);
        out.time =
            utcFromEpochMsecs(message.value(QLatin1String("timestamp")).toDouble(-1) * 1000.0);
        const QString sender = text(message, QLatin1String("sender_full_name"));
        const QString content = text(message, QLatin1String("content"));
        const QJsonValue recipient = message.value(QLatin1String("display_recipient"));
        if (recipient.isString())
            out.text = tr("%1 in #%2 \u203a %3: %4")
                           .arg(sender, recipient.toString(),
                                text(message, QLatin1String("subject")), content);
        else
            out.text = sender + QStringLiteral(": ") + content; // a direct message
        return out;
    }
    out.key = queueId + QLatin1Char(':') +
              QString::number(qint64(event.value(QLatin1String("id")).toDouble()));
    const QString op = text(event, QLatin1String("op"));
    out.text = op.isEmpty() ? out.type : out.type + QLatin1Char(' ') + op;
    return out;
}

PollResult ZulipProfile::readEvents(const PollResponse &response, const QJsonObject &answer,
                                    const QString &cursor) const
{
    QString queueId;
    qint64 last = -1;
    splitCursor(cursor, &queueId, &last);
    const QJsonValue list = answer.value(QLatin1String("events"));
    if (!list.isArray())
        return PollResult::malformedBody(cursor, tr("Zulip's answer has no events list."),
                                         bodyDetail(response));
    EventList events;
    const QJsonArray array = list.toArray();
    for (const QJsonValue &value : array) {
        const QJsonObject event = value.toObject();
        qint64 id = -1;
        if (!eventId(event.value(QLatin1String("id")), &id))
            return PollResult::malformedBody(cursor, tr("An event from Zulip has no id."),
                                             bodyDetail(response));
        last = std::max(last, id);
        // Heartbeats only say the queue is alive; their id is acknowledged.
        if (text(event, QLatin1String("type")) == QLatin1String("heartbeat"))
            continue;
        events.append(zulipEvent(queueId, event));
    }
    PollResult result = PollResult::noNews(makeCursor(queueId, last));
    if (!events.isEmpty()) {
        result.verdict = Verdict::Events;
        result.events = std::move(events);
    }
    return result;
}

} // namespace Longwatch
