#pragma once

#include "event.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QSettings;
class QTableView;

namespace Longwatch {

class Channel;
class ChannelManager;
class EventLog;
class FilterBar;
class JobFilterModel;
class JobHistoryLoader;
class JobModel;
class Throttle;
class TrendsLoader;
struct TrendsResult;

/// The Jobs page: the latest status of every job the channels' events
/// name, with a filter bar (text, failed only) and the counts beside it.
/// With an event log, each channel's board is read back from it when the
/// channel comes (JobHistoryLoader), and each job's usual duration (the
/// median of its series' earlier runs) is read in a thread of its own
/// (TrendsLoader): at start, and a few seconds after jobs end.
class JobsPage final : public QWidget
{
    Q_OBJECT
public:
    /// `manager` is not owned.
    explicit JobsPage(ChannelManager *manager, QWidget *parent = nullptr);
    ~JobsPage() override;

    JobModel *model() const { return m_model; }
    JobFilterModel *filter() const { return m_filter; }
    QTableView *view() const { return m_view; }

    /// A channel's batch: the jobs it names move on.
    void addBatch(const Channel *channel, const EventList &events);
    /// Shows the jobs of `channel` (all channels for nullptr).
    void setCurrentChannel(const Channel *channel);
    /// Reads the job boards of the channels there are, and of those that
    /// come later, back from `log` (open in this thread; not owned).
    void setEventLog(EventLog *log);
    /// Ctrl+F: the keyboard focus into the text filter.
    void focusFilter();
    /// The counts beside the filter ("12 jobs · 2 running · 1 failed").
    void updateSummary();

    /// Reads the usual durations again (at most every few seconds).
    void refreshUsualDurations();
    TrendsLoader *usualDurationLoader() const { return m_usual.get(); }

    /// The columns, in the current group of `settings`.
    void saveState(QSettings &settings) const;
    void restoreState(QSettings &settings);

private:
    ChannelManager *m_manager;
    JobModel *m_model;
    JobFilterModel *m_filter;
    JobHistoryLoader *m_history = nullptr;
    std::unique_ptr<TrendsLoader> m_usual; ///< usual durations, off the GUI thread
    Throttle *m_usualRefresh = nullptr;
    FilterBar *m_filterBar = nullptr;
    QCheckBox *m_failedOnly = nullptr;
    QLabel *m_summary = nullptr;
    QTableView *m_view = nullptr;
};

} // namespace Longwatch
