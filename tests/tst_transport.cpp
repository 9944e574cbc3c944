// Transport options (proxy URLs, connection keys), the network pool's
// grouping by transport, `${env:NAME}` references in headers, and the hard
// limits on an answer (header bytes, header fields, JSON nesting, events
// per answer), with the fake HTTP server.

#include "channelconfig.h"
#include "environmentreferences.h"
#include "fakehttpserver.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"
#include "tlsinfo.h"
#include "transport.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

constexpr int kWaitMs = 10'000;
const QByteArray kEnvToken = "env-t0ken-from-the-environment-42";

PollerSettings quickSettings()
{
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 5s;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 200ms;
    settings.liveRepollGuard = 20ms;
    return settings;
}

/// A body of `depth` nested arrays, closed.
QByteArray nestedArrays(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

} // namespace

class tst_Transport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    // Options
    void proxyUrlsAreParsed_data();
    void proxyUrlsAreParsed();
    void connectionKeys_data();
    void connectionKeys();
    void defaultsAreSystemProxyAndAutomaticHttp();

    // The pool
    void poolKeepsTransportsApart_data();
    void poolKeepsTransportsApart();
    void http2ChannelsShareOneManager();
    void poolSetsTheProxyOnItsManagers();

    // Environment references
    void environmentReferences_data();
    void environmentReferences();
    void headerReferencesAreResolvedForEachRequest();
    void unsetVariableStopsTheChannel();
    void resolvedSecretsNeverShowInErrors();
    void basicCredentialsAreEncodedForEachRequest_data();
    void basicCredentialsAreEncodedForEachRequest();
    void unsetVariableInBasicCredentialsStopsTheChannel_data();
    void unsetVariableInBasicCredentialsStopsTheChannel();
    void resolvedBasicPasswordNeverShowsInErrors();

    // Limits
    void headersOverTheCapFailTheAnswer();
    void headersQtCannotReadFailClearly();
    void deeplyNestedJsonIsAClearError_data();
    void deeplyNestedJsonIsAClearError();
    void deeplyNestedJsonThroughThePoller();
    void eventsOverTheCapFailTheAnswer();
    void eventsOverTheCapComeInSteps();
    void idsOutOfOrderAreNotSplit();

private:
    std::unique_ptr<Poller> makePoller(const QString &pathAndQuery,
                                       const PollerSettings &settings = quickSettings());

    FakeHttpServer *m_server = nullptr;
    QNetworkAccessManager *m_manager = nullptr;
};

void tst_Transport::init()
{
    m_server = new FakeHttpServer(this);
    QVERIFY(m_server->isListening());
    m_manager = new QNetworkAccessManager(this);
}

void tst_Transport::cleanup()
{
    delete m_manager;
    m_manager = nullptr;
    delete m_server;
    m_server = nullptr;
}

std::unique_ptr<Poller> tst_Transport::makePoller(const QString &pathAndQuery,
                                                  const PollerSettings &settings)
{
    QStringList errors;
    auto profile =
        createProfile("seed-events", m_server->url(pathAndQuery), {{"hold", "0.2"}}, &errors);
    if (!profile)
        return nullptr;
    auto poller = std::make_unique<Poller>(std::move(profile), m_manager);
    poller->setName("transport");
    poller->setSettings(settings);
    return poller;
}

// ---------------------------------------------------------------- Options

