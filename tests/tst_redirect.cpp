// Redirects: followed within the same origin only; a channel's secret
// headers never reach another origin; https never falls back to http.
// Asserted on the server the redirect points to.

#include "fakehttpserver.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"
#include "tlsinfo.h"
#include "tlstestserver.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

constexpr int kWaitMs = 10'000;
const QString kUrlToken = "urlt0ken-r3direct-111";
const QByteArray kBearer = "b3arer-r3direct-222";
const QByteArray kApiKey = "ap1key-r3direct-333";

PollerSettings quickSettings()
{
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 5s;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 50ms;
    settings.backoffMax = 200ms;
    settings.headers = {{"Authorization", "Bearer " + kBearer}, {"X-Api-Key", kApiKey}};
    return settings;
}

std::unique_ptr<Poller> makePoller(const QUrl &url, QNetworkAccessManager *manager,
                                   const PollerSettings &settings = quickSettings())
{
    QStringList errors;
    auto profile = createProfile("seed-events", url, {{"hold", "0.2"}}, &errors);
    if (!profile)
        return nullptr;
    auto poller = std::make_unique<Poller>(std::move(profile), manager);
    poller->setName("redirect");
    poller->setSettings(settings);
    return poller;
}

void verifyNoSecrets(const Poller &poller)
{
    for (const QString &text : {poller.errorString(), poller.errorDetail()}) {
        QVERIFY2(!text.contains(kUrlToken), qPrintable(text));
        QVERIFY2(!text.contains(QString(kBearer)), qPrintable(text));
        QVERIFY2(!text.contains(QString(kApiKey)), qPrintable(text));
    }
}

} // namespace

class tst_Redirect : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void crossOriginRedirectIsRefused_data();
    void crossOriginRedirectIsRefused();
    void sameOriginRedirectIsFollowed_data();
    void sameOriginRedirectIsFollowed();
    void httpsToHttpIsRefused_data();
    void httpsToHttpIsRefused();
    void httpToHttpsIsAnotherOrigin_data();
    void httpToHttpsIsAnotherOrigin();

private:
    /// Rows for each client: Longwatch's own and Qt's.
    static void addClientRows();
};

void tst_Redirect::addClientRows()
{
    QTest::addColumn<bool>("ownClient");
    QTest::newRow("on Longwatch's client") << true;
    QTest::newRow("on Qt's client") << false;
}

void tst_Redirect::crossOriginRedirectIsRefused_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("tokenInLocation");

    QTest::newRow("a 302 to another port is refused") << 302 << "127.0.0.1" << false;
    QTest::newRow("a 307 to another port is refused") << 307 << "127.0.0.1" << false;
    QTest::newRow("a 308 to another host name is refused") << 308 << "localhost" << false;
    QTest::newRow("a 301 carrying our token elsewhere is refused, the token masked")
        << 301 << "127.0.0.1" << true;
}

void tst_Redirect::crossOriginRedirectIsRefused()
{
    QFETCH(int, status);
    QFETCH(QString, host);
    QFETCH(bool, tokenInLocation);

    FakeHttpServer origin;
    FakeHttpServer elsewhere;
    QVERIFY(origin.isListening());
    QVERIFY(elsewhere.isListening());
    elsewhere.setDefaultResponse(FakeResponse::seedEvents({1}));
    const QString target = QString("http://%1:%2/stolen%3")
                               .arg(host)
                               .arg(elsewhere.port())
                               .arg(tokenInLocation ? "?token=" + kUrlToken : QString());
    origin.setDefaultResponse(FakeResponse::status(status).withHeader("Location", target.toUtf8()));

    QNetworkAccessManager manager;
    auto poller = makePoller(origin.url("/feed?token=" + kUrlToken), &manager);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));

    // The receiving server saw nothing: no Authorization, no API key.
    QCOMPARE(elsewhere.requestCount(), 0);
    QCOMPARE(origin.requestCount(), 1);
    QCOMPARE(origin.requests().first().header("Authorization"), "Bearer " + kBearer);

    // A clear sentence, and the channel stops: the redirect will not go away.
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(poller->error(), Poller::Error::HttpError);
    const QString sentence = poller->errorString();
    QVERIFY2(sentence.contains("redirected the channel to another server"), qPrintable(sentence));
    QVERIFY2(sentence.contains(QString("%1:%2/stolen").arg(host).arg(elsewhere.port())),
             qPrintable(sentence));
    QVERIFY2(sentence.contains("change the channel's URL"), qPrintable(sentence));
    QCOMPARE(poller->errorDetail(), QString("HTTP %1").arg(status));
    verifyNoSecrets(*poller);
}

void tst_Redirect::sameOriginRedirectIsFollowed_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::newRow("a relative redirect on the same server is followed") << QByteArray("/moved");
    QTest::newRow("an absolute redirect to the same origin is followed")
        << QByteArray("http://127.0.0.1:%1/moved");
}

