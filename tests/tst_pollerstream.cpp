// The Poller on answers that stream (#20): a profile that reads an answer
// as it arrives gets every read, hands over complete events with the cursor
// after them, one batch per read; heartbeats keep the stream alive; the
// server's end resumes from the cursor; a broken stream is retried from the
// last event handed over; the caps hold per event. Each test runs on
// Longwatch's own client and on Qt's.

#include "fakehttpserver.h"
#include "jsonstreamsplitter.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "testeventdispatcher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

bool g_ownClient = true;

const QByteArray kNdjson = QByteArrayLiteral("application/x-ndjson");

/// NDJSON lines {"id":N}, one event each, the cursor the last id: the
/// smallest streaming profile. Answers that are not NDJSON are read whole.
class LinesProfile final : public FeedProfile
{
public:
    explicit LinesProfile(QUrl url, milliseconds hold = 200ms)
        : m_url(std::move(url))
        , m_hold(hold)
    {}

    QString id() const override { return QStringLiteral("lines"); }
    QString initialCursor() const override { return QStringLiteral("0"); }
    milliseconds holdTime() const override { return m_hold; }
    PollRequest request(const QString &cursor) const override
    {
        QUrl url = m_url;
        url.setQuery(QStringLiteral("since=") + cursor);
        PollRequest request;
        request.url = url;
        return request;
    }
    PollResult parse(const PollResponse &response, const QString &cursor) override
    {
        if (auto verdict = classifyHttpStatus(response, cursor))
            return *verdict;
        return PollResult::noNews(cursor);
    }
    bool streamsAnswers() const override { return true; }
    bool startStream(const PollResponse &head, const StreamLimits &limits) override
    {
        if (!head.header("Content-Type").startsWith(kNdjson))
            return false;
        m_splitter = JsonStreamSplitter(limits.maxEventBytes);
        return true;
    }
    PollResult readStream(QByteArrayView bytes, const QString &cursor) override
    {
        return take(m_splitter.feed(bytes), cursor);
    }
    PollResult endStream(const QString &cursor) override
    {
        return take(m_splitter.finish(), cursor);
    }

private:
    PollResult take(const QList<QByteArray> &records, const QString &cursor)
    {
        if (m_splitter.hasError())
            return PollResult::tooLarge(cursor, m_splitter.errorString());
        PollResult result = PollResult::noNews(cursor);
        for (const QByteArray &record : records) {
            Event event;
            event.key =
                QString::number(QJsonDocument::fromJson(record).object().value("id").toInt());
            event.type = QStringLiteral("line");
            event.raw = record;
            result.events.append(event);
            result.cursor = event.key;
        }
        if (!result.events.isEmpty())
            result.verdict = Verdict::Events;
        return result;
    }

    QUrl m_url;
    milliseconds m_hold;
    JsonStreamSplitter m_splitter;
};

QByteArray lines(std::initializer_list<int> ids)
{
    QByteArray bytes;
    for (int id : ids)
        bytes += "{\"id\":" + QByteArray::number(id) + "}\n";
    return bytes;
}

PollerSettings quickSettings()
{
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 300ms;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 20ms;
    settings.backoffMax = 100ms;
    settings.liveRepollGuard = 10ms;
    settings.maxBodyBytes = 1024 * 1024;
    return settings;
}

class TestManager : public NetworkAccessManager
{
public:
    TestManager() { setOwnClientEnabled(g_ownClient); }
};

/// One Poller on LinesProfile against the fake server, recorded.
class Channel
{
public:
    Channel(FakeHttpServer &server, const PollerSettings &settings = quickSettings(),
            milliseconds hold = 200ms)
    {
        m_poller = std::make_unique<Poller>(
            std::make_unique<LinesProfile>(server.url(QStringLiteral("/stream")), hold),
            &m_manager);
        m_poller->setName(QStringLiteral("stream"));
        m_poller->setSettings(settings);
        Poller *poller = m_poller.get();
        QObject::connect(poller, &Poller::batchReceived, poller,
                         [this](const EventList &events, const QString &cursor) {
                             QStringList keys;
                             for (const Event &event : events)
                                 keys << event.key;
                             batches << keys.join(QLatin1Char(','));
                             cursors << cursor;
                         });
        QObject::connect(poller, &Poller::errorOccurred, poller,
                         [this](Poller::Error error, const QString &message) {
                             errors.append({error, message});
                         });
    }

    Poller &poller() { return *m_poller; }

    QStringList batches; ///< "1,2" per batch
    QStringList cursors;
    QList<std::pair<Poller::Error, QString>> errors;

private:
    TestManager m_manager;
    std::unique_ptr<Poller> m_poller;
};

