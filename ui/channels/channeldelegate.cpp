#include "channeldelegate.h"

#include "channelmodel.h"
#include "statuscolors.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QTextLayout>

namespace Longwatch {

namespace {

/// The colours of a row: its text, that text dimmed, and its state's.
struct RowColors
{
    QColor text;
    QColor dim;
    QColor state;
};

RowColors rowColors(const QStyleOptionViewItem &option, Poller::State state)
{
    const QPalette &palette = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorGroup group =
        (option.state & QStyle::State_Active) ? QPalette::Active : QPalette::Inactive;
    RowColors colors;
    colors.text = palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);
    colors.dim = colors.text;
    colors.dim.setAlphaF(0.68);
    colors.state = StatusColors::forChannelState(state, palette);
    return colors;
}

constexpr int kPadding = 8;
constexpr int kDot = 10;
constexpr int kSparkWidth = 56;
constexpr int kReasonLines = 2;
/// How far a group's channels sit to the right of its header.
constexpr int kGroupIndent = 12;
constexpr int kChevron = 8;

/// The indent of a row: a channel in a group is under its header.
int indentOf(const QModelIndex &index)
{
    return index.data(ChannelModel::GroupRole).toString().isEmpty() ? 0 : kGroupIndent;
}

/// The width a row is painted in: the view's, as QListView gives every row
/// the width of its viewport. The same in sizeHint() and paint(), so that
/// both break the reason into the same lines.
int rowWidth(const QStyleOptionViewItem &option)
{
    if (const auto *view = qobject_cast<const QAbstractItemView *>(option.widget))
        return view->viewport()->width();
    return option.rect.width() > 0 ? option.rect.width() : 240;
}

/// Where the text of a row starts and ends, left to right.
int textWidth(int rowWidth)
{
    return std::max(0, rowWidth - 2 * kPadding - kDot - kPadding);
}

QStringList reasonLinesOf(const QStyleOptionViewItem &option, const QModelIndex &index)
{
    const QString reason = index.data(ChannelModel::ReasonRole).toString();
    if (reason.isEmpty())
        return {};
    return ChannelDelegate::reasonLines(
        reason, option.font, textWidth(rowWidth(option) - indentOf(index)), kReasonLines);
}

} // namespace

ChannelDelegate::ChannelDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{}

QStringList ChannelDelegate::reasonLines(const QString &reason, const QFont &font, int width,
                                         int maxLines)
{
    QString text = reason.simplified();
    if (text.isEmpty() || maxLines <= 0)
        return {};
    const QFontMetrics metrics(font);
    width = std::max(width, 1);
    QTextLayout layout(text, font);
    QTextOption wrap;
    wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(wrap);
    QStringList lines;
    layout.beginLayout();
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
        line.setLineWidth(width);
        if (lines.size() == maxLines - 1) {
            // The last line we have: whatever is left, cut at its end.
            lines << metrics.elidedText(text.mid(line.textStart()), Qt::ElideRight, width);
            break;
        }
        lines << text.mid(line.textStart(), line.textLength()).trimmed();
    }
    layout.endLayout();
    return lines;
}

QSize ChannelDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (index.data(ChannelModel::IsGroupHeaderRole).toBool()) {
        QFont bold = option.font;
        bold.setBold(true);
        return {std::min(240, rowWidth(option)),
                QFontMetrics(bold).height() + (m_compact ? 8 : 14)};
    }
    if (m_compact)
        return {std::min(240, rowWidth(option)), QFontMetrics(option.font).height() + 6};
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics metrics(option.font);
    int height = QFontMetrics(bold).height() + metrics.height() + 3 * kPadding - 2;
    if (const qsizetype lines = reasonLinesOf(option, index).size(); lines > 0)
        height += 2 + int(lines) * metrics.lineSpacing();
    // As wide as the list is (never wider: a narrow list must not scroll
    // sideways; paint() drops the sparkline and elides instead).
    return {std::min(240, rowWidth(option)), height};
}

