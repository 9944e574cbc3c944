// HTTP/2 against a real nginx (Debian's nginx 1.22, started from a
// temporary prefix on free ports of 127.0.0.1): cleartext by prior
// knowledge (`listen ... http2` without ssl), and over TLS by ALPN. nginx
// holds each poll by passing it to the fake HTTP server, which answers
// after a delay longer than the connect timeout; its access log records
// the protocol and the client connection ($connection) of every request.

#include "fakehttpserver.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

const QString kNginx = "/usr/sbin/nginx";
constexpr int kWaitMs = 30'000;
constexpr auto kHold = 600ms;           // how long the fake server holds each poll
constexpr auto kConnectTimeout = 200ms; // well below the hold

quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

bool acceptsConnections(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(200);
}

/// One line of nginx's access log, as our log_format writes it.
struct LogLine
{
    QString connection;
    QString protocol;
    quint16 port = 0;
    QString uri;
};

} // namespace

class tst_Http2 : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void qtEmitsRequestSentForEveryHttp2Stream();
    void hundredChannelsShareOneConnection();
    void httpVersionSettingIsHonoured_data();
    void httpVersionSettingIsHonoured();

private:
    std::unique_ptr<Poller> makePoller(const QUrl &url, const PollerSettings &settings,
                                       QNetworkAccessManager *manager);
    PollerSettings settingsFor(HttpVersion version) const;
    QList<LogLine> accessLog() const;
    QString errorLog() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestCertificates> m_certs;
    std::unique_ptr<QProcess> m_nginx;
    std::unique_ptr<FakeHttpServer> m_backend;
    quint16 m_h2cPort = 0;   ///< HTTP/2 only, cleartext (prior knowledge)
    quint16 m_http1Port = 0; ///< HTTP/1.1 only, cleartext
    quint16 m_tlsPort = 0;   ///< https, HTTP/2 by ALPN or HTTP/1.1
};

void tst_Http2::initTestCase()
{
    if (!QFile::exists(kNginx))
        QSKIP("nginx is not installed (Debian package 'nginx'); skipping the HTTP/2 test.");
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl').");
}

