#include "trendspage.h"

#include "channel.h"
#include "channelmanager.h"
#include "eventlogwriter.h"
#include "filelocations.h"
#include "jobmodel.h"
#include "labels.h"
#include "statuscolors.h"
#include "throttle.h"
#include "trendcharts.h"

#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QSplitter>
#include <QStackedWidget>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTimer>
#include <QToolTip>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace std::chrono_literals;

namespace Longwatch {

namespace {

enum StackPage { MessagePage, ChartsPage };
enum ListColumn { SeriesColumn, FailedColumn, MedianColumn, ChannelColumn };

constexpr int kTrendRole = Qt::UserRole + 1; ///< index into the result's series

/// The same runs with the same outcomes: nothing to draw again (a running
/// job's progress moves its last event, not what the charts show).
bool sameRuns(const QList<JobSeriesTrend> &a, const QList<JobSeriesTrend> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const JobSeriesTrend &x = a.at(i);
        const JobSeriesTrend &y = b.at(i);
        if (x.channel != y.channel || x.series != y.series || x.runs.size() != y.runs.size())
            return false;
        for (qsizetype r = 0; r < x.runs.size(); ++r) {
            const JobRun &p = x.runs.at(r);
            const JobRun &q = y.runs.at(r);
            if (p.job != q.job || p.status != q.status || p.finishedUsecs != q.finishedUsecs ||
                p.startedUsecs != q.startedUsecs)
                return false;
        }
    }
    return true;
}

qint64 currentUsecs()
{
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

QString durationText(std::optional<qint64> usecs)
{
    return usecs ? JobModel::durationText(*usecs / 1000) : QString();
}

/// The point of `series` nearest to `point` (which Qt Charts gives in the
/// series' own coordinates), measured on screen; -1 for none.
int nearestPoint(QScatterSeries *series, const QPointF &point)
{
    QChart *chart = series->chart();
    if (!chart)
        return -1;
    const QPointF at = chart->mapToPosition(point, series);
    const QList<QPointF> points = series->points();
    int best = -1;
    double bestDistance = 0;
    for (int i = 0; i < points.size(); ++i) {
        const QPointF there = chart->mapToPosition(points.at(i), series);
        const double distance = QLineF(at, there).length();
        if (best < 0 || distance < bestDistance) {
            best = i;
            bestDistance = distance;
        }
    }
    return best;
}

} // namespace

TrendsPage::TrendsPage(ChannelManager *manager, QWidget *parent)
    : QWidget(parent)
    , m_manager(manager)
    , m_clock(&currentUsecs)
{
    setObjectName(QStringLiteral("trendsPage"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);

    auto *bar = new QHBoxLayout;
    m_range = new QComboBox;
    m_range->setObjectName(QStringLiteral("trendsRange"));
    const auto addRange = [this](const QString &text, int runs, int days) {
        m_range->addItem(text, QVariantList{runs, days});
    };
    addRange(tr("Last 20 runs"), 20, 0);
    addRange(tr("Last 50 runs"), 50, 0);
    addRange(tr("Last 100 runs"), 100, 0);
    addRange(tr("Last 200 runs"), 200, 0);
    addRange(tr("Last 7 days"), 0, 7);
    addRange(tr("Last 30 days"), 0, 30);
    addRange(tr("Last 90 days"), 0, 90);
    m_range->setCurrentIndex(1);
    m_range->setToolTip(tr("How much of each series' history the charts show"));
    connect(m_range, &QComboBox::activated, this, [this] {
        const QVariantList range = m_range->currentData().toList();
        setRange(range.value(0).toInt(), range.value(1).toInt());
    });
    auto *rangeLabel = new QLabel(tr("&Show:"));
    rangeLabel->setBuddy(m_range);
    m_caption = dimLabel();
    m_caption->setObjectName(QStringLiteral("trendsCaption"));
    m_save = new QPushButton(tr("Save &Charts…"));
    m_save->setObjectName(QStringLiteral("saveCharts"));
    m_save->setToolTip(tr("Save the charts shown (the selected series', or the channel's "
                          "health) as a PNG or SVG picture"));
    m_save->setEnabled(false);
    connect(m_save, &QPushButton::clicked, this, &TrendsPage::chooseAndSave);
    bar->addWidget(rangeLabel);
    bar->addWidget(m_range);
    bar->addSpacing(12);
    bar->addWidget(m_caption, 1);
    bar->addWidget(m_save);
    layout->addLayout(bar);

    m_stack = new QStackedWidget;
    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("trendsMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setMargin(24);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stack->addWidget(m_message);

    auto *splitter = new QSplitter(Qt::Horizontal);
    m_splitter = splitter;
    splitter->setChildrenCollapsible(false);
    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("trendsSeries"));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setAccessibleName(tr("Job series"));
    m_list->setHeaderLabels({tr("Series"), tr("Failed"), tr("Median"), tr("Channel")});
    m_list->header()->setStretchLastSection(true);
    m_list->header()->setMinimumSectionSize(40);
    for (int column = FailedColumn; column < ChannelColumn; ++column)
        m_list->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setMinimumWidth(220);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &TrendsPage::showCharts);
    splitter->addWidget(m_list);

    m_charts = new QWidget;
    m_charts->setObjectName(QStringLiteral("trendsCharts"));
    auto *chartsLayout = new QVBoxLayout(m_charts);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->setSpacing(2);
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("trendsTitle"));
    m_title->setWordWrap(true);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setContentsMargins(6, 2, 6, 2);
    chartsLayout->addWidget(m_title);
    m_durationView = new QChartView;
    m_durationView->setObjectName(QStringLiteral("durationChart"));
    m_durationView->setRenderHint(QPainter::Antialiasing);
    m_durationView->setMinimumHeight(160);
    m_durationView->setFrameShape(QFrame::NoFrame);
    m_failureView = new QChartView;
    m_failureView->setObjectName(QStringLiteral("failureChart"));
    m_failureView->setRenderHint(QPainter::Antialiasing);
    m_failureView->setMinimumHeight(120);
    m_failureView->setFrameShape(QFrame::NoFrame);
    chartsLayout->addWidget(m_durationView, 3);
    chartsLayout->addWidget(m_failureView, 2);

