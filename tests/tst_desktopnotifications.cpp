#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "common/privatebus.h"
#include "desktopnotifications.h"
#include "jobmodel.h"
#include "mainwindow.h"
#include "notifier.h"
#include "pagetabs.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

// Desktop notifications through org.freedesktop.Notifications, on a private
// session bus this test starts (dbus-daemon): against a notification server
// written here, which records the calls and sends ActionInvoked as a click
// would, and against dunst, a real one, where it is installed.

namespace {

constexpr int kTimeout = 15'000; // ms; the machine is shared

const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");

/// A dbus-daemon of our own, listening on a socket in a temporary folder.
class PrivateBus
{
public:
    ~PrivateBus()
    {
        m_daemon.terminate();
        m_daemon.waitForFinished(kTimeout);
    }

    /// Empty when it could not start, with the reason in `error`.
    QString start(QString *error)
    {
        const QString daemon = QStandardPaths::findExecutable(QStringLiteral("dbus-daemon"));
        if (daemon.isEmpty()) {
            *error = QStringLiteral("dbus-daemon is not installed (Debian: dbus)");
            return {};
        }
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary folder for the bus's socket");
            return {};
        }
        const QString config = m_dir.filePath(QStringLiteral("bus.conf"));
        if (!writePrivateBusConfig(config, QStringLiteral("unix:dir=") + m_dir.path())) {
            *error = QStringLiteral("could not write the bus's configuration");
            return {};
        }
        m_daemon.start(daemon, {QStringLiteral("--config-file=") + config,
                                QStringLiteral("--print-address=1"), QStringLiteral("--nofork")});
        if (!m_daemon.waitForStarted(kTimeout)) {
            *error = QStringLiteral("dbus-daemon did not start: ") + m_daemon.errorString();
            return {};
        }
        while (!m_daemon.canReadLine()) {
            if (!m_daemon.waitForReadyRead(kTimeout)) {
                *error = QStringLiteral("dbus-daemon did not say its address: ") +
                         QString::fromLocal8Bit(m_daemon.readAllStandardError());
                return {};
            }
        }
        return QString::fromUtf8(m_daemon.readLine().trimmed());
    }

private:
    QTemporaryDir m_dir;
    QProcess m_daemon; // killed with the test
};

/// One Notify call as the server received it.
struct NotifyCall
{
    QString appName;
    uint replacesId = 0;
    QString icon;
    QString summary;
    QString body;
    QStringList actions;
    QVariantMap hints;
    uint id = 0; ///< what the server answered
};

Event jobEvent(const QString &job, const QString &status)
{
    Event event;
    event.raw = QStringLiteral(R"({"job":"%1","status":"%2"})").arg(job, status).toUtf8();
    event.text = QStringLiteral("%1 is %2").arg(job, status);
    return event;
}

/// A channel that never polls: its jobs are given to the board by hand.
ChannelConfig quietChannel(const QString &name)
{
    ChannelConfig c;
    c.name = name;
    c.url = QUrl(QStringLiteral("http://127.0.0.1:9/poll"));
    c.paused = true;
    return c;
}

void fail(MainWindow &window, Channel *channel, const QString &job)
{
    window.jobModel()->applyBatch(channel->id(), channel->name(), channel->config().jobs,
                                  {jobEvent(job, QStringLiteral("failed"))});
}

QString lastNotification(const MainWindow &window)
{
    return window.findChild<QLabel *>(QStringLiteral("lastNotification"))->text();
}

/// dunst, a real notification server, on the private bus, drawing on an
/// Xvfb of its own.
struct Dunst
{
    QProcess display;
    QProcess server;
    QProcessEnvironment env;
    QString dunstctl;

    ~Dunst()
    {
        server.terminate();
        server.waitForFinished(kTimeout);
        display.terminate();
        display.waitForFinished(kTimeout);
    }

