#include "channel.h"
#include "eventlog.h"
#include "eventmodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;

namespace {

EventList events(int first, int last, const QString &type = "build")
{
    EventList list;
    for (int id = first; id <= last; ++id) {
        Event event;
        event.key = QString::number(id);
        event.type = type;
        event.text = QStringLiteral("event %1").arg(id);
        event.receivedUsecs = 1'700'000'000'000'000LL + id;
        event.raw = QStringLiteral(R"({"id":%1,"type":"%2","message":"event %1"})")
                        .arg(id)
                        .arg(type)
                        .toUtf8();
        list.append(event);
    }
    return list;
}

/// An event that names a job where `jobPath` (one key, or "a.b") says.
Event jobEvent(int id, const QString &job, const QString &jobPath = QStringLiteral("job"))
{
    Event event = events(id, id).constFirst();
    QString field = QStringLiteral(R"("%1")").arg(job);
    const QStringList keys = jobPath.split(QLatin1Char('.'));
    for (auto it = keys.crbegin(); it != keys.crend(); ++it)
        field = QStringLiteral(R"({"%1":%2})").arg(*it, field);
    // {"id":N, <job object's fields>}
    event.raw = QStringLiteral(R"({"id":%1,%2)").arg(id).arg(field.mid(1)).toUtf8();
    return event;
}

QString jobAt(const EventModel &model, int row)
{
    return model.index(row, EventModel::JobColumn).data().toString();
}

QString keyAt(const EventModel &model, int row)
{
    return model.index(row, EventModel::IdColumn).data().toString();
}

} // namespace

class tst_EventModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void insertsABatchAtOnce();
    void aGapRowLooksDifferent();
    void trimsTheOldestPastTheCap_data();
    void trimsTheOldestPastTheCap();
    void showsTheColumns();
    void keepsTheRawJson();
    void collectsTypes();
    void followsARename();
    void clears();
    void showsTheJobAsItsChannelsMappingReadsIt();
    void readsTheJobOfStoredRowsToo();
    void namesItsColumnsByKey();
    void clearedRowsComeBackFromTheLog();
    void opensOnTheNewestStoredEvents();
    void readsOlderPagesOnRequest();
    void looksBackPastTheCapAndComesForward();
    void liveRowsFindTheirPlaceInTheLog();

private:
    /// A log with events 1..count of channel "a" (titled "Alpha"), in
    /// batches of 1000.
    bool fillLog(EventLog &store, int count);
    QTemporaryDir m_dir;
    EventModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;
};

void tst_EventModel::init()
{
    m_model = new EventModel;
    m_tester = new QAbstractItemModelTester(m_model,
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void tst_EventModel::cleanup()
{
    delete m_tester;
    delete m_model;
}

void tst_EventModel::insertsABatchAtOnce()
{
    QSignalSpy inserted(m_model, &QAbstractItemModel::rowsInserted);
    m_model->appendBatch("c1", "builds", events(1, 50));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 49);
    m_model->appendBatch("c1", "builds", events(51, 52));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 50);
    QCOMPARE(inserted.at(1).at(2).toInt(), 51);
    QCOMPARE(m_model->rowCount(), 52);
    m_model->appendBatch("c1", "builds", {});
    QCOMPARE(inserted.size(), 2);
}

void tst_EventModel::trimsTheOldestPastTheCap_data()
{
    QTest::addColumn<int>("cap");
    QTest::addColumn<int>("firstBatch");
    QTest::addColumn<int>("secondBatch");
    QTest::addColumn<int>("removals");
    QTest::addColumn<QString>("oldestKept");
    QTest::addColumn<int>("kept");
    QTest::newRow("under the cap nothing goes") << 10 << 4 << 4 << 0 << "1" << 8;
    QTest::newRow("over the cap the oldest go in one removal") << 5 << 3 << 4 << 1 << "3" << 5;
    QTest::newRow("a batch bigger than the cap keeps its newest") << 5 << 3 << 8 << 1 << "7" << 5;
    QTest::newRow("at the cap a tenth goes at once, not one row a batch")
        << 100 << 100 << 1 << 1 << "11" << 91;
}

