#include "jsonstreamsplitter.h"

namespace Longwatch {

namespace {

constexpr char kRecordSeparator = '\x1E'; // RFC 7464 section 2.1

bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

JsonStreamSplitter::JsonStreamSplitter(qsizetype maxRecordBytes)
    : m_maxRecordBytes(maxRecordBytes)
{}

QList<QByteArray> JsonStreamSplitter::feed(QByteArrayView bytes)
{
    QList<QByteArray> records;
    qsizetype pos = 0;
    while (pos < bytes.size() && !hasError()) {
        qsizetype end = pos;
        while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != kRecordSeparator)
            ++end;
        if (m_record.size() + (end - pos) > m_maxRecordBytes) {
            m_errorString =
                tr("The stream sent a record longer than %1 bytes.").arg(m_maxRecordBytes);
            m_record.clear();
            break;
        }
        m_record.append(bytes.sliced(pos, end - pos));
        if (end == bytes.size())
            break; // the record goes on in the next read
        endRecord(records, bytes[end] == kRecordSeparator);
        pos = end + 1;
    }
    return records;
}

QList<QByteArray> JsonStreamSplitter::finish()
{
    QList<QByteArray> records;
    if (!hasError())
        endRecord(records, true);
    reset();
    return records;
}

void JsonStreamSplitter::reset()
{
    m_record.clear();
    m_errorString.clear();
}

void JsonStreamSplitter::endRecord(QList<QByteArray> &records, bool atSeparator)
{
    QByteArrayView record(m_record);
    while (!record.isEmpty() && isJsonWhitespace(record.front()))
        record = record.sliced(1);
    while (!record.isEmpty() && isJsonWhitespace(record.back()))
        record.chop(1);
    if (record.isEmpty()) {
        // An empty line is a heartbeat; the nothing before an RS (which
        // follows the LF of the record before it) is not.
        if (!atSeparator)
            ++m_heartbeats;
    } else {
        records.append(record.toByteArray());
    }
    m_record.clear();
}

} // namespace Longwatch