    /// Empty when it runs, else why not; `skip` when it is not installed.
    QString start(const QString &busAddress, const QString &configPath, bool *skip)
    {
        const QString dunst = QStandardPaths::findExecutable(QStringLiteral("dunst"));
        dunstctl = QStandardPaths::findExecutable(QStringLiteral("dunstctl"));
        const QString xvfb = QStandardPaths::findExecutable(QStringLiteral("Xvfb"));
        *skip = dunst.isEmpty() || dunstctl.isEmpty() || xvfb.isEmpty();
        if (dunst.isEmpty() || dunstctl.isEmpty())
            return QStringLiteral("dunst is not installed (Debian: dunst; .ci/deps installs it).");
        if (xvfb.isEmpty())
            return QStringLiteral(
                "Xvfb is not installed (Debian: xvfb): dunst needs an X display.");
        // dunst draws on a display: an Xvfb of its own, which names the
        // display it took on the descriptor given (here its standard output).
        display.start(xvfb, {QStringLiteral("-displayfd"), QStringLiteral("1"),
                             QStringLiteral("-nolisten"), QStringLiteral("tcp")});
        if (!display.waitForStarted(kTimeout))
            return QStringLiteral("Xvfb did not start");
        while (!display.canReadLine()) {
            if (!display.waitForReadyRead(kTimeout))
                return QStringLiteral("Xvfb did not name its display");
        }
        const QString displayName =
            QStringLiteral(":") + QString::fromUtf8(display.readLine().trimmed());
        env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DISPLAY"), displayName);
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), busAddress);
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        // Its own configuration: none (the defaults), not the user's.
        QFile config(configPath);
        if (!config.open(QIODevice::WriteOnly))
            return QStringLiteral("could not write dunst's configuration");
        config.close();
        server.setProcessEnvironment(env);
        // -print: each notification as dunst received it, on standard output.
        server.start(dunst, {QStringLiteral("-config"), configPath, QStringLiteral("-print")});
        if (!server.waitForStarted(kTimeout))
            return QStringLiteral("dunst did not start");
        return {};
    }

    QString ctl(const QStringList &args) const
    {
        QProcess process;
        process.setProcessEnvironment(env);
        process.start(dunstctl, args);
        process.waitForFinished(kTimeout);
        return QString::fromUtf8(process.readAllStandardOutput());
    }
};

} // namespace

/// A notification server of the test's own: records the calls, answers
/// with ids as the specification says (replaces_id kept), and invokes an
/// action on demand, as a click on a real one would.
class TestNotificationServer : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    QList<NotifyCall> calls;

    void invoke(uint id, const QString &action) { Q_EMIT ActionInvoked(id, action); }

public Q_SLOTS:
    // The interface's names, as the specification spells them.
    uint Notify(const QString &app_name, uint replaces_id, const QString &app_icon,
                const QString &summary, const QString &body, const QStringList &actions,
                const QVariantMap &hints, int expire_timeout)
    {
        Q_UNUSED(expire_timeout)
        const uint id = replaces_id != 0 ? replaces_id : ++m_lastId;
        calls.append({app_name, replaces_id, app_icon, summary, body, actions, hints, id});
        return id;
    }
    void CloseNotification(uint id) { Q_EMIT NotificationClosed(id, 3); }
    QStringList GetCapabilities() { return {QStringLiteral("actions"), QStringLiteral("body")}; }
    QString GetServerInformation(QString &vendor, QString &version, QString &specVersion)
    {
        vendor = QStringLiteral("Longwatch tests");
        version = QStringLiteral("1");
        specVersion = QStringLiteral("1.2");
        return QStringLiteral("tst_desktopnotifications");
    }

Q_SIGNALS:
    void ActionInvoked(uint id, const QString &action_key);
    void NotificationClosed(uint id, uint reason);

private:
    uint m_lastId = 0;
};

class tst_DesktopNotifications : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void withoutABusThereIsNoService();
    void aFailedJobMakesOneNotificationWithNameIconUrgencyAndActions();
    void showRaisesTheWindowOnTheChannelsJobs();
    void muteSilencesTheChannelForAnHour();
    void aHundredFailuresInASecondAreOneNotificationUpdatedInPlace();
    void withoutAServiceTheStatusBarSaysIt();
    void dunstShowsAFailureAndABurstAsOne();
    void dunstDuringQuietHoursShowsTheCriticalOneAndTheRestAfterwards();

