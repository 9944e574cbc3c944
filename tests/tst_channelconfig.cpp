#include "channelconfig.h"
#include "secretstore.h"
#include "settingschannelstore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Longwatch::ChannelConfig)

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
    c.notifications.followDefaults = false;
    c.notifications.rules.setOn(NotificationRules::Transition::JobFinished, true);
    c.paused = true;
    return c;
}

QByteArray fileText(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Fills in the secrets the store kept, waiting for the SecretStore's answer.
ChannelConfig withSecrets(ChannelStore &store, const ChannelConfig &config)
{
    QObject context;
    std::optional<ChannelConfig> filled;
    store.readSecrets(config, &context, [&filled](const ChannelConfig &c) { filled = c; });
    if (!QTest::qWaitFor([&filled] { return filled.has_value(); }))
        return {};
    return *filled;
}

ChannelConfig transportConfig()
{
    ChannelConfig c = sampleConfig();
    TransportOptions &t = c.timing.transport;
    t.proxy.mode = ProxySettings::Mode::Socks5;
    t.proxy.host = "proxy.example";
    t.proxy.port = 1080;
    t.proxy.user = "proxy-user";
    t.proxy.password = "proxy-s3cret";
    t.httpVersion = HttpVersion::Http1Only;
    t.tls.caCertificatesFile = "/etc/ca/lab.pem";
    t.tls.clientCertificateFile = "/home/ann/client.pem";
    t.tls.clientKeyFile = "/home/ann/client.key";
    t.tls.clientKeyPassphrase = "key-s3cret";
    t.tls.pinnedSha256 = {QString(64, 'a'), QString(64, 'b')};
    c.timing.maxBodyBytes = 1234567;
    c.timing.maxHeaderBytes = 4321;
    c.timing.maxEventsPerBatch = 77;
    return c;
}

} // namespace

class tst_ChannelConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameAddressIgnoresSecretsOnly_data();
    void sameAddressIgnoresSecretsOnly();
    void validationNamesWhatIsWrong_data();
    void validationNamesWhatIsWrong();
    void problemsNameTheirField_data();
    void problemsNameTheirField();
    void credentialsBecomeAnAuthorizationHeader();
    void parsesHeaderLines();
    void survivesTheStore();
    void transientDetailsAreNotStored();
    void transportOptionsSurviveTheStoreWithoutTheirSecrets();
    void environmentReferencesAreStoredAsWritten();
    void plainTextSecretsMoveToTheSecretStoreOnLoad();
    void withoutASecretStoreSecretsAreNotWritten();
    void basicAuthenticationTakesEnvironmentReferences();
    void badTransportSettingsAreNamed();
    void secretHeaderFieldsAreNamedPerHeader();
    void secretHeaderValuesAreNeverInTheVariantMap();
    void secretHeaderValuesSurviveTheStoreOutsideTheFile();
    void plainTextSecretHeadersMoveToTheSecretStoreOnLoad();
    void aRemovedSecretHeaderTakesItsSecretAlong();
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

