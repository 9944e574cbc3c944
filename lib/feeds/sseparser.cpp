#include "sseparser.h"

#include <limits>
#include <utility>

namespace Longwatch {

namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";

/// The Encoding Standard's "UTF-8 decode" (without its BOM step, which
/// feed() does on the bytes): each maximal invalid subpart becomes one
/// U+FFFD, which QString::fromUtf8 does not always do (it gives two for the
/// first two bytes of a three-byte sequence). CR and LF never occur inside a
/// UTF-8 sequence, so decoding each complete line alone gives the same text
/// as decoding the whole stream.
QString decodeUtf8(QByteArrayView bytes)
{
    QString text;
    text.reserve(bytes.size());
    char32_t codePoint = 0;
    int needed = 0;
    int seen = 0;
    uchar lower = 0x80;
    uchar upper = 0xBF;
    for (qsizetype i = 0; i < bytes.size();) {
        const auto byte = uchar(bytes[i]);
        if (needed == 0) {
            ++i;
            if (byte <= 0x7F) {
                text.append(QChar(char16_t(byte)));
            } else if (byte >= 0xC2 && byte <= 0xDF) {
                needed = 1;
                codePoint = byte & 0x1F;
            } else if (byte >= 0xE0 && byte <= 0xEF) {
                lower = byte == 0xE0 ? 0xA0 : 0x80;
                upper = byte == 0xED ? 0x9F : 0xBF;
                needed = 2;
                codePoint = byte & 0x0F;
            } else if (byte >= 0xF0 && byte <= 0xF4) {
                lower = byte == 0xF0 ? 0x90 : 0x80;
                upper = byte == 0xF4 ? 0x8F : 0xBF;
                needed = 3;
                codePoint = byte & 0x07;
            } else {
                text.append(QChar::ReplacementCharacter);
            }
            continue;
        }
        if (byte < lower || byte > upper) {
            // The sequence ends here, and this byte is read again on its own.
            codePoint = 0;
            needed = seen = 0;
            lower = 0x80;
            upper = 0xBF;
            text.append(QChar::ReplacementCharacter);
            continue;
        }
        ++i;
        lower = 0x80;
        upper = 0xBF;
        codePoint = (codePoint << 6) | (byte & 0x3F);
        if (++seen < needed)
            continue;
        if (QChar::requiresSurrogates(codePoint)) {
            text.append(QChar(QChar::highSurrogate(codePoint)));
            text.append(QChar(QChar::lowSurrogate(codePoint)));
        } else {
            text.append(QChar(char16_t(codePoint)));
        }
        codePoint = 0;
        needed = seen = 0;
    }
    if (needed != 0)
        text.append(QChar::ReplacementCharacter);
    return text;
}

} // namespace

SseParser::SseParser(qsizetype maxLineBytes, qsizetype maxEventBytes)
    : m_maxLineBytes(maxLineBytes)
    , m_maxEventBytes(maxEventBytes)
{}

QList<SseEvent> SseParser::feed(QByteArrayView bytes)
{
    QList<SseEvent> events;
    if (hasError() || bytes.isEmpty())
        return events;
    if (m_atStreamStart) {
        // "One leading U+FEFF BYTE ORDER MARK character must be ignored if
        // any are present." Its bytes may arrive one read at a time, so
        // they wait in m_line until they are a BOM or cannot be one.
        const QByteArrayView bom(kBom, 3);
        qsizetype used = 0;
        while (used < bytes.size() && m_line.size() < bom.size() &&
               bytes[used] == bom[m_line.size()]) {
            m_line.append(bytes[used]);
            ++used;
        }
        if (m_line.size() == bom.size()) {
            m_line.clear();
        } else if (used == bytes.size()) {
            return events; // still a BOM's beginning
        }
        m_atStreamStart = false;
        bytes = bytes.sliced(used);
        if (!m_line.isEmpty()) {
            // A BOM's first bytes and then something else: they are text.
            const QByteArray pending = std::exchange(m_line, {});
            scan(pending, events);
        }
    }
    scan(bytes, events);
    return events;
}

