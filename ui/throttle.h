#pragma once

#include <QObject>
#include <QTimer>

#include <chrono>
#include <functional>

namespace Longwatch {

/// Runs a function at most once per interval: at once when it has not run
/// for an interval, otherwise once when the interval ends, however often it
/// was asked meanwhile. For work that follows fast changes (a window's
/// counts under a flood of events) but need not follow each one.
class Throttle final : public QObject
{
    Q_OBJECT
public:
    Throttle(std::chrono::milliseconds interval, std::function<void()> work,
             QObject *parent = nullptr);

    /// Runs the work now, or at the end of the running interval.
    void request();

private:
    std::function<void()> m_work;
    QTimer m_interval;
    bool m_due = false; ///< asked for during the interval
};

} // namespace Longwatch
