#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <chrono>

class QWidget;

namespace Longwatch {

/// Keeps a widget from painting more than once per frame. Call hold() when
/// its content changed: if it painted less than a frame ago, its updates
/// wait (QWidget::setUpdatesEnabled(false)) until the frame ends, and then
/// it paints once with everything that changed meanwhile.
///
/// The event table's scroll bar changes with each row that comes in; a
/// trickle of 200 events a second would otherwise repaint it 200 times a
/// second, and as it is not opaque, each of its paints paints the widgets
/// behind it (the tab widget, the splitters, the window) too.
///
/// Re-enabling updates repaints the whole widget and its children: pace a
/// widget whose content changes as a whole (a scroll bar), not one that
/// repaints only what changed (the table's viewport, see EventTableView).
class PaintPacer final : public QObject
{
    Q_OBJECT
public:
    /// Paces `widget`, whose paints show as Paint events of `painted`
    /// (e.g. a view's viewport). Owned by `widget`.
    PaintPacer(QWidget *widget, QWidget *painted,
               std::chrono::milliseconds frame = std::chrono::milliseconds(16));

    void hold();
    /// True while updates wait for the frame's end.
    bool isHolding() const { return m_release.isActive(); }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *m_widget;
    std::chrono::milliseconds m_frame;
    QElapsedTimer m_sincePaint;
    QTimer m_release;
};

} // namespace Longwatch
