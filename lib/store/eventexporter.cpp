#include "eventexporter.h"

#include "logging.h"

#include <QDir>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace Longwatch {

namespace {

// Formatting one million events must take well under the export budget, so
// times, JSON strings and CSV fields are written by hand into one buffer
// instead of going through QDateTime::toString() and QJsonDocument per event.

/// Days since 1970-01-01 to a civil date (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", days_from_civil's inverse).
void civilFromDays(qint64 days, qint64 *year, int *month, int *day)
{
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    *day = int(doy - (153 * mp + 2) / 5 + 1);
    *month = int(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

/// "2026-11-22T20:31:41.123Z" (3 digits) or "...41.123456Z" (6 digits).
void appendIsoUtc(QByteArray &out, qint64 usecs, int digits)
{
    const qint64 seconds = floorDiv(usecs, 1'000'000);
    const qint64 fraction = usecs - seconds * 1'000'000;
    const qint64 days = floorDiv(seconds, 86'400);
    const qint64 secondOfDay = seconds - days * 86'400;
    qint64 year = 0;
    int month = 0;
    int day = 0;
    civilFromDays(days, &year, &month, &day);
    if (year < 0 || year > 9999) {
        out += QDateTime::fromMSecsSinceEpoch(floorDiv(usecs, 1000), Qt::UTC)
                   .toString(Qt::ISODateWithMs)
                   .toUtf8();
        return;
    }
    // By hand: snprintf() cost a tenth of a million-event export.
    char text[32];
    char *p = text;
    auto put = [&p](qint64 value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            p[i] = char('0' + value % 10);
            value /= 10;
        }
        p += width;
    };
    put(year, 4);
    *p++ = '-';
    put(month, 2);
    *p++ = '-';
    put(day, 2);
    *p++ = 'T';
    put(secondOfDay / 3600, 2);
    *p++ = ':';
    put(secondOfDay / 60 % 60, 2);
    *p++ = ':';
    put(secondOfDay % 60, 2);
    *p++ = '.';
    put(digits == 3 ? fraction / 1000 : fraction, digits);
    *p++ = 'Z';
    out.append(text, p - text);
}

/// Room that appendJsonString() may take for `size` bytes: each at most
/// six ("\u001f"), and the quotes.
constexpr qsizetype jsonStringRoom(qsizetype size)
{
    return 6 * size + 2;
}

void appendJsonString(QByteArray &out, const QByteArray &utf8)
{
    static const char hex[] = "0123456789abcdef";
    // Written through a pointer into room made once: appending piece by
    // piece was half of an NDJSON line's cost.
    const qsizetype at = out.size();
    out.resize(at + jsonStringRoom(utf8.size()));
    char *p = out.data() + at;
    *p++ = '"';
    const char *text = utf8.constData();
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = char(c);
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
            *p++ = '"';
            break;
        case '\\':
            *p++ = '\\';
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
        case '\b':
            *p++ = 'b';
            break;
        case '\f':
            *p++ = 'f';
            break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
        }
    }
    *p++ = '"';
    out.truncate(p - out.constData());
}

/// The event's own JSON, to embed as a value. Stored events are compact
/// JSON (Event::raw); a value spread over lines would break NDJSON, so that
/// one is re-serialised compactly, and bytes that are not JSON at all
/// become a JSON string rather than a broken file.
void appendRawJson(QByteArray &out, const QByteArray &raw)
{
    if (raw.trimmed().isEmpty()) {
        out += "null";
        return;
    }
    if (!raw.contains('\n') && !raw.contains('\r')) {
        out += raw;
        return;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson('[' + raw + ']', &error);
    if (error.error == QJsonParseError::NoError && document.array().size() == 1) {
        const QByteArray compact = document.toJson(QJsonDocument::Compact);
        out.append(compact.constData() + 1, compact.size() - 2);
        return;
    }
    appendJsonString(out, raw);
}

/// Whether a spreadsheet opening the CSV would take the cell for a formula
/// (or the start of one): OWASP's "CSV Injection" lists =, +, -, @, tab
/// and carriage return as the characters that make it do so.
bool startsLikeFormula(const QByteArray &utf8)
{
    if (utf8.isEmpty())
        return false;
    switch (utf8.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return true;
    default:
        return false;
    }
}

/// A text cell of what a feed sent (channel, key, type, text, raw).
/// RFC 4180 section 2: a field with a comma, a double quote, CR or LF is
/// enclosed in double quotes, and its double quotes are doubled. A cell
/// that a spreadsheet would evaluate gets a leading ' first (OWASP's
/// advice), so it is shown as text; the quoting applies on top. The times
/// Longwatch writes itself do not come through here and are not guarded.
void appendCsvField(QByteArray &out, const QByteArray &utf8)
{
    const bool guard = startsLikeFormula(utf8);
    bool quote = false;
    for (const char c : utf8) {
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) {
        if (guard)
            out += '\'';
        out += utf8;
        return;
    }
    out += '"';
    if (guard)
        out += '\'';
    qsizetype start = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        if (utf8.at(i) == '"') {
            out.append(utf8.constData() + start, i + 1 - start);
            out += '"';
            start = i + 1;
        }
    }
    out.append(utf8.constData() + start, utf8.size() - start);
    out += '"';
}

/// Field by field as the exporter writes them, all UTF-8.
struct Row
{
    const QByteArray &channel;
    const StoredEventBytes &event;
};

void appendCsvRecord(QByteArray &out, const Row &row)
{
    const StoredEventBytes &event = row.event;
    appendCsvField(out, row.channel);
    out += ',';
    appendCsvField(out, event.key);
    out += ',';
    appendCsvField(out, event.type);
    out += ',';
    appendCsvField(out, event.text);
    out += ',';
    if (event.timeMsecs)
        appendIsoUtc(out, *event.timeMsecs * 1000, 3);
    out += ',';
    appendIsoUtc(out, event.receivedUsecs, 6);
    out += ',';
    appendCsvField(out, event.raw);
    out += "\r\n";
}

/// One NDJSON line without its "\n"; one element of a JSON export.
void appendJsonObject(QByteArray &out, const Row &row)
{
    const StoredEventBytes &event = row.event;
    out += "{\"channel\":";
    appendJsonString(out, row.channel);
    out += ",\"key\":";
    appendJsonString(out, event.key);
    out += ",\"type\":";
    appendJsonString(out, event.type);
    out += ",\"text\":";
    appendJsonString(out, event.text);
    if (event.timeMsecs) {
        out += ",\"time\":\"";
        appendIsoUtc(out, *event.timeMsecs * 1000, 3);
        out += "\",\"received\":\"";
    } else {
        out += ",\"time\":null,\"received\":\"";
    }
    appendIsoUtc(out, event.receivedUsecs, 6);
    out += "\",\"event\":";
    appendRawJson(out, event.raw);
    out += '}';
}

StoredEventBytes toBytes(const Event &event)
{
    StoredEventBytes bytes;
    bytes.key = event.key.toUtf8();
    bytes.type = event.type.toUtf8();
    bytes.text = event.text.toUtf8();
    if (event.time.isValid())
        bytes.timeMsecs = event.time.toMSecsSinceEpoch();
    bytes.receivedUsecs = event.receivedUsecs;
    bytes.raw = event.raw;
    return bytes;
}

StoredEventBytes toBytes(const StoredEvent &stored)
{
    StoredEventBytes bytes = toBytes(stored.event);
    bytes.seq = stored.seq;
    bytes.channel = stored.channel;
    bytes.channelTitle = stored.channelTitle;
    return bytes;
}

} // namespace

