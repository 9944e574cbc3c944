#include "paintpacer.h"

#include <QEvent>
#include <QWidget>

namespace Longwatch {

PaintPacer::PaintPacer(QWidget *widget, QWidget *painted, std::chrono::milliseconds frame)
    : QObject(widget)
    , m_widget(widget)
    , m_frame(frame)
{
    painted->installEventFilter(this);
    m_release.setSingleShot(true);
    m_release.setTimerType(Qt::PreciseTimer);
    // Updates back on: the widget asks for a paint of what changed meanwhile.
    connect(&m_release, &QTimer::timeout, this, [this] { m_widget->setUpdatesEnabled(true); });
}

void PaintPacer::hold()
{
    if (m_release.isActive() || !m_sincePaint.isValid())
        return;
    const auto since = std::chrono::milliseconds(m_sincePaint.elapsed());
    if (since >= m_frame)
        return;
    m_widget->setUpdatesEnabled(false);
    m_release.start(m_frame - since);
}

bool PaintPacer::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Paint)
        m_sincePaint.start();
    return QObject::eventFilter(watched, event);
}

} // namespace Longwatch
