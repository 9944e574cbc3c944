#include "jobdelegates.h"

#include "icons.h"
#include "jobmodel.h"
#include "statuscolors.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace Longwatch {

namespace {

void drawBackground(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index,
                    const QStyledItemDelegate *delegate)
{
    Q_UNUSED(delegate)
    QStyleOptionViewItem opt = option;
    opt.text.clear();
    opt.icon = QIcon();
    opt.features &= ~QStyleOptionViewItem::HasDisplay;
    opt.features &= ~QStyleOptionViewItem::HasDecoration;
    const QVariant background = index.data(Qt::BackgroundRole);
    if (background.isValid())
        opt.backgroundBrush = qvariant_cast<QBrush>(background);
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
}

JobStatus statusOf(const QModelIndex &index)
{
    return index.siblingAtColumn(JobModel::StatusColumn)
        .data(JobModel::StatusRole)
        .value<JobStatus>();
}

} // namespace

JobStatusDelegate::JobStatusDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{}

QSize JobStatusDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics metrics(bold);
    return {metrics.horizontalAdvance(index.data().toString()) + metrics.height() + 28,
            metrics.height() + 10};
}

void JobStatusDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    drawBackground(painter, option, index, this);
    const JobStatus status = statusOf(index);
    const QPalette &palette = option.palette;
    const QColor color = StatusColors::forJobStatus(status, palette);
    const QString text = index.data().toString();
    QFont font = option.font;
    if (status == JobStatus::Failed)
        font.setBold(true);
    const QFontMetrics metrics(font);
    const int iconSize = metrics.height() - 2;
    const int height = metrics.height() + 4;
    const int width =
        std::min(option.rect.width() - 8, metrics.horizontalAdvance(text) + iconSize + 18);
    const QRectF badge(option.rect.left() + 4, option.rect.center().y() - height / 2.0 + 0.5, width,
                       height);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor fill = color;
    fill.setAlpha(StatusColors::isDark(palette) ? 60 : 36);
    QPainterPath path;
    path.addRoundedRect(badge, height / 2.0, height / 2.0);
    painter->fillPath(path, fill);
    QColor edge = color;
    edge.setAlpha(120);
    painter->setPen(QPen(edge, 1));
    painter->drawPath(path);

    const QRect iconRect(int(badge.left()) + 6, int(badge.center().y()) - iconSize / 2, iconSize,
                         iconSize);
    Icons::jobStatus(status, palette).paint(painter, iconRect);
    painter->setFont(font);
    painter->setPen(color);
    const QRectF textRect = badge.adjusted(iconSize + 10, 0, -6, 0);
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                      metrics.elidedText(text, Qt::ElideRight, int(textRect.width())));
    painter->restore();
}

ProgressDelegate::ProgressDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{}

QSize ProgressDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    return {120, option.fontMetrics.height() + 10};
}

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    drawBackground(painter, option, index, this);
    const QVariant progress = index.data(JobModel::ProgressRole);
    if (!progress.isValid())
        return;
    const int value = std::clamp(progress.toInt(), 0, 100);
    const JobStatus status = statusOf(index);
    const QPalette &palette = option.palette;
    const QColor color = StatusColors::forJobStatus(status, palette);

    const QFontMetrics &metrics = option.fontMetrics;
    const QString label = index.data().toString();
    const int labelWidth = metrics.horizontalAdvance(QStringLiteral("100 %")) + 6;
    const QRect r = option.rect.adjusted(6, 0, -12, 0);
    const int barHeight = std::max(6, metrics.height() / 2);
    const QRectF track(r.left(), r.center().y() - barHeight / 2.0 + 0.5,
                       std::max(10, r.width() - labelWidth), barHeight);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor trackColor = palette.color(QPalette::WindowText);
    trackColor.setAlpha(StatusColors::isDark(palette) ? 50 : 30);
    painter->setPen(Qt::NoPen);
    painter->setBrush(trackColor);
    painter->drawRoundedRect(track, barHeight / 2.0, barHeight / 2.0);
    if (value > 0) {
        QRectF fill = track;
        fill.setWidth(std::max(fill.height(), track.width() * value / 100.0));
        painter->setBrush(color);
        painter->drawRoundedRect(fill, barHeight / 2.0, barHeight / 2.0);
    }
    const bool selected = option.state & QStyle::State_Selected;
    painter->setPen(palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(QRectF(track.right() + 6, r.top(), labelWidth, r.height()),
                      Qt::AlignVCenter | Qt::AlignRight, label);
    painter->restore();
}

} // namespace Longwatch
