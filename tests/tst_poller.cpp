#include "compression.h"
#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "networkpool.h"
#include "poller.h"
#include "profiles.h"
#include "testeventdispatcher.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

constexpr qint64 kMiB = 1024 * 1024;
// Placed in the channel's URL and Authorization header: they must never show
// in an error sentence or its details, even when the server echoes them.
const QString kUrlToken = QStringLiteral("s3cr3t-t0ken-4242");
const QByteArray kBearer = QByteArrayLiteral("b3arer-s3cret-9999");
// The injected clock stands still, so retry times can be checked exactly.
const QDateTime kNow(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

/// Small durations, so faults play out in milliseconds; the timeouts that a
/// test does not exercise are generous, because the machine is shared.
PollerSettings quickSettings()
{
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 5s;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 20ms;
    settings.backoffMax = 160ms;
    settings.retryAfterMax = 60s;
    settings.liveRepollGuard = 10ms;
    settings.maxBodyBytes = 1 * kMiB;
    return settings;
}

/// What full jitter must give for attempt n and a random value r: a delay
/// drawn below ceiling(n) = initial * 2^(n-1) (capped), but never below
/// min(100 ms, ceiling).
milliseconds expectedDelay(const PollerSettings &settings, int attempt, double random)
{
    const qint64 ceiling = std::min<qint64>(settings.backoffInitial.count() << (attempt - 1),
                                            settings.backoffMax.count());
    const qint64 floor = std::min<qint64>(100, ceiling);
    return milliseconds(std::max<qint64>(qint64(double(ceiling) * random), floor));
}

/// What a Poller showed when it emitted errorOccurred.
struct Failure
{
    Poller::Error error;
    QString message;
    Poller::State state;
    Poller::Error errorCode;
    QString errorString;
    QString errorDetail;
    QString cursor;
    QDateTime nextRetryAt;
};

/// Whether the Poller's requests take Longwatch's own HTTP/1.1 client (as
/// in the app) or Qt's: every test runs once with each (see main()).
bool g_ownClient = true;

/// The manager the app gives its pollers, set to this pass's client.
class TestManager : public NetworkAccessManager
{
public:
    TestManager() { setOwnClientEnabled(g_ownClient); }
};

/// One Poller on the seed-events profile against the fake server, with
/// everything it emits recorded.
class Channel
{
public:
    Channel(FakeHttpServer &server, const QString &pathAndQuery,
            const PollerSettings &settings = quickSettings(),
            QNetworkAccessManager *manager = nullptr)
    {
        const QVariantMap knobs{{QStringLiteral("hold"), QStringLiteral("0.2")}};
        auto profile = createProfile(QStringLiteral("seed-events"), server.url(pathAndQuery), knobs,
                                     &m_profileErrors);
        if (!profile)
            return;
        m_poller = std::make_unique<Poller>(std::move(profile), manager ? manager : &m_manager);
        m_poller->setName(pathAndQuery);
        m_poller->setSettings(settings);
        m_poller->setClock([] { return kNow; });
        Poller *poller = m_poller.get();
        QObject::connect(poller, &Poller::batchReceived, poller,
                         [this](const EventList &events, const QString &cursor) {
                             QList<qint64> batch;
                             for (const Event &event : events)
                                 batch.append(event.key.toLongLong());
                             batches.append(batch);
                             ids.append(batch);
                             cursors.append(cursor);
                         });
        QObject::connect(poller, &Poller::errorOccurred, poller,
                         [this, poller](Poller::Error error, const QString &message) {
                             // The Poller moves on quickly with tiny delays:
                             // keep what it showed at the moment of the error.
                             errors.append({error, message, poller->state(), poller->error(),
                                            poller->errorString(), poller->errorDetail(),
                                            poller->cursor(), poller->nextRetryAt()});
                         });
        QObject::connect(poller, &Poller::retryScheduled, poller,
                         [this](int attempt, milliseconds delay) {
                             retries.append({attempt, delay});
                         });
        QObject::connect(poller, &Poller::stateChanged, poller,
                         [this](Poller::State state) { states.append(state); });
        QObject::connect(poller, &Poller::cursorReset, poller,
                         [this](const QString &previous, const QString &reason) {
                             resets.append({previous, reason});
                         });
    }

    bool isValid() const { return bool(m_poller); }
    QString profileErrors() const { return m_profileErrors.join(QLatin1Char(' ')); }
    Poller &poller() { return *m_poller; }

    QList<QList<qint64>> batches;
    QList<qint64> ids;
    QStringList cursors;
    QList<Failure> errors;
    QList<std::pair<int, milliseconds>> retries;
    QList<Poller::State> states;
    QList<std::pair<QString, QString>> resets;

private:
    QStringList m_profileErrors;
    TestManager m_manager; // before the poller: it must outlive it
    std::unique_ptr<Poller> m_poller;
};

/// The last_id each request to `path` carried.
QStringList sentCursors(const FakeHttpServer &server, const QString &path)
{
    QStringList cursors;
    for (const FakeRequest &request : server.requests(path))
        cursors << request.queryValue(QStringLiteral("last_id"));
    return cursors;
}

/// A sentence a person can read: a capitalised or numeric start, a full
/// stop at the end, one line, and no enum names from QNetworkReply.
bool isReadableSentence(const QString &text)
{
    static const QRegularExpression enumName(
        QStringLiteral("\\b[A-Z][a-z]+(?:[A-Z][a-z]+)+Error\\b"));
    return text.size() > 10 && !text.front().isLower() && text.endsWith(QLatin1Char('.')) &&
           !text.contains(QLatin1Char('\n')) && !enumName.match(text).hasMatch();
}

bool hasSecret(const QString &text)
{
    return text.contains(kUrlToken) || text.contains(QString::fromLatin1(kBearer));
}

} // namespace

class tst_Poller : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    // Qt 6.4 facts the Poller relies on
    void qtEmitsRequestSentWhileTheServerHolds_data();
    void qtEmitsRequestSentWhileTheServerHolds();

    // Faults, one at a time
    void fault_data();
    void fault();
    void refusedConnectionIsRetried();
    void compressedAnswersThatCannotBeTaken_data();
    void compressedAnswersThatCannotBeTaken();
    void bodyOverTheCapIsCutOff_data();
    void bodyOverTheCapIsCutOff();
    void slowOrSilentServerTimesOut_data();
    void slowOrSilentServerTimesOut();
    void heldRequestOutlivesTheConnectTimeout();
    void aHeldRequestReadsListening();

    // Pacing
    void backoffCeiling_data();
    void backoffCeiling();
    void backoffFollowsFullJitter_data();
    void backoffFollowsFullJitter();
    void defaultRandomStaysWithinTheBounds();
    void retryAfterIsHonoured_data();
    void retryAfterIsHonoured();
    void backoffResetsAfterASuccess();
    void noNewsNeverGrowsTheBackoff_data();
    void noNewsNeverGrowsTheBackoff();
    void pollIntervalPacesFeedsThatAnswerAtOnce();

    // Events and cursor
    void answersThatParse_data();
    void answersThatParse();
    void requestCarriesCursorAndHeaders();
    void noEventLostOrDoubledAcrossAFault_data();
    void noEventLostOrDoubledAcrossAFault();
    void idsGoingBackwardsAreDropped();
    void repeatsWithinTheDedupeMemoryAreDropped();
    void goneResetsTheCursor();
    void stopInACursorResetSlotSticks();

    // Control
    void stopDuringAHeldRequestIsNotAnError();
    void managerDestroyedFirstIsSafe();
    void secondStartIsRefused();
    void retryNowEndsTheBackoff();

    // Many channels on one server
    void fiftyChannelsOnOneServerDoNotStarve();
    void oneManagerRunsOnlySixAtOnce();
};

