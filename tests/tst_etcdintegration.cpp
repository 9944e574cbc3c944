// The etcd-watch profile and the Poller against a real etcd (Debian's
// etcd-server, 3.4), started by the test on free ports of 127.0.0.1 with a
// temporary data directory and the v2 API enabled: the v2 long poll
// (waitIndex) and the v3 watch stream through the JSON gateway deliver
// every change once and in order, an idle watch stays Live, and a cursor
// etcd no longer has (a cleared v2 index, a compacted v3 revision) starts
// again from its current index and says so.

#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <signal.h>
#include <sys/prctl.h>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

constexpr int kWaitMs = 15'000;

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
        result << event.type + QLatin1Char(' ') + event.text;
    return result;
}

} // namespace

class tst_EtcdIntegration : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void v2ChangesArriveOnceAndInOrder();
    void v2AClearedIndexStartsAgainAndSaysSo();
    void v3ChangesArriveOnceAndInOrderOnOneStream();
    void v3ACompactedRevisionStartsAgainAndSaysSo();

private:
    QByteArray call(const QByteArray &method, const QString &path, const QByteArray &body,
                    const QByteArray &contentType = "application/json");
    void v2Set(const QString &key, const QString &value);
    qint64 v3Put(const QString &key, const QByteArray &value);
    std::unique_ptr<Poller> makePoller(const QString &path, const QString &cursor = {});

    QString m_etcd;
    QTemporaryDir m_data;
    std::unique_ptr<QProcess> m_server;
    quint16 m_port = 0;
    QNetworkAccessManager m_manager;
    NetworkAccessManager m_pollManager;
    EventList m_received;
};

