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

    static const QJsonValue document = QJsonDocument::fromJson(R"({
        "a": {"b": [1, {"c": "x"}, [true, null]], "a.b": 2, "": {"": 3}},
        "data": {"items": [{"id": 7, "type": "t"}]},
        "x y": "z", "quote\"d": 1
    })")
                                           .object();
    (void)jsonScalarText(path.resolve(document));
    (void)jsonScalarText(path.resolve(QJsonArray{1, 2, 3}));
    QJsonObject copy = document.toObject();
    (void)path.assign(copy, QJsonValue(QStringLiteral("set")));
    (void)jsonScalarText(path.resolve(copy));
    return 0;
}
