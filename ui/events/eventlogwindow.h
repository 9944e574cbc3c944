#pragma once

#include <QMainWindow>

#include <memory>

class QLabel;

namespace Longwatch {

class EventLog;
class EventModel;
class EventTableView;

/// File › Open Event Log…: a window on an event log that another program
/// wrote, typically `longwatch-tail --store` on another machine (a copied
/// file, a shared folder), to look at what it captured. Read-only: nothing
/// is recorded, deleted or trimmed; channels are shown by the names the log
/// holds. It opens on the newest events; scrolling to the top reads older
/// ones, Reload (F5) shows what was added since.
class EventLogWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit EventLogWindow(QWidget *parent = nullptr);
    ~EventLogWindow() override;

    /// Opens the log at `path` (it must exist) and shows its newest events.
    /// False, with errorString(), if it is not an event log Longwatch reads.
    bool open(const QString &path);
    QString errorString() const { return m_errorString; }

    EventModel *model() const { return m_model; }
    EventTableView *view() const { return m_view; }
    /// Reads the newest events again, for what a recorder added since.
    void reload();

private:
    void fetchOlder();
    void updateStatus();

    std::unique_ptr<EventLog> m_log;
    EventModel *m_model = nullptr;
    EventTableView *m_view = nullptr;
    QLabel *m_status = nullptr;
    QString m_errorString;
};

} // namespace Longwatch