void tst_EventModel::trimsTheOldestPastTheCap()
{
    QFETCH(int, cap);
    QFETCH(int, firstBatch);
    QFETCH(int, secondBatch);
    QFETCH(int, removals);
    QFETCH(QString, oldestKept);
    QFETCH(int, kept);

    m_model->setMaxRows(cap);
    m_model->appendBatch("c1", "builds", events(1, firstBatch));
    QSignalSpy removed(m_model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(m_model, &QAbstractItemModel::rowsInserted);
    m_model->appendBatch("c1", "builds", events(firstBatch + 1, firstBatch + secondBatch));
    QCOMPARE(removed.size(), removals);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(m_model->rowCount(), kept);
    QCOMPARE(keyAt(*m_model, 0), oldestKept);
    QCOMPARE(keyAt(*m_model, m_model->rowCount() - 1), QString::number(firstBatch + secondBatch));
    QCOMPARE(m_model->totalAppended(), qint64(firstBatch + secondBatch));
}

void tst_EventModel::showsTheColumns()
{
    m_model->appendBatch("c1", "builds", events(7, 7, "job.failed"));
    QCOMPARE(m_model->columnCount(), int(EventModel::ColumnCount));
    QCOMPARE(m_model->headerData(EventModel::TextColumn, Qt::Horizontal).toString(),
             QStringLiteral("Text"));
    QCOMPARE(m_model->index(0, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("builds"));
    QCOMPARE(m_model->index(0, EventModel::IdColumn).data().toString(), QStringLiteral("7"));
    QCOMPARE(m_model->index(0, EventModel::TypeColumn).data().toString(),
             QStringLiteral("job.failed"));
    QCOMPARE(m_model->index(0, EventModel::TextColumn).data().toString(),
             QStringLiteral("event 7"));
    const QString time = m_model->index(0, EventModel::TimeColumn).data().toString();
    QVERIFY2(QTime::fromString(time, "HH:mm:ss.zzz").isValid(), qPrintable(time));
    QCOMPARE(m_model->index(0, 0).data(EventModel::ChannelIdRole).toString(), QStringLiteral("c1"));
}

void tst_EventModel::keepsTheRawJson()
{
    EventList list = events(1, 1);
    list[0].text.clear(); // no message: the text column shows the JSON
    m_model->appendBatch("c1", "builds", list);
    QCOMPARE(m_model->index(0, 0).data(EventModel::RawJsonRole).toByteArray(), list[0].raw);
    const QString pretty = m_model->index(0, 0).data(EventModel::PrettyJsonRole).toString();
    QVERIFY2(pretty.contains("\n    \"id\": 1"), qPrintable(pretty));
    QVERIFY(m_model->index(0, EventModel::TextColumn).data().toString().contains("\"id\":1"));
}

void tst_EventModel::collectsTypes()
{
    QSignalSpy typesChanged(m_model, &EventModel::typesChanged);
    m_model->appendBatch("c1", "builds", events(1, 2, "b"));
    m_model->appendBatch("c1", "builds", events(3, 4, "a"));
    m_model->appendBatch("c1", "builds", events(5, 6, "b"));
    QCOMPARE(typesChanged.size(), 2);
    QCOMPARE(m_model->types(), (QStringList{"a", "b"}));
}

void tst_EventModel::followsARename()
{
    m_model->appendBatch("c1", "builds", events(1, 2));
    m_model->appendBatch("c2", "tests", events(3, 3));
    QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
    m_model->renameChannel("c1", "nightly builds");
    QCOMPARE(changed.size(), 1);
    QCOMPARE(m_model->index(1, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("nightly builds"));
    QCOMPARE(m_model->index(2, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("tests"));
}

void tst_EventModel::clears()
{
    m_model->appendBatch("c1", "builds", events(1, 3));
    QSignalSpy reset(m_model, &QAbstractItemModel::modelReset);
    m_model->clear();
    QCOMPARE(reset.size(), 1);
    QCOMPARE(m_model->rowCount(), 0);
}

void tst_EventModel::aGapRowLooksDifferent()
{
    EventModel model;
    Event plain;
    plain.key = QStringLiteral("1");
    plain.type = QStringLiteral("build");
    plain.text = QStringLiteral("built");
    const Event gap = Channel::gapEvent(QStringLiteral("The server no longer has this position."),
                                        QStringLiteral("7"));
    model.appendBatch(QStringLiteral("a"), QStringLiteral("A"), {plain, gap});
    QCOMPARE(model.rowCount(), 2);
    const QModelIndex plainText = model.index(0, EventModel::TextColumn);
    const QModelIndex gapText = model.index(1, EventModel::TextColumn);
    QCOMPARE(plainText.data(EventModel::GapRole).toBool(), false);
    QCOMPARE(gapText.data(EventModel::GapRole).toBool(), true);
    QVERIFY(!plainText.data(Qt::BackgroundRole).isValid());
    QVERIFY(gapText.data(Qt::BackgroundRole).value<QColor>().isValid());
    QVERIFY(gapText.data().toString().startsWith(QStringLiteral("Gap")));
    QCOMPARE(model.index(1, EventModel::TypeColumn).data().toString(), QStringLiteral("gap"));
}

QTEST_GUILESS_MAIN(tst_EventModel)
#include "tst_eventmodel.moc"

bool tst_EventModel::fillLog(EventLog &store, int count)
{
    if (!store.open(m_dir.filePath(QStringLiteral("events-%1.sqlite").arg(count))))
        return false;
    if (!store.setChannelTitle(QStringLiteral("a"), QStringLiteral("Alpha")))
        return false;
    for (int first = 1; first <= count; first += 1000) {
        const int last = std::min(count, first + 999);
        if (!store.append(QStringLiteral("a"), events(first, last), QString::number(last)))
            return false;
    }
    return true;
}

void tst_EventModel::opensOnTheNewestStoredEvents()
{
    EventLog store;
    QVERIFY(fillLog(store, 5000));
    m_model->setHistory(&store);
    QVERIFY(m_model->loadNewest(300));
    QCOMPARE(m_model->rowCount(), 300);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("4701"));
    QCOMPARE(keyAt(*m_model, 299), QStringLiteral("5000"));
    // The stored title names the channel when the caller knows no name.
    QCOMPARE(m_model->index(0, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("Alpha"));
    QCOMPARE(m_model->index(0, 0).data(EventModel::ChannelIdRole).toString(), QStringLiteral("a"));
    QVERIFY(m_model->canFetchOlder());
    QVERIFY(!m_model->isDetached());
    // A name from the caller wins.
    m_model->setHistory(&store, [](const QString &) { return QStringLiteral("Builds"); });
    QVERIFY(m_model->loadNewest(10));
    QCOMPARE(m_model->index(0, EventModel::ChannelColumn).data().toString(),
             QStringLiteral("Builds"));
}

void tst_EventModel::readsOlderPagesOnRequest()
{
    EventLog store;
    QVERIFY(fillLog(store, 2500));
    m_model->setHistory(&store);
    QVERIFY(m_model->loadNewest(500));
    QSignalSpy inserted(m_model, &QAbstractItemModel::rowsInserted);
    QCOMPARE(m_model->fetchOlder(1000), 1000);
    QCOMPARE(inserted.size(), 1); // one insert per page, above the first row
    QCOMPARE(inserted.constFirst().at(1).toInt(), 0);
    QCOMPARE(m_model->rowCount(), 1500);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("1001"));
    QCOMPARE(m_model->fetchOlder(1000), 1000);
    QVERIFY(m_model->canFetchOlder()); // a full page: there may be more
    QCOMPARE(m_model->fetchOlder(1000), 0);
    QVERIFY(!m_model->canFetchOlder());
    QCOMPARE(m_model->rowCount(), 2500);
    for (int row = 0; row < 2500; row += 499)
        QCOMPARE(keyAt(*m_model, row), QString::number(row + 1));
    // Live events go on at the bottom.
    m_model->appendBatch(QStringLiteral("a"), QStringLiteral("Alpha"), events(2501, 2502));
    QCOMPARE(keyAt(*m_model, 2501), QStringLiteral("2502"));
}

void tst_EventModel::looksBackPastTheCapAndComesForward()
{
    EventLog store;
    QVERIFY(fillLog(store, 10'000));
    m_model->setMaxRows(3000);
    m_model->setHistory(&store);
    QVERIFY(m_model->loadNewest(2000));
    QSignalSpy detached(m_model, &EventModel::detachedChanged);
    QCOMPARE(m_model->fetchOlder(2000), 2000);
    // Never more than the cap: the newest rows made room.
    QCOMPARE(m_model->rowCount(), 3000);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("6001"));
    QCOMPARE(keyAt(*m_model, 2999), QStringLiteral("9000"));
    QVERIFY(m_model->isDetached());
    QCOMPARE(detached.size(), 1);
    // Looking back: live events are not shown, only counted.
    m_model->appendBatch(QStringLiteral("a"), QStringLiteral("Alpha"), events(10'001, 10'003));
    QCOMPARE(m_model->rowCount(), 3000);
    QCOMPARE(m_model->missedWhileDetached(), 3);
    // Back to the start of the log, 2000 at a time.
    while (m_model->canFetchOlder())
        QVERIFY(m_model->fetchOlder(2000) >= 0);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("1"));
    QCOMPARE(m_model->rowCount(), 3000);
    // Forward again, until the window reaches the newest and follows. The
    // live events came while looking back: two are written by now, one is
    // not yet; all three show, once.
    QVERIFY(store.append(QStringLiteral("a"), events(10'001, 10'002), QStringLiteral("10002")));
    int rounds = 0;
    while (m_model->isDetached() && rounds++ < 20)
        QVERIFY(m_model->fetchNewer(2000) >= 0);
    QVERIFY(!m_model->isDetached());
    // 7003..10002 from the log, then 10003 (not written) from the live
    // batch: at the cap, a tenth of the rows made room at once.
    QCOMPARE(m_model->rowCount(), 2701);
    QCOMPARE(keyAt(*m_model, 2699), QStringLiteral("10002"));
    QCOMPARE(keyAt(*m_model, 2700), QStringLiteral("10003"));
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("7303"));
    QStringList tail;
    for (int row = 2690; row < m_model->rowCount(); ++row)
        tail << keyAt(*m_model, row);
    QCOMPARE(tail.removeDuplicates(), qsizetype(0));
    QVERIFY(m_model->canFetchOlder());
    // Following again.
    m_model->appendBatch(QStringLiteral("a"), QStringLiteral("Alpha"), events(10'004, 10'004));
    QCOMPARE(m_model->rowCount(), 2702);
    QCOMPARE(keyAt(*m_model, 2701), QStringLiteral("10004"));
    QCOMPARE(m_model->missedWhileDetached(), 0);
}

void tst_EventModel::liveRowsFindTheirPlaceInTheLog()
{
    EventLog store;
    QVERIFY(fillLog(store, 1000));
    m_model->setMaxRows(1500);
    m_model->setHistory(&store);
    QVERIFY(m_model->loadNewest(100));
    // Live rows push the stored ones out; the first row left is a live one.
    m_model->appendBatch(QStringLiteral("a"), QStringLiteral("Alpha"), events(1001, 2500));
    QCOMPARE(m_model->rowCount(), 1500);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("1001"));
    // Not stored yet: the window cannot tell where it starts in the log.
    QVERIFY(!m_model->canFetchOlder());
    QVERIFY(store.append(QStringLiteral("a"), events(1001, 2500), QStringLiteral("2500")));
    // Stored now: older pages come from before that event.
    QVERIFY(m_model->canFetchOlder());
    m_model->setMaxRows(3000);
    QCOMPARE(m_model->fetchOlder(500), 500);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("501"));
    QCOMPARE(keyAt(*m_model, 500), QStringLiteral("1001"));
}