private:
    bool registerServer();

    PrivateBus m_bus;
    QString m_address;
    std::unique_ptr<QDBusConnection> m_serverBus;
    std::unique_ptr<TestNotificationServer> m_server;
    QTemporaryDir *m_dir = nullptr;
    QSettings *m_settings = nullptr;
};

void tst_DesktopNotifications::initTestCase()
{
    QString error;
    m_address = m_bus.start(&error);
    if (m_address.isEmpty())
        QSKIP(qPrintable(QStringLiteral("No private session bus: %1.").arg(error)));
    // The window talks to "the session bus": this one. Nothing here has
    // used the session bus before, so it connects to this address.
    qputenv("DBUS_SESSION_BUS_ADDRESS", m_address.toUtf8());
    if (!QDBusConnection::sessionBus().isConnected())
        QSKIP("The session bus was connected before the test could point it at its own bus.");
    m_serverBus = std::make_unique<QDBusConnection>(
        QDBusConnection::connectToBus(m_address, QStringLiteral("notification server")));
    QVERIFY(m_serverBus->isConnected());
}

void tst_DesktopNotifications::init()
{
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
    m_settings =
        new QSettings(m_dir->filePath(QStringLiteral("longwatch.ini")), QSettings::IniFormat);
}

void tst_DesktopNotifications::cleanup()
{
    if (m_server) {
        m_serverBus->unregisterService(kService);
        m_serverBus->unregisterObject(kPath);
        m_server.reset();
    }
    delete m_settings;
    delete m_dir;
}

bool tst_DesktopNotifications::registerServer()
{
    m_server = std::make_unique<TestNotificationServer>();
    return m_serverBus->registerObject(kPath, m_server.get(),
                                       QDBusConnection::ExportAllSlots |
                                           QDBusConnection::ExportAllSignals) &&
           m_serverBus->registerService(kService);
}

void tst_DesktopNotifications::withoutABusThereIsNoService()
{
    const QDBusConnection none = QDBusConnection::connectToBus(
        QStringLiteral("unix:path=%1/no-bus-here").arg(m_dir->path()), QStringLiteral("none"));
    QVERIFY(!none.isConnected());
    DesktopNotifications desktop(none);
    QVERIFY(!desktop.isAvailable());
    QVERIFY(!desktop.show(QStringLiteral("deploy failed"), QStringLiteral("builds: deploy"),
                          Notifier::Severity::Critical, {}));
}

void tst_DesktopNotifications::aFailedJobMakesOneNotificationWithNameIconUrgencyAndActions()
{
    QVERIFY(registerServer());
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    Channel *channel = manager.addChannel(quietChannel(QStringLiteral("builds")));
    fail(window, channel, QStringLiteral("deploy"));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->calls.size(), 1, kTimeout);
    QCOMPARE(notified.size(), 1);

    const NotifyCall &call = m_server->calls.first();
    QCOMPARE(call.appName, QStringLiteral("Longwatch"));
    QCOMPARE(call.icon, QStringLiteral("longwatch"));
    QCOMPARE(call.replacesId, 0u);
    QCOMPARE(call.summary, QStringLiteral("deploy failed"));
    QCOMPARE(call.body, QStringLiteral("builds: deploy is failed"));
    QCOMPARE(call.hints.value(QStringLiteral("urgency")).toInt(), 2); // critical
    QCOMPARE(call.hints.value(QStringLiteral("urgency")).metaType(), QMetaType::fromType<uchar>());
    QCOMPARE(call.hints.value(QStringLiteral("desktop-entry")).toString(),
             QStringLiteral("longwatch"));
    QCOMPARE(call.actions,
             (QStringList{"default", "Show", "show", "Show", "mute", "Mute channel for an hour"}));
    // The status bar says it too.
    QVERIFY(lastNotification(window).contains(QStringLiteral("deploy failed")));
    // And nothing more comes of it.
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 1);
    QCOMPARE(m_server->calls.size(), 1);
}

