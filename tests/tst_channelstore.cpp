// SettingsChannelStore: what reaches the settings file, and what does not.
// The secret parts of a channel's address go to the SecretStore like the
// other secrets, an older plain-text file is cleaned on load, the file is
// private to the user, and an imported address whose secret was left out
// neither stores nor sends a literal "***".

#include "channel.h"
#include "channelmanager.h"
#include "fakehttpserver.h"
#include "secretstore.h"
#include "settingschannelstore.h"
#include "workspace.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

#include <sys/stat.h>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

QByteArray fileText(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The permission bits of a file (0600, 0644), or -1 if it is not there.
int modeOf(const QString &path)
{
    struct stat info
    {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 0777);
}

ChannelConfig configWith(const QUrl &url)
{
    ChannelConfig c;
    c.id = QStringLiteral("3c8e-store");
    c.name = QStringLiteral("Tests");
    c.url = url;
    c.profileId = QStringLiteral("seed-events");
    c.knobs = {{QStringLiteral("hold"), QStringLiteral("5")}};
    c.timing.backoffInitial = 50ms;
    c.timing.backoffMax = 100ms;
    return c;
}

// What SettingsChannelStore::readSecrets() makes of a loaded channel.
ChannelConfig withSecrets(SettingsChannelStore &store, const ChannelConfig &config,
                          QObject *context)
{
    std::optional<ChannelConfig> filled;
    store.readSecrets(config, context, [&filled](const ChannelConfig &c) { filled = c; });
    if (!QTest::qWaitFor([&filled] { return filled.has_value(); }, 5000))
        return {};
    return *filled;
}

} // namespace

class tst_ChannelStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void addressSecretsStayOutOfTheSettingsFile_data();
    void addressSecretsStayOutOfTheSettingsFile();
    void plainTextAddressesMoveToTheSecretStoreOnLoad();
    void aLoadedChannelPollsWithItsWholeAddressAndKeepsItsCursor();
    void theSettingsFileIsPrivate();
    void anOlderSettingsFileIsNarrowed();
    void theDefaultSettingsFileIsPrivate();
    void anImportedAddressWithoutItsSecretIsNeitherStoredNorSentWithAMask();

private:
    QTemporaryDir m_dir;
};

void tst_ChannelStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // As most desktops have it: new files readable by everyone.
    ::umask(022);
}

void tst_ChannelStore::addressSecretsStayOutOfTheSettingsFile_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("kept"); // a part of the address that is no secret

    QTest::newRow("a token parameter")
        << "http://127.0.0.1:8080/feeds/tests/poll?access_token=TOPSECRET42&since=1"
        << "feeds/tests/poll";
    QTest::newRow("user and password")
        << "http://alice-TOPSECRET:pw-TOPSECRET@127.0.0.1:8080/feeds/tests/poll"
        << "127.0.0.1:8080/feeds/tests/poll";
    QTest::newRow("a Telegram bot token")
        << "https://api.telegram.org/bot123456:AAH-TOPSECRET/getUpdates"
        << "/bot/getUpdates";
    QTest::newRow("a bare user part") << "https://TOPSECRET-as-user@feed.example/poll"
                                      << "feed.example/poll";
    QTest::newRow("everything at once")
        << "https://u-TOPSECRET@api.example/bot1:TOPSECRET/x?key=TOPSECRET&key=2-TOPSECRET"
        << "api.example/bot/x";
}

void tst_ChannelStore::addressSecretsStayOutOfTheSettingsFile()
{
    QFETCH(QString, url);
    QFETCH(QString, kept);
    const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(' ', '-');
    const QString path = m_dir.filePath(tag + ".ini");
    QSettings settings(path, QSettings::IniFormat);
    auto secrets = std::make_shared<FileSecretStore>(m_dir.filePath(tag + "-secrets.json"));
    SettingsChannelStore store(&settings, secrets);
    const ChannelConfig original = configWith(QUrl(url));
    QVERIFY(original.url.isValid());
    store.save({original});

    const QByteArray text = fileText(path);
    QVERIFY2(!text.contains("TOPSECRET"), text.constData());
    QVERIFY2(text.contains(kept.toUtf8()), text.constData());

    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 1);
    QVERIFY(!loaded.first().pendingSecretFields.isEmpty());
    QVERIFY(!loaded.first().url.toString().contains("TOPSECRET"));
    const ChannelConfig filled = withSecrets(store, loaded.first(), this);
    QCOMPARE(filled.url, original.url);
    QCOMPARE(filled.url.toString(), url);
    QVERIFY(filled.pendingSecretFields.isEmpty());
    // Saved again, the file stays clean, and the secrets stay in the store.
    store.save({filled});
    QVERIFY(!fileText(path).contains("TOPSECRET"));
    QCOMPARE(withSecrets(store, store.load().value(0), this).url, original.url);
}

void tst_ChannelStore::plainTextAddressesMoveToTheSecretStoreOnLoad()
{
    const QString path = m_dir.filePath("old.ini");
    const QString url = "http://127.0.0.1:8080/feeds/tests/poll?access_token=TOPSECRET42";
    {
        // As an older version wrote it.
        QSettings old(path, QSettings::IniFormat);
        old.beginWriteArray("channels", 1);
        old.setArrayIndex(0);
        old.setValue("id", "old-one");
        old.setValue("name", "Tests");
        old.setValue("url", url);
        old.setValue("profile", "seed-events");
        old.endArray();
    }
    QVERIFY(fileText(path).contains("TOPSECRET42"));

    QSettings settings(path, QSettings::IniFormat);
    auto secrets = std::make_shared<FileSecretStore>(m_dir.filePath("old-secrets.json"));
    SettingsChannelStore store(&settings, secrets);
    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().url, QUrl(url)); // in use at once, as it was
    QVERIFY2(!fileText(path).contains("TOPSECRET42"), fileText(path).constData());

    std::optional<SecretStore::Result> kept;
    secrets->read("channel/old-one/url/query/access_token", this,
                  [&kept](const SecretStore::Result &r) { kept = r; });
    QTRY_VERIFY(kept.has_value());
    QCOMPARE(kept->status, SecretStore::Status::Ok);
    QCOMPARE(kept->value, QStringLiteral("TOPSECRET42"));

    const ChannelConfig again = withSecrets(store, store.load().value(0), this);
    QCOMPARE(again.url, QUrl(url));
}

