#include "jsonpath.h"

#include "jsontext.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace Longwatch {

JsonPath JsonPath::parse(const QString &text, QString *error)
{
    JsonPath path;
    path.m_text = text.trimmed();
    const QString &s = path.m_text;
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return JsonPath{};
    };
    if (s.isEmpty() || s == QLatin1String("$")) {
        path.m_valid = true;
        return path;
    }
    qsizetype i = s.startsWith(QLatin1String("$.")) ? 2 : 0;
    bool expectKey = true;
    while (i < s.size()) {
        const QChar c = s.at(i);
        if (c == QLatin1Char('[')) {
            const qsizetype close = s.indexOf(QLatin1Char(']'), i);
            if (close < 0)
                return fail(QCoreApplication::translate("JsonPath", "Unclosed '[' at position %1.")
                                .arg(i + 1));
            const QString inner = s.mid(i + 1, close - i - 1).trimmed();
            if (inner.size() >= 2 &&
                (inner.front() == QLatin1Char('"') || inner.front() == QLatin1Char('\''))) {
                path.m_segments.append(inner.mid(1, inner.size() - 2));
            } else {
                bool ok = false;
                const qsizetype index = inner.toLongLong(&ok);
                if (!ok || index < 0)
                    return fail(QCoreApplication::translate(
                                    "JsonPath", "'%1' at position %2 is not an array index.")
                                    .arg(inner)
                                    .arg(i + 2));
                path.m_segments.append(index);
            }
            i = close + 1;
            expectKey = false;
            continue;
        }
        if (c == QLatin1Char('.')) {
            if (expectKey)
                return fail(QCoreApplication::translate("JsonPath", "Empty key at position %1.")
                                .arg(i + 1));
            ++i;
            expectKey = true;
            continue;
        }
        if (!expectKey)
            return fail(
                QCoreApplication::translate("JsonPath", "Expected '.' or '[' at position %1.")
                    .arg(i + 1));
        qsizetype end = i;
        while (end < s.size() && s.at(end) != QLatin1Char('.') && s.at(end) != QLatin1Char('['))
            ++end;
        const QString key = s.mid(i, end - i);
        if (key.contains(QLatin1Char(']')) || key.contains(QLatin1Char(' ')))
            return fail(
                QCoreApplication::translate("JsonPath", "Unexpected character in '%1'.").arg(key));
        bool isIndex = false;
        const qsizetype index = key.toLongLong(&isIndex);
        if (isIndex && index >= 0)
            path.m_segments.append(index);
        else
            path.m_segments.append(key);
        i = end;
        expectKey = false;
    }
    if (expectKey)
        return fail(QCoreApplication::translate("JsonPath", "The path ends with '.'."));
    path.m_valid = true;
    return path;
}

std::optional<QStringList> JsonPath::keys() const
{
    if (!m_valid)
        return std::nullopt;
    QStringList keys;
    keys.reserve(m_segments.size());
    for (const Segment &segment : m_segments) {
        const auto *key = std::get_if<QString>(&segment);
        if (!key)
            return std::nullopt;
        keys.append(*key);
    }
    return keys;
}

QJsonValue JsonPath::resolve(const QJsonValue &root) const
{
    if (!m_valid)
        return QJsonValue(QJsonValue::Undefined);
    QJsonValue current = root;
    for (const Segment &segment : m_segments) {
        if (const auto *key = std::get_if<QString>(&segment)) {
            if (!current.isObject())
                return QJsonValue(QJsonValue::Undefined);
            current = current.toObject().value(*key);
        } else {
            const qsizetype index = std::get<qsizetype>(segment);
            if (current.isArray()) {
                const QJsonArray array = current.toArray();
                if (index >= array.size())
                    return QJsonValue(QJsonValue::Undefined);
                current = array.at(index);
            } else if (current.isObject()) {
                // "a.0" on an object means the key "0".
                current = current.toObject().value(QString::number(index));
            } else {
                return QJsonValue(QJsonValue::Undefined);
            }
        }
        if (current.isUndefined())
            return current;
    }
    return current;
}

namespace {

/// Walks JSON text that QJsonDocument already accepted: no validation, only
/// the structure (strings with escapes, nesting), and whether a value is
/// compact (no whitespace outside its strings).
class JsonScanner
{
public:
    explicit JsonScanner(QByteArrayView json)
        : m_p(json.data())
        , m_begin(json.data())
        , m_end(json.data() + json.size())
    {}

