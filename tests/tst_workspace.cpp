#include "channelconfig.h"
#include "workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

// Every kind of field set away from its default; its secrets are all
// ${env:} references, which a workspace keeps.
ChannelConfig fullConfig()
{
    ChannelConfig c;
    c.id = ChannelConfig::newId();
    c.name = "Builds";
    c.url = QUrl("https://ci.example/feeds/builds/poll?since=now#top");
    c.profileId = "generic-json";
    c.knobs = {{"hold", "20"},
               {"events-path", "data.events"},
               {"method", "POST"},
               {"body", R"({"channel": "builds", "cursor": null})"}};
    c.headers = {{"X-Api-Version", "2"},
                 {"Accept", "application/json"},
                 {"X-Api-Key", "${env:LW_API_KEY}"},
                 {"Authorization", "Bearer ${env:LW_OTHER}"}};
    c.auth = ChannelConfig::Auth::Bearer;
    c.token = "${env:LW_TOKEN}";
    c.user = "ann";
    c.password = "${env:LW_PASSWORD}";
    c.timing.connectTimeout = 3s;
    c.timing.deadlineMargin = 7s;
    c.timing.inactivityTimeout = 45s;
    c.timing.backoffInitial = 2s;
    c.timing.backoffMax = 90s;
    c.timing.maxBodyBytes = 1234567;
    c.timing.maxHeaderBytes = 4321;
    c.timing.maxEventsPerBatch = 77;
    TransportOptions &t = c.timing.transport;
    t.proxy.mode = ProxySettings::Mode::Socks5;
    t.proxy.host = "proxy.example";
    t.proxy.port = 1080;
    t.proxy.user = "proxy-user";
    t.proxy.password = "${env:LW_PROXY_PW}";
    t.httpVersion = HttpVersion::Http1Only;
    t.tls.caCertificatesFile = "/etc/ca/lab.pem";
    t.tls.clientCertificateFile = "/home/ann/client.pem";
    t.tls.clientKeyFile = "/home/ann/client.key";
    t.tls.clientKeyPassphrase = "${env:LW_KEY_PW}";
    t.tls.pinnedSha256 = {QString(64, 'a'), QString(64, 'b')};
    c.jobs.jobPaths = {"build.id", "build.number"};
    c.jobs.statusPath = "build.state";
    c.jobs.progressPath = "build.percent";
    c.notifications.followDefaults = false;
    c.notifications.rules.setOn(NotificationRules::Transition::JobFailed, false);
    c.notifications.rules.setOn(NotificationRules::Transition::JobFixed, false);
    c.notifications.rules.setOn(NotificationRules::Transition::JobFinished, true);
    c.notifications.rules.setDownMinutes(9);
    c.jobSeriesPattern = "^(.+?)-\\d+$";
    c.paused = true;
    return c;
}

ChannelConfig basicConfig()
{
    ChannelConfig c;
    c.id = ChannelConfig::newId();
    c.name = "Deploys";
    c.url = QUrl("http://127.0.0.1:8080/deploys");
    c.profileId = "seed-queue";
    c.auth = ChannelConfig::Auth::Basic;
    c.user = "deployer";
    c.password = "${env:LW_DEPLOY_PW}";
    c.timing.transport.proxy.mode = ProxySettings::Mode::NoProxy;
    c.timing.transport.httpVersion = HttpVersion::Http2;
    c.timing.maxEventsPerBatch = 0;
    return c;
}

// A channel with every secret in the clear, in every place one can hide.
ChannelConfig secretConfig()
{
    ChannelConfig c;
    c.id = ChannelConfig::newId();
    c.name = "Secrets";
    c.url = QUrl("https://feed.example/poll?access_token=url-t0ken-value&since=1");
    c.profileId = "generic-json";
    c.knobs = {{"method", "POST"}, {"body", R"({"auth": {"api_key": "body-s3cret-value"}})"}};
    c.headers = {{"X-Api-Key", "header-s3cret-value"},
                 {"Cookie", "session=cookie-s3cret-value"},
                 {"Authorization", "Bearer part-s3cret${env:LW_SUFFIX}"},
                 {"X-Trace", "not-secret-trace"}};
    c.auth = ChannelConfig::Auth::Bearer;
    c.token = "t0ken-s3cret-value";
    c.password = "passw0rd-s3cret-value";
    c.timing.transport.proxy.mode = ProxySettings::Mode::Http;
    c.timing.transport.proxy.host = "proxy.example";
    c.timing.transport.proxy.port = 3128;
    c.timing.transport.proxy.user = "proxy-user";
    c.timing.transport.proxy.password = "proxy-s3cret-value";
    c.timing.transport.tls.clientKeyPassphrase = "key-s3cret-value";
    return c;
}

