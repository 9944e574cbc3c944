#include "channel.h"
#include "channeldialog.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "channelstore.h"
#include "common/dashboardtesting.h"
#include "englishplurals.h"
#include "eventfiltermodel.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventmodel.h"
#include "eventrecorder.h"
#include "fakehttpserver.h"
#include "feedserver.h"
#include "jobfiltermodel.h"
#include "jobmodel.h"
#include "mainwindow.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPaintEvent>
#include <QPushButton>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeout = 15'000; // ms; the machine is shared

QJsonObject jobEvent(const QString &job, const QString &status, const QString &message,
                     const QString &type = "job")
{
    return {{"type", type}, {"job", job}, {"status", status}, {"message", message}};
}

ChannelConfig channelFor(const FeedServer &server, const QString &feed)
{
    ChannelConfig c;
    c.name = feed;
    c.url = QUrl(server.baseUrl().toString() + "/feeds/" + feed + "/poll");
    c.timing.backoffInitial = 1s; // retries come within a second
    c.timing.backoffMax = 1s;
    return c;
}

QString statusOf(const MainWindow &window, int row)
{
    return window.channelModel()->index(row).data(ChannelModel::StatusTextRole).toString();
}

/// The regions a widget painted, from its Paint events.
class PaintRecorder final : public QObject
{
public:
    explicit PaintRecorder(QWidget *widget) { widget->installEventFilter(this); }
    QRegion painted;
    int paints = 0;

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == QEvent::Paint) {
            painted += static_cast<QPaintEvent *>(event)->region();
            ++paints;
        }
        return false;
    }
};

EventList probeEvents(int first, int count, const QString &type = QStringLiteral("probe"))
{
    EventList events;
    for (int id = first; id < first + count; ++id) {
        Event event;
        event.key = QString::number(id);
        event.type = type;
        event.text = QStringLiteral("event %1").arg(id);
        event.raw = QStringLiteral(R"({"id":%1})").arg(id).toUtf8();
        event.receivedUsecs = 1'700'000'000'000'000LL + id;
        events.append(event);
    }
    return events;
}

template<typename T> T *child(QWidget *parent, const char *name)
{
    T *widget = parent->findChild<T *>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void showsTheEmptyStateFirst();
    void addsAChannelThroughTheDialogAndShowsItsEvents();
    void showsRetryingWhileTheServerIsDownAndLiveAfterItReturns();
    void showsAFailedJobOnTheBoard();
    void filterNarrowsTheView();
    void channelActionsWorkFromTheKeyboard();
    void remembersItsGeometry();
    void demoShowsLiveChannelsAndARetryingOne();
    void trustingARefusedCertificateMakesTheChannelLive();
    void aRefusingProxyAsksOnceForCredentials();
    void workspaceRoundTripLeavesSecretsOut();
    void refusedWorkspaceSaysWhy();
    void historyPagesInFromTheEventLog();
    void aNewRowRepaintsOnlyTheRowsFromItDown();
    void duplicateOpensTheDialogOnACopyBeforeItPolls();
    void importingChannelsAlreadyHereAsks_data();
    void importingChannelsAlreadyHereAsks();
    void fitsSmallWindows_data();
    void fitsSmallWindows();

private:
    QTemporaryDir *m_dir = nullptr;
    QSettings *m_settings = nullptr;
    FeedServer *m_server = nullptr;
};

void tst_MainWindow::initTestCase()
{
    installEnglishPlurals(qApp); // as the program does
}

void tst_MainWindow::init()
{
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
    m_settings = new QSettings(m_dir->filePath("longwatch.ini"), QSettings::IniFormat);
    m_server = new FeedServer;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
}

void tst_MainWindow::cleanup()
{
    delete m_server;
    delete m_settings;
    delete m_dir;
}

