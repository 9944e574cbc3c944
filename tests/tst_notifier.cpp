#include "channel.h"
#include "channelmanager.h"
#include "fakehttpserver.h"
#include "jobmodel.h"
#include "notifier.h"

#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

Event jobEvent(const QString &job, const QString &status)
{
    Event event;
    event.raw = QStringLiteral(R"({"job":"%1","status":"%2"})").arg(job, status).toUtf8();
    event.text = QStringLiteral("%1 is %2").arg(job, status);
    return event;
}

/// A channel that never polls: only its configuration matters here.
ChannelConfig quietChannel(bool failed, bool recovered, bool finished)
{
    ChannelConfig c;
    c.name = "builds";
    c.url = QUrl("http://127.0.0.1:9/poll");
    c.paused = true;
    c.notifyJobFailed = failed;
    c.notifyJobRecovered = recovered;
    c.notifyJobFinished = finished;
    return c;
}

QStringList titles(const QSignalSpy &spy)
{
    QStringList list;
    for (const QList<QVariant> &args : spy)
        list << args.at(0).toString();
    return list;
}

} // namespace

class tst_Notifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void announcesWhatTheChannelAsksFor_data();
    void announcesWhatTheChannelAsksFor();
    void mutedSaysNothing();
    void pausedForAWhileSaysNothingThenSpeaksAgain();
    void foldsABurstIntoOne();
    void aBurstCountsAndNamesEachKindApart_data();
    void aBurstCountsAndNamesEachKindApart();
    void anEventOlderThanTheChannelsListeningIsNotNews_data();
    void anEventOlderThanTheChannelsListeningIsNotNews();
    void summarisesTheChannelsHealth();
};

void tst_Notifier::announcesWhatTheChannelAsksFor_data()
{
    QTest::addColumn<bool>("onFailure");
    QTest::addColumn<bool>("onRecovery");
    QTest::addColumn<bool>("onFinish");
    QTest::addColumn<QStringList>("statuses");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("a failure is announced when the channel asks for it")
        << true << false << false << QStringList{"running", "failed"}
        << QStringList{"deploy failed"};
    QTest::newRow("a failure is quiet when the channel does not ask")
        << false << true << true << QStringList{"running", "failed"} << QStringList{};
    QTest::newRow("a recovery after a failure is announced")
        << true << true << false << QStringList{"failed", "running"}
        << QStringList{"deploy failed", "deploy recovered"};
    QTest::newRow("a finish is announced when asked")
        << false << false << true << QStringList{"running", "succeeded"}
        << QStringList{"deploy finished"};
    QTest::newRow("a finish is quiet by default")
        << true << true << false << QStringList{"running", "succeeded"} << QStringList{};
    QTest::newRow("success after a failure reads as a recovery")
        << true << true << true << QStringList{"failed", "succeeded"}
        << QStringList{"deploy failed", "deploy recovered"};
    QTest::newRow("the same status twice is announced once")
        << true << false << false << QStringList{"failed", "failed"}
        << QStringList{"deploy failed"};
}

void tst_Notifier::announcesWhatTheChannelAsksFor()
{
    QFETCH(bool, onFailure);
    QFETCH(bool, onRecovery);
    QFETCH(bool, onFinish);
    QFETCH(QStringList, statuses);
    QFETCH(QStringList, expected);

    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *channel = manager.addChannel(quietChannel(onFailure, onRecovery, onFinish));
    QSignalSpy notified(&notifier, &Notifier::notify);
    for (const QString &status : statuses) {
        jobs.applyBatch(channel->id(), channel->name(), channel->config().jobs,
                        {jobEvent("deploy", status)});
        QCoreApplication::processEvents(); // the notifier decides once a batch is through
    }
    QCOMPARE(titles(notified), expected);
    if (!notified.isEmpty()) {
        QVERIFY(notified.at(0).at(1).toString().contains("builds"));
        QVERIFY(notified.at(0).at(1).toString().contains("deploy is"));
    }
}

