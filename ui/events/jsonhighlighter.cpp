#include "jsonhighlighter.h"

#include "statuscolors.h"

#include <QPalette>
#include <QRegularExpression>

namespace Longwatch {

JsonHighlighter::JsonHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{
    setPalette(QPalette());
}

void JsonHighlighter::setPalette(const QPalette &palette)
{
    const bool dark = StatusColors::isDark(palette);
    m_key.setForeground(dark ? QColor(0x8c, 0xc4, 0xff) : QColor(0x1f, 0x4f, 0xa8));
    m_string.setForeground(dark ? QColor(0xa5, 0xd6, 0x8a) : QColor(0x2e, 0x7d, 0x32));
    m_number.setForeground(dark ? QColor(0xf3, 0xb6, 0x6b) : QColor(0xb3, 0x5c, 0x00));
    m_literal.setForeground(dark ? QColor(0xd7, 0x9c, 0xf5) : QColor(0x8e, 0x24, 0xaa));
    rehighlight();
}

void JsonHighlighter::highlightBlock(const QString &text)
{
    static const QRegularExpression token(QStringLiteral(
        R"RX(("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b)RX"));
    for (auto it = token.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        if (match.capturedStart(1) >= 0) {
            const bool isKey = match.capturedStart(2) >= 0;
            setFormat(int(match.capturedStart(1)), int(match.capturedLength(1)),
                      isKey ? m_key : m_string);
        } else if (match.capturedStart(3) >= 0) {
            setFormat(int(match.capturedStart(3)), int(match.capturedLength(3)), m_number);
        } else if (match.capturedStart(4) >= 0) {
            setFormat(int(match.capturedStart(4)), int(match.capturedLength(4)), m_literal);
        }
    }
}

} // namespace Longwatch