void SseParser::scan(QByteArrayView bytes, QList<SseEvent> &events)
{
    qsizetype pos = 0;
    while (pos < bytes.size() && !hasError()) {
        if (m_afterCr) {
            m_afterCr = false;
            if (bytes[pos] == '\n') { // the LF of a CRLF split between reads
                ++pos;
                continue;
            }
        }
        qsizetype end = pos;
        while (end < bytes.size() && bytes[end] != '\r' && bytes[end] != '\n')
            ++end;
        if (m_line.size() + (end - pos) > m_maxLineBytes) {
            m_errorString =
                tr("The event stream sent a line longer than %1 bytes.").arg(m_maxLineBytes);
            m_line.clear();
            return;
        }
        m_line.append(bytes.sliced(pos, end - pos));
        if (end == bytes.size())
            return; // the line goes on in the next read
        m_afterCr = bytes[end] == '\r';
        pos = end + 1;
        if (m_afterCr && pos < bytes.size() && bytes[pos] == '\n') {
            m_afterCr = false;
            ++pos;
        }
        const QByteArray line = std::exchange(m_line, {});
        processLine(line, events);
    }
}

void SseParser::processLine(QByteArrayView line, QList<SseEvent> &events)
{
    if (line.isEmpty()) {
        dispatch(events);
        return;
    }
    if (line.front() == ':') {
        ++m_comments;
        return;
    }
    // Field names are ASCII, so the colon and the names are compared as
    // bytes; a name with other bytes matches no field and is ignored.
    const qsizetype colon = line.indexOf(':');
    QByteArrayView field = line;
    QByteArrayView value;
    if (colon >= 0) {
        field = line.first(colon);
        value = line.sliced(colon + 1);
        if (value.startsWith(' '))
            value = value.sliced(1);
    }

    if (field == "event") {
        m_eventType = decodeUtf8(value);
    } else if (field == "data") {
        m_dataBytes += value.size() + 1;
        if (m_dataBytes > m_maxEventBytes) {
            m_errorString = tr("The event stream sent an event with more than %1 bytes of data.")
                                .arg(m_maxEventBytes);
            m_data.clear();
            m_eventType.clear();
            return;
        }
        m_data += decodeUtf8(value);
        m_data += QLatin1Char('\n');
    } else if (field == "id") {
        if (!value.contains('\0')) {
            m_lastEventIdBuffer = decodeUtf8(value);
            m_idInBlock = true;
        }
    } else if (field == "retry") {
        if (value.isEmpty())
            return;
        qint64 milliseconds = 0;
        for (const char c : value) {
            if (c < '0' || c > '9')
                return; // not only ASCII digits: ignored
            // A value beyond qint64 is as good as "never": it saturates.
            const qint64 digit = c - '0';
            if (milliseconds > (std::numeric_limits<qint64>::max() - digit) / 10)
                milliseconds = std::numeric_limits<qint64>::max();
            else
                milliseconds = milliseconds * 10 + digit;
        }
        m_reconnectionTime = std::chrono::milliseconds(milliseconds);
    }
    // Any other field is ignored.
}

void SseParser::dispatch(QList<SseEvent> &events)
{
    m_lastEventId = m_lastEventIdBuffer;
    const bool ownId = std::exchange(m_idInBlock, false);
    if (m_data.isEmpty()) {
        m_eventType.clear();
        m_dataBytes = 0;
        return;
    }
    if (m_data.endsWith(QLatin1Char('\n')))
        m_data.chop(1);
    SseEvent event;
    event.type = m_eventType.isEmpty() ? QStringLiteral("message") : m_eventType;
    event.data = std::exchange(m_data, {});
    event.lastEventId = m_lastEventId;
    event.ownId = ownId;
    events.append(std::move(event));
    m_eventType.clear();
    m_dataBytes = 0;
}

void SseParser::setLastEventId(const QString &id)
{
    m_lastEventId = m_lastEventIdBuffer = id;
}

void SseParser::finish()
{
    resetStream();
}

void SseParser::resetStream()
{
    // "If the file ends in the middle of an event, before the final empty
    // line, the incomplete event is not dispatched."
    m_line.clear();
    m_atStreamStart = true;
    m_afterCr = false;
    m_data.clear();
    m_dataBytes = 0;
    m_eventType.clear();
    m_idInBlock = false;
    // The last event ID buffer stays: it is the ID the reconnect resumes
    // from, and an event of the next stream without an `id` keeps it.
    m_lastEventIdBuffer = m_lastEventId;
}

} // namespace Longwatch
