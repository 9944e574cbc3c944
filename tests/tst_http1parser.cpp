#include "http1parser.h"

#include <QTest>

using namespace Longwatch;

Q_DECLARE_METATYPE(Http1Parser::Step)

namespace {

struct Parsed
{
    Http1Parser::Step step = Http1Parser::Step::NeedMore;
    int status = 0;
    QByteArray body;
    bool keepAlive = false;
    QByteArray rest;
    QString error;
    QByteArray contentType;
    int headersSteps = 0;
};

/// Feeds `wire` in pieces of `piece` bytes (0: all at once), as TCP may cut
/// it; then, if the response is not over, tells the parser the connection
/// closed.
Parsed parse(const QByteArray &wire, bool head, qsizetype piece)
{
    Http1Parser parser(head);
    Parsed parsed;
    QByteArray input;
    const qsizetype step = piece > 0 ? piece : std::max<qsizetype>(1, wire.size());
    for (qsizetype i = 0; i < wire.size(); i += step) {
        input += wire.mid(i, step);
        while ((parsed.step = parser.parse(input, parsed.body)) == Http1Parser::Step::Headers)
            ++parsed.headersSteps;
        if (parsed.step != Http1Parser::Step::NeedMore)
            break;
    }
    if (parsed.step == Http1Parser::Step::NeedMore)
        parsed.step = parser.closed();
    parsed.status = parser.statusCode();
    parsed.keepAlive = parser.keepAlive();
    parsed.rest = input;
    parsed.error = parser.errorString();
    parsed.contentType = parser.header("content-type");
    return parsed;
}

} // namespace

class tst_Http1Parser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void response_data();
    void response();
    void headersOverTheLimitFailWithoutWaitingForTheirEnd();
    void theClosedConnectionEndsOnlyAnOpenEndedBody();
    void aBodyThatFillsTheInputIsHandedOverUncopied();
};

