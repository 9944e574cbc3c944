#include "mainwindow.h"

#include "eventtableview.h"

#include "channel.h"
#include "channelbanner.h"
#include "channeldelegate.h"
#include "channeldialog.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "demo.h"
#include "elidedlabel.h"
#include "eventdelegate.h"
#include "eventfiltermodel.h"
#include "eventmodel.h"
#include "eventrecorder.h"
#include "eventstore.h"
#include "exportdialog.h"
#include "feedserver.h"
#include "filelocations.h"
#include "helpwindow.h"
#include "icons.h"
#include "jobdelegates.h"
#include "jobfiltermodel.h"
#include "jobmodel.h"
#include "jobstatus.h"
#include "jsonhighlighter.h"
#include "logging.h"
#include "paintpacer.h"
#include "shortcutsdialog.h"
#include "statuscolors.h"
#include "storewriter.h"
#include "tlsinfo.h"
#include "widthfitters.h"
#include "workspace.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

using namespace std::chrono_literals;

namespace Longwatch {

namespace {

enum Page { EmptyPage, WorkPage };
enum Tab { EventsTab, JobsTab };

/// Rows of a frame (16 ms) that go into the table as they come, each batch
/// at once: a trickle (~1,000 a second) is shown without delay.
constexpr qsizetype kTrickleRowsPerFrame = 16;
/// More rows than this in one frame (~4,000 a second) is a flood: the table
/// then takes rows in ten times a second.
constexpr qsizetype kFloodRowsPerFrame = 64;

QFont scaled(QFont font, qreal factor, bool bold = false)
{
    font.setPointSizeF(font.pointSizeF() * factor);
    font.setBold(bold);
    return font;
}

/// A heading and a list in a message box: short lists in full, long ones
/// behind "Show Details".
void setListText(QMessageBox *box, const QString &heading, const QStringList &items)
{
    constexpr int kShown = 8;
    QStringList shown = items.mid(0, kShown);
    if (items.size() > kShown)
        shown << QMessageBox::tr("… and %n more (see the details)", nullptr,
                                 int(items.size() - kShown));
    box->setInformativeText(heading + QLatin1Char('\n') + QStringLiteral("• ") +
                            shown.join(QStringLiteral("\n• ")));
    if (items.size() > kShown)
        box->setDetailedText(items.join(QLatin1Char('\n')));
}

/// A tab's new title, on its tab bar: QTabWidget::setTabText() lays the tab
/// widget out again and repaints all of it, every widget of the page shown
/// included (the event table's cells too), even for the same text. The tab
/// bar repaints itself, and asks for a layout if its size changed (see
/// TabLayoutFilter).
void setTabText(QTabWidget *tabs, int index, const QString &text)
{
    if (tabs->tabText(index) != text)
        tabs->tabBar()->setTabText(index, text);
}

/// Keeps a QTabWidget from repainting all of itself when a tab's title
/// changes and its tab bar keeps its size: the "Events (1,234)" count
/// changes ten times a second under a trickle, and each change made the tab
/// widget lay itself out again (the tab bar's LayoutRequest) and repaint
/// every widget of the page shown, the event table's cells included. The tab bar repaints itself;
/// the layout is only needed when its size changes (QTabWidget::setUpLayout() sets the tab bar's
/// and the pages' geometry, and tells its own parent about its size hints).
class TabLayoutFilter final : public QObject
{
public:
    explicit TabLayoutFilter(QTabWidget *tabs)
        : QObject(tabs)
        , m_tabs(tabs)
    {
        tabs->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched != m_tabs || event->type() != QEvent::LayoutRequest)
            return false;
        const QTabBar *bar = m_tabs->tabBar();
        const QSize hint = bar->sizeHint();
        const QSize pages =
            m_tabs->currentWidget() ? m_tabs->currentWidget()->minimumSizeHint() : QSize();
        // Laid out for the same sizes: nothing to do (a document-mode tab bar
        // is as wide as the tab widget, not as its hint).
        const bool same = bar->isVisible() && hint == m_laidOutBar && pages == m_laidOutPages;
        m_laidOutBar = hint;
        m_laidOutPages = pages;
        return same;
    }

private:
    QTabWidget *m_tabs;
    QSize m_laidOutBar;   ///< the tab bar's size hint at the last layout
    QSize m_laidOutPages; ///< the page's minimum size hint then
};

QLabel *dimLabel(const QString &text = {})
{
    auto *label = new QLabel(text);
    QPalette palette = label->palette();
    QColor dim = palette.color(QPalette::WindowText);
    dim.setAlphaF(0.7);
    palette.setColor(QPalette::WindowText, dim);
    label->setPalette(palette);
    return label;
}

} // namespace

MainWindow::MainWindow(ChannelManager *manager, QSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_manager(manager)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Longwatch"));
    setWindowIcon(Icons::application());

    m_channelModel = new ChannelModel(manager, this);
    m_eventModel = new EventModel(this);
    m_eventFilter = new EventFilterModel(this);
    m_eventFilter->setSourceModel(m_eventModel);
    m_jobModel = new JobModel(this);
    m_jobFilter = new JobFilterModel(this);
    m_jobFilter->setSourceModel(m_jobModel);
    m_notifier = new Notifier(manager, m_jobModel, this);

    buildActions();
    buildMenus();
    buildToolBar();

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(buildEmptyState());
    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(buildChannelPanel());
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("pages"));
    m_tabs->setDocumentMode(true);
    new TabLayoutFilter(m_tabs);
    m_tabs->addTab(buildEventsPage(), tr("Events"));
    m_tabs->addTab(buildJobsPage(), tr("Jobs"));
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    // Until the user moves it, the channel list takes a quarter of the
    // window's width, between its minimum and 300 px: at 800 px the events
    // keep 600 px and their Text column stays in view. From then on, it
    // stays where the user put it.
    m_channelList = new SplitterFitter(m_splitter, 0.25, kChannelListMinWidth, 300);
    m_stack->addWidget(m_splitter);
    setCentralWidget(m_stack);

    buildStatusBar();
    buildTray();

    m_replayTimer.setSingleShot(true);
    connect(&m_replayTimer, &QTimer::timeout, this, &MainWindow::replayNextJobs);
    connect(manager, &ChannelManager::batchReceived, this, &MainWindow::onBatch);
    connect(manager, &ChannelManager::channelChanged, this, &MainWindow::onChannelChanged);
    connect(manager, &ChannelManager::channelStateChanged, this, [this](Channel *channel) {
        if (channel->error() != Poller::Error::ProxyAuthenticationError) {
            if (channel->state() == Poller::State::Live)
                m_proxyAsked.remove(channel->id());
            return;
        }
        if (m_proxyAsked.contains(channel->id()))
            return;
        m_proxyAsked.insert(channel->id());
        askProxyCredentials(channel);
    });
    connect(manager, &ChannelManager::channelAdded, this, [this](Channel *channel) {
        m_names.insert(channel->id(), channel->name());
        m_eventModel->setJobMapping(channel->id(), channel->config().jobs);
        replayJobs(channel);
        updateEmptyState();
        updateChannelFilterCombo();
        updateHealth();
    });
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        m_names.remove(id);
        m_jobModel->removeChannel(id);
        if (m_eventFilter->channelId() == id)
            m_eventFilter->setChannelId({});
        if (m_jobFilter->channelId() == id)
            m_jobFilter->setChannelId({});
        updateEmptyState();
        updateChannelFilterCombo();
        updateHealth();
        updateActions();
    });
    connect(m_notifier, &Notifier::notify, this, &MainWindow::showNotification);
    connect(m_notifier, &Notifier::healthChanged, this, &MainWindow::scheduleChrome);
    connect(m_notifier, &Notifier::activeChanged, this, &MainWindow::updateNotificationState);
    connect(m_jobModel, &JobModel::countsChanged, this, &MainWindow::scheduleChrome);
    // The window's chrome (health, tab titles, history bar) follows the
    // channels at most ten times a second: under a flood of events, redoing
    // it for every batch would take the UI thread's time from the events.
    m_rowsTimer.setSingleShot(true);
    m_rowsTimer.setInterval(16ms);
    connect(&m_rowsTimer, &QTimer::timeout, this, [this] {
        // A frame ends: what waited goes in, and opens the next frame.
        m_frameRows = 0;
        if (m_pendingRows.isEmpty())
            return;
        flushRows();
        m_rowsTimer.setInterval(m_frameRows > kFloodRowsPerFrame ? 100ms : 16ms);
        m_rowsTimer.start();
    });
    m_chromeTimer.setSingleShot(true);
    m_chromeTimer.setInterval(100ms);
    connect(&m_chromeTimer, &QTimer::timeout, this, [this] {
        if (!m_chromeDirty)
            return;
        m_chromeDirty = false;
        updateChrome();
        m_chromeTimer.start();
    });
    // Following the newest row: scrolled to once a frame. A scroll moves the
    // rows painted and paints only the new ones (EventTableView), so a
    // paint costs what the rows of one frame cost, and the shorter paints
    // hold up the next batch less.
    m_followTimer.setSingleShot(true);
    m_followTimer.setInterval(16ms);
    connect(&m_followTimer, &QTimer::timeout, this, [this] {
        if (m_follow)
            m_eventView->scrollToBottom();
    });
    connect(m_eventModel, &EventModel::typesChanged, this, &MainWindow::updateTypeFilter);

    for (Channel *channel : manager->channels()) {
        m_names.insert(channel->id(), channel->name());
        m_eventModel->setJobMapping(channel->id(), channel->config().jobs);
    }
    updateChannelFilterCombo();
    updateEmptyState();
    updateActions();
    updateHealth();
    updateNotificationState();
    updateTabTitles();
    refreshIcons();
    // Small enough for a 1366×768 laptop at 125 % and for tiling half a
    // 1366-px screen; below it the filter bar and the table's Text column
    // no longer fit.
    setMinimumSize(680, 420);
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

// ---------------------------------------------------------------- building

