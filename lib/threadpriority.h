#pragma once

namespace Longwatch {

/// Makes the calling thread yield to others when the machine is short of
/// CPU: on Linux it raises the thread's nice value by `increment` (threads
/// it starts afterwards, such as a QNetworkAccessManager's HTTP thread,
/// inherit it). For background threads (network, event log), so that the
/// GUI thread keeps its share when the cores are all busy; an idle machine
/// runs them as fast as before. False if the system refused; off Linux it
/// does nothing and says false.
bool lowerCurrentThreadPriority(int increment);

/// The calling thread's nice value (Linux), 0 elsewhere.
int currentThreadNice();

} // namespace Longwatch
