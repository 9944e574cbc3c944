#include "demofeed.h"
#include "feedserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

struct Published
{
    QString feed;
    QJsonObject event;
};

/// Runs `steps` demo events without timers and returns them in order.
QList<Published> run(quint64 seed, int steps)
{
    FeedServer server;
    DemoFeed demo(&server);
    demo.setSeed(seed);
    QList<Published> out;
    QObject::connect(&demo, &DemoFeed::eventPublished,
                     [&out](const QString &feed, const QJsonObject &event) {
                         out.append({feed, event});
                     });
    for (int i = 0; i < steps; ++i)
        demo.step();
    return out;
}

/// The event without what the server adds (id, time), for comparing runs.
QJsonObject withoutServerFields(QJsonObject event)
{
    event.remove(QStringLiteral("id"));
    event.remove(QStringLiteral("time"));
    return event;
}

} // namespace

class tst_DemoFeed : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void eventsCarryJobFields();
    void jobsFollowTheirLifecycle();
    void aFailureComesSoon_data();
    void aFailureComesSoon();
    void theSameSeedGivesTheSameEvents();
    void differentSeedsGiveDifferentEvents();
    void runsOnItsTimerUntilStopped();
    void eventsCanBePolledOverHttp();
};

void tst_DemoFeed::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.feedserver.debug=false"));
}

void tst_DemoFeed::eventsCarryJobFields()
{
    const QList<Published> events = run(7, 600);
    QCOMPARE(events.size(), 600);
    static const QSet<QString> statuses{QStringLiteral("queued"), QStringLiteral("running"),
                                        QStringLiteral("succeeded"), QStringLiteral("failed"),
                                        QStringLiteral("cancelled")};
    QSet<QString> feeds;
    QSet<QString> seenStatuses;
    for (const Published &p : events) {
        const QJsonObject &e = p.event;
        QVERIFY2(DemoFeed::feedNames().contains(p.feed), qPrintable(p.feed));
        feeds.insert(p.feed);
        QVERIFY(e.value(QStringLiteral("type")).toString().startsWith(QLatin1String("job.")));
        QVERIFY(!e.value(QStringLiteral("job")).toString().isEmpty());
        const QString status = e.value(QStringLiteral("status")).toString();
        QVERIFY2(statuses.contains(status), qPrintable(status));
        seenStatuses.insert(status);
        QVERIFY(e.value(QStringLiteral("progress")).isDouble());
        const int progress = e.value(QStringLiteral("progress")).toInt(-1);
        QVERIFY(progress >= 0 && progress <= 100);
        QVERIFY(!e.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(e.value(QStringLiteral("id")).toInteger() > 0);
        QVERIFY(!e.value(QStringLiteral("time")).toString().isEmpty());
    }
    QCOMPARE(feeds.size(), DemoFeed::feedNames().size());
    // Over 600 events (about ten minutes of demo) every status shows up, cancellations included.
    QCOMPARE(seenStatuses, statuses);
}

void tst_DemoFeed::jobsFollowTheirLifecycle()
{
    struct JobState
    {
        QString status;
        int progress = 0;
    };
    QHash<QString, JobState> jobs;
    const QList<Published> events = run(11, 400);
    for (const Published &p : events) {
        const QString job = p.event.value(QStringLiteral("job")).toString();
        const QString type = p.event.value(QStringLiteral("type")).toString();
        const QString status = p.event.value(QStringLiteral("status")).toString();
        const int progress = p.event.value(QStringLiteral("progress")).toInt();
        const QString context = job + QLatin1Char(' ') + type;
        QCOMPARE(type, QStringLiteral("job.") + (status == QLatin1String("running")
                                                     ? (progress == 0 ? QStringLiteral("started")
                                                                      : QStringLiteral("progress"))
                                                     : status));
        if (!jobs.contains(job)) {
            QVERIFY2(status == QLatin1String("queued"), qPrintable(context));
            jobs.insert(job, {status, progress});
            continue;
        }
        JobState &state = jobs[job];
        QVERIFY2(state.status == QLatin1String("queued") ||
                     state.status == QLatin1String("running"),
                 qPrintable(context + QStringLiteral(" after ") + state.status));
        QVERIFY2(progress >= state.progress, qPrintable(context));
        if (status == QLatin1String("succeeded"))
            QCOMPARE(progress, 100);
        if (status == QLatin1String("failed"))
            QVERIFY(progress < 100);
        state = {status, progress};
    }
    QVERIFY(jobs.size() > 10);
}

void tst_DemoFeed::aFailureComesSoon_data()
{
    QTest::addColumn<quint64>("seed");
    for (quint64 seed : {1ULL, 2ULL, 3ULL, 42ULL, 1234ULL, 987654321ULL})
        QTest::addRow("with seed %llu a job fails within 15 events", seed) << seed;
}

void tst_DemoFeed::aFailureComesSoon()
{
    QFETCH(quint64, seed);
    const QList<Published> events = run(seed, 15);
    const bool failed = std::any_of(events.cbegin(), events.cend(), [](const Published &p) {
        return p.event.value(QStringLiteral("status")).toString() == QLatin1String("failed");
    });
    QVERIFY(failed);
}

void tst_DemoFeed::theSameSeedGivesTheSameEvents()
{
    const QList<Published> a = run(99, 200);
    const QList<Published> b = run(99, 200);
    QCOMPARE(a.size(), b.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].feed, b[i].feed);
        QCOMPARE(withoutServerFields(a[i].event), withoutServerFields(b[i].event));
    }
}