void MainWindow::buildActions()
{
    const auto make = [this](const QString &text, const QKeySequence &shortcut,
                             const QString &tip = {}) {
        auto *action = new QAction(text, this);
        if (!shortcut.isEmpty())
            action->setShortcut(shortcut);
        action->setToolTip(tip.isEmpty()
                               ? QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("…"))
                               : tip);
        return action;
    };

    m_addAction = make(tr("&Add Channel…"), QKeySequence::New, tr("Add a channel (Ctrl+N)"));
    m_addAction->setIconText(tr("Add Channel"));
    connect(m_addAction, &QAction::triggered, this, &MainWindow::addChannel);
    m_demoAction = make(tr("Try the &Demo"), {},
                        tr("Start a demo feed server in Longwatch and watch its channels"));
    connect(m_demoAction, &QAction::triggered, this, &MainWindow::startDemo);
    m_exportEventsAction = make(tr("&Export Events…"), QKeySequence(Qt::CTRL | Qt::Key_S),
                                tr("Export events from the event log as CSV, NDJSON or JSON "
                                   "(Ctrl+S)"));
    m_exportEventsAction->setEnabled(false); // until there is an event log
    connect(m_exportEventsAction, &QAction::triggered, this, &MainWindow::exportEvents);
    m_importWorkspaceAction =
        make(tr("&Import Workspace…"), {}, tr("Add the channels of a workspace file"));
    connect(m_importWorkspaceAction, &QAction::triggered, this,
            [this] { chooseWorkspaceFile(false); });
    m_exportWorkspaceAction = make(tr("E&xport Workspace…"), {},
                                   tr("Save the channels to a workspace file, without secrets"));
    connect(m_exportWorkspaceAction, &QAction::triggered, this,
            [this] { chooseWorkspaceFile(true); });
    m_quitAction = make(tr("&Quit"), QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_editAction = make(tr("&Edit…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                        tr("Edit the selected channel (Ctrl+E)"));
    m_editAction->setPriority(QAction::LowPriority);
    connect(m_editAction, &QAction::triggered, this, [this] { editChannel(currentChannel()); });
    m_duplicateAction =
        make(tr("D&uplicate…"), QKeySequence(Qt::CTRL | Qt::Key_D),
             tr("Add a copy of the selected channel, after you check its settings (Ctrl+D)"));
    m_duplicateAction->setPriority(QAction::LowPriority);
    connect(m_duplicateAction, &QAction::triggered, this, &MainWindow::duplicateCurrent);
    m_removeAction =
        make(tr("&Remove…"), QKeySequence::Delete, tr("Remove the selected channel (Del)"));
    m_removeAction->setPriority(QAction::LowPriority);
    connect(m_removeAction, &QAction::triggered, this, &MainWindow::removeCurrent);
    m_pauseAction = make(tr("&Pause"), QKeySequence(Qt::CTRL | Qt::Key_P),
                         tr("Pause or resume the selected channel (Ctrl+P)"));
    connect(m_pauseAction, &QAction::triggered, this, &MainWindow::togglePauseCurrent);
    m_reconnectAction = make(tr("Re&connect Now"), QKeySequence(Qt::Key_F5),
                             tr("Poll the selected channel now, ending any wait (F5)"));
    m_reconnectAction->setIconText(tr("Reconnect"));
    connect(m_reconnectAction, &QAction::triggered, this, &MainWindow::reconnectCurrent);
    m_trustAction = new QAction(tr("&Trust This Certificate for This Channel…"), this);
    m_trustAction->setObjectName(QStringLiteral("trustCertificateAction"));
    connect(m_trustAction, &QAction::triggered, this,
            [this] { trustCertificate(currentChannel()); });
    m_pauseAllAction = make(tr("Pause &All Channels"), {});
    connect(m_pauseAllAction, &QAction::triggered, m_manager, &ChannelManager::pauseAll);
    m_resumeAllAction = make(tr("Resume A&ll Channels"), {});
    connect(m_resumeAllAction, &QAction::triggered, m_manager, &ChannelManager::resumeAll);

    m_eventsPageAction = make(tr("&Events"), QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(m_eventsPageAction, &QAction::triggered, this, [this] { showPage(EventsTab); });
    m_jobsPageAction = make(tr("&Jobs"), QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(m_jobsPageAction, &QAction::triggered, this, [this] { showPage(JobsTab); });
    m_findAction = make(tr("&Filter…"), QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        QLineEdit *edit = m_tabs->currentIndex() == JobsTab ? m_jobSearch : m_eventSearch;
        edit->setFocus(Qt::ShortcutFocusReason);
        edit->selectAll();
    });
    m_followAction = make(tr("&Follow New Events"), QKeySequence(Qt::CTRL | Qt::Key_L),
                          tr("Keep the newest event in view (Ctrl+L)"));
    m_followAction->setIconText(tr("Follow"));
    m_followAction->setCheckable(true);
    m_followAction->setChecked(true);
    connect(m_followAction, &QAction::toggled, this, &MainWindow::setFollow);
    m_detailsAction = make(tr("Event &Details"), QKeySequence(Qt::CTRL | Qt::Key_I),
                           tr("Show the selected event's JSON (Ctrl+I)"));
    m_detailsAction->setCheckable(true);
    m_detailsAction->setChecked(true);
    m_clearAction = make(tr("&Clear Events"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K),
                         tr("Clear the event table; the event log keeps them (Ctrl+Shift+K)"));
    m_clearAction->setPriority(QAction::LowPriority);
    connect(m_clearAction, &QAction::triggered, this, [this] {
        // Hides the rows, not the events: Load Older brings them back.
        m_eventModel->clear();
        m_viewCleared = m_eventModel->canFetchOlder();
        updateTabTitles();
        updateDetails();
        updateHistoryBar();
    });

    m_muteAction = make(tr("&Mute Notifications"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M),
                        tr("Mute all notifications (Ctrl+Shift+M)"));
    m_muteAction->setObjectName(QStringLiteral("muteNotifications"));
    m_muteAction->setIconText(tr("Mute"));
    m_muteAction->setCheckable(true);
    m_muteAction->setPriority(QAction::LowPriority);
    connect(m_muteAction, &QAction::toggled, m_notifier, &Notifier::setMuted);
    m_snoozeAction = make(tr("&Pause Notifications for an Hour"), {});
    m_snoozeAction->setObjectName(QStringLiteral("pauseNotifications"));
    connect(m_snoozeAction, &QAction::triggered, this, [this] { m_notifier->pauseFor(1h); });
    m_unsnoozeAction = make(tr("&Resume Notifications"), {});
    m_unsnoozeAction->setObjectName(QStringLiteral("resumeNotifications"));
    connect(m_unsnoozeAction, &QAction::triggered, m_notifier, &Notifier::resumeNotifications);
    m_showWindowAction = make(tr("&Show Longwatch"), {});
    connect(m_showWindowAction, &QAction::triggered, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    m_helpAction =
        make(tr("Longwatch &Help"), QKeySequence::HelpContents, tr("Read the documentation (F1)"));
    m_helpAction->setObjectName(QStringLiteral("helpAction"));
    connect(m_helpAction, &QAction::triggered, this, &MainWindow::showHelp);
    m_shortcutsAction = make(tr("&Keyboard Shortcuts"), {});
    m_shortcutsAction->setObjectName(QStringLiteral("shortcutsAction"));
    connect(m_shortcutsAction, &QAction::triggered, this, &MainWindow::showShortcuts);
    m_aboutAction = make(tr("&About Longwatch"), {});
    m_aboutAction->setObjectName(QStringLiteral("aboutAction"));
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_addAction);
    file->addAction(m_demoAction);
    file->addSeparator();
    file->addAction(m_exportEventsAction);
    file->addSeparator();
    file->addAction(m_importWorkspaceAction);
    file->addAction(m_exportWorkspaceAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    m_channelMenu = menuBar()->addMenu(tr("&Channel"));
    m_channelMenu->addAction(m_editAction);
    m_channelMenu->addAction(m_duplicateAction);
    m_channelMenu->addAction(m_removeAction);
    m_channelMenu->addSeparator();
    m_channelMenu->addAction(m_pauseAction);
    m_channelMenu->addAction(m_reconnectAction);
    m_channelMenu->addSeparator();
    m_channelMenu->addAction(m_pauseAllAction);
    m_channelMenu->addAction(m_resumeAllAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_eventsPageAction);
    view->addAction(m_jobsPageAction);
    view->addSeparator();
    view->addAction(m_findAction);
    view->addAction(m_followAction);
    view->addAction(m_detailsAction);
    view->addAction(m_clearAction);

    QMenu *notifications = menuBar()->addMenu(tr("&Notifications"));
    notifications->addAction(m_muteAction);
    notifications->addAction(m_snoozeAction);
    notifications->addAction(m_unsnoozeAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_helpAction);
    help->addAction(m_shortcutsAction);
    help->addSeparator();
    help->addAction(m_aboutAction);
}

void MainWindow::buildToolBar()
{
    QToolBar *bar = addToolBar(tr("Main Toolbar"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setIconSize(QSize(18, 18));
    bar->addAction(m_addAction);
    bar->addAction(m_editAction);
    bar->addAction(m_duplicateAction);
    bar->addAction(m_removeAction);
    bar->addSeparator();
    bar->addAction(m_pauseAction);
    bar->addAction(m_reconnectAction);
    bar->addSeparator();
    bar->addAction(m_followAction);
    bar->addAction(m_clearAction);
    auto *spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addAction(m_muteAction);
}

QWidget *MainWindow::buildChannelPanel()
{
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(6, 6, 0, 6);
    layout->setSpacing(4);
    m_channelHeader = dimLabel();
    m_channelHeader->setFont(scaled(font(), 0.92, true));
    layout->addWidget(m_channelHeader);

    m_channelView = new QListView;
    m_channelView->setObjectName(QStringLiteral("channelView"));
    m_channelView->setModel(m_channelModel);
    m_channelView->setItemDelegate(new ChannelDelegate(m_channelView));
    m_channelView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_channelView->setContextMenuPolicy(Qt::CustomContextMenu);
    // Failed and retrying rows are taller (ChannelDelegate): rows differ in
    // height, and follow the view's width.
    m_channelView->setUniformItemSizes(false);
    m_channelView->setWordWrap(true);
    m_channelView->setMouseTracking(true);
    m_channelView->setMinimumWidth(kChannelListMinWidth);
    m_channelView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_channelView->setAccessibleName(tr("Channels"));
    connect(m_channelView, &QListView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_channelView->indexAt(pos);
        QMenu menu(this);
        if (index.isValid()) {
            m_channelView->setCurrentIndex(index);
            menu.addAction(m_editAction);
            menu.addAction(m_duplicateAction);
            menu.addSeparator();
            menu.addAction(m_pauseAction);
            menu.addAction(m_reconnectAction);
            if (const Channel *channel = m_channelModel->channel(index);
                channel && channel->tlsFailure().canBePinned())
                menu.addAction(m_trustAction);
            menu.addSeparator();
            menu.addAction(m_removeAction);
        } else {
            menu.addAction(m_addAction);
            menu.addAction(m_pauseAllAction);
            menu.addAction(m_resumeAllAction);
        }
        menu.exec(m_channelView->viewport()->mapToGlobal(pos));
    });
    connect(m_channelView, &QListView::activated, this,
            [this](const QModelIndex &index) { editChannel(m_channelModel->channel(index)); });
    connect(m_channelView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onCurrentChannelChanged);
    connect(m_channelView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onCurrentChannelChanged);
    layout->addWidget(m_channelView, 1);
    return panel;
}

QWidget *MainWindow::buildEventsPage()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);

    // Why the selected channel fails, above its events (hidden while it is well).
    auto *banner = new ChannelBanner(m_channelModel);
    const auto showBannerFor = [this, banner] {
        banner->setCurrentIndex(m_channelModel->indexOf(currentChannel()));
    };
    connect(m_channelView->selectionModel(), &QItemSelectionModel::currentChanged, banner,
            showBannerFor);
    connect(m_channelView->selectionModel(), &QItemSelectionModel::selectionChanged, banner,
            showBannerFor);
    connect(banner, &ChannelBanner::retryRequested, m_reconnectAction, &QAction::trigger);
    connect(banner, &ChannelBanner::editRequested, m_editAction, &QAction::trigger);
    layout->addWidget(banner);

    auto *bar = new QHBoxLayout;
    m_eventSearch = new QLineEdit;
    m_eventSearch->setObjectName(QStringLiteral("eventSearch"));
    m_eventSearch->setPlaceholderText(tr("Filter events by text, job, id or type (Ctrl+F)"));
    m_eventSearch->setClearButtonEnabled(true);
    m_eventSearch->setMinimumWidth(160); // still usable at the window's minimum width
    m_eventSearch->setAccessibleName(tr("Filter events"));
    m_filterDelay.setSingleShot(true);
    m_filterDelay.setInterval(150ms);
    connect(m_eventSearch, &QLineEdit::textChanged, this, [this] { m_filterDelay.start(); });
    // Typing into a 100 000-row filter: wait for a pause in the keys.
    const auto applyText = [this] {
        m_filterDelay.stop();
        m_eventFilter->setText(m_eventSearch->text());
        updateHistoryBar();
    };
    connect(&m_filterDelay, &QTimer::timeout, this, applyText);
    connect(m_eventSearch, &QLineEdit::returnPressed, this, applyText);
    m_typeFilter = new QComboBox;
    m_typeFilter->setObjectName(QStringLiteral("typeFilter"));
    m_typeFilter->setAccessibleName(tr("Event type"));
    m_typeFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_typeFilter->addItem(tr("All types"), QString());
    connect(m_typeFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_eventFilter->setType(m_typeFilter->currentData().toString());
        updateHistoryBar();
    });
    m_channelFilter = new QComboBox;
    m_channelFilter->setObjectName(QStringLiteral("channelFilter"));
    m_channelFilter->setAccessibleName(tr("Channel"));
    m_channelFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_channelFilter, &QComboBox::activated, this, [this] {
        const QString id = m_channelFilter->currentData().toString();
        Channel *channel = m_manager->channel(id);
        selectChannel(channel);
        if (!channel) {
            m_eventFilter->setChannelId({});
            m_jobFilter->setChannelId({});
        }
    });
    // Filters stay set when another channel is selected; while a text or a
    // type is set, this says so and clears both in one click.
    m_clearFiltersButton = new QPushButton(tr("Clear Filters"));
    m_clearFiltersButton->setObjectName(QStringLiteral("clearFiltersButton"));
    m_clearFiltersButton->setToolTip(tr("Show the events of every type, without a text filter"));
    m_clearFiltersButton->hide();
    connect(m_clearFiltersButton, &QPushButton::clicked, this, &MainWindow::clearEventFilters);
    bar->addWidget(m_eventSearch, 1);
    bar->addWidget(m_typeFilter);
    bar->addWidget(m_channelFilter);
    bar->addWidget(m_clearFiltersButton);
    layout->addLayout(bar);

    // How many events the view shows, and, with a log, where the rows stand
    // in it.
    m_historyBar = new QWidget;
    m_historyBar->setObjectName(QStringLiteral("historyBar"));
    auto *historyLayout = new QHBoxLayout(m_historyBar);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    m_historyLabel = dimLabel();
    m_historyLabel->setObjectName(QStringLiteral("historyLabel"));
    m_olderButton = new QPushButton(tr("Load Older"));
    m_olderButton->setObjectName(QStringLiteral("loadOlderButton"));
    m_olderButton->setToolTip(tr("Read older events from the event log (or scroll to the top)"));
    connect(m_olderButton, &QPushButton::clicked, this, [this] {
        setFollow(false);
        loadOlderEvents();
        m_eventView->scrollToTop();
    });
    m_newestButton = new QPushButton(tr("Jump to Newest"));
    m_newestButton->setObjectName(QStringLiteral("jumpToNewestButton"));
    connect(m_newestButton, &QPushButton::clicked, this, &MainWindow::jumpToNewest);
    for (QPushButton *button : {m_olderButton, m_newestButton}) {
        button->setFlat(true);
        button->hide(); // until there is a log
    }
    historyLayout->addWidget(m_historyLabel, 1);
    historyLayout->addWidget(m_olderButton);
    historyLayout->addWidget(m_newestButton);
    layout->addWidget(m_historyBar);

    m_eventView = new EventTableView;
    m_eventView->setObjectName(QStringLiteral("eventView"));
    m_eventView->setModel(m_eventFilter);
    m_eventView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_eventView->setAlternatingRowColors(true);
    m_eventView->setShowGrid(false);
    m_eventView->setWordWrap(false);
    m_eventView->setTextElideMode(Qt::ElideRight);
    m_eventView->setItemDelegate(new EventDelegate(m_eventView));
    m_eventView->setAccessibleName(tr("Events"));
    m_eventView->verticalHeader()->hide();
    m_eventView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_eventView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView *header = m_eventView->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    // The columns share the table's width until the user resizes one; the
    // Text column keeps at least 200 px of it.
    m_eventColumns = new HeaderFitter(header, 200);
    const int timeWidth = fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000")) + 24;
    m_eventColumns->setSection(EventModel::TimeColumn, timeWidth, timeWidth);
    m_eventColumns->setSection(EventModel::ChannelColumn, 130, 72);
    m_eventColumns->setSection(EventModel::IdColumn, 64, 40);
    m_eventColumns->setSection(EventModel::TypeColumn, 130, 72);
    m_eventColumns->setSection(EventModel::JobColumn, 130, 72);
    m_eventColumns->fit();
    connect(m_eventView, &EventTableView::placeholderLinkActivated, this,
            [this](const QString &link) {
                if (link == QLatin1String("clear-filters")) {
                    clearEventFilters();
                } else if (link == QLatin1String("load-older")) {
                    m_olderButton->click();
                }
            });
    // The caption counts what the filter lets through.
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_eventFilter, signal, this, &MainWindow::scheduleChrome);
    connect(m_eventView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::updateDetails);
    connect(m_eventFilter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow && !m_followTimer.isActive())
            m_followTimer.start();
    });
    connect(m_eventFilter, &QAbstractItemModel::modelReset, this, &MainWindow::updateDetails);
    connect(m_eventView->verticalScrollBar(), &QScrollBar::actionTriggered, this,
            &MainWindow::onEventScrollAction);
    updateHistoryBar();

    auto *detailPane = new QWidget;
    auto *detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(0, 4, 0, 0);
    detailLayout->setSpacing(4);
    m_detailHeader = dimLabel();
    m_detailHeader->setTextFormat(Qt::PlainText);
    m_detailHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail = new QPlainTextEdit;
    m_detail->setObjectName(QStringLiteral("eventDetail"));
    m_detail->setReadOnly(true);
    m_detail->setAccessibleName(tr("Event details"));
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setTabChangesFocus(true);
    m_highlighter = new JsonHighlighter(m_detail->document());
    detailLayout->addWidget(m_detailHeader);
    detailLayout->addWidget(m_detail, 1);
    connect(m_detailsAction, &QAction::toggled, detailPane, &QWidget::setVisible);

    m_eventSplitter = new QSplitter(Qt::Vertical);
    m_eventSplitter->setObjectName(QStringLiteral("eventSplitter"));
    m_eventSplitter->addWidget(m_eventView);
    m_eventSplitter->addWidget(detailPane);
    m_eventSplitter->setStretchFactor(0, 3);
    m_eventSplitter->setStretchFactor(1, 1);
    m_eventSplitter->setChildrenCollapsible(false);
    layout->addWidget(m_eventSplitter, 1);
    updateDetails();
    return page;
}

