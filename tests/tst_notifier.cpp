#include "channel.h"
#include "channelmanager.h"
#include "channelmodel.h"
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
    c.notifications.followDefaults = false;
    NotificationRules &rules = c.notifications.rules;
    rules.setOn(NotificationRules::Transition::JobFailed, failed);
    rules.setOn(NotificationRules::Transition::JobFixed, recovered);
    rules.setOn(NotificationRules::Transition::JobFinished, finished);
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
    void offlineIsOneLineAndNoChannelIsAnnouncedDown();
    void announcesWhatTheChannelAsksFor_data();
    void announcesWhatTheChannelAsksFor();
    void mutedSaysNothing();
    void pausedForAWhileSaysNothingThenSpeaksAgain();
    void quietHoursHoldWhatDoesNotBreakThroughAndTellItAfterwards();
    void aChannelDownLongerThanItsMinutesIsAnnouncedAndSoIsItsReturn();
    void aShortOutageSaysNothing();
    void foldsABurstIntoOne();
    void aBurstCountsAndNamesEachKindApart_data();
    void aBurstCountsAndNamesEachKindApart();
    void anEventOlderThanTheChannelsListeningIsNotNews_data();
    void anEventOlderThanTheChannelsListeningIsNotNews();
    void summarisesTheChannelsHealth();
    void aMutedChannelIsQuietUntilItsTimeIsUp();
    void failuresInABurstAreOneNotificationThatCountsThem();
    void aRecoveryStandsAloneAndTheBurstLearnsOfIt();
    void aBurstOnSeveralChannelsNamesNoChannel();
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
    QTest::newRow("a failed job that runs again and succeeds is fixed")
        << true << true << false << QStringList{"failed", "running", "succeeded"}
        << QStringList{"deploy failed", "deploy is fixed"};
    QTest::newRow("a finish is announced when asked")
        << false << false << true << QStringList{"running", "succeeded"}
        << QStringList{"deploy finished"};
    QTest::newRow("a finish is quiet by default")
        << true << true << false << QStringList{"running", "succeeded"} << QStringList{};
    QTest::newRow("success after a failure reads as fixed, not finished")
        << true << true << true << QStringList{"failed", "succeeded"}
        << QStringList{"deploy failed", "deploy is fixed"};
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
    ChannelConfig config = quietChannel(true, true, true);
    config.notifications.rules.setBreaksThrough(NotificationRules::Transition::JobFailed, false);
    Channel *channel = manager.addChannel(config);
    QSignalSpy notified(&notifier, &Notifier::notify);
    QSignalSpy active(&notifier, &Notifier::activeChanged);
    notifier.pauseFor(150ms);
    QVERIFY(notifier.pausedUntil().isValid());
    QVERIFY(!notifier.isActive());
    QCOMPARE(notifier.bellIconName(), QStringLiteral("bell-snooze"));
    jobs.applyBatch(channel->id(), "builds", {}, {jobEvent("a", "failed")});
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);
    QCOMPARE(notifier.heldBack().size(), 1);
    QVERIFY2(notifier.stateText().contains("1 held back"), qPrintable(notifier.stateText()));
    QTRY_COMPARE(active.size(), 2);
    QVERIFY(notifier.isActive());
    QVERIFY(!notifier.pausedUntil().isValid());
    // What was held back is told once the snooze is over.
    QCOMPARE(titles(notified), QStringList{"While notifications were off: 1 failure"});
    QVERIFY(notified.at(0).at(3).value<Notifier::Subject>().heldBack);
    QVERIFY(notifier.heldBack().isEmpty());
    jobs.applyBatch(channel->id(), "builds", {}, {jobEvent("b", "failed")});
    QVERIFY(notified.wait());
    QCOMPARE(titles(notified).last(), QStringLiteral("b failed"));
}

