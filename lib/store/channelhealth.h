#pragma once

#include "poller.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

#include <array>
#include <optional>

namespace Longwatch {

/// What one channel did in one minute (UTC), as the recorder saw its poller
/// report it: one row of the event log's health_samples (schema version 4).
/// Samples of the same channel and minute add up (merge()), so a recorder
/// may hand over a minute in several parts.
struct HealthSample
{
    static constexpr qint64 kMinuteUsecs = 60LL * 1000 * 1000;
    /// The latency histogram's buckets: at most 50 ms, 100 ms, … 120 s, and
    /// above (the last bucket). Long polls answer within their hold time
    /// (30 s for most feeds), so the steps are finer below that.
    static constexpr std::array<qint64, 11> kLatencyBoundsMsecs = {
        50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 30'000, 60'000, 120'000};
    static constexpr int kLatencyBuckets = int(kLatencyBoundsMsecs.size()) + 1;

    /// Failed attempts, by what failed (Poller::Error, coarser).
    enum ErrorClass {
        ConnectionErrors, ///< refused, reset, host not found, closed mid-body
        TimeoutErrors,
        TlsErrors,
        HttpErrors,     ///< an error status from the server
        ResponseErrors, ///< a body that does not parse, or over a limit
        OtherErrors,    ///< proxy authentication, the channel's settings
        ErrorClassCount
    };

    QString channel;
    qint64 minuteUsecs = 0; ///< the minute's start, µs since the epoch (UTC)
    int answers = 0;        ///< good answers (events or no news); a stream's reads
    int events = 0;         ///< events in them
    std::array<int, ErrorClassCount> errors{};
    int reconnects = 0;      ///< new connections after a failure, a reconnect or a network change
    int backoffs = 0;        ///< failed attempts that scheduled a retry
    qint64 backoffMsecs = 0; ///< the waits they scheduled, together
    int failures = 0;        ///< failed attempts that stopped the channel (Failed)
    int latencyCount = 0;    ///< answers with events whose latency is known
    qint64 latencySumMsecs = 0;
    qint64 latencyMaxMsecs = 0;
    std::array<int, kLatencyBuckets> latencyHistogram{};

    int errorCount() const;
    bool isEmpty() const;
    /// Adds `other`'s counts to this one's (the channel and minute stay).
    void merge(const HealthSample &other);
    void addLatency(qint64 msecs);
    static int latencyBucket(qint64 msecs);
    static ErrorClass errorClass(Poller::Error error);
    static qint64 minuteOf(qint64 usecs);

    friend bool operator==(const HealthSample &, const HealthSample &) = default;
};

/// Counts what one channel's poller reports, minute by minute, until the
/// recorder takes the counts for the event log (take()). No network work:
/// everything comes from what the poller already says (its answers,
/// batches and states).
class HealthMeter
{
public:
    /// A good answer came (Poller::responseReceived()).
    void answer(qint64 nowUsecs);
    /// A batch of `events` came; `latency` is its answer's
    /// (Poller::answerLatency()), none for a stream's read or a gap row.
    void batch(qint64 nowUsecs, int events, std::optional<std::chrono::milliseconds> latency);
    /// The poller moved to `state`: Backoff is a failed attempt (of
    /// `error`) and a wait until `nextRetryAt`, Failed one that stopped the
    /// channel, Connecting after Backoff, Waiting or Live a reconnect.
    void state(qint64 nowUsecs, Poller::State state, Poller::Error error,
               const QDateTime &nextRetryAt);
    /// The counts since the last take, oldest minute first, named
    /// `channel`; the meter starts again from nothing (but keeps the state).
    QList<HealthSample> take(const QString &channel);
    bool isEmpty() const { return m_minutes.isEmpty(); }

private:
    HealthSample &at(qint64 nowUsecs);

    QMap<qint64, HealthSample> m_minutes;
    Poller::State m_state = Poller::State::Idle;
};

/// One period of a channel-health chart (channelHealth()).
struct HealthBucket
{
    qint64 startUsecs = 0;
    bool hasSamples = false; ///< false: nothing was recorded (the program did not run)
    HealthSample counts;     ///< the period's samples added up
    /// Nearest-rank percentiles of the latency histogram, within their
    /// bucket by straight line, never above the largest latency seen.
    std::optional<qint64> latencyMedianMsecs;
    std::optional<qint64> latencyP90Msecs;

    friend bool operator==(const HealthBucket &, const HealthBucket &) = default;
};

/// One channel's health over a time, as the Trends page shows it.
struct ChannelHealthTrend
{
    QString channel;
    QList<HealthBucket> buckets; ///< channelHealth(), oldest first

    friend bool operator==(const ChannelHealthTrend &, const ChannelHealthTrend &) = default;
};

/// The samples of one channel cut into `buckets` periods of `bucketUsecs`
/// from `fromUsecs`: counts added up, latency median and 90th percentile
/// from the merged histograms. Samples outside are left out.
QList<HealthBucket> channelHealth(const QList<HealthSample> &samples, qint64 fromUsecs,
                                  qint64 bucketUsecs, int buckets);

/// The latency at `fraction` (0.5 for the median) of a histogram of
/// HealthSample::kLatencyBoundsMsecs buckets, never above `maxMsecs`; none
/// for an empty one.
std::optional<qint64> histogramPercentile(const std::array<int, HealthSample::kLatencyBuckets> &h,
                                          double fraction, qint64 maxMsecs);

} // namespace Longwatch
