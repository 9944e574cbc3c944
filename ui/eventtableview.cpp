#include "eventtableview.h"

#include "paintpacer.h"

#include <QScrollBar>

using namespace std::chrono_literals;

namespace Longwatch {

EventTableView::EventTableView(QWidget *parent)
    : QTableView(parent)
    , m_scrollBarPacer(new PaintPacer(verticalScrollBar(), verticalScrollBar(), 33ms))
{
    // Per pixel: rows added at the end leave the rows shown where they
    // are (per item, the view lines its top row up again when its end
    // moves, and all rows are painted anew).
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
}

void EventTableView::setModel(QAbstractItemModel *model)
{
    if (model == this->model())
        return;
    if (QAbstractItemModel *old = this->model())
        old->disconnect(this);
    QTableView::setModel(model);
    m_insertedFrom = -1;
    if (!model)
        return;
    // Whatever else moves or changes rows asks for a full layout.
    const auto full = [this] { m_onlyInserts = false; };
    connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this, full);
    connect(model, &QAbstractItemModel::rowsAboutToBeMoved, this, full);
    connect(model, &QAbstractItemModel::columnsAboutToBeInserted, this, full);
    connect(model, &QAbstractItemModel::columnsAboutToBeRemoved, this, full);
    connect(model, &QAbstractItemModel::columnsAboutToBeMoved, this, full);
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, full);
    connect(model, &QAbstractItemModel::layoutAboutToBeChanged, this, full);
}

void EventTableView::doItemsLayout()
{
    const int from = std::exchange(m_insertedFrom, -1);
    const bool onlyInserts = std::exchange(m_onlyInserts, true);
    if (from < 0 || !onlyInserts) {
        QTableView::doItemsLayout();
        return;
    }
    // The scroll bar's range grows with every row: it repaints once a
    // frame (it is not opaque, so each paint of it paints the window's
    // widgets behind it too).
    m_scrollBarPacer->hold();
    const QPoint offset(horizontalOffset(), verticalOffset());
    updateGeometries();
    if (offset != QPoint(horizontalOffset(), verticalOffset())) {
        // The rows moved without a scroll (per item, a view at its end
        // shows the last row whole, and lines rows up again when that
        // is no longer the end): all of them are painted anew.
        viewport()->update();
        return;
    }
    // Rows from `from` on moved down or are new; those above are as painted.
    const int top = std::max(0, rowViewportPosition(from));
    if (from >= model()->rowCount(rootIndex()) || top >= viewport()->height())
        return;
    viewport()->update(0, top, viewport()->width(), viewport()->height() - top);
}

void EventTableView::rowsInserted(const QModelIndex &parent, int start, int end)
{
    if (parent == rootIndex())
        m_insertedFrom = m_insertedFrom < 0 ? start : std::min(m_insertedFrom, start);
    QTableView::rowsInserted(parent, start, end);
}

void EventTableView::changeEvent(QEvent *event)
{
    m_onlyInserts = false; // a font or style change lays out anew
    QTableView::changeEvent(event);
}

} // namespace Longwatch