    m_health = new QWidget;
    m_health->setObjectName(QStringLiteral("healthCharts"));
    auto *healthLayout = new QVBoxLayout(m_health);
    healthLayout->setContentsMargins(0, 0, 0, 0);
    healthLayout->setSpacing(2);
    auto *healthBar = new QHBoxLayout;
    healthBar->setContentsMargins(6, 2, 6, 2);
    m_healthChannel = new QComboBox;
    m_healthChannel->setObjectName(QStringLiteral("healthChannel"));
    m_healthChannel->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_healthChannel->setToolTip(tr("The channel whose health the charts show"));
    connect(m_healthChannel, &QComboBox::activated, this,
            [this] { selectHealthChannel(m_healthChannel->currentData().toString()); });
    auto *healthChannelLabel = new QLabel(tr("Ch&annel:"));
    healthChannelLabel->setBuddy(m_healthChannel);
    m_healthTitle = new QLabel;
    m_healthTitle->setObjectName(QStringLiteral("healthTitle"));
    m_healthTitle->setWordWrap(true);
    m_healthTitle->setTextFormat(Qt::PlainText);
    healthBar->addWidget(healthChannelLabel);
    healthBar->addWidget(m_healthChannel);
    healthBar->addSpacing(8);
    healthBar->addWidget(m_healthTitle, 1);
    healthLayout->addLayout(healthBar);
    const auto healthView = [](const char *name, int minimumHeight) {
        auto *view = new QChartView;
        view->setObjectName(QLatin1String(name));
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(minimumHeight);
        view->setFrameShape(QFrame::NoFrame);
        return view;
    };
    m_rateView = healthView("eventRateChart", 120);
    m_troubleView = healthView("troubleChart", 130);
    m_latencyView = healthView("latencyChart", 120);
    healthLayout->addWidget(m_rateView, 3);
    healthLayout->addWidget(m_troubleView, 2);
    healthLayout->addWidget(m_latencyView, 3);

