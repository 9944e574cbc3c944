#include "jobtrends.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace Longwatch {

std::optional<qint64> percentile(QList<qint64> values, double fraction)
{
    if (values.isEmpty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    // Nearest rank: the smallest value with at least `fraction` of the
    // values at or below it.
    const auto rank = qsizetype(std::ceil(std::clamp(fraction, 0.0, 1.0) * double(values.size())));
    return values.at(std::clamp<qsizetype>(rank - 1, 0, values.size() - 1));
}

QList<JobSeriesTrend> jobSeriesTrends(const QList<JobRun> &runs, int lastRuns)
{
    QHash<QPair<QString, QString>, qsizetype> index;
    QList<JobSeriesTrend> trends;
    for (const JobRun &run : runs) {
        const QPair<QString, QString> key(run.channel, run.series);
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.insert(key, trends.size());
            JobSeriesTrend trend;
            trend.channel = run.channel;
            trend.series = run.series;
            trends.append(std::move(trend));
        }
        trends[*it].runs.append(run);
    }
    for (JobSeriesTrend &trend : trends) {
        std::stable_sort(
            trend.runs.begin(), trend.runs.end(),
            [](const JobRun &a, const JobRun &b) { return a.firstUsecs < b.firstUsecs; });
        if (lastRuns > 0 && trend.runs.size() > lastRuns)
            trend.runs.remove(0, trend.runs.size() - lastRuns);
        QList<qint64> durations;
        for (const JobRun &run : std::as_const(trend.runs)) {
            if (run.status != JobStatus::Succeeded && run.status != JobStatus::Failed)
                continue;
            (run.status == JobStatus::Failed ? trend.failed : trend.succeeded) += 1;
            if (const std::optional<qint64> duration = run.durationUsecs())
                durations.append(*duration);
        }
        trend.medianUsecs = percentile(durations, 0.5);
        trend.p90Usecs = percentile(durations, 0.9);
    }
    std::stable_sort(trends.begin(), trends.end(), [](const auto &a, const auto &b) {
        return a.runs.constLast().firstUsecs > b.runs.constLast().firstUsecs;
    });
    return trends;
}

QList<FailureRatePoint> failureRateOverTime(const QList<JobRun> &runs, qint64 fromUsecs,
                                            qint64 periodUsecs, int periods)
{
    QList<FailureRatePoint> points;
    if (periodUsecs <= 0 || periods <= 0)
        return points;
    points.reserve(periods);
    for (int i = 0; i < periods; ++i)
        points.append({fromUsecs + i * periodUsecs, 0, 0});
    for (const JobRun &run : runs) {
        if (!run.finishedUsecs || *run.finishedUsecs < fromUsecs)
            continue;
        const qint64 period = (*run.finishedUsecs - fromUsecs) / periodUsecs;
        if (period >= periods)
            continue;
        if (run.status == JobStatus::Failed)
            ++points[period].failed;
        else if (run.status == JobStatus::Succeeded)
            ++points[period].succeeded;
    }
    return points;
}

void applySeriesRules(QList<JobRun> *runs, const QHash<QString, JobSeriesRule> &rules)
{
    if (rules.isEmpty())
        return;
    for (JobRun &run : *runs) {
        const auto rule = rules.constFind(run.channel);
        if (rule != rules.cend() && !rule->isDefault())
            run.series = rule->seriesOf(run.job);
    }
}

std::optional<qint64> usualDurationUsecs(const QList<JobRun> &runs, const QString &job,
                                         int lastRuns)
{
    qsizetype end = runs.size();
    for (qsizetype i = 0; i < runs.size(); ++i) {
        if (runs.at(i).job == job) {
            end = i;
            break;
        }
    }
    QList<qint64> durations;
    for (qsizetype i = end - 1; i >= 0 && durations.size() < lastRuns; --i) {
        const JobRun &run = runs.at(i);
        if (run.status != JobStatus::Succeeded && run.status != JobStatus::Failed)
            continue;
        if (const std::optional<qint64> duration = run.durationUsecs())
            durations.append(*duration);
    }
    return percentile(durations, 0.5);
}

JobSeriesHistory::JobSeriesHistory(const QList<JobSeriesTrend> &trends,
                                   QHash<QString, JobSeriesRule> rules)
    : m_rules(std::move(rules))
{
    for (const JobSeriesTrend &trend : trends)
        m_runs.insert({trend.channel, trend.series}, trend.runs);
}

std::optional<qint64> JobSeriesHistory::usualDurationUsecs(const QString &channel,
                                                           const QString &job) const
{
    const QString series = m_rules.value(channel).seriesOf(job);
    const auto it = m_runs.constFind({channel, series});
    if (it == m_runs.cend())
        return std::nullopt;
    return Longwatch::usualDurationUsecs(*it, job);
}

} // namespace Longwatch
