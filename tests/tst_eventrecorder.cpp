// EventRecorder: a ChannelManager's channels recorded into the event log
// through an EventLogWriter, against a real FeedServer in this process, across
// "restarts" (everything torn down and built again on the same file).

#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "common/fakehttpserver.h"
#include "common/feedtesting.h"
#include "common/storetesting.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventrecorder.h"
#include "feedserver.h"

#include <QDateTime>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

const QString kId = QStringLiteral("0b7c4f8e-builds");

/// What the dashboard builds at start, minus the widgets.
struct Session
{
    MemoryChannelStore channels;
    ChannelManager manager{&channels};
    EventLogWriter writer;
    EventLog reader;
    std::unique_ptr<EventRecorder> recorder;

    bool open(const QString &path)
    {
        if (!writer.open(path) || !reader.open(path, EventLog::OpenMode::MustExist))
            return false;
        recorder = std::make_unique<EventRecorder>(&manager, &writer);
        recorder->resumeFrom(reader.cursors());
        return true;
    }
    ~Session()
    {
        // As at the end of the app: the channels stop, what is queued is written.
        manager.pauseAll();
        recorder.reset();
        writer.close();
    }
};

QStringList storedKeys(EventLog &store, const QString &channel)
{
    EventQuery query;
    query.channels = {channel};
    EventPage page;
    page.limit = 100'000;
    QStringList keys;
    for (const StoredEvent &event : store.events(query, page))
        keys << event.event.key;
    return keys;
}

} // namespace

