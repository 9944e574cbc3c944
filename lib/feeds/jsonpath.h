#pragma once

#include <QByteArrayView>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

class QJsonObject;

namespace Longwatch {

/// A path into a JSON document: dot-separated keys with optional array
/// indices, e.g. `result`, `data.items[0].id`, `parameters.retry_after`.
/// The empty path (or `$`) is the document itself. A key that contains a
/// dot or bracket is written in quotes: `meta["a.b"]`. A `*` segment (or
/// `[*]`) is a wildcard: every member of an object, every element of an
/// array (`rooms.join.*.timeline.events`); a key named `*` is `["*"]`.
class JsonPath
{
public:
    JsonPath() = default;

    /// Parses `text`; on a syntax error returns an invalid path and fills
    /// `error` with a sentence naming the position.
    static JsonPath parse(const QString &text, QString *error = nullptr);

    bool isValid() const { return m_valid; }
    bool isRoot() const { return m_valid && m_segments.isEmpty(); }
    QString toString() const { return m_text; }
    /// The path's keys, outermost first, if it has no array index (empty for
    /// the document itself); nullopt for an invalid path or one with an index.
    std::optional<QStringList> keys() const;

    /// Whether a segment is a wildcard.
    bool hasWildcard() const;

    /// The value at this path, or an undefined QJsonValue if any step is
    /// missing or the path has a wildcard (resolveAll() reads those).
    QJsonValue resolve(const QJsonValue &root) const;

    /// One value a path with wildcards leads to.
    struct Match
    {
        QJsonValue value;
        /// What each wildcard stood for, outermost first: an object's
        /// member name, or an array's index as text.
        QStringList wildcardKeys;
        /// Which of wildcardKeys are member names (the others are indices).
        QList<bool> isMemberName;
    };
    /// Every value this path leads to, in document order: members of an
    /// object as they stand in `json` (the text `root` was parsed from),
    /// elements of an array by index. Without `json`, or if it is not the
    /// text of `root`, members come in QJsonObject's order (by name). A
    /// path without wildcards gives resolve()'s value, if it is defined.
    QList<Match> resolveAll(const QJsonValue &root, QByteArrayView json = {}) const;

    /// Where each element of the array at this path lies in `json`, a
    /// document QJsonDocument has accepted: the bytes as the server sent
    /// them, so an event's raw JSON needs no re-serialising. An element
    /// with whitespace outside its strings gets an empty span (not compact:
    /// the caller serialises it). nullopt if the path does not lead to an
    /// array, or goes through a key written with escapes.
    struct Span
    {
        qsizetype begin = 0;
        qsizetype size = 0; ///< 0: not compact as sent
    };
    std::optional<QList<Span>> arrayElementSpans(QByteArrayView json) const;

    /// Sets the value at this path inside `root`, creating objects on the way.
    /// Array indices must already exist. Returns false if the path cannot be set.
    bool assign(QJsonObject &root, const QJsonValue &value) const;

private:
    struct Wildcard
    {
        friend bool operator==(Wildcard, Wildcard) { return true; }
    };
    using Segment = std::variant<QString, qsizetype, Wildcard>;
    void resolveFrom(qsizetype segment, const QJsonValue &node, QByteArrayView text, Match &prefix,
                     QList<Match> &out) const;
    QList<Segment> m_segments;
    QString m_text;
    bool m_valid = false;
};

/// A JSON scalar as text: strings as is, integral numbers without a decimal
/// point (ids like 12 stay "12", not "12.0"), booleans as true/false, null
/// and undefined as an empty string, objects and arrays as compact JSON.
QString jsonScalarText(const QJsonValue &value);

} // namespace Longwatch