void tst_Transport::proxyUrlsAreParsed_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");

    const int http = int(ProxySettings::Mode::Http);
    const int socks = int(ProxySettings::Mode::Socks5);
    QTest::newRow("an HTTP proxy with credentials and a port")
        << "http://bob:s%40cret@proxy.example:3128" << true << http << "proxy.example" << 3128
        << "bob"
        << "s@cret";
    QTest::newRow("an HTTP proxy without a port uses 8080")
        << "http://proxy.example" << true << http << "proxy.example" << 8080 << ""
        << "";
    QTest::newRow("a SOCKS5 proxy without a port uses 1080")
        << "socks5://10.0.0.1" << true << socks << "10.0.0.1" << 1080 << ""
        << "";
    QTest::newRow("socks5h is a SOCKS5 proxy")
        << "socks5h://user@gw:9050" << true << socks << "gw" << 9050 << "user"
        << "";
    QTest::newRow("an ftp proxy is refused") << "ftp://proxy.example" << false << 0 << "" << 0 << ""
                                             << "";
    QTest::newRow("a proxy without a host is refused") << "http://" << false << 0 << "" << 0 << ""
                                                       << "";
    QTest::newRow("a proxy with a path is refused")
        << "http://proxy.example/x" << false << 0 << "" << 0 << ""
        << "";
}

void tst_Transport::proxyUrlsAreParsed()
{
    QFETCH(QString, url);
    QFETCH(bool, valid);
    QFETCH(int, mode);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, user);
    QFETCH(QString, password);

    QString error;
    const std::optional<ProxySettings> proxy = ProxySettings::fromUrl(QUrl(url), &error);
    QCOMPARE(proxy.has_value(), valid);
    QCOMPARE(error.isEmpty(), valid);
    if (!valid)
        return;
    QCOMPARE(int(proxy->mode), mode);
    QCOMPARE(proxy->host, host);
    QCOMPARE(int(proxy->port), port);
    QCOMPARE(proxy->user, user);
    QCOMPARE(proxy->password, password);
    // Shown and stored without the password.
    const QUrl shown = proxy->toUrl();
    QVERIFY(shown.password().isEmpty());
    QCOMPARE(shown.userName(), user);
    QCOMPARE(ProxySettings::fromUrl(shown)->host, host);
    QCOMPARE(proxy->displayName(), QString("%1:%2").arg(host).arg(port));
}

void tst_Transport::connectionKeys_data()
{
    QTest::addColumn<TransportOptions>("first");
    QTest::addColumn<TransportOptions>("second");
    QTest::addColumn<bool>("sameConnections");
    QTest::addColumn<bool>("sameManager");

    const TransportOptions plain;
    TransportOptions pinned;
    pinned.tls.pinnedSha256 = {QString(64, 'a')};
    TransportOptions pinnedSpelledOtherwise;
    {
        CertificateInfo info;
        info.sha256 = QString(64, 'a');
        pinnedSpelledOtherwise.tls.pinnedSha256 = {info.fingerprintText()};
    }
    TransportOptions withCa;
    withCa.tls.caCertificatesFile = "/etc/ca.pem";
    TransportOptions withClient;
    withClient.tls.clientCertificateFile = "/etc/client.pem";
    TransportOptions http1;
    http1.httpVersion = HttpVersion::Http1Only;
    TransportOptions proxied;
    proxied.proxy = {ProxySettings::Mode::Http, "proxy", 3128, "u", "p1"};
    TransportOptions otherPassword = proxied;
    otherPassword.proxy.password = "p2";
    TransportOptions noProxy;
    noProxy.proxy.mode = ProxySettings::Mode::NoProxy;

    QTest::newRow("the same options share everything") << plain << plain << true << true;
    QTest::newRow("a pinned certificate gets connections of its own")
        << plain << pinned << false << true;
    QTest::newRow("the same pin spelled otherwise is the same pin")
        << pinned << pinnedSpelledOtherwise << true << true;
    QTest::newRow("a CA file gets connections of its own") << plain << withCa << false << true;
    QTest::newRow("a client certificate gets connections of its own")
        << plain << withClient << false << true;
    QTest::newRow("HTTP/1.1 only gets connections of its own") << plain << http1 << false << true;
    QTest::newRow("a proxy gets a manager of its own") << plain << proxied << false << false;
    QTest::newRow("no proxy is not the system's proxy") << plain << noProxy << false << false;
    QTest::newRow("other proxy credentials get a manager of their own")
        << proxied << otherPassword << false << false;
}

