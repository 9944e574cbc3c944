#pragma once

#include "jobstatus.h"

#include <QColor>
#include <QIcon>
#include <QString>

class QPalette;

namespace Longwatch {

/// Longwatch's SVG icons (resources/icons). The line icons are drawn in
/// `currentColor`, which is replaced here by the palette's text colour, so
/// they read on light and dark palettes alike.
namespace Icons {

/// The line icon `name` ("add", "pause", ...) in the palette's text colour
/// (and its disabled text colour for the disabled mode).
QIcon themed(const QString &name, const QPalette &palette);
/// The line icon `name` in one colour.
QIcon tinted(const QString &name, const QColor &color);
/// The job status icon in its status colour.
QIcon jobStatus(JobStatus status, const QPalette &palette);
/// A filled dot, e.g. for the tray and the status bar.
QIcon dot(const QColor &color);
/// The application icon, optionally with a status dot in its upper right
/// corner and a line icon (`emblem`, e.g. "bell-off") on a white disc in its
/// lower left one: the tray shows health and how notifications stand.
QIcon application(const QColor &badge = {}, const QString &emblem = {});

} // namespace Icons

} // namespace Longwatch
