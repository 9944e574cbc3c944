// The Server-Sent Events parser (lib/feeds/sseparser): every rule of the
// WHATWG HTML spec's "Parsing an event stream" and "Interpreting an event
// stream" (html.spec.whatwg.org/multipage/server-sent-events.html), with the
// spec's own examples, each fed whole, byte by byte and split at every
// position; and the limits that keep a server from growing memory.

#include "sseparser.h"

#include <QTest>

#include <chrono>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

/// An event as one line, so that a failed comparison shows what differs.
QString describe(const SseEvent &event)
{
    QString data = event.data;
    data.replace(QLatin1Char('\n'), QLatin1String("\\n"));
    return event.type + QLatin1String(" [") + data + QLatin1String("] id=") + event.lastEventId;
}

/// What a parser made of a stream: its events and its state after them.
struct Outcome
{
    QStringList events;
    QString lastEventId;
    qint64 comments = 0;
    qint64 retryMs = -1; ///< -1: no reconnection time
    bool error = false;

    friend bool operator==(const Outcome &, const Outcome &) = default;
};

QString toString(const Outcome &outcome)
{
    return QLatin1String("events: (") + outcome.events.join(QLatin1String(", ")) +
           QLatin1String(") last id: ") + outcome.lastEventId + QLatin1String(" comments: ") +
           QString::number(outcome.comments) + QLatin1String(" retry: ") +
           QString::number(outcome.retryMs) + QLatin1String(" error: ") +
           QString::number(outcome.error);
}

/// Feeds `input` in the pieces that end at `cuts` (ascending offsets), then
/// ends the stream.
Outcome parse(QByteArrayView input, const QList<qsizetype> &cuts = {},
              qsizetype maxLine = SseParser::kDefaultMaxLineBytes,
              qsizetype maxEvent = SseParser::kDefaultMaxEventBytes)
{
    SseParser parser(maxLine, maxEvent);
    Outcome outcome;
    qsizetype from = 0;
    QList<qsizetype> ends = cuts;
    ends.append(input.size());
    for (const qsizetype end : ends) {
        for (const SseEvent &event : parser.feed(input.sliced(from, end - from)))
            outcome.events.append(describe(event));
        from = end;
    }
    parser.finish();
    outcome.lastEventId = parser.lastEventId();
    outcome.comments = parser.comments();
    outcome.retryMs = parser.reconnectionTime() ? parser.reconnectionTime()->count() : -1;
    outcome.error = parser.hasError();
    return outcome;
}

/// The outcome of `input` fed whole, after checking that it is the same
/// fed byte by byte and split in two at every position.
Outcome parseEverySplit(QByteArrayView input, qsizetype maxLine = SseParser::kDefaultMaxLineBytes,
                        qsizetype maxEvent = SseParser::kDefaultMaxEventBytes)
{
    const Outcome whole = parse(input, {}, maxLine, maxEvent);
    QList<qsizetype> everyByte;
    for (qsizetype i = 1; i < input.size(); ++i)
        everyByte.append(i);
    const Outcome byteByByte = parse(input, everyByte, maxLine, maxEvent);
    if (!(byteByByte == whole))
        qWarning("byte by byte: %s\nwhole: %s", qPrintable(toString(byteByByte)),
                 qPrintable(toString(whole)));
    for (qsizetype i = 1; i < input.size(); ++i) {
        const Outcome split = parse(input, {i}, maxLine, maxEvent);
        if (!(split == whole)) {
            qWarning("split at %lld: %s\nwhole: %s", static_cast<long long>(i),
                     qPrintable(toString(split)), qPrintable(toString(whole)));
            return Outcome{{QStringLiteral("differs when split")}, {}, -1, -1, true};
        }
    }
    if (!(byteByByte == whole))
        return Outcome{{QStringLiteral("differs byte by byte")}, {}, -1, -1, true};
    return whole;
}

QString message(const char *data, const char *id = "")
{
    return describe(
        SseEvent{QStringLiteral("message"), QString::fromUtf8(data), QString::fromUtf8(id)});
}

} // namespace

class tst_SseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stream_data();
    void stream();
    void lastEventIdPersistsAcrossEventsAndStreams();
    void finishDiscardsTheIncompleteEventAndStartsANewStream();
    void aLineLongerThanTheLimitIsAnError();
    void eventDataBeyondTheLimitIsAnError();
    void aServerThatNeverSendsANewlineIsStoppedAtTheDefaultLimit();
    void feedReturnsTheEventsOfEachRead();
};

