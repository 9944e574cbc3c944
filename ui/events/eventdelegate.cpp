#include "eventdelegate.h"

#include <QApplication>
#include <QFontMetrics>
#include <QPainter>
#include <QtMath>

namespace Longwatch {

namespace {

/// Lines kept: a screenful of cells many times over.
constexpr int kCachedLines = 4000;

} // namespace

EventDelegate::EventDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
    , m_lines(kCachedLines)
{}

const EventDelegate::Line *EventDelegate::line(const QString &text, int width, const QFont &font,
                                               Qt::TextElideMode elide) const
{
    if (font != m_font) {
        m_lines.clear();
        m_font = font;
    }
    LineKey key{text, width, elide};
    if (const Line *cached = m_lines.object(key))
        return cached;
    // One line: a message's line breaks and tabs show as spaces.
    QString flat = text;
    for (QChar &c : flat) {
        if (c == u'\n' || c == u'\r' || c == u'\t' || c == QChar::LineSeparator ||
            c == QChar::ParagraphSeparator)
            c = u' ';
    }
    auto *made = new Line;
    made->text.setTextFormat(Qt::PlainText);
    made->text.setPerformanceHint(QStaticText::AggressiveCaching);
    // Laid out whole first: most cells fit, and are shaped only once so.
    made->text.setText(flat);
    made->text.prepare(QTransform(), font);
    if (made->text.size().width() > width) {
        const QString elided = QFontMetrics(font).elidedText(flat, elide, width);
        made->text.setText(elided);
        made->text.prepare(QTransform(), font);
    }
    made->width = qCeil(made->text.size().width());
    m_lines.insert(std::move(key), made);
    return made;
}

void EventDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = std::exchange(opt.text, QString());
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    // Background, selection and focus as the style draws them, without text.
    // A plain cell (not selected, focused or hovered, no background of its
    // own, no icon or check box) is left as the view painted its row: the
    // styles draw nothing more for it, and asking them was a third of the
    // cost of a cell.
    constexpr QStyle::State kDrawn =
        QStyle::State_Selected | QStyle::State_HasFocus | QStyle::State_MouseOver;
    constexpr QStyleOptionViewItem::ViewItemFeatures kDecorated =
        QStyleOptionViewItem::HasCheckIndicator | QStyleOptionViewItem::HasDecoration;
    if ((opt.state & kDrawn) || (opt.features & kDecorated) ||
        opt.backgroundBrush.style() != Qt::NoBrush)
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty())
        return;

    // Where the style puts a cell's text: inside its focus frame margin.
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    const QRect rect = opt.rect.adjusted(margin, 0, -margin, 0);
    if (rect.width() <= 0)
        return;
    const Line *laid = line(text, rect.width(), opt.font, opt.textElideMode);

    const QPalette::ColorGroup group = !(opt.state & QStyle::State_Enabled) ? QPalette::Disabled
                                       : (opt.state & QStyle::State_Active) ? QPalette::Active
                                                                            : QPalette::Inactive;
    const QPalette::ColorRole role =
        (opt.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text;
    const int height = QFontMetrics(opt.font).height();
    int x = rect.left();
    if (opt.displayAlignment & Qt::AlignRight)
        x = rect.right() + 1 - laid->width;
    else if (opt.displayAlignment & Qt::AlignHCenter)
        x = rect.left() + (rect.width() - laid->width) / 2;
    const int y = rect.top() + (rect.height() - height) / 2;

    // The line fits the cell (elided to it): no clip, and the painter's pen
    // and font put back by hand (cheaper than save() and restore()).
    const QPen pen = painter->pen();
    const QFont font = painter->font();
    painter->setFont(opt.font);
    painter->setPen(opt.palette.color(group, role));
    painter->drawStaticText(QPoint(x, y), laid->text);
    painter->setPen(pen);
    painter->setFont(font);
}

} // namespace Longwatch
