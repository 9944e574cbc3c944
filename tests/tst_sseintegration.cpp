// The sse profile and the Poller against a real nginx with the Nchan module
// (Debian: nginx + libnginx-mod-nchan) and its EventSource subscriber,
// started from a temporary prefix on a free port of 127.0.0.1 (as
// tst_nchanintegration starts it): messages arrive once and in order while
// the stream stays open, a restarted channel resumes after its last event
// with Last-Event-ID, and Nchan's pings keep an idle stream open.

#include "poller.h"
#include "profiles.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

const QString kNginx = "/usr/sbin/nginx";
const QString kModule = "/usr/lib/nginx/modules/ngx_nchan_module.so";
constexpr int kWaitMs = 10'000;

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

QStringList texts(const EventList &events)
{
    QStringList result;
    for (const Event &event : events)
        result << event.text;
    return result;
}

} // namespace

class tst_SseIntegration : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void messagesArriveOnceAndInOrderAndResumeAfterTheLastEventId();
    void pingsKeepAnIdleStreamOpen();

private:
    int publish(const QString &channel, const QByteArray &body);
    std::unique_ptr<Poller> makePoller(const QString &path, const QString &cursor = {});
    QUrl url(const QString &path) const
    {
        return QUrl(QString("http://127.0.0.1:%1%2").arg(m_port).arg(path));
    }
    QByteArray log(const QString &name) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_nginx;
    quint16 m_port = 0;
    QNetworkAccessManager m_network;
    EventList m_received;
};

void tst_SseIntegration::initTestCase()
{
    if (!QFile::exists(kNginx))
        QSKIP("nginx is not installed (Debian package 'nginx'); skipping the Nchan EventSource "
              "test.");
    if (!QFile::exists(kModule))
        QSKIP("The Nchan module is not installed (Debian package 'libnginx-mod-nchan'); "
              "skipping the Nchan EventSource test.");
}

void tst_SseIntegration::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_port = freePort();
    QVERIFY(m_port != 0);
    m_received.clear();
    const QString prefix = m_dir->path();
    // One process (master_process off), which QProcess can stop for sure.
    // Nchan pings an EventSource subscriber every second with a comment.
    const QString conf = QString(R"(load_module %1;
daemon off;
master_process off;
worker_processes 1;
pid %2/nginx.pid;
error_log %2/error.log info;
%4
events { worker_connections 128; }
http {
    access_log %2/access.log;
    client_body_temp_path %2/client_body;
    proxy_temp_path %2/proxy;
    fastcgi_temp_path %2/fastcgi;
    uwsgi_temp_path %2/uwsgi;
    scgi_temp_path %2/scgi;
    nchan_message_buffer_length 100;
    server {
        listen 127.0.0.1:%3;
        location ~ ^/es/(\w+)$ {
            nchan_subscriber eventsource;
            nchan_channel_id $1;
            nchan_eventsource_ping_interval 1;
            nchan_eventsource_ping_comment "ping";
        }
        location ~ ^/pub/(\w+)$ {
            nchan_publisher;
            nchan_channel_id $1;
        }
    }
}
)")
                             .arg(kModule, prefix)
                             .arg(m_port)
                             .arg(geteuid() == 0 ? "user root;" : "");
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
    QTRY_VERIFY_WITH_TIMEOUT(m_nginx->state() == QProcess::NotRunning || acceptsConnections(m_port),
                             kWaitMs);
    QVERIFY2(m_nginx->state() == QProcess::Running, log("error.log").constData());
}

void tst_SseIntegration::cleanup()
{
    if (m_nginx && m_nginx->state() != QProcess::NotRunning) {
        m_nginx->terminate();
        if (!m_nginx->waitForFinished(5000)) {
            m_nginx->kill();
            m_nginx->waitForFinished(5000);
        }
    }
    if (QTest::currentTestFailed())
        qWarning().noquote() << "nginx error log:\n" << log("error.log");
    m_nginx.reset();
    m_dir.reset();
}

