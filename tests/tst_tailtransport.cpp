// longwatch-tail's transport options, end to end: the real program against
// an HTTPS server with a private CA (tlstestserver), the fake HTTP server
// and Debian's tinyproxy, all on 127.0.0.1 and free ports; and every bad
// value refused with a sentence and exit status 2 before anything is opened.

#include "common/tinyproxy.h"
#include "fakehttpserver.h"
#include "tlstestserver.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <signal.h>
#include <sys/prctl.h>

using namespace Longwatch::Testing;

namespace {

constexpr int kWaitMs = 20'000;
const QString kTail = QStringLiteral(LONGWATCH_TAIL_PATH);
const QByteArray kOneEvent = R"({"events":[{"id":7,"type":"test","message":"over tls"}]})";
// Secrets the tests hand over through the environment; none may ever show
// in what the tail prints.
const QString kPassphrase = "key-pa55-2468";
const QString kPassword = "ba5ic-pa55-1357";
const QString kToken = "t0ken-9753";
const QString kProxyUser = "alice";
const QString kProxyPassword = "pr0xy-pa55-8642";

/// The tail's environment: the secrets above, no proxy from the system.
QProcessEnvironment tailEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"})
        env.remove(QString::fromLatin1(name));
    env.insert("LW_TEST_PASSPHRASE", kPassphrase);
    env.insert("LW_TEST_PASSWORD", kPassword);
    env.insert("LW_TEST_TOKEN", kToken);
    env.insert("LW_TEST_PROXY_USER", kProxyUser);
    env.insert("LW_TEST_PROXY_PASSWORD", kProxyPassword);
    env.remove("LW_TEST_UNSET");
    return env;
}

/// The tail, run to its end while this test's servers answer: its exit
/// code, standard output and standard error.
struct TailRun
{
    int exitCode = -1;
    QByteArray out;
    QString err;
    bool finished = false;
};

TailRun runTail(const QStringList &arguments)
{
    QProcess tail;
    tail.setProgram(kTail);
    tail.setArguments(arguments);
    tail.setProcessEnvironment(tailEnvironment());
    tail.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QSignalSpy finished(&tail, &QProcess::finished);
    tail.start();
    TailRun run;
    run.finished = finished.wait(kWaitMs);
    if (!run.finished) {
        tail.kill();
        tail.waitForFinished(5000);
    }
    run.exitCode = tail.exitCode();
    run.out = tail.readAllStandardOutput();
    run.err = QString::fromLocal8Bit(tail.readAllStandardError());
    return run;
}

QString sha256(const QSslCertificate &certificate)
{
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':'));
}

} // namespace

class tst_TailTransport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void helpListsTheTransportOptions();
    void caFileReachesAServerOfAPrivateCa_data();
    void caFileReachesAServerOfAPrivateCa();
    void clientCertificateAnswersMutualTls_data();
    void clientCertificateAnswersMutualTls();
    void pinTrustsASelfSignedServer_data();
    void pinTrustsASelfSignedServer();
    void credentialsReachTheServer_data();
    void credentialsReachTheServer();
    void proxyCarriesThePollsWithItsCredentials();
    void httpVersionReachesTheConnection_data();
    void httpVersionReachesTheConnection();
    void badValuesExitWithTwo_data();
    void badValuesExitWithTwo();
    void literalSecretsAreRefusedAndNeverEchoed_data();
    void literalSecretsAreRefusedAndNeverEchoed();

private:
    quint16 startTinyproxy();

    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
    std::unique_ptr<QProcess> m_proxy;
};

void tst_TailTransport::initTestCase()
{
    QVERIFY(QFile::exists(kTail));
    QVERIFY(m_dir.isValid());
    if (!TestCertificates::opensslAvailable())
        QSKIP("openssl is not installed.");
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    TestCertificates &c = *m_certs;
    QVERIFY2(c.makeCa("ca", "Longwatch Tail Test CA"), qPrintable(c.errorString()));
    QVERIFY2(c.makeSigned("server", "127.0.0.1", "ca"), qPrintable(c.errorString()));
    QVERIFY2(c.makeCa("clientca", "Longwatch Tail Client CA"), qPrintable(c.errorString()));
    QVERIFY2(c.makeSigned("client", "longwatch-tail", "clientca", true),
             qPrintable(c.errorString()));
    QVERIFY2(c.encryptKey("client", kPassphrase), qPrintable(c.errorString()));
    QVERIFY2(c.makeSelfSigned("self", "127.0.0.1"), qPrintable(c.errorString()));
}