void tst_Notifier::mutedSaysNothing()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *channel = manager.addChannel(quietChannel(true, true, true));
    QSignalSpy active(&notifier, &Notifier::activeChanged);
    QSignalSpy notified(&notifier, &Notifier::notify);
    notifier.setMuted(true);
    QCOMPARE(active.size(), 1);
    QVERIFY(!notifier.isActive());
    jobs.applyBatch(channel->id(), "builds", {}, {jobEvent("a", "failed")});
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);
    notifier.setMuted(false);
    jobs.applyBatch(channel->id(), "builds", {}, {jobEvent("b", "failed")});
    QVERIFY(notified.wait());
    QCOMPARE(titles(notified), QStringList{"b failed"});
}

void tst_Notifier::pausedForAWhileSaysNothingThenSpeaksAgain()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *channel = manager.addChannel(quietChannel(true, true, true));
    QSignalSpy notified(&notifier, &Notifier::notify);
    QSignalSpy active(&notifier, &Notifier::activeChanged);
    notifier.pauseFor(150ms);
    QVERIFY(notifier.pausedUntil().isValid());
    QVERIFY(!notifier.isActive());
    jobs.applyBatch(channel->id(), "builds", {}, {jobEvent("a", "failed")});
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);
    QTRY_COMPARE(active.size(), 2);
    QVERIFY(notifier.isActive());
    QVERIFY(!notifier.pausedUntil().isValid());
    jobs.applyBatch(channel->id(), "builds", {}, {jobEvent("b", "failed")});
    QVERIFY(notified.wait());
    QCOMPARE(titles(notified), QStringList{"b failed"});
}

void tst_Notifier::foldsABurstIntoOne()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *channel = manager.addChannel(quietChannel(true, true, true));
    QSignalSpy notified(&notifier, &Notifier::notify);
    EventList burst;
    for (int i = 1; i <= 5; ++i)
        burst << jobEvent(QStringLiteral("job %1").arg(i), "failed");
    jobs.applyBatch(channel->id(), "builds", {}, burst);
    QVERIFY(notified.wait());
    QCOMPARE(notified.size(), 1);
    QCOMPARE(notified.at(0).at(0).toString(), QStringLiteral("5 jobs failed"));
    QCOMPARE(notified.at(0).at(1).toString(),
             QStringLiteral("Failed: job 1, job 2, job 3, job 4 and 1 more"));
    QCOMPARE(notified.at(0).at(2).value<Notifier::Severity>(), Notifier::Severity::Critical);
}

void tst_Notifier::aBurstCountsAndNamesEachKindApart_data()
{
    QTest::addColumn<QStringList>("before"); // "job=status", one batch
    QTest::addColumn<QStringList>("burst");  // the same, the next batch
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("message");
    QTest::addColumn<Notifier::Severity>("severity");

    QTest::newRow("failures and a recovery are counted apart")
        << QStringList{"test #2=failed"}
        << QStringList{"build #3=failed", "deploy #7=failed", "lint #1=failed", "test #2=running"}
        << "3 jobs failed · 1 recovered"
        << "Failed: build #3, deploy #7, lint #1 · Recovered: test #2"
        << Notifier::Severity::Critical;
    QTest::newRow("recoveries alone are no failures")
        << QStringList{"a=failed", "b=failed", "c=failed", "d=failed"}
        << QStringList{"a=succeeded", "b=running", "c=queued", "d=succeeded"} << "4 jobs recovered"
        << "Recovered: a, b, c, d" << Notifier::Severity::Information;
    QTest::newRow("each kind in its own words, the worst first")
        << QStringList{"x=running", "y=running"}
        << QStringList{"x=succeeded", "y=cancelled", "z=failed", "w=failed"}
        << "2 jobs failed · 1 cancelled · 1 finished"
        << "Failed: z, w · Cancelled: y · Finished: x" << Notifier::Severity::Critical;
    QTest::newRow("a long list names the first four")
        << QStringList{} << QStringList{"j1=failed", "j2=failed", "j3=failed",   "j4=failed",
                                        "j5=failed", "j6=failed", "ok=succeeded"}
        << "6 jobs failed · 1 finished"
        << "Failed: j1, j2, j3, j4 and 2 more · Finished: ok" << Notifier::Severity::Critical;
}

