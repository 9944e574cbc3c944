#pragma once

#include <QHash>
#include <QObject>

class QHeaderView;
class QSplitter;

namespace Longwatch {

/// Keeps a table's columns fitted to its width until the user resizes one:
/// every column but the last gets its preferred width while the last (the
/// stretching one, e.g. an event's text) keeps at least `lastMinimum`
/// pixels; when the table is narrower, the columns give up width in
/// proportion to what they have above their minimum. Once the user drags a
/// section, their widths stand (isPlaced()).
class HeaderFitter final : public QObject
{
    Q_OBJECT
public:
    explicit HeaderFitter(QHeaderView *header, int lastMinimum);

    /// The width `section` gets when there is room, and the least it is
    /// given when there is not.
    void setSection(int section, int preferred, int minimum);
    /// True once the user resized a section (or setPlaced(true) said so,
    /// for widths restored from the settings).
    bool isPlaced() const { return m_placed; }
    void setPlaced(bool placed);
    /// Fits the sections to the header's current width (unless placed).
    void fit();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Widths
    {
        int preferred = 0;
        int minimum = 0;
    };
    QHeaderView *m_header;
    int m_lastMinimum;
    QHash<int, Widths> m_sections;
    bool m_placed = false;
    bool m_fitting = false; ///< our own resizes, not the user's
};

/// Keeps the first pane of a splitter (a side bar) at a share of the
/// splitter's width, between a minimum and a maximum, until the user moves
/// the handle (isPlaced()).
class SplitterFitter final : public QObject
{
    Q_OBJECT
public:
    SplitterFitter(QSplitter *splitter, double share, int minimum, int maximum);

    bool isPlaced() const { return m_placed; }
    void setPlaced(bool placed);
    /// Sizes the first pane for the splitter's current width (unless placed).
    void fit();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QSplitter *m_splitter;
    double m_share;
    int m_minimum;
    int m_maximum;
    bool m_placed = false;
};

} // namespace Longwatch