void tst_Poller::initTestCase()
{
    qRegisterMetaType<FakeRequest>();
    FakeHttpServer server;
    QVERIFY2(server.isListening(), qPrintable(server.errorString()));
}

void tst_Poller::qtEmitsRequestSentWhileTheServerHolds_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("uploadDevice");
    QTest::addColumn<bool>("emitted");

    QTest::newRow("a GET with no upload device is reported sent")
        << QByteArray("GET") << QByteArray() << false << true;
    QTest::newRow("a POST with a body is reported sent")
        << QByteArray("POST") << QByteArray(R"({"after":3})") << true << true;
    // The trap the Poller steps around: QNetworkAccessManager::sendCustomRequest
    // (request, verb, QByteArray()) wraps the empty body in a device, and the
    // HTTP/1 handler of Qt 6.4 then never emits requestSent().
    QTest::newRow("a GET with an empty upload device is never reported sent")
        << QByteArray("GET") << QByteArray() << true << false;
}

void tst_Poller::qtEmitsRequestSentWhileTheServerHolds()
{
    // The Poller stops its connect timeout on QNetworkReply::requestSent.
    // Pin when Qt emits it: once the request is written, before the server
    // answers; and not at all in one case.
    QFETCH(QByteArray, verb);
    QFETCH(QByteArray, body);
    QFETCH(bool, uploadDevice);
    QFETCH(bool, emitted);

    FakeHttpServer server;
    QNetworkAccessManager manager;
    QNetworkRequest request(server.url(QStringLiteral("/held")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    std::unique_ptr<QNetworkReply> reply(
        uploadDevice ? manager.sendCustomRequest(request, verb, body)
                     : manager.sendCustomRequest(request, verb, static_cast<QIODevice *>(nullptr)));
    QSignalSpy sent(reply.get(), &QNetworkReply::requestSent);
    QTRY_COMPARE_WITH_TIMEOUT(server.heldCount(), 1, 5000);
    QCOMPARE(server.heldRequests().first().method, verb);
    QCOMPARE(server.heldRequests().first().body, body);
    if (emitted)
        QTRY_COMPARE_WITH_TIMEOUT(sent.count(), 1, 5000);
    QVERIFY(!reply->isFinished());

    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QCOMPARE(server.answerHeld(QStringLiteral("/held"), FakeResponse::seedEvents({1})), 1);
    QVERIFY(finished.wait(5000));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(sent.count(), emitted ? 1 : 0);
}

void tst_Poller::fault_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<Poller::State>("state");
    QTest::addColumn<Poller::Error>("error");
    QTest::addColumn<QString>("says");

    const auto reason = [](const QByteArray &text) {
        return QByteArrayLiteral("{\"error\":\"") + text + QByteArrayLiteral("\"}");
    };
    const QByteArray echoedToken = kUrlToken.toLatin1();

    QTest::newRow("a 400 fails the channel with the server's reason")
        << FakeResponse::status(400, reason("last_id must be a number")) << Poller::State::Failed
        << Poller::Error::HttpError << "last_id must be a number";
    QTest::newRow("a 401 that echoes the token fails without showing it")
        << FakeResponse::status(401, reason("token " + echoedToken + " is not valid"))
        << Poller::State::Failed << Poller::Error::HttpError << "is not valid";
    QTest::newRow("a 403 that echoes the bearer fails without showing it")
        << FakeResponse::status(403, reason("Bearer " + kBearer + " may not read this feed"))
        << Poller::State::Failed << Poller::Error::HttpError << "may not read this feed";
    QTest::newRow("a 404 fails the channel with the server's reason")
        << FakeResponse::status(404, "no such feed") << Poller::State::Failed
        << Poller::Error::HttpError << "no such feed";
    QTest::newRow("a 409 fails the channel with the server's reason")
        << FakeResponse::status(409, reason("another poller holds this feed"))
        << Poller::State::Failed << Poller::Error::HttpError << "another poller holds this feed";
    QTest::newRow("a 422 fails the channel with the server's reason")
        << FakeResponse::status(422, reason("cursor out of range")) << Poller::State::Failed
        << Poller::Error::HttpError << "cursor out of range";
    QTest::newRow("a 429 is retried")
        << FakeResponse::status(429, reason("slow down")) << Poller::State::Backoff
        << Poller::Error::HttpError << "429";
    QTest::newRow("a 500 is retried") << FakeResponse::status(500, "boom") << Poller::State::Backoff
                                      << Poller::Error::HttpError << "500";
    QTest::newRow("a 502 is retried")
        << FakeResponse::status(502) << Poller::State::Backoff << Poller::Error::HttpError << "502";
    QTest::newRow("a 503 is retried")
        << FakeResponse::status(503) << Poller::State::Backoff << Poller::Error::HttpError << "503";
    QTest::newRow("a 504 is retried")
        << FakeResponse::status(504) << Poller::State::Backoff << Poller::Error::HttpError << "504";
    QTest::newRow("a body that is not JSON is retried")
        << FakeResponse::json("this is not json") << Poller::State::Backoff
        << Poller::Error::ResponseError << "not valid JSON";
    QTest::newRow("a body of the wrong shape is retried")
        << FakeResponse::json(R"({"events":{"id":7}})") << Poller::State::Backoff
        << Poller::Error::ResponseError << "expected an array";
    QTest::newRow("an answer cut off mid-body is retried")
        << FakeResponse::seedEvents({6, 7, 8}).withCloseAfterBodyBytes(12) << Poller::State::Backoff
        << Poller::Error::ConnectionError << "in the middle of an answer";
    QTest::newRow("a chunked answer cut off mid-body is retried")
        << FakeResponse::seedEvents({6, 7, 8})
               .withFraming(FakeResponse::Framing::Chunked)
               .withCloseAfterBodyBytes(12)
        << Poller::State::Backoff << Poller::Error::ConnectionError << "in the middle of an answer";
    QTest::newRow("a connection closed before any answer is retried")
        << FakeResponse::closeConnection() << Poller::State::Backoff
        << Poller::Error::ConnectionError << "closed the connection";
    QTest::newRow("bytes that are not HTTP are retried")
        << FakeResponse::garbage("\x16\x03\x01 not http at all\r\n\r\n") << Poller::State::Backoff
        << Poller::Error::ConnectionError
        // Qt's client reads them as a body without headers; Longwatch's
        // sees at once that they are not a status line.
        << (g_ownClient ? "not valid HTTP: no HTTP/1.x status line" : "closed the connection");
}

void tst_Poller::fault()
{
    QFETCH(FakeResponse, response);
    QFETCH(Poller::State, state);
    QFETCH(Poller::Error, error);
    QFETCH(QString, says);

    // Every request gets the fault, so that whatever Qt itself retries
    // still meets it.
    FakeHttpServer server;
    server.setDefaultResponse(response);
    PollerSettings settings = quickSettings();
    settings.headers.append({QByteArrayLiteral("Authorization"), "Bearer " + kBearer});
    Channel channel(server, QStringLiteral("/feed?token=") + kUrlToken, settings);
    QVERIFY2(channel.isValid(), qPrintable(channel.profileErrors()));
    channel.poller().setRandom([] { return 0.5; });

    QVERIFY(channel.poller().start(QStringLiteral("5")));
    QTRY_VERIFY_WITH_TIMEOUT(!channel.errors.isEmpty(), 10000);

    const Failure first = channel.errors.first();
    QCOMPARE(first.error, error);
    QCOMPARE(first.errorCode, error);
    QCOMPARE(first.state, state);
    const QString sentence = first.errorString;
    QCOMPARE(first.message, sentence);
    QVERIFY2(sentence.contains(says, Qt::CaseInsensitive), qPrintable(sentence));
    QVERIFY2(isReadableSentence(sentence), qPrintable(sentence));
    QVERIFY2(!hasSecret(sentence), qPrintable(sentence));
    QVERIFY2(!hasSecret(first.errorDetail), qPrintable(first.errorDetail));
    QVERIFY(channel.batches.isEmpty());
    QCOMPARE(first.cursor, QStringLiteral("5"));

    Poller &poller = channel.poller();
    if (state == Poller::State::Failed) {
        QCOMPARE(poller.state(), Poller::State::Failed);
        QVERIFY(channel.retries.isEmpty());
        QVERIFY(!first.nextRetryAt.isValid());
        QVERIFY(!poller.isRunning());
        QCOMPARE(poller.errorString(), sentence);
        QCOMPARE(server.requestCount(), 1);
        return;
    }
    // A retry: the first one due after the jittered delay, from the same cursor.
    QCOMPARE(channel.retries.first().first, 1);
    const milliseconds delay = expectedDelay(settings, 1, 0.5);
    QCOMPARE(channel.retries.first().second, delay);
    QCOMPARE(first.nextRetryAt, kNow.addMSecs(delay.count()));
    QTRY_VERIFY_WITH_TIMEOUT(channel.errors.size() >= 2, 10000);
    QCOMPARE(channel.errors.at(1).cursor, QStringLiteral("5"));
    const QStringList cursors = sentCursors(server, QStringLiteral("/feed"));
    QVERIFY(cursors.size() >= 2);
    QCOMPARE(QSet<QString>(cursors.cbegin(), cursors.cend()), QSet<QString>{QStringLiteral("5")});
    for (const FakeRequest &request : server.requests())
        QCOMPARE(request.header("Authorization"), "Bearer " + kBearer);
}

void tst_Poller::refusedConnectionIsRetried()
{
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), FakeResponse::seedEvents({1, 2}));
    server.refuseConnections();
    QVERIFY(!server.isListening());

    Channel channel(server, QStringLiteral("/feed?token=") + kUrlToken);
    QVERIFY(channel.poller().start());
    QTRY_VERIFY_WITH_TIMEOUT(!channel.errors.isEmpty(), 10000);
    QCOMPARE(channel.errors.first().state, Poller::State::Backoff);
    QCOMPARE(channel.errors.first().error, Poller::Error::ConnectionError);
    const QString sentence = channel.errors.first().errorString;
    QVERIFY2(sentence.contains(QStringLiteral("connection refused")), qPrintable(sentence));
    QVERIFY2(sentence.contains(QString::number(server.port())), qPrintable(sentence));
    QVERIFY2(isReadableSentence(sentence) && !hasSecret(sentence), qPrintable(sentence));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("0"));
    QCOMPARE(server.requestCount(), 0);

    // The same port comes back: the channel recovers on its own.
    QVERIFY2(server.resumeConnections(), qPrintable(server.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{1, 2}), 10000);
    QCOMPARE(channel.poller().error(), Poller::Error::NoError);
    QVERIFY(channel.poller().errorString().isEmpty());
    QCOMPARE(channel.poller().attempt(), 0);
    QTRY_COMPARE(channel.poller().state(), Poller::State::Live);
}

