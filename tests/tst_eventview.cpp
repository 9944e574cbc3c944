// The event table's painting: EventDelegate keeps each cell's laid-out line
// and PaintPacer holds a widget's paints to one per frame. Offscreen.

#include "eventdelegate.h"
#include "paintpacer.h"

#include <QApplication>
#include <QHeaderView>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// A shown table of `rows` x 2 cells through an EventDelegate.
struct Table
{
    explicit Table(int rows)
        : model(rows, 2)
    {
        for (int row = 0; row < rows; ++row) {
            model.setItem(row, 0,
                          new QStandardItem(QString("12:00:%1").arg(row, 2, 10, QChar('0'))));
            model.setItem(row, 1,
                          new QStandardItem(QString("event %1: a message long enough to be "
                                                    "elided in a narrow column\nsecond line")
                                                .arg(row)));
        }
        view.setModel(&model);
        view.setItemDelegate(delegate);
        view.verticalHeader()->hide();
        view.resize(400, 300);
        view.show();
    }
    QStandardItemModel model;
    QTableView view;
    EventDelegate *delegate = new EventDelegate(&view);
};

} // namespace

class tst_EventView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void linesAreLaidOutOnceAndReused();
    void aNarrowerColumnElidesAgain();
    void multiLineTextIsPaintedAsOneLine();
    void pacerHoldsPaintsUntilTheFrameEnds();
    void pacerLetsAPaintThroughAfterAQuietFrame();
};

void tst_EventView::linesAreLaidOutOnceAndReused()
{
    Table table(5);
    QVERIFY(QTest::qWaitForWindowExposed(&table.view));
    table.view.grab();
    const int laidOut = table.delegate->cachedLines();
    QCOMPARE(laidOut, 10); // every cell, once
    table.view.viewport()->repaint();
    table.view.grab();
    QCOMPARE(table.delegate->cachedLines(), laidOut);
}

void tst_EventView::aNarrowerColumnElidesAgain()
{
    Table table(3);
    QVERIFY(QTest::qWaitForWindowExposed(&table.view));
    table.view.grab();
    const int before = table.delegate->cachedLines();
    table.view.horizontalHeader()->resizeSection(1, 60);
    table.view.grab();
    // The text column's three cells at the new width, the others as they were.
    QCOMPARE(table.delegate->cachedLines(), before + 3);
    // A font change starts over.
    QFont font = table.view.font();
    font.setPointSizeF(font.pointSizeF() + 3);
    table.view.setFont(font);
    table.view.grab();
    QCOMPARE(table.delegate->cachedLines(), 6);
}

void tst_EventView::multiLineTextIsPaintedAsOneLine()
{
    // A message with a line break paints on one line: the row below stays
    // clear of it. Compare a cell holding "a\nb" with one holding "a b".
    QStandardItemModel model(2, 1);
    model.setItem(0, 0, new QStandardItem("WWWW\nWWWW"));
    model.setItem(1, 0, new QStandardItem("WWWW WWWW"));
    QTableView view;
    view.setModel(&model);
    view.setItemDelegate(new EventDelegate(&view));
    view.verticalHeader()->hide();
    view.setShowGrid(false);
    view.setAlternatingRowColors(false);
    view.horizontalHeader()->resizeSection(0, 300);
    view.resize(400, 200);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QImage image = view.viewport()->grab().toImage();
    const QRect first = view.visualRect(model.index(0, 0));
    const QRect second = view.visualRect(model.index(1, 0));
    QCOMPARE(image.copy(first), image.copy(second.translated(0, first.top() - second.top())));
}

void tst_EventView::pacerHoldsPaintsUntilTheFrameEnds()
{
    QWidget widget;
    widget.resize(100, 100);
    auto *pacer = new PaintPacer(&widget, &widget, 200ms);
    widget.show();
    QVERIFY(QTest::qWaitForWindowExposed(&widget));
    widget.repaint(); // a paint now: the frame starts
    pacer->hold();
    QVERIFY(pacer->isHolding());
    QVERIFY(!widget.updatesEnabled());
    // The frame ends: updates come back on, and the held paint happens.
    QTRY_VERIFY(widget.updatesEnabled());
    QVERIFY(!pacer->isHolding());
}

void tst_EventView::pacerLetsAPaintThroughAfterAQuietFrame()
{
    QWidget widget;
    widget.resize(100, 100);
    auto *pacer = new PaintPacer(&widget, &widget, 0ms);
    widget.show();
    QVERIFY(QTest::qWaitForWindowExposed(&widget));
    widget.repaint();
    // The frame (none) has ended: nothing to hold.
    pacer->hold();
    QVERIFY(!pacer->isHolding());
    QVERIFY(widget.updatesEnabled());
}

QTEST_MAIN(tst_EventView)
#include "tst_eventview.moc"