void tst_Notifier::quietHoursHoldWhatDoesNotBreakThroughAndTellItAfterwards()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QDateTime now = QDateTime(QDate(2026, 12, 7), QTime(23, 0)).toUTC(); // a Monday night
    notifier.setClock([&now] { return now; });
    NotificationRules rules = NotificationRules::defaults();
    rules.setOn(NotificationRules::Transition::JobStillFailing, true);
    notifier.setDefaultRules(rules);
    ChannelConfig config = quietChannel(true, true, true);
    config.notifications.followDefaults = true;
    Channel *channel = manager.addChannel(config);
    QSignalSpy notified(&notifier, &Notifier::notify);
    QSignalSpy active(&notifier, &Notifier::activeChanged);

    QuietHours quiet;
    quiet.enabled = true;
    quiet.from = QTime(22, 0);
    quiet.to = QTime(7, 30);
    notifier.setQuietHours(quiet);
    QCOMPARE(active.size(), 1);
    QVERIFY(notifier.isQuiet());
    QCOMPARE(notifier.quietUntil(), QDateTime(QDate(2026, 12, 8), QTime(7, 30)).toUTC());
    QCOMPARE(notifier.stateText(), QStringLiteral("Quiet hours until Tue 07:30"));

    // A failed job breaks through; its repeat and its fix wait.
    const auto apply = [&](const char *job, const char *status) {
        jobs.applyBatch(channel->id(), "builds", {}, {jobEvent(job, status)});
        QCoreApplication::processEvents();
    };
    apply("deploy", "failed");
    QCOMPARE(titles(notified), QStringList{"deploy failed"});
    notified.clear();
    apply("deploy", "running");
    apply("deploy", "failed");
    apply("deploy", "running");
    apply("deploy", "succeeded");
    QCOMPARE(notified.size(), 0);
    QCOMPARE(notifier.heldBack().size(), 2);
    QVERIFY(notifier.heldBack().first().startsWith("deploy failed again"));
    QVERIFY2(notifier.stateText().endsWith("2 held back"), qPrintable(notifier.stateText()));

    // At 07:30 it is no longer quiet: one notification sums it up.
    now = QDateTime(QDate(2026, 12, 8), QTime(7, 30)).toUTC();
    notifier.review();
    QCOMPARE(active.size(), 2);
    QCOMPARE(titles(notified),
             QStringList{"While notifications were off: 1 repeated failure, 1 fixed"});
    QCOMPARE(notified.at(0).at(1).toString(),
             QStringLiteral("deploy failed again · deploy is fixed"));
    QCOMPARE(notifier.lastReleased().size(), 2);
    QVERIFY(notifier.heldBack().isEmpty());
}

void tst_Notifier::aChannelDownLongerThanItsMinutesIsAnnouncedAndSoIsItsReturn()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    server.setDefaultResponse(FakeResponse::status(503));
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier.setClock([&now] { return now; });
    ChannelConfig config;
    config.name = "feed";
    config.url = server.url("/poll");
    config.timing.backoffInitial = 50ms;
    config.timing.backoffMax = 50ms;
    config.notifications.followDefaults = false;
    config.notifications.rules.setDownMinutes(3);
    Channel *channel = manager.addChannel(config);
    QSignalSpy notified(&notifier, &Notifier::notify);
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);

    now = now.addSecs(179);
    notifier.review();
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0); // not three minutes yet
    now = now.addSecs(2);
    notifier.review();
    QVERIFY(notified.wait());
    QCOMPARE(titles(notified), QStringList{"feed is down"});
    QVERIFY2(notified.at(0).at(1).toString().startsWith("Down since"),
             qPrintable(notified.at(0).at(1).toString()));
    QCOMPARE(notified.at(0).at(2).value<Notifier::Severity>(), Notifier::Severity::Warning);
    QCOMPARE(notified.at(0).at(3).value<Notifier::Subject>().channelId, channel->id());
    notifier.review(); // once
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 1);

    // Back once it answers well, not when a request merely went out.
    server.enqueue("/poll", FakeResponse::seedEvents({}));
    server.setDefaultResponse(FakeResponse::hold());
    QTRY_COMPARE(notified.size(), 2);
    QCOMPARE(titles(notified).last(), QStringLiteral("feed is back"));
    QCOMPARE(notified.at(1).at(1).toString(),
             QStringLiteral("Listening again after 3 minutes down."));
}

void tst_Notifier::offlineIsOneLineAndNoChannelIsAnnouncedDown()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    server.setDefaultResponse(FakeResponse::status(503));
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier.setClock([&now] { return now; });
    QList<Channel *> channels;
    for (const QString &name : QStringList{"one", "two", "three"}) {
        ChannelConfig config;
        config.name = name;
        config.url = server.url("/poll");
        config.timing.backoffInitial = 50ms;
        config.timing.backoffMax = 50ms;
        config.notifications.followDefaults = false;
        config.notifications.rules.setDownMinutes(3);
        channels << manager.addChannel(config);
    }
    QSignalSpy notified(&notifier, &Notifier::notify);
    manager.setOffline(true);
    for (Channel *channel : std::as_const(channels))
        QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    QVERIFY2(notifier.summary().startsWith("Offline — waiting for the network"),
             qPrintable(notifier.summary()));
    QVERIFY(channels.first()->isWaitingForNetwork());
    QCOMPARE(ChannelModel::reason(channels.first()), ChannelModel::offlineText());
    QCOMPARE(ChannelModel::headline(channels.first(), now), ChannelModel::offlineText());

    // Ten minutes offline: not one "is down".
    now = now.addSecs(600);
    notifier.review();
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);

    // Back online but the server still fails: down counts from now.
    manager.setOffline(false);
    QVERIFY(!notifier.summary().startsWith("Offline"));
    notifier.review();
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);
    now = now.addSecs(181);
    notifier.review();
    QTRY_VERIFY(!notified.isEmpty());
    QVERIFY2(titles(notified).constFirst().contains("down"),
             qPrintable(titles(notified).join('|')));
}