void tst_TailTransport::cleanup()
{
    if (m_proxy) {
        m_proxy->terminate();
        if (!m_proxy->waitForFinished(5000)) {
            m_proxy->kill();
            m_proxy->waitForFinished(5000);
        }
        m_proxy.reset();
    }
}

void tst_TailTransport::helpListsTheTransportOptions()
{
    const TailRun run = runTail({"--help"});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    const QString help = QString::fromLocal8Bit(run.out);
    for (const char *option :
         {"--ca-file", "--client-cert", "--client-key", "--client-key-passphrase", "--pin",
          "--proxy", "--proxy-user", "--proxy-password", "--user", "--password", "--bearer-token",
          "--http-version"})
        QVERIFY2(help.contains(QLatin1String(option)), option);
    QVERIFY(help.contains("${env:NAME}"));
}

void tst_TailTransport::caFileReachesAServerOfAPrivateCa_data()
{
    QTest::addColumn<bool>("withCaFile");
    QTest::newRow("with --ca-file the tail trusts the private CA and prints the event") << true;
    QTest::newRow("without --ca-file the tail refuses the server's certificate") << false;
}

void tst_TailTransport::caFileReachesAServerOfAPrivateCa()
{
    QFETCH(bool, withCaFile);
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.setResponse(200, kOneEvent);
    QVERIFY(server.listen());
    QStringList arguments{"--channel",         "tls=" + server.url("/poll").toString(),
                          "--count",           "1",
                          "--duration",        "5",
                          "--backoff-initial", "0.2"};
    if (withCaFile)
        arguments << "--ca-file" << m_certs->certificatePath("ca");
    const TailRun run = runTail(arguments);
    QVERIFY(run.finished);
    if (withCaFile) {
        QCOMPARE(run.exitCode, 0);
        const QJsonObject line = QJsonDocument::fromJson(run.out.trimmed()).object();
        QCOMPARE(line.value("key").toString(), QStringLiteral("7"));
        QVERIFY(server.requestCount() >= 1);
    } else {
        QVERIFY(run.out.isEmpty());
        QCOMPARE(server.requestCount(), 0);
        QVERIFY2(run.err.contains("certificate", Qt::CaseInsensitive), qPrintable(run.err));
    }
}

void tst_TailTransport::clientCertificateAnswersMutualTls_data()
{
    QTest::addColumn<bool>("withClientCertificate");
    QTest::newRow("with --client-cert and its encrypted key the server lets the tail in") << true;
    QTest::newRow("without a client certificate the handshake fails") << false;
}

void tst_TailTransport::clientCertificateAnswersMutualTls()
{
    QFETCH(bool, withClientCertificate);
    TlsTestServer server(m_certs->certificate("server"), m_certs->key("server"));
    server.requireClientCertificate({m_certs->certificate("clientca")});
    server.setResponse(200, kOneEvent);
    QVERIFY(server.listen());
    QStringList arguments{
        "--channel", "tls=" + server.url("/poll").toString(), "--count", "1", "--duration", "5",
        "--ca-file", m_certs->certificatePath("ca")};
    if (withClientCertificate)
        arguments << "--client-cert" << m_certs->certificatePath("client") << "--client-key"
                  << m_certs->path("client-encrypted.key") << "--client-key-passphrase"
                  << "${env:LW_TEST_PASSPHRASE}";
    const TailRun run = runTail(arguments);
    QVERIFY(run.finished);
    QVERIFY2(!run.err.contains(kPassphrase), qPrintable(run.err));
    if (withClientCertificate) {
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(run.out.trimmed()).object().value("key").toString(),
                 QStringLiteral("7"));
        QVERIFY(!server.clientCertificates().isEmpty());
        QCOMPARE(server.clientCertificates().constFirst(), m_certs->certificate("client"));
    } else {
        QVERIFY(run.out.isEmpty());
        QCOMPARE(server.requestCount(), 0);
        QVERIFY(server.failedHandshakeCount() >= 1);
    }
}

