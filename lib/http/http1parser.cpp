#include "http1parser.h"

#include <QCoreApplication>

namespace Longwatch {

namespace {

bool isTokenSeparator(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

/// Whether the comma-separated list `value` holds `token` (case-insensitive),
/// as in "Connection: keep-alive, Upgrade".
bool listHasToken(QByteArrayView value, QByteArrayView token)
{
    qsizetype i = 0;
    while (i < value.size()) {
        while (i < value.size() && isTokenSeparator(value[i]))
            ++i;
        qsizetype end = i;
        while (end < value.size() && value[end] != ',')
            ++end;
        QByteArrayView item = value.sliced(i, end - i).trimmed();
        if (item.compare(token, Qt::CaseInsensitive) == 0)
            return true;
        i = end + 1;
    }
    return false;
}

/// The last item of a comma-separated list, trimmed.
QByteArrayView lastListItem(QByteArrayView value)
{
    const qsizetype comma = value.lastIndexOf(',');
    return (comma < 0 ? value : value.sliced(comma + 1)).trimmed();
}

/// A non-negative decimal number of at most 18 digits, or -1.
qint64 parseLength(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18)
        return -1;
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

Http1Parser::Http1Parser(bool bodyless)
    : m_bodyless(bodyless)
{}

QByteArray Http1Parser::header(QByteArrayView name) const
{
    for (const auto &[field, value] : m_headers) {
        if (QByteArrayView(field).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool Http1Parser::keepAlive() const
{
    return m_phase == Phase::Done && !m_closeAfter && m_framing != Framing::UntilClose;
}

Http1Parser::Step Http1Parser::fail(const QString &error)
{
    m_phase = Phase::Failed;
    m_error = error;
    return Step::Failed;
}

bool Http1Parser::takeLine(const QByteArray &input, qsizetype &pos, QByteArrayView &line)
{
    const qsizetype newline = input.indexOf('\n', pos);
    if (newline < 0)
        return false;
    qsizetype end = newline;
    if (end > pos && input.at(end - 1) == '\r')
        --end;
    line = QByteArrayView(input).sliced(pos, end - pos);
    pos = newline + 1;
    return true;
}

bool Http1Parser::takeCounted(QByteArray &input, qsizetype &pos, QByteArray &body)
{
    const qint64 take = std::min<qint64>(m_remaining, input.size() - pos);
    if (pos == 0 && take == input.size() && body.isEmpty()) {
        // All of `input` is body, as when an answer's body came in one
        // read after its headers: hand the bytes over instead of copying.
        body = std::exchange(input, QByteArray());
    } else {
        body.append(QByteArrayView(input).sliced(pos, take));
        pos += take;
    }
    m_remaining -= take;
    return m_remaining == 0;
}

Http1Parser::Step Http1Parser::parse(QByteArray &input, QByteArray &body)
{
    qsizetype pos = 0;
    // Drops what was consumed once, whatever way this returns.
    struct Consume
    {
        QByteArray &input;
        qsizetype &pos;
        ~Consume() { input.remove(0, pos); }
    } consume{input, pos};

    if (!input.isEmpty())
        m_started = true;
    while (true) {
        switch (m_phase) {
        case Phase::StatusLine:
        case Phase::Fields:
        case Phase::Trailers: {
            QByteArrayView line;
            const qsizetype before = pos;
            if (!takeLine(input, pos, line)) {
                if (m_headerBytes + (input.size() - pos) > kMaxHeaderBytes)
                    return fail(tr("response headers larger than 1 MiB"));
                return Step::NeedMore;
            }
            m_headerBytes += pos - before;
            if (m_headerBytes > kMaxHeaderBytes)
                return fail(tr("response headers larger than 1 MiB"));
            Step step = Step::NeedMore;
            if (m_phase == Phase::StatusLine) {
                // RFC 9112 section 2.2: a client may skip empty lines before the status line.
                if (line.isEmpty())
                    continue;
                step = parseStatusLine(line);
            } else if (m_phase == Phase::Fields) {
                step = line.isEmpty() ? endOfFields() : parseField(line);
            } else if (line.isEmpty()) {
                m_phase = Phase::Done; // the trailer fields are ignored
                return Step::Done;
            }
            if (step != Step::NeedMore)
                return step;
            continue;
        }
        case Phase::Body: {
            if (m_framing == Framing::UntilClose) {
                body.append(QByteArrayView(input).sliced(pos));
                pos = input.size();
                return Step::NeedMore;
            }
            if (!takeCounted(input, pos, body))
                return Step::NeedMore;
            m_phase = Phase::Done;
            return Step::Done;
        }
        case Phase::ChunkSize: {
            QByteArrayView line;
            if (!takeLine(input, pos, line)) {
                if (input.size() - pos > 4096)
                    return fail(tr("a chunk size line longer than 4 KiB"));
                return Step::NeedMore;
            }
            // chunk-size [ chunk-ext ] (RFC 9112 section 7.1); extensions are ignored.
            const qsizetype semicolon = line.indexOf(';');
            const QByteArrayView digits = (semicolon < 0 ? line : line.first(semicolon)).trimmed();
            if (digits.isEmpty() || digits.size() > 15)
                return fail(tr("a chunk size that is not a hexadecimal number"));
            qint64 size = 0;
            for (char c : digits) {
                const int digit = c >= '0' && c <= '9'   ? c - '0'
                                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                         : -1;
                if (digit < 0)
                    return fail(tr("a chunk size that is not a hexadecimal number"));
                size = size * 16 + digit;
            }
            if (size == 0) {
                m_headerBytes = 0;
                m_phase = Phase::Trailers;
            } else {
                m_remaining = size;
                m_phase = Phase::ChunkData;
            }
            continue;
        }
        case Phase::ChunkData: {
            if (!takeCounted(input, pos, body))
                return Step::NeedMore;
            m_phase = Phase::ChunkDataEnd;
            continue;
        }
        case Phase::ChunkDataEnd: {
            QByteArrayView line;
            if (!takeLine(input, pos, line)) {
                if (input.size() - pos > 2)
                    return fail(tr("a chunk longer than its size says"));
                return Step::NeedMore;
            }
            if (!line.isEmpty())
                return fail(tr("a chunk longer than its size says"));
            m_phase = Phase::ChunkSize;
            continue;
        }
        case Phase::Done:
            return Step::Done;
        case Phase::Failed:
            return Step::Failed;
        }
    }
}

Http1Parser::Step Http1Parser::parseStatusLine(QByteArrayView line)
{
    // HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4).
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || line[8] != ' ' || line[7] < '0' ||
        line[7] > '9')
        return fail(tr("no HTTP/1.x status line"));
    int status = 0;
    for (int i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9')
            return fail(tr("a status line without a valid status code"));
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || (line.size() > 12 && line[12] != ' '))
        return fail(tr("a status line without a valid status code"));
    m_minor = line[7] - '0';
    m_status = status;
    m_reason = line.size() > 13 ? line.sliced(13).toByteArray() : QByteArray();
    m_headers.clear();
    m_phase = Phase::Fields;
    return Step::NeedMore;
}

Http1Parser::Step Http1Parser::parseField(QByteArrayView line)
{
    if (line[0] == ' ' || line[0] == '\t') {
        // An obsolete folded line (RFC 9112 section 5.2): part of the previous value.
        if (m_headers.isEmpty())
            return fail(tr("a folded header line at the start"));
        QByteArray &value = m_headers.last().second;
        value += ' ';
        value += line.trimmed();
        return Step::NeedMore;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return fail(tr("a header line without a name"));
    const QByteArrayView name = line.first(colon);
    for (char c : name) {
        if (c == ' ' || c == '\t')
            return fail(tr("a header name with white space in it"));
    }
    m_headers.append({name.toByteArray(), line.sliced(colon + 1).trimmed().toByteArray()});
    return Step::NeedMore;
}

Http1Parser::Step Http1Parser::endOfFields()
{
    if (m_status < 200) {
        if (m_status == 101)
            return fail(tr("a switch of protocols that was not asked for"));
        // An interim response (100 Continue, 103 Early Hints): the final one follows.
        m_phase = Phase::StatusLine;
        m_headers.clear();
        m_headerBytes = 0;
        return Step::NeedMore;
    }
    bool chunked = false;
    bool encoded = false;
    qint64 length = -1;
    bool closeToken = false;
    bool keepAliveToken = false;
    for (const auto &[name, value] : std::as_const(m_headers)) {
        const QByteArrayView field(name);
        if (field.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            // Repeated values must agree (RFC 9110 section 8.6); "5, 5" is one value twice.
            QByteArrayView rest(value);
            while (!rest.isEmpty()) {
                const qsizetype comma = rest.indexOf(',');
                const qint64 one = parseLength((comma < 0 ? rest : rest.first(comma)).trimmed());
                if (one < 0 || (length >= 0 && one != length))
                    return fail(tr("a bad or conflicting Content-Length"));
                length = one;
                rest = comma < 0 ? QByteArrayView() : rest.sliced(comma + 1);
            }
            if (length < 0)
                return fail(tr("a bad or conflicting Content-Length"));
        } else if (field.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            encoded = true;
            chunked = lastListItem(value).compare("chunked", Qt::CaseInsensitive) == 0;
        } else if (field.compare("Connection", Qt::CaseInsensitive) == 0) {
            closeToken = closeToken || listHasToken(value, "close");
            keepAliveToken = keepAliveToken || listHasToken(value, "keep-alive");
        }
    }
    m_closeAfter = closeToken || (m_minor == 0 && !keepAliveToken);
    m_announced = length;
    // RFC 9112 section 6.3, in its order.
    if (m_bodyless || m_status == 204 || m_status == 304) {
        m_framing = Framing::None;
        m_phase = Phase::Done;
        return Step::Headers;
    }
    if (encoded) {
        // A Transfer-Encoding overrides Content-Length; such a message may be
        // an attempt to smuggle a second one, so the connection is not reused.
        if (length >= 0)
            m_closeAfter = true;
        m_framing = chunked ? Framing::Chunked : Framing::UntilClose;
        m_phase = chunked ? Phase::ChunkSize : Phase::Body;
        return Step::Headers;
    }
    if (length >= 0) {
        m_framing = Framing::Length;
        m_remaining = length;
        m_phase = length > 0 ? Phase::Body : Phase::Done;
        return Step::Headers;
    }
    m_framing = Framing::UntilClose;
    m_phase = Phase::Body;
    return Step::Headers;
}

Http1Parser::Step Http1Parser::closed()
{
    switch (m_phase) {
    case Phase::Done:
        return Step::Done;
    case Phase::Failed:
        return Step::Failed;
    case Phase::Body:
        if (m_framing == Framing::UntilClose) {
            m_phase = Phase::Done;
            return Step::Done;
        }
        break;
    default:
        break;
    }
    return fail(m_phase <= Phase::Fields ? tr("the connection closed before the answer")
                                         : tr("the connection closed in the middle of the answer"));
}

} // namespace Longwatch
