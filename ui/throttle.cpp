#include "throttle.h"

namespace Longwatch {

Throttle::Throttle(std::chrono::milliseconds interval, std::function<void()> work, QObject *parent)
    : QObject(parent)
    , m_work(std::move(work))
{
    m_interval.setSingleShot(true);
    m_interval.setInterval(interval);
    connect(&m_interval, &QTimer::timeout, this, [this] {
        if (!std::exchange(m_due, false))
            return;
        m_work();
        m_interval.start();
    });
}

void Throttle::request()
{
    if (m_interval.isActive()) {
        m_due = true; // done when the interval ends
        return;
    }
    m_work();
    m_interval.start(); // nothing more until it ends
}

} // namespace Longwatch
