// The dashboard program's command line, run as a process without a display:
// --help, --version and a bad option are answered on the terminal before the
// GUI would start (and abort for want of a display).

#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int kTimeout = 30'000; // ms; the machine is shared

} // namespace

class tst_LongwatchCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answersWithoutADisplay_data();
    void answersWithoutADisplay();
};

void tst_LongwatchCli::answersWithoutADisplay_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("output"); // on stdout when 0, on stderr otherwise
    const QString version = QStringLiteral("longwatch " LONGWATCH_VERSION "\n");

    QTest::newRow("--help lists the options") << QStringList{"--help"} << 0 << "--demo";
    QTest::newRow("-h lists the options") << QStringList{"-h"} << 0 << "--no-event-log";
    QTest::newRow("--help-all lists the options") << QStringList{"--help-all"} << 0 << "--demo";
    QTest::newRow("--help with other options still helps")
        << QStringList{"--demo", "--help"} << 0 << "Usage:";
    QTest::newRow("--version names the version") << QStringList{"--version"} << 0 << version;
    QTest::newRow("-v names the version") << QStringList{"-v"} << 0 << version;
    QTest::newRow("an unknown option is named")
        << QStringList{"--no-such-option"} << 1 << "Unknown option 'no-such-option'";
    QTest::newRow("an option without its value is named")
        << QStringList{"--settings"} << 1 << "Missing value after '--settings'";
}

void tst_LongwatchCli::answersWithoutADisplay()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, output);

    QTemporaryDir home;
    QVERIFY(home.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QString::fromLatin1(name));
    // Nothing of the user's: were the window to start after all, it would
    // find no settings and no event log of theirs.
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));

    QProcess longwatch;
    longwatch.setProcessEnvironment(env);
    longwatch.start(QStringLiteral(LONGWATCH_APP_PATH), arguments);
    QVERIFY2(longwatch.waitForFinished(kTimeout), qPrintable(longwatch.errorString()));
    const QString out = QString::fromLocal8Bit(longwatch.readAllStandardOutput());
    const QString err = QString::fromLocal8Bit(longwatch.readAllStandardError());
    QVERIFY2(longwatch.exitStatus() == QProcess::NormalExit, qPrintable(err));
    QCOMPARE(longwatch.exitCode(), exitCode);
    if (exitCode == 0) {
        QVERIFY2(out.contains(output), qPrintable(out));
        QVERIFY2(err.isEmpty(), qPrintable(err));
    } else {
        QVERIFY2(err.contains(output), qPrintable(err));
        QVERIFY(out.isEmpty());
    }
}

QTEST_GUILESS_MAIN(tst_LongwatchCli)
#include "tst_longwatchcli.moc"
