#pragma once

#include "channelconfig.h"
#include "jobtrends.h"

#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <memory>

namespace Longwatch {

class EventLog;

/// What the Trends page (or the Jobs board) asks of the event log.
struct TrendsQuery
{
    QStringList channels; ///< channel keys; empty for every channel
    /// The newest this many runs of each series; 0 for no count (then
    /// `days` bounds them, and kMaxRunsPerSeries).
    int lastRuns = 50;
    int days = 0;        ///< runs that began in the last `days` days; 0 for no bound
    qint64 nowUsecs = 0; ///< what "the last days" count back from (µs since the epoch, UTC)
    /// Each channel's series rule (ChannelConfig::jobSeriesPattern); a
    /// channel not in it has the default rule.
    QHash<QString, QString> seriesPatterns;
    /// Channel health (ChannelHealthTrend) of `channels` (of every channel
    /// that has some, when empty): `healthBuckets` periods of
    /// `healthBucketUsecs` from `healthFromUsecs`; none read for 0 periods.
    qint64 healthFromUsecs = 0;
    qint64 healthBucketUsecs = 0;
    int healthBuckets = 0;
};

/// What the event log said.
struct TrendsResult
{
    quint64 request = 0; ///< TrendsLoader::request()'s number
    bool ok = true;      ///< false: the log could not be read; errorString() says why
    QString errorString;
    QList<JobSeriesTrend> series; ///< jobSeriesTrends(), newest run first
    /// Per channel with samples in the query's time, by channel key.
    QList<ChannelHealthTrend> health;
    qint64 healthFromUsecs = 0; ///< the query's periods, which `health` is cut in
    qint64 healthBucketUsecs = 0;
    int healthBuckets = 0;
    QHash<QString, QString> channelTitles;
    /// The query's own rules, for JobSeriesHistory.
    QHash<QString, JobSeriesRule> rules;
};

/// Reads job trends from the event log in a thread of its own, with its
/// own connection (one EventLog opened there, MustExist: it never creates
/// a log), so that the window never waits for SQLite.
///
/// Requests made while one is being read are folded: only the newest is
/// read next. loaded() comes in the thread that made the loader.
class TrendsLoader final : public QObject
{
    Q_OBJECT
public:
    /// Runs of one series read at most, when days bound them.
    static constexpr int kMaxRunsPerSeries = 300;
    /// Runs read at most from a channel whose own series rule regroups
    /// them (the stored series are the default rule's).
    static constexpr int kMaxRunsPerRuledChannel = 20'000;

    /// Reads the log at `path` (nothing is read for an empty path).
    explicit TrendsLoader(const QString &path, QObject *parent = nullptr);
    /// Waits for a read under way to end.
    ~TrendsLoader() override;

    QString path() const { return m_path; }
    /// Reads `query` soon; returns its number (loaded()'s `request`).
    quint64 request(const TrendsQuery &query);
    /// A request is waiting or being read.
    bool isBusy() const { return m_busy; }

    /// The same read, at once, in the calling thread, on `log` (open in it).
    static TrendsResult load(EventLog *log, const TrendsQuery &query);

Q_SIGNALS:
    /// Once per read: for the newest request made before it began (folded
    /// requests get none).
    void loaded(const Longwatch::TrendsResult &result);

private:
    class Worker;
    void onRead(const Longwatch::TrendsResult &result);
    void startNext();

    QString m_path;
    QThread m_thread;
    Worker *m_worker = nullptr; ///< lives in m_thread
    quint64 m_requests = 0;
    std::optional<TrendsQuery> m_pending;
    quint64 m_pendingNumber = 0;
    bool m_busy = false;
    bool m_reading = false;
};

} // namespace Longwatch

Q_DECLARE_METATYPE(Longwatch::TrendsResult)
