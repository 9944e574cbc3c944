#include "eventlog.h"

#include "logging.h"
#include "secretstore.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStandardPaths>
#include <QThread>

#include <algorithm>
#include <atomic>

namespace Longwatch {

namespace {

// SQLite's primary result codes (sqlite3.h); Qt reports the extended code
// as text in QSqlError::nativeErrorCode(), whose low byte is the primary one.
constexpr int kSqlitePerm = 3;
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteReadOnly = 8;
constexpr int kSqliteIoErr = 10;
constexpr int kSqliteCorrupt = 11;
constexpr int kSqliteFull = 13;
constexpr int kSqliteCantOpen = 14;
constexpr int kSqliteNotADb = 26;

int sqliteCode(const QSqlError &error)
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    return ok ? (code & 0xff) : -1;
}

QString sqliteText(const QSqlError &error)
{
    const QString text = error.databaseText().trimmed();
    return text.isEmpty() ? error.driverText().trimmed() : text;
}

/// Qt SQL binds a null QString as SQL NULL; type and text are never NULL.
QString notNull(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text;
}

QByteArray notNull(const QByteArray &bytes)
{
    return bytes.isNull() ? QByteArrayLiteral("") : bytes;
}

QString likePattern(const QString &text)
{
    QString escaped;
    escaped.reserve(text.size() + 4);
    for (const QChar c : text) {
        if (c == QLatin1Char('\\') || c == QLatin1Char('%') || c == QLatin1Char('_'))
            escaped += QLatin1Char('\\');
        escaped += c;
    }
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

// Named placeholders: Qt 6's positional bindValue() formats a ":<n>" name
// for every value it binds, which cost a tenth of an insert.
const QString kChannel = QStringLiteral(":channel");
const QString kKey = QStringLiteral(":key");
const QString kType = QStringLiteral(":type");
const QString kText = QStringLiteral(":text");
const QString kTime = QStringLiteral(":time");
const QString kReceived = QStringLiteral(":received");
const QString kRaw = QStringLiteral(":raw");

QString placeholders(qsizetype count)
{
    QStringList marks;
    marks.fill(QStringLiteral("?"), count);
    return marks.join(QStringLiteral(", "));
}

// Schema version 1. Design notes (docs/STORE.md has the long version):
// - events.seq is the stored order. AUTOINCREMENT so a seq is never reused,
//   even when retention deleted the newest rows: views page by seq.
// - UNIQUE(channel_id, key): a repeated event is ignored by the insert
//   itself. SQLite treats NULLs as distinct, so keyless events (stored with
//   key NULL) are always kept.
// - events_channel is (channel_id, seq) in effect (SQLite appends the rowid
//   to every index): one channel's events in stored order without a sort.
// - channels.event_count is kept in the same transactions as the inserts
//   and deletes, so counts and count-based retention cost no scan.
bool migrateToVersion1(QSqlDatabase &db, QString *error)
{
    const QStringList statements = {
        QStringLiteral("CREATE TABLE channels ("
                       " id INTEGER PRIMARY KEY,"
                       " name TEXT NOT NULL UNIQUE,"
                       " cursor TEXT,"
                       " event_count INTEGER NOT NULL DEFAULT 0,"
                       " updated_usecs INTEGER)"),
        QStringLiteral("CREATE TABLE events ("
                       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " channel_id INTEGER NOT NULL,"
                       " key TEXT,"
                       " type TEXT NOT NULL,"
                       " text TEXT NOT NULL,"
                       " time_ms INTEGER,"
                       " received_usecs INTEGER NOT NULL,"
                       " raw BLOB NOT NULL)"),
        QStringLiteral("CREATE UNIQUE INDEX events_key ON events (channel_id, key)"),
        QStringLiteral("CREATE INDEX events_channel ON events (channel_id)"),
    };
    QSqlQuery query(db);
    for (const QString &sql : statements) {
        if (!query.exec(sql)) {
            *error = sqliteText(query.lastError());
            return false;
        }
    }
    return true;
}

// Schema version 2: a channel may have a title, the name a person gave it,
// when the channel's key is an id (the dashboard keys channels by a UUID,
// so a rename keeps the history). Exports and views show the title.
bool migrateToVersion2(QSqlDatabase &db, QString *error)
{
    QSqlQuery query(db);
    if (query.exec(QStringLiteral("ALTER TABLE channels ADD COLUMN title TEXT")))
        return true;
    *error = sqliteText(query.lastError());
    return false;
}

/// Version 3: one row per job a channel's events named (JobRun), kept up to
/// date as events are appended, so that trends read runs, not events.
bool migrateToVersion3(QSqlDatabase &db, QString *error)
{
    const QStringList statements = {
        QStringLiteral("CREATE TABLE job_runs ("
                       " channel_id INTEGER NOT NULL,"
                       " job TEXT NOT NULL,"
                       " series TEXT NOT NULL,"
                       " status TEXT NOT NULL,"
                       " first_usecs INTEGER NOT NULL,"
                       " last_usecs INTEGER NOT NULL,"
                       " started_usecs INTEGER,"
                       " finished_usecs INTEGER,"
                       " PRIMARY KEY (channel_id, job))"),
        QStringLiteral(
            "CREATE INDEX job_runs_series ON job_runs (channel_id, series, first_usecs)"),
    };
    QSqlQuery query(db);
    for (const QString &sql : statements) {
        if (!query.exec(sql)) {
            *error = sqliteText(query.lastError());
            return false;
        }
    }
    return true;
}

/// The counting columns of health_samples, in HealthSample's order: each
/// adds up when a minute is written in parts.
QStringList healthCountColumns()
{
    QStringList columns = {
        QStringLiteral("answers"),           QStringLiteral("events"),
        QStringLiteral("errors_connection"), QStringLiteral("errors_timeout"),
        QStringLiteral("errors_tls"),        QStringLiteral("errors_http"),
        QStringLiteral("errors_response"),   QStringLiteral("errors_other"),
        QStringLiteral("reconnects"),        QStringLiteral("backoffs"),
        QStringLiteral("backoff_ms"),        QStringLiteral("failures"),
        QStringLiteral("latency_count"),     QStringLiteral("latency_sum_ms"),
    };
    for (int i = 0; i < HealthSample::kLatencyBuckets; ++i)
        columns << QStringLiteral("latency_h%1").arg(i);
    return columns;
}

/// A sample's values for healthCountColumns(), in that order.
QVariantList healthCountValues(const HealthSample &sample)
{
    QVariantList values = {sample.answers, sample.events};
    for (const int n : sample.errors)
        values << n;
    values << sample.reconnects << sample.backoffs << sample.backoffMsecs << sample.failures
           << sample.latencyCount << sample.latencySumMsecs;
    for (const int n : sample.latencyHistogram)
        values << n;
    return values;
}

/// Reads healthCountColumns() from `query`, from column `first` on.
void readHealthCounts(const QSqlQuery &query, int first, HealthSample *sample)
{
    int column = first;
    const auto next = [&] { return query.value(column++); };
    sample->answers = next().toInt();
    sample->events = next().toInt();
    for (int &n : sample->errors)
        n = next().toInt();
    sample->reconnects = next().toInt();
    sample->backoffs = next().toInt();
    sample->backoffMsecs = next().toLongLong();
    sample->failures = next().toInt();
    sample->latencyCount = next().toInt();
    sample->latencySumMsecs = next().toLongLong();
    for (int &n : sample->latencyHistogram)
        n = next().toInt();
}

/// The two tables of channel health: the same counts per minute, and
/// added up per hour, so that a read of days costs hours, not minutes.
struct HealthTable
{
    QString table;
    QString key; ///< the column of the period's start
    qint64 spanUsecs;
};

const HealthTable kHealthMinutes{QStringLiteral("health_samples"), QStringLiteral("minute_usecs"),
                                 HealthSample::kMinuteUsecs};
const HealthTable kHealthHours{QStringLiteral("health_hours"), QStringLiteral("hour_usecs"),
                               60 * HealthSample::kMinuteUsecs};

qint64 floorTo(qint64 usecs, qint64 span)
{
    return (usecs / span - (usecs % span < 0 ? 1 : 0)) * span;
}

/// Version 4: what each channel's poller did, a row per channel and
/// minute (HealthSample) and the same per hour, for the Trends page's
/// channel health. Written by the recorders from what the pollers report
/// anyway: no network work.
bool migrateToVersion4(QSqlDatabase &db, QString *error)
{
    QStringList columns;
    for (const QString &column : healthCountColumns())
        columns << column + QStringLiteral(" INTEGER NOT NULL DEFAULT 0");
    QSqlQuery query(db);
    for (const HealthTable &health : {kHealthMinutes, kHealthHours}) {
        const QString sql = QStringLiteral("CREATE TABLE %1 ("
                                           " channel_id INTEGER NOT NULL,"
                                           " %2 INTEGER NOT NULL,"
                                           " %3,"
                                           " latency_max_ms INTEGER NOT NULL DEFAULT 0,"
                                           " PRIMARY KEY (channel_id, %2)) WITHOUT ROWID")
                                .arg(health.table, health.key, columns.join(QStringLiteral(", ")));
        if (!query.exec(sql)) {
            *error = sqliteText(query.lastError());
            return false;
        }
    }
    return true;
}

/// When an event happened: the feed's own time, else when it was received.
qint64 eventUsecs(const Event &event)
{
    return event.time.isValid() ? event.time.toMSecsSinceEpoch() * 1000 : event.receivedUsecs;
}

} // namespace

struct EventLog::Where
{
    QString sql; ///< " WHERE ..." or empty
    QVariantList binds;
    bool matchesNothing = false; ///< no named channel exists
    bool failed = false;         ///< reading the channel table failed; error() says why
    bool onlyChannels = true;    ///< no filter but channels: counts come from the channels table
    QList<qint64> channelIds;
};

EventLog::EventLog()
    : m_migrations(builtinMigrations())
    , m_clock(&currentUsecsUtc)
{
    static std::atomic<int> s_connections{0};
    m_connectionName = QStringLiteral("longwatch.store.%1").arg(++s_connections);
}

EventLog::~EventLog()
{
    close();
}

QString EventLog::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/events.sqlite");
}

