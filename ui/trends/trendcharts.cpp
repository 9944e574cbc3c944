#include "trendcharts.h"

#include "statuscolors.h"

#include <QAreaSeries>
#include <QBrush>
#include <QCategoryAxis>
#include <QCoreApplication>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPalette>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <functional>

namespace Longwatch {

namespace {

/// The context of the charts' words.
class TrendChartsText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::TrendCharts)
};

constexpr qint64 kHour = 3600LL * 1000 * 1000;
constexpr qint64 kDay = 24 * kHour;

double toMsecs(qint64 usecs)
{
    return double(usecs / 1000);
}

QColor succeededColor(const QPalette &palette)
{
    return StatusColors::forJobStatus(JobStatus::Succeeded, palette);
}

QColor failedColor(const QPalette &palette)
{
    return StatusColors::forJobStatus(JobStatus::Failed, palette);
}

/// The date axis of both charts: the format follows the span shown.
QDateTimeAxis *timeAxis(qint64 fromUsecs, qint64 toUsecs)
{
    auto *axis = new QDateTimeAxis;
    const qint64 span = toUsecs - fromUsecs;
    axis->setFormat(span > 3 * kDay ? QStringLiteral("d MMM") : QStringLiteral("d MMM hh:mm"));
    // A little room on both sides, so the first and last points show whole.
    const qint64 margin = std::max<qint64>(span / 40, 60LL * 1000 * 1000);
    axis->setRange(
        QDateTime::fromMSecsSinceEpoch((fromUsecs - margin) / 1000, Qt::UTC).toLocalTime(),
        QDateTime::fromMSecsSinceEpoch((toUsecs + margin) / 1000, Qt::UTC).toLocalTime());
    axis->setTickCount(6);
    return axis;
}

QLineSeries *levelLine(const QString &name, double y, double fromMs, double toMs,
                       Qt::PenStyle style, const QColor &color)
{
    auto *line = new QLineSeries;
    line->setName(name);
    line->append(fromMs, y);
    line->append(toMs, y);
    QPen pen(color, 1.5, style);
    line->setPen(pen);
    return line;
}

} // namespace

DurationUnit DurationUnit::forLongest(qint64 usecs)
{
    if (usecs >= 3 * kHour)
        return {kHour, TrendChartsText::tr("h")};
    if (usecs >= 3 * 60LL * 1000 * 1000)
        return {60LL * 1000 * 1000, TrendChartsText::tr("min")};
    return {1000 * 1000, TrendChartsText::tr("s")};
}

FailurePeriods FailurePeriods::forRuns(const QList<JobRun> &runs, int days, qint64 nowUsecs)
{
    FailurePeriods periods;
    if (days > 0) {
        periods.periodUsecs = kDay;
        periods.count = days;
        // Whole days (UTC) ending with today.
        periods.fromUsecs = (nowUsecs / kDay - days + 1) * kDay;
        return periods;
    }
    qint64 first = 0;
    qint64 last = 0;
    bool any = false;
    for (const JobRun &run : runs) {
        if (!run.finishedUsecs)
            continue;
        first = any ? std::min(first, *run.finishedUsecs) : *run.finishedUsecs;
        last = any ? std::max(last, *run.finishedUsecs) : *run.finishedUsecs;
        any = true;
    }
    if (!any)
        return periods;
    // The shortest period that gives at most 40 periods and, on average,
    // three runs or more each: a rate of one run in one period says little.
    int ended = 0;
    for (const JobRun &run : runs)
        ended += run.finishedUsecs ? 1 : 0;
    const qint64 span = last - first;
    const qint64 most = std::max<qint64>(1, std::min<qint64>(40, ended / 3));
    periods.periodUsecs = 7 * kDay;
    for (const qint64 period : {kHour, 6 * kHour, kDay}) {
        if (span / period + 1 <= most) {
            periods.periodUsecs = period;
            break;
        }
    }
    // Periods that end with the last run, so the newest one is whole.
    periods.count = int(span / periods.periodUsecs) + 1;
    periods.fromUsecs = last + 1 - qint64(periods.count) * periods.periodUsecs;
    return periods;
}