void tst_DesktopNotifications::showRaisesTheWindowOnTheChannelsJobs()
{
    QVERIFY(registerServer());
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    manager.addChannel(quietChannel(QStringLiteral("docs")));
    Channel *channel = manager.addChannel(quietChannel(QStringLiteral("builds")));
    window.showPage(PageTabs::EventsPage);
    window.selectChannel(nullptr);
    QVERIFY(window.isHidden());
    fail(window, channel, QStringLiteral("deploy"));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->calls.size(), 1, kTimeout);
    QVERIFY(window.currentChannel() != channel);

    m_server->invoke(m_server->calls.first().id, QStringLiteral("default"));
    QTRY_COMPARE_WITH_TIMEOUT(window.currentChannel(), channel, kTimeout);
    QVERIFY(window.isVisible());
    QCOMPARE(window.findChild<PageTabs *>()->currentIndex(), int(PageTabs::JobsPage));
}

void tst_DesktopNotifications::muteSilencesTheChannelForAnHour()
{
    QVERIFY(registerServer());
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    Notifier *notifier = window.notifier();
    // Failures an hour and more apart: each one a notification of its own.
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier->setClock([&now] { return now; });
    Channel *builds = manager.addChannel(quietChannel(QStringLiteral("builds")));
    Channel *docs = manager.addChannel(quietChannel(QStringLiteral("docs")));
    fail(window, builds, QStringLiteral("deploy"));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->calls.size(), 1, kTimeout);
    QVERIFY(!notifier->isChannelMuted(builds->id()));

    QSignalSpy muted(notifier, &Notifier::channelMuteChanged);
    m_server->invoke(m_server->calls.first().id, QStringLiteral("mute"));
    QVERIFY(muted.wait(kTimeout));
    QCOMPARE(muted.first().first().toString(), builds->id());
    QVERIFY(notifier->isChannelMuted(builds->id()));
    QVERIFY(!notifier->isChannelMuted(docs->id()));
    QCOMPARE(notifier->channelMutedUntil(builds->id()), now.addSecs(3600));

    // The muted channel's next failure says nothing; the other one's does.
    now = now.addSecs(60);
    fail(window, builds, QStringLiteral("test"));
    fail(window, docs, QStringLiteral("publish"));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->calls.size(), 2, kTimeout);
    QCOMPARE(m_server->calls.at(1).summary, QStringLiteral("publish failed"));

    // An hour later, it speaks again.
    now = now.addSecs(3600);
    QVERIFY(!notifier->isChannelMuted(builds->id()));
    fail(window, builds, QStringLiteral("lint"));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->calls.size(), 3, kTimeout);
    QCOMPARE(m_server->calls.at(2).summary, QStringLiteral("lint failed"));
}

void tst_DesktopNotifications::aHundredFailuresInASecondAreOneNotificationUpdatedInPlace()
{
    QVERIFY(registerServer());
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    Channel *channel = manager.addChannel(quietChannel(QStringLiteral("builds")));
    // One every ten milliseconds, by the notifier's clock: a second for all.
    QDateTime now = QDateTime::currentDateTimeUtc();
    window.notifier()->setClock([&now] { return now; });
    for (int i = 1; i <= 100; ++i) {
        now = now.addMSecs(10);
        fail(window, channel, QStringLiteral("job %1").arg(i));
        QCoreApplication::processEvents(); // a batch each: the notifier speaks after each
    }
    QCOMPARE(notified.size(), 100);
    QTRY_VERIFY_WITH_TIMEOUT(!m_server->calls.isEmpty() && m_server->calls.last().summary ==
                                                               QStringLiteral("100 jobs failed"),
                             kTimeout);
    const QList<NotifyCall> calls = m_server->calls;
    QVERIFY2(calls.size() < 100, qPrintable(QString::number(calls.size())));
    const uint id = calls.first().id;
    for (const NotifyCall &call : calls.mid(1)) {
        QCOMPARE(call.replacesId, id);
        QCOMPARE(call.id, id);
    }
    QVERIFY(calls.last().body.startsWith(QStringLiteral("Failed: job 1, job 2, job 3, job 4 and "
                                                        "96 more")));
    QCOMPARE(calls.last().actions.mid(4), (QStringList{"mute", "Mute channel for an hour"}));
}

