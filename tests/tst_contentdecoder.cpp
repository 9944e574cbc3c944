#include "compression.h"
#include "contentdecoder.h"

#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;

Q_DECLARE_METATYPE(Longwatch::Testing::Compression)

namespace {

using Status = ContentDecoder::Status;

struct Outcome
{
    Status status = Status::NeedInput;
    QByteArray output;
    QString error;
};

/// Feeds `coded` in reads of `readSize` bytes, each decoded in calls that
/// may make at most `step` bytes, as Http1Reply does for a slow reader.
Outcome decodeInPieces(ContentDecoder::Coding coding, const QByteArray &coded, qsizetype readSize,
                       qsizetype step)
{
    ContentDecoder decoder(coding);
    Outcome outcome;
    QByteArray input;
    for (qsizetype at = 0; at < coded.size(); at += readSize) {
        input += coded.mid(at, readSize);
        do {
            const qsizetype before = outcome.output.size();
            outcome.status = decoder.decode(input, outcome.output, step);
            if (outcome.output.size() - before > step)
                return {Status::Failed, {}, QStringLiteral("made more than it was allowed")};
        } while (outcome.status == Status::Full);
        if (outcome.status == Status::Failed) {
            outcome.error = decoder.errorString();
            return outcome;
        }
    }
    return outcome;
}

QByteArray sample()
{
    QByteArray text;
    for (int i = 1; i <= 500; ++i)
        text += R"({"id":)" + QByteArray::number(i) + R"(,"type":"job.finished"})" + '\n';
    return text;
}

} // namespace

class tst_ContentDecoder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void codingsAreNamedAsRfc9110Says_data();
    void codingsAreNamedAsRfc9110Says();
    void decodesWhateverWayTheBytesArrive_data();
    void decodesWhateverWayTheBytesArrive();
    void gzipMembersFollowEachOther();
    void whatFollowsTheEndIsIgnoredHoweverItArrives_data();
    void whatFollowsTheEndIsIgnoredHoweverItArrives();
    void aCutStreamNeverEnds();
    void corruptDataFailsWithAReason();
};

void tst_ContentDecoder::codingsAreNamedAsRfc9110Says_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<int>("coding"); // -1: not undone
    QTest::newRow("gzip") << QByteArray("gzip") << int(ContentDecoder::Coding::Gzip);
    QTest::newRow("x-gzip, its old alias")
        << QByteArray("x-gzip") << int(ContentDecoder::Coding::Gzip);
    QTest::newRow("names are case-insensitive")
        << QByteArray(" GZip ") << int(ContentDecoder::Coding::Gzip);
    QTest::newRow("deflate") << QByteArray("deflate") << int(ContentDecoder::Coding::Deflate);
    QTest::newRow("br is not read") << QByteArray("br") << -1;
    QTest::newRow("identity needs no undoing") << QByteArray("identity") << -1;
    QTest::newRow("a list of codings is not undone") << QByteArray("gzip, gzip") << -1;
    QTest::newRow("nothing") << QByteArray() << -1;
}

void tst_ContentDecoder::codingsAreNamedAsRfc9110Says()
{
    QFETCH(QByteArray, value);
    QFETCH(int, coding);
    const std::optional<ContentDecoder::Coding> found = ContentDecoder::codingFor(value);
    QCOMPARE(found ? int(*found) : -1, coding);
}

void tst_ContentDecoder::decodesWhateverWayTheBytesArrive_data()
{
    QTest::addColumn<Compression>("format");
    QTest::addColumn<qsizetype>("readSize");
    QTest::addColumn<qsizetype>("step");
    QTest::newRow("gzip at once") << Compression::Gzip << qsizetype(1 << 20) << qsizetype(1 << 20);
    QTest::newRow("gzip a byte at a time, a byte out a call")
        << Compression::Gzip << qsizetype(1) << qsizetype(1);
    QTest::newRow("gzip in reads of 7, 100 bytes out a call")
        << Compression::Gzip << qsizetype(7) << qsizetype(100);
    QTest::newRow("zlib a byte at a time") << Compression::Zlib << qsizetype(1) << qsizetype(64);
    QTest::newRow("raw deflate a byte at a time")
        << Compression::RawDeflate << qsizetype(1) << qsizetype(64);
    QTest::newRow("raw deflate at once")
        << Compression::RawDeflate << qsizetype(1 << 20) << qsizetype(4096);
}

