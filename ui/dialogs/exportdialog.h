#pragma once

#include "eventexporter.h"
#include "eventlog.h"

#include <QDialog>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <chrono>
#include <optional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QMessageBox;
class QProgressBar;
class QPushButton;
class QRadioButton;

namespace Longwatch {

class ExportWorker;

/// A channel as the export dialog lists it: the key its events are stored
/// under (what EventQuery::channels matches; the dashboard's config id) and
/// the name a person knows it by.
struct ExportChannel
{
    QString key;
    QString name;
};

/// Exports events of the event log to a CSV, NDJSON or JSON file: those of
/// the dashboard's current view, or a selection by channel, received time,
/// type and text. It says how many events match as the choice changes
/// (any of them: channels, time range, types, text) and as the log grows,
/// exports in a worker thread with its own EventLog connection while a
/// progress bar runs, and can be cancelled. A cancelled or failed export
/// leaves no file behind (EventExporter writes through QSaveFile).
///
/// Window-modal; show it with open(). The UI thread never waits for the
/// database: counting and exporting both run in the worker. Closing the
/// dialog while it exports cancels the export; the destructor waits for
/// the worker thread, so nothing outlives the dialog.
class ExportDialog final : public QDialog
{
    Q_OBJECT
public:
    enum class State {
        Ready,     ///< no export ran yet
        Exporting, ///< the choices are locked; cancelExport() stops it
        Succeeded,
        Failed,
        Cancelled,
    };
    Q_ENUM(State)

    /// `storePath` is the event log's file (EventLog::defaultPath() for
    /// the dashboard). It is opened in the worker when the dialog is made,
    /// with EventLog::OpenMode::MustExist.
    explicit ExportDialog(const QString &storePath, QWidget *parent = nullptr);
    /// Cancels a running export and waits for the worker thread to end.
    ~ExportDialog() override;

    // The setters below may be called in any order, before open().

    /// The channels to choose from, in the order shown; all are checked
    /// (those of the current view, if one is set). Channels the log holds
    /// but that are not listed here (removed from the dashboard) are added
    /// below them, named by their key.
    void setChannels(const QList<ExportChannel> &channels);
    /// The event types to choose from; all are checked (those of the
    /// current view, if one is set). With every type checked, no type
    /// filter applies (types not listed are exported too).
    void setEventTypes(const QStringList &types);
    /// Offers "the current view" (and chooses it); the custom selection
    /// starts from the same filter.
    void setCurrentView(const EventQuery &view);

    /// Chooses between the current view (if there is one) and the custom
    /// selection.
    void setUseCurrentView(bool use);
    bool usesCurrentView() const;
    void setFormat(EventExporter::Format format);
    EventExporter::Format format() const;
    /// The file to write; a relative path is taken in suggestedSaveFolder()
    /// (Documents, or the home folder if there is no Documents folder),
    /// where the suggested file name is too.
    void setFilePath(const QString &path);
    /// The absolute path export would write to; empty if none is given.
    QString filePath() const;
    /// Events per page of the export (tests: a smaller page reports
    /// progress, and notices a cancel, more often).
    void setPageSize(int events) { m_pageSize = events; }
    /// How often the dialog looks whether the log changed (events recorded
    /// or trimmed while it is open) and then counts again; default 2 s.
    void setRefreshInterval(std::chrono::milliseconds interval);

    /// What would be exported, as the choices stand.
    EventQuery query() const;
    /// How many events match the choices; nullopt while counting or if
    /// the count failed.
    std::optional<qint64> matchCount() const { return m_matchCount; }

    State state() const { return m_state; }
    /// What the last export came to, as shown: "Exported 12 events to …",
    /// the reason it failed, or that it was cancelled. Empty before.
    QString message() const { return m_message; }

