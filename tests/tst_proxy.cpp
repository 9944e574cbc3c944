// Per-channel proxies: an HTTP proxy (Debian's tinyproxy, started from a
// temporary configuration on a free port of 127.0.0.1) with and without
// Basic authentication, and a SOCKS5 proxy with user/password
// authentication (RFC 1928, RFC 1929) written here, both in front of the
// fake HTTP server.

#include "common/tinyproxy.h"
#include "fakehttpserver.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <memory>

#include <signal.h>
#include <sys/prctl.h>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

constexpr int kWaitMs = 10'000;
const QString kUser = "alice";
const QString kPassword = "pr0xy-pa55-4321";
const QByteArray kBearer = "b3arer-pr0xy-5678";

PollerSettings quickSettings()
{
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 5s;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 200ms;
    settings.liveRepollGuard = 50ms;
    settings.headers = {{"Authorization", "Bearer " + kBearer}};
    return settings;
}

/// A SOCKS5 server (CONNECT only) that relays to the target; with a user
/// set, it insists on user/password authentication.
class Socks5Server : public QObject
{
public:
    Socks5Server(const QString &user, const QString &password)
        : m_user(user)
        , m_password(password)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &Socks5Server::onConnection);
        m_server.listen(QHostAddress::LocalHost, 0);
    }

    quint16 port() const { return m_server.serverPort(); }
    QStringList usersSeen() const { return m_usersSeen; }
    int refusedCount() const { return m_refused; }
    int relayCount() const { return m_relays; }

private:
    enum class Phase { Greeting, Authentication, Request, Relay };

    void onConnection()
    {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            client->setParent(this);
            auto phase = std::make_shared<Phase>(Phase::Greeting);
            auto buffer = std::make_shared<QByteArray>();
            connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
            connect(client, &QTcpSocket::readyRead, this, [this, client, phase, buffer] {
                *buffer += client->readAll();
                serve(client, *phase, *buffer);
            });
        }
    }

    void refuse(QTcpSocket *client, const QByteArray &reply)
    {
        ++m_refused;
        client->write(reply);
        client->disconnectFromHost();
    }

    void serve(QTcpSocket *client, Phase &phase, QByteArray &buffer)
    {
        if (phase == Phase::Greeting) {
            if (buffer.size() < 2 || buffer.size() < 2 + quint8(buffer.at(1)))
                return;
            const QByteArray methods = buffer.mid(2, quint8(buffer.at(1)));
            buffer.remove(0, 2 + methods.size());
            const char wanted = m_user.isEmpty() ? '\x00' : '\x02';
            if (buffer.isEmpty() && !methods.contains(wanted)) {
                refuse(client, QByteArray("\x05\xff", 2));
                return;
            }
            client->write(QByteArray("\x05", 1) + wanted);
            phase = m_user.isEmpty() ? Phase::Request : Phase::Authentication;
        }
        if (phase == Phase::Authentication) {
            if (buffer.size() < 2)
                return;
            const int userLength = quint8(buffer.at(1));
            if (buffer.size() < 3 + userLength)
                return;
            const int passwordLength = quint8(buffer.at(2 + userLength));
            if (buffer.size() < 3 + userLength + passwordLength)
                return;
            const QString user = QString::fromUtf8(buffer.mid(2, userLength));
            const QString password = QString::fromUtf8(buffer.mid(3 + userLength, passwordLength));
            buffer.remove(0, 3 + userLength + passwordLength);
            m_usersSeen << user;
            if (user != m_user || password != m_password) {
                refuse(client, QByteArray("\x01\x01", 2));
                return;
            }
            client->write(QByteArray("\x01\x00", 2));
            phase = Phase::Request;
        }
        if (phase == Phase::Request) {
            if (buffer.size() < 5)
                return;
            QString host;
            int length = 0;
            switch (buffer.at(3)) {
            case 1:
                length = 4 + 4 + 2;
                if (buffer.size() < length)
                    return;
                host = QHostAddress(qFromBigEndian<quint32>(buffer.constData() + 4)).toString();
                break;
            case 3:
                length = 5 + quint8(buffer.at(4)) + 2;
                if (buffer.size() < length)
                    return;
                host = QString::fromLatin1(buffer.mid(5, quint8(buffer.at(4))));
                break;
            default:
                refuse(client, QByteArray("\x05\x08\x00\x01\0\0\0\0\0\0", 10));
                return;
            }
            const quint16 port = qFromBigEndian<quint16>(buffer.constData() + length - 2);
            buffer.remove(0, length);
            phase = Phase::Relay;
            auto *upstream = new QTcpSocket(client);
            connect(upstream, &QTcpSocket::connected, this, [this, client, upstream, &buffer] {
                ++m_relays;
                client->write(QByteArray("\x05\x00\x00\x01\0\0\0\0\0\0", 10));
                upstream->write(buffer);
                buffer.clear();
            });
            connect(upstream, &QTcpSocket::readyRead, client,
                    [client, upstream] { client->write(upstream->readAll()); });
            connect(upstream, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
            connect(client, &QTcpSocket::disconnected, upstream, &QTcpSocket::disconnectFromHost);
            upstream->connectToHost(host, port);
            return;
        }
        if (phase == Phase::Relay) {
            auto *upstream = client->findChild<QTcpSocket *>();
            if (upstream && upstream->state() == QAbstractSocket::ConnectedState) {
                upstream->write(buffer);
                buffer.clear();
            }
        }
    }

    QTcpServer m_server;
    QString m_user;
    QString m_password;
    QStringList m_usersSeen;
    int m_refused = 0;
    int m_relays = 0;
};

} // namespace

