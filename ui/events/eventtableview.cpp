#include "eventtableview.h"

#include "eventmodel.h"
#include "paintpacer.h"

#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QStandardItemModel>
#include <QVBoxLayout>

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
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(model, signal, this, &EventTableView::updatePlaceholder);
    connect(model, &QAbstractItemModel::modelReset, this, &EventTableView::updatePlaceholder);
    connect(model, &QAbstractItemModel::layoutChanged, this, &EventTableView::updatePlaceholder);
    updatePlaceholder();
}

void EventTableView::setPlaceholderText(const QString &text)
{
    if (!m_placeholder) {
        if (text.isEmpty())
            return;
        m_placeholder = new QLabel;
        m_placeholder->setObjectName(QStringLiteral("eventTablePlaceholder"));
        m_placeholder->setTextFormat(Qt::RichText);
        m_placeholder->setWordWrap(true);
        m_placeholder->setAlignment(Qt::AlignCenter);
        m_placeholder->setTextInteractionFlags(Qt::LinksAccessibleByMouse |
                                               Qt::LinksAccessibleByKeyboard);
        m_placeholder->setForegroundRole(QPalette::PlaceholderText);
        connect(m_placeholder, &QLabel::linkActivated, this,
                &EventTableView::placeholderLinkActivated);
        // Across the viewport halfway down, whatever its size (and no
        // minimum size for the viewport from it).
        auto *layout = new QVBoxLayout(viewport());
        layout->setSizeConstraint(QLayout::SetNoConstraint);
        layout->addStretch();
        layout->addWidget(m_placeholder);
        layout->addStretch();
    }
    if (m_placeholder->text() != text)
        m_placeholder->setText(text);
    updatePlaceholder();
}

QString EventTableView::placeholderText() const
{
    return m_placeholder ? m_placeholder->text() : QString();
}

void EventTableView::updatePlaceholder()
{
    if (!m_placeholder)
        return;
    const bool empty = !model() || model()->rowCount(rootIndex()) == 0;
    m_placeholder->setVisible(empty && !m_placeholder->text().isEmpty());
}

QStringList EventTableView::columnKeys() const
{
    QStringList keys;
    if (const QAbstractItemModel *m = model()) {
        for (int column = 0; column < m->columnCount(rootIndex()); ++column)
            keys << m->headerData(column, Qt::Horizontal, EventModel::ColumnKeyRole).toString();
    }
    return keys;
}

bool EventTableView::restoreHeaderState(const QByteArray &state, const QStringList &savedKeys)
{
    QHeaderView *header = horizontalHeader();
    const QStringList keys = columnKeys();
    if (savedKeys == keys)
        return header->restoreState(state);
    // Saved with other columns (by an older version): QHeaderView would
    // give each saved width to whatever column now has its number. Read it
    // in a header of the columns it was saved with, and carry each column
    // over by its key.
    QStandardItemModel columns(0, int(savedKeys.size()));
    QHeaderView saved(Qt::Horizontal);
    saved.setModel(&columns);
    if (!saved.restoreState(state) || saved.count() != savedKeys.size())
        return false;
    QList<int> order; // today's columns, in the order they are to show
    for (int visual = 0; visual < saved.count(); ++visual) {
        const int column = int(keys.indexOf(savedKeys.at(saved.logicalIndex(visual))));
        if (column >= 0)
            order.append(column);
    }
    for (int column = 0; column < keys.size(); ++column) {
        if (order.contains(column))
            continue;
        qsizetype at = 0; // after the nearest column before it in the model
        for (int before = column - 1; before >= 0 && at == 0; --before)
            at = order.indexOf(before) + 1;
        order.insert(at, column);
    }
    for (int visual = 0; visual < order.size(); ++visual)
        header->moveSection(header->visualIndex(order.at(visual)), visual);
    for (int logical = 0; logical < saved.count(); ++logical) {
        const int column = int(keys.indexOf(savedKeys.at(logical)));
        if (column < 0)
            continue;
        header->setSectionHidden(column, saved.isSectionHidden(logical));
        if (!saved.isSectionHidden(logical))
            header->resizeSection(column, saved.sectionSize(logical));
    }
    return true;
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