void tst_MainWindow::trustingARefusedCertificateMakesTheChannelLive()
{
    using namespace Longwatch::Testing;
    if (!TestCertificates::opensslAvailable())
        QSKIP("openssl is needed to make certificates");
    TestCertificates certs(m_dir->path());
    QVERIFY2(certs.makeSelfSigned("self", "localhost"), qPrintable(certs.errorString()));
    TlsTestServer server(certs.certificate("self"), certs.key("self"));
    QVERIFY(server.listen());
    const QString fingerprint =
        CertificateInfo::fromCertificate(certs.certificate("self")).fingerprintText();

    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    ChannelConfig config;
    config.name = "self-signed";
    config.url = server.url("/poll");
    Channel *channel = manager.addChannel(config);
    QTRY_COMPARE_WITH_TIMEOUT(channel->error(), Poller::Error::TlsError, kTimeout);

    // The tooltip shows what the person needs to decide.
    const QString tip = window.channelModel()
                            ->data(window.channelModel()->indexOf(channel), Qt::ToolTipRole)
                            .toString();
    QVERIFY2(tip.contains(fingerprint), qPrintable(tip));
    QVERIFY(tip.contains("localhost"));

    QMessageBox *box = window.trustCertificate(channel);
    QVERIFY(box);
    QVERIFY(box->informativeText().contains(fingerprint));
    box->button(QMessageBox::Yes)->click();
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Live, kTimeout);
    QCOMPARE(channel->config().timing.transport.tls.pinnedSha256.size(), 1);
    // Nothing left to trust.
    QVERIFY(!window.trustCertificate(channel));
}

void tst_MainWindow::aRefusingProxyAsksOnceForCredentials()
{
    using namespace Longwatch::Testing;
    FakeHttpServer proxy; // a proxy that refuses every credential
    QVERIFY(proxy.isListening());
    proxy.setDefaultResponse(
        FakeResponse::status(407).withHeader("Proxy-Authenticate", "Basic realm=\"test\""));

    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    ChannelConfig config = channelFor(*m_server, "behind a proxy");
    config.timing.transport.proxy = {ProxySettings::Mode::Http, "127.0.0.1", proxy.port(), "ann",
                                     "old"};
    Channel *channel = manager.addChannel(config);

    QDialog *dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = window.findChild<QDialog *>("proxyCredentialsDialog")) &&
                                 dialog->isVisible(),
                             kTimeout);
    QCOMPARE(channel->error(), Poller::Error::ProxyAuthenticationError);
    auto *user = dialog->findChild<QLineEdit *>("proxyUserEdit");
    auto *password = dialog->findChild<QLineEdit *>("proxyPasswordEdit");
    QVERIFY(user && password);
    QCOMPARE(user->text(), QStringLiteral("ann"));
    password->setText("n3w-pa55");
    dialog->accept();
    QCOMPARE(channel->config().timing.transport.proxy.password, QStringLiteral("n3w-pa55"));

    // Refused again: the channel fails, and nobody is asked a second time.
    QTRY_VERIFY_WITH_TIMEOUT(channel->error() == Poller::Error::ProxyAuthenticationError &&
                                 channel->state() == Poller::State::Failed,
                             kTimeout);
    QCoreApplication::processEvents();
    const QList<QDialog *> asked = window.findChildren<QDialog *>("proxyCredentialsDialog");
    QVERIFY(std::none_of(asked.cbegin(), asked.cend(), [](QDialog *d) { return d->isVisible(); }));
}

void tst_MainWindow::showsTheEmptyStateFirst()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    auto *stack = qobject_cast<QStackedWidget *>(window.centralWidget());
    QVERIFY(stack);
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("emptyState"));
    QVERIFY(child<QPushButton>(&window, "emptyAddButton")->isVisible());
    QVERIFY(child<QPushButton>(&window, "emptyDemoButton")->isVisible());
    manager.addChannel(channelFor(*m_server, "builds"));
    QVERIFY(stack->currentWidget()->objectName() != QStringLiteral("emptyState"));
}

void tst_MainWindow::addsAChannelThroughTheDialogAndShowsItsEvents()
{
    m_server->publish("builds", jobEvent("build #1", "queued", "waiting for a runner"));
    m_server->publish("builds", jobEvent("build #1", "running", "compiling"));

    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::mouseClick(child<QPushButton>(&window, "emptyAddButton"), Qt::LeftButton);
    ChannelDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<ChannelDialog *>()) && dialog->isVisible());

    QTest::keyClicks(child<QLineEdit>(dialog, "nameEdit"), "Builds");
    QTest::keyClicks(child<QLineEdit>(dialog, "urlEdit"),
                     m_server->baseUrl().toString() + "/feeds/builds/poll");
    auto *ok = child<QPushButton>(dialog, "okButton");
    QVERIFY2(ok->isEnabled(), qPrintable(dialog->problems().join('\n')));
    QTest::mouseClick(ok, Qt::LeftButton);

    QTRY_COMPARE(manager.count(), 1);
    QCOMPARE(manager.at(0)->name(), QStringLiteral("Builds"));
    QTableView *events = window.eventView();
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), 2, kTimeout);
    QCOMPARE(events->model()->index(1, EventModel::TextColumn).data().toString(),
             QStringLiteral("compiling"));
    QCOMPARE(events->model()->index(1, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("Builds"));
    m_server->publish("builds", jobEvent("build #1", "succeeded", "all green"));
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), 3, kTimeout);
    QTRY_COMPARE(statusOf(window, 0), QStringLiteral("Live"));
    // The new channel is selected, and the list shows it.
    QCOMPARE(window.currentChannel(), manager.at(0));
}

