#pragma once

#include "jobstatus.h"
#include "poller.h"

#include <QColor>

class QPalette;

namespace Longwatch {

/// The colours Longwatch gives to states, chosen to read on light and dark
/// palettes alike (mid saturation, a lighter shade on dark backgrounds).
namespace StatusColors {

/// True if the palette's window is darker than its text.
bool isDark(const QPalette &palette);

QColor forChannelState(Poller::State state, const QPalette &palette);
QColor forJobStatus(JobStatus status, const QPalette &palette);
/// A faint wash of `color` for row backgrounds (failed jobs).
QColor wash(const QColor &color, const QPalette &palette);
/// `palette` with its window text dimmer, for help and notes under a field;
/// the Disabled group keeps the style's colour, so it still greys out.
QPalette dimmedText(QPalette palette);

} // namespace StatusColors

} // namespace Longwatch