QList<EventLog::Migration> EventLog::builtinMigrations()
{
    return {{1, &migrateToVersion1},
            {2, &migrateToVersion2},
            {3, &migrateToVersion3},
            {4, &migrateToVersion4}};
}

void EventLog::setMigrations(QList<Migration> migrations)
{
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
    m_migrations = std::move(migrations);
}

void EventLog::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock(&currentUsecsUtc);
}

void EventLog::setBusyTimeout(std::chrono::milliseconds timeout)
{
    m_busyTimeout = timeout;
}

QString EventLog::displayPath() const
{
    return QDir::toNativeSeparators(m_path);
}

void EventLog::setError(Error error, const QString &sentence, const QString &detail)
{
    m_error = error;
    m_errorString = sentence;
    m_errorDetail = detail;
    qCWarning(lcStore).noquote() << sentence << (detail.isEmpty() ? QString() : detail);
}

void EventLog::clearError()
{
    m_error = Error::NoError;
    m_errorString.clear();
    m_errorDetail.clear();
}

QString EventLog::sentenceFor(const QSqlError &sqlError, Error *error) const
{
    const QString why = sqliteText(sqlError);
    switch (sqliteCode(sqlError)) {
    case kSqliteCorrupt:
    case kSqliteNotADb:
        *error = Error::DamagedError;
        return tr("The event log at %1 is damaged (%2).").arg(displayPath(), why);
    case kSqliteFull:
        return tr("The disk that holds the event log at %1 is full (%2).").arg(displayPath(), why);
    case kSqliteBusy:
    case kSqliteLocked:
        return tr("The event log at %1 is busy: another program keeps writing to it (%2).")
            .arg(displayPath(), why);
    case kSqliteReadOnly:
    case kSqlitePerm:
        return tr("The event log at %1 cannot be written to (%2).").arg(displayPath(), why);
    case kSqliteIoErr:
    case kSqliteCantOpen:
        return tr("The event log at %1 cannot be read or written (%2).").arg(displayPath(), why);
    default:
        return {};
    }
}

void EventLog::readFailed(const QSqlError &sqlError)
{
    failed(sqlError, Error::ReadError,
           tr("Could not read the event log at %1 (%2).").arg(displayPath(), sqliteText(sqlError)));
}

void EventLog::transactionFailed(const QSqlError &sqlError)
{
    failed(sqlError, Error::WriteError,
           tr("Could not write to the event log at %1 (%2).")
               .arg(displayPath(), sqliteText(sqlError)));
}

void EventLog::failed(const QSqlError &sqlError, Error fallback, const QString &sentence)
{
    Error error = fallback;
    const QString specific = sentenceFor(sqlError, &error);
    setError(error, specific.isEmpty() ? sentence : specific, sqliteText(sqlError));
}

bool EventLog::checkOpen()
{
    if (m_open)
        return true;
    if (m_error == Error::NoError || m_errorString.isEmpty())
        setError(Error::NotOpenError, tr("The event log is not open."));
    return false;
}

bool EventLog::execStatement(const QString &sql, QString *error)
{
    QSqlQuery query(m_db);
    if (query.exec(sql))
        return true;
    if (error)
        *error = sqliteText(query.lastError());
    return false;
}

bool EventLog::open(const QString &path, OpenMode mode)
{
    close();
    m_notice.clear();
    m_path = path;
    const QFileInfo info(path);
    if (path.isEmpty()) {
        setError(Error::OpenError, tr("No file was given for the event log."));
        return false;
    }
    if (info.isDir()) {
        setError(Error::OpenError,
                 tr("Could not open the event log at %1: that is a folder.").arg(displayPath()));
        return false;
    }
    if (!info.exists()) {
        if (mode == OpenMode::MustExist) {
            setError(Error::OpenError, tr("There is no event log at %1.").arg(displayPath()));
            return false;
        }
        if (!QDir().mkpath(info.absolutePath())) {
            setError(Error::OpenError, tr("Could not create the folder %1 for the event log.")
                                           .arg(QDir::toNativeSeparators(info.absolutePath())));
            return false;
        }
    }
    if (mode == OpenMode::CreateIfMissing) {
        // Events quote what feeds send: readable by the user alone. SQLite
        // gives the -wal, -shm and -journal files it creates the database's
        // permissions; those an older version left wider are narrowed.
        makePrivateFile(path);
        for (const char *suffix : {"-wal", "-shm", "-journal"})
            narrowToOwner(path + QLatin1String(suffix));
    }

    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
        setError(Error::OpenError, tr("Could not open the event log: Qt's SQLite driver is missing "
                                      "(on Debian, install libqt6sql6-sqlite)."));
        return false;
    }
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_busyTimeout.count()));
    // Closes what was opened and says why the file could not be opened.
    const auto openFailed = [this, &path](const QSqlError &sqlError) {
        close();
        m_path = path;
        failed(sqlError, Error::OpenError,
               tr("Could not open the event log at %1 (%2).")
                   .arg(displayPath(), sqliteText(sqlError)));
        return false;
    };
    if (!m_db.open())
        return openFailed(m_db.lastError());

    // The first statement reads the file: this is where a file that is not a
    // database shows itself ("file is not a database").
    //
    // WAL: readers (the dashboard's views, an export) never block the writer
    // and the writer never blocks them. synchronous=NORMAL: in WAL mode a
    // commit then survives a crash of the program (the kill -9 case) and the
    // database cannot be corrupted by a power cut; only the last commits
    // before a power cut may be lost. That is safe here because a batch and
    // its cursor are lost together, so the channel resumes from the older
    // cursor and fetches them again, while FULL would cost an fsync per batch.
    QSqlQuery pragma(m_db);
    // Switching a new file to WAL takes a lock that SQLite does not wait for
    // (the busy timeout does not apply): another process opening the same
    // new file at the same moment makes it fail with "database is locked".
    // Try again within the busy timeout.
    const QDeadlineTimer busyDeadline(m_busyTimeout);
    bool walSet = pragma.exec(QStringLiteral("PRAGMA journal_mode=WAL")) && pragma.next();
    while (!walSet && pragma.lastError().nativeErrorCode() == QLatin1String("5") &&
           !busyDeadline.hasExpired()) {
        QThread::msleep(5);
        walSet = pragma.exec(QStringLiteral("PRAGMA journal_mode=WAL")) && pragma.next();
    }
    if (!walSet) {
        const QSqlError sqlError = pragma.lastError();
        pragma = QSqlQuery();
        return openFailed(sqlError);
    }
    if (pragma.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        qCWarning(lcStore).noquote()
            << "event log" << displayPath() << "is not in WAL mode:" << pragma.value(0).toString();
    pragma.finish();
    QString why;
    if (!execStatement(QStringLiteral("PRAGMA synchronous=NORMAL"), &why) ||
        // A burst can grow the WAL file; give the space back after checkpoints.
        !execStatement(QStringLiteral("PRAGMA journal_size_limit=67108864"), &why)) {
        pragma = QSqlQuery();
        close();
        m_path = path;
        setError(Error::OpenError,
                 tr("Could not open the event log at %1 (%2).").arg(displayPath(), why), why);
        return false;
    }
    pragma = QSqlQuery();

    if (!migrate() || !prepareStatements() || !reloadChannels()) {
        const Error error = m_error;
        const QString sentence = m_errorString;
        const QString detail = m_errorDetail;
        close();
        m_path = path;
        m_error = error;
        m_errorString = sentence;
        m_errorDetail = detail;
        return false;
    }
    m_open = true;
    clearError();
    qCInfo(lcStore).noquote() << "opened event log" << displayPath() << "schema" << m_schemaVersion;
    return true;
}