HealthPeriods HealthPeriods::forDays(int days, qint64 nowUsecs)
{
    HealthPeriods periods;
    if (days <= 1) {
        periods.periodUsecs = kHour;
        periods.count = 24;
    } else if (days <= 7) {
        periods.periodUsecs = 4 * kHour;
        periods.count = days * 6;
    } else {
        periods.periodUsecs = kDay;
        periods.count = days;
    }
    // Whole periods (UTC), the last one holding now.
    periods.fromUsecs = (nowUsecs / periods.periodUsecs - periods.count + 1) * periods.periodUsecs;
    return periods;
}

namespace {

QChart *healthChart(const QPalette &palette)
{
    auto *chart = new QChart;
    chart->setTheme(StatusColors::isDark(palette) ? QChart::ChartThemeDark
                                                  : QChart::ChartThemeLight);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    return chart;
}

void attachAxes(QChart *chart, QAbstractAxis *x, QAbstractAxis *y)
{
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }
}

/// The periods' time axis, without the margin of the runs' charts: the
/// periods are the whole range.
QDateTimeAxis *periodAxis(const HealthPeriods &periods)
{
    QDateTimeAxis *axis = timeAxis(periods.fromUsecs, periods.endUsecs());
    // Ticks on whole steps: every 6 hours of a day, every day of a week,
    // else the days in 3 to 6 equal steps.
    const qint64 span = periods.count * periods.periodUsecs;
    int steps = 6;
    if (span == kDay) {
        steps = 4;
    } else if (span % kDay == 0 && span / kDay <= 7) {
        steps = int(span / kDay);
    } else if (span % kDay == 0) {
        for (const int candidate : {6, 5, 4, 3}) {
            if ((span / kDay) % candidate == 0) {
                steps = candidate;
                break;
            }
        }
    }
    axis->setTickCount(steps + 1);
    axis->setFormat(periods.periodUsecs >= kDay                  ? QStringLiteral("d MMM")
                    : periods.count * periods.periodUsecs > kDay ? QStringLiteral("d MMM hh:mm")
                                                                 : QStringLiteral("hh:mm"));
    axis->setRange(
        QDateTime::fromMSecsSinceEpoch(periods.fromUsecs / 1000, Qt::UTC).toLocalTime(),
        QDateTime::fromMSecsSinceEpoch(periods.endUsecs() / 1000, Qt::UTC).toLocalTime());
    return axis;
}

QColor troubleColor(const QPalette &palette)
{
    return StatusColors::forChannelState(Poller::State::Backoff, palette);
}

QColor liveColor(const QPalette &palette)
{
    return StatusColors::forChannelState(Poller::State::Live, palette);
}

} // namespace