void tst_Poller::compressedAnswersThatCannotBeTaken_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<Poller::Error>("error");
    QTest::addColumn<QString>("words");
    QTest::addColumn<Poller::Error>("qtError"); // with Qt's client
    QTest::addColumn<QString>("qtWords");

    const QByteArray json = R"({"events":[{"id":4,"type":"a"},{"id":5},{"id":6}]})";
    QByteArray corrupt = compressed(QByteArray(json).repeated(200), Compression::Gzip);
    for (qsizetype i = 20; i < corrupt.size() - 20; i += 5)
        corrupt[i] = char(corrupt[i] ^ 0x5a);
    const QByteArray whole = compressed(json, Compression::Gzip);
    const auto gzip = [](const QByteArray &body) {
        return FakeResponse::json(body).withHeader("Content-Encoding", "gzip");
    };
    // A "decompression bomb": the cap is on what the body decodes to, and
    // Longwatch's client decodes only as fast as the Poller takes it; Qt
    // 6.4's refuses such a body itself.
    QTest::newRow("64 MiB gzip-compressed into 64 KiB")
        << gzip(compressed(QByteArray(64 * kMiB, ' '), Compression::Gzip))
        << Poller::Error::SizeLimitError
        << QStringLiteral("is larger than this channel's limit of 1.00 MiB")
        << Poller::Error::ResponseError
        << QStringLiteral("could not be read (Decompression failed)");
    QTest::newRow("a corrupt gzip body")
        << gzip(corrupt) << Poller::Error::ResponseError
        << QStringLiteral("could not be read (Decompression failed: ")
        << Poller::Error::ResponseError
        << QStringLiteral("could not be read (Decompression failed");
    // Qt 6.4's client hands on what it could decode, without a word that
    // the rest is missing; the profile then finds the JSON cut short.
    QTest::newRow("a gzip body cut short")
        << gzip(whole.first(whole.size() / 2)) << Poller::Error::ResponseError
        << QStringLiteral(
               "could not be read (Decompression failed: the compressed data is cut short")
        << Poller::Error::ResponseError << QStringLiteral("is not valid JSON");
}

void tst_Poller::compressedAnswersThatCannotBeTaken()
{
    QFETCH(FakeResponse, response);
    QFETCH(Poller::Error, error);
    QFETCH(QString, words);
    QFETCH(Poller::Error, qtError);
    QFETCH(QString, qtWords);
    if (!g_ownClient) {
        error = qtError;
        words = qtWords;
    }

    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), response);
    Channel channel(server, QStringLiteral("/feed"));
    QVERIFY(channel.poller().start(QStringLiteral("3")));
    QTRY_VERIFY_WITH_TIMEOUT(!channel.errors.isEmpty(), 10000);
    const Failure failure = channel.errors.first();
    QVERIFY2(failure.error == error, qPrintable(failure.errorString));
    QVERIFY2(failure.errorString.contains(words), qPrintable(failure.errorString));
    QCOMPARE(failure.state, Poller::State::Backoff); // retried, as any unreadable answer
    QCOMPARE(failure.cursor, QStringLiteral("3"));
    QVERIFY(channel.ids.isEmpty());
}

