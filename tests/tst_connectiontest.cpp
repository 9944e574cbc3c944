#include "connectiontest.h"
#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

ChannelConfig configFor(const QUrl &url)
{
    ChannelConfig c;
    c.name = "test";
    c.url = url;
    c.knobs = {{"hold", "0.3"}};
    c.timing.connectTimeout = 5s;
    return c;
}

} // namespace

class tst_ConnectionTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reportsWhatOnePollFound_data();
    void reportsWhatOnePollFound();
    void makesExactlyOneRequest();
    void sendsTheCredentials();
    void cancelIsNotAnError();
    void anInvalidConfigurationFailsAfterStartReturns();
    void aRefusedCertificateIsReportedForPinning_data();
    void aRefusedCertificateIsReportedForPinning();
    void aStreamShowsWhatItsFirstReadBrought();
    void aBootstrapAnswerIsFollowedByTheFirstPoll();

private:
    QNetworkAccessManager m_network;
};

void tst_ConnectionTest::reportsWhatOnePollFound_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<ConnectionTest::Outcome>("outcome");
    QTest::addColumn<int>("events");
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<QString>("errorWord");

    QTest::newRow("events found give a preview and the next cursor")
        << FakeResponse::seedEvents({4, 5, 6}) << ConnectionTest::Outcome::Events << 3 << "6"
        << "";
    QTest::newRow("an empty answer is no news with the cursor unchanged")
        << FakeResponse::json(R"({"events":[]})") << ConnectionTest::Outcome::NoNews << 0 << "0"
        << "";
    QTest::newRow("a 404 fails with the server's words")
        << FakeResponse::status(404, R"({"error":"no such feed"})")
        << ConnectionTest::Outcome::Failed << 0 << ""
        << "no such feed";
    QTest::newRow("a 503 fails rather than retrying")
        << FakeResponse::status(503) << ConnectionTest::Outcome::Failed << 0 << ""
        << "503";
    QTest::newRow("garbage fails with a parse error")
        << FakeResponse::json("{not json") << ConnectionTest::Outcome::Failed << 0 << ""
        << "";
}

void tst_ConnectionTest::reportsWhatOnePollFound()
{
    QFETCH(FakeResponse, response);
    QFETCH(ConnectionTest::Outcome, outcome);
    QFETCH(int, events);
    QFETCH(QString, cursor);
    QFETCH(QString, errorWord);

    FakeHttpServer server;
    server.enqueue("/poll", response);
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    QVERIFY(test.start(configFor(server.url("/poll"))));
    QVERIFY(test.isRunning());
    QVERIFY(finished.wait());
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.at(0).at(0).value<ConnectionTest::Outcome>(), outcome);
    QCOMPARE(test.outcome(), outcome);
    QCOMPARE(test.events().size(), events);
    QVERIFY(!test.isRunning());
    if (!cursor.isEmpty())
        QCOMPARE(test.cursor(), cursor);
    if (outcome == ConnectionTest::Outcome::Failed)
        QVERIFY(!test.errorString().isEmpty());
    if (!errorWord.isEmpty())
        QVERIFY2((test.errorString() + test.errorDetail()).contains(errorWord),
                 qPrintable(test.errorString() + " / " + test.errorDetail()));
}

void tst_ConnectionTest::makesExactlyOneRequest()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::seedEvents({1}));
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    test.start(configFor(server.url("/poll")));
    QVERIFY(finished.wait());
    // A second poll would follow at once; give it a moment to show up.
    QVERIFY(!QTest::qWaitFor([&server] { return server.requestCount() > 1; }, 300));
    QCOMPARE(server.requestCount(), 1);
    QCOMPARE(finished.size(), 1);
}

void tst_ConnectionTest::sendsTheCredentials()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::seedEvents({1}));
    ChannelConfig c = configFor(server.url("/poll"));
    c.auth = ChannelConfig::Auth::Bearer;
    c.token = "abc123";
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    test.start(c);
    QVERIFY(finished.wait());
    QCOMPARE(server.requests().first().header("Authorization"), QByteArray("Bearer abc123"));
}

void tst_ConnectionTest::cancelIsNotAnError()
{
    FakeHttpServer server; // holds every request
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    ChannelConfig c = configFor(server.url("/poll"));
    c.knobs = {{"hold", "30"}};
    test.start(c);
    QTRY_COMPARE(server.heldCount(), 1);
    test.cancel();
    QCOMPARE(finished.size(), 1);
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::Cancelled);
    QVERIFY(test.errorString().isEmpty());
    QTRY_COMPARE(server.openConnectionCount(), 0);
}

void tst_ConnectionTest::anInvalidConfigurationFailsAfterStartReturns()
{
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    ChannelConfig c = configFor(QUrl("http://127.0.0.1:1/poll"));
    c.profileId = "no-such-profile";
    QVERIFY(test.start(c));
    QCOMPARE(finished.size(), 0);
    QVERIFY(finished.wait());
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::Failed);
    QVERIFY(test.errorString().contains("no-such-profile"));
}

