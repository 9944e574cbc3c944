#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <array>
#include <functional>

namespace Longwatch {

/// A strict, validating scanner for the JSON a feed's answer most often is:
/// an object with an array of event objects somewhere in it. It reads only
/// the values at a few key paths and never builds a document, which makes
/// it several times cheaper than QJsonDocument::fromJson plus JsonPath.
///
/// It never reports errors. On anything it does not fully understand it
/// declines (returns false), and the caller parses with QJsonDocument, which
/// then gives the answer or the error it always gave. It declines on: any
/// invalid JSON; a byte order mark; a repeated or escaped member name; a
/// `\u` escape of NUL or a surrogate, or an escape JSON does not define;
/// raw control characters in strings; UTF-8 that is invalid, or encodes a
/// noncharacter or U+FEFF; numbers with more than 20 digits or an exponent
/// beyond ±200; nesting deeper than 64; an element of the events array
/// that is not an object. Everything it accepts, QJsonDocument::fromJson
/// accepts too, with the same values (tests/fuzz/fuzz_fastjson checks it).
class FastJsonScanner
{
public:
    /// A value found at a key path.
    struct Value
    {
        enum class Kind : quint8 {
            Missing, ///< nothing at the path
            Null,
            Bool,
            Integer, ///< -?(0|[1-9][0-9]*) with at most 18 digits: exact as qint64
            Number,  ///< any other number; `bytes` is its text
            String,  ///< `bytes` is the text between the quotes, escapes undecoded
            Object,  ///< `bytes` is the whole value
            Array,   ///< `bytes` is the whole value
        };
        Kind kind = Kind::Missing;
        bool boolean = false;
        bool escaped = false; ///< a String with escape sequences
        bool ascii = false;   ///< a String of ASCII bytes only
        qint64 integer = 0;
        QByteArrayView bytes;

        /// A String's text, escapes decoded.
        QString string() const;
    };

    /// Key names in UTF-8, outermost first; empty: the document itself.
    using Path = QList<QByteArray>;

    static constexpr int kFields = 4;
    /// One element of the events array: an object, and what it holds at the
    /// field paths.
    struct Element
    {
        QByteArrayView raw;  ///< the element's bytes as sent
        bool compact = true; ///< no whitespace outside its strings
        std::array<Value, kFields> fields;
    };
    /// Called once per element, in order; false declines the whole document.
    using ElementFunction = std::function<bool(const Element &)>;

    struct Plan
    {
        Path eventsPath;
        std::array<Path, kFields> fieldPaths; ///< each must have at least one key
        bool wantCursor = false;
        Path cursorPath; ///< with wantCursor
        bool wantOk = false;
        Path okPath; ///< with wantOk: the "ok" of an envelope like Telegram's
    };

    /// What scan() found outside the elements.
    struct Found
    {
        Value events; ///< the value at the events path (Array when elements were passed on)
        Value cursor; ///< the value at the cursor path, with Plan::wantCursor
        Value ok;     ///< the value at the ok path, with Plan::wantOk
    };

    /// Scans `json`, a whole document (leading and trailing whitespace
    /// allowed). Each element of the array at `plan.eventsPath` goes to
    /// `element`, in order. Returns false, perhaps after some elements went
    /// out, if the document is declined; then discard them.
    static bool scan(QByteArrayView json, const Plan &plan, const ElementFunction &element,
                     Found *found);

    /// What QJsonDocument::fromJson() and then toJson(QJsonDocument::Compact)
    /// make of `json`, a whole document (an object or an array; leading and
    /// trailing whitespace allowed): the same bytes, without building a
    /// document. Members come in name order, strings escaped as Qt escapes
    /// them. Declines (returns false, `out` untouched) on everything scan()
    /// declines, and also on member names that are not plain ASCII and on
    /// numbers that are not integers of at most 18 digits (Qt writes a
    /// double in a shortest form of its own); the caller then goes the
    /// QJsonDocument way.
    static bool compact(QByteArrayView json, QByteArray *out);
};

} // namespace Longwatch