void tst_SseParser::stream_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("events");
    QTest::addColumn<QString>("lastEventId");
    QTest::addColumn<int>("comments");
    QTest::addColumn<int>("retryMs"); // -1: none

    const QString none;
    using B = QByteArray;

    // The spec's examples.
    QTest::newRow("spec: the stock ticker's three data lines are one event")
        << B("data: YHOO\ndata: +2\ndata: 10\n\n") << QStringList{message("YHOO\n+2\n10")} << none
        << 0 << -1;
    QTest::newRow("spec: comment, id, an empty id, a value with a second space")
        << B(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
             "data:  third event\n\n")
        << QStringList{message("first event", "1"), message("second event"),
                       message(" third event")}
        << none << 1 << -1;
    QTest::newRow("spec: data, data data, and a last block without a blank line: two events")
        << B("data\n\ndata\ndata\n\ndata:") << QStringList{message(""), message("\n")} << none << 0
        << -1;
    QTest::newRow("spec: one leading space is removed, so both events are 'test'")
        << B("data:test\n\ndata: test\n\n") << QStringList{message("test"), message("test")} << none
        << 0 << -1;
    QTest::newRow("spec: the event field names the type")
        << B("event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: "
             "113411\n\n")
        << QStringList{QStringLiteral("add [73857293] id="), QStringLiteral("remove [2153] id="),
                       QStringLiteral("add [113411] id=")}
        << none << 0 << -1;
    QTest::newRow("spec: messages of one and two lines")
        << B("data: This is the first message.\n\ndata: This is the second message, it\n"
             "data: has two lines.\n\ndata: This is the third message.\n\n")
        << QStringList{message("This is the first message."),
                       message("This is the second message, it\nhas two lines."),
                       message("This is the third message.")}
        << none << 0 << -1;

    // The byte order mark.
    QTest::newRow("a leading BOM is skipped") << B("\xEF\xBB\xBF"
                                                   "data: a\n\n")
                                              << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("a second BOM is part of the field name, which is then unknown")
        << B("\xEF\xBB\xBF\xEF\xBB\xBF"
             "data: a\n\ndata: b\n\n")
        << QStringList{message("b")} << none << 0 << -1;
    QTest::newRow("a BOM later in the stream is not skipped")
        << B("data: a\n\n\xEF\xBB\xBF"
             "data: b\n\n")
        << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("a BOM's first two bytes are text (a field nobody knows)")
        << B("\xEF\xBB"
             "data: a\n\ndata: b\n\n")
        << QStringList{message("b")} << none << 0 << -1;
    QTest::newRow("a stream that starts with a blank line after a BOM's first byte")
        << B("\xEF\n\ndata: a\n\n") << QStringList{message("a")} << none << 0 << -1;

    // Line ends.
    QTest::newRow("lines end at CR")
        << B("data: a\rdata: b\r\r") << QStringList{message("a\nb")} << none << 0 << -1;
    QTest::newRow("lines end at CRLF")
        << B("data: a\r\ndata: b\r\n\r\n") << QStringList{message("a\nb")} << none << 0 << -1;
    QTest::newRow("lines end at LF, CR and CRLF mixed")
        << B("data: a\ndata: b\rdata: c\r\n\ndata: d\r\r\n")
        << QStringList{message("a\nb\nc"), message("d")} << none << 0 << -1;
    QTest::newRow("LF then CR is two line ends, so an event")
        << B("data: a\n\rdata: b\n\n") << QStringList{message("a"), message("b")} << none << 0
        << -1;
    QTest::newRow("CR CR LF is a line end and a blank line")
        << B("data: a\r\r\ndata: b\n\n") << QStringList{message("a"), message("b")} << none << 0
        << -1;

    // Comments.
    QTest::newRow("comments are counted and are no event")
        << B(": heartbeat\n:\n:another\n") << QStringList{} << none << 3 << -1;
    QTest::newRow("a comment inside an event does not end it")
        << B("data: a\n: ping\ndata: b\n\n") << QStringList{message("a\nb")} << none << 1 << -1;
    QTest::newRow("a space before the colon makes no comment")
        << B(" : x\ndata: a\n\n") << QStringList{message("a")} << none << 0 << -1;

    // Fields and values.
    QTest::newRow("only one leading space is removed")
        << B("data:  two\n\n") << QStringList{message(" two")} << none << 0 << -1;
    QTest::newRow("a tab is kept")
        << B("data:\tx\n\n") << QStringList{message("\tx")} << none << 0 << -1;
    QTest::newRow("a value keeps its further colons")
        << B("data: a: b:c\n\n") << QStringList{message("a: b:c")} << none << 0 << -1;
    QTest::newRow("a line without a colon is the field with an empty value")
        << B("data\ndata\n\n") << QStringList{message("\n")} << none << 0 << -1;
    QTest::newRow("trailing spaces are part of the value")
        << B("data: a  \n\n") << QStringList{message("a  ")} << none << 0 << -1;
    QTest::newRow("a final LF is removed only once")
        << B("data: a\ndata\n\n") << QStringList{message("a\n")} << none << 0 << -1;
    QTest::newRow("field names are case-sensitive")
        << B("Data: a\nDATA: b\ndata: c\n\n") << QStringList{message("c")} << none << 0 << -1;
    QTest::newRow("unknown fields are ignored") << B("foo: bar\ndata: a\nevents: x\nretries: 5\n\n")
                                                << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("UTF-8 in data, event and id")
        << B("event: \xC3\xA9v\ndata: \xE2\x82\xAC \xF0\x9F\x98\x80\nid: \xC3\xBC\n\n")
        << QStringList{QString::fromUtf8("\xC3\xA9v [\xE2\x82\xAC \xF0\x9F\x98\x80] id=\xC3\xBC")}
        << QString::fromUtf8("\xC3\xBC") << 0 << -1;
    QTest::newRow("invalid UTF-8 becomes U+FFFD")
        << B("data: a\xFF"
             "b\n\n")
        << QStringList{QString(QLatin1String("message [a") + QChar(0xFFFD) +
                               QLatin1String("b] id="))}
        << none << 0 << -1;

    QTest::newRow("a truncated UTF-8 sequence is one U+FFFD (Encoding Standard)")
        << B("data: \xE2\x82x\xF0\x9F\x98\n\n")
        << QStringList{QString(QLatin1String("message [") + QChar(0xFFFD) + QLatin1String("x") +
                               QChar(0xFFFD) + QLatin1String("] id="))}
        << none << 0 << -1;
    QTest::newRow("overlongs, surrogates and code points beyond U+10FFFF are one U+FFFD a byte")
        << B("data: \xF0\x80\x80\xC0\xAF\xED\xA0\x80\xF4\x90\n\n")
        << QStringList{QString(QLatin1String("message [") + QString(10, QChar(0xFFFD)) +
                               QLatin1String("] id="))}
        << none << 0 << -1;

    // Event type and dispatch.
    QTest::newRow("no event field: the type is message")
        << B("data: a\n\n") << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("an empty event field: the type is message")
        << B("event\ndata: a\n\n") << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("the last event field wins")
        << B("event: one\nevent: two\ndata: a\n\n") << QStringList{QStringLiteral("two [a] id=")}
        << none << 0 << -1;
    QTest::newRow("an event without data dispatches nothing and resets the type")
        << B("event: foo\n\ndata: a\n\n") << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("the type does not carry into the next event")
        << B("event: foo\ndata: a\n\ndata: b\n\n")
        << QStringList{QStringLiteral("foo [a] id="), message("b")} << none << 0 << -1;
    QTest::newRow("blank lines alone dispatch nothing")
        << B("\n\n\r\n\r") << QStringList{} << none << 0 << -1;

    // id.
    QTest::newRow("id is the event's and stays for the next")
        << B("id: 7\ndata: a\n\ndata: b\n\n") << QStringList{message("a", "7"), message("b", "7")}
        << QStringLiteral("7") << 0 << -1;
    QTest::newRow("id after data in the same block counts for the event")
        << B("data: a\nid: 8\n\n") << QStringList{message("a", "8")} << QStringLiteral("8") << 0
        << -1;
    QTest::newRow("an empty id resets it")
        << B("id: 7\ndata: a\n\nid\ndata: b\n\n") << QStringList{message("a", "7"), message("b")}
        << none << 0 << -1;
    QTest::newRow("id with a NUL is ignored")
        << (B("id: 1\ndata: a\n\nid: 2") + '\0' + B("x\ndata: b\n\n"))
        << QStringList{message("a", "1"), message("b", "1")} << QStringLiteral("1") << 0 << -1;
    QTest::newRow("id in a block without data still sets the last event ID")
        << B("id: 5\n\n") << QStringList{} << QStringLiteral("5") << 0 << -1;
    QTest::newRow("id not followed by a blank line is not the last event ID")
        << B("id: 4\ndata: a\n\nid: 5\n") << QStringList{message("a", "4")} << QStringLiteral("4")
        << 0 << -1;

    // retry.
    QTest::newRow("retry with digits sets the reconnection time")
        << B("retry: 3000\n") << QStringList{} << none << 0 << 3000;
    QTest::newRow("retry: 0 is a value") << B("retry: 0\n") << QStringList{} << none << 0 << 0;
    QTest::newRow("the last valid retry wins")
        << B("retry: 100\nretry: 250\nretry: x\n") << QStringList{} << none << 0 << 250;
    QTest::newRow("retry with a unit is ignored")
        << B("retry: 3s\n") << QStringList{} << none << 0 << -1;
    QTest::newRow("retry with a sign is ignored")
        << B("retry: -1\nretry: +1\n") << QStringList{} << none << 0 << -1;
    QTest::newRow("retry with a fraction is ignored")
        << B("retry: 1.5\n") << QStringList{} << none << 0 << -1;
    QTest::newRow("retry with a second space is ignored")
        << B("retry:  100\n") << QStringList{} << none << 0 << -1;
    QTest::newRow("retry with a trailing space is ignored")
        << B("retry: 100 \n") << QStringList{} << none << 0 << -1;
    QTest::newRow("an empty retry is ignored")
        << B("retry:\nretry\n") << QStringList{} << none << 0 << -1;
    QTest::newRow("retry is no event and does not end one")
        << B("data: a\nretry: 10\ndata: b\n\n") << QStringList{message("a\nb")} << none << 0 << 10;

    // The end of the stream.
    QTest::newRow("an event without its blank line is discarded at the end")
        << B("data: a\n\ndata: b\n") << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("a last line without its end is discarded")
        << B("data: a\n\ndata: b") << QStringList{message("a")} << none << 0 << -1;
    QTest::newRow("a CR at the very end ends the line, the event stays incomplete")
        << B("data: a\r") << QStringList{} << none << 0 << -1;
}