QWidget *MainWindow::buildJobsPage()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);

    auto *bar = new QHBoxLayout;
    m_jobSearch = new QLineEdit;
    m_jobSearch->setObjectName(QStringLiteral("jobSearch"));
    m_jobSearch->setPlaceholderText(tr("Filter jobs by name or message (Ctrl+F)"));
    m_jobSearch->setClearButtonEnabled(true);
    m_jobSearch->setAccessibleName(tr("Filter jobs"));
    connect(m_jobSearch, &QLineEdit::textChanged, m_jobFilter, &JobFilterModel::setText);
    m_failedOnly = new QCheckBox(tr("Failed &only"));
    m_failedOnly->setObjectName(QStringLiteral("failedOnly"));
    connect(m_failedOnly, &QCheckBox::toggled, m_jobFilter, &JobFilterModel::setFailedOnly);
    m_jobSummary = dimLabel();
    m_jobSummary->setObjectName(QStringLiteral("jobSummary"));
    bar->addWidget(m_jobSearch, 1);
    bar->addWidget(m_failedOnly);
    bar->addSpacing(12);
    bar->addWidget(m_jobSummary);
    layout->addLayout(bar);

    m_jobView = new QTableView;
    m_jobView->setObjectName(QStringLiteral("jobView"));
    m_jobView->setModel(m_jobFilter);
    m_jobView->setSortingEnabled(true);
    m_jobView->sortByColumn(JobModel::StatusColumn, Qt::AscendingOrder);
    m_jobView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_jobView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_jobView->setShowGrid(false);
    m_jobView->setWordWrap(false);
    m_jobView->setAlternatingRowColors(true);
    m_jobView->setAccessibleName(tr("Jobs"));
    m_jobView->verticalHeader()->hide();
    m_jobView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_jobView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 12);
    m_jobView->setItemDelegateForColumn(JobModel::StatusColumn, new JobStatusDelegate(m_jobView));
    m_jobView->setItemDelegateForColumn(JobModel::ProgressColumn, new ProgressDelegate(m_jobView));
    QHeaderView *header = m_jobView->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    header->resizeSection(JobModel::JobColumn, 220);
    header->resizeSection(JobModel::StatusColumn, 130);
    header->resizeSection(JobModel::ProgressColumn, 160);
    header->resizeSection(JobModel::StartedColumn, 90);
    header->resizeSection(JobModel::UpdatedColumn, 100);
    header->resizeSection(JobModel::DurationColumn, 100);
    layout->addWidget(m_jobView, 1);
    return page;
}