class tst_Proxy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void httpProxyCarriesThePolls_data();
    void httpProxyCarriesThePolls();
    void proxyCredentialsAnswerA407_data();
    void proxyCredentialsAnswerA407();
    void proxyWithoutCredentialsFailsClearly();
    void refusedCredentialsFailClearly();
    void httpsGoesThroughTheProxyTunnel();
    void socks5ProxyWithCredentials_data();
    void socks5ProxyWithCredentials();

private:
    /// Starts tinyproxy on a free port; with `basicAuth`, it wants kUser
    /// and kPassword. Returns the port, 0 on failure (the test is failed).
    quint16 startTinyproxy(bool basicAuth);
    std::unique_ptr<Poller> makePoller(const QUrl &url, const PollerSettings &settings);
    QString log() const;

    FakeHttpServer *m_server = nullptr;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_proxy;
    std::unique_ptr<NetworkPool> m_pool;
};

void tst_Proxy::init()
{
    m_server = new FakeHttpServer(this);
    QVERIFY(m_server->isListening());
    m_server->setDefaultResponse(FakeResponse::seedEvents({}).withDelay(20ms));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_pool = std::make_unique<NetworkPool>();
}

void tst_Proxy::cleanup()
{
    m_pool.reset();
    if (m_proxy && m_proxy->state() != QProcess::NotRunning) {
        m_proxy->terminate();
        if (!m_proxy->waitForFinished(5000)) {
            m_proxy->kill();
            m_proxy->waitForFinished(5000);
        }
    }
    if (QTest::currentTestFailed())
        qWarning().noquote() << "tinyproxy log:\n" << log();
    m_proxy.reset();
    m_dir.reset();
    delete m_server;
    m_server = nullptr;
}

QString tst_Proxy::log() const
{
    QFile file(m_dir ? m_dir->filePath("tinyproxy.log") : QString());
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : "(no log)";
}

quint16 tst_Proxy::startTinyproxy(bool basicAuth)
{
    return Longwatch::Testing::startTinyproxy(m_proxy, QDir(m_dir->path()),
                                              basicAuth ? kUser : QString(),
                                              basicAuth ? kPassword : QString(), kWaitMs);
}

std::unique_ptr<Poller> tst_Proxy::makePoller(const QUrl &url, const PollerSettings &settings)
{
    QStringList errors;
    auto profile = createProfile("seed-events", url, {{"hold", "0.2"}}, &errors);
    if (!profile)
        return nullptr;
    QNetworkAccessManager *manager = m_pool->acquire(url, settings.transport);
    auto poller = std::make_unique<Poller>(std::move(profile), manager);
    poller->setName("proxy");
    poller->setSettings(settings);
    return poller;
}

void tst_Proxy::httpProxyCarriesThePolls_data()
{
    QTest::addColumn<bool>("throughTheProxy");
    QTest::newRow("a channel with an HTTP proxy polls through it") << true;
    QTest::newRow("a channel set to no proxy goes straight to the server") << false;
}

