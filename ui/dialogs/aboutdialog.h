#pragma once

#include <QDialog>

namespace Longwatch {

/// Help › About Longwatch: the version, the Qt versions, and where the
/// settings, the event log and the secrets are kept (selectable, so a path
/// can be copied). Window-modal; deletes itself when closed.
class AboutDialog final : public QDialog
{
    Q_OBJECT
public:
    /// `eventLogPath` empty: events are not saved.
    AboutDialog(const QString &settingsPath, const QString &eventLogPath,
                const QString &secretLocation, QWidget *parent);
};

} // namespace Longwatch
