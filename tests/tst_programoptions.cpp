// The command-line helpers the four programs share: reading numbers from
// options, and the sentences and exit status of a bad argument.

#include "programoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTest>

#include <limits>

using namespace Longwatch;

class tst_ProgramOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readNumber_data();
    void readNumber();
    void readWholeNumber_data();
    void readWholeNumber();
    void readSecondsRoundsUpAndRefusesInfinity();
    void positionalArgumentsAreRefusedWithTwo();
    void nameProgramSetsTheNameAndVersion();
};

void tst_ProgramOptions::readNumber_data()
{
    constexpr double infinity = std::numeric_limits<double>::infinity();
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("highest");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("value");
    QTest::newRow("a fraction is read") << "0.25" << 10.0 << true << 0.25;
    QTest::newRow("the lowest is allowed") << "0" << 10.0 << true << 0.0;
    QTest::newRow("the highest is allowed") << "10" << 10.0 << true << 10.0;
    QTest::newRow("above the highest is not") << "10.001" << 10.0 << false << 0.0;
    QTest::newRow("below the lowest is not") << "-1" << 10.0 << false << 0.0;
    QTest::newRow("a word is not") << "five" << 10.0 << false << 0.0;
    QTest::newRow("nothing is not") << "" << 10.0 << false << 0.0;
    QTest::newRow("NaN never is") << "nan" << infinity << false << 0.0;
    QTest::newRow("infinity is when there is no highest") << "inf" << infinity << true << infinity;
    QTest::newRow("infinity is not below a highest") << "inf" << 86400.0 << false << 0.0;
    QTest::newRow("a comma is no decimal point") << "1,5" << 10.0 << false << 0.0;
}

void tst_ProgramOptions::readNumber()
{
    QFETCH(QString, text);
    QFETCH(double, highest);
    QFETCH(bool, valid);
    QFETCH(double, value);
    const std::optional<double> read = Longwatch::readNumber(text, 0, highest);
    QCOMPARE(read.has_value(), valid);
    if (valid)
        QCOMPARE(*read, value);
}

void tst_ProgramOptions::readWholeNumber_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("value");
    QTest::newRow("a number in the range is read") << "8080" << true << qint64(8080);
    QTest::newRow("the lowest is allowed") << "1" << true << qint64(1);
    QTest::newRow("the highest is allowed") << "65535" << true << qint64(65535);
    QTest::newRow("below the lowest is not") << "0" << false << qint64(0);
    QTest::newRow("above the highest is not") << "65536" << false << qint64(0);
    QTest::newRow("a fraction is not") << "1.5" << false << qint64(0);
    QTest::newRow("a word is not") << "many" << false << qint64(0);
    QTest::newRow("more than 64 bits is not") << "99999999999999999999" << false << qint64(0);
}

void tst_ProgramOptions::readWholeNumber()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(qint64, value);
    const std::optional<qint64> read = Longwatch::readWholeNumber(text, 1, 65535);
    QCOMPARE(read.has_value(), valid);
    if (valid)
        QCOMPARE(*read, value);
}

void tst_ProgramOptions::readSecondsRoundsUpAndRefusesInfinity()
{
    using std::chrono::milliseconds;
    QCOMPARE(Longwatch::readSeconds("1.5"), std::optional(milliseconds(1500)));
    QCOMPARE(Longwatch::readSeconds("0.0001"), std::optional(milliseconds(1)));
    QCOMPARE(Longwatch::readSeconds("0"), std::optional(milliseconds(0)));
    QVERIFY(!Longwatch::readSeconds("-1"));
    QVERIFY(!Longwatch::readSeconds("inf")); // was converted to an integer: undefined
    QVERIFY(!Longwatch::readSeconds("nan"));
    QVERIFY(!Longwatch::readSeconds("90000", 86400));
    QCOMPARE(Longwatch::readSeconds("86400", 86400), std::optional(milliseconds(86'400'000)));
}

void tst_ProgramOptions::positionalArgumentsAreRefusedWithTwo()
{
    QCommandLineParser parser;
    QVERIFY(parser.parse({QStringLiteral("program")}));
    QCOMPARE(refusePositionalArguments(parser), std::nullopt);
    QVERIFY(parser.parse({QStringLiteral("program"), QStringLiteral("extra")}));
    QCOMPARE(refusePositionalArguments(parser), std::optional<int>(ExitUsage));
    QCOMPARE(usageError(QStringLiteral("a bad argument.")), int(ExitUsage));
}

void tst_ProgramOptions::nameProgramSetsTheNameAndVersion()
{
    nameProgram(QStringLiteral("longwatch-test"));
    QCOMPARE(QCoreApplication::applicationName(), QStringLiteral("longwatch-test"));
    QCOMPARE(QCoreApplication::applicationVersion(), QStringLiteral(LONGWATCH_VERSION));
}

QTEST_GUILESS_MAIN(tst_ProgramOptions)
#include "tst_programoptions.moc"
