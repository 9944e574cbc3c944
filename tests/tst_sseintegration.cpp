// The sse profile and the Poller against a real nginx with the Nchan module
// (Debian: nginx + libnginx-mod-nchan) and its EventSource subscriber,
// started from a temporary prefix on a free port of 127.0.0.1
// (NchanServer): messages arrive once and in order while
// the stream stays open, a restarted channel resumes after its last event
// with Last-Event-ID, and Nchan's pings keep an idle stream open. generic-json's
// streaming mode (#20 item 3) reads Nchan's raw and chunked streams as NDJSON
// and its EventSource as SSE.

#include "nchanserver.h"
#include "poller.h"
#include "profiles.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

constexpr int kWaitMs = 10'000;

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
    void genericJsonReadsNchansStreams_data();
    void genericJsonReadsNchansStreams();

private:
    int publish(const QString &channel, const QByteArray &body);
    std::unique_ptr<Poller> makePoller(const QString &path, const QString &cursor = {});
    std::unique_ptr<Poller> makePoller(const QString &profileId, const QString &path,
                                       QVariantMap knobs);
    QUrl url(const QString &path) const { return m_nginx->url(path); }

    std::unique_ptr<NchanServer> m_nginx;
    QNetworkAccessManager m_network;
    EventList m_received;
};

void tst_SseIntegration::initTestCase()
{
    if (!QFile::exists(NchanServer::kNginx))
        QSKIP("nginx is not installed (Debian package 'nginx'); skipping the Nchan EventSource "
              "test.");
    if (!QFile::exists(NchanServer::kModule))
        QSKIP("The Nchan module is not installed (Debian package 'libnginx-mod-nchan'); "
              "skipping the Nchan EventSource test.");
}

void tst_SseIntegration::init()
{
    m_received.clear();
    m_nginx = std::make_unique<NchanServer>();
    // Nchan pings an EventSource subscriber every second with a comment.
    QString problem;
    QVERIFY2(m_nginx->configure(QStringLiteral("    nchan_message_buffer_length 100;"),
                                QStringLiteral(R"(        location ~ ^/es/(\w+)$ {
            nchan_subscriber eventsource;
            nchan_channel_id $1;
            nchan_eventsource_ping_interval 1;
            nchan_eventsource_ping_comment "ping";
        }
        location ~ ^/raw/(\w+)$ {
            nchan_subscriber http-raw-stream;
            nchan_channel_id $1;
        }
        location ~ ^/chunked/(\w+)$ {
            nchan_subscriber chunked;
            nchan_channel_id $1;
        }
        location ~ ^/pub/(\w+)$ {
            nchan_publisher;
            nchan_channel_id $1;
        })"),
                                &problem),
             qPrintable(problem));
    QVERIFY2(m_nginx->start(kWaitMs), m_nginx->log().constData());
}

void tst_SseIntegration::cleanup()
{
    if (m_nginx)
        m_nginx->stop();
    if (QTest::currentTestFailed() && m_nginx)
        qWarning().noquote() << "nginx error log:\n" << m_nginx->log();
    m_nginx.reset();
}

int tst_SseIntegration::publish(const QString &channel, const QByteArray &body)
{
    return m_nginx->publish(m_network, channel, body, QByteArrayLiteral("text/plain"), kWaitMs);
}

std::unique_ptr<Poller> tst_SseIntegration::makePoller(const QString &path, const QString &cursor)
{
    QVariantMap knobs{{"hold", "1"}};
    if (!cursor.isEmpty())
        knobs.insert("initial-cursor", cursor);
    return makePoller(QStringLiteral("sse"), path, knobs);
}

std::unique_ptr<Poller> tst_SseIntegration::makePoller(const QString &profileId,
                                                       const QString &path, QVariantMap knobs)
{
    QStringList errors;
    auto profile = createProfile(profileId, url(path), knobs, &errors);
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
    QVERIFY2(!m_nginx->log("access.log").contains("/es/quiet"),
             m_nginx->log("access.log").constData());
    QCOMPARE(publish("quiet", "news"), 201);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), QStringList{"news"}, kWaitMs);
}

void tst_SseIntegration::genericJsonReadsNchansStreams_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QVariantMap>("knobs");
    QTest::addColumn<QByteArray>("lineEnd"); // what each published message ends with
    const QVariantMap ndjson{{"stream", "ndjson"}, {"events-at", "ndjson"}, {"hold", "30"}};
    // Nchan's raw stream puts a newline between messages; its chunked
    // subscriber sends each message as a chunk, so the messages end their lines.
    QTest::newRow("raw stream as NDJSON") << "/raw/" << ndjson << QByteArray();
    QTest::newRow("chunked as NDJSON") << "/chunked/" << ndjson << QByteArray("\n");
    QTest::newRow("EventSource as SSE")
        << "/es/" << QVariantMap{{"stream", "sse"},           {"events-at", "whole"},
                                 {"events-path", ""},         {"cursor-from", "last-id"},
                                 {"cursor-target", "header"}, {"cursor-name", "Last-Event-ID"},
                                 {"initial-cursor", ""},      {"hold", "30"}}
        << QByteArray();
}

void tst_SseIntegration::genericJsonReadsNchansStreams()
{
    QFETCH(QString, path);
    QFETCH(QVariantMap, knobs);
    QFETCH(QByteArray, lineEnd);
    const QString channel = QStringLiteral("gj%1").arg(QTest::currentDataTag()[0] == 'r'   ? 1
                                                       : QTest::currentDataTag()[0] == 'c' ? 2
                                                                                           : 3);
    auto poller = makePoller(QStringLiteral("generic-json"), path + channel, knobs);
    QVERIFY(poller);
    if (path == QLatin1String("/chunked/")) {
        // Nchan serves its chunked subscriber only to a client that says it
        // takes chunks (the channel's own header, as a user would set it).
        PollerSettings settings = poller->settings();
        settings.headers.append({QByteArrayLiteral("TE"), QByteArrayLiteral("chunked")});
        poller->setSettings(settings);
    }
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    poller->start();
    // The answer's head means Nchan counts a subscriber: a message now gets 201.
    QTRY_VERIFY_WITH_TIMEOUT(poller->isStreaming(), kWaitMs);
    QCOMPARE(publish(channel, R"({"id":1,"message":"one"})" + lineEnd), 201);
    QCOMPARE(publish(channel, R"({"id":2,"message":"two"})" + lineEnd), 201);
    QCOMPARE(publish(channel, R"({"id":3,"message":"three"})" + lineEnd), 201);
    QTRY_COMPARE_WITH_TIMEOUT(texts(m_received), (QStringList{"one", "two", "three"}), kWaitMs);
    QVERIFY(poller->isStreaming());
    QCOMPARE(poller->state(), Poller::State::Live);
    QVERIFY(errors.isEmpty());
    // nginx logs a request when it ends: one stream carried them all.
    QVERIFY2(!m_nginx->log("access.log").contains(path.toUtf8() + channel.toUtf8()),
             m_nginx->log("access.log").constData());
}

QTEST_GUILESS_MAIN(tst_SseIntegration)
#include "tst_sseintegration.moc"
