// A channel with a second server (#19 item 5) on a real distributed engine:
// two nginx+Nchan nodes that keep their channels in one Redis (Debian:
// nginx, libnginx-mod-nchan, redis-server), all started by the test on free
// ports of 127.0.0.1. Node A dies while it holds our request; the channel
// goes on from node B with its cursor, every event once, none lost; later
// it goes back to A.

#include "nchanserver.h"
#include "poller.h"
#include "profiles.h"

#include <QElapsedTimer>
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
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

const QString kRedis = "/usr/bin/redis-server";

constexpr int kHoldSeconds = 1;
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

void dieWithTheTest(QProcess &process)
{
    // If this test dies, its servers die with it rather than holding ports.
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

/// One nginx+Nchan node on a free port, its channels in the Redis at `redisPort`.
class Node : public NchanServer
{
public:
    Node(const QString &name, quint16 redisPort)
        : m_name(name)
        , m_redisPort(redisPort)
    {}

    bool configureNode(QString *problem)
    {
        return configure(QStringLiteral("    nchan_redis_url \"redis://127.0.0.1:%1\";\n"
                                        "    nchan_message_buffer_length 100;")
                             .arg(m_redisPort),
                         QString(R"(        location ~ ^/sub/(\w+)$ {
            nchan_subscriber longpoll;
            nchan_channel_id $1;
            nchan_subscriber_timeout %1s;
            nchan_use_redis on;
        }
        location ~ ^/pub/(\w+)$ {
            nchan_publisher;
            nchan_channel_id $1;
            nchan_use_redis on;
        })")
                             .arg(kHoldSeconds),
                         problem);
    }

    /// Starts it; true once Nchan is ready: it connects to Redis after
    /// nginx listens, and its log says when.
    bool startNode() { return start(kWaitMs, "ready"); }

    QString name() const { return m_name; }
    QString errorLog() const { return QString::fromUtf8(log()); }

private:
    QString m_name;
    quint16 m_redisPort = 0;
};

QStringList texts(const EventList &events)
{
    QStringList result;
    for (const Event &e : events)
        result << e.text;
    return result;
}

} // namespace

class tst_Failover : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void nodeADiesAndTheChannelGoesOnFromB_data();
    void nodeADiesAndTheChannelGoesOnFromB();

private:
    int publish(Node &node, const QString &channel, const QByteArray &body);
    /// Subscribers `node` holds on a channel (from its channel info), or -1.
    int activeSubscribers(Node &node, const QString &channel);

    std::unique_ptr<QTemporaryDir> m_redisDir;
    std::unique_ptr<QProcess> m_redis;
    std::unique_ptr<Node> m_a;
    std::unique_ptr<Node> m_b;
    QNetworkAccessManager m_network;
};

void tst_Failover::initTestCase()
{
    if (!QFile::exists(NchanServer::kNginx) || !QFile::exists(NchanServer::kModule))
        QSKIP("nginx with the Nchan module is not installed (Debian packages 'nginx' and "
              "'libnginx-mod-nchan'); skipping the failover test.");
    if (!QFile::exists(kRedis))
        QSKIP("redis-server is not installed (Debian package 'redis-server'); skipping the "
              "failover test.");
}

void tst_Failover::init()
{
    m_redisDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_redisDir->isValid());
    const quint16 redisPort = freePort();
    QVERIFY(redisPort != 0);
    m_redis = std::make_unique<QProcess>();
    m_redis->setWorkingDirectory(m_redisDir->path());
    m_redis->setProgram(kRedis);
    m_redis->setArguments({"--port", QString::number(redisPort), "--bind", "127.0.0.1", "--save",
                           "", "--appendonly", "no", "--dir", m_redisDir->path()});
    m_redis->setProcessChannelMode(QProcess::MergedChannels);
    dieWithTheTest(*m_redis);
    m_redis->start();
    QVERIFY2(m_redis->waitForStarted(5000), qPrintable(m_redis->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_redis->state() == QProcess::NotRunning || acceptsConnections(redisPort), kWaitMs);
    QVERIFY2(m_redis->state() == QProcess::Running, m_redis->readAll().constData());

    m_a = std::make_unique<Node>("A", redisPort);
    m_b = std::make_unique<Node>("B", redisPort);
    for (Node *node : {m_a.get(), m_b.get()}) {
        QString problem;
        QVERIFY2(node->configureNode(&problem), qPrintable(problem));
        QVERIFY2(node->startNode(), qPrintable(node->errorLog()));
    }
}

