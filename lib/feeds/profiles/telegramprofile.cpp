#include "telegramprofile.h"

#include "profiles.h"
#include "redact.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

namespace Longwatch {

namespace {

bool isInteger(const QString &text)
{
    bool ok = false;
    text.toLongLong(&ok);
    return ok;
}

} // namespace

TelegramProfile::TelegramProfile(GenericJsonOptions options)
    : GenericJsonProfile(std::move(options), profileId())
    , m_secrets(secretsInUrl(this->options().url))
{
    // A token is "<bot id>:<secret>"; the secret half alone must not leak either.
    const QStringList tokens = m_secrets;
    for (const QString &token : tokens) {
        const qsizetype colon = token.indexOf(QLatin1Char(':'));
        if (colon > 0)
            m_secrets << token.mid(colon + 1);
    }
}

GenericJsonOptions TelegramProfile::defaultOptions(const QUrl &url)
{
    using O = GenericJsonOptions;
    O o;
    o.url = url;
    QString path = o.url.path();
    if (!path.endsWith(QLatin1String("/getUpdates"))) {
        while (path.endsWith(QLatin1Char('/')))
            path.chop(1);
        o.url.setPath(path + QStringLiteral("/getUpdates"));
    }
    o.cursorTarget = O::CursorTarget::Query;
    o.cursorName = QStringLiteral("offset");
    o.initialCursor.clear(); // no offset: start at the oldest unconfirmed update
    o.cursorSource = O::CursorSource::MaxId;
    o.cursorIncrement = 1;
    o.eventsAt = O::EventsAt::ArrayPath;
    o.eventsPath = QStringLiteral("result");
    o.idPath = QStringLiteral("update_id");
    o.typePath = QStringLiteral("update_type"); // not in the API: the kind is filled in by parse()
    o.textPath = QStringLiteral("message.text");
    o.timePath = QStringLiteral("message.date");
    o.noNewsOn408 = false;
    o.holdParam = QStringLiteral("timeout");
    o.holdUnit = O::HoldUnit::Seconds;
    o.holdTime = std::chrono::seconds(50);
    o.okPath = QStringLiteral("ok");
    o.errorTextPath = QStringLiteral("description");
    o.retryAfterPath = QStringLiteral("parameters.retry_after");
    return o;
}

std::unique_ptr<FeedProfile> TelegramProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                     QStringList *errors)
{
    GenericJsonOptions options = defaultOptions(url);
    QStringList problems = applyKnobs(options, knobs);
    problems << options.validate();
    if (!problems.isEmpty()) {
        if (errors) {
            const QStringList secrets = secretsInUrl(url);
            for (const QString &problem : std::as_const(problems))
                *errors << redactedText(problem, secrets);
        }
        return nullptr;
    }
    return std::make_unique<TelegramProfile>(std::move(options));
}

PollResult TelegramProfile::redacted(PollResult result) const
{
    result.reason = redactedText(result.reason, m_secrets);
    result.detail = redactedText(result.detail, m_secrets);
    return result;
}

PollResult TelegramProfile::parse(const PollResponse &response, const QString &cursor)
{
    QJsonDocument doc;
    if (parseJsonBody(response.body, &doc, nullptr) && doc.isObject() &&
        doc.object().value(QLatin1String("ok")) == QJsonValue(false))
        return redacted(parseEnvelopeError(response, cursor, doc.object()));

    PollResult result = GenericJsonProfile::parse(response, cursor);
    if (result.verdict == Verdict::Events) {
        for (const Event &event : std::as_const(result.events)) {
            if (!isInteger(event.key))
                return redacted(PollResult::malformedBody(
                    cursor, tr("An update in Telegram's answer has no whole-number update_id."),
                    QStringLiteral("update: %1").arg(bodyExcerpt(event.raw))));
        }
        for (Event &event : result.events)
            describe(&event);
    }
    return redacted(std::move(result));
}

PollResult TelegramProfile::parseEnvelopeError(const PollResponse &response, const QString &cursor,
                                               const QJsonObject &envelope) const
{
    // Telegram sends the same code in the status line and the body; a proxy
    // may turn the status into 200, so the body's code wins.
    const QJsonValue codeValue = envelope.value(QLatin1String("error_code"));
    const int code = codeValue.isDouble() ? codeValue.toInt() : response.status;
    QString description = envelope.value(QLatin1String("description")).toString();
    if (description.isEmpty())
        description = tr("no reason given");
    const QString detail = QStringLiteral("HTTP %1; error_code %2; body: %3")
                               .arg(response.status)
                               .arg(code)
                               .arg(bodyExcerpt(response.body));

    switch (code) {
    case 409:
        return PollResult::fatal(
            cursor,
            tr("Another poller is running for this bot: Telegram answered 409 Conflict (%1). "
               "Stop the other getUpdates client, or delete the bot's webhook.")
                .arg(description),
            detail);
    case 401:
        return PollResult::fatal(
            cursor,
            tr("Telegram did not accept the bot token: 401 Unauthorized (%1). Check the token "
               "in the channel's URL.")
                .arg(description),
            detail);
    case 400:
    case 403:
    case 404:
        return PollResult::fatal(
            cursor, tr("Telegram refused the request with %1 (%2).").arg(code).arg(description),
            detail);
    default:
        break;
    }
    PollResult result = PollResult::retry(
        cursor, tr("Telegram reported error %1 (%2).").arg(code).arg(description), detail);
    const QJsonValue retryAfter =
        envelope.value(QLatin1String("parameters")).toObject().value(QLatin1String("retry_after"));
    result.retryAfter =
        retryAfter.isDouble() ? retryHintFromSeconds(retryAfter.toDouble()) : std::nullopt;
    if (!result.retryAfter)
        result.retryAfter = parseRetryAfter(response.header("Retry-After"), response.receivedAt);
    if (code == 429)
        result.reason =
            tr("Telegram asks to slow down: 429 Too Many Requests (%1).").arg(description);
    return result;
}

void TelegramProfile::describe(Event *event) const
{
    const QJsonObject update = QJsonDocument::fromJson(event->raw).object();
    // Exactly one optional field accompanies update_id; its name is the kind.
    QString kind;
    for (auto it = update.constBegin(); it != update.constEnd(); ++it) {
        if (it.key() != QLatin1String("update_id")) {
            kind = it.key();
            break;
        }
    }
    event->type = kind;
    const QJsonObject body = update.value(kind).toObject();
    if (event->text.isEmpty()) {
        for (const auto *field : {"text", "caption", "data", "query", "question"}) {
            const QJsonValue value = body.value(QLatin1String(field));
            if (value.isString()) {
                event->text = value.toString();
                break;
            }
        }
    }
    const QJsonValue date = body.value(QLatin1String("date"));
    if (!event->time.isValid() && date.isDouble())
        event->time = utcFromEpochMsecs(date.toDouble() * 1000.0);
}

} // namespace Longwatch
