#include "mainwindow.h"

#include "aboutdialog.h"
#include "attentiondialog.h"
#include "channel.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "demo.h"
#include "eventlog.h"
#include "eventlogwindow.h"
#include "exportdialog.h"
#include "feedserver.h"
#include "helpwindow.h"
#include "icons.h"
#include "jobmodel.h"
#include "notificationsettingsdialog.h"
#include "notificationsounds.h"
#include "pagetabs.h"
#include "shortcutsdialog.h"
#include "statusarea.h"
#include "throttle.h"
#include "welcomepage.h"
#include "widthfitters.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>

using namespace std::chrono_literals;

namespace Longwatch {

namespace {

enum Page { EmptyPage, WorkPage };

} // namespace

MainWindow::MainWindow(ChannelManager *manager, QSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_manager(manager)
    , m_settings(settings)
    , m_actions(WindowActions::create(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Longwatch"));
    setWindowIcon(Icons::application());

    m_channelModel = new ChannelModel(manager, this);
    m_channelList = new ChannelList(m_channelModel);
    m_events = new EventsPage(manager, m_channelModel);
    m_jobs = new JobsPage(manager);
    m_trends = new TrendsPage(manager);
    m_notifier = new Notifier(manager, m_jobs->model(), this);
    m_workspace = new WorkspaceActions(manager, this);
    m_channelActions = new ChannelActions(manager, this);
    m_channelActions->setNotifier(m_notifier);
    m_channelList->setNotifier(m_notifier);
    loadNotificationSettings();
    // The window's chrome (health, tab titles, history bar) follows the
    // channels at most ten times a second: under a flood of events, redoing
    // it for every batch would take the UI thread's time from the events.
    m_chrome = new Throttle(
        100ms, [this] { updateChrome(); }, this);

    connectActions();
    buildMenus();
    buildToolBar();

    m_stack = new QStackedWidget(this);
    auto *welcome = new WelcomePage;
    connect(welcome, &WelcomePage::addRequested, this, &MainWindow::addChannel);
    connect(welcome, &WelcomePage::demoRequested, this, &MainWindow::startDemo);
    m_stack->addWidget(welcome);
    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_channelList);
    m_tabs = new PageTabs(m_events, m_jobs, m_trends);
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    // Until the user moves it, the channel list takes a quarter of the
    // window's width, between its minimum and 300 px: at 800 px the events
    // keep 600 px and their Text column stays in view. From then on, it
    // stays where the user put it.
    m_channelListWidth = new SplitterFitter(m_splitter, 0.25, ChannelList::kMinimumWidth, 300);
    m_stack->addWidget(m_splitter);
    setCentralWidget(m_stack);

    const WindowActions &a = m_actions;
    m_status = new StatusArea(this, manager, m_notifier);
    m_status->showTrayIcon({a.showWindow, a.attention, nullptr, a.mute, a.snooze, a.snoozeMorning,
                            a.unsnooze, a.notificationSettings, nullptr, a.pauseAll, a.resumeAll,
                            nullptr, a.quit});
    connect(m_status, &StatusArea::trayActivated, a.showWindow, &QAction::trigger);
    // A notification's "Show": every notification is about jobs.
    connect(m_status, &StatusArea::showRequested, this, [this](const QString &channelId) {
        m_actions.showWindow->trigger();
        if (Channel *channel = m_manager->channel(channelId))
            selectChannel(channel);
        showPage(PageTabs::JobsPage);
    });

    connect(m_channelList, &ChannelList::currentChannelChanged, this,
            &MainWindow::onCurrentChannelChanged);
    connect(m_channelList, &ChannelList::activated, this, &MainWindow::editChannel);
    m_channelList->setMenus(
        {a.edit, a.duplicate, nullptr, a.pause, a.reconnect, a.trust, nullptr, a.remove},
        {a.add, a.pauseAll, a.resumeAll}, a.trust);
    connect(m_events, &EventsPage::channelChosen, this, [this](Channel *channel) {
        selectChannel(channel);
        if (!channel) {
            m_events->setCurrentChannel(nullptr);
            m_jobs->setCurrentChannel(nullptr);
            m_trends->setCurrentChannel(nullptr);
        }
    });
    connect(m_events, &EventsPage::channelRenamed, m_jobs->model(), &JobModel::renameChannel);
    // A run on the Trends page: its channel's events, narrowed to its job.
    connect(m_trends, &TrendsPage::runActivated, this,
            [this](const QString &channelId, const QString &job) {
                if (Channel *channel = m_manager->channel(channelId))
                    selectChannel(channel);
                m_events->showText(job);
                showPage(PageTabs::EventsPage);
            });
    connect(m_trends, &TrendsPage::message, statusBar(), &QStatusBar::showMessage);
    connect(m_events, &EventsPage::retryRequested, a.reconnect, &QAction::trigger);
    connect(m_events, &EventsPage::editRequested, a.edit, &QAction::trigger);
    connect(m_events, &EventsPage::countsChanged, m_chrome, &Throttle::request);
    connect(m_events, &EventsPage::message, statusBar(), &QStatusBar::showMessage);
    connect(m_events, &EventsPage::followChanged, this, [this](bool follow) {
        const QSignalBlocker blocker(m_actions.follow);
        m_actions.follow->setChecked(follow);
    });
    connect(m_workspace, &WorkspaceActions::message, statusBar(), &QStatusBar::showMessage);
    connect(m_workspace, &WorkspaceActions::channelImported, this, &MainWindow::selectChannel);
    connect(m_channelActions, &ChannelActions::message, statusBar(), &QStatusBar::showMessage);
    connect(m_channelList, &ChannelList::message, statusBar(), &QStatusBar::showMessage);
    connect(m_channelActions, &ChannelActions::channelAdded, this, &MainWindow::selectChannel);

    connect(manager, &ChannelManager::batchReceived, this,
            [this](Channel *channel, const EventList &events) {
                m_events->addBatch(channel, events);
                m_jobs->addBatch(channel, events);
                m_chrome->request();
            });
    // The actions follow the selected channel's state and settings, with the
    // rest of the chrome (channelChanged() comes with every batch).
    connect(manager, &ChannelManager::channelChanged, this, [this](Channel *channel) {
        if (channel == currentChannel())
            m_chrome->request();
    });
    const auto channelsChanged = [this] {
        updateEmptyState();
        updateHealth();
    };
    connect(manager, &ChannelManager::channelAdded, this, channelsChanged);
    connect(manager, &ChannelManager::channelRemoved, this, channelsChanged);
    connect(m_notifier, &Notifier::notify, m_status, &StatusArea::showNotification);
    connect(m_notifier, &Notifier::healthChanged, m_chrome, &Throttle::request);
    connect(m_notifier, &Notifier::activeChanged, this, [this] {
        updateNotificationState();
        saveNotificationSettings(); // a snooze outlives a restart
    });
    connect(m_notifier, &Notifier::heldBackChanged, this, &MainWindow::updateNotificationState);
    connect(m_notifier, &Notifier::acknowledgementsChanged, m_chrome, &Throttle::request);
    connect(m_jobs->model(), &JobModel::countsChanged, m_chrome, &Throttle::request);

    updateEmptyState();
    refreshIcons();
    // Small enough for a 1366×768 laptop at 125 % and for tiling half a
    // 1366-px screen; below it the filter bar and the table's Text column
    // no longer fit.
    setMinimumSize(680, 420);
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

// ---------------------------------------------------------------- building

void MainWindow::connectActions()
{
    const WindowActions &a = m_actions;
    connect(a.add, &QAction::triggered, this, &MainWindow::addChannel);
    connect(a.demo, &QAction::triggered, this, &MainWindow::startDemo);
    connect(a.exportEvents, &QAction::triggered, this, &MainWindow::exportEvents);
    connect(a.openEventLog, &QAction::triggered, this, [this] {
        auto *chooser = new QFileDialog(this, tr("Open Event Log"), QString(),
                                        tr("Event logs (*.sqlite *.db);;All files (*)"));
        chooser->setObjectName(QStringLiteral("eventLogFileDialog"));
        chooser->setAttribute(Qt::WA_DeleteOnClose);
        chooser->setFileMode(QFileDialog::ExistingFile);
        connect(chooser, &QFileDialog::fileSelected, this, &MainWindow::openEventLog);
        chooser->open();
    });
    connect(a.importWorkspace, &QAction::triggered, this,
            [this] { m_workspace->chooseFile(false); });
    connect(a.exportWorkspace, &QAction::triggered, this,
            [this] { m_workspace->chooseFile(true); });
    connect(a.quit, &QAction::triggered, this, &QWidget::close);

    connect(a.edit, &QAction::triggered, this, [this] { editChannel(currentChannel()); });
    connect(a.duplicate, &QAction::triggered, this, [this] { duplicateChannel(currentChannel()); });
    connect(a.remove, &QAction::triggered, this, [this] { removeChannel(currentChannel()); });
    connect(a.pause, &QAction::triggered, this, [this] {
        m_channelActions->togglePause(currentChannel());
        updateActions();
    });
    connect(a.reconnect, &QAction::triggered, this, [this] {
        if (Channel *channel = currentChannel())
            channel->reconnect();
    });
    connect(a.trust, &QAction::triggered, this, [this] { trustCertificate(currentChannel()); });
    connect(a.pauseAll, &QAction::triggered, m_manager, &ChannelManager::pauseAll);
    connect(a.resumeAll, &QAction::triggered, m_manager, &ChannelManager::resumeAll);

    connect(a.eventsPage, &QAction::triggered, this, [this] { showPage(PageTabs::EventsPage); });
    connect(a.jobsPage, &QAction::triggered, this, [this] { showPage(PageTabs::JobsPage); });
    connect(a.trendsPage, &QAction::triggered, this, [this] { showPage(PageTabs::TrendsPage); });
    connect(a.find, &QAction::triggered, this, [this] {
        if (m_tabs->currentIndex() == PageTabs::JobsPage)
            m_jobs->focusFilter();
        else
            m_events->focusFilter();
    });
    connect(a.follow, &QAction::toggled, m_events, &EventsPage::setFollow);
    connect(a.details, &QAction::toggled, m_events, &EventsPage::setDetailsVisible);
    connect(a.compactChannels, &QAction::toggled, this,
            [this](bool compact) { m_channelList->setCompact(compact); });
    connect(a.failingFirst, &QAction::toggled, this,
            [this](bool first) { m_channelList->setTroubleFirst(first); });
    connect(a.clear, &QAction::triggered, this, [this] {
        m_events->clearView();
        updateTabTitles();
    });

    connect(a.mute, &QAction::toggled, m_notifier, &Notifier::setMuted);
    connect(a.snooze, &QAction::triggered, this, [this] { m_notifier->pauseFor(1h); });
    connect(a.snoozeMorning, &QAction::triggered, this, [this] {
        m_notifier->snoozeUntil(Notifier::nextMorning(QDateTime::currentDateTime()));
    });
    connect(a.snoozeUntil, &QAction::triggered, this,
            [this] { showNotificationSettings()->showTab(NotificationSettingsDialog::QuietTab); });
    connect(a.notificationSettings, &QAction::triggered, this,
            &MainWindow::showNotificationSettings);
    connect(a.attention, &QAction::triggered, this, &MainWindow::showAttention);
    connect(a.unsnooze, &QAction::triggered, m_notifier, &Notifier::resumeNotifications);
    connect(a.showWindow, &QAction::triggered, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    connect(a.help, &QAction::triggered, this, &MainWindow::showHelp);
    connect(a.shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(a.about, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::buildMenus()
{
    const WindowActions &a = m_actions;
    const auto menu = [this](const QString &title, const QList<QAction *> &actions) {
        QMenu *added = menuBar()->addMenu(title);
        for (QAction *action : actions) {
            if (action)
                added->addAction(action);
            else
                added->addSeparator();
        }
    };
    menu(tr("&File"), {a.add, a.demo, nullptr, a.exportEvents, a.openEventLog, nullptr,
                       a.importWorkspace, a.exportWorkspace, nullptr, a.quit});
    menu(tr("&Channel"), {a.edit, a.duplicate, a.remove, nullptr, a.pause, a.reconnect, nullptr,
                          a.pauseAll, a.resumeAll});
    menu(tr("&View"), {a.eventsPage, a.jobsPage, a.trendsPage, nullptr, a.find, a.follow, a.details,
                       a.clear, nullptr, a.compactChannels, a.failingFirst});
    menu(tr("&Notifications"), {a.mute, nullptr, a.snooze, a.snoozeMorning, a.snoozeUntil,
                                a.unsnooze, nullptr, a.attention, nullptr, a.notificationSettings});
    menu(tr("&Help"), {a.help, a.shortcuts, nullptr, a.about});
}

void MainWindow::buildToolBar()
{
    const WindowActions &a = m_actions;
    QToolBar *bar = addToolBar(tr("Main Toolbar"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setIconSize(QSize(18, 18));
    bar->addActions({a.add, a.edit, a.duplicate, a.remove});
    bar->addSeparator();
    bar->addActions({a.pause, a.reconnect});
    bar->addSeparator();
    bar->addActions({a.follow, a.clear});
    auto *spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addAction(a.attention);
    bar->addAction(a.mute);
}

void MainWindow::refreshIcons()
{
    m_actions.setIcons(palette());
    m_tabs->refreshIcons();
    m_status->refresh();
    updateNotificationState(); // the bell, as notifications stand
    updateTabTitles();
    updateHealth();
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_tabs)
        refreshIcons();
}

// ---------------------------------------------------------------- state

void MainWindow::updateChrome()
{
    updateHealth();
    m_actions.setAttentionCount(m_notifier->needsAttentionCount());
    updateTabTitles();
    m_events->updateHistoryBar();
}

void MainWindow::onCurrentChannelChanged()
{
    const Channel *channel = currentChannel();
    m_events->setCurrentChannel(channel);
    m_jobs->setCurrentChannel(channel);
    m_trends->setCurrentChannel(channel);
    updateActions();
}

void MainWindow::updateActions()
{
    const WindowActions &a = m_actions;
    Channel *channel = currentChannel();
    for (QAction *action : {a.edit, a.duplicate, a.remove, a.pause, a.reconnect})
        action->setEnabled(channel != nullptr);
    // Called with every change of the channels' health.
    m_actions.setPauseResumes(channel && channel->isPaused(), palette());
    const bool any = m_manager->count() > 0;
    a.pauseAll->setEnabled(any);
    a.resumeAll->setEnabled(any);
    a.demo->setEnabled(!m_demo || !m_demo->isRunning());
    a.exportEvents->setEnabled(m_log != nullptr);
    const QList<Channel *> channels = m_manager->channels();
    a.exportWorkspace->setEnabled(std::any_of(
        channels.cbegin(), channels.cend(), [](auto *each) { return !each->config().transient; }));
}

void MainWindow::updateEmptyState()
{
    const bool empty = m_manager->count() == 0;
    m_stack->setCurrentIndex(empty ? EmptyPage : WorkPage);
    m_channelList->setCount(m_manager->count());
    for (QAction *action : {m_actions.follow, m_actions.clear, m_actions.find})
        action->setEnabled(!empty);
}

void MainWindow::updateHealth()
{
    m_status->updateHealth();
    updateActions();
}

void MainWindow::updateNotificationState()
{
    m_actions.setNotificationState(*m_notifier, palette());
    m_status->updateNotificationState();
}

void MainWindow::updateTabTitles()
{
    const JobModel *jobs = m_jobs->model();
    m_tabs->updateTitles(eventModel()->rowCount(), jobs->rowCount(), jobs->failedCount());
    m_jobs->updateSummary();
    m_status->setEventsReceived(eventModel()->totalAppended());
}

void MainWindow::setEventLog(EventLog *reader, EventLogWriter *writer, EventRecorder *recorder)
{
    m_log = reader;
    m_channelActions->setEventLog(reader, recorder);
    m_channelModel->setEventLog(reader, writer);
    if (!m_events->setEventLog(reader, writer))
        setEventLogProblem(reader->errorString());
    m_jobs->setEventLog(reader);
    m_trends->setEventLog(reader ? reader->path() : QString(), writer);
    updateActions();
    updateTabTitles();
}

EventLogWindow *MainWindow::openEventLog(const QString &path)
{
    auto *window = new EventLogWindow(this);
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->setWindowFlag(Qt::Window);
    if (!window->open(path)) {
        QMessageBox::warning(
            this, tr("Open Event Log"),
            tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), window->errorString()));
        delete window;
        return nullptr;
    }
    window->show();
    return window;
}

ExportDialog *MainWindow::exportEvents()
{
    if (!m_log)
        return nullptr;
    auto *dialog = new ExportDialog(m_log->path(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QList<ExportChannel> channels;
    for (const Channel *channel : m_manager->channels())
        channels.append({channel->id(), channel->name()});
    dialog->setChannels(channels);
    dialog->setEventTypes(eventModel()->types());
    const EventQuery view = m_events->currentView();
    if (!view.channels.isEmpty() || !view.types.isEmpty() || !view.text.isEmpty())
        dialog->setCurrentView(view);
    dialog->open();
    return dialog;
}

bool MainWindow::startDemo()
{
    if (!m_demo) {
        m_demo = new Demo(m_manager, this);
        // With an event log, the demo's events go on where they stopped.
        if (m_log && !m_log->path().isEmpty()) {
            m_demo->setJournalPath(QFileInfo(m_log->path()).absolutePath() +
                                   QStringLiteral("/demo-journal.ndjson"));
        }
    }
    const bool wasRunning = m_demo->isRunning();
    if (!m_demo->start()) {
        QMessageBox::warning(this, tr("Demo"), m_demo->errorString());
        return false;
    }
    if (!wasRunning) {
        statusBar()->showMessage(
            tr("Demo feed server running at %1.").arg(m_demo->server()->baseUrl().toString()),
            8000);
        if (m_manager->count() > 0 && !currentChannel())
            selectChannel(nullptr);
    }
    updateActions();
    return true;
}

HelpWindow *MainWindow::showHelp()
{
    if (!m_helpWindow) {
        m_helpWindow = new HelpWindow(this);
        m_helpWindow->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_helpWindow->show();
    m_helpWindow->raise();
    m_helpWindow->activateWindow();
    return m_helpWindow;
}

ShortcutsDialog *MainWindow::showShortcuts()
{
    if (!m_shortcutsDialog) {
        m_shortcutsDialog = new ShortcutsDialog(this);
        m_shortcutsDialog->setAttribute(Qt::WA_DeleteOnClose);
    } else {
        m_shortcutsDialog->refresh();
    }
    m_shortcutsDialog->show();
    m_shortcutsDialog->raise();
    m_shortcutsDialog->activateWindow();
    return m_shortcutsDialog;
}

NotificationSettingsDialog *MainWindow::showNotificationSettings()
{
    if (!m_notificationSettings) {
        m_notificationSettings = new NotificationSettingsDialog(m_notifier, m_manager, this);
        m_notificationSettings->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_notificationSettings, &NotificationSettingsDialog::applied, this, [this] {
            saveNotificationSettings();
            updateNotificationState();
        });
        m_notificationSettings->open();
    }
    m_notificationSettings->raise();
    m_notificationSettings->activateWindow();
    return m_notificationSettings;
}

AttentionDialog *MainWindow::showAttention()
{
    if (!m_attention) {
        m_attention = new AttentionDialog(m_manager, m_jobs->model(), m_notifier, this);
        m_attention->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_attention, &AttentionDialog::showRequested, this,
                [this](const QString &channelId) {
                    if (Channel *channel = m_manager->channel(channelId))
                        selectChannel(channel);
                    showPage(PageTabs::JobsPage);
                });
    }
    m_attention->show();
    m_attention->raise();
    m_attention->activateWindow();
    return m_attention;
}

QDialog *MainWindow::showAbout()
{
    QString settingsPath;
    withSettings([&settingsPath](QSettings &settings) { settingsPath = settings.fileName(); });
    auto *dialog = new AboutDialog(settingsPath, m_log ? m_log->path() : QString(),
                                   m_manager->secretLocation(), this);
    dialog->open();
    return dialog;
}

// ---------------------------------------------------------------- settings

void MainWindow::withSettings(const std::function<void(QSettings &)> &use)
{
    if (m_settings) {
        use(*m_settings);
        return;
    }
    QSettings settings;
    use(settings);
}

void MainWindow::loadNotificationSettings()
{
    withSettings([this](QSettings &settings) {
        settings.beginGroup(QStringLiteral("notifications"));
        m_notifier->setDefaultRules(NotificationRules::fromVariantMap(
            settings.value(QStringLiteral("defaultRules")).toMap()));
        m_notifier->setQuietHours(
            QuietHours::fromVariantMap(settings.value(QStringLiteral("quietHours")).toMap()));
        m_notifier->sounds()->setSettings(NotificationSoundSettings::fromVariantMap(
            settings.value(QStringLiteral("sounds")).toMap()));
        const QDateTime snoozed = settings.value(QStringLiteral("snoozedUntil")).toDateTime();
        if (snoozed.isValid())
            m_notifier->snoozeUntil(snoozed);
        settings.endGroup();
    });
}

void MainWindow::saveNotificationSettings()
{
    withSettings([this](QSettings &settings) {
        settings.beginGroup(QStringLiteral("notifications"));
        settings.setValue(QStringLiteral("defaultRules"),
                          m_notifier->defaultRules().toVariantMap());
        settings.setValue(QStringLiteral("quietHours"), m_notifier->quietHours().toVariantMap());
        settings.setValue(QStringLiteral("sounds"),
                          m_notifier->sounds()->settings().toVariantMap());
        settings.setValue(QStringLiteral("snoozedUntil"), m_notifier->pausedUntil());
        settings.endGroup();
    });
}

void MainWindow::restoreWindowState()
{
    withSettings([this](QSettings &settings) {
        settings.beginGroup(QStringLiteral("window"));
        restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
        restoreState(settings.value(QStringLiteral("state")).toByteArray());
        // A splitter that was placed by hand is put back; one that followed
        // the window's width goes on doing so.
        if (settings.value(QStringLiteral("channelListPlaced"), false).toBool()) {
            m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
            m_channelListWidth->setPlaced(true);
        }
        m_events->restoreState(settings);
        m_jobs->restoreState(settings);
        m_channelList->restoreState(settings);
        m_tabs->setCurrentIndex(settings.value(QStringLiteral("page"), 0).toInt());
        m_actions.details->setChecked(settings.value(QStringLiteral("details"), true).toBool());
        m_actions.compactChannels->setChecked(
            settings.value(QStringLiteral("compactChannels"), false).toBool());
        m_actions.failingFirst->setChecked(
            settings.value(QStringLiteral("channelsInTroubleFirst"), false).toBool());
        settings.endGroup();
    });
}

void MainWindow::saveWindowState()
{
    withSettings([this](QSettings &settings) {
        settings.beginGroup(QStringLiteral("window"));
        settings.setValue(QStringLiteral("geometry"), saveGeometry());
        settings.setValue(QStringLiteral("state"), saveState());
        settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
        settings.setValue(QStringLiteral("channelListPlaced"), m_channelListWidth->isPlaced());
        m_events->saveState(settings);
        m_jobs->saveState(settings);
        m_channelList->saveState(settings);
        settings.setValue(QStringLiteral("page"), m_tabs->currentIndex());
        settings.setValue(QStringLiteral("details"), m_actions.details->isChecked());
        settings.setValue(QStringLiteral("compactChannels"),
                          m_actions.compactChannels->isChecked());
        settings.setValue(QStringLiteral("channelsInTroubleFirst"),
                          m_actions.failingFirst->isChecked());
        settings.endGroup();
    });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    QMainWindow::closeEvent(event);
}

} // namespace Longwatch
