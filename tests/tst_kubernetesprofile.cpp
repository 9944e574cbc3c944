// The kubernetes-watch profile's wire rules (#20), through the Poller
// against the scriptable fake server. The exchanges follow the Kubernetes
// API reference, "API Concepts"
// (https://kubernetes.io/docs/reference/using-api/api-concepts/):
// "Efficient detection of changes" (list, then watch from the list's
// metadata.resourceVersion; 410 Gone when that version is no longer kept),
// "Watch bookmarks" (a BOOKMARK carries only a resourceVersion). The page
// prints each watch event over several lines; kube-apiserver writes one
// JSON object per line, as here. The ERROR event is what kube-apiserver
// sends for an expired version ("too old resource version", reason Expired).

#include "fakehttpserver.h"
#include "jobstatus.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"
#include "profiles/kubernetesprofile.h"
#include "profiletesting.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

const QString kPods = QStringLiteral("/api/v1/namespaces/test/pods");

QByteArray pod(const QByteArray &uid, const QByteArray &name, const QByteArray &version,
               const QByteArray &phase)
{
    return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + name +
           "\",\"namespace\":\"test\",\"uid\":\"" + uid + "\",\"resourceVersion\":\"" + version +
           "\",\"managedFields\":[{\"manager\":\"kubelet\"}]},\"status\":{\"phase\":\"" + phase +
           "\"}}";
}

QByteArray watchLine(const QByteArray &type, const QByteArray &object)
{
    return "{\"type\":\"" + type + "\",\"object\":" + object + "}\n";
}

/// GET /api/v1/namespaces/test/pods: a PodList at resourceVersion 10245.
QByteArray podList()
{
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
           "\"10245\"},\"items\":[" +
           pod("u-1", "build-1", "10200", "Running").replace("\"kind\":\"Pod\",", "") + "]}";
}

/// The Status kube-apiserver answers for a resourceVersion it no longer keeps.
const QByteArray kExpired = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                            "\"status\":\"Failure\",\"message\":\"too old resource version: "
                            "10245 (12746)\",\"reason\":\"Expired\",\"code\":410}";
/// The same inside a watch.
const QByteArray kTooOld = watchLine("ERROR", kExpired);

/// One Poller on the kubernetes-watch profile against the fake server.
struct Channel : RecordedPoller
{
    explicit Channel(FakeHttpServer &server)
        : RecordedPoller("kubernetes-watch", server.url(kPods), {{"hold", "30"}},
                         quickPollerSettings(), "k8s")
    {}
};

/// The stream the server opened for the `count`-th request.
int openStream(FakeHttpServer &server, int count)
{
    if (!QTest::qWaitFor(
            [&] { return server.openStreams().size() == 1 && server.requestCount() == count; },
            5000))
        return 0;
    return server.openStreams().constFirst();
}

bool isWatch(const FakeRequest &request)
{
    return request.queryValue("watch") == QLatin1String("1");
}

} // namespace

class tst_KubernetesProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isOffered();
    void theAddressNamesACollection();
    void listsThenWatchesFromTheListsResourceVersion();
    void watchEventsBecomeEventsAndBookmarksMoveTheCursor();
    void goneAsAStatusListsAgain();
    void goneInsideTheStreamListsAgain();
    void aServerThatKeepsSayingGoneIsNotAskedInALoop();
    void eventsBeforeGoneInTheSameReadAreHandedOverFirst();
    void aListAfterGoneHandsOverOnlyWhatChanged();
    void aListIsTakenWholeAWatchInParts();
    void jobsAndPodsReachTheJobBoard_data();
    void jobsAndPodsReachTheJobBoard();
};

void tst_KubernetesProfile::isOffered()
{
    QVERIFY(profileIds().contains("kubernetes-watch"));
    QVERIFY(!profileDescription("kubernetes-watch").isEmpty());
}

void tst_KubernetesProfile::theAddressNamesACollection()
{
    QStringList errors;
    QVERIFY(createProfile("kubernetes-watch",
                          QUrl("https://127.0.0.1:6443/apis/batch/v1/namespaces/ci/jobs"), {},
                          &errors));
    QVERIFY(!createProfile("kubernetes-watch", QUrl("https://127.0.0.1:6443/api/v1/pods?watch=1"),
                           {}, &errors));
    QVERIFY2(errors.join(' ').contains("collection"), qPrintable(errors.join(' ')));
    QVERIFY(!createProfile("kubernetes-watch", QUrl("https://127.0.0.1:6443/api/v1/pods"),
                           {{"mode", "stream"}}, &errors));
}

