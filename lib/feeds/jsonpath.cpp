#include "jsonpath.h"

#include "jsontext.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

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
            } else if (inner == QLatin1String("*")) {
                path.m_segments.append(Wildcard{});
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
        if (key == QLatin1String("*"))
            path.m_segments.append(Wildcard{});
        else if (isIndex && index >= 0)
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

bool JsonPath::hasWildcard() const
{
    return std::any_of(m_segments.cbegin(), m_segments.cend(), [](const Segment &segment) {
        return std::holds_alternative<Wildcard>(segment);
    });
}

QJsonValue JsonPath::resolve(const QJsonValue &root) const
{
    if (!m_valid || hasWildcard())
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

/// A member of an object in JSON text, with its value's text.
struct Member
{
    QString name;
    QByteArrayView value;
};

/// The members of the object that `json` is, in the order they stand
/// there; nullopt if `json` is not an object.
std::optional<QList<Member>> objectMembers(QByteArrayView json)
{
    JsonScanner scanner(json);
    if (!scanner.take('{'))
        return std::nullopt;
    QList<Member> members;
    if (scanner.take('}'))
        return members;
    do {
        scanner.skipSpace();
        QByteArrayView name;
        bool plain = false;
        if (!scanner.string(&name, &plain) || !scanner.take(':'))
            return std::nullopt;
        scanner.skipSpace();
        const qsizetype begin = scanner.offset();
        bool compact = true;
        if (!scanner.skipValue(&compact))
            return std::nullopt;
        QString text;
        if (plain) {
            text = QString::fromUtf8(name);
        } else {
            // Rare: QJsonDocument undoes the escapes.
            const QByteArray quoted = "[\"" + name.toByteArray() + "\"]";
            text = QJsonDocument::fromJson(quoted).array().at(0).toString();
        }
        members.append(Member{std::move(text), json.sliced(begin, scanner.offset() - begin)});
    } while (scanner.take(','));
    return members;
}

/// The elements of the array that `json` is, in order; nullopt if it is not an array.
std::optional<QList<QByteArrayView>> arrayElements(QByteArrayView json)
{
    JsonScanner scanner(json);
    if (!scanner.take('['))
        return std::nullopt;
    QList<QByteArrayView> elements;
    if (scanner.take(']'))
        return elements;
    do {
        scanner.skipSpace();
        const qsizetype begin = scanner.offset();
        bool compact = true;
        if (!scanner.skipValue(&compact))
            return std::nullopt;
        elements.append(json.sliced(begin, scanner.offset() - begin));
    } while (scanner.take(','));
    return elements;
}

} // namespace

QList<JsonPath::Match> JsonPath::resolveAll(const QJsonValue &root, QByteArrayView json) const
{
    QList<Match> out;
    if (!m_valid)
        return out;
    if (!hasWildcard()) {
        const QJsonValue value = resolve(root);
        if (!value.isUndefined())
            out.append(Match{value, {}, {}});
        return out;
    }
    Match prefix;
    resolveFrom(0, root, json, prefix, out);
    return out;
}

void JsonPath::resolveFrom(qsizetype segment, const QJsonValue &node, QByteArrayView text,
                           Match &prefix, QList<Match> &out) const
{
    if (segment == m_segments.size()) {
        if (!node.isUndefined())
            out.append(Match{node, prefix.wildcardKeys, prefix.isMemberName});
        return;
    }
    // The text only orders the members at a wildcard: none ahead, none needed.
    const bool wildcardAhead =
        std::any_of(m_segments.cbegin() + segment, m_segments.cend(),
                    [](const Segment &s) { return std::holds_alternative<Wildcard>(s); });
    if (!wildcardAhead)
        text = {};
    const auto memberText = [&](const QString &name) {
        QByteArrayView found;
        if (text.isEmpty())
            return found;
        if (const std::optional<QList<Member>> members = objectMembers(text)) {
            for (const Member &member : *members) {
                if (member.name == name)
                    found = member.value; // the last of that name wins, as in QJsonObject
            }
        }
        return found;
    };
    const auto elementText = [&](qsizetype index, qsizetype size) {
        const std::optional<QList<QByteArrayView>> elements =
            text.isEmpty() ? std::nullopt : arrayElements(text);
        return elements && elements->size() == size ? elements->at(index) : QByteArrayView();
    };
    const Segment &step = m_segments.at(segment);
    if (const auto *key = std::get_if<QString>(&step)) {
        if (node.isObject())
            resolveFrom(segment + 1, node.toObject().value(*key), memberText(*key), prefix, out);
        return;
    }
    if (const auto *index = std::get_if<qsizetype>(&step)) {
        if (node.isArray()) {
            const QJsonArray array = node.toArray();
            if (*index < array.size())
                resolveFrom(segment + 1, array.at(*index), elementText(*index, array.size()),
                            prefix, out);
        } else if (node.isObject()) {
            // "a.0" on an object means the key "0", as in resolve().
            const QString name = QString::number(*index);
            resolveFrom(segment + 1, node.toObject().value(name), memberText(name), prefix, out);
        }
        return;
    }
    // A wildcard.
    const auto descend = [&](const QString &key, bool isMember, const QJsonValue &child,
                             QByteArrayView childText) {
        prefix.wildcardKeys.append(key);
        prefix.isMemberName.append(isMember);
        resolveFrom(segment + 1, child, childText, prefix, out);
        prefix.wildcardKeys.removeLast();
        prefix.isMemberName.removeLast();
    };
    if (node.isArray()) {
        const QJsonArray array = node.toArray();
        const std::optional<QList<QByteArrayView>> elements =
            text.isEmpty() ? std::nullopt : arrayElements(text);
        const bool withText = elements && elements->size() == array.size();
        for (qsizetype i = 0; i < array.size(); ++i)
            descend(QString::number(i), false, array.at(i),
                    withText ? elements->at(i) : QByteArrayView());
        return;
    }
    if (!node.isObject())
        return;
    const QJsonObject object = node.toObject();
    // Document order: each name where it first stands, with the value of
    // its last member (QJsonObject keeps the last of a repeated name).
    QStringList names;
    QHash<QString, QByteArrayView> texts;
    if (const std::optional<QList<Member>> members =
            text.isEmpty() ? std::nullopt : objectMembers(text)) {
        for (const Member &member : *members) {
            if (!texts.contains(member.name))
                names.append(member.name);
            texts.insert(member.name, member.value);
        }
    }
    if (names.size() != object.size()) {
        names = object.keys(); // no text, or not the text of this object
        texts.clear();
    }
    for (const QString &name : std::as_const(names))
        descend(name, true, object.value(name), texts.value(name));
}

namespace {

template<typename Iterator>
bool assignInto(QJsonValue &node, Iterator it, Iterator end, const QJsonValue &value)
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
    if (!m_valid || m_segments.isEmpty() || hasWildcard())
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