const char *const kSecretValues[] = {"url-t0ken-value",       "body-s3cret-value",
                                     "header-s3cret-value",   "cookie-s3cret-value",
                                     "part-s3cret",           "t0ken-s3cret-value",
                                     "passw0rd-s3cret-value", "proxy-s3cret-value",
                                     "key-s3cret-value",      "123456:AAH-bot-t0ken-value",
                                     "user-s3cret-value"};

// A configuration as data, for comparing: everything but the id, with the
// secrets themselves.
QVariantMap comparable(const ChannelConfig &c)
{
    QVariantMap map = c.toVariantMap();
    map.remove("id");
    for (const QString &field : c.allSecretFields())
        map.insert("secret:" + field, c.secret(field));
    map.insert("transient", c.transient);
    map.insert("pending", c.pendingSecretFields);
    return map;
}

bool sameConfig(const ChannelConfig &actual, const ChannelConfig &expected)
{
    const QVariantMap a = comparable(actual);
    const QVariantMap e = comparable(expected);
    bool same = true;
    for (const QString &key :
         QSet<QString>(a.keyBegin(), a.keyEnd()) + QSet<QString>(e.keyBegin(), e.keyEnd())) {
        if (a.value(key) != e.value(key)) {
            qWarning().noquote() << key << ": got" << a.value(key) << "expected" << e.value(key);
            same = false;
        }
    }
    return same;
}

QJsonObject channelObject(const QByteArray &json, int index)
{
    return QJsonDocument::fromJson(json).object().value("channels").toArray().at(index).toObject();
}

// A workspace file around the given channel objects.
QByteArray workspaceWith(const QByteArray &channels)
{
    return R"({"format": "longwatch-workspace", "version": 1, "channels": [)" + channels + "]}";
}

} // namespace

class tst_Workspace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTripKeepsEveryField();
    void everyStoredFieldIsInTheFile();
    void fileIsReadableJson();
    void secretsNeverReachTheFile();
    void addressesThatCannotBeMaskedKeepOnlyTheServer();
    void omittedSecretsAreAskedForOnImport();
    void masksInAnAddressAreNeverImported_data();
    void masksInAnAddressAreNeverImported();
    void environmentReferencesAreKept();
    void secretsStillInTheKeychainAreOmitted();
    void filledInSecretsAreNotAskedFor();
    void transientChannelsAreNotExported();
    void importsGiveNewIds();
    void malformedFilesAreRefused_data();
    void malformedFilesAreRefused();
    void newerVersionIsRefused();
    void oversizedFilesAreRefused();
    void badChannelsAreSkipped_data();
    void badChannelsAreSkipped();
    void headerProblemsAreNamed();
    void unknownProfileIsNamed();
    void absentAndNullFieldsTakeDefaults();
};

void tst_Workspace::roundTripKeepsEveryField()
{
    ChannelConfig plain;
    plain.id = ChannelConfig::newId();
    plain.name = "Defaults";
    plain.url = QUrl("http://127.0.0.1:9/poll");
    const QList<ChannelConfig> original = {fullConfig(), basicConfig(), plain};

    const WorkspaceExport exported = exportWorkspace(original);
    QVERIFY2(exported.omitted.isEmpty(), qPrintable(exported.omitted.join('\n')));
    const WorkspaceImport imported = importWorkspace(exported.json);
    QVERIFY2(imported.ok, qPrintable(imported.error));
    QVERIFY2(imported.warnings.isEmpty(), qPrintable(imported.warnings.join('\n')));
    QCOMPARE(imported.channels.size(), original.size());
    for (qsizetype i = 0; i < original.size(); ++i) {
        QVERIFY2(sameConfig(imported.channels.at(i), original.at(i)),
                 qPrintable(original.at(i).name));
        QVERIFY(imported.channels.at(i).id != original.at(i).id);
    }
    // The fields compared above, spelled out for the ones that matter most.
    const ChannelConfig &c = imported.channels.first();
    QCOMPARE(c.knobs, original.first().knobs);
    QCOMPARE(c.headers, original.first().headers);
    QCOMPARE(c.timing.transport, original.first().timing.transport);
    QCOMPARE(c.jobs, original.first().jobs);
    QCOMPARE(c.notifications, original.first().notifications);
    QCOMPARE(c.jobSeriesPattern, original.first().jobSeriesPattern);
    QCOMPARE(c.timing.backoffMax, 90s);
    QCOMPARE(c.paused, true);
    QCOMPARE(imported.channels.at(1).auth, ChannelConfig::Auth::Basic);
    QCOMPARE(imported.channels.at(1).timing.transport.httpVersion, HttpVersion::Http2);

    // A second round changes nothing more.
    const WorkspaceImport again = importWorkspace(exportWorkspace(imported.channels).json);
    QCOMPARE(again.channels.size(), original.size());
    for (qsizetype i = 0; i < original.size(); ++i)
        QVERIFY(sameConfig(again.channels.at(i), original.at(i)));
}

