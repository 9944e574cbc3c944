#pragma once

#include "channelhealth.h"
#include "event.h"
#include "jobstatus.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QSqlError;
class QSqlQuery;

namespace Longwatch {

/// One event as the event log keeps it: its place in the log and its channel.
struct StoredEvent
{
    qint64 seq = 0; ///< stored order; grows with every insert, never reused
    QString channel;
    QString channelTitle; ///< the channel's title, if it has one (setChannelTitle())
    Event event;

    /// What to show a person: the title, else the channel's key.
    QString channelLabel() const { return channelTitle.isEmpty() ? channel : channelTitle; }
};
using StoredEventList = QList<StoredEvent>;

/// One stored event with its text fields as UTF-8 bytes, for bulk readers
/// (exports) that would only convert QStrings back to UTF-8.
struct StoredEventBytes
{
    qint64 seq = 0;
    QString channel;
    QString channelTitle;
    QByteArray key;
    QByteArray type;
    QByteArray text;
    std::optional<qint64> timeMsecs; ///< the server's time, ms since the epoch
    qint64 receivedUsecs = 0;
    QByteArray raw;
};

/// What to read or count. Empty fields do not filter.
struct EventQuery
{
    /// Channel keys, or titles (setChannelTitle()) where no key matches;
    /// empty means every channel.
    QStringList channels;
    QStringList types; ///< event types; empty means every type
    /// A substring of the key, type or text. Case is ignored for ASCII
    /// letters only (SQLite's LIKE).
    QString text;
    std::optional<qint64> sinceUsecs; ///< received at or after (µs since the epoch, UTC)
    std::optional<qint64> untilUsecs; ///< received before
    std::optional<qint64> maxSeq;     ///< stored at or before this seq (a frozen view)
};

/// Which slice of a query's result to read. Prefer keyset paging
/// (afterSeq/beforeSeq): `offset` makes SQLite step over that many rows.
struct EventPage
{
    qint64 afterSeq = 0;  ///< only events with seq > afterSeq
    qint64 beforeSeq = 0; ///< only events with seq < beforeSeq; 0 means no bound
    qint64 offset = 0;
    int limit = 1000;
    bool newestFirst = false;
};

/// Per-channel retention. A zero field does not limit.
struct RetentionPolicy
{
    qint64 maxEvents = 0;
    std::chrono::seconds maxAge{0}; ///< by received time, applied in stored order
    bool isNull() const { return maxEvents <= 0 && maxAge.count() <= 0; }
    friend bool operator==(const RetentionPolicy &, const RetentionPolicy &) = default;
};

/// What the log holds for one channel, for a dashboard's channel list.
struct ChannelSummary
{
    qint64 eventCount = 0;        ///< events stored for the channel right now
    qint64 lastReceivedUsecs = 0; ///< receive time of its newest stored event; 0 if none
};

/// One received batch and the cursor that follows it.
struct EventBatch
{
    QString channel;
    EventList events;
    QString cursor;
    /// Where the channel's events name their jobs: with it, each job the
    /// added events name gets its run recorded (jobRuns()).
    std::optional<JobMapping> jobs = std::nullopt;
};

/// One job a channel's events named (a run of a job series, e.g.
/// "build-linux #205" of "build-linux"), as its events left it. Times are
/// the feed's own (Event::time) where it sent them, else when received; µs
/// since the epoch, UTC.
struct JobRun
{
    QString channel;
    QString job;    ///< the job's key in its channel
    QString series; ///< jobSeriesName(job)
    JobStatus status = JobStatus::Unknown;
    qint64 firstUsecs = 0;               ///< its first event
    qint64 lastUsecs = 0;                ///< its newest event
    std::optional<qint64> startedUsecs;  ///< its first status past queued
    std::optional<qint64> finishedUsecs; ///< when it reached a final status