/// The id of the stream the server opened for the n-th request (1-based).
int openStream(FakeHttpServer &server, int count)
{
    if (!QTest::qWaitFor(
            [&] { return server.openStreams().size() == 1 && server.requestCount() == count; },
            5000))
        return 0;
    return server.openStreams().constFirst();
}

} // namespace

class tst_PollerStream : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void eventsArriveOneBatchPerRead();
    void heartbeatsKeepAStreamAliveWithoutADeadline();
    void aSilentStreamIsAskedAgainWithoutAnError();
    void theServersEndResumesFromTheCursor();
    void aBrokenStreamIsRetriedFromTheLastEventHandedOver();
    void capsHoldPerEventNotPerStream();
    void anErrorStatusIsReadWhole();
    void streamsAreNotCompressed();
};

void tst_PollerStream::eventsArriveOneBatchPerRead()
{
    FakeHttpServer server;
    server.enqueue("/stream", FakeResponse::stream(kNdjson));
    Channel channel(server);
    QSignalSpy answers(&channel.poller(), &Poller::responseReceived);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    QTRY_COMPARE(channel.poller().state(), Poller::State::Live);
    QVERIFY(channel.poller().isStreaming());
    QCOMPARE(Poller::stateString(channel.poller().state(), channel.poller().isStreaming()),
             QStringLiteral("Live — streaming"));

    // Two events in one read: one batch.
    QVERIFY(server.streamWrite(id, lines({1, 2})));
    QTRY_COMPARE(channel.batches, QStringList{"1,2"});
    QCOMPARE(channel.cursors, QStringList{"2"});
    // An event split over two reads comes when it is complete, and the
    // cursor does not move for its first half.
    const QByteArray third = lines({3});
    QVERIFY(server.streamWrite(id, third.left(4)));
    QTRY_VERIFY(answers.size() >= 2);
    QCOMPARE(channel.poller().cursor(), QStringLiteral("2"));
    QCOMPARE(channel.batches.size(), 1);
    QVERIFY(server.streamWrite(id, third.mid(4)));
    QTRY_COMPARE(channel.batches, (QStringList{"1,2", "3"}));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("3"));
    QCOMPARE(server.requestCount(), 1);
    QVERIFY(channel.errors.isEmpty());
}

void tst_PollerStream::heartbeatsKeepAStreamAliveWithoutADeadline()
{
    // Silence allowed: 300 ms; the deadline of a held request would be
    // 200 + 300 ms. Heartbeats every 60 ms for 1.2 s keep the one stream.
    PollerSettings settings = quickSettings();
    settings.inactivityTimeout = 300ms;
    FakeHttpServer server;
    server.enqueue("/stream", FakeResponse::stream(kNdjson));
    Channel channel(server, settings);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    int heartbeats = 0;
    QTimer heartbeat;
    QObject::connect(&heartbeat, &QTimer::timeout, &server, [&] {
        if (server.streamWrite(id, QByteArrayLiteral("\n")))
            ++heartbeats;
    });
    heartbeat.start(60ms);
    QTRY_VERIFY_WITH_TIMEOUT(heartbeats >= 20 || server.requestCount() > 1, 10000);
    heartbeat.stop();
    QCOMPARE(server.requestCount(), 1);
    QVERIFY(server.openStreams().contains(id));
    QCOMPARE(channel.poller().state(), Poller::State::Live);
    QVERIFY(channel.errors.isEmpty());
    QVERIFY(server.streamWrite(id, lines({7})));
    QTRY_COMPARE(channel.batches, QStringList{"7"});
}

void tst_PollerStream::aSilentStreamIsAskedAgainWithoutAnError()
{
    PollerSettings settings = quickSettings();
    settings.inactivityTimeout = 150ms;
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kNdjson));
    Channel channel(server, settings, 100ms);
    channel.poller().start();
    const int id = openStream(server, 1);
    QVERIFY(id > 0);
    QVERIFY(server.streamWrite(id, lines({4})));
    QTRY_COMPARE(channel.batches, QStringList{"4"});
    // Silent for longer than max(inactivity, hold): asked again, from 4.
    QTRY_VERIFY(server.requestCount() >= 2);
    QCOMPARE(server.requests().at(1).queryValue("since"), QStringLiteral("4"));
    QVERIFY(channel.errors.isEmpty());
    QCOMPARE(channel.poller().attempt(), 0);
}

