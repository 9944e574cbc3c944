#include "jobstatus.h"

#include <QTest>

using namespace Longwatch;

namespace {

Event eventWith(const QByteArray &json, const QString &text = {})
{
    Event event;
    event.raw = json;
    event.text = text;
    return event;
}

} // namespace

class tst_JobStatus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalisesStatusWords_data();
    void normalisesStatusWords();
    void onlyFinishedStatusesAreFinal();
    void extractsJobFields_data();
    void extractsJobFields();
    void keyFilterPassesWhatMayNameAJob_data();
    void keyFilterPassesWhatMayNameAJob();
    void validatesTheMappingPaths();
};

void tst_JobStatus::normalisesStatusWords_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<JobStatus>("expected");
    QTest::newRow("queued is queued") << "queued" << JobStatus::Queued;
    QTest::newRow("pending means queued") << "pending" << JobStatus::Queued;
    QTest::newRow("in_progress means running") << "in_progress" << JobStatus::Running;
    QTest::newRow("In Progress with a space means running") << "In Progress" << JobStatus::Running;
    QTest::newRow("STARTED in capitals means running") << "STARTED" << JobStatus::Running;
    QTest::newRow("success means succeeded") << "success" << JobStatus::Succeeded;
    QTest::newRow("done means succeeded") << "done" << JobStatus::Succeeded;
    QTest::newRow("errored means failed") << "errored" << JobStatus::Failed;
    QTest::newRow("timed-out means failed") << "timed-out" << JobStatus::Failed;
    QTest::newRow("canceled in American means cancelled") << "canceled" << JobStatus::Cancelled;
    QTest::newRow("ABORTED means cancelled") << "ABORTED" << JobStatus::Cancelled;
    QTest::newRow("an unknown word stays unknown") << "pondering" << JobStatus::Unknown;
    QTest::newRow("an empty word is unknown") << "" << JobStatus::Unknown;
}

void tst_JobStatus::normalisesStatusWords()
{
    QFETCH(QString, word);
    QFETCH(JobStatus, expected);
    QCOMPARE(normaliseJobStatus(word), expected);
}

void tst_JobStatus::onlyFinishedStatusesAreFinal()
{
    QVERIFY(isFinalJobStatus(JobStatus::Succeeded));
    QVERIFY(isFinalJobStatus(JobStatus::Failed));
    QVERIFY(isFinalJobStatus(JobStatus::Cancelled));
    QVERIFY(!isFinalJobStatus(JobStatus::Running));
    QVERIFY(!isFinalJobStatus(JobStatus::Queued));
    QVERIFY(!isFinalJobStatus(JobStatus::Unknown));
}

void tst_JobStatus::extractsJobFields_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QStringList>("jobPaths");
    QTest::addColumn<QString>("statusPath");
    QTest::addColumn<QString>("progressPath");
    QTest::addColumn<bool>("found");
    QTest::addColumn<QString>("key");
    QTest::addColumn<JobStatus>("status");
    QTest::addColumn<int>("progress"); // -1: none

    const QStringList defaults{"job", "job_id"};
    QTest::newRow("the default fields are read")
        << QByteArray(R"({"job":"build #1","status":"running","progress":40})") << defaults
        << "status"
        << "progress" << true << "build #1" << JobStatus::Running << 40;
    QTest::newRow("job_id is used when job is missing")
        << QByteArray(R"({"job_id":17,"status":"success"})") << defaults << "status"
        << "progress" << true << "17" << JobStatus::Succeeded << -1;
    QTest::newRow("a progress written as text with a percent sign is read")
        << QByteArray(R"({"job":"a","status":"running","progress":"45.6%"})") << defaults
        << "status"
        << "progress" << true << "a" << JobStatus::Running << 46;
    QTest::newRow("progress beyond 100 is clamped")
        << QByteArray(R"({"job":"a","progress":250})") << defaults << "status"
        << "progress" << true << "a" << JobStatus::Unknown << 100;
    QTest::newRow("nested paths of a custom mapping are followed")
        << QByteArray(R"({"build":{"id":"b-9","state":"FAILURE","pct":12}})")
        << QStringList{"build.id"} << "build.state"
        << "build.pct" << true << "b-9" << JobStatus::Failed << 12;
    QTest::newRow("an event without a job is not a job update")
        << QByteArray(R"({"status":"failed"})") << defaults << "status"
        << "progress" << false << "" << JobStatus::Unknown << -1;
    QTest::newRow("a job field written with escapes is still read")
        << QByteArray(R"({"j\u006fb":"esc","status":"ok"})") << defaults << "status"
        << "progress" << true << "esc" << JobStatus::Succeeded << -1;
    QTest::newRow("the word job as a value is not a job field")
        << QByteArray(R"({"type":"job","message":"job done"})") << defaults << "status"
        << "progress" << false << "" << JobStatus::Unknown << -1;
    QTest::newRow("an event that is not an object is not a job update")
        << QByteArray(R"("just text")") << defaults << "status"
        << "progress" << false << "" << JobStatus::Unknown << -1;
}