void tst_MainWindow::showsRetryingWhileTheServerIsDownAndLiveAfterItReturns()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    Channel *channel = manager.addChannel(channelFor(*m_server, "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);

    const quint16 port = m_server->port();
    m_server->close();
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(window, 0).startsWith("Retrying in "), kTimeout);
    QVERIFY2(statusOf(window, 0).contains("(attempt "), qPrintable(statusOf(window, 0)));
    QCOMPARE(window.channelModel()->index(0).data(ChannelModel::StateRole).value<Poller::State>(),
             Poller::State::Backoff);

    QVERIFY(m_server->listen(QHostAddress::LocalHost, port));
    m_server->publish("builds", jobEvent("build #2", "running", "back again"));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(window, 0), QStringLiteral("Live"), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(window.eventModel()->rowCount(), 1, kTimeout);
}

void tst_MainWindow::showsAFailedJobOnTheBoard()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    manager.addChannel(channelFor(*m_server, "deploys"));
    m_server->publish("deploys", jobEvent("deploy prod", "running", "rolling out"));
    m_server->publish("deploys", jobEvent("deploy staging", "running", "rolling out"));
    QTRY_COMPARE_WITH_TIMEOUT(window.jobModel()->rowCount(), 2, kTimeout);
    QCOMPARE(window.jobModel()->failedCount(), 0);

    m_server->publish("deploys", jobEvent("deploy prod", "error", "health check failed"));
    QTRY_COMPARE_WITH_TIMEOUT(window.jobModel()->failedCount(), 1, kTimeout);
    window.showPage(1);
    QTableView *jobs = window.jobView();
    QVERIFY(jobs->isVisible());
    // Sorted by status: the failed job is on top.
    QCOMPARE(jobs->model()->index(0, JobModel::JobColumn).data().toString(),
             QStringLiteral("deploy prod"));
    QCOMPARE(jobs->model()->index(0, JobModel::StatusColumn).data().toString(),
             QStringLiteral("Failed"));
    auto *tabs = child<QTabWidget>(&window, "pages");
    QTRY_VERIFY2(tabs->tabText(1).contains("1 failed"), qPrintable(tabs->tabText(1)));
    // Without a tray the notification shows in the window.
    auto *note = child<QLabel>(&window, "lastNotification");
    QTRY_VERIFY(note->text().contains("deploy prod failed"));
    QVERIFY(note->text().contains("health check failed"));

    auto *failedOnly = child<QCheckBox>(&window, "failedOnly");
    QTest::mouseClick(failedOnly, Qt::LeftButton);
    QCOMPARE(jobs->model()->rowCount(), 1);
}

void tst_MainWindow::filterNarrowsTheView()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    Channel *builds = manager.addChannel(channelFor(*m_server, "builds"));
    manager.addChannel(channelFor(*m_server, "tests"));
    m_server->publish("builds", jobEvent("b1", "running", "compiling sources", "job.started"));
    m_server->publish("builds", jobEvent("b1", "failed", "linker error", "job.failed"));
    m_server->publish("tests", jobEvent("t1", "running", "unit tests", "job.started"));
    m_server->publish("tests", jobEvent("t1", "failed", "3 tests failed", "job.failed"));
    QTableView *events = window.eventView();
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), 4, kTimeout);

    auto *search = child<QLineEdit>(&window, "eventSearch");
    QTest::keyClicks(search, "ERROR");
    QTRY_COMPARE(events->model()->rowCount(), 1);
    QCOMPARE(events->model()->index(0, EventModel::TextColumn).data().toString(),
             QStringLiteral("linker error"));
    search->clear();
    QTRY_COMPARE(events->model()->rowCount(), 4);

    auto *type = child<QComboBox>(&window, "typeFilter");
    QTRY_COMPARE(type->count(), 3); // all types, job.failed, job.started
    type->setCurrentIndex(type->findData("job.failed"));
    QCOMPARE(events->model()->rowCount(), 2);

    // Selecting a channel in the list shows only its events.
    window.selectChannel(builds);
    QCOMPARE(events->model()->rowCount(), 1);
    QCOMPARE(child<QComboBox>(&window, "channelFilter")->currentText(), QStringLiteral("builds"));
    window.selectChannel(nullptr);
    QCOMPARE(events->model()->rowCount(), 2);
}

