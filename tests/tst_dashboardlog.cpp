// End to end: the dashboard itself (the longwatch program, offscreen)
// recording a reference feed server into its event log, across restarts
// and kill -9. The program runs as a real process; the feed server and the
// reader of the log run in this one (WAL lets it read while the program
// writes).

#include "channelconfig.h"
#include "common/feedtesting.h"
#include "common/storetesting.h"
#include "eventlog.h"
#include "feedserver.h"
#include "settingschannelstore.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

const QString kFeed = QStringLiteral("jobs");
/// The channel's id: the event log keys its events and cursor by it.
const QString kChannelId = QStringLiteral("0b8f6c1e-5d2a-4f43-9c1b-7e2d4a6f8e10");
constexpr int kCatchUpTimeout = 60'000; // ms; the machine is shared

} // namespace

class tst_DashboardLog : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FeedServer> m_server;
    std::unique_ptr<EventLog> m_reader;
    int m_published = 0;

    QString logPath() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }
    QString settingsPath() const { return m_dir->filePath(QStringLiteral("longwatch.ini")); }

    void publish(int count) { publishBuilds(*m_server, kFeed, count, &m_published); }

    /// Creates the event log (as an earlier run would have), so the reader
    /// can watch it from the first moment. Opening a file that another
    /// process is creating this very moment can fail with "database is
    /// locked" (SQLite does not wait for the switch to WAL), so the reader
    /// must not race the program to create it.
    void createLog()
    {
        EventLog log;
        QVERIFY2(log.open(logPath()), qPrintable(log.errorString()));
    }

    /// Events in the log, -1 while there is no log to read yet.
    qint64 stored()
    {
        if (!m_reader->isOpen() && (!QFile::exists(logPath()) ||
                                    !m_reader->open(logPath(), EventLog::OpenMode::MustExist)))
            return -1;
        bool ok = false;
        const qint64 count = m_reader->countEvents({}, &ok);
        return ok ? count : -1;
    }

    /// The dashboard, offscreen, with the test's settings and event log,
    /// and a home of its own (secrets fall back to a file there).
    std::unique_ptr<QProcess> startDashboard(const QStringList &extra = {})
    {
        auto process = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const QString home = m_dir->filePath(QStringLiteral("home"));
        QDir().mkpath(home);
        env.insert("HOME", home);
        env.insert("XDG_DATA_HOME", home + "/.local/share");
        env.insert("XDG_CONFIG_HOME", home + "/.config");
        env.insert("XDG_CACHE_HOME", home + "/.cache");
        env.insert("QT_QPA_PLATFORM", "offscreen");
        // No keychain: a bus that is not there answers at once.
        env.insert("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + m_dir->filePath("no-bus"));
        // The poller says where it starts; the test reads that.
        env.insert("QT_LOGGING_RULES", "longwatch.poller.info=true");
        process->setProcessEnvironment(env);
        process->start(QStringLiteral(LONGWATCH_APP_PATH),
                       QStringList{"--settings", settingsPath(), "--event-log", logPath()} + extra);
        if (!process->waitForStarted(10'000))
            qFatal("could not start %s: %s", LONGWATCH_APP_PATH,
                   qPrintable(process->errorString()));
        return process;
    }

    /// Waits for a process without blocking the event loop the feed server needs.
    static bool finishes(QProcess &process, int timeoutMs = 30'000)
    {
        if (process.state() == QProcess::NotRunning)
            return true;
        QSignalSpy finished(&process, &QProcess::finished);
        return finished.wait(timeoutMs);
    }

    /// Ends a run as a logout or `kill` would: SIGTERM, which the dashboard
    /// turns into a clean quit (queued events written, exit status 0).
    [[nodiscard]] static bool terminate(QProcess &process)
    {
        process.terminate();
        return finishes(process) && process.exitStatus() == QProcess::NormalExit &&
               process.exitCode() == 0;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // The server's line per event would drown what the test says.
        QLoggingCategory::setFilterRules(QStringLiteral("longwatch.feedserver.debug=false"));
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_server = std::make_unique<FeedServer>();
        FeedServerSettings serverSettings;
        serverSettings.retain = 1'000'000; // never trim: a gap would hide a lost event
        m_server->setSettings(serverSettings);
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
        m_published = 0;
        m_reader = std::make_unique<EventLog>();

        // The channel, as the dashboard itself would have stored it.
        ChannelConfig config;
        config.id = kChannelId;
        config.name = QStringLiteral("jobs");
        config.profileId = QStringLiteral("seed-events");
        config.url =
            QUrl(m_server->baseUrl().toString() + QStringLiteral("/feeds/%1/poll").arg(kFeed));
        config.timing.backoffInitial = 200ms;
        config.timing.backoffMax = 500ms;
        QSettings settings(settingsPath(), QSettings::IniFormat);
        SettingsChannelStore store(&settings);
        store.save({config});
        settings.sync();
        QCOMPARE(settings.status(), QSettings::NoError);
        QCOMPARE(store.load().value(0).id, kChannelId);
    }

    void cleanup()
    {
        m_reader.reset();
        m_server.reset();
        m_dir.reset();
    }

    void restartResumesFromTheStoredCursor()
    {
        createLog();
        publish(1000);
        std::unique_ptr<QProcess> first = startDashboard();
        QTRY_COMPARE_WITH_TIMEOUT(stored(), qint64(1000), kCatchUpTimeout);
        QVERIFY2(terminate(*first), "the dashboard did not end on SIGTERM");
        const QByteArray firstErr = first->readAllStandardError();
        QVERIFY2(firstErr.contains("starting at cursor 0"), firstErr.constData());
        QCOMPARE(storedKeys(logPath(), kChannelId), numbers(1, 1000));
        QCOMPARE(m_reader->cursor(kChannelId), std::optional(QStringLiteral("1000")));

        publish(1000);
        std::unique_ptr<QProcess> second = startDashboard();
        QTRY_COMPARE_WITH_TIMEOUT(stored(), qint64(2000), kCatchUpTimeout);
        QVERIFY2(terminate(*second), "the dashboard did not end on SIGTERM");
        // It asked for what came after the stored cursor, not for everything
        // again (the log would drop repeats silently, so ask the program).
        const QByteArray secondErr = second->readAllStandardError();
        QVERIFY2(secondErr.contains("starting at cursor 1000"), secondErr.constData());

        // Exactly 2,000 stored, in order, none twice.
        QCOMPARE(storedKeys(logPath(), kChannelId), numbers(1, 2000));
        QCOMPARE(m_reader->cursor(kChannelId), std::optional(QStringLiteral("2000")));
        QCOMPARE(m_reader->channelTitles().value(kChannelId), QStringLiteral("jobs"));
    }

    void cleanExitLeavesAConsistentLog()
    {
        // --screenshot ends the program through the event loop after a
        // delay: the one clean exit it has. What was received by then is
        // stored with its cursor, or neither is. The program creates the
        // log here; it is read only after the program ended.
        publish(500);
        std::unique_ptr<QProcess> run = startDashboard(
            {"--screenshot", m_dir->filePath("shot.png"), "--screenshot-delay", "1500"});
        QVERIFY(finishes(*run));
        QCOMPARE(run->exitStatus(), QProcess::NormalExit);
        QVERIFY2(run->exitCode() == 0, run->readAllStandardError().constData());
        const QStringList keys = storedKeys(logPath(), kChannelId);
        QCOMPARE(keys, numbers(1, int(keys.size())));
        QVERIFY(stored() >= 0);
        QCOMPARE(m_reader->cursor(kChannelId),
                 keys.isEmpty() ? std::optional<QString>() : std::optional(keys.constLast()));
        qInfo("%lld of 500 stored before the clean exit", qint64(keys.size()));

        std::unique_ptr<QProcess> again = startDashboard();
        QTRY_COMPARE_WITH_TIMEOUT(stored(), qint64(500), kCatchUpTimeout);
        // Up and polling (all 500 may have been stored by the first run).
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT(
            (err += again->readAllStandardError()).contains("starting at cursor"), kCatchUpTimeout);
        const bool ended = terminate(*again);
        QVERIFY2(ended,
                 qPrintable(QStringLiteral("exit %1/%2: %3")
                                .arg(int(again->exitStatus()))
                                .arg(again->exitCode())
                                .arg(QString::fromUtf8(again->readAllStandardError().right(600)))));
        QCOMPARE(storedKeys(logPath(), kChannelId), numbers(1, 500));
    }

    void killedDashboardLosesAndRepeatsNothing()
    {
        createLog();
        // Events stream in the whole time: a few every couple of milliseconds.
        bool streaming = true;
        QTimer publisher;
        publisher.setInterval(3);
        connect(&publisher, &QTimer::timeout, this, [&] {
            if (streaming)
                publish(3);
        });
        publisher.start();

        // Killed with SIGKILL at moments chosen by what the run stored: the
        // kill lands after a commit, inside the next one, or between. The
        // first answer of a run brings the backlog in one batch; most kills
        // count from there, so they land while the live stream flows.
        struct KillPoint
        {
            bool afterCatchUp; ///< count from the run's first commit, else from its start
            int events;
        };
        const KillPoint killPoints[] = {{false, 1},  {true, 1}, {true, 40},
                                        {true, 150}, {true, 7}, {true, 300}};
        QStringList runs;
        qint64 before = 0;
        for (const KillPoint &point : killPoints) {
            std::unique_ptr<QProcess> dashboard = startDashboard();
            QTimer watch; // checks the log often, so the kill comes close to the point
            watch.setInterval(1);
            qint64 base = point.afterCatchUp ? -1 : before;
            connect(&watch, &QTimer::timeout, this, [&] {
                const qint64 now = stored();
                if (base < 0 && now > before)
                    base = now; // the run's first commit
                if (base >= 0 && now >= base + point.events &&
                    dashboard->state() == QProcess::Running) {
                    watch.stop();
                    dashboard->kill();
                }
            });
            watch.start();
            if (!finishes(*dashboard, kCatchUpTimeout)) {
                dashboard->kill();
                dashboard->waitForFinished();
                QFAIL(qPrintable("the dashboard did not store enough; it said:\n" +
                                 QString::fromUtf8(dashboard->readAllStandardError())));
            }
            watch.stop();
            QCOMPARE(dashboard->exitStatus(), QProcess::CrashExit);
            const qint64 after = stored();
            QVERIFY(base >= before);
            QVERIFY(after >= base + point.events);
            runs << QStringLiteral("%1 stored at the kill (%2 + %3), %4 published")
                        .arg(after)
                        .arg(base)
                        .arg(after - base)
                        .arg(m_published);
            // What is stored so far is a gap-free prefix with its cursor.
            QCOMPARE(storedKeys(logPath(), kChannelId), numbers(1, int(after)));
            QCOMPARE(m_reader->cursor(kChannelId), std::optional(QString::number(after)));
            before = after;
        }
        streaming = false;
        publisher.stop();
        const int total = m_published;
        QVERIFY(total > before);
        qInfo("killed: %s", qPrintable(runs.join(QStringLiteral("; "))));

        // One more run to catch up.
        std::unique_ptr<QProcess> last = startDashboard();
        QTRY_COMPARE_WITH_TIMEOUT(stored(), qint64(total), kCatchUpTimeout);
        QVERIFY2(terminate(*last), "the dashboard did not end on SIGTERM");
        const QByteArray err = last->readAllStandardError();
        QVERIFY2(err.contains("starting at cursor " + QByteArray::number(before)), err.constData());

        // Every published event exactly once, in order.
        QCOMPARE(storedKeys(logPath(), kChannelId), numbers(1, total));
        QCOMPARE(m_reader->cursor(kChannelId), std::optional(QString::number(total)));
    }
};

QTEST_GUILESS_MAIN(tst_DashboardLog)
#include "tst_dashboardlog.moc"