void tst_Failover::cleanup()
{
    for (Node *node : {m_a.get(), m_b.get()}) {
        if (!node)
            continue;
        node->stop(false);
        if (QTest::currentTestFailed())
            qWarning().noquote() << "nginx" << node->name() << "error log:\n" << node->errorLog();
    }
    m_a.reset();
    m_b.reset();
    if (m_redis) {
        m_redis->terminate();
        if (!m_redis->waitForFinished(5000))
            m_redis->kill();
        m_redis->waitForFinished(5000);
    }
    m_redis.reset();
    m_redisDir.reset();
}

int tst_Failover::publish(Node &node, const QString &channel, const QByteArray &body)
{
    return node.publish(m_network, channel, body, QByteArrayLiteral("text/plain"), kWaitMs);
}

int tst_Failover::activeSubscribers(Node &node, const QString &channel)
{
    return node.activeSubscribers(m_network, channel, kWaitMs);
}

void tst_Failover::nodeADiesAndTheChannelGoesOnFromB_data()
{
    QTest::addColumn<bool>("crash");
    QTest::newRow("node A crashes (SIGKILL)") << true;
    QTest::newRow("node A is stopped (SIGTERM)") << false;
}

void tst_Failover::nodeADiesAndTheChannelGoesOnFromB()
{
    QFETCH(bool, crash);
    const QVariantMap knobs{{"hold", QString::number(kHoldSeconds)}};
    auto first = createProfile("nchan", m_a->url("/sub/jobs"), knobs, nullptr);
    auto second = createProfile("nchan", m_b->url("/sub/jobs"), knobs, nullptr);
    QVERIFY(first && second);
    Poller poller(std::move(first), &m_network);
    std::vector<std::unique_ptr<FeedProfile>> others;
    others.push_back(std::move(second));
    poller.setOtherServers(std::move(others));
    poller.setName("failover-it");
    PollerSettings settings;
    settings.connectTimeout = 2s;
    settings.deadlineMargin = 3s;
    settings.inactivityTimeout = 3s;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 300ms;
    settings.failbackAfter = 10min;
    poller.setSettings(settings);
    // The test's clock: real time, plus what the test skips forward.
    qint64 skippedSecs = 0;
    poller.setClock(
        [&skippedSecs] { return QDateTime::currentDateTimeUtc().addSecs(skippedSecs); });
    EventList received;
    connect(&poller, &Poller::batchReceived, this,
            [&received](const EventList &events, const QString &) { received += events; });
    QSignalSpy moved(&poller, &Poller::serverChanged);

    // Published on either node: one channel, kept in Redis.
    QVERIFY(publish(*m_a, "jobs", "e1") / 100 == 2);
    QVERIFY(publish(*m_b, "jobs", "e2") / 100 == 2);
    QVERIFY(poller.start());
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, kWaitMs);
    QVERIFY(publish(*m_b, "jobs", "e3") / 100 == 2);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 3, kWaitMs);
    QCOMPARE(poller.server(), 0);

    // A dies while it holds our request; events go on being published on B.
    QTRY_COMPARE_WITH_TIMEOUT(activeSubscribers(*m_a, "jobs"), 1, kWaitMs);
    m_a->stop(crash);
    QVERIFY(publish(*m_b, "jobs", "e4") / 100 == 2);
    QTRY_COMPARE_WITH_TIMEOUT(moved.size(), 1, kWaitMs);
    QCOMPARE(poller.server(), 1);
    QCOMPARE(poller.serverName(), QString("127.0.0.1:%1").arg(m_b->port()));
    QVERIFY(publish(*m_b, "jobs", "e5") / 100 == 2);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 5, kWaitMs);
    QVERIFY(publish(*m_b, "jobs", "e6") / 100 == 2);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 6, kWaitMs);

    // A comes back; after a success on B that lasted past failbackAfter,
    // the next request goes to A, from where B left off.
    QVERIFY2(m_a->startNode(), qPrintable(m_a->errorLog()));
    skippedSecs = 11 * 60;
    QTRY_COMPARE_WITH_TIMEOUT(moved.size(), 2, kWaitMs);
    QCOMPARE(poller.server(), 0);
    QVERIFY(publish(*m_b, "jobs", "e7") / 100 == 2);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 7, kWaitMs);

    // Nothing more comes, however many holds expire: every event once.
    QSignalSpy responses(&poller, &Poller::responseReceived);
    QTRY_VERIFY_WITH_TIMEOUT(responses.count() >= 2, kWaitMs);
    QCOMPARE(texts(received), (QStringList{"e1", "e2", "e3", "e4", "e5", "e6", "e7"}));
    QSet<QString> keys;
    for (const Event &event : std::as_const(received))
        keys.insert(event.key);
    QCOMPARE(keys.size(), received.size());
    QVERIFY(poller.isRunning());
    poller.stop();
}

QTEST_GUILESS_MAIN(tst_Failover)
#include "tst_failover.moc"
