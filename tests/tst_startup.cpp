// The dashboard's start (Startup), in process and offscreen: secrets, then
// the event log (damaged, unavailable, good), then the channels, which
// resume from the cursors stored with their last stored batches.

#include "channel.h"
#include "channelconfig.h"
#include "channelmanager.h"
#include "eventlog.h"
#include "eventmodel.h"
#include "feedserver.h"
#include "mainwindow.h"
#include "secretstore.h"
#include "settingschannelstore.h"
#include "startup.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeout = 15'000; // ms; the machine is shared
const QString kFeed = QStringLiteral("jobs");
const QString kChannelId = QStringLiteral("5c3e2f7a-1b9d-4e60-8a2f-3d4c5b6a7e81");

Event makeEvent(int id)
{
    Event e;
    e.key = QString::number(id);
    e.type = QStringLiteral("build");
    e.text = QStringLiteral("event %1").arg(id);
    e.receivedUsecs = currentUsecsUtc();
    e.raw = QByteArrayLiteral("{\"id\":") + QByteArray::number(id) + '}';
    return e;
}

QStringList numbers(int first, int last)
{
    QStringList list;
    for (int i = first; i <= last; ++i)
        list << QString::number(i);
    return list;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// What the dashboard's main() builds, in its order: the Startup goes
/// first, while the manager and the window are still there.
struct Dashboard
{
    Dashboard(const QString &settingsPath, const Startup::Options &options)
        : settings(settingsPath, QSettings::IniFormat)
        , store(&settings)
        , manager(&store)
        , window(&manager, &settings)
        , startup(options, &store, &manager, &window)
    {
        window.show();
    }

    QSettings settings;
    SettingsChannelStore store;
    ChannelManager manager;
    MainWindow window;
    Startup startup;
};

} // namespace