void tst_MainWindow::channelActionsWorkFromTheKeyboard()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    window.activateWindow(); // shortcuts work in the active window only
    QVERIFY(QTest::qWaitForWindowActive(&window));
    Channel *channel = manager.addChannel(channelFor(*m_server, "builds"));
    window.selectChannel(channel);
    window.channelView()->setFocus();

    QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
    QCOMPARE(statusOf(window, 0), QStringLiteral("Paused"));
    QVERIFY(channel->isPaused());
    QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
    QVERIFY(!channel->isPaused());
    QTRY_COMPARE(statusOf(window, 0), QStringLiteral("Listening · no events yet"));

    // Duplicate opens the dialog on the copy; it is added when accepted.
    QTest::keyClick(&window, Qt::Key_D, Qt::ControlModifier);
    ChannelDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<ChannelDialog *>()) && dialog->isVisible());
    QCOMPARE(manager.count(), 1);
    QTest::mouseClick(child<QPushButton>(dialog, "okButton"), Qt::LeftButton);
    QCOMPARE(manager.count(), 2);
    QCOMPARE(window.currentChannel(), manager.at(1));
    QTRY_VERIFY(!window.findChild<ChannelDialog *>());
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    // Removing asks first; cancelling keeps the channel.
    QTest::keyClick(window.channelView(), Qt::Key_Delete);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox *>()) && box->isVisible());
    QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
    QCOMPARE(manager.count(), 2);
    QTRY_VERIFY(!window.findChild<QMessageBox *>());
    // The box took the focus; shortcuts need the window active again.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    QTest::keyClick(window.channelView(), Qt::Key_Delete);
    QTRY_VERIFY((box = window.findChild<QMessageBox *>()) && box->isVisible());
    QAbstractButton *remove = nullptr;
    for (QAbstractButton *button : box->buttons()) {
        if (box->buttonRole(button) == QMessageBox::DestructiveRole)
            remove = button;
    }
    QVERIFY(remove);
    QTest::mouseClick(remove, Qt::LeftButton);
    QCOMPARE(manager.count(), 1);
    QCOMPARE(manager.at(0), channel);

    // Ctrl+E opens the editor for the selected channel.
    window.selectChannel(channel);
    QTest::keyClick(&window, Qt::Key_E, Qt::ControlModifier);
    dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<ChannelDialog *>()) && dialog->isVisible());
    QCOMPARE(dialog->config().id, channel->id());
    dialog->reject();
}

void tst_MainWindow::remembersItsGeometry()
{
    ChannelManager manager;
    {
        MainWindow window(&manager, m_settings);
        window.show();
        window.resize(930, 610);
        QTRY_COMPARE(window.size(), QSize(930, 610));
        window.showPage(1);
        window.close(); // saves
    }
    MainWindow again(&manager, m_settings);
    again.restoreWindowState();
    again.show();
    QTRY_COMPARE(again.size(), QSize(930, 610));
    QCOMPARE(child<QTabWidget>(&again, "pages")->currentIndex(), 1);
}

void tst_MainWindow::demoShowsLiveChannelsAndARetryingOne()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    QVERIFY(window.startDemo());
    QCOMPARE(manager.count(), 5);
    for (Channel *channel : manager.channels())
        QVERIFY(channel->config().transient);
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(window, 4).startsWith("Retrying in "), kTimeout);
    // The simulation publishes every few hundred milliseconds.
    QTRY_VERIFY_WITH_TIMEOUT(window.eventModel()->rowCount() >= 3, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(window.jobModel()->rowCount() >= 1, kTimeout);
    // A second start does not add the channels again.
    QVERIFY(window.startDemo());
    QCOMPARE(manager.count(), 5);
}

