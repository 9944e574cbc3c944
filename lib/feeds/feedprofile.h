#pragma once

#include "event.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QUrl>

#include <chrono>
#include <optional>
#include <utility>

class QJsonDocument;

namespace Longwatch {

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

/// What a profile wants sent for one poll.
struct PollRequest
{
    QUrl url;
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray body; ///< sent when not empty, as `contentType`
    QByteArray contentType = QByteArrayLiteral("application/json");
    HeaderList headers; ///< added after the channel's own headers
};

/// One complete HTTP response, as the Poller hands it to a profile.
struct PollResponse
{
    int status = 0;
    QByteArray reasonPhrase; ///< "Not Found"; may be empty
    HeaderList headers;
    QByteArray body;
    QDateTime receivedAt; ///< from the Poller's clock, for Retry-After dates

    /// The first header of that name (case-insensitive), or a null QByteArray.
    QByteArray header(QByteArrayView name) const;
};

/// What a response means for the channel (PROTOCOLS.md, "verdict").
enum class Verdict {
    Events, ///< new events (possibly all duplicates, then treated as no news)
    NoNews, ///< nothing new: re-poll at once, never grows the backoff
    Retry,  ///< something went wrong that may pass: back off and try again
    Fatal,  ///< stop the channel and say why
    Resync, ///< the cursor is no longer valid: drop it and start over
};

struct PollResult
{
    Verdict verdict = Verdict::NoNews;
    EventList events; ///< in cursor order
    QString cursor;   ///< the cursor to send next; the current one if unchanged
    std::optional<std::chrono::milliseconds> retryAfter; ///< server pacing hint
    QString reason;         ///< for Retry/Fatal/Resync: a sentence a person can act on
    QString detail;         ///< raw details: HTTP status, body excerpt (never secrets)
    bool malformed = false; ///< Retry because the body did not parse or had the wrong shape
    bool overLimit = false; ///< Retry because a line or an event is over the channel's cap

    static PollResult noNews(const QString &cursor);
    static PollResult retry(const QString &cursor, const QString &reason,
                            const QString &detail = {});
    /// Retry, because the body does not parse or has the wrong shape.
    static PollResult malformedBody(const QString &cursor, const QString &reason,
                                    const QString &detail = {});
    static PollResult fatal(const QString &cursor, const QString &reason,
                            const QString &detail = {});
    /// Retry, because a line or an event of a stream is over the cap.
    static PollResult tooLarge(const QString &cursor, const QString &reason);
};

/// The caps a streamed answer is read with (FeedProfile::startStream()).
/// A stream has no total size: these hold per line and per event.
struct StreamLimits
{
    qint64 maxEventBytes = 16 * 1024 * 1024; ///< one event, and one line of it
};

/// A feed profile turns a cursor into a request and a response into events,
/// the next cursor and a verdict. One instance belongs to one channel, so a
/// profile may keep per-channel state (the last body, seen revisions).
class FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::FeedProfile)

