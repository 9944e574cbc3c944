#pragma once

#include "fastjsonscanner.h"
#include "feedprofile.h"
#include "jsonpath.h"
#include "jsonstreamsplitter.h"
#include "sseparser.h"

#include <QCoreApplication>
#include <QHash>
#include <QStringList>

#include <algorithm>

namespace Longwatch {

/// Every knob of PROTOCOLS.md's table, for a JSON feed Longwatch has never
/// heard of. The seed-events and seed-queue profiles are presets of it.
struct GenericJsonOptions
{
    enum class CursorTarget { None, Query, Header, BodyField };
    enum class CursorSource { None, BodyPath, Header, MaxId, LastId };
    enum class EventsAt { ArrayPath, WholeBody, NdjsonLines };
    enum class HoldUnit { Seconds, Milliseconds, GoDuration };
    enum class StreamFormat { None, Ndjson, Sse };

    QUrl url;
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray bodyTemplate; ///< JSON object sent with POST; the cursor may go into it

    CursorTarget cursorTarget = CursorTarget::Query;
    QString cursorName = QStringLiteral("last_id"); ///< query name, header name or body path
    QString initialCursor = QStringLiteral("0");    ///< empty: send no cursor until we have one

    CursorSource cursorSource = CursorSource::MaxId;
    QString cursorSourceName; ///< body path or header name
    int cursorIncrement = 0;  ///< MaxId + this (Telegram's offset = max update_id + 1)

    EventsAt eventsAt = EventsAt::ArrayPath;
    QString eventsPath = QStringLiteral("events"); ///< array path, or the value for WholeBody
    QString idPath = QStringLiteral("id");
    QString typePath = QStringLiteral("type");
    QString textPath = QStringLiteral("message");
    QString timePath = QStringLiteral("time");

    bool noNewsOn304 = true;
    bool noNewsOn408 = false;
    bool noNewsOn204 = true;
    bool noNewsOnEmptyBody = true;
    bool noNewsOnNull = true; ///< the value at eventsPath is null (seed-queue)
    bool noNewsWhenCursorUnchanged = false;

    QString holdParam; ///< query parameter that tells the server how long to hold
    HoldUnit holdUnit = HoldUnit::Seconds;
    std::chrono::milliseconds holdTime{55'000};
    std::chrono::milliseconds pollInterval{
        0}; ///< least time between polls (feeds that do not hold)

    QStringList skipTypes;  ///< event types that are noise (keepalive, open)
    QString retryAfterPath; ///< body path of a pacing hint in seconds

    QString okPath;        ///< if set, a body whose value here is not true is an error
    QString errorTextPath; ///< where such a body says why

    /// Read a good answer as it arrives: NDJSON lines or Server-Sent Events
    /// whose data is JSON; each value goes through the events path.
    StreamFormat stream = StreamFormat::None;

    /// Send If-None-Match / If-Modified-Since with the validators of the
    /// last answer taken (PROTOCOLS.md says when that is); 304 is no news.
    bool conditional = false;
    QString pollIntervalHeader; ///< a header of seconds that paces the next poll (X-Poll-Interval)

    /// A first request whose JSON answer fills `${bootstrap:name}` in the
    /// poll URL and body; empty: none.
    QUrl bootstrapUrl;
    QByteArray bootstrapMethod = QByteArrayLiteral("GET");
    QByteArray bootstrapBody;                           ///< JSON object sent with POST
    QList<std::pair<QString, QString>> bootstrapValues; ///< name, JSON path in its answer
    /// The error that makes it ask the bootstrap request again: a status
    /// (0: any) and/or a body field with a value (empty path: any).
    int bootstrapAgainStatus = 0;
    QString bootstrapAgainPath;
    QString bootstrapAgainValue;

    /// Sentences describing what is wrong, empty when the options are usable.
    QStringList validate() const;
    /// validate()'s part for the bootstrap request.
    QStringList validateBootstrap() const;
};

class GenericJsonProfile : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::GenericJsonProfile)

public:
    explicit GenericJsonProfile(GenericJsonOptions options,
                                QString id = QStringLiteral("generic-json"));

    QString id() const override { return m_id; }
    QString initialCursor() const override { return m_options.initialCursor; }
    std::chrono::milliseconds holdTime() const override { return m_options.holdTime; }
    /// The "poll-interval" knob, or the server's pace (pollIntervalHeader)
    /// from the last answer if that is longer.
    std::chrono::milliseconds minimumPollInterval() const override
    {
        return std::max(m_options.pollInterval, m_serverInterval);
    }
    /// The bootstrap request while it has no values, else the poll.
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
    bool lastAnswerOnlyPrepared() const override;
    void reset() override;

    bool streamsAnswers() const override
    {
        return m_options.stream != GenericJsonOptions::StreamFormat::None;
    }
    bool startStream(const PollResponse &head, const StreamLimits &limits) override;
    PollResult readStream(QByteArrayView bytes, const QString &cursor) override;
    PollResult endStream(const QString &cursor) override;
    std::chrono::milliseconds reconnectDelay() const override { return m_reconnectDelay; }

    /// Whether the next request() is the bootstrap request.
    bool needsBootstrap() const { return !m_options.bootstrapUrl.isEmpty() && !m_bootstrapped; }
    /// With cursors from the largest id or the last id, where the answer's
    /// ids go up (max-id) or are all present (last-id).
    std::optional<QString> cursorAfter(const EventList &events, qsizetype count,
                                       const QString &cursor) const override;

    const GenericJsonOptions &options() const { return m_options; }

