#pragma once

#include "event.h"
#include "eventmodel.h"
#include "eventtableview.h"
#include "notifier.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QMenu;
class QPlainTextEdit;
class QPushButton;
class QDialog;
class QMessageBox;
class QSettings;
class QSplitter;
class QStackedWidget;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;

namespace Longwatch {

class Channel;
class ChannelDialog;
class ChannelManager;
class ChannelModel;
class Demo;
class EventFilterModel;
class HeaderFitter;
class HelpWindow;
class ShortcutsDialog;
class SplitterFitter;
class ExportDialog;
class EventRecorder;
class EventStore;
class StoreWriter;
class JobFilterModel;
class JobModel;
class JsonHighlighter;
struct WorkspaceImport;

/// Longwatch's window: the channel list on the left; on the right the
/// event table (filter, follow, details) and the job board; the health
/// of all channels in the status bar and the tray.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    /// `manager` is not owned. Window state is kept in `settings` (the
    /// application's default QSettings when nullptr; not owned).
    explicit MainWindow(ChannelManager *manager, QSettings *settings = nullptr,
                        QWidget *parent = nullptr);
    ~MainWindow() override;

    ChannelModel *channelModel() const { return m_channelModel; }
    EventModel *eventModel() const { return m_eventModel; }
    EventFilterModel *eventFilter() const { return m_eventFilter; }
    JobModel *jobModel() const { return m_jobModel; }
    JobFilterModel *jobFilter() const { return m_jobFilter; }
    Notifier *notifier() const { return m_notifier; }
    QListView *channelView() const { return m_channelView; }
    QTableView *eventView() const { return m_eventView; }
    QTableView *jobView() const { return m_jobView; }

    /// Opens the add-channel dialog (window-modal; does not block).
    ChannelDialog *addChannel();
    /// Opens the edit dialog for `channel` (window-modal; does not block).
    ChannelDialog *editChannel(Channel *channel);
    /// Opens the add-channel dialog on a copy of `channel` ("… (copy)");
    /// the copy is added only when the dialog is accepted.
    ChannelDialog *duplicateChannel(Channel *channel);
    /// Asks (window-modal; does not block) whether to trust the certificate
    /// `channel`'s server presented; Yes pins it and reconnects. nullptr if
    /// the channel has no certificate that pinning would let through.
    QMessageBox *trustCertificate(Channel *channel);
    /// Asks (window-modal; does not block) for the proxy's user and
    /// password of `channel`; OK keeps them and reconnects.
    QDialog *askProxyCredentials(Channel *channel);
    /// Connects the window to the event log: `reader` (open in this
    /// thread) for history, `writer` for how writing goes, `recorder` for
    /// forgetting removed channels. None is owned. Loads the newest stored
    /// events into the view; channels added from now on get their job board
    /// back from the log. Call before the channels are loaded.
    void setEventLog(EventStore *reader, StoreWriter *writer, EventRecorder *recorder);
    EventStore *eventLog() const { return m_log; }
    /// Shows, until the end of the session, why events are not saved.
    void setEventLogProblem(const QString &sentence);
    /// Reads older events from the log into the view, keeping the rows in
    /// sight where they are; returns how many were read.
    int loadOlderEvents();
    /// Reads newer events after the last row (when the view was moved back
    /// in history); returns how many.
    int loadNewerEvents();
    /// Shows the newest events again and follows the live feed.
    void jumpToNewest();

    /// Opens the export dialog on the event log (window-modal; does not
    /// block), preset to the event view's filter; nullptr without a log.
    ExportDialog *exportEvents();
    /// Writes the channels to a workspace file (no secrets) and says what
    /// was left out; false with `error` set if the file cannot be written.
    bool exportWorkspaceTo(const QString &path, QString *error = nullptr);
    /// Adds the channels of a workspace file and says what to enter again
    /// (a window-modal message, not blocking); returns how many were added,
    /// -1 if the file was refused. When some of its channels are here
    /// already (ChannelConfig::sameAddress()), a window-modal question
    /// ("workspaceAlreadyHere") asks whether to skip them, replace their
    /// settings or import them as copies, and 0 is returned.
    int importWorkspaceFrom(const QString &path);

    /// Starts the embedded demo (once) and adds its channels.
    bool startDemo();
    /// Shows the Events (0) or Jobs (1) page.
    void showPage(int page);
    /// The channel selected in the list, or nullptr.
    Channel *currentChannel() const;
    void selectChannel(Channel *channel);

    /// Help › Longwatch Help (F1): opens the help window on the overview,
    /// or raises it if it is open (one window, not modal).
    HelpWindow *showHelp();
    /// Help › Keyboard Shortcuts: the shortcuts of the window's actions as
    /// they are now (not modal; raised if open).
    ShortcutsDialog *showShortcuts();
    /// Help › About Longwatch: the version, the Qt versions, where the
    /// settings, the event log and the secrets are (window-modal; does not
    /// block).
    QDialog *showAbout();

    /// Restores geometry and layout from the settings.
    void restoreWindowState();
    void saveWindowState();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildActions();
    void buildMenus();
    void buildToolBar();
    QWidget *buildChannelPanel();
    QWidget *buildEventsPage();
    QWidget *buildJobsPage();
    QWidget *buildEmptyState();
    void buildStatusBar();
    void buildTray();
    void refreshIcons();