    m_views = new QTabWidget;
    m_views->setObjectName(QStringLiteral("trendsTabs"));
    m_views->setDocumentMode(true);
    m_views->addTab(m_charts, tr("Job Runs"));
    m_views->addTab(m_health, tr("Channel Health"));
    m_views->setTabToolTip(HealthTab, tr("What the channel's polling did: events, errors, "
                                         "retries, reconnects and answer times"));
    connect(m_views, &QTabWidget::currentChanged, this, [this] { updateCaption(); });
    splitter->addWidget(m_views);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    m_stack->addWidget(splitter);
    layout->addWidget(m_stack, 1);

    m_refresh = new Throttle(
        3s, [this] { refresh(); }, this);
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        if (id == m_channelId)
            m_channelId.clear();
        refresh();
    });
    // A channel's series pattern may have changed: its runs regroup.
    const auto watch = [this](Channel *channel) {
        connect(channel, &Channel::configChanged, this, [this] { m_refresh->request(); });
    };
    connect(manager, &ChannelManager::channelAdded, this, watch);
    for (Channel *channel : manager->channels())
        watch(channel);
    showMessage(State::NoLog);
}

TrendsPage::~TrendsPage() = default;

void TrendsPage::setEventLog(const QString &path, EventLogWriter *writer)
{
    m_loader.reset();
    if (!path.isEmpty()) {
        m_loader = std::make_unique<TrendsLoader>(path);
        connect(m_loader.get(), &TrendsLoader::loaded, this, &TrendsPage::onLoaded);
    }
    disconnect(m_writerConnection);
    if (writer) {
        m_writerConnection = connect(writer, &EventLogWriter::committed, this,
                                     [this](const QString &, const QString &, int added) {
                                         if (added > 0)
                                             m_refresh->request();
                                     });
    }
    m_state = m_loader ? State::Loading : State::NoLog;
    m_dirty = true;
    if (!m_loader)
        showMessage(State::NoLog);
    refresh();
}

void TrendsPage::setCurrentChannel(const Channel *channel)
{
    const QString id = channel ? channel->id() : QString();
    if (id == m_channelId)
        return;
    m_channelId = id;
    refresh();
}

void TrendsPage::setRange(int runs, int days)
{
    m_runs = days > 0 ? 0 : std::max(1, runs);
    m_days = std::max(0, days);
    for (int i = 0; i < m_range->count(); ++i) {
        const QVariantList range = m_range->itemData(i).toList();
        if (range.value(0).toInt() == m_runs && range.value(1).toInt() == m_days)
            m_range->setCurrentIndex(i);
    }
    refresh();
}

void TrendsPage::setRefreshInterval(std::chrono::milliseconds interval)
{
    delete m_refresh;
    m_refresh = new Throttle(
        interval, [this] { refresh(); }, this);
}

void TrendsPage::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock(&currentUsecs);
}

void TrendsPage::refresh()
{
    m_dirty = true;
    if (isVisible())
        request();
}

void TrendsPage::request()
{
    if (!m_loader)
        return;
    m_dirty = false;
    TrendsQuery query;
    if (!m_channelId.isEmpty())
        query.channels = {m_channelId};
    query.lastRuns = m_runs;
    query.days = m_days;
    query.nowUsecs = m_clock();
    for (const Channel *channel : m_manager->channels()) {
        if (!channel->config().jobSeriesPattern.isEmpty())
            query.seriesPatterns.insert(channel->id(), channel->config().jobSeriesPattern);
    }
    const HealthPeriods periods = HealthPeriods::forDays(m_days, query.nowUsecs);
    query.healthFromUsecs = periods.fromUsecs;
    query.healthBucketUsecs = periods.periodUsecs;
    query.healthBuckets = periods.count;
    m_nowUsecs = query.nowUsecs;
    if (m_state == State::NoLog || m_state == State::Loading) {
        m_state = State::Loading;
        showMessage(State::Loading);
    }
    m_loader->request(query);
}

