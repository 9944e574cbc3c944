#include "channelconfig.h"
#include "notificationrules.h"

#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;
using T = NotificationRules::Transition;

class tst_NotificationRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theDefaultsAreQuietButCatchFailures();
    void aJobsChangesAreTheirTransitions_data();
    void aJobsChangesAreTheirTransitions();
    void jobsAreToldApartByKey();
    void rulesSurviveTheirMap();
    void olderFlagsAreReadAsRules_data();
    void olderFlagsAreReadAsRules();
    void aChannelIsDownOnlyAfterItsMinutes();
    void aChannelIsBackOnlyAfterItWasAnnouncedDown();
    void pausingEndsAnOutageWithoutBack();
    void quietHours_data();
    void quietHours();
    void quietHoursSurviveTheirMap();
};

void tst_NotificationRules::theDefaultsAreQuietButCatchFailures()
{
    const NotificationRules rules = NotificationRules::defaults();
    QVERIFY(rules.isOn(T::JobFailed));
    QVERIFY(rules.isOn(T::JobFixed));
    QVERIFY(rules.isOn(T::ChannelDown));
    QVERIFY(rules.isOn(T::ChannelBack));
    QVERIFY(!rules.isOn(T::JobStillFailing));
    QVERIFY(!rules.isOn(T::JobStarted));
    QVERIFY(!rules.isOn(T::JobFinished));
    QCOMPARE(rules.downMinutes(), 5);
    QVERIFY(rules.breaksThrough(T::JobFailed));
    QVERIFY(!rules.breaksThrough(T::ChannelDown));
    const ChannelConfig config;
    QVERIFY(config.notifications.followDefaults);
}

void tst_NotificationRules::aJobsChangesAreTheirTransitions_data()
{
    QTest::addColumn<QList<JobStatus>>("statuses"); // from Unknown, one change each
    QTest::addColumn<QStringList>("expected");      // key() of each, "-" for none

    using S = JobStatus;
    QTest::newRow("a job that fails has failed")
        << QList<S>{S::Running, S::Failed} << QStringList{"started", "failed"};
    QTest::newRow("a failed job that runs and succeeds is fixed")
        << QList<S>{S::Failed, S::Queued, S::Running, S::Succeeded}
        << QStringList{"failed", "-", "started", "fixed"};
    QTest::newRow("a failed job that runs and fails again is still failing")
        << QList<S>{S::Failed, S::Running, S::Failed, S::Running, S::Failed}
        << QStringList{"failed", "started", "stillFailing", "started", "stillFailing"};
    QTest::newRow("a job that succeeds has finished")
        << QList<S>{S::Queued, S::Running, S::Succeeded} << QStringList{"-", "started", "finished"};
    QTest::newRow("a fixed job that fails has failed, not failed again")
        << QList<S>{S::Failed, S::Succeeded, S::Failed} << QStringList{"failed", "fixed", "failed"};
    QTest::newRow("a cancel neither fixes nor breaks")
        << QList<S>{S::Failed, S::Cancelled, S::Succeeded}
        << QStringList{"failed", "finished", "fixed"};
}

void tst_NotificationRules::aJobsChangesAreTheirTransitions()
{
    QFETCH(QList<JobStatus>, statuses);
    QFETCH(QStringList, expected);
    JobTransitions transitions;
    JobStatus previous = JobStatus::Unknown;
    QStringList got;
    for (const JobStatus status : statuses) {
        const auto t = transitions.classify("builds\ndeploy", previous, status);
        got << (t ? NotificationRules::key(*t) : QStringLiteral("-"));
        previous = status;
    }
    QCOMPARE(got, expected);
}

void tst_NotificationRules::jobsAreToldApartByKey()
{
    JobTransitions transitions;
    QCOMPARE(transitions.classify("a\njob", JobStatus::Running, JobStatus::Failed), T::JobFailed);
    // The board knew the other job had failed before: it is fixed.
    QCOMPARE(transitions.classify("b\njob", JobStatus::Failed, JobStatus::Succeeded), T::JobFixed);
    QCOMPARE(transitions.classify("a\njob", JobStatus::Running, JobStatus::Failed),
             T::JobStillFailing);
    transitions.forget("a\n");
    QCOMPARE(transitions.classify("a\njob", JobStatus::Running, JobStatus::Failed), T::JobFailed);
}

