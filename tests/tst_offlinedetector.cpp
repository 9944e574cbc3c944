// The rule that tells offline from the channels (OfflineDetector): every
// running channel failing to reach its server at once, on at least two
// servers; ended by the first answer.

#include "offlinedetector.h"

#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;
using State = Poller::State;
using Change = OfflineDetector::Change;

class tst_OfflineDetector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyChannelFailingToReachTwoServersIsOffline();
    void oneServerThatCannotBeReachedIsItsOwnTrouble();
    void aServerThatAnswersWithAnErrorIsReachable();
    void oneChannelThatIsAnsweredKeepsTheMachineOnline();
    void aChannelThatHasNotSaidYetKeepsItOnline();
    void failuresFarApartAreNotTheNetwork();
    void pausedAndFailedChannelsDoNotCount();
    void theFirstAnswerEndsIt();
    void retriesUnderWayDoNotEndIt();
    void itEndsWhenNoChannelThatFailedRunsAnyMore();
};

void tst_OfflineDetector::everyChannelFailingToReachTwoServersIsOffline()
{
    OfflineDetector detector;
    QCOMPARE(detector.update("a", "a.example", State::Connecting, false, 0ms), Change::None);
    QCOMPARE(detector.update("b", "b.example", State::Connecting, false, 0ms), Change::None);
    QCOMPARE(detector.update("a", "a.example", State::Backoff, true, 100ms), Change::None);
    QVERIFY(!detector.isOffline());
    QCOMPARE(detector.update("b", "b.example", State::Backoff, true, 5s), Change::WentOffline);
    QVERIFY(detector.isOffline());
    QCOMPARE(detector.unreachableChannels(), 2);
    QCOMPARE(detector.unreachableServers(), 2);
}

void tst_OfflineDetector::oneServerThatCannotBeReachedIsItsOwnTrouble()
{
    OfflineDetector detector;
    // Alone: a channel cannot tell its server's failure from the network's.
    QCOMPARE(detector.update("a", "a.example", State::Backoff, true, 0ms), Change::None);
    QVERIFY(!detector.isOffline());
    // Several channels of one server (in any case of its name) neither.
    QCOMPARE(detector.update("b", "A.example", State::Backoff, true, 0ms), Change::None);
    QCOMPARE(detector.update("c", "a.example", State::Backoff, true, 0ms), Change::None);
    QVERIFY(!detector.isOffline());
    QCOMPARE(detector.unreachableServers(), 1);
}

void tst_OfflineDetector::aServerThatAnswersWithAnErrorIsReachable()
{
    OfflineDetector detector;
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    // An HTTP error, a refusal, a TLS failure: the server's machine is there.
    QCOMPARE(detector.update("b", "b.example", State::Backoff, false, 0ms), Change::None);
    QVERIFY(!detector.isOffline());
}

void tst_OfflineDetector::oneChannelThatIsAnsweredKeepsTheMachineOnline()
{
    OfflineDetector detector;
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    detector.update("b", "b.example", State::Backoff, true, 0ms);
    QVERIFY(detector.update("a", "a.example", State::Live, false, 1s) == Change::Answered);
    // A held request is a request that went out on a connection.
    detector.update("c", "c.example", State::Waiting, false, 1s);
    QCOMPARE(detector.update("a", "a.example", State::Backoff, true, 2s), Change::None);
    QVERIFY(!detector.isOffline());
}

void tst_OfflineDetector::aChannelThatHasNotSaidYetKeepsItOnline()
{
    OfflineDetector detector;
    detector.update("new", "c.example", State::Connecting, false, 0ms);
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    QCOMPARE(detector.update("b", "b.example", State::Backoff, true, 0ms), Change::None);
    QCOMPARE(detector.update("new", "c.example", State::Backoff, true, 1s), Change::WentOffline);
}

void tst_OfflineDetector::failuresFarApartAreNotTheNetwork()
{
    OfflineDetector detector;
    detector.setWindow(10s);
    // A server down since long ago, another one going now: two outages.
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    QCOMPARE(detector.update("b", "b.example", State::Backoff, true, 11s), Change::None);
    QVERIFY(!detector.isOffline());
    // A retry that fails again does not make the first failure newer.
    detector.update("a", "a.example", State::Connecting, false, 20s);
    QCOMPARE(detector.update("a", "a.example", State::Backoff, true, 21s), Change::None);
    QVERIFY(!detector.isOffline());
}

void tst_OfflineDetector::pausedAndFailedChannelsDoNotCount()
{
    OfflineDetector detector;
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    detector.update("b", "b.example", State::Backoff, true, 0ms);
    detector.update("c", "c.example", State::Live, false, 0ms);
    QVERIFY(!detector.isOffline());
    // The only one that got through is paused: the others tell the truth.
    QCOMPARE(detector.update("c", "c.example", State::Stopped, false, 1s), Change::WentOffline);
    detector.update("f", "f.example", State::Failed, false, 1s);
    QVERIFY(detector.isOffline());
}

void tst_OfflineDetector::theFirstAnswerEndsIt()
{
    OfflineDetector detector;
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    detector.update("b", "b.example", State::Backoff, true, 0ms);
    QVERIFY(detector.isOffline());
    detector.update("a", "a.example", State::Connecting, true, 1s);
    QCOMPARE(detector.update("a", "a.example", State::Backoff, false, 1s), Change::Answered);
    QVERIFY(!detector.isOffline());
}

void tst_OfflineDetector::retriesUnderWayDoNotEndIt()
{
    OfflineDetector detector;
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    detector.update("b", "b.example", State::Backoff, true, 0ms);
    QCOMPARE(detector.update("a", "a.example", State::Connecting, true, 1s), Change::None);
    QCOMPARE(detector.update("b", "b.example", State::Connecting, true, 1s), Change::None);
    // A channel added meanwhile has not said anything yet.
    QCOMPARE(detector.update("c", "c.example", State::Connecting, false, 1s), Change::None);
    QVERIFY(detector.isOffline());
}

void tst_OfflineDetector::itEndsWhenNoChannelThatFailedRunsAnyMore()
{
    OfflineDetector detector;
    detector.update("a", "a.example", State::Backoff, true, 0ms);
    detector.update("b", "b.example", State::Backoff, true, 0ms);
    QCOMPARE(detector.update("a", "a.example", State::Stopped, false, 1s), Change::None);
    QVERIFY(detector.isOffline());
    QCOMPARE(detector.remove("b"), Change::Cleared);
    QVERIFY(!detector.isOffline());
    QCOMPARE(detector.remove("b"), Change::None);
}

QTEST_GUILESS_MAIN(tst_OfflineDetector)
#include "tst_offlinedetector.moc"