void tst_KubernetesProfile::listsThenWatchesFromTheListsResourceVersion()
{
    FakeHttpServer server;
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.setDefaultResponse(FakeResponse::stream("application/json"));
    Channel channel(server);
    channel.poller().start();
    QVERIFY(openStream(server, 2) > 0);
    const FakeRequest list = server.requests().at(0);
    QVERIFY(!isWatch(list));
    QCOMPARE(list.header("Accept"), QByteArrayLiteral("application/json"));
    const FakeRequest watch = server.requests().at(1);
    QVERIFY(isWatch(watch));
    QCOMPARE(watch.queryValue("resourceVersion"), QStringLiteral("10245"));
    QCOMPARE(watch.queryValue("allowWatchBookmarks"), QStringLiteral("true"));
    QCOMPARE(watch.queryValue("timeoutSeconds"), QStringLiteral("30"));
    // The listed pod is there from the start, as an ADDED event.
    QCOMPARE(channel.events.size(), 1);
    QCOMPARE(channel.events.at(0).key, QStringLiteral("u-1:10200"));
    QCOMPARE(channel.events.at(0).text, QStringLiteral("ADDED Pod test/build-1"));
}

void tst_KubernetesProfile::watchEventsBecomeEventsAndBookmarksMoveTheCursor()
{
    FakeHttpServer server;
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.setDefaultResponse(FakeResponse::stream("application/json"));
    Channel channel(server);
    channel.poller().start();
    const int first = openStream(server, 2);
    QVERIFY(first > 0);
    QVERIFY(server.streamWrite(
        first, watchLine("ADDED", pod("u-2", "build-2", "10596", "Pending")) +
                   watchLine("MODIFIED", pod("u-2", "build-2", "11020", "Running"))));
    QTRY_COMPARE(channel.events.size(), 3);
    const Event added = channel.events.at(1);
    QCOMPARE(added.key, QStringLiteral("u-2:10596"));
    QCOMPARE(added.type, QStringLiteral("ADDED"));
    QCOMPARE(added.text, QStringLiteral("ADDED Pod test/build-2"));
    const QJsonObject raw = QJsonDocument::fromJson(added.raw).object();
    QCOMPARE(raw.value("object").toObject().value("metadata").toObject().value("uid").toString(),
             QStringLiteral("u-2"));
    QVERIFY(!added.raw.contains("managedFields"));
    QCOMPARE(channel.events.at(2).text, QStringLiteral("MODIFIED Pod test/build-2"));
    QCOMPARE(channel.poller().cursor(), QStringLiteral("11020"));

    // A bookmark moves the cursor, without an event.
    QSignalSpy advanced(&channel.poller(), &Poller::cursorAdvanced);
    QVERIFY(server.streamWrite(
        first, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
               "\"metadata\":{\"resourceVersion\":\"12746\"}}}\n"));
    QTRY_COMPARE(channel.poller().cursor(), QStringLiteral("12746"));
    QCOMPARE(channel.events.size(), 3);
    QCOMPARE(advanced.size(), 1);

    QVERIFY(
        server.streamWrite(first, watchLine("DELETED", pod("u-2", "build-2", "12800", "Running"))));
    QTRY_COMPARE(channel.events.size(), 4);
    QCOMPARE(channel.events.at(3).text, QStringLiteral("DELETED Pod test/build-2"));

    // The server ends the watch (timeoutSeconds): watched again from there.
    QVERIFY(server.streamEnd(first));
    QVERIFY(openStream(server, 3) > 0);
    QVERIFY(isWatch(server.requests().at(2)));
    QCOMPARE(server.requests().at(2).queryValue("resourceVersion"), QStringLiteral("12800"));
    QVERIFY(channel.resets.isEmpty());
}