void tst_Transport::connectionKeys()
{
    QFETCH(TransportOptions, first);
    QFETCH(TransportOptions, second);
    QFETCH(bool, sameConnections);
    QFETCH(bool, sameManager);

    QCOMPARE(first.connectionKey() == second.connectionKey(), sameConnections);
    QCOMPARE(first.managerKey() == second.managerKey(), sameManager);
    // Digests: no password in them.
    for (const QByteArray &key : {first.connectionKey(), second.managerKey()}) {
        QVERIFY(!key.contains("p1"));
        QVERIFY(!key.contains("p2"));
    }
}

void tst_Transport::defaultsAreSystemProxyAndAutomaticHttp()
{
    const PollerSettings settings;
    QCOMPARE(settings.transport.proxy.mode, ProxySettings::Mode::System);
    QVERIFY(!settings.transport.proxy.networkProxy().has_value());
    QCOMPARE(settings.transport.httpVersion, HttpVersion::Automatic);
    QVERIFY(settings.transport.tls.caCertificatesFile.isEmpty());
    QCOMPARE(settings.maxEventsPerBatch, 100'000);
    QCOMPARE(settings.maxHeaderBytes, 64 * 1024);
    QCOMPARE(settings.maxBodyBytes, 16 * 1024 * 1024);
}

// ---------------------------------------------------------------- The pool

void tst_Transport::poolKeepsTransportsApart_data()
{
    QTest::addColumn<QUrl>("secondUrl");
    QTest::addColumn<TransportOptions>("second");
    QTest::addColumn<bool>("sameManager");

    const QUrl server("https://feeds.example/a");
    TransportOptions pinned;
    pinned.tls.pinnedSha256 = {QString(64, 'b')};
    TransportOptions proxied;
    proxied.proxy = {ProxySettings::Mode::Socks5, "gw", 1080, {}, {}};

    QTest::newRow("two plain channels to one server share a manager")
        << server << TransportOptions() << true;
    QTest::newRow("a pinned channel to the same server gets another manager")
        << server << pinned << false;
    QTest::newRow("a pinned channel to another server may share the manager")
        << QUrl("https://other.example/") << pinned << true;
    QTest::newRow("a channel with a proxy never shares a manager without it")
        << QUrl("https://other.example/") << proxied << false;
}

void tst_Transport::poolKeepsTransportsApart()
{
    QFETCH(QUrl, secondUrl);
    QFETCH(TransportOptions, second);
    QFETCH(bool, sameManager);

    NetworkPool pool;
    const QUrl firstUrl("https://feeds.example/a");
    QNetworkAccessManager *a = pool.acquire(firstUrl, {});
    QNetworkAccessManager *b = pool.acquire(secondUrl, second);
    QCOMPARE(a == b, sameManager);
    QCOMPARE(pool.managerCount(), sameManager ? 1 : 2);

    // Released with the same options, the slot is free again.
    pool.release(b, secondUrl, second);
    QCOMPARE(pool.acquire(secondUrl, second), b);
}

void tst_Transport::http2ChannelsShareOneManager()
{
    NetworkPool pool;
    TransportOptions h2;
    h2.httpVersion = HttpVersion::Http2;
    const QUrl url("http://127.0.0.1:8080/feed");
    QNetworkAccessManager *first = pool.acquire(url, h2);
    for (int i = 1; i < 100; ++i)
        QCOMPARE(pool.acquire(url, h2), first);
    QCOMPARE(pool.managerCount(), 1);
    // HTTP/1.1 channels to the same server still spread, on managers of
    // their own (Qt keeps HTTP/1 and HTTP/2 connections apart anyway).
    for (int i = 0; i < 7; ++i)
        QVERIFY(pool.acquire(url) != first);
    QCOMPARE(pool.managerCount(), 3);
}

void tst_Transport::poolSetsTheProxyOnItsManagers()
{
    NetworkPool pool;
    TransportOptions options;
    options.proxy = {ProxySettings::Mode::Http, "proxy.example", 3128, "u", "p"};
    QNetworkAccessManager *manager = pool.acquire(QUrl("http://feeds.example/"), options);
    QCOMPARE(manager->proxy().type(), QNetworkProxy::HttpProxy);
    QCOMPARE(manager->proxy().hostName(), QString("proxy.example"));
    QCOMPARE(manager->proxy().port(), 3128);
    // Credentials are answered when asked, not put on the proxy.
    QVERIFY(manager->proxy().password().isEmpty());

    options.proxy.mode = ProxySettings::Mode::NoProxy;
    QCOMPARE(pool.acquire(QUrl("http://feeds.example/"), options)->proxy().type(),
             QNetworkProxy::NoProxy);
    // The system's proxy: the manager's own is left alone (DefaultProxy:
    // the application's, which main() sets to the system's configuration).
    QCOMPARE(pool.acquire(QUrl("http://feeds.example/"))->proxy().type(),
             QNetworkProxy::DefaultProxy);
}

// ---------------------------------------------------- Environment references

void tst_Transport::environmentReferences_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("resolves");
    QTest::addColumn<QByteArray>("expected");

    qputenv("LW_TEST_A", "alpha");
    qputenv("LW_TEST_B", "beta");
    qunsetenv("LW_TEST_UNSET");
    QTest::newRow("a value without references stays as it is")
        << QByteArray("Bearer abc") << true << QByteArray("Bearer abc");
    QTest::newRow("one reference is replaced")
        << QByteArray("Bearer ${env:LW_TEST_A}") << true << QByteArray("Bearer alpha");
    QTest::newRow("two references are replaced")
        << QByteArray("${env:LW_TEST_A}:${env:LW_TEST_B}") << true << QByteArray("alpha:beta");
    QTest::newRow("an unset variable does not resolve")
        << QByteArray("Bearer ${env:LW_TEST_UNSET}") << false << QByteArray();
    QTest::newRow("an empty name is not a reference")
        << QByteArray("x ${env:} y") << true << QByteArray("x ${env:} y");
    QTest::newRow("an unclosed reference is left as it is")
        << QByteArray("${env:LW_TEST_A") << true << QByteArray("${env:LW_TEST_A");
    QTest::newRow("a name with other characters is left as it is")
        << QByteArray("${env:A-B} ${env:LW_TEST_B}") << true << QByteArray("${env:A-B} beta");
}