class tst_EventRecorder : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FeedServer> m_server;
    int m_published = 0;

    QString logPath() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }

    /// Messages are counted over all feeds, so ids do not follow the count.
    void publish(int count, const QString &feed = QStringLiteral("jobs"))
    {
        publishBuilds(*m_server, feed, count, &m_published, false);
    }

    ChannelConfig config(const QString &feed = QStringLiteral("jobs")) const
    {
        ChannelConfig config;
        config.id = kId;
        config.name = QStringLiteral("Builds");
        config.url =
            QUrl(m_server->baseUrl().toString() + QStringLiteral("/feeds/%1/poll").arg(feed));
        config.profileId = QStringLiteral("seed-events");
        return config;
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

    void aCursorResetIsOneGapRowInTheBatchesAndTheLog()
    {
        // 410 Gone from a seed-events feed: a resync (PROTOCOLS.md, "Resync").
        FakeHttpServer fake;
        fake.enqueue(QStringLiteral("/poll"), FakeResponse::seedEvents({1, 2}));
        fake.enqueue(QStringLiteral("/poll"), FakeResponse::status(410));
        fake.enqueue(QStringLiteral("/poll"), FakeResponse::seedEvents({1}));
        Session session;
        QVERIFY(session.open(logPath()));
        QSignalSpy batches(&session.manager, &ChannelManager::batchReceived);
        ChannelConfig gone = config();
        gone.url = fake.url(QStringLiteral("/poll"));
        gone.knobs = {{QStringLiteral("hold"), QStringLiteral("5")}};
        session.manager.addChannel(gone);
        QTRY_COMPARE(batches.size(), 3); // 1 and 2, the gap, 1 again
        QStringList types;
        for (const QList<QVariant> &batch : std::as_const(batches))
            for (const Event &event : batch.at(1).value<EventList>())
                types << event.type;
        QCOMPARE(types, QStringList({"test", "test", "gap", "test"}));
        EventQuery query;
        query.types = {Channel::gapEventType()};
        QTRY_COMPARE(session.reader.countEvents(query), 1);
        EventPage page;
        const auto stored = session.reader.events(query, page);
        QCOMPARE(stored.size(), 1);
        QVERIFY2(stored.at(0).event.text.contains(QStringLiteral("410 Gone")),
                 qPrintable(stored.at(0).event.text));
        QVERIFY(stored.at(0).event.text.contains(QStringLiteral("may be missing")));
    }

    void restartStoresEveryEventOnce()
    {
        publish(1000);
        {
            Session session;
            QVERIFY(session.open(logPath()));
            session.manager.addChannel(config());
            QTRY_COMPARE_WITH_TIMEOUT(session.reader.countEvents({}), 1000, 20'000);
            QTRY_COMPARE(session.reader.cursor(kId), std::optional(QStringLiteral("1000")));
        }
        publish(1000);
        Session session;
        QVERIFY(session.open(logPath()));
        Channel *channel = session.manager.addChannel(config());
        // Resumed where the last stored batch ended, before any answer.
        QCOMPARE(channel->cursor(), QStringLiteral("1000"));
        QTRY_COMPARE_WITH_TIMEOUT(session.reader.countEvents({}), 2000, 20'000);
        QCOMPARE(storedKeys(session.reader, kId), numbers(1, 2000));
        QTRY_COMPARE(session.reader.cursor(kId), std::optional(QStringLiteral("2000")));
        QCOMPARE(session.reader.channelTitles().value(kId), QStringLiteral("Builds"));
    }

    void theJobsOfRecordedEventsHaveTheirRuns()
    {
        // The demo-like events name jobs under the channel's mapping.
        for (int n = 1; n <= 3; ++n) {
            m_server->publish(QStringLiteral("jobs"), {{"type", "build"},
                                                       {"job", QStringLiteral("build #%1").arg(n)},
                                                       {"status", n == 2 ? "failed" : "success"}});
        }
        Session session;
        QVERIFY(session.open(logPath()));
        session.manager.addChannel(config());
        QTRY_COMPARE_WITH_TIMEOUT(session.reader.jobRuns().size(), 3, 20'000);
        const QList<JobRun> runs = session.reader.jobRuns({kId});
        QCOMPARE(runs.size(), 3);
        QCOMPARE(runs.at(1).job, QStringLiteral("build #2"));
        QCOMPARE(runs.at(1).series, QStringLiteral("build"));
        QCOMPARE(runs.at(1).status, JobStatus::Failed);
        QCOMPARE(runs.at(1).channel, kId);
    }

    void renameKeepsTheHistoryUnderTheNewName()
    {
        publish(3);
        Session session;
        QVERIFY(session.open(logPath()));
        Channel *channel = session.manager.addChannel(config());
        QTRY_COMPARE(session.reader.countEvents({}), 3);
        ChannelConfig renamed = channel->config();
        renamed.name = QStringLiteral("Nightly builds");
        session.manager.updateChannel(channel, renamed);
        QTRY_COMPARE(session.reader.channelTitles().value(kId), QStringLiteral("Nightly builds"));
        EventQuery byName;
        byName.channels = {QStringLiteral("Nightly builds")};
        QCOMPARE(session.reader.countEvents(byName), 3);
        publish(2);
        QTRY_COMPARE(session.reader.countEvents(byName), 5);
    }

    void anotherFeedKeepsTheOldHistoryApart()
    {
        publish(5);
        Session session;
        QVERIFY(session.open(logPath()));
        Channel *channel = session.manager.addChannel(config());
        QTRY_COMPARE(session.reader.countEvents({}), 5);
        // The other feed numbers its events from 1 as well: not duplicates.
        m_published = 0;
        publish(3, QStringLiteral("deploys"));
        ChannelConfig moved = config(QStringLiteral("deploys"));
        moved.name = QStringLiteral("Deploys");
        session.manager.updateChannel(channel, moved);
        QTRY_COMPARE(session.reader.countEvents({}), 8);
        QCOMPARE(storedKeys(session.reader, kId), numbers(1, 3));
        QStringList archived;
        const QStringList channels = session.reader.channels();
        for (const QString &name : channels) {
            if (name.startsWith(kId + u'@'))
                archived << name;
        }
        QCOMPARE(archived.size(), 1);
        QCOMPARE(storedKeys(session.reader, archived.constFirst()), numbers(1, 5));
        QCOMPARE(session.reader.channelTitles().value(archived.constFirst()),
                 QStringLiteral("Builds"));
        QCOMPARE(session.reader.channelTitles().value(kId), QStringLiteral("Deploys"));
    }

    void forgottenChannelLeavesNothing()
    {
        publish(4);
        Session session;
        QVERIFY(session.open(logPath()));
        Channel *channel = session.manager.addChannel(config());
        QTRY_COMPARE(session.reader.countEvents({}), 4);
        session.manager.removeChannel(channel);
        session.recorder->forgetChannel(kId);
        QTRY_COMPARE(session.reader.countEvents({}), 0);
        QCOMPARE(session.reader.cursor(kId), std::nullopt);
    }

    void retentionOfTheChannelIsApplied()
    {
        publish(30);
        Session session;
        EventLogWriter::Settings settings;
        settings.retentionInterval = std::chrono::milliseconds(50);
        session.writer.setSettings(settings);
        QVERIFY(session.open(logPath()));
        ChannelConfig kept = config();
        kept.keepEvents = 10;
        Channel *channel = session.manager.addChannel(kept);
        QTRY_COMPARE(session.reader.cursor(kId), std::optional(QStringLiteral("30")));
        QTRY_COMPARE(session.reader.countEvents({}), 10);
        QCOMPARE(storedKeys(session.reader, kId), numbers(21, 30));
        // An edit that keeps everything stops the deleting.
        kept.keepEvents = 0;
        session.manager.updateChannel(channel, kept);
        publish(15);
        QTRY_COMPARE(session.reader.countEvents({}), 25);
    }

    void eachChannelsHealthIsRecordedFromWhatItsPollerSaid()
    {
        // Two events after the server held the request 300 ms, a 503, then
        // one more event: the log's health samples say so, from what the
        // poller reported anyway (no request of their own).
        FakeHttpServer fake;
        const QString path = QStringLiteral("/poll");
        fake.enqueue(path,
                     FakeResponse::seedEvents({1, 2}).withDelay(std::chrono::milliseconds(300)));
        fake.enqueue(path, FakeResponse::status(503));
        fake.enqueue(path, FakeResponse::seedEvents({3}));
        Session session;
        QVERIFY(session.open(logPath()));
        session.recorder->setHealthInterval(std::chrono::milliseconds(20));
        ChannelConfig flaky = config();
        flaky.url = fake.url(path);
        flaky.knobs = {{QStringLiteral("hold"), QStringLiteral("5")}};
        flaky.timing.backoffInitial = std::chrono::milliseconds(200);
        session.manager.addChannel(flaky);
        QTRY_COMPARE(session.reader.countEvents({}), 3);
        QTRY_COMPARE(fake.heldCount(path), 1); // the next poll, held
        const auto total = [&] {
            HealthSample sum;
            const qint64 now = QDateTime::currentMSecsSinceEpoch() * 1000;
            for (const HealthSample &sample :
                 session.reader.healthSamples(kId, now - 3'600'000'000LL, now + 60'000'000LL))
                sum.merge(sample);
            return sum;
        };
        QTRY_COMPARE(total().events, 3);
        QTRY_COMPARE(total().errors[HealthSample::HttpErrors], 1);
        const HealthSample sum = total();
        QCOMPARE(sum.answers, 2);
        QCOMPARE(sum.errorCount(), 1);
        QCOMPARE(sum.backoffs, 1);
        QVERIFY(sum.backoffMsecs >= 0 && sum.backoffMsecs <= 200);
        QCOMPARE(sum.reconnects, 1);
        QCOMPARE(sum.failures, 0);
        // Both answers with events, the first held 300 ms by the server.
        QCOMPARE(sum.latencyCount, 2);
        QVERIFY2(sum.latencyMaxMsecs >= 300, qPrintable(QString::number(sum.latencyMaxMsecs)));
        QVERIFY(sum.latencyMaxMsecs < 5'000);
        // Three answers and the held poll: nothing else went to the server.
        QCOMPARE(fake.requestCount(), 4);
        QCOMPARE(session.reader.healthChannels(), QStringList{kId});
    }

    void cursorThatMovesWithoutEventsIsStored()
    {
        // Consul answers "no change" with a new index: no event, a new cursor.
        FakeHttpServer consul;
        QVERIFY(consul.isListening());
        const QString path = QStringLiteral("/v1/kv/app");
        const QByteArray body = R"([{"Key":"app","Value":"djE=","ModifyIndex":5}])";
        consul.enqueue(path, FakeResponse::json(body).withHeader("X-Consul-Index", "5"));
        Session session;
        QVERIFY(session.open(logPath()));
        ChannelConfig kv;
        kv.id = kId;
        kv.name = QStringLiteral("kv");
        kv.url = consul.url(path);
        kv.profileId = QStringLiteral("consul-blocking");
        Channel *channel = session.manager.addChannel(kv);
        QTRY_COMPARE(session.reader.countEvents({}), 1);
        QTRY_COMPARE(session.reader.cursor(kId), std::optional(QStringLiteral("5")));
        // The second answer is no news, but its index is the new cursor.
        QTRY_COMPARE(consul.heldCount(path), 1);
        QCOMPARE(
            consul.answerHeld(path, FakeResponse::json(body).withHeader("X-Consul-Index", "9")), 1);
        QTRY_COMPARE(channel->cursor(), QStringLiteral("9"));
        QTRY_COMPARE(session.reader.cursor(kId), std::optional(QStringLiteral("9")));
        QCOMPARE(session.reader.countEvents({}), 1);
    }
};

QTEST_GUILESS_MAIN(tst_EventRecorder)
#include "tst_eventrecorder.moc"
