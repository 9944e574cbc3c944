// File › Open Event Log… (#23): a recorder's event log (channels by name,
// as longwatch-tail --store writes them) shown read-only in its own
// window: the newest events, the channel names, older events on scrolling
// up, new ones on Reload; a file that is not an event log refused.

#include "eventlog.h"
#include "eventlogwindow.h"
#include "eventmodel.h"
#include "eventtableview.h"

#include <QFile>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;

namespace {

EventList numbered(int first, int last)
{
    EventList events;
    for (int i = first; i <= last; ++i) {
        Event event;
        event.key = QString::number(i);
        event.type = QStringLiteral("build.finished");
        event.text = QStringLiteral("build %1 passed").arg(i);
        event.receivedUsecs = currentUsecsUtc();
        event.raw = QByteArrayLiteral("{\"id\":") + QByteArray::number(i) + "}";
        events.append(event);
    }
    return events;
}

} // namespace

class tst_EventLogWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void showsARecordersLogByChannelName();
    void scrollingUpReadsOlderEventsAndReloadShowsNewOnes();
    void aFileThatIsNoEventLogIsRefused();
};

void tst_EventLogWindow::showsARecordersLogByChannelName()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("events.sqlite"));
    {
        EventLog recorder;
        QVERIFY(recorder.open(path));
        QVERIFY(recorder.append(QStringLiteral("Builds"), numbered(1, 3), QStringLiteral("3"),
                                JobMapping()));
        QVERIFY(recorder.append(QStringLiteral("Deploys"), numbered(1, 1), QStringLiteral("1"),
                                JobMapping()));
    }
    EventLogWindow window;
    QVERIFY2(window.open(path), qPrintable(window.errorString()));
    QVERIFY(window.windowTitle().contains(QStringLiteral("events.sqlite")));
    QVERIFY(window.windowTitle().contains(QStringLiteral("read-only")));
    EventModel *model = window.model();
    QCOMPARE(model->rowCount(), 4);
    QStringList channels;
    for (int row = 0; row < model->rowCount(); ++row)
        channels << model->index(row, EventModel::ChannelColumn).data().toString();
    QCOMPARE(channels, QStringList({"Builds", "Builds", "Builds", "Deploys"}));
    QCOMPARE(model->index(3, EventModel::TextColumn).data().toString(),
             QStringLiteral("build 1 passed"));

    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    if (qEnvironmentVariableIsSet("LONGWATCH_SCREENSHOT"))
        window.grab().save(qEnvironmentVariable("LONGWATCH_SCREENSHOT"));

    // Nothing was written: the recorder's figures are as it left them.
    window.close();
    EventLog check;
    QVERIFY(check.open(path, EventLog::OpenMode::MustExist));
    QCOMPARE(check.countEvents({}), qint64(4));
    QCOMPARE(check.cursor(QStringLiteral("Builds")), std::optional<QString>(QStringLiteral("3")));
}

void tst_EventLogWindow::scrollingUpReadsOlderEventsAndReloadShowsNewOnes()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("events.sqlite"));
    EventLog recorder;
    QVERIFY(recorder.open(path));
    QVERIFY(recorder.append(QStringLiteral("Builds"), numbered(1, 3000), QStringLiteral("3000"),
                            JobMapping()));

    EventLogWindow window;
    QVERIFY(window.open(path));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const int first = window.model()->rowCount();
    QVERIFY(first > 0);
    QVERIFY(first < 3000);
    window.view()->verticalScrollBar()->setValue(window.view()->verticalScrollBar()->minimum() + 1);
    window.view()->verticalScrollBar()->setValue(window.view()->verticalScrollBar()->minimum());
    QTRY_VERIFY(window.model()->rowCount() > first);

    // The recorder goes on; Reload shows what it added.
    QVERIFY(recorder.append(QStringLiteral("Builds"), numbered(3001, 3001), QStringLiteral("3001"),
                            JobMapping()));
    window.reload();
    const EventModel *model = window.model();
    QCOMPARE(model->index(model->rowCount() - 1, EventModel::IdColumn).data().toString(),
             QStringLiteral("3001"));
}

void tst_EventLogWindow::aFileThatIsNoEventLogIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.txt"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a database\n");
    file.close();
    EventLogWindow window;
    QVERIFY(!window.open(path));
    QVERIFY(!window.errorString().isEmpty());
    QVERIFY(!window.open(dir.filePath(QStringLiteral("missing.sqlite"))));
}

QTEST_MAIN(tst_EventLogWindow)
#include "tst_eventlogwindow.moc"