void tst_KubernetesProfile::goneAsAStatusListsAgain()
{
    FakeHttpServer server;
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.enqueue(kPods, FakeResponse::status(410, kExpired));
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.setDefaultResponse(FakeResponse::stream("application/json"));
    Channel channel(server);
    channel.poller().start();
    QVERIFY(openStream(server, 4) > 0);
    QVERIFY(!isWatch(server.requests().at(0)));
    QVERIFY(isWatch(server.requests().at(1)));
    QVERIFY(!isWatch(server.requests().at(2))); // listed again
    QCOMPARE(server.requests().at(3).queryValue("resourceVersion"), QStringLiteral("10245"));
    QCOMPARE(channel.resets.size(), 1);
    QVERIFY2(channel.resets.at(0).contains("410") &&
                 channel.resets.at(0).contains("too old resource version"),
             qPrintable(channel.resets.at(0)));
}

void tst_KubernetesProfile::aServerThatKeepsSayingGoneIsNotAskedInALoop()
{
    // Each list succeeds (which resets the attempt count) and each watch
    // is gone at once: the second start-over within a minute backs off.
    FakeHttpServer server;
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.enqueue(kPods, FakeResponse::status(410, kExpired));
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.setDefaultResponse(FakeResponse::status(410, kExpired));
    Channel channel(server);
    PollerSettings settings = quickPollerSettings();
    settings.backoffInitial = 10s;
    settings.backoffMax = 10s;
    channel.poller().setSettings(settings);
    channel.poller().setRandom([] { return 0.5; }); // a 5-s wait
    channel.poller().start();
    QTRY_COMPARE(server.requestCount(), 4);
    QTRY_COMPARE(channel.poller().state(), Poller::State::Backoff);
    QCOMPARE(channel.resets.size(), 2);
    QVERIFY(!QTest::qWaitFor([&] { return server.requestCount() > 4; }, 1000));
}

void tst_KubernetesProfile::goneInsideTheStreamListsAgain()
{
    FakeHttpServer server;
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.enqueue(kPods, FakeResponse::stream("application/json"));
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.setDefaultResponse(FakeResponse::stream("application/json"));
    Channel channel(server);
    channel.poller().start();
    const int first = openStream(server, 2);
    QVERIFY(first > 0);
    QVERIFY(server.streamWrite(first, kTooOld));
    QVERIFY(openStream(server, 4) > 0);
    QVERIFY(!isWatch(server.requests().at(2)));
    QCOMPARE(channel.resets.size(), 1);
    QVERIFY2(channel.resets.at(0).contains("listing again"), qPrintable(channel.resets.at(0)));
}

void tst_KubernetesProfile::eventsBeforeGoneInTheSameReadAreHandedOverFirst()
{
    FakeHttpServer server;
    server.enqueue(kPods, FakeResponse::json(podList()));
    server.enqueue(kPods, FakeResponse::stream("application/json"));
    // Listed again: the pod as the watch last showed it, so no news.
    server.enqueue(kPods, FakeResponse::json(podList().replace("10200", "10300")));
    server.setDefaultResponse(FakeResponse::stream("application/json"));
    Channel channel(server);
    channel.poller().start();
    const int first = openStream(server, 2);
    QVERIFY(first > 0);
    QVERIFY(server.streamWrite(
        first, watchLine("MODIFIED", pod("u-1", "build-1", "10300", "Succeeded")) + kTooOld));
    QTRY_COMPARE(channel.events.size(), 2);
    QVERIFY(channel.resets.isEmpty());
    // kube-apiserver ends the watch after an ERROR event.
    QVERIFY(server.streamEnd(first));
    QVERIFY(openStream(server, 4) > 0);
    QCOMPARE(channel.events.size(), 2);
    QCOMPARE(channel.events.at(1).key, QStringLiteral("u-1:10300"));
    QCOMPARE(channel.resets.size(), 1);
    QVERIFY2(channel.resets.at(0).contains("10300"), qPrintable(channel.resets.at(0)));
}

void tst_KubernetesProfile::aListIsTakenWholeAWatchInParts()
{
    QStringList errors;
    auto profile =
        createProfile("kubernetes-watch", QUrl("http://127.0.0.1:1/api/v1/pods"), {}, &errors);
    QVERIFY(profile);
    PollResponse answer;
    answer.status = 200;
    answer.body = watchLine("ADDED", pod("a", "one", "11", "Running")) +
                  watchLine("ADDED", pod("b", "two", "12", "Running"));
    const PollResult result = profile->parse(answer, QStringLiteral("10"));
    QCOMPARE(result.events.size(), 2);
    QCOMPARE(profile->cursorAfter(result.events, 1, QStringLiteral("10")),
             std::optional<QString>(QStringLiteral("11")));
    // A list's items are no positions in the watch.
    QCOMPARE(profile->cursorAfter(result.events, 1, QString()), std::nullopt);
}