    void onBatch(Channel *channel, const EventList &events);
    void onChannelChanged(Channel *channel);
    void onCurrentChannelChanged();
    void updateActions();
    void updateEmptyState();
    void updateHealth();
    void updateNotificationState();
    void updateTypeFilter();
    void updateChannelFilterCombo();
    void updateTabTitles();
    void updateDetails();
    void updateHistoryBar();
    /// Shows all events again: no text, all types (the channel stays).
    void clearEventFilters();
    /// updateChrome() now if it has not run in the last 100 ms, else once
    /// when they are over.
    void scheduleChrome();
    void flushRows();
    void updateChrome();
    void replayJobs(Channel *channel);
    void replayNextJobs();
    void setFollow(bool follow);
    void onEventScrollAction();

    void duplicateCurrent();
    void removeCurrent();
    void togglePauseCurrent();
    void reconnectCurrent();
    void showNotification(const QString &title, const QString &message,
                          Notifier::Severity severity);
    void chooseWorkspaceFile(bool save);
    enum class ImportChoice { Skip, Replace, Copies }; ///< for channels already here
    /// Adds (or, as `choice` says, skips or replaces) the imported channels
    /// and says so; `alreadyHere` maps their index to the channel here.
    int addImportedChannels(const QString &path, const WorkspaceImport &imported,
                            const QHash<qsizetype, Channel *> &alreadyHere, ImportChoice choice);

    ChannelManager *m_manager;
    QSettings *m_settings;
    ChannelModel *m_channelModel = nullptr;
    EventModel *m_eventModel = nullptr;
    EventFilterModel *m_eventFilter = nullptr;
    JobModel *m_jobModel = nullptr;
    JobFilterModel *m_jobFilter = nullptr;
    Notifier *m_notifier = nullptr;
    Demo *m_demo = nullptr;
    EventStore *m_log = nullptr;
    StoreWriter *m_writer = nullptr;
    EventRecorder *m_recorder = nullptr;
    QStringList m_replayQueue; ///< channel ids whose job board is read back next
    QTimer m_replayTimer;
    qint64 m_storedTotal = 0;        ///< events in the log, kept up to date from the writer
    QHash<QString, QString> m_names; ///< channel id -> name shown in the tables
    /// Channels whose proxy credentials were asked for: once, not at every failure.
    QSet<QString> m_proxyAsked;

    QStackedWidget *m_stack = nullptr;
    QSplitter *m_splitter = nullptr;
    static constexpr int kChannelListMinWidth = 180;
    SplitterFitter *m_channelList = nullptr;
    QListView *m_channelView = nullptr;
    QLabel *m_channelHeader = nullptr;
    QTabWidget *m_tabs = nullptr;

    QLineEdit *m_eventSearch = nullptr;
    QComboBox *m_typeFilter = nullptr;
    QComboBox *m_channelFilter = nullptr;
    QPushButton *m_clearFiltersButton = nullptr;
    EventTableView *m_eventView = nullptr;
    HeaderFitter *m_eventColumns = nullptr;
    QWidget *m_historyBar = nullptr;
    QLabel *m_historyLabel = nullptr;
    QPushButton *m_olderButton = nullptr;
    QPushButton *m_newestButton = nullptr;
    bool m_viewCleared = false; ///< the view was cleared; the log has what it hid
    QLabel *m_logProblem = nullptr;
    QSplitter *m_eventSplitter = nullptr;
    QLabel *m_detailHeader = nullptr;
    QPlainTextEdit *m_detail = nullptr;
    JsonHighlighter *m_highlighter = nullptr;
    QTimer m_filterDelay;
    QTimer m_chromeTimer;
    QList<EventModel::Batch> m_pendingRows; ///< batches waiting for the next frame
    QTimer m_rowsTimer;                     ///< the current frame of the event table; see onBatch()
    qsizetype m_frameRows = 0;              ///< rows that went in during it
    bool m_chromeDirty = false;
    QTimer m_followTimer;
    bool m_follow = true;

    QLineEdit *m_jobSearch = nullptr;
    QCheckBox *m_failedOnly = nullptr;
    QLabel *m_jobSummary = nullptr;
    QTableView *m_jobView = nullptr;

    /// What the chrome's icons show, so that they are set again only when
    /// that changes (a new icon repaints its widget); empty: set it.
    std::optional<bool> m_jobsTabFailedIcon;  ///< the Jobs tab shows "failed"
    std::optional<bool> m_pauseActionResumes; ///< the Pause action shows "resume"
    QColor m_healthColor;                     ///< of the health dot shown

    QLabel *m_healthIcon = nullptr;
    QLabel *m_healthLabel = nullptr;
    QLabel *m_eventCountLabel = nullptr;
    QLabel *m_notifyStateLabel = nullptr;
    QLabel *m_lastNotification = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_trayMenu = nullptr;

    QAction *m_addAction = nullptr;
    QAction *m_demoAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_exportEventsAction = nullptr;
    QAction *m_importWorkspaceAction = nullptr;
    QAction *m_exportWorkspaceAction = nullptr;
    QAction *m_editAction = nullptr;
    QAction *m_duplicateAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_reconnectAction = nullptr;
    QAction *m_trustAction = nullptr;
    QAction *m_pauseAllAction = nullptr;
    QAction *m_resumeAllAction = nullptr;
    QAction *m_eventsPageAction = nullptr;
    QAction *m_jobsPageAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_followAction = nullptr;
    QAction *m_detailsAction = nullptr;
    QAction *m_clearAction = nullptr;
    QAction *m_muteAction = nullptr;
    QAction *m_snoozeAction = nullptr;
    QAction *m_unsnoozeAction = nullptr;
    QAction *m_showWindowAction = nullptr;
    QAction *m_helpAction = nullptr;
    QAction *m_shortcutsAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QPointer<HelpWindow> m_helpWindow;
    QPointer<ShortcutsDialog> m_shortcutsDialog;
    QMenu *m_channelMenu = nullptr;
};

} // namespace Longwatch