    /// Whether parse() reads answers of the usual shape with FastJsonScanner
    /// (the default), falling back to QJsonDocument for anything else. Both
    /// give the same result; off, QJsonDocument reads every answer (for the
    /// tests and benchmarks that compare the two).
    void setFastScanEnabled(bool enabled) { m_fastScanEnabled = enabled; }
    bool isFastScanEnabled() const { return m_fastScanEnabled; }
    /// Whether these options let FastJsonScanner read answers at all.
    bool canFastScan() const { return m_fastPlan.has_value(); }
    /// Whether request() puts most cursors into a query made once rather
    /// than rebuilding the query with QUrlQuery (for tests).
    bool splicesCursorIntoQuery() const { return m_queryAroundCursor.has_value(); }
    /// How many answers FastJsonScanner has read (for tests and diagnostics).
    qint64 fastScanCount() const { return m_fastScans; }

    /// The preset for the original seed-events feed: `GET url?last_id=N`.
    static GenericJsonOptions seedEventsOptions(const QUrl &url);
    /// The preset for the seed-queue feed: `GET /receive`, `{"message": ...}`.
    static GenericJsonOptions seedQueueOptions(const QUrl &url);

protected:
    /// Builds one event from a JSON value; false if it is noise to skip.
    /// `wildcardKeys`: what the events path's wildcards stood for, shown
    /// in front of the text.
    bool makeEvent(const QJsonValue &value, Event *event, QByteArrayView raw = {},
                   const QString &wildcardKeys = {}) const;

private:
    /// The poll URL for `cursor`: the configured one, its query rebuilt
    /// with the cursor (CursorTarget::Query) and the hold parameter.
    QUrl pollUrl(const QString &cursor) const;
    /// pollUrl() with QUrlQuery from `base` (the configured URL with the
    /// bootstrap values in), for any cursor.
    QUrl pollUrlFromQuery(const QUrl &base, const QString &cursor) const;
    /// The poll answer without the bootstrap, validators and pace around it.
    PollResult parseAnswer(const PollResponse &response, const QString &cursor);
    PollResult parseBootstrap(const PollResponse &response, const QString &cursor);
    bool m_lastAnswerBootstrap = false; ///< lastAnswerOnlyPrepared()
    /// A sentence naming what matched if `response` (or one streamed JSON
    /// value, `json`) is the error that asks the bootstrap request again.
    std::optional<QString> bootstrapAgain(int status, QByteArrayView json) const;
    PollResult askBootstrapAgain(const QString &cursor, const QString &what);
    /// One streamed JSON value, with the SSE event's id and type.
    struct Record
    {
        QByteArray json;
        QString key;  ///< the SSE id, for events whose id path gives none
        QString type; ///< the SSE event type, likewise
    };
    PollResult takeRecords(const QList<Record> &records, const QString &cursor);
    /// Builds the events an answer's value holds at the events path.
    PollResult eventsFrom(const QJsonValue &root, const PollResponse &response,
                          const QString &cursor);
    /// eventsFrom() for an events path with wildcards.
    PollResult wildcardEvents(const QJsonValue &root, const PollResponse &response,
                              const QString &cursor);
    PollResult parseJson(const PollResponse &response, const QString &cursor);
    PollResult parseNdjson(const PollResponse &response, const QString &cursor);
    /// nullopt if the answer is not of the shape FastJsonScanner reads.
    std::optional<PollResult> parseJsonFast(const PollResponse &response, const QString &cursor);
    /// The last type text read by the fast scan: events in one answer
    /// mostly share a few, and the next one then costs no allocation.
    struct TypeCache
    {
        QByteArrayView bytes;
        QString text;
        bool valid = false;
    };
    /// false if the element is not of the shape FastJsonScanner reads.
    bool makeEventFast(const FastJsonScanner::Element &element, Event *event, bool *keep,
                       TypeCache *types) const;
    /// The next cursor a body gives with CursorSource::BodyPath, if it has one.
    std::optional<QString> bodyCursor(const QJsonValue &document) const;
    PollResult finish(const PollResponse &response, const QString &cursor, EventList events,
                      const std::optional<QString> &bodyCursor);

    GenericJsonOptions m_options;
    QString m_id;
    JsonPath m_cursorName, m_cursorSourcePath, m_eventsPath, m_idPath, m_typePath, m_textPath,
        m_timePath, m_retryAfterPath, m_okPath, m_errorTextPath;
    /// The poll URL's query (as QUrl::query() gives it) before and after the cursor,
    /// for cursors that percent-encoding leaves as they are (pollUrl()).
    std::optional<std::pair<QString, QString>> m_queryAroundCursor;
    std::optional<FastJsonScanner::Plan> m_fastPlan; ///< set if the options allow a fast scan
    bool m_fastScanEnabled = true;
    qint64 m_fastScans = 0;

    // Bootstrap: its answer's values, by name.
    JsonPath m_bootstrapAgainPath;
    bool m_bootstrapped = false;
    QHash<QString, QString> m_bootstrapValues;

    // Conditional requests: the validators of the last answer taken, sent
    // only while the cursor is the one that answer gave.
    QByteArray m_etag;
    QByteArray m_lastModified;
    QString m_validatorsCursor;
    std::chrono::milliseconds m_serverInterval{0};

    // Streaming.
    JsonStreamSplitter m_splitter;
    SseParser m_sse;
    int m_streamStatus = 0;
    std::chrono::milliseconds m_reconnectDelay{0};
    const Record *m_record = nullptr; ///< the streamed value being read, for makeEvent()
};

/// Formats a hold time in the unit a server expects ("55", "55000", "55s").
QString formatHoldTime(std::chrono::milliseconds hold, GenericJsonOptions::HoldUnit unit);

} // namespace Longwatch
