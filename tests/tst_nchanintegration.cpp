// The nchan profile and the Poller against a real nginx with the Nchan
// module (Debian: nginx + libnginx-mod-nchan), started from a temporary
// prefix on a free port of 127.0.0.1.

#include "nchanserver.h"
#include "poller.h"
#include "profiles.h"
#include "profiles/nchanprofile.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

// Short enough that every test sees Nchan's hold expire (408) a few times.
constexpr int kSubscriberTimeoutSeconds = 1;
constexpr int kWaitMs = 10'000;

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
    void stopNginx() { m_nginx->stop(); }
    /// POSTs one message; returns the HTTP status, or -1 if none came.
    int publish(const QString &channel, const QByteArray &body,
                const QByteArray &contentType = "text/plain");
    /// Subscribers Nchan holds on a channel (from its channel info), or -1.
    int activeSubscribers(const QString &channel);
    std::unique_ptr<Poller> makePoller(const QString &path);
    QUrl url(const QString &path) const;
    QString errorLog() const;

    std::unique_ptr<NchanServer> m_nginx;
    QNetworkAccessManager m_network;
    EventList m_received;
};

void tst_NchanIntegration::initTestCase()
{
    if (!QFile::exists(NchanServer::kNginx))
        QSKIP("nginx is not installed (Debian package 'nginx'); skipping the Nchan integration "
              "test.");
    if (!QFile::exists(NchanServer::kModule))
        QSKIP("The Nchan module is not installed (Debian package 'libnginx-mod-nchan', "
              "/usr/lib/nginx/modules/ngx_nchan_module.so); skipping the Nchan integration test.");
}

void tst_NchanIntegration::init()
{
    m_received.clear();
    m_nginx = std::make_unique<NchanServer>();
    QString problem;
    QVERIFY2(m_nginx->configure(QStringLiteral("    nchan_message_buffer_length 100;"),
                                QStringLiteral(R"(        location ~ ^/sub/(\w+)$ {
            nchan_subscriber longpoll;
            nchan_channel_id $1;
            nchan_subscriber_timeout %1s;
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
        })")
                                    .arg(kSubscriberTimeoutSeconds),
                                &problem),
             qPrintable(problem));
    startNginx();
}

void tst_NchanIntegration::cleanup()
{
    if (m_nginx)
        stopNginx();
    if (QTest::currentTestFailed() && m_nginx)
        qWarning().noquote() << "nginx error log:\n" << errorLog();
    m_nginx.reset();
}

void tst_NchanIntegration::startNginx()
{
    QVERIFY2(m_nginx->start(kWaitMs), qPrintable(errorLog()));
}

QString tst_NchanIntegration::errorLog() const
{
    return QString::fromUtf8(m_nginx->log());
}

QUrl tst_NchanIntegration::url(const QString &path) const
{
    return m_nginx->url(path);
}

int tst_NchanIntegration::publish(const QString &channel, const QByteArray &body,
                                  const QByteArray &contentType)
{
    return m_nginx->publish(m_network, channel, body, contentType, kWaitMs);
}

int tst_NchanIntegration::activeSubscribers(const QString &channel)
{
    return m_nginx->activeSubscribers(m_network, channel, kWaitMs);
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
    m_nginx->stop(crash);
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