void tst_JobStatus::extractsJobFields()
{
    QFETCH(QByteArray, json);
    QFETCH(QStringList, jobPaths);
    QFETCH(QString, statusPath);
    QFETCH(QString, progressPath);
    QFETCH(bool, found);
    QFETCH(QString, key);
    QFETCH(JobStatus, status);
    QFETCH(int, progress);

    JobMapping mapping;
    mapping.jobPaths = jobPaths;
    mapping.statusPath = statusPath;
    mapping.progressPath = progressPath;
    const std::optional<JobUpdate> update = extractJobUpdate(eventWith(json, "hello"), mapping);
    QCOMPARE(update.has_value(), found);
    if (!found)
        return;
    QCOMPARE(update->key, key);
    QCOMPARE(update->status, status);
    QCOMPARE(update->progress.value_or(-1), progress);
    QCOMPARE(update->message, QStringLiteral("hello"));
}

void tst_JobStatus::keyFilterPassesWhatMayNameAJob_data()
{
    QTest::addColumn<QStringList>("jobPaths");
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("mayName");

    const QStringList paths{"job.name", "build"};
    QTest::newRow("the first key of a path")
        << paths << QByteArray(R"({"job":{"name":"a"}})") << true;
    QTest::newRow("another path's key") << paths << QByteArray(R"({"build":7})") << true;
    QTest::newRow("no key of any path") << paths << QByteArray(R"({"type":"ping"})") << false;
    QTest::newRow("the key only as a value: parsed to be sure")
        << paths << QByteArray(R"({"type":"job"})") << true;
    QTest::newRow("a key word unquoted is not a key")
        << paths << QByteArray(R"({"text":"job done"})") << false;
    QTest::newRow("escapes may hide a key")
        << paths << QByteArray(R"({"\u006aob":{"name":"a"}})") << true;
    QTest::newRow("an indexed first step: always parsed")
        << QStringList{"[0].id"} << QByteArray(R"([{"id":1}])") << true;
}

void tst_JobStatus::keyFilterPassesWhatMayNameAJob()
{
    // A false "no" would lose a job's update; a false "yes" only costs a parse.
    QFETCH(QStringList, jobPaths);
    QFETCH(QByteArray, raw);
    QFETCH(bool, mayName);
    JobMapping mapping;
    mapping.jobPaths = jobPaths;
    const JobKeyFilter filter(mapping);
    QCOMPARE(filter.mayNameAJob(raw), mayName);
    QCOMPARE(extractJobUpdate(eventWith(raw, {}), mapping, filter).has_value(),
             extractJobUpdate(eventWith(raw, {}), mapping).has_value());
}

void tst_JobStatus::validatesTheMappingPaths()
{
    JobMapping mapping;
    QVERIFY(mapping.validate().isEmpty());
    mapping.statusPath = "state[";
    QCOMPARE(mapping.validate().size(), 1);
    QVERIFY(mapping.validate().first().contains("state["));
    mapping.statusPath = "state";
    mapping.jobPaths.clear();
    QCOMPARE(mapping.validate().size(), 1);
}

QTEST_GUILESS_MAIN(tst_JobStatus)
#include "tst_jobstatus.moc"
