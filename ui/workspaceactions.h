#pragma once

#include <QHash>
#include <QObject>

class QWidget;

namespace Longwatch {

class Channel;
class ChannelManager;
struct WorkspaceImport;

/// File › Import Workspace… and Export Workspace…: the file chooser, the
/// workspace file (docs/WORKSPACE.md) read or written, and what the user is
/// told about it: what was left out, what to enter again, and, for
/// channels that are here already, whether to skip them, replace their
/// settings or import copies. Messages are window-modal and do not block.
class WorkspaceActions final : public QObject
{
    Q_OBJECT
public:
    /// Dialogs open over `window`; `manager` is not owned.
    WorkspaceActions(ChannelManager *manager, QWidget *window);

    /// Opens the file chooser to import (`save` false) or export.
    void chooseFile(bool save);
    /// Writes the channels to a workspace file (no secrets) and says what
    /// was left out; false with `error` set if the file cannot be written.
    bool exportTo(const QString &path, QString *error = nullptr);
    /// Adds the channels of a workspace file and says what to enter again;
    /// returns how many were added, -1 if the file was refused. When some
    /// of its channels are here already (ChannelConfig::sameAddress()), a
    /// question ("workspaceAlreadyHere") asks what to do with them, and 0
    /// is returned.
    int importFrom(const QString &path);

Q_SIGNALS:
    /// The first channel imported or replaced, to be selected.
    void channelImported(Channel *channel);
    /// A sentence for the status bar, for `timeoutMs`.
    void message(const QString &text, int timeoutMs);

private:
    enum class Choice { Skip, Replace, Copies }; ///< for channels already here
    /// Adds (or, as `choice` says, skips or replaces) the imported channels
    /// and says so; `alreadyHere` maps their index to the channel here.
    int addImported(const QString &path, const WorkspaceImport &imported,
                    const QHash<qsizetype, Channel *> &alreadyHere, Choice choice);

    ChannelManager *m_manager;
    QWidget *m_window;
};

} // namespace Longwatch