void ChannelDelegate::paintSparkline(QPainter *painter, const QRectF &rect,
                                     const QList<int> &values, const QColor &color)
{
    if (values.size() < 2 || rect.width() < 4)
        return;
    const int peak = std::max(1, *std::max_element(values.cbegin(), values.cend()));
    const qreal step = rect.width() / qreal(values.size() - 1);
    QPainterPath line;
    for (qsizetype i = 0; i < values.size(); ++i) {
        const QPointF point(rect.left() + step * qreal(i),
                            rect.bottom() - rect.height() * qreal(values.at(i)) / qreal(peak));
        if (i == 0)
            line.moveTo(point);
        else
            line.lineTo(point);
    }
    QPainterPath area = line;
    area.lineTo(rect.bottomRight());
    area.lineTo(rect.bottomLeft());
    area.closeSubpath();
    QColor fill = color;
    fill.setAlpha(50);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->fillPath(area, fill);
    painter->setPen(QPen(color, 1.4));
    painter->drawPath(line);
    painter->restore();
}

void ChannelDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    // Selection and hover background as the style draws it.
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (index.data(ChannelModel::IsGroupHeaderRole).toBool()) {
        paintGroupHeader(painter, option, index);
        return;
    }
    // A group's channels sit under its header, a little to the right.
    QStyleOptionViewItem indented = option;
    indented.rect.setLeft(option.rect.left() + indentOf(index));
    if (m_compact) {
        paintCompact(painter, indented, index);
        return;
    }

    const auto state = index.data(ChannelModel::StateRole).value<Poller::State>();
    const bool selected = option.state & QStyle::State_Selected;
    const auto [text, dim, stateColor] = rowColors(option, state);

    const QRect r = indented.rect.adjusted(kPadding, kPadding - 1, -kPadding, -kPadding + 1);
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold);
    const QFontMetrics metrics(option.font);
    const int line1 = r.top();
    const int line2 = r.top() + boldMetrics.height() + 2;

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);

    // The state dot, with a ring while retrying so colour is not the only cue.
    const QRectF dot(r.left(), line1 + (boldMetrics.height() - kDot) / 2.0, kDot, kDot);
    painter->setPen(Qt::NoPen);
    painter->setBrush(stateColor);
    if (state == Poller::State::Backoff || state == Poller::State::Connecting ||
        state == Poller::State::Waiting) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(stateColor, 2.2));
        painter->drawEllipse(dot.adjusted(1.1, 1.1, -1.1, -1.1));
    } else {
        painter->drawEllipse(dot);
    }

    const int textLeft = r.left() + kDot + kPadding;

    // Right column, line 1: event count; line 2: time since the last event.
    const QString count = QLocale().toString(index.data(ChannelModel::EventCountRole).toLongLong());
    const QString since = index.data(ChannelModel::SinceLastEventRole).toString();
    const int countWidth = metrics.horizontalAdvance(count);
    const int sinceWidth = metrics.horizontalAdvance(since);
    painter->setFont(option.font);
    painter->setPen(dim);
    const QRect countRect(r.right() - countWidth, line1, countWidth, boldMetrics.height());
    painter->drawText(countRect, Qt::AlignRight | Qt::AlignVCenter, count);

    // The sparkline sits left of the count, when there is room for it.
    int nameRight = countRect.left() - kPadding;
    const QList<int> rate = index.data(ChannelModel::RateRole).value<QList<int>>();
    if (r.width() > 200 && !rate.isEmpty()) {
        const QRectF spark(countRect.left() - kPadding - kSparkWidth, line1 + 2, kSparkWidth,
                           boldMetrics.height() - 4);
        paintSparkline(painter, spark, rate, selected ? text : stateColor);
        nameRight = int(spark.left()) - kPadding;
    }

    painter->setFont(bold);
    painter->setPen(text);
    const QString name = boldMetrics.elidedText(index.data(Qt::DisplayRole).toString(),
                                                Qt::ElideRight, std::max(0, nameRight - textLeft));
    painter->drawText(QRect(textLeft, line1, nameRight - textLeft, boldMetrics.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, name);

    painter->setFont(option.font);
    painter->setPen(dim);
    // A listening channel's status already says how long it has been quiet;
    // a failing one's needs the room more than "no events yet" does.
    const bool sinceInStatus = state == Poller::State::Waiting ||
                               (index.data(ChannelModel::EventCountRole).toLongLong() == 0 &&
                                !index.data(ChannelModel::ReasonRole).toString().isEmpty());
    const QRect sinceRect(r.right() - (sinceInStatus ? 0 : sinceWidth), line2,
                          sinceInStatus ? 0 : sinceWidth, metrics.height());
    if (!sinceInStatus)
        painter->drawText(sinceRect, Qt::AlignRight | Qt::AlignVCenter, since);

    // Status line in the state's colour (readable on the selection too).
    QColor statusColor = selected ? text : stateColor;
    if (state == Poller::State::Stopped || state == Poller::State::Idle)
        statusColor = dim;
    painter->setPen(statusColor);
    const int statusRight = sinceRect.left() - kPadding;
    QVariant headline = index.data(ChannelModel::HeadlineRole);
    if (!headline.isValid())
        headline = index.data(ChannelModel::StatusTextRole);
    const QString status = metrics.elidedText(headline.toString(), Qt::ElideRight,
                                              std::max(0, statusRight - textLeft));
    painter->drawText(QRect(textLeft, line2, statusRight - textLeft, metrics.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, status);

    // Why it failed or retries, whole, below: where the eye goes.
    const QStringList reason = reasonLinesOf(option, index);
    painter->setPen(text);
    int y = line2 + metrics.height() + 2;
    for (const QString &line : reason) {
        painter->drawText(
            QRect(textLeft, y, textWidth(rowWidth(option) - indentOf(index)), metrics.height()),
            Qt::AlignLeft | Qt::AlignVCenter, line);
        y += metrics.lineSpacing();
    }

    painter->restore();

    // The reason came, went or now takes another number of lines: the row
    // needs another height. The view lays the rows out again, later.
    if (sizeHint(option, index).height() != option.rect.height())
        Q_EMIT const_cast<ChannelDelegate *>(this)->sizeHintChanged(index);
}

void ChannelDelegate::paintCompact(QPainter *painter, const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const
{
    const auto state = index.data(ChannelModel::StateRole).value<Poller::State>();
    const bool selected = option.state & QStyle::State_Selected;
    const auto [text, dim, stateColor] = rowColors(option, state);
    const QFontMetrics metrics(option.font);
    const QRect r = option.rect.adjusted(kPadding - 2, 0, -kPadding, 0);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal dotSize = kDot - 2;
    const QRectF dot(r.left(), r.center().y() - dotSize / 2.0 + 0.5, dotSize, dotSize);
    if (state == Poller::State::Backoff || state == Poller::State::Connecting ||
        state == Poller::State::Waiting) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(stateColor, 2.0));
        painter->drawEllipse(dot.adjusted(1.0, 1.0, -1.0, -1.0));
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(stateColor);
        painter->drawEllipse(dot);
    }
    painter->setFont(option.font);

    // Right to left: the count, the status (at most half the room), the name.
    const QString count = QLocale().toString(index.data(ChannelModel::EventCountRole).toLongLong());
    const int countWidth = metrics.horizontalAdvance(count);
    painter->setPen(dim);
    painter->drawText(QRect(r.right() - countWidth, r.top(), countWidth, r.height()),
                      Qt::AlignRight | Qt::AlignVCenter, count);
    const int textLeft = r.left() + int(dotSize) + kPadding - 2;
    // Room for five digits whatever the count: the columns line up.
    const int countColumn =
        std::max(countWidth, metrics.horizontalAdvance(QStringLiteral("00000")));
    const int room = std::max(0, r.right() - countColumn - kPadding - textLeft);
    // The state in a word, in a column as wide as the longest word, so
    // that the eye runs down it and the name keeps the rest; the details
    // are in the row's tool tip.
    static const QList<Poller::State> states{Poller::State::Idle,    Poller::State::Connecting,
                                             Poller::State::Waiting, Poller::State::Live,
                                             Poller::State::Backoff, Poller::State::Stopped,
                                             Poller::State::Failed};
    int statusColumn = 0;
    for (const Poller::State each : states)
        statusColumn = std::max(statusColumn, metrics.horizontalAdvance(Poller::stateString(each)));
    const QString name = index.data(Qt::DisplayRole).toString();
    const int statusWidth = std::min(statusColumn, room / 2);
    const int nameWidth = std::max(0, room - statusWidth - kPadding);
    const int statusLeft = textLeft + nameWidth + kPadding;
    const QString status = metrics.elidedText(index.data(ChannelModel::PausedRole).toBool()
                                                  ? Poller::stateString(Poller::State::Stopped)
                                                  : Poller::stateString(state),
                                              Qt::ElideRight, statusWidth);
    painter->setPen(text);
    painter->drawText(QRect(textLeft, r.top(), std::max(0, nameWidth), r.height()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      metrics.elidedText(name, Qt::ElideRight, std::max(0, nameWidth)));
    QColor statusColor = selected ? text : stateColor;
    if (state == Poller::State::Stopped || state == Poller::State::Idle)
        statusColor = dim;
    painter->setPen(statusColor);
    painter->drawText(QRect(statusLeft, r.top(), statusWidth, r.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, status);
    painter->restore();
}

void ChannelDelegate::paintGroupHeader(QPainter *painter, const QStyleOptionViewItem &option,
                                       const QModelIndex &index) const
{
    const auto state = index.data(ChannelModel::StateRole).value<Poller::State>();
    const bool collapsed = index.data(ChannelModel::CollapsedRole).toBool();
    const bool selected = option.state & QStyle::State_Selected;
    const auto [text, dim, stateColor] = rowColors(option, state);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    // A band across the list, with a line above it: where a group begins.
    if (!selected) {
        QColor band = text;
        band.setAlphaF(StatusColors::isDark(option.palette) ? 0.07 : 0.045);
        painter->fillRect(option.rect, band);
    }
    QColor rule = text;
    rule.setAlphaF(0.16);
    painter->setPen(QPen(rule, 1));
    painter->drawLine(option.rect.topLeft(), option.rect.topRight());

    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold);
    const QFontMetrics metrics(option.font);
    const QRect r = option.rect.adjusted(kPadding - 2, 0, -kPadding, 0);
    const qreal middle = r.center().y() + 0.5;

    // The chevron: pointing right when collapsed, down when expanded.
    QPainterPath chevron;
    const qreal c = kChevron / 2.0;
    const qreal cx = r.left() + c;
    if (collapsed) {
        chevron.moveTo(cx - c / 2, middle - c);
        chevron.lineTo(cx + c / 2 + 1, middle);
        chevron.lineTo(cx - c / 2, middle + c);
    } else {
        chevron.moveTo(cx - c, middle - c / 2);
        chevron.lineTo(cx, middle + c / 2 + 1);
        chevron.lineTo(cx + c, middle - c / 2);
    }
    painter->setPen(QPen(dim, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(chevron);

    // The worst state's dot, as the channel rows draw it.
    const qreal dotSize = m_compact ? kDot - 2 : kDot;
    const QRectF dot(r.left() + kChevron + kPadding, middle - dotSize / 2.0, dotSize, dotSize);
    if (state == Poller::State::Backoff || state == Poller::State::Connecting ||
        state == Poller::State::Waiting) {
        painter->setPen(QPen(stateColor, 2.2));
        painter->drawEllipse(dot.adjusted(1.1, 1.1, -1.1, -1.1));
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(stateColor);
        painter->drawEllipse(dot);
    }

    // The name and how many channels it has on the left, the counts by
    // state on the right: the name keeps at least half the room, the
    // counts take what it leaves.
    const int textLeft = int(dot.right()) + kPadding;
    const int room = std::max(0, r.right() - textLeft);
    const QString summary = index.data(ChannelModel::GroupSummaryRole).toString();
    const QString count = QLocale().toString(index.data(ChannelModel::MemberCountRole).toInt());
    const int countWidth = metrics.horizontalAdvance(count);
    const QString fullName = index.data(Qt::DisplayRole).toString();
    // Between the name and its count, as drawn below.
    const int countGap = kPadding / 2 + 2;
    const int nameNeeds = boldMetrics.horizontalAdvance(fullName) + countGap + countWidth;
    const int summaryWidth = std::max(0, std::min(metrics.horizontalAdvance(summary) + 2,
                                                  room - std::min(nameNeeds, room / 2) - kPadding));
    painter->setFont(option.font);
    painter->setPen(selected ? text : dim);
    painter->drawText(QRect(r.right() - summaryWidth, r.top(), summaryWidth, r.height()),
                      Qt::AlignRight | Qt::AlignVCenter,
                      metrics.elidedText(summary, Qt::ElideRight, summaryWidth));
    const int nameRoom = std::max(0, room - summaryWidth - kPadding - countGap - countWidth);
    const QString name = boldMetrics.elidedText(fullName, Qt::ElideRight, nameRoom);
    const int nameWidth = boldMetrics.horizontalAdvance(name);
    painter->setFont(bold);
    painter->setPen(text);
    painter->drawText(QRect(textLeft, r.top(), nameWidth, r.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, name);
    painter->setFont(option.font);
    painter->setPen(dim);
    painter->drawText(QRect(textLeft + nameWidth + countGap, r.top(), countWidth, r.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, count);
    painter->restore();
}

} // namespace Longwatch
