#pragma once

// A synthetic event log of job runs, for the Trends page's tests, its
// benchmark and its screenshots: the demo's channels and job series
// (lib/feedserver/demofeed.cpp) over a number of days, each run a queued,
// a started, progress events and a final event, as a feed sends them.

#include "eventlog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QRandomGenerator>
#include <QString>

#include <algorithm>
#include <cmath>

namespace Longwatch::Testing {

struct TrendLogSpec
{
    qint64 events = 20'000;     ///< about this many events in all
    int days = 30;              ///< spread over the days before `endUsecs`
    qint64 endUsecs = 0;        ///< the newest run's start; 0 for now
    int eventsPerRun = 10;      ///< queued, started, progress…, final
    int firstRunNumber = 5'000; ///< above the live demo's run numbers
    quint32 seed = 22;
    int batchSize = 1'000; ///< events per transaction
};

struct TrendSeriesSpec
{
    const char *channel;
    const char *title;
    const char *series;
    double minutes;     ///< the usual duration
    double failPercent; ///< how often a run fails
    double drift;       ///< how much slower the newest runs are (0.3: 30 %)
};

inline const QList<TrendSeriesSpec> &trendSeriesSpecs()
{
    static const QList<TrendSeriesSpec> specs = {
        {"demo-builds", "CI builds", "build-linux", 6, 10, 0.35},
        {"demo-builds", "CI builds", "build-windows", 11, 12, 0.1},
        {"demo-builds", "CI builds", "build-macos", 8, 8, 0.0},
        {"demo-tests", "Test runs", "e2e-tests", 14, 30, 0.05},
        {"demo-tests", "Test runs", "unit-tests", 3, 5, 0.0},
        {"demo-tests", "Test runs", "ui-tests", 9, 10, 0.2},
        {"demo-deploys", "Deployments", "deploy-staging", 2.5, 8, 0.0},
        {"demo-deploys", "Deployments", "deploy-production", 5, 5, 0.1},
        {"demo-batch", "Nightly batch", "nightly-batch", 48, 6, 0.15},
    };
    return specs;
}

/// Writes the runs of `spec` into `log` (open), batch by batch, with the
/// default job mapping so that job_runs is filled as the recorder fills
/// it. Returns the number of events written, or -1 (log->errorString()).
inline qint64 writeTrendLog(EventLog *log, const TrendLogSpec &spec)
{
    const QList<TrendSeriesSpec> &specs = trendSeriesSpecs();
    QRandomGenerator random(spec.seed);
    const qint64 end =
        spec.endUsecs > 0 ? spec.endUsecs : QDateTime::currentMSecsSinceEpoch() * 1000;
    const qint64 span = qint64(spec.days) * 24 * 3600 * 1'000'000;
    const qint64 runs = std::max<qint64>(1, spec.events / std::max(3, spec.eventsPerRun));
    QList<int> numbers(specs.size(), spec.firstRunNumber);
    for (const TrendSeriesSpec &series : specs)
        log->setChannelTitle(QString::fromLatin1(series.channel),
                             QString::fromLatin1(series.title));

    QHash<QString, EventList> pending; // channel -> events
    qint64 pendingCount = 0;
    qint64 written = 0;
    qint64 key = 0;
    const auto flush = [&]() -> bool {
        QList<EventBatch> batches;
        for (auto it = pending.begin(); it != pending.end(); ++it) {
            if (!it->isEmpty())
                batches.append({it.key(), std::move(*it), QString(), JobMapping()});
        }
        pending.clear();
        pendingCount = 0;
        return batches.isEmpty() || log->append(batches);
    };
    const auto event = [&](const QString &job, const char *status, qint64 at, int progress) {
        Event e;
        e.key = QString::number(++key);
        e.type = QStringLiteral("job.%1").arg(QLatin1String(status));
        e.text = job + QLatin1Char(' ') + QLatin1String(status);
        e.time = QDateTime::fromMSecsSinceEpoch(at / 1000, Qt::UTC);
        e.receivedUsecs = at + 150'000;
        e.raw = QJsonDocument(QJsonObject{{QStringLiteral("id"), key},
                                          {QStringLiteral("type"), e.type},
                                          {QStringLiteral("job"), job},
                                          {QStringLiteral("status"), QLatin1String(status)},
                                          {QStringLiteral("progress"), progress},
                                          {QStringLiteral("message"), e.text}})
                    .toJson(QJsonDocument::Compact);
        return e;
    };
    for (qint64 r = 0; r < runs; ++r) {
        const int which = int(random.bounded(int(specs.size())));
        const TrendSeriesSpec &series = specs.at(which);
        const QString job =
            QStringLiteral("%1 #%2").arg(QLatin1String(series.series)).arg(numbers[which]++);
        const double age = double(r) / double(runs); // 0 oldest .. 1 newest
        const qint64 start = end - span + qint64(age * double(span));
        // Normal-ish noise (the sum of three uniforms), slower as time goes on.
        const double noise =
            (random.generateDouble() + random.generateDouble() + random.generateDouble() - 1.5) /
            1.5;
        const double minutes =
            std::max(0.2, series.minutes * (1 + series.drift * age) * (1 + 0.25 * noise));
        const bool failed = random.generateDouble() * 100 < series.failPercent;
        const qint64 duration =
            qint64(minutes * 60e6 * (failed ? 0.3 + 0.6 * random.generateDouble() : 1));
        EventList &events = pending[QString::fromLatin1(series.channel)];
        events << event(job, "queued", start - 20'000'000, 0);
        events << event(job, "running", start, 0);
        const int steps = std::max(0, spec.eventsPerRun - 3);
        for (int s = 1; s <= steps; ++s)
            events << event(job, "running", start + duration * s / (steps + 1),
                            100 * s / (steps + 1));
        events << event(job, failed ? "failed" : "succeeded", start + duration, failed ? 60 : 100);
        pendingCount += 3 + steps;
        written += 3 + steps;
        if (pendingCount >= spec.batchSize && !flush())
            return -1;
    }
    if (!flush())
        return -1;
    return written;
}

/// A synthetic channel health (#22): a HealthSample a minute for each of
/// the demo's channels over `days` days before `endUsecs` (now for 0):
/// events by the hour of day, answers held until an event came (0.2–25 s),
/// a few timeouts, and once a day an outage of each channel, at an hour of
/// its own (refused connections, retries, reconnects). Returns the samples
/// written, or -1.
inline qint64 writeHealthLog(EventLog *log, int days, qint64 endUsecs = 0, quint32 seed = 23)
{
    QRandomGenerator random(seed);
    const qint64 minute = HealthSample::kMinuteUsecs;
    const qint64 end = HealthSample::minuteOf(
        endUsecs > 0 ? endUsecs : QDateTime::currentMSecsSinceEpoch() * 1000);
    const qint64 minutes = qint64(days) * 24 * 60;
    QStringList channels;
    for (const TrendSeriesSpec &series : trendSeriesSpecs()) {
        if (!channels.contains(QLatin1String(series.channel)))
            channels << QString::fromLatin1(series.channel);
    }
    QList<HealthSample> samples;
    qint64 written = 0;
    for (qint64 m = minutes - 1; m >= 0; --m) {
        const qint64 at = end - m * minute;
        const int hour = int((at / (60 * minute)) % 24);
        const double busy = hour >= 7 && hour < 19 ? 1.0 : 0.25;
        for (int c = 0; c < channels.size(); ++c) {
            HealthSample sample;
            sample.channel = channels.at(c);
            sample.minuteUsecs = at;
            // An outage a day, 20 minutes from 09:00, 14:00, … (UTC).
            const bool outage = hour == (9 + 5 * c) % 24 && (at / minute) % 60 < 20;
            if (outage) {
                sample.errors[HealthSample::ConnectionErrors] = 1 + int(random.bounded(3));
                sample.backoffs = sample.errors[HealthSample::ConnectionErrors];
                sample.backoffMsecs = sample.backoffs * (4'000 + random.bounded(20'000));
                sample.reconnects = sample.backoffs;
            } else {
                const double rate = busy * (c + 1) * 1.5;
                const int events = int(random.bounded(int(2 * rate) + 1));
                const int answers = std::max(1, std::min(events, 3));
                sample.answers = answers;
                sample.events = events;
                if (events > 0) {
                    for (int a = 0; a < answers; ++a)
                        sample.addLatency(200 + random.bounded(25'000 / (c + 1)));
                }
                if (random.bounded(600) == 0) {
                    sample.errors[HealthSample::TimeoutErrors] = 1;
                    sample.backoffs = 1;
                    sample.backoffMsecs = 1'000 + random.bounded(4'000);
                    sample.reconnects = 1;
                }
            }
            samples << sample;
        }
        if (samples.size() >= 5'000 || m == 0) {
            if (!log->addHealthSamples(samples))
                return -1;
            written += samples.size();
            samples.clear();
        }
    }
    return written;
}

} // namespace Longwatch::Testing