void tst_Poller::bodyOverTheCapIsCutOff_data()
{
    constexpr qint64 huge = 64 * kMiB;
    using Framing = FakeResponse::Framing;
    QTest::addColumn<FakeResponse>("response");
    QTest::newRow("a 64 MiB body announced by Content-Length is refused at the headers")
        << FakeResponse::hugeBody(huge).withFraming(Framing::ContentLength);
    QTest::newRow("a 64 MiB chunked body is cut off at the cap")
        << FakeResponse::hugeBody(huge).withFraming(Framing::Chunked);
    QTest::newRow("a 64 MiB body without a length is cut off at the cap")
        << FakeResponse::hugeBody(huge).withFraming(Framing::UntilClose);
}

void tst_Poller::bodyOverTheCapIsCutOff()
{
    QFETCH(FakeResponse, response);

    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), response);
    Channel channel(server, QStringLiteral("/feed"));
    QCOMPARE(channel.poller().settings().maxBodyBytes, 1 * kMiB);
    QVERIFY(channel.poller().start());
    QTRY_VERIFY_WITH_TIMEOUT(!channel.errors.isEmpty(), 10000);

    const Failure failure = channel.errors.first();
    QVERIFY2(failure.error == Poller::Error::SizeLimitError, qPrintable(failure.errorString));
    QCOMPARE(failure.state, Poller::State::Backoff); // retry, per PROTOCOLS.md
    QVERIFY2(failure.errorString.contains(QStringLiteral("larger than")),
             qPrintable(failure.errorString));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("0"));

    // The server noticed the client leave long before it had sent it all:
    // what it handed over is the cap plus what socket buffers hold. Either
    // client reads at most 256 KiB ahead of the Poller (without that, Qt's
    // read on in its own thread, 18-57 MiB on a busy machine).
    QTRY_VERIFY_WITH_TIMEOUT(server.isFinished(1), 10000);
    const qint64 sent = server.bytesSent(1);
    QVERIFY2(sent < 16 * kMiB, qPrintable(QStringLiteral("%1 bytes sent").arg(sent)));
}

void tst_Poller::slowOrSilentServerTimesOut_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<int>("inactivityMs");
    QTest::addColumn<int>("marginMs");
    QTest::addColumn<QString>("says");

    // Deadline = hold (0.2 s) + margin.
    QTest::newRow("a slow loris trickling a byte every 20 ms hits the deadline")
        << FakeResponse::seedEvents({1, 2, 3}).withTrickle(20ms) << 150 << 300
        << "did not finish answering within 0.5 s";
    QTest::newRow("heartbeats faster than the inactivity timeout still hit the deadline")
        << FakeResponse::seedEvents({1}).withHeartbeats(200, 20ms) << 150 << 300
        << "did not finish answering within 0.5 s";
    QTest::newRow("a server that goes silent mid-body hits the inactivity timeout")
        << FakeResponse::seedEvents({1, 2, 3}).withStallAfterBodyBytes(5) << 150 << 5000
        << "stopped sending in the middle of an answer (silent for 0.15 s)";
    QTest::newRow("heartbeats slower than the inactivity timeout hit it")
        << FakeResponse::seedEvents({1}).withHeartbeats(20, 400ms) << 150 << 5000
        << "stopped sending in the middle of an answer";
}

void tst_Poller::slowOrSilentServerTimesOut()
{
    QFETCH(FakeResponse, response);
    QFETCH(int, inactivityMs);
    QFETCH(int, marginMs);
    QFETCH(QString, says);

    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), response);
    PollerSettings settings = quickSettings();
    settings.inactivityTimeout = milliseconds(inactivityMs);
    settings.deadlineMargin = milliseconds(marginMs);
    Channel channel(server, QStringLiteral("/feed"), settings);
    QVERIFY(channel.poller().start(QStringLiteral("9")));

    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(!channel.errors.isEmpty(), 10000);
    const Failure failure = channel.errors.first();
    QCOMPARE(failure.error, Poller::Error::TimeoutError);
    QCOMPARE(failure.state, Poller::State::Backoff);
    QVERIFY2(failure.errorString.contains(says), qPrintable(failure.errorString));
    QVERIFY2(clock.elapsed() < 5000, "a timeout took as long as a hang");
    QCOMPARE(channel.poller().cursor(), QStringLiteral("9"));
    QVERIFY(channel.batches.isEmpty());
    // The server saw the client give up on the answer.
    QTRY_VERIFY(server.isFinished(1));
}

void tst_Poller::heldRequestOutlivesTheConnectTimeout()
{
    // The server holds well past the connect timeout: once the request is
    // sent, only the deadline (hold + margin) applies.
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), FakeResponse::seedEvents({1, 2}).withDelay(400ms));
    PollerSettings settings = quickSettings();
    settings.connectTimeout = 50ms;
    Channel channel(server, QStringLiteral("/feed"), settings);
    QVERIFY(channel.poller().start());
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{1, 2}), 10000);
    QVERIFY2(channel.errors.isEmpty(), qPrintable(channel.errors.value(0).message));
    QVERIFY(channel.states.contains(Poller::State::Waiting));
}

void tst_Poller::aHeldRequestReadsListening()
{
    // Sent, and held by the server: connected and listening, on either
    // client, long before any answer.
    FakeHttpServer server;
    PollerSettings settings = quickSettings();
    settings.deadlineMargin = 30s;
    Channel channel(server, QStringLiteral("/feed"), settings);
    QVERIFY(channel.poller().start());
    QTRY_COMPARE(server.heldCount(), 1);
    QTRY_COMPARE(channel.poller().state(), Poller::State::Waiting);
    QCOMPARE(Poller::stateString(channel.poller().state()), QStringLiteral("Listening"));
    QCOMPARE(channel.states,
             (QList<Poller::State>{Poller::State::Connecting, Poller::State::Waiting}));
    QVERIFY(channel.errors.isEmpty());
}

void tst_Poller::backoffCeiling_data()
{
    QTest::addColumn<int>("attempt");
    QTest::addColumn<int>("ceilingMs");
    // initial 20 ms, at most 160 ms
    QTest::newRow("the first retry's ceiling is the initial delay") << 1 << 20;
    QTest::newRow("the second retry's ceiling doubles") << 2 << 40;
    QTest::newRow("the fourth retry's ceiling is eight times the initial") << 4 << 160;
    QTest::newRow("the ceiling stops at the maximum") << 5 << 160;
    QTest::newRow("a hundredth retry does not overflow") << 100 << 160;
    QTest::newRow("attempt zero counts as the first") << 0 << 20;
}

void tst_Poller::backoffCeiling()
{
    QFETCH(int, attempt);
    QFETCH(int, ceilingMs);
    FakeHttpServer server;
    Channel channel(server, QStringLiteral("/feed"));
    QCOMPARE(channel.poller().backoffCeiling(attempt), milliseconds(ceilingMs));
}