void tst_ChannelConfig::problemsNameTheirField_data()
{
    QTest::addColumn<ChannelConfig>("config");
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("knob");
    QTest::addColumn<QString>("sentence");

    using Field = ChannelConfig::Field;
    ChannelConfig c = sampleConfig();
    c.name = " ";
    QTest::newRow("a blank name") << c << int(Field::Name) << ""
                                  << "Give the channel a name.";
    c = sampleConfig();
    c.url = QUrl("ftp://example.com/x");
    QTest::newRow("an ftp address") << c << int(Field::Url) << ""
                                    << "The address must start with http:// or https://.";
    c = sampleConfig();
    c.knobs.insert("events-path", "data[");
    QTest::newRow("a path knob that does not parse") << c << int(Field::Knob) << "events-path"
                                                     << "";
    c = sampleConfig();
    c.knobs.insert("cursor-target", "sideways");
    QTest::newRow("a knob value the profile does not take")
        << c << int(Field::Knob) << "cursor-target"
        << "";
    c = sampleConfig();
    c.profileId = "carrier-pigeon";
    QTest::newRow("an unknown profile") << c << int(Field::Profile) << ""
                                        << "";
    c = sampleConfig();
    c.token.clear();
    QTest::newRow("a bearer token missing")
        << c << int(Field::Token) << ""
        << "Enter the bearer token, or choose no authentication.";
    c = sampleConfig();
    c.auth = ChannelConfig::Auth::Basic;
    QTest::newRow("a basic user missing") << c << int(Field::User) << ""
                                          << "Enter the user name for basic authentication.";
    c = sampleConfig();
    c.timing.transport.proxy.mode = ProxySettings::Mode::Socks5;
    c.timing.transport.proxy.host = "proxy.example";
    QTest::newRow("a proxy without its port") << c << int(Field::Proxy) << ""
                                              << "Enter the proxy's port.";
    c.timing.transport.proxy.host = "proxy example";
    QTest::newRow("a proxy name with a space") << c << int(Field::Proxy) << ""
                                               << "A server name has no spaces.";
    c.timing.transport.proxy.host.clear();
    QTest::newRow("a proxy without its name") << c << int(Field::Proxy) << ""
                                              << "Enter the proxy's server name.";
    c = sampleConfig();
    c.timing.transport.tls.clientKeyFile = "/home/ann/client.key";
    QTest::newRow("a key without its certificate") << c << int(Field::ClientKey) << ""
                                                   << "A key needs its client certificate.";
    c = sampleConfig();
    c.timing.transport.tls.pinnedSha256 = {"not-a-fingerprint"};
    QTest::newRow("a pin that is no fingerprint") << c << int(Field::PinnedCertificates) << ""
                                                  << "";
    c = sampleConfig();
    c.timing.maxHeaderBytes = 0;
    QTest::newRow("a size limit of nothing") << c << int(Field::Limits) << ""
                                             << "The size limits must be positive.";
    c = sampleConfig();
    c.timing.backoffInitial = 100s;
    QTest::newRow("a first retry beyond the longest")
        << c << int(Field::Backoff) << ""
        << "The first retry bound is longer than the longest wait.";
    c = sampleConfig();
    c.jobs.jobPaths.clear();
    QTest::newRow("no job path") << c << int(Field::JobPaths) << ""
                                 << "Name at least one field that identifies a job.";
    c = sampleConfig();
    c.jobs.statusPath = "state[";
    QTest::newRow("a status path that does not parse") << c << int(Field::StatusPath) << ""
                                                       << "";
    c = sampleConfig();
    c.jobs.progressPath = "done[";
    QTest::newRow("a progress path that does not parse") << c << int(Field::ProgressPath) << ""
                                                         << "";
}

void tst_ChannelConfig::problemsNameTheirField()
{
    QFETCH(ChannelConfig, config);
    QFETCH(int, field);
    QFETCH(QString, knob);
    QFETCH(QString, sentence);

    QVERIFY(sampleConfig().problems().isEmpty());
    const QList<ChannelConfig::Problem> problems = config.problems();
    QCOMPARE(problems.size(), 1);
    QCOMPARE(int(problems.first().field), field);
    QCOMPARE(problems.first().knob, knob);
    if (!sentence.isEmpty())
        QCOMPARE(problems.first().sentence, sentence);
    QCOMPARE(config.validate(), QStringList{problems.first().sentence});
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

    QVERIFY(settings.basicAuth.user.isEmpty());

    // Basic credentials are encoded by the Poller with each request (after
    // resolving references; tst_transport checks what is sent).
    c.auth = ChannelConfig::Auth::Basic;
    c.user = "ann";
    c.password = "pw:with:colons";
    settings = c.pollerSettings();
    QCOMPARE(settings.headers.size(), 1);
    QCOMPARE(settings.basicAuth.user, QStringLiteral("ann"));
    QCOMPARE(settings.basicAuth.password, QStringLiteral("pw:with:colons"));

    c.auth = ChannelConfig::Auth::None;
    QCOMPARE(c.pollerSettings().headers.size(), 1);
    QVERIFY(c.pollerSettings().basicAuth.user.isEmpty());
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
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(dir.filePath("secrets.json")));
    const ChannelConfig original = sampleConfig();
    ChannelConfig second;
    second.name = "Second";
    second.url = QUrl("https://example.com/feed");
    store.save({original, second});
    QVERIFY(!fileText(dir.filePath("channels.ini")).isEmpty());
    QVERIFY(!fileText(dir.filePath("channels.ini")).contains("t0ken-value"));

    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(loaded.first().pendingSecretFields, QStringList{"token"});
    QVERIFY(loaded.first().token.isEmpty());
    const ChannelConfig c = withSecrets(store, loaded.first());
    QCOMPARE(c.id, original.id);
    QCOMPARE(c.name, original.name);
    QCOMPARE(c.url, original.url);
    QCOMPARE(c.profileId, original.profileId);
    QCOMPARE(c.knobs, original.knobs);
    QCOMPARE(c.headers, original.headers);
    QCOMPARE(c.auth, original.auth);
    QCOMPARE(c.token, original.token);
    QVERIFY(c.pendingSecretFields.isEmpty());
    QCOMPARE(c.timing.connectTimeout, original.timing.connectTimeout);
    QCOMPARE(c.timing.backoffInitial, original.timing.backoffInitial);
    QCOMPARE(c.timing.backoffMax, original.timing.backoffMax);
    QCOMPARE(c.jobs, original.jobs);
    QCOMPARE(c.notifications, original.notifications);
    QCOMPARE(c.paused, true);
    QCOMPARE(loaded.at(1).name, QStringLiteral("Second"));
    QVERIFY(!loaded.at(1).id.isEmpty());

    // Saving fewer channels forgets the rest, and their secrets.
    store.save({second});
    QCOMPARE(store.load().size(), 1);
    FileSecretStore check(dir.filePath("secrets.json"));
    std::optional<SecretStore::Status> status;
    check.read(original.secretKey("token"), this,
               [&status](const SecretStore::Result &r) { status = r.status; });
    QTRY_VERIFY(status.has_value());
    QCOMPARE(*status, SecretStore::Status::NotFound);
}