    /// Starts the export, as the Export button does. Does nothing while an
    /// export runs or when the choices cannot be exported. If the file
    /// exists, it first asks whether to replace it, in a window-modal
    /// QMessageBox named "replaceQuestion" (shown with open(), so the event
    /// loop runs on): the export starts on Yes; No leaves the file alone.
    /// A file already confirmed in the Choose… file dialog is not asked
    /// about again.
    void startExport();
    /// Stops a running export (at the exporter's next page); the dialog
    /// stays open and says that nothing was written.
    void cancelExport();

    void done(int result) override;

Q_SIGNALS:
    void stateChanged(Longwatch::ExportDialog::State state);
    /// Emitted each time a count of the matching events is shown; `count`
    /// is nullopt if counting failed.
    void matchCountChanged(std::optional<qint64> count);
    /// Emitted as the export moves on: once before the first page (done
    /// 0), then after every page written.
    void progress(qint64 done, qint64 total);
    /// Emitted once per started export when it ended: Succeeded, Failed
    /// or Cancelled (then message() says so).
    void exportFinished(Longwatch::ExportDialog::State state);

private:
    QWidget *buildWhatBox();
    QWidget *buildFileBox();
    void setState(State state);
    void choicesChanged();
    void sendCount(bool onlyIfTheLogChanged);
    void refreshCount();
    void onCounted(quint64 request, qint64 count, const QString &error);
    void onStoreOpened(const QStringList &storedChannels);
    void onProgress(qint64 done, qint64 total);
    void onExported(EventExporter::Error error, qint64 count, const QString &sentence);
    void onFormatChanged();
    void chooseFile();
    bool canExport(const QString &path) const;
    void askToReplace(const QString &path);
    void beginExport(const QString &path);
    void openFolder();
    void updateControls();
    QStringList problems() const;
    QString describe(const EventQuery &query) const;
    QString channelName(const QString &key) const;
    void addChannelItem(const QString &key, const QString &name);

    QString m_storePath;
    QList<ExportChannel> m_channels;
    QStringList m_storedChannels;
    std::optional<EventQuery> m_view;
    int m_pageSize = 0; ///< 0: the exporter's default
    State m_state = State::Ready;
    bool m_cancelling = false; ///< cancelExport() was called; the outcome is on its way
    QString m_message;
    QString m_exportedPath;
    /// A file the person agreed to replace in the file chooser.
    QString m_replaceConfirmed;
    /// "Replace the file?", while it is asked.
    QPointer<QMessageBox> m_replaceQuestion;
    std::optional<qint64> m_matchCount;
    QString m_countError;
    quint64 m_countRequest = 0; ///< bumped on every change; older answers are dropped

    QThread m_thread;
    ExportWorker *m_worker = nullptr; ///< lives in m_thread; deleted when it finishes
    QTimer m_countTimer;
    QTimer m_refreshTimer; ///< recounts while the log changes under the dialog

    QGroupBox *m_whatBox = nullptr;
    QRadioButton *m_viewChoice = nullptr;
    QLabel *m_viewDescription = nullptr;
    QRadioButton *m_customChoice = nullptr;
    QWidget *m_custom = nullptr;
    QCheckBox *m_allChannels = nullptr;
    QListWidget *m_channelList = nullptr;
    QCheckBox *m_allTypes = nullptr;
    QListWidget *m_typeList = nullptr;
    QCheckBox *m_fromCheck = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QCheckBox *m_toCheck = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QLineEdit *m_text = nullptr;
    QGroupBox *m_saveBox = nullptr;
    QComboBox *m_format = nullptr;
    QLineEdit *m_file = nullptr;
    QPushButton *m_chooseFile = nullptr;
    QLabel *m_fileNote = nullptr;
    QLabel *m_count = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_statusIcon = nullptr;
    QLabel *m_status = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QPushButton *m_exportButton = nullptr;
    QPushButton *m_closeButton = nullptr;
    QPushButton *m_openFolderButton = nullptr;
};

} // namespace Longwatch