void TrendsPage::onLoaded(const TrendsResult &result)
{
    if (m_state == State::Shown && result.ok && sameRuns(result.series, m_result.series) &&
        result.channelTitles == m_result.channelTitles && result.health == m_result.health &&
        result.healthFromUsecs == m_result.healthFromUsecs) {
        Q_EMIT shown(); // nothing changed: the charts stay as they are
        return;
    }
    m_result = result;
    if (!result.ok) {
        showMessage(State::Failed);
    } else if (result.series.isEmpty() && result.health.isEmpty()) {
        showMessage(State::Empty);
    } else {
        m_state = State::Shown;
        m_stack->setCurrentIndex(ChartsPage);
        // Health without job runs: the health alone.
        const bool runs = !result.series.isEmpty();
        m_list->setVisible(runs);
        m_views->setTabEnabled(RunsTab, runs);
        m_views->setTabEnabled(HealthTab, !result.health.isEmpty());
        if (!runs)
            m_views->setCurrentIndex(HealthTab);
        else if (result.health.isEmpty())
            m_views->setCurrentIndex(RunsTab);
        fillList();
        fillHealthChannels();
    }
    updateCaption();
    if (m_state == State::Shown) {
        // The charts in the next turn of the event loop: the list shows
        // first, and neither turn holds the window up for long.
        QTimer::singleShot(0, this, [this, request = result.request] {
            if (m_result.request != request)
                return; // a newer read came meanwhile; it shows its own
            showCharts();
            showHealth();
            Q_EMIT shown();
        });
    } else {
        Q_EMIT shown();
    }
}

QString TrendsPage::messageText() const
{
    switch (m_state) {
    case State::NoLog:
        return tr("Trends are drawn from the event log, and Longwatch runs without one now "
                  "(--no-event-log).");
    case State::Loading:
        return tr("Reading the job runs in the event log…");
    case State::Failed:
        return tr("%1\nTrends show again once the event log can be read.")
            .arg(m_result.errorString);
    case State::Empty:
        if (m_days > 0) {
            return tr("No job ran in the last %n day(s). Choose a longer time above, or wait "
                      "for the next run.",
                      nullptr, m_days);
        }
        return tr("No job runs yet. When a channel's events name jobs (the fields on its "
                  "Jobs tab), each run is recorded as it finishes, and this page shows, per "
                  "series of runs (\"build-linux #205\", \"#206\"…), how long they took, which "
                  "failed, and how often they fail. Each channel's health (events, errors, "
                  "retries, answer times) shows here once it has polled for a while.");
    case State::Shown:
        return {};
    }
    return {};
}

void TrendsPage::showMessage(State state)
{
    m_state = state;
    m_message->setText(messageText());
    m_stack->setCurrentIndex(MessagePage);
    m_save->setEnabled(false);
}

QString TrendsPage::channelLabel(const QString &channelId) const
{
    if (const Channel *channel = m_manager->channel(channelId))
        return channel->name();
    return m_result.channelTitles.value(channelId, channelId);
}

