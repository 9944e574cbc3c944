#pragma once

#include <QString>

namespace Longwatch {

/// The folder a save dialog starts in: the user's Documents folder
/// (QStandardPaths::DocumentsLocation) if it exists, else the home folder.
/// A fresh account may have no ~/Documents, and a path suggested there
/// fails with "No such file or directory"; this one always exists (as
/// far as the home folder does). Nothing is created.
QString suggestedSaveFolder();

} // namespace Longwatch
