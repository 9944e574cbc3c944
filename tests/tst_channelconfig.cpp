#include "channelconfig.h"
#include "channelstore.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

ChannelConfig sampleConfig()
{
    ChannelConfig c;
    c.id = "3c8e-test";
    c.name = "Builds";
    c.url = QUrl("http://127.0.0.1:8080/feeds/builds/poll");
    c.profileId = "seed-events";
    c.knobs = {{"hold", "20"}, {"events-path", "data.events"}};
    c.headers = {{"X-Api-Version", "2"}};
    c.auth = ChannelConfig::Auth::Bearer;
    c.token = "t0ken-value";
    c.timing.connectTimeout = 3s;
    c.timing.backoffInitial = 2s;
    c.timing.backoffMax = 90s;
    c.jobs.jobPaths = {"build.id"};
    c.jobs.statusPath = "build.state";
    c.notifyJobFinished = true;
    c.paused = true;
    return c;
}

} // namespace

class tst_ChannelConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validationNamesWhatIsWrong_data();
    void validationNamesWhatIsWrong();
    void credentialsBecomeAnAuthorizationHeader();
    void parsesHeaderLines();
    void survivesTheStore();
    void transientDetailsAreNotStored();
};

void tst_ChannelConfig::validationNamesWhatIsWrong_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expectedWord");

    QTest::newRow("a complete configuration has no problem") << ""
                                                             << ""
                                                             << "";
    QTest::newRow("a missing name is named") << "name"
                                             << ""
                                             << "name";
    QTest::newRow("an ftp address is refused") << "url"
                                               << "ftp://example.com/x"
                                               << "http";
    QTest::newRow("an address without a host is refused") << "url"
                                                          << "http://"
                                                          << "";
    QTest::newRow("an unknown profile is named") << "profile"
                                                 << "carrier-pigeon"
                                                 << "carrier-pigeon";
    QTest::newRow("a bad knob value is named") << "knob"
                                               << "sideways"
                                               << "sideways";
    QTest::newRow("a bad job path is named") << "jobpath"
                                             << "job["
                                             << "job[";
}

void tst_ChannelConfig::validationNamesWhatIsWrong()
{
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, expectedWord);

    ChannelConfig c = sampleConfig();
    if (field == "name")
        c.name = value;
    else if (field == "url")
        c.url = QUrl(value);
    else if (field == "profile")
        c.profileId = value;
    else if (field == "knob")
        c.knobs.insert("cursor-target", value);
    else if (field == "jobpath")
        c.jobs.jobPaths = {value};

    const QStringList problems = c.validate();
    if (field.isEmpty()) {
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
        return;
    }
    QVERIFY(!problems.isEmpty());
    QVERIFY2(problems.join(' ').contains(expectedWord, Qt::CaseInsensitive),
             qPrintable(problems.join('\n')));
}

void tst_ChannelConfig::credentialsBecomeAnAuthorizationHeader()
{
    ChannelConfig c = sampleConfig();
    PollerSettings settings = c.pollerSettings();
    QCOMPARE(settings.connectTimeout, 3s);
    QCOMPARE(settings.headers.size(), 2);
    QCOMPARE(settings.headers.at(0).first, QByteArray("X-Api-Version"));
    QCOMPARE(settings.headers.at(1),
             std::make_pair(QByteArray("Authorization"), QByteArray("Bearer t0ken-value")));

    c.auth = ChannelConfig::Auth::Basic;
    c.user = "ann";
    c.password = "pw:with:colons";
    settings = c.pollerSettings();
    QCOMPARE(settings.headers.at(1).second, "Basic " + QByteArray("ann:pw:with:colons").toBase64());

    c.auth = ChannelConfig::Auth::None;
    QCOMPARE(c.pollerSettings().headers.size(), 1);
}

void tst_ChannelConfig::parsesHeaderLines()
{
    QStringList errors;
    const HeaderList headers =
        parseHeaderLines("X-One: 1\n\n  Accept :  application/json \nnot a header\n", &errors);
    QCOMPARE(headers.size(), 2);
    QCOMPARE(headers.at(1), std::make_pair(QByteArray("Accept"), QByteArray("application/json")));
    QCOMPARE(errors.size(), 1);
    QVERIFY(errors.first().contains("4"));
    QCOMPARE(parseHeaderLines(formatHeaderLines(headers)), headers);
}

void tst_ChannelConfig::survivesTheStore()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings);
    const ChannelConfig original = sampleConfig();
    ChannelConfig second;
    second.name = "Second";
    second.url = QUrl("https://example.com/feed");
    store.save({original, second});

    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 2);
    const ChannelConfig &c = loaded.first();
    QCOMPARE(c.id, original.id);
    QCOMPARE(c.name, original.name);
    QCOMPARE(c.url, original.url);
    QCOMPARE(c.profileId, original.profileId);
    QCOMPARE(c.knobs, original.knobs);
    QCOMPARE(c.headers, original.headers);
    QCOMPARE(c.auth, original.auth);
    QCOMPARE(c.token, original.token);
    QCOMPARE(c.timing.connectTimeout, original.timing.connectTimeout);
    QCOMPARE(c.timing.backoffInitial, original.timing.backoffInitial);
    QCOMPARE(c.timing.backoffMax, original.timing.backoffMax);
    QCOMPARE(c.jobs, original.jobs);
    QCOMPARE(c.notifyJobFinished, true);
    QCOMPARE(c.paused, true);
    QCOMPARE(loaded.at(1).name, QStringLiteral("Second"));
    QVERIFY(!loaded.at(1).id.isEmpty());

    // Saving fewer channels forgets the rest.
    store.save({second});
    QCOMPARE(store.load().size(), 1);
}

void tst_ChannelConfig::transientDetailsAreNotStored()
{
    ChannelConfig c = sampleConfig();
    c.transient = true;
    const ChannelConfig back = ChannelConfig::fromVariantMap(c.toVariantMap());
    QCOMPARE(back.transient, false);
    QVERIFY(!c.toVariantMap().contains("transient"));
}

QTEST_GUILESS_MAIN(tst_ChannelConfig)
#include "tst_channelconfig.moc"