void TrendsPage::fillList()
{
    // The selection stays on its series when the list is read again.
    QString channel;
    QString series;
    if (const JobSeriesTrend *current = currentTrend()) {
        channel = current->channel;
        series = current->series;
    }
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    QTreeWidgetItem *select = nullptr;
    QList<QTreeWidgetItem *> items;
    for (int i = 0; i < m_result.series.size(); ++i) {
        const JobSeriesTrend &trend = m_result.series.at(i);
        auto *item = new QTreeWidgetItem;
        item->setText(SeriesColumn, trend.series);
        item->setText(ChannelColumn, channelLabel(trend.channel));
        const int ended = trend.succeeded + trend.failed;
        item->setText(FailedColumn,
                      ended > 0 ? tr("%1 %").arg(qRound(100 * trend.failureRate())) : QString());
        if (trend.failed > 0)
            item->setForeground(FailedColumn,
                                StatusColors::forJobStatus(JobStatus::Failed, palette()));
        item->setText(MedianColumn, durationText(trend.medianUsecs));
        for (int column : {FailedColumn, MedianColumn})
            item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(
            SeriesColumn,
            tr("%1 in %2\n%n run(s); 90 % within %3", nullptr, int(trend.runs.size()))
                .arg(trend.series, channelLabel(trend.channel), durationText(trend.p90Usecs)));
        item->setToolTip(ChannelColumn, channelLabel(trend.channel));
        item->setData(SeriesColumn, kTrendRole, i);
        items << item;
        if (trend.channel == channel && trend.series == series)
            select = item;
    }
    m_list->addTopLevelItems(items);
    // As wide as the names, within reason: the channel gets the rest.
    m_list->resizeColumnToContents(SeriesColumn);
    m_list->setColumnWidth(SeriesColumn, std::min(m_list->columnWidth(SeriesColumn), 200));
    m_list->setColumnHidden(ChannelColumn, !m_channelId.isEmpty());
    m_list->setCurrentItem(select ? select : items.value(0));
}

const JobSeriesTrend *TrendsPage::currentTrend() const
{
    const QTreeWidgetItem *item = m_list->currentItem();
    if (!item)
        return nullptr;
    const int index = item->data(SeriesColumn, kTrendRole).toInt();
    return index >= 0 && index < m_result.series.size() ? &m_result.series.at(index) : nullptr;
}

QStringList TrendsPage::seriesNames() const
{
    QStringList names;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        names << m_list->topLevelItem(i)->text(SeriesColumn);
    return names;
}

void TrendsPage::selectSeries(int row)
{
    m_list->setCurrentItem(m_list->topLevelItem(row));
}

const JobRun *TrendsPage::runAt(bool failed, int index) const
{
    const JobSeriesTrend *trend = currentTrend();
    const QList<int> runs = m_pointRuns.value(failed ? 1 : 0);
    if (!trend || index < 0 || index >= runs.size())
        return nullptr;
    return &trend->runs.at(runs.at(index));
}

void TrendsPage::showCharts()
{
    const JobSeriesTrend *trend = currentTrend();
    QChart *oldDurations = m_durationView->chart();
    QChart *oldFailures = m_failureView->chart();
    if (!trend) {
        m_durationView->setChart(new QChart);
        m_failureView->setChart(new QChart);
        m_title->clear();
        m_save->setEnabled(false);
    } else {
        QChart *durations = TrendCharts::durations(*trend, palette(), &m_pointRuns);
        durations->setTitle(tr("Duration of each run"));
        const QList<QAbstractSeries *> series = durations->series();
        // TrendCharts::durations() adds the joining line, then the
        // succeeded and the failed runs.
        for (int s = 1; s <= 2 && s < series.size(); ++s) {
            auto *points = qobject_cast<QScatterSeries *>(series.at(s));
            if (!points)
                continue;
            const bool failed = s == 2;
            connect(points, &QScatterSeries::clicked, this, [this, points, failed](QPointF at) {
                if (const JobRun *run = runAt(failed, nearestPoint(points, at)))
                    Q_EMIT runActivated(run->channel, run->job);
            });
            connect(points, &QScatterSeries::hovered, this,
                    [this, points, failed](QPointF at, bool state) {
                        const JobRun *run =
                            state ? runAt(failed, nearestPoint(points, at)) : nullptr;
                        if (!run) {
                            QToolTip::hideText();
                            return;
                        }
                        QToolTip::showText(QCursor::pos(),
                                           tr("%1 · %2 · %3\nClick to see its events.")
                                               .arg(run->job, jobStatusText(run->status),
                                                    durationText(run->durationUsecs())),
                                           m_durationView);
                    });
        }
        m_durationView->setChart(durations);
        const FailurePeriods periods = FailurePeriods::forRuns(trend->runs, m_days, m_nowUsecs);
        QChart *failures = TrendCharts::failureRate(*trend, periods, palette());
        failures->setTitle(tr("Failure rate"));
        // Both charts over the same time, so that a run lines up with its period.
        const auto timeAxis = [](QChart *chart) {
            const QList<QAbstractAxis *> axes = chart->axes(Qt::Horizontal);
            return axes.isEmpty() ? nullptr : qobject_cast<QDateTimeAxis *>(axes.constFirst());
        };
        QDateTimeAxis *top = timeAxis(durations);
        QDateTimeAxis *bottom = timeAxis(failures);
        if (top && bottom) {
            const QDateTime from = std::min(top->min(), bottom->min());
            const QDateTime to = std::max(top->max(), bottom->max());
            top->setRange(from, to);
            bottom->setRange(from, to);
        }
        m_failureView->setChart(failures);

        int running = 0;
        int cancelled = 0;
        for (const JobRun &run : trend->runs) {
            if (!run.finishedUsecs)
                ++running;
            else if (run.status == JobStatus::Cancelled)
                ++cancelled;
        }
        QStringList parts;
        parts << tr("%1 in %2").arg(trend->series, channelLabel(trend->channel));
        parts << tr("%n run(s): %1 succeeded, %2 failed", nullptr, int(trend->runs.size()))
                     .arg(trend->succeeded)
                     .arg(trend->failed);
        if (running > 0)
            parts << tr("%n not finished", nullptr, running);
        if (cancelled > 0)
            parts << tr("%n cancelled", nullptr, cancelled);
        if (trend->medianUsecs) {
            parts << tr("usually %1, 90 % within %2")
                         .arg(durationText(trend->medianUsecs), durationText(trend->p90Usecs));
        }
        m_title->setText(parts.join(QStringLiteral(" · ")));
        m_save->setEnabled(true);
        // The health tab follows the series' channel, when it has health.
        if (m_channelId.isEmpty() && trend->channel != m_healthChannelId) {
            for (const ChannelHealthTrend &health : std::as_const(m_result.health)) {
                if (health.channel == trend->channel) {
                    selectHealthChannel(trend->channel);
                    break;
                }
            }
        }
    }
    delete oldDurations;
    delete oldFailures;
}