public:
    virtual ~FeedProfile();

    /// Stable identifier, e.g. "seed-events", as used on the command line.
    virtual QString id() const = 0;

    /// The cursor to start from when the channel has none stored.
    virtual QString initialCursor() const = 0;

    /// How long the server holds a request before answering "no news".
    /// The Poller's deadline is this plus its margin. For a stream: how long
    /// its server may stay silent (no event, no heartbeat); a stream silent
    /// for longer than this and the channel's inactivity timeout is ended
    /// and asked again from the cursor, as a hold that ran out.
    virtual std::chrono::milliseconds holdTime() const = 0;

    /// The least time between the starts of two polls. Zero for feeds that
    /// hold; feeds that answer at once (ntfy's poll mode) set a pace.
    virtual std::chrono::milliseconds minimumPollInterval() const
    {
        return std::chrono::milliseconds(0);
    }

    virtual PollRequest request(const QString &cursor) const = 0;

    /// Called for every response that has an HTTP status, whatever it is.
    /// Must not move the cursor past events it does not return.
    virtual PollResult parse(const PollResponse &response, const QString &cursor) = 0;

    /// The cursor that follows the first `count` of `events` (an answer's
    /// events, in order), when this feed's cursor can stand between two
    /// events: a channel that takes at most N events from one answer then
    /// takes the first N and asks again from there. nullopt when it cannot
    /// (the default): such an answer is refused whole, since taking part of
    /// it would skip the rest.
    virtual std::optional<QString> cursorAfter(const EventList &events, qsizetype count,
                                               const QString &cursor) const
    {
        Q_UNUSED(events);
        Q_UNUSED(count);
        Q_UNUSED(cursor);
        return std::nullopt;
    }

    /// Forget per-run state (called on start and on resync).
    virtual void reset() {}

    /// Whether the last answer parse() read only prepared the feed (a Zulip
    /// queue registered, a bootstrap request's values read): no poll was
    /// made yet, the next request is the first. A connection test goes on
    /// to that request instead of calling the feed quiet.
    virtual bool lastAnswerOnlyPrepared() const { return false; }

    /// Whether the server may get `Accept-Encoding: gzip`. False where it
    /// writes heartbeats while it holds a request or keeps a stream open: a
    /// compressor keeps those bytes in its buffer, so a healthy idle feed
    /// looks silent (QT-NETWORK-PITFALLS.md, item 10). The Poller then asks
    /// for `identity`. Streaming profiles default to false.
    virtual bool acceptsCompression() const { return !streamsAnswers(); }

    // Answers that stream (#20). A streaming profile reads a good answer as
    // it arrives: NDJSON lines, JSON text sequences, Server-Sent Events. The
    // Poller asks startStream() when an answer's status and headers are in;
    // if it says yes, every read of the body goes to readStream() and the
    // server's end of the answer to endStream(); else the answer is read
    // whole and goes to parse() as for any profile (an error status, a
    // content type that is not the stream's).

    /// Whether this profile reads (some of) its answers as streams.
    virtual bool streamsAnswers() const { return false; }

    /// An answer's status and headers (`head.body` is empty): true to read
    /// it as a stream, from now on with `limits`. Starts a new stream: what
    /// was left of a previous one is forgotten.
    virtual bool startStream(const PollResponse &head, const StreamLimits &limits)
    {
        Q_UNUSED(head);
        Q_UNUSED(limits);
        return false;
    }

    /// The next bytes of the stream, split anywhere. Events (the complete
    /// events these bytes finished, in order, and the cursor after the last
    /// of them) or NoNews (heartbeats, or only part of an event; the cursor
    /// may still move, e.g. to a bookmark). The cursor never moves past an
    /// event this or an earlier read did not return. Retry, Fatal or Resync
    /// end the stream as they would end an answer.
    virtual PollResult readStream(QByteArrayView bytes, const QString &cursor)
    {
        Q_UNUSED(bytes);
        return PollResult::noNews(cursor);
    }

    /// The server ended the stream: what the end completes (usually
    /// nothing; an incomplete event is dropped). The next request resumes
    /// from the cursor.
    virtual PollResult endStream(const QString &cursor) { return PollResult::noNews(cursor); }

    /// How long to wait before asking again after a stream ended, and at
    /// least before any retry (Server-Sent Events' `retry` field). Zero for
    /// feeds that do not say.
    virtual std::chrono::milliseconds reconnectDelay() const
    {
        return std::chrono::milliseconds(0);
    }

protected:
    FeedProfile() = default;
    FeedProfile(const FeedProfile &) = default;
    FeedProfile &operator=(const FeedProfile &) = default;
};

/// The verdict PROTOCOLS.md's error table gives a non-2xx status, or nullopt
/// for a 2xx that the profile should parse. 304 counts as no news (there is
/// no HTTP cache); 408 as retry unless a profile says otherwise.
std::optional<PollResult> classifyHttpStatus(const PollResponse &response, const QString &cursor);

/// A time given by a feed as a JSON number of milliseconds since the epoch,
/// in UTC; null if negative, beyond the year 9999 or not finite (converting
/// such a double to an integer would be undefined; found by fuzz_profiles).
QDateTime utcFromEpochMsecs(double msecs);

/// A server's retry hint given as a JSON number of seconds; nullopt if
/// negative or not finite, at most a day (the Poller caps it lower still).
std::optional<std::chrono::milliseconds> retryHintFromSeconds(double seconds);

/// Parses a Retry-After value: delta-seconds or an HTTP date (RFC 9110
/// section 10.2.3). A date in the past gives zero.
std::optional<std::chrono::milliseconds> parseRetryAfter(QByteArrayView value,
                                                         const QDateTime &now);

/// Parses a JSON body, skipping leading heartbeat whitespace. On failure
/// returns false and a sentence naming the offset and the problem.
bool parseJsonBody(const QByteArray &body, QJsonDocument *document, QString *error);

/// The server's own words for an error: a JSON "description", "reason",
/// "error" or "message" field, else the start of the body as text.
QString serverReason(const QByteArray &body, qsizetype maxChars = 200);

/// The first `maxChars` of a body as printable text, for error details.
QString bodyExcerpt(const QByteArray &body, qsizetype maxChars = 200);

} // namespace Longwatch