void tst_Transport::environmentReferences()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, resolves);
    QFETCH(QByteArray, expected);

    QString missing;
    const std::optional<QByteArray> resolved = resolveEnvironmentReferences(value, &missing);
    QCOMPARE(resolved.has_value(), resolves);
    if (resolves)
        QCOMPARE(*resolved, expected);
    else
        QCOMPARE(missing, QString("LW_TEST_UNSET"));
}

void tst_Transport::headerReferencesAreResolvedForEachRequest()
{
    m_server->setDefaultResponse(FakeResponse::seedEvents({}).withDelay(30ms));
    qputenv("LW_TEST_TOKEN", "first-t0ken");
    PollerSettings settings = quickSettings();
    settings.headers = {{"Authorization", "Bearer ${env:LW_TEST_TOKEN}"}};
    auto poller = makePoller("/feed", settings);
    QVERIFY(poller->start());
    QTRY_VERIFY_WITH_TIMEOUT(m_server->requestCount() >= 1, kWaitMs);
    qputenv("LW_TEST_TOKEN", "second-t0ken");
    const int before = m_server->requestCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_server->requestCount() >= before + 2, kWaitMs);
    poller->stop();
    qunsetenv("LW_TEST_TOKEN");

    QCOMPARE(m_server->requests().first().header("Authorization"), "Bearer first-t0ken");
    QCOMPARE(m_server->requests().last().header("Authorization"), "Bearer second-t0ken");
    // Never stored resolved.
    QCOMPARE(poller->settings().headers.first().second, "Bearer ${env:LW_TEST_TOKEN}");
}

