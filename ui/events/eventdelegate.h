#pragma once

#include <QCache>
#include <QFont>
#include <QHashFunctions>
#include <QStaticText>
#include <QStyledItemDelegate>

namespace Longwatch {

/// Paints the cells of the event table: one line of plain text, elided to
/// the column, over the style's usual background, selection and focus (a
/// plain cell, which the style leaves as the view's row background, is not
/// handed to the style at all).
///
/// QStyledItemDelegate lays each cell's text out again on every paint
/// (shaping, eliding): with rows coming in all the time that was most of
/// the GUI thread's time (bench_dashboard, row 2). Here the laid-out line
/// (a QStaticText) is kept per text and width, so a repaint of rows already
/// seen only draws glyphs.
class EventDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit EventDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

    /// Lines laid out and kept (for tests).
    int cachedLines() const { return m_lines.size(); }

private:
    struct Line
    {
        QStaticText text;
        int width = 0; ///< of the elided text, in pixels
    };
    struct LineKey
    {
        QString text;
        int width = 0;
        Qt::TextElideMode elide = Qt::ElideRight;
        bool operator==(const LineKey &other) const
        {
            return width == other.width && elide == other.elide && text == other.text;
        }
        friend size_t qHash(const LineKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.text, key.width, int(key.elide));
        }
    };
    /// The laid-out line for `text` elided to `width` with `font`.
    const Line *line(const QString &text, int width, const QFont &font,
                     Qt::TextElideMode elide) const;

    mutable QCache<LineKey, Line> m_lines;
    mutable QFont m_font; ///< the font of the cached lines
};

} // namespace Longwatch
