#include "fastjsonscanner.h"

#include <QVarLengthArray>
#include <QtEndian>

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace Longwatch {

namespace {

using Value = FastJsonScanner::Value;
using Kind = Value::Kind;

// Far below QJsonDocument's 1024; deeper documents go the general way.
constexpr int kMaxDepth = 64;
// Members per object for the repeated-name check, which is quadratic.
constexpr int kMaxMembers = 64;
// Paths looked for at once: the events and the cursor, or an event's fields.
constexpr int kMaxTargets = FastJsonScanner::kFields;

/// The bytes that stand for themselves in a JSON string: printable ASCII
/// but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c)
        plain[size_t(c)] = c != '"' && c != '\\';
    return plain;
}();

template<typename Word> Word load(const char *p)
{
    Word word;
    memcpy(&word, p, sizeof word);
    return word;
}

bool same(QByteArrayView a, QByteArrayView b)
{
    const qsizetype n = a.size();
    if (n != b.size())
        return false;
    const char *p = a.data();
    const char *q = b.data();
    // Member names are short: two words that overlap in the middle cover
    // 4 to 16 bytes, cheaper than a loop or a call.
    if (n >= 8 && n <= 16)
        return load<quint64>(p) == load<quint64>(q) &&
               load<quint64>(p + n - 8) == load<quint64>(q + n - 8);
    if (n >= 4 && n < 8)
        return load<quint32>(p) == load<quint32>(q) &&
               load<quint32>(p + n - 4) == load<quint32>(q + n - 4);
    if (n > 16)
        return memcmp(p, q, size_t(n)) == 0;
    for (qsizetype i = 0; i < n; ++i) {
        if (p[i] != q[i])
            return false;
    }
    return true;
}

/// A key path being looked for, and where its value goes.
struct Target
{
    const QByteArray *keys;
    qsizetype count;
    Value *slot;
    bool events; ///< the events array: its elements go out one by one
};

class Scanner
{
public:
    Scanner(QByteArrayView json, const FastJsonScanner::Plan &plan,
            const FastJsonScanner::ElementFunction &element)
        : m_p(json.data())
        , m_end(json.data() + json.size())
        , m_element(element)
    {
        for (int i = 0; i < FastJsonScanner::kFields; ++i) {
            const FastJsonScanner::Path &path = plan.fieldPaths[size_t(i)];
            m_fieldTargets[size_t(i)] =
                Target{path.constData(), path.size(), &m_current.fields[size_t(i)], false};
            m_flatFields = m_flatFields && path.size() == 1;
            m_flatKeys[size_t(i)] =
                path.isEmpty() ? QByteArrayView() : QByteArrayView(path.first());
        }
    }

    bool document(const FastJsonScanner::Plan &plan, FastJsonScanner::Found *found)
    {
        space();
        if (m_p >= m_end)
            return false;
        // QJsonDocument takes only an object or an array at the top.
        if (*m_p != '{' && *m_p != '[')
            return false;
        Target targets[3];
        int count = 0;
        if (!plan.eventsPath.isEmpty())
            targets[count++] =
                Target{plan.eventsPath.constData(), plan.eventsPath.size(), &found->events, true};
        if (plan.wantCursor && !plan.cursorPath.isEmpty())
            targets[count++] =
                Target{plan.cursorPath.constData(), plan.cursorPath.size(), &found->cursor, false};
        if (plan.wantOk && !plan.okPath.isEmpty())
            targets[count++] =
                Target{plan.okPath.constData(), plan.okPath.size(), &found->ok, false};
        Value root;
        if (!value(0, targets, count, 0, plan.eventsPath.isEmpty(), &root))
            return false;
        if (plan.eventsPath.isEmpty())
            found->events = root;
        if (plan.wantCursor && plan.cursorPath.isEmpty())
            found->cursor = root;
        if (plan.wantOk && plan.okPath.isEmpty())
            found->ok = root;
        space();
        return m_p == m_end;
    }

    /// The whole document (an object or an array at the top) as
    /// QJsonDocument::toJson(QJsonDocument::Compact) writes it, into `out`.
    bool compactDocument(QByteArray *out)
    {
        space();
        if (m_p >= m_end || (*m_p != '{' && *m_p != '['))
            return false;
        if (!compactValue(0, *out))
            return false;
        space();
        return m_p == m_end;
    }

private:
    void space()
    {
        if (m_p >= m_end || uchar(*m_p) > ' ')
            return; // the usual case: compact JSON
        const char *start = m_p;
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
        m_spaces += m_p - start;
    }

    /// One value at m_p (not at the end). `targets` continue into it at key
    /// `level`, if it is an object; `events`: if it is an array, its
    /// elements go out. `record` (may be null) gets what it is.
    bool value(int depth, const Target *targets, int count, int level, bool events, Value *record)
    {
        const char *begin = m_p;
        switch (*m_p) {
        case '{':
            if (!object(depth + 1, targets, count, level))
                return false;
            return set(record, Kind::Object, begin);
        case '[':
            if (!(events ? elements(depth + 1) : array(depth + 1)))
                return false;
            return set(record, Kind::Array, begin);
        case '"': {
            QByteArrayView text;
            bool escaped = false;
            bool ascii = true;
            if (!string(&text, &escaped, &ascii))
                return false;
            if (record) {
                record->kind = Kind::String;
                record->bytes = text;
                record->escaped = escaped;
                record->ascii = ascii;
            }
            return true;
        }
        case 't':
            if (!literal("true", 4))
                return false;
            if (record)
                record->boolean = true;
            return set(record, Kind::Bool, begin);
        case 'f':
            if (!literal("false", 5))
                return false;
            return set(record, Kind::Bool, begin);
        case 'n':
            if (!literal("null", 4))
                return false;
            return set(record, Kind::Null, begin);
        default:
            return number(record);
        }
    }

    bool set(Value *record, Kind kind, const char *begin) const
    {
        if (record) {
            record->kind = kind;
            record->bytes = QByteArrayView(begin, m_p - begin);
        }
        return true;
    }

    bool literal(const char *word, qsizetype size)
    {
        if (m_end - m_p < size || memcmp(m_p, word, size_t(size)) != 0)
            return false;
        m_p += size;
        return true;
    }

    bool object(int depth, const Target *targets, int count, int level)
    {
        bool empty = false;
        if (!open(depth, '}', &empty))
            return false;
        if (empty)
            return true;
        QVarLengthArray<QByteArrayView, 16> names;
        for (;;) {
            QByteArrayView name;
            bool escaped = false;
            bool ascii = true;
            if (*m_p != '"' || !string(&name, &escaped, &ascii) || escaped)
                return false; // an escaped name might repeat another: leave it to Qt
            for (const QByteArrayView &seen : names) {
                if (seen.size() == name.size() && same(seen, name))
                    return false; // Qt keeps the last one; not worth copying that here
            }
            if (names.size() >= kMaxMembers)
                return false;
            names.append(name);
            space();
            if (m_p >= m_end || *m_p != ':')
                return false;
            ++m_p;
            space();
            if (m_p >= m_end)
                return false;

            Target deeper[kMaxTargets];
            int deeperCount = 0;
            Value *records[kMaxTargets];
            int recordCount = 0;
            bool events = false;
            if (targets == m_fieldTargets.data() && m_flatFields) {
                // An event's fields, each one key deep (the usual plan):
                // the same matching, from a compact list of the keys.
                for (int i = 0; i < FastJsonScanner::kFields; ++i) {
                    const QByteArrayView key = m_flatKeys[size_t(i)];
                    if (key.size() == name.size() && same(key, name))
                        records[recordCount++] = m_fieldTargets[size_t(i)].slot;
                }
            } else {
                for (int i = 0; i < count; ++i) {
                    const Target &target = targets[i];
                    // The sizes first, here: most names differ in size, and
                    // a call to compare them would cost more than that.
                    const QByteArray &key = target.keys[level];
                    if (key.size() != name.size() || !same(key, name))
                        continue;
                    if (level + 1 == target.count) {
                        records[recordCount++] = target.slot;
                        events = events || target.events;
                    } else {
                        deeper[deeperCount++] = target;
                    }
                }
            }
            // Straight into the one place it goes, the usual case (each
            // place is still empty: member names do not repeat).
            Value found;
            Value *into = recordCount == 1 ? records[0] : recordCount > 1 ? &found : nullptr;
            if (!value(depth, deeper, deeperCount, level + 1, events, into))
                return false;
            for (int i = 0; recordCount > 1 && i < recordCount; ++i)
                *records[i] = found;

            bool done = false;
            if (!separator('}', &done))
                return false;
            if (done)
                return true;
        }
    }

    /// Past an object's '{' or an array's '[' and the white space after
    /// it; `empty` if the `close` that ends it came next (and is passed too).
    bool open(int depth, char close, bool *empty)
    {
        if (depth > kMaxDepth)
            return false;
        ++m_p;
        space();
        if (m_p >= m_end)
            return false;
        *empty = *m_p == close;
        if (*empty)
            ++m_p;
        return true;
    }

    bool array(int depth)
    {
        return eachElement(depth, [&] { return value(depth, nullptr, 0, 0, false, nullptr); });
    }

    /// An array at m_p: `element()` reads each element (at m_p, not at the
    /// end) and says whether it was good.
    template<typename Element> bool eachElement(int depth, Element element)
    {
        bool empty = false;
        if (!open(depth, ']', &empty))
            return false;
        if (empty)
            return true;
        for (;;) {
            bool done = false;
            if (!element() || !separator(']', &done))
                return false;
            if (done)
                return true;
        }
    }

    /// After an array's element or an object's member: the ',' and the
    /// start of the next one, or the `close` that ends them (`done`).
    bool separator(char close, bool *done)
    {
        space();
        if (m_p >= m_end)
            return false;
        if (*m_p == close) {
            ++m_p;
            *done = true;
            return true;
        }
        if (*m_p != ',')
            return false;
        ++m_p;
        space();
        return m_p < m_end;
    }

    /// The events array: every element must be an object.
    bool elements(int depth)
    {
        return eachElement(depth, [&] {
            if (*m_p != '{')
                return false;
            const char *begin = m_p;
            const qsizetype spaces = m_spaces;
            m_current.fields = {};
            if (!object(depth + 1, m_fieldTargets.data(), FastJsonScanner::kFields, 0))
                return false;
            m_current.raw = QByteArrayView(begin, m_p - begin);
            m_current.compact = m_spaces == spaces;
            return m_element(m_current);
        });
    }

    /// The bytes among the 8 at `p` that are not kPlain (a quote, a
    /// backslash, a control character or not ASCII), as the high bit of
    /// each. (The usual bit trick: it may flag a plain byte after one that
    /// is not, never before, so the lowest flag is the first such byte.)
    static quint64 specialBytes(const char *p)
    {
        constexpr quint64 ones = 0x0101010101010101ULL;
        constexpr quint64 highs = 0x8080808080808080ULL;
        const quint64 v = qFromLittleEndian<quint64>(p);
        const auto zero = [](quint64 x) { return (x - ones) & ~x & highs; };
        return (v | ((v - 0x20 * ones) & ~v) | zero(v ^ ('"' * ones)) | zero(v ^ ('\\' * ones))) &
               highs;
    }

    /// Moves m_p to the first byte from it on that is not kPlain, or to
    /// m_end: many bytes at a time, the last few one by one.
    void skipPlain()
    {
#if defined(__SSE2__)
        // Sixteen at a time: a quote, a backslash, and, as signed bytes,
        // anything below 0x20 (control characters, and from 0x80 on).
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(0x20);
        while (m_end - m_p >= 16) {
            const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(m_p));
            const __m128i stops = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                _mm_cmplt_epi8(bytes, space));
            const uint mask = uint(_mm_movemask_epi8(stops));
            if (mask != 0) {
                m_p += qCountTrailingZeroBits(mask);
                return;
            }
            m_p += 16;
        }
#endif
        while (m_end - m_p >= 8) {
            const quint64 special = specialBytes(m_p);
            if (special != 0) {
                m_p += qCountTrailingZeroBits(special) / 8;
                return;
            }
            m_p += 8;
        }
        while (m_p < m_end && kPlain[uchar(*m_p)])
            ++m_p;
    }

    bool string(QByteArrayView *text, bool *escaped, bool *ascii)
    {
        const char *start = ++m_p;
        bool sawEscape = false;
        bool sawWide = false;
        for (;;) {
            skipPlain();
            if (m_p >= m_end)
                return false;
            const uchar c = uchar(*m_p);
            if (c == '"') {
                *text = QByteArrayView(start, m_p - start);
                *escaped = sawEscape;
                *ascii = !sawWide;
                ++m_p;
                return true;
            }
            if (c == '\\') {
                if (!escape())
                    return false;
                sawEscape = true;
            } else if (c < 0x80) {
                return false; // Qt lets raw control characters pass; JSON does not
            } else if (!utf8()) {
                return false;
            } else {
                sawWide = true;
            }
        }
    }

    static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    bool escape()
    {
        if (m_end - m_p < 2)
            return false;
        switch (m_p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            m_p += 2;
            return true;
        case 'u': {
            if (m_end - m_p < 6)
                return false;
            int code = 0;
            for (int i = 2; i < 6; ++i) {
                const int digit = hexDigit(m_p[i]);
                if (digit < 0)
                    return false;
                code = code * 16 + digit;
            }
            // NUL and surrogates (lone or paired) go the general way.
            if (code == 0 || (code >= 0xd800 && code <= 0xdfff))
                return false;
            m_p += 6;
            return true;
        }
        default:
            return false; // Qt takes "\x" as "x"; JSON does not
        }
    }

    /// One well-formed UTF-8 sequence of two to four bytes (Unicode table
    /// 3-7) that is not a noncharacter or U+FEFF.
    bool utf8()
    {
        const auto *p = reinterpret_cast<const uchar *>(m_p);
        const qsizetype left = m_end - m_p;
        const uchar b0 = p[0];
        auto tail = [&](qsizetype i) { return i < left && (p[i] & 0xc0) == 0x80; };
        char32_t code = 0;
        qsizetype size = 0;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            if (!tail(1))
                return false;
            code = char32_t(b0 & 0x1f) << 6 | (p[1] & 0x3f);
            size = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            if (!tail(1) || !tail(2))
                return false;
            if ((b0 == 0xe0 && p[1] < 0xa0) || (b0 == 0xed && p[1] > 0x9f))
                return false; // overlong, or a surrogate
            code = char32_t(b0 & 0x0f) << 12 | char32_t(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
            size = 3;
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            if (!tail(1) || !tail(2) || !tail(3))
                return false;
            if ((b0 == 0xf0 && p[1] < 0x90) || (b0 == 0xf4 && p[1] > 0x8f))
                return false; // overlong, or beyond U+10FFFF
            code = char32_t(b0 & 0x07) << 18 | char32_t(p[1] & 0x3f) << 12 |
                   char32_t(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
            size = 4;
        } else {
            return false;
        }
        if ((code & 0xfffe) == 0xfffe || (code >= 0xfdd0 && code <= 0xfdef) || code == 0xfeff)
            return false;
        m_p += size;
        return true;
    }

    /// A number as JSON writes it (RFC 8259 section 6), short enough that
    /// QByteArray::toDouble, which QJsonDocument uses, takes it for sure.
    bool number(Value *record)
    {
        const char *begin = m_p;
        const bool negative = *m_p == '-';
        if (negative)
            ++m_p;
        if (m_p >= m_end)
            return false;
        int digits = 0;
        qint64 integer = 0;
        if (*m_p == '0') {
            ++m_p;
            digits = 1;
        } else if (*m_p >= '1' && *m_p <= '9') {
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9') {
                if (++digits <= 18)
                    integer = integer * 10 + (*m_p - '0');
                ++m_p;
            }
        } else {
            return false;
        }
        bool plain = true;
        int fractionDigits = 0;
        if (m_p < m_end && *m_p == '.') {
            plain = false;
            ++m_p;
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9') {
                ++fractionDigits;
                ++m_p;
            }
            if (fractionDigits == 0)
                return false;
        }
        if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
            plain = false;
            ++m_p;
            if (m_p < m_end && (*m_p == '-' || *m_p == '+'))
                ++m_p;
            int exponentDigits = 0;
            int exponent = 0;
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9') {
                if (++exponentDigits > 3)
                    return false;
                exponent = exponent * 10 + (*m_p - '0');
                ++m_p;
            }
            if (exponentDigits == 0 || exponent > 200)
                return false;
        }
        if (digits + fractionDigits > 20 || m_p >= m_end)
            return false;
        if (record) {
            if (plain && digits <= 18) {
                record->kind = Kind::Integer;
                record->integer = negative ? -integer : integer;
            } else {
                record->kind = Kind::Number;
            }
            record->bytes = QByteArrayView(begin, m_p - begin);
        }
        return true;
    }

    /// One value at m_p (not at the end), written as Qt writes it.
    bool compactValue(int depth, QByteArray &out)
    {
        const char *begin = m_p;
        switch (*m_p) {
        case '{':
            return compactObject(depth + 1, out);
        case '[': {
            bool empty = false;
            if (!open(depth + 1, ']', &empty))
                return false;
            out += '[';
            for (bool first = true; !empty; first = false) {
                if (!first)
                    out += ',';
                bool done = false;
                if (!compactValue(depth + 1, out) || !separator(']', &done))
                    return false;
                empty = done;
            }
            out += ']';
            return true;
        }
        case '"': {
            QByteArrayView text;
            bool escaped = false;
            bool ascii = true;
            if (!string(&text, &escaped, &ascii))
                return false;
            return appendCompactString(out, text, escaped);
        }
        case 't':
            if (!literal("true", 4))
                return false;
            break;
        case 'f':
            if (!literal("false", 5))
                return false;
            break;
        case 'n':
            if (!literal("null", 4))
                return false;
            break;
        default: {
            Value number;
            if (!this->number(&number) || number.kind != Kind::Integer)
                return false; // Qt writes a double in its own shortest form: not copied here
            out += QByteArray::number(number.integer);
            return true;
        }
        }
        out.append(begin, m_p - begin);
        return true;
    }

    /// An object at m_p, its members in the order QJsonObject keeps them
    /// (by name). Names must be plain ASCII: beyond it Qt orders by UTF-16
    /// code units, which is not worth copying here.
    bool compactObject(int depth, QByteArray &out)
    {
        bool empty = false;
        if (!open(depth, '}', &empty))
            return false;
        if (empty) {
            out += "{}";
            return true;
        }
        struct Member
        {
            QByteArrayView name;
            qsizetype begin; ///< of `"name":value` in `out`
            qsizetype end;
        };
        QVarLengthArray<Member, 16> members;
        bool sorted = true;
        const qsizetype start = out.size();
        out += '{';
        for (;;) {
            QByteArrayView name;
            bool escaped = false;
            bool ascii = true;
            if (*m_p != '"' || !string(&name, &escaped, &ascii) || escaped || !ascii)
                return false;
            for (const Member &seen : members) {
                if (seen.name.size() == name.size() && same(seen.name, name))
                    return false; // Qt keeps the last one; not worth copying that here
            }
            if (members.size() >= kMaxMembers)
                return false;
            if (!members.isEmpty() && !(members.last().name < name))
                sorted = false;
            space();
            if (m_p >= m_end || *m_p != ':')
                return false;
            ++m_p;
            space();
            if (m_p >= m_end)
                return false;
            if (!members.isEmpty())
                out += ',';
            const qsizetype begin = out.size();
            out += '"';
            out += name;
            out += "\":";
            if (!compactValue(depth, out))
                return false;
            members.append({name, begin, out.size()});
            bool done = false;
            if (!separator('}', &done))
                return false;
            if (done)
                break;
        }
        out += '}';
        if (sorted)
            return true;
        // Written in the order sent; put the members in name order.
        const QByteArray written = out.sliced(start);
        std::sort(members.begin(), members.end(),
                  [](const Member &a, const Member &b) { return a.name < b.name; });
        out.truncate(start);
        out += '{';
        for (qsizetype i = 0; i < members.size(); ++i) {
            if (i > 0)
                out += ',';
            out.append(written.constData() + (members[i].begin - start),
                       members[i].end - members[i].begin);
        }
        out += '}';
        return true;
    }

    /// A string's text (between its quotes, checked by string()) as Qt
    /// writes it: decoded, then escaped again as QJsonDocument does (only
    /// the quote, the backslash and control characters; `\b \f \n \r \t`
    /// short, the others as `\u00xx`).
    static bool appendCompactString(QByteArray &out, QByteArrayView text, bool escaped)
    {
        out += '"';
        if (!escaped) {
            out += text;
            out += '"';
            return true;
        }
        const char *p = text.data();
        const char *end = p + text.size();
        const char *run = p;
        while (p < end) {
            if (*p != '\\') {
                ++p;
                continue;
            }
            out.append(run, p - run);
            char c = p[1];
            p += 2;
            if (c == 'u') {
                // string() checked the four hex digits, and that the code is
                // neither NUL nor a surrogate.
                uint code = 0;
                for (int i = 0; i < 4; ++i)
                    code = code * 16 + uint(hexDigit(p[i]));
                p += 4;
                if (code >= 0x80) {
                    if ((code & 0xfffe) == 0xfffe || (code >= 0xfdd0 && code <= 0xfdef) ||
                        code == 0xfeff)
                        return false; // as string() declines them unescaped
                    const char16_t unit = char16_t(code);
                    out += QStringView(&unit, 1).toUtf8();
                    run = p;
                    continue;
                }
                switch (code) {
                case '\b':
                    c = 'b';
                    break;
                case '\f':
                    c = 'f';
                    break;
                case '\n':
                    c = 'n';
                    break;
                case '\r':
                    c = 'r';
                    break;
                case '\t':
                    c = 't';
                    break;
                case '"':
                case '\\':
                    c = char(code);
                    break;
                default:
                    if (code >= 0x20) {
                        out += char(code);
                        run = p;
                        continue;
                    }
                    static constexpr char kHex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += kHex[code >> 4];
                    out += kHex[code & 0xf];
                    run = p;
                    continue;
                }
            } else if (c == '/') {
                out += '/'; // Qt writes a slash as it is
                run = p;
                continue;
            }
            out += '\\';
            out += c;
            run = p;
        }
        out.append(run, end - run);
        out += '"';
        return true;
    }

    const char *m_p;
    const char *m_end;
    qsizetype m_spaces = 0; ///< whitespace bytes skipped so far, outside strings
    const FastJsonScanner::ElementFunction &m_element;
    FastJsonScanner::Element m_current;
    std::array<Target, FastJsonScanner::kFields> m_fieldTargets;
    bool m_flatFields = true; ///< every field path is one key, m_flatKeys
    std::array<QByteArrayView, FastJsonScanner::kFields> m_flatKeys;
};

} // namespace