void tst_Transport::unsetVariableStopsTheChannel()
{
    qunsetenv("LW_TEST_NOT_THERE");
    PollerSettings settings = quickSettings();
    settings.headers = {{"X-Api-Key", "${env:LW_TEST_NOT_THERE}"}};
    auto poller = makePoller("/feed", settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(poller->error(), Poller::Error::SetupError);
    QCOMPARE(poller->errorString(),
             QString("The header X-Api-Key refers to the environment variable LW_TEST_NOT_THERE, "
                     "which is not set."));
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Transport::resolvedSecretsNeverShowInErrors()
{
    // The server echoes what it got, in a header-looking body and its reason.
    m_server->setDefaultResponse(FakeResponse::status(
        401, "{\"error\":\"token " + kEnvToken + " is not valid\",\"got\":\"" + kEnvToken + "\"}"));
    qputenv("LW_TEST_SECRET", kEnvToken);
    PollerSettings settings = quickSettings();
    // A header whose name does not look secret: the value came from the
    // environment, and that alone makes it one.
    settings.headers = {{"X-Custom", "${env:LW_TEST_SECRET}"}};
    auto poller = makePoller("/feed", settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    qunsetenv("LW_TEST_SECRET");
    QCOMPARE(m_server->requests().first().header("X-Custom"), kEnvToken);
    const QString message = errors.first().at(1).toString();
    for (const QString &text : {message, poller->errorString(), poller->errorDetail()}) {
        QVERIFY2(!text.isEmpty() || text == poller->errorDetail(), "no sentence");
        QVERIFY2(!text.contains(QString(kEnvToken)), qPrintable(text));
    }
    QVERIFY2(poller->errorString().contains("***") || poller->errorDetail().contains("***"),
             qPrintable(poller->errorString() + " | " + poller->errorDetail()));
}

namespace {

QByteArray basic(const QByteArray &user, const QByteArray &password)
{
    return "Basic " + (user + ':' + password).toBase64();
}

/// Basic credentials as a channel configured with them hands them over.
PollerSettings basicSettings(const QString &user, const QString &password)
{
    ChannelConfig config;
    config.auth = ChannelConfig::Auth::Basic;
    config.user = user;
    config.password = password;
    PollerSettings settings = quickSettings();
    settings.basicAuth = config.pollerSettings().basicAuth;
    return settings;
}

} // namespace

void tst_Transport::basicCredentialsAreEncodedForEachRequest_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QByteArray>("firstHeader");
    QTest::addColumn<QByteArray>("laterHeader");

    QTest::newRow("plain credentials are sent as they are")
        << "ann"
        << "pw:with:colons" << basic("ann", "pw:with:colons") << basic("ann", "pw:with:colons");
    QTest::newRow("a password reference is resolved before encoding")
        << "ann"
        << "${env:LW_TEST_BASIC_PW}" << basic("ann", "first-pa55") << basic("ann", "second-pa55");
    QTest::newRow("a user reference is resolved before encoding")
        << "${env:LW_TEST_BASIC_USER}"
        << "fixed" << basic("bob", "fixed") << basic("bob", "fixed");
    QTest::newRow("both parts may be references")
        << "${env:LW_TEST_BASIC_USER}"
        << "pre-${env:LW_TEST_BASIC_PW}" << basic("bob", "pre-first-pa55")
        << basic("bob", "pre-second-pa55");
}

void tst_Transport::basicCredentialsAreEncodedForEachRequest()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QByteArray, firstHeader);
    QFETCH(QByteArray, laterHeader);

    m_server->setDefaultResponse(FakeResponse::seedEvents({}).withDelay(30ms));
    qputenv("LW_TEST_BASIC_USER", "bob");
    qputenv("LW_TEST_BASIC_PW", "first-pa55");
    auto poller = makePoller("/feed", basicSettings(user, password));
    QVERIFY(poller->start());
    QTRY_VERIFY_WITH_TIMEOUT(m_server->requestCount() >= 1, kWaitMs);
    qputenv("LW_TEST_BASIC_PW", "second-pa55");
    const int before = m_server->requestCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_server->requestCount() >= before + 2, kWaitMs);
    poller->stop();
    qunsetenv("LW_TEST_BASIC_USER");
    qunsetenv("LW_TEST_BASIC_PW");

    QCOMPARE(m_server->requests().first().header("Authorization"), firstHeader);
    QCOMPARE(m_server->requests().last().header("Authorization"), laterHeader);
    // Never stored resolved.
    QCOMPARE(poller->settings().basicAuth.user, user);
    QCOMPARE(poller->settings().basicAuth.password, password);
}