void tst_TailTransport::pinTrustsASelfSignedServer_data()
{
    QTest::addColumn<QString>("pin");
    QTest::addColumn<bool>("trusted");
    QTest::newRow("the server's own fingerprint lets the tail in")
        << sha256(m_certs->certificate("self")) << true;
    QTest::newRow("another certificate's fingerprint does not")
        << sha256(m_certs->certificate("server")) << false;
}

void tst_TailTransport::pinTrustsASelfSignedServer()
{
    QFETCH(QString, pin);
    QFETCH(bool, trusted);
    TlsTestServer server(m_certs->certificate("self"), m_certs->key("self"));
    server.setResponse(200, kOneEvent);
    QVERIFY(server.listen());
    const TailRun run = runTail({"--channel", "tls=" + server.url("/poll").toString(), "--count",
                                 "1", "--duration", "5", "--pin", pin});
    QVERIFY(run.finished);
    if (trusted) {
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(run.out.trimmed()).object().value("key").toString(),
                 QStringLiteral("7"));
    } else {
        QVERIFY(run.out.isEmpty());
        QCOMPARE(server.requestCount(), 0);
    }
}

void tst_TailTransport::credentialsReachTheServer_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("authorization");
    QTest::newRow("--user and --password from the environment send basic authentication")
        << QStringList{"--user", "bob", "--password", "${env:LW_TEST_PASSWORD}"}
        << "Basic " + QByteArray("bob:" + kPassword.toUtf8()).toBase64();
    QTest::newRow("a user name from the environment too")
        << QStringList{"--user", "${env:LW_TEST_PROXY_USER}", "--password",
                       "${env:LW_TEST_PASSWORD}"}
        << "Basic " + QByteArray(kProxyUser.toUtf8() + ":" + kPassword.toUtf8()).toBase64();
    QTest::newRow("--bearer-token from the environment sends the token")
        << QStringList{"--bearer-token", "${env:LW_TEST_TOKEN}"} << "Bearer " + kToken.toUtf8();
    QTest::newRow("a credential --header from the environment")
        << QStringList{"--header", "Authorization: Bearer ${env:LW_TEST_TOKEN}"}
        << "Bearer " + kToken.toUtf8();
}

void tst_TailTransport::credentialsReachTheServer()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, authorization);
    FakeHttpServer server;
    QVERIFY2(server.isListening(), qPrintable(server.errorString()));
    server.setDefaultResponse(FakeResponse::seedEvents({1}));
    const TailRun run = runTail(QStringList{"--channel", "x=" + server.url("/poll").toString(),
                                            "--count", "1", "--verbose"} +
                                arguments);
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    QVERIFY(server.requestCount() >= 1);
    QCOMPARE(server.requests().constFirst().header("Authorization"), authorization);
    for (const QString &secret : {kPassword, kToken, QString::fromLatin1(authorization)}) {
        QVERIFY2(!run.err.contains(secret), qPrintable(run.err));
        QVERIFY(!run.out.contains(secret.toUtf8()));
    }
}

quint16 tst_TailTransport::startTinyproxy()
{
    return Longwatch::Testing::startTinyproxy(m_proxy, QDir(m_dir.path()), kProxyUser,
                                              kProxyPassword, kWaitMs);
}