QWidget *MainWindow::buildEmptyState()
{
    auto *page = new QWidget;
    page->setObjectName(QStringLiteral("emptyState"));
    auto *outer = new QVBoxLayout(page);
    outer->addStretch(2);

    auto *logo = new QLabel;
    logo->setPixmap(Icons::application().pixmap(96, 96));
    logo->setAlignment(Qt::AlignCenter);
    outer->addWidget(logo);
    outer->addSpacing(12);

    auto *title = new QLabel(tr("Watch your first feed"));
    title->setFont(scaled(font(), 1.6, true));
    title->setAlignment(Qt::AlignCenter);
    outer->addWidget(title);

    auto *text = dimLabel(tr("Longwatch keeps an eye on HTTP long-poll feeds: it shows their "
                             "events as they arrive, the latest status of every job they "
                             "mention, and tells you when something fails.\nAdd a channel for "
                             "a feed of yours, or try the built-in demo."));
    text->setWordWrap(true);
    text->setAlignment(Qt::AlignCenter);
    text->setMaximumWidth(520);
    auto *textRow = new QHBoxLayout;
    textRow->addStretch();
    textRow->addWidget(text);
    textRow->addStretch();
    outer->addLayout(textRow);
    outer->addSpacing(16);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    auto *add = new QPushButton(tr("&Add Channel…"));
    add->setObjectName(QStringLiteral("emptyAddButton"));
    add->setDefault(true);
    add->setIcon(Icons::themed(QStringLiteral("add"), palette()));
    connect(add, &QPushButton::clicked, this, &MainWindow::addChannel);
    auto *demo = new QPushButton(tr("&Try the Demo"));
    demo->setObjectName(QStringLiteral("emptyDemoButton"));
    demo->setIcon(Icons::themed(QStringLiteral("demo"), palette()));
    connect(demo, &QPushButton::clicked, this, &MainWindow::startDemo);
    for (QPushButton *button : {add, demo}) {
        button->setMinimumHeight(34);
        button->setMinimumWidth(150);
        buttons->addWidget(button);
    }
    buttons->addStretch();
    outer->addLayout(buttons);
    outer->addStretch(3);
    return page;
}

void MainWindow::buildStatusBar()
{
    QStatusBar *bar = statusBar();
    m_healthIcon = new QLabel;
    m_healthIcon->setFixedSize(16, 16);
    m_healthLabel = new QLabel;
    m_healthLabel->setObjectName(QStringLiteral("healthLabel"));
    m_healthLabel->setMinimumWidth(1); // a long reason must not widen the window
    m_eventCountLabel = dimLabel();
    // The last notification takes what room is left, so the channels'
    // health beside it is not squeezed out by a long message.
    m_lastNotification = new ElidedLabel;
    m_lastNotification->setObjectName(QStringLiteral("lastNotification"));
    m_notifyStateLabel = dimLabel();
    m_notifyStateLabel->setObjectName(QStringLiteral("notifyState"));
    auto *left = new QWidget;
    auto *leftLayout = new QHBoxLayout(left);
    leftLayout->setContentsMargins(4, 0, 0, 0);
    leftLayout->addWidget(m_healthIcon);
    leftLayout->addWidget(m_healthLabel);
    leftLayout->addSpacing(16);
    leftLayout->addWidget(m_eventCountLabel);
    leftLayout->addSpacing(16);
    leftLayout->addWidget(m_lastNotification, 1);
    bar->addWidget(left, 1);
    bar->addPermanentWidget(m_notifyStateLabel);
}

void MainWindow::buildTray()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        qCInfo(lcUi) << "no system tray: notifications go to the status bar";
        return;
    }
    m_trayMenu = new QMenu(this);
    m_trayMenu->addAction(m_showWindowAction);
    m_trayMenu->addSeparator();
    m_trayMenu->addAction(m_muteAction);
    m_trayMenu->addAction(m_snoozeAction);
    m_trayMenu->addAction(m_unsnoozeAction);
    m_trayMenu->addSeparator();
    m_trayMenu->addAction(m_pauseAllAction);
    m_trayMenu->addAction(m_resumeAllAction);
    m_trayMenu->addSeparator();
    m_trayMenu->addAction(m_quitAction);
    m_tray = new QSystemTrayIcon(Icons::application(), this);
    m_tray->setContextMenu(m_trayMenu);
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                    m_showWindowAction->trigger();
            });
    m_tray->show();
}

