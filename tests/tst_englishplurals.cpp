#include "englishplurals.h"

#include <QCoreApplication>
#include <QTest>

using namespace Longwatch;

class tst_EnglishPlurals : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Without it, Qt shows the text as written.
        QCOMPARE(QCoreApplication::translate("ctx", "%n event(s)", nullptr, 1),
                 QStringLiteral("1 event(s)"));
        installEnglishPlurals(qApp);
    }

    void countedTextsReadAsEnglish_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("n");
        QTest::addColumn<QString>("shown");
        QTest::newRow("one") << "%n event(s) stored" << 1 << "1 event stored";
        QTest::newRow("none") << "%n event(s) stored" << 0 << "0 events stored";
        QTest::newRow("many") << "%n byte(s) of body received" << 4096
                              << "4096 bytes of body received";
        QTest::newRow("two in one text") << "%n channel(s), %n row(s)" << 2 << "2 channels, 2 rows";
        QTest::newRow("a text without (s)") << "%n more" << 3 << "3 more";
    }

    void countedTextsReadAsEnglish()
    {
        QFETCH(QString, source);
        QFETCH(int, n);
        QFETCH(QString, shown);
        const QByteArray text = source.toUtf8();
        QCOMPARE(QCoreApplication::translate("ctx", text.constData(), nullptr, n), shown);
        // A text without a count is left alone, "(s)" and all.
        QCOMPARE(QCoreApplication::translate("ctx", "Name(s):"), QStringLiteral("Name(s):"));
    }
};

QTEST_GUILESS_MAIN(tst_EnglishPlurals)
#include "tst_englishplurals.moc"
