// libFuzzer harness for the JSON path parser: any text a person (or a
// shared channel file) may put into a path knob. A valid path must print
// itself back to a path that parses to the same text, and resolve and
// assign on a document without harm.

#include "jsonpath.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const JsonPath path = JsonPath::parse(text, &error);
    if (!path.isValid()) {
        if (error.isEmpty())
            std::abort(); // an invalid path must say why
        return 0;
    }
    const JsonPath again = JsonPath::parse(path.toString());
    if (!again.isValid())
        std::abort(); // a path's own text must parse

    static const QByteArray documentText = R"({
        "a": {"b": [1, {"c": "x"}, [true, null]], "a.b": 2, "": {"": 3}},
        "data": {"items": [{"id": 7, "type": "t"}]},
        "x y": "z", "quote\"d": 1, "r": {"z": {"e": [1]}, "y": {"e": 2}, "z": {"e": [3]}}
    })";
    static const QJsonValue document = QJsonDocument::fromJson(documentText).object();
    (void)jsonScalarText(path.resolve(document));
    (void)jsonScalarText(path.resolve(QJsonArray{1, 2, 3}));
    QJsonObject copy = document.toObject();
    (void)path.assign(copy, QJsonValue(QStringLiteral("set")));
    // Wildcards: the same matches in document order as in QJsonObject's;
    // without one, resolve()'s value.
    const QList<JsonPath::Match> ordered = path.resolveAll(document, documentText);
    const QList<JsonPath::Match> byName = path.resolveAll(document);
    if (ordered.size() != byName.size())
        std::abort();
    if (!path.hasWildcard() &&
        (ordered.size() != (path.resolve(document).isUndefined() ? 0 : 1) ||
         (!ordered.isEmpty() && ordered.first().value != path.resolve(document))))
        std::abort();
    (void)jsonScalarText(path.resolve(copy));
    return 0;
}
