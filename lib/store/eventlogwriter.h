#pragma once

#include "eventlog.h"

#include <QMutex>
#include <QObject>
#include <QThread>
#include <QWaitCondition>

#include <chrono>
#include <deque>

namespace Longwatch {

class EventLogWorker;

/// Writes batches to an EventLog without blocking the thread that hands
/// them over (the UI thread): append() only queues, and a worker QObject
/// living in its own QThread, with its own EventLog connection, writes
/// the queue. Whatever piled up while the worker was busy goes into the
/// next transaction together (a burst costs few commits), in append order;
/// a batch and its cursor always commit together.
///
/// A failed write (disk full, a lock held too long) keeps the batches
/// queued and tries again after a delay that doubles up to a ceiling, so
/// nothing is lost or reordered while the program runs; writeFailed() says
/// why. Reading belongs to a separate EventLog opened in the reading thread.
class EventLogWriter final : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        int maxEventsPerTransaction = 10'000;            ///< a single larger batch still goes whole
        std::chrono::milliseconds retryDelay{1'000};     ///< first wait after a failed write
        std::chrono::milliseconds retryDelayMax{30'000}; ///< the wait doubles up to this
        std::chrono::milliseconds busyTimeout{5'000};    ///< see EventLog::setBusyTimeout()
        std::chrono::milliseconds retentionInterval{2'000}; ///< 0 turns retention off
        int retentionChunk = 1'000; ///< events deleted per retention step at most
        /// Channel health (EventLog::addHealthSamples()) older than this
        /// is deleted, once an hour: per minute after `healthMinutesKeepDays`,
        /// per hour after `healthKeepDays`; 0 keeps it.
        int healthMinutesKeepDays = 7;
        int healthKeepDays = 90;
    };

    explicit EventLogWriter(QObject *parent = nullptr);
    /// Calls close().
    ~EventLogWriter() override;

    /// Takes effect at the next open().
    void setSettings(const Settings &settings);
    const Settings &settings() const { return m_settings; }

    /// Starts the worker thread and opens the log there; blocks until the
    /// file is open (or not). With `recoverDamaged`, a damaged file is moved
    /// aside and a new log started, and notice() says so.
    bool open(const QString &path, bool recoverDamaged = false);
    bool isOpen() const { return m_worker != nullptr; }
    EventLog::Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }
    QString notice() const { return m_notice; }

    /// Writes what is queued (waiting up to `timeout`), then closes the log
    /// and stops the thread. Batches still queued after that are dropped,
    /// with a warning; their cursors were not stored, so the channels fetch
    /// them again next time.
    void close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Queues one batch and its cursor (and, with `jobs`, the runs of the
    /// jobs it names: EventLog::jobRuns()). Thread-safe (but not against a
    /// concurrent open() or close()) and never waits for the event log.
    /// Returns false (and drops the batch) if the log is not open.
    bool append(const QString &channel, const EventList &events, const QString &cursor,
                const std::optional<JobMapping> &jobs = std::nullopt);

    /// Queues what channels did (HealthSample, per channel and minute;
    /// samples of the same minute add up) for the worker, which writes them
    /// in a transaction of their own after the events queued before them.
    /// Samples that cannot be written now are kept and tried again with
    /// the next write. Thread-safe like append(); does nothing while the
    /// log is not open.
    void recordHealth(const QList<HealthSample> &samples);

    /// Blocks until every batch appended before the call is committed, or
    /// `timeout` passes (false). For shutdown; the UI thread should not use it.
    bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Events queued and not yet committed.
    qsizetype pendingEvents() const;

    /// Retention applied by the worker every Settings::retentionInterval.
    void setRetention(const QString &channel, const RetentionPolicy &policy);
    /// Records the name a person gave the channel (EventLog::setChannelTitle()),
    /// in the worker thread; a title that cannot be written is tried again
    /// after the next good write.
    void setChannelTitle(const QString &channel, const QString &title);
    /// Deletes the channel's events and cursor, after writing what was
    /// appended before the call.
    void removeChannel(const QString &channel);
    /// Moves the channel's events, cursor and title to the key
    /// `newChannel` (EventLog::renameChannel()), after writing what was
    /// appended before the call.
    void renameChannel(const QString &channel, const QString &newChannel);

Q_SIGNALS:
    /// Emitted once per appended batch, in append order, after the
    /// transaction that holds it and its cursor committed.
    void committed(const QString &channel, const QString &cursor, int added, int duplicates);
    /// Emitted once per failed attempt to write; the batches stay queued.
    void writeFailed(const QString &message);
    /// Emitted when retention deleted events (views may need to re-read).
    void eventsDeleted(int count);

private:
    friend class EventLogWorker;

    quint64 appendedCount() const;

    /// What append() shares with the worker thread; guarded by `mutex`.
    struct Queue
    {
        mutable QMutex mutex;
        QWaitCondition changed;
        std::deque<EventBatch> batches;
        qsizetype pendingEvents = 0;
        quint64 appended = 0;  ///< batches ever appended
        quint64 committed = 0; ///< batches ever committed (a prefix: FIFO)
        bool drainScheduled = false;
    };

    Settings m_settings;
    QThread m_thread;
    EventLogWorker *m_worker = nullptr; ///< lives in m_thread; deleted when it finishes
    Queue m_queue;
    EventLog::Error m_error = EventLog::Error::NotOpenError;
    QString m_errorString;
    QString m_notice;
};

} // namespace Longwatch
