#pragma once

#include "event.h"
#include "jobstatus.h"
#include "jobtrends.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QTimer>

#include <chrono>
#include <functional>
#include <optional>

namespace Longwatch {

/// The job board: the latest status of every job the channels' events
/// mention, one row per (channel, job key). Events are read through each
/// channel's JobMapping; status words are normalised (JobStatus).
///
/// A batch adds its new jobs with one beginInsertRows and announces the
/// updated rows with dataChanged; past maxJobs() the oldest rows are
/// dropped with one beginRemoveRows.
class JobModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        JobColumn,
        StatusColumn,
        ProgressColumn,
        StartedColumn,
        UpdatedColumn,
        DurationColumn,
        ChannelColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        StatusRole = Qt::UserRole + 1, ///< JobStatus
        StatusKeyRole,                 ///< "failed", "running", ...
        ProgressRole,                  ///< int 0..100, or invalid if unknown
        ChannelIdRole,
        SortRole, ///< what the column sorts by (failed jobs first on Status)
        MessageRole,
    };
    Q_ENUM(Role)

    using Clock = std::function<QDateTime()>;

    explicit JobModel(QObject *parent = nullptr);
    ~JobModel() override;

    void setClock(Clock clock);
    /// How often running jobs' durations refresh (default 1 s).
    void setTickInterval(std::chrono::milliseconds interval);
    void setMaxJobs(int jobs);
    int maxJobs() const { return m_maxJobs; }

    /// Reads one channel's batch of events through its mapping.
    void applyBatch(const QString &channelId, const QString &channelName, const JobMapping &mapping,
                    const EventList &events);
    /// The same for events read back from the event log: the board shows
    /// them, but no jobStatusChanged() (nothing to notify about again), and
    /// jobs already on the board (from live events, which are newer) are
    /// left as they are.
    void replayBatch(const QString &channelId, const QString &channelName,
                     const JobMapping &mapping, const EventList &events);
    void renameChannel(const QString &channelId, const QString &name);
    /// Drops a channel's jobs (when the channel goes).
    void removeChannel(const QString &channelId);
    void clear();

    int failedCount() const;
    int countWithStatus(JobStatus status) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// "12 s", "3 min 05 s", "2 h 10 min".
    static QString durationText(qint64 msecs);
    /// Rounded, for what is only known roughly: "40 s", "4 min", "2 h 10 min".
    static QString roughDurationText(qint64 msecs);
    /// The Duration column beside the usual duration: "3 min 10 s ·
    /// usually 4 min", and for a running job "1 min 12 s · usually 4 min ·
    /// about 3 min left" (or "longer than usual").
    static QString durationWithUsualText(std::optional<qint64> msecs,
                                         std::optional<qint64> usualMsecs, bool running);

    /// Earlier runs of each job's series (read off the event log), for the
    /// usual durations the Duration column shows.
    void setSeriesHistory(const JobSeriesHistory &history);

Q_SIGNALS:
    /// Emitted once per event that changed a job's status (also for a job
    /// seen for the first time, with `previous` Unknown), after the model
    /// is updated. `eventTime` is the event's own timestamp (Event::time),
    /// invalid when the feed gives none: whoever decides whether the change
    /// is news (Notifier) needs to know when it happened, not when it came.
    void jobStatusChanged(const QString &channelId, const QString &channelName, const QString &job,
                          Longwatch::JobStatus previous, Longwatch::JobStatus current,
                          const QString &message, const QDateTime &eventTime);
    /// Emitted when the totals (jobs per status) may have changed.
    void countsChanged();

private:
    struct Job
    {
        QString channelId;
        QString channelName;
        QString key;
        JobStatus status = JobStatus::Unknown;
        QString statusWord;
        std::optional<int> progress;
        QString message;
        QDateTime firstSeen;
        QDateTime started; ///< first seen running (or finished), invalid while queued
        QDateTime updated;
        QDateTime finished; ///< when it reached a final status
    };
    static QString rowKey(const QString &channelId, const QString &job);
    void rebuildIndex();
    void tick();
    std::optional<qint64> durationMs(const Job &job) const;

    /// The usual duration of `job`'s series (the median of earlier runs).
    std::optional<qint64> usualMs(const Job &job) const;

    QList<Job> m_jobs;
    QHash<QString, int> m_rowOf; ///< rowKey -> row
    JobSeriesHistory m_history;
    int m_maxJobs = 10'000;
    bool m_replaying = false; ///< in replayBatch(): no jobStatusChanged()
    Clock m_clock;
    QTimer m_ticker;
};

} // namespace Longwatch