void tst_Notifier::aBurstCountsAndNamesEachKindApart()
{
    QFETCH(QStringList, before);
    QFETCH(QStringList, burst);
    QFETCH(QString, title);
    QFETCH(QString, message);
    QFETCH(Notifier::Severity, severity);

    const auto events = [](const QStringList &changes) {
        EventList list;
        for (const QString &change : changes)
            list << jobEvent(change.section('=', 0, 0), change.section('=', 1));
        return list;
    };
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *channel = manager.addChannel(quietChannel(true, true, true));
    jobs.applyBatch(channel->id(), "builds", {}, events(before));
    QCoreApplication::processEvents();
    QSignalSpy notified(&notifier, &Notifier::notify);
    jobs.applyBatch(channel->id(), "builds", {}, events(burst));
    QVERIFY(notified.wait());
    QCOMPARE(notified.size(), 1);
    QCOMPARE(notified.at(0).at(0).toString(), title);
    QCOMPARE(notified.at(0).at(1).toString(), message);
    QCOMPARE(notified.at(0).at(2).value<Notifier::Severity>(), severity);
}

void tst_Notifier::anEventOlderThanTheChannelsListeningIsNotNews_data()
{
    QTest::addColumn<int>("secondsBefore"); // the event's own time before the channel started
    QTest::addColumn<bool>("timed");
    QTest::addColumn<bool>("announced");

    QTest::newRow("ten minutes before it started listening: old") << 600 << true << false;
    QTest::newRow("two minutes before: old") << 120 << true << false;
    QTest::newRow("half a minute before: clocks differ, news") << 30 << true << true;
    QTest::newRow("after it started: news") << -5 << true << true;
    QTest::newRow("no time of its own: news") << 0 << false << true;
}

void tst_Notifier::anEventOlderThanTheChannelsListeningIsNotNews()
{
    QFETCH(int, secondsBefore);
    QFETCH(bool, timed);
    QFETCH(bool, announced);

    // A channel that listens (retrying a refused connection): its answers,
    // whenever they come, are no longer its backlog.
    FakeHttpServer server;
    server.refuseConnections();
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    const QDateTime started = QDateTime::currentDateTimeUtc();
    notifier.setClock([started] { return started; });
    ChannelConfig config = quietChannel(true, true, true);
    config.url = server.url("/poll");
    config.paused = false;
    config.timing.backoffInitial = 60s;
    config.timing.backoffMax = 60s;
    Channel *channel = manager.addChannel(config);
    QVERIFY(Poller::isRunning(channel->state()));

    QSignalSpy notified(&notifier, &Notifier::notify);
    Event event = jobEvent("deploy", "failed");
    if (timed)
        event.time = started.addSecs(-secondsBefore);
    jobs.applyBatch(channel->id(), channel->name(), channel->config().jobs, {event});
    QCoreApplication::processEvents();
    QCOMPARE(titles(notified), announced ? QStringList{"deploy failed"} : QStringList{});
    QCOMPARE(jobs.failedCount(), 1); // on the board all the same
}

void tst_Notifier::summarisesTheChannelsHealth()
{
    FakeHttpServer server;
    server.refuseConnections();
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QCOMPARE(notifier.health(), Notifier::Health::NoChannels);
    manager.addChannel(quietChannel(true, true, true));
    QCOMPARE(notifier.health(), Notifier::Health::Paused);
    QCOMPARE(notifier.summary(), QStringLiteral("1 channel: 1 paused"));

    QSignalSpy health(&notifier, &Notifier::healthChanged);
    ChannelConfig failing;
    failing.name = "down";
    failing.url = server.url("/poll");
    failing.timing.backoffInitial = 60s;
    failing.timing.backoffMax = 60s;
    manager.addChannel(failing);
    QTRY_COMPARE(notifier.health(), Notifier::Health::Retrying);
    QVERIFY(!health.isEmpty());
    QCOMPARE(notifier.summary(), QStringLiteral("2 channels: 1 retrying, 1 paused"));

    // A channel whose request the server holds is connected: live, not
    // "connecting" (its row reads "Listening").
    FakeHttpServer holding; // holds every request
    ChannelConfig quiet;
    quiet.name = "quiet";
    quiet.url = holding.url("/poll");
    Channel *listening = manager.addChannel(quiet);
    QTRY_COMPARE(listening->state(), Poller::State::Waiting);
    QCOMPARE(notifier.summary(), QStringLiteral("3 channels: 1 live, 1 retrying, 1 paused"));
    manager.removeChannel(manager.at(1));
    QCOMPARE(notifier.health(), Notifier::Health::Live);
}

QTEST_MAIN(tst_Notifier)
#include "tst_notifier.moc"
