#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace Longwatch {

/// One event as a feed profile found it in a response.
///
/// `raw` is always a complete JSON value: the event object as the server
/// sent it (re-serialised compactly), or, for feeds whose events are not
/// JSON (an Nchan message), the body as a JSON string.
struct Event
{
    QString key;            ///< id / cursor key, as text; empty if the feed has none
    QString type;           ///< event type, empty if the feed has none
    QString text;           ///< human text (message), empty if none
    QDateTime time;         ///< the server's own timestamp, invalid if none
    qint64 receivedUsecs{}; ///< when the response arrived, µs since the epoch (UTC)
    QByteArray raw;         ///< the event's JSON, compact

    friend bool operator==(const Event &, const Event &) = default;
};

using EventList = QList<Event>;

/// ISO 8601 UTC with microseconds, e.g. "2026-11-22T20:31:41.123456Z".
QString formatUsecsUtc(qint64 usecsSinceEpoch);

/// Microseconds since the epoch, from the system clock.
qint64 currentUsecsUtc();

} // namespace Longwatch

// Every member is relocatable: lists of events grow by moving memory.
Q_DECLARE_TYPEINFO(Longwatch::Event, Q_RELOCATABLE_TYPE);
Q_DECLARE_METATYPE(Longwatch::Event)
