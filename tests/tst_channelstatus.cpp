// What a channel's row, the banner above its events and the status bar say
// about it, in the whole window: why it fails, that it listens, and how many
// events it has stored, also after a restart.

#include "channel.h"
#include "channelbanner.h"
#include "channeldelegate.h"
#include "channeldialog.h"
#include "channelgroupmodel.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "channelstore.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventrecorder.h"
#include "fakehttpserver.h"
#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeout = 15'000; // ms; the machine is shared

ChannelConfig configFor(const QUrl &url, const QString &name, const QString &id = {})
{
    ChannelConfig c;
    c.id = id;
    c.name = name;
    c.url = url;
    c.knobs = {{"hold", "30"}};
    // Long enough that a channel in backoff stays there while we look.
    c.timing.backoffInitial = 60s;
    c.timing.backoffMax = 60s;
    return c;
}

/// The channel's row as the channel list shows it (through its filter and groups).
QModelIndex rowOf(MainWindow &window, Channel *channel)
{
    const auto *shown = qobject_cast<ChannelGroupModel *>(window.channelView()->model());
    return shown->indexOf(channel);
}

Event eventWithKey(int key)
{
    Event event;
    event.key = QString::number(key);
    event.type = QStringLiteral("build");
    event.text = QStringLiteral("build %1").arg(key);
    event.receivedUsecs = QDateTime::currentDateTimeUtc().addSecs(-300).toMSecsSinceEpoch() * 1000;
    event.raw = QByteArrayLiteral("{}");
    return event;
}

} // namespace

class tst_ChannelStatus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void aDeadPortShowsWhyInTheRowTheBannerAndTheStatusBar();
    void aNotFoundShowsTheServersWholeSentence();
    void aLiveChannelHasNoBannerAndReadsListening();
    void retryNowReconnectsAndEditOpensTheDialog();
    void countsAndLastEventComeBackAfterARestart();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
};

void tst_ChannelStatus::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<QSettings>(m_dir->filePath("window.conf"), QSettings::IniFormat);
}

void tst_ChannelStatus::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

void tst_ChannelStatus::aDeadPortShowsWhyInTheRowTheBannerAndTheStatusBar()
{
    FakeHttpServer dead;
    dead.refuseConnections();
    FakeHttpServer live; // holds every request
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Channel *healthy = manager.addChannel(configFor(live.url("/poll"), "healthy"));
    Channel *offline = manager.addChannel(configFor(dead.url("/poll"), "offline"));
    QTRY_COMPARE_WITH_TIMEOUT(offline->state(), Poller::State::Backoff, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(healthy->state(), Poller::State::Waiting, kTimeout);
    const QString why = offline->errorString();
    QVERIFY2(why.contains("connection refused"), qPrintable(why));

    // The row says why, whole, under the countdown, and is taller for it.
    const QModelIndex row = rowOf(window, offline);
    QVERIFY(row.data(ChannelModel::HeadlineRole).toString().startsWith("Retrying in "));
    QCOMPARE(row.data(ChannelModel::ReasonRole).toString(), why);
    QListView *list = window.channelView();
    QTRY_VERIFY(list->visualRect(row).height() > list->visualRect(rowOf(window, healthy)).height());
    QStyleOptionViewItem option;
    option.initFrom(list->viewport());
    option.widget = list;
    const QStringList lines =
        ChannelDelegate::reasonLines(why, list->font(), list->viewport()->width() - 34);
    QVERIFY(!lines.isEmpty() && lines.size() <= 2);
    QCOMPARE(lines.join(' '), why); // nothing cut at this width

    // The banner above the events says the same, with the address.
    auto *banner = window.findChild<ChannelBanner *>("channelBanner");
    QVERIFY(banner);
    QVERIFY(!banner->isVisible()); // nothing selected
    window.selectChannel(offline);
    QTRY_VERIFY(banner->isVisible());
    QVERIFY2(banner->headline().contains("offline") && banner->headline().contains("Retrying in"),
             qPrintable(banner->headline()));
    QCOMPARE(banner->sentence(), why);
    QVERIFY2(banner->detail().contains(QString::number(dead.port())), qPrintable(banner->detail()));

    // The status bar names the channel and why.
    auto *health = window.findChild<QLabel *>("healthLabel");
    QVERIFY(health);
    QTRY_VERIFY2(health->text().contains("offline: Could not connect"), qPrintable(health->text()));
}

void tst_ChannelStatus::aNotFoundShowsTheServersWholeSentence()
{
    FakeHttpServer server;
    server.enqueue("/poll",
                   FakeResponse::status(404, R"({"error":"there is no feed called poll here"})"));
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings.get());
    window.resize(800, 500);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    window.selectChannel(channel);
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Failed, kTimeout);
    const QString why = channel->errorString();
    QVERIFY2(why.contains("there is no feed called poll here"), qPrintable(why));

    const QModelIndex row = rowOf(window, channel);
    QCOMPARE(row.data(ChannelModel::HeadlineRole).toString(), QStringLiteral("Failed"));
    QCOMPARE(row.data(ChannelModel::ReasonRole).toString(), why);

    auto *banner = window.findChild<ChannelBanner *>("channelBanner");
    QVERIFY(banner);
    QTRY_VERIFY(banner->isVisible());
    QCOMPARE(banner->sentence(), why);
    QVERIFY2(banner->detail().contains("404"), qPrintable(banner->detail()));
    QVERIFY(banner->headline().endsWith("Failed"));
    auto *health = window.findChild<QLabel *>("healthLabel");
    QTRY_VERIFY2(health->text().contains("builds: The server"), qPrintable(health->text()));
}