    /// From its start (or first event) to its end; none while it has not ended.
    std::optional<qint64> durationUsecs() const
    {
        if (!finishedUsecs)
            return std::nullopt;
        return *finishedUsecs - startedUsecs.value_or(firstUsecs);
    }
};

/// Which job runs to read (EventLog::jobRuns()). Empty fields do not filter.
struct JobRunQuery
{
    QStringList channels; ///< channel keys (or titles); empty for every channel
    QString series;       ///< the stored series (jobSeriesName()); empty for every series
    std::optional<qint64> sinceUsecs; ///< runs whose first event is not older
    int newest = 0; ///< only the newest this many runs (by first event); 0 for all
};

/// A job series the log has runs of: its channel and stored series name.
struct JobSeriesKey
{
    QString channel;
    QString series;
    friend bool operator==(const JobSeriesKey &, const JobSeriesKey &) = default;
};

/// What became of one batch.
struct AppendResult
{
    int added = 0;
    int duplicates = 0;          ///< already stored under the same (channel, key)
    QList<int> duplicateIndexes; ///< positions in the batch of the duplicates
};

/// The event log: every received event of every channel, and each channel's
/// cursor, in one SQLite database (WAL mode), through Qt SQL.
///
/// Guarantees:
/// - a batch and its channel's new cursor are written in one transaction, so
///   the cursor a channel resumes from is always the one stored with its
///   last stored batch: after a crash, nothing is skipped;
/// - (channel, key) is unique: a server that repeats itself cannot store an
///   event twice. Events without a key are always stored;
/// - reading never loads the whole log: queries read pages.
///
/// One EventLog is one database connection and must be used only by the
/// thread that opened it (Qt SQL's rule); each instance has its own
/// connection name. Several instances, threads and processes may open the
/// same file: WAL lets readers run while one writer writes. For writing from
/// a UI thread use EventLogWriter, which keeps its own EventLog in a worker
/// thread.
///
/// Every call while the event log is not open fails with NotOpenError and a
/// sentence; nothing here crashes on a damaged file.
class EventLog final
{
    Q_GADGET
    Q_DECLARE_TR_FUNCTIONS(Longwatch::EventLog)
public:
    enum class Error {
        NoError,
        NotOpenError,      ///< open() was not called or failed
        OpenError,         ///< the file cannot be opened or created (permissions, a folder, ...)
        DamagedError,      ///< the file is not a database or is corrupt: see recover()
        IncompatibleError, ///< written by a newer Longwatch, or not an event log at all
        WriteError, ///< a write failed (disk full, locked too long); nothing of it was stored
        ReadError,
    };
    Q_ENUM(Error)

    enum class OpenMode {
        CreateIfMissing, ///< create the file (and its folder) if needed
        MustExist,       ///< fail with OpenError if there is no file (for exports)
    };

    /// A forward step of the schema: turns a database at `version - 1` into
    /// one at `version`. Runs inside the transaction that records the new
    /// version, so a failing step leaves the database as it was.
    struct Migration
    {
        int version = 0;
        std::function<bool(QSqlDatabase &db, QString *error)> apply;
    };

    using Clock = std::function<qint64()>; ///< µs since the epoch, UTC

    EventLog();
    ~EventLog();
    EventLog(const EventLog &) = delete;
    EventLog &operator=(const EventLog &) = delete;

    /// Where the dashboard keeps its log: "events.sqlite" in
    /// QStandardPaths::AppDataLocation (needs the application name set).
    static QString defaultPath();

    /// The schema steps this version of Longwatch knows, oldest first.
    static QList<Migration> builtinMigrations();
    /// Replaces the schema steps (tests); call before open().
    void setMigrations(QList<Migration> migrations);
    /// The clock that retention ages events by (tests inject one).
    void setClock(Clock clock);
    /// How long a write waits for another connection's write to finish.
    void setBusyTimeout(std::chrono::milliseconds timeout);

    /// Opens or creates the log at `path` and brings its schema up to date.
    /// On failure returns false with error() and errorString() set.
    bool open(const QString &path, OpenMode mode = OpenMode::CreateIfMissing);
    void close();
    bool isOpen() const { return m_open; }
    QString path() const { return m_path; }
    /// The schema version of the open database.
    int schemaVersion() const { return m_schemaVersion; }

    Error error() const { return m_error; }
    /// The last failure as a sentence a person can act on.
    QString errorString() const { return m_errorString; }
    /// SQLite's own words for the last failure.
    QString errorDetail() const { return m_errorDetail; }

    /// After DamagedError: moves the damaged file aside (see moveAside())
    /// and opens a new, empty log at the same path. notice() then says
    /// what happened, for the person.
    bool recover();
    /// "The event log at … is damaged (…). Longwatch moved it aside to …"
    /// after recover(); empty otherwise.
    QString notice() const { return m_notice; }
    /// Renames the database at `path` and its -wal, -shm and -journal files
    /// to "<path>.damaged-<date>" (plus the same suffixes), so a new log can
    /// start. The file must not be open. Returns the new path, or an empty
    /// string with a sentence in `errorString`.
    static QString moveAside(const QString &path, QString *errorString = nullptr);