void tst_Notifier::aShortOutageSaysNothing()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    server.setDefaultResponse(FakeResponse::status(503));
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier.setClock([&now] { return now; });
    ChannelConfig config;
    config.name = "feed";
    config.url = server.url("/poll");
    config.timing.backoffInitial = 50ms;
    config.timing.backoffMax = 50ms;
    Channel *channel = manager.addChannel(config); // the default: down after 5 minutes
    QSignalSpy notified(&notifier, &Notifier::notify);
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    now = now.addSecs(299);
    notifier.review();
    server.enqueue("/poll", FakeResponse::seedEvents({}));
    server.setDefaultResponse(FakeResponse::hold());
    QTRY_COMPARE(channel->state(), Poller::State::Live);
    now = now.addSecs(600);
    notifier.review();
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);
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

    QTest::newRow("failures and a fixed job are counted apart")
        << QStringList{"test #2=failed"}
        << QStringList{"build #3=failed", "deploy #7=failed", "lint #1=failed", "test #2=succeeded"}
        << "3 jobs failed · 1 fixed"
        << "Failed: build #3, deploy #7, lint #1 · Fixed: test #2" << Notifier::Severity::Critical;
    QTest::newRow("fixed jobs alone are no failures")
        << QStringList{"a=failed", "b=failed", "c=failed", "d=failed"}
        << QStringList{"a=succeeded", "b=succeeded", "c=succeeded", "d=succeeded"} << "4 jobs fixed"
        << "Fixed: a, b, c, d" << Notifier::Severity::Information;
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

    // A channel whose request the server holds is connected, and said as
    // its row says it: listening, not "connecting", not "live".
    FakeHttpServer holding; // holds every request
    ChannelConfig quiet;
    quiet.name = "quiet";
    quiet.url = holding.url("/poll");
    Channel *listening = manager.addChannel(quiet);
    QTRY_COMPARE(listening->state(), Poller::State::Waiting);
    QCOMPARE(notifier.summary(), QStringLiteral("3 channels: 1 listening, 1 retrying, 1 paused"));
    QCOMPARE(ChannelModel::headline(listening, QDateTime::currentDateTimeUtc()),
             QStringLiteral("Listening · no events yet"));
    manager.removeChannel(manager.at(1));
    QCOMPARE(notifier.health(), Notifier::Health::Live);
}

void tst_Notifier::aMutedChannelIsQuietUntilItsTimeIsUp()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier.setClock([&now] { return now; });
    Channel *builds = manager.addChannel(quietChannel(true, true, true));
    ChannelConfig other = quietChannel(true, true, true);
    other.name = "docs";
    Channel *docs = manager.addChannel(other);
    QSignalSpy changed(&notifier, &Notifier::channelMuteChanged);
    QSignalSpy notified(&notifier, &Notifier::notify);

    notifier.muteChannelFor(builds->id(), 1h);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().first().toString(), builds->id());
    QVERIFY(notifier.isChannelMuted(builds->id()));
    QVERIFY(!notifier.isChannelMuted(docs->id()));
    QCOMPARE(notifier.channelMutedUntil(builds->id()), now.addSecs(3600));
    QVERIFY(notifier.isActive()); // the others are not muted

    jobs.applyBatch(builds->id(), "builds", {}, {jobEvent("deploy", "failed")});
    jobs.applyBatch(docs->id(), "docs", {}, {jobEvent("publish", "failed")});
    QVERIFY(notified.wait());
    QCOMPARE(titles(notified), QStringList{"publish failed"});

    // An hour later it speaks again, with nobody undoing the mute.
    now = now.addSecs(3600);
    QVERIFY(!notifier.isChannelMuted(builds->id()));
    QVERIFY(!notifier.channelMutedUntil(builds->id()).isValid());
    jobs.applyBatch(builds->id(), "builds", {}, {jobEvent("test", "failed")});
    QVERIFY(notified.wait());
    QCOMPARE(titles(notified), (QStringList{"publish failed", "test failed"}));

    // Unmuted by hand, at once.
    notifier.muteChannelFor(builds->id(), 1h);
    notifier.unmuteChannel(builds->id());
    QCOMPARE(changed.size(), 3);
    QVERIFY(!notifier.isChannelMuted(builds->id()));
}