void tst_DemoFeed::differentSeedsGiveDifferentEvents()
{
    const QList<Published> a = run(5, 50);
    const QList<Published> b = run(6, 50);
    bool differ = false;
    for (qsizetype i = 0; i < a.size() && !differ; ++i)
        differ = withoutServerFields(a[i].event) != withoutServerFields(b[i].event);
    QVERIFY(differ);
}

void tst_DemoFeed::runsOnItsTimerUntilStopped()
{
    FeedServer server;
    DemoFeed demo(&server);
    demo.setSeed(3);
    demo.setInterval(1ms, 3ms);
    QSignalSpy published(&server, &FeedServer::published);
    demo.start();
    QVERIFY(demo.isRunning());
    QTRY_VERIFY(published.size() >= 40);
    demo.stop();
    QVERIFY(!demo.isRunning());
    QCOMPARE(demo.eventCount(), int(published.size()));
    int stored = 0;
    for (const QString &feed : DemoFeed::feedNames())
        stored += int(server.lastId(feed));
    QCOMPARE(stored, demo.eventCount());
}

void tst_DemoFeed::eventsCanBePolledOverHttp()
{
    FeedServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    DemoFeed demo(&server);
    demo.setSeed(8);
    demo.setInterval(1ms, 2ms);
    demo.start();
    QTRY_VERIFY(server.lastId(QStringLiteral("builds")) >= 3);

    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy::NoProxy);
    QUrl url = server.baseUrl();
    url.setPath(QStringLiteral("/feeds/builds/poll"));
    url.setQuery(QStringLiteral("last_id=0"));
    QNetworkReply *reply = manager.get(QNetworkRequest(url));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(10'000));
    reply->deleteLater();
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonArray events = QJsonDocument::fromJson(reply->readAll())
                                  .object()
                                  .value(QStringLiteral("events"))
                                  .toArray();
    QVERIFY(events.size() >= 3);
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        QCOMPARE(event.value(QStringLiteral("kind")).toString(), QStringLiteral("build"));
        QVERIFY(event.contains(QStringLiteral("job")));
        QVERIFY(event.contains(QStringLiteral("status")));
        QVERIFY(event.contains(QStringLiteral("progress")));
    }
}

QTEST_GUILESS_MAIN(tst_DemoFeed)
#include "tst_demofeed.moc"