class tst_Startup : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FeedServer> m_server;

    QString logPath() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }
    QString settingsPath() const { return m_dir->filePath(QStringLiteral("longwatch.ini")); }

    QString secretsPath() const { return m_dir->filePath(QStringLiteral("secrets/secrets.json")); }

    Startup::Options options(const QString &eventLogPath) const
    {
        Startup::Options o;
        o.eventLogPath = eventLogPath;
        o.noKeychain = true;
        o.secretsFallbackPath = secretsPath();
        return o;
    }

    /// The channel of init(), saved again: `change` edits it first.
    ChannelConfig saveChannel(const std::function<void(ChannelConfig &)> &change,
                              std::shared_ptr<SecretStore> secrets = {})
    {
        QSettings settings(settingsPath(), QSettings::IniFormat);
        SettingsChannelStore store(&settings, std::move(secrets));
        ChannelConfig config = store.load().value(0);
        change(config);
        store.save({config});
        settings.sync();
        return config;
    }

    /// A log holding events 1 to 3 of the channel, with cursor "3", and a
    /// server holding events 1 to 5.
    void prepareLogAndServer()
    {
        {
            EventLog log;
            QVERIFY2(log.open(logPath()), qPrintable(log.errorString()));
            QVERIFY(log.append(kChannelId, {makeEvent(1), makeEvent(2), makeEvent(3)}, "3"));
            QVERIFY(log.setChannelTitle(kChannelId, QStringLiteral("jobs")));
        }
        for (int i = 1; i <= 5; ++i) {
            const QJsonObject published =
                m_server->publish(kFeed, {{"type", "build"}, {"message", QString::number(i)}});
            QCOMPARE(published.value("id").toInteger(), i);
        }
    }

    /// 64 KiB that SQLite cannot take for a database.
    QByteArray writeGarbage(const QString &path)
    {
        QByteArray bytes(64 * 1024, Qt::Uninitialized);
        QRandomGenerator generator(20240611);
        generator.fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                            bytes.size() / qsizetype(sizeof(quint32)));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
            qFatal("could not write %s", qPrintable(path));
        return bytes;
    }

    QStringList movedAside() const
    {
        return QDir(m_dir->path())
            .entryList({QStringLiteral("events.sqlite.damaged-*")}, QDir::Files, QDir::Name);
    }

    static QMessageBox *messageBox(MainWindow &window, const char *name)
    {
        return window.findChild<QMessageBox *>(QString::fromLatin1(name));
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_server = std::make_unique<FeedServer>();
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));

        ChannelConfig config;
        config.id = kChannelId;
        config.name = QStringLiteral("jobs");
        config.url =
            QUrl(m_server->baseUrl().toString() + QStringLiteral("/feeds/%1/poll").arg(kFeed));
        config.timing.backoffInitial = 200ms;
        config.timing.backoffMax = 500ms;
        QSettings settings(settingsPath(), QSettings::IniFormat);
        SettingsChannelStore(&settings).save({config});
        settings.sync();
        QCOMPARE(settings.status(), QSettings::NoError);
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void movingADamagedLogAsideStartsANewOne()
    {
        const QByteArray garbage = writeGarbage(logPath());
        Dashboard dashboard(settingsPath(), options(logPath()));
        QSignalSpy finished(&dashboard.startup, &Startup::finished);
        QString messageAtFinish;
        connect(&dashboard.startup, &Startup::finished, this,
                [&] { messageAtFinish = dashboard.window.statusBar()->currentMessage(); });
        dashboard.startup.run();

        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((box = messageBox(dashboard.window, "damagedEventLog")), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), kTimeout);
        QCOMPARE(box->windowModality(), Qt::WindowModal);
        // The channels wait for the answer.
        QCOMPARE(finished.count(), 0);
        QCOMPARE(dashboard.manager.count(), 0);
        auto *moveAside = box->findChild<QPushButton *>(QStringLiteral("moveAsideButton"));
        QVERIFY(moveAside);
        moveAside->click();

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QVERIFY(dashboard.startup.hasEventLog());
        QCOMPARE(dashboard.window.eventLog(), dashboard.startup.reader());
        QCOMPARE(dashboard.manager.count(), 1);
        QVERIFY(!dashboard.window.findChild<QLabel *>(QStringLiteral("eventLogProblem")));

        // The damaged file is kept, renamed, with its bytes.
        const QStringList aside = movedAside();
        QCOMPARE(aside.size(), 1);
        QCOMPARE(readFile(m_dir->filePath(aside.constFirst())), garbage);
        // The new log takes the channel's events.
        m_server->publish(kFeed, {{"type", "build"}, {"message", "after the move"}});
        QTRY_COMPARE_WITH_TIMEOUT(dashboard.startup.reader()->countEvents({}), qint64(1), kTimeout);
        QCOMPARE(dashboard.startup.reader()->cursor(kChannelId),
                 std::optional(QStringLiteral("1")));
        // And what the writer is handed directly.
        QVERIFY(dashboard.startup.writer()->append(QStringLiteral("other"), {makeEvent(7)}, "7"));
        QVERIFY(dashboard.startup.writer()->flush());
        QCOMPARE(dashboard.startup.reader()->countEvents({}), qint64(2));
        // The person is told where the damaged file went, in the status bar
        // once the window is ready.
        QVERIFY2(messageAtFinish.contains(QStringLiteral("moved it aside")) &&
                     messageAtFinish.contains(aside.constFirst()),
                 qPrintable(messageAtFinish));
    }

    void continuingWithoutSavingLeavesTheDamagedLogAlone()
    {
        const QByteArray garbage = writeGarbage(logPath());
        Dashboard dashboard(settingsPath(), options(logPath()));
        QSignalSpy finished(&dashboard.startup, &Startup::finished);
        dashboard.startup.run();

        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((box = messageBox(dashboard.window, "damagedEventLog")), kTimeout);
        auto *without = box->findChild<QPushButton *>(QStringLiteral("continueWithoutButton"));
        QVERIFY(without);
        without->click();

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QVERIFY(!dashboard.startup.hasEventLog());
        QVERIFY(!dashboard.window.eventLog());
        QCOMPARE(dashboard.manager.count(), 1);
        auto *problem = dashboard.window.findChild<QLabel *>(QStringLiteral("eventLogProblem"));
        QVERIFY(problem);
        QTRY_VERIFY_WITH_TIMEOUT(problem->isVisible(), kTimeout);
        QVERIFY(!problem->text().isEmpty());
        QVERIFY2(problem->toolTip().contains(QDir::toNativeSeparators(logPath())) ||
                     problem->toolTip().contains(logPath()),
                 qPrintable(problem->toolTip()));

        // The channel runs; nothing touches the damaged file.
        m_server->publish(kFeed, {{"type", "build"}, {"message", "not saved"}});
        Channel *channel = dashboard.manager.channel(kChannelId);
        QVERIFY(channel);
        QTRY_COMPARE_WITH_TIMEOUT(channel->eventCount(), qint64(1), kTimeout);
        QCOMPARE(dashboard.window.eventModel()->rowCount(), 1);
        QCOMPARE(readFile(logPath()), garbage);
        QCOMPARE(movedAside(), QStringList());
    }

    void aLogThatCannotBeCreatedIsReported()
    {
        // A path under a regular file: no folder can be made there.
        QFile plain(m_dir->filePath(QStringLiteral("plain")));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.write("not a folder");
        plain.close();
        const QString path = plain.fileName() + QStringLiteral("/events.sqlite");

        Dashboard dashboard(settingsPath(), options(path));
        QSignalSpy finished(&dashboard.startup, &Startup::finished);
        dashboard.startup.run();

        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((box = messageBox(dashboard.window, "eventLogUnavailable")),
                                 kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), kTimeout);
        QVERIFY(!box->text().isEmpty());
        // The channels do not wait for the box to be closed.
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QVERIFY(!dashboard.startup.hasEventLog());
        QCOMPARE(dashboard.manager.count(), 1);
        auto *problem = dashboard.window.findChild<QLabel *>(QStringLiteral("eventLogProblem"));
        QVERIFY(problem);
        QTRY_VERIFY_WITH_TIMEOUT(problem->isVisible(), kTimeout);
        QVERIFY(!problem->text().isEmpty());
        QCOMPARE(problem->toolTip(), box->text());
        QVERIFY(!messageBox(dashboard.window, "damagedEventLog"));
        QCOMPARE(readFile(plain.fileName()), QByteArray("not a folder"));
    }

    void aGoodLogIsShownAndChannelsResumeFromItsCursors()
    {
        prepareLogAndServer();
        if (QTest::currentTestFailed())
            return;

        Dashboard dashboard(settingsPath(), options(logPath()));
        // Seen the moment the channels are loaded, before any answer.
        QString cursorAtStart;
        int rowsAtStart = -1;
        connect(&dashboard.startup, &Startup::finished, this, [&] {
            if (Channel *channel = dashboard.manager.channel(kChannelId))
                cursorAtStart = channel->cursor();
            rowsAtStart = dashboard.window.eventModel()->rowCount();
        });
        QSignalSpy finished(&dashboard.startup, &Startup::finished);
        dashboard.startup.run();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QVERIFY(dashboard.startup.hasEventLog());
        QCOMPARE(cursorAtStart, QStringLiteral("3"));
        QCOMPARE(rowsAtStart, 3);

        // The channel asks for what follows the stored cursor: only 4 and 5
        // arrive (from the start, all five would, and the view would repeat 1-3).
        Channel *channel = dashboard.manager.channel(kChannelId);
        QVERIFY(channel);
        QTRY_COMPARE_WITH_TIMEOUT(dashboard.startup.reader()->countEvents({}), qint64(5), kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(channel->eventCount(), qint64(2), kTimeout);
        QCOMPARE(channel->cursor(), QStringLiteral("5"));
        EventModel *model = dashboard.window.eventModel();
        QCOMPARE(model->rowCount(), 5);
        QStringList keys;
        for (int row = 0; row < model->rowCount(); ++row)
            keys << model->index(row, 0).data(EventModel::KeyRole).toString();
        QCOMPARE(keys, numbers(1, 5));
        QCOMPARE(dashboard.startup.reader()->cursor(kChannelId),
                 std::optional(QStringLiteral("5")));
        QVERIFY(!dashboard.window.findChild<QLabel *>(QStringLiteral("eventLogProblem")));
        QVERIFY(!messageBox(dashboard.window, "damagedEventLog"));
        QVERIFY(!messageBox(dashboard.window, "eventLogUnavailable"));
    }

    void aChannelWithSecretsResumesOnceTheyAreRead()
    {
        // Such a channel is added first and started when its secrets are
        // in: the stored cursor must survive that, and the history its key.
        saveChannel(
            [](ChannelConfig &config) {
                config.auth = ChannelConfig::Auth::Bearer;
                config.token = QStringLiteral("s3cr3t-token");
            },
            std::make_shared<FileSecretStore>(secretsPath()));
        QVERIFY(readFile(secretsPath()).contains("s3cr3t-token"));
        QVERIFY(!readFile(settingsPath()).contains("s3cr3t-token"));
        prepareLogAndServer();
        if (QTest::currentTestFailed())
            return;

        Dashboard dashboard(settingsPath(), options(logPath()));
        QSignalSpy finished(&dashboard.startup, &Startup::finished);
        dashboard.startup.run();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        Channel *channel = dashboard.manager.channel(kChannelId);
        QVERIFY(channel);
        QTRY_COMPARE_WITH_TIMEOUT(dashboard.startup.reader()->countEvents({}), qint64(5), kTimeout);
        QCOMPARE(channel->config().token, QStringLiteral("s3cr3t-token"));
        QCOMPARE(channel->eventCount(), qint64(2));
        QCOMPARE(dashboard.startup.reader()->channels(), QStringList{kChannelId});
        QCOMPARE(dashboard.startup.reader()->cursor(kChannelId),
                 std::optional(QStringLiteral("5")));
        QCOMPARE(dashboard.window.eventModel()->rowCount(), 5);
    }

    void noEventLogLoadsTheChannelsAtOnce()
    {
        Dashboard dashboard(settingsPath(), options(QString()));
        QSignalSpy finished(&dashboard.startup, &Startup::finished);
        dashboard.startup.run();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QVERIFY(!dashboard.startup.hasEventLog());
        QCOMPARE(dashboard.manager.count(), 1);
        QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("*.sqlite*")}), QStringList());
    }
};

QTEST_MAIN(tst_Startup)
#include "tst_startup.moc"
