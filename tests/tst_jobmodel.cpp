#include "eventfiltermodel.h"
#include "eventmodel.h"
#include "jobfiltermodel.h"
#include "jobmodel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

using namespace Longwatch;

namespace {

const QDateTime kStart(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

/// One job event at `second` seconds after kStart.
Event jobEvent(const QString &job, const QString &status, int progress = -1, int second = 0,
               const QString &message = {})
{
    QString json = QStringLiteral(R"({"job":"%1","status":"%2")").arg(job, status);
    if (progress >= 0)
        json += QStringLiteral(R"(,"progress":%1)").arg(progress);
    json += QLatin1Char('}');
    Event event;
    event.key = job + status;
    event.raw = json.toUtf8();
    event.text = message;
    event.time = kStart.addSecs(second);
    return event;
}

QVariant cell(const QAbstractItemModel &model, int row, int column, int role = Qt::DisplayRole)
{
    return model.index(row, column).data(role);
}

} // namespace

class tst_JobModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void keepsTheLatestStatusPerJob();
    void insertsNewJobsOfABatchAtOnce();
    void showsAFailedJobAfterAFailureEvent();
    void normalisesTheFeedsWords_data();
    void normalisesTheFeedsWords();
    void readsACustomMapping();
    void announcesStatusChanges();
    void measuresDurations();
    void keepsJobsApartPerChannel();
    void sortsFailedJobsFirst();
    void filtersFailedOnly();
    void trimsTheOldestPastTheCap();
    void dropsARemovedChannelsJobs();
    void aJobsNameFindsItOnTheBoardAndItsEvents();
    void showsTheUsualDurationAndWhatIsLeft_data();
    void showsTheUsualDurationAndWhatIsLeft();
    void aJobsUsualDurationComesFromItsSeriesHistory();

private:
    JobModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;
    QDateTime m_now;
};