void tst_SseParser::stream()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, events);
    QFETCH(QString, lastEventId);
    QFETCH(int, comments);
    QFETCH(int, retryMs);

    const Outcome outcome = parseEverySplit(input);
    QCOMPARE(outcome.events, events);
    QCOMPARE(outcome.lastEventId, lastEventId);
    QCOMPARE(outcome.comments, qint64(comments));
    QCOMPARE(outcome.retryMs, qint64(retryMs));
    QVERIFY(!outcome.error);
}

void tst_SseParser::lastEventIdPersistsAcrossEventsAndStreams()
{
    SseParser parser;
    QCOMPARE(parser.lastEventId(), QString());
    QCOMPARE(parser.feed("id: 41\ndata: a\n\n").constFirst().lastEventId, QStringLiteral("41"));
    parser.finish(); // the connection ended; a reconnect sends Last-Event-ID: 41
    QCOMPARE(parser.lastEventId(), QStringLiteral("41"));

    const QList<SseEvent> next = parser.feed("data: b\n\n");
    QCOMPARE(next.size(), 1);
    QCOMPARE(next.constFirst().lastEventId, QStringLiteral("41"));
    QCOMPARE(parser.lastEventId(), QStringLiteral("41"));

    // An id whose event never completed is not the one to resume from.
    QVERIFY(parser.feed("id: 42\ndata: c\n").isEmpty());
    parser.finish();
    QCOMPARE(parser.lastEventId(), QStringLiteral("41"));
    QCOMPARE(parser.feed("data: d\n\n").constFirst().lastEventId, QStringLiteral("41"));
}