void TrendsPage::fillHealthChannels()
{
    const QSignalBlocker blocker(m_healthChannel);
    m_healthChannel->clear();
    QString keep;
    for (const ChannelHealthTrend &health : std::as_const(m_result.health)) {
        m_healthChannel->addItem(channelLabel(health.channel), health.channel);
        if (health.channel == m_healthChannelId || health.channel == m_channelId)
            keep = health.channel;
    }
    if (keep.isEmpty()) {
        if (const JobSeriesTrend *trend = currentTrend())
            keep = healthChannels().contains(trend->channel) ? trend->channel : QString();
    }
    if (keep.isEmpty() && !m_result.health.isEmpty())
        keep = m_result.health.constFirst().channel;
    m_healthChannelId = keep;
    m_healthChannel->setCurrentIndex(m_healthChannel->findData(keep));
}

QStringList TrendsPage::healthChannels() const
{
    QStringList channels;
    for (const ChannelHealthTrend &health : std::as_const(m_result.health))
        channels << health.channel;
    return channels;
}

void TrendsPage::selectHealthChannel(const QString &channelId)
{
    if (channelId == m_healthChannelId)
        return;
    m_healthChannelId = channelId;
    const QSignalBlocker blocker(m_healthChannel);
    m_healthChannel->setCurrentIndex(m_healthChannel->findData(channelId));
    showHealth();
}

const ChannelHealthTrend *TrendsPage::currentHealth() const
{
    for (const ChannelHealthTrend &health : std::as_const(m_result.health)) {
        if (health.channel == m_healthChannelId)
            return &health;
    }
    return nullptr;
}

void TrendsPage::setCurrentTab(Tab tab)
{
    m_views->setCurrentIndex(tab);
}

TrendsPage::Tab TrendsPage::currentTab() const
{
    return m_views->currentIndex() == HealthTab ? HealthTab : RunsTab;
}