void tst_Poller::backoffFollowsFullJitter_data()
{
    QTest::addColumn<double>("random");
    QTest::newRow("a random value of 0 gives the floor") << 0.0;
    QTest::newRow("a random value of 0.5 gives half the ceiling or the floor") << 0.5;
    QTest::newRow("a random value just under 1 gives nearly the ceiling") << 0.999;
}

void tst_Poller::backoffFollowsFullJitter()
{
    QFETCH(double, random);
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(500));
    PollerSettings settings = quickSettings();
    settings.backoffInitial = 20ms;
    settings.backoffMax = 300ms;
    Channel channel(server, QStringLiteral("/feed"), settings);
    channel.poller().setRandom([random] { return random; });
    QVERIFY(channel.poller().start());
    QTRY_VERIFY_WITH_TIMEOUT(channel.retries.size() >= 6, 10000);
    channel.poller().stop();

    for (int i = 0; i < 6; ++i) {
        const auto [attempt, delay] = channel.retries.at(i);
        QCOMPARE(attempt, i + 1);
        const qint64 ceiling = std::min<qint64>(20 << i, 300);
        QVERIFY2(delay.count() >= std::min<qint64>(100, ceiling) && delay.count() <= ceiling,
                 qPrintable(QStringLiteral("attempt %1: %2 ms").arg(attempt).arg(delay.count())));
        QCOMPARE(delay, expectedDelay(settings, attempt, random));
    }
}

void tst_Poller::defaultRandomStaysWithinTheBounds()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::status(503));
    PollerSettings settings = quickSettings();
    settings.backoffInitial = 1000ms; // only drawn, never waited for
    settings.backoffMax = 1000ms;
    Channel channel(server, QStringLiteral("/feed"), settings);
    QVERIFY(channel.poller().start());
    QTRY_VERIFY_WITH_TIMEOUT(!channel.retries.isEmpty(), 10000);
    const milliseconds delay = channel.retries.first().second;
    QVERIFY2(delay >= 100ms && delay <= 1000ms, qPrintable(QString::number(delay.count())));
    QCOMPARE(channel.errors.first().nextRetryAt, kNow.addMSecs(delay.count()));
}

void tst_Poller::retryAfterIsHonoured_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<int>("delayMs");

    const QString in9s =
        QLocale::c().toString(kNow.addSecs(9), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    const QString past =
        QLocale::c().toString(kNow.addSecs(-60), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    QTest::newRow("a 503 with Retry-After in seconds waits that long")
        << FakeResponse::status(503).withHeader("Retry-After", "7") << 7000;
    QTest::newRow("a 429 with Retry-After as an HTTP date waits until then")
        << FakeResponse::status(429).withHeader("Retry-After", in9s.toLatin1()) << 9000;
    QTest::newRow("a Retry-After beyond the cap waits only the cap")
        << FakeResponse::status(503).withHeader("Retry-After", "86400") << 60000;
    QTest::newRow("a Retry-After of zero still waits the smallest backoff")
        << FakeResponse::status(503).withHeader("Retry-After", "0") << 20;
    QTest::newRow("a Retry-After date in the past still waits the smallest backoff")
        << FakeResponse::status(429).withHeader("Retry-After", past.toLatin1()) << 20;
    QTest::newRow("a Retry-After that does not parse falls back to the backoff")
        << FakeResponse::status(503).withHeader("Retry-After", "soon") << 20;
}

void tst_Poller::retryAfterIsHonoured()
{
    QFETCH(FakeResponse, response);
    QFETCH(int, delayMs);

    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), response);
    Channel channel(server, QStringLiteral("/feed"));
    channel.poller().setRandom([] { return 0.0; });
    QVERIFY(channel.poller().start());
    QTRY_VERIFY_WITH_TIMEOUT(!channel.retries.isEmpty(), 10000);
    QCOMPARE(channel.errors.first().state, Poller::State::Backoff);
    QCOMPARE(channel.retries.first().second, milliseconds(delayMs));
    QCOMPARE(channel.errors.first().nextRetryAt, kNow.addMSecs(delayMs));
    channel.poller().stop();
}

void tst_Poller::backoffResetsAfterASuccess()
{
    FakeHttpServer server;
    const QString path = QStringLiteral("/feed");
    server.enqueue(path, FakeResponse::status(500));
    server.enqueue(path, FakeResponse::status(502));
    server.enqueue(path, FakeResponse::seedEvents({1}));
    server.enqueue(path, FakeResponse::status(504));
    server.enqueue(path, FakeResponse::seedEvents({2}));
    Channel channel(server, path);
    channel.poller().setRandom([] { return 0.999; });
    QObject::connect(&channel.poller(), &Poller::batchReceived, &channel.poller(),
                     [&channel] { QCOMPARE(channel.poller().attempt(), 0); });
    QVERIFY(channel.poller().start());
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{1, 2}), 10000);

    QCOMPARE(channel.retries.size(), 3);
    QCOMPARE(channel.retries[0].first, 1);
    QCOMPARE(channel.retries[1].first, 2);
    QCOMPARE(channel.retries[2].first, 1); // after the success: the ladder starts over
    QCOMPARE(channel.retries[2].second, channel.retries[0].second);
    QCOMPARE(channel.poller().attempt(), 0);
    QCOMPARE(channel.poller().error(), Poller::Error::NoError);
}

void tst_Poller::noNewsNeverGrowsTheBackoff_data()
{
    QTest::addColumn<FakeResponse>("noNews");
    QTest::newRow("an empty events array is no news") << FakeResponse::seedEvents({});
    QTest::newRow("304 Not Modified is no news") << FakeResponse::status(304);
    QTest::newRow("204 No Content is no news") << FakeResponse::status(204);
    QTest::newRow("an empty 200 is no news") << FakeResponse::json({});
    QTest::newRow("heartbeats and nothing else are no news")
        << FakeResponse::json({}).withHeartbeats(3, 0ms);
}

void tst_Poller::noNewsNeverGrowsTheBackoff()
{
    QFETCH(FakeResponse, noNews);

    FakeHttpServer server;
    const QString path = QStringLiteral("/feed");
    server.enqueue(path, FakeResponse::status(500));
    for (int i = 0; i < 8; ++i)
        server.enqueue(path, noNews);
    server.enqueue(path, FakeResponse::status(500));
    server.enqueue(path, FakeResponse::seedEvents({3}));
    Channel channel(server, path);
    QVERIFY(channel.poller().start(QStringLiteral("2")));
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, QList<qint64>{3}, 10000);
    QTRY_COMPARE(server.heldCount(), 1);

    QCOMPARE(server.requestCount(), 12);
    QCOMPARE(channel.errors.size(), 2);
    QCOMPARE(channel.retries.size(), 2);
    QCOMPARE(channel.retries[0].first, 1);
    QCOMPARE(channel.retries[1].first, 1); // eight no-news answers in between reset it
    QCOMPARE(sentCursors(server, path), QStringList(11, QStringLiteral("2"))
                                            << QStringLiteral("3"));
    // Between the two failures the channel was live, never backing off.
    const qsizetype firstBackoff = channel.states.indexOf(Poller::State::Backoff);
    const qsizetype secondBackoff =
        channel.states.indexOf(Poller::State::Backoff, firstBackoff + 1);
    QVERIFY(secondBackoff > firstBackoff + 1);
    QCOMPARE(channel.states.at(firstBackoff + 1), Poller::State::Connecting);
}