void tst_ContentDecoder::decodesWhateverWayTheBytesArrive()
{
    QFETCH(Compression, format);
    QFETCH(qsizetype, readSize);
    QFETCH(qsizetype, step);
    const QByteArray text = sample();
    const auto coding = format == Compression::Gzip ? ContentDecoder::Coding::Gzip
                                                    : ContentDecoder::Coding::Deflate;
    const Outcome outcome = decodeInPieces(coding, compressed(text, format), readSize, step);
    QVERIFY2(outcome.error.isEmpty(), qPrintable(outcome.error));
    QCOMPARE(outcome.status, Status::End);
    QCOMPARE(outcome.output, text);
}

void tst_ContentDecoder::gzipMembersFollowEachOther()
{
    // RFC 1952 section 2.2: a gzip file is a series of members.
    const QByteArray first = sample();
    const QByteArray second = "and more\n";
    const QByteArray coded =
        compressed(first, Compression::Gzip) + compressed(second, Compression::Gzip);
    for (const qsizetype readSize : {qsizetype(1), qsizetype(2), qsizetype(5), coded.size()}) {
        const Outcome outcome =
            decodeInPieces(ContentDecoder::Coding::Gzip, coded, readSize, 1 << 20);
        QCOMPARE(outcome.status, Status::End);
        QCOMPARE(outcome.output, first + second);
    }
}

void tst_ContentDecoder::whatFollowsTheEndIsIgnoredHoweverItArrives_data()
{
    QTest::addColumn<QByteArray>("after");
    QTest::newRow("a newline") << QByteArray("\n");
    QTest::newRow("garbage") << QByteArray("garbage");
    // Found by fuzz_contentdecoder: the magic of a member inside what is
    // ignored was read as one when a read began with it.
    QTest::newRow("garbage with a gzip magic inside")
        << QByteArray("xy\x1f\x8b\x08\x00 not a member", 21);
}

void tst_ContentDecoder::whatFollowsTheEndIsIgnoredHoweverItArrives()
{
    QFETCH(QByteArray, after);
    const QByteArray text = sample();
    const QByteArray coded = compressed(text, Compression::Gzip) + after;
    for (const qsizetype readSize : {qsizetype(1), qsizetype(2), qsizetype(3), coded.size()}) {
        const Outcome outcome =
            decodeInPieces(ContentDecoder::Coding::Gzip, coded, readSize, 1 << 20);
        QVERIFY2(outcome.error.isEmpty(), qPrintable(outcome.error));
        QCOMPARE(outcome.status, Status::End);
        QCOMPARE(outcome.output, text);
    }
}

void tst_ContentDecoder::aCutStreamNeverEnds()
{
    const QByteArray coded = compressed(sample(), Compression::Gzip);
    for (const qsizetype keep : {qsizetype(1), qsizetype(10), coded.size() / 2, coded.size() - 1}) {
        ContentDecoder decoder(ContentDecoder::Coding::Gzip);
        QByteArray input = coded.first(keep);
        QByteArray output;
        Status status;
        do
            status = decoder.decode(input, output, 1 << 20);
        while (status == Status::Full);
        QCOMPARE(status, Status::NeedInput); // more is needed: the caller says it is cut
        QVERIFY(!decoder.atEnd());
    }
}

void tst_ContentDecoder::corruptDataFailsWithAReason()
{
    QByteArray coded = compressed(sample(), Compression::Zlib);
    for (qsizetype i = 10; i < coded.size() - 10; i += 3)
        coded[i] = char(~coded[i]);
    const Outcome outcome = decodeInPieces(ContentDecoder::Coding::Deflate, coded, 16, 256);
    QCOMPARE(outcome.status, Status::Failed);
    QVERIFY(!outcome.error.isEmpty());
}

QTEST_GUILESS_MAIN(tst_ContentDecoder)
#include "tst_contentdecoder.moc"