void tst_MainWindow::aNewRowRepaintsOnlyTheRowsFromItDown()
{
    // Qt's views repaint every visible cell for any inserted row; the event
    // table repaints from the new row down, and the page's other widgets not
    // at all.
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    manager.addChannel(channelFor(*m_server, "feed"));
    window.resize(1000, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    EventModel *model = window.eventModel();
    QTableView *view = window.eventView();
    PaintRecorder cells(view->viewport());
    model->appendBatch("chan", "Chan", probeEvents(1, 3));
    QTRY_VERIFY(cells.painted.contains(view->visualRect(view->model()->index(2, 0))));
    cells.painted = {};
    cells.paints = 0;
    PaintRecorder search(child<QLineEdit>(&window, "eventSearch"));
    model->appendBatch("chan", "Chan", probeEvents(4, 1));
    // One pass of the window's repaint paints everything that is dirty:
    // once the new row is painted, so is whatever else the row dirtied.
    QTRY_VERIFY(cells.paints > 0);
    const QRect newRow = view->visualRect(view->model()->index(3, 0));
    QVERIFY2(cells.painted.boundingRect().top() >= newRow.top(),
             qPrintable(QStringLiteral("painted from y=%1, the new row starts at y=%2")
                            .arg(cells.painted.boundingRect().top())
                            .arg(newRow.top())));
    QCOMPARE(search.paints, 0);

    // Many more rows, followed: the newest is shown, and a new row below
    // the visible ones repaints no cell until the view scrolls to it.
    model->appendBatch("chan", "Chan", probeEvents(5, 200));
    const QModelIndex newest = view->model()->index(203, 0);
    QTRY_VERIFY(view->viewport()->rect().contains(view->visualRect(newest).center()));
    // Rows one by one, followed: the view scrolls by moving its pixels
    // (and paints only the new rows), and what is on screen is what a full
    // paint draws. The offscreen platform grabs a window from its backing
    // store, where the moved pixels are; QWidget::grab() paints anew.
    for (int id = 205; id < 215; ++id) {
        model->appendBatch("chan", "Chan", probeEvents(id, 1));
        const QModelIndex last = view->model()->index(id - 2, 0);
        QTRY_VERIFY(view->viewport()->rect().contains(view->visualRect(last).center()));
    }
    // Stale strips left by a wrong scroll would stay on screen for good,
    // so this holds only if every scroll drew the right pixels.
    QWidget *viewport = view->viewport();
    const auto onScreenIsAFullPaint = [&] {
        const QImage onScreen =
            window.screen()
                ->grabWindow(window.winId(), viewport->mapTo(&window, QPoint()).x(),
                             viewport->mapTo(&window, QPoint()).y(), viewport->width(),
                             viewport->height())
                .toImage()
                .convertToFormat(QImage::Format_RGB32);
        const QImage painted = viewport->grab().toImage().convertToFormat(QImage::Format_RGB32);
        return onScreen.size() == painted.size() && onScreen == painted;
    };
    QTRY_VERIFY(onScreenIsAFullPaint());

    // Looking back: no longer following.
    view->verticalScrollBar()->triggerAction(QAbstractSlider::SliderToMinimum);
    QTRY_VERIFY(!view->viewport()->rect().contains(view->visualRect(newest).center()));

    // Events from the feed: the tab's count changes, its tab bar repaints,
    // the page's other widgets do not (unless the tab bar's size changes,
    // as it does with the first: "Events (3)" to "Events (216)").
    QTabWidget *tabs = child<QTabWidget>(&window, "pages");
    PaintRecorder tabBar(tabs->tabBar());
    m_server->publish("feed", QJsonObject{{"type", "probe"}, {"message", "from the feed"}});
    QTRY_COMPARE(tabs->tabText(0), QStringLiteral("Events (215)"));
    QTRY_VERIFY(tabBar.paints > 0);
    search.paints = 0;
    tabBar.paints = 0;
    m_server->publish("feed", QJsonObject{{"type", "probe"}, {"message", "again"}});
    QTRY_COMPARE(tabs->tabText(0), QStringLiteral("Events (216)"));
    QTRY_VERIFY(tabBar.paints > 0); // in the same pass as anything else the title dirtied
    QCOMPARE(search.paints, 0);
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"

void tst_MainWindow::workspaceRoundTripLeavesSecretsOut()
{
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    ChannelConfig secret = channelFor(*m_server, "builds");
    secret.auth = ChannelConfig::Auth::Bearer;
    secret.token = "tok-7f3a9c-secret";
    secret.paused = true;
    manager.addChannel(secret);
    ChannelConfig plain = channelFor(*m_server, "deploys");
    plain.paused = true;
    manager.addChannel(plain);

    const QString path = m_dir->filePath("workspace.json");
    QString error;
    QVERIFY2(window.exportWorkspaceTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.contains("\"builds\""));
    QVERIFY(!bytes.contains("tok-7f3a9c-secret"));
    // The person is told what was left out.
    QMessageBox *told = nullptr;
    QTRY_VERIFY((told = window.findChild<QMessageBox *>("workspaceExported")));
    QVERIFY2(told->informativeText().contains("builds: token"),
             qPrintable(told->informativeText()));
    told->close();

    // Into another window: both channels, new ids, the token to enter again.
    MemoryChannelStore otherStore;
    ChannelManager other(&otherStore);
    MainWindow otherWindow(&other, m_settings);
    QCOMPARE(otherWindow.importWorkspaceFrom(path), 2);
    QCOMPARE(other.count(), 2);
    QCOMPARE(other.at(0)->name(), QStringLiteral("builds"));
    QCOMPARE(other.at(0)->config().url, secret.url);
    QVERIFY(other.at(0)->id() != manager.at(0)->id());
    QVERIFY(other.at(0)->config().token.isEmpty());
    QMessageBox *warned = nullptr;
    QTRY_VERIFY((warned = otherWindow.findChild<QMessageBox *>("workspaceImported")));
    QVERIFY2(warned->informativeText().contains("token"), qPrintable(warned->informativeText()));
}

void tst_MainWindow::refusedWorkspaceSaysWhy()
{
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    const QString path = m_dir->filePath("not-a-workspace.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format":"something-else","version":1})");
    file.close();
    QCOMPARE(window.importWorkspaceFrom(path), -1);
    QCOMPARE(manager.count(), 0);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox *>("workspaceRefused")));
    QVERIFY(!box->text().isEmpty());
    QCOMPARE(window.importWorkspaceFrom(m_dir->filePath("missing.json")), -1);
}

