// End to end: longwatch-tail --store recording a reference feed server,
// across restarts and kill -9, and longwatch-export reading what it stored.
// The programs run as real processes; the feed server runs in this one.

#include "common/feedtesting.h"
#include "common/storetesting.h"
#include "eventlog.h"
#include "feedserver.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

const QString kFeed = QStringLiteral("jobs");
const QString kChannel = QStringLiteral("jobs");

} // namespace

class tst_Recorder : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FeedServer> m_server;
    int m_published = 0;

    QString storePath() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }

    void publish(int count) { publishBuilds(*m_server, kFeed, count, &m_published); }

    /// longwatch-tail recording the feed into the store.
    std::unique_ptr<QProcess> startTail(const QStringList &extra)
    {
        auto process = std::make_unique<QProcess>();
        const QString url =
            m_server->baseUrl().toString() + QStringLiteral("/feeds/%1/poll").arg(kFeed);
        process->start(QStringLiteral(LONGWATCH_TAIL_PATH),
                       QStringList{"--channel", kChannel + u'=' + url, "--profile", "seed-events",
                                   "--store", storePath()} +
                           extra);
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

    static int runExport(const QStringList &args, QByteArray *out, QByteArray *err)
    {
        QProcess process;
        process.start(QStringLiteral(LONGWATCH_EXPORT_PATH), args);
        if (!process.waitForFinished(30'000))
            return -1;
        *out = process.readAllStandardOutput();
        *err = process.readAllStandardError();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_server = std::make_unique<FeedServer>();
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
        m_published = 0;
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void restartResumesFromTheStoredCursor()
    {
        publish(1000);
        std::unique_ptr<QProcess> first = startTail({"--count", "1000"});
        QVERIFY(finishes(*first));
        QCOMPARE(first->exitStatus(), QProcess::NormalExit);
        QVERIFY2(first->exitCode() == 0, first->readAllStandardError().constData());
        QCOMPARE(printedKeys(first->readAllStandardOutput()), numbers(1, 1000));

        publish(1000);
        std::unique_ptr<QProcess> second = startTail({"--count", "1000"});
        QVERIFY(finishes(*second));
        QCOMPARE(second->exitCode(), 0);
        const QByteArray err = second->readAllStandardError();
        QVERIFY2(err.contains("resuming from the stored cursor 1000"), err.constData());
        QCOMPARE(printedKeys(second->readAllStandardOutput()), numbers(1001, 2000));

        // Exactly 2,000 stored, in order, none twice.
        QCOMPARE(storedKeys(storePath(), kChannel), numbers(1, 2000));
        EventLog store;
        QVERIFY(store.open(storePath()));
        QCOMPARE(store.cursor(kChannel), std::optional(QStringLiteral("2000")));
    }

    void sinceOverridesTheStoredCursor()
    {
        publish(20);
        std::unique_ptr<QProcess> first = startTail({"--count", "20"});
        QVERIFY(finishes(*first));
        QCOMPARE(first->exitCode(), 0);
        // Asked to start over, the feed repeats itself; the store ignores the
        // repeats and they are not printed again.
        publish(5);
        std::unique_ptr<QProcess> again = startTail({"--since", "0", "--count", "5"});
        QVERIFY(finishes(*again));
        QCOMPARE(again->exitCode(), 0);
        QCOMPARE(printedKeys(again->readAllStandardOutput()), numbers(21, 25));
        QCOMPARE(storedKeys(storePath(), kChannel), numbers(1, 25));
    }

    void killedRecorderLosesAndRepeatsNothing()
    {
        // Events stream in the whole time: a few every couple of milliseconds.
        bool streaming = true;
        QTimer publisher;
        publisher.setInterval(2);
        connect(&publisher, &QTimer::timeout, this, [&] {
            if (streaming)
                publish(3);
        });
        publisher.start();

        // Killed with SIGKILL at moments chosen by what has arrived: after
        // the run printed this many new events (printing follows the commit,
        // so the kill lands after a commit, in the next one, or between).
        const int killAfter[] = {1, 40, 150, 7, 300};
        int kills = 0;
        QStringList runs;
        for (const int threshold : killAfter) {
            std::unique_ptr<QProcess> tail = startTail({"--quiet"});
            int printed = 0;
            QByteArray pending;
            connect(tail.get(), &QProcess::readyReadStandardOutput, this, [&, p = tail.get()] {
                pending += p->readAllStandardOutput();
                printed += int(pending.count('\n'));
                pending = pending.mid(pending.lastIndexOf('\n') + 1);
                if (printed >= threshold && p->state() == QProcess::Running)
                    p->kill();
            });
            QVERIFY2(finishes(*tail), "the recorder neither printed enough nor died");
            QCOMPARE(tail->exitStatus(), QProcess::CrashExit);
            QVERIFY(printed >= threshold);
            ++kills;
            runs << QStringLiteral("%1 printed, %2 published").arg(printed).arg(m_published);
        }
        QCOMPARE(kills, 5);
        streaming = false;
        publisher.stop();
        const int total = m_published;
        QVERIFY(total > 0);
        qInfo("killed after: %s", qPrintable(runs.join(QStringLiteral("; "))));

        // One more run to catch up; the store is watched from here, as the
        // dashboard would (WAL lets it read while the recorder writes).
        // The killed runs' held polls go with their connections first, so
        // that a held poll below is this run's.
        QTRY_COMPARE_WITH_TIMEOUT(m_server->heldCount(), 0, 10'000);
        std::unique_ptr<QProcess> last = startTail({"--quiet"});
        EventLog watcher;
        QTRY_VERIFY_WITH_TIMEOUT(watcher.isOpen() || watcher.open(storePath()), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.countEvents({}), qint64(total), 30'000);
        // Caught up and waiting, so past setting up its signal handlers: a
        // SIGTERM sent sooner (the killed runs may have stored everything
        // already) would meet the default action and read as a crash.
        QTRY_VERIFY_WITH_TIMEOUT(m_server->heldCount() > 0, 10'000);
        last->terminate(); // SIGTERM: a clean exit
        QVERIFY(finishes(*last));
        QCOMPARE(last->exitStatus(), QProcess::NormalExit);
        QCOMPARE(last->exitCode(), 0);

        // Every published event exactly once, in order.
        QCOMPARE(storedKeys(storePath(), kChannel), numbers(1, total));
        QCOMPARE(watcher.cursor(kChannel), std::optional(QString::number(total)));
    }

    void damagedStoreStopsTheRecorder()
    {
        QFile garbage(storePath());
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(4096, '\x5a'));
        garbage.close();
        std::unique_ptr<QProcess> tail = startTail({"--count", "1"});
        QVERIFY(finishes(*tail));
        QCOMPARE(tail->exitCode(), 1);
        const QByteArray err = tail->readAllStandardError();
        QVERIFY2(err.contains("is damaged (file is not a database)"), err.constData());
        QCOMPARE(tail->readAllStandardOutput(), QByteArray());
    }

    void exportProgram_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("expected"); // on stdout, or contained in stderr on failure

        QTest::newRow("CSV of one type to standard output")
            << QStringList{"--format", "csv", "--type", "deploy"} << 0
            << QByteArray("channel,key,type,text,time,received,raw\r\n"
                          "builds,2,deploy,\"two, with a comma\",,2023-11-14T22:13:20.002000Z,"
                          "\"{\"\"id\"\":2}\"\r\n");
        QTest::newRow("NDJSON of one channel since a time")
            << QStringList{"--format", "ndjson",  "--channel",
                           "alerts",   "--since", "2023-11-14T22:13:20.005Z"}
            << 0
            << QByteArray(
                   "{\"channel\":\"alerts\",\"key\":\"5\",\"type\":\"page\",\"text\":\"five\","
                   "\"time\":null,\"received\":\"2023-11-14T22:13:20.005000Z\","
                   "\"event\":{\"id\":5}}\n");
        QTest::newRow("JSON filtered by text and a time window")
            << QStringList{"--format", "json",    "--text",
                           "ONE",      "--until", "2023-11-14T22:13:20.002Z"}
            << 0
            << QByteArray(
                   "[\n{\"channel\":\"builds\",\"key\":\"1\",\"type\":\"build\",\"text\":\"one\","
                   "\"time\":null,\"received\":\"2023-11-14T22:13:20.001000Z\","
                   "\"event\":{\"id\":1}}\n]\n");
        QTest::newRow("an unknown format is a usage error")
            << QStringList{"--format", "xml"} << 2
            << QByteArray("--format takes csv, ndjson or json");
        QTest::newRow("a time that is not ISO 8601 is a usage error")
            << QStringList{"--since", "yesterday"} << 2 << QByteArray("--since takes an ISO 8601");
        QTest::newRow("a missing event log fails with a sentence")
            << QStringList{"--store", "no-such.sqlite"} << 1
            << QByteArray("There is no event log at");
        QTest::newRow("an output folder that does not exist fails with a sentence")
            << QStringList{"--output", "no-such-folder/out.csv"} << 1
            << QByteArray("Could not create");
    }

    void exportProgram()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, expected);
        {
            EventLog store;
            QVERIFY(store.open(storePath()));
            auto event = [](int id, const char *type, const char *text) {
                Event e;
                e.key = QString::number(id);
                e.type = QString::fromLatin1(type);
                e.text = QString::fromLatin1(text);
                e.receivedUsecs = 1'700'000'000'000'000 + id * 1000; // id ms after T0
                e.raw = QByteArrayLiteral("{\"id\":") + QByteArray::number(id) + '}';
                return e;
            };
            QVERIFY(store.append(
                "builds", {event(1, "build", "one"), event(2, "deploy", "two, with a comma")},
                "2"));
            QVERIFY(
                store.append("alerts", {event(4, "page", "four"), event(5, "page", "five")}, "5"));
        }
        if (!args.contains("--store"))
            args = QStringList{"--store", storePath()} + args;
        // Relative paths in the rows are relative to the temporary folder.
        for (QString &arg : args) {
            if (arg.startsWith(QLatin1String("no-such")))
                arg = m_dir->filePath(arg);
        }
        QByteArray out;
        QByteArray err;
        QCOMPARE(runExport(args, &out, &err), exitCode);
        if (exitCode == 0) {
            QCOMPARE(out, expected);
        } else {
            QVERIFY2(err.contains(expected), err.constData());
            QVERIFY(out.isEmpty());
        }
        QCOMPARE(QDir(m_dir->path()).entryList({"*.csv", "*.json", "*.ndjson"}, QDir::Files),
                 QStringList());
    }

    void exportProgramGuardsFormulasInCsv()
    {
        {
            EventLog store;
            QVERIFY(store.open(storePath()));
            Event event;
            event.key = QStringLiteral("@key");
            event.type = QStringLiteral("+type");
            event.text = QStringLiteral("=cmd|' /C calc'!A0");
            event.receivedUsecs = 1'700'000'000'000'000;
            event.raw = QByteArrayLiteral("-1");
            QVERIFY(store.append("-channel", {event}, "1"));
        }
        QByteArray out;
        QByteArray err;
        QCOMPARE(runExport({"--store", storePath(), "--format", "csv"}, &out, &err), 0);
        QCOMPARE(out, QByteArray("channel,key,type,text,time,received,raw\r\n"
                                 "'-channel,'@key,'+type,'=cmd|' /C calc'!A0,,"
                                 "2023-11-14T22:13:20.000000Z,'-1\r\n"));
        // NDJSON is for programs: the values stay as the feed sent them.
        QCOMPARE(runExport({"--store", storePath(), "--format", "ndjson"}, &out, &err), 0);
        QCOMPARE(out, QByteArray("{\"channel\":\"-channel\",\"key\":\"@key\",\"type\":\"+type\","
                                 "\"text\":\"=cmd|' /C calc'!A0\",\"time\":null,"
                                 "\"received\":\"2023-11-14T22:13:20.000000Z\",\"event\":-1}\n"));
    }

    void tailAndExportWriteTheSameLines()
    {
        // Texts that JSON must escape, and times at the edges of what a
        // four-digit year holds: both programs make the one line the README
        // promises, byte for byte.
        const QStringList texts{
            QStringLiteral("plain"),
            QStringLiteral("quote \" backslash \\ slash / tab\t newline\n return\r"),
            QStringLiteral("control \x01\x1f delete \x7f"),
            QStringLiteral("caf\u00e9 \u2028 \U0001F600"),
            QString(),
        };
        int id = 0;
        for (const QString &text : texts) {
            m_server->publish(kFeed, {{"type", "build"}, {"message", text}});
            ++id;
        }
        for (const QJsonValue &time : {QJsonValue("2026-03-01T10:20:30.456+02:00"),
                                       QJsonValue(253402300799999.0), // 9999-12-31 23:59:59.999
                                       QJsonValue(253402300800000.0), // year 10000
                                       QJsonValue(-62135596801000.0), // before year 1
                                       QJsonValue("not a time")}) {
            m_server->publish(kFeed, {{"type", "build"}, {"message", "timed"}, {"time", time}});
            ++id;
        }
        std::unique_ptr<QProcess> tail = startTail({"--count", QString::number(id), "--quiet"});
        QVERIFY(finishes(*tail));
        QVERIFY2(tail->exitCode() == 0, tail->readAllStandardError().constData());
        const QByteArray printed = tail->readAllStandardOutput();
        QCOMPARE(printed.count('\n'), id);

        QByteArray out;
        QByteArray err;
        QCOMPARE(runExport({"--store", storePath(), "--format", "ndjson"}, &out, &err), 0);
        const QList<QByteArray> tailLines = printed.split('\n');
        const QList<QByteArray> exportLines = out.split('\n');
        QCOMPARE(exportLines.size(), tailLines.size());
        for (qsizetype i = 0; i < tailLines.size(); ++i)
            QCOMPARE(tailLines.at(i), exportLines.at(i));
    }

    void exportProgramWritesFiles()
    {
        publish(300);
        std::unique_ptr<QProcess> tail = startTail({"--count", "300", "--quiet"});
        QVERIFY(finishes(*tail));
        QCOMPARE(tail->exitCode(), 0);
        const QString csv = m_dir->filePath("all.csv");
        QByteArray out;
        QByteArray err;
        QCOMPARE(
            runExport({"--store", storePath(), "--format", "csv", "--output", csv}, &out, &err), 0);
        QVERIFY2(err.contains("Exported 300 events to"), err.constData());
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 302); // header, 300 events, and the empty piece after the last CRLF
        QVERIFY(lines.at(1).startsWith("jobs,1,build,event 1,"));
        QVERIFY(lines.at(300).startsWith("jobs,300,build,event 300,"));
    }
};

QTEST_GUILESS_MAIN(tst_Recorder)
#include "tst_recorder.moc"