void tst_Poller::pollIntervalPacesFeedsThatAnswerAtOnce()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::seedEvents({}));
    QElapsedTimer clock;
    clock.start();
    QList<qint64> arrivals;
    connect(&server, &FakeHttpServer::requestReceived, this,
            [&](const FakeRequest &) { arrivals.append(clock.elapsed()); });

    QStringList errors;
    auto profile =
        createProfile(QStringLiteral("generic-json"), server.url(QStringLiteral("/feed")),
                      {{QStringLiteral("hold"), QStringLiteral("0.2")},
                       {QStringLiteral("poll-interval"), QStringLiteral("0.3")}},
                      &errors);
    QVERIFY2(profile, qPrintable(errors.join(QLatin1Char(' '))));
    TestManager manager;
    Poller poller(std::move(profile), &manager);
    poller.setSettings(quickSettings());
    QVERIFY(poller.start());
    QTRY_VERIFY_WITH_TIMEOUT(arrivals.size() >= 4, 5000);
    poller.stop();
    for (qsizetype i = 1; i < arrivals.size(); ++i) {
        const qint64 gap = arrivals.at(i) - arrivals.at(i - 1);
        QVERIFY2(
            gap >= 290,
            qPrintable(
                QStringLiteral("poll %1 came %2 ms after the one before").arg(i + 1).arg(gap)));
    }
    QCOMPARE(poller.state(), Poller::State::Stopped);
}

void tst_Poller::answersThatParse_data()
{
    QTest::addColumn<FakeResponse>("response");
    const FakeResponse events = FakeResponse::seedEvents({4, 5, 6});
    QTest::newRow("a plain answer") << events;
    QTest::newRow("heartbeat newlines before the JSON") << events.withHeartbeats(5, 10ms);
    QTest::newRow("a chunked answer") << events.withFraming(FakeResponse::Framing::Chunked);
    QTest::newRow("a chunked answer with heartbeats")
        << events.withFraming(FakeResponse::Framing::Chunked).withHeartbeats(3, 10ms);
    QTest::newRow("an answer that ends with the connection")
        << events.withFraming(FakeResponse::Framing::UntilClose);
    QTest::newRow("an answer after a 300 ms hold") << events.withDelay(300ms);
    QTest::newRow("an answer trickled a byte at a time, within the deadline")
        << events.withTrickle(1ms);
    QTest::newRow("an answer whose events carry extra fields") << FakeResponse::json(
        R"({"events":[{"id":4,"x":[1]},{"id":5,"type":"a"},{"id":6}],"more":1})");
    const QByteArray json = R"({"events":[{"id":4,"type":"a"},{"id":5},{"id":6}]})";
    QTest::newRow("a gzip-compressed answer")
        << FakeResponse::json(compressed(json, Compression::Gzip))
               .withHeader("Content-Encoding", "gzip");
    QTest::newRow("a deflate-compressed answer, chunked")
        << FakeResponse::json(compressed(json, Compression::Zlib))
               .withHeader("Content-Encoding", "deflate")
               .withFraming(FakeResponse::Framing::Chunked);
}

void tst_Poller::answersThatParse()
{
    QFETCH(FakeResponse, response);
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), response);
    Channel channel(server, QStringLiteral("/feed"));
    QVERIFY(channel.poller().start(QStringLiteral("3")));
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{4, 5, 6}), 10000);
    QCOMPARE(channel.batches.size(), 1);
    QCOMPARE(channel.cursors, QStringList{QStringLiteral("6")});
    QVERIFY2(channel.errors.isEmpty(), qPrintable(channel.errors.value(0).message));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("6"));
    QTRY_COMPARE(server.heldCount(), 1); // polling on from the new cursor
    QCOMPARE(server.heldRequests().first().queryValue(QStringLiteral("last_id")),
             QStringLiteral("6"));
}

void tst_Poller::requestCarriesCursorAndHeaders()
{
    FakeHttpServer server;
    PollerSettings settings = quickSettings();
    settings.headers.append({QByteArrayLiteral("Authorization"), "Bearer " + kBearer});
    settings.headers.append({QByteArrayLiteral("X-Client"), QByteArrayLiteral("longwatch-test")});
    Channel channel(server, QStringLiteral("/feeds/a%20b?token=") + kUrlToken, settings);
    QVERIFY(channel.poller().start(QStringLiteral("17")));
    QTRY_COMPARE(server.heldCount(), 1);
    const FakeRequest request = server.heldRequests().first();
    QCOMPARE(request.method, QByteArrayLiteral("GET"));
    QCOMPARE(request.path, QStringLiteral("/feeds/a b"));
    QCOMPARE(request.queryValue(QStringLiteral("last_id")), QStringLiteral("17"));
    QCOMPARE(request.queryValue(QStringLiteral("token")), kUrlToken);
    QCOMPARE(request.header("authorization"), "Bearer " + kBearer);
    QCOMPARE(request.header("X-Client"), QByteArrayLiteral("longwatch-test"));
    QVERIFY(request.body.isEmpty());
    QCOMPARE(channel.poller().state(), Poller::State::Waiting);
}

void tst_Poller::noEventLostOrDoubledAcrossAFault_data()
{
    QTest::addColumn<FakeResponse>("fault");
    QTest::newRow("a 500 between two batches") << FakeResponse::status(500, "try later");
    QTest::newRow("a 503 with Retry-After 0 between two batches")
        << FakeResponse::status(503).withHeader("Retry-After", "0");
    QTest::newRow("an answer cut off mid-body between two batches")
        << FakeResponse::seedEvents({4, 5}).withCloseAfterBodyBytes(20);
    QTest::newRow("a body that does not parse between two batches")
        << FakeResponse::json(R"({"events":[{"id":4},)");
    QTest::newRow("a body of the wrong shape between two batches")
        << FakeResponse::json(R"({"events":"oops"})");
    QTest::newRow("a body over the cap between two batches") << FakeResponse::hugeBody(4 * kMiB);
    QTest::newRow("a silent server between two batches")
        << FakeResponse::seedEvents({4, 5}).withStallAfterBodyBytes(20);
    QTest::newRow("garbage between two batches") << FakeResponse::garbage("SSH-2.0-OpenSSH\r\n");
    QTest::newRow("a connection closed without an answer between two batches")
        << FakeResponse::closeConnection();
}

