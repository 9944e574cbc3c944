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
    void wildcards_data();
    void wildcards();
    void wildcardWithoutTextIsInNameOrder();
    void wildcardIsNoSingleValue();
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
    QTest::newRow("a wildcard") << "rooms.*.events" << false << QStringList{};
    QTest::newRow("a quoted star is a key") << R"(a["*"])" << true << QStringList{"a", "*"};
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

void tst_JsonPath::wildcards_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("json");
    // Each match as "key/key=value".
    QTest::addColumn<QStringList>("expected");

    // QJsonObject keeps members sorted by name: "!b" would come before "!z".
    QTest::newRow("members in document order, not by name")
        << "rooms.join.*.timeline.events"
        << QByteArray(R"({"rooms":{"join":{"!z":{"timeline":{"events":[1]}},)"
                      R"("!b":{"timeline":{"events":[2]}}}}})")
        << QStringList{"!z=[1]", "!b=[2]"};
    QTest::newRow("whitespace and nesting between members")
        << "a.*.v"
        << QByteArray(
               "{ \"a\" : {\n \"y\" : { \"v\" : [ {\"w\":\"}\"} ] } ,\n \"x\" : {\"v\":2} } }")
        << QStringList{"y=[{\"w\":\"}\"}]", "x=2"};
    QTest::newRow("every element of an array, by index")
        << "items[*].id" << QByteArray(R"({"items":[{"id":"p"},{"id":"q"},{"x":1}]})")
        << QStringList{"0=p", "1=q"};
    QTest::newRow("a star segment over an array")
        << "items.*" << QByteArray(R"({"items":[true,false]})") << QStringList{"0=true", "1=false"};
    QTest::newRow("two wildcards") << "*.*" << QByteArray(R"({"b":{"d":1,"c":2},"a":{"e":3}})")
                                   << QStringList{"b/d=1", "b/c=2", "a/e=3"};
    QTest::newRow("a key after a wildcard that some members lack")
        << "*.t" << QByteArray(R"({"b":{"t":1},"a":{},"c":{"t":null}})")
        << QStringList{"b=1", "c="};
    QTest::newRow("a repeated name stands first, with its last value")
        << "*" << QByteArray(R"({"b":1,"a":2,"b":3})") << QStringList{"b=3", "a=2"};
    QTest::newRow("an escaped name")
        << "*" << QByteArray(R"({"z":1,"\u0061\"q":2})") << QStringList{"z=1", "a\"q=2"};
    QTest::newRow("an index and a repeated key on the way")
        << "l[1].m.*" << QByteArray(R"({"l":[{"m":{"x":0}},{"m":{"s":1},"m":{"z":2,"y":3}}]})")
        << QStringList{"z=2", "y=3"};
    QTest::newRow("nothing there") << "a.*.b" << QByteArray(R"({"b":1})") << QStringList{};
    QTest::newRow("a wildcard on a number") << "a.*" << QByteArray(R"({"a":1})") << QStringList{};
    QTest::newRow("no wildcard: the one value")
        << "a.b" << QByteArray(R"({"a":{"b":5}})") << QStringList{"=5"};
}

void tst_JsonPath::wildcards()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, json);
    QFETCH(QStringList, expected);
    QString error;
    const JsonPath p = JsonPath::parse(path, &error);
    QVERIFY2(p.isValid(), qPrintable(error));
    QStringList got;
    for (const JsonPath::Match &match : p.resolveAll(parsed(json), json))
        got << match.wildcardKeys.join(QLatin1Char('/')) + QLatin1Char('=') +
                   jsonScalarText(match.value);
    QCOMPARE(got, expected);
}

void tst_JsonPath::wildcardWithoutTextIsInNameOrder()
{
    // Without the text (or with another text), QJsonObject's order: by name.
    const QByteArray json = R"({"b":1,"a":2})";
    const JsonPath p = JsonPath::parse(QStringLiteral("*"));
    QStringList got;
    for (const JsonPath::Match &match : p.resolveAll(parsed(json)))
        got << match.wildcardKeys.join(QLatin1Char('/'));
    QCOMPARE(got, (QStringList{"a", "b"}));
    got.clear();
    for (const JsonPath::Match &match : p.resolveAll(parsed(json), "{\"c\":1}"))
        got << match.wildcardKeys.join(QLatin1Char('/'));
    QCOMPARE(got, (QStringList{"a", "b"}));
    const QList<JsonPath::Match> matches = p.resolveAll(parsed(R"({"x":[1]})"));
    QCOMPARE(matches.size(), 1);
    QCOMPARE(matches.first().isMemberName, QList<bool>{true});
    QCOMPARE(JsonPath::parse(QStringLiteral("[*]")).resolveAll(parsed("[7]")).first().isMemberName,
             QList<bool>{false});
}

void tst_JsonPath::wildcardIsNoSingleValue()
{
    const JsonPath p = JsonPath::parse(QStringLiteral("a.*"));
    QVERIFY(p.isValid());
    QVERIFY(p.hasWildcard());
    QVERIFY(!JsonPath::parse(QStringLiteral(R"(a["*"])")).hasWildcard());
    QVERIFY(p.resolve(parsed(R"({"a":{"b":1}})")).isUndefined());
    QJsonObject root;
    QVERIFY(!p.assign(root, 1));
    QVERIFY(!p.arrayElementSpans(R"({"a":{"b":[1]}})").has_value());
    // A quoted star is a key like any other.
    QCOMPARE(jsonScalarText(JsonPath::parse(QStringLiteral(R"(a["*"])"))
                                .resolve(parsed(R"({"a":{"*":"star","b":1}})"))),
             QStringLiteral("star"));
}

QTEST_GUILESS_MAIN(tst_JsonPath)
#include "tst_jsonpath.moc"
