#include "networknamespace.h"
#include "networkwatcher.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

class tst_NetworkWatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aLongGapBetweenChecksIsASleep();
    void checksOnTimeAreNoSleep();
    void linkAndAddressChangesAreNoticed();
    void aBurstOfChangesIsOneSignal();
    void changesElsewhereAreNotSeen();
    void onlineFollowsTheDefaultRoutes();

private:
    /// A watcher whose netlink socket lives in `space`.
    static std::unique_ptr<NetworkWatcher> watcherIn(const NetworkNamespace &space);
};

std::unique_ptr<NetworkWatcher> tst_NetworkWatcher::watcherIn(const NetworkNamespace &space)
{
    EnterNetworkNamespace entered(space);
    if (!entered.isEntered())
        return nullptr;
    auto watcher = std::make_unique<NetworkWatcher>();
    watcher->setSettleTime(50ms);
    return watcher;
}

void tst_NetworkWatcher::aLongGapBetweenChecksIsASleep()
{
    NetworkWatcher watcher;
    std::chrono::milliseconds now{1000};
    watcher.setClock([&now] { return now; });
    watcher.setSleepCheckInterval(20ms);
    QSignalSpy resumed(&watcher, &NetworkWatcher::resumed);
    // The machine slept for a minute between two checks.
    now += 60s;
    QVERIFY(resumed.wait());
    QCOMPARE(resumed.count(), 1);
    QCOMPARE(resumed.constFirst().constFirst().value<std::chrono::milliseconds>(), 60s - 20ms);
}

void tst_NetworkWatcher::checksOnTimeAreNoSleep()
{
    NetworkWatcher watcher;
    std::chrono::milliseconds now{1000};
    int checks = 0;
    // Each check finds exactly one interval passed.
    watcher.setClock([&] {
        ++checks;
        return now += 20ms;
    });
    watcher.setSleepCheckInterval(20ms);
    QSignalSpy resumed(&watcher, &NetworkWatcher::resumed);
    QTRY_VERIFY(checks > 10);
    QCOMPARE(resumed.count(), 0);
}

void tst_NetworkWatcher::linkAndAddressChangesAreNoticed()
{
    NetworkNamespace space;
    if (!space.isValid())
        QSKIP(space.skipReason());
    std::unique_ptr<NetworkWatcher> watcher = watcherIn(space);
    QVERIFY(watcher);
    QVERIFY(watcher->watchesKernel());
    QSignalSpy changed(watcher.get(), &NetworkWatcher::networkChanged);

    // A veth pair appears down: no change of the network yet.
    QVERIFY(space.run({"link", "add", "lwa", "type", "veth", "peer", "name", "lwb"}));
    QVERIFY(space.run({"link", "set", "lwb", "up"}));
    QVERIFY(space.run({"link", "set", "lwa", "up"}));
    QVERIFY(changed.wait());
    QVERIFY2(changed.constLast().constFirst().toString().startsWith("link lw"),
             qPrintable(changed.constLast().constFirst().toString()));

    changed.clear();
    QVERIFY(space.run({"addr", "add", "10.77.0.1/24", "dev", "lwa"}));
    QVERIFY(changed.wait());

    changed.clear();
    QVERIFY(space.run({"link", "set", "lwa", "down"}));
    QVERIFY(changed.wait());
    QVERIFY(changed.constLast().constFirst().toString().contains("down") ||
            changed.constLast().constFirst().toString().contains("removed"));
}