void tst_Http1Parser::response_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("head");
    QTest::addColumn<Http1Parser::Step>("step");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("rest");
    QTest::addColumn<QString>("error");

    using Step = Http1Parser::Step;
    QTest::newRow("a Content-Length body is read to its length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      "7\r\n\r\n{\"a\":1}")
        << false << Step::Done << 200 << QByteArray("{\"a\":1}") << true << QByteArray()
        << QString();
    QTest::newRow("a chunked body is joined, its extensions and trailers skipped")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n")
        << false << Step::Done << 200 << QByteArray("abc0123456789") << true << QByteArray()
        << QString();
    QTest::newRow("a body without a length runs until the close and ends the connection")
        << QByteArray("HTTP/1.1 200 OK\r\n\r\nuntil the end") << false << Step::Done << 200
        << QByteArray("until the end") << false << QByteArray() << QString();
    QTest::newRow("an interim 100 Continue is skipped")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: "
                      "2\r\n\r\nok")
        << false << Step::Done << 201 << QByteArray("ok") << true << QByteArray() << QString();
    QTest::newRow("204 has no body whatever it announces")
        << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n") << false
        << Step::Done << 204 << QByteArray() << true << QByteArray() << QString();
    QTest::newRow("304 has no body")
        << QByteArray("HTTP/1.1 304 Not Modified\r\n\r\n") << false << Step::Done << 304
        << QByteArray() << true << QByteArray() << QString();
    QTest::newRow("the answer to HEAD has no body")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n") << true << Step::Done << 200
        << QByteArray() << true << QByteArray() << QString();
    QTest::newRow("HTTP/1.0 ends the connection unless it says keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") << false << Step::Done
        << 200 << QByteArray("ok") << false << QByteArray() << QString();
    QTest::newRow("HTTP/1.0 with keep-alive keeps the connection")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: "
                      "2\r\n\r\nok")
        << false << Step::Done << 200 << QByteArray("ok") << true << QByteArray() << QString();
    QTest::newRow("Connection: close ends the connection")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: "
                      "2\r\n\r\nok")
        << false << Step::Done << 200 << QByteArray("ok") << false << QByteArray() << QString();
    QTest::newRow("bytes after a complete answer are left for the next")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200") << false
        << Step::Done << 200 << QByteArray("ok") << true << QByteArray("HTTP/1.1 200") << QString();
    QTest::newRow("bare LF line ends and a folded header line are read")
        << QByteArray("HTTP/1.1 200 OK\nX-Long: one\n  two\nContent-Length: 2\n\nok") << false
        << Step::Done << 200 << QByteArray("ok") << true << QByteArray() << QString();
    QTest::newRow("a status line without a reason phrase is read")
        << QByteArray("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n") << false << Step::Done << 200
        << QByteArray() << true << QByteArray() << QString();
    QTest::newRow("equal repeated Content-Length values are one")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok")
        << false << Step::Done << 200 << QByteArray("ok") << true << QByteArray() << QString();
    QTest::newRow("Transfer-Encoding beats Content-Length, and the connection is not reused")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: "
                      "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        << false << Step::Done << 200 << QByteArray("ok") << false << QByteArray() << QString();

    QTest::newRow("conflicting Content-Length values fail")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")
        << false << Step::Failed << 200 << QByteArray() << false << QByteArray()
        << QString("conflicting Content-Length");
    QTest::newRow("a Content-Length that is not a number fails")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") << false << Step::Failed
        << 200 << QByteArray() << false << QByteArray() << QString("Content-Length");
    QTest::newRow("a chunk size that is not hexadecimal fails")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << false
        << Step::Failed << 200 << QByteArray() << false << QByteArray() << QString("chunk size");
    QTest::newRow("a chunk size past 15 hexadecimal digits fails")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n")
        << false << Step::Failed << 200 << QByteArray() << false << QByteArray()
        << QString("chunk size");
    QTest::newRow("a chunk that runs past its size fails")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n")
        << false << Step::Failed << 200 << QByteArray("ok") << false << QByteArray()
        << QString("longer than its size");
    QTest::newRow("bytes that are not HTTP fail at once")
        << QByteArray("\x16\x03\x01 not http at all\r\n\r\n") << false << Step::Failed << 0
        << QByteArray() << false << QByteArray() << QString("no HTTP/1.x status line");
    QTest::newRow("HTTP/2's preface is not HTTP/1.x")
        << QByteArray("HTTP/2 200\r\n\r\n") << false << Step::Failed << 0 << QByteArray() << false
        << QByteArray() << QString("no HTTP/1.x status line");
    QTest::newRow("a status code that is not three digits fails")
        << QByteArray("HTTP/1.1 20x OK\r\n\r\n") << false << Step::Failed << 0 << QByteArray()
        << false << QByteArray() << QString("status code");
    QTest::newRow("a switch of protocols nobody asked for fails")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n") << false
        << Step::Failed << 101 << QByteArray() << false << QByteArray()
        << QString("switch of protocols");
    QTest::newRow("a header line without a colon fails")
        << QByteArray("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n") << false << Step::Failed << 200
        << QByteArray() << false << QByteArray() << QString("without a name");
    QTest::newRow("a body cut short by the close fails")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") << false << Step::Failed
        << 200 << QByteArray("abc") << false << QByteArray()
        << QString("in the middle of the answer");
    QTest::newRow("a close before any answer fails")
        << QByteArray() << false << Step::Failed << 0 << QByteArray() << false << QByteArray()
        << QString("before the answer");
}

