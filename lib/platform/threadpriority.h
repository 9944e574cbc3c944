#pragma once

namespace Longwatch {

/// How far background threads (network, event log) sit below the GUI
/// thread. At +10 the scheduler gives a busy GUI thread about nine times
/// their share when the cores are all taken, which kept bench_dashboard's
/// flood stalls lowest of 0, +5 and +10 (docs/PERFORMANCE.md, "Figures
/// behind choices in the code"); on a machine with cores to spare it
/// changes nothing.
constexpr int kBackgroundNiceIncrement = 10;

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
