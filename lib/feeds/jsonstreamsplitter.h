#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QList>
#include <QString>

namespace Longwatch {

/// Splits a stream of JSON texts into records, read by read: NDJSON (one
/// text per line, LF or CRLF; ndjson.org, JSON Lines) and JSON text
/// sequences (RFC 7464: each text after an ASCII RS, 0x1E, ended by LF).
/// One rule reads both: a record ends at LF or where an RS starts the next
/// one. A record that is only whitespace (a heartbeat newline) is no
/// record; heartbeats() counts them.
///
/// Bounded: a record longer than `maxRecordBytes` puts the splitter in an
/// error state (errorString()), after which feed() returns nothing.
class JsonStreamSplitter
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::JsonStreamSplitter)

public:
    explicit JsonStreamSplitter(qsizetype maxRecordBytes = qsizetype(16) << 20);

    /// The records these bytes completed, in order, without their
    /// separators and surrounding whitespace.
    QList<QByteArray> feed(QByteArrayView bytes);
    /// The end of the stream: the last record if it had no line end (an
    /// NDJSON file may end without one), then a fresh start.
    QList<QByteArray> finish();
    /// Forgets what was buffered and any error: a new stream.
    void reset();

    /// Bytes of a record still waiting for its end.
    qsizetype pendingBytes() const { return m_record.size(); }
    /// Empty records (heartbeats) read so far.
    qint64 heartbeats() const { return m_heartbeats; }

    bool hasError() const { return !m_errorString.isEmpty(); }
    QString errorString() const { return m_errorString; }

private:
    void endRecord(QList<QByteArray> &records, bool atSeparator);

    qsizetype m_maxRecordBytes;
    QByteArray m_record;
    qint64 m_heartbeats = 0;
    QString m_errorString;
};

} // namespace Longwatch
