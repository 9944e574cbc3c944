#include "eventmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
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
    void trimsTheOldestPastTheCap_data();
    void trimsTheOldestPastTheCap();
    void showsTheColumns();
    void keepsTheRawJson();
    void collectsTypes();
    void followsARename();
    void clears();

private:
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
    QTest::newRow("under the cap nothing goes") << 10 << 4 << 4 << 0 << "1";
    QTest::newRow("over the cap the oldest go in one removal") << 5 << 3 << 4 << 1 << "3";
    QTest::newRow("a batch bigger than the cap keeps its newest") << 5 << 3 << 8 << 1 << "7";
}

void tst_EventModel::trimsTheOldestPastTheCap()
{
    QFETCH(int, cap);
    QFETCH(int, firstBatch);
    QFETCH(int, secondBatch);
    QFETCH(int, removals);
    QFETCH(QString, oldestKept);

    m_model->setMaxRows(cap);
    m_model->appendBatch("c1", "builds", events(1, firstBatch));
    QSignalSpy removed(m_model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(m_model, &QAbstractItemModel::rowsInserted);
    m_model->appendBatch("c1", "builds", events(firstBatch + 1, firstBatch + secondBatch));
    QCOMPARE(removed.size(), removals);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(m_model->rowCount(), std::min(cap, firstBatch + secondBatch));
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

QTEST_GUILESS_MAIN(tst_EventModel)
#include "tst_eventmodel.moc"