void tst_MainWindow::historyPagesInFromTheEventLog()
{
    const QString logPath = m_dir->filePath("events.sqlite");
    {
        EventLog log;
        QVERIFY(log.open(logPath));
        QVERIFY(log.setChannelTitle("chan-1", "Builds"));
        for (int first = 1; first <= 6000; first += 1000)
            QVERIFY(log.append("chan-1", probeEvents(first, 1000, "build"),
                               QString::number(first + 999)));
    }
    Testing::LoggedDashboard dashboard(m_settings);
    QVERIFY(dashboard.open(logPath));
    MainWindow &window = dashboard.window;
    window.resize(900, 600);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Opens on the newest stored events, named by their stored title.
    QCOMPARE(window.eventModel()->rowCount(), 500);
    QCOMPARE(window.eventModel()->index(499, EventModel::IdColumn).data().toString(),
             QStringLiteral("6000"));
    QCOMPARE(window.eventModel()->index(0, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("Builds"));
    QLabel *history = child<QLabel>(&window, "historyLabel");
    QVERIFY2(history->text().contains(QLocale().toString(6000)), qPrintable(history->text()));
    QPushButton *older = child<QPushButton>(&window, "loadOlderButton");
    QVERIFY(older->isEnabled());
    QCOMPARE(window.exportEvents() != nullptr, true);

    // "Load Older" pages in the next 2,000 above.
    older->click();
    QCOMPARE(window.eventModel()->rowCount(), 2500);
    QCOMPARE(window.eventModel()->index(0, EventModel::IdColumn).data().toString(),
             QStringLiteral("3501"));
    // Scrolling to the top reads further back.
    QTableView *view = window.eventView();
    view->verticalScrollBar()->triggerAction(QAbstractSlider::SliderToMinimum);
    QTRY_COMPARE(window.eventModel()->rowCount(), 4500);
    view->verticalScrollBar()->triggerAction(QAbstractSlider::SliderToMinimum);
    QTRY_COMPARE(window.eventModel()->rowCount(), 6000);
    QTRY_VERIFY(!older->isEnabled());
    QCOMPARE(window.eventModel()->index(0, EventModel::IdColumn).data().toString(),
             QStringLiteral("1"));
    window.setEventLog(nullptr, nullptr, nullptr);
}

void tst_MainWindow::duplicateOpensTheDialogOnACopyBeforeItPolls()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Channel *original = manager.addChannel(channelFor(*m_server, "builds"));
    window.selectChannel(original);

    QTest::keyClick(window.channelView(), Qt::Key_D, Qt::ControlModifier);
    ChannelDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<ChannelDialog *>()) && dialog->isVisible());
    // Nothing polls the copy before the user has seen its settings.
    QCOMPARE(manager.count(), 1);
    QCOMPARE(child<QLineEdit>(dialog, "nameEdit")->text(), QStringLiteral("builds (copy)"));
    QVERIFY(dialog->windowTitle().contains("Duplicate"));

    auto *url = child<QLineEdit>(dialog, "urlEdit");
    url->selectAll();
    QTest::keyClicks(url, m_server->baseUrl().toString() + "/feeds/tests/poll");
    auto *ok = child<QPushButton>(dialog, "okButton");
    QVERIFY2(ok->isEnabled(), qPrintable(dialog->problems().join('\n')));
    QTest::mouseClick(ok, Qt::LeftButton);
    QTRY_COMPARE(manager.count(), 2);
    QCOMPARE(manager.at(1)->name(), QStringLiteral("builds (copy)"));
    QVERIFY(manager.at(1)->id() != original->id());
    QVERIFY(manager.at(1)->config().url.path().endsWith("/feeds/tests/poll"));
    QCOMPARE(original->config().url.path(), QStringLiteral("/feeds/builds/poll"));

    // Cancelled, it adds nothing.
    window.selectChannel(original);
    QTest::keyClick(window.channelView(), Qt::Key_D, Qt::ControlModifier);
    QTRY_VERIFY((dialog = window.findChild<ChannelDialog *>()) && dialog->isVisible());
    dialog->reject();
    QTRY_VERIFY(!window.findChild<ChannelDialog *>());
    QCOMPARE(manager.count(), 2);
}