void tst_JobModel::init()
{
    m_model = new JobModel;
    m_now = kStart.addSecs(100);
    m_model->setClock([this] { return m_now; });
    m_tester = new QAbstractItemModelTester(m_model,
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void tst_JobModel::cleanup()
{
    delete m_tester;
    delete m_model;
}

void tst_JobModel::keepsTheLatestStatusPerJob()
{
    m_model->applyBatch("c1", "builds", {},
                        {jobEvent("build #1", "queued", -1, 0),
                         jobEvent("build #1", "running", 10, 5, "compiling")});
    m_model->applyBatch("c1", "builds", {}, {jobEvent("build #1", "running", 60, 20)});
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(cell(*m_model, 0, JobModel::JobColumn).toString(), QStringLiteral("build #1"));
    QCOMPARE(cell(*m_model, 0, JobModel::StatusColumn, JobModel::StatusRole).value<JobStatus>(),
             JobStatus::Running);
    QCOMPARE(cell(*m_model, 0, JobModel::ProgressColumn, JobModel::ProgressRole).toInt(), 60);
    QCOMPARE(cell(*m_model, 0, JobModel::ProgressColumn).toString(), QStringLiteral("60 %"));
    QCOMPARE(cell(*m_model, 0, JobModel::ChannelColumn).toString(), QStringLiteral("builds"));
    // The message of the last event that had one stays.
    QCOMPARE(cell(*m_model, 0, 0, JobModel::MessageRole).toString(), QStringLiteral("compiling"));
}

void tst_JobModel::insertsNewJobsOfABatchAtOnce()
{
    m_model->applyBatch("c1", "builds", {}, {jobEvent("a", "running")});
    QSignalSpy inserted(m_model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
    m_model->applyBatch("c1", "builds", {},
                        {jobEvent("b", "queued"), jobEvent("a", "succeeded"),
                         jobEvent("c", "queued"), jobEvent("b", "running")});
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 1);
    QCOMPARE(inserted.at(0).at(2).toInt(), 2);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
    QCOMPARE(cell(*m_model, 1, JobModel::StatusColumn).toString(), QStringLiteral("Running"));
    QCOMPARE(cell(*m_model, 0, JobModel::StatusColumn).toString(), QStringLiteral("Succeeded"));
    // Success without a number means done: a full bar.
    QCOMPARE(cell(*m_model, 0, JobModel::ProgressColumn, JobModel::ProgressRole).toInt(), 100);
}

void tst_JobModel::showsAFailedJobAfterAFailureEvent()
{
    m_model->applyBatch("c1", "deploys", {}, {jobEvent("deploy prod", "running", 40)});
    QCOMPARE(m_model->failedCount(), 0);
    QSignalSpy counts(m_model, &JobModel::countsChanged);
    m_model->applyBatch("c1", "deploys", {},
                        {jobEvent("deploy prod", "failed", -1, 30, "health check failed")});
    QCOMPARE(counts.size(), 1);
    QCOMPARE(m_model->failedCount(), 1);
    QCOMPARE(cell(*m_model, 0, JobModel::StatusColumn, JobModel::StatusRole).value<JobStatus>(),
             JobStatus::Failed);
    QCOMPARE(cell(*m_model, 0, JobModel::StatusColumn, JobModel::StatusKeyRole).toString(),
             QStringLiteral("failed"));
    // The whole row stands out, and the status carries an icon.
    for (int column = 0; column < JobModel::ColumnCount; ++column)
        QVERIFY(cell(*m_model, 0, column, Qt::BackgroundRole).canConvert<QBrush>());
    QVERIFY(cell(*m_model, 0, JobModel::StatusColumn, Qt::DecorationRole).isValid());
    QVERIFY(cell(*m_model, 0, JobModel::StatusColumn, Qt::ToolTipRole)
                .toString()
                .contains("health check failed"));
    // The last known progress stays, showing how far it got.
    QCOMPARE(cell(*m_model, 0, JobModel::ProgressColumn, JobModel::ProgressRole).toInt(), 40);
}

void tst_JobModel::normalisesTheFeedsWords_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("shown");
    QTest::newRow("success reads Succeeded") << "success"
                                             << "Succeeded";
    QTest::newRow("in_progress reads Running") << "in_progress"
                                               << "Running";
    QTest::newRow("canceled reads Cancelled") << "canceled"
                                              << "Cancelled";
    QTest::newRow("an unknown word is shown as the feed wrote it") << "pondering"
                                                                   << "pondering";
}

void tst_JobModel::normalisesTheFeedsWords()
{
    QFETCH(QString, word);
    QFETCH(QString, shown);
    m_model->applyBatch("c1", "builds", {}, {jobEvent("x", word)});
    QCOMPARE(cell(*m_model, 0, JobModel::StatusColumn).toString(), shown);
}

void tst_JobModel::readsACustomMapping()
{
    JobMapping mapping;
    mapping.jobPaths = {"pipeline.name"};
    mapping.statusPath = "pipeline.state";
    mapping.progressPath = "pipeline.done";
    Event event;
    event.raw = R"({"pipeline":{"name":"release","state":"ERROR","done":"70"}})";
    m_model->applyBatch("c1", "ci", mapping, {event, jobEvent("ignored", "running")});
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(cell(*m_model, 0, JobModel::JobColumn).toString(), QStringLiteral("release"));
    QCOMPARE(m_model->failedCount(), 1);
    QCOMPARE(cell(*m_model, 0, JobModel::ProgressColumn, JobModel::ProgressRole).toInt(), 70);
}

void tst_JobModel::announcesStatusChanges()
{
    QSignalSpy spy(m_model, &JobModel::jobStatusChanged);
    m_model->applyBatch("c1", "builds", {},
                        {jobEvent("a", "running", 10), jobEvent("a", "running", 20),
                         jobEvent("a", "failed", -1, 30)});
    QCOMPARE(spy.size(), 2); // unknown -> running, running -> failed; progress is no change
    QCOMPARE(spy.at(1).at(2).toString(), QStringLiteral("a"));
    QCOMPARE(spy.at(1).at(3).value<JobStatus>(), JobStatus::Running);
    QCOMPARE(spy.at(1).at(4).value<JobStatus>(), JobStatus::Failed);
    QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("c1"));
    // When it happened by the feed's own clock, so that old news can be
    // told from new (Notifier); invalid when the feed gives no time.
    QCOMPARE(spy.at(1).at(6).toDateTime(), kStart.addSecs(30));
    Event untimed = jobEvent("b", "failed");
    untimed.time = {};
    m_model->applyBatch("c1", "builds", {}, {untimed});
    QCOMPARE(spy.size(), 3);
    QVERIFY(!spy.at(2).at(6).toDateTime().isValid());
}

void tst_JobModel::measuresDurations()
{
    m_model->applyBatch("c1", "builds", {},
                        {jobEvent("queued only", "queued", -1, 0),
                         jobEvent("runs", "queued", -1, 0), jobEvent("runs", "running", 0, 10),
                         jobEvent("done", "running", 0, 0), jobEvent("done", "succeeded", -1, 75)});
    // Not started: no duration. Running: from its start until now (100 s).
    // Finished: from start to finish.
    QCOMPARE(cell(*m_model, 0, JobModel::DurationColumn).toString(), QString());
    QCOMPARE(cell(*m_model, 1, JobModel::DurationColumn).toString(), QStringLiteral("1 min 30 s"));
    QCOMPARE(cell(*m_model, 2, JobModel::DurationColumn).toString(), QStringLiteral("1 min 15 s"));
    m_now = m_now.addSecs(3600);
    QCOMPARE(cell(*m_model, 1, JobModel::DurationColumn).toString(), QStringLiteral("1 h 01 min"));
    QCOMPARE(cell(*m_model, 2, JobModel::DurationColumn).toString(), QStringLiteral("1 min 15 s"));
    QVERIFY(!cell(*m_model, 1, JobModel::StartedColumn).toString().isEmpty());
    QVERIFY(cell(*m_model, 0, JobModel::StartedColumn).toString().isEmpty());

    // Running jobs' durations are announced as the clock moves.
    m_model->setTickInterval(std::chrono::milliseconds(10));
    QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
    QVERIFY(changed.wait());
    QCOMPARE(changed.last().at(0).toModelIndex().column(), int(JobModel::DurationColumn));
    QCOMPARE(changed.last().at(0).toModelIndex().row(), 1);
}

