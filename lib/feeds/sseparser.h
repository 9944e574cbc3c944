#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <chrono>
#include <optional>

namespace Longwatch {

/// One event of a text/event-stream, as the WHATWG HTML spec dispatches it
/// ("Interpreting an event stream", "dispatch the event").
struct SseEvent
{
    QString type;        ///< the `event` field, "message" when there was none
    QString data;        ///< the `data` lines joined with LF
    QString lastEventId; ///< the last event ID string when it was dispatched
    bool ownId = false;  ///< the event's own block had an `id` field

    friend bool operator==(const SseEvent &, const SseEvent &) = default;
};

/// An incremental parser of Server-Sent Events (text/event-stream), as the
/// WHATWG HTML spec says in "Parsing an event stream" and "Interpreting an
/// event stream" (html.spec.whatwg.org/multipage/server-sent-events.html).
///
/// feed() takes the stream in reads of any size: a CR, LF or CRLF and a
/// UTF-8 sequence may be split between two reads, and the events are the
/// same for every split. One parser reads one stream after another: finish()
/// ends a stream (what was not dispatched is dropped, as the spec says), the
/// next feed() starts a new one, and the last event ID and the reconnection
/// time stay for the reconnect (`Last-Event-ID`).
///
/// Unlike a browser, the parser is bounded: a line longer than
/// `maxLineBytes` or an event whose data exceeds `maxEventBytes` puts it in
/// an error state (errorString()), after which feed() returns nothing.
class SseParser
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::SseParser)

public:
    static constexpr qsizetype kDefaultMaxLineBytes = qsizetype(1) << 20;   // 1 MiB
    static constexpr qsizetype kDefaultMaxEventBytes = qsizetype(16) << 20; // 16 MiB

    explicit SseParser(qsizetype maxLineBytes = kDefaultMaxLineBytes,
                       qsizetype maxEventBytes = kDefaultMaxEventBytes);

    /// Parses the next bytes of the stream; returns the events they
    /// completed, in stream order (none after an error).
    QList<SseEvent> feed(QByteArrayView bytes);
    /// The end of the stream: an incomplete line or event is discarded. The
    /// next feed() is the start of a new stream (a BOM is skipped again).
    void finish();

    /// The id of the last dispatched event that had one (or a later `id`
    /// before an event without data); what to send as `Last-Event-ID`.
    QString lastEventId() const { return m_lastEventId; }
    /// Resumes after the event with this ID (a stored cursor): events
    /// without an `id` of their own carry it, as after a reconnect.
    void setLastEventId(const QString &id);
    /// The last valid `retry` field; nullopt if the server sent none.
    std::optional<std::chrono::milliseconds> reconnectionTime() const { return m_reconnectionTime; }
    /// Comment lines (`:` first) read so far: heartbeats, which keep a
    /// stream alive without being events.
    qint64 comments() const { return m_comments; }

    bool hasError() const { return !m_errorString.isEmpty(); }
    /// Why the parser stopped, a sentence; empty without an error.
    QString errorString() const { return m_errorString; }

private:
    void scan(QByteArrayView bytes, QList<SseEvent> &events);
    void processLine(QByteArrayView line, QList<SseEvent> &events);
    void dispatch(QList<SseEvent> &events);
    void resetStream();

    qsizetype m_maxLineBytes;
    qsizetype m_maxEventBytes;

    QByteArray m_line; ///< the incomplete line (or a partial BOM at the start)
    bool m_atStreamStart = true;
    bool m_afterCr = false;    ///< the last line ended at a CR: an LF next belongs to it
    QString m_data;            ///< the data buffer
    qsizetype m_dataBytes = 0; ///< its size in UTF-8 bytes, for the limit
    QString m_eventType;       ///< the event type buffer
    QString m_lastEventIdBuffer;
    bool m_idInBlock = false; ///< the block being read had an `id` field
    QString m_lastEventId;    ///< the last event ID string
    std::optional<std::chrono::milliseconds> m_reconnectionTime;
    qint64 m_comments = 0;
    QString m_errorString;
};

} // namespace Longwatch