void tst_Poller::noEventLostOrDoubledAcrossAFault()
{
    QFETCH(FakeResponse, fault);

    FakeHttpServer server;
    const QString path = QStringLiteral("/feed");
    server.enqueue(path, FakeResponse::seedEvents({1, 2, 3}));
    // Qt itself resends a request, silently, up to three times when the
    // connection ends before any answer: repeat the fault so that it
    // reaches the Poller whatever Qt does.
    for (int i = 0; i < 4; ++i)
        server.enqueue(path, fault);
    server.enqueue(path, FakeResponse::seedEvents({3, 4, 5, 6}));
    PollerSettings settings = quickSettings();
    settings.inactivityTimeout = 150ms;
    Channel channel(server, path, settings);
    QVERIFY(channel.poller().start());
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{1, 2, 3, 4, 5, 6}), 10000);

    QCOMPARE(channel.batches, (QList<QList<qint64>>{{1, 2, 3}, {4, 5, 6}}));
    QCOMPARE(channel.cursors, (QStringList{QStringLiteral("3"), QStringLiteral("6")}));
    QVERIFY2(!channel.errors.isEmpty(), "the fault never reached the Poller");
    QTRY_COMPARE(server.heldCount(), 1);
    const QStringList cursors = sentCursors(server, path);
    QCOMPARE(cursors.first(), QStringLiteral("0"));
    QCOMPARE(cursors.last(), QStringLiteral("6"));
    // Every request between the first batch and the last one asked from 3.
    for (qsizetype i = 1; i + 1 < cursors.size(); ++i)
        QCOMPARE(cursors.at(i), QStringLiteral("3"));
}

void tst_Poller::idsGoingBackwardsAreDropped()
{
    FakeHttpServer server;
    const QString path = QStringLiteral("/feed");
    server.enqueue(path, FakeResponse::seedEvents({5, 6}));
    server.enqueue(path, FakeResponse::seedEvents({2, 3, 7}));
    server.enqueue(path, FakeResponse::seedEvents({1, 2}));
    server.enqueue(path, FakeResponse::seedEvents({8, 8, 9}));
    Channel channel(server, path);
    QVERIFY(channel.poller().start());
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{5, 6, 7, 8, 9}), 10000);
    QCOMPARE(channel.batches, (QList<QList<qint64>>{{5, 6}, {7}, {8, 9}}));
    QTRY_COMPARE(server.heldCount(), 1);
    QCOMPARE(sentCursors(server, path),
             (QStringList{QStringLiteral("0"), QStringLiteral("6"), QStringLiteral("7"),
                          QStringLiteral("7"), QStringLiteral("9")}));
    QVERIFY(channel.errors.isEmpty());
}

void tst_Poller::repeatsWithinTheDedupeMemoryAreDropped()
{
    // Keys that are not numbers: the cursor drops nothing, only the memory
    // of the last keys does. Each event's message says which one it is, so
    // that events moved up over a dropped one are seen whole.
    FakeHttpServer server;
    const QString path = QStringLiteral("/feed");
    const auto answer = [](const QList<const char *> &keys) {
        QByteArray body = "{\"events\":[";
        for (qsizetype i = 0; i < keys.size(); ++i) {
            const QByteArray key = keys.at(i);
            body += (i > 0 ? "," : "") + QByteArray("{\"id\":\"") + key +
                    "\",\"type\":\"t\",\"message\":\"m-" + key + QByteArray::number(i) + "\"}";
        }
        return FakeResponse::json(body + "]}");
    };
    server.enqueue(path, answer({"a", "b", "a", "c"}));
    server.enqueue(path, answer({"b", "d"}));
    server.enqueue(path, answer({"a", "c", "", ""}));

    PollerSettings settings = quickSettings();
    settings.dedupeMemory = 3;
    QStringList errors;
    auto profile = createProfile(QStringLiteral("seed-events"), server.url(path),
                                 {{QStringLiteral("hold"), QStringLiteral("0.2")}}, &errors);
    QVERIFY2(profile, qPrintable(errors.join(QLatin1Char(' '))));
    TestManager manager;
    Poller poller(std::move(profile), &manager);
    poller.setSettings(settings);
    poller.setClock([] { return kNow; });
    QList<QStringList> batches;
    QObject::connect(&poller, &Poller::batchReceived, &poller, [&](const EventList &events) {
        QStringList batch;
        for (const Event &event : events)
            batch << event.key + QLatin1Char('=') + event.text;
        batches.append(batch);
    });
    QVERIFY(poller.start());
    QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 3, 10000);
    // A repeat in the same answer goes; "b" is remembered; "a" was
    // forgotten (three keys: b, c, d) and comes back; keyless events stay.
    QCOMPARE(batches.at(0), (QStringList{"a=m-a0", "b=m-b1", "c=m-c3"}));
    QCOMPARE(batches.at(1), (QStringList{"d=m-d1"}));
    QCOMPARE(batches.at(2), (QStringList{"a=m-a0", "=m-2", "=m-3"}));
    poller.stop();
}

void tst_Poller::goneResetsTheCursor()
{
    FakeHttpServer server;
    const QString path = QStringLiteral("/feed");
    server.enqueue(path, FakeResponse::status(410, R"({"error":"cursor 40 expired"})"));
    server.enqueue(path, FakeResponse::seedEvents({1, 2}));
    Channel channel(server, path);
    QVERIFY(channel.poller().start(QStringLiteral("40")));
    QTRY_COMPARE_WITH_TIMEOUT(channel.ids, (QList<qint64>{1, 2}), 10000);

    QCOMPARE(channel.resets.size(), 1);
    QCOMPARE(channel.resets.first().first, QStringLiteral("40"));
    QVERIFY2(channel.resets.first().second.contains(QStringLiteral("cursor 40 expired")),
             qPrintable(channel.resets.first().second));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("2"));
    QTRY_COMPARE(server.heldCount(), 1);
    QCOMPARE(sentCursors(server, path),
             (QStringList{QStringLiteral("40"), QStringLiteral("0"), QStringLiteral("2")}));
    QCOMPARE(channel.poller().attempt(), 0);
}

void tst_Poller::stopInACursorResetSlotSticks()
{
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), FakeResponse::status(410));
    Channel channel(server, QStringLiteral("/feed"));
    QObject::connect(&channel.poller(), &Poller::cursorReset, &channel.poller(),
                     [&channel] { channel.poller().stop(); });
    QVERIFY(channel.poller().start(QStringLiteral("40")));
    QTRY_COMPARE_WITH_TIMEOUT(channel.resets.size(), 1, 10000);
    QCOMPARE(channel.poller().state(), Poller::State::Stopped);
    QVERIFY(!channel.poller().isRunning());
    // Had the poll been re-armed, its request would leave before a probe
    // request sent from here, after the event loop ran: the probe arriving
    // is the sign that a re-armed request would have arrived too.
    QTRY_VERIFY(server.isFinished(1));
    QNetworkAccessManager probeManager;
    std::unique_ptr<QNetworkReply> probe(
        probeManager.get(QNetworkRequest(server.url(QStringLiteral("/probe")))));
    QTRY_COMPARE_WITH_TIMEOUT(server.heldCount(QStringLiteral("/probe")), 1, 5000);
    QCOMPARE(server.requests(QStringLiteral("/feed")).size(), 1);
    QCOMPARE(channel.poller().state(), Poller::State::Stopped);
}

void tst_Poller::managerDestroyedFirstIsSafe()
{
    FakeHttpServer server;
    QStringList errors;
    auto profile = createProfile(QStringLiteral("seed-events"), server.url(QStringLiteral("/feed")),
                                 {{QStringLiteral("hold"), QStringLiteral("5")}}, &errors);
    QVERIFY(profile);
    auto manager = std::make_unique<TestManager>();
    Poller poller(std::move(profile), manager.get());
    poller.setSettings(quickSettings());
    QVERIFY(poller.start());
    QTRY_COMPARE(server.heldCount(), 1);
    // The manager takes its replies with it; the Poller must not touch them.
    manager.reset();
    poller.stop();
    QCOMPARE(poller.state(), Poller::State::Stopped);
    QCOMPARE(poller.error(), Poller::Error::NoError);
}