    /// Stores one batch and the channel's new cursor in one transaction;
    /// with `jobs`, also the runs of the jobs its new events name (jobRuns()).
    /// Returns nullopt (and nothing is stored) on failure.
    std::optional<AppendResult> append(const QString &channel, const EventList &events,
                                       const QString &cursor,
                                       const std::optional<JobMapping> &jobs = std::nullopt);
    /// Stores several batches in one transaction, in order: all or none.
    /// `results` gets one entry per batch.
    bool append(const QList<EventBatch> &batches, QList<AppendResult> *results = nullptr);
    /// Stores a cursor without events (e.g. after the server made us start over).
    bool setCursor(const QString &channel, const QString &cursor);
    /// The job runs of `channels` (all channels when empty) whose first
    /// event is not older than `sinceUsecs`, oldest first. Recorded as
    /// events are appended with their channel's JobMapping (EventBatch::jobs)
    /// since schema version 3; runs in an older log are not known.
    QList<JobRun> jobRuns(const QStringList &channels = {},
                          std::optional<qint64> sinceUsecs = std::nullopt);
    /// The runs `query` asks for, oldest first. One channel and series with
    /// `newest` is an index range (job_runs_series), however long the
    /// series' history.
    QList<JobRun> jobRuns(const JobRunQuery &query);
    /// Every channel and stored series with runs, by channel, then series,
    /// of `channels` (all when empty); one walk of the series index.
    QList<JobSeriesKey> jobSeries(const QStringList &channels = {});

    /// Adds `samples` to the channels' health samples (HealthSample: one
    /// row per channel and minute; the same minute adds up), in one
    /// transaction. Since schema version 4.
    bool addHealthSamples(const QList<HealthSample> &samples);
    /// The health samples of `channel` from `fromUsecs` until before
    /// `untilUsecs`, oldest first. With `bucketUsecs`, the samples of each
    /// period of that length from `fromUsecs` come added up, one per
    /// period that has any (its start in minuteUsecs); whole hours from a
    /// whole hour are read from the hourly sums, so a read of days costs
    /// hours. Empty in a log older than version 4.
    QList<HealthSample> healthSamples(const QString &channel, qint64 fromUsecs, qint64 untilUsecs,
                                      qint64 bucketUsecs = 0);
    /// The channels with health samples from `fromUsecs` on, sorted.
    QStringList healthChannels(qint64 fromUsecs = 0);
    /// Deletes the health of minutes before `minutesBeforeUsecs` and of
    /// hours before `hoursBeforeUsecs` (all channels); the number of rows
    /// deleted, or -1 on failure.
    int trimHealthSamples(qint64 minutesBeforeUsecs, qint64 hoursBeforeUsecs);

    /// The cursor stored with the channel's last batch; nullopt if none.
    std::optional<QString> cursor(const QString &channel);
    QHash<QString, QString> cursors();
    /// Channels that ever stored something, sorted by name.
    QStringList channels();
    /// Events stored per channel right now.
    QHash<QString, qint64> eventCounts();
    /// Every channel's stored event count and the receive time of its newest
    /// stored event, by channel key, in one query that costs a few index
    /// lookups per channel however large the log is (a dashboard reads it at
    /// start). Empty on failure, with error() set.
    QHash<QString, ChannelSummary> channelSummaries();

    /// Gives `channel` a title, the name a person knows it by (empty to
    /// drop it). The dashboard keys channels by a stable id and sets the
    /// channel's name as title; views and exports show the title.
    bool setChannelTitle(const QString &channel, const QString &title);
    /// Every channel's title by channel key (channels without one are left out).
    QHash<QString, QString> channelTitles();
    /// Deletes every event and the cursor of `channel`, in one transaction.
    bool removeChannel(const QString &channel);
    /// Gives the channel's events, cursor and title the key `newChannel`,
    /// which must not be in use (keeps the history of a channel that was
    /// pointed at another feed, whose event keys may repeat the old ones).
    bool renameChannel(const QString &channel, const QString &newChannel);
    /// The seq of the event stored under (channel, key), if there is one.
    std::optional<qint64> seqOf(const QString &channel, const QString &key);

    void setRetention(const QString &channel, const RetentionPolicy &policy);
    RetentionPolicy retention(const QString &channel) const { return m_retention.value(channel); }