void tst_ChannelConfig::transportOptionsSurviveTheStoreWithoutTheirSecrets()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(dir.filePath("secrets.json")));
    const ChannelConfig original = transportConfig();
    store.save({original});

    const QByteArray text = fileText(dir.filePath("channels.ini"));
    QVERIFY(text.contains("proxy.example"));
    for (const char *secret : {"t0ken-value", "proxy-s3cret", "key-s3cret"})
        QVERIFY2(!text.contains(secret), secret);

    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 1);
    const ChannelConfig c = withSecrets(store, loaded.first());
    QCOMPARE(c.timing.transport, original.timing.transport);
    QCOMPARE(c.timing.maxBodyBytes, original.timing.maxBodyBytes);
    QCOMPARE(c.timing.maxHeaderBytes, original.timing.maxHeaderBytes);
    QCOMPARE(c.timing.maxEventsPerBatch, original.timing.maxEventsPerBatch);
    QCOMPARE(c.pollerSettings().transport, original.timing.transport);
}

void tst_ChannelConfig::environmentReferencesAreStoredAsWritten()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings,
                               std::make_shared<FileSecretStore>(dir.filePath("secrets.json")));
    ChannelConfig original = sampleConfig();
    original.token = "${env:LW_TEST_TOKEN}";
    original.timing.transport.proxy.password = "${env:LW_PROXY_PW}";
    store.save({original});
    QVERIFY(fileText(dir.filePath("channels.ini")).contains("${env:LW_TEST_TOKEN}"));

    const ChannelConfig c = store.load().value(0);
    QVERIFY(c.pendingSecretFields.isEmpty());
    QCOMPARE(c.token, original.token);
    QCOMPARE(c.timing.transport.proxy.password, original.timing.transport.proxy.password);
    // Left for the Poller to resolve with each request.
    QCOMPARE(c.pollerSettings().headers.value(1).second, QByteArray("Bearer ${env:LW_TEST_TOKEN}"));
    QCOMPARE(c.pollerSettings().transport.proxy.password, QStringLiteral("${env:LW_PROXY_PW}"));
}

void tst_ChannelConfig::plainTextSecretsMoveToTheSecretStoreOnLoad()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("channels.ini");
    {
        // As older versions wrote it: the token in the clear.
        QSettings old(path, QSettings::IniFormat);
        old.beginWriteArray("channels", 1);
        old.setArrayIndex(0);
        old.setValue("id", "old-channel");
        old.setValue("name", "Old");
        old.setValue("url", "http://127.0.0.1:9/poll");
        old.setValue("auth", "bearer");
        old.setValue("token", "plain-t0ken");
        old.endArray();
        old.sync();
    }
    QVERIFY(fileText(path).contains("plain-t0ken"));

    QSettings settings(path, QSettings::IniFormat);
    auto secrets = std::make_shared<FileSecretStore>(dir.filePath("secrets.json"));
    SettingsChannelStore store(&settings, secrets);
    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().token, QStringLiteral("plain-t0ken"));
    QVERIFY(!fileText(path).contains("plain-t0ken"));

    std::optional<SecretStore::Result> kept;
    secrets->read("channel/old-channel/token", this,
                  [&kept](const SecretStore::Result &r) { kept = r; });
    QTRY_VERIFY(kept.has_value());
    QCOMPARE(kept->status, SecretStore::Status::Ok);
    QCOMPARE(kept->value, QStringLiteral("plain-t0ken"));

    // And the next run finds it there.
    const ChannelConfig again = withSecrets(store, store.load().value(0));
    QCOMPARE(again.token, QStringLiteral("plain-t0ken"));
}