void tst_NotificationRules::rulesSurviveTheirMap()
{
    NotificationRules rules;
    rules.setOn(T::JobStarted, true);
    rules.setOn(T::ChannelBack, true);
    rules.setBreaksThrough(T::ChannelDown, true);
    rules.setDownMinutes(12);
    QCOMPARE(NotificationRules::fromVariantMap(rules.toVariantMap()), rules);
    QCOMPARE(rules.toVariantMap().value("notifyOn").toStringList(),
             (QStringList{"started", "back"}));

    ChannelConfig config;
    config.name = "x";
    config.notifications.followDefaults = false;
    config.notifications.rules = rules;
    const ChannelConfig read = ChannelConfig::fromVariantMap(config.toVariantMap());
    QCOMPARE(read.notifications, config.notifications);
    // Unknown words are skipped, a number out of range is held to it.
    const NotificationRules odd = NotificationRules::fromVariantMap(
        {{"notifyOn", QStringList{"failed", "exploded"}}, {"notifyDownMinutes", 99999}});
    QVERIFY(odd.isOn(T::JobFailed));
    QVERIFY(!odd.isOn(T::JobFixed));
    QCOMPARE(odd.downMinutes(), NotificationRules::kMaxDownMinutes);
}

void tst_NotificationRules::olderFlagsAreReadAsRules_data()
{
    QTest::addColumn<QVariantMap>("map");
    QTest::addColumn<bool>("follows");
    QTest::addColumn<QStringList>("on");

    QTest::newRow("no flags: the defaults")
        << QVariantMap{} << true << QStringList{"failed", "fixed", "down", "back"};
    QTest::newRow("the old defaults: the defaults")
        << QVariantMap{{"notifyJobFailed", true},
                       {"notifyJobRecovered", true},
                       {"notifyJobFinished", false}}
        << true << QStringList{"failed", "fixed", "down", "back"};
    QTest::newRow("finishes asked for: own rules")
        << QVariantMap{{"notifyJobFailed", true},
                       {"notifyJobRecovered", false},
                       {"notifyJobFinished", true}}
        << false << QStringList{"failed", "finished", "down", "back"};
}

void tst_NotificationRules::olderFlagsAreReadAsRules()
{
    QFETCH(QVariantMap, map);
    QFETCH(bool, follows);
    QFETCH(QStringList, on);
    const ChannelNotifications n = ChannelNotifications::fromVariantMap(map);
    QCOMPARE(n.followDefaults, follows);
    QCOMPARE(n.rules.toVariantMap().value("notifyOn").toStringList(), on);
}

void tst_NotificationRules::aChannelIsDownOnlyAfterItsMinutes()
{
    ChannelOutages outages;
    const QDateTime t0 = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);
    const auto threshold = [](const QString &id) { return id == "slow" ? 10min : 5min; };
    QVERIFY(!outages.update("a", Poller::State::Backoff, t0));
    QVERIFY(!outages.update("slow", Poller::State::Failed, t0));
    // A retry going out does not end the outage, nor restart its time.
    QVERIFY(!outages.update("a", Poller::State::Connecting, t0.addSecs(60)));
    QVERIFY(!outages.update("a", Poller::State::Backoff, t0.addSecs(61)));
    QCOMPARE(outages.nextDue(threshold), t0.addSecs(300));
    QCOMPARE(outages.takeDue(t0.addSecs(299), threshold), QStringList{});
    QCOMPARE(outages.takeDue(t0.addSecs(300), threshold), QStringList{"a"});
    QCOMPARE(outages.takeDue(t0.addSecs(400), threshold), QStringList{}); // once
    QCOMPARE(outages.nextDue(threshold), t0.addSecs(600));
    QCOMPARE(outages.takeDue(t0.addSecs(600), threshold), QStringList{"slow"});
}

