#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QStringList>
#include <QTimer>

#include <chrono>

namespace Longwatch {

class FeedServer;

/// Simulated CI jobs for the demo mode: builds, test runs, deploys and a
/// nightly batch that queue, run with progress, and succeed, fail or get
/// cancelled, published as events into a FeedServer on the feeds
/// feedNames() ("builds", "tests", "deploys", "batch").
///
/// Each event is an object with `type` ("job.queued", "job.started",
/// "job.progress", "job.succeeded", "job.failed", "job.cancelled"), `job`
/// (the run's name, e.g. "build-linux #1042", stable over its events),
/// `status` (queued, running, succeeded, failed, cancelled), `progress`
/// (0..100), `message`, `kind` (build, test, deploy, batch) and `run`.
///
/// The end-to-end test job fails on every other run, starting with the first,
/// which is the first job queued and moves on every other event, so a
/// failure shows within about ten events of start.
/// The same seed gives the same events in the same order, with the same gaps.
class DemoFeed final : public QObject
{
    Q_OBJECT
public:
    /// Publishes into `server`, which it does not own.
    explicit DemoFeed(FeedServer *server, QObject *parent = nullptr);
    ~DemoFeed() override;

    /// Starts the simulation over from `seed`. Without a call, the seed is
    /// random (see seed(), to repeat a run).
    void setSeed(quint64 seed);
    quint64 seed() const { return m_seed; }

    /// The gap between two events is drawn uniformly from [min, max]
    /// (default 500 ms .. 2 s).
    void setInterval(std::chrono::milliseconds min, std::chrono::milliseconds max);
    std::chrono::milliseconds minInterval() const { return m_minInterval; }
    std::chrono::milliseconds maxInterval() const { return m_maxInterval; }

    /// The first event comes from the event loop at once, then one per gap.
    void start();
    void stop();
    bool isRunning() const { return m_timer.isActive(); }

    /// Publishes the next event now, whether running or not.
    void step();

    /// Events published so far.
    int eventCount() const { return m_eventCount; }

    static QStringList feedNames();

Q_SIGNALS:
    /// One event was stored in the server (with its id and time); once per
    /// event, in order.
    void eventPublished(const QString &feed, const QJsonObject &event);

private:
    enum class Status { Queued, Running, Succeeded, Failed, Cancelled };
    struct Job
    {
        int templateIndex = 0;
        int run = 0;
        QString name;
        Status status = Status::Queued;
        int progress = 0;
        int failAt = -1;     ///< progress at which it fails; -1 = it will not
        bool cancel = false; ///< cancelled while queued
        bool hurry = false;  ///< moved on every other tick (the first flaky run)
        int units = 0;       ///< files, tests, hosts or records it works on
        int runner = 0;
        quint64 lastTouched = 0;
    };

    void startJob();
    void advance(Job &job);
    void publish(const Job &job, const QString &type, const QString &message);
    QString progressMessage(const Job &job) const;
    QString finalMessage(const Job &job) const;
    void scheduleNext();
    int bounded(int lowest, int highest); ///< uniform in [lowest, highest]

    QPointer<FeedServer> m_server;
    QTimer m_timer;
    QRandomGenerator m_random;
    quint64 m_seed = 0;
    std::chrono::milliseconds m_minInterval{500};
    std::chrono::milliseconds m_maxInterval{2'000};
    QList<Job> m_active;
    QList<int> m_runs;    ///< runs started per template
    QList<int> m_runBase; ///< the first run number per template
    quint64 m_tick = 0;
    int m_eventCount = 0;
};

} // namespace Longwatch