void tst_ChannelConfig::withoutASecretStoreSecretsAreNotWritten()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings);
    store.save({transportConfig()});
    const QByteArray text = fileText(dir.filePath("channels.ini"));
    QVERIFY(text.contains("proxy.example"));
    QVERIFY(!text.contains("t0ken-value"));
    QVERIFY(!text.contains("proxy-s3cret"));
    QVERIFY(store.load().value(0).pendingSecretFields.isEmpty());
}

void tst_ChannelConfig::basicAuthenticationTakesEnvironmentReferences()
{
    ChannelConfig c = sampleConfig();
    c.auth = ChannelConfig::Auth::Basic;
    c.user = "ann";
    c.password = "plain";
    QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join('\n')));
    c.user = "${env:LW_USER}";
    c.password = "${env:LW_PW}";
    QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join('\n')));
    // Handed over unresolved: the Poller resolves them for each request.
    const PollerSettings settings = c.pollerSettings();
    QCOMPARE(settings.basicAuth.user, QStringLiteral("${env:LW_USER}"));
    QCOMPARE(settings.basicAuth.password, QStringLiteral("${env:LW_PW}"));
    // A reference is no secret: it stays in the map, and nothing is pending.
    const QVariantMap map = c.toVariantMap();
    QCOMPARE(map.value("password").toString(), QStringLiteral("${env:LW_PW}"));
    QVERIFY(!map.value("secretFields").toStringList().contains("password"));
}

void tst_ChannelConfig::secretHeaderFieldsAreNamedPerHeader()
{
    ChannelConfig c;
    c.id = "hdr";
    c.headers = {{"X-Api-Version", "2"},
                 {"X-Api-Key", "k3y"},
                 {"Cookie", "a=1"},
                 {"Cookie", "b=2"},
                 {"X-Auth-Token", "${env:LW_HEADER_TOKEN}"}};
    QCOMPARE(c.headerSecretFields(), QStringList({"header/X-Api-Key", "header/Cookie",
                                                  "header/Cookie/2", "header/X-Auth-Token"}));
    QCOMPARE(c.allSecretFields(), ChannelConfig::secretFields() + c.headerSecretFields());
    QCOMPARE(c.secret("header/Cookie/2"), QStringLiteral("b=2"));
    QCOMPARE(c.secretKey("header/X-Api-Key"), QStringLiteral("channel/hdr/header/X-Api-Key"));
    // A reference is not kept in a SecretStore; a header that is no secret has no field.
    QCOMPARE(c.storableSecretFields(),
             QStringList({"header/X-Api-Key", "header/Cookie", "header/Cookie/2"}));
    QVERIFY(c.secret("header/X-Api-Version").isEmpty());

    c.setSecret("header/Cookie/2", "b=3");
    QCOMPARE(c.headers.at(3).second, QByteArray("b=3"));
    c.setSecret("header/Cookie/3", "nowhere"); // no third Cookie: ignored
    c.setSecret("header/X-Missing", "nowhere");
    QCOMPARE(c.headers.size(), 5);
    QCOMPARE(c.headers.at(2).second, QByteArray("a=1"));
}

