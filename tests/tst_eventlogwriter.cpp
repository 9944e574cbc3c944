#include "eventlogwriter.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

EventList makeEvents(const QString &prefix, int count)
{
    EventList events;
    for (int i = 0; i < count; ++i) {
        Event event;
        event.key = QStringLiteral("%1-%2").arg(prefix).arg(i);
        event.type = QStringLiteral("build");
        event.text = QStringLiteral("event %1").arg(event.key);
        event.receivedUsecs = currentUsecsUtc();
        event.raw = QJsonDocument(QJsonObject{{"id", event.key}}).toJson(QJsonDocument::Compact);
        events.append(event);
    }
    return events;
}

EventQuery channelQuery(const QString &channel)
{
    EventQuery query;
    query.channels = {channel};
    return query;
}

} // namespace

class tst_EventLogWriter : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }
    EventLogWriter::Settings fastSettings() const
    {
        EventLogWriter::Settings settings;
        settings.busyTimeout = 20ms;
        settings.retryDelay = 10ms;
        settings.retryDelayMax = 40ms;
        settings.retentionInterval = 0ms;
        return settings;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void commitsInAppendOrder()
    {
        EventLogWriter writer;
        writer.setSettings(fastSettings());
        QVERIFY2(writer.open(path()), qPrintable(writer.errorString()));
        QSignalSpy committed(&writer, &EventLogWriter::committed);
        QStringList expected;
        for (int i = 0; i < 50; ++i) {
            const QString channel = i % 2 ? QStringLiteral("b") : QStringLiteral("a");
            const QString cursor = QStringLiteral("%1-%2").arg(channel).arg(i);
            QVERIFY(writer.append(channel, makeEvents(cursor, 10), cursor));
            expected << cursor;
        }
        QTRY_COMPARE(committed.size(), 50);
        QStringList got;
        for (const QList<QVariant> &args : std::as_const(committed)) {
            got << args.at(1).toString();
            QCOMPARE(args.at(2).toInt(), 10); // added
            QCOMPARE(args.at(3).toInt(), 0);  // duplicates
        }
        QCOMPARE(got, expected);
        QCOMPARE(writer.pendingEvents(), 0);

        EventLog reader;
        QVERIFY(reader.open(path()));
        QCOMPARE(reader.countEvents({}), 500);
        QCOMPARE(reader.cursor(QStringLiteral("a")), std::optional(QStringLiteral("a-48")));
        QCOMPARE(reader.cursor(QStringLiteral("b")), std::optional(QStringLiteral("b-49")));
    }

    void duplicatesAreReported()
    {
        EventLogWriter writer;
        writer.setSettings(fastSettings());
        QVERIFY(writer.open(path()));
        QSignalSpy committed(&writer, &EventLogWriter::committed);
        const EventList events = makeEvents(QStringLiteral("x"), 5);
        QVERIFY(writer.append(QStringLiteral("a"), events, QStringLiteral("1")));
        QVERIFY(writer.append(QStringLiteral("a"), events, QStringLiteral("2")));
        QTRY_COMPARE(committed.size(), 2);
        QCOMPARE(committed.at(1).at(2).toInt(), 0);
        QCOMPARE(committed.at(1).at(3).toInt(), 5);
    }

    void appendDoesNotWaitForTheDatabase()
    {
        EventLogWriter writer;
        writer.setSettings(fastSettings());
        QVERIFY(writer.open(path()));
        QSignalSpy committed(&writer, &EventLogWriter::committed);
        QSignalSpy failed(&writer, &EventLogWriter::writeFailed);

        // Another connection holds the write lock, as a second program would.
        EventLog other;
        QVERIFY(other.open(path()));
        QSqlQuery lock(other.database());
        QVERIFY(lock.exec(QStringLiteral("BEGIN IMMEDIATE")));

        // If append() wrote, or waited for the writer, it could not return
        // while this thread holds the lock.
        for (int i = 0; i < 10; ++i)
            QVERIFY(writer.append(QStringLiteral("a"), makeEvents(QString::number(i), 10),
                                  QString::number(i)));
        QCOMPARE(writer.pendingEvents(), 100);
        QVERIFY(failed.wait()); // the worker met the lock and will try again
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("busy")),
                 qPrintable(failed.first().first().toString()));
        QCOMPARE(committed.size(), 0);

        QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
        QTRY_COMPARE(committed.size(), 10);
        QCOMPARE(writer.pendingEvents(), 0);
        QCOMPARE(other.countEvents({}), 100);
        QCOMPARE(other.cursor(QStringLiteral("a")), std::optional(QStringLiteral("9")));
    }

    void flushWritesEverythingQueued()
    {
        EventLogWriter writer;
        writer.setSettings(fastSettings());
        QVERIFY(writer.open(path()));
        for (int i = 0; i < 200; ++i)
            QVERIFY(writer.append(QStringLiteral("a"), makeEvents(QString::number(i), 50),
                                  QString::number(i)));
        QVERIFY(writer.flush(30s));
        QCOMPARE(writer.pendingEvents(), 0);
        EventLog reader;
        QVERIFY(reader.open(path()));
        QCOMPARE(reader.countEvents({}), 10'000);
        QCOMPARE(reader.cursor(QStringLiteral("a")), std::optional(QStringLiteral("199")));
    }

    void flushGivesUpWhileTheDatabaseIsLocked()
    {
        EventLogWriter writer;
        writer.setSettings(fastSettings());
        QVERIFY(writer.open(path()));
        EventLog other;
        QVERIFY(other.open(path()));
        QSqlQuery lock(other.database());
        QVERIFY(lock.exec(QStringLiteral("BEGIN IMMEDIATE")));
        QVERIFY(writer.append(QStringLiteral("a"), makeEvents(QStringLiteral("x"), 3), "1"));
        QVERIFY(!writer.flush(100ms));
        QCOMPARE(writer.pendingEvents(), 3);
        QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
        QVERIFY(writer.flush(10s));
        QCOMPARE(writer.pendingEvents(), 0);
    }

    void closeWritesWhatIsQueued()
    {
        {
            EventLogWriter writer;
            writer.setSettings(fastSettings());
            QVERIFY(writer.open(path()));
            for (int i = 0; i < 20; ++i)
                QVERIFY(writer.append(QStringLiteral("a"), makeEvents(QString::number(i), 25),
                                      QString::number(i)));
            writer.close();
            QVERIFY(!writer.isOpen());
            QVERIFY(
                !writer.append(QStringLiteral("a"), makeEvents(QStringLiteral("late"), 1), "x"));
        }
        EventLog reader;
        QVERIFY(reader.open(path()));
        QCOMPARE(reader.countEvents({}), 500);
        QCOMPARE(reader.cursor(QStringLiteral("a")), std::optional(QStringLiteral("19")));
    }

    void appendsFromSeveralThreads()
    {
        EventLogWriter writer;
        writer.setSettings(fastSettings());
        QVERIFY(writer.open(path()));
        QSignalSpy committed(&writer, &EventLogWriter::committed);
        std::unique_ptr<QThread> other(QThread::create([&writer] {
            for (int i = 0; i < 300; ++i)
                writer.append(QStringLiteral("other"), makeEvents(QStringLiteral("o%1").arg(i), 3),
                              QString::number(i));
        }));
        other->start();
        for (int i = 0; i < 300; ++i)
            QVERIFY(writer.append(QStringLiteral("main"),
                                  makeEvents(QStringLiteral("m%1").arg(i), 3), QString::number(i)));
        QVERIFY(other->wait(30'000));
        QVERIFY(writer.flush(30s));
        QTRY_COMPARE(committed.size(), 600);
        EventLog reader;
        QVERIFY(reader.open(path()));
        QCOMPARE(reader.countEvents(channelQuery(QStringLiteral("main"))), 900);
        QCOMPARE(reader.countEvents(channelQuery(QStringLiteral("other"))), 900);
        QCOMPARE(reader.cursor(QStringLiteral("other")), std::optional(QStringLiteral("299")));
    }

    void retentionRunsInTheWorker()
    {
        EventLogWriter writer;
        EventLogWriter::Settings settings = fastSettings();
        settings.retentionInterval = 10ms;
        settings.retentionChunk = 100;
        writer.setSettings(settings);
        QVERIFY(writer.open(path()));
        QSignalSpy deleted(&writer, &EventLogWriter::eventsDeleted);
        RetentionPolicy policy;
        policy.maxEvents = 50;
        writer.setRetention(QStringLiteral("a"), policy);
        QVERIFY(writer.append(QStringLiteral("a"), makeEvents(QStringLiteral("a"), 500), "a"));
        QVERIFY(writer.append(QStringLiteral("b"), makeEvents(QStringLiteral("b"), 80), "b"));
        EventLog reader;
        QVERIFY(reader.open(path()));
        QTRY_COMPARE(reader.countEvents(channelQuery(QStringLiteral("a"))), 50);
        auto totalDeleted = [&deleted] {
            int total = 0;
            for (const QList<QVariant> &args : std::as_const(deleted))
                total += args.first().toInt();
            return total;
        };
        QTRY_COMPARE(totalDeleted(), 450); // the last signal may still be on its way
        for (const QList<QVariant> &args : std::as_const(deleted))
            QVERIFY(args.first().toInt() <= 100); // in chunks
        QVERIFY(deleted.size() >= 5);
        QCOMPARE(reader.countEvents(channelQuery(QStringLiteral("b"))), 80);
    }

    void openFailuresAreReported()
    {
        EventLogWriter writer;
        QVERIFY(!writer.open(m_dir->path())); // a folder
        QVERIFY(!writer.isOpen());
        QCOMPARE(writer.error(), EventLog::Error::OpenError);
        QVERIFY(!writer.errorString().isEmpty());

        QFile garbage(path());
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(4096, 'x'));
        garbage.close();
        QVERIFY(!writer.open(path()));
        QCOMPARE(writer.error(), EventLog::Error::DamagedError);
        QVERIFY2(writer.open(path(), true), qPrintable(writer.errorString()));
        QVERIFY2(writer.notice().contains(QStringLiteral("moved it aside")),
                 qPrintable(writer.notice()));
        QVERIFY(writer.append(QStringLiteral("a"), makeEvents(QStringLiteral("a"), 1), "1"));
        QVERIFY(writer.flush());
    }
};

QTEST_GUILESS_MAIN(tst_EventLogWriter)
#include "tst_eventlogwriter.moc"