void tst_EventModel::showsTheJobAsItsChannelsMappingReadsIt()
{
    QCOMPARE(m_model->headerData(EventModel::JobColumn, Qt::Horizontal).toString(),
             QStringLiteral("Job"));
    // The default mapping ("job", then "job_id") for a channel not set.
    m_model->appendBatch("c1", "builds", {jobEvent(1, "deploy prod"), events(2, 2).constFirst()});
    QCOMPARE(jobAt(*m_model, 0), QStringLiteral("deploy prod"));
    QCOMPARE(m_model->index(0, 0).data(EventModel::JobRole).toString(),
             QStringLiteral("deploy prod"));
    QCOMPARE(jobAt(*m_model, 1), QString()); // names no job

    // A channel's own mapping, as the job board reads it.
    JobMapping nested;
    nested.jobPaths = {"build.name"};
    m_model->setJobMapping("c2", nested);
    m_model->appendBatch("c2", "ci", {jobEvent(3, "nightly", "build.name"), jobEvent(4, "x")});
    QCOMPARE(jobAt(*m_model, 2), QStringLiteral("nightly"));
    QCOMPARE(jobAt(*m_model, 3), QString()); // "job" is not where c2 keeps it

    // Another mapping: the channel's rows read their job again, at once.
    QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
    m_model->setJobMapping("c2", JobMapping());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.constFirst().at(0).toModelIndex().column(), int(EventModel::JobColumn));
    QCOMPARE(jobAt(*m_model, 2), QString());
    QCOMPARE(jobAt(*m_model, 3), QStringLiteral("x"));
    QCOMPARE(jobAt(*m_model, 0), QStringLiteral("deploy prod")); // other channels as they were
    // The same mapping again changes nothing.
    m_model->setJobMapping("c2", JobMapping());
    QCOMPARE(changed.size(), 1);
}

