#include "jsonpath.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Longwatch;

class tst_JsonPath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void resolve_data();
    void resolve();
    void invalid_data();
    void invalid();
    void assign();
    void scalarText_data();
    void scalarText();
    void keys_data();
    void keys();
};

static QJsonValue parsed(const char *json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    return doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
}

void tst_JsonPath::resolve_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");

    QTest::newRow("an empty path is the document")
        << "" << QByteArray(R"({"a":1})") << R"({"a":1})";
    QTest::newRow("a dollar is the document") << "$" << QByteArray("[1,2]") << "[1,2]";
    QTest::newRow("a plain key") << "a" << QByteArray(R"({"a":"x"})") << "x";
    QTest::newRow("nested keys") << "a.b.c" << QByteArray(R"({"a":{"b":{"c":7}}})") << "7";
    QTest::newRow("an index in brackets")
        << "a[1].id" << QByteArray(R"({"a":[{"id":1},{"id":2}]})") << "2";
    QTest::newRow("an index as a segment")
        << "a.1.id" << QByteArray(R"({"a":[{"id":1},{"id":2}]})") << "2";
    QTest::newRow("a quoted key with a dot")
        << R"(m["a.b"])" << QByteArray(R"({"m":{"a.b":true}})") << "true";
    QTest::newRow("a missing key is empty") << "a.z" << QByteArray(R"({"a":{}})") << "";
    QTest::newRow("an index past the end is empty") << "a[5]" << QByteArray(R"({"a":[1]})") << "";
    QTest::newRow("a key into a number is empty") << "a.b" << QByteArray(R"({"a":3})") << "";
    QTest::newRow("a dollar-dot prefix") << "$.a" << QByteArray(R"({"a":"y"})") << "y";
    QTest::newRow("a large integer keeps its digits")
        << "id" << QByteArray(R"({"id":9007199254740993})") << "9007199254740993";
}

void tst_JsonPath::resolve()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QString error;
    const JsonPath p = JsonPath::parse(path, &error);
    QVERIFY2(p.isValid(), qPrintable(error));
    QCOMPARE(jsonScalarText(p.resolve(parsed(json))), expected);
}

void tst_JsonPath::invalid_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("an unclosed bracket") << "a[1";
    QTest::newRow("two dots") << "a..b";
    QTest::newRow("a trailing dot") << "a.";
    QTest::newRow("a negative index") << "a[-1]";
    QTest::newRow("a word in brackets") << "a[x]";
    QTest::newRow("a leading dot") << ".a";
    QTest::newRow("a space inside a key") << "a b";
}

void tst_JsonPath::invalid()
{
    QFETCH(QString, path);
    QString error;
    QVERIFY(!JsonPath::parse(path, &error).isValid());
    QVERIFY2(!error.isEmpty(), "an invalid path must say why");
}

void tst_JsonPath::assign()
{
    QJsonObject root{{QStringLiteral("keep"), 1}};
    QVERIFY(JsonPath::parse(QStringLiteral("a.b")).assign(root, QStringLiteral("v")));
    QCOMPARE(root.value(QStringLiteral("a")).toObject().value(QStringLiteral("b")).toString(),
             QStringLiteral("v"));
    QCOMPARE(root.value(QStringLiteral("keep")).toInt(), 1);
    QVERIFY(!JsonPath::parse(QStringLiteral("keep.x")).assign(root, 2));
    QVERIFY(!JsonPath::parse(QString()).assign(root, 2));
}

void tst_JsonPath::scalarText_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("an integral double has no decimals") << QJsonValue(12.0) << "12";
    QTest::newRow("a fraction keeps them") << QJsonValue(1.5) << "1.5";
    QTest::newRow("null is empty") << QJsonValue(QJsonValue::Null) << "";
    QTest::newRow("false") << QJsonValue(false) << "false";
    QTest::newRow("an object is compact JSON")
        << QJsonValue(QJsonObject{{QStringLiteral("a"), 1}}) << R"({"a":1})";
}

void tst_JsonPath::scalarText()
{
    QFETCH(QJsonValue, value);
    QFETCH(QString, expected);
    QCOMPARE(jsonScalarText(value), expected);
}

void tst_JsonPath::keys_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("onlyKeys");
    QTest::addColumn<QStringList>("keys");

    QTest::newRow("the document itself") << "" << true << QStringList{};
    QTest::newRow("the document itself, as $") << "$" << true << QStringList{};
    QTest::newRow("one key") << "events" << true << QStringList{"events"};
    QTest::newRow("nested keys") << "$.data.items" << true << QStringList{"data", "items"};
    QTest::newRow("a quoted key with a dot")
        << R"(meta["a.b"])" << true << QStringList{"meta", "a.b"};
    QTest::newRow("an index") << "items[0].id" << false << QStringList{};
    QTest::newRow("a number is an index") << "a.0" << false << QStringList{};
    QTest::newRow("an invalid path") << "a..b" << false << QStringList{};
}

void tst_JsonPath::keys()
{
    QFETCH(QString, path);
    QFETCH(bool, onlyKeys);
    QFETCH(QStringList, keys);
    const std::optional<QStringList> got = JsonPath::parse(path).keys();
    QCOMPARE(got.has_value(), onlyKeys);
    if (onlyKeys)
        QCOMPARE(*got, keys);
}

QTEST_GUILESS_MAIN(tst_JsonPath)
#include "tst_jsonpath.moc"
