// The etcd-watch profile's wire rules without a server
// (lib/feeds/profiles/etcdprofile; etcd.io/docs/v3.4, "v2 API" and "gRPC
// gateway"): which API a URL names, the requests, the v3 watch's lines and
// the revision each one moves the cursor to, v2's cleared index and missing
// directory. tst_etcdintegration runs the same against a real etcd.

#include "common/profiletesting.h"
#include "profiles.h"
#include "profiles/etcdprofile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

std::unique_ptr<FeedProfile> make(const QString &url, const QVariantMap &knobs = {})
{
    QStringList errors;
    auto profile = createProfile("etcd-watch", QUrl(url), knobs, &errors);
    if (!profile)
        qWarning() << errors;
    return profile;
}

QByteArray watchLine(const QByteArray &result)
{
    // (No raw string here: moc stops reading the file at one that ends in a quote.)
    return "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\",\"revision\":\"" +
           result;
}

} // namespace

class tst_EtcdProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isOffered();
    void theUrlNamesTheApi();
    void prefixEnd();
    void v2AsksForTheDirectoryThenWaitsForTheNextIndex();
    void v2AClearedIndexIsAResyncAndAMissingDirectoryIsWaitedFor();
    void v3WatchesThePrefixFromTheCursor();
    void v3LinesMoveTheCursor();
};

void tst_EtcdProfile::isOffered()
{
    QVERIFY(profileIds().contains("etcd-watch"));
    QVERIFY(!profileDescription("etcd-watch").isEmpty());
}

void tst_EtcdProfile::theUrlNamesTheApi()
{
    QVERIFY(make("http://127.0.0.1:2379/v2/keys/jobs"));
    QVERIFY(make("http://127.0.0.1:2379/v3/watch/jobs/"));
    QVERIFY(make("http://127.0.0.1:2379/v3/watch"));
    QStringList errors;
    QVERIFY(!createProfile("etcd-watch", QUrl("http://127.0.0.1:2379/jobs"), {}, &errors));
    QVERIFY2(errors.join(' ').contains("/v3/watch"), qPrintable(errors.join(' ')));
    errors.clear();
    QVERIFY(!createProfile("etcd-watch", QUrl("http://127.0.0.1:2379/v2/keys/a"),
                           {{"initial-cursor", "soon"}}, &errors));
    QVERIFY(!createProfile("etcd-watch", QUrl("http://127.0.0.1:2379/v2/keys/a"),
                           {{"mode", "stream"}}, &errors));
}

void tst_EtcdProfile::prefixEnd()
{
    QCOMPARE(EtcdProfile::prefixEnd("/jobs/"), QByteArray("/jobs0"));
    QCOMPARE(EtcdProfile::prefixEnd("a\xff"), QByteArray("b"));
    QCOMPARE(EtcdProfile::prefixEnd(""), QByteArray(1, '\0'));
}

void tst_EtcdProfile::v2AsksForTheDirectoryThenWaitsForTheNextIndex()
{
    auto profile = make("http://127.0.0.1:2379/v2/keys/jobs");
    QCOMPARE(profile->initialCursor(), QString());
    PollRequest request = profile->request({});
    QCOMPARE(request.url.path(), QString("/v2/keys/jobs"));
    QCOMPARE(QUrlQuery(request.url).queryItemValue("recursive"), QString("true"));
    QVERIFY(!QUrlQuery(request.url).hasQueryItem("wait"));
    request = profile->request("12");
    QCOMPARE(QUrlQuery(request.url).queryItemValue("wait"), QString("true"));
    QCOMPARE(QUrlQuery(request.url).queryItemValue("waitIndex"), QString("12"));

    // The first read gives only the index; the held answer is the change.
    QVERIFY(profile->startStream(response(200, {}, {{"X-Etcd-Index", "11"}}), StreamLimits{}));
    profile->readStream(R"({"action":"get","node":{"key":"/jobs","dir":true}})", {});
    PollResult result = profile->endStream({});
    QCOMPARE(verdictName(result.verdict), QString("no news"));
    QCOMPARE(result.cursor, QString("12"));
    QVERIFY(profile->startStream(response(200, {}, {{"X-Etcd-Index", "11"}}), StreamLimits{}));
    QCOMPARE(verdictName(
                 profile->readStream(R"({"action":"set","node":{"key":"/jobs/a",)", "12").verdict),
             QString("no news"));
    profile->readStream(R"("value":"ok","modifiedIndex":14}})", "12");
    result = profile->endStream("12");
    QCOMPARE(verdictName(result.verdict), QString("events"));
    QCOMPARE(result.cursor, QString("15"));
    QCOMPARE(result.events.at(0).key, QString("14:/jobs/a"));
    QCOMPARE(result.events.at(0).type, QString("set"));
    QCOMPARE(result.events.at(0).text, QString("/jobs/a: ok"));
}

