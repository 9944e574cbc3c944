#include "eventfiltermodel.h"
#include "eventmodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace Longwatch;

namespace {

Event makeEvent(const QString &key, const QString &type, const QString &text,
                const QString &job = {})
{
    Event e;
    e.key = key;
    e.type = type;
    e.text = text;
    e.raw =
        QStringLiteral(R"({"id":"%1","type":"%2","message":"%3")").arg(key, type, text).toUtf8();
    if (!job.isEmpty())
        e.raw += QStringLiteral(R"(,"job":"%1")").arg(job).toUtf8();
    e.raw += '}';
    return e;
}

QStringList keys(const QAbstractItemModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list << model.index(row, EventModel::IdColumn).data().toString();
    return list;
}

} // namespace

class tst_EventFilterModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void narrowsTheView_data();
    void narrowsTheView();
    void letsNewEventsThroughTheFilter();
};

void tst_EventFilterModel::narrowsTheView_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("channel");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("no filter shows everything") << ""
                                                << ""
                                                << "" << QStringList{"1", "2", "3", "4", "5"};
    QTest::newRow("text matches the message whatever the case") << "DISK"
                                                                << ""
                                                                << "" << QStringList{"2", "5"};
    QTest::newRow("text matches the id") << "4"
                                         << ""
                                         << "" << QStringList{"4"};
    QTest::newRow("text matches the channel name") << "deploy"
                                                   << ""
                                                   << "" << QStringList{"4", "5"};
    QTest::newRow("text matches the job the event names") << "NIGHTLY-B"
                                                          << ""
                                                          << "" << QStringList{"3"};
    QTest::newRow("a type keeps only that type") << ""
                                                 << "job.failed"
                                                 << "" << QStringList{"2", "5"};
    QTest::newRow("a channel keeps only its events") << ""
                                                     << ""
                                                     << "c1" << QStringList{"1", "2", "3"};
    QTest::newRow("all three together narrow further") << "disk"
                                                       << "job.failed"
                                                       << "c2" << QStringList{"5"};
    QTest::newRow("text that matches nothing shows nothing") << "zebra"
                                                             << ""
                                                             << "" << QStringList{};
}

void tst_EventFilterModel::narrowsTheView()
{
    QFETCH(QString, text);
    QFETCH(QString, type);
    QFETCH(QString, channel);
    QFETCH(QStringList, expected);

    EventModel source;
    EventFilterModel filter;
    filter.setSourceModel(&source);
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    source.appendBatch("c1", "builds",
                       {makeEvent("1", "job.started", "build started"),
                        makeEvent("2", "job.failed", "Disk full on runner-3"),
                        makeEvent("3", "job.succeeded", "build done", "nightly-build")});
    source.appendBatch("c2", "deploys",
                       {makeEvent("4", "job.started", "deploy started"),
                        makeEvent("5", "job.failed", "disk quota exceeded")});
    filter.setText(text);
    filter.setType(type);
    filter.setChannelId(channel);
    QCOMPARE(keys(filter), expected);

    // Clearing every filter brings everything back.
    filter.setText({});
    filter.setType({});
    filter.setChannelId({});
    QCOMPARE(filter.rowCount(), 5);
}

void tst_EventFilterModel::letsNewEventsThroughTheFilter()
{
    EventModel source;
    EventFilterModel filter;
    filter.setSourceModel(&source);
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setText("fail");
    source.appendBatch("c1", "builds",
                       {makeEvent("1", "a", "ok"), makeEvent("2", "a", "it failed")});
    QCOMPARE(keys(filter), QStringList{"2"});
    source.appendBatch("c1", "builds",
                       {makeEvent("3", "a", "failed again"), makeEvent("4", "a", "ok")});
    QCOMPARE(keys(filter), (QStringList{"2", "3"}));
    source.setMaxRows(2);
    QCOMPARE(keys(filter), QStringList{"3"});
}

QTEST_GUILESS_MAIN(tst_EventFilterModel)
#include "tst_eventfiltermodel.moc"