void tst_JobModel::keepsJobsApartPerChannel()
{
    m_model->applyBatch("c1", "builds", {}, {jobEvent("nightly", "running")});
    m_model->applyBatch("c2", "other builds", {}, {jobEvent("nightly", "failed")});
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(m_model->failedCount(), 1);
    m_model->renameChannel("c2", "renamed");
    QCOMPARE(cell(*m_model, 1, JobModel::ChannelColumn).toString(), QStringLiteral("renamed"));
}

void tst_JobModel::sortsFailedJobsFirst()
{
    JobFilterModel filter;
    filter.setSourceModel(m_model);
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.sort(JobModel::StatusColumn, Qt::AscendingOrder);
    m_model->applyBatch(
        "c1", "builds", {},
        {jobEvent("ok", "succeeded"), jobEvent("busy", "running"), jobEvent("waits", "queued")});
    m_model->applyBatch("c1", "builds", {}, {jobEvent("broken", "failed")});
    QCOMPARE(cell(filter, 0, JobModel::JobColumn).toString(), QStringLiteral("broken"));
    QCOMPARE(cell(filter, 1, JobModel::JobColumn).toString(), QStringLiteral("busy"));
    QCOMPARE(cell(filter, 3, JobModel::JobColumn).toString(), QStringLiteral("ok"));
    // A job that fails later moves up.
    m_model->applyBatch("c1", "builds", {}, {jobEvent("ok", "failed")});
    QCOMPARE(cell(filter, 1, JobModel::StatusColumn, JobModel::StatusRole).value<JobStatus>(),
             JobStatus::Failed);
    filter.sort(JobModel::JobColumn, Qt::AscendingOrder);
    QCOMPARE(cell(filter, 0, JobModel::JobColumn).toString(), QStringLiteral("broken"));
    QCOMPARE(cell(filter, 3, JobModel::JobColumn).toString(), QStringLiteral("waits"));
}

void tst_JobModel::filtersFailedOnly()
{
    JobFilterModel filter;
    filter.setSourceModel(m_model);
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_model->applyBatch("c1", "builds", {}, {jobEvent("a", "failed"), jobEvent("b", "running")});
    m_model->applyBatch("c2", "tests", {}, {jobEvent("c", "failed")});
    filter.setFailedOnly(true);
    QCOMPARE(filter.rowCount(), 2);
    filter.setChannelId("c2");
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(cell(filter, 0, JobModel::JobColumn).toString(), QStringLiteral("c"));
    filter.setFailedOnly(false);
    filter.setChannelId({});
    filter.setText("B");
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(cell(filter, 0, JobModel::JobColumn).toString(), QStringLiteral("b"));
}

void tst_JobModel::trimsTheOldestPastTheCap()
{
    m_model->setMaxJobs(3);
    m_model->applyBatch("c1", "builds", {}, {jobEvent("a", "running"), jobEvent("b", "running")});
    QSignalSpy removed(m_model, &QAbstractItemModel::rowsRemoved);
    m_model->applyBatch("c1", "builds", {}, {jobEvent("c", "running"), jobEvent("d", "running")});
    QCOMPARE(removed.size(), 1);
    QCOMPARE(m_model->rowCount(), 3);
    QCOMPARE(cell(*m_model, 0, JobModel::JobColumn).toString(), QStringLiteral("b"));
    // The index still finds the jobs that stayed.
    m_model->applyBatch("c1", "builds", {}, {jobEvent("b", "failed")});
    QCOMPARE(m_model->rowCount(), 3);
    QCOMPARE(m_model->failedCount(), 1);
}

void tst_JobModel::dropsARemovedChannelsJobs()
{
    m_model->applyBatch("c1", "builds", {}, {jobEvent("a", "running")});
    m_model->applyBatch("c2", "tests", {}, {jobEvent("b", "running"), jobEvent("c", "failed")});
    m_model->applyBatch("c1", "builds", {}, {jobEvent("d", "running")});
    m_model->removeChannel("c1");
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(cell(*m_model, 0, JobModel::JobColumn).toString(), QStringLiteral("b"));
    m_model->applyBatch("c2", "tests", {}, {jobEvent("c", "succeeded")});
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(m_model->failedCount(), 0);
}

