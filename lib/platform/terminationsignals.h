#pragma once

#include <functional>

class QObject;

namespace Longwatch {

/// Turns SIGINT, SIGTERM and SIGHUP into a call of `handler` from the event
/// loop of `context`'s thread (a signal handler may do almost nothing
/// itself: it writes a byte to a socket pair that a QSocketNotifier
/// watches). For programs that must end cleanly when asked to: flush what
/// they hold, save their state. Call once per program; false if the socket
/// pair cannot be made (the signals then keep their default action).
bool handleTerminationSignals(QObject *context, std::function<void()> handler);

} // namespace Longwatch