void tst_TailTransport::proxyCarriesThePollsWithItsCredentials()
{
    const quint16 proxyPort = startTinyproxy();
    if (proxyPort == 0 && QStandardPaths::findExecutable("tinyproxy", {"/usr/bin"}).isEmpty())
        QSKIP("tinyproxy is not installed (Debian package 'tinyproxy').");
    QVERIFY(proxyPort != 0);
    FakeHttpServer server;
    QVERIFY2(server.isListening(), qPrintable(server.errorString()));
    server.setDefaultResponse(FakeResponse::seedEvents({1}));
    const TailRun run =
        runTail({"--channel", "x=" + server.url("/poll").toString(), "--count", "1", "--proxy",
                 QString("http://127.0.0.1:%1").arg(proxyPort), "--proxy-user",
                 "${env:LW_TEST_PROXY_USER}", "--proxy-password", "${env:LW_TEST_PROXY_PASSWORD}"});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    QVERIFY(server.requestCount() >= 1);
    // tinyproxy says so in a Via header: the poll went through it, after the
    // proxy accepted the credentials it asked for.
    QVERIFY(server.requests().constFirst().header("Via").contains("tinyproxy"));
    QVERIFY(server.requests().constFirst().header("Proxy-Authorization").isNull());
    QVERIFY2(!run.err.contains(kProxyPassword), qPrintable(run.err));
}

void tst_TailTransport::httpVersionReachesTheConnection_data()
{
    QTest::addColumn<QString>("version");
    QTest::addColumn<QByteArray>("opening");
    QTest::newRow("auto speaks HTTP/1.1 to an http:// address") << "auto" << QByteArray("GET ");
    QTest::newRow("1.1 speaks HTTP/1.1") << "1.1" << QByteArray("GET ");
    QTest::newRow("2 speaks HTTP/2 by prior knowledge (its connection preface)")
        << "2" << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
}

void tst_TailTransport::httpVersionReachesTheConnection()
{
    QFETCH(QString, version);
    QFETCH(QByteArray, opening);
    // A bare TCP server: what the tail writes first tells the protocol.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QByteArray received;
    connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            socket->setParent(&server);
            connect(socket, &QTcpSocket::readyRead, &server, [&, socket] {
                if (received.size() < 64)
                    received += socket->readAll();
            });
        }
    });
    QProcess tail;
    tail.setProgram(kTail);
    tail.setArguments({"--channel", QString("x=http://127.0.0.1:%1/poll").arg(server.serverPort()),
                       "--http-version", version, "--duration", "10"});
    tail.setProcessEnvironment(tailEnvironment());
    tail.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    tail.start();
    QTRY_VERIFY_WITH_TIMEOUT(received.size() >= opening.size(), kWaitMs);
    QVERIFY2(received.startsWith(opening), received.constData());
    tail.terminate();
    QVERIFY(tail.waitForFinished(kWaitMs));
    QCOMPARE(tail.exitCode(), 0);
}

void tst_TailTransport::badValuesExitWithTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    const QString missing = m_dir.filePath("missing.pem");
    QTest::newRow("a CA file that cannot be read")
        << QStringList{"--ca-file", missing} << "Could not read " + missing;
    QTest::newRow("a CA file with no certificate in it")
        << QStringList{"--ca-file", m_certs->keyPath("ca")} << "holds no certificate";
    QTest::newRow("a client certificate that cannot be read")
        << QStringList{"--client-cert", missing} << "Could not read " + missing;
    QTest::newRow("a key without its certificate")
        << QStringList{"--client-key", m_certs->keyPath("client")} << "client certificate";
    QTest::newRow("an encrypted key with the wrong passphrase")
        << QStringList{"--client-cert",
                       m_certs->certificatePath("client"),
                       "--client-key",
                       m_certs->path("client-encrypted.key"),
                       "--client-key-passphrase",
                       "${env:LW_TEST_PASSWORD}"}
        << "passphrase";
    QTest::newRow("a fingerprint that is not SHA-256")
        << QStringList{"--pin", "ab:cd:ef"} << "ab:cd:ef is not a SHA-256 fingerprint";
    QTest::newRow("a proxy of another scheme")
        << QStringList{"--proxy", "ftp://127.0.0.1:21"} << "http:// or socks5://";
    QTest::newRow("a proxy without a host") << QStringList{"--proxy", "http://"} << "needs a host";
    QTest::newRow("proxy credentials without a proxy")
        << QStringList{"--proxy-user", "alice"} << "--proxy http://";
    QTest::newRow("an unknown HTTP version")
        << QStringList{"--http-version", "3"} << "--http-version takes auto, 1.1 or 2";
    QTest::newRow("an unset variable for the password")
        << QStringList{"--user", "bob", "--password", "${env:LW_TEST_UNSET}"}
        << "--password refers to the environment variable LW_TEST_UNSET, which is not set";
    QTest::newRow("an unset variable for the token")
        << QStringList{"--bearer-token", "${env:LW_TEST_UNSET}"} << "LW_TEST_UNSET";
    QTest::newRow("an unset variable for the proxy password")
        << QStringList{"--proxy", "http://127.0.0.1:3128", "--proxy-user",
                       "alice",   "--proxy-password",      "${env:LW_TEST_UNSET}"}
        << "LW_TEST_UNSET";
    QTest::newRow("an unset variable for the user name")
        << QStringList{"--user", "${env:LW_TEST_UNSET}"} << "LW_TEST_UNSET";
    QTest::newRow("an unset variable in a header")
        << QStringList{"--header", "X-Api-Key: ${env:LW_TEST_UNSET}"}
        << "--header X-Api-Key refers to the environment variable LW_TEST_UNSET, which is not set";
    QTest::newRow("basic authentication and a bearer token at once")
        << QStringList{"--user", "bob", "--bearer-token", "${env:LW_TEST_TOKEN}"} << "not both";
}