QString TrendsPage::troubleText(int index) const
{
    const ChannelHealthTrend *health = currentHealth();
    if (!health || index < 0 || index >= health->buckets.size())
        return {};
    const HealthBucket &bucket = health->buckets.at(index);
    const HealthSample &c = bucket.counts;
    const QLocale locale;
    const QDateTime from = QDateTime::fromMSecsSinceEpoch(bucket.startUsecs / 1000).toLocalTime();
    const QDateTime to = from.addMSecs(m_result.healthBucketUsecs / 1000);
    const QString format = m_result.healthBucketUsecs >= 24LL * 3600 * 1'000'000
                               ? QStringLiteral("d MMM")
                               : QStringLiteral("d MMM hh:mm");
    QStringList lines;
    lines << tr("%1 – %2").arg(locale.toString(from, format), locale.toString(to, format));
    if (const int errors = c.errorCount(); errors > 0) {
        const QStringList names = {tr("connection"),  tr("timeout"),  tr("TLS"),
                                   tr("HTTP status"), tr("response"), tr("other")};
        QStringList kinds;
        for (int i = 0; i < HealthSample::ErrorClassCount; ++i) {
            if (c.errors[i] > 0)
                kinds << QStringLiteral("%1 %2").arg(c.errors[i]).arg(names.value(i));
        }
        lines << tr("%n failed attempt(s): %1", nullptr, errors)
                     .arg(kinds.join(QStringLiteral(", ")));
    }
    if (c.failures > 0)
        lines << tr("stopped %n time(s) by an error", nullptr, c.failures);
    if (c.backoffs > 0) {
        lines << tr("%n retry(s) scheduled, %1 of waiting", nullptr, c.backoffs)
                     .arg(JobModel::durationText(c.backoffMsecs));
    }
    if (c.reconnects > 0)
        lines << tr("%n reconnect(s)", nullptr, c.reconnects);
    return lines.join(QLatin1Char('\n'));
}

void TrendsPage::showHealth()
{
    const ChannelHealthTrend *health = currentHealth();
    QChart *oldRate = m_rateView->chart();
    QChart *oldTrouble = m_troubleView->chart();
    QChart *oldLatency = m_latencyView->chart();
    if (!health) {
        m_rateView->setChart(new QChart);
        m_troubleView->setChart(new QChart);
        m_latencyView->setChart(new QChart);
        m_healthTitle->clear();
    } else {
        HealthPeriods periods;
        periods.fromUsecs = m_result.healthFromUsecs;
        periods.periodUsecs = m_result.healthBucketUsecs;
        periods.count = m_result.healthBuckets;
        QChart *rate = TrendCharts::eventRate(*health, periods, palette());
        rate->setTitle(tr("Events"));
        m_rateView->setChart(rate);
        QChart *trouble =
            TrendCharts::troubleTimeline(*health, periods, palette(), &m_troublePeriods);
        trouble->setTitle(tr("Errors, retries and reconnects"));
        const QList<QAbstractSeries *> lanes = trouble->series();
        for (int s = 0; s < lanes.size(); ++s) {
            auto *markers = qobject_cast<QScatterSeries *>(lanes.at(s));
            if (!markers)
                continue;
            connect(markers, &QScatterSeries::hovered, this,
                    [this, markers, s](QPointF at, bool state) {
                        const int point = state ? nearestPoint(markers, at) : -1;
                        const QList<int> periodsShown = m_troublePeriods.value(s);
                        if (point < 0 || point >= periodsShown.size()) {
                            QToolTip::hideText();
                            return;
                        }
                        QToolTip::showText(QCursor::pos(), troubleText(periodsShown.at(point)),
                                           m_troubleView);
                    });
        }
        m_troubleView->setChart(trouble);
        QChart *latency = TrendCharts::answerLatency(*health, periods, palette());
        latency->setTitle(tr("Time from request to answer, for answers with events"));
        m_latencyView->setChart(latency);

        HealthSample total;
        for (const HealthBucket &bucket : health->buckets)
            total.merge(bucket.counts);
        QStringList parts;
        parts << tr("%n event(s)", nullptr, total.events);
        parts << tr("%n failed attempt(s)", nullptr, total.errorCount());
        parts << tr("%n reconnect(s)", nullptr, total.reconnects);
        if (const std::optional<qint64> median =
                histogramPercentile(total.latencyHistogram, 0.5, total.latencyMaxMsecs)) {
            parts << tr("answers with events came after %1 (median)")
                         .arg(JobModel::durationText(*median));
        }
        m_healthTitle->setText(parts.join(QStringLiteral(" · ")));
    }
    m_save->setEnabled(m_state == State::Shown && (currentTrend() || health));
    delete oldRate;
    delete oldTrouble;
    delete oldLatency;
}