void tst_Transport::unsetVariableInBasicCredentialsStopsTheChannel_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("sentence");

    QTest::newRow("an unset password variable is named")
        << "ann"
        << "${env:LW_TEST_NOT_THERE}"
        << "The password for basic authentication refers to the environment variable "
           "LW_TEST_NOT_THERE, which is not set.";
    QTest::newRow("an unset user variable is named")
        << "${env:LW_TEST_NOT_THERE}"
        << "pw"
        << "The user name for basic authentication refers to the environment variable "
           "LW_TEST_NOT_THERE, which is not set.";
}

void tst_Transport::unsetVariableInBasicCredentialsStopsTheChannel()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, sentence);

    qunsetenv("LW_TEST_NOT_THERE");
    auto poller = makePoller("/feed", basicSettings(user, password));
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(poller->error(), Poller::Error::SetupError);
    QCOMPARE(poller->errorString(), sentence);
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Transport::resolvedBasicPasswordNeverShowsInErrors()
{
    const QByteArray password = "env-pa55word-from-the-environment-43";
    const QByteArray encoded = basic("ann", password).mid(6);
    // The server echoes the password and the encoded credentials.
    m_server->setDefaultResponse(FakeResponse::status(401, "{\"error\":\"password " + password +
                                                               " is wrong\",\"got\":\"Basic " +
                                                               encoded + "\"}"));
    qputenv("LW_TEST_BASIC_SECRET", password);
    auto poller = makePoller("/feed", basicSettings("ann", "${env:LW_TEST_BASIC_SECRET}"));
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    qunsetenv("LW_TEST_BASIC_SECRET");
    QCOMPARE(m_server->requests().first().header("Authorization"), "Basic " + encoded);
    const QString message = errors.first().at(1).toString();
    const QString all = message + " | " + poller->errorString() + " | " + poller->errorDetail();
    QVERIFY2(!all.contains(QString(password)), qPrintable(all));
    QVERIFY2(!all.contains(QString(encoded)), qPrintable(all));
    QVERIFY2(all.contains("***"), qPrintable(all));
}

// ---------------------------------------------------------------- Limits

void tst_Transport::headersOverTheCapFailTheAnswer()
{
    // 40 headers of 2 KiB: within Qt's own limits, over the channel's 64 KiB.
    FakeResponse response = FakeResponse::seedEvents({1});
    for (int i = 0; i < 40; ++i)
        response = response.withHeader("X-Filler-" + QByteArray::number(i), QByteArray(2048, 'f'));
    m_server->setDefaultResponse(response);
    auto poller = makePoller("/feed");
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QSignalSpy batches(poller.get(), &Poller::batchReceived);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(errors.first().at(0).value<Poller::Error>(), Poller::Error::SizeLimitError);
    QCOMPARE(poller->state(), Poller::State::Backoff);
    QVERIFY2(poller->errorString().contains("response headers") &&
                 poller->errorString().contains("larger than this channel's limit of 64"),
             qPrintable(poller->errorString()));
    QVERIFY(batches.isEmpty());
    QCOMPARE(poller->cursor(), QString("0"));
    poller->stop();
}