void tst_ChannelConfig::secretHeaderValuesAreNeverInTheVariantMap()
{
    ChannelConfig c = sampleConfig();
    c.headers = {{"X-Api-Version", "2"},
                 {"X-Api-Key", "k3y-s3cret-value"},
                 {"Cookie", "session=c00kie-s3cret"},
                 {"X-Auth-Token", "${env:LW_HEADER_TOKEN}"}};
    const QVariantMap map = c.toVariantMap();
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const QString text = it.value().toStringList().join('|') + it.value().toString();
        for (const char *secret : {"k3y-s3cret-value", "c00kie-s3cret", "t0ken-value"})
            QVERIFY2(!text.contains(secret), qPrintable(it.key() + ": " + text));
    }
    // The header stays, without its value; its field is listed as kept elsewhere.
    QCOMPARE(map.value("headers").toString(),
             QStringLiteral("X-Api-Version: 2\nX-Api-Key:\nCookie:\n"
                            "X-Auth-Token: ${env:LW_HEADER_TOKEN}"));
    QCOMPARE(map.value("secretFields").toStringList(),
             QStringList({"token", "header/X-Api-Key", "header/Cookie"}));

    // Read back, the values are pending until a SecretStore fills them in.
    const ChannelConfig back = ChannelConfig::fromVariantMap(map);
    QCOMPARE(back.pendingSecretFields, QStringList({"token", "header/X-Api-Key", "header/Cookie"}));
    QCOMPARE(back.headers.size(), 4);
    QVERIFY(back.headers.at(1).second.isEmpty());
    QCOMPARE(back.headers.at(3).second, QByteArray("${env:LW_HEADER_TOKEN}"));
    // Still pending (not read yet), a header keeps its place in the map.
    QCOMPARE(back.toVariantMap().value("secretFields").toStringList(),
             map.value("secretFields").toStringList());
    QCOMPARE(back.toVariantMap().value("headers"), map.value("headers"));
}

void tst_ChannelConfig::secretHeaderValuesSurviveTheStoreOutsideTheFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    auto secrets = std::make_shared<FileSecretStore>(dir.filePath("secrets.json"));
    SettingsChannelStore store(&settings, secrets);
    ChannelConfig original = sampleConfig();
    original.headers = {{"X-Api-Version", "2"},
                        {"X-Api-Key", "k3y-s3cret-value"},
                        {"Cookie", "a=c00kie-one"},
                        {"Cookie", "b=c00kie-two"},
                        {"X-Auth-Token", "${env:LW_HEADER_TOKEN}"}};
    store.save({original});

    const QByteArray text = fileText(dir.filePath("channels.ini"));
    QVERIFY(text.contains("X-Api-Version: 2"));
    QVERIFY(text.contains("X-Api-Key"));
    QVERIFY(text.contains("${env:LW_HEADER_TOKEN}")); // a reference stays as written
    for (const char *secret : {"k3y-s3cret-value", "c00kie-one", "c00kie-two", "t0ken-value"})
        QVERIFY2(!text.contains(secret), secret);

    std::optional<SecretStore::Result> kept;
    secrets->read("channel/3c8e-test/header/X-Api-Key", this,
                  [&kept](const SecretStore::Result &r) { kept = r; });
    QTRY_VERIFY(kept.has_value());
    QCOMPARE(kept->status, SecretStore::Status::Ok);
    QCOMPARE(kept->value, QStringLiteral("k3y-s3cret-value"));

    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().pendingSecretFields,
             QStringList({"token", "header/X-Api-Key", "header/Cookie", "header/Cookie/2"}));
    const ChannelConfig c = withSecrets(store, loaded.first());
    QCOMPARE(c.headers, original.headers);
    QCOMPARE(c.token, original.token);
    QVERIFY(c.pendingSecretFields.isEmpty());
    QCOMPARE(c.pollerSettings().headers.mid(0, 5), original.headers);
}

void tst_ChannelConfig::plainTextSecretHeadersMoveToTheSecretStoreOnLoad()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("channels.ini");
    {
        // As older versions wrote it: header values in the clear.
        QSettings old(path, QSettings::IniFormat);
        old.beginWriteArray("channels", 1);
        old.setArrayIndex(0);
        old.setValue("id", "old-channel");
        old.setValue("name", "Old");
        old.setValue("url", "http://127.0.0.1:9/poll");
        old.setValue("headers", "X-Team: blue\nX-Api-Key: plain-k3y-value");
        old.endArray();
        old.sync();
    }
    QVERIFY(fileText(path).contains("plain-k3y-value"));

    QSettings settings(path, QSettings::IniFormat);
    auto secrets = std::make_shared<FileSecretStore>(dir.filePath("secrets.json"));
    SettingsChannelStore store(&settings, secrets);
    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().headers.value(1).second, QByteArray("plain-k3y-value"));
    const QByteArray text = fileText(path);
    QVERIFY(!text.contains("plain-k3y-value"));
    QVERIFY(text.contains("X-Team: blue"));

    std::optional<SecretStore::Result> kept;
    secrets->read("channel/old-channel/header/X-Api-Key", this,
                  [&kept](const SecretStore::Result &r) { kept = r; });
    QTRY_VERIFY(kept.has_value());
    QCOMPARE(kept->status, SecretStore::Status::Ok);
    QCOMPARE(kept->value, QStringLiteral("plain-k3y-value"));

    // And the next run finds it there.
    const ChannelConfig again = withSecrets(store, store.load().value(0));
    QCOMPARE(again.headers, HeaderList({{"X-Team", "blue"}, {"X-Api-Key", "plain-k3y-value"}}));
}