void MainWindow::refreshIcons()
{
    const QPalette p = palette();
    const auto themed = [&p](const QString &name) { return Icons::themed(name, p); };
    m_addAction->setIcon(themed(QStringLiteral("add")));
    m_demoAction->setIcon(themed(QStringLiteral("demo")));
    m_quitAction->setIcon(themed(QStringLiteral("quit")));
    m_editAction->setIcon(themed(QStringLiteral("edit")));
    m_duplicateAction->setIcon(themed(QStringLiteral("duplicate")));
    m_removeAction->setIcon(themed(QStringLiteral("remove")));
    m_reconnectAction->setIcon(themed(QStringLiteral("reconnect")));
    m_pauseAllAction->setIcon(themed(QStringLiteral("pause")));
    m_resumeAllAction->setIcon(themed(QStringLiteral("resume")));
    m_followAction->setIcon(themed(QStringLiteral("follow")));
    m_clearAction->setIcon(themed(QStringLiteral("clear")));
    m_findAction->setIcon(themed(QStringLiteral("search")));
    m_eventsPageAction->setIcon(themed(QStringLiteral("events")));
    m_jobsPageAction->setIcon(themed(QStringLiteral("jobs")));
    updateNotificationState(); // the bell, as notifications stand
    m_snoozeAction->setIcon(themed(QStringLiteral("snooze")));
    m_unsnoozeAction->setIcon(themed(QStringLiteral("bell")));
    m_tabs->setTabIcon(EventsTab, themed(QStringLiteral("events")));
    // Icons in the new palette's colours: all set again below.
    m_jobsTabFailedIcon.reset();
    m_pauseActionResumes.reset();
    m_healthColor = QColor();
    if (m_highlighter)
        m_highlighter->setPalette(p);
    updateActions();
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

void MainWindow::onBatch(Channel *channel, const EventList &events)
{
    // Into the table at once while a frame (16 ms) has had few rows; past
    // that, the batches wait for the frame's end and go in together: one
    // insertion for the proxy and the view to digest instead of one per
    // channel and answer.
    m_pendingRows.append({channel->id(), channel->name(), events});
    if (!m_rowsTimer.isActive()) {
        flushRows();
        m_rowsTimer.setInterval(16ms);
        m_rowsTimer.start();
    } else if (m_frameRows + events.size() <= kTrickleRowsPerFrame) {
        flushRows();
    }
    m_jobModel->applyBatch(channel->id(), channel->name(), channel->config().jobs, events);
    scheduleChrome();
}

void MainWindow::flushRows()
{
    if (m_pendingRows.isEmpty())
        return;
    const QList<EventModel::Batch> batches = std::exchange(m_pendingRows, {});
    for (const EventModel::Batch &batch : batches)
        m_frameRows += batch.events.size();
    // Each insertion repaints the table (~10 ms with its text shaped anew):
    // a flood of rows, that nobody reads one by one, goes in ten times a
    // second (see the rows timer), so painting cannot take the GUI thread.
    m_eventModel->appendBatches(batches);
}

void MainWindow::scheduleChrome()
{
    if (m_chromeTimer.isActive()) {
        m_chromeDirty = true; // done when the timer ends
        return;
    }
    updateChrome();
    m_chromeTimer.start(); // nothing more until it ends
}

void MainWindow::updateChrome()
{
    updateHealth();
    updateTabTitles();
    updateHistoryBar();
}

void MainWindow::onChannelChanged(Channel *channel)
{
    const QString name = channel->name();
    if (m_names.value(channel->id()) != name) {
        m_names.insert(channel->id(), name);
        m_eventModel->renameChannel(channel->id(), name);
        m_jobModel->renameChannel(channel->id(), name);
        updateChannelFilterCombo();
    }
    m_eventModel->setJobMapping(channel->id(), channel->config().jobs);
    if (channel == currentChannel())
        updateActions();
}

Channel *MainWindow::currentChannel() const
{
    const QModelIndexList selected = m_channelView->selectionModel()->selectedRows();
    return selected.isEmpty() ? nullptr : m_channelModel->channel(selected.first());
}

void MainWindow::selectChannel(Channel *channel)
{
    const QModelIndex index = channel ? m_channelModel->indexOf(channel) : QModelIndex();
    if (index.isValid())
        m_channelView->selectionModel()->setCurrentIndex(index,
                                                         QItemSelectionModel::ClearAndSelect);
    else
        m_channelView->selectionModel()->clearSelection();
}

void MainWindow::onCurrentChannelChanged()
{
    Channel *channel = currentChannel();
    const QString id = channel ? channel->id() : QString();
    m_eventFilter->setChannelId(id);
    m_jobFilter->setChannelId(id);
    const int comboIndex = std::max(0, m_channelFilter->findData(id));
    m_channelFilter->setCurrentIndex(comboIndex);
    updateHistoryBar(); // the text and type filters stay: say what they let through
    updateActions();
    if (m_follow)
        m_eventView->scrollToBottom();
}

void MainWindow::updateActions()
{
    Channel *channel = currentChannel();
    const bool has = channel != nullptr;
    for (QAction *action :
         {m_editAction, m_duplicateAction, m_removeAction, m_pauseAction, m_reconnectAction})
        action->setEnabled(has);
    const bool paused = has && channel->isPaused();
    m_pauseAction->setText(paused ? tr("&Resume") : tr("&Pause"));
    // Called with every change of the channels' health: a new icon, even
    // the same picture, repaints the tool bar.
    if (std::exchange(m_pauseActionResumes, paused) != paused)
        m_pauseAction->setIcon(
            Icons::themed(paused ? QStringLiteral("resume") : QStringLiteral("pause"), palette()));
    const bool any = m_manager->count() > 0;
    m_pauseAllAction->setEnabled(any);
    m_resumeAllAction->setEnabled(any);
    m_demoAction->setEnabled(!m_demo || !m_demo->isRunning());
    m_exportEventsAction->setEnabled(m_log != nullptr);
    bool savable = false;
    for (const Channel *each : m_manager->channels())
        savable = savable || !each->config().transient;
    m_exportWorkspaceAction->setEnabled(savable);
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
    dialog->setEventTypes(m_eventModel->types());
    EventQuery view;
    if (!m_eventFilter->channelId().isEmpty())
        view.channels = {m_eventFilter->channelId()};
    if (!m_eventFilter->type().isEmpty())
        view.types = {m_eventFilter->type()};
    view.text = m_eventFilter->text();
    if (!view.channels.isEmpty() || !view.types.isEmpty() || !view.text.isEmpty())
        dialog->setCurrentView(view);
    dialog->open();
    return dialog;
}

void MainWindow::chooseWorkspaceFile(bool save)
{
    auto *chooser =
        new QFileDialog(this, save ? tr("Export Workspace") : tr("Import Workspace"),
                        suggestedSaveFolder(), tr("Longwatch workspace (*.json);;All files (*)"));
    chooser->setObjectName(QStringLiteral("workspaceFileDialog"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setAcceptMode(save ? QFileDialog::AcceptSave : QFileDialog::AcceptOpen);
    chooser->setFileMode(save ? QFileDialog::AnyFile : QFileDialog::ExistingFile);
    chooser->setDefaultSuffix(QStringLiteral("json"));
    if (save)
        chooser->selectFile(QStringLiteral("longwatch-workspace.json"));
    connect(chooser, &QFileDialog::fileSelected, this, [this, save](const QString &path) {
        if (!save) {
            importWorkspaceFrom(path);
            return;
        }
        QString error;
        if (!exportWorkspaceTo(path, &error))
            QMessageBox::warning(this, tr("Export Workspace"), error);
    });
    chooser->open();
}

bool MainWindow::exportWorkspaceTo(const QString &path, QString *error)
{
    QList<ChannelConfig> configs;
    for (const Channel *channel : m_manager->channels())
        configs.append(channel->config());
    const WorkspaceExport exported = exportWorkspace(configs);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(exported.json) != exported.json.size() ||
        !file.commit()) {
        if (error) {
            *error = tr("Could not write the workspace to %1: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        }
        return false;
    }
    if (exported.omitted.isEmpty()) {
        statusBar()->showMessage(tr("Workspace saved to %1.").arg(QDir::toNativeSeparators(path)),
                                 8000);
        return true;
    }
    auto *box = new QMessageBox(
        QMessageBox::Information, tr("Workspace Exported"),
        tr("The workspace was saved to %1 without secrets.").arg(QDir::toNativeSeparators(path)),
        QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("workspaceExported"));
    setListText(box, tr("Left out (enter them again after an import):"), exported.omitted);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    return true;
}

int MainWindow::importWorkspaceFrom(const QString &path)
{
    QFile file(path);
    QString error;
    WorkspaceImport imported;
    if (!file.open(QIODevice::ReadOnly)) {
        error = tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    } else if (file.size() > kWorkspaceMaxBytes) {
        error = tr("%1 is too large for a workspace file (%2 bytes; at most %3).")
                    .arg(QDir::toNativeSeparators(path))
                    .arg(file.size())
                    .arg(kWorkspaceMaxBytes);
    } else {
        imported = importWorkspace(file.read(kWorkspaceMaxBytes + 1));
        if (!imported.ok)
            error = imported.error;
    }
    if (!error.isEmpty()) {
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Import Workspace"), error,
                                    QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("workspaceRefused"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return -1;
    }
    // Channels already here (the same profile and address) are not made
    // twice without asking.
    QHash<qsizetype, Channel *> alreadyHere;
    for (qsizetype i = 0; i < imported.channels.size(); ++i) {
        for (Channel *channel : m_manager->channels()) {
            if (channel->config().sameAddress(imported.channels.at(i))) {
                alreadyHere.insert(i, channel);
                break;
            }
        }
    }
    if (alreadyHere.isEmpty())
        return addImportedChannels(path, imported, {}, ImportChoice::Copies);

    QStringList names;
    for (auto it = alreadyHere.cbegin(); it != alreadyHere.cend(); ++it) {
        const QString name = imported.channels.at(it.key()).name;
        names << (name == it.value()->name()
                      ? name
                      : tr("%1 (here as \u201c%2\u201d)").arg(name, it.value()->name()));
    }
    names.sort(Qt::CaseInsensitive);
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Import Workspace"),
        alreadyHere.size() == 1
            ? tr("One of the channels in %1 is already here, with the same address and profile.")
                  .arg(QDir::toNativeSeparators(QFileInfo(path).fileName()))
            : tr("%1 of the channels in %2 are already here, with the same address and profile.")
                  .arg(alreadyHere.size())
                  .arg(QDir::toNativeSeparators(QFileInfo(path).fileName())),
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("workspaceAlreadyHere"));
    setListText(box, tr("Already here:"), names);
    QPushButton *skip = box->addButton(tr("Skip Them"), QMessageBox::AcceptRole);
    skip->setObjectName(QStringLiteral("skipButton"));
    skip->setToolTip(tr("Import only the channels that are not here yet"));
    QPushButton *replace = box->addButton(tr("Replace Their Settings"), QMessageBox::ActionRole);
    replace->setObjectName(QStringLiteral("replaceButton"));
    replace->setToolTip(tr("Give the channels here the file's settings; their secrets, cursors "
                           "and events stay"));
    QPushButton *copies = box->addButton(tr("Import as Copies"), QMessageBox::ActionRole);
    copies->setObjectName(QStringLiteral("copiesButton"));
    copies->setToolTip(tr("Add them again beside the ones here, named \u201c\u2026 (copy)\u201d"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(skip);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this,
            [this, box, skip, replace, copies, path, imported, alreadyHere] {
                QAbstractButton *clicked = box->clickedButton();
                if (clicked == skip)
                    addImportedChannels(path, imported, alreadyHere, ImportChoice::Skip);
                else if (clicked == replace)
                    addImportedChannels(path, imported, alreadyHere, ImportChoice::Replace);
                else if (clicked == copies)
                    addImportedChannels(path, imported, alreadyHere, ImportChoice::Copies);
                else
                    statusBar()->showMessage(tr("Nothing was imported."), 5000);
            });
    box->open();
    return 0;
}

int MainWindow::addImportedChannels(const QString &path, const WorkspaceImport &imported,
                                    const QHash<qsizetype, Channel *> &alreadyHere,
                                    ImportChoice choice)
{
    Channel *first = nullptr;
    int added = 0;
    int replaced = 0;
    int skipped = 0;
    QStringList warnings = imported.warnings;
    // "Builds: enter the token again…" does not concern a channel that
    // was skipped, or replaced keeping the secret it has here.
    const auto dropWarningsOf = [&warnings](const QString &name) {
        warnings.removeIf([&name](const QString &warning) {
            return warning.startsWith(name + QStringLiteral(": "));
        });
    };
    for (qsizetype i = 0; i < imported.channels.size(); ++i) {
        const ChannelConfig &config = imported.channels.at(i);
        Channel *here = alreadyHere.value(i);
        if (here && choice == ImportChoice::Skip) {
            ++skipped;
            dropWarningsOf(config.name);
            continue;
        }
        if (here && choice == ImportChoice::Replace) {
            ChannelConfig merged = config;
            merged.id = here->id();
            const ChannelConfig &current = here->config();
            bool keptSecret = false;
            for (const QString &field : current.allSecretFields()) {
                if (merged.secret(field).isEmpty() && !current.secret(field).isEmpty()) {
                    merged.setSecret(field, current.secret(field));
                    keptSecret = true;
                }
            }
            if (keptSecret) {
                // Paused by the import for want of a secret it has here.
                merged.paused = current.paused;
                dropWarningsOf(config.name);
            }
            m_manager->updateChannel(here, merged);
            ++replaced;
            if (!first)
                first = here;
            continue;
        }
        ChannelConfig copy = config;
        if (m_manager->isNameTaken(copy.name))
            copy.name = m_manager->copyName(copy.name);
        Channel *channel = m_manager->addChannel(copy);
        ++added;
        if (!first)
            first = channel;
    }
    if (first)
        selectChannel(first);
    QStringList parts{
        tr("%n channel(s) imported from %1", nullptr, added).arg(QDir::toNativeSeparators(path))};
    if (replaced > 0)
        parts << tr("%n replaced", nullptr, replaced);
    if (skipped > 0)
        parts << tr("%n skipped (already here)", nullptr, skipped);
    const QString summary = parts.join(QStringLiteral(", ")) + QLatin1Char('.');
    if (warnings.isEmpty()) {
        statusBar()->showMessage(summary, 8000);
    } else {
        auto *box = new QMessageBox(QMessageBox::Information, tr("Workspace Imported"), summary,
                                    QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("workspaceImported"));
        setListText(box, tr("Some things need your attention:"), warnings);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    return added + replaced;
}

void MainWindow::updateEmptyState()
{
    const bool empty = m_manager->count() == 0;
    m_stack->setCurrentIndex(empty ? EmptyPage : WorkPage);
    m_channelHeader->setText(tr("CHANNELS · %1").arg(m_manager->count()));
    for (QAction *action : {m_followAction, m_clearAction, m_findAction})
        action->setEnabled(!empty);
}

namespace {

/// The bell's icon: crossed out while muted, asleep while paused.
QString bellIconName(const Notifier &notifier)
{
    if (notifier.isMuted())
        return QStringLiteral("bell-off");
    return notifier.pausedUntil().isValid() ? QStringLiteral("bell-snooze")
                                            : QStringLiteral("bell");
}

/// "Notifications muted", "Notifications paused until 14:05", or empty.
QString notificationStateText(const Notifier &notifier)
{
    if (notifier.isMuted())
        return MainWindow::tr("Notifications muted");
    const QDateTime until = notifier.pausedUntil();
    // Hours and minutes: a pause ends on the minute it was asked for.
    if (until.isValid())
        return MainWindow::tr("Notifications paused until %1")
            .arg(QLocale().toString(until.toLocalTime().time(), QStringLiteral("HH:mm")));
    return {};
}

QString trayToolTip(const QString &summary, const Notifier &notifier)
{
    const QString state = notificationStateText(notifier);
    return state.isEmpty() ? MainWindow::tr("Longwatch — %1").arg(summary)
                           : MainWindow::tr("Longwatch — %1\n%2").arg(summary, state);
}

} // namespace

void MainWindow::updateHealth()
{
    const Notifier::Health health = m_notifier->health();
    QColor color;
    switch (health) {
    case Notifier::Health::Failed:
        color = StatusColors::forChannelState(Poller::State::Failed, palette());
        break;
    case Notifier::Health::Retrying:
        color = StatusColors::forChannelState(Poller::State::Backoff, palette());
        break;
    case Notifier::Health::Connecting:
        color = StatusColors::forChannelState(Poller::State::Waiting, palette());
        break;
    case Notifier::Health::Live:
        color = StatusColors::forChannelState(Poller::State::Live, palette());
        break;
    case Notifier::Health::Paused:
    case Notifier::Health::NoChannels:
        color = StatusColors::forChannelState(Poller::State::Stopped, palette());
        break;
    }
    QString summary = m_notifier->summary();
    // The first channel in trouble, by name and why (failed before retrying).
    const Channel *trouble = nullptr;
    for (const Channel *channel : m_manager->channels()) {
        if (channel->state() == Poller::State::Failed) {
            trouble = channel;
            break;
        }
        if (!trouble && channel->state() == Poller::State::Backoff)
            trouble = channel;
    }
    if (trouble && !ChannelModel::reason(trouble).isEmpty())
        summary = tr("%1 — %2: %3").arg(summary, trouble->name(), ChannelModel::reason(trouble));
    // Done ten times a second under a trickle of events: a new pixmap, even
    // the same picture, repaints the status bar.
    const bool newColor = color != std::exchange(m_healthColor, color);
    if (newColor)
        m_healthIcon->setPixmap(Icons::dot(color).pixmap(16, 16));
    m_healthIcon->setToolTip(Notifier::healthText(health));
    // Room for the count and the notification state beside it.
    const int room = std::max({200, width() / 2, width() - 480});
    m_healthLabel->setText(fontMetrics().elidedText(summary, Qt::ElideRight, room));
    m_healthLabel->setToolTip(summary == m_healthLabel->text() ? Notifier::healthText(health)
                                                               : summary);
    if (m_tray) {
        if (newColor)
            m_tray->setIcon(Icons::application(color, bellIconName(*m_notifier)));
        m_tray->setToolTip(trayToolTip(summary, *m_notifier));
    }
    updateActions();
}

void MainWindow::updateNotificationState()
{
    const bool muted = m_notifier->isMuted();
    const QDateTime until = m_notifier->pausedUntil();
    {
        const QSignalBlocker blocker(m_muteAction);
        m_muteAction->setChecked(muted);
    }
    // The bell shows how notifications stand, in the toolbar and the tray.
    const QString bell = bellIconName(*m_notifier);
    m_muteAction->setIcon(Icons::themed(bell, palette()));
    const QString state = notificationStateText(*m_notifier);
    const QString shortcut = m_muteAction->shortcut().toString(QKeySequence::NativeText);
    m_muteAction->setToolTip(
        muted             ? tr("%1 — click to unmute them (%2)").arg(state, shortcut)
        : until.isValid() ? tr("%1 — click to mute them altogether (%2)").arg(state, shortcut)
                          : tr("Mute all notifications (%1)").arg(shortcut));
    m_unsnoozeAction->setEnabled(until.isValid());
    m_notifyStateLabel->setText(state);
    if (m_tray) {
        m_tray->setIcon(Icons::application(m_healthColor, bell));
        m_tray->setToolTip(trayToolTip(m_notifier->summary(), *m_notifier));
    }
}

void MainWindow::updateTypeFilter()
{
    const QString current = m_typeFilter->currentData().toString();
    const QSignalBlocker blocker(m_typeFilter);
    m_typeFilter->clear();
    m_typeFilter->addItem(tr("All types"), QString());
    for (const QString &type : m_eventModel->types())
        m_typeFilter->addItem(type, type);
    m_typeFilter->setCurrentIndex(std::max(0, m_typeFilter->findData(current)));
}

void MainWindow::updateChannelFilterCombo()
{
    const QString current = m_channelFilter->currentData().toString();
    const QSignalBlocker blocker(m_channelFilter);
    m_channelFilter->clear();
    m_channelFilter->addItem(tr("All channels"), QString());
    for (const Channel *channel : m_manager->channels())
        m_channelFilter->addItem(channel->name(), channel->id());
    m_channelFilter->setCurrentIndex(std::max(0, m_channelFilter->findData(current)));
}

void MainWindow::updateTabTitles()
{
    const QLocale locale;
    setTabText(m_tabs, EventsTab, tr("Events (%1)").arg(locale.toString(m_eventModel->rowCount())));
    const int failed = m_jobModel->failedCount();
    const int running = m_jobModel->countWithStatus(JobStatus::Running);
    const int jobs = m_jobModel->rowCount();
    setTabText(m_tabs, JobsTab,
               failed > 0 ? tr("Jobs (%1 failed)").arg(failed)
                          : tr("Jobs (%1)").arg(locale.toString(jobs)));
    // A new icon repaints the whole tab widget as a new text does: only when
    // it is another one.
    if (std::exchange(m_jobsTabFailedIcon, failed > 0) != (failed > 0))
        m_tabs->tabBar()->setTabIcon(JobsTab,
                                     failed > 0 ? Icons::jobStatus(JobStatus::Failed, palette())
                                                : Icons::themed(QStringLiteral("jobs"), palette()));
    m_jobSummary->setText(
        tr("%1 jobs · %2 running · %3 failed")
            .arg(locale.toString(jobs), locale.toString(running), locale.toString(failed)));
    m_eventCountLabel->setText(
        tr("%1 events received").arg(locale.toString(m_eventModel->totalAppended())));
}

void MainWindow::updateDetails()
{
    const QModelIndex index = m_eventView->selectionModel()->currentIndex();
    if (!index.isValid()) {
        m_detailHeader->setText(tr("Select an event to see its JSON."));
        m_detail->clear();
        return;
    }
    const QModelIndex first = index.siblingAtColumn(0);
    const QDateTime time = first.data(EventModel::TimeRole).toDateTime();
    const QString key = first.data(EventModel::KeyRole).toString();
    const QString type = first.data(EventModel::TypeRole).toString();
    QStringList parts;
    parts << first.data(EventModel::ChannelNameRole).toString();
    if (!key.isEmpty())
        parts << tr("id %1").arg(key);
    if (!type.isEmpty())
        parts << type;
    parts << QLocale().toString(time.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    m_detailHeader->setText(parts.join(QStringLiteral("  ·  ")));
    m_detail->setPlainText(first.data(EventModel::PrettyJsonRole).toString());
}

void MainWindow::setFollow(bool follow)
{
    m_follow = follow;
    {
        const QSignalBlocker blocker(m_followAction);
        m_followAction->setChecked(follow);
    }
    if (follow && m_eventModel->isDetached()) {
        jumpToNewest();
        return;
    }
    if (follow)
        m_eventView->scrollToBottom();
}

void MainWindow::onEventScrollAction()
{
    // The person scrolled: follow while they are at the bottom, stop
    // following when they look back; at the top, read older events from
    // the log. Decided after the move is applied.
    QTimer::singleShot(0, this, [this] {
        const QScrollBar *bar = m_eventView->verticalScrollBar();
        const bool atBottom = bar->value() >= bar->maximum();
        const bool atTop = bar->value() <= bar->minimum() && bar->maximum() > 0;
        if (atTop && m_eventModel->canFetchOlder()) {
            setFollow(false);
            loadOlderEvents();
            return;
        }
        if (atBottom && m_eventModel->isDetached()) {
            loadNewerEvents();
            return;
        }
        if (atBottom != m_follow)
            setFollow(atBottom);
    });
}

void MainWindow::setEventLog(EventStore *reader, StoreWriter *writer, EventRecorder *recorder)
{
    m_log = reader;
    m_writer = writer;
    m_recorder = recorder;
    m_eventModel->setHistory(reader, [this](const QString &id) { return m_names.value(id); });
    m_channelModel->setEventLog(reader, writer);
    if (!reader)
        return;
    m_storedTotal = std::max<qint64>(0, reader->countEvents({}));
    if (!m_eventModel->loadNewest())
        setEventLogProblem(reader->errorString());
    if (writer) {
        connect(writer, &StoreWriter::committed, this,
                [this](const QString &, const QString &, int added) {
                    m_storedTotal += added;
                    scheduleChrome();
                });
        connect(writer, &StoreWriter::eventsDeleted, this, [this](int count) {
            m_storedTotal = std::max<qint64>(0, m_storedTotal - count);
            scheduleChrome();
        });
        connect(writer, &StoreWriter::writeFailed, this, [this](const QString &message) {
            statusBar()->showMessage(
                tr("Events are not being saved right now (Longwatch keeps trying): %1")
                    .arg(message),
                15000);
        });
    }
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_eventModel, signal, this, &MainWindow::scheduleChrome);
    connect(m_eventModel, &QAbstractItemModel::modelReset, this, &MainWindow::updateHistoryBar);
    connect(m_eventModel, &EventModel::detachedChanged, this, &MainWindow::updateHistoryBar);
    for (Channel *channel : m_manager->channels())
        replayJobs(channel);
    m_historyBar->show();
    updateActions();
    updateHistoryBar();
    updateTabTitles();
    if (m_follow)
        m_eventView->scrollToBottom();
}

void MainWindow::setEventLogProblem(const QString &sentence)
{
    if (!m_logProblem) {
        m_logProblem = new QLabel;
        m_logProblem->setObjectName(QStringLiteral("eventLogProblem"));
        m_logProblem->setWordWrap(false);
        QPalette palette = m_logProblem->palette();
        palette.setColor(QPalette::WindowText,
                         StatusColors::forJobStatus(JobStatus::Failed, palette));
        m_logProblem->setPalette(palette);
        statusBar()->insertPermanentWidget(1, m_logProblem); // before the notification state
    }
    m_logProblem->setText(tr("Events are not saved"));
    m_logProblem->setToolTip(sentence);
}

int MainWindow::loadOlderEvents()
{
    if (!m_eventModel->canFetchOlder())
        return 0;
    // Keep the row at the top of the view where it is while rows go in above it.
    const QPersistentModelIndex top = m_eventView->indexAt(QPoint(1, 1));
    const int visibleBefore = m_eventFilter->rowCount();
    int read = 0;
    // A narrow filter may let few rows through: read on until some show,
    // but not the whole log at once.
    for (int page = 0; page < 10 && m_eventModel->canFetchOlder(); ++page) {
        const int n = m_eventModel->fetchOlder(2000);
        if (n < 0) {
            statusBar()->showMessage(m_log->errorString(), 10000);
            break;
        }
        read += n;
        if (n == 0 || m_eventFilter->rowCount() > visibleBefore)
            break;
    }
    if (top.isValid())
        m_eventView->scrollTo(top, QAbstractItemView::PositionAtTop);
    if (read > 0)
        m_viewCleared = false;
    updateHistoryBar();
    return read;
}

int MainWindow::loadNewerEvents()
{
    if (!m_eventModel->isDetached())
        return 0;
    const QScrollBar *bar = m_eventView->verticalScrollBar();
    const QPersistentModelIndex bottom =
        m_eventView->indexAt(QPoint(1, m_eventView->viewport()->height() - 2));
    const int n = m_eventModel->fetchNewer(2000);
    if (n < 0)
        statusBar()->showMessage(m_log->errorString(), 10000);
    if (!m_eventModel->isDetached())
        setFollow(bar->value() >= bar->maximum());
    else if (bottom.isValid())
        m_eventView->scrollTo(bottom, QAbstractItemView::PositionAtBottom);
    updateHistoryBar();
    return std::max(0, n);
}

void MainWindow::jumpToNewest()
{
    if (m_log && m_eventModel->isDetached())
        m_eventModel->loadNewest();
    setFollow(true);
    updateHistoryBar();
}

void MainWindow::updateHistoryBar()
{
    if (!m_historyLabel)
        return; // building the window
    const QLocale locale;
    const int inView = m_eventModel->rowCount();
    const int shown = m_eventFilter->rowCount();
    const bool byTextOrType = m_eventFilter->narrowsByTextOrType();
    const QString channelName = m_names.value(m_eventFilter->channelId());
    const bool byChannel = !m_eventFilter->channelId().isEmpty();

    // What the view shows, of the rows it holds; then what the log keeps.
    QString text;
    if (!byChannel && !byTextOrType) {
        text =
            inView == 1 ? tr("1 event shown") : tr("%1 events shown").arg(locale.toString(inView));
    } else {
        // "(…)" would clash with a channel named "Staging (offline)".
        const QString narrowedBy = byChannel && byTextOrType
                                       ? tr("from %1, filtered").arg(channelName)
                                   : byChannel ? tr("from %1").arg(channelName)
                                               : tr("filtered");
        text = tr("%1 of %2 events shown, %3")
                   .arg(locale.toString(shown), locale.toString(inView), narrowedBy);
    }
    if (m_log) {
        text += tr(" · %1 stored").arg(locale.toString(std::max<qint64>(m_storedTotal, inView)));
        if (m_eventModel->isDetached()) {
            text += tr(" · looking back in history");
            if (m_eventModel->missedWhileDetached() > 0)
                text +=
                    tr(", %1 new since").arg(locale.toString(m_eventModel->missedWhileDetached()));
        }
    }
    const bool cleared = m_viewCleared && m_eventModel->canFetchOlder();
    if (cleared)
        text += tr(" · view cleared: Load Older shows the earlier events again");
    m_historyLabel->setText(text);
    m_olderButton->setVisible(m_log != nullptr);
    m_olderButton->setEnabled(m_eventModel->canFetchOlder());
    m_newestButton->setVisible(m_log && m_eventModel->isDetached());
    m_clearFiltersButton->setVisible(byTextOrType);

    // An empty table says why.
    QString placeholder;
    if (shown == 0 && inView > 0 && byTextOrType) {
        placeholder = tr("No events match the filters · <a href=\"clear-filters\">Clear "
                         "filters</a>");
    } else if (shown == 0 && inView > 0 && byChannel) {
        placeholder = tr("No events from %1 in view").arg(channelName.toHtmlEscaped());
    } else if (inView == 0 && cleared) {
        placeholder = tr("View cleared; the event log still has its events · "
                         "<a href=\"load-older\">Load Older</a>");
    }
    m_eventView->setPlaceholderText(placeholder);
}

void MainWindow::clearEventFilters()
{
    m_eventSearch->clear();
    m_filterDelay.stop();
    m_eventFilter->setText({});
    m_typeFilter->setCurrentIndex(0); // all types; updates the bar
    updateHistoryBar();
}

void MainWindow::replayJobs(Channel *channel)
{
    if (!m_log)
        return;
    // After the window shows, one channel per turn of the event loop: a
    // hundred channels' history must not hold up the start.
    if (!m_replayQueue.contains(channel->id()))
        m_replayQueue.append(channel->id());
    if (!m_replayTimer.isActive())
        m_replayTimer.start(0);
}

void MainWindow::replayNextJobs()
{
    if (m_replayQueue.isEmpty() || !m_log)
        return;
    Channel *channel = m_manager->channel(m_replayQueue.takeFirst());
    if (!m_replayQueue.isEmpty())
        m_replayTimer.start(0);
    if (!channel)
        return;
    // The job board as it was: the channel's newest stored events, in order,
    // read as bytes; only those that may name a job become events.
    const JobMapping &mapping = channel->config().jobs;
    EventQuery query;
    query.channels = {channel->id()};
    EventPage page;
    page.limit = 5000;
    page.newestFirst = true;
    EventList events;
    const JobKeyFilter filter(mapping);
    const qint64 read = m_log->visitEvents(query, page, [&](const StoredEventBytes &stored) {
        if (!filter.mayNameAJob(stored.raw))
            return;
        Event event;
        event.key = QString::fromUtf8(stored.key);
        event.type = QString::fromUtf8(stored.type);
        event.text = QString::fromUtf8(stored.text);
        if (stored.timeMsecs)
            event.time = QDateTime::fromMSecsSinceEpoch(*stored.timeMsecs, Qt::UTC);
        event.receivedUsecs = stored.receivedUsecs;
        event.raw = stored.raw;
        events.append(std::move(event));
    });
    if (read <= 0 || events.isEmpty())
        return;
    std::reverse(events.begin(), events.end());
    m_jobModel->replayBatch(channel->id(), channel->name(), mapping, events);
}

void MainWindow::showPage(int page)
{
    m_tabs->setCurrentIndex(page);
}

// ---------------------------------------------------------------- actions

ChannelDialog *MainWindow::addChannel()
{
    auto *dialog = new ChannelDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setSecretWarning(m_manager->secretWarning());
    dialog->setTakenNames(m_names.values());
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        Channel *channel = m_manager->addChannel(dialog->config());
        selectChannel(channel);
        statusBar()->showMessage(tr("Added channel %1.").arg(channel->name()), 5000);
    });
    dialog->open();
    return dialog;
}

ChannelDialog *MainWindow::editChannel(Channel *channel)
{
    if (!channel)
        return nullptr;
    auto *dialog = new ChannelDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setSecretWarning(m_manager->secretWarning());
    QStringList taken = m_names.values();
    taken.removeOne(channel->name());
    dialog->setTakenNames(taken);
    dialog->setConfig(channel->config());
    const QPointer<Channel> guard(channel);
    connect(dialog, &QDialog::accepted, this, [this, dialog, guard] {
        if (!guard) {
            statusBar()->showMessage(tr("The channel was removed while you edited it."), 5000);
            return;
        }
        m_manager->updateChannel(guard, dialog->config());
        statusBar()->showMessage(tr("Saved channel %1.").arg(guard->name()), 5000);
    });
    dialog->open();
    return dialog;
}

QMessageBox *MainWindow::trustCertificate(Channel *channel)
{
    if (!channel)
        return nullptr;
    const TlsFailure failure = channel->tlsFailure();
    if (!failure.canBePinned())
        return nullptr;
    const CertificateInfo &certificate = failure.certificate;
    auto *box =
        new QMessageBox(QMessageBox::Warning, tr("Trust This Certificate?"),
                        tr("The server of %1 presented a certificate that could not "
                           "be verified: %2")
                            .arg(channel->name(), failure.errorStrings.join(QLatin1Char(' '))),
                        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("trustCertificateBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(
        tr("Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256: %5\n\nTrust only a "
           "certificate you recognise. This channel will accept exactly this certificate "
           "from now on; other channels are not affected.")
            .arg(certificate.subject, certificate.issuer,
                 QLocale().toString(certificate.notBefore, QLocale::ShortFormat),
                 QLocale().toString(certificate.notAfter, QLocale::ShortFormat),
                 certificate.fingerprintText()));
    box->button(QMessageBox::Yes)->setText(tr("&Trust This Certificate"));
    box->setDefaultButton(QMessageBox::Cancel);
    const QPointer<Channel> guard(channel);
    const QString sha256 = certificate.sha256;
    connect(box, &QMessageBox::accepted, this, [this, guard, sha256] {
        if (guard && guard->trustCertificate(sha256))
            statusBar()->showMessage(tr("Trusting the certificate for %1.").arg(guard->name()),
                                     5000);
    });
    box->open();
    return box;
}

QDialog *MainWindow::askProxyCredentials(Channel *channel)
{
    if (!channel)
        return nullptr;
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("proxyCredentialsDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Proxy Sign-in — %1").arg(channel->name()));
    auto *form = new QFormLayout(dialog);
    const ProxySettings &proxy = channel->config().timing.transport.proxy;
    auto *intro = new QLabel(
        tr("The proxy %1 refused the credentials of %2. Enter its user name and password.")
            .arg(proxy.displayName().isEmpty() ? tr("of the system") : proxy.displayName(),
                 channel->name()));
    intro->setWordWrap(true);
    form->addRow(intro);
    auto *user = new QLineEdit(proxy.user);
    user->setObjectName(QStringLiteral("proxyUserEdit"));
    auto *password = new QLineEdit;
    password->setObjectName(QStringLiteral("proxyPasswordEdit"));
    password->setEchoMode(QLineEdit::Password);
    form->addRow(tr("&User:"), user);
    form->addRow(tr("&Password:"), password);
    if (const QString warning = m_manager->secretWarning(); !warning.isEmpty()) {
        auto *label = new QLabel(tr("⚠ %1").arg(warning));
        label->setWordWrap(true);
        form->addRow(label);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    const QPointer<Channel> guard(channel);
    connect(dialog, &QDialog::accepted, this, [guard, user, password] {
        if (guard)
            guard->setProxyCredentials(user->text(), password->text());
    });
    dialog->open();
    return dialog;
}

ChannelDialog *MainWindow::duplicateChannel(Channel *channel)
{
    if (!channel)
        return nullptr;
    // The copy is added only when the dialog is accepted: a copy that polled
    // at once would hit the same feed before the user could change it.
    ChannelDialog *dialog = addChannel();
    dialog->setConfig(m_manager->copyOf(channel));
    dialog->setWindowTitle(tr("Duplicate Channel — %1").arg(channel->name()));
    return dialog;
}

void MainWindow::duplicateCurrent()
{
    duplicateChannel(currentChannel());
}

void MainWindow::removeCurrent()
{
    Channel *channel = currentChannel();
    if (!channel)
        return;
    auto *box = new QMessageBox(QMessageBox::Question, tr("Remove Channel"),
                                tr("Remove the channel \"%1\"?").arg(channel->name()),
                                QMessageBox::NoButton, this);
    box->setInformativeText(tr("Longwatch stops watching it and forgets its settings and jobs. "
                               "Events already shown stay until you clear them."));
    QCheckBox *forget = nullptr;
    const qint64 stored = m_log && m_recorder ? m_log->eventCounts().value(channel->id()) : 0;
    if (stored > 0) {
        forget = new QCheckBox(tr("Also delete its %n stored event(s) from the event log", nullptr,
                                  int(std::min<qint64>(stored, INT_MAX))));
        forget->setObjectName(QStringLiteral("forgetHistory"));
        box->setCheckBox(forget);
    }
    QPushButton *remove = box->addButton(tr("Remove"), QMessageBox::DestructiveRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QPointer<Channel> guard(channel);
    connect(box, &QMessageBox::finished, this, [this, box, remove, forget, guard] {
        if (box->clickedButton() != remove || !guard)
            return;
        const QString id = guard->id();
        m_manager->removeChannel(guard);
        if (forget && forget->isChecked() && m_recorder)
            m_recorder->forgetChannel(id);
    });
    box->open();
}

void MainWindow::togglePauseCurrent()
{
    Channel *channel = currentChannel();
    if (!channel)
        return;
    if (channel->isPaused())
        channel->resume();
    else
        channel->pause();
    updateActions();
}

void MainWindow::reconnectCurrent()
{
    if (Channel *channel = currentChannel())
        channel->reconnect();
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

void MainWindow::showNotification(const QString &title, const QString &message,
                                  Notifier::Severity severity)
{
    const QColor color = severity == Notifier::Severity::Critical
                             ? StatusColors::forJobStatus(JobStatus::Failed, palette())
                             : palette().color(QPalette::WindowText);
    QPalette labelPalette = m_lastNotification->palette();
    labelPalette.setColor(QPalette::WindowText, color);
    m_lastNotification->setPalette(labelPalette);
    const QString time = QLocale().toString(QTime::currentTime(), QStringLiteral("HH:mm:ss"));
    m_lastNotification->setText(tr("%1  %2 — %3").arg(time, title, message));
    m_lastNotification->setToolTip(m_lastNotification->text());
    if (m_tray && m_tray->isVisible() && QSystemTrayIcon::supportsMessages()) {
        const QSystemTrayIcon::MessageIcon icon =
            severity == Notifier::Severity::Critical  ? QSystemTrayIcon::Critical
            : severity == Notifier::Severity::Warning ? QSystemTrayIcon::Warning
                                                      : QSystemTrayIcon::Information;
        m_tray->showMessage(title, message, icon, 8000);
    }
    if (severity == Notifier::Severity::Critical)
        QApplication::alert(this);
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

QDialog *MainWindow::showAbout()
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }

    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("aboutDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("About Longwatch"));

    auto *icon = new QLabel;
    icon->setPixmap(windowIcon().pixmap(64, 64));
    icon->setAlignment(Qt::AlignTop);
    auto *title = new QLabel(tr("<h2>Longwatch %1</h2>").arg(QStringLiteral(LONGWATCH_VERSION)));
    auto *summary = new QLabel(tr("A desktop dashboard for HTTP long-poll feeds: events as they "
                                  "arrive, the status of every job, and the health of every "
                                  "channel."));
    summary->setWordWrap(true);
    auto *qt =
        new QLabel(tr("Runs on Qt %1 (built with Qt %2).")
                       .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)));
    qt->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Where things are, selectable so a path can be copied.
    auto *places = new QFormLayout;
    places->setContentsMargins(0, 8, 0, 0);
    places->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    places->setLabelAlignment(Qt::AlignLeft);
    places->setVerticalSpacing(6);
    const auto place = [places](const QString &label, const QString &value, bool wrap) {
        auto *field = new QLabel(value);
        field->setTextFormat(Qt::PlainText);
        field->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        field->setWordWrap(wrap);
        places->addRow(label, field);
    };
    place(tr("Settings:"), QDir::toNativeSeparators(settings->fileName()), false);
    place(tr("Event log:"),
          m_log ? QDir::toNativeSeparators(m_log->path())
                : tr("Not saved: events are kept in this window only"),
          false);
    place(tr("Secrets:"), m_manager->secretLocation(), true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);

    auto *text = new QVBoxLayout;
    text->addWidget(title);
    text->addWidget(summary);
    text->addWidget(qt);
    text->addLayout(places);
    text->addStretch();
    auto *top = new QHBoxLayout;
    top->setSpacing(16);
    top->addWidget(icon);
    top->addLayout(text, 1);
    auto *layout = new QVBoxLayout(dialog);
    layout->addLayout(top);
    layout->addStretch();
    layout->addWidget(buttons);
    dialog->setMinimumWidth(560);

    dialog->setWindowModality(Qt::WindowModal);
    dialog->open();
    return dialog;
}

// ---------------------------------------------------------------- settings

void MainWindow::restoreWindowState()
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
    settings->beginGroup(QStringLiteral("window"));
    restoreGeometry(settings->value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings->value(QStringLiteral("state")).toByteArray());
    // A splitter that was placed by hand is put back; one that followed the
    // window's width goes on doing so.
    if (settings->value(QStringLiteral("channelListPlaced"), false).toBool()) {
        m_splitter->restoreState(settings->value(QStringLiteral("splitter")).toByteArray());
        m_channelList->setPlaced(true);
    }
    m_eventSplitter->restoreState(settings->value(QStringLiteral("eventSplitter")).toByteArray());
    // Saved with the names of its columns since the Job column came; a
    // state without them has the five columns from before.
    static const QStringList kColumnsBeforeJob = {QStringLiteral("time"), QStringLiteral("channel"),
                                                  QStringLiteral("id"), QStringLiteral("type"),
                                                  QStringLiteral("text")};
    if (const QByteArray header = settings->value(QStringLiteral("eventHeader")).toByteArray();
        !header.isEmpty()) {
        m_eventView->restoreHeaderState(
            header,
            settings->value(QStringLiteral("eventColumns"), kColumnsBeforeJob).toStringList());
    }
    // Widths the user chose stand (and those an older version saved, which
    // could have been); others follow the table's width.
    m_eventColumns->setPlaced(settings
                                  ->value(QStringLiteral("eventColumnsPlaced"),
                                          settings->contains(QStringLiteral("eventHeader")))
                                  .toBool());
    m_jobView->horizontalHeader()->restoreState(
        settings->value(QStringLiteral("jobHeader")).toByteArray());
    m_tabs->setCurrentIndex(settings->value(QStringLiteral("page"), 0).toInt());
    m_detailsAction->setChecked(settings->value(QStringLiteral("details"), true).toBool());
    settings->endGroup();
}

void MainWindow::saveWindowState()
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
    settings->beginGroup(QStringLiteral("window"));
    settings->setValue(QStringLiteral("geometry"), saveGeometry());
    settings->setValue(QStringLiteral("state"), saveState());
    settings->setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings->setValue(QStringLiteral("channelListPlaced"), m_channelList->isPlaced());
    settings->setValue(QStringLiteral("eventSplitter"), m_eventSplitter->saveState());
    settings->setValue(QStringLiteral("eventHeader"), m_eventView->horizontalHeader()->saveState());
    settings->setValue(QStringLiteral("eventColumnsPlaced"), m_eventColumns->isPlaced());
    settings->setValue(QStringLiteral("eventColumns"), m_eventView->columnKeys());
    settings->setValue(QStringLiteral("jobHeader"), m_jobView->horizontalHeader()->saveState());
    settings->setValue(QStringLiteral("page"), m_tabs->currentIndex());
    settings->setValue(QStringLiteral("details"), m_detailsAction->isChecked());
    settings->endGroup();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    QMainWindow::closeEvent(event);
}

} // namespace Longwatch
