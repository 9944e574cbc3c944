// TailSession, longwatch-tail's run, in this process against a reference
// FeedServer on a free port: what it prints, what it records, when it ends.

#include "common/feedtesting.h"
#include "eventlog.h"
#include "feedserver.h"
#include "programoptions.h"
#include "tailsession.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <memory>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

constexpr int kWaitMs = 10'000;
const QString kFeed = QStringLiteral("jobs");

struct FileCloser
{
    void operator()(std::FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// Everything written to `file` so far.
QByteArray contents(std::FILE *file)
{
    std::fflush(file);
    std::rewind(file);
    QByteArray data;
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
        data.append(buffer, qsizetype(n));
    return data;
}

} // namespace

class tst_TailSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void printsEachEventUntilTheCountAndFinishesWithZero();
    void quietSaysNothingButErrors();
    void aStoredBatchIsRecordedWholeAndNotPrintedAgain();
    void theRunRecordsItsChannelsHealth();
    void sinceWinsOverTheStoredCursor();
    void eventsStoredBeforeAreNotPrintedAgain();
    void aChannelThatFailsForGoodFinishesWithOne();
    void anEventLogThatCannotBeOpenedFailsTheStart();
    void theDurationEndsTheRun();
    void finishedComesOnceFromTheEventLoop();
    void channelsThatReachNoServerSayOfflineOnce();

private:
    TailOptions optionsFor(const QString &path) const;
    QStringList runUntil(TailOptions options, qint64 count);

    std::unique_ptr<FeedServer> m_server;
    int m_published = 0;
};

void tst_TailSession::init()
{
    m_server = std::make_unique<FeedServer>();
    QVERIFY(m_server->listen());
    m_published = 0;
}

TailOptions tst_TailSession::optionsFor(const QString &path) const
{
    TailOptions options;
    TailOptions::Channel channel;
    channel.name = QStringLiteral("builds");
    channel.url = QUrl(m_server->baseUrl().toString() + path);
    channel.profileId = QStringLiteral("seed-events");
    options.channels.append(channel);
    return options;
}

void tst_TailSession::printsEachEventUntilTheCountAndFinishesWithZero()
{
    publishBuilds(*m_server, kFeed, 5, &m_published);
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.count = 3;
    TailSession session(options);
    const File output(std::tmpfile());
    QVERIFY(output);
    session.setOutput(output.get());
    QSignalSpy messages(&session, &TailSession::message);
    QSignalSpy finished(&session, &TailSession::finished);

    QVERIFY(session.start());
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toInt(), int(ExitOk));
    QCOMPARE(printedKeys(contents(output.get())), (QStringList{"1", "2", "3"}));
    QVERIFY(!messages.isEmpty());
    QVERIFY2(messages.first().first().toString().startsWith(QLatin1String("[builds] polling http")),
             qPrintable(messages.first().first().toString()));
}

void tst_TailSession::quietSaysNothingButErrors()
{
    publishBuilds(*m_server, kFeed, 2, &m_published);
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.count = 2;
    options.quiet = true;
    TailSession session(options);
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy messages(&session, &TailSession::message);
    QSignalSpy finished(&session, &TailSession::finished);

    QVERIFY(session.start());
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(printedKeys(contents(output.get())), (QStringList{"1", "2"}));
    QCOMPARE(messages.size(), 0);
}

void tst_TailSession::aStoredBatchIsRecordedWholeAndNotPrintedAgain()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString log = dir.filePath(QStringLiteral("events.sqlite"));
    publishBuilds(*m_server, kFeed, 5, &m_published);

    {
        TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
        options.count = 3;
        options.storePath = log;
        TailSession session(options);
        const File output(std::tmpfile());
        session.setOutput(output.get());
        QSignalSpy finished(&session, &TailSession::finished);
        QVERIFY(session.start());
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.first().first().toInt(), int(ExitOk));
        QCOMPARE(printedKeys(contents(output.get())), (QStringList{"1", "2", "3"}));
    }

    // The whole batch and its cursor were recorded: the next run resumes
    // after event 5 and prints only what came since.
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.count = 2;
    options.storePath = log;
    TailSession session(options);
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy messages(&session, &TailSession::message);
    QSignalSpy finished(&session, &TailSession::finished);
    QVERIFY(session.start());
    bool resumed = false;
    for (const QList<QVariant> &message : std::as_const(messages))
        resumed |= message.first().toString() == "[builds] resuming from the stored cursor 5";
    QVERIFY(resumed);
    publishBuilds(*m_server, kFeed, 2, &m_published);
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(printedKeys(contents(output.get())), (QStringList{"6", "7"}));
}

void tst_TailSession::theRunRecordsItsChannelsHealth()
{
    // --store keeps what the poller did for the Trends page's health tab,
    // written when the run ends (and every 10 s before).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString log = dir.filePath(QStringLiteral("events.sqlite"));
    publishBuilds(*m_server, kFeed, 5, &m_published);
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.storePath = log;
    const qint64 before = QDateTime::currentMSecsSinceEpoch() * 1000;
    QCOMPARE(runUntil(options, 3), (QStringList{"1", "2", "3"}));
    EventLog store;
    QVERIFY(store.open(log, EventLog::OpenMode::MustExist));
    HealthSample total;
    for (const HealthSample &sample : store.healthSamples(
             QStringLiteral("builds"), HealthSample::minuteOf(before),
             QDateTime::currentMSecsSinceEpoch() * 1000 + HealthSample::kMinuteUsecs))
        total.merge(sample);
    QCOMPARE(total.answers, 1);
    QCOMPARE(total.events, 5); // the whole batch, as it was stored
    QCOMPARE(total.latencyCount, 1);
    QCOMPARE(total.errorCount(), 0);
}