void tst_ChannelStore::aLoadedChannelPollsWithItsWholeAddressAndKeepsItsCursor()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    const QString path = m_dir.filePath("polls.ini");
    QSettings settings(path, QSettings::IniFormat);
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(m_dir.filePath("polls.json")));
    const ChannelConfig config =
        configWith(server.url("/feeds/tests/poll?access_token=TOPSECRET42"));
    store.save({config});
    QVERIFY(!fileText(path).contains("TOPSECRET42"));

    ChannelManager manager(&store);
    manager.setResumeCursors({{config.id, QStringLiteral("41")}});
    manager.load();
    QCOMPARE(manager.count(), 1);
    Channel *channel = manager.at(0);
    QTRY_COMPARE(channel->config().url, config.url);
    QTRY_VERIFY(server.requestCount() >= 1);
    // The first request already has the token: the channel waited for it,
    // and filling it in did not make it another feed.
    const FakeRequest first = server.requests().first();
    QCOMPARE(first.queryValue("access_token"), QStringLiteral("TOPSECRET42"));
    QCOMPARE(first.queryValue("last_id"), QStringLiteral("41"));
}

void tst_ChannelStore::theSettingsFileIsPrivate()
{
    const QString path = m_dir.filePath("new/longwatch.conf");
    QSettings settings(path, QSettings::IniFormat);
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(m_dir.filePath("new.json")));
    store.save({configWith(QUrl("http://127.0.0.1:9/poll"))});
    QCOMPARE(modeOf(path), 0600);
    settings.setValue("window/geometry", QByteArray(64, 'g'));
    settings.sync();
    store.save({configWith(QUrl("http://127.0.0.1:9/poll?token=TOPSECRET"))});
    QCOMPARE(modeOf(path), 0600);
}

void tst_ChannelStore::anOlderSettingsFileIsNarrowed()
{
    const QString path = m_dir.filePath("wide.conf");
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[window]\nstate=kept\n");
    }
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup |
                                            QFile::ReadOther));
    QCOMPARE(modeOf(path), 0644);
    QSettings settings(path, QSettings::IniFormat);
    // As the dashboard does at start, before anything is written.
    QVERIFY(SettingsChannelStore::makeFilePrivate(&settings));
    QCOMPARE(modeOf(path), 0600);
    QCOMPARE(settings.value("window/state").toString(), QStringLiteral("kept"));
}

void tst_ChannelStore::theDefaultSettingsFileIsPrivate()
{
    QCoreApplication::setOrganizationName(QStringLiteral("LongwatchTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_channelstore"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath("config"));
    const QString path = QSettings().fileName();
    QVERIFY2(path.startsWith(m_dir.filePath("config")), qPrintable(path));
    QCOMPARE(modeOf(path), -1);
    QVERIFY(SettingsChannelStore::makeFilePrivate());
    QCOMPARE(modeOf(path), 0600);
    {
        QSettings settings;
        settings.setValue("window/state", "written");
    }
    QCOMPARE(modeOf(path), 0600);
    QVERIFY(fileText(path).contains("written"));
}

void tst_ChannelStore::anImportedAddressWithoutItsSecretIsNeitherStoredNorSentWithAMask()
{
    FakeHttpServer server;
    QVERIFY(server.isListening());
    // As Export Workspace writes a channel whose address had a token.
    const QByteArray json = R"({"format": "longwatch-workspace", "version": 1, "channels": [{
        "name": "Tests", "url": ")" +
                            server.url("/feeds/tests/poll?access_token=***").toEncoded() +
                            R"(", "profile": "seed-events", "knobs": {"hold": "5"},
        "backoffInitialMs": 50, "backoffMaxMs": 100, "omittedSecrets": ["url"]}]})";
    const WorkspaceImport imported = importWorkspace(json);
    QVERIFY(imported.ok);
    QCOMPARE(imported.channels.size(), 1);
    QCOMPARE(imported.warnings.size(), 1);
    QVERIFY2(imported.warnings.first().contains("paused"), qPrintable(imported.warnings.first()));

    const QString path = m_dir.filePath("imported.ini");
    QSettings settings(path, QSettings::IniFormat);
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(m_dir.filePath("imported.json")));
    ChannelManager manager(&store);
    Channel *channel = manager.addChannel(imported.channels.first());
    const QByteArray text = fileText(path);
    QVERIFY2(text.contains("access_token"), text.constData());
    QVERIFY2(!text.contains("***") && !text.contains("%2A"), text.constData());
    // It waits for the person rather than sending a wrong credential.
    QVERIFY(channel->isPaused());
    QCoreApplication::processEvents();
    QCOMPARE(server.requestCount(), 0);

    // Resumed without entering the token, it still never sends "***".
    channel->resume();
    QTRY_VERIFY(server.requestCount() >= 1);
    const FakeRequest request = server.requests().first();
    QCOMPARE(request.path, QStringLiteral("/feeds/tests/poll"));
    QVERIFY(request.query.hasQueryItem("access_token"));
    QCOMPARE(request.queryValue("access_token"), QString());
}

QTEST_GUILESS_MAIN(tst_ChannelStore)
#include "tst_channelstore.moc"
