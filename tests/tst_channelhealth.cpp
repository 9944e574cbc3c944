// Channel health (#22): what a channel's poller did, counted per minute
// (HealthMeter), kept in the event log's health_samples (schema version 4)
// and read back per period (EventLog::healthSamples(), channelHealth(),
// TrendsLoader) from a synthetic log.

#include "channelhealth.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "trendsloader.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kMinute = HealthSample::kMinuteUsecs;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kStart = 1'765'000'800'000'000; // µs, a whole hour in December 2025

HealthSample sample(const QString &channel, qint64 minute, int events, QList<qint64> latencies = {})
{
    HealthSample s;
    s.channel = channel;
    s.minuteUsecs = minute;
    s.answers = events > 0 ? 1 : 0;
    s.events = events;
    for (const qint64 latency : latencies)
        s.addLatency(latency);
    return s;
}

} // namespace

class tst_ChannelHealth : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString logPath() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }
    void cleanup() { m_dir.reset(); }

    void theMeterCountsWhatThePollerReports()
    {
        HealthMeter meter;
        const QDateTime retryAt = QDateTime::fromMSecsSinceEpoch(kStart / 1000 + 5'000, Qt::UTC);
        meter.state(kStart, Poller::State::Connecting, Poller::Error::NoError, {});
        meter.state(kStart, Poller::State::Waiting, Poller::Error::NoError, {});
        meter.answer(kStart + 1'000'000);
        meter.batch(kStart + 1'000'000, 3, 1'200ms);
        meter.state(kStart + 1'000'000, Poller::State::Live, Poller::Error::NoError, {});
        // A refused connection: a retry in 5 s, then connecting again.
        meter.state(kStart, Poller::State::Backoff, Poller::Error::ConnectionError, retryAt);
        meter.state(kStart + 5'000'000, Poller::State::Connecting, Poller::Error::NoError, {});
        // The next minute: a streamed read (no latency), a timeout, a fatal error.
        meter.answer(kStart + kMinute);
        meter.batch(kStart + kMinute, 2, std::nullopt);
        meter.state(kStart + kMinute, Poller::State::Backoff, Poller::Error::TimeoutError, {});
        meter.state(kStart + kMinute, Poller::State::Failed, Poller::Error::SetupError, {});
        // Starting again after a stop is no reconnect.
        meter.state(kStart + kMinute, Poller::State::Connecting, Poller::Error::NoError, {});

        const QList<HealthSample> samples = meter.take(QStringLiteral("builds"));
        QCOMPARE(samples.size(), 2);
        const HealthSample &first = samples.at(0);
        QCOMPARE(first.channel, QStringLiteral("builds"));
        QCOMPARE(first.minuteUsecs, kStart);
        QCOMPARE(first.answers, 1);
        QCOMPARE(first.events, 3);
        QCOMPARE(first.errors[HealthSample::ConnectionErrors], 1);
        QCOMPARE(first.errorCount(), 1);
        QCOMPARE(first.backoffs, 1);
        QCOMPARE(first.backoffMsecs, 5'000);
        QCOMPARE(first.reconnects, 1);
        QCOMPARE(first.latencyCount, 1);
        QCOMPARE(first.latencyMaxMsecs, 1'200);
        const HealthSample &second = samples.at(1);
        QCOMPARE(second.minuteUsecs, kStart + kMinute);
        QCOMPARE(second.events, 2);
        QCOMPARE(second.latencyCount, 0);
        QCOMPARE(second.errors[HealthSample::TimeoutErrors], 1);
        QCOMPARE(second.errors[HealthSample::OtherErrors], 1);
        QCOMPARE(second.failures, 1);
        QCOMPARE(second.reconnects, 0);
        // Taken: the meter starts from nothing.
        QVERIFY(meter.isEmpty());
        QVERIFY(meter.take(QStringLiteral("builds")).isEmpty());
    }

    void periodsAddUpAndLeaveGapsEmpty()
    {
        const QString c = QStringLiteral("builds");
        QList<HealthSample> samples = {
            sample(c, kStart - kMinute, 99), // before the range
            sample(c, kStart, 10, {100, 200}), sample(c, kStart + 5 * kMinute, 20, {300}),
            // none in the second hour
            sample(c, kStart + 2 * kHour + kMinute, 7),
            sample(c, kStart + 3 * kHour, 99), // after the range
        };
        samples[1].errors[HealthSample::HttpErrors] = 2;
        samples[1].backoffs = 2;
        samples[1].backoffMsecs = 3'000;
        const QList<HealthBucket> buckets = channelHealth(samples, kStart, kHour, 3);
        QCOMPARE(buckets.size(), 3);
        QCOMPARE(buckets.at(0).startUsecs, kStart);
        QVERIFY(buckets.at(0).hasSamples);
        QCOMPARE(buckets.at(0).counts.events, 30);
        QCOMPARE(buckets.at(0).counts.answers, 2);
        QCOMPARE(buckets.at(0).counts.errorCount(), 2);
        QCOMPARE(buckets.at(0).counts.backoffMsecs, 3'000);
        QCOMPARE(buckets.at(0).counts.latencyCount, 3);
        QCOMPARE(buckets.at(0).counts.latencyMaxMsecs, 300);
        // A gap: nothing recorded, no latency, not a rate of 0 from a running program.
        QVERIFY(!buckets.at(1).hasSamples);
        QCOMPARE(buckets.at(1).counts.events, 0);
        QVERIFY(!buckets.at(1).latencyMedianMsecs);
        QCOMPARE(buckets.at(2).counts.events, 7);
        QVERIFY(!buckets.at(2).latencyMedianMsecs);
        QVERIFY(channelHealth(samples, kStart, 0, 3).isEmpty());
    }

    void latencyPercentilesComeFromTheHistogram_data()
    {
        QTest::addColumn<QList<qint64>>("latencies");
        QTest::addColumn<qint64>("median");
        QTest::addColumn<qint64>("p90");
        // Within a bucket by straight line, never above the largest seen.
        QTest::newRow("one answer is its own median, up to its value")
            << QList<qint64>{70} << qint64(70) << qint64(70);
        QTest::newRow("answers held about 20 s by the server")
            << QList<qint64>{19'000, 20'000, 21'000, 22'000, 29'000} << qint64(20'000)
            << qint64(29'000);
        QTest::newRow("nine quick answers and a slow one")
            << QList<qint64>{40, 40, 40, 40, 40, 40, 40, 40, 40, 9'000} << qint64(28) << qint64(50);
        QTest::newRow("over two minutes: the largest bounds the last bucket")
            << QList<qint64>{200'000, 300'000} << qint64(200'000) << qint64(300'000);
    }

    void latencyPercentilesComeFromTheHistogram()
    {
        QFETCH(QList<qint64>, latencies);
        QFETCH(qint64, median);
        QFETCH(qint64, p90);
        const QList<HealthBucket> buckets =
            channelHealth({sample(QStringLiteral("c"), kStart, 1, latencies)}, kStart, kHour, 1);
        const HealthBucket &bucket = buckets.constFirst();
        QVERIFY(bucket.latencyMedianMsecs && bucket.latencyP90Msecs);
        // The histogram's resolution: within a fifth of the exact value.
        QVERIFY2(std::abs(*bucket.latencyMedianMsecs - median) <= median / 5 + 1,
                 qPrintable(QString::number(*bucket.latencyMedianMsecs)));
        QVERIFY2(std::abs(*bucket.latencyP90Msecs - p90) <= p90 / 5 + 1,
                 qPrintable(QString::number(*bucket.latencyP90Msecs)));
        QVERIFY(*bucket.latencyMedianMsecs <= *bucket.latencyP90Msecs);
        QVERIFY(*bucket.latencyP90Msecs <= bucket.counts.latencyMaxMsecs);
    }

    void theLogAddsUpAMinuteWrittenInParts()
    {
        EventLog log;
        QVERIFY2(log.open(logPath()), qPrintable(log.errorString()));
        QCOMPARE(log.schemaVersion(), 4);
        const QString c = QStringLiteral("builds");
        HealthSample a = sample(c, kStart, 2, {100, 25'000});
        a.errors[HealthSample::TlsErrors] = 1;
        a.reconnects = 1;
        HealthSample b = sample(c, kStart, 3, {400});
        b.errors[HealthSample::TlsErrors] = 2;
        b.backoffs = 1;
        b.backoffMsecs = 8'000;
        QVERIFY2(log.addHealthSamples({a}), qPrintable(log.errorString()));
        QVERIFY(log.addHealthSamples({b, sample(c, kStart + kMinute, 1)}));
        const QList<HealthSample> stored = log.healthSamples(c, kStart, kStart + kHour);
        QCOMPARE(stored.size(), 2);
        HealthSample expected = a;
        expected.merge(b);
        QCOMPARE(stored.at(0), expected);
        QCOMPARE(stored.at(0).latencyMaxMsecs, 25'000);
        QCOMPARE(stored.at(0).errors[HealthSample::TlsErrors], 3);
        QCOMPARE(stored.at(1).events, 1);
        // Another range, another channel: nothing.
        QVERIFY(log.healthSamples(c, kStart + kHour, kStart + 2 * kHour).isEmpty());
        QVERIFY(log.healthSamples(QStringLiteral("nobody"), kStart, kStart + kHour).isEmpty());
        QCOMPARE(log.error(), EventLog::Error::NoError);
        QCOMPARE(log.healthChannels(), QStringList{c});
        QCOMPARE(log.healthChannels(kStart + kHour), QStringList());
    }

    void periodsAddedUpBySqliteEqualTheMinutes()
    {
        // A synthetic day of one channel: a sample a minute, some minutes missing.
        EventLog log;
        QVERIFY(log.open(logPath()));
        const QString c = QStringLiteral("tests");
        QList<HealthSample> samples;
        for (int m = 0; m < 24 * 60; ++m) {
            if (m % 7 == 3)
                continue;
            HealthSample s = sample(c, kStart + m * kMinute, m % 5, {qint64(50 + 37 * m % 30'000)});
            s.errors[HealthSample::ErrorClass(m % HealthSample::ErrorClassCount)] = m % 13 == 0;
            s.latencyMaxMsecs = 50 + 37 * m % 30'000;
            samples << s;
        }
        QVERIFY(log.addHealthSamples(samples));
        const QList<HealthSample> periods =
            log.healthSamples(c, kStart, kStart + 24 * kHour, 2 * kHour);
        QCOMPARE(periods.size(), 12);
        QCOMPARE(channelHealth(periods, kStart, 2 * kHour, 12),
                 channelHealth(samples, kStart, 2 * kHour, 12));
        QCOMPARE(periods.at(1).minuteUsecs, kStart + 2 * kHour);
        // Whole hours come from the hourly sums, other periods from the
        // minutes: the same either way.
        const qint64 from = kStart + 10 * kMinute;
        const QList<HealthSample> halfHours =
            log.healthSamples(c, from, from + 12 * kHour, 30 * kMinute);
        QCOMPARE(halfHours.size(), 24);
        QCOMPARE(channelHealth(halfHours, from, 30 * kMinute, 24),
                 channelHealth(samples, from, 30 * kMinute, 24));
    }

    void aRemovedChannelTakesItsHealthAlong()
    {
        EventLog log;
        QVERIFY(log.open(logPath()));
        QVERIFY(log.append(QStringLiteral("a"), {}, QStringLiteral("1")));
        QVERIFY(log.addHealthSamples(
            {sample(QStringLiteral("a"), kStart, 1), sample(QStringLiteral("b"), kStart, 2)}));
        QVERIFY(log.removeChannel(QStringLiteral("a")));
        QCOMPARE(log.healthChannels(), QStringList{QStringLiteral("b")});
        // Old minutes go, newer ones stay; hours go by their own age.
        QVERIFY(log.addHealthSamples({sample(QStringLiteral("b"), kStart + kHour, 3)}));
        QCOMPARE(log.trimHealthSamples(kStart + kMinute, kStart), 1);
        QCOMPARE(log.healthSamples(QStringLiteral("b"), 0, kStart + 2 * kHour).size(), 1);
        QCOMPARE(log.healthSamples(QStringLiteral("b"), kStart, kStart + 2 * kHour, kHour).size(),
                 2);
        QCOMPARE(log.trimHealthSamples(kStart + kMinute, kStart + kHour), 1);
        QCOMPARE(log.healthSamples(QStringLiteral("b"), kStart, kStart + 2 * kHour, kHour).size(),
                 1);
    }

    void aVersion3LogGainsTheTableAndKeepsItsEvents()
    {
        {
            EventLog old;
            QList<EventLog::Migration> three = EventLog::builtinMigrations();
            three.removeLast();
            old.setMigrations(three);
            QVERIFY(old.open(logPath()));
            QCOMPARE(old.schemaVersion(), 3);
            Event event;
            event.key = QStringLiteral("1");
            event.type = QStringLiteral("t");
            QVERIFY(old.append(QStringLiteral("builds"), {event}, QStringLiteral("1")));
            // Without the table: nothing to read, and a sentence for a write.
            QVERIFY(old.healthSamples(QStringLiteral("builds"), 0, kStart).isEmpty());
            QCOMPARE(old.healthChannels(), QStringList());
            QVERIFY(!old.addHealthSamples({sample(QStringLiteral("builds"), kStart, 1)}));
            QCOMPARE(old.error(), EventLog::Error::IncompatibleError);
            QVERIFY2(old.errorString().contains(QStringLiteral("no channel health")),
                     qPrintable(old.errorString()));
        }
        EventLog log;
        QVERIFY2(log.open(logPath()), qPrintable(log.errorString()));
        QCOMPARE(log.schemaVersion(), 4);
        QCOMPARE(log.countEvents({}), 1);
        QCOMPARE(log.cursor(QStringLiteral("builds")), std::optional(QStringLiteral("1")));
        QVERIFY(log.addHealthSamples({sample(QStringLiteral("builds"), kStart, 1)}));
        QCOMPARE(log.healthSamples(QStringLiteral("builds"), kStart, kStart + kMinute).size(), 1);
    }

    void aVersion4LogIsRefusedUntouchedByAnOlderLongwatch()
    {
        {
            EventLog log;
            QVERIFY(log.open(logPath()));
            QVERIFY(log.addHealthSamples({sample(QStringLiteral("builds"), kStart, 1)}));
        }
        // What a Longwatch that knows formats up to 3 does with it.
        EventLog older;
        QList<EventLog::Migration> three = EventLog::builtinMigrations();
        three.removeLast();
        older.setMigrations(three);
        QVERIFY(!older.open(logPath()));
        QCOMPARE(older.error(), EventLog::Error::IncompatibleError);
        QVERIFY2(older.errorString().contains(QStringLiteral("newer version")),
                 qPrintable(older.errorString()));
        EventLog again;
        QVERIFY(again.open(logPath()));
        QCOMPARE(again.healthSamples(QStringLiteral("builds"), kStart, kStart + kMinute).size(), 1);
    }

    void theWriterAddsUpWhatItIsHanded()
    {
        EventLogWriter writer;
        QVERIFY(writer.open(logPath()));
        writer.recordHealth({sample(QStringLiteral("builds"), kStart, 2, {300})});
        writer.recordHealth({sample(QStringLiteral("builds"), kStart, 3, {500})});
        writer.close();
        EventLog log;
        QVERIFY(log.open(logPath(), EventLog::OpenMode::MustExist));
        const QList<HealthSample> stored =
            log.healthSamples(QStringLiteral("builds"), kStart, kStart + kMinute);
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored.at(0).events, 5);
        QCOMPARE(stored.at(0).latencyCount, 2);
    }

    void theLoaderCutsEachChannelsHealthIntoPeriods()
    {
        EventLog log;
        QVERIFY(log.open(logPath()));
        QVERIFY(log.addHealthSamples({sample(QStringLiteral("builds"), kStart + kMinute, 60),
                                      sample(QStringLiteral("builds"), kStart + kHour, 30, {900}),
                                      sample(QStringLiteral("tests"), kStart, 5),
                                      sample(QStringLiteral("old"), kStart - kHour, 5)}));
        TrendsQuery query;
        query.healthFromUsecs = kStart;
        query.healthBucketUsecs = kHour;
        query.healthBuckets = 24;
        TrendsResult result = TrendsLoader::load(&log, query);
        QVERIFY2(result.ok, qPrintable(result.errorString));
        QCOMPARE(result.health.size(), 2); // "old" has nothing in the range
        QCOMPARE(result.health.at(0).channel, QStringLiteral("builds"));
        QCOMPARE(result.health.at(0).buckets.size(), 24);
        QCOMPARE(result.health.at(0).buckets.at(0).counts.events, 60);
        QCOMPARE(result.health.at(0).buckets.at(1).counts.events, 30);
        QCOMPARE(result.health.at(0).buckets.at(1).latencyMedianMsecs, std::optional<qint64>(900));
        QVERIFY(!result.health.at(0).buckets.at(2).hasSamples);
        QCOMPARE(result.healthBucketUsecs, kHour);
        // One channel asked for; none without periods.
        query.channels = {QStringLiteral("tests")};
        result = TrendsLoader::load(&log, query);
        QCOMPARE(result.health.size(), 1);
        QCOMPARE(result.health.at(0).channel, QStringLiteral("tests"));
        query.healthBuckets = 0;
        QVERIFY(TrendsLoader::load(&log, query).health.isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_ChannelHealth)
#include "tst_channelhealth.moc"