void tst_Notifier::failuresInABurstAreOneNotificationThatCountsThem()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier.setClock([&now] { return now; });
    ChannelConfig config = quietChannel(true, true, true);
    config.notifications.rules.setOn(NotificationRules::Transition::JobStillFailing, true);
    Channel *channel = manager.addChannel(config);
    QSignalSpy notified(&notifier, &Notifier::notify);
    const auto failAfter = [&](int ms, const QString &job) {
        now = now.addMSecs(ms);
        jobs.applyBatch(channel->id(), "builds", {}, {jobEvent(job, "failed")});
        return notified.wait();
    };
    const auto subject = [&](int i) { return notified.at(i).at(3).value<Notifier::Subject>(); };

    QVERIFY(failAfter(0, "a"));
    QVERIFY(failAfter(1'000, "b"));
    QVERIFY(failAfter(4'000, "c")); // five seconds after the first: still the burst
    QCOMPARE(titles(notified), (QStringList{"a failed", "2 jobs failed", "3 jobs failed"}));
    QCOMPARE(notified.at(2).at(1).toString(), QStringLiteral("Failed: a, b, c"));
    QCOMPARE(notified.at(2).at(2).value<Notifier::Severity>(), Notifier::Severity::Critical);
    const int burst = subject(0).burst;
    QVERIFY(burst != 0);
    QCOMPARE(subject(1).burst, burst);
    QCOMPARE(subject(2).burst, burst);
    QCOMPARE(subject(0).channelId, channel->id());
    QCOMPARE(subject(0).job, QStringLiteral("a"));
    QCOMPARE(subject(2).channelId, channel->id());
    QCOMPARE(subject(2).job, QString()); // several jobs

    // The same job failing again (after a retry) is counted once, as
    // failed again.
    now = now.addMSecs(1'000);
    jobs.applyBatch(channel->id(), "builds", {},
                    {jobEvent("a", "running"), jobEvent("a", "failed")});
    QVERIFY(notified.wait());
    QCOMPARE(notified.last().at(0).toString(), QStringLiteral("2 jobs failed · 1 failed again"));
    QCOMPARE(notified.size(), 4);

    // Quiet for longer than the window: a new burst.
    QVERIFY(failAfter(5'001, "d"));
    QCOMPARE(notified.last().at(0).toString(), QStringLiteral("d failed"));
    QVERIFY(subject(4).burst != burst);
    QVERIFY(subject(4).burst != 0);
}

void tst_Notifier::aRecoveryStandsAloneAndTheBurstLearnsOfIt()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    notifier.setClock([now] { return now; });
    Channel *channel = manager.addChannel(quietChannel(true, true, true));
    QSignalSpy notified(&notifier, &Notifier::notify);
    for (const auto &[job, status] :
         {std::pair{"a", "failed"}, {"a", "succeeded"}, {"b", "failed"}}) {
        jobs.applyBatch(channel->id(), "builds", {}, {jobEvent(job, status)});
        QVERIFY(notified.wait());
    }
    QCOMPARE(titles(notified), (QStringList{"a failed", "a is fixed", "1 job failed · 1 fixed"}));
    QCOMPARE(notified.at(2).at(1).toString(), QStringLiteral("Failed: b · Fixed: a"));
    const auto subject = [&](int i) { return notified.at(i).at(3).value<Notifier::Subject>(); };
    QCOMPARE(subject(1).burst, 0);
    QCOMPARE(subject(1).job, QStringLiteral("a"));
    QCOMPARE(subject(2).burst, subject(0).burst);
}

void tst_Notifier::aBurstOnSeveralChannelsNamesNoChannel()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *builds = manager.addChannel(quietChannel(true, true, true));
    ChannelConfig other = quietChannel(true, true, true);
    other.name = "docs";
    Channel *docs = manager.addChannel(other);
    QSignalSpy notified(&notifier, &Notifier::notify);
    jobs.applyBatch(builds->id(), "builds", {}, {jobEvent("deploy", "failed")});
    jobs.applyBatch(docs->id(), "docs", {}, {jobEvent("deploy", "failed")});
    QVERIFY(notified.wait());
    // Two channels' "deploy": two jobs.
    QCOMPARE(titles(notified), QStringList{"2 jobs failed"});
    const auto subject = notified.first().at(3).value<Notifier::Subject>();
    QCOMPARE(subject.channelId, QString());
    QCOMPARE(subject.job, QString());
    QVERIFY(subject.burst != 0);
}

QTEST_MAIN(tst_Notifier)
#include "tst_notifier.moc"