void tst_Transport::headersQtCannotReadFailClearly()
{
    // More than 100 header fields: Qt 6.4 drops them all and waits for the
    // connection to close; the server keeps it open.
    FakeResponse response = FakeResponse::seedEvents({1});
    for (int i = 0; i < 150; ++i)
        response = response.withHeader("X-Many-" + QByteArray::number(i), "v");
    m_server->setDefaultResponse(response);
    PollerSettings settings = quickSettings();
    settings.inactivityTimeout = 300ms;
    auto poller = makePoller("/feed", settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->error(), Poller::Error::SizeLimitError);
    QVERIFY2(poller->errorString().contains("response headers") &&
                 poller->errorString().contains("could not be read"),
             qPrintable(poller->errorString()));
    QCOMPARE(poller->state(), Poller::State::Backoff);
    poller->stop();
}

void tst_Transport::deeplyNestedJsonIsAClearError_data()
{
    QTest::addColumn<QString>("profileId");
    for (const QString &id : profileIds())
        QTest::newRow(qPrintable(QString("%1 survives 100,000 nested arrays").arg(id))) << id;
}

void tst_Transport::deeplyNestedJsonIsAClearError()
{
    QFETCH(QString, profileId);

    QStringList errors;
    // etcd-watch reads which API it speaks from the URL.
    const QUrl url(profileId == "etcd-watch" ? "http://127.0.0.1:1/v2/keys/feed"
                                             : "http://127.0.0.1:1/feed");
    auto profile = createProfile(profileId, url, {}, &errors);
    QVERIFY2(profile, qPrintable(errors.join(' ')));
    PollResponse response;
    response.status = 200;
    response.headers = {{"Content-Type", "application/json"}, {"X-Consul-Index", "5"}};
    response.receivedAt = QDateTime::currentDateTimeUtc();
    for (const QByteArray &body :
         {nestedArrays(100'000), QByteArray(100'000, '['), "{\"a\":" + nestedArrays(100'000) + "}",
          QByteArray("{\"events\":") + nestedArrays(5000) + "}"}) {
        response.body = body;
        // Must come back, with a verdict; no crash, no stack overflow.
        const PollResult result = profile->parse(response, profile->initialCursor());
        if (result.verdict == Verdict::Retry || result.verdict == Verdict::Fatal)
            QVERIFY2(!result.reason.isEmpty(), "an error without a sentence");
        // Nchan messages and Consul's ?raw values need not be JSON: any body
        // is a message or a state to them; to sse a JSON answer is no event
        // stream at all. The others say the body is malformed, and why.
        const bool rawBodies =
            profileId == "nchan" || profileId == "consul-blocking" || profileId == "sse";
        if (!rawBodies && body == nestedArrays(100'000))
            QVERIFY2(result.malformed, qPrintable(result.reason));
        if (!rawBodies && result.malformed && body.startsWith(QByteArray(1100, '[')))
            QVERIFY2(result.reason.contains("too deeply nested") ||
                         result.detail.contains("too deeply nested"),
                     qPrintable(result.reason + " | " + result.detail));
    }
}

void tst_Transport::deeplyNestedJsonThroughThePoller()
{
    m_server->setDefaultResponse(FakeResponse::json(nestedArrays(100'000)));
    auto poller = makePoller("/feed");
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->error(), Poller::Error::ResponseError);
    QCOMPARE(poller->state(), Poller::State::Backoff);
    QVERIFY2(poller->errorString().contains("too deeply nested"),
             qPrintable(poller->errorString()));
    poller->stop();
}

void tst_Transport::eventsOverTheCapFailTheAnswer()
{
    // A feed whose cursor comes from the body cannot stand between events:
    // the answer is refused whole and asked for again.
    QStringList problems;
    auto profile = createProfile(
        "generic-json", m_server->url("/feed"),
        {{"cursor-from", "body"}, {"cursor-from-name", "next"}, {"cursor-name", "after"}},
        &problems);
    QVERIFY2(profile, qPrintable(problems.join(' ')));
    m_server->enqueue("/feed",
                      FakeResponse::json(R"({"events":[{"id":1},{"id":2},{"id":3}],"next":"c3"})"));
    m_server->enqueue("/feed", FakeResponse::json(R"({"events":[{"id":1},{"id":2}],"next":"c2"})"));
    PollerSettings settings = quickSettings();
    settings.maxEventsPerBatch = 2;
    Poller poller(std::move(profile), m_manager);
    poller.setSettings(settings);
    QSignalSpy errors(&poller, &Poller::errorOccurred);
    QSignalSpy batches(&poller, &Poller::batchReceived);
    QVERIFY(poller.start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller.error(), Poller::Error::SizeLimitError);
    QCOMPARE(poller.errorString(),
             QString("The answer from 127.0.0.1:%1 carried 3 events, more than this channel's "
                     "limit of 2 in one answer; none were taken.")
                 .arg(m_server->port()));
    // Nothing taken, the cursor did not move: the retry asks for the same.
    QVERIFY(batches.isEmpty());
    QVERIFY(batches.wait(kWaitMs));
    QCOMPARE(batches.first().at(0).value<EventList>().size(), 2);
    QCOMPARE(m_server->requests().at(1).queryValue("after"),
             m_server->requests().at(0).queryValue("after"));
    QCOMPARE(poller.cursor(), QString("c2"));
    poller.stop();
}

void tst_Transport::eventsOverTheCapComeInSteps()
{
    // seed-events: the cursor is the largest id, so a backlog larger than
    // the cap is taken N at a time, nothing skipped, nothing refused.
    m_server->enqueue("/feed", FakeResponse::seedEvents({1, 2, 3, 4, 5, 6, 7}));
    m_server->enqueue("/feed", FakeResponse::seedEvents({4, 5, 6, 7}));
    m_server->enqueue("/feed", FakeResponse::seedEvents({7}));
    PollerSettings settings = quickSettings();
    settings.maxEventsPerBatch = 3;
    auto poller = makePoller("/feed", settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QSignalSpy batches(poller.get(), &Poller::batchReceived);
    QVERIFY(poller->start());
    QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 3, kWaitMs);
    QStringList keys;
    for (const QList<QVariant> &batch : std::as_const(batches)) {
        for (const Event &event : batch.at(0).value<EventList>())
            keys << event.key;
    }
    QCOMPARE(keys, QStringList({"1", "2", "3", "4", "5", "6", "7"}));
    QCOMPARE(batches.at(0).at(1).toString(), QString("3"));
    QCOMPARE(m_server->requests().at(1).queryValue("last_id"), QString("3"));
    QCOMPARE(m_server->requests().at(2).queryValue("last_id"), QString("6"));
    QVERIFY(errors.isEmpty());
    poller->stop();
}

void tst_Transport::idsOutOfOrderAreNotSplit()
{
    // A larger id before smaller ones: a cursor after the first N would
    // skip the rest, so the answer is refused whole.
    m_server->enqueue("/feed", FakeResponse::seedEvents({5, 1, 2, 3}));
    PollerSettings settings = quickSettings();
    settings.maxEventsPerBatch = 2;
    auto poller = makePoller("/feed", settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->error(), Poller::Error::SizeLimitError);
    QCOMPARE(poller->cursor(), QString("0"));
    poller->stop();
}

QTEST_GUILESS_MAIN(tst_Transport)
#include "tst_transport.moc"
