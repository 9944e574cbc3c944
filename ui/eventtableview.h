#pragma once

#include <QTableView>

namespace Longwatch {

class PaintPacer;

/// The event table. Live rows go in at the end, up to hundreds a second:
/// Qt's item views answer any row insertion with a full repaint of the
/// viewport (QAbstractItemView::doItemsLayout()), every cell of every
/// visible row drawn again. Here an insertion repaints only from its first row down to
/// the viewport's bottom: nothing when the new rows are below the visible
/// ones, as they are when following (the scroll to them then moves the
/// pixels already painted, and only the new rows' strip is drawn: the
/// viewport fills its background with the opaque Base colour, which is what
/// QWidget::scroll() needs to copy rather than repaint).
/// Anything else (a reset, removals, sorting, a new filter) lays the view
/// out as Qt does.
class EventTableView final : public QTableView
{
    Q_OBJECT
public:
    explicit EventTableView(QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model) override;
    void doItemsLayout() override;

protected:
    void rowsInserted(const QModelIndex &parent, int start, int end) override;
    void changeEvent(QEvent *event) override;

private:
    PaintPacer *m_scrollBarPacer;
    int m_insertedFrom = -1;   ///< the first row inserted since the last layout
    bool m_onlyInserts = true; ///< nothing but insertions since the last layout
};

} // namespace Longwatch