void tst_JobModel::aJobsNameFindsItOnTheBoardAndItsEvents()
{
    // The board and the event table read the job by one rule, so the name
    // the board shows finds the events that made it.
    JobMapping mapping;
    mapping.jobPaths = {"pipeline.name"};
    mapping.statusPath = "pipeline.state";
    EventList events;
    for (const auto &[name, state] :
         {std::pair{"Release 7", "running"}, std::pair{"nightly", "running"},
          std::pair{"Release 7", "failed"}}) {
        Event event;
        event.key = QString::number(events.size() + 1);
        event.text = QStringLiteral("step %1").arg(event.key); // the JSON is not searched then
        event.raw = QStringLiteral(R"({"pipeline":{"name":"%1","state":"%2"}})")
                        .arg(QLatin1String(name), QLatin1String(state))
                        .toUtf8();
        events.append(event);
    }
    m_model->applyBatch("c1", "ci", mapping, events);
    EventModel eventModel;
    eventModel.setJobMapping("c1", mapping);
    eventModel.appendBatch("c1", "ci", events);

    JobFilterModel board;
    board.setSourceModel(m_model);
    board.setText("release 7");
    QCOMPARE(board.rowCount(), 1);
    QCOMPARE(cell(board, 0, JobModel::JobColumn).toString(), QStringLiteral("Release 7"));

    EventFilterModel table;
    table.setSourceModel(&eventModel);
    table.setText("release 7");
    QCOMPARE(table.rowCount(), 2);
    for (int row = 0; row < table.rowCount(); ++row)
        QCOMPARE(cell(table, row, EventModel::JobColumn).toString(), QStringLiteral("Release 7"));
    QCOMPARE(cell(table, 1, EventModel::IdColumn).toString(), QStringLiteral("3"));
}

void tst_JobModel::showsTheUsualDurationAndWhatIsLeft_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<qint64>("usualMs");
    QTest::addColumn<bool>("running");
    QTest::addColumn<QString>("text");
    QTest::newRow("running, usually 4 min")
        << 180'000LL << 240'000LL << true << "3 min 00 s · usually 4 min · about 1 min left";
    QTest::newRow("running past the usual")
        << 300'000LL << 240'000LL << true << "5 min 00 s · usually 4 min · longer than usual";
    QTest::newRow("finished") << 250'000LL << 241'000LL << false << "4 min 10 s · usually 4 min";
    QTest::newRow("seconds") << 12'000LL << 40'400LL << true
                             << "12 s · usually 40 s · about 28 s left";
    QTest::newRow("hours") << 3'600'000LL << 7'800'000LL << false
                           << "1 h 00 min · usually 2 h 10 min";
    QTest::newRow("no history") << 12'000LL << -1LL << true << "12 s";
}

void tst_JobModel::showsTheUsualDurationAndWhatIsLeft()
{
    QFETCH(qint64, ms);
    QFETCH(qint64, usualMs);
    QFETCH(bool, running);
    QFETCH(QString, text);
    QCOMPARE(JobModel::durationWithUsualText(
                 ms, usualMs >= 0 ? std::optional<qint64>(usualMs) : std::nullopt, running),
             text);
}

void tst_JobModel::aJobsUsualDurationComesFromItsSeriesHistory()
{
    // Earlier runs of "build": 4, 6 and 8 minutes; the usual is 6.
    JobSeriesTrend build;
    build.channel = QStringLiteral("c1");
    build.series = QStringLiteral("build");
    for (int n = 1; n <= 3; ++n) {
        JobRun run;
        run.channel = build.channel;
        run.job = QStringLiteral("build #%1").arg(n);
        run.series = build.series;
        run.status = JobStatus::Succeeded;
        run.firstUsecs = n * 1'000'000'000LL;
        run.finishedUsecs = run.firstUsecs + (2 + 2 * n) * 60'000'000LL;
        build.runs << run;
    }
    m_model->applyBatch(
        "c1", "builds", {},
        {jobEvent("build #4", "running", 0, 10), jobEvent("lint #4", "running", 0, 10)});
    QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
    m_model->setSeriesHistory(JobSeriesHistory({build}, {}));
    QCOMPARE(changed.size(), 1);
    // Running for 90 s (the clock is at 100 s).
    QCOMPARE(cell(*m_model, 0, JobModel::DurationColumn).toString(),
             QStringLiteral("1 min 30 s · usually 6 min · about 5 min left"));
    QCOMPARE(cell(*m_model, 1, JobModel::DurationColumn).toString(), QStringLiteral("1 min 30 s"));
}

QTEST_MAIN(tst_JobModel)
#include "tst_jobmodel.moc"