void tst_TailTransport::badValuesExitWithTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    // A server that would see any request the tail made before giving up.
    FakeHttpServer server;
    QVERIFY2(server.isListening(), qPrintable(server.errorString()));
    const TailRun run =
        runTail(QStringList{"--channel", "x=" + server.url("/poll").toString()} + arguments);
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(mentions), qPrintable(run.err));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(server.requestCount(), 0);
}

void tst_TailTransport::literalSecretsAreRefusedAndNeverEchoed_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("secret");
    const QString secret = "l1teral-5ecret-0000";
    QTest::newRow("a password written out")
        << QStringList{"--user", "bob", "--password", secret} << secret;
    QTest::newRow("a bearer token written out") << QStringList{"--bearer-token", secret} << secret;
    QTest::newRow("a proxy password written out")
        << QStringList{"--proxy", "http://127.0.0.1:3128", "--proxy-user",
                       "alice",   "--proxy-password",      secret}
        << secret;
    QTest::newRow("a key passphrase written out")
        << QStringList{"--client-cert",
                       m_certs->certificatePath("client"),
                       "--client-key",
                       m_certs->path("client-encrypted.key"),
                       "--client-key-passphrase",
                       secret}
        << secret;
    QTest::newRow("a password in the proxy's address")
        << QStringList{"--proxy", "http://alice:" + secret + "@127.0.0.1:3128"} << secret;
    QTest::newRow("a credential header written out")
        << QStringList{"--header", "X-Api-Key: " + secret} << secret;
    QTest::newRow("an Authorization header written out")
        << QStringList{"--header", "Authorization: Bearer " + secret} << secret;
    QTest::newRow("a reference with the secret beside it")
        << QStringList{"--bearer-token", secret + "${env:LW_TEST_TOKEN}"} << secret;
    QTest::newRow("a header with the secret beside a reference")
        << QStringList{"--header", "Authorization: " + secret + " ${env:LW_TEST_TOKEN}"} << secret;
}

void tst_TailTransport::literalSecretsAreRefusedAndNeverEchoed()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, secret);
    const TailRun run = runTail(QStringList{"--channel", "x=http://127.0.0.1:9/poll"} + arguments);
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("${env:NAME}"), qPrintable(run.err));
    QVERIFY2(run.err.contains("visible to other users"), qPrintable(run.err));
    QVERIFY2(!run.err.contains(secret), qPrintable(run.err));
    QVERIFY(!run.out.contains(secret.toUtf8()));
}

QTEST_GUILESS_MAIN(tst_TailTransport)
#include "tst_tailtransport.moc"
