#pragma once

#include "channelhealth.h"
#include "jobtrends.h"

#include <QChart>
#include <QList>
#include <QString>

class QPalette;

namespace Longwatch {

/// The unit a chart of durations counts in, chosen by the longest one, so
/// that its axis reads "0, 2, 4 min" rather than "0, 120, 240 s".
struct DurationUnit
{
    qint64 usecs = 1'000'000;
    QString name; ///< "s", "min", "h"

    static DurationUnit forLongest(qint64 usecs);
    double of(qint64 durationUsecs) const { return double(durationUsecs) / double(usecs); }
};

/// How a failure-rate chart cuts time: hours, days or weeks, chosen so a
/// span has at most about 40 periods (days when `days` asks for them).
struct FailurePeriods
{
    qint64 fromUsecs = 0;
    qint64 periodUsecs = 0;
    int count = 0;

    static FailurePeriods forRuns(const QList<JobRun> &runs, int days, qint64 nowUsecs);
};

/// How the channel-health charts cut time: hours over the last day (the
/// runs ranges), 4 hours over a week, days beyond; the last period holds now.
struct HealthPeriods
{
    qint64 fromUsecs = 0;
    qint64 periodUsecs = 0;
    int count = 0;

    static HealthPeriods forDays(int days, qint64 nowUsecs);
    qint64 endUsecs() const { return fromUsecs + count * periodUsecs; }
};

/// Builds the Trends page's charts. Each chart gets the palette's colours
/// (applyPalette() again when the palette changes).
namespace TrendCharts {

/// The duration of each ended run by when it began: succeeded runs as
/// circles, failed runs as red squares (one legend entry each), with the
/// median and the 90th percentile as lines. Points of a run's scatter series
/// keep the order of `runIndexes`: the run behind point i of series s is
/// trend.runs.at(runIndexes[s][i]). Returns the chart (not owned).
QChart *durations(const JobSeriesTrend &trend, const QPalette &palette,
                  QList<QList<int>> *runIndexes);

/// The failure rate per period (a point per period with runs; a period
/// without runs is a gap in the line, not a rate of 0).
QChart *failureRate(const JobSeriesTrend &trend, const FailurePeriods &periods,
                    const QPalette &palette);

/// A channel's events per hour over the periods, as steps (a filled area);
/// a period without samples (Longwatch was not running) is a gap at 0.
QChart *eventRate(const ChannelHealthTrend &health, const HealthPeriods &periods,
                  const QPalette &palette);

/// The channel's trouble on a timeline: a marker in the period's middle on
/// the lane of errors (failed attempts), retries (backoffs) and reconnects.
/// Marker `i` of series `s` is the period at (*periodIndexes)[s][i].
QChart *troubleTimeline(const ChannelHealthTrend &health, const HealthPeriods &periods,
                        const QPalette &palette, QList<QList<int>> *periodIndexes = nullptr);

/// The time from request to answer of the answers that carried events:
/// median and 90th percentile per period (gaps where none came).
QChart *answerLatency(const ChannelHealthTrend &health, const HealthPeriods &periods,
                      const QPalette &palette);

/// Light or dark theme after the palette, its window colour behind.
void applyPalette(QChart *chart, const QPalette &palette);

} // namespace TrendCharts

} // namespace Longwatch