void tst_Proxy::httpProxyCarriesThePolls()
{
    QFETCH(bool, throughTheProxy);
    const quint16 proxyPort = startTinyproxy(false);
    if (proxyPort == 0 && !QFile::exists("/usr/bin/tinyproxy"))
        QSKIP("tinyproxy is not installed (Debian package 'tinyproxy'); skipping the HTTP proxy "
              "test.");
    QVERIFY2(proxyPort != 0, qPrintable(log()));

    PollerSettings settings = quickSettings();
    if (throughTheProxy) {
        QString error;
        const auto proxy =
            ProxySettings::fromUrl(QUrl(QString("http://127.0.0.1:%1").arg(proxyPort)), &error);
        QVERIFY2(proxy, qPrintable(error));
        settings.transport.proxy = *proxy;
    } else {
        settings.transport.proxy.mode = ProxySettings::Mode::NoProxy;
    }
    auto poller = makePoller(m_server->url("/feed"), settings);
    QSignalSpy live(poller.get(), &Poller::responseReceived);
    QVERIFY(poller->start());
    QVERIFY2(live.wait(kWaitMs), qPrintable(poller->errorString()));
    poller->stop();

    const FakeRequest request = m_server->requests().first();
    // tinyproxy says so in a Via header; the channel's own header arrives.
    QCOMPARE(request.header("Via").contains("tinyproxy"), throughTheProxy);
    QCOMPARE(request.header("Authorization"), "Bearer " + kBearer);
}

void tst_Proxy::proxyCredentialsAnswerA407_data()
{
    QTest::addColumn<bool>("fromUrl");
    QTest::newRow("credentials given in the proxy URL answer the proxy's 407") << true;
    QTest::newRow("a password from the environment answers the proxy's 407") << false;
}

void tst_Proxy::proxyCredentialsAnswerA407()
{
    QFETCH(bool, fromUrl);
    const quint16 proxyPort = startTinyproxy(true);
    if (proxyPort == 0 && !QFile::exists("/usr/bin/tinyproxy"))
        QSKIP("tinyproxy is not installed (Debian package 'tinyproxy').");
    QVERIFY2(proxyPort != 0, qPrintable(log()));

    PollerSettings settings = quickSettings();
    if (fromUrl) {
        QUrl url(QString("http://127.0.0.1:%1").arg(proxyPort));
        url.setUserName(kUser);
        url.setPassword(kPassword);
        settings.transport.proxy = *ProxySettings::fromUrl(url);
        QCOMPARE(settings.transport.proxy.password, kPassword);
        QVERIFY(!settings.transport.proxy.toUrl().toString().contains(kPassword));
    } else {
        qputenv("LONGWATCH_TEST_PROXY_PASSWORD", kPassword.toUtf8());
        settings.transport.proxy = {ProxySettings::Mode::Http, "127.0.0.1", proxyPort, kUser,
                                    "${env:LONGWATCH_TEST_PROXY_PASSWORD}"};
    }
    auto poller = makePoller(m_server->url("/feed"), settings);
    QSignalSpy live(poller.get(), &Poller::responseReceived);
    QVERIFY(poller->start());
    QVERIFY2(live.wait(kWaitMs), qPrintable(poller->errorString()));
    poller->stop();

    const FakeRequest request = m_server->requests().first();
    QVERIFY(request.header("Via").contains("tinyproxy"));
    // The proxy's credentials are for the proxy: the server never sees them.
    QVERIFY(request.header("Proxy-Authorization").isNull());
    QCOMPARE(request.header("Authorization"), "Bearer " + kBearer);
}