void tst_Http2::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir->path());
    QVERIFY2(m_certs->makeSelfSigned("nginx", "127.0.0.1"), qPrintable(m_certs->errorString()));
    m_backend = std::make_unique<FakeHttpServer>();
    QVERIFY(m_backend->isListening());
    m_backend->setDefaultResponse(FakeResponse::seedEvents({}).withDelay(kHold));
    m_h2cPort = freePort();
    m_http1Port = freePort();
    m_tlsPort = freePort();
    QVERIFY(m_h2cPort && m_http1Port && m_tlsPort);

    const QString prefix = m_dir->path();
    const QString conf = QString(R"(daemon off;
master_process off;
worker_processes 1;
pid %1/nginx.pid;
error_log %1/error.log info;
%2
events { worker_connections 1024; }
http {
    log_format channels '$connection $server_protocol $server_port $request_uri';
    access_log %1/access.log channels;
    client_body_temp_path %1/client_body;
    proxy_temp_path %1/proxy;
    fastcgi_temp_path %1/fastcgi;
    uwsgi_temp_path %1/uwsgi;
    scgi_temp_path %1/scgi;
    proxy_http_version 1.1;
    proxy_read_timeout 30s;
    server {
        listen 127.0.0.1:%3 http2;
        location / { proxy_pass http://127.0.0.1:%4; }
    }
    server {
        listen 127.0.0.1:%5;
        location / { proxy_pass http://127.0.0.1:%4; }
    }
    server {
        listen 127.0.0.1:%6 ssl http2;
        ssl_certificate %7;
        ssl_certificate_key %8;
        location / { proxy_pass http://127.0.0.1:%4; }
    }
}
)")
                             .arg(prefix)
                             // As root (CI containers), nginx would switch to "nobody" and
                             // could not write into our prefix.
                             .arg(geteuid() == 0 ? "user root;" : "")
                             .arg(m_h2cPort)
                             .arg(m_backend->port())
                             .arg(m_http1Port)
                             .arg(m_tlsPort)
                             .arg(m_certs->certificatePath("nginx"), m_certs->keyPath("nginx"));
    QFile file(prefix + "/nginx.conf");
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(conf.toUtf8());
    file.close();

    m_nginx = std::make_unique<QProcess>();
    m_nginx->setProgram(kNginx);
    m_nginx->setArguments(
        {"-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"});
    m_nginx->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_nginx->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_nginx->start();
    QVERIFY2(m_nginx->waitForStarted(5000), qPrintable(m_nginx->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(m_nginx->state() == QProcess::NotRunning ||
                                 (acceptsConnections(m_h2cPort) &&
                                  acceptsConnections(m_http1Port) && acceptsConnections(m_tlsPort)),
                             10'000);
    QVERIFY2(m_nginx->state() == QProcess::Running, qPrintable(errorLog()));
}

void tst_Http2::cleanup()
{
    if (m_nginx && m_nginx->state() != QProcess::NotRunning) {
        m_nginx->terminate();
        if (!m_nginx->waitForFinished(5000)) {
            m_nginx->kill();
            m_nginx->waitForFinished(5000);
        }
    }
    if (QTest::currentTestFailed())
        qWarning().noquote() << "nginx error log:\n" << errorLog();
    m_nginx.reset();
    m_backend.reset();
    m_certs.reset();
    m_dir.reset();
}

QString tst_Http2::errorLog() const
{
    QFile file(m_dir ? m_dir->filePath("error.log") : QString());
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : "(no error log)";
}

QList<LogLine> tst_Http2::accessLog() const
{
    QList<LogLine> lines;
    QFile file(m_dir->filePath("access.log"));
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const QList<QByteArray> fields = raw.split(' ');
        if (fields.size() != 4)
            continue;
        lines.append({QString(fields[0]), QString(fields[1]), quint16(fields[2].toUInt()),
                      QString(fields[3])});
    }
    return lines;
}

PollerSettings tst_Http2::settingsFor(HttpVersion version) const
{
    PollerSettings settings;
    settings.connectTimeout = kConnectTimeout;
    settings.deadlineMargin = 10s;
    settings.inactivityTimeout = 10s;
    settings.backoffInitial = 100ms;
    settings.backoffMax = 500ms;
    settings.transport.httpVersion = version;
    settings.transport.tls.pinnedSha256 = {certificateSha256(m_certs->certificate("nginx"))};
    return settings;
}

std::unique_ptr<Poller> tst_Http2::makePoller(const QUrl &url, const PollerSettings &settings,
                                              QNetworkAccessManager *manager)
{
    QStringList errors;
    auto profile = createProfile("seed-events", url, {{"hold", "0.5"}}, &errors);
    if (!profile)
        return nullptr;
    auto poller = std::make_unique<Poller>(std::move(profile), manager);
    poller->setName(url.path());
    poller->setSettings(settings);
    return poller;
}

void tst_Http2::qtEmitsRequestSentForEveryHttp2Stream()
{
    // The Poller's connect timeout starts on socketStartedConnecting and
    // ends on requestSent (or encrypted). Qt 6.4's HTTP/2 path emits
    // socketStartedConnecting for the one request that opens the
    // connection, and requestSent for every stream, before the answer.
    QNetworkAccessManager manager;
    constexpr int kRequests = 3;
    int started = 0;
    int sent = 0;
    int sentBeforeAnswer = 0;
    QList<QNetworkReply *> replies;
    for (int i = 0; i < kRequests; ++i) {
        QNetworkRequest request(QUrl(QString("http://127.0.0.1:%1/raw/%2").arg(m_h2cPort).arg(i)));
        request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
        QNetworkReply *reply = manager.get(request);
        replies.append(reply);
        connect(reply, &QNetworkReply::socketStartedConnecting, this, [&] { ++started; });
        connect(reply, &QNetworkReply::requestSent, this, [&, reply] {
            ++sent;
            if (!reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid())
                ++sentBeforeAnswer;
        });
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.cbegin(), replies.cend(),
                                         [](QNetworkReply *r) { return r->isFinished(); }),
                             kWaitMs);
    for (QNetworkReply *reply : std::as_const(replies)) {
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QVERIFY(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
        reply->deleteLater();
    }
    QCOMPARE(started, 1);
    QCOMPARE(sent, kRequests);
    QCOMPARE(sentBeforeAnswer, kRequests);
}

void tst_Http2::hundredChannelsShareOneConnection()
{
    constexpr int kChannels = 100;
    NetworkPool pool;
    std::vector<std::unique_ptr<Poller>> pollers;
    int errors = 0;
    QString firstError;
    const PollerSettings settings = settingsFor(HttpVersion::Http2);
    for (int i = 0; i < kChannels; ++i) {
        const QUrl url(QString("http://127.0.0.1:%1/channel/%2").arg(m_h2cPort).arg(i));
        auto poller = makePoller(url, settings, pool.acquire(url, settings.transport));
        QVERIFY(poller);
        connect(poller.get(), &Poller::errorOccurred, this,
                [&](Poller::Error, const QString &message) {
                    if (errors++ == 0)
                        firstError = message;
                });
        pollers.push_back(std::move(poller));
    }
    // HTTP/2 multiplexes: no need to spread the channels over managers.
    QCOMPARE(pool.managerCount(), 1);
    for (auto &poller : pollers)
        QVERIFY(poller->start());

    const auto allLive = [&] {
        return std::all_of(pollers.cbegin(), pollers.cend(), [](const auto &poller) {
            return poller->state() == Poller::State::Live;
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(allLive() || errors > 0, kWaitMs);
    QVERIFY2(errors == 0, qPrintable(firstError));
    // A second round of held polls, each held three times the connect
    // timeout: none may be taken for a connection that never came.
    const int answered = m_backend->requestCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_backend->requestCount() >= answered + kChannels || errors > 0,
                             kWaitMs);
    QVERIFY2(errors == 0, qPrintable(firstError));
    QVERIFY(allLive());
    for (auto &poller : pollers)
        poller->stop();

    // nginx logs a request when it ends; the stopped polls end as 499.
    QTRY_VERIFY_WITH_TIMEOUT(accessLog().size() >= 2 * kChannels, 10'000);
    QSet<QString> connections;
    QSet<QString> channels;
    for (const LogLine &line : accessLog()) {
        QCOMPARE(line.port, m_h2cPort);
        QCOMPARE(line.protocol, QString("HTTP/2.0"));
        connections.insert(line.connection);
        channels.insert(line.uri.section('?', 0, 0));
    }
    QCOMPARE(channels.size(), kChannels);
    QCOMPARE(connections.size(), 1);
}

void tst_Http2::httpVersionSettingIsHonoured_data()
{
    QTest::addColumn<QString>("server");
    QTest::addColumn<HttpVersion>("version");
    QTest::addColumn<QString>("protocol");

    QTest::newRow("automatic on http:// speaks HTTP/1.1")
        << "http1" << HttpVersion::Automatic << "HTTP/1.1";
    QTest::newRow("HTTP/2 on http:// speaks HTTP/2 by prior knowledge")
        << "h2c" << HttpVersion::Http2 << "HTTP/2.0";
    // Automatic is HTTP/1.1 on Longwatch's own client, which offers only
    // that by ALPN; HTTP/2 is for channels that ask for it (Qt's client).
    QTest::newRow("automatic on https:// speaks HTTP/1.1, though HTTP/2 is offered")
        << "tls" << HttpVersion::Automatic << "HTTP/1.1";
    QTest::newRow("HTTP/2 on https:// speaks HTTP/2") << "tls" << HttpVersion::Http2 << "HTTP/2.0";
    QTest::newRow("HTTP/1.1 only on https:// never speaks HTTP/2")
        << "tls" << HttpVersion::Http1Only << "HTTP/1.1";
}

void tst_Http2::httpVersionSettingIsHonoured()
{
    QFETCH(QString, server);
    QFETCH(HttpVersion, version);
    QFETCH(QString, protocol);

    const QUrl url = server == "tls"   ? QUrl(QString("https://127.0.0.1:%1/v").arg(m_tlsPort))
                     : server == "h2c" ? QUrl(QString("http://127.0.0.1:%1/v").arg(m_h2cPort))
                                       : QUrl(QString("http://127.0.0.1:%1/v").arg(m_http1Port));
    NetworkPool pool;
    const PollerSettings settings = settingsFor(version);
    auto poller = makePoller(url, settings, pool.acquire(url, settings.transport));
    QSignalSpy responses(poller.get(), &Poller::responseReceived);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    // Two held answers: the second poll reuses the connection.
    QTRY_VERIFY_WITH_TIMEOUT(responses.count() >= 2 || errors.count() > 0, kWaitMs);
    QVERIFY2(errors.isEmpty(), qPrintable(poller->errorString()));
    poller->stop();
    QTRY_VERIFY_WITH_TIMEOUT(accessLog().size() >= 2, 10'000);
    for (const LogLine &line : accessLog())
        QCOMPARE(line.protocol, protocol);
}

QTEST_GUILESS_MAIN(tst_Http2)
#include "tst_http2.moc"