namespace TrendCharts {

QChart *eventRate(const ChannelHealthTrend &health, const HealthPeriods &periods,
                  const QPalette &palette)
{
    QChart *chart = healthChart(palette);
    chart->legend()->hide();
    auto *upper = new QLineSeries;
    const double hours = double(periods.periodUsecs) / double(kHour);
    double highest = 0;
    for (const HealthBucket &bucket : health.buckets) {
        const double rate = double(bucket.counts.events) / hours;
        highest = std::max(highest, rate);
        upper->append(toMsecs(bucket.startUsecs), rate);
        upper->append(toMsecs(bucket.startUsecs + periods.periodUsecs), rate);
    }
    auto *area = new QAreaSeries(upper);
    upper->setParent(area); // goes with the area, whoever deletes it
    area->setName(TrendChartsText::tr("Events per hour"));
    chart->addSeries(area);
    auto *y = new QValueAxis;
    y->setTitleText(TrendChartsText::tr("Events per hour"));
    y->setLabelFormat(QStringLiteral("%.4g"));
    y->setRange(0, std::max(1.0, highest * 1.1));
    y->applyNiceNumbers();
    attachAxes(chart, periodAxis(periods), y);
    applyPalette(chart, palette);
    QColor fill = liveColor(palette);
    area->setPen(QPen(fill, 1.5));
    fill.setAlphaF(0.45);
    area->setBrush(fill);
    return chart;
}

QChart *troubleTimeline(const ChannelHealthTrend &health, const HealthPeriods &periods,
                        const QPalette &palette, QList<QList<int>> *periodIndexes)
{
    QChart *chart = healthChart(palette);
    chart->legend()->hide(); // the lanes say what they are
    struct Lane
    {
        QString name;
        QScatterSeries::MarkerShape shape;
        QColor color;
        std::function<int(const HealthSample &)> count;
    };
    const QColor text = palette.color(QPalette::WindowText);
    const QList<Lane> lanes = {
        {TrendChartsText::tr("Reconnects"), QScatterSeries::MarkerShapeTriangle, text,
         [](const HealthSample &s) { return s.reconnects; }},
        {TrendChartsText::tr("Retries"), QScatterSeries::MarkerShapeCircle, troubleColor(palette),
         [](const HealthSample &s) { return s.backoffs; }},
        {TrendChartsText::tr("Errors"), QScatterSeries::MarkerShapeRectangle, failedColor(palette),
         [](const HealthSample &s) { return s.errorCount(); }},
    };
    QList<QScatterSeries *> markers;
    QList<QList<int>> indexes;
    auto *y = new QCategoryAxis;
    y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    for (int l = 0; l < lanes.size(); ++l) {
        const Lane &lane = lanes.at(l);
        auto *series = new QScatterSeries;
        series->setName(lane.name);
        series->setMarkerShape(lane.shape);
        series->setMarkerSize(9);
        QList<int> periodsShown;
        for (int i = 0; i < health.buckets.size(); ++i) {
            const HealthBucket &bucket = health.buckets.at(i);
            if (lane.count(bucket.counts) <= 0)
                continue;
            series->append(toMsecs(bucket.startUsecs + periods.periodUsecs / 2), l + 1);
            periodsShown << i;
        }
        chart->addSeries(series);
        markers << series;
        indexes << periodsShown;
        y->append(lane.name, l + 1);
    }
    if (periodIndexes)
        *periodIndexes = indexes;
    y->setRange(0.4, double(lanes.size()) + 0.6);
    y->setGridLineVisible(false);
    attachAxes(chart, periodAxis(periods), y);
    applyPalette(chart, palette);
    for (int l = 0; l < lanes.size(); ++l) {
        markers.at(l)->setColor(lanes.at(l).color);
        markers.at(l)->setBorderColor(lanes.at(l).color.darker(130));
    }
    return chart;
}

QChart *answerLatency(const ChannelHealthTrend &health, const HealthPeriods &periods,
                      const QPalette &palette)
{
    QChart *chart = healthChart(palette);
    qint64 highest = 0;
    for (const HealthBucket &bucket : health.buckets)
        highest = std::max(highest, bucket.latencyP90Msecs.value_or(0));
    const bool seconds = highest >= 2'000;
    const double unit = seconds ? 1000.0 : 1.0;
    // Segments, so that a period without answers is a gap, not a slope.
    const auto lines = [&](std::optional<qint64> HealthBucket::*value) {
        QList<QLineSeries *> segments;
        QLineSeries *segment = nullptr;
        for (const HealthBucket &bucket : health.buckets) {
            const std::optional<qint64> v = bucket.*value;
            if (!v) {
                segment = nullptr;
                continue;
            }
            if (!segment) {
                segment = new QLineSeries;
                segments << segment;
            }
            segment->append(toMsecs(bucket.startUsecs + periods.periodUsecs / 2),
                            double(*v) / unit);
        }
        return segments;
    };
    const QList<QLineSeries *> p90 = lines(&HealthBucket::latencyP90Msecs);
    const QList<QLineSeries *> median = lines(&HealthBucket::latencyMedianMsecs);
    for (QLineSeries *line : p90)
        chart->addSeries(line);
    for (QLineSeries *line : median)
        chart->addSeries(line);
    auto *y = new QValueAxis;
    y->setTitleText(seconds ? TrendChartsText::tr("Seconds") : TrendChartsText::tr("ms"));
    y->setLabelFormat(QStringLiteral("%.3g"));
    y->setRange(0, std::max(1.0, double(highest) / unit * 1.12));
    y->applyNiceNumbers();
    attachAxes(chart, periodAxis(periods), y);
    applyPalette(chart, palette);
    const QColor text = palette.color(QPalette::WindowText);
    QColor faint = liveColor(palette);
    for (QLineSeries *line : p90) {
        line->setName(TrendChartsText::tr("90th percentile"));
        line->setPen(QPen(faint, 1.5, Qt::DashLine));
        line->setPointsVisible(true);
    }
    for (QLineSeries *line : median) {
        line->setName(TrendChartsText::tr("Median"));
        line->setPen(QPen(text, 2));
        line->setPointsVisible(true);
    }
    // One legend entry per kind, not per segment.
    const auto firstOnly = [chart](const QList<QLineSeries *> &segments) {
        for (int i = 1; i < segments.size(); ++i) {
            for (QLegendMarker *marker : chart->legend()->markers(segments.at(i)))
                marker->setVisible(false);
        }
    };
    firstOnly(p90);
    firstOnly(median);
    return chart;
}

void applyPalette(QChart *chart, const QPalette &palette)
{
    const bool dark = StatusColors::isDark(palette);
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = text;
    grid.setAlphaF(dark ? 0.18 : 0.12);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setBackgroundPen(Qt::NoPen);
    chart->setBackgroundRoundness(0);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    const auto axes = chart->axes();
    for (QAbstractAxis *axis : axes) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(grid);
        axis->setMinorGridLineColor(grid);
    }
}