EventExporter::EventExporter(EventLog *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{}

void EventExporter::setPageSize(int size)
{
    m_pageSize = std::max(1, size);
}

QString EventExporter::formatName(Format format)
{
    switch (format) {
    case Format::Csv:
        return QStringLiteral("csv");
    case Format::Ndjson:
        return QStringLiteral("ndjson");
    case Format::Json:
        return QStringLiteral("json");
    }
    return {};
}

std::optional<EventExporter::Format> EventExporter::formatFromName(const QString &name)
{
    for (const Format format : {Format::Csv, Format::Ndjson, Format::Json}) {
        if (name.compare(formatName(format), Qt::CaseInsensitive) == 0)
            return format;
    }
    return std::nullopt;
}

QStringList EventExporter::formatNames()
{
    return {formatName(Format::Csv), formatName(Format::Ndjson), formatName(Format::Json)};
}

QByteArray EventExporter::csvHeader()
{
    return QByteArrayLiteral("channel,key,type,text,time,received,raw\r\n");
}

QByteArray EventExporter::csvRecord(const StoredEvent &event)
{
    QByteArray out;
    const StoredEventBytes bytes = toBytes(event);
    appendCsvRecord(out, {event.channelLabel().toUtf8(), bytes});
    return out;
}

QByteArray EventExporter::jsonObject(const StoredEvent &event)
{
    QByteArray out;
    const StoredEventBytes bytes = toBytes(event);
    appendJsonObject(out, {event.channelLabel().toUtf8(), bytes});
    return out;
}

QByteArray EventExporter::ndjsonLine(const QString &channel, const Event &event)
{
    const QByteArray name = channel.toUtf8();
    const StoredEventBytes bytes = toBytes(event);
    QByteArray out;
    // Room for the longest line these fields can make (the names, the
    // times, every string escaped at its longest), so that it is allocated
    // once; an event that is not JSON on one line may grow it.
    out.reserve(
        160 + event.raw.size() +
        jsonStringRoom(name.size() + bytes.key.size() + bytes.type.size() + bytes.text.size()));
    appendJsonObject(out, {name, bytes});
    out += '\n';
    return out;
}

void EventExporter::setError(Error error, const QString &sentence)
{
    m_error = error;
    m_errorString = sentence;
    if (error != Error::Cancelled)
        qCWarning(lcStore).noquote() << sentence;
}

bool EventExporter::exportToFile(const QString &path)
{
    const QString shown = QDir::toNativeSeparators(path);
    // The temporary file sits next to the target, so the final rename stays
    // on one file system and is atomic; if anything fails, QSaveFile
    // removes it (on cancelWriting() or at the latest in its destructor).
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        m_cancelled.store(false);
        m_exported = 0;
        setError(Error::OpenError, tr("Could not create %1: %2.").arg(shown, file.errorString()));
        return false;
    }
    if (!run(&file, shown, true)) {
        file.cancelWriting();
        return false;
    }
    if (!file.commit()) {
        setError(Error::WriteError, tr("Could not write the export to %1: %2. No file was written.")
                                        .arg(shown, file.errorString()));
        return false;
    }
    qCInfo(lcStore).noquote() << "exported" << m_exported << "event(s) to" << shown;
    return true;
}