void tst_MainWindow::fitsSmallWindows_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("maxChannelList");
    QTest::newRow("a laptop's 1280×800") << QSize(1280, 800) << 300;
    QTest::newRow("800×500") << QSize(800, 500) << 220;
    QTest::newRow("below the minimum") << QSize(500, 350) << 200;
}

void tst_MainWindow::fitsSmallWindows()
{
    QFETCH(QSize, size);
    QFETCH(int, maxChannelList);
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.restoreWindowState();
    manager.addChannel(channelFor(*m_server, "builds"));
    window.resize(size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Never smaller than what it can show, and 800×500 is above that.
    QVERIFY(window.minimumWidth() >= 600 && window.minimumWidth() <= 800);
    QVERIFY(window.minimumHeight() >= 400 && window.minimumHeight() <= 500);
    QVERIFY(window.width() >= window.minimumWidth());
    QVERIFY(window.height() >= window.minimumHeight());

    auto *channelPanel = window.channelView();
    QVERIFY2(channelPanel->width() <= maxChannelList,
             qPrintable(QString::number(channelPanel->width())));
    QVERIFY(channelPanel->width() >= 170);
    // Its rows fit it: nothing to scroll sideways to.
    const QModelIndex row = channelPanel->model()->index(0, 0);
    QTRY_VERIFY(channelPanel->visualRect(row).right() < channelPanel->viewport()->width());
    QVERIFY(!channelPanel->horizontalScrollBar()->isVisible());
    // The Text column starts well inside the table: something of it shows.
    QTableView *events = window.eventView();
    const int text = events->horizontalHeader()->sectionViewportPosition(EventModel::TextColumn);
    QVERIFY2(
        text >= 0 && text + 100 <= events->viewport()->width(),
        qPrintable(QStringLiteral("Text at %1 of %2").arg(text).arg(events->viewport()->width())));
    // A long notification does not squeeze the channels' health (long, with
    // a channel in trouble) out of the status bar.
    quint16 deadPort = 0;
    {
        QTcpServer gone;
        QVERIFY(gone.listen(QHostAddress::LocalHost, 0));
        deadPort = gone.serverPort();
    }
    ChannelConfig dead = channelFor(*m_server, "dead");
    dead.url.setPort(deadPort);
    manager.addChannel(dead);
    QTRY_VERIFY(manager.at(1)->state() == Poller::State::Backoff);
    Q_EMIT window.notifier()->notify(
        "e2e-tests #1430 failed",
        "Test runs: 1 test failed: checkout_flow_times_out after 30 s waiting for the page",
        Notifier::Severity::Critical);
    auto *health = child<QLabel>(&window, "healthLabel");
    QTRY_VERIFY2(health->width() >= 250, qPrintable(QString::number(health->width())));
    QVERIFY(child<QLabel>(&window, "lastNotification")->text().contains("checkout_flow"));

    // The filter box can be typed into.
    QVERIFY(child<QLineEdit>(&window, "eventSearch")->width() >= 150);

    // Moved by hand, the channel list keeps its width through a resize and a
    // restart.
    QSplitter *splitter = child<QSplitter>(&window, "mainSplitter");
    splitter->setSizes({230, splitter->width() - 230});
    Q_EMIT splitter->splitterMoved(230, 1);
    window.resize(window.width() + 40, window.height());
    QTRY_COMPARE(channelPanel->parentWidget()->width(), 230);
    window.saveWindowState();
    MainWindow again(&manager, m_settings);
    again.restoreWindowState();
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    QCOMPARE(child<QSplitter>(&again, "mainSplitter")->sizes().first(), 230);

    // A column the user widened keeps its width too.
    QHeaderView *header = events->horizontalHeader();
    header->resizeSection(EventModel::ChannelColumn, 150); // as a drag does, while shown
    window.resize(window.width() - 40, window.height());
    QTRY_COMPARE(header->sectionSize(EventModel::ChannelColumn), 150);
}

void tst_MainWindow::importingChannelsAlreadyHereAsks_data()
{
    QTest::addColumn<QString>("button");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("skip them") << "skipButton" << QStringList{"builds", "deploys", "tests"};
    QTest::newRow("import them as copies")
        << "copiesButton" << QStringList{"builds", "deploys", "builds (copy)", "tests"};
    QTest::newRow("replace their settings")
        << "replaceButton" << QStringList{"builds", "deploys", "tests"};
    QTest::newRow("cancel") << "" << QStringList{"builds", "deploys"};
}

void tst_MainWindow::importingChannelsAlreadyHereAsks()
{
    QFETCH(QString, button);
    QFETCH(QStringList, names);
    // A workspace with "builds" (its token left out) and "tests".
    const QString path = m_dir->filePath("workspace.json");
    {
        MemoryChannelStore store;
        ChannelManager manager(&store);
        MainWindow window(&manager, m_settings);
        ChannelConfig builds = channelFor(*m_server, "builds");
        builds.url.setQuery("access_token=TOPSECRET42");
        builds.timing.backoffMax = 7s; // the file's own setting
        builds.paused = true;
        manager.addChannel(builds);
        ChannelConfig tests = channelFor(*m_server, "tests");
        tests.paused = true;
        manager.addChannel(tests);
        QVERIFY(window.exportWorkspaceTo(path));
    }

    // Here: "builds" under that address with its token, and "deploys".
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    ChannelConfig builds = channelFor(*m_server, "builds");
    builds.url.setQuery("access_token=TOPSECRET42");
    builds.paused = true;
    Channel *here = manager.addChannel(builds);
    ChannelConfig deploys = channelFor(*m_server, "deploys");
    deploys.paused = true;
    manager.addChannel(deploys);

    QCOMPARE(window.importWorkspaceFrom(path), 0); // it asks first
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox *>("workspaceAlreadyHere")) &&
                box->isVisible());
    QVERIFY2(box->text().startsWith("One of the channels in workspace.json is already here"),
             qPrintable(box->text()));
    QVERIFY2(box->informativeText().contains("builds"), qPrintable(box->informativeText()));
    QVERIFY(!box->informativeText().contains("tests"));
    QCOMPARE(manager.count(), 2); // nothing added before the answer
    if (button.isEmpty())
        box->reject();
    else
        QTest::mouseClick(child<QPushButton>(box, qPrintable(button)), Qt::LeftButton);

    QStringList now;
    for (const Channel *channel : manager.channels())
        now << channel->name();
    QTRY_COMPARE(now.size(), names.size());
    QCOMPARE(now, names);
    // The channel here keeps its id, its token and its place.
    QCOMPARE(manager.at(0), here);
    QCOMPARE(here->config().url.query(), QStringLiteral("access_token=TOPSECRET42"));
    QCOMPARE(here->config().timing.backoffMax, button == "replaceButton" ? 7s : 1s);
    if (button == "copiesButton") {
        const ChannelConfig copy = manager.at(2)->config();
        QVERIFY(copy.id != here->id());
        QCOMPARE(copy.url.query(), QStringLiteral("access_token=")); // to enter again
    }
    if (!button.isEmpty()) {
        // The summary counts what happened.
        const QString said = window.statusBar()->currentMessage() + [&] {
            auto *told = window.findChild<QMessageBox *>("workspaceImported");
            return told ? told->text() : QString();
        }();
        QVERIFY2(
            said.contains(button == "copiesButton" ? "2 channels imported" : "1 channel imported"),
            qPrintable(said));
        if (button == "skipButton")
            QVERIFY2(said.contains("1 skipped"), qPrintable(said));
        if (button == "replaceButton")
            QVERIFY2(said.contains("1 replaced"), qPrintable(said));
    }
}
