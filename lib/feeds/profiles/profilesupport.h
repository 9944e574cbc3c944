#pragma once

#include "event.h"
#include "feedprofile.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVariantMap>

#include <chrono>

// Small helpers shared by the hand-written feed profiles in this folder.
namespace Longwatch::ProfileSupport {

/// Parses any JSON value, scalars included, ignoring surrounding
/// whitespace. Returns false if `bytes` is not exactly one JSON value.
bool parseAnyJson(const QByteArray &bytes, QJsonValue *value);

/// Fills an event's `raw` and `text` from a message in whatever form its
/// publisher used: a message that is exactly one JSON value is kept as that
/// value (compacted; the text is a string without its quotes, or the JSON),
/// any other (text, binary) becomes a JSON string of its UTF-8 reading
/// (invalid bytes replaced), so `raw` is always valid JSON.
void setMessage(Event &event, const QByteArray &message);

/// The knobs of a hand-written profile, the two of knobNames() that such a
/// profile takes: "hold" and "initial-cursor". `out` of readBasicKnobs()
/// comes in with the profile's defaults.
struct BasicKnobs
{
    std::chrono::milliseconds hold{55'000};
    QString initialCursor;
    /// Whether the profile takes "mode" too (stream or poll); `stream` is
    /// then what it says, `stream` coming in as the profile's default.
    bool takesMode = false;
    bool stream = false;
};

/// Reads "hold" and "initial-cursor" (and "mode" where the profile takes
/// it) from `knobs` into `out`, checking values
/// the way applyKnobs() does. Any other knob is an error that names
/// `profileId`, so a typo is never silently ignored. Also checks that `url`
/// is an http(s) URL.
QStringList readBasicKnobs(const QString &profileId, const QUrl &url, const QVariantMap &knobs,
                           BasicKnobs *out);

/// The type of a gap row: a row in a channel's events that says events
/// before the next ones may be missing (Channel's when its feed had to
/// start again, a profile's when the server says it left some out).
inline QString gapEventType()
{
    return QStringLiteral("gap");
}

/// A gap row: type gapEventType(), no key, `text` as a person reads it, raw
/// `{"type":"gap","reason","previousCursor"}` with the fields of `more`.
Event gapEvent(const QString &text, const QString &reason, const QString &previousCursor,
               const QJsonObject &more = {});

/// What an answer with `events` is: Events with them, or no news if there
/// are none; the cursor to send next is `next` either way.
PollResult eventsOrNoNews(EventList events, const QString &next);

} // namespace Longwatch::ProfileSupport
