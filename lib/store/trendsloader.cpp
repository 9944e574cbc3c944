#include "trendsloader.h"

#include "eventlog.h"
#include "logging.h"

#include <QFileInfo>
#include <QSet>

#include <utility>

namespace Longwatch {

namespace {

constexpr qint64 kDayUsecs = 24LL * 3600 * 1000 * 1000;

} // namespace

/// Lives in the loader's thread: opens its own connection on its first
/// read, and again after a failure (a log that was missing may be there now).
class TrendsLoader::Worker final : public QObject
{
    Q_OBJECT
public:
    explicit Worker(const QString &path)
        : m_path(path)
    {}

    void read(const TrendsQuery &query, quint64 number)
    {
        TrendsResult result;
        if (!m_path.isEmpty() && !m_log) {
            if (QFileInfo::exists(m_path)) {
                auto log = std::make_unique<EventLog>();
                if (log->open(m_path, EventLog::OpenMode::MustExist)) {
                    m_log = std::move(log);
                } else {
                    result.ok = false;
                    result.errorString = log->errorString();
                }
            }
        }
        if (m_log) {
            result = load(m_log.get(), query);
            if (!result.ok)
                m_log.reset(); // opened again next time
        }
        result.request = number;
        Q_EMIT done(result);
    }

Q_SIGNALS:
    void done(const Longwatch::TrendsResult &result);

private:
    QString m_path;
    std::unique_ptr<EventLog> m_log;
};

TrendsLoader::TrendsLoader(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
{
    qRegisterMetaType<Longwatch::TrendsResult>();
    m_thread.setObjectName(QStringLiteral("trends"));
    m_worker = new Worker(path);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &Worker::done, this, &TrendsLoader::onRead);
    m_thread.start(QThread::LowPriority);
}

TrendsLoader::~TrendsLoader()
{
    m_thread.quit();
    m_thread.wait();
}

quint64 TrendsLoader::request(const TrendsQuery &query)
{
    m_pending = query;
    m_pendingNumber = ++m_requests;
    m_busy = true;
    if (!m_reading)
        startNext();
    return m_pendingNumber;
}

void TrendsLoader::startNext()
{
    if (!m_pending)
        return;
    const TrendsQuery query = *std::exchange(m_pending, std::nullopt);
    const quint64 number = m_pendingNumber;
    m_reading = true;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, query, number] { worker->read(query, number); },
        Qt::QueuedConnection);
}

void TrendsLoader::onRead(const TrendsResult &result)
{
    m_reading = false;
    if (m_pending) {
        startNext(); // a newer request came meanwhile: this one is stale
        return;
    }
    m_busy = false;
    Q_EMIT loaded(result);
}

TrendsResult TrendsLoader::load(EventLog *log, const TrendsQuery &query)
{
    TrendsResult result;
    result.healthFromUsecs = query.healthFromUsecs;
    result.healthBucketUsecs = query.healthBucketUsecs;
    result.healthBuckets = query.healthBuckets;
    for (auto it = query.seriesPatterns.cbegin(); it != query.seriesPatterns.cend(); ++it) {
        JobSeriesRule rule(it.value());
        if (!rule.isDefault())
            result.rules.insert(it.key(), std::move(rule));
    }
    const auto fail = [&] {
        result.ok = false;
        result.errorString = log->errorString();
        result.series.clear();
        result.health.clear();
        return result;
    };
    const QList<JobSeriesKey> keys = log->jobSeries(query.channels);
    if (log->error() != EventLog::Error::NoError)
        return fail();

    JobRunQuery runQuery;
    if (query.days > 0)
        runQuery.sinceUsecs = query.nowUsecs - query.days * kDayUsecs;
    const int perSeries = query.lastRuns > 0 ? query.lastRuns : kMaxRunsPerSeries;
    QList<JobRun> runs;
    QSet<QString> ruled;
    for (const JobSeriesKey &key : keys) {
        if (result.rules.contains(key.channel)) {
            ruled.insert(key.channel);
            continue;
        }
        // The newest runs of one series: a range of job_runs_series.
        runQuery.channels = {key.channel};
        runQuery.series = key.series;
        runQuery.newest = perSeries;
        runs += log->jobRuns(runQuery);
        if (log->error() != EventLog::Error::NoError)
            return fail();
    }
    for (const QString &channel : std::as_const(ruled)) {
        // Its own rule regroups the runs: read the channel's newest.
        runQuery.channels = {channel};
        runQuery.series.clear();
        runQuery.newest = kMaxRunsPerRuledChannel;
        QList<JobRun> channelRuns = log->jobRuns(runQuery);
        if (log->error() != EventLog::Error::NoError)
            return fail();
        applySeriesRules(&channelRuns, result.rules);
        runs += channelRuns;
    }
    result.series = jobSeriesTrends(runs, perSeries);
    if (query.healthBuckets > 0 && query.healthBucketUsecs > 0) {
        // Added up per period by SQLite: a few rows per channel, however
        // many minutes the periods hold.
        const qint64 until = query.healthFromUsecs + query.healthBuckets * query.healthBucketUsecs;
        QStringList channels = log->healthChannels(query.healthFromUsecs);
        if (log->error() != EventLog::Error::NoError)
            return fail();
        if (!query.channels.isEmpty()) {
            channels.removeIf(
                [&](const QString &channel) { return !query.channels.contains(channel); });
        }
        for (const QString &channel : std::as_const(channels)) {
            const QList<HealthSample> samples =
                log->healthSamples(channel, query.healthFromUsecs, until, query.healthBucketUsecs);
            if (log->error() != EventLog::Error::NoError)
                return fail();
            if (samples.isEmpty())
                continue;
            result.health.append(
                {channel, channelHealth(samples, query.healthFromUsecs, query.healthBucketUsecs,
                                        query.healthBuckets)});
        }
    }
    result.channelTitles = log->channelTitles();
    if (log->error() != EventLog::Error::NoError)
        return fail();
    return result;
}

} // namespace Longwatch

#include "trendsloader.moc"
