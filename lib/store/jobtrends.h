#pragma once

#include "channelconfig.h"
#include "eventlog.h"

#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace Longwatch {

/// A job series' runs (EventLog::jobRuns()) and what they say: how long a
/// run takes and how often one fails. Durations are of the runs that ended
/// as succeeded or failed; a cancelled run or one that never ended has
/// none, and the failure rate counts only succeeded and failed runs.
struct JobSeriesTrend
{
    QString channel;
    QString series;
    QList<JobRun> runs; ///< oldest first
    int succeeded = 0;
    int failed = 0;
    std::optional<qint64> medianUsecs; ///< of the runs' durations
    std::optional<qint64> p90Usecs;    ///< the 90th percentile (nearest rank)

    /// Failed runs among those that succeeded or failed; 0 without any.
    double failureRate() const
    {
        const int ended = succeeded + failed;
        return ended > 0 ? double(failed) / ended : 0.0;
    }
};

/// The series of `runs` (any order), one per channel and series name, each
/// with at most its `lastRuns` newest runs (by first event), the series
/// with the newest run first.
QList<JobSeriesTrend> jobSeriesTrends(const QList<JobRun> &runs, int lastRuns = 50);

/// The `fraction` (0..1) percentile of `values` by nearest rank; none for
/// no values.
std::optional<qint64> percentile(QList<qint64> values, double fraction);

/// One period of failureRateOverTime().
struct FailureRatePoint
{
    qint64 startUsecs = 0;
    int succeeded = 0;
    int failed = 0;
};

/// Succeeded and failed runs per period, by when they finished: `periods`
/// periods of `periodUsecs` from `fromUsecs`. A period without runs is
/// there with zeros (a gap, not a rate of 0).
QList<FailureRatePoint> failureRateOverTime(const QList<JobRun> &runs, qint64 fromUsecs,
                                            qint64 periodUsecs, int periods);

/// Gives each run the series `rules` say for its channel (a channel
/// without a rule keeps the stored series, the default rule's).
void applySeriesRules(QList<JobRun> *runs, const QHash<QString, JobSeriesRule> &rules);

/// The median duration of the runs of a job's series that ended (succeeded
/// or failed) before it began: at most `lastRuns` of them, the newest. The
/// job itself does not count; when `runs` (one series, oldest first) does
/// not hold it, all of them are earlier. None without such a run.
std::optional<qint64> usualDurationUsecs(const QList<JobRun> &runs, const QString &job,
                                         int lastRuns = 50);

/// The recent runs of every series, to tell the Jobs board a job's usual
/// duration. Cheap to copy.
class JobSeriesHistory
{
public:
    JobSeriesHistory() = default;
    /// `trends` as jobSeriesTrends() made them, with `rules` applied; a
    /// channel without a rule has the default one.
    JobSeriesHistory(const QList<JobSeriesTrend> &trends, QHash<QString, JobSeriesRule> rules);

    bool isEmpty() const { return m_runs.isEmpty(); }
    /// usualDurationUsecs() of `job` among the runs of its series in `channel`.
    std::optional<qint64> usualDurationUsecs(const QString &channel, const QString &job) const;

private:
    QHash<QPair<QString, QString>, QList<JobRun>> m_runs; ///< (channel, series) -> runs
    QHash<QString, JobSeriesRule> m_rules;
};

} // namespace Longwatch
