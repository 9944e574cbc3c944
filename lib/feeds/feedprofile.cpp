#include "feedprofile.h"

#include "httpdate.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

namespace Longwatch {

namespace {

QString statusText(const PollResponse &response)
{
    if (response.reasonPhrase.isEmpty())
        return QString::number(response.status);
    return QStringLiteral("%1 %2")
        .arg(response.status)
        .arg(QString::fromLatin1(response.reasonPhrase));
}

QString withServerReason(QString sentence, const QByteArray &body)
{
    const QString reason = serverReason(body);
    if (!reason.isEmpty())
        sentence += QStringLiteral(": ") + reason;
    return sentence + QLatin1Char('.');
}

} // namespace

FeedProfile::~FeedProfile() = default;

QByteArray PollResponse::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

PollResult PollResult::noNews(const QString &cursor)
{
    PollResult result;
    result.verdict = Verdict::NoNews;
    result.cursor = cursor;
    return result;
}

PollResult PollResult::retry(const QString &cursor, const QString &reason, const QString &detail)
{
    PollResult result;
    result.verdict = Verdict::Retry;
    result.cursor = cursor;
    result.reason = reason;
    result.detail = detail;
    return result;
}

PollResult PollResult::malformedBody(const QString &cursor, const QString &reason,
                                     const QString &detail)
{
    PollResult result = retry(cursor, reason, detail);
    result.malformed = true;
    return result;
}

PollResult PollResult::fatal(const QString &cursor, const QString &reason, const QString &detail)
{
    PollResult result = retry(cursor, reason, detail);
    result.verdict = Verdict::Fatal;
    return result;
}

PollResult PollResult::tooLarge(const QString &cursor, const QString &reason)
{
    PollResult result = retry(cursor, reason);
    result.overLimit = true;
    return result;
}

QDateTime utcFromEpochMsecs(double msecs)
{
    if (!std::isfinite(msecs) || msecs < 0 || msecs > 253402300799999.0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(qint64(msecs), QTimeZone::utc());
}

std::optional<std::chrono::milliseconds> retryHintFromSeconds(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return std::nullopt;
    constexpr double kDay = 24.0 * 3600;
    return std::chrono::milliseconds(qint64(std::min(seconds, kDay) * 1000.0));
}

std::optional<PollResult> classifyHttpStatus(const PollResponse &response, const QString &cursor)
{
    const int status = response.status;
    if (status >= 200 && status < 300)
        return std::nullopt;
    if (status == 304)
        return PollResult::noNews(cursor);

    const QString detail =
        QStringLiteral("HTTP %1; body: %2").arg(statusText(response), bodyExcerpt(response.body));
    switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504: {
        PollResult result = PollResult::retry(
            cursor,
            withServerReason(FeedProfile::tr("The server answered %1").arg(statusText(response)),
                             response.body),
            detail);
        result.retryAfter = parseRetryAfter(response.header("Retry-After"), response.receivedAt);
        return result;
    }
    case 410: {
        PollResult result;
        result.verdict = Verdict::Resync;
        result.cursor = cursor;
        result.reason = withServerReason(
            FeedProfile::tr(
                "The server no longer has this position in the feed (410 Gone); starting over"),
            response.body);
        result.detail = detail;
        return result;
    }
    default:
        break;
    }
    if (status >= 500)
        return PollResult::retry(
            cursor,
            withServerReason(FeedProfile::tr("The server answered %1").arg(statusText(response)),
                             response.body),
            detail);
    if (status >= 300 && status < 400)
        return PollResult::fatal(
            cursor,
            FeedProfile::tr("The server redirected (%1) to %2, which Longwatch does not follow. "
                            "Use the final address in the channel.")
                .arg(statusText(response), QString::fromLatin1(response.header("Location"))),
            detail);
    // 400, 401, 403, 404, 405, 409, 422 and every other 4xx: the request is wrong.
    QString hint;
    if (status == 401 || status == 403)
        hint = FeedProfile::tr(" Check the channel's credentials.");
    else if (status == 404)
        hint = FeedProfile::tr(" Check the channel's URL.");
    else if (status == 409)
        hint = FeedProfile::tr(" Another client may be polling the same feed.");
    return PollResult::fatal(
        cursor,
        withServerReason(
            FeedProfile::tr("The server refused the request with %1").arg(statusText(response)),
            response.body) +
            hint,
        detail);
}

std::optional<std::chrono::milliseconds> parseRetryAfter(QByteArrayView value, const QDateTime &now)
{
    const QByteArray text = value.trimmed().toByteArray();
    if (text.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = text.toLongLong(&ok);
    if (ok)
        return seconds < 0 ? std::nullopt
                           : std::optional(std::chrono::milliseconds(seconds * 1000));
    const QDateTime when = parseHttpDate(text);
    if (!when.isValid())
        return std::nullopt;
    const qint64 ms = now.isValid() ? now.msecsTo(when) : 0;
    return std::chrono::milliseconds(std::max<qint64>(ms, 0));
}

bool parseJsonBody(const QByteArray &body, QJsonDocument *document, QString *error)
{
    QJsonParseError parseError;
    *document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error == QJsonParseError::NoError)
        return true;
    if (error) {
        if (body.trimmed().isEmpty())
            *error = FeedProfile::tr("The server sent an empty body where JSON was expected.");
        else
            *error = FeedProfile::tr("The server's answer is not valid JSON (%1 at byte %2).")
                         .arg(parseError.errorString())
                         .arg(parseError.offset);
    }
    return false;
}

QString serverReason(const QByteArray &body, qsizetype maxChars)
{
    const QByteArray trimmed = body.trimmed();
    if (trimmed.isEmpty())
        return {};
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &parseError);
    if (parseError.error == QJsonParseError::NoError && doc.isObject()) {
        const QJsonObject object = doc.object();
        for (const auto key : {"description", "reason", "error_description", "error", "message",
                               "detail", "title"}) {
            const QJsonValue value = object.value(QLatin1String(key));
            if (value.isString() && !value.toString().isEmpty())
                return value.toString().left(maxChars);
            if (value.isObject()) {
                const QString nested = value.toObject().value(QLatin1String("message")).toString();
                if (!nested.isEmpty())
                    return nested.left(maxChars);
            }
        }
        return {};
    }
    if (trimmed.startsWith('<'))
        return {}; // an HTML error page says nothing the status does not
    return bodyExcerpt(trimmed, maxChars);
}

QString bodyExcerpt(const QByteArray &body, qsizetype maxChars)
{
    QString text = QString::fromUtf8(body.left(maxChars * 4)).left(maxChars);
    for (QChar &c : text) {
        if (c.category() == QChar::Other_Control)
            c = QLatin1Char(' ');
    }
    text = text.simplified();
    if (body.size() > maxChars)
        text += QStringLiteral("…");
    return text;
}

} // namespace Longwatch
