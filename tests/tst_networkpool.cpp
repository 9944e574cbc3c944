#include "networkpool.h"

#include <QNetworkAccessManager>
#include <QPointer>
#include <QSet>
#include <QTest>

using namespace Longwatch;

class tst_NetworkPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sixChannelsShareAManager_data();
    void sixChannelsShareAManager();
    void sameServerDespiteSpelling_data();
    void sameServerDespiteSpelling();
    void managersAreReusedAcrossServers();
    void releaseFreesASlot();
    void releaseOfUnknownManagerIsHarmless();
    void channelsPerManagerIsAtLeastOne_data();
    void channelsPerManagerIsAtLeastOne();
    void http2ChannelsShareAManagerByHundreds_data();
    void http2ChannelsShareAManagerByHundreds();
    void poolOwnsItsManagers();
};

void tst_NetworkPool::sixChannelsShareAManager_data()
{
    QTest::addColumn<int>("perManager");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("expectedManagers");

    QTest::newRow("six channels fit on one manager") << 6 << 6 << 1;
    QTest::newRow("a seventh channel gets a second manager") << 6 << 7 << 2;
    QTest::newRow("fifty channels need nine managers") << 6 << 50 << 9;
    QTest::newRow("two per manager makes five for nine channels") << 2 << 9 << 5;
}

void tst_NetworkPool::sixChannelsShareAManager()
{
    QFETCH(int, perManager);
    QFETCH(int, channels);
    QFETCH(int, expectedManagers);

    NetworkPool pool;
    if (perManager != pool.channelsPerManager())
        pool.setChannelsPerManager(perManager);
    QCOMPARE(pool.channelsPerManager(), perManager);

    const QUrl url(QStringLiteral("http://127.0.0.1:8080/feed"));
    QHash<QNetworkAccessManager *, int> perEachManager;
    for (int i = 0; i < channels; ++i) {
        QNetworkAccessManager *manager = pool.acquire(url);
        QVERIFY(manager);
        ++perEachManager[manager];
    }
    QCOMPARE(pool.managerCount(), expectedManagers);
    QCOMPARE(int(perEachManager.size()), expectedManagers);
    for (auto it = perEachManager.cbegin(); it != perEachManager.cend(); ++it)
        QVERIFY2(it.value() <= perManager, "a manager carries more channels than allowed");
}

void tst_NetworkPool::sameServerDespiteSpelling_data()
{
    QTest::addColumn<QUrl>("first");
    QTest::addColumn<QUrl>("second");
    QTest::addColumn<bool>("sameServer");

    QTest::newRow("different paths on one server are one server")
        << QUrl(QStringLiteral("http://example.com/a"))
        << QUrl(QStringLiteral("http://example.com/b?x=1")) << true;
    QTest::newRow("the default port written out is the same server")
        << QUrl(QStringLiteral("http://example.com/a"))
        << QUrl(QStringLiteral("http://example.com:80/b")) << true;
    QTest::newRow("the https default port written out is the same server")
        << QUrl(QStringLiteral("https://example.com/a"))
        << QUrl(QStringLiteral("https://example.com:443/b")) << true;
    QTest::newRow("host names differing in case are one server")
        << QUrl(QStringLiteral("http://Example.COM/a"))
        << QUrl(QStringLiteral("http://example.com/b")) << true;
    QTest::newRow("another port is another server")
        << QUrl(QStringLiteral("http://example.com:8080/a"))
        << QUrl(QStringLiteral("http://example.com:8081/a")) << false;
    QTest::newRow("another scheme is another server")
        << QUrl(QStringLiteral("http://example.com/a"))
        << QUrl(QStringLiteral("https://example.com/a")) << false;
}

void tst_NetworkPool::sameServerDespiteSpelling()
{
    QFETCH(QUrl, first);
    QFETCH(QUrl, second);
    QFETCH(bool, sameServer);

    // With one channel per manager, a second channel to the same server
    // needs a second manager; to another server it may reuse the first.
    NetworkPool pool;
    pool.setChannelsPerManager(1);
    QNetworkAccessManager *a = pool.acquire(first);
    QNetworkAccessManager *b = pool.acquire(second);
    QCOMPARE(a != b, sameServer);
    QCOMPARE(pool.managerCount(), sameServer ? 2 : 1);
}