void EventLog::close()
{
    m_insertEvent.reset();
    m_updateChannel.reset();
    m_upsertJobRun.reset();
    m_upsertHealth.reset();
    m_upsertHealthHour.reset();
    m_channelIds.clear();
    m_channelNames.clear();
    m_channelTitles.clear();
    const bool hadConnection = m_db.isValid();
    if (hadConnection)
        m_db.close();
    m_db = QSqlDatabase();
    if (hadConnection)
        QSqlDatabase::removeDatabase(m_connectionName);
    if (m_open) {
        m_open = false;
        m_error = Error::NotOpenError;
        m_errorString.clear();
        m_errorDetail.clear();
    }
    m_schemaVersion = 0;
}

bool EventLog::begin()
{
    // IMMEDIATE takes the write lock at once (waiting up to the busy
    // timeout), instead of failing later when a read turns into a write.
    QSqlQuery query(m_db);
    if (query.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return true;
    transactionFailed(query.lastError());
    return false;
}

void EventLog::rollback()
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("ROLLBACK")))
        qCDebug(lcStore).noquote() << "rollback:" << sqliteText(query.lastError());
}

bool EventLog::commit()
{
    QSqlQuery query(m_db);
    if (query.exec(QStringLiteral("COMMIT")))
        return true;
    transactionFailed(query.lastError());
    rollback();
    return false;
}

bool EventLog::migrate()
{
    const int latest = m_migrations.isEmpty() ? 0 : m_migrations.constLast().version;
    auto readVersion = [this](int *version) {
        QSqlQuery query(m_db);
        // One statement, so both counts come from the same snapshot: another
        // process creating the log meanwhile must not look like a foreign
        // database (tables, but no version table yet).
        if (!query.exec(QStringLiteral(
                "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                " AND name = 'schema_version'),"
                " (SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')")) ||
            !query.next()) {
            readFailed(query.lastError());
            return false;
        }
        if (query.value(0).toInt() == 0) {
            // No version table: a new, empty file, or somebody else's database.
            if (query.value(1).toInt() != 0) {
                setError(Error::IncompatibleError,
                         tr("The file %1 is a database, but not a Longwatch event log.")
                             .arg(displayPath()));
                return false;
            }
            *version = 0;
            return true;
        }
        if (!query.exec(QStringLiteral("SELECT max(version) FROM schema_version")) ||
            !query.next()) {
            readFailed(query.lastError());
            return false;
        }
        *version = query.value(0).toInt();
        return true;
    };

    int version = 0;
    if (!readVersion(&version))
        return false;
    auto tooNew = [&] {
        setError(Error::IncompatibleError,
                 tr("The event log at %1 was written by a newer version of Longwatch "
                    "(format %2; this version reads up to format %3).")
                     .arg(displayPath())
                     .arg(version)
                     .arg(latest));
        return false;
    };
    if (version > latest)
        return tooNew();

    for (const Migration &migration : std::as_const(m_migrations)) {
        if (migration.version <= version)
            continue;
        if (!begin())
            return false;
        // Another process may have migrated while we waited for the lock.
        if (!readVersion(&version)) {
            rollback();
            return false;
        }
        if (version > latest) {
            rollback();
            return tooNew();
        }
        if (migration.version <= version) {
            rollback();
            continue;
        }
        QString why;
        const bool applied =
            migration.apply(m_db, &why) &&
            execStatement(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version"
                                         " (version INTEGER NOT NULL)"),
                          &why) &&
            execStatement(QStringLiteral("DELETE FROM schema_version"), &why) &&
            execStatement(QStringLiteral("INSERT INTO schema_version (version) VALUES (%1)")
                              .arg(migration.version),
                          &why);
        if (!applied) {
            rollback();
            setError(Error::WriteError,
                     tr("Could not bring the event log at %1 up to format %2 (%3).")
                         .arg(displayPath())
                         .arg(migration.version)
                         .arg(why),
                     why);
            return false;
        }
        if (!commit())
            return false;
        qCInfo(lcStore).noquote() << "event log" << displayPath() << "migrated from schema"
                                  << version << "to" << migration.version;
        version = migration.version;
    }
    m_schemaVersion = version;
    return true;
}

bool EventLog::prepareStatements()
{
    m_insertEvent = std::make_unique<QSqlQuery>(m_db);
    m_updateChannel = std::make_unique<QSqlQuery>(m_db);
    // ON CONFLICT names the key index: unlike INSERT OR IGNORE, it does not
    // also swallow NOT NULL or CHECK failures.
    const bool ok =
        m_insertEvent->prepare(QStringLiteral(
            "INSERT INTO events (channel_id, key, type, text, time_ms, received_usecs, raw)"
            " VALUES (:channel, :key, :type, :text, :time, :received, :raw)"
            " ON CONFLICT (channel_id, key) DO NOTHING")) &&
        m_updateChannel->prepare(
            QStringLiteral("UPDATE channels SET cursor = ?, event_count = event_count + ?,"
                           " updated_usecs = ? WHERE id = ?"));
    m_upsertJobRun.reset();
    if (ok && m_schemaVersion >= 3) {
        // A job's row follows its events as the job board does (JobModel):
        // an event without a status keeps the last one; the job started with
        // its first status past queued; it finished when it reached a final
        // status (a repeat of that status keeps the time; running again
        // clears it). Right-hand sides read the row as it was.
        m_upsertJobRun = std::make_unique<QSqlQuery>(m_db);
        if (!m_upsertJobRun->prepare(QStringLiteral(
                "INSERT INTO job_runs (channel_id, job, series, status, first_usecs, last_usecs,"
                " started_usecs, finished_usecs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel_id, job) DO UPDATE SET"
                " status = CASE WHEN excluded.status = 'unknown' THEN status"
                "  ELSE excluded.status END,"
                " last_usecs = max(last_usecs, excluded.last_usecs),"
                " started_usecs = coalesce(started_usecs, excluded.started_usecs),"
                " finished_usecs = CASE WHEN excluded.status = 'unknown' THEN finished_usecs"
                "  WHEN excluded.finished_usecs IS NULL THEN NULL"
                "  WHEN status = excluded.status AND finished_usecs IS NOT NULL"
                "  THEN finished_usecs ELSE excluded.finished_usecs END"))) {
            failed(m_upsertJobRun->lastError(), Error::IncompatibleError,
                   tr("The event log at %1 does not have the expected tables (%2).")
                       .arg(displayPath(), sqliteText(m_upsertJobRun->lastError())));
            return false;
        }
    }
    m_upsertHealth.reset();
    m_upsertHealthHour.reset();
    if (ok && m_schemaVersion >= 4) {
        // A minute (an hour) written in parts adds up; its largest latency stays.
        QStringList updates;
        for (const QString &column : healthCountColumns())
            updates << QStringLiteral("%1 = %1 + excluded.%1").arg(column);
        updates << QStringLiteral("latency_max_ms = max(latency_max_ms, excluded.latency_max_ms)");
        const QStringList columns = healthCountColumns();
        for (const HealthTable &health : {kHealthMinutes, kHealthHours}) {
            auto upsert = std::make_unique<QSqlQuery>(m_db);
            if (!upsert->prepare(
                    QStringLiteral("INSERT INTO %1 (channel_id, %2, %3,"
                                   " latency_max_ms) VALUES (?, ?, %4, ?)"
                                   " ON CONFLICT (channel_id, %2) DO UPDATE SET %5")
                        .arg(health.table, health.key, columns.join(QStringLiteral(", ")),
                             placeholders(columns.size()), updates.join(QStringLiteral(", "))))) {
                failed(upsert->lastError(), Error::IncompatibleError,
                       tr("The event log at %1 does not have the expected tables (%2).")
                           .arg(displayPath(), sqliteText(upsert->lastError())));
                return false;
            }
            (health.spanUsecs == kHealthMinutes.spanUsecs ? m_upsertHealth : m_upsertHealthHour) =
                std::move(upsert);
        }
    }
    if (ok)
        return true;
    const QSqlError sqlError = m_insertEvent->lastError().isValid() ? m_insertEvent->lastError()
                                                                    : m_updateChannel->lastError();
    failed(sqlError, Error::IncompatibleError,
           tr("The event log at %1 does not have the expected tables (%2).")
               .arg(displayPath(), sqliteText(sqlError)));
    return false;
}