    struct RetentionResult
    {
        bool ok = true;
        int deleted = 0;
        bool more = false; ///< the budget ran out: call again soon
    };
    /// Deletes at most `maxDeletes` events that the channels' retention
    /// policies no longer keep, oldest first, in one short transaction, so
    /// a timer can call it without stalling anything.
    RetentionResult applyRetention(int maxDeletes = 1000);

    /// A page of events matching `query`, in stored order (or newest first).
    StoredEventList events(const EventQuery &query, const EventPage &page, bool *ok = nullptr);
    /// The same page as events(), handed to `visit` one event at a time as
    /// UTF-8 (no QString is built). Returns how many were visited, -1 on failure.
    qint64 visitEvents(const EventQuery &query, const EventPage &page,
                       const std::function<void(const StoredEventBytes &)> &visit);
    /// How many events match `query`.
    qint64 countEvents(const EventQuery &query, bool *ok = nullptr);
    /// The seq of the newest stored event, 0 if none.
    qint64 lastSeq(bool *ok = nullptr);
    /// SQLite's plan for the page query (diagnostics and tests).
    QString explain(const EventQuery &query, const EventPage &page);
    /// SQLite's plan for channelSummaries() (diagnostics and tests).
    QString explainChannelSummaries();

    /// The connection, for diagnostics and tests; same thread rule.
    QSqlDatabase database() const { return m_db; }

private:
    struct Where;

    void setError(Error error, const QString &sentence, const QString &detail = {});
    void clearError();
    void failed(const QSqlError &sqlError, Error fallback, const QString &sentence);
    /// failed() for a query that could not read: the one sentence for every read.
    void readFailed(const QSqlError &sqlError);
    /// failed() for a transaction that could not begin or commit.
    void transactionFailed(const QSqlError &sqlError);
    bool checkOpen();
    /// Runs a read whose first column is a channel name; readValue(query)
    /// makes the value for each row. Empty, with the read error set, if it fails.
    template<typename Value, typename ReadValue>
    QHash<QString, Value> readByChannel(const QString &sql, ReadValue readValue);
    bool execStatement(const QString &sql, QString *error = nullptr);
    bool begin();
    void rollback();
    bool commit();
    bool migrate();
    bool prepareStatements();
    /// Records the job `event` names, if it names one (in append()'s
    /// transaction); false if writing failed.
    bool recordJobRun(qint64 channelId, const Event &event, const JobMapping &mapping,
                      const JobKeyFilter &filter);
    /// Adds "channel_id IN (...)" for `channels` (nothing when empty);
    /// false when none of them is stored; nullopt when reading failed.
    std::optional<bool> jobRunWhere(const QStringList &channels, QStringList *where,
                                    QVariantList *binds);
    QString sentenceFor(const QSqlError &sqlError, Error *error) const;
    std::optional<qint64> channelId(const QString &channel, bool create,
                                    QHash<QString, qint64> *created);
    QString channelName(qint64 id);
    QString channelTitle(qint64 id);
    bool reloadChannels();
    Where buildWhere(const EventQuery &query);
    QString selectSql(const Where &where, const EventPage &page, QVariantList *binds,
                      bool asBytes = false) const;
    bool runSelect(QSqlQuery &query, const EventQuery &eventQuery, const EventPage &page,
                   bool asBytes, bool *empty);
    QString displayPath() const;

    QList<Migration> m_migrations;
    Clock m_clock;
    std::chrono::milliseconds m_busyTimeout{5'000};

    QString m_connectionName;
    QSqlDatabase m_db;
    QString m_path;
    bool m_open = false;
    int m_schemaVersion = 0;

    Error m_error = Error::NotOpenError;
    QString m_errorString;
    QString m_errorDetail;
    QString m_notice;

    std::unique_ptr<QSqlQuery> m_insertEvent;
    std::unique_ptr<QSqlQuery> m_updateChannel;
    std::unique_ptr<QSqlQuery> m_upsertJobRun;     ///< from schema version 3 on
    std::unique_ptr<QSqlQuery> m_upsertHealth;     ///< from schema version 4 on
    std::unique_ptr<QSqlQuery> m_upsertHealthHour; ///< the same, per hour
    QHash<QString, qint64> m_channelIds;
    QHash<qint64, QString> m_channelNames;
    QHash<qint64, QString> m_channelTitles;

    QHash<QString, RetentionPolicy> m_retention;
    int m_retentionNext = 0; ///< round robin, so one big channel cannot starve the rest
};

} // namespace Longwatch
