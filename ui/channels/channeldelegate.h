#pragma once

#include <QStyledItemDelegate>

namespace Longwatch {

/// Paints a channel row of ChannelModel: a dot in the state's colour, the
/// name, the status line (HeadlineRole, else StatusTextRole), the event
/// count, the time since the last event and a small event-rate sparkline;
/// for a failed or retrying channel also why (ReasonRole), whole, on up to
/// two more lines (elided only at the end of the second). Everything comes
/// from the model's roles.
///
/// A group's header (ChannelModel::IsGroupHeaderRole) is a band across the
/// list: a chevron (pointing right when collapsed), the dot of the worst
/// state of its channels, its name, how many channels it has and their
/// states counted. A group's channels are indented under it.
///
/// Compact (setCompact()), a row is one line: the dot, the name, the status
/// and the event count; the reason is in the row's tool tip. For hundreds
/// of channels.
///
/// Rows differ in height: the view must not use uniform item sizes, and
/// should wrap (QListView::setWordWrap(true)) so that a change of its width
/// lays the rows out again. A row whose height no longer fits what it
/// shows asks for a new layout (sizeHintChanged()) when it is painted.
class ChannelDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ChannelDelegate(QObject *parent = nullptr);

    /// One line a row (true), or the full rows.
    void setCompact(bool compact) { m_compact = compact; }
    bool isCompact() const { return m_compact; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    /// `reason` broken at word boundaries into at most `maxLines` lines of
    /// `width` pixels in `font`; the last one elided if the rest does not fit.
    static QStringList reasonLines(const QString &reason, const QFont &font, int width,
                                   int maxLines = 2);

    /// Draws a sparkline of `values` (oldest first) into `rect`.
    static void paintSparkline(QPainter *painter, const QRectF &rect, const QList<int> &values,
                               const QColor &color);

private:
    void paintGroupHeader(QPainter *painter, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const;
    void paintCompact(QPainter *painter, const QStyleOptionViewItem &option,
                      const QModelIndex &index) const;

    bool m_compact = false;
};

} // namespace Longwatch