void tst_DesktopNotifications::withoutAServiceTheStatusBarSaysIt()
{
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    const DesktopNotifications *desktop = window.findChild<DesktopNotifications *>();
    QVERIFY(desktop);
    QVERIFY(!desktop->isAvailable()); // a bus, but no one owns the name
    QSignalSpy notified(window.notifier(), &Notifier::notify);
    Channel *channel = manager.addChannel(quietChannel(QStringLiteral("builds")));
    fail(window, channel, QStringLiteral("deploy"));
    QVERIFY(notified.wait(kTimeout));
    QVERIFY2(lastNotification(window).contains(QStringLiteral("deploy failed — builds: deploy")),
             qPrintable(lastNotification(window)));

    // A service that comes later is used from then on.
    QVERIFY(registerServer());
    QTRY_VERIFY_WITH_TIMEOUT(desktop->isAvailable(), kTimeout);
    fail(window, channel, QStringLiteral("test"));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->calls.size(), 1, kTimeout);
    // And when it goes, the status bar is left.
    m_serverBus->unregisterService(kService);
    QTRY_VERIFY_WITH_TIMEOUT(!desktop->isAvailable(), kTimeout);
}

void tst_DesktopNotifications::dunstShowsAFailureAndABurstAsOne()
{
    Dunst dunst;
    bool skip = false;
    const QString error = dunst.start(m_address, m_dir->filePath(QStringLiteral("dunstrc")), &skip);
    if (skip)
        QSKIP(qPrintable(error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_serverBus->interface()->isServiceRegistered(kService), kTimeout);
    QProcess &server = dunst.server;
    QProcess &display = dunst.display;
    const auto ctl = [&dunst](const QStringList &args) { return dunst.ctl(args); };

    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    // One burst, however long dunst takes to answer.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    window.notifier()->setClock([now] { return now; });
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<DesktopNotifications *>()->isAvailable(), kTimeout);
    Channel *channel = manager.addChannel(quietChannel(QStringLiteral("builds")));
    fail(window, channel, QStringLiteral("deploy"));
    QString printed;
    QTRY_VERIFY_WITH_TIMEOUT(
        (printed += QString::fromUtf8(server.readAllStandardOutput())).contains(u"actions: {"),
        kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        (printed += QString::fromUtf8(server.readAllStandardOutput())).count(u'}') >= 2, kTimeout);
    QVERIFY2(printed.contains(u"appname: 'Longwatch'"), qPrintable(printed));
    QVERIFY2(printed.contains(u"summary: 'deploy failed'"), qPrintable(printed));
    QVERIFY2(printed.contains(u"body: 'builds: deploy is failed'"), qPrintable(printed));
    QVERIFY2(printed.contains(u"icon: 'longwatch'"), qPrintable(printed));
    QVERIFY2(printed.contains(u"desktop_entry: 'longwatch'"), qPrintable(printed));
    QVERIFY2(printed.contains(u"urgency: CRITICAL"), qPrintable(printed));
    QVERIFY2(printed.contains(u"\"default\": \"Show\""), qPrintable(printed));
    QVERIFY2(printed.contains(u"\"mute\": \"Mute channel for an hour\""), qPrintable(printed));
    QCOMPARE(printed.count(u"summary: "), 1);
    QTRY_VERIFY_WITH_TIMEOUT(
        ctl({QStringLiteral("count"), QStringLiteral("displayed")}).trimmed() ==
            QStringLiteral("1"),
        kTimeout);

    // A hundred more within the burst: still one on the screen, saying 101.
    for (int i = 1; i <= 100; ++i) {
        fail(window, channel, QStringLiteral("job %1").arg(i));
        QCoreApplication::processEvents();
    }
    QTRY_VERIFY_WITH_TIMEOUT((printed += QString::fromUtf8(server.readAllStandardOutput()))
                                 .contains(u"summary: '101 jobs failed'"),
                             kTimeout);
    QCOMPARE(ctl({QStringLiteral("count"), QStringLiteral("displayed")}).trimmed(),
             QStringLiteral("1"));
    QCOMPARE(ctl({QStringLiteral("count"), QStringLiteral("waiting")}).trimmed(),
             QStringLiteral("0"));
    ctl({QStringLiteral("close-all")});
    const QString history = ctl({QStringLiteral("history")});
    QCOMPARE(history.count(u"\"summary\""), 1);
    QVERIFY2(history.contains(u"101 jobs failed"), qPrintable(history));

    server.terminate();
    QVERIFY(server.waitForFinished(kTimeout));
    QTRY_VERIFY_WITH_TIMEOUT(!m_serverBus->interface()->isServiceRegistered(kService), kTimeout);
    display.terminate();
    display.waitForFinished(kTimeout);
}