void tst_ConnectionTest::aRefusedCertificateIsReportedForPinning_data()
{
    QTest::addColumn<bool>("expired");
    QTest::addColumn<bool>("ownClient");
    for (const bool own : {true, false}) {
        const char *client = own ? "Longwatch's client" : "Qt's client";
        QTest::addRow("on %s a self-signed certificate may be pinned, and then passes", client)
            << false << own;
        QTest::addRow("on %s an expired certificate may not be pinned", client) << true << own;
    }
}

void tst_ConnectionTest::aRefusedCertificateIsReportedForPinning()
{
    QFETCH(bool, expired);
    QFETCH(bool, ownClient);

    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl'); it makes the "
              "test certificates.");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs(dir.path());
    QVERIFY2(expired ? certs.makeExpiredSelfSigned("cert", "127.0.0.1")
                     : certs.makeSelfSigned("cert", "127.0.0.1"),
             qPrintable(certs.errorString()));
    const QSslCertificate certificate = certs.certificate("cert");
    TlsTestServer server(certificate, certs.key("cert"));
    QVERIFY(server.listen());

    NetworkAccessManager network; // as the channel dialog's
    network.setOwnClientEnabled(ownClient);
    ConnectionTest test(&network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    ChannelConfig c = configFor(server.url("/poll"));
    QVERIFY(test.start(c));
    QVERIFY(finished.wait(15'000));
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::Failed);
    const TlsFailure failure = test.tlsFailure();
    QVERIFY(!failure.isNull());
    QCOMPARE(failure.certificate.sha256, certificateSha256(certificate));
    QCOMPARE(failure.canBePinned(), !expired);
    QVERIFY(!failure.pinned);
    QCOMPARE(server.requestCount(), 0);

    // Pinned, the next test passes (or, expired, fails again as pinned).
    c.timing.transport.tls.pinnedSha256 = {failure.certificate.sha256};
    QVERIFY(test.start(c));
    QVERIFY(test.tlsFailure().isNull()); // a new test forgets the last one's
    QVERIFY(finished.wait(15'000));
    if (expired) {
        QCOMPARE(test.outcome(), ConnectionTest::Outcome::Failed);
        QVERIFY(test.tlsFailure().pinned);
        QVERIFY(!test.tlsFailure().canBePinned());
        QCOMPARE(server.requestCount(), 0);
    } else {
        QCOMPARE(test.outcome(), ConnectionTest::Outcome::NoNews);
        QVERIFY(test.tlsFailure().isNull());
        QCOMPARE(server.requestCount(), 1);
        QCOMPARE(isFromLongwatchClient(server.requests().first()), ownClient);
    }
}

void tst_ConnectionTest::aStreamShowsWhatItsFirstReadBrought()
{
    // A stream never ends: the test takes what its first read brought
    // (events or a heartbeat) and ends there, with one request.
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream("text/event-stream"));
    connect(&server, &FakeHttpServer::streamOpened, this, [&server](const FakeRequest &request) {
        server.streamWrite(request.id, "id: 7\ndata: one\n\nid: 8\ndata: two\n\n");
    });
    ChannelConfig config = configFor(server.url("/events"));
    config.profileId = "sse";
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    QVERIFY(test.start(config));
    QVERIFY(finished.wait());
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::Events);
    QCOMPARE(test.events().size(), 2);
    QCOMPARE(test.cursor(), QString("8"));
    QCOMPARE(server.requestCount(), 1);
    QTRY_VERIFY(server.openStreams().isEmpty()); // the stream was closed by the test
}

void tst_ConnectionTest::aBootstrapAnswerIsFollowedByTheFirstPoll()
{
    // generic-json with a bootstrap request: its answer only fills the poll's
    // values, so the test goes on to the poll, and reports what that found.
    FakeHttpServer server;
    server.enqueue("/register", FakeResponse::json(R"({"queue_id":"q7"})"));
    server.enqueue("/poll", FakeResponse::seedEvents({4, 5}));
    ChannelConfig c = configFor(server.url("/poll?queue=${bootstrap:queue_id}"));
    c.profileId = "generic-json";
    c.knobs.insert("bootstrap-url", "/register");
    c.knobs.insert("bootstrap-values", "queue_id=queue_id");
    ConnectionTest test(&m_network);
    QSignalSpy finished(&test, &ConnectionTest::finished);
    QVERIFY(test.start(c));
    QVERIFY(finished.wait());
    QCOMPARE(test.outcome(), ConnectionTest::Outcome::Events);
    QCOMPARE(test.events().size(), 2);
    QCOMPARE(server.requestCount(), 2);
    QCOMPARE(server.requests().at(0).path, QStringLiteral("/register"));
    QCOMPARE(server.requests().at(1).path, QStringLiteral("/poll"));
    QCOMPARE(server.requests().at(1).queryValue("queue"), QStringLiteral("q7"));
}

QTEST_GUILESS_MAIN(tst_ConnectionTest)
#include "tst_connectiontest.moc"
