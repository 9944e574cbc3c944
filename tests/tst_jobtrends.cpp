// Job runs in the event log (EventLog::jobRuns()) and the trends computed
// from them (jobtrends.h): durations, failure rates, run-number stripping,
// gaps, jobs that never finished.

#include "eventlog.h"
#include "jobtrends.h"
#include "trendsloader.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000; // ms, 2023-11-14
constexpr qint64 kMinute = 60'000;        // ms

int s_id = 0;

/// An event about `job` at kT0 + `atMs`, as the feed stamped it.
Event jobEvent(const QString &job, const QString &status, qint64 atMs)
{
    Event event;
    event.key = QString::number(++s_id);
    event.type = QStringLiteral("job");
    event.text = job + QLatin1Char(' ') + status;
    event.time = QDateTime::fromMSecsSinceEpoch(kT0 + atMs, Qt::UTC);
    event.receivedUsecs = (kT0 + atMs) * 1000 + 500;
    event.raw = QJsonDocument(QJsonObject{{QStringLiteral("id"), s_id},
                                          {QStringLiteral("job"), job},
                                          {QStringLiteral("status"), status}})
                    .toJson(QJsonDocument::Compact);
    return event;
}

/// A run of `job` that starts at `startMin` and ends as `status` after
/// `minutes` minutes.
EventList run(const QString &job, qint64 startMin, qint64 minutes, const QString &status)
{
    return {jobEvent(job, QStringLiteral("queued"), (startMin - 1) * kMinute),
            jobEvent(job, QStringLiteral("running"), startMin * kMinute),
            jobEvent(job, status, (startMin + minutes) * kMinute)};
}

qint64 minutes(qint64 count)
{
    return count * kMinute * 1000;
}

} // namespace