void tst_Proxy::proxyWithoutCredentialsFailsClearly()
{
    const quint16 proxyPort = startTinyproxy(true);
    if (proxyPort == 0 && !QFile::exists("/usr/bin/tinyproxy"))
        QSKIP("tinyproxy is not installed (Debian package 'tinyproxy').");
    QVERIFY2(proxyPort != 0, qPrintable(log()));

    PollerSettings settings = quickSettings();
    settings.transport.proxy = {ProxySettings::Mode::Http, "127.0.0.1", proxyPort, {}, {}};
    auto poller = makePoller(m_server->url("/feed"), settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(poller->error(), Poller::Error::ProxyAuthenticationError);
    QCOMPARE(poller->errorString(),
             QString("The proxy (127.0.0.1:%1) needs a user name and password; enter them in the "
                     "channel's connection settings.")
                 .arg(proxyPort));
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Proxy::refusedCredentialsFailClearly()
{
    // tinyproxy answers refused credentials with 401 and WWW-Authenticate
    // (as if it were the server), not with 407 as RFC 9110 section 15.5.8
    // has it; a proxy that keeps answering 407 is played by the fake server.
    FakeHttpServer proxyServer;
    QVERIFY(proxyServer.isListening());
    proxyServer.setDefaultResponse(
        FakeResponse::status(407).withHeader("Proxy-Authenticate", "Basic realm=\"test\""));

    const QString wrong = "wr0ng-pa55-9999";
    PollerSettings settings = quickSettings();
    settings.transport.proxy = {ProxySettings::Mode::Http, "127.0.0.1", proxyServer.port(), kUser,
                                wrong};
    auto poller = makePoller(m_server->url("/feed"), settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(errors.count(), 1);
    QCOMPARE(poller->error(), Poller::Error::ProxyAuthenticationError);
    QCOMPARE(poller->errorString(),
             QString("The proxy (127.0.0.1:%1) did not accept the stored user name and password.")
                 .arg(proxyServer.port()));
    for (const QString &text : {poller->errorString(), poller->errorDetail()})
        QVERIFY2(!text.contains(wrong), qPrintable(text));

    // Asked once without, once with the credentials; then Qt gave up.
    const QList<FakeRequest> requests = proxyServer.requests();
    QCOMPARE(requests.size(), 2);
    QVERIFY(requests.first().header("Proxy-Authorization").isNull());
    QCOMPARE(requests.last().header("Proxy-Authorization"),
             "Basic " + (kUser + ":" + wrong).toUtf8().toBase64());
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Proxy::httpsGoesThroughTheProxyTunnel()
{
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl').");
    const quint16 proxyPort = startTinyproxy(true);
    if (proxyPort == 0 && !QFile::exists("/usr/bin/tinyproxy"))
        QSKIP("tinyproxy is not installed (Debian package 'tinyproxy').");
    QVERIFY2(proxyPort != 0, qPrintable(log()));
    TestCertificates certs(m_dir->path());
    QVERIFY2(certs.makeSelfSigned("self", "127.0.0.1"), qPrintable(certs.errorString()));
    TlsTestServer secure(certs.certificate("self"), certs.key("self"));
    QVERIFY(secure.listen());

    PollerSettings settings = quickSettings();
    settings.transport.proxy = {ProxySettings::Mode::Http, "127.0.0.1", proxyPort, kUser,
                                kPassword};
    settings.transport.tls.pinnedSha256 = {certificateSha256(certs.certificate("self"))};
    auto poller = makePoller(secure.url("/feed"), settings);
    QSignalSpy live(poller.get(), &Poller::responseReceived);
    QVERIFY(poller->start());
    QVERIFY2(live.wait(kWaitMs), qPrintable(poller->errorString()));
    poller->stop();
    QVERIFY(secure.requestCount() >= 1);
    // The tunnel went through the proxy (CONNECT), encrypted end to end.
    QVERIFY2(log().contains("CONNECT"), qPrintable(log()));
}

void tst_Proxy::socks5ProxyWithCredentials_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("works");
    QTest::newRow("a SOCKS5 proxy gets the stored user name and password")
        << kUser << kPassword << true;
    QTest::newRow("a SOCKS5 proxy without stored credentials fails clearly") << ""
                                                                             << "" << false;
    QTest::newRow("a SOCKS5 proxy refusing the credentials fails, without looping")
        << kUser << "wr0ng" << false;
}

void tst_Proxy::socks5ProxyWithCredentials()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(bool, works);

    Socks5Server socks(kUser, kPassword);
    QVERIFY(socks.port() != 0);
    PollerSettings settings = quickSettings();
    QUrl proxyUrl(QString("socks5://127.0.0.1:%1").arg(socks.port()));
    proxyUrl.setUserName(user);
    proxyUrl.setPassword(password);
    QString error;
    const auto proxy = ProxySettings::fromUrl(proxyUrl, &error);
    QVERIFY2(proxy, qPrintable(error));
    QCOMPARE(proxy->mode, ProxySettings::Mode::Socks5);
    settings.transport.proxy = *proxy;
    auto poller = makePoller(m_server->url("/feed"), settings);
    QSignalSpy live(poller.get(), &Poller::responseReceived);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    if (works) {
        QVERIFY2(live.wait(kWaitMs), qPrintable(poller->errorString()));
        QVERIFY(socks.relayCount() >= 1);
        QVERIFY(socks.usersSeen().contains(kUser));
        QCOMPARE(m_server->requests().first().header("Authorization"), "Bearer " + kBearer);
    } else {
        QVERIFY(errors.wait(kWaitMs));
        QCOMPARE(poller->state(), Poller::State::Failed);
        QCOMPARE(poller->error(), Poller::Error::ProxyAuthenticationError);
        QVERIFY2(poller->errorString().contains(QString("127.0.0.1:%1").arg(socks.port())),
                 qPrintable(poller->errorString()));
        QCOMPARE(m_server->requestCount(), 0);
        QCOMPARE(socks.relayCount(), 0);
        // Bounded: a refused password is not tried for ever.
        QVERIFY2(socks.refusedCount() <= 30, qPrintable(QString::number(socks.refusedCount())));
    }
    poller->stop();
}

QTEST_GUILESS_MAIN(tst_Proxy)
#include "tst_proxy.moc"