void tst_SseParser::finishDiscardsTheIncompleteEventAndStartsANewStream()
{
    SseParser parser;
    QVERIFY(parser.feed("event: x\ndata: a\ndata: par").isEmpty());
    parser.finish();
    // Nothing of the old event survives: neither data nor type nor the line.
    QList<SseEvent> events = parser.feed("tial\n\ndata: b\n\n");
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.constFirst(),
             (SseEvent{QStringLiteral("message"), QStringLiteral("b"), QString()}));

    // A new stream may start with a BOM again, and a CR at the end of the
    // last one does not swallow the new stream's first LF.
    QVERIFY(parser.feed("data: c\r").isEmpty());
    parser.finish();
    events = parser.feed("\xEF\xBB\xBF"
                         "data: d\n\n");
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.constFirst().data, QStringLiteral("d"));
    parser.finish();
    QVERIFY(parser.feed("\ndata: e\n\n").constFirst().data == QStringLiteral("e"));
}

void tst_SseParser::aLineLongerThanTheLimitIsAnError()
{
    // A line of exactly the limit is fine, in one read or many.
    const QByteArray sixteen = "data: 0123456789";
    QCOMPARE(sixteen.size(), 16);
    Outcome outcome = parseEverySplit(sixteen + "\n\n", 16, 1024);
    QCOMPARE(outcome.events, QStringList{message("0123456789")});
    QVERIFY(!outcome.error);

    // One byte more is an error, however it arrives, and even before the line ends.
    outcome = parseEverySplit("data: a\n\n" + sixteen + "x", 16, 1024);
    QCOMPARE(outcome.events, QStringList{message("a")});
    QVERIFY(outcome.error);
    outcome = parseEverySplit(": a comment is a line too, 0123456789\n", 16, 1024);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.comments, qint64(0));

    SseParser parser(16, 1024);
    QVERIFY(parser.feed(sixteen).isEmpty());
    QVERIFY(!parser.hasError());
    QVERIFY(parser.errorString().isEmpty());
    QVERIFY(parser.feed("x").isEmpty());
    QVERIFY(parser.hasError());
    QCOMPARE(parser.errorString(),
             QStringLiteral("The event stream sent a line longer than 16 bytes."));
    // After the error nothing more is read, not even a whole event.
    QVERIFY(parser.feed("\n\ndata: b\n\n").isEmpty());
    parser.finish();
    QVERIFY(parser.feed("data: b\n\n").isEmpty());
    QVERIFY(parser.hasError());
}