void tst_NotificationRules::aChannelIsBackOnlyAfterItWasAnnouncedDown()
{
    ChannelOutages outages;
    const QDateTime t0 = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);
    const auto threshold = [](const QString &) { return 5min; };
    outages.update("blip", Poller::State::Backoff, t0);
    QVERIFY(!outages.update("blip", Poller::State::Waiting, t0.addSecs(20))); // not yet up
    QVERIFY(outages.downSince("blip").isValid());
    QVERIFY(!outages.update("blip", Poller::State::Live, t0.addSecs(30))); // never announced
    outages.update("long", Poller::State::Backoff, t0);
    outages.takeDue(t0.addSecs(360), threshold);
    QVERIFY(outages.update("long", Poller::State::Live, t0.addSecs(400)));
    QVERIFY(!outages.downSince("long").isValid());
}

void tst_NotificationRules::pausingEndsAnOutageWithoutBack()
{
    ChannelOutages outages;
    const QDateTime t0 = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);
    outages.update("a", Poller::State::Failed, t0);
    outages.takeDue(t0.addSecs(600), [](const QString &) { return 5min; });
    QVERIFY(!outages.update("a", Poller::State::Stopped, t0.addSecs(700)));
    QVERIFY(!outages.update("a", Poller::State::Live, t0.addSecs(800)));
}

void tst_NotificationRules::quietHours_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<int>("days");
    QTest::addColumn<QString>("at");    // local, a Monday to a Sunday: 2026-12-07 is a Monday
    QTest::addColumn<QString>("until"); // empty: not quiet

    const int every = 0x7f;
    const int monday = 1;
    QTest::newRow("within an evening stretch") << "22:00"
                                               << "08:00" << every << "2026-12-07 23:30"
                                               << "2026-12-08 08:00";
    QTest::newRow("past midnight, in the stretch begun the day before")
        << "22:00"
        << "08:00" << every << "2026-12-08 03:00"
        << "2026-12-08 08:00";
    QTest::newRow("after the end") << "22:00"
                                   << "08:00" << every << "2026-12-08 08:00"
                                   << "";
    QTest::newRow("before the start") << "22:00"
                                      << "08:00" << every << "2026-12-07 21:59"
                                      << "";
    QTest::newRow("a stretch begun on Monday runs into Tuesday")
        << "22:00"
        << "08:00" << monday << "2026-12-08 07:00"
        << "2026-12-08 08:00";
    QTest::newRow("but Tuesday's own does not start") << "22:00"
                                                      << "08:00" << monday << "2026-12-08 23:00"
                                                      << "";
    QTest::newRow("a daytime stretch") << "12:00"
                                       << "13:00" << every << "2026-12-09 12:30"
                                       << "2026-12-09 13:00";
    QTest::newRow("equal times: the whole day") << "00:00"
                                                << "00:00" << monday << "2026-12-07 15:00"
                                                << "2026-12-08 00:00";
}

void tst_NotificationRules::quietHours()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(int, days);
    QFETCH(QString, at);
    QFETCH(QString, until);
    QuietHours quiet;
    quiet.enabled = true;
    quiet.days = quint8(days);
    quiet.from = QTime::fromString(from, "HH:mm");
    quiet.to = QTime::fromString(to, "HH:mm");
    const QDateTime time = QDateTime::fromString(at, "yyyy-MM-dd HH:mm");
    const QDateTime expected =
        until.isEmpty() ? QDateTime() : QDateTime::fromString(until, "yyyy-MM-dd HH:mm");
    QCOMPARE(quiet.quietUntil(time), expected);
    QCOMPARE(quiet.quietUntil(time.toUTC()), expected); // the same moment in another zone
    quiet.enabled = false;
    QVERIFY(!quiet.isQuiet(time));
}

void tst_NotificationRules::quietHoursSurviveTheirMap()
{
    QuietHours quiet;
    quiet.enabled = true;
    quiet.setDay(Qt::Saturday, false);
    quiet.from = QTime(23, 15);
    quiet.to = QTime(6, 45);
    QCOMPARE(QuietHours::fromVariantMap(quiet.toVariantMap()), quiet);
    QVERIFY(!quiet.hasDay(Qt::Saturday));
    QVERIFY(quiet.hasDay(Qt::Sunday));
    QCOMPARE(quiet.nextStart(QDateTime(QDate(2026, 12, 12), QTime(12, 0))), // a Saturday
             QDateTime(QDate(2026, 12, 13), QTime(23, 15)));
}

QTEST_GUILESS_MAIN(tst_NotificationRules)
#include "tst_notificationrules.moc"