void tst_EtcdProfile::v2AClearedIndexIsAResyncAndAMissingDirectoryIsWaitedFor()
{
    auto profile = make("http://127.0.0.1:2379/v2/keys/jobs");
    PollResult result = profile->parse(
        response(400, R"({"errorCode":401,"message":"The event in requested index is outdated and )"
                      R"(cleared","cause":"the requested history has been cleared [1008/7]"})"),
        "7");
    QCOMPARE(verdictName(result.verdict), QString("resync"));
    QVERIFY(result.reason.contains("current index"));
    result = profile->parse(
        response(404, R"({"errorCode":100,"message":"Key not found"})", {{"X-Etcd-Index", "30"}}),
        {});
    QCOMPARE(verdictName(result.verdict), QString("no news"));
    QCOMPARE(result.cursor, QString("31"));
}

void tst_EtcdProfile::v3WatchesThePrefixFromTheCursor()
{
    auto profile = make("http://127.0.0.1:2379/v3/watch/jobs/");
    PollRequest request = profile->request("42");
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.url.path(), QString("/v3/watch"));
    const QJsonObject create =
        QJsonDocument::fromJson(request.body).object().value("create_request").toObject();
    QCOMPARE(QByteArray::fromBase64(create.value("key").toString().toLatin1()),
             QByteArray("/jobs/"));
    QCOMPARE(QByteArray::fromBase64(create.value("range_end").toString().toLatin1()),
             QByteArray("/jobs0"));
    QCOMPARE(create.value("start_revision").toString(), QString("42"));
    QVERIFY(create.value("progress_notify").toBool());
    // Without a cursor: from the current revision.
    QVERIFY(!QJsonDocument::fromJson(profile->request({}).body)
                 .object()
                 .value("create_request")
                 .toObject()
                 .contains("start_revision"));
}

void tst_EtcdProfile::v3LinesMoveTheCursor()
{
    auto profile = make("http://127.0.0.1:2379/v3/watch/jobs/");
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    // Created without a start revision: everything up to 9 is behind us.
    PollResult result = profile->readStream(watchLine(R"(9"},"created":true}})") + '\n', {});
    QCOMPARE(result.cursor, QString("10"));
    // Created on a start revision: the events from there still come.
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    result = profile->readStream(watchLine(R"(9"},"created":true}})") + '\n', "5");
    QCOMPARE(result.cursor, QString("5"));
    const QByteArray events =
        watchLine(R"(9"},"events":[{"kv":{"key":"L2pvYnMvYQ==","mod_revision":"6",)"
                  R"("value":"eyJzdGF0dXMiOiJvayJ9"}},{"type":"DELETE","kv":{"key":)"
                  R"("L2pvYnMvYg==","mod_revision":"7"}}]}})");
    result = profile->readStream(events.left(30), "5");
    QCOMPARE(verdictName(result.verdict), QString("no news"));
    result = profile->readStream(events.mid(30) + '\n', "5");
    QCOMPARE(verdictName(result.verdict), QString("events"));
    QCOMPARE(result.events.size(), 2);
    QCOMPARE(result.events.at(0).type, QString("put"));
    QCOMPARE(result.events.at(0).raw,
             QByteArray(R"({"type":"put","key":"/jobs/a","value":{"status":"ok"},"revision":6})"));
    QCOMPARE(result.events.at(1).type, QString("delete"));
    QCOMPARE(result.events.at(1).key, QString("7:/jobs/b"));
    QCOMPARE(result.cursor, QString("8"));
    // A progress notification: the watch is at revision 12.
    result = profile->readStream(watchLine(R"(12"}}})") + '\n', "8");
    QCOMPARE(result.cursor, QString("13"));
    // Compacted: start again, and say so.
    result = profile->readStream(
        watchLine(R"(20"},"compact_revision":"15","canceled":true}})") + '\n', "13");
    QCOMPARE(verdictName(result.verdict), QString("resync"));
    QVERIFY(result.reason.contains("15"));
    // A gateway error ends the stream as a retry.
    QVERIFY(profile->startStream(response(200, {}), StreamLimits{}));
    result = profile->readStream(R"({"error":{"grpc_code":14,"message":"unavailable"}})"
                                 "\n",
                                 "13");
    QCOMPARE(verdictName(result.verdict), QString("retry"));
}

QTEST_GUILESS_MAIN(tst_EtcdProfile)
#include "tst_etcdprofile.moc"
