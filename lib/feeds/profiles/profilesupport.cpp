#include "profilesupport.h"

#include "genericjsonprofile.h"
#include "jsonpath.h"
#include "jsontext.h"
#include "profiles.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Longwatch::ProfileSupport {

bool parseAnyJson(const QByteArray &bytes, QJsonValue *value)
{
    const QByteArray trimmed = bytes.trimmed();
    if (trimmed.isEmpty())
        return false;
    // Qt's parser wants an object or array at the top: wrap the text in
    // brackets, and accept it only if that makes an array of exactly one.
    // ("1,2" would make two and is rejected.)
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson('[' + trimmed + ']', &error);
    if (error.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return false;
    *value = doc.array().first();
    return true;
}

void setMessage(Event &event, const QByteArray &message)
{
    QJsonValue value;
    if (parseAnyJson(message, &value)) {
        event.raw = compactJson(value);
        event.text = jsonScalarText(value);
    } else {
        event.raw = jsonString(QString::fromUtf8(message));
        event.text = QString::fromUtf8(message).trimmed();
    }
}

QStringList readBasicKnobs(const QString &profileId, const QUrl &url, const QVariantMap &knobs,
                           BasicKnobs *out)
{
    QStringList allowed{QStringLiteral("hold"), QStringLiteral("initial-cursor")};
    if (out->takesMode)
        allowed << QStringLiteral("mode");
    QStringList errors;
    if (!url.isValid() || url.host().isEmpty())
        errors << ProfileText::tr("The URL is not valid.");
    else if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        errors << ProfileText::tr("The URL must start with http:// or https://.");

    QVariantMap applicable;
    for (auto it = knobs.cbegin(); it != knobs.cend(); ++it) {
        if (it.key() == QLatin1String("mode") && out->takesMode) {
            const QString mode = it.value().toString().trimmed().toLower();
            if (!mode.isEmpty())
                out->stream = mode == QLatin1String("stream");
            applicable.insert(it.key(), it.value()); // checked with the others
        } else if (allowed.contains(it.key()))
            applicable.insert(it.key(), it.value());
        else
            errors << ProfileText::tr(
                          "The setting '%1' does not apply to the %2 profile (it takes: %3).")
                          .arg(it.key(), profileId, allowed.join(QStringLiteral(", ")));
    }
    // Let the generic knob reader check the values, so every profile accepts
    // and rejects them the same way.
    GenericJsonOptions scratch;
    scratch.holdTime = out->hold;
    scratch.initialCursor = out->initialCursor;
    errors << applyKnobs(scratch, applicable);
    out->hold = scratch.holdTime;
    out->initialCursor = scratch.initialCursor;
    return errors;
}

Event gapEvent(const QString &text, const QString &reason, const QString &previousCursor,
               const QJsonObject &more)
{
    Event gap;
    gap.type = gapEventType();
    gap.text = text;
    QJsonObject raw = more;
    raw.insert(QLatin1String("type"), gap.type);
    raw.insert(QLatin1String("reason"), reason);
    raw.insert(QLatin1String("previousCursor"), previousCursor);
    gap.raw = QJsonDocument(raw).toJson(QJsonDocument::Compact);
    return gap;
}

PollResult eventsOrNoNews(EventList events, const QString &next)
{
    PollResult result = PollResult::noNews(next);
    if (!events.isEmpty()) {
        result.verdict = Verdict::Events;
        result.events = std::move(events);
    }
    return result;
}

} // namespace Longwatch::ProfileSupport