void tst_ChannelStatus::aLiveChannelHasNoBannerAndReadsListening()
{
    FakeHttpServer dead;
    dead.refuseConnections();
    FakeHttpServer live; // holds every request: a quiet, healthy feed
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Channel *healthy = manager.addChannel(configFor(live.url("/poll"), "healthy"));
    Channel *offline = manager.addChannel(configFor(dead.url("/poll"), "offline"));
    QTRY_COMPARE_WITH_TIMEOUT(healthy->state(), Poller::State::Waiting, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(offline->state(), Poller::State::Backoff, kTimeout);
    QCOMPARE(rowOf(window, healthy).data(ChannelModel::StatusTextRole).toString(),
             QStringLiteral("Listening · no events yet"));
    QVERIFY(rowOf(window, healthy).data(ChannelModel::ReasonRole).toString().isEmpty());

    auto *banner = window.findChild<ChannelBanner *>("channelBanner");
    window.selectChannel(healthy);
    QVERIFY(!banner->isVisible());
    window.selectChannel(offline);
    QVERIFY(banner->isVisible());
    window.selectChannel(healthy);
    QVERIFY(!banner->isVisible());
}

void tst_ChannelStatus::retryNowReconnectsAndEditOpensTheDialog()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::status(404, R"({"error":"not yet"})"));
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    window.selectChannel(channel);
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Failed, kTimeout);
    auto *banner = window.findChild<ChannelBanner *>("channelBanner");
    QTRY_VERIFY(banner->isVisible());
    const int requests = server.requestCount();

    // The feed is there now: Retry Now asks again at once.
    auto *retry = banner->findChild<QPushButton *>("bannerRetry");
    QVERIFY(retry);
    QCOMPARE(retry->text(), QStringLiteral("Retry Now"));
    retry->click();
    QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), requests + 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Waiting, kTimeout);
    QTRY_VERIFY(!banner->isVisible());

    // Edit… opens the channel's dialog (Edit is the window's own action).
    channel->pause();
    server.enqueue("/poll", FakeResponse::status(404, R"({"error":"gone again"})"));
    channel->resume();
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Failed, kTimeout);
    QTRY_VERIFY(banner->isVisible());
    auto *edit = banner->findChild<QPushButton *>("bannerEdit");
    QVERIFY(edit);
    edit->click();
    QTRY_VERIFY(window.findChild<ChannelDialog *>());
}

void tst_ChannelStatus::countsAndLastEventComeBackAfterARestart()
{
    const QString logPath = m_dir->filePath("events.sqlite");
    const QString id = QStringLiteral("chan-1");
    {
        // 57 events stored for the channel in an earlier session.
        EventLog log;
        QVERIFY(log.open(logPath));
        EventList events;
        for (int key = 1; key <= 57; ++key)
            events << eventWithKey(key);
        QVERIFY(log.append(id, events, QStringLiteral("57")));
    }
    FakeHttpServer server; // holds: no new events in this session
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings.get());
    EventLogWriter writer;
    QVERIFY(writer.open(logPath));
    EventLog reader;
    QVERIFY(reader.open(logPath, EventLog::OpenMode::MustExist));
    EventRecorder recorder(&manager, &writer);
    window.setEventLog(&reader, &writer, &recorder);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds", id));
    QCOMPARE(channel->id(), id);

    const QModelIndex row = rowOf(window, channel);
    QCOMPARE(row.data(ChannelModel::EventCountRole).toLongLong(), 57);
    QCOMPARE(row.data(ChannelModel::SinceLastEventRole).toString(), QStringLiteral("5 min ago"));
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Waiting, kTimeout);
    QCOMPARE(row.data(ChannelModel::StatusTextRole).toString(),
             QStringLiteral("Listening · last event 5 min ago"));

    // New events add to the stored ones.
    server.answerAllHeld(FakeResponse::seedEvents({58, 59}));
    QTRY_COMPARE_WITH_TIMEOUT(row.data(ChannelModel::EventCountRole).toLongLong(), 59, kTimeout);
    QCOMPARE(row.data(ChannelModel::SinceLastEventRole).toString(), QStringLiteral("just now"));

    // Clearing the view hides events; they are still stored, and counted.
    QAction *clear = nullptr;
    for (QAction *action : window.findChildren<QAction *>()) {
        if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K))
            clear = action;
    }
    QVERIFY(clear);
    clear->trigger();
    QCOMPARE(window.eventModel()->rowCount(), 0);
    QCOMPARE(row.data(ChannelModel::EventCountRole).toLongLong(), 59);

    // Retention: the count is what stays stored.
    QVERIFY(writer.flush());
    writer.setRetention(id, RetentionPolicy{10, std::chrono::seconds(0)});
    QTRY_COMPARE_WITH_TIMEOUT(reader.countEvents({}), qint64(10), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(row.data(ChannelModel::EventCountRole).toLongLong(), 10, kTimeout);
    window.setEventLog(nullptr, nullptr, nullptr);
}

QTEST_MAIN(tst_ChannelStatus)
#include "tst_channelstatus.moc"
