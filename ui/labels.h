#pragma once

#include <QFont>
#include <QString>

class QLabel;

namespace Longwatch {

/// A label in the window's text colour, dimmed: captions, counts, hints.
QLabel *dimLabel(const QString &text = {});
/// `font` `factor` times as large, bold or not (headings).
QFont scaledFont(QFont font, qreal factor, bool bold = false);

} // namespace Longwatch