/// Runs a session with `options` until it has printed `count` events; the
/// keys it printed.
QStringList tst_TailSession::runUntil(TailOptions options, qint64 count)
{
    options.count = count;
    TailSession session(options);
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy finished(&session, &TailSession::finished);
    if (!session.start())
        return {QStringLiteral("start failed: ") + session.errorString()};
    if (!finished.wait(kWaitMs))
        return {QStringLiteral("not finished")};
    return printedKeys(contents(output.get()));
}

void tst_TailSession::sinceWinsOverTheStoredCursor()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.storePath = dir.filePath(QStringLiteral("events.sqlite"));
    publishBuilds(*m_server, kFeed, 2, &m_published);
    QCOMPARE(runUntil(options, 2), (QStringList{"1", "2"}));
    publishBuilds(*m_server, kFeed, 2, &m_published);

    // The stored cursor is 2; --since 3 starts after event 3.
    options.sinceForAll = QStringLiteral("3");
    QCOMPARE(runUntil(options, 1), QStringList{"4"});
}

void tst_TailSession::eventsStoredBeforeAreNotPrintedAgain()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.storePath = dir.filePath(QStringLiteral("events.sqlite"));
    publishBuilds(*m_server, kFeed, 4, &m_published);
    QCOMPARE(runUntil(options, 4), (QStringList{"1", "2", "3", "4"}));
    publishBuilds(*m_server, kFeed, 1, &m_published);

    // From cursor 1 the feed sends 2 to 5 again; only 5 is new.
    options.sinceByChannel.insert(QStringLiteral("builds"), QStringLiteral("1"));
    QCOMPARE(runUntil(options, 1), QStringList{"5"});
}

void tst_TailSession::aChannelThatFailsForGoodFinishesWithOne()
{
    TailSession session(optionsFor(QStringLiteral("/nowhere")));
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy messages(&session, &TailSession::message);
    QSignalSpy finished(&session, &TailSession::finished);

    QVERIFY(session.start());
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toInt(), int(ExitFailed));
    const QString last = messages.last().first().toString();
    QVERIFY2(last.startsWith(QLatin1String("[builds] stopped: ")) && last.contains("404"),
             qPrintable(last));
    QVERIFY(contents(output.get()).isEmpty());
}

void tst_TailSession::anEventLogThatCannotBeOpenedFailsTheStart()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    // A folder where the file should be.
    options.storePath = dir.path();
    TailSession session(options);
    QSignalSpy messages(&session, &TailSession::message);
    QSignalSpy finished(&session, &TailSession::finished);

    QVERIFY(!session.start());
    QVERIFY(!session.errorString().isEmpty());
    // No channel was started.
    QCOMPARE(messages.size(), 0);
    QCOMPARE(m_server->heldCount(), 0);
}

void tst_TailSession::theDurationEndsTheRun()
{
    TailOptions options = optionsFor(QStringLiteral("/feeds/jobs/poll"));
    options.duration = std::chrono::milliseconds(50);
    TailSession session(options);
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy finished(&session, &TailSession::finished);

    QVERIFY(session.start());
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toInt(), int(ExitOk));
}

void tst_TailSession::finishedComesOnceFromTheEventLoop()
{
    TailSession session(optionsFor(QStringLiteral("/feeds/jobs/poll")));
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy messages(&session, &TailSession::message);
    QSignalSpy finished(&session, &TailSession::finished);
    QVERIFY(session.start());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->heldCount(), 1, kWaitMs);

    session.finish(ExitOk);
    session.finish(ExitFailed);
    QCOMPARE(finished.size(), 0);
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toInt(), int(ExitOk));
    // Stopped without a word: the channels' own stop is no message.
    for (const QList<QVariant> &message : std::as_const(messages))
        QVERIFY2(!message.first().toString().contains("stopped"),
                 qPrintable(message.first().toString()));
}

void tst_TailSession::channelsThatReachNoServerSayOfflineOnce()
{
    // Two servers whose names never resolve (RFC 6761): no server answers,
    // so it is the network, said once rather than as each server's fault.
    TailOptions options;
    for (const QString &name : {QStringLiteral("builds"), QStringLiteral("deploys")}) {
        TailOptions::Channel channel;
        channel.name = name;
        channel.url = QUrl(QStringLiteral("http://%1.invalid/poll").arg(name));
        channel.settings.backoffInitial = std::chrono::minutes(10);
        channel.settings.backoffMax = std::chrono::minutes(10);
        options.channels.append(channel);
    }
    TailSession session(options);
    const File output(std::tmpfile());
    session.setOutput(output.get());
    QSignalSpy messages(&session, &TailSession::message);
    QVERIFY(session.start());
    const QString offline = QStringLiteral(
        "offline: none of the channels reaches its server (2 servers); waiting for the network");
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(messages.cbegin(), messages.cend(),
                    [&](const QList<QVariant> &message) { return message.first() == offline; }),
        kWaitMs);
    session.finish(ExitOk);
}

QTEST_GUILESS_MAIN(tst_TailSession)
#include "tst_tailsession.moc"
