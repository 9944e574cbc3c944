#include "channel.h"
#include "channelmanager.h"
#include "eventlog.h"
#include "jobhistoryloader.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;

namespace {

Event jobEvent(int n, const QString &job, const QString &status)
{
    Event event;
    event.key = QString::number(n);
    event.type = QStringLiteral("build");
    event.text = job + QLatin1Char(' ') + status;
    event.receivedUsecs = 1'700'000'000'000'000 + n;
    event.raw = QJsonDocument(QJsonObject{{QStringLiteral("id"), n},
                                          {QStringLiteral("job"), job},
                                          {QStringLiteral("status"), status}})
                    .toJson(QJsonDocument::Compact);
    return event;
}

Event plainEvent(int n)
{
    Event event;
    event.key = QString::number(n);
    event.type = QStringLiteral("note");
    event.text = QStringLiteral("no job here");
    event.receivedUsecs = 1'700'000'000'000'000 + n;
    event.raw = QByteArrayLiteral(R"({"message":"no job here"})");
    return event;
}

ChannelConfig paused(const QString &name)
{
    ChannelConfig config;
    config.name = name;
    config.url = QUrl(QStringLiteral("http://127.0.0.1:9/") + name);
    config.paused = true; // nothing polls: the log is all there is
    return config;
}

} // namespace

/// JobHistoryLoader reads a channel's job board back from the event log,
/// without widgets.
class tst_JobHistoryLoader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>(); // a new log for each test
        QVERIFY(m_dir->isValid());
        m_log = std::make_unique<EventLog>();
        QVERIFY2(m_log->open(m_dir->filePath(QStringLiteral("events.db"))),
                 qPrintable(m_log->errorString()));
    }
    void cleanup()
    {
        m_log.reset();
        m_dir.reset();
    }

    void readsOnlyEventsThatMayNameAJobOldestFirst()
    {
        EventList stored{jobEvent(1, QStringLiteral("build"), QStringLiteral("running")),
                         plainEvent(2),
                         jobEvent(3, QStringLiteral("build"), QStringLiteral("failed")),
                         jobEvent(4, QStringLiteral("deploy"), QStringLiteral("queued"))};
        QVERIFY(m_log->append(QStringLiteral("a"), stored, QStringLiteral("4")));
        QVERIFY(m_log->append(QStringLiteral("b"),
                              {jobEvent(9, QStringLiteral("other"), QStringLiteral("running"))},
                              QStringLiteral("9")));

        const EventList events =
            JobHistoryLoader::jobEvents(m_log.get(), QStringLiteral("a"), JobMapping());
        QStringList keys;
        for (const Event &event : events)
            keys << event.key;
        QCOMPARE(keys,
                 (QStringList{QStringLiteral("1"), QStringLiteral("3"), QStringLiteral("4")}));
        QCOMPARE(events.at(1).text, QStringLiteral("build failed"));
        QCOMPARE(events.at(1).raw, stored.at(2).raw);
        QCOMPARE(events.at(1).receivedUsecs, stored.at(2).receivedUsecs);
    }

    void readsTheNewestUpToTheLimit()
    {
        EventList stored;
        for (int n = 1; n <= 10; ++n)
            stored << jobEvent(n, QStringLiteral("job-%1").arg(n), QStringLiteral("running"));
        QVERIFY(m_log->append(QStringLiteral("a"), stored, QStringLiteral("10")));
        const EventList events =
            JobHistoryLoader::jobEvents(m_log.get(), QStringLiteral("a"), JobMapping(), 3);
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.first().key, QStringLiteral("8"));
        QCOMPARE(events.last().key, QStringLiteral("10"));
    }

    void followsTheChannelsJobMapping()
    {
        Event event = plainEvent(1);
        event.raw = QByteArrayLiteral(R"({"pipeline":"nightly","state":"failed"})");
        QVERIFY(m_log->append(QStringLiteral("a"), {event}, QStringLiteral("1")));
        QVERIFY(
            JobHistoryLoader::jobEvents(m_log.get(), QStringLiteral("a"), JobMapping()).isEmpty());
        JobMapping mapping;
        mapping.jobPaths = {QStringLiteral("pipeline")};
        mapping.statusPath = QStringLiteral("state");
        QCOMPARE(JobHistoryLoader::jobEvents(m_log.get(), QStringLiteral("a"), mapping).size(), 1);
    }

    void readsEachChannelOnceAtALaterTurnOfTheEventLoop()
    {
        ChannelManager manager;
        Channel *first = manager.addChannel(paused(QStringLiteral("first")));
        Channel *second = manager.addChannel(paused(QStringLiteral("second")));
        Channel *quiet = manager.addChannel(paused(QStringLiteral("quiet")));
        QVERIFY(m_log->append(first->id(),
                              {jobEvent(1, QStringLiteral("build"), QStringLiteral("running"))},
                              QStringLiteral("1")));
        QVERIFY(m_log->append(second->id(),
                              {jobEvent(2, QStringLiteral("test"), QStringLiteral("failed"))},
                              QStringLiteral("2")));

        JobHistoryLoader loader(m_log.get(), &manager);
        QSignalSpy read(&loader, &JobHistoryLoader::jobsRead);
        loader.enqueue(first->id());
        loader.enqueue(quiet->id());
        loader.enqueue(first->id()); // asked twice: read once
        loader.enqueue(second->id());
        QCOMPARE(loader.pending(), 3);
        QCOMPARE(read.size(), 0); // not before the event loop turns

        QTRY_COMPARE(loader.pending(), 0);
        // The quiet channel has no job events: no signal for it.
        QCOMPARE(read.size(), 2);
        QCOMPARE(read.at(0).at(0).toString(), first->id());
        QCOMPARE(read.at(0).at(1).toString(), QStringLiteral("first"));
        QCOMPARE(read.at(1).at(0).toString(), second->id());
        QCOMPARE(read.at(1).at(3).value<EventList>().constFirst().key, QStringLiteral("2"));
    }

    void passesOverAChannelRemovedMeanwhile()
    {
        ChannelManager manager;
        Channel *gone = manager.addChannel(paused(QStringLiteral("gone")));
        const QString id = gone->id();
        QVERIFY(m_log->append(id, {jobEvent(1, QStringLiteral("build"), QStringLiteral("running"))},
                              QStringLiteral("1")));
        JobHistoryLoader loader(m_log.get(), &manager);
        QSignalSpy read(&loader, &JobHistoryLoader::jobsRead);
        loader.enqueue(id);
        manager.removeChannel(gone);
        QTRY_COMPARE(loader.pending(), 0);
        QCOMPARE(read.size(), 0);
    }

    void withoutALogNothingIsRead()
    {
        ChannelManager manager;
        Channel *channel = manager.addChannel(paused(QStringLiteral("a")));
        JobHistoryLoader loader(nullptr, &manager);
        loader.enqueue(channel->id());
        QCOMPARE(loader.pending(), 0);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_log;
};

QTEST_GUILESS_MAIN(tst_JobHistoryLoader)
#include "tst_jobhistoryloader.moc"