bool EventLog::reloadChannels()
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    const bool hasTitles = m_schemaVersion >= 2;
    if (!query.exec(hasTitles ? QStringLiteral("SELECT id, name, title FROM channels")
                              : QStringLiteral("SELECT id, name FROM channels"))) {
        readFailed(query.lastError());
        return false;
    }
    m_channelIds.clear();
    m_channelNames.clear();
    m_channelTitles.clear();
    while (query.next()) {
        const qint64 id = query.value(0).toLongLong();
        const QString name = query.value(1).toString();
        m_channelIds.insert(name, id);
        m_channelNames.insert(id, name);
        if (hasTitles && !query.value(2).isNull())
            m_channelTitles.insert(id, query.value(2).toString());
    }
    return true;
}

std::optional<qint64> EventLog::channelId(const QString &channel, bool create,
                                          QHash<QString, qint64> *created)
{
    if (const auto it = m_channelIds.constFind(channel); it != m_channelIds.cend())
        return *it;
    if (created) {
        if (const auto it = created->constFind(channel); it != created->cend())
            return *it;
    }
    QSqlQuery query(m_db);
    if (create) {
        query.prepare(
            QStringLiteral("INSERT INTO channels (name) VALUES (?) ON CONFLICT (name) DO NOTHING"));
        query.addBindValue(channel);
        if (!query.exec()) {
            failed(query.lastError(), Error::WriteError,
                   tr("Could not record the channel %1 in the event log at %2 (%3).")
                       .arg(channel, displayPath(), sqliteText(query.lastError())));
            return std::nullopt;
        }
    }
    query.prepare(QStringLiteral("SELECT id FROM channels WHERE name = ?"));
    query.addBindValue(channel);
    if (!query.exec()) {
        readFailed(query.lastError());
        return std::nullopt;
    }
    if (!query.next())
        return std::optional<qint64>(0); // no such channel (only when !create)
    const qint64 id = query.value(0).toLongLong();
    // A channel created inside a transaction joins the cache only once the
    // transaction commits; a rollback would leave a dangling id otherwise.
    if (created)
        created->insert(channel, id);
    else {
        m_channelIds.insert(channel, id);
        m_channelNames.insert(id, channel);
    }
    return id;
}

QString EventLog::channelName(qint64 id)
{
    if (const auto it = m_channelNames.constFind(id); it != m_channelNames.cend())
        return *it;
    reloadChannels(); // another connection added it
    return m_channelNames.value(id);
}

bool EventLog::setChannelTitle(const QString &channel, const QString &title)
{
    if (!checkOpen())
        return false;
    if (m_schemaVersion < 2) {
        setError(Error::IncompatibleError,
                 tr("The event log at %1 has no channel titles (format %2).")
                     .arg(displayPath())
                     .arg(m_schemaVersion));
        return false;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO channels (name, title) VALUES (?, ?)"
                                 " ON CONFLICT (name) DO UPDATE SET title = excluded.title"));
    query.addBindValue(channel);
    query.addBindValue(title.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                       : QVariant(title));
    if (!query.exec()) {
        failed(query.lastError(), Error::WriteError,
               tr("Could not record the name of the channel %1 in the event log at %2 (%3).")
                   .arg(channel, displayPath(), sqliteText(query.lastError())));
        return false;
    }
    clearError();
    return reloadChannels();
}

QHash<QString, QString> EventLog::channelTitles()
{
    QHash<QString, QString> result;
    if (!checkOpen() || !reloadChannels())
        return result;
    for (auto it = m_channelTitles.cbegin(); it != m_channelTitles.cend(); ++it)
        result.insert(m_channelNames.value(it.key()), it.value());
    return result;
}

QString EventLog::channelTitle(qint64 id)
{
    if (!m_channelNames.contains(id))
        reloadChannels();
    return m_channelTitles.value(id);
}

bool EventLog::removeChannel(const QString &channel)
{
    if (!checkOpen())
        return false;
    const std::optional<qint64> id = channelId(channel, false, nullptr);
    if (!id)
        return false;
    if (*id == 0)
        return true; // nothing stored
    if (!begin())
        return false;
    QSqlQuery query(m_db);
    QStringList statements = {QStringLiteral("DELETE FROM events WHERE channel_id = ?"),
                              QStringLiteral("DELETE FROM channels WHERE id = ?")};
    if (m_schemaVersion >= 3)
        statements.prepend(QStringLiteral("DELETE FROM job_runs WHERE channel_id = ?"));
    if (m_schemaVersion >= 4)
        statements << QStringLiteral("DELETE FROM health_samples WHERE channel_id = ?")
                   << QStringLiteral("DELETE FROM health_hours WHERE channel_id = ?");
    for (const QString &sql : std::as_const(statements)) {
        query.prepare(sql);
        query.addBindValue(*id);
        if (!query.exec()) {
            failed(query.lastError(), Error::WriteError,
                   tr("Could not delete the events of %1 from the event log at %2 (%3).")
                       .arg(channel, displayPath(), sqliteText(query.lastError())));
            query = QSqlQuery();
            rollback();
            return false;
        }
    }
    query = QSqlQuery();
    if (!commit())
        return false;
    m_channelIds.remove(channel);
    m_channelNames.remove(*id);
    m_channelTitles.remove(*id);
    m_retention.remove(channel);
    clearError();
    return true;
}

bool EventLog::renameChannel(const QString &channel, const QString &newChannel)
{
    if (!checkOpen())
        return false;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE channels SET name = ? WHERE name = ?"));
    query.addBindValue(newChannel);
    query.addBindValue(channel);
    if (!query.exec()) {
        failed(query.lastError(), Error::WriteError,
               tr("Could not rename the channel %1 in the event log at %2 (%3).")
                   .arg(channel, displayPath(), sqliteText(query.lastError())));
        return false;
    }
    if (const RetentionPolicy policy = m_retention.take(channel); !policy.isNull())
        m_retention.insert(newChannel, policy);
    clearError();
    return reloadChannels();
}

std::optional<qint64> EventLog::seqOf(const QString &channel, const QString &key)
{
    if (!checkOpen() || key.isEmpty())
        return std::nullopt;
    const std::optional<qint64> id = channelId(channel, false, nullptr);
    if (!id || *id == 0)
        return std::nullopt;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT seq FROM events WHERE channel_id = ? AND key = ?"));
    query.addBindValue(*id);
    query.addBindValue(key);
    if (!query.exec()) {
        readFailed(query.lastError());
        return std::nullopt;
    }
    if (!query.next())
        return std::nullopt;
    return query.value(0).toLongLong();
}

std::optional<AppendResult> EventLog::append(const QString &channel, const EventList &events,
                                             const QString &cursor,
                                             const std::optional<JobMapping> &jobs)
{
    QList<AppendResult> results;
    if (!append({EventBatch{channel, events, cursor, jobs}}, &results))
        return std::nullopt;
    return results.constFirst();
}

