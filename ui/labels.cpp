#include "labels.h"

#include <QLabel>

namespace Longwatch {

QLabel *dimLabel(const QString &text)
{
    auto *label = new QLabel(text);
    QPalette palette = label->palette();
    QColor dim = palette.color(QPalette::WindowText);
    dim.setAlphaF(0.7);
    palette.setColor(QPalette::WindowText, dim);
    label->setPalette(palette);
    return label;
}

QFont scaledFont(QFont font, qreal factor, bool bold)
{
    font.setPointSizeF(font.pointSizeF() * factor);
    font.setBold(bold);
    return font;
}

} // namespace Longwatch