QByteArray tst_SseIntegration::log(const QString &name) const
{
    QFile file(m_dir ? m_dir->path() + "/" + name : QString());
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

int tst_SseIntegration::publish(const QString &channel, const QByteArray &body)
{
    QNetworkRequest request(url("/pub/" + channel));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    request.setRawHeader("Connection", "close");
    std::unique_ptr<QNetworkReply> reply(m_network.post(request, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return -1;
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

std::unique_ptr<Poller> tst_SseIntegration::makePoller(const QString &path, const QString &cursor)
{
    QStringList errors;
    QVariantMap knobs{{"hold", "1"}};
    if (!cursor.isEmpty())
        knobs.insert("initial-cursor", cursor);
    auto profile = createProfile("sse", url(path), knobs, &errors);
    if (!profile) {
        qWarning() << errors;
        return nullptr;
    }
    auto poller = std::make_unique<Poller>(std::move(profile), &m_network);
    poller->setName("sse-it");
    PollerSettings settings;
    settings.connectTimeout = 2s;
    settings.deadlineMargin = 3s;
    // Nchan pings every second: a stream silent for 2.5 s is not healthy.
    settings.inactivityTimeout = 2500ms;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 300ms;
    poller->setSettings(settings);
    connect(poller.get(), &Poller::batchReceived, this,
            [this](const EventList &events, const QString &) { m_received += events; });
    return poller;
}

void tst_SseIntegration::messagesArriveOnceAndInOrderAndResumeAfterTheLastEventId()
{
    // One message kept from before anyone listened: Nchan sends it first.
    QCOMPARE(publish("jobs", "one"), 202);
    auto poller = makePoller("/es/jobs");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    poller->start();
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), QStringList{"one"}, kWaitMs);
    QVERIFY(poller->isStreaming());
    QCOMPARE(publish("jobs", "two"), 201); // 201: a subscriber got it
    QCOMPARE(publish("jobs", R"({"n": 3})"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), (QStringList{"one", "two", "{\"n\":3}"}), kWaitMs);
    QCOMPARE(m_received.at(2).raw, QByteArrayLiteral("{\"n\":3}"));
    for (const Event &event : std::as_const(m_received))
        QVERIFY2(!event.key.isEmpty(), "Nchan names every message with an id");
    const QString cursor = poller->cursor();
    QCOMPARE(cursor, m_received.constLast().key);
    QVERIFY(errors.isEmpty());

    // Stopped, two messages come, started again from the stored cursor:
    // only those two, once (Last-Event-ID).
    poller.reset();
    QCOMPARE(publish("jobs", "four"), 202);
    QCOMPARE(publish("jobs", "five"), 202);
    m_received.clear();
    auto again = makePoller("/es/jobs", cursor);
    QVERIFY(again);
    again->start(cursor);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), (QStringList{"four", "five"}), kWaitMs);
    QCOMPARE(publish("jobs", "six"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), (QStringList{"four", "five", "six"}), kWaitMs);
}

void tst_SseIntegration::pingsKeepAnIdleStreamOpen()
{
    auto poller = makePoller("/es/quiet");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QSignalSpy reads(poller.get(), &Poller::responseReceived);
    poller->start();
    // Six pings (six seconds) on one stream: more than twice the silence allowed.
    QTRY_VERIFY_WITH_TIMEOUT(reads.size() >= 6, 15'000);
    QCOMPARE(poller->state(), Poller::State::Live);
    QVERIFY(poller->isStreaming());
    QVERIFY(errors.isEmpty());
    QVERIFY(m_received.isEmpty()); // pings are no events
    // nginx logs a request when it ends: the stream never did.
    QVERIFY2(!log("access.log").contains("/es/quiet"), log("access.log").constData());
    QCOMPARE(publish("quiet", "news"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), QStringList{"news"}, kWaitMs);
}

QTEST_GUILESS_MAIN(tst_SseIntegration)
#include "tst_sseintegration.moc"