void tst_Redirect::sameOriginRedirectIsFollowed()
{
    QFETCH(QByteArray, location);

    FakeHttpServer server;
    QVERIFY(server.isListening());
    location.replace("%1", QByteArray::number(server.port()));
    server.enqueue("/feed", FakeResponse::status(302).withHeader("Location", location));
    server.enqueue("/moved", FakeResponse::seedEvents({1, 2}));
    QNetworkAccessManager manager;
    auto poller = makePoller(server.url("/feed"), &manager);
    QSignalSpy batches(poller.get(), &Poller::batchReceived);
    QVERIFY(poller->start());
    QVERIFY(batches.wait(kWaitMs));
    QCOMPARE(batches.first().at(0).value<EventList>().size(), 2);
    const QList<FakeRequest> moved = server.requests("/moved");
    QVERIFY(!moved.isEmpty());
    // Same origin: the credentials go along, as they would to the first URL.
    QCOMPARE(moved.first().header("Authorization"), "Bearer " + kBearer);
    poller->stop();
}

void tst_Redirect::httpsToHttpIsRefused_data()
{
    addClientRows();
}

void tst_Redirect::httpsToHttpIsRefused()
{
    QFETCH(bool, ownClient);
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl'); it makes the "
              "test certificate.");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs(dir.path());
    QVERIFY2(certs.makeSelfSigned("self", "127.0.0.1"), qPrintable(certs.errorString()));

    FakeHttpServer plain;
    QVERIFY(plain.isListening());
    plain.setDefaultResponse(FakeResponse::seedEvents({1}));
    TlsTestServer secure(certs.certificate("self"), certs.key("self"));
    // Same host, same port number as seen in the URL would not matter: the
    // scheme alone makes it another origin.
    secure.setResponse(302, {}, {{"Location", plain.url("/feed").toEncoded()}});
    QVERIFY(secure.listen());

    NetworkAccessManager manager;
    manager.setOwnClientEnabled(ownClient);
    PollerSettings settings = quickSettings();
    settings.transport.tls.pinnedSha256 = {certificateSha256(certs.certificate("self"))};
    auto poller = makePoller(secure.url("/feed?token=" + kUrlToken), &manager, settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));

    QCOMPARE(secure.requestCount(), 1);
    QCOMPARE(isFromLongwatchClient(secure.requests().first()), ownClient);
    QCOMPARE(plain.requestCount(), 0);
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(poller->error(), Poller::Error::HttpError);
    const QString sentence = poller->errorString();
    QVERIFY2(sentence.contains("from https to the unencrypted address"), qPrintable(sentence));
    QVERIFY2(sentence.contains(plain.url("/feed").toString()), qPrintable(sentence));
    verifyNoSecrets(*poller);
}

void tst_Redirect::httpToHttpsIsAnotherOrigin_data()
{
    addClientRows();
}

void tst_Redirect::httpToHttpsIsAnotherOrigin()
{
    QFETCH(bool, ownClient);
    if (!TestCertificates::opensslAvailable())
        QSKIP("The openssl command is not installed (Debian package 'openssl'); it makes the "
              "test certificate.");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs(dir.path());
    QVERIFY2(certs.makeSelfSigned("self", "127.0.0.1"), qPrintable(certs.errorString()));
    TlsTestServer secure(certs.certificate("self"), certs.key("self"));
    QVERIFY(secure.listen());
    FakeHttpServer plain;
    QVERIFY(plain.isListening());
    plain.setDefaultResponse(
        FakeResponse::status(301).withHeader("Location", secure.url("/feed").toEncoded()));

    NetworkAccessManager manager;
    manager.setOwnClientEnabled(ownClient);
    PollerSettings settings = quickSettings();
    // Trusted, so that only the change of origin can stop the redirect.
    settings.transport.tls.pinnedSha256 = {certificateSha256(certs.certificate("self"))};
    auto poller = makePoller(plain.url("/feed?token=" + kUrlToken), &manager, settings);
    QSignalSpy errors(poller.get(), &Poller::errorOccurred);
    QVERIFY(poller->start());
    QVERIFY(errors.wait(kWaitMs));

    // Another scheme is another origin (RFC 6454): the credentials stay.
    QCOMPARE(plain.requestCount(), 1);
    QCOMPARE(plain.requests().first().header("User-Agent") == "Longwatch", ownClient);
    QCOMPARE(secure.handshakeCount(), 0);
    QCOMPARE(secure.requestCount(), 0);
    QCOMPARE(poller->state(), Poller::State::Failed);
    QCOMPARE(poller->error(), Poller::Error::HttpError);
    const QString sentence = poller->errorString();
    QVERIFY2(sentence.contains("redirected the channel to another server"), qPrintable(sentence));
    verifyNoSecrets(*poller);
}

QTEST_GUILESS_MAIN(tst_Redirect)
#include "tst_redirect.moc"