void tst_Workspace::everyStoredFieldIsInTheFile()
{
    // A field added to ChannelConfig::toVariantMap() must be added to the
    // workspace's list too, or it would be lost on the way.
    const ChannelConfig c = fullConfig();
    QStringList stored = c.toVariantMap().keys();
    stored.removeAll("id");
    stored.removeAll("secretFields");
    const QJsonObject written = channelObject(exportWorkspace({c}).json, 0);
    for (const QString &key : std::as_const(stored))
        QVERIFY2(written.contains(key), qPrintable(key));
    QVERIFY(!written.contains("id"));
    QVERIFY(!written.contains("secretFields"));
}

void tst_Workspace::fileIsReadableJson()
{
    const QDateTime when(QDate(2026, 11, 22), QTime(20, 31, 41), Qt::UTC);
    const QByteArray json = exportWorkspace({basicConfig()}, when).json;
    QVERIFY(json.startsWith("{\n    \"format\": \"longwatch-workspace\",\n    \"version\": 1,\n"));
    QVERIFY(json.contains("\n            \"name\": \"Deploys\",\n"));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject root = document.object();
    QCOMPARE(root.value("format").toString(), "longwatch-workspace");
    QCOMPARE(root.value("version").toInt(), 1);
    QCOMPARE(root.value("exported").toString(), "2026-11-22T20:31:41Z");
    QCOMPARE(root.value("channels").toArray().size(), 1);
    QCOMPARE(channelObject(json, 0).value("url").toString(), "http://127.0.0.1:8080/deploys");

    // No channels: still a workspace.
    const QByteArray empty = exportWorkspace({}, when).json;
    QVERIFY(QJsonDocument::fromJson(empty).object().value("channels").isArray());
    const WorkspaceImport none = importWorkspace(empty);
    QVERIFY(none.ok);
    QVERIFY(none.channels.isEmpty());
    QVERIFY(none.warnings.isEmpty());
}

void tst_Workspace::secretsNeverReachTheFile()
{
    ChannelConfig bot;
    bot.name = "Bot";
    bot.url = QUrl("https://api.telegram.org/bot123456:AAH-bot-t0ken-value/getUpdates");
    bot.profileId = "telegram-getupdates";
    ChannelConfig userInfo;
    userInfo.name = "Userinfo";
    userInfo.url = QUrl("https://ann:user-s3cret-value@feed.example/poll");

    const WorkspaceExport exported = exportWorkspace({secretConfig(), bot, userInfo});
    for (const char *secret : kSecretValues)
        QVERIFY2(!exported.json.contains(secret), secret);
    QVERIFY(exported.json.contains("not-secret-trace"));
    QVERIFY(exported.json.contains("proxy-user"));
    QVERIFY(exported.json.contains("feed.example"));

    const QStringList expected = {"Secrets: token",
                                  "Secrets: password",
                                  "Secrets: proxy password",
                                  "Secrets: key passphrase",
                                  "Secrets: header X-Api-Key",
                                  "Secrets: header Cookie",
                                  "Secrets: header Authorization",
                                  "Secrets: the POST body (it holds secrets)",
                                  "Secrets: the secret parts of the address",
                                  "Bot: the secret parts of the address",
                                  "Userinfo: the secret parts of the address"};
    for (const QString &phrase : expected)
        QVERIFY2(exported.omitted.contains(phrase), qPrintable(exported.omitted.join('\n')));
    QCOMPARE(exported.omitted.size(), expected.size());

    // The headers stay, without their values, so the person sees where to
    // fill them in; the address keeps its place with *** for the secret.
    const QJsonObject channel = channelObject(exported.json, 0);
    QCOMPARE(channel.value("headers").toString(),
             "X-Api-Key:\nCookie:\nAuthorization:\nX-Trace: not-secret-trace");
    QVERIFY(channel.value("url").toString().contains("access_token=***"));
    QVERIFY(channel.value("url").toString().contains("since=1"));
    QVERIFY(!channel.value("knobs").toObject().contains("body"));
    QCOMPARE(channel.value("knobs").toObject().value("method").toString(), "POST");
    QVERIFY(!channel.contains("token"));
    QVERIFY(!channel.contains("secretFields"));
    QCOMPARE(channelObject(exported.json, 1).value("url").toString(),
             "https://api.telegram.org/bot***/getUpdates");
}