class tst_JobTrends : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_log = std::make_unique<EventLog>();
        QVERIFY2(m_log->open(m_dir->filePath(QStringLiteral("events.sqlite"))),
                 qPrintable(m_log->errorString()));
    }
    void cleanup()
    {
        m_log.reset();
        m_dir.reset();
    }

    void aSeriesIsTheJobWithoutItsRunNumber_data()
    {
        QTest::addColumn<QString>("job");
        QTest::addColumn<QString>("series");
        QTest::newRow("hash") << "build-linux #205"
                              << "build-linux";
        QTest::newRow("hash, no space") << "build-linux#205"
                                        << "build-linux";
        QTest::newRow("dash") << "build-linux-205"
                              << "build-linux";
        QTest::newRow("underscore") << "nightly_42"
                                    << "nightly";
        QTest::newRow("space") << "deploy production 7"
                               << "deploy production";
        QTest::newRow("part of the name") << "python3"
                                          << "python3";
        QTest::newRow("version") << "release-1.2.3"
                                 << "release-1.2.3";
        QTest::newRow("date") << "deploy 2026-12-07"
                              << "deploy 2026-12-07";
        QTest::newRow("only a number") << "#12"
                                       << "#12";
        QTest::newRow("no number") << "lint"
                                   << "lint";
    }
    void aSeriesIsTheJobWithoutItsRunNumber()
    {
        QFETCH(QString, job);
        QFETCH(QString, series);
        QCOMPARE(jobSeriesName(job), series);
    }

    void theLogRecordsEachRunWithItsStartEndAndStatus()
    {
        EventList events = run(QStringLiteral("build #1"), 10, 7, QStringLiteral("success"));
        events += run(QStringLiteral("build #2"), 30, 9, QStringLiteral("failed"));
        events << jobEvent(QStringLiteral("build #3"), QStringLiteral("running"), 50 * kMinute);
        QVERIFY(m_log->append(QStringLiteral("ci"), events, QStringLiteral("c"), JobMapping()));

        const QList<JobRun> runs = m_log->jobRuns();
        QCOMPARE(runs.size(), 3);
        QCOMPARE(runs.at(0).channel, QStringLiteral("ci"));
        QCOMPARE(runs.at(0).job, QStringLiteral("build #1"));
        QCOMPARE(runs.at(0).series, QStringLiteral("build"));
        QCOMPARE(runs.at(0).status, JobStatus::Succeeded);
        QCOMPARE(runs.at(0).firstUsecs, (kT0 + 9 * kMinute) * 1000); // queued
        QCOMPARE(runs.at(0).startedUsecs, (kT0 + 10 * kMinute) * 1000);
        QCOMPARE(runs.at(0).durationUsecs(), minutes(7));
        QCOMPARE(runs.at(1).status, JobStatus::Failed);
        QCOMPARE(runs.at(1).durationUsecs(), minutes(9));
        // Still running: no end, no duration.
        QCOMPARE(runs.at(2).status, JobStatus::Running);
        QVERIFY(!runs.at(2).finishedUsecs);
        QVERIFY(!runs.at(2).durationUsecs());
    }

    void aRunFollowsItsEventsAcrossBatchesAndRetries()
    {
        const QString job = QStringLiteral("deploy #4");
        QVERIFY(m_log->append(QStringLiteral("ci"), {jobEvent(job, QStringLiteral("running"), 0)},
                              QStringLiteral("1"), JobMapping()));
        const Event failed = jobEvent(job, QStringLiteral("failed"), 5 * kMinute);
        QVERIFY(m_log->append(QStringLiteral("ci"), {failed}, QStringLiteral("2"), JobMapping()));
        // The same event again (a resync): stored once, the run unchanged.
        QVERIFY(m_log->append(QStringLiteral("ci"), {failed}, QStringLiteral("2"), JobMapping()));
        QCOMPARE(m_log->jobRuns().constFirst().durationUsecs(), minutes(5));
        // Retried: running again, so not finished until it ends again.
        QVERIFY(m_log->append(QStringLiteral("ci"),
                              {jobEvent(job, QStringLiteral("running"), 6 * kMinute)},
                              QStringLiteral("3"), JobMapping()));
        QVERIFY(!m_log->jobRuns().constFirst().finishedUsecs);
        QVERIFY(m_log->append(QStringLiteral("ci"),
                              {jobEvent(job, QStringLiteral("succeeded"), 8 * kMinute)},
                              QStringLiteral("4"), JobMapping()));
        const JobRun again = m_log->jobRuns().constFirst();
        QCOMPARE(again.status, JobStatus::Succeeded);
        QCOMPARE(again.durationUsecs(), minutes(8)); // from its first start
    }

    void aRunFollowsTheJobBoardsRules()
    {
        // As JobModel: an event without a status keeps the last one, a job
        // starts with its first status past queued, a repeated final status
        // keeps its time.
        const QString job = QStringLiteral("lint #9");
        Event note = jobEvent(job, QStringLiteral("x"), 9 * kMinute);
        note.raw = QByteArrayLiteral(R"({"job":"lint #9","message":"log line"})");
        QVERIFY(m_log->append(QStringLiteral("ci"),
                              {jobEvent(job, QStringLiteral("queued"), 0),
                               jobEvent(job, QStringLiteral("success"), 3 * kMinute),
                               jobEvent(job, QStringLiteral("success"), 5 * kMinute), note},
                              QStringLiteral("1"), JobMapping()));
        const JobRun run = m_log->jobRuns().constFirst();
        QCOMPARE(run.status, JobStatus::Succeeded);
        QCOMPARE(run.startedUsecs, (kT0 + 3 * kMinute) * 1000);
        QCOMPARE(run.finishedUsecs, (kT0 + 3 * kMinute) * 1000);
        QCOMPARE(run.lastUsecs, (kT0 + 9 * kMinute) * 1000);
        QCOMPARE(run.durationUsecs(), 0);
    }

    void onlyBatchesWithAMappingRecordRuns()
    {
        QVERIFY(m_log->append(QStringLiteral("plain"),
                              run(QStringLiteral("a #1"), 1, 1, QStringLiteral("success")),
                              QStringLiteral("1")));
        QVERIFY(m_log->jobRuns().isEmpty());
        JobMapping mapping;
        mapping.jobPaths = {QStringLiteral("pipeline")};
        Event event = jobEvent(QStringLiteral("x"), QStringLiteral("failed"), 0);
        event.raw = QByteArrayLiteral(R"({"pipeline":"nightly #3","status":"failed"})");
        QVERIFY(m_log->append(QStringLiteral("mapped"), {event}, QStringLiteral("1"), mapping));
        const QList<JobRun> runs = m_log->jobRuns({QStringLiteral("mapped")});
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.constFirst().series, QStringLiteral("nightly"));
        QVERIFY(m_log->jobRuns({QStringLiteral("unknown")}).isEmpty());
    }

    void aRemovedChannelTakesItsRunsAlong()
    {
        QVERIFY(m_log->append(QStringLiteral("gone"),
                              run(QStringLiteral("a #1"), 1, 1, QStringLiteral("success")),
                              QStringLiteral("1"), JobMapping()));
        QVERIFY(m_log->append(QStringLiteral("kept"),
                              run(QStringLiteral("b #1"), 1, 1, QStringLiteral("success")),
                              QStringLiteral("1"), JobMapping()));
        QVERIFY(m_log->removeChannel(QStringLiteral("gone")));
        const QList<JobRun> runs = m_log->jobRuns();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.constFirst().channel, QStringLiteral("kept"));
    }

    void anOlderLogLearnsRunsFromNowOn()
    {
        const QString path = m_dir->filePath(QStringLiteral("old.sqlite"));
        {
            EventLog old;
            QList<EventLog::Migration> upToTwo = EventLog::builtinMigrations();
            upToTwo.removeIf([](const EventLog::Migration &m) { return m.version > 2; });
            old.setMigrations(upToTwo);
            QVERIFY(old.open(path));
            QVERIFY(old.append(QStringLiteral("ci"),
                               run(QStringLiteral("a #1"), 1, 1, QStringLiteral("success")),
                               QStringLiteral("1"), JobMapping()));
            QVERIFY(old.jobRuns().isEmpty()); // no table to keep them in
        }
        EventLog log;
        QVERIFY2(log.open(path), qPrintable(log.errorString()));
        QCOMPARE(log.schemaVersion(), EventLog::builtinMigrations().constLast().version);
        QVERIFY(log.jobRuns().isEmpty());
        QVERIFY(log.append(QStringLiteral("ci"),
                           run(QStringLiteral("a #2"), 5, 2, QStringLiteral("failed")),
                           QStringLiteral("2"), JobMapping()));
        QCOMPARE(log.jobRuns().size(), 1);
    }

    void trendsGiveDurationsAndFailureRatesPerSeries()
    {
        EventList events;
        // build: 10 runs of 1..10 minutes, #3 and #7 failed, #11 still running,
        // #12 cancelled. Gaps in the numbering do not matter.
        for (int n = 1; n <= 10; ++n) {
            events += run(QStringLiteral("build #%1").arg(n * 2), n * 100, n,
                          n == 3 || n == 7 ? QStringLiteral("failed") : QStringLiteral("ok"));
        }
        events << jobEvent(QStringLiteral("build #30"), QStringLiteral("running"), 2000 * kMinute);
        events += run(QStringLiteral("build #31"), 2100, 1, QStringLiteral("cancelled"));
        // lint: one run, older.
        events += run(QStringLiteral("lint-1"), 50, 2, QStringLiteral("success"));
        QVERIFY(m_log->append(QStringLiteral("ci"), events, QStringLiteral("c"), JobMapping()));

        const QList<JobSeriesTrend> trends = jobSeriesTrends(m_log->jobRuns());
        QCOMPARE(trends.size(), 2);
        const JobSeriesTrend &build = trends.at(0); // its newest run is the newest
        QCOMPARE(build.series, QStringLiteral("build"));
        QCOMPARE(build.runs.size(), 12);
        QCOMPARE(build.succeeded, 8);
        QCOMPARE(build.failed, 2);
        QCOMPARE(build.failureRate(), 0.2);
        // Durations 1..10 min: median (nearest rank) 5, 90th percentile 9.
        QCOMPARE(build.medianUsecs, minutes(5));
        QCOMPARE(build.p90Usecs, minutes(9));
        QCOMPARE(trends.at(1).series, QStringLiteral("lint"));
        QCOMPARE(trends.at(1).medianUsecs, minutes(2));

        // The last 3 runs: #20 (10 min, ok), #30 (running), #31 (cancelled).
        const JobSeriesTrend last = jobSeriesTrends(m_log->jobRuns(), 3).constFirst();
        QCOMPARE(last.runs.size(), 3);
        QCOMPARE(last.succeeded, 1);
        QCOMPARE(last.failed, 0);
        QCOMPARE(last.medianUsecs, minutes(10));
    }

    void aSeriesWithoutEndedRunsHasNoDuration()
    {
        QVERIFY(m_log->append(QStringLiteral("ci"),
                              {jobEvent(QStringLiteral("soak #1"), QStringLiteral("running"), 0)},
                              QStringLiteral("1"), JobMapping()));
        const JobSeriesTrend soak = jobSeriesTrends(m_log->jobRuns()).constFirst();
        QVERIFY(!soak.medianUsecs);
        QVERIFY(!soak.p90Usecs);
        QCOMPARE(soak.failureRate(), 0.0);
    }

    void failureRateOverTimeLeavesGapsEmpty()
    {
        EventList events;
        events += run(QStringLiteral("b #1"), 10, 5, QStringLiteral("success"));  // ends 15
        events += run(QStringLiteral("b #2"), 20, 5, QStringLiteral("failed"));   // ends 25
        events += run(QStringLiteral("b #3"), 200, 5, QStringLiteral("failed"));  // ends 205
        events += run(QStringLiteral("b #4"), 900, 5, QStringLiteral("success")); // past the end
        QVERIFY(m_log->append(QStringLiteral("ci"), events, QStringLiteral("c"), JobMapping()));
        const QList<FailureRatePoint> points =
            failureRateOverTime(m_log->jobRuns(), kT0 * 1000, minutes(60), 4);
        QCOMPARE(points.size(), 4);
        QCOMPARE(points.at(0).succeeded, 1);
        QCOMPARE(points.at(0).failed, 1);
        QCOMPARE(points.at(1).succeeded + points.at(1).failed, 0); // a gap
        QCOMPARE(points.at(3).failed, 1);
        QCOMPARE(points.at(3).startUsecs, kT0 * 1000 + minutes(180));
    }

    void aChannelsPatternNamesItsSeries_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("job");
        QTest::addColumn<QString>("series");
        QTest::newRow("no pattern: the default") << ""
                                                 << "build-linux #205"
                                                 << "build-linux";
        QTest::newRow("first capture") << "^(.+?)-\\d+-[a-z]+$"
                                       << "deploy-17-eu"
                                       << "deploy";
        QTest::newRow("searched, not anchored") << "job:(\\w+)"
                                                << "ci job:lint 4"
                                                << "lint";
        QTest::newRow("no match: the default") << "^(x+)$"
                                               << "nightly_42"
                                               << "nightly";
        QTest::newRow("empty capture: the default") << "^(a*)b"
                                                    << "b-12"
                                                    << "b";
        QTest::newRow("unusable: the default") << "("
                                               << "build #3"
                                               << "build";
    }
    void aChannelsPatternNamesItsSeries()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, job);
        QFETCH(QString, series);
        QCOMPARE(JobSeriesRule(pattern).seriesOf(job), series);
    }

    void aPatternWithoutAGroupIsAProblem()
    {
        QVERIFY(JobSeriesRule::problem(QString()).isEmpty());
        QVERIFY(JobSeriesRule::problem(QStringLiteral("^(.+)-\\d+$")).isEmpty());
        QVERIFY(JobSeriesRule::problem(QStringLiteral("^.+-\\d+$"))
                    .contains(QStringLiteral("group in parentheses")));
        QVERIFY(JobSeriesRule::problem(QStringLiteral("("))
                    .contains(QStringLiteral("not a regular expression")));
        ChannelConfig config;
        config.jobSeriesPattern = QStringLiteral("[");
        const QList<ChannelConfig::Problem> problems = config.problems();
        QVERIFY(std::any_of(problems.cbegin(), problems.cend(),
                            [](const ChannelConfig::Problem &problem) {
                                return problem.field == ChannelConfig::Field::JobSeries;
                            }));
        config.jobSeriesPattern = QStringLiteral("^(.+)/\\d+$");
        const ChannelConfig again = ChannelConfig::fromVariantMap(config.toVariantMap());
        QCOMPARE(again.jobSeriesPattern, config.jobSeriesPattern);
        QCOMPARE(again.jobSeriesRule().seriesOf(QStringLiteral("deploy/prod/12")),
                 QStringLiteral("deploy/prod"));
    }

    void theNewestRunsOfOneSeriesAreAnIndexRange()
    {
        EventList events;
        for (int n = 1; n <= 6; ++n)
            events += run(QStringLiteral("build #%1").arg(n), n * 10, n, QStringLiteral("ok"));
        events += run(QStringLiteral("lint #1"), 5, 1, QStringLiteral("ok"));
        QVERIFY(m_log->append(QStringLiteral("ci"), events, QStringLiteral("c"), JobMapping()));
        QVERIFY(m_log->append(QStringLiteral("cd"),
                              run(QStringLiteral("deploy #1"), 1, 1, QStringLiteral("ok")),
                              QStringLiteral("c"), JobMapping()));

        const QList<JobSeriesKey> keys = m_log->jobSeries();
        QCOMPARE(keys.size(), 3);
        QCOMPARE(keys.at(0), (JobSeriesKey{QStringLiteral("cd"), QStringLiteral("deploy")}));
        QCOMPARE(keys.at(1), (JobSeriesKey{QStringLiteral("ci"), QStringLiteral("build")}));
        QCOMPARE(keys.at(2), (JobSeriesKey{QStringLiteral("ci"), QStringLiteral("lint")}));
        QCOMPARE(m_log->jobSeries({QStringLiteral("cd")}).size(), 1);
        QVERIFY(m_log->jobSeries({QStringLiteral("nothing")}).isEmpty());
        QCOMPARE(m_log->error(), EventLog::Error::NoError);

        JobRunQuery query;
        query.channels = {QStringLiteral("ci")};
        query.series = QStringLiteral("build");
        query.newest = 3;
        const QList<JobRun> runs = m_log->jobRuns(query);
        QCOMPARE(runs.size(), 3);
        QCOMPARE(runs.at(0).job, QStringLiteral("build #4")); // oldest first
        QCOMPARE(runs.at(2).job, QStringLiteral("build #6"));
        const QString plan = explainRuns();
        QVERIFY2(plan.contains(QStringLiteral("job_runs_series")), qPrintable(plan));
    }

    void theUsualDurationIsTheMedianOfEarlierRuns()
    {
        EventList events;
        // build #1..#5 take 2, 4, 6, 8, 10 minutes; #6 is running.
        for (int n = 1; n <= 5; ++n)
            events += run(QStringLiteral("build #%1").arg(n), n * 100, n * 2, QStringLiteral("ok"));
        events << jobEvent(QStringLiteral("build #6"), QStringLiteral("running"), 900 * kMinute);
        QVERIFY(m_log->append(QStringLiteral("ci"), events, QStringLiteral("c"), JobMapping()));
        const QList<JobSeriesTrend> trends = jobSeriesTrends(m_log->jobRuns());
        const QList<JobRun> &runs = trends.constFirst().runs;
        QCOMPARE(usualDurationUsecs(runs, QStringLiteral("build #6")), minutes(6));
        QCOMPARE(usualDurationUsecs(runs, QStringLiteral("build #3")), minutes(2)); // #1, #2
        QVERIFY(!usualDurationUsecs(runs, QStringLiteral("build #1")));             // none before
        QCOMPARE(usualDurationUsecs(runs, QStringLiteral("build #6"), 2), minutes(8));
        QCOMPARE(usualDurationUsecs(runs, QStringLiteral("build #99")), minutes(6));

        const JobSeriesHistory history(trends, {});
        QCOMPARE(history.usualDurationUsecs(QStringLiteral("ci"), QStringLiteral("build #6")),
                 minutes(6));
        QVERIFY(!history.usualDurationUsecs(QStringLiteral("ci"), QStringLiteral("lint #6")));
        QVERIFY(!history.usualDurationUsecs(QStringLiteral("other"), QStringLiteral("build #6")));
    }

    void theLoaderRegroupsAChannelByItsPattern()
    {
        EventList events;
        events += run(QStringLiteral("deploy-1-eu"), 10, 2, QStringLiteral("ok"));
        events += run(QStringLiteral("deploy-2-us"), 20, 4, QStringLiteral("failed"));
        events += run(QStringLiteral("deploy-3-eu"), 30, 6, QStringLiteral("ok"));
        QVERIFY(m_log->append(QStringLiteral("cd"), events, QStringLiteral("c"), JobMapping()));
        QVERIFY(m_log->append(QStringLiteral("ci"),
                              run(QStringLiteral("build-4-eu"), 5, 1, QStringLiteral("ok")),
                              QStringLiteral("c"), JobMapping()));

        TrendsQuery query;
        TrendsResult plain = TrendsLoader::load(m_log.get(), query);
        QVERIFY(plain.ok);
        QCOMPARE(plain.series.size(), 4); // "deploy-1-eu" has no run number at its end

        query.seriesPatterns.insert(QStringLiteral("cd"), QStringLiteral("^(\\w+)-\\d+"));
        const TrendsResult grouped = TrendsLoader::load(m_log.get(), query);
        QVERIFY(grouped.ok);
        QCOMPARE(grouped.series.size(), 2);
        const JobSeriesTrend &deploy = grouped.series.at(0);
        QCOMPARE(deploy.channel, QStringLiteral("cd"));
        QCOMPARE(deploy.series, QStringLiteral("deploy"));
        QCOMPARE(deploy.runs.size(), 3);
        QCOMPARE(deploy.failed, 1);
        QCOMPARE(deploy.medianUsecs, minutes(4));
        QCOMPARE(grouped.series.at(1).series, QStringLiteral("build-4-eu")); // its own rule

        query.lastRuns = 0;
        query.days = 1;
        query.nowUsecs = (kT0 + 25 * kMinute) * 1000 + minutes(60 * 24);
        const TrendsResult lastDay = TrendsLoader::load(m_log.get(), query);
        QCOMPARE(lastDay.series.size(), 1); // only deploy-3-eu began within the day
        QCOMPARE(lastDay.series.constFirst().runs.size(), 1);
    }

    void theLoaderReadsInItsOwnThread()
    {
        QVERIFY(m_log->append(QStringLiteral("ci"),
                              run(QStringLiteral("build #1"), 10, 3, QStringLiteral("ok")),
                              QStringLiteral("c"), JobMapping()));
        TrendsLoader loader(m_log->path());
        QSignalSpy loaded(&loader, &TrendsLoader::loaded);
        loader.request({});
        const quint64 last = loader.request({}); // folded into one read, or read after it
        QTRY_VERIFY(!loader.isBusy());
        QVERIFY(!loaded.isEmpty());
        const auto result = loaded.constLast().at(0).value<TrendsResult>();
        QCOMPARE(result.request, last);
        QVERIFY(result.ok);
        QCOMPARE(result.series.size(), 1);
        QCOMPARE(result.series.constFirst().medianUsecs, minutes(3));
    }

    void theLoaderSaysWhyADamagedLogCannotBeRead()
    {
        const QString damaged = m_dir->filePath(QStringLiteral("damaged.sqlite"));
        QFile file(damaged);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(8192, 'x'));
        file.close();
        TrendsLoader loader(damaged);
        QSignalSpy loaded(&loader, &TrendsLoader::loaded);
        loader.request({});
        QVERIFY(loaded.wait());
        const auto result = loaded.constFirst().at(0).value<TrendsResult>();
        QVERIFY(!result.ok);
        QVERIFY2(result.errorString.contains(QStringLiteral("damaged")),
                 qPrintable(result.errorString));
        QCOMPARE(QFile(damaged).size(), 8192); // untouched

        TrendsLoader missing(m_dir->filePath(QStringLiteral("none.sqlite")));
        QSignalSpy none(&missing, &TrendsLoader::loaded);
        missing.request({});
        QVERIFY(none.wait());
        QVERIFY(none.constFirst().at(0).value<TrendsResult>().ok);
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("none.sqlite"))));
    }

    void percentilesByNearestRank()
    {
        QVERIFY(!percentile({}, 0.5));
        QCOMPARE(percentile({7}, 0.9), 7);
        QCOMPARE(percentile({4, 1, 3, 2}, 0.5), 2);
        QCOMPARE(percentile({4, 1, 3, 2}, 1.0), 4);
        QCOMPARE(percentile({4, 1, 3, 2}, 0.0), 1);
    }

private:
    QString explainRuns()
    {
        QSqlQuery query(m_log->database());
        query.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT job FROM job_runs WHERE channel_id"
                                  " = 1 AND series = 'build' ORDER BY first_usecs DESC LIMIT 3"));
        QStringList plan;
        while (query.next())
            plan << query.value(3).toString();
        return plan.join(QLatin1Char('\n'));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_log;
};

QTEST_GUILESS_MAIN(tst_JobTrends)
#include "tst_jobtrends.moc"
