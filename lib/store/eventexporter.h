#pragma once

#include "eventlog.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <optional>

class QIODevice;

namespace Longwatch {

/// Writes the events of an EventLog that match a query to a file, as
/// CSV, NDJSON or JSON, page by page: memory stays bounded however large
/// the log is.
///
/// A file export is written under a temporary name in the target's folder
/// and renamed at the end (QSaveFile), so a cancelled or failed export
/// leaves no file behind, and an existing file is replaced only by a
/// complete export. The export is a snapshot: events stored after it began
/// are not included.
///
/// Only what the feeds sent is exported (channel name, key, type, text,
/// times, the event's raw JSON): the event log holds no URLs, headers or
/// credentials, so none can leak into an export.
///
/// The export runs in the calling thread, which must be the EventLog's;
/// a UI runs it in a worker thread with its own EventLog.
class EventExporter final : public QObject
{
    Q_OBJECT
public:
    enum class Format {
        /// RFC 4180: UTF-8, CRLF, header row channel,key,type,text,time,received,raw.
        /// For spreadsheets: a cell of what a feed sent that starts with =, +, -, @,
        /// a tab or a CR gets a leading ' so that it is not evaluated as a formula.
        Csv,
        Ndjson, ///< one JSON object per line; the raw event is embedded verbatim; no guard
        Json,   ///< one JSON array of the same objects
    };
    Q_ENUM(Format)

    enum class Error {
        NoError,
        ReadError,  ///< the event log could not be read
        OpenError,  ///< the output could not be created
        WriteError, ///< writing failed (disk full, ...): nothing was left behind
        Cancelled,  ///< cancel() was called: nothing was left behind
    };
    Q_ENUM(Error)

    /// `store` is not owned and must be open.
    explicit EventExporter(EventLog *store, QObject *parent = nullptr);

    void setFormat(Format format) { m_format = format; }
    Format format() const { return m_format; }
    void setQuery(const EventQuery &query) { m_query = query; }
    const EventQuery &query() const { return m_query; }
    /// Events read per page (default 2000).
    void setPageSize(int size);

    static QString formatName(Format format);
    static std::optional<Format> formatFromName(const QString &name);
    static QStringList formatNames();

    /// Exports to `path`, all or nothing. Returns false with error() set.
    bool exportToFile(const QString &path);
    /// Exports to an open device (e.g. standard output); no rollback there.
    bool exportToDevice(QIODevice *device);

    /// Stops the export at the next page. Thread-safe, and safe to call from
    /// a signal handler (it only sets an atomic flag).
    void cancel() { m_cancelled.store(true); }
    bool isCancelled() const { return m_cancelled.load(); }

    /// Events written by the last export.
    qint64 exportedCount() const { return m_exported; }
    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }

    /// The header row, object or line for one event, as written (tests, tools).
    static QByteArray csvHeader();
    static QByteArray csvRecord(const StoredEvent &event);
    static QByteArray jsonObject(const StoredEvent &event);
    /// The NDJSON line of one event, "\n" included, as an NDJSON export
    /// writes it and longwatch-tail prints it (the one place that line is
    /// made): {"channel","key","type","text","time","received","event"}.
    static QByteArray ndjsonLine(const QString &channel, const Event &event);

Q_SIGNALS:
    /// Emitted once before the first page (done 0) and after every page
    /// written; `total` is counted at the start. A slot may call cancel().
    void progress(qint64 done, qint64 total);

private:
    bool run(QIODevice *device, const QString &target, bool toFile);
    void setError(Error error, const QString &sentence);

    EventLog *m_store;
    Format m_format = Format::Csv;
    EventQuery m_query;
    int m_pageSize = 2000;
    std::atomic<bool> m_cancelled{false};
    qint64 m_exported = 0;
    Error m_error = Error::NoError;
    QString m_errorString;
};

} // namespace Longwatch
