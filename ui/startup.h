#pragma once

#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventrecorder.h"

#include <QObject>
#include <QString>

namespace Longwatch {

class ChannelManager;
class MainWindow;
class SettingsChannelStore;

/// The dashboard's start, in steps that wait for answers without a nested
/// event loop: the secrets (the keychain answers over D-Bus), then the
/// event log (a damaged one is offered to be moved aside; one that cannot
/// be opened is reported, and the dashboard runs without saving), then the
/// channels, which start from the cursors stored with their last stored
/// batches. Owns the event log's writer, reader and recorder: destroy it
/// before the manager, so what is queued is written while the channels
/// are still there.
class Startup final : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString eventLogPath; ///< empty: no event log
        bool demo = false;    ///< for the caller, after finished()
        /// Where the secrets live when there is no keychain; empty for
        /// SecretStore::defaultFallbackPath().
        QString secretsFallbackPath;
        /// Skip the keychain (tests): secrets go to the fallback file.
        bool noKeychain = false;
    };

    /// None is owned.
    Startup(Options options, SettingsChannelStore *store, ChannelManager *manager,
            MainWindow *window, QObject *parent = nullptr);
    ~Startup() override;

    const Options &options() const { return m_options; }
    /// Runs the steps; finished() when the channels are loaded.
    void run();

    EventLogWriter *writer() { return &m_writer; }
    EventLog *reader() { return &m_reader; }
    /// True if events are being saved.
    bool hasEventLog() const { return m_reader.isOpen(); }

Q_SIGNALS:
    /// The channels are loaded (and started); the window is ready.
    void finished();

private:
    void openEventLog();
    void askAboutDamagedLog();
    void showLogProblem(const QString &sentence);
    void useEventLog();
    void loadChannels();

    Options m_options;
    SettingsChannelStore *m_store;
    ChannelManager *m_manager;
    MainWindow *m_window;
    EventLogWriter m_writer;
    EventLog m_reader;
    EventRecorder m_recorder;
};

} // namespace Longwatch