void tst_EventModel::readsTheJobOfStoredRowsToo()
{
    EventLog store;
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("jobs.sqlite"))));
    QVERIFY(
        store.append("a", {jobEvent(1, "release", "pipeline.name"), jobEvent(2, "plain")}, "2"));
    JobMapping mapping;
    mapping.jobPaths = {"pipeline.name", "job"};
    m_model->setJobMapping("a", mapping);
    m_model->setHistory(&store);
    QVERIFY(m_model->loadNewest(10));
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(jobAt(*m_model, 0), QStringLiteral("release"));
    QCOMPARE(jobAt(*m_model, 1), QStringLiteral("plain"));
}

void tst_EventModel::namesItsColumnsByKey()
{
    QStringList keys;
    for (int column = 0; column < m_model->columnCount(); ++column)
        keys << m_model->headerData(column, Qt::Horizontal, EventModel::ColumnKeyRole).toString();
    QCOMPARE(keys, (QStringList{"time", "channel", "id", "type", "job", "text"}));
}

void tst_EventModel::clearedRowsComeBackFromTheLog()
{
    // Without a log, cleared rows are gone.
    m_model->appendBatch("a", "Alpha", events(1, 3));
    m_model->clear();
    QVERIFY(!m_model->canFetchOlder());

    EventLog store;
    QVERIFY(fillLog(store, 900));
    m_model->setHistory(&store);
    QVERIFY(m_model->loadNewest(100));
    m_model->clear();
    QCOMPARE(m_model->rowCount(), 0);
    // The log still has them: read back from the newest.
    QVERIFY(m_model->canFetchOlder());
    QCOMPARE(m_model->fetchOlder(300), 300);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("601"));
    QCOMPARE(keyAt(*m_model, 299), QStringLiteral("900"));

    // Cleared, then new events: older pages come from before the new ones.
    m_model->clear();
    m_model->appendBatch("a", "Alpha", events(901, 902));
    QVERIFY(store.append("a", events(901, 902), "902"));
    QVERIFY(m_model->canFetchOlder());
    QCOMPARE(m_model->fetchOlder(200), 200);
    QCOMPARE(keyAt(*m_model, 0), QStringLiteral("701"));
    QCOMPARE(keyAt(*m_model, 199), QStringLiteral("900"));
    QCOMPARE(keyAt(*m_model, 200), QStringLiteral("901"));
}