void tst_KubernetesProfile::aListAfterGoneHandsOverOnlyWhatChanged()
{
    QStringList errors;
    auto profile =
        createProfile("kubernetes-watch", QUrl("http://127.0.0.1:1/api/v1/pods"), {}, &errors);
    QVERIFY(profile);
    PollResponse answer;
    answer.status = 200;
    answer.body = podList();
    PollResult result = profile->parse(answer, {});
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(result.cursor, QStringLiteral("10245"));
    answer.body = kTooOld;
    result = profile->parse(answer, QStringLiteral("10245"));
    QCOMPARE(result.verdict, Verdict::Resync);
    profile->reset(); // as the Poller does
    // The same list again: nothing new. A changed pod is news.
    answer.body = podList();
    result = profile->parse(answer, {});
    QCOMPARE(result.verdict, Verdict::NoNews);
    QCOMPARE(result.cursor, QStringLiteral("10245"));
    answer.body = QByteArray(podList()).replace("10200", "10230");
    result = profile->parse(answer, {});
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(result.events.size(), 1);
}

void tst_KubernetesProfile::jobsAndPodsReachTheJobBoard_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<JobStatus>("status");
    QTest::addColumn<int>("progress"); // -1: none

    const QByteArray job = "{\"kind\":\"Job\",\"metadata\":{\"name\":\"nightly\",\"namespace\":"
                           "\"ci\",\"uid\":\"j-1\",\"resourceVersion\":\"7\"},\"spec\":"
                           "{\"completions\":4},\"status\":";
    QTest::newRow("a job without active pods is queued")
        << watchLine("ADDED", job + "{}}") << JobStatus::Queued << 0;
    QTest::newRow("a job with an active pod is running")
        << watchLine("MODIFIED", job + "{\"active\":1,\"succeeded\":1}}") << JobStatus::Running
        << 25;
    QTest::newRow("a job whose Complete condition is True succeeded")
        << watchLine("MODIFIED", job + "{\"succeeded\":4,\"conditions\":[{\"type\":\"Complete\","
                                       "\"status\":\"True\"}]}}")
        << JobStatus::Succeeded << 100;
    QTest::newRow("a job whose Failed condition is True failed")
        << watchLine("MODIFIED",
                     job + "{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\"}]}}")
        << JobStatus::Failed << 0;
    QTest::newRow("a running job deleted was cancelled")
        << watchLine("DELETED", job + "{\"active\":1}}") << JobStatus::Cancelled << 0;
    QTest::newRow("a pending pod is queued")
        << watchLine("ADDED", pod("p", "web", "8", "Pending")) << JobStatus::Queued << -1;
    QTest::newRow("a running pod is running")
        << watchLine("MODIFIED", pod("p", "web", "8", "Running")) << JobStatus::Running << -1;
    QTest::newRow("a succeeded pod succeeded")
        << watchLine("MODIFIED", pod("p", "web", "8", "Succeeded")) << JobStatus::Succeeded << -1;
    QTest::newRow("a failed pod failed")
        << watchLine("MODIFIED", pod("p", "web", "8", "Failed")) << JobStatus::Failed << -1;
}

void tst_KubernetesProfile::jobsAndPodsReachTheJobBoard()
{
    QFETCH(QByteArray, line);
    QFETCH(JobStatus, status);
    QFETCH(int, progress);

    QStringList errors;
    auto profile =
        createProfile("kubernetes-watch", QUrl("http://127.0.0.1:1/api/v1/pods"), {}, &errors);
    QVERIFY(profile);
    PollResponse answer;
    answer.status = 200;
    answer.body = line;
    const PollResult result = profile->parse(answer, QStringLiteral("1"));
    QCOMPARE(result.verdict, Verdict::Events);
    QCOMPARE(result.events.size(), 1);
    // The default job mapping of every channel reads it.
    const std::optional<JobUpdate> update = extractJobUpdate(result.events.at(0), JobMapping());
    QVERIFY(update);
    QVERIFY(update->key == QLatin1String("ci/nightly") || update->key == QLatin1String("test/web"));
    QCOMPARE(update->status, status);
    QCOMPARE(update->progress.value_or(-1), progress);
}

QTEST_MAIN(tst_KubernetesProfile)
#include "tst_kubernetesprofile.moc"