bool EventLog::append(const QList<EventBatch> &batches, QList<AppendResult> *results)
{
    if (!checkOpen())
        return false;
    if (!begin())
        return false;
    QHash<QString, qint64> created;
    QList<AppendResult> out;
    out.reserve(batches.size());
    const qint64 now = m_clock();
    auto fail = [&](const QSqlError &sqlError, const QString &channel) {
        failed(sqlError, Error::WriteError,
               tr("Could not record events of %1 in the event log at %2 (%3).")
                   .arg(channel, displayPath(), sqliteText(sqlError)));
        m_insertEvent->finish();
        rollback();
        return false;
    };

    for (const EventBatch &batch : batches) {
        const std::optional<qint64> id = channelId(batch.channel, true, &created);
        if (!id) {
            rollback();
            return false;
        }
        AppendResult result;
        const std::optional<JobKeyFilter> jobFilter =
            batch.jobs && m_upsertJobRun ? std::optional<JobKeyFilter>(*batch.jobs) : std::nullopt;
        for (qsizetype i = 0; i < batch.events.size(); ++i) {
            const Event &event = batch.events.at(i);
            m_insertEvent->bindValue(kChannel, *id);
            m_insertEvent->bindValue(kKey, event.key.isEmpty()
                                               ? QVariant(QMetaType::fromType<QString>())
                                               : QVariant(event.key));
            m_insertEvent->bindValue(kType, notNull(event.type));
            m_insertEvent->bindValue(kText, notNull(event.text));
            m_insertEvent->bindValue(kTime, event.time.isValid()
                                                ? QVariant(event.time.toMSecsSinceEpoch())
                                                : QVariant(QMetaType::fromType<qint64>()));
            m_insertEvent->bindValue(kReceived, event.receivedUsecs);
            m_insertEvent->bindValue(kRaw, notNull(event.raw));
            if (!m_insertEvent->exec())
                return fail(m_insertEvent->lastError(), batch.channel);
            if (m_insertEvent->numRowsAffected() > 0) {
                ++result.added;
                if (jobFilter && !recordJobRun(*id, event, *batch.jobs, *jobFilter))
                    return fail(m_upsertJobRun->lastError(), batch.channel);
            } else {
                ++result.duplicates;
                result.duplicateIndexes.append(int(i));
            }
        }
        m_updateChannel->bindValue(0, notNull(batch.cursor));
        m_updateChannel->bindValue(1, result.added);
        m_updateChannel->bindValue(2, now);
        m_updateChannel->bindValue(3, *id);
        if (!m_updateChannel->exec())
            return fail(m_updateChannel->lastError(), batch.channel);
        out.append(std::move(result));
    }
    m_insertEvent->finish();
    m_updateChannel->finish();
    if (m_upsertJobRun)
        m_upsertJobRun->finish();
    if (!commit())
        return false;
    for (auto it = created.cbegin(); it != created.cend(); ++it) {
        m_channelIds.insert(it.key(), it.value());
        m_channelNames.insert(it.value(), it.key());
    }
    clearError();
    if (results)
        *results = std::move(out);
    return true;
}

bool EventLog::recordJobRun(qint64 channelId, const Event &event, const JobMapping &mapping,
                            const JobKeyFilter &filter)
{
    const std::optional<JobUpdate> update = extractJobUpdate(event, mapping, filter);
    if (!update || update->key.isEmpty())
        return true;
    const qint64 at = eventUsecs(event);
    const QVariant none(QMetaType::fromType<qint64>());
    QSqlQuery &q = *m_upsertJobRun;
    q.bindValue(0, channelId);
    q.bindValue(1, update->key);
    q.bindValue(2, jobSeriesName(update->key));
    q.bindValue(3, jobStatusKey(update->status));
    q.bindValue(4, at);
    q.bindValue(5, at);
    const bool started =
        update->status != JobStatus::Queued && update->status != JobStatus::Unknown;
    q.bindValue(6, started ? QVariant(at) : none);
    q.bindValue(7, isFinalJobStatus(update->status) ? QVariant(at) : none);
    return q.exec();
}

QList<JobRun> EventLog::jobRuns(const QStringList &channels, std::optional<qint64> sinceUsecs)
{
    JobRunQuery query;
    query.channels = channels;
    query.sinceUsecs = sinceUsecs;
    return jobRuns(query);
}

std::optional<bool> EventLog::jobRunWhere(const QStringList &channels, QStringList *where,
                                          QVariantList *binds)
{
    if (channels.isEmpty())
        return true;
    QStringList places;
    for (const QString &channel : channels) {
        const std::optional<qint64> id = channelId(channel, false, nullptr);
        if (!id)
            return std::nullopt;
        if (*id > 0) {
            places << QStringLiteral("?");
            *binds << *id;
        }
    }
    if (places.isEmpty())
        return false; // none of them has anything stored
    *where << QStringLiteral("j.channel_id IN (%1)").arg(places.join(QLatin1Char(',')));
    return true;
}

QList<JobRun> EventLog::jobRuns(const JobRunQuery &runQuery)
{
    if (!checkOpen() || m_schemaVersion < 3)
        return {};
    QStringList where;
    QVariantList binds;
    if (const std::optional<bool> any = jobRunWhere(runQuery.channels, &where, &binds); !any) {
        return {};
    } else if (!*any) {
        clearError();
        return {};
    }
    if (!runQuery.series.isEmpty()) {
        where << QStringLiteral("j.series = ?");
        binds << runQuery.series;
    }
    if (runQuery.sinceUsecs) {
        where << QStringLiteral("j.first_usecs >= ?");
        binds << *runQuery.sinceUsecs;
    }
    // The channel's name from its table: another connection (the writer)
    // may have made the channel since this one cached the names.
    QString sql =
        QStringLiteral("SELECT c.name, j.job, j.series, j.status, j.first_usecs, j.last_usecs,"
                       " j.started_usecs, j.finished_usecs FROM job_runs j JOIN channels c ON c.id "
                       "= j.channel_id");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    const bool newest = runQuery.newest > 0;
    sql += newest ? QStringLiteral(" ORDER BY j.first_usecs DESC LIMIT %1").arg(runQuery.newest)
                  : QStringLiteral(" ORDER BY j.first_usecs");
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(sql);
    for (const QVariant &bind : std::as_const(binds))
        query.addBindValue(bind);
    if (!query.exec()) {
        readFailed(query.lastError());
        return {};
    }
    QList<JobRun> runs;
    while (query.next()) {
        JobRun run;
        run.channel = query.value(0).toString();
        run.job = query.value(1).toString();
        run.series = query.value(2).toString();
        run.status = normaliseJobStatus(query.value(3).toString());
        run.firstUsecs = query.value(4).toLongLong();
        run.lastUsecs = query.value(5).toLongLong();
        if (!query.value(6).isNull())
            run.startedUsecs = query.value(6).toLongLong();
        if (!query.value(7).isNull())
            run.finishedUsecs = query.value(7).toLongLong();
        runs.append(std::move(run));
    }
    if (query.lastError().isValid()) {
        readFailed(query.lastError());
        return {};
    }
    if (newest)
        std::reverse(runs.begin(), runs.end());
    clearError();
    return runs;
}

QList<JobSeriesKey> EventLog::jobSeries(const QStringList &channels)
{
    if (!checkOpen() || m_schemaVersion < 3)
        return {};
    QStringList where;
    QVariantList binds;
    if (const std::optional<bool> any = jobRunWhere(channels, &where, &binds); !any) {
        return {};
    } else if (!*any) {
        clearError();
        return {};
    }
    // Grouped in the index's order: a walk of job_runs_series, no sort.
    QString sql = QStringLiteral("SELECT j.channel_id, j.series FROM job_runs j");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" GROUP BY j.channel_id, j.series");
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(sql);
    for (const QVariant &bind : std::as_const(binds))
        query.addBindValue(bind);
    if (!query.exec()) {
        readFailed(query.lastError());
        return {};
    }
    QHash<qint64, QString> names;
    QList<std::pair<qint64, QString>> rows;
    while (query.next())
        rows.append({query.value(0).toLongLong(), query.value(1).toString()});
    if (query.lastError().isValid()) {
        readFailed(query.lastError());
        return {};
    }
    QList<JobSeriesKey> keys;
    keys.reserve(rows.size());
    for (const auto &[id, series] : std::as_const(rows)) {
        auto it = names.find(id);
        if (it == names.end())
            it = names.insert(id, channelName(id));
        if (!it->isEmpty())
            keys.append({*it, series});
    }
    std::stable_sort(keys.begin(), keys.end(), [](const JobSeriesKey &a, const JobSeriesKey &b) {
        return a.channel < b.channel;
    });
    clearError();
    return keys;
}

