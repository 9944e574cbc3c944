// JsonStreamSplitter (lib/feeds/jsonstreamsplitter): NDJSON lines and RFC
// 7464 JSON text sequences split into records read by read, at every split
// of the input; heartbeat lines; the end of a stream; the record cap.

#include "jsonstreamsplitter.h"

#include <QTest>

using namespace Longwatch;

namespace {

/// The records of `input` fed in two pieces cut at `cut`, then finished.
QList<QByteArray> split(QByteArrayView input, qsizetype cut, qint64 *heartbeats = nullptr)
{
    JsonStreamSplitter splitter;
    QList<QByteArray> records = splitter.feed(input.first(cut));
    records += splitter.feed(input.sliced(cut));
    records += splitter.finish();
    if (heartbeats)
        *heartbeats = splitter.heartbeats();
    return records;
}

} // namespace

class tst_JsonStreamSplitter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recordsAreTheSameForEverySplit_data();
    void recordsAreTheSameForEverySplit();
    void aReadReturnsOnlyTheRecordsItCompleted();
    void aRecordOverTheCapStopsTheSplitter();
    void resetStartsANewStream();
};

void tst_JsonStreamSplitter::recordsAreTheSameForEverySplit_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QList<QByteArray>>("records");
    QTest::addColumn<qint64>("heartbeats");
    QTest::newRow("NDJSON lines end at LF")
        << QByteArray("{\"a\":1}\n[2]\n") << QList<QByteArray>{"{\"a\":1}", "[2]"} << qint64(0);
    QTest::newRow("CRLF line ends are whitespace")
        << QByteArray("{\"a\":1}\r\n3\r\n") << QList<QByteArray>{"{\"a\":1}", "3"} << qint64(0);
    QTest::newRow("empty lines are heartbeats, not records")
        << QByteArray("\n\n{}\n \n\r\n") << QList<QByteArray>{"{}"} << qint64(4);
    QTest::newRow("the last line may end without LF")
        << QByteArray("1\n2") << QList<QByteArray>{"1", "2"} << qint64(0);
    QTest::newRow("RFC 7464: RS before each text, LF after")
        << QByteArray("\x1E{\"a\":1}\n\x1E"
                      "2\n")
        << QList<QByteArray>{"{\"a\":1}", "2"} << qint64(0);
    QTest::newRow("RFC 7464: an RS ends a text without LF")
        << QByteArray("\x1E"
                      "1\x1E"
                      "2\n")
        << QList<QByteArray>{"1", "2"} << qint64(0);
    QTest::newRow("an LF inside a JSON string cannot occur; a line is a record")
        << QByteArray("{\"a\":\n1}\n") << QList<QByteArray>{"{\"a\":", "1}"} << qint64(0);
    QTest::newRow("only whitespace") << QByteArray(" \t\n") << QList<QByteArray>{} << qint64(1);
}

void tst_JsonStreamSplitter::recordsAreTheSameForEverySplit()
{
    QFETCH(QByteArray, input);
    QFETCH(QList<QByteArray>, records);
    QFETCH(qint64, heartbeats);
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        qint64 seen = 0;
        QCOMPARE(split(input, cut, &seen), records);
        QCOMPARE(seen, heartbeats);
    }
}

void tst_JsonStreamSplitter::aReadReturnsOnlyTheRecordsItCompleted()
{
    JsonStreamSplitter splitter;
    QCOMPARE(splitter.feed("{\"id\":1}\n{\"id\""), QList<QByteArray>{"{\"id\":1}"});
    QCOMPARE(splitter.pendingBytes(), 5);
    QCOMPARE(splitter.feed(":2"), QList<QByteArray>{});
    QCOMPARE(splitter.feed("}\n"), QList<QByteArray>{"{\"id\":2}"});
    QCOMPARE(splitter.pendingBytes(), 0);
}

void tst_JsonStreamSplitter::aRecordOverTheCapStopsTheSplitter()
{
    JsonStreamSplitter splitter(8);
    QCOMPARE(splitter.feed("12345678\n"), QList<QByteArray>{"12345678"});
    QVERIFY(!splitter.hasError());
    // Nine bytes without a line end: over the cap before the end arrives.
    QCOMPARE(splitter.feed("1234"), QList<QByteArray>{});
    QCOMPARE(splitter.feed("56789"), QList<QByteArray>{});
    QVERIFY(splitter.hasError());
    QVERIFY(splitter.errorString().contains("8 bytes"));
    QCOMPARE(splitter.feed("\n1\n"), QList<QByteArray>{});
    QCOMPARE(splitter.pendingBytes(), 0);
}

void tst_JsonStreamSplitter::resetStartsANewStream()
{
    JsonStreamSplitter splitter(4);
    splitter.feed("123456");
    QVERIFY(splitter.hasError());
    splitter.reset();
    QVERIFY(!splitter.hasError());
    QCOMPARE(splitter.feed("{\"a\n1\n"), (QList<QByteArray>{"{\"a", "1"}));
}

QTEST_GUILESS_MAIN(tst_JsonStreamSplitter)
#include "tst_jsonstreamsplitter.moc"
