#include "filelocations.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace Longwatch {

QString suggestedSaveFolder()
{
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (!documents.isEmpty() && QFileInfo(documents).isDir())
        return QDir::cleanPath(documents);
    return QDir::homePath();
}

} // namespace Longwatch
