#pragma once

#include <QStyledItemDelegate>

namespace Longwatch {

/// Paints a channel row of ChannelModel: a dot in the state's colour, the
/// name, the status line (from StatusTextRole), the event count, the time
/// since the last event and a small event-rate sparkline. Everything comes
/// from the model's roles.
class ChannelDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ChannelDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    /// Draws a sparkline of `values` (oldest first) into `rect`.
    static void paintSparkline(QPainter *painter, const QRectF &rect, const QList<int> &values,
                               const QColor &color);
};

} // namespace Longwatch
