#pragma once

#include "trendcharts.h"
#include "trendsloader.h"

#include <QList>
#include <QWidget>

#include <functional>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTreeWidget;

namespace Longwatch {

class Channel;
class ChannelManager;
class EventLogWriter;
class Throttle;

/// The Trends page: for each job series of the selected channel (or of
/// all), how long its runs took and whether they failed, over the last N
/// runs or days, with the median and the 90th percentile; and its failure
/// rate over time. Clicking a run's point asks for its events
/// (runActivated()). Its Channel Health tab shows what a channel's poller
/// did (the event log's health samples): events per hour, errors, retries
/// and reconnects on a timeline, and how long answers with events took
/// from the request, over the last day (the runs ranges) or the days chosen.
///
/// Everything is read off the GUI thread (TrendsLoader, its own
/// connection), when the page is shown and, while it is, at most every few
/// seconds after the event log took new events. An empty log shows what
/// will appear; a log that cannot be read shows why.
class TrendsPage final : public QWidget
{
    Q_OBJECT
public:
    enum class State { NoLog, Loading, Empty, Shown, Failed };
    Q_ENUM(State)
    enum Tab { RunsTab, HealthTab };

    using Clock = std::function<qint64()>; ///< µs since the epoch, UTC

    /// `manager` is not owned (names and series rules of the channels).
    explicit TrendsPage(ChannelManager *manager, QWidget *parent = nullptr);
    ~TrendsPage() override;

    /// Reads the log at `path`; `writer` (may be nullptr, not owned) tells
    /// when the log took new events. An empty path: no log, nothing shown.
    void setEventLog(const QString &path, EventLogWriter *writer);
    /// Shows the series of `channel` (all channels for nullptr).
    void setCurrentChannel(const Channel *channel);
    /// "Last 50 runs" and the like: the newest `runs` runs of each series,
    /// or (with `runs` 0) the runs of the last `days` days.
    void setRange(int runs, int days);
    /// How long after new events a refresh may come (default 3 s).
    void setRefreshInterval(std::chrono::milliseconds interval);
    void setClock(Clock clock);

    /// Reads the log again now (if the page is visible, else when shown).
    void refresh();

    State state() const { return m_state; }
    /// The sentence shown instead of charts (empty, failed, no log).
    QString messageText() const;
    /// The series listed, as shown ("build-linux", ...).
    QStringList seriesNames() const;
    /// Selects the listed series at `row`; its charts show.
    void selectSeries(int row);
    const JobSeriesTrend *currentTrend() const;
    QChartView *durationView() const { return m_durationView; }
    QChartView *failureView() const { return m_failureView; }
    TrendsLoader *loader() const { return m_loader.get(); }

    /// The Job Runs or the Channel Health tab.
    void setCurrentTab(Tab tab);
    Tab currentTab() const;
    /// The channels with health in the shown read, by key.
    QStringList healthChannels() const;
    /// Shows the health of `channelId` (one of healthChannels()).
    void selectHealthChannel(const QString &channelId);
    /// The health shown, or nullptr.
    const ChannelHealthTrend *currentHealth() const;
    QChartView *rateView() const { return m_rateView; }
    QChartView *troubleView() const { return m_troubleView; }
    QChartView *latencyView() const { return m_latencyView; }
    /// The words of a trouble marker's tool tip for period `index` of the
    /// current health ("14:00–15:00: 3 errors …").
    QString troubleText(int index) const;

    /// Saves the charts of the current tab (the selected series', or the
    /// channel's health) as one picture: SVG when
    /// `path` ends in .svg, else PNG. False, with a sentence, on failure.
    bool saveCharts(const QString &path, QString *error = nullptr);
    /// Asks where, then saveCharts().
    void chooseAndSave();

    /// The run behind a point of the duration chart: point `index` of the
    /// succeeded (`failed` false) or failed runs' series.
    const JobRun *runAt(bool failed, int index) const;

Q_SIGNALS:
    /// A run's point was clicked: show its events.
    void runActivated(const QString &channelId, const QString &job);
    /// A read was shown, its charts drawn (or its failure); once per read.
    void shown();
    /// A sentence for the status bar.
    void message(const QString &text, int timeoutMs);

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void request();
    void onLoaded(const TrendsResult &result);
    /// The message page, with messageText() for `state`.
    void showMessage(State state);
    void fillList();
    void showCharts();
    void fillHealthChannels();
    void showHealth();
    void updateCaption();
    QString channelLabel(const QString &channelId) const;

    ChannelManager *m_manager;
    std::unique_ptr<TrendsLoader> m_loader;
    Throttle *m_refresh = nullptr;
    Clock m_clock;
    QString m_channelId;
    int m_runs = 50;
    int m_days = 0;
    bool m_dirty = true;
    State m_state = State::NoLog;
    TrendsResult m_result;
    QList<QList<int>> m_pointRuns; ///< per scatter series, the runs behind its points
    qint64 m_nowUsecs = 0;         ///< of the shown read

    QComboBox *m_range = nullptr;
    QLabel *m_caption = nullptr;
    QPushButton *m_save = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_message = nullptr;
    QTreeWidget *m_list = nullptr;
    QLabel *m_title = nullptr;
    QChartView *m_durationView = nullptr;
    QChartView *m_failureView = nullptr;
    QWidget *m_charts = nullptr;
    QTabWidget *m_views = nullptr;
    QWidget *m_health = nullptr;
    QComboBox *m_healthChannel = nullptr;
    QLabel *m_healthTitle = nullptr;
    QChartView *m_rateView = nullptr;
    QChartView *m_troubleView = nullptr;
    QChartView *m_latencyView = nullptr;
    QString m_healthChannelId;          ///< the channel whose health shows
    QList<QList<int>> m_troublePeriods; ///< per marker series, the periods behind its markers
    QSplitter *m_splitter = nullptr;
    bool m_splitterPlaced = false;
    QMetaObject::Connection m_writerConnection; ///< the writer's committed() ///< the first show
                                                ///< gave the list its share
};

} // namespace Longwatch
