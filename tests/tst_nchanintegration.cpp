// The nchan profile and the Poller against a real nginx with the Nchan
// module (Debian: nginx + libnginx-mod-nchan), started from a temporary
// prefix on a free port of 127.0.0.1.

#include "poller.h"
#include "profiles.h"
#include "profiles/nchanprofile.h"

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

// Short enough that every test sees Nchan's hold expire (408) a few times.
constexpr int kSubscriberTimeoutSeconds = 1;
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

} // namespace

class tst_NchanIntegration : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void messagesArriveOnceAndInOrder();
    void resumesWithoutDuplicatesAfterARestart_data();
    void resumesWithoutDuplicatesAfterARestart();
    void answersToOurCursorAreNoNews();
    void aForbiddenChannelStopsThePoller();

private:
    void startNginx();
    void stopNginx();
    /// POSTs one message; returns the HTTP status, or -1 if none came.
    int publish(const QString &channel, const QByteArray &body,
                const QByteArray &contentType = "text/plain");
    /// Subscribers Nchan holds on a channel (from its channel info), or -1.
    int activeSubscribers(const QString &channel);
    std::unique_ptr<Poller> makePoller(const QString &path);
    QUrl url(const QString &path) const;
    QString errorLog() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_nginx;
    quint16 m_port = 0;
    QNetworkAccessManager m_network;
    EventList m_received;
};

void tst_NchanIntegration::initTestCase()
{
    if (!QFile::exists(kNginx))
        QSKIP("nginx is not installed (Debian package 'nginx'); skipping the Nchan integration "
              "test.");
    if (!QFile::exists(kModule))
        QSKIP("The Nchan module is not installed (Debian package 'libnginx-mod-nchan', "
              "/usr/lib/nginx/modules/ngx_nchan_module.so); skipping the Nchan integration test.");
}