void tst_NetworkWatcher::aBurstOfChangesIsOneSignal()
{
    NetworkNamespace space;
    if (!space.isValid())
        QSKIP(space.skipReason());
    std::unique_ptr<NetworkWatcher> watcher = watcherIn(space);
    QVERIFY(watcher);
    watcher->setSettleTime(500ms);
    QSignalSpy changed(watcher.get(), &NetworkWatcher::networkChanged);
    QVERIFY(space.run({"link", "add", "lwa", "type", "veth", "peer", "name", "lwb"}));
    QVERIFY(space.run({"link", "set", "lwa", "up"}));
    QVERIFY(space.run({"link", "set", "lwb", "up"}));
    for (int i = 1; i <= 5; ++i)
        QVERIFY(space.run({"addr", "add", QStringLiteral("10.77.%1.1/24").arg(i), "dev", "lwa"}));
    QVERIFY(changed.wait());
    // Nothing more follows the one signal.
    QVERIFY(!changed.wait(700));
    QCOMPARE(changed.count(), 1);
}

void tst_NetworkWatcher::changesElsewhereAreNotSeen()
{
    NetworkNamespace watched;
    NetworkNamespace other;
    if (!watched.isValid() || !other.isValid())
        QSKIP(watched.skipReason());
    std::unique_ptr<NetworkWatcher> watcher = watcherIn(watched);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &NetworkWatcher::networkChanged);
    QVERIFY(other.run({"link", "add", "lxa", "type", "veth", "peer", "name", "lxb"}));
    QVERIFY(other.run({"link", "set", "lxa", "up"}));
    QVERIFY(other.run({"link", "set", "lxb", "up"}));
    QVERIFY(other.run({"addr", "add", "10.78.0.1/24", "dev", "lxa"}));
    // A marker change in the watched namespace arrives; nothing before it.
    QVERIFY(watched.run({"link", "add", "lwm", "type", "veth", "peer", "name", "lwn"}));
    QVERIFY(watched.run({"link", "set", "lwm", "up"}));
    QVERIFY(watched.run({"link", "set", "lwn", "up"}));
    QVERIFY(changed.wait());
    QCOMPARE(changed.count(), 1);
    QVERIFY2(changed.constFirst().constFirst().toString().startsWith("link lw"),
             qPrintable(changed.constFirst().constFirst().toString()));
}

void tst_NetworkWatcher::onlineFollowsTheDefaultRoutes()
{
    NetworkNamespace space;
    if (!space.isValid())
        QSKIP(space.skipReason());
    QVERIFY(space.run({"link", "add", "lwa", "type", "veth", "peer", "name", "lwb"}));
    QVERIFY(space.run({"addr", "add", "10.77.0.1/24", "dev", "lwa"}));
    QVERIFY(space.run({"link", "set", "lwa", "up"}));
    QVERIFY(space.run({"link", "set", "lwb", "up"}));
    std::unique_ptr<NetworkWatcher> watcher = watcherIn(space);
    QVERIFY(watcher);
    QSignalSpy online(watcher.get(), &NetworkWatcher::onlineChanged);
    // A link and an address, but no way out: offline.
    QVERIFY(online.wait());
    QCOMPARE(online.constLast().constFirst().toBool(), false);
    QVERIFY(!watcher->isOnline());

    QVERIFY(space.run({"route", "add", "default", "via", "10.77.0.2", "dev", "lwa"}));
    QVERIFY(online.wait());
    QCOMPARE(online.constLast().constFirst().toBool(), true);
    QVERIFY(watcher->isOnline());

    // A second way out, then the first goes: still online.
    QVERIFY(space.run({"-6", "addr", "add", "fd00:77::1/64", "dev", "lwa", "nodad"}));
    QVERIFY(space.run({"-6", "route", "add", "default", "via", "fd00:77::2", "dev", "lwa"}));
    QVERIFY(space.run({"route", "del", "default", "via", "10.77.0.2", "dev", "lwa"}));
    QVERIFY(!online.wait(500));
    QVERIFY(watcher->isOnline());

    // The link goes down: its routes go with it.
    QVERIFY(space.run({"link", "set", "lwa", "down"}));
    QVERIFY(online.wait());
    QCOMPARE(online.constLast().constFirst().toBool(), false);
}

QTEST_GUILESS_MAIN(tst_NetworkWatcher)
#include "tst_networkwatcher.moc"
