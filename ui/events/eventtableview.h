#pragma once

#include <QTableView>

class QLabel;

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
///
/// An empty table can say why in its middle (setPlaceholderText()); its
/// columns are known by key (EventModel::ColumnKeyRole), so that a header
/// state saved with other columns is restored column by column.
class EventTableView final : public QTableView
{
    Q_OBJECT
public:
    explicit EventTableView(QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model) override;
    void doItemsLayout() override;

    /// Rich text shown in the middle of the table while it has no rows;
    /// empty for nothing. Its links emit placeholderLinkActivated().
    void setPlaceholderText(const QString &text);
    QString placeholderText() const;
    /// The shown placeholder, for tests; nullptr before the first text.
    QLabel *placeholder() const { return m_placeholder; }

    /// The key of each of the model's columns, in the model's order.
    QStringList columnKeys() const;
    /// Restores a horizontal header state (QHeaderView::saveState()) that
    /// was saved while the columns were `savedKeys`: as it is when they are
    /// today's, else each column still there by its key (its width, whether
    /// it is hidden, its place among the others); a column the state does
    /// not know keeps its width and comes after the column before it in the
    /// model. False if the state cannot be read.
    bool restoreHeaderState(const QByteArray &state, const QStringList &savedKeys);

Q_SIGNALS:
    /// A link of the placeholder was clicked; `link` is its href.
    void placeholderLinkActivated(const QString &link);

protected:
    void rowsInserted(const QModelIndex &parent, int start, int end) override;
    void changeEvent(QEvent *event) override;

private:
    void updatePlaceholder();

    PaintPacer *m_scrollBarPacer;
    QLabel *m_placeholder = nullptr;
    int m_insertedFrom = -1;   ///< the first row inserted since the last layout
    bool m_onlyInserts = true; ///< nothing but insertions since the last layout
};

} // namespace Longwatch
