#pragma once

#include "channelactions.h"
#include "channellist.h"
#include "eventmodel.h"
#include "eventspage.h"
#include "eventtableview.h"
#include "jobspage.h"
#include "notifier.h"
#include "pagetabs.h"
#include "statusarea.h"
#include "trendspage.h"
#include "windowactions.h"
#include "workspaceactions.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>

class QDialog;
class QListView;
class QMessageBox;
class QSettings;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace Longwatch {

class Channel;
class ChannelDialog;
class ChannelList;
class ChannelManager;
class ChannelModel;
class Demo;
class EventFilterModel;
class EventModel;
class EventRecorder;
class EventsPage;
class EventLog;
class EventLogWindow;
class EventTableView;
class ExportDialog;
class HelpWindow;
class JobModel;
class JobsPage;
class AttentionDialog;
class NotificationSettingsDialog;
class Notifier;
class ShortcutsDialog;
class SplitterFitter;
class Throttle;
class EventLogWriter;
class WorkspaceActions;

/// Longwatch's window: the channel list on the left; on the right the
/// Events page, the Jobs board and the Trends page; the health of all channels in the
/// status bar and the tray. It holds the actions and menus and wires the
/// pages, the status area and the dialogs to the channels.
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
    EventsPage *eventsPage() const { return m_events; }
    JobsPage *jobsPage() const { return m_jobs; }
    TrendsPage *trendsPage() const { return m_trends; }
    EventModel *eventModel() const { return m_events->model(); }
    EventFilterModel *eventFilter() const { return m_events->filter(); }
    JobModel *jobModel() const { return m_jobs->model(); }
    Notifier *notifier() const { return m_notifier; }
    QListView *channelView() const { return m_channelList->view(); }
    EventTableView *eventView() const { return m_events->view(); }
    QTableView *jobView() const { return m_jobs->view(); }

    /// The Channel menu's dialogs (ChannelActions): window-modal, they do
    /// not block.
    ChannelDialog *addChannel() { return m_channelActions->add(); }
    ChannelDialog *editChannel(Channel *channel) { return m_channelActions->edit(channel); }
    ChannelDialog *duplicateChannel(Channel *channel)
    {
        return m_channelActions->duplicate(channel);
    }
    QMessageBox *removeChannel(Channel *channel) { return m_channelActions->remove(channel); }
    QMessageBox *trustCertificate(Channel *channel)
    {
        return m_channelActions->trustCertificate(channel);
    }
    QDialog *askProxyCredentials(Channel *channel)
    {
        return m_channelActions->askProxyCredentials(channel);
    }

    /// Connects the window to the event log: `reader` (open in this
    /// thread) for history, `writer` for how writing goes, `recorder` for
    /// forgetting removed channels. None is owned. Loads the newest stored
    /// events into the view; channels added from now on get their job board
    /// back from the log. Call before the channels are loaded.
    void setEventLog(EventLog *reader, EventLogWriter *writer, EventRecorder *recorder);
    EventLog *eventLog() const { return m_log; }
    /// Shows, until the end of the session, why events are not saved.
    void setEventLogProblem(const QString &sentence) { m_status->showEventLogProblem(sentence); }

    /// Opens the export dialog on the event log (window-modal; does not
    /// block), preset to the event view's filter; nullptr without a log.
    ExportDialog *exportEvents();
    /// File › Open Event Log…: a read-only window on the event log at
    /// `path` (EventLogWindow), or nullptr after a warning if it cannot
    /// be read.
    EventLogWindow *openEventLog(const QString &path);
    /// File › Export Workspace… and Import Workspace… (WorkspaceActions).
    bool exportWorkspaceTo(const QString &path, QString *error = nullptr)
    {
        return m_workspace->exportTo(path, error);
    }
    int importWorkspaceFrom(const QString &path) { return m_workspace->importFrom(path); }

    /// Starts the embedded demo (once) and adds its channels.
    bool startDemo();
    /// Shows the Events (0), Jobs (1) or Trends (2) page.
    void showPage(int page) { m_tabs->setCurrentIndex(page); }
    /// The channel selected in the list, or nullptr.
    Channel *currentChannel() const { return m_channelList->currentChannel(); }
    void selectChannel(Channel *channel) { m_channelList->selectChannel(channel); }

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
    /// Notifications › Notification Settings…: rules, quiet hours, snooze
    /// (window-modal; does not block; raised if open).
    NotificationSettingsDialog *showNotificationSettings();
    /// Notifications › Needs Attention: failed jobs and failing channels
    /// (not modal; raised if open).
    AttentionDialog *showAttention();

    /// Restores geometry and layout from the settings.
    void restoreWindowState();
    void saveWindowState();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void connectActions();
    void buildMenus();
    void buildToolBar();
    void refreshIcons();

    void onCurrentChannelChanged();
    void updateActions();
    void updateEmptyState();
    void updateHealth();
    void updateNotificationState();
    void updateTabTitles();
    void updateChrome();
    /// The settings the window's state is kept in, for `use`.
    void withSettings(const std::function<void(QSettings &)> &use);
    /// The default rules, quiet hours and a snooze, kept in the settings.
    void loadNotificationSettings();
    void saveNotificationSettings();

    ChannelManager *m_manager;
    QSettings *m_settings;
    WindowActions m_actions;
    ChannelModel *m_channelModel = nullptr;
    Notifier *m_notifier = nullptr;
    Demo *m_demo = nullptr;
    EventLog *m_log = nullptr;

    QStackedWidget *m_stack = nullptr;
    QSplitter *m_splitter = nullptr;
    SplitterFitter *m_channelListWidth = nullptr;
    ChannelList *m_channelList = nullptr;
    PageTabs *m_tabs = nullptr;
    EventsPage *m_events = nullptr;
    JobsPage *m_jobs = nullptr;
    TrendsPage *m_trends = nullptr;
    StatusArea *m_status = nullptr;
    WorkspaceActions *m_workspace = nullptr;
    ChannelActions *m_channelActions = nullptr;
    Throttle *m_chrome = nullptr; ///< updateChrome(), ten times a second at most
    QPointer<HelpWindow> m_helpWindow;
    QPointer<ShortcutsDialog> m_shortcutsDialog;
    QPointer<NotificationSettingsDialog> m_notificationSettings;
    QPointer<AttentionDialog> m_attention;
};

} // namespace Longwatch