void tst_Workspace::addressesThatCannotBeMaskedKeepOnlyTheServer()
{
    // A bot token with an encoded '/' (found by fuzz_workspace): masked
    // whole, like any token.
    ChannelConfig bot;
    bot.name = "Bot";
    bot.url = QUrl("https://api.telegram.org/bot123:AAH%2Fmore/getUpdates");
    const WorkspaceExport exported = exportWorkspace({bot});
    QVERIFY(!exported.json.contains("AAH"));
    QCOMPARE(channelObject(exported.json, 0).value("url").toString(),
             "https://api.telegram.org/bot***/getUpdates");

    // A secret that is also part of the rest of the address.
    ChannelConfig echo;
    echo.name = "Echo";
    echo.url = QUrl("https://feed.example/s3cret-path/poll?token=s3cret-path");
    const QByteArray json = exportWorkspace({echo}).json;
    QVERIFY(!json.contains("s3cret-path"));
    QCOMPARE(channelObject(json, 0).value("url").toString(), "https://feed.example");
}

void tst_Workspace::omittedSecretsAreAskedForOnImport()
{
    ChannelConfig bot;
    bot.name = "Bot";
    bot.url = QUrl("https://api.telegram.org/bot123456:AAH-bot-t0ken-value/getUpdates");
    bot.profileId = "telegram-getupdates";
    const WorkspaceImport imported = importWorkspace(exportWorkspace({secretConfig(), bot}).json);
    QVERIFY2(imported.ok, qPrintable(imported.error));
    QCOMPARE(imported.channels.size(), 2);
    const QStringList expected = {
        "Secrets: enter the token again in Edit channel.",
        "Secrets: enter the password again in Edit channel.",
        "Secrets: enter the proxy password again in Edit channel.",
        "Secrets: enter the key passphrase again in Edit channel.",
        "Secrets: enter the value of the header X-Api-Key again in Edit channel.",
        "Secrets: enter the value of the header Cookie again in Edit channel.",
        "Secrets: enter the value of the header Authorization again in Edit channel.",
        "Secrets: enter the POST body again in Edit channel; it held secrets and was left out of "
        "the workspace file.",
        "Secrets: the secret parts of the address were left out of the workspace file; the "
        "channel stays paused until you enter them in Edit channel and resume it.",
        "Bot: the secret parts of the address were left out of the workspace file; the channel "
        "stays paused until you enter them in Edit channel and resume it.",
    };
    for (const QString &sentence : expected)
        QVERIFY2(imported.warnings.contains(sentence), qPrintable(imported.warnings.join('\n')));
    QCOMPARE(imported.warnings.size(), expected.size());

    const ChannelConfig &c = imported.channels.first();
    for (const QString &field : c.allSecretFields())
        QVERIFY2(c.secret(field).isEmpty(), qPrintable(field));
    QCOMPARE(c.headers.size(), 4);
    QCOMPARE(c.headers.at(0), std::make_pair(QByteArray("X-Api-Key"), QByteArray()));
    QCOMPARE(c.headers.at(3).second, QByteArray("not-secret-trace"));
    QVERIFY(c.pendingSecretFields.isEmpty());
    // Everything that is not secret came through.
    QCOMPARE(c.auth, ChannelConfig::Auth::Bearer);
    QCOMPARE(c.timing.transport.proxy.host, "proxy.example");
    QCOMPARE(c.timing.transport.proxy.user, "proxy-user");
    QCOMPARE(c.knobs.value("method").toString(), "POST");
    QVERIFY(c.validate().join(' ').contains("token")); // the channel cannot run until then
    // The address keeps the places of its secrets, empty, never "***"; the
    // channel waits, paused, for the person to fill them in.
    QCOMPARE(c.url, QUrl("https://feed.example/poll?access_token=&since=1"));
    QVERIFY(c.paused);
    const ChannelConfig &bot2 = imported.channels.at(1);
    QCOMPARE(bot2.url, QUrl("https://api.telegram.org/bot/getUpdates"));
    QVERIFY(bot2.paused);
}