void tst_NchanIntegration::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_port = freePort();
    QVERIFY(m_port != 0);
    m_received.clear();

    const QString prefix = m_dir->path();
    // master_process off: one process, which QProcess can stop for sure.
    QString conf = QString(R"(load_module %1;
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
        location ~ ^/sub/(\w+)$ {
            nchan_subscriber longpoll;
            nchan_channel_id $1;
            nchan_subscriber_timeout %5s;
        }
        location ~ ^/poll/(\w+)$ {
            nchan_subscriber intervalpoll;
            nchan_channel_id $1;
        }
        location ~ ^/existing/(\w+)$ {
            nchan_subscriber longpoll;
            nchan_channel_id $1;
            nchan_subscribe_existing_channels_only on;
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
                       // As root (CI containers), nginx would switch to "nobody"
                       // and could not write into our prefix.
                       .arg(geteuid() == 0 ? "user root;" : "")
                       .arg(kSubscriberTimeoutSeconds);
    QFile file(prefix + "/nginx.conf");
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(conf.toUtf8());
    file.close();
    startNginx();
}

void tst_NchanIntegration::cleanup()
{
    stopNginx();
    if (QTest::currentTestFailed())
        qWarning().noquote() << "nginx error log:\n" << errorLog();
    m_nginx.reset();
    m_dir.reset();
}

void tst_NchanIntegration::startNginx()
{
    QVERIFY(!m_nginx || m_nginx->state() == QProcess::NotRunning);
    m_nginx = std::make_unique<QProcess>();
    m_nginx->setProgram(kNginx);
    // -e: the error log before the configuration is read (the default,
    // /var/log/nginx/error.log, is not ours to write).
    m_nginx->setArguments({"-p", m_dir->path(), "-c", m_dir->path() + "/nginx.conf", "-e",
                           m_dir->path() + "/error.log"});
    m_nginx->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    // If this test dies, nginx dies with it rather than holding the port.
    m_nginx->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_nginx->start();
    QVERIFY2(m_nginx->waitForStarted(5000), qPrintable(m_nginx->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(m_nginx->state() == QProcess::NotRunning || acceptsConnections(m_port),
                             kWaitMs);
    QVERIFY2(m_nginx->state() == QProcess::Running, qPrintable(errorLog()));
}

void tst_NchanIntegration::stopNginx()
{
    if (!m_nginx || m_nginx->state() == QProcess::NotRunning)
        return;
    m_nginx->terminate(); // SIGTERM: nginx's fast shutdown
    if (!m_nginx->waitForFinished(5000)) {
        m_nginx->kill();
        m_nginx->waitForFinished(5000);
    }
}

QString tst_NchanIntegration::errorLog() const
{
    QFile file(m_dir ? m_dir->path() + "/error.log" : QString());
    if (!file.open(QIODevice::ReadOnly))
        return "(no error log)";
    return QString::fromUtf8(file.readAll());
}

QUrl tst_NchanIntegration::url(const QString &path) const
{
    return QUrl(QString("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}

int tst_NchanIntegration::publish(const QString &channel, const QByteArray &body,
                                  const QByteArray &contentType)
{
    QNetworkRequest request(url("/pub/" + channel));
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    // No kept-alive connection that a restart of nginx would leave dead.
    request.setRawHeader("Connection", "close");
    std::unique_ptr<QNetworkReply> reply(m_network.post(request, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return -1;
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

int tst_NchanIntegration::activeSubscribers(const QString &channel)
{
    // GET on a publisher location answers with the channel's info, e.g.
    // "queued messages: 3\nlast requested: 0 sec. ago\nactive subscribers: 1\n...".
    QNetworkRequest request(url("/pub/" + channel));
    request.setRawHeader("Accept", "text/plain");
    request.setRawHeader("Connection", "close");
    std::unique_ptr<QNetworkReply> reply(m_network.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return -1;
    for (const QByteArray &line : reply->readAll().split('\n')) {
        if (line.startsWith("active subscribers:"))
            return line.mid(line.indexOf(':') + 1).trimmed().toInt();
    }
    return -1;
}

std::unique_ptr<Poller> tst_NchanIntegration::makePoller(const QString &path)
{
    QStringList errors;
    auto profile = createProfile("nchan", url(path),
                                 {{"hold", QString::number(kSubscriberTimeoutSeconds)}}, &errors);
    if (!profile) {
        qWarning() << errors;
        return nullptr;
    }
    auto poller = std::make_unique<Poller>(std::move(profile), &m_network);
    poller->setName("nchan-it");
    PollerSettings settings;
    settings.connectTimeout = 2s;
    settings.deadlineMargin = 3s;
    settings.inactivityTimeout = 3s;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 300ms;
    poller->setSettings(settings);
    connect(poller.get(), &Poller::batchReceived, this,
            [this](const EventList &events, const QString &) { m_received += events; });
    return poller;
}

static QStringList texts(const EventList &events)
{
    QStringList result;
    for (const Event &e : events)
        result << e.text;
    return result;
}

static bool keysUnique(const EventList &events)
{
    QSet<QString> keys;
    for (const Event &e : events)
        keys.insert(e.key);
    return keys.size() == events.size();
}

void tst_NchanIntegration::messagesArriveOnceAndInOrder()
{
    // Published before anyone listens: Nchan keeps them, and a subscriber
    // without a cursor starts at the oldest.
    QCOMPARE(publish("jobs", "one"), 202);
    QCOMPARE(publish("jobs", R"({"n": 2})", "application/json"), 202);
    QCOMPARE(publish("jobs", "three"), 202);

    auto poller = makePoller("/sub/jobs");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QSignalSpy responses(poller.get(), &Poller::responseReceived);
    QVERIFY(poller->start());
    QTRY_COMPARE_WITH_TIMEOUT(m_received.size(), 3, kWaitMs);

    // One published while the subscriber is held: Nchan answers 201 when it
    // hands a message to waiting subscribers.
    QTRY_COMPARE_WITH_TIMEOUT(activeSubscribers("jobs"), 1, kWaitMs);
    QCOMPARE(publish("jobs", "four"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(m_received.size(), 4, kWaitMs);

    // Then the hold runs out (408) at least twice: no news, not errors.
    const int before = int(responses.count());
    QTRY_VERIFY_WITH_TIMEOUT(responses.count() >= before + 2, kWaitMs);
    QCOMPARE(errors.count(), 0);
    QCOMPARE(m_received.size(), 4);
    QVERIFY(poller->isRunning());

    QCOMPARE(texts(m_received), (QStringList{"one", R"({"n":2})", "three", "four"}));
    QCOMPARE(m_received.at(0).raw, QByteArray(R"("one")"));
    QCOMPARE(m_received.at(1).raw, QByteArray(R"({"n":2})"));
    QVERIFY(keysUnique(m_received));
    QCOMPARE(poller->cursor(), m_received.last().key);
    for (const Event &event : std::as_const(m_received)) {
        QVERIFY(event.time.isValid());
        QVERIFY(NchanProfile::decodeCursor(event.key, nullptr, nullptr));
    }
    poller->stop();
}

void tst_NchanIntegration::resumesWithoutDuplicatesAfterARestart_data()
{
    QTest::addColumn<bool>("crash");
    QTest::newRow("nginx stopped cleanly: Nchan says 410 Gone and the client starts over") << false;
    QTest::newRow("nginx killed: the connection drops and the client keeps its cursor") << true;
}

void tst_NchanIntegration::resumesWithoutDuplicatesAfterARestart()
{
    // What a restart means for Nchan's message ids: messages live only in
    // nginx's memory, so after a restart the channel is empty and the next
    // message's id is (its publication second, tag 0).
    // - A clean stop (SIGTERM) deletes the channel, and Nchan answers held
    //   subscribers 410 Gone: the profile's verdict is resync, the client
    //   drops its cursor and starts at the oldest message of the new
    //   channel, all of which are new. This row publishes at once, maybe in
    //   the same second as the messages before the restart, so their ids
    //   (and keys) may repeat old ones, e.g. "T:0" again: message ids name a
    //   message only within one nginx lifetime. They still arrive because
    //   the Poller forgets recent keys on a resync.
    // - A crash just drops the connection: the client keeps its cursor, the
    //   last message before the restart, and Nchan answers it with the first
    //   message whose id is after it. One published within the same second
    //   as that message, with a tag at or below its tag, would look old and
    //   be skipped (see NchanProfile), so this row publishes in a later
    //   second, as any real restart (seconds, not milliseconds) would.
    QFETCH(bool, crash);
    QCOMPARE(publish("jobs", "before-1"), 202);
    QCOMPARE(publish("jobs", "before-2"), 202);
    auto poller = makePoller("/sub/jobs");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QSignalSpy resets(poller.get(), &Poller::cursorReset);
    QVERIFY(poller->start());
    QTRY_COMPARE_WITH_TIMEOUT(m_received.size(), 2, kWaitMs);
    const QString cursorBefore = poller->cursor();
    QCOMPARE(cursorBefore, m_received.last().key);
    QDateTime lastBefore;
    QVERIFY(NchanProfile::decodeCursor(cursorBefore, &lastBefore, nullptr));

    // nginx goes away while it holds our request; the Poller sees the outage
    // (connection refused) and keeps retrying.
    QTRY_COMPARE_WITH_TIMEOUT(activeSubscribers("jobs"), 1, kWaitMs);
    if (crash) {
        m_nginx->kill();
        QVERIFY(m_nginx->waitForFinished(5000));
    } else {
        stopNginx();
    }
    QTRY_VERIFY_WITH_TIMEOUT(errors.count() > 0, kWaitMs);
    QVERIFY(poller->isRunning());
    if (crash) {
        QCOMPARE(resets.count(), 0);
        QCOMPARE(poller->cursor(), cursorBefore);
    } else {
        QCOMPARE(resets.count(), 1);
        QCOMPARE(resets.first().at(0).toString(), cursorBefore);
        QCOMPARE(poller->cursor(), QString());
    }
    startNginx();
    if (QTest::currentTestFailed())
        return;

    if (crash) {
        QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentSecsSinceEpoch() > lastBefore.toSecsSinceEpoch(),
                                 3000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(activeSubscribers("jobs"), 1, kWaitMs);
    QCOMPARE(publish("jobs", "after-1"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(m_received.size(), 3, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(activeSubscribers("jobs"), 1, kWaitMs);
    QCOMPARE(publish("jobs", "after-2"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(m_received.size(), 4, kWaitMs);
    QCOMPARE(texts(m_received), (QStringList{"before-1", "before-2", "after-1", "after-2"}));
    QVERIFY(keysUnique(m_received.mid(0, 2)));
    QVERIFY(keysUnique(m_received.mid(2)));
    if (crash) // published in a later second: new ids
        QVERIFY(keysUnique(m_received));
    QCOMPARE(poller->cursor(), m_received.last().key);

    // Nothing more comes, however many holds expire.
    QSignalSpy responses(poller.get(), &Poller::responseReceived);
    QTRY_VERIFY_WITH_TIMEOUT(responses.count() >= 2, kWaitMs);
    QCOMPARE(m_received.size(), 4);
    QVERIFY(poller->state() != Poller::State::Failed);
    poller->stop();
}

void tst_NchanIntegration::answersToOurCursorAreNoNews()
{
    QCOMPARE(publish("status", "only"), 202);
    NchanProfile profile(url("/poll/status"), std::chrono::seconds(kSubscriberTimeoutSeconds));

    // Sends the profile's request for `cursor` and hands the answer to it.
    const auto exchange = [this](NchanProfile &target, const QString &cursor, int *status) {
        const PollRequest pollRequest = target.request(cursor);
        QNetworkRequest request(pollRequest.url);
        for (const auto &[name, value] : pollRequest.headers)
            request.setRawHeader(name, value);
        std::unique_ptr<QNetworkReply> reply(m_network.get(request));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(kWaitMs))
            return PollResult::retry(cursor, "no answer");
        PollResponse response;
        response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        for (const auto &pair : reply->rawHeaderPairs())
            response.headers.append({pair.first, pair.second});
        response.body = reply->readAll();
        *status = response.status;
        return target.parse(response, cursor);
    };

    int status = 0;
    const PollResult first = exchange(profile, {}, &status);
    QCOMPARE(status, 200);
    QCOMPARE(first.verdict, Verdict::Events);
    QCOMPARE(first.events.size(), 1);
    QCOMPARE(first.events.first().text, QString("only"));

    // Interval-poll mode: Nchan understood our If-Modified-Since and
    // If-None-Match, and has nothing newer: 304.
    const PollResult second = exchange(profile, first.cursor, &status);
    QCOMPARE(status, 304);
    QCOMPARE(second.verdict, Verdict::NoNews);
    QCOMPARE(second.cursor, first.cursor);

    // Long-poll mode with the same cursor: held, then 408 at the timeout.
    NchanProfile longPoll(url("/sub/status"), std::chrono::seconds(kSubscriberTimeoutSeconds));
    const PollResult third = exchange(longPoll, first.cursor, &status);
    QCOMPARE(status, 408);
    QCOMPARE(third.verdict, Verdict::NoNews);
    QCOMPARE(third.cursor, first.cursor);
}

void tst_NchanIntegration::aForbiddenChannelStopsThePoller()
{
    auto poller = makePoller("/existing/nobody");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QTRY_COMPARE_WITH_TIMEOUT(poller->state(), Poller::State::Failed, kWaitMs);
    QCOMPARE(errors.count(), 1);
    QVERIFY2(poller->errorString().contains("403"), qPrintable(poller->errorString()));
    QVERIFY(m_received.isEmpty());
}

QTEST_GUILESS_MAIN(tst_NchanIntegration)
#include "tst_nchanintegration.moc"
