#include "eventdelegate.h"

#include <QApplication>
#include <QFontMetrics>
#include <QPainter>

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
    QString key = text;
    key += QChar(0x1f);
    key += QString::number(width);
    key += QChar(u'0' + int(elide));
    if (const Line *cached = m_lines.object(key))
        return cached;
    // One line: a message's line breaks and tabs show as spaces.
    QString flat = text;
    for (QChar &c : flat) {
        if (c == u'\n' || c == u'\r' || c == u'\t' || c == QChar::LineSeparator ||
            c == QChar::ParagraphSeparator)
            c = u' ';
    }
    const QFontMetrics metrics(font);
    auto *made = new Line;
    const QString elided = metrics.elidedText(flat, elide, width);
    made->text.setText(elided);
    made->text.setTextFormat(Qt::PlainText);
    made->text.setPerformanceHint(QStaticText::AggressiveCaching);
    made->text.prepare(QTransform(), font);
    made->width = metrics.horizontalAdvance(elided);
    m_lines.insert(key, made);
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

    painter->save();
    painter->setFont(opt.font);
    painter->setPen(opt.palette.color(group, role));
    painter->setClipRect(rect, Qt::IntersectClip);
    painter->drawStaticText(QPoint(x, y), laid->text);
    painter->restore();
}

} // namespace Longwatch