bool EventLog::addHealthSamples(const QList<HealthSample> &samples)
{
    if (!checkOpen())
        return false;
    if (!m_upsertHealth) {
        setError(Error::IncompatibleError,
                 tr("The event log at %1 has no channel health (format %2).")
                     .arg(displayPath())
                     .arg(m_schemaVersion));
        return false;
    }
    if (samples.isEmpty())
        return true;
    if (!begin())
        return false;
    QHash<QString, qint64> created;
    for (const HealthSample &sample : samples) {
        const std::optional<qint64> id = channelId(sample.channel, true, &created);
        if (!id) {
            rollback();
            return false;
        }
        const QVariantList values = healthCountValues(sample);
        for (QSqlQuery *q : {m_upsertHealth.get(), m_upsertHealthHour.get()}) {
            int at = 0;
            q->bindValue(at++, *id);
            q->bindValue(at++, q == m_upsertHealth.get()
                                   ? sample.minuteUsecs
                                   : floorTo(sample.minuteUsecs, kHealthHours.spanUsecs));
            for (const QVariant &value : values)
                q->bindValue(at++, value);
            q->bindValue(at++, sample.latencyMaxMsecs);
            if (!q->exec()) {
                failed(q->lastError(), Error::WriteError,
                       tr("Could not record the health of %1 in the event log at %2 (%3).")
                           .arg(sample.channel, displayPath(), sqliteText(q->lastError())));
                q->finish();
                rollback();
                return false;
            }
        }
    }
    m_upsertHealth->finish();
    m_upsertHealthHour->finish();
    if (!commit())
        return false;
    for (auto it = created.cbegin(); it != created.cend(); ++it) {
        m_channelIds.insert(it.key(), it.value());
        m_channelNames.insert(it.value(), it.key());
    }
    clearError();
    return true;
}

QList<HealthSample> EventLog::healthSamples(const QString &channel, qint64 fromUsecs,
                                            qint64 untilUsecs, qint64 bucketUsecs)
{
    if (!checkOpen() || m_schemaVersion < 4)
        return {};
    const std::optional<qint64> id = channelId(channel, false, nullptr);
    if (!id)
        return {};
    if (*id == 0) {
        clearError();
        return {};
    }
    // One range of the primary key; with buckets, SQLite adds up as it
    // walks it (the groups come in key order: no sort). Whole hours from a
    // whole hour are read from the hours: 90 days are 2,160 rows, not 129,600.
    const qint64 hour = kHealthHours.spanUsecs;
    const HealthTable &health =
        bucketUsecs >= hour && bucketUsecs % hour == 0 && floorTo(fromUsecs, hour) == fromUsecs
            ? kHealthHours
            : kHealthMinutes;
    QStringList sums;
    for (const QString &column : healthCountColumns())
        sums << (bucketUsecs > 0 ? QStringLiteral("sum(%1)").arg(column) : column);
    const QString sql =
        bucketUsecs > 0 ? QStringLiteral("SELECT (%2 - ?) / ? AS period, %1, max(latency_max_ms)"
                                         " FROM %3 WHERE channel_id = ? AND %2 >= ?"
                                         " AND %2 < ? GROUP BY period ORDER BY period")
                              .arg(sums.join(QStringLiteral(", ")), health.key, health.table)
                        : QStringLiteral("SELECT %2, %1, latency_max_ms FROM %3"
                                         " WHERE channel_id = ? AND %2 >= ? AND %2 < ?"
                                         " ORDER BY %2")
                              .arg(sums.join(QStringLiteral(", ")), health.key, health.table);
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(sql);
    if (bucketUsecs > 0) {
        query.addBindValue(fromUsecs);
        query.addBindValue(bucketUsecs);
    }
    query.addBindValue(*id);
    query.addBindValue(fromUsecs);
    query.addBindValue(untilUsecs);
    if (!query.exec()) {
        readFailed(query.lastError());
        return {};
    }
    const int maxColumn = 1 + int(healthCountColumns().size());
    QList<HealthSample> samples;
    while (query.next()) {
        HealthSample sample;
        sample.channel = channel;
        sample.minuteUsecs = bucketUsecs > 0 ? fromUsecs + query.value(0).toLongLong() * bucketUsecs
                                             : query.value(0).toLongLong();
        readHealthCounts(query, 1, &sample);
        sample.latencyMaxMsecs = query.value(maxColumn).toLongLong();
        samples.append(std::move(sample));
    }
    if (query.lastError().isValid()) {
        readFailed(query.lastError());
        return {};
    }
    clearError();
    return samples;
}

QStringList EventLog::healthChannels(qint64 fromUsecs)
{
    if (!checkOpen() || m_schemaVersion < 4)
        return {};
    // One seek of the primary key per channel (the hours: an hour that
    // began before `fromUsecs` may name a channel with nothing after it).
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT c.name FROM channels c WHERE EXISTS (SELECT 1 FROM"
                                 " health_hours h WHERE h.channel_id = c.id"
                                 " AND h.hour_usecs >= ?) ORDER BY c.name"));
    query.addBindValue(floorTo(fromUsecs, kHealthHours.spanUsecs));
    if (!query.exec()) {
        readFailed(query.lastError());
        return {};
    }
    QStringList names;
    while (query.next())
        names << query.value(0).toString();
    if (query.lastError().isValid()) {
        readFailed(query.lastError());
        return {};
    }
    clearError();
    return names;
}

int EventLog::trimHealthSamples(qint64 minutesBeforeUsecs, qint64 hoursBeforeUsecs)
{
    if (!checkOpen())
        return -1;
    if (m_schemaVersion < 4)
        return 0;
    int deleted = 0;
    QSqlQuery query(m_db);
    for (const auto &[health, before] : {std::pair(kHealthMinutes, minutesBeforeUsecs),
                                         std::pair(kHealthHours, hoursBeforeUsecs)}) {
        query.prepare(QStringLiteral("DELETE FROM %1 WHERE %2 < ?").arg(health.table, health.key));
        query.addBindValue(before);
        if (!query.exec()) {
            transactionFailed(query.lastError());
            return -1;
        }
        deleted += query.numRowsAffected();
    }
    clearError();
    return deleted;
}

bool EventLog::setCursor(const QString &channel, const QString &cursor)
{
    QList<AppendResult> results;
    return append({EventBatch{channel, {}, cursor}}, &results);
}

std::optional<QString> EventLog::cursor(const QString &channel)
{
    if (!checkOpen())
        return std::nullopt;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT cursor FROM channels WHERE name = ?"));
    query.addBindValue(channel);
    if (!query.exec()) {
        readFailed(query.lastError());
        return std::nullopt;
    }
    if (!query.next() || query.value(0).isNull())
        return std::nullopt;
    return query.value(0).toString();
}

template<typename Value, typename ReadValue>
QHash<QString, Value> EventLog::readByChannel(const QString &sql, ReadValue readValue)
{
    QHash<QString, Value> result;
    if (!checkOpen())
        return result;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(sql)) {
        readFailed(query.lastError());
        return result;
    }
    while (query.next())
        result.insert(query.value(0).toString(), readValue(query));
    return result;
}

QHash<QString, QString> EventLog::cursors()
{
    return readByChannel<QString>(
        QStringLiteral("SELECT name, cursor FROM channels WHERE cursor IS NOT NULL"),
        [](const QSqlQuery &query) { return query.value(1).toString(); });
}

QStringList EventLog::channels()
{
    if (!checkOpen() || !reloadChannels())
        return {};
    QStringList names = m_channelIds.keys();
    names.sort();
    return names;
}

QHash<QString, qint64> EventLog::eventCounts()
{
    return readByChannel<qint64>(
        QStringLiteral("SELECT name, event_count FROM channels"),
        [](const QSqlQuery &query) { return query.value(1).toLongLong(); });
}

namespace {

// The counts are kept in channels.event_count; the newest event of a
// channel is the last entry of events_channel for it, (channel_id, seq) in
// effect: one index seek per channel, never a scan of the events.
const QString kChannelSummariesSql =
    QStringLiteral("SELECT c.name, c.event_count,"
                   " (SELECT e.received_usecs FROM events e WHERE e.channel_id = c.id"
                   "  ORDER BY e.seq DESC LIMIT 1)"
                   " FROM channels c");

} // namespace

QHash<QString, ChannelSummary> EventLog::channelSummaries()
{
    return readByChannel<ChannelSummary>(kChannelSummariesSql, [](const QSqlQuery &query) {
        ChannelSummary summary;
        summary.eventCount = query.value(1).toLongLong();
        summary.lastReceivedUsecs = query.value(2).toLongLong();
        return summary;
    });
}

namespace {

/// The "detail" lines of an executed EXPLAIN QUERY PLAN, one per step.
QString queryPlanText(QSqlQuery &query)
{
    QStringList lines;
    const int detail = query.record().indexOf(QStringLiteral("detail"));
    while (query.next())
        lines << query.value(detail < 0 ? 3 : detail).toString();
    return lines.join(QLatin1Char('\n'));
}

} // namespace

