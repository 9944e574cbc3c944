#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace Longwatch {

/// Colours keys, strings, numbers and literals of indented JSON in the
/// event detail pane, in shades that read on light and dark palettes.
class JsonHighlighter final : public QSyntaxHighlighter
{
    Q_OBJECT
public:
    explicit JsonHighlighter(QTextDocument *document);

    /// Picks the colours for this palette (call again when it changes).
    void setPalette(const QPalette &palette);

protected:
    void highlightBlock(const QString &text) override;

private:
    QTextCharFormat m_key, m_string, m_number, m_literal;
};

} // namespace Longwatch
