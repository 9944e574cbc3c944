#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "event.h"
#include "feedserver.h"
#include "icons.h"
#include "jobmodel.h"
#include "mainwindow.h"
#include "notifier.h"
#include "workspace.h"

#include <QAction>
#include <QFile>
#include <QJsonObject>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QToolButton>

using namespace Longwatch;
using namespace std::chrono_literals;

// What the window announces, seen from the window: only what is new to
// the user (a feed's history, an imported or duplicated channel's backlog
// and events stamped before the channel listened stay quiet), a burst
// counted kind by kind, and the bell showing whether notifications are
// muted or paused.

namespace {

constexpr int kTimeout = 15'000; // ms; the machine is shared

QJsonObject jobEvent(const QString &job, const QString &status, const QDateTime &time = QDateTime())
{
    QJsonObject event{{"type", "job"}, {"job", job}, {"status", status}, {"message", status}};
    if (time.isValid())
        event.insert("time", formatUsecsUtc(time.toMSecsSinceEpoch() * 1000));
    return event;
}

ChannelConfig channelFor(const FeedServer &server, const QString &feed)
{
    ChannelConfig c;
    c.name = feed;
    c.url = QUrl(server.baseUrl().toString() + "/feeds/" + feed + "/poll");
    c.timing.backoffInitial = 1s;
    c.timing.backoffMax = 1s;
    return c;
}

QStringList titles(const QSignalSpy &spy)
{
    QStringList list;
    for (const QList<QVariant> &args : spy)
        list << args.at(0).toString();
    return list;
}

/// Waits until `jobs` jobs are on the board, and what they may have
/// announced is out (the notifier sums up a batch once it is through).
#define WAIT_FOR_BOARD(window, jobs)                                                               \
    do {                                                                                           \
        QTRY_COMPARE_WITH_TIMEOUT((window).jobModel()->rowCount(), jobs, kTimeout);                \
        QCoreApplication::processEvents();                                                         \
    } while (false)

template<typename T> T *child(QObject *parent, const char *name)
{
    T *object = parent->findChild<T *>(QString::fromLatin1(name));
    if (!object)
        qFatal("no child %s", name);
    return object;
}

} // namespace

class tst_Notifications : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void aFeedsHistoryIsQuietAndWhatComesNextIsAnnounced();
    void eventsStampedBeforeTheChannelListenedStayQuiet();
    void aFirstAnswerTheServerHeldIsNews();
    void anImportedWorkspaceIsQuietAboutOldEvents();
    void aDuplicatedChannelIsQuietAboutOldEvents();
    void aBurstCountsFailuresAndRecoveriesApart();
    void theBellShowsWhenNotificationsAreMutedOrPaused();

private:
    /// Nine failures and a recovery, as the issue saw them.
    void publishHistory(const QString &feed);

    QTemporaryDir *m_dir = nullptr;
    QSettings *m_settings = nullptr;
    FeedServer *m_server = nullptr;
};

void tst_Notifications::init()
{
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
    m_settings = new QSettings(m_dir->filePath("longwatch.ini"), QSettings::IniFormat);
    m_server = new FeedServer;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
}

void tst_Notifications::cleanup()
{
    delete m_server;
    delete m_settings;
    delete m_dir;
}

void tst_Notifications::publishHistory(const QString &feed)
{
    for (int i = 1; i <= 9; ++i)
        m_server->publish(feed, jobEvent(QStringLiteral("build #%1").arg(i), "failed"));
    m_server->publish(feed, jobEvent("deploy #1", "failed"));
    m_server->publish(feed, jobEvent("deploy #1", "running"));
}