void tst_ChannelConfig::aRemovedSecretHeaderTakesItsSecretAlong()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath("channels.ini"), QSettings::IniFormat);
    auto secrets = std::make_shared<FileSecretStore>(dir.filePath("secrets.json"));
    SettingsChannelStore store(&settings, secrets);
    ChannelConfig c = sampleConfig();
    c.headers = {{"X-Api-Key", "k3y-s3cret-value"}};
    store.save({c});
    c.headers.clear();
    store.save({c});

    const auto status = [&](const QString &key) {
        std::optional<SecretStore::Status> result;
        secrets->read(key, this, [&result](const SecretStore::Result &r) { result = r.status; });
        return QTest::qWaitFor([&result] { return result.has_value(); })
                   ? *result
                   : SecretStore::Status::Failed;
    };
    QCOMPARE(status("channel/3c8e-test/header/X-Api-Key"), SecretStore::Status::NotFound);
    QCOMPARE(status("channel/3c8e-test/token"), SecretStore::Status::Ok);
}

void tst_ChannelConfig::badTransportSettingsAreNamed()
{
    ChannelConfig c = transportConfig();
    QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join('\n')));
    c.timing.transport.proxy.host.clear();
    QVERIFY(c.validate().join(' ').contains("proxy"));
    c = transportConfig();
    c.timing.transport.tls.pinnedSha256 = {"not-a-fingerprint"};
    QVERIFY(c.validate().join(' ').contains("not-a-fingerprint"));
    c = transportConfig();
    c.timing.maxBodyBytes = 0;
    QVERIFY(c.validate().join(' ').contains("limits"));
}

void tst_ChannelConfig::transientDetailsAreNotStored()
{
    ChannelConfig c = sampleConfig();
    c.transient = true;
    const ChannelConfig back = ChannelConfig::fromVariantMap(c.toVariantMap());
    QCOMPARE(back.transient, false);
    QVERIFY(!c.toVariantMap().contains("transient"));
}

void tst_ChannelConfig::sameAddressIgnoresSecretsOnly_data()
{
    QTest::addColumn<QString>("here");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("fileProfile");
    QTest::addColumn<bool>("same");
    const QString poll = "http://ci.example:8080/feeds/builds/poll";
    QTest::newRow("the same address") << poll << poll << "seed-events" << true;
    QTest::newRow("a token left out of the file")
        << poll + "?access_token=TOPSECRET42" << poll + "?access_token="
        << "seed-events" << true;
    QTest::newRow("user and password left out")
        << "http://me:pw@ci.example:8080/feeds/builds/poll" << poll << "seed-events" << true;
    QTest::newRow("a trailing slash") << poll << poll + "/"
                                      << "seed-events" << true;
    QTest::newRow("another feed") << poll << "http://ci.example:8080/feeds/tests/poll"
                                  << "seed-events" << false;
    QTest::newRow("another port") << poll << "http://ci.example:8081/feeds/builds/poll"
                                  << "seed-events" << false;
    QTest::newRow("another query") << poll + "?topic=a" << poll + "?topic=b"
                                   << "seed-events" << false;
    QTest::newRow("another profile") << poll << poll << "generic-json" << false;
}

void tst_ChannelConfig::sameAddressIgnoresSecretsOnly()
{
    QFETCH(QString, here);
    QFETCH(QString, file);
    QFETCH(QString, fileProfile);
    QFETCH(bool, same);
    ChannelConfig a;
    a.url = QUrl(here);
    a.profileId = "seed-events";
    ChannelConfig b;
    b.url = QUrl(file);
    b.profileId = fileProfile;
    QCOMPARE(a.sameAddress(b), same);
    QCOMPARE(b.sameAddress(a), same);
}

QTEST_GUILESS_MAIN(tst_ChannelConfig)
#include "tst_channelconfig.moc"
