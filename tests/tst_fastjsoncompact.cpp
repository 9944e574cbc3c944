// FastJsonScanner::compact() against what it stands in for,
// QJsonDocument::fromJson() then toJson(Compact): where it accepts a
// document, the bytes must be exactly Qt's; where it declines, the caller
// goes Qt's way, so declining is always allowed but must not be the rule
// for ordinary messages.

#include "fastjsonscanner.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace Longwatch;

namespace {

/// Qt's compact form of `json`, or a null array if Qt refuses it.
QByteArray qtCompact(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return {};
    return document.toJson(QJsonDocument::Compact);
}

/// Empty if compact() agrees with Qt on `json` (or declines it), else why not.
QString disagreement(const QByteArray &json)
{
    QByteArray fast = "untouched";
    if (!FastJsonScanner::compact(json, &fast)) {
        if (fast != "untouched")
            return QStringLiteral("declined, but wrote into its output");
        return {};
    }
    const QByteArray qt = qtCompact(json);
    if (qt.isNull())
        return QStringLiteral("accepted what Qt refuses: ") + QString::fromUtf8(json.toHex(' '));
    if (fast != qt)
        return QStringLiteral("wrote %1, Qt %2 (input %3)")
            .arg(QString::fromUtf8(fast.toHex(' ')), QString::fromUtf8(qt.toHex(' ')),
                 QString::fromUtf8(json.toHex(' ')));
    return {};
}

} // namespace

class tst_FastJsonCompact : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameAsQt_data();
    void sameAsQt();
    void ordinaryMessagesAreNotDeclined_data();
    void ordinaryMessagesAreNotDeclined();
    void fuzzCorporaAgree();
    void mutationsAgree();
};

void tst_FastJsonCompact::sameAsQt_data()
{
    QTest::addColumn<QByteArray>("json");
    const char *const cases[] = {
        R"({})",
        R"([])",
        R"({"b":1,"a":2})",
        R"({"type":"bench","message":"event 1 with a few words"})",
        " \t\r\n{ \"z\" : [ 1 , 2 , { \"y\" : null , \"x\" : true } ] , \"a\" : false } \n",
        R"({"B":1,"a":2,"_":3,"A":4,"aa":5,"a_":6,"":7})",
        R"({"a":{"d":{"f":1,"e":2},"c":[{"h":1,"g":2}]},"b":[]})",
        R"(["\"","\\","\/","\b","\f","\n","\r","\t"])",
        R"(["\u0041","\u00e9","\u00E9","\u20ac","\u001f","\u001F","\u0008","\u000a","\u007f"])",
        R"(["\u0022","\u005c","\u002f","\uffff","\ufffe","\ufdd0","\ufeff","\ud83d\ude00"])",
        "[\"caf\xc3\xa9\",\"\xe2\x82\xac\",\"\xf0\x9f\x98\x80\",\"\x7f\"]",
        R"([0,-0,1,-1,123456789012345678,-123456789012345678,1234567890123456789])",
        R"([1.0,1.5,-0.0,1e2,1E-2,0.1,3.141592653589793,1e308,1e400])",
        R"([true,false,null,[[[]]],{"a":{}}])",
        R"({"a":1,"a":2})",
        R"({"a\u0062":1,"ab":2})",
        "{\"\xc3\xa9\":1,\"e\":2}",
        R"({"a":1,})",
        R"([1,])",
        R"([01])",
        R"(["a)",
        "[\"tab\there\"]",
        R"("just a string")",
        R"(42)",
        R"({"a":1}{"b":2})",
        "\xef\xbb\xbf{}",
        "\v{}",
        R"(["\x"])",
        R"(["\u00"])",
        R"(["\u0000"])",
        "[\"\xff\"]",
    };
    for (const char *json : cases)
        QTest::newRow(json) << QByteArray(json);
}

void tst_FastJsonCompact::sameAsQt()
{
    QFETCH(QByteArray, json);
    const QString why = disagreement(json);
    QVERIFY2(why.isEmpty(), qPrintable(why));
}

void tst_FastJsonCompact::ordinaryMessagesAreNotDeclined_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("flat, keys out of order")
        << QByteArray(R"({"type":"bench","message":"event 1 with a few words"})");
    QTest::newRow("nested, with spaces")
        << QByteArray(R"({ "job": {"id": 7, "tags": ["a", "b"]}, "ok": true, "n": null })");
    QTest::newRow("escapes and unicode")
        << QByteArray(R"({"text":"line\nnext \"quoted\" caf\u00e9 \/ \u20ac","emoji":"😀"})");
    QTest::newRow("an array at the top") << QByteArray(R"([{"b":1,"a":-2},[],{}])");
}

void tst_FastJsonCompact::ordinaryMessagesAreNotDeclined()
{
    QFETCH(QByteArray, json);
    QByteArray fast;
    QVERIFY(FastJsonScanner::compact(json, &fast));
    QCOMPARE(fast, qtCompact(json));
}

void tst_FastJsonCompact::fuzzCorporaAgree()
{
    // The seed corpora of the JSON fuzzers (tests/fuzz/corpus): answers and
    // messages of every shape the fuzzers start from, each whole and
    // without the fuzzer's leading option byte.
    int files = 0;
    for (const char *name : {"fastjson", "profiles", "jsonpath", "streamprofiles"}) {
        const QString dir =
            QStringLiteral(LONGWATCH_SOURCE_DIR "/tests/fuzz/corpus/") + QString::fromLatin1(name);
        QDirIterator it(dir, QDir::Files);
        while (it.hasNext()) {
            QFile file(it.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            ++files;
            for (const QByteArray &json : {bytes, bytes.mid(1)}) {
                const QString why = disagreement(json);
                QVERIFY2(why.isEmpty(), qPrintable(file.fileName() + QStringLiteral(": ") + why));
            }
        }
    }
    QVERIFY(files > 20);
}

void tst_FastJsonCompact::mutationsAgree()
{
    // Ordinary messages with bytes changed, inserted and removed at random
    // (a fixed seed): most become invalid, some odd but valid.
    const QByteArray seeds[] = {
        R"({"type":"bench","message":"event 1 with a few words","n":-12,"f":[1,2.5,true]})",
        R"({"b":{"y":"\u00e9\n\"","x":[null,{"q":"\/"}]},"a":"caf\u00e9 \u20ac","c":0})",
        R"([{"id":1,"t":"x"},{"t":"y","id":2},"s\\t",-0,1e3])",
    };
    const QByteArray alphabet =
        QByteArrayLiteral("{}[]\",:\\/ u0aAeE.-+19tfnrl\t\n\x7f\xc3\xa9\xe2");
    QRandomGenerator random(23);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        QByteArray json = seeds[round % std::size(seeds)];
        const int changes = 1 + int(random.bounded(3));
        for (int i = 0; i < changes; ++i) {
            const qsizetype at = random.bounded(json.size());
            const char c = alphabet.at(random.bounded(alphabet.size()));
            switch (random.bounded(3)) {
            case 0:
                json[at] = c;
                break;
            case 1:
                json.insert(at, c);
                break;
            default:
                json.remove(at, 1);
                break;
            }
        }
        const QString why = disagreement(json);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QByteArray out;
        accepted += FastJsonScanner::compact(json, &out) ? 1 : 0;
    }
    // Enough of them stay valid for the comparison to mean something.
    QVERIFY2(accepted > 500, qPrintable(QString::number(accepted)));
}

QTEST_GUILESS_MAIN(tst_FastJsonCompact)
#include "tst_fastjsoncompact.moc"