void tst_Notifications::aFeedsHistoryIsQuietAndWhatComesNextIsAnnounced()
{
    publishHistory("builds");
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    manager.addChannel(channelFor(*m_server, "builds"));
    WAIT_FOR_BOARD(window, 10);
    QCOMPARE(window.jobModel()->failedCount(), 9);
    QCOMPARE(titles(notified), QStringList{});
    QVERIFY(child<QLabel>(&window, "lastNotification")->text().isEmpty());

    // What happens from now on is news.
    m_server->publish("builds", jobEvent("build #10", "failed"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, kTimeout);
    QCOMPARE(titles(notified), QStringList{"build #10 failed"});
    QTRY_VERIFY(child<QLabel>(&window, "lastNotification")->text().contains("build #10 failed"));
    m_server->publish("builds", jobEvent("build #10", "succeeded"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 2, kTimeout);
    QCOMPARE(notified.at(1).at(0).toString(), QStringLiteral("build #10 is fixed"));
}

void tst_Notifications::eventsStampedBeforeTheChannelListenedStayQuiet()
{
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    m_server->publish("builds", jobEvent("build #1", "running"));
    manager.addChannel(channelFor(*m_server, "builds"));
    WAIT_FOR_BOARD(window, 1);

    // A feed sending old events again (a reconnect, a resync): they go on
    // the board, but are not announced; a new one is.
    const QDateTime old = QDateTime::currentDateTimeUtc().addSecs(-10 * 60);
    m_server->publish("builds", jobEvent("deploy #1", "failed", old));
    WAIT_FOR_BOARD(window, 2);
    QCOMPARE(window.jobModel()->failedCount(), 1);
    QCOMPARE(titles(notified), QStringList{});
    m_server->publish("builds", jobEvent("deploy #2", "failed"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, kTimeout);
    QCOMPARE(titles(notified), QStringList{"deploy #2 failed"});
}

void tst_Notifications::aFirstAnswerTheServerHeldIsNews()
{
    // The notifier's clock: how long the server held the first request.
    QDateTime now = QDateTime::currentDateTimeUtc();
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    window.notifier()->setClock([&now] { return now; });
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    Channel *channel = manager.addChannel(channelFor(*m_server, "quiet"));
    QTRY_COMPARE_WITH_TIMEOUT(channel->state(), Poller::State::Waiting, kTimeout);

    // An empty feed holds the request; what it answers with at last
    // happened since: a channel resumed from its cursor on a quiet feed
    // must not swallow its first failure.
    now = now.addSecs(30);
    m_server->publish("quiet", jobEvent("nightly", "failed"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, kTimeout);
    QCOMPARE(titles(notified), QStringList{"nightly failed"});
}

void tst_Notifications::anImportedWorkspaceIsQuietAboutOldEvents()
{
    publishHistory("builds");
    const QString path = m_dir->filePath("workspace.json");
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(exportWorkspace({channelFor(*m_server, "builds")}).json);
    }
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    QCOMPARE(window.importWorkspaceFrom(path), 1);
    WAIT_FOR_BOARD(window, 10);
    QCOMPARE(titles(notified), QStringList{});

    // (deploy #1 failing again would be "still failing", not announced by
    // the default rules.)
    m_server->publish("builds", jobEvent("deploy #2", "failed"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, kTimeout);
    QCOMPARE(titles(notified), QStringList{"deploy #2 failed"});
}

void tst_Notifications::aDuplicatedChannelIsQuietAboutOldEvents()
{
    publishHistory("builds");
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    Channel *original = manager.addChannel(channelFor(*m_server, "builds"));
    WAIT_FOR_BOARD(window, 10);

    // The copy reads the feed from its start: the same history, on the
    // board again under the copy's name, and nothing announced.
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    Channel *copy = manager.duplicateChannel(original);
    QVERIFY(copy);
    WAIT_FOR_BOARD(window, 20);
    QCOMPARE(window.jobModel()->failedCount(), 18);
    QCOMPARE(titles(notified), QStringList{});
}

void tst_Notifications::aBurstCountsFailuresAndRecoveriesApart()
{
    m_server->publish("builds", jobEvent("test #2", "failed"));
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    manager.addChannel(channelFor(*m_server, "builds"));
    WAIT_FOR_BOARD(window, 1);

    // The first publish answers the held request; the rest wait for the
    // next one, which gets them in one answer (the server runs here, in
    // this thread, and does not read that request before they are in).
    m_server->publish("builds", jobEvent("lint #0", "queued"));
    m_server->publish("builds", jobEvent("build #3", "failed"));
    m_server->publish("builds", jobEvent("deploy #7", "failed"));
    m_server->publish("builds", jobEvent("test #2", "succeeded"));
    m_server->publish("builds", jobEvent("lint #1", "failed"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, kTimeout);
    QCOMPARE(notified.at(0).at(0).toString(), QStringLiteral("3 jobs failed · 1 fixed"));
    QCOMPARE(notified.at(0).at(1).toString(),
             QStringLiteral("Failed: build #3, deploy #7, lint #1 · Fixed: test #2"));
    QCOMPARE(notified.at(0).at(2).value<Notifier::Severity>(), Notifier::Severity::Critical);
    const QString shown = child<QLabel>(&window, "lastNotification")->text();
    QVERIFY2(shown.contains("3 jobs failed · 1 fixed — Failed: build #3"), qPrintable(shown));
}

void tst_Notifications::theBellShowsWhenNotificationsAreMutedOrPaused()
{
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    // 13:05 today, here: "paused until 14:05".
    const QDateTime now(QDate::currentDate(), QTime(13, 5));
    window.notifier()->setClock([now] { return now.toUTC(); });
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto *mute = child<QAction>(&window, "muteNotifications");
    auto *pause = child<QAction>(&window, "pauseNotifications");
    auto *resume = child<QAction>(&window, "resumeNotifications");
    auto *toolBar = child<QToolBar>(&window, "mainToolBar");
    auto *button = qobject_cast<QToolButton *>(toolBar->widgetForAction(mute));
    QVERIFY(button);
    auto *state = child<QLabel>(&window, "notifyState");
    const auto icon = [&window](const char *name) {
        return Icons::themed(QString::fromLatin1(name), window.palette()).cacheKey();
    };

    QCOMPARE(mute->icon().cacheKey(), icon("bell"));
    QCOMPARE(mute->toolTip(), QStringLiteral("Mute all notifications (Ctrl+Shift+M)"));

    mute->trigger();
    QVERIFY(window.notifier()->isMuted());
    QCOMPARE(mute->icon().cacheKey(), icon("bell-off"));
    QCOMPARE(button->icon().cacheKey(), icon("bell-off"));
    QVERIFY2(mute->toolTip().startsWith("Notifications muted"), qPrintable(mute->toolTip()));
    QCOMPARE(state->text(), QStringLiteral("Notifications muted"));
    mute->trigger();
    QCOMPARE(mute->icon().cacheKey(), icon("bell"));
    QVERIFY(state->text().isEmpty());

    pause->trigger();
    const QString until = QStringLiteral("14:05");
    QCOMPARE(mute->icon().cacheKey(), icon("bell-snooze"));
    QCOMPARE(button->icon().cacheKey(), icon("bell-snooze"));
    QVERIFY(icon("bell-snooze") != icon("bell"));
    QVERIFY2(mute->toolTip().startsWith("Notifications paused until " + until),
             qPrintable(mute->toolTip()));
    QCOMPARE(state->text(), "Notifications paused until " + until);

    // Muted while paused: muted is what counts.
    mute->trigger();
    QCOMPARE(mute->icon().cacheKey(), icon("bell-off"));
    mute->trigger();
    QCOMPARE(mute->icon().cacheKey(), icon("bell-snooze"));

    resume->trigger();
    QCOMPARE(mute->icon().cacheKey(), icon("bell"));
    QCOMPARE(mute->toolTip(), QStringLiteral("Mute all notifications (Ctrl+Shift+M)"));
    QVERIFY(state->text().isEmpty());
}

QTEST_MAIN(tst_Notifications)
#include "tst_notifications.moc"
