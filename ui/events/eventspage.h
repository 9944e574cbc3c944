#pragma once

#include "event.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSettings;
class QSplitter;

namespace Longwatch {

class Channel;
class ChannelBanner;
class ChannelManager;
class ChannelModel;
class EventFilterModel;
class EventModel;
class EventLog;
class EventTableView;
class FilterBar;
class HeaderFitter;
class JsonHighlighter;
class RowPacer;
class EventLogWriter;
struct EventQuery;

/// The Events page: why the selected channel fails (a banner), the filter
/// bar (text, type, channel), where the rows stand in the event log (the
/// history bar), the event table and the selected event's JSON.
///
/// It follows the channel manager itself (names, job mappings, channels
/// removed); the window tells it which channel is selected.
class EventsPage final : public QWidget
{
    Q_OBJECT
public:
    /// `manager` and `channels` are not owned.
    EventsPage(ChannelManager *manager, ChannelModel *channels, QWidget *parent = nullptr);
    ~EventsPage() override;

    EventModel *model() const { return m_model; }
    EventFilterModel *filter() const { return m_filter; }
    EventTableView *view() const { return m_view; }

    /// A channel's batch, into the table at the pace of frames (RowPacer).
    void addBatch(const Channel *channel, const EventList &events);
    /// Shows the events of `channel` (all channels for nullptr); the text
    /// and type filters stay.
    void setCurrentChannel(const Channel *channel);

    /// Connects the page to the event log: `reader` (open in this thread)
    /// for history, `writer` (may be nullptr) for how many are stored. Loads
    /// the newest stored events; false if they could not be read (the
    /// reader's errorString() says why).
    bool setEventLog(EventLog *reader, EventLogWriter *writer);
    /// Reads older events from the log into the view, keeping the rows in
    /// sight where they are; returns how many were read.
    int loadOlderEvents();
    /// Reads newer events after the last row (when the view was moved back
    /// in history); returns how many.
    int loadNewerEvents();
    /// Shows the newest events again and follows the live feed.
    void jumpToNewest();

    /// Keeps the newest event in view (or not).
    void setFollow(bool follow);
    bool follows() const { return m_follow; }
    void setDetailsVisible(bool visible);
    /// Clears the table; the event log keeps the events (Load Older).
    void clearView();
    /// Shows all events again: no text, all types (the channel stays).
    void clearFilters();
    /// Ctrl+F: the keyboard focus into the text filter.
    void focusFilter();
    /// Puts `text` in the text filter, as if typed (a job's events).
    void showText(const QString &text);
    /// What the view shows, as a query on the event log (for an export).
    EventQuery currentView() const;

    /// The caption above the table: what it shows and where the rows stand
    /// in the log; also the buttons beside it and the empty table's text.
    void updateHistoryBar();

    /// The splitter and the columns, in the current group of `settings`.
    void saveState(QSettings &settings) const;
    void restoreState(QSettings &settings);

Q_SIGNALS:
    /// A channel was picked in the channel filter (nullptr: all channels).
    void channelChosen(Channel *channel);
    /// A channel has a new name (its rows here show it already).
    void channelRenamed(const QString &id, const QString &name);
    /// Follow was turned on or off by scrolling or a button.
    void followChanged(bool follow);
    /// Rows or counts changed: the window's chrome is due.
    void countsChanged();
    /// The banner's "Retry now" and "Edit…".
    void retryRequested();
    void editRequested();
    /// A sentence for the status bar, for `timeoutMs`.
    void message(const QString &text, int timeoutMs);

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateTypeFilter();
    void updateChannelFilter();
    void updateDetails();
    void onScrollAction();
    QString channelName(const QString &id) const { return m_names.value(id); }

    ChannelManager *m_manager;
    ChannelModel *m_channels = nullptr;
    EventModel *m_model;
    EventFilterModel *m_filter;
    RowPacer *m_pacer;
    EventLog *m_log = nullptr;
    qint64 m_storedTotal = 0;        ///< events in the log, kept up to date from the writer
    QHash<QString, QString> m_names; ///< channel id -> name shown in the table
    bool m_viewCleared = false;      ///< the view was cleared; the log has what it hid
    bool m_follow = true;
    QTimer m_followTimer;

    ChannelBanner *m_banner = nullptr;
    FilterBar *m_filterBar = nullptr;
    QComboBox *m_typeFilter = nullptr;
    QComboBox *m_channelFilter = nullptr;
    QPushButton *m_clearFiltersButton = nullptr;
    QLabel *m_historyLabel = nullptr;
    QPushButton *m_olderButton = nullptr;
    QPushButton *m_newestButton = nullptr;
    EventTableView *m_view = nullptr;
    HeaderFitter *m_columns = nullptr;
    QSplitter *m_splitter = nullptr;
    QWidget *m_detailPane = nullptr;
    QLabel *m_detailHeader = nullptr;
    QPlainTextEdit *m_detail = nullptr;
    JsonHighlighter *m_highlighter = nullptr;
};

} // namespace Longwatch