void tst_SseParser::eventDataBeyondTheLimitIsAnError()
{
    // Each data line counts its value and the LF that joins it: 5 + 5 bytes.
    Outcome outcome = parseEverySplit("data: 1234\ndata: 5678\n\n", 1024, 10);
    QCOMPARE(outcome.events, QStringList{message("1234\n5678")});
    QVERIFY(!outcome.error);

    // The limit is per event: the next event starts again from 0.
    outcome = parseEverySplit("data: 1234\ndata: 5678\n\ndata: 1234\ndata: 5678\n\n", 1024, 10);
    QCOMPARE(outcome.events.size(), 2);
    QVERIFY(!outcome.error);

    outcome = parseEverySplit("data: a\n\ndata: 1234\ndata: 56789\n\ndata: b\n\n", 1024, 10);
    QCOMPARE(outcome.events, QStringList{message("a")});
    QVERIFY(outcome.error);

    SseParser parser(1024, 10);
    QVERIFY(parser.feed("data: 1234\ndata: 56789\n").isEmpty());
    QCOMPARE(parser.errorString(),
             QStringLiteral("The event stream sent an event with more than 10 bytes of data."));
    QVERIFY(parser.feed("\n").isEmpty());
}

void tst_SseParser::aServerThatNeverSendsANewlineIsStoppedAtTheDefaultLimit()
{
    SseParser parser;
    const QByteArray chunk(64 * 1024, 'a');
    qsizetype fed = 0;
    while (!parser.hasError() && fed < 4 * SseParser::kDefaultMaxLineBytes) {
        QVERIFY(parser.feed(chunk).isEmpty());
        fed += chunk.size();
    }
    QVERIFY(parser.hasError());
    QCOMPARE(fed, SseParser::kDefaultMaxLineBytes + chunk.size());
    QVERIFY(!parser.errorString().isEmpty());
}

void tst_SseParser::feedReturnsTheEventsOfEachRead()
{
    SseParser parser;
    QVERIFY(parser.feed(": hi\ndata: a\n").isEmpty());
    QCOMPARE(parser.comments(), qint64(1));
    QList<SseEvent> events = parser.feed("\ndata: b\n\ndata: c\n\ndata: d");
    QCOMPARE(events.size(), 3);
    QCOMPARE(events.at(0).data, QStringLiteral("a"));
    QCOMPARE(events.at(1).data, QStringLiteral("b"));
    QCOMPARE(events.at(2).data, QStringLiteral("c"));
    QVERIFY(parser.feed("\n").isEmpty());
    events = parser.feed("\n");
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.constFirst().data, QStringLiteral("d"));
    QVERIFY(parser.feed(QByteArrayView()).isEmpty());
}

QTEST_GUILESS_MAIN(tst_SseParser)
#include "tst_sseparser.moc"