QString FastJsonScanner::Value::string() const
{
    if (!escaped)
        return ascii ? QString::fromLatin1(bytes) : QString::fromUtf8(bytes);
    QString text;
    text.reserve(bytes.size());
    const char *p = bytes.data();
    const char *end = p + bytes.size();
    const char *run = p;
    while (p < end) {
        if (*p != '\\') {
            ++p;
            continue;
        }
        text.append(QString::fromUtf8(run, p - run));
        char16_t c = 0;
        switch (p[1]) {
        case 'b':
            c = u'\b';
            break;
        case 'f':
            c = u'\f';
            break;
        case 'n':
            c = u'\n';
            break;
        case 'r':
            c = u'\r';
            break;
        case 't':
            c = u'\t';
            break;
        case 'u':
            // The scanner checked the four hex digits.
            c = char16_t(QByteArrayView(p + 2, 4).toUShort(nullptr, 16));
            p += 4;
            break;
        default: // '"', '\\', '/'
            c = char16_t(p[1]);
            break;
        }
        text.append(QChar(c));
        p += 2;
        run = p;
    }
    text.append(QString::fromUtf8(run, end - run));
    return text;
}

bool FastJsonScanner::compact(QByteArrayView json, QByteArray *out)
{
    static const Plan kNoPlan;
    static const ElementFunction kNoElement;
    QByteArray written;
    written.reserve(json.size() + 2);
    Scanner scanner(json, kNoPlan, kNoElement);
    if (!scanner.compactDocument(&written))
        return false;
    *out = std::move(written);
    return true;
}

bool FastJsonScanner::scan(QByteArrayView json, const Plan &plan, const ElementFunction &element,
                           Found *found)
{
    *found = {};
    for (const Path &path : plan.fieldPaths) {
        if (path.isEmpty() || path.size() > 16)
            return false;
    }
    if (plan.eventsPath.size() > 16 || plan.cursorPath.size() > 16 || plan.okPath.size() > 16)
        return false;
    Scanner scanner(json, plan, element);
    return scanner.document(plan, found);
}

} // namespace Longwatch