void tst_PollerStream::theServersEndResumesFromTheCursor()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kNdjson));
    Channel channel(server);
    channel.poller().start();
    const int first = openStream(server, 1);
    QVERIFY(first > 0);
    // The last line has no line end: the end of the stream completes it.
    QVERIFY(server.streamWrite(first, lines({1}) + "{\"id\":2}"));
    QTRY_COMPARE(channel.batches, QStringList{"1"});
    QVERIFY(server.streamEnd(first));
    QTRY_COMPARE(channel.batches, (QStringList{"1", "2"}));
    const int second = openStream(server, 2);
    QVERIFY(second > 0);
    QCOMPARE(server.requests().at(1).queryValue("since"), QStringLiteral("2"));
    QVERIFY(server.streamWrite(second, lines({3})));
    QTRY_COMPARE(channel.batches, (QStringList{"1", "2", "3"}));
    QVERIFY(channel.errors.isEmpty());
    QCOMPARE(channel.poller().state(), Poller::State::Live);
}

void tst_PollerStream::aBrokenStreamIsRetriedFromTheLastEventHandedOver()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kNdjson));
    Channel channel(server);
    QSignalSpy retries(&channel.poller(), &Poller::retryScheduled);
    channel.poller().start();
    const int first = openStream(server, 1);
    QVERIFY(first > 0);
    // Event 5 whole, event 6 cut in the middle.
    QVERIFY(server.streamWrite(first, lines({5}) + "{\"id\":"));
    QTRY_COMPARE(channel.batches, QStringList{"5"});
    QVERIFY(server.streamCut(first));
    QTRY_COMPARE(channel.errors.size(), 1);
    QCOMPARE(channel.errors.constFirst().first, Poller::Error::ConnectionError);
    QCOMPARE(retries.size(), 1);
    const int second = openStream(server, 2);
    QVERIFY(second > 0);
    QCOMPARE(server.requests().at(1).queryValue("since"), QStringLiteral("5"));
    QTRY_COMPARE(channel.poller().state(), Poller::State::Live);
    QCOMPARE(channel.poller().attempt(), 0);
    QVERIFY(channel.poller().errorString().isEmpty());
}

void tst_PollerStream::capsHoldPerEventNotPerStream()
{
    PollerSettings settings = quickSettings();
    settings.maxBodyBytes = 1024;
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream(kNdjson));
    Channel channel(server, settings);
    channel.poller().start();
    const int first = openStream(server, 1);
    QVERIFY(first > 0);
    // Ten events of 600 bytes: 6 KB in all, each under the cap.
    const QByteArray padding(580, 'x');
    for (int i = 1; i <= 10; ++i) {
        QVERIFY(server.streamWrite(first, "{\"id\":" + QByteArray::number(i) + ",\"pad\":\"" +
                                              padding + "\"}\n"));
    }
    QTRY_COMPARE(channel.poller().cursor(), QStringLiteral("10"));
    QVERIFY(channel.errors.isEmpty());
    // One event over the cap fails the stream; nothing past 10 is taken.
    QVERIFY(server.streamWrite(first, "{\"id\":11,\"pad\":\"" + QByteArray(2048, 'y') + "\"}\n"));
    QTRY_COMPARE(channel.errors.size(), 1);
    QCOMPARE(channel.errors.constFirst().first, Poller::Error::SizeLimitError);
    QCOMPARE(channel.poller().cursor(), QStringLiteral("10"));
    const int second = openStream(server, 2);
    QVERIFY(second > 0);
    QCOMPARE(server.requests().at(1).queryValue("since"), QStringLiteral("10"));
}

void tst_PollerStream::anErrorStatusIsReadWhole()
{
    FakeHttpServer server;
    server.enqueue("/stream", FakeResponse::status(503, "{\"error\":\"warming up\"}"));
    server.enqueue("/stream", FakeResponse::stream(kNdjson));
    Channel channel(server);
    channel.poller().start();
    QTRY_COMPARE(channel.errors.size(), 1);
    QCOMPARE(channel.errors.constFirst().first, Poller::Error::HttpError);
    QVERIFY2(channel.errors.constFirst().second.contains("warming up"),
             qPrintable(channel.errors.constFirst().second));
    const int id = openStream(server, 2);
    QVERIFY(id > 0);
    QTRY_COMPARE(channel.poller().state(), Poller::State::Live);
    QVERIFY(channel.poller().isStreaming());
}

void tst_PollerStream::streamsAreNotCompressed()
{
    FakeHttpServer server;
    server.enqueue("/stream", FakeResponse::stream(kNdjson));
    Channel channel(server);
    channel.poller().start();
    QVERIFY(openStream(server, 1) > 0);
    QCOMPARE(server.requests().constFirst().header("Accept-Encoding"),
             QByteArrayLiteral("identity"));
}

int main(int argc, char *argv[])
{
    useTestEventDispatcher();
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_PollerStream ownClient;
    int failures = QTest::qExec(&ownClient, argc, argv);
    g_ownClient = false;
    tst_PollerStream qtClient;
    failures += QTest::qExec(&qtClient, argc, argv);
    return failures;
}

#include "tst_pollerstream.moc"