void tst_Workspace::masksInAnAddressAreNeverImported_data()
{
    QTest::addColumn<QByteArray>("channel");
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("paused");

    QTest::newRow("a token written as *** by the export")
        << QByteArray(R"("url": "http://127.0.0.1:9/poll?access_token=***&since=1",
                         "omittedSecrets": ["url"])")
        << "http://127.0.0.1:9/poll?access_token=&since=1" << true;
    QTest::newRow("a mask written by hand, without omittedSecrets")
        << QByteArray(R"("url": "http://127.0.0.1:9/poll?api_key=***")")
        << "http://127.0.0.1:9/poll?api_key=" << true;
    QTest::newRow("a percent-encoded mask")
        << QByteArray(R"("url": "http://127.0.0.1:9/poll?token=%2A%2A%2A")")
        << "http://127.0.0.1:9/poll?token=" << true;
    QTest::newRow("a masked bot token and user info")
        << QByteArray(R"("url": "https://***@api.telegram.org/bot***/getUpdates")")
        << "https://api.telegram.org/bot/getUpdates" << true;
    QTest::newRow("user info left out: nothing to see, but still lacking")
        << QByteArray(R"("url": "https://feed.example/poll", "omittedSecrets": ["url"])")
        << "https://feed.example/poll" << true;
    QTest::newRow("a token filled in after the export")
        << QByteArray(R"("url": "http://127.0.0.1:9/poll?access_token=typed-in",
                         "omittedSecrets": ["url"])")
        << "http://127.0.0.1:9/poll?access_token=typed-in" << false;
    QTest::newRow("an address without secrets")
        << QByteArray(R"("url": "http://127.0.0.1:9/poll?since=***")")
        << "http://127.0.0.1:9/poll?since=***" << false;
}

void tst_Workspace::masksInAnAddressAreNeverImported()
{
    QFETCH(QByteArray, channel);
    QFETCH(QString, url);
    QFETCH(bool, paused);
    const WorkspaceImport imported =
        importWorkspace(workspaceWith(R"({"name": "Builds", )" + channel + "}"));
    QVERIFY2(imported.ok, qPrintable(imported.error));
    QCOMPARE(imported.channels.size(), 1);
    const ChannelConfig &c = imported.channels.first();
    QCOMPARE(c.url, QUrl(url));
    QCOMPARE(c.paused, paused);
    QCOMPARE(imported.warnings.size(), paused ? 1 : 0);
    if (paused) {
        QCOMPARE(imported.warnings.first(),
                 "Builds: the secret parts of the address were left out of the workspace file; "
                 "the channel stays paused until you enter them in Edit channel and resume it.");
        for (const QString &field : c.urlSecretFields())
            QVERIFY2(c.secret(field).isEmpty(), qPrintable(field));
    }
}

void tst_Workspace::environmentReferencesAreKept()
{
    const WorkspaceExport exported = exportWorkspace({fullConfig()});
    QVERIFY2(exported.omitted.isEmpty(), qPrintable(exported.omitted.join('\n')));
    for (const char *reference :
         {"${env:LW_TOKEN}", "${env:LW_PASSWORD}", "${env:LW_PROXY_PW}", "${env:LW_KEY_PW}",
          "X-Api-Key: ${env:LW_API_KEY}", "Authorization: Bearer ${env:LW_OTHER}"})
        QVERIFY2(exported.json.contains(reference), reference);
    const ChannelConfig c = importWorkspace(exported.json).channels.value(0);
    QCOMPARE(c.token, "${env:LW_TOKEN}");
    QCOMPARE(c.timing.transport.tls.clientKeyPassphrase, "${env:LW_KEY_PW}");
}

void tst_Workspace::secretsStillInTheKeychainAreOmitted()
{
    // As SettingsChannelStore::load() gives a channel before its secrets
    // were read back: empty, and pending.
    ChannelConfig c = basicConfig();
    c.password.clear();
    c.headers = {{"X-Api-Key", ""}};
    c.pendingSecretFields = {"password", "header/X-Api-Key"};
    const WorkspaceExport exported = exportWorkspace({c});
    QCOMPARE(exported.omitted, QStringList({"Deploys: password", "Deploys: header X-Api-Key"}));
    QVERIFY(!exported.json.contains("secretFields"));
    const WorkspaceImport imported = importWorkspace(exported.json);
    QCOMPARE(imported.warnings,
             QStringList({"Deploys: enter the password again in Edit channel.",
                          "Deploys: enter the value of the header X-Api-Key again in Edit "
                          "channel."}));
    QVERIFY(imported.channels.value(0).pendingSecretFields.isEmpty());

    // A secret of the address not read back yet: its place is empty, and
    // the export says it is left out.
    ChannelConfig pending = basicConfig();
    pending.url = QUrl("http://127.0.0.1:8080/deploys?access_token=");
    pending.pendingSecretFields = {"url/query/access_token"};
    const WorkspaceExport withAddress = exportWorkspace({pending});
    QCOMPARE(withAddress.omitted, QStringList{"Deploys: the secret parts of the address"});
    const ChannelConfig back = importWorkspace(withAddress.json).channels.value(0);
    QCOMPARE(back.url, pending.url);
    QVERIFY(back.paused);
}

void tst_Workspace::filledInSecretsAreNotAskedFor()
{
    // A person (or a script) filled the token into the file after the export.
    const QByteArray json = workspaceWith(R"({"name": "Builds", "url": "http://127.0.0.1:9/x",
        "auth": "bearer", "token": "typed-in", "omittedSecrets": ["token", "password", "made-up"]})");
    const WorkspaceImport imported = importWorkspace(json);
    QVERIFY(imported.ok);
    QCOMPARE(imported.channels.value(0).token, "typed-in");
    QCOMPARE(imported.warnings, QStringList{"Builds: enter the password again in Edit channel."});
}

void tst_Workspace::transientChannelsAreNotExported()
{
    ChannelConfig demo = basicConfig();
    demo.name = "Demo";
    demo.transient = true;
    const WorkspaceExport exported = exportWorkspace({demo, fullConfig()});
    QCOMPARE(exported.omitted, QStringList{"Demo: the whole channel (it is temporary)"});
    const WorkspaceImport imported = importWorkspace(exported.json);
    QCOMPARE(imported.channels.size(), 1);
    QCOMPARE(imported.channels.first().name, "Builds");
    QVERIFY(!imported.channels.first().transient);
}

void tst_Workspace::importsGiveNewIds()
{
    const ChannelConfig original = fullConfig();
    const QByteArray json = exportWorkspace({original, original}).json;
    QVERIFY(!json.contains(original.id.toUtf8()));
    const WorkspaceImport first = importWorkspace(json);
    const WorkspaceImport second = importWorkspace(json);
    QSet<QString> ids{original.id};
    for (const ChannelConfig &c : first.channels + second.channels) {
        QVERIFY(!c.id.isEmpty());
        QVERIFY2(!ids.contains(c.id), qPrintable(c.id));
        ids.insert(c.id);
    }
    QCOMPARE(ids.size(), 5);
}

void tst_Workspace::malformedFilesAreRefused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");

    QTest::newRow("an empty file is not JSON") << QByteArray() << "not valid JSON";
    QTest::newRow("text is not JSON") << QByteArray("channels: none") << "not valid JSON";
    QTest::newRow("truncated JSON names the byte")
        << QByteArray(R"({"format": "longwatch-workspace", "version": 1, "chan)") << "at byte";
    QTest::newRow("an array is not a workspace")
        << QByteArray("[1, 2]") << "This is not a workspace file: it holds no JSON object.";
    QTest::newRow("another format is refused")
        << QByteArray(R"({"format": "something-else", "version": 1, "channels": []})")
        << "its \"format\" is not \"longwatch-workspace\"";
    QTest::newRow("a missing format is refused")
        << QByteArray(R"({"version": 1, "channels": []})") << "\"format\"";
    QTest::newRow("a missing version is refused")
        << QByteArray(R"({"format": "longwatch-workspace", "channels": []})")
        << "no valid version number";
    QTest::newRow("a version in quotes is refused")
        << QByteArray(R"({"format": "longwatch-workspace", "version": "1", "channels": []})")
        << "no valid version number";
    QTest::newRow("a fractional version is refused")
        << QByteArray(R"({"format": "longwatch-workspace", "version": 1.5, "channels": []})")
        << "no valid version number";
    QTest::newRow("version zero is refused")
        << QByteArray(R"({"format": "longwatch-workspace", "version": 0, "channels": []})")
        << "no valid version number";
    QTest::newRow("a huge version is refused")
        << QByteArray(R"({"format": "longwatch-workspace", "version": 1e300, "channels": []})")
        << "no valid version number";
    QTest::newRow("missing channels are refused")
        << QByteArray(R"({"format": "longwatch-workspace", "version": 1})")
        << "no list of channels";
    QTest::newRow("channels that are not a list are refused")
        << QByteArray(R"({"format": "longwatch-workspace", "version": 1, "channels": {}})")
        << "no list of channels";
    QTest::newRow("deep nesting is an error, not a crash")
        << (QByteArray(R"({"format": "longwatch-workspace", "version": 1, "channels": )") +
            QByteArray(100'000, '[') + QByteArray(100'000, ']') + "}")
        << "not valid JSON";
}

void tst_Workspace::malformedFilesAreRefused()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    const WorkspaceImport imported = importWorkspace(json);
    QVERIFY(!imported.ok);
    QVERIFY(imported.channels.isEmpty());
    QVERIFY2(imported.error.contains(expected), qPrintable(imported.error));
}

void tst_Workspace::newerVersionIsRefused()
{
    QByteArray json = exportWorkspace({basicConfig()}).json;
    json.replace("\"version\": 1,", "\"version\": 2,");
    const WorkspaceImport imported = importWorkspace(json);
    QVERIFY(!imported.ok);
    QVERIFY(imported.channels.isEmpty());
    QCOMPARE(imported.error,
             "This workspace file has version 2, from a newer Longwatch; this Longwatch reads "
             "workspace files up to version 1. Update Longwatch to import it.");
    QCOMPARE(kWorkspaceVersion, 1);
}

void tst_Workspace::oversizedFilesAreRefused()
{
    // Over the byte cap: refused before parsing (this is valid JSON).
    QByteArray big = workspaceWith("") + QByteArray(kWorkspaceMaxBytes, ' ');
    WorkspaceImport imported = importWorkspace(big);
    QVERIFY(!imported.ok);
    QCOMPARE(imported.error, "The file is larger than 16 MiB, too large for a workspace file.");

    // Over the channel cap.
    QByteArray many = "{}";
    for (qsizetype i = 0; i < kWorkspaceMaxChannels; ++i)
        many += ",{}";
    imported = importWorkspace(workspaceWith(many));
    QVERIFY(!imported.ok);
    QCOMPARE(
        imported.error,
        QString("The workspace file has %L1 channels; Longwatch imports at most %L2 at a time.")
            .arg(10'001)
            .arg(10'000));

    // At the cap: read (every channel skipped, each said).
    many.chop(3);
    imported = importWorkspace(workspaceWith(many));
    QVERIFY(imported.ok);
    QCOMPARE(imported.warnings.size(), kWorkspaceMaxChannels);
    QCOMPARE(imported.warnings.last(), "Channel 10000 was skipped: it has no name.");
}

void tst_Workspace::badChannelsAreSkipped_data()
{
    QTest::addColumn<QByteArray>("channel");
    QTest::addColumn<QString>("expected");

    QTest::newRow("a channel that is not an object")
        << QByteArray("42") << "Channel 2 was skipped: it is not a JSON object.";
    QTest::newRow("a channel without a name") << QByteArray(R"({"url": "http://x.example/"})")
                                              << "Channel 2 was skipped: it has no name.";
    QTest::newRow("a blank name") << QByteArray(R"({"name": "  ", "url": "http://x.example/"})")
                                  << "Channel 2 was skipped: it has no name.";
    QTest::newRow("a channel without an address")
        << QByteArray(R"({"name": "Ops"})") << "Channel 2 (Ops) was skipped: it has no address.";
    QTest::newRow("an ftp address")
        << QByteArray(R"({"name": "Ops", "url": "ftp://x.example/"})")
        << "Channel 2 (Ops) was skipped. The address must start with http:// or https://.";
    QTest::newRow("a name that is a number")
        << QByteArray(R"({"name": 7, "url": "http://x.example/"})")
        << "Channel 2 was skipped: \"name\" must be text.";
    QTest::newRow("paused as text")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "paused": "yes"})")
        << "Channel 2 (Ops) was skipped: \"paused\" must be true or false.";
    QTest::newRow("a port out of range")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "proxyPort": 70000})")
        << QString("Channel 2 (Ops) was skipped: \"proxyPort\" must be a whole number from %L1 "
                   "to %L2.")
               .arg(0)
               .arg(65535);
    QTest::newRow("a negative timeout")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "connectTimeoutMs": -1})")
        << QString("\"connectTimeoutMs\" must be a whole number from %L1 to %L2.")
               .arg(0)
               .arg(604'800'000);
    QTest::newRow("a fractional timeout")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "connectTimeoutMs": 1.5})")
        << "\"connectTimeoutMs\" must be a whole number";
    QTest::newRow("a huge body limit")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "maxBodyBytes": 1e300})")
        << "\"maxBodyBytes\" must be a whole number";
    QTest::newRow("an unknown proxy mode")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "proxyMode": 9})")
        << "\"proxyMode\" must be a whole number from 0 to 3.";
    QTest::newRow("job paths that are not texts")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "jobPaths": ["a", 1]})")
        << "\"jobPaths\" must be a list of texts.";
    QTest::newRow("a knob that is a list")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "knobs": {"hold": [1]}})")
        << "\"knobs\" must be an object of texts";
    QTest::newRow("an unknown auth kind")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "auth": "digest"})")
        << "\"auth\" must be \"none\", \"bearer\" or \"basic\".";
    QTest::newRow("headers as a list")
        << QByteArray(R"({"name": "Ops", "url": "http://x.example/", "headers": ["A: b"]})")
        << "\"headers\" must be text.";
    QTest::newRow("a long name is cut short in the sentence")
        << (R"({"name": ")" + QByteArray(500, 'n') + R"(", "url": 1})")
        << "Channel 2 (" + QString(59, 'n') + QChar(0x2026) + ") was skipped";
}