void tst_NetworkPool::managersAreReusedAcrossServers()
{
    // Qt's limit is per host: one manager carries six channels to each of
    // many servers, so three servers with six channels each need one manager.
    NetworkPool pool;
    QSet<QNetworkAccessManager *> managers;
    for (int server = 0; server < 3; ++server) {
        const QUrl url(QStringLiteral("http://server%1.example/feed").arg(server));
        for (int i = 0; i < 6; ++i)
            managers.insert(pool.acquire(url));
    }
    QCOMPARE(managers.size(), 1);
    QCOMPARE(pool.managerCount(), 1);

    // A seventh channel to one of them needs a second manager, which the
    // others then do not need.
    QNetworkAccessManager *extra = pool.acquire(QUrl(QStringLiteral("http://server1.example/x")));
    QVERIFY(!managers.contains(extra));
    QCOMPARE(pool.managerCount(), 2);
}

void tst_NetworkPool::releaseFreesASlot()
{
    NetworkPool pool;
    const QUrl url(QStringLiteral("http://127.0.0.1:9000/feed"));
    QList<QNetworkAccessManager *> leases;
    for (int i = 0; i < 6; ++i)
        leases.append(pool.acquire(url));
    QCOMPARE(pool.managerCount(), 1);

    pool.release(leases.takeLast(), url);
    QNetworkAccessManager *again = pool.acquire(url);
    QCOMPARE(again, leases.first());
    QCOMPARE(pool.managerCount(), 1);

    // Releasing every lease and starting over makes no new manager either.
    leases.append(again);
    for (QNetworkAccessManager *manager : std::as_const(leases))
        pool.release(manager, url);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(pool.acquire(url), leases.first());
    QCOMPARE(pool.managerCount(), 1);
    QVERIFY(pool.acquire(url) != leases.first());
    QCOMPARE(pool.managerCount(), 2);
}

void tst_NetworkPool::releaseOfUnknownManagerIsHarmless()
{
    NetworkPool pool;
    const QUrl url(QStringLiteral("http://127.0.0.1:9000/feed"));
    QNetworkAccessManager stranger;
    pool.release(&stranger, url); // never acquired: nothing happens
    QNetworkAccessManager *mine = pool.acquire(url);
    pool.release(mine, QUrl(QStringLiteral("http://elsewhere.example/"))); // wrong server
    for (int i = 0; i < 5; ++i)
        QCOMPARE(pool.acquire(url), mine); // still six slots in all, one taken
    QVERIFY(pool.acquire(url) != mine);
}

void tst_NetworkPool::channelsPerManagerIsAtLeastOne_data()
{
    QTest::addColumn<int>("requested");
    QTest::addColumn<int>("expected");
    QTest::newRow("zero becomes one") << 0 << 1;
    QTest::newRow("a negative count becomes one") << -3 << 1;
    QTest::newRow("twelve stays twelve") << 12 << 12;
}

void tst_NetworkPool::channelsPerManagerIsAtLeastOne()
{
    QFETCH(int, requested);
    QFETCH(int, expected);
    NetworkPool pool;
    pool.setChannelsPerManager(requested);
    QCOMPARE(pool.channelsPerManager(), expected);
}

void tst_NetworkPool::http2ChannelsShareAManagerByHundreds_data()
{
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("expectedManagers");
    QTest::newRow("a hundred share one connection") << 100 << 1;
    QTest::newRow("the 101st gets a second manager") << 101 << 2;
    QTest::newRow("a thousand need ten") << 1000 << 10;
}

void tst_NetworkPool::http2ChannelsShareAManagerByHundreds()
{
    QFETCH(int, channels);
    QFETCH(int, expectedManagers);
    NetworkPool pool;
    TransportOptions http2;
    http2.httpVersion = HttpVersion::Http2;
    const QUrl url(QStringLiteral("http://127.0.0.1:8080/feed"));
    QHash<QNetworkAccessManager *, int> perEachManager;
    for (int i = 0; i < channels; ++i)
        ++perEachManager[pool.acquire(url, http2)];
    // Beyond the streams a server allows at once, Qt would queue a long poll
    // for a whole hold.
    QCOMPARE(pool.managerCount(), expectedManagers);
    for (auto it = perEachManager.cbegin(); it != perEachManager.cend(); ++it)
        QVERIFY2(it.value() <= 100, "a manager carries more HTTP/2 channels than streams");
    // HTTP/1.1 channels of the same server keep their own managers.
    QVERIFY(!perEachManager.contains(pool.acquire(url)));
}

void tst_NetworkPool::poolOwnsItsManagers()
{
    QPointer<QNetworkAccessManager> manager;
    {
        NetworkPool pool;
        manager = pool.acquire(QUrl(QStringLiteral("http://127.0.0.1:9000/")));
        QVERIFY(manager);
    }
    QVERIFY(manager.isNull());
}

QTEST_GUILESS_MAIN(tst_NetworkPool)
#include "tst_networkpool.moc"