QChart *durations(const JobSeriesTrend &trend, const QPalette &palette,
                  QList<QList<int>> *runIndexes)
{
    auto *chart = new QChart;
    // The theme first: set later, it would style every series again.
    chart->setTheme(StatusColors::isDark(palette) ? QChart::ChartThemeDark
                                                  : QChart::ChartThemeLight);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);

    qint64 longest = 0;
    qint64 from = 0;
    qint64 to = 0;
    bool any = false;
    for (const JobRun &run : trend.runs) {
        from = any ? std::min(from, run.firstUsecs) : run.firstUsecs;
        to = any ? std::max(to, run.firstUsecs) : run.firstUsecs;
        any = true;
        longest = std::max(longest, run.durationUsecs().value_or(0));
    }
    const DurationUnit unit = DurationUnit::forLongest(longest);

    auto *line = new QLineSeries; // the runs in order, faintly joined
    auto *succeeded = new QScatterSeries;
    succeeded->setName(TrendChartsText::tr("Succeeded"));
    succeeded->setMarkerShape(QScatterSeries::MarkerShapeCircle);
    succeeded->setMarkerSize(9);
    auto *failed = new QScatterSeries;
    failed->setName(TrendChartsText::tr("Failed"));
    failed->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    failed->setMarkerSize(10);
    QList<int> succeededRuns;
    QList<int> failedRuns;
    for (int i = 0; i < trend.runs.size(); ++i) {
        const JobRun &run = trend.runs.at(i);
        const std::optional<qint64> duration = run.durationUsecs();
        if (!duration || (run.status != JobStatus::Succeeded && run.status != JobStatus::Failed))
            continue;
        const QPointF point(toMsecs(run.startedUsecs.value_or(run.firstUsecs)), unit.of(*duration));
        line->append(point);
        if (run.status == JobStatus::Failed) {
            failed->append(point);
            failedRuns.append(i);
        } else {
            succeeded->append(point);
            succeededRuns.append(i);
        }
    }
    chart->addSeries(line);
    chart->addSeries(succeeded);
    chart->addSeries(failed);
    if (runIndexes)
        *runIndexes = {succeededRuns, failedRuns};

    const double fromMs = toMsecs(from);
    const double toMs = toMsecs(to);
    const QColor text = palette.color(QPalette::WindowText);
    QList<QLineSeries *> levels;
    if (trend.medianUsecs) {
        levels << levelLine(TrendChartsText::tr("Median %1 %2")
                                .arg(unit.of(*trend.medianUsecs), 0, 'f', 1)
                                .arg(unit.name),
                            unit.of(*trend.medianUsecs), fromMs, toMs, Qt::DashLine, text);
    }
    QColor p90 = text;
    p90.setAlphaF(0.55);
    if (trend.p90Usecs) {
        levels << levelLine(TrendChartsText::tr("90th percentile %1 %2")
                                .arg(unit.of(*trend.p90Usecs), 0, 'f', 1)
                                .arg(unit.name),
                            unit.of(*trend.p90Usecs), fromMs, toMs, Qt::DotLine, p90);
    }
    for (QLineSeries *level : std::as_const(levels))
        chart->addSeries(level);

    QDateTimeAxis *x = timeAxis(from, to);
    auto *y = new QValueAxis;
    y->setTitleText(TrendChartsText::tr("Duration (%1)").arg(unit.name));
    y->setLabelFormat(QStringLiteral("%.3g"));
    y->setMin(0);
    y->setMax(std::max(1.0, unit.of(longest) * 1.12));
    y->applyNiceNumbers();
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }

    applyPalette(chart, palette);
    QColor joint = text;
    joint.setAlphaF(0.25);
    line->setPen(QPen(joint, 1));
    succeeded->setColor(succeededColor(palette));
    succeeded->setBorderColor(succeededColor(palette).darker(130));
    failed->setColor(failedColor(palette));
    failed->setBorderColor(failedColor(palette).darker(130));
    if (!levels.isEmpty()) {
        levels.constFirst()->setPen(QPen(text, 1.5, Qt::DashLine));
    }
    if (levels.size() > 1)
        levels.at(1)->setPen(QPen(p90, 2, Qt::DotLine));
    // The joining line is no entry of its own.
    for (QLegendMarker *marker : chart->legend()->markers(line))
        marker->setVisible(false);
    return chart;
}