void tst_EtcdIntegration::initTestCase()
{
    m_etcd = QStandardPaths::findExecutable("etcd");
    if (m_etcd.isEmpty())
        QSKIP("etcd is not installed (Debian package 'etcd-server'); skipping the etcd test.");
    QVERIFY(m_data.isValid());
    m_port = freePort();
    const quint16 peer = freePort();
    QVERIFY(m_port != 0 && peer != 0 && peer != m_port);
    const QString client = QString("http://127.0.0.1:%1").arg(m_port);
    const QString peerUrl = QString("http://127.0.0.1:%1").arg(peer);
    m_server = std::make_unique<QProcess>();
    m_server->setProgram(m_etcd);
    m_server->setArguments({"--data-dir", m_data.path() + "/data", "--listen-client-urls", client,
                            "--advertise-client-urls", client, "--listen-peer-urls", peerUrl,
                            "--initial-advertise-peer-urls", peerUrl, "--initial-cluster",
                            "default=" + peerUrl, "--enable-v2", "--logger", "zap"});
    // etcd logs a lot: into a file, read when something fails.
    m_server->setStandardErrorFile(m_data.path() + "/etcd.log");
    m_server->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_server->start();
    QVERIFY2(m_server->waitForStarted(5000), qPrintable(m_server->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_server->state() == QProcess::NotRunning || acceptsConnections(m_port), kWaitMs);
    QVERIFY(m_server->state() == QProcess::Running);
    // Ready once it answers a v2 read.
    QTRY_VERIFY_WITH_TIMEOUT(call("GET", "/v2/keys/", {}).contains("\"action\""), kWaitMs);
}

void tst_EtcdIntegration::cleanupTestCase()
{
    if (m_server) {
        m_server->kill();
        m_server->waitForFinished(5000);
    }
}

void tst_EtcdIntegration::cleanup()
{
    m_received.clear();
}

QByteArray tst_EtcdIntegration::call(const QByteArray &method, const QString &path,
                                     const QByteArray &body, const QByteArray &contentType)
{
    QNetworkRequest request(QUrl(QString("http://127.0.0.1:%1%2").arg(m_port).arg(path)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    std::unique_ptr<QNetworkReply> reply(m_manager.sendCustomRequest(request, method, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        return {};
    return reply->readAll();
}

void tst_EtcdIntegration::v2Set(const QString &key, const QString &value)
{
    QUrlQuery form;
    form.addQueryItem("value", value);
    const QByteArray answer =
        call("PUT", "/v2/keys" + key, form.toString(QUrl::FullyEncoded).toLatin1(),
             "application/x-www-form-urlencoded");
    QVERIFY2(answer.contains("\"action\":\"set\""), answer.constData());
}

qint64 tst_EtcdIntegration::v3Put(const QString &key, const QByteArray &value)
{
    const QByteArray answer = call("POST", "/v3/kv/put",
                                   "{\"key\":\"" + key.toUtf8().toBase64() + "\",\"value\":\"" +
                                       value.toBase64() + "\"}");
    return QJsonDocument::fromJson(answer)
        .object()
        .value("header")
        .toObject()
        .value("revision")
        .toString()
        .toLongLong();
}

std::unique_ptr<Poller> tst_EtcdIntegration::makePoller(const QString &path, const QString &cursor)
{
    QStringList errors;
    QVariantMap knobs{{"hold", "1"}};
    if (!cursor.isEmpty())
        knobs.insert("initial-cursor", cursor);
    auto profile = createProfile(
        "etcd-watch", QUrl(QString("http://127.0.0.1:%1%2").arg(m_port).arg(path)), knobs, &errors);
    if (!profile) {
        qWarning() << errors;
        return nullptr;
    }
    auto poller = std::make_unique<Poller>(std::move(profile), &m_pollManager);
    poller->setName("etcd");
    PollerSettings settings;
    settings.inactivityTimeout = 1s;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 300ms;
    poller->setSettings(settings);
    connect(poller.get(), &Poller::batchReceived, this,
            [this](const EventList &events) { m_received += events; });
    return poller;
}

void tst_EtcdIntegration::v2ChangesArriveOnceAndInOrder()
{
    v2Set("/jobs/before", "old");
    auto poller = makePoller("/v2/keys/jobs");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    poller->start();
    // The first read only finds where to wait from: nothing old comes.
    QTRY_VERIFY_WITH_TIMEOUT(!poller->cursor().isEmpty(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(poller->state(), Poller::State::Live, kWaitMs);
    QStringList expected;
    for (int i = 0; i < 5; ++i) {
        v2Set(QString("/jobs/build-%1").arg(i),
              QString("{\"status\":\"running\",\"n\":%1}").arg(i));
        expected << QString("set /jobs/build-%1: {\"n\":%2,\"status\":\"running\"}").arg(i).arg(i);
    }
    call("DELETE", "/v2/keys/jobs/build-0", {});
    expected << "delete /jobs/build-0";
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), expected, kWaitMs);
    QCOMPARE(m_received.at(1).raw,
             QByteArray("{\"type\":\"set\",\"key\":\"/jobs/build-1\",\"value\":{\"n\":1,"
                        "\"status\":\"running\"},\"revision\":") +
                 m_received.at(1).key.section(':', 0, 0).toLatin1() + '}');
    // Idle for several silence limits (1 s): asked again quietly.
    QVERIFY(!errors.wait(3500));
    v2Set("/jobs/late", "x");
    expected << "set /jobs/late: x";
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), expected, kWaitMs);
    QVERIFY(errors.isEmpty());
}

void tst_EtcdIntegration::v2AClearedIndexStartsAgainAndSaysSo()
{
    // etcd v2 keeps its last 1,000 changes: index 1 is long gone after these.
    for (int i = 0; i < 1010; ++i)
        call("PUT", "/v2/keys/noise/k", "value=" + QByteArray::number(i),
             "application/x-www-form-urlencoded");
    // Started from a stored cursor: a resync goes to the profile's own start, now.
    auto poller = makePoller("/v2/keys/cleared");
    QVERIFY(poller);
    QSignalSpy resets(poller.get(), &Poller::cursorReset);
    poller->start("1");
    QVERIFY(resets.wait(kWaitMs));
    QCOMPARE(resets.constFirst().at(0).toString(), QString("1"));
    QVERIFY2(resets.constFirst().at(1).toString().contains("current index"),
             qPrintable(resets.constFirst().at(1).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(poller->cursor().toLongLong() > 1000, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(poller->state(), Poller::State::Live, kWaitMs);
    v2Set("/cleared/after", "y");
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), QStringList{"set /cleared/after: y"}, kWaitMs);
}

void tst_EtcdIntegration::v3ChangesArriveOnceAndInOrderOnOneStream()
{
    v3Put("/ci/before", "old");
    auto poller = makePoller("/v3/watch/ci/");
    QVERIFY(poller);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    poller->start();
    QTRY_VERIFY_WITH_TIMEOUT(poller->isStreaming() && !poller->cursor().isEmpty(), kWaitMs);
    QStringList expected;
    for (int i = 0; i < 5; ++i) {
        QVERIFY(v3Put(QString("/ci/job-%1").arg(i), "{\"status\":\"ok\"}") > 0);
        expected << QString("put /ci/job-%1: {\"status\":\"ok\"}").arg(i);
    }
    v3Put("/other/key", "not watched");
    call("POST", "/v3/kv/deleterange", "{\"key\":\"" + QByteArray("/ci/job-0").toBase64() + "\"}");
    expected << "delete /ci/job-0";
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), expected, kWaitMs);
    const qint64 last = m_received.constLast().key.section(':', 0, 0).toLongLong();
    QCOMPARE(poller->cursor(), QString::number(last + 1));

    // Stopped and started from the cursor: what came meanwhile, once.
    const QString cursor = poller->cursor();
    poller.reset();
    m_received.clear();
    v3Put("/ci/while-stopped", "1");
    auto again = makePoller("/v3/watch/ci/", cursor);
    QVERIFY(again);
    again->start(cursor);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), QStringList{"put /ci/while-stopped: 1"}, kWaitMs);
    v3Put("/ci/after", "2");
    QTRY_COMPARE_WITH_TIMEOUT(
        texts(m_received), (QStringList{"put /ci/while-stopped: 1", "put /ci/after: 2"}), kWaitMs);
    QVERIFY(errors.isEmpty());
}

void tst_EtcdIntegration::v3ACompactedRevisionStartsAgainAndSaysSo()
{
    v3Put("/compact/a", "1");
    v3Put("/compact/b", "2");
    const qint64 revision = v3Put("/compact/c", "3");
    QVERIFY(revision > 3);
    QVERIFY(
        call("POST", "/v3/kv/compaction", "{\"revision\":\"" + QByteArray::number(revision) + "\"}")
            .contains("header"));
    auto poller = makePoller("/v3/watch/compact/");
    QVERIFY(poller);
    QSignalSpy resets(poller.get(), &Poller::cursorReset);
    poller->start("2");
    QVERIFY(resets.wait(kWaitMs));
    QVERIFY2(resets.constFirst().at(1).toString().contains("compacted"),
             qPrintable(resets.constFirst().at(1).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(poller->isStreaming() && poller->cursor().toLongLong() > revision,
                             kWaitMs);
    v3Put("/compact/d", "4");
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), QStringList{"put /compact/d: 4"}, kWaitMs);
}

QTEST_GUILESS_MAIN(tst_EtcdIntegration)
#include "tst_etcdintegration.moc"