bool EventExporter::exportToDevice(QIODevice *device)
{
    return run(device, tr("the output"), false);
}

bool EventExporter::run(QIODevice *device, const QString &target, bool toFile)
{
    const QString nothingLeft = toFile ? tr(" No file was written.") : QString();
    m_cancelled.store(false);
    m_exported = 0;
    m_error = Error::NoError;
    m_errorString.clear();
    if (!m_store || !m_store->isOpen()) {
        setError(Error::ReadError, tr("The event log is not open."));
        return false;
    }
    auto writeFailed = [&] {
        setError(Error::WriteError,
                 tr("Could not write the export to %1: %2.").arg(target, device->errorString()) +
                     nothingLeft);
        return false;
    };
    auto readFailed = [&] {
        setError(Error::ReadError, m_store->errorString());
        return false;
    };
    auto cancelled = [&] {
        setError(Error::Cancelled, tr("The export was cancelled.") + nothingLeft);
        return false;
    };
    auto write = [&](const QByteArray &bytes) { return device->write(bytes) == bytes.size(); };

    // A snapshot: events stored while we export do not join in, and the
    // total stays true.
    EventQuery query = m_query;
    bool ok = false;
    const qint64 last = m_store->lastSeq(&ok);
    if (!ok)
        return readFailed();
    if (!query.maxSeq || *query.maxSeq > last)
        query.maxSeq = last;
    const qint64 total = m_store->countEvents(query, &ok);
    if (!ok)
        return readFailed();
    Q_EMIT progress(0, total);
    if (isCancelled())
        return cancelled();

    QByteArray buffer;
    buffer.reserve(qsizetype(m_pageSize) * 512);
    if (m_format == Format::Csv)
        buffer += csvHeader();
    else if (m_format == Format::Json)
        buffer += "[\n";
    EventPage page;
    page.limit = m_pageSize;
    QString channel;
    QByteArray channelUtf8;
    for (;;) {
        const qint64 count = m_store->visitEvents(query, page, [&](const StoredEventBytes &event) {
            const QString &label =
                event.channelTitle.isEmpty() ? event.channel : event.channelTitle;
            if (label != channel) {
                channel = label;
                channelUtf8 = channel.toUtf8();
            }
            const Row row{channelUtf8, event};
            switch (m_format) {
            case Format::Csv:
                appendCsvRecord(buffer, row);
                break;
            case Format::Ndjson:
                appendJsonObject(buffer, row);
                buffer += '\n';
                break;
            case Format::Json:
                if (m_exported > 0)
                    buffer += ",\n";
                appendJsonObject(buffer, row);
                break;
            }
            ++m_exported;
            page.afterSeq = event.seq;
        });
        if (count < 0)
            return readFailed();
        if (!write(buffer))
            return writeFailed();
        buffer.resize(0); // keeps the capacity: no reallocation per page
        if (count == 0)
            break;
        Q_EMIT progress(m_exported, std::max(total, m_exported));
        if (isCancelled())
            return cancelled();
        if (count < page.limit)
            break;
    }
    if (m_format == Format::Json &&
        !write(m_exported > 0 ? QByteArrayLiteral("\n]\n") : QByteArrayLiteral("]\n")))
        return writeFailed();
    return true;
}

} // namespace Longwatch
