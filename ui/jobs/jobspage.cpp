#include "jobspage.h"

#include "channel.h"
#include "channelmanager.h"
#include "filterbar.h"
#include "jobdelegates.h"
#include "jobfiltermodel.h"
#include "jobhistoryloader.h"
#include "jobmodel.h"
#include "labels.h"
#include "throttle.h"
#include "trendsloader.h"
#include "widthfitters.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSettings>
#include <QTableView>
#include <QVBoxLayout>

using namespace std::chrono_literals;

namespace Longwatch {

JobsPage::JobsPage(ChannelManager *manager, QWidget *parent)
    : QWidget(parent)
    , m_manager(manager)
    , m_model(new JobModel(this))
    , m_filter(new JobFilterModel(this))
{
    m_filter->setSourceModel(m_model);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);

    m_filterBar = new FilterBar(QStringLiteral("jobSearch"),
                                tr("Filter jobs by name or message (Ctrl+F)"), tr("Filter jobs"));
    connect(m_filterBar, &FilterBar::textApplied, m_filter, &JobFilterModel::setText);
    m_failedOnly = new QCheckBox(tr("Failed &only"));
    m_failedOnly->setObjectName(QStringLiteral("failedOnly"));
    connect(m_failedOnly, &QCheckBox::toggled, m_filter, &JobFilterModel::setFailedOnly);
    m_summary = dimLabel();
    m_summary->setObjectName(QStringLiteral("jobSummary"));
    m_filterBar->addWidget(m_failedOnly);
    m_filterBar->addSpacing(12);
    m_filterBar->addWidget(m_summary);
    layout->addWidget(m_filterBar);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("jobView"));
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(JobModel::StatusColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->setAccessibleName(tr("Jobs"));
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 12);
    m_view->setItemDelegateForColumn(JobModel::StatusColumn, new JobStatusDelegate(m_view));
    m_view->setItemDelegateForColumn(JobModel::ProgressColumn, new ProgressDelegate(m_view));
    QHeaderView *header = m_view->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    // The columns share the table's width until the user resizes one, as
    // the events table's do; the Channel column keeps at least 110 px.
    auto *columns = new HeaderFitter(header, 110);
    const int timeWidth = fontMetrics().horizontalAdvance(QStringLiteral("00:00:00")) + 24;
    columns->setSection(JobModel::JobColumn, 220, 120);
    columns->setSection(JobModel::StatusColumn, 130, 110);
    columns->setSection(JobModel::ProgressColumn, 160, 100);
    columns->setSection(JobModel::StartedColumn, timeWidth, timeWidth);
    columns->setSection(JobModel::UpdatedColumn, timeWidth, timeWidth);
    // "1 min 12 s · usually 4 min · about 3 min left": elided when narrow.
    columns->setSection(JobModel::DurationColumn, 230, 110);
    columns->fit();
    layout->addWidget(m_view, 1);

    connect(manager, &ChannelManager::channelAdded, this, [this](Channel *channel) {
        if (m_history)
            m_history->enqueue(channel->id());
    });
    // A job that ended is a new earlier run for its series' next one.
    m_usualRefresh = new Throttle(
        5s, [this] { refreshUsualDurations(); }, this);
    connect(
        m_model, &JobModel::jobStatusChanged, this,
        [this](const QString &, const QString &, const QString &, JobStatus, JobStatus current) {
            if (isFinalJobStatus(current))
                m_usualRefresh->request();
        });
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        m_model->removeChannel(id);
        if (m_filter->channelId() == id)
            m_filter->setChannelId({});
    });
}

JobsPage::~JobsPage() = default;

void JobsPage::addBatch(const Channel *channel, const EventList &events)
{
    m_model->applyBatch(channel->id(), channel->name(), channel->config().jobs, events);
}

void JobsPage::setCurrentChannel(const Channel *channel)
{
    m_filter->setChannelId(channel ? channel->id() : QString());
}

void JobsPage::setEventLog(EventLog *log)
{
    delete m_history;
    m_history = nullptr;
    m_usual.reset();
    if (!log)
        return;
    // One channel per turn of the event loop, after the window shows.
    m_history = new JobHistoryLoader(log, m_manager, this);
    connect(m_history, &JobHistoryLoader::jobsRead, m_model, &JobModel::replayBatch);
    for (const Channel *channel : m_manager->channels())
        m_history->enqueue(channel->id());
    m_usual = std::make_unique<TrendsLoader>(log->path());
    connect(m_usual.get(), &TrendsLoader::loaded, this, [this](const TrendsResult &result) {
        if (result.ok)
            m_model->setSeriesHistory(JobSeriesHistory(result.series, result.rules));
    });
    refreshUsualDurations();
}

void JobsPage::refreshUsualDurations()
{
    if (!m_usual)
        return;
    TrendsQuery query;
    // The 50 runs before the newest, and the newest.
    query.lastRuns = 51;
    for (const Channel *channel : m_manager->channels()) {
        if (!channel->config().jobSeriesPattern.isEmpty())
            query.seriesPatterns.insert(channel->id(), channel->config().jobSeriesPattern);
    }
    m_usual->request(query);
}

void JobsPage::focusFilter()
{
    m_filterBar->focusSearch();
}

void JobsPage::updateSummary()
{
    const QLocale locale;
    m_summary->setText(tr("%1 jobs · %2 running · %3 failed")
                           .arg(locale.toString(m_model->rowCount()),
                                locale.toString(m_model->countWithStatus(JobStatus::Running)),
                                locale.toString(m_model->failedCount())));
}

void JobsPage::saveState(QSettings &settings) const
{
    settings.setValue(QStringLiteral("jobHeader"), m_view->horizontalHeader()->saveState());
}

void JobsPage::restoreState(QSettings &settings)
{
    m_view->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("jobHeader")).toByteArray());
}

} // namespace Longwatch