void tst_Workspace::badChannelsAreSkipped()
{
    QFETCH(QByteArray, channel);
    QFETCH(QString, expected);
    // Between two good channels, which are read.
    const QByteArray good = R"({"name": "Good", "url": "http://127.0.0.1:9/poll"})";
    const WorkspaceImport imported =
        importWorkspace(workspaceWith(good + "," + channel + "," + good));
    QVERIFY2(imported.ok, qPrintable(imported.error));
    QCOMPARE(imported.channels.size(), 2);
    QCOMPARE(imported.channels.at(1).name, "Good");
    QCOMPARE(imported.warnings.size(), 1);
    QVERIFY2(imported.warnings.first().contains(expected), qPrintable(imported.warnings.first()));
}

void tst_Workspace::headerProblemsAreNamed()
{
    const QByteArray json = workspaceWith(R"({"name": "Ops", "url": "http://x.example/",
        "headers": "X-Good: 1\nnot a header\nX-Split: a\rInjected: b\nX-Tab: a\tb"})");
    const WorkspaceImport imported = importWorkspace(json);
    QVERIFY(imported.ok);
    QCOMPARE(imported.channels.size(), 1);
    const HeaderList expected = {{"X-Good", "1"}, {"X-Tab", "a\tb"}};
    QCOMPARE(imported.channels.first().headers, expected);
    QCOMPARE(imported.warnings,
             QStringList({"Ops, headers: Line 2 is not a header: write it as \"Name: value\". It "
                          "was left out.",
                          "Ops: the header X-Split was left out: its value holds control "
                          "characters."}));
}

