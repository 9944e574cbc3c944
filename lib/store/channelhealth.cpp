#include "channelhealth.h"

#include <QDateTime>

#include <algorithm>
#include <cmath>
#include <utility>

namespace Longwatch {

int HealthSample::errorCount() const
{
    int count = 0;
    for (const int n : errors)
        count += n;
    return count;
}

bool HealthSample::isEmpty() const
{
    return answers == 0 && events == 0 && errorCount() == 0 && reconnects == 0 && backoffs == 0 &&
           failures == 0 && latencyCount == 0;
}

void HealthSample::merge(const HealthSample &other)
{
    answers += other.answers;
    events += other.events;
    for (int i = 0; i < ErrorClassCount; ++i)
        errors[i] += other.errors[i];
    reconnects += other.reconnects;
    backoffs += other.backoffs;
    backoffMsecs += other.backoffMsecs;
    failures += other.failures;
    latencyCount += other.latencyCount;
    latencySumMsecs += other.latencySumMsecs;
    latencyMaxMsecs = std::max(latencyMaxMsecs, other.latencyMaxMsecs);
    for (int i = 0; i < kLatencyBuckets; ++i)
        latencyHistogram[i] += other.latencyHistogram[i];
}

int HealthSample::latencyBucket(qint64 msecs)
{
    const auto it =
        std::lower_bound(kLatencyBoundsMsecs.cbegin(), kLatencyBoundsMsecs.cend(), msecs);
    return int(it - kLatencyBoundsMsecs.cbegin());
}

void HealthSample::addLatency(qint64 msecs)
{
    msecs = std::max<qint64>(0, msecs);
    ++latencyCount;
    latencySumMsecs += msecs;
    latencyMaxMsecs = std::max(latencyMaxMsecs, msecs);
    ++latencyHistogram[latencyBucket(msecs)];
}

HealthSample::ErrorClass HealthSample::errorClass(Poller::Error error)
{
    switch (error) {
    case Poller::Error::ConnectionError:
        return ConnectionErrors;
    case Poller::Error::TimeoutError:
        return TimeoutErrors;
    case Poller::Error::TlsError:
        return TlsErrors;
    case Poller::Error::HttpError:
        return HttpErrors;
    case Poller::Error::ResponseError:
    case Poller::Error::SizeLimitError:
        return ResponseErrors;
    case Poller::Error::NoError:
    case Poller::Error::ProxyAuthenticationError:
    case Poller::Error::SetupError:
        break;
    }
    return OtherErrors;
}

qint64 HealthSample::minuteOf(qint64 usecs)
{
    // Floor, also before 1970 (tests' clocks).
    const qint64 minute = usecs / kMinuteUsecs - (usecs % kMinuteUsecs < 0 ? 1 : 0);
    return minute * kMinuteUsecs;
}

HealthSample &HealthMeter::at(qint64 nowUsecs)
{
    const qint64 minute = HealthSample::minuteOf(nowUsecs);
    auto it = m_minutes.find(minute);
    if (it == m_minutes.end()) {
        HealthSample sample;
        sample.minuteUsecs = minute;
        it = m_minutes.insert(minute, sample);
    }
    return *it;
}

void HealthMeter::answer(qint64 nowUsecs)
{
    ++at(nowUsecs).answers;
}

void HealthMeter::batch(qint64 nowUsecs, int events,
                        std::optional<std::chrono::milliseconds> latency)
{
    HealthSample &sample = at(nowUsecs);
    sample.events += events;
    if (latency)
        sample.addLatency(latency->count());
}

void HealthMeter::state(qint64 nowUsecs, Poller::State state, Poller::Error error,
                        const QDateTime &nextRetryAt)
{
    const Poller::State before = std::exchange(m_state, state);
    if (state == before)
        return;
    switch (state) {
    case Poller::State::Backoff: {
        HealthSample &sample = at(nowUsecs);
        ++sample.errors[HealthSample::errorClass(error)];
        ++sample.backoffs;
        if (nextRetryAt.isValid())
            sample.backoffMsecs +=
                std::max<qint64>(0, nextRetryAt.toMSecsSinceEpoch() - nowUsecs / 1000);
        break;
    }
    case Poller::State::Failed: {
        HealthSample &sample = at(nowUsecs);
        ++sample.errors[HealthSample::errorClass(error)];
        ++sample.failures;
        break;
    }
    case Poller::State::Connecting:
        if (before == Poller::State::Backoff || before == Poller::State::Waiting ||
            before == Poller::State::Live)
            ++at(nowUsecs).reconnects;
        break;
    case Poller::State::Idle:
    case Poller::State::Waiting:
    case Poller::State::Live:
    case Poller::State::Stopped:
        break;
    }
}

QList<HealthSample> HealthMeter::take(const QString &channel)
{
    QList<HealthSample> samples;
    samples.reserve(m_minutes.size());
    for (HealthSample &sample : m_minutes) {
        if (sample.isEmpty())
            continue;
        sample.channel = channel;
        samples.append(std::move(sample));
    }
    m_minutes.clear();
    return samples;
}

std::optional<qint64> histogramPercentile(const std::array<int, HealthSample::kLatencyBuckets> &h,
                                          double fraction, qint64 maxMsecs)
{
    qint64 total = 0;
    for (const int n : h)
        total += n;
    if (total <= 0)
        return std::nullopt;
    // Nearest rank, as percentile() for durations: the smallest value with
    // at least `fraction` of the values at or below it.
    const qint64 rank =
        std::max<qint64>(1, qint64(std::ceil(std::clamp(fraction, 0.0, 1.0) * double(total))));
    qint64 below = 0;
    for (int i = 0; i < HealthSample::kLatencyBuckets; ++i) {
        if (h[i] == 0 || below + h[i] < rank) {
            below += h[i];
            continue;
        }
        const double lower = i == 0 ? 0.0 : double(HealthSample::kLatencyBoundsMsecs[i - 1]);
        const double upper = i < int(HealthSample::kLatencyBoundsMsecs.size())
                                 ? double(HealthSample::kLatencyBoundsMsecs[i])
                                 : double(std::max<qint64>(maxMsecs, qint64(lower)));
        const double within = double(rank - below) / double(h[i]);
        const auto value = qint64(std::llround(lower + (upper - lower) * within));
        return std::min(value, maxMsecs);
    }
    return maxMsecs;
}

QList<HealthBucket> channelHealth(const QList<HealthSample> &samples, qint64 fromUsecs,
                                  qint64 bucketUsecs, int buckets)
{
    QList<HealthBucket> result;
    if (bucketUsecs <= 0 || buckets <= 0)
        return result;
    result.reserve(buckets);
    for (int i = 0; i < buckets; ++i) {
        HealthBucket bucket;
        bucket.startUsecs = fromUsecs + i * bucketUsecs;
        bucket.counts.minuteUsecs = bucket.startUsecs;
        result.append(bucket);
    }
    for (const HealthSample &sample : samples) {
        if (sample.minuteUsecs < fromUsecs)
            continue;
        const qint64 index = (sample.minuteUsecs - fromUsecs) / bucketUsecs;
        if (index >= buckets)
            continue;
        HealthBucket &bucket = result[index];
        bucket.hasSamples = true;
        bucket.counts.channel = sample.channel;
        bucket.counts.merge(sample);
    }
    for (HealthBucket &bucket : result) {
        const HealthSample &counts = bucket.counts;
        bucket.latencyMedianMsecs =
            histogramPercentile(counts.latencyHistogram, 0.5, counts.latencyMaxMsecs);
        bucket.latencyP90Msecs =
            histogramPercentile(counts.latencyHistogram, 0.9, counts.latencyMaxMsecs);
    }
    return result;
}

} // namespace Longwatch
