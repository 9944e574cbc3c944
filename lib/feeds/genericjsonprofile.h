#pragma once

#include "fastjsonscanner.h"
#include "feedprofile.h"
#include "jsonpath.h"

#include <QCoreApplication>
#include <QStringList>

namespace Longwatch {

/// Every knob of PROTOCOLS.md's table, for a JSON feed Longwatch has never
/// heard of. The seed-events and seed-queue profiles are presets of it.
struct GenericJsonOptions
{
    enum class CursorTarget { None, Query, Header, BodyField };
    enum class CursorSource { None, BodyPath, Header, MaxId, LastId };
    enum class EventsAt { ArrayPath, WholeBody, NdjsonLines };
    enum class HoldUnit { Seconds, Milliseconds, GoDuration };

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

    /// Sentences describing what is wrong, empty when the options are usable.
    QStringList validate() const;
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
    std::chrono::milliseconds minimumPollInterval() const override
    {
        return m_options.pollInterval;
    }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
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
    bool makeEvent(const QJsonValue &value, Event *event, QByteArrayView raw = {}) const;

private:
    /// The poll URL for `cursor`: the configured one, its query rebuilt
    /// with the cursor (CursorTarget::Query) and the hold parameter.
    QUrl pollUrl(const QString &cursor) const;
    /// pollUrl() with QUrlQuery, for any cursor.
    QUrl pollUrlFromQuery(const QString &cursor) const;
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
};

/// Formats a hold time in the unit a server expects ("55", "55000", "55s").
QString formatHoldTime(std::chrono::milliseconds hold, GenericJsonOptions::HoldUnit unit);

} // namespace Longwatch