QChart *failureRate(const JobSeriesTrend &trend, const FailurePeriods &periods,
                    const QPalette &palette)
{
    auto *chart = new QChart;
    chart->setTheme(StatusColors::isDark(palette) ? QChart::ChartThemeDark
                                                  : QChart::ChartThemeLight);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->hide();
    const QList<FailureRatePoint> points =
        failureRateOverTime(trend.runs, periods.fromUsecs, periods.periodUsecs, periods.count);
    auto *dots = new QScatterSeries;
    dots->setMarkerSize(7);
    QList<QLineSeries *> segments;
    QLineSeries *segment = nullptr;
    for (const FailureRatePoint &point : points) {
        const int ended = point.succeeded + point.failed;
        if (ended == 0) {
            segment = nullptr; // a gap: no runs, no rate
            continue;
        }
        // In the middle of its period.
        const QPointF at(toMsecs(point.startUsecs + periods.periodUsecs / 2),
                         100.0 * point.failed / ended);
        if (!segment) {
            segment = new QLineSeries;
            segments << segment;
        }
        segment->append(at);
        dots->append(at);
    }
    for (QLineSeries *line : std::as_const(segments))
        chart->addSeries(line);
    chart->addSeries(dots);
    const qint64 end = periods.fromUsecs + periods.count * periods.periodUsecs;
    QDateTimeAxis *x = timeAxis(periods.fromUsecs, std::max(end, periods.fromUsecs + 1));
    auto *y = new QValueAxis;
    // A little room above 100 % and below 0 %, so the points there show whole.
    y->setRange(-5, 105);
    y->setTickType(QValueAxis::TicksDynamic);
    y->setTickAnchor(0);
    y->setTickInterval(25);
    y->setLabelFormat(QStringLiteral("%d %%"));
    y->setTitleText(periods.periodUsecs >= 7 * kDay ? TrendChartsText::tr("Failed per week")
                    : periods.periodUsecs >= kDay   ? TrendChartsText::tr("Failed per day")
                    : periods.periodUsecs > kHour   ? TrendChartsText::tr("Failed per 6 hours")
                                                    : TrendChartsText::tr("Failed per hour"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }
    applyPalette(chart, palette);
    const QColor color = failedColor(palette);
    for (QLineSeries *line : std::as_const(segments))
        line->setPen(QPen(color, 2));
    dots->setColor(color);
    dots->setBorderColor(color);
    return chart;
}

} // namespace TrendCharts

} // namespace Longwatch