void tst_Poller::stopDuringAHeldRequestIsNotAnError()
{
    FakeHttpServer server;
    Channel channel(server, QStringLiteral("/feed"));
    QVERIFY(channel.poller().start());
    QTRY_COMPARE(server.heldCount(), 1);
    QCOMPARE(channel.poller().state(), Poller::State::Waiting);

    channel.poller().stop();
    QCOMPARE(channel.poller().state(), Poller::State::Stopped);
    QCOMPARE(channel.poller().error(), Poller::Error::NoError);
    QVERIFY(channel.poller().errorString().isEmpty());
    QVERIFY(channel.errors.isEmpty());
    QVERIFY(channel.retries.isEmpty());
    QVERIFY(!channel.poller().isRunning());
    QCOMPARE(channel.states.last(), Poller::State::Stopped);
    // The request really went away: the server saw the client leave.
    QTRY_COMPARE(server.heldCount(), 0);
    QVERIFY(server.isFinished(1));
    QVERIFY(channel.errors.isEmpty());
    QCOMPARE(server.requestCount(), 1);
}

void tst_Poller::secondStartIsRefused()
{
    FakeHttpServer server;
    Channel channel(server, QStringLiteral("/feed"));
    QVERIFY(channel.poller().start(QStringLiteral("3")));
    QVERIFY(!channel.poller().start(QStringLiteral("99")));
    QTRY_COMPARE(server.heldCount(), 1);
    QVERIFY(!channel.poller().start(QStringLiteral("99")));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("3"));
    QCOMPARE(server.requestCount(), 1);
    QCOMPARE(server.heldRequests().first().queryValue(QStringLiteral("last_id")),
             QStringLiteral("3"));

    // After a stop, a start is welcome again.
    channel.poller().stop();
    QVERIFY(channel.poller().start(QStringLiteral("4")));
    QTRY_COMPARE(server.requestCount(), 2);
    QCOMPARE(server.requests().last().queryValue(QStringLiteral("last_id")), QStringLiteral("4"));
}

void tst_Poller::retryNowEndsTheBackoff()
{
    FakeHttpServer server;
    server.enqueue(QStringLiteral("/feed"), FakeResponse::status(500));
    PollerSettings settings = quickSettings();
    settings.backoffInitial = 60s;
    settings.backoffMax = 60s;
    Channel channel(server, QStringLiteral("/feed"), settings);
    channel.poller().setRandom([] { return 0.99; });
    QVERIFY(channel.poller().start());
    QTRY_VERIFY_WITH_TIMEOUT(!channel.retries.isEmpty(), 10000);
    QCOMPARE(channel.poller().state(), Poller::State::Backoff);
    QCOMPARE(channel.retries.first().second, milliseconds(59400));

    QElapsedTimer clock;
    clock.start();
    channel.poller().retryNow();
    QVERIFY(!channel.poller().nextRetryAt().isValid());
    QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 2, 5000);
    QVERIFY(clock.elapsed() < 5000);
    QTRY_COMPARE(channel.poller().state(), Poller::State::Waiting);
}

void tst_Poller::fiftyChannelsOnOneServerDoNotStarve()
{
    constexpr int channels = 50;
    FakeHttpServer server;
    NetworkPool pool;
    PollerSettings settings = quickSettings();
    settings.deadlineMargin = 30s; // held until the test answers
    settings.connectTimeout = 30s;

    std::vector<std::unique_ptr<Channel>> all;
    for (int i = 0; i < channels; ++i) {
        const QString path = QStringLiteral("/channel/%1").arg(i);
        all.push_back(
            std::make_unique<Channel>(server, path, settings, pool.acquire(server.url(path))));
        QVERIFY(all.back()->poller().start());
    }
    QCOMPARE(pool.managerCount(), 9);

    // Every channel's request reaches the server: none queues behind others.
    QTRY_COMPARE_WITH_TIMEOUT(server.heldCount(), channels, 20000);
    for (int i = 0; i < channels; ++i)
        QCOMPARE(server.heldCount(QStringLiteral("/channel/%1").arg(i)), 1);

    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < channels; ++i) {
        QCOMPARE(server.answerHeld(QStringLiteral("/channel/%1").arg(i),
                                   FakeResponse::seedEvents({1000 + i})),
                 1);
    }
    const auto delivered = [&all] {
        return std::count_if(all.cbegin(), all.cend(),
                             [](const auto &channel) { return !channel->batches.isEmpty(); });
    };
    QTRY_VERIFY_WITH_TIMEOUT(delivered() == channels, 1000);
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
    for (int i = 0; i < channels; ++i)
        QCOMPARE(all[i]->ids, QList<qint64>{1000 + i});
}

void tst_Poller::oneManagerRunsOnlySixAtOnce()
{
    // The control: without the pool, twelve channels on one manager get only
    // six requests to the server; the others wait for a free connection.
    constexpr int channels = 12;
    FakeHttpServer server;
    QNetworkAccessManager manager;
    PollerSettings settings = quickSettings();
    settings.deadlineMargin = 30s;
    settings.connectTimeout = 30s; // a queued request has not been sent yet
    int mostHeld = 0;
    connect(&server, &FakeHttpServer::requestHeld, this,
            [&] { mostHeld = std::max(mostHeld, server.heldCount()); });

    std::vector<std::unique_ptr<Channel>> all;
    for (int i = 0; i < channels; ++i) {
        all.push_back(std::make_unique<Channel>(server, QStringLiteral("/channel/%1").arg(i),
                                                settings, &manager));
        QVERIFY(all.back()->poller().start());
    }
    QTRY_COMPARE_WITH_TIMEOUT(server.heldCount(), 6, 10000);
    QCOMPARE(server.openConnectionCount(), 6);

    // Answer one held request at a time: each answer frees one connection,
    // which the next waiting request takes. Every channel gets its turn, but
    // never are more than six held at once.
    QSet<QString> served;
    for (const FakeRequest &request : server.heldRequests())
        served.insert(request.path);
    for (int round = 0; round < 4 * channels && served.size() < channels; ++round) {
        const FakeRequest oldest = server.heldRequests().first();
        const int before = server.requestCount();
        QVERIFY(server.answer(oldest.id, FakeResponse::seedEvents({round + 1})));
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() > before && server.heldCount() == 6, 10000);
        for (const FakeRequest &request : server.heldRequests())
            served.insert(request.path);
        QVERIFY(server.openConnectionCount() <= 6);
    }
    QCOMPARE(served.size(), channels);
    QCOMPARE(mostHeld, 6);
    QCOMPARE(server.heldCount(), 6);
}

int main(int argc, char *argv[])
{
    useTestEventDispatcher();
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_Poller ownClient;
    int failures = QTest::qExec(&ownClient, argc, argv);
    g_ownClient = false;
    tst_Poller qtClient;
    failures += QTest::qExec(&qtClient, argc, argv);
    return failures;
}
#include "tst_poller.moc"