    qsizetype offset() const { return m_p - m_begin; }
    void seek(qsizetype offset) { m_p = m_begin + offset; }
    bool atEnd() const { return m_p >= m_end; }
    char peek() const { return m_p < m_end ? *m_p : '\0'; }
    void skipSpace()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }
    bool take(char c)
    {
        skipSpace();
        if (peek() != c)
            return false;
        ++m_p;
        return true;
    }
    /// A string at the cursor (after its opening quote has not been taken);
    /// `plain` is false if it has escapes.
    bool string(QByteArrayView *text, bool *plain)
    {
        if (peek() != '"')
            return false;
        const char *start = ++m_p;
        *plain = true;
        while (m_p < m_end && *m_p != '"') {
            if (*m_p == '\\') {
                *plain = false;
                ++m_p;
            }
            ++m_p;
        }
        if (m_p >= m_end)
            return false;
        *text = QByteArrayView(start, m_p - start);
        ++m_p;
        return true;
    }
    /// Skips one value; `compact` turns false on whitespace outside strings.
    bool skipValue(bool *compact)
    {
        const char c = peek();
        if (c == '"') {
            QByteArrayView text;
            bool plain = false;
            return string(&text, &plain);
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            while (m_p < m_end) {
                const char d = *m_p;
                if (d == '"') {
                    QByteArrayView text;
                    bool plain = false;
                    if (!string(&text, &plain))
                        return false;
                    continue;
                }
                if (d == '{' || d == '[') {
                    ++depth;
                } else if (d == '}' || d == ']') {
                    if (--depth == 0) {
                        ++m_p;
                        return true;
                    }
                } else if (d == ' ' || d == '\n' || d == '\r' || d == '\t') {
                    *compact = false;
                }
                ++m_p;
            }
            return false;
        }
        // A number, true, false or null.
        const char *start = m_p;
        while (m_p < m_end && *m_p != ',' && *m_p != ']' && *m_p != '}' && *m_p != ' ' &&
               *m_p != '\n' && *m_p != '\r' && *m_p != '\t')
            ++m_p;
        return m_p > start;
    }

private:
    const char *m_p;
    const char *m_begin;
    const char *m_end;
};

} // namespace

std::optional<QList<JsonPath::Span>> JsonPath::arrayElementSpans(QByteArrayView json) const
{
    if (!m_valid)
        return std::nullopt;
    JsonScanner scanner(json);
    for (const Segment &segment : m_segments) {
        const auto *key = std::get_if<QString>(&segment);
        if (!key || !scanner.take('{'))
            return std::nullopt; // array indices on the way are not supported
        const QByteArray wanted = key->toUtf8();
        // The last member of that name wins, as in QJsonObject.
        qsizetype found = -1;
        if (!scanner.take('}')) {
            do {
                scanner.skipSpace();
                QByteArrayView name;
                bool plain = false;
                if (!scanner.string(&name, &plain) || !scanner.take(':'))
                    return std::nullopt;
                if (!plain)
                    return std::nullopt; // an escaped name might be ours
                scanner.skipSpace();
                if (name == QByteArrayView(wanted))
                    found = scanner.offset();
                bool compact = true;
                if (!scanner.skipValue(&compact))
                    return std::nullopt;
            } while (scanner.take(','));
        }
        if (found < 0)
            return std::nullopt;
        scanner.seek(found);
    }
    if (!scanner.take('['))
        return std::nullopt;
    QList<Span> spans;
    if (scanner.take(']'))
        return spans;
    do {
        scanner.skipSpace();
        const qsizetype begin = scanner.offset();
        bool compact = true;
        if (!scanner.skipValue(&compact))
            return std::nullopt;
        spans.append(Span{begin, compact ? scanner.offset() - begin : 0});
    } while (scanner.take(','));
    if (!scanner.take(']'))
        return std::nullopt;
    return spans;
}

namespace {

bool assignInto(QJsonValue &node, QList<std::variant<QString, qsizetype>>::const_iterator it,
                QList<std::variant<QString, qsizetype>>::const_iterator end,
                const QJsonValue &value)
{
    if (it == end) {
        node = value;
        return true;
    }
    if (const auto *key = std::get_if<QString>(&*it)) {
        QJsonObject object = node.isObject() ? node.toObject() : QJsonObject{};
        if (!node.isObject() && !node.isUndefined() && !node.isNull())
            return false;
        QJsonValue child = object.value(*key);
        if (!assignInto(child, it + 1, end, value))
            return false;
        object.insert(*key, child);
        node = object;
        return true;
    }
    const qsizetype index = std::get<qsizetype>(*it);
    if (!node.isArray())
        return false;
    QJsonArray array = node.toArray();
    if (index >= array.size())
        return false;
    QJsonValue child = array.at(index);
    if (!assignInto(child, it + 1, end, value))
        return false;
    array.replace(index, child);
    node = array;
    return true;
}

} // namespace

bool JsonPath::assign(QJsonObject &root, const QJsonValue &value) const
{
    if (!m_valid || m_segments.isEmpty())
        return false;
    QJsonValue node = root;
    if (!assignInto(node, m_segments.cbegin(), m_segments.cend(), value))
        return false;
    root = node.toObject();
    return true;
}

QString jsonScalarText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Double: {
        const double d = value.toDouble();
        // Qt keeps integers that fit in 64 bits exact; print them without ".0".
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18)
            return QString::number(value.toInteger(qint64(d)));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Object:
    case QJsonValue::Array:
        return QString::fromUtf8(compactJson(value));
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return {};
}

} // namespace Longwatch