void tst_DesktopNotifications::dunstDuringQuietHoursShowsTheCriticalOneAndTheRestAfterwards()
{
    Dunst dunst;
    bool skip = false;
    const QString error = dunst.start(m_address, m_dir->filePath(QStringLiteral("dunstrc")), &skip);
    if (skip)
        QSKIP(qPrintable(error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_serverBus->interface()->isServiceRegistered(kService), kTimeout);

    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, m_settings);
    Notifier *notifier = window.notifier();
    // Monday 23:00: within the quiet hours, 22:00 to 07:30 every day.
    QDateTime now = QDateTime(QDate(2026, 12, 7), QTime(23, 0)).toUTC();
    notifier->setClock([&now] { return now; });
    QuietHours quiet;
    quiet.enabled = true;
    quiet.from = QTime(22, 0);
    quiet.to = QTime(7, 30);
    notifier->setQuietHours(quiet);
    QVERIFY(notifier->isQuiet());
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<DesktopNotifications *>()->isAvailable(), kTimeout);
    auto *state = window.findChild<QLabel *>(QStringLiteral("notifyState"));
    QCOMPARE(state->text(), QStringLiteral("Quiet hours until Tue 07:30"));

    // The default rules: a failure breaks through, a fix waits.
    Channel *channel = manager.addChannel(quietChannel(QStringLiteral("builds")));
    const auto apply = [&](const QString &job, const QString &status) {
        window.jobModel()->applyBatch(channel->id(), channel->name(), channel->config().jobs,
                                      {jobEvent(job, status)});
        QCoreApplication::processEvents();
    };
    apply(QStringLiteral("lint"), QStringLiteral("failed"));
    apply(QStringLiteral("lint"), QStringLiteral("succeeded"));
    apply(QStringLiteral("test"), QStringLiteral("failed"));
    apply(QStringLiteral("test"), QStringLiteral("succeeded"));
    QString printed;
    QTRY_VERIFY_WITH_TIMEOUT((printed += QString::fromUtf8(dunst.server.readAllStandardOutput()))
                                 .contains(u"summary: '2 jobs failed'"),
                             kTimeout);
    QVERIFY2(!printed.contains(u"fixed"), qPrintable(printed));
    QCOMPARE(notifier->heldBack().size(), 2);
    QCOMPARE(state->text(), QStringLiteral("Quiet hours until Tue 07:30 · 2 held back"));
    QVERIFY2(state->toolTip().contains(QStringLiteral("lint is fixed")),
             qPrintable(state->toolTip()));

    // Morning: what was held back comes as one notification, listed in
    // the status bar's tool tip.
    now = QDateTime(QDate(2026, 12, 8), QTime(7, 31)).toUTC();
    notifier->review();
    QTRY_VERIFY_WITH_TIMEOUT((printed += QString::fromUtf8(dunst.server.readAllStandardOutput()))
                                 .contains(u"summary: 'While notifications were off: 2 fixed'"),
                             kTimeout);
    QCOMPARE(printed.count(u"summary: "), 3); // the burst (twice, in place), then the summary
    QVERIFY(state->text().isEmpty());
    auto *last = window.findChild<QLabel *>(QStringLiteral("lastNotification"));
    QVERIFY2(last->toolTip().contains(QStringLiteral("test is fixed (builds: test is succeeded)")),
             qPrintable(last->toolTip()));
    dunst.ctl({QStringLiteral("close-all")});
    const QString history = dunst.ctl({QStringLiteral("history")});
    QVERIFY2(history.contains(u"While notifications were off: 2 fixed"), qPrintable(history));
    QVERIFY2(history.contains(u"2 jobs failed"), qPrintable(history));
}

QTEST_MAIN(tst_DesktopNotifications)
#include "tst_desktopnotifications.moc"