QString EventLog::explainChannelSummaries()
{
    if (!checkOpen())
        return {};
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("EXPLAIN QUERY PLAN ") + kChannelSummariesSql))
        return sqliteText(query.lastError());
    return queryPlanText(query);
}

void EventLog::setRetention(const QString &channel, const RetentionPolicy &policy)
{
    if (policy.isNull())
        m_retention.remove(channel);
    else
        m_retention.insert(channel, policy);
}

EventLog::RetentionResult EventLog::applyRetention(int maxDeletes)
{
    RetentionResult result;
    if (m_retention.isEmpty() || maxDeletes <= 0)
        return result;
    if (!checkOpen()) {
        result.ok = false;
        return result;
    }
    QStringList names = m_retention.keys();
    names.sort();
    if (!reloadChannels()) {
        result.ok = false;
        return result;
    }
    if (!begin()) {
        result.ok = false;
        return result;
    }
    const qint64 now = m_clock();
    int budget = maxDeletes;
    QSqlQuery count(m_db);
    QSqlQuery remove(m_db);
    QSqlQuery update(m_db);
    update.prepare(
        QStringLiteral("UPDATE channels SET event_count = max(0, event_count - ?) WHERE id = ?"));
    auto fail = [&](const QSqlError &sqlError) {
        failed(sqlError, Error::WriteError,
               tr("Could not delete old events from the event log at %1 (%2).")
                   .arg(displayPath(), sqliteText(sqlError)));
        count = QSqlQuery();
        remove = QSqlQuery();
        update = QSqlQuery();
        rollback();
        result.ok = false;
        result.deleted = 0;
        return result;
    };
    auto deleted = [&](qint64 id, int n) {
        update.bindValue(0, n);
        update.bindValue(1, id);
        return update.exec();
    };

    const int channelCount = int(names.size());
    for (int step = 0; step < channelCount; ++step) {
        const QString &name = names.at((m_retentionNext + step) % channelCount);
        const qint64 id = m_channelIds.value(name);
        if (id == 0)
            continue;
        if (budget == 0) {
            result.more = true;
            m_retentionNext = (m_retentionNext + step) % channelCount;
            break;
        }
        const RetentionPolicy policy = m_retention.value(name);
        if (policy.maxEvents > 0) {
            count.prepare(QStringLiteral("SELECT event_count FROM channels WHERE id = ?"));
            count.addBindValue(id);
            if (!count.exec() || !count.next())
                return fail(count.lastError());
            const qint64 excess = count.value(0).toLongLong() - policy.maxEvents;
            count.finish();
            if (excess > 0) {
                const int n = int(std::min<qint64>(excess, budget));
                remove.prepare(
                    QStringLiteral("DELETE FROM events WHERE seq IN (SELECT seq FROM events"
                                   " WHERE channel_id = ? ORDER BY seq LIMIT ?)"));
                remove.addBindValue(id);
                remove.addBindValue(n);
                if (!remove.exec())
                    return fail(remove.lastError());
                const int gone = remove.numRowsAffected();
                if (!deleted(id, gone))
                    return fail(update.lastError());
                result.deleted += gone;
                budget -= gone;
                if (excess > gone)
                    result.more = true;
            }
        }
        if (policy.maxAge.count() > 0 && budget > 0) {
            // Look at the channel's oldest `budget` events only, so one call
            // costs the same however large the log is; ages apply in stored
            // order (an event stored later is never older for retention).
            const qint64 cutoff = now - qint64(policy.maxAge.count()) * 1'000'000;
            remove.prepare(QStringLiteral(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM (SELECT seq, received_usecs"
                " FROM events WHERE channel_id = ? ORDER BY seq LIMIT ?) WHERE received_usecs < "
                "?)"));
            remove.addBindValue(id);
            remove.addBindValue(budget);
            remove.addBindValue(cutoff);
            if (!remove.exec())
                return fail(remove.lastError());
            const int gone = remove.numRowsAffected();
            if (gone > 0 && !deleted(id, gone))
                return fail(update.lastError());
            result.deleted += gone;
            if (gone == budget)
                result.more = true;
            budget -= gone;
        }
    }
    if (!result.more)
        m_retentionNext = (m_retentionNext + 1) % std::max(1, channelCount);
    count = QSqlQuery();
    remove = QSqlQuery();
    update = QSqlQuery();
    if (!commit()) {
        result.ok = false;
        result.deleted = 0;
        return result;
    }
    if (result.deleted > 0)
        qCDebug(lcStore).noquote() << "retention deleted" << result.deleted << "event(s)"
                                   << (result.more ? "(more to do)" : "");
    return result;
}

EventLog::Where EventLog::buildWhere(const EventQuery &query)
{
    Where where;
    QStringList conditions;
    if (!query.channels.isEmpty()) {
        for (const QString &name : query.channels) {
            const std::optional<qint64> id = channelId(name, false, nullptr);
            if (!id) {
                where.failed = true;
                return where;
            }
            if (*id != 0) {
                if (!where.channelIds.contains(*id))
                    where.channelIds.append(*id);
                continue;
            }
            // Not a key: the channels with that title (exports by name).
            for (auto it = m_channelTitles.cbegin(); it != m_channelTitles.cend(); ++it) {
                if (it.value() == name && !where.channelIds.contains(it.key()))
                    where.channelIds.append(it.key());
            }
        }
        if (where.channelIds.isEmpty()) {
            where.matchesNothing = true;
            return where;
        }
        if (where.channelIds.size() == 1) {
            conditions << QStringLiteral("channel_id = ?");
        } else {
            // Several channels: walk the log in seq order and pick theirs
            // (the unary + keeps SQLite off the channel index, whose use
            // would mean sorting every matching row before the first page).
            conditions
                << QStringLiteral("+channel_id IN (%1)").arg(placeholders(where.channelIds.size()));
        }
        for (const qint64 id : std::as_const(where.channelIds))
            where.binds << id;
    }
    if (!query.types.isEmpty()) {
        where.onlyChannels = false;
        conditions << QStringLiteral("type IN (%1)").arg(placeholders(query.types.size()));
        for (const QString &type : query.types)
            where.binds << notNull(type);
    }
    if (!query.text.isEmpty()) {
        where.onlyChannels = false;
        conditions << QStringLiteral("(text LIKE ? ESCAPE '\\' OR type LIKE ? ESCAPE '\\'"
                                     " OR key LIKE ? ESCAPE '\\')");
        const QString pattern = likePattern(query.text);
        where.binds << pattern << pattern << pattern;
    }
    if (query.sinceUsecs) {
        where.onlyChannels = false;
        conditions << QStringLiteral("received_usecs >= ?");
        where.binds << *query.sinceUsecs;
    }
    if (query.untilUsecs) {
        where.onlyChannels = false;
        conditions << QStringLiteral("received_usecs < ?");
        where.binds << *query.untilUsecs;
    }
    if (query.maxSeq) {
        where.onlyChannels = false;
        conditions << QStringLiteral("seq <= ?");
        where.binds << *query.maxSeq;
    }
    if (!conditions.isEmpty())
        where.sql = QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
    return where;
}

QString EventLog::selectSql(const Where &where, const EventPage &page, QVariantList *binds,
                            bool asBytes) const
{
    // CAST AS BLOB hands over SQLite's UTF-8 as is, where a TEXT column
    // goes through UTF-16 into a QString first.
    QString sql = asBytes ? QStringLiteral("SELECT seq, channel_id, CAST(key AS BLOB),"
                                           " CAST(type AS BLOB), CAST(text AS BLOB), time_ms,"
                                           " received_usecs, raw FROM events")
                          : QStringLiteral("SELECT seq, channel_id, key, type, text, time_ms,"
                                           " received_usecs, raw FROM events");
    *binds = where.binds;
    QStringList bounds;
    if (page.afterSeq > 0) {
        bounds << QStringLiteral("seq > ?");
        *binds << page.afterSeq;
    }
    if (page.beforeSeq > 0) {
        bounds << QStringLiteral("seq < ?");
        *binds << page.beforeSeq;
    }
    if (!bounds.isEmpty()) {
        sql +=
            where.sql.isEmpty() ? QStringLiteral(" WHERE ") : where.sql + QStringLiteral(" AND ");
        sql += bounds.join(QStringLiteral(" AND "));
    } else {
        sql += where.sql;
    }
    sql +=
        page.newestFirst ? QStringLiteral(" ORDER BY seq DESC") : QStringLiteral(" ORDER BY seq");
    sql += QStringLiteral(" LIMIT ? OFFSET ?");
    *binds << std::max(0, page.limit) << std::max<qint64>(0, page.offset);
    return sql;
}

bool EventLog::runSelect(QSqlQuery &query, const EventQuery &eventQuery, const EventPage &page,
                         bool asBytes, bool *empty)
{
    *empty = false;
    if (!checkOpen())
        return false;
    const Where where = buildWhere(eventQuery);
    if (where.failed)
        return false;
    if (where.matchesNothing || page.limit <= 0) {
        *empty = true;
        return true;
    }
    QVariantList binds;
    const QString sql = selectSql(where, page, &binds, asBytes);
    query.setForwardOnly(true);
    query.prepare(sql);
    for (qsizetype i = 0; i < binds.size(); ++i)
        query.bindValue(int(i), binds.at(i));
    if (query.exec())
        return true;
    readFailed(query.lastError());
    return false;
}

StoredEventList EventLog::events(const EventQuery &eventQuery, const EventPage &page, bool *ok)
{
    if (ok)
        *ok = false;
    StoredEventList result;
    QSqlQuery query(m_db);
    bool empty = false;
    if (!runSelect(query, eventQuery, page, false, &empty))
        return result;
    result.reserve(empty ? 0 : std::min(page.limit, 10'000));
    qint64 lastChannelId = -1;
    QString lastChannel;
    QString lastTitle;
    while (!empty && query.next()) {
        StoredEvent stored;
        stored.seq = query.value(0).toLongLong();
        const qint64 channel = query.value(1).toLongLong();
        if (channel != lastChannelId) {
            lastChannelId = channel;
            lastChannel = channelName(channel);
            lastTitle = channelTitle(channel);
        }
        stored.channel = lastChannel; // shared, not copied, across a page
        stored.channelTitle = lastTitle;
        Event &event = stored.event;
        event.key = query.value(2).toString();
        event.type = query.value(3).toString();
        event.text = query.value(4).toString();
        const QVariant time = query.value(5);
        if (!time.isNull())
            event.time = QDateTime::fromMSecsSinceEpoch(time.toLongLong(), Qt::UTC);
        event.receivedUsecs = query.value(6).toLongLong();
        event.raw = query.value(7).toByteArray();
        result.append(std::move(stored));
    }
    if (query.lastError().isValid()) {
        readFailed(query.lastError());
        return {};
    }
    if (ok)
        *ok = true;
    return result;
}

qint64 EventLog::visitEvents(const EventQuery &eventQuery, const EventPage &page,
                             const std::function<void(const StoredEventBytes &)> &visit)
{
    QSqlQuery query(m_db);
    bool empty = false;
    if (!runSelect(query, eventQuery, page, true, &empty))
        return -1;
    qint64 count = 0;
    qint64 lastChannelId = -1;
    StoredEventBytes row;
    while (!empty && query.next()) {
        row.seq = query.value(0).toLongLong();
        const qint64 channel = query.value(1).toLongLong();
        if (channel != lastChannelId) {
            lastChannelId = channel;
            row.channel = channelName(channel);
            row.channelTitle = channelTitle(channel);
        }
        row.key = query.value(2).toByteArray();
        row.type = query.value(3).toByteArray();
        row.text = query.value(4).toByteArray();
        const QVariant time = query.value(5);
        row.timeMsecs = time.isNull() ? std::nullopt : std::optional(time.toLongLong());
        row.receivedUsecs = query.value(6).toLongLong();
        row.raw = query.value(7).toByteArray();
        visit(row);
        ++count;
    }
    if (query.lastError().isValid()) {
        readFailed(query.lastError());
        return -1;
    }
    return count;
}

qint64 EventLog::countEvents(const EventQuery &eventQuery, bool *ok)
{
    if (ok)
        *ok = false;
    if (!checkOpen())
        return 0;
    const Where where = buildWhere(eventQuery);
    if (where.failed)
        return 0;
    if (where.matchesNothing) {
        if (ok)
            *ok = true;
        return 0;
    }
    QSqlQuery query(m_db);
    QVariantList binds = where.binds;
    if (where.onlyChannels) {
        // The per-channel counts kept with every insert and delete: no scan.
        QString sql = QStringLiteral("SELECT coalesce(sum(event_count), 0) FROM channels");
        if (!where.channelIds.isEmpty())
            sql += QStringLiteral(" WHERE id IN (%1)").arg(placeholders(where.channelIds.size()));
        query.prepare(sql);
    } else {
        query.prepare(QStringLiteral("SELECT count(*) FROM events") + where.sql);
    }
    for (qsizetype i = 0; i < binds.size(); ++i)
        query.bindValue(int(i), binds.at(i));
    if (!query.exec() || !query.next()) {
        readFailed(query.lastError());
        return 0;
    }
    if (ok)
        *ok = true;
    return query.value(0).toLongLong();
}

qint64 EventLog::lastSeq(bool *ok)
{
    if (ok)
        *ok = false;
    if (!checkOpen())
        return 0;
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT coalesce(max(seq), 0) FROM events")) || !query.next()) {
        readFailed(query.lastError());
        return 0;
    }
    if (ok)
        *ok = true;
    return query.value(0).toLongLong();
}

QString EventLog::explain(const EventQuery &eventQuery, const EventPage &page)
{
    if (!checkOpen())
        return {};
    const Where where = buildWhere(eventQuery);
    if (where.matchesNothing)
        return QStringLiteral("(no such channel)");
    QVariantList binds;
    const QString sql = selectSql(where, page, &binds);
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("EXPLAIN QUERY PLAN ") + sql);
    for (qsizetype i = 0; i < binds.size(); ++i)
        query.bindValue(int(i), binds.at(i));
    if (!query.exec())
        return sqliteText(query.lastError());
    return queryPlanText(query);
}

bool EventLog::recover()
{
    if (m_error != Error::DamagedError || m_path.isEmpty())
        return false;
    const QString path = m_path;
    const QString why = m_errorDetail;
    close();
    QString moveError;
    const QString movedTo = moveAside(path, &moveError);
    if (movedTo.isEmpty()) {
        m_path = path;
        setError(
            Error::DamagedError,
            tr("The event log at %1 is damaged (%2), and Longwatch could not move it aside: %3")
                .arg(QDir::toNativeSeparators(path), why, moveError),
            why);
        return false;
    }
    if (!open(path))
        return false;
    m_notice = tr("The event log at %1 is damaged (%2). Longwatch moved it aside to %3 and "
                  "started a new one.")
                   .arg(QDir::toNativeSeparators(path), why, QDir::toNativeSeparators(movedTo));
    qCWarning(lcStore).noquote() << m_notice;
    return true;
}

QString EventLog::moveAside(const QString &path, QString *errorString)
{
    const QString stamp =
        QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QStringList suffixes = {QStringLiteral("-wal"), QStringLiteral("-shm"),
                                  QStringLiteral("-journal")};
    auto taken = [&](const QString &candidate) {
        if (QFileInfo::exists(candidate))
            return true;
        return std::any_of(suffixes.cbegin(), suffixes.cend(), [&](const QString &suffix) {
            return QFileInfo::exists(candidate + suffix);
        });
    };
    QString target = QStringLiteral("%1.damaged-%2").arg(path, stamp);
    for (int n = 2; taken(target); ++n)
        target = QStringLiteral("%1.damaged-%2-%3").arg(path, stamp).arg(n);

    auto fail = [&](const QString &sentence) {
        if (errorString)
            *errorString = sentence;
        return QString();
    };
    if (QFileInfo::exists(path)) {
        QFile file(path);
        if (!file.rename(target))
            return fail(tr("could not rename %1 (%2).")
                            .arg(QDir::toNativeSeparators(path), file.errorString()));
    }
    for (const QString &suffix : suffixes) {
        QFile side(path + suffix);
        if (!side.exists())
            continue;
        // A -wal left next to a new database would be replayed into it:
        // if it cannot be moved, it must at least go.
        if (!side.rename(target + suffix) && !side.remove())
            return fail(tr("could not move %1 out of the way (%2).")
                            .arg(QDir::toNativeSeparators(path + suffix), side.errorString()));
    }
    qCInfo(lcStore).noquote() << "moved" << QDir::toNativeSeparators(path) << "aside to"
                              << QDir::toNativeSeparators(target);
    return target;
}

} // namespace Longwatch