void tst_Http1Parser::response()
{
    QFETCH(QByteArray, wire);
    QFETCH(bool, head);
    QFETCH(Http1Parser::Step, step);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, rest);
    QFETCH(QString, error);

    // All at once, byte by byte, and in pieces of 7: the same result.
    for (const qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(7)}) {
        const Parsed parsed = parse(wire, head, piece);
        const QByteArray where = "in pieces of " + QByteArray::number(piece);
        QVERIFY2(parsed.step == step, where.constData());
        QVERIFY2(parsed.status == status, where.constData());
        QVERIFY2(parsed.body == body, (where + ": " + parsed.body).constData());
        QVERIFY2(parsed.keepAlive == keepAlive, where.constData());
        if (step == Http1Parser::Step::Done) {
            QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
            QVERIFY2(parsed.headersSteps == 1, where.constData());
            // Only the whole feed leaves the next answer's bytes unread;
            // pieces stop at the end of this one.
            if (piece == 0)
                QCOMPARE(parsed.rest, rest);
            else
                QVERIFY(rest.startsWith(parsed.rest));
        } else {
            QVERIFY2(parsed.error.contains(error), qPrintable(parsed.error));
        }
    }
}

void tst_Http1Parser::headersOverTheLimitFailWithoutWaitingForTheirEnd()
{
    // A server that sends header lines forever must not grow memory forever.
    Http1Parser parser;
    QByteArray input = "HTTP/1.1 200 OK\r\n";
    QByteArray body;
    Http1Parser::Step step = parser.parse(input, body);
    const QByteArray line = "X-Filler: " + QByteArray(1000, 'x') + "\r\n";
    qint64 sent = 0;
    while (step == Http1Parser::Step::NeedMore && sent < 4 * Http1Parser::kMaxHeaderBytes) {
        input += line;
        sent += line.size();
        step = parser.parse(input, body);
    }
    QCOMPARE(step, Http1Parser::Step::Failed);
    QVERIFY(sent <= Http1Parser::kMaxHeaderBytes + line.size());
    QVERIFY(parser.errorString().contains(QLatin1String("1 MiB")));

    // One endless line, too.
    Http1Parser endless;
    QByteArray noEnd = "HTTP/1.1 200 OK\r\nX-Endless: " + QByteArray(2 << 20, 'x');
    QCOMPARE(endless.parse(noEnd, body), Http1Parser::Step::Failed);
}

void tst_Http1Parser::theClosedConnectionEndsOnlyAnOpenEndedBody()
{
    Http1Parser parser;
    QByteArray input = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart";
    QByteArray body;
    QCOMPARE(parser.parse(input, body), Http1Parser::Step::Headers);
    QCOMPARE(parser.header("CONTENT-TYPE"), QByteArray("text/plain"));
    QCOMPARE(parser.contentLength(), -1);
    QCOMPARE(parser.parse(input, body), Http1Parser::Step::NeedMore);
    QCOMPARE(body, QByteArray("part"));
    QVERIFY(!parser.isDone());
    QCOMPARE(parser.closed(), Http1Parser::Step::Done);
    QVERIFY(parser.isDone());
    QVERIFY(!parser.keepAlive());
}

void tst_Http1Parser::aBodyThatFillsTheInputIsHandedOverUncopied()
{
    // The usual answer: its body comes in one read with the headers. The
    // bytes become the body as they are, rather than a copy (a 100-event
    // answer is ~11 KB).
    Http1Parser parser;
    const QByteArray payload(10'000, 'e');
    QByteArray input = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + payload;
    QByteArray body;
    QCOMPARE(parser.parse(input, body), Http1Parser::Step::Headers);
    const char *bytes = input.constData();
    QCOMPARE(parser.parse(input, body), Http1Parser::Step::Done);
    QCOMPARE(body, payload);
    QCOMPARE(body.constData(), bytes);
    QVERIFY(input.isEmpty());
    QVERIFY(parser.keepAlive());

    // Not when there is body already, or the next answer's bytes follow.
    Http1Parser second;
    input = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbodyHTTP/1.1";
    body.clear();
    QCOMPARE(second.parse(input, body), Http1Parser::Step::Headers);
    QCOMPARE(second.parse(input, body), Http1Parser::Step::Done);
    QCOMPARE(body, QByteArray("body"));
    QCOMPARE(input, QByteArray("HTTP/1.1"));
}

QTEST_APPLESS_MAIN(tst_Http1Parser)
#include "tst_http1parser.moc"