void TrendsPage::updateCaption()
{
    if (m_state != State::Shown) {
        m_caption->clear();
        return;
    }
    if (currentTab() == HealthTab) {
        const qint64 hours = m_result.healthBucketUsecs * m_result.healthBuckets / 3'600'000'000LL;
        m_caption->setText(hours <= 24 ? tr("the last %n hour(s)", nullptr, int(hours))
                                       : tr("the last %n day(s)", nullptr, int(hours / 24)));
        return;
    }
    int runs = 0;
    for (const JobSeriesTrend &trend : std::as_const(m_result.series))
        runs += int(trend.runs.size());
    m_caption->setText(tr("%n series", nullptr, int(m_result.series.size())) +
                       QStringLiteral(" · ") + tr("%n run(s)", nullptr, runs) +
                       QStringLiteral(" · ") + tr("click a run to see its events"));
}

bool TrendsPage::saveCharts(const QString &path, QString *error)
{
    const auto fail = [&](const QString &sentence) {
        if (error)
            *error = sentence;
        return false;
    };
    const bool health = currentTab() == HealthTab;
    if (health ? !currentHealth() : !currentTrend())
        return fail(tr("There is no chart to save."));
    QWidget *charts = health ? m_health : m_charts;
    if (QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(charts->size());
        svg.setViewBox(charts->rect());
        svg.setTitle(health ? m_healthTitle->text() : m_title->text());
        QPainter painter;
        if (!painter.begin(&svg))
            return fail(tr("Could not write %1.").arg(QDir::toNativeSeparators(path)));
        charts->render(&painter);
        painter.end();
        if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0)
            return fail(tr("Could not write %1.").arg(QDir::toNativeSeparators(path)));
        return true;
    }
    if (!charts->grab().save(path, "PNG"))
        return fail(tr("Could not write %1.").arg(QDir::toNativeSeparators(path)));
    return true;
}

void TrendsPage::chooseAndSave()
{
    const JobSeriesTrend *trend = currentTrend();
    const ChannelHealthTrend *health = currentHealth();
    const bool healthTab = currentTab() == HealthTab;
    if (healthTab ? !health : !trend)
        return;
    QString name =
        healthTab ? QStringLiteral("health-") + channelLabel(health->channel) : trend->series;
    name.replace(QRegularExpression(QStringLiteral("[^\\w.-]+")), QStringLiteral("-"));
    const QString suggested = suggestedSaveFolder() + QStringLiteral("/trends-%1.png").arg(name);
    QString selectedFilter;
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save Charts"), suggested,
                                     tr("PNG image (*.png);;SVG image (*.svg)"), &selectedFilter);
    if (path.isEmpty())
        return;
    QString error;
    if (saveCharts(path, &error))
        Q_EMIT message(tr("Charts saved to %1.").arg(QDir::toNativeSeparators(path)), 5000);
    else
        Q_EMIT message(error, 8000);
}

void TrendsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_splitterPlaced && width() > 0) {
        // The list a third of the page, at most 380 px: the charts get the rest.
        m_splitterPlaced = true;
        const int list = std::clamp(width() / 3, m_list->minimumWidth(), 380);
        m_splitter->setSizes({list, std::max(1, width() - list)});
    }
    if (m_dirty)
        request();
}

void TrendsPage::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_state == State::Shown) {
        fillList(); // the charts' colours follow the palette
        showCharts();
        showHealth();
    }
}

} // namespace Longwatch