void tst_Workspace::unknownProfileIsNamed()
{
    const QByteArray json = workspaceWith(
        R"({"name": "Ops", "url": "http://x.example/", "profile": "carrier-pigeon"})");
    const WorkspaceImport imported = importWorkspace(json);
    QCOMPARE(imported.channels.size(), 1);
    QCOMPARE(imported.channels.first().profileId, "carrier-pigeon");
    QCOMPARE(imported.warnings,
             QStringList{"Ops uses the feed profile \"carrier-pigeon\", which this Longwatch does "
                         "not know; choose another in Edit channel."});
}

void tst_Workspace::absentAndNullFieldsTakeDefaults()
{
    const QByteArray json = workspaceWith(R"({"name": "Ops", "url": "http://x.example/",
        "paused": null, "knobs": {"hold": 20, "skip-types": "keepalive"},
        "id": "ignored", "secretFields": ["token"], "somethingNew": {"a": [1]}})");
    const WorkspaceImport imported = importWorkspace(json);
    QVERIFY(imported.ok);
    QVERIFY2(imported.warnings.isEmpty(), qPrintable(imported.warnings.join('\n')));
    const ChannelConfig c = imported.channels.value(0);
    ChannelConfig defaults;
    QCOMPARE(c.profileId, defaults.profileId);
    QCOMPARE(c.paused, false);
    QCOMPARE(c.jobs, defaults.jobs);
    QCOMPARE(c.timing.connectTimeout, defaults.timing.connectTimeout);
    QCOMPARE(c.timing.maxBodyBytes, defaults.timing.maxBodyBytes);
    QCOMPARE(c.knobs.value("hold").toString(), "20");
    QVERIFY(c.id != "ignored");
    QVERIFY(c.pendingSecretFields.isEmpty());
}

QTEST_GUILESS_MAIN(tst_Workspace)
#include "tst_workspace.moc"
