#include "eventlogwriter.h"

#include "logging.h"
#include "threadpriority.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QTimer>

#include <limits>

namespace Longwatch {

/// The half of EventLogWriter that lives in the worker thread. It owns the
/// EventLog, so the Qt SQL connection is created, used and removed in that
/// thread only.
class EventLogWorker final : public QObject
{
    Q_OBJECT
public:
    EventLogWorker(const EventLogWriter::Settings &settings, EventLogWriter::Queue *queue)
        : m_settings(settings)
        , m_queue(queue)
        , m_retryDelay(settings.retryDelay)
    {
        m_retryTimer.setSingleShot(true);
        connect(&m_retryTimer, &QTimer::timeout, this, [this] { drain(); });
        m_retentionTimer.setSingleShot(true);
        connect(&m_retentionTimer, &QTimer::timeout, this, &EventLogWorker::applyRetention);
    }

    bool open(const QString &path, bool recoverDamaged, EventLog::Error *error,
              QString *errorString, QString *notice)
    {
        m_store = std::make_unique<EventLog>();
        m_store->setBusyTimeout(m_settings.busyTimeout);
        bool ok = m_store->open(path);
        if (!ok && recoverDamaged && m_store->error() == EventLog::Error::DamagedError)
            ok = m_store->recover();
        *error = m_store->error();
        *errorString = m_store->errorString();
        *notice = m_store->notice();
        if (!ok) {
            m_store.reset();
            return false;
        }
        scheduleRetention(m_settings.retentionInterval);
        return true;
    }

    void shutdown()
    {
        m_retryTimer.stop();
        m_retentionTimer.stop();
        m_store.reset();
    }

    void setRetention(const QString &channel, const RetentionPolicy &policy)
    {
        if (m_store)
            m_store->setRetention(channel, policy);
    }

    void setChannelTitle(const QString &channel, const QString &title)
    {
        m_titles.insert(channel, title);
        writeTitles();
    }

    /// Runs `change` on the store after writing what is queued, so no
    /// batch appended before the change is written after it.
    /// `mark` is the count of batches appended when the change was asked
    /// for: those are written first, later ones after the change.
    void changeChannels(quint64 mark, const std::function<bool(EventLog *)> &change)
    {
        if (!m_store)
            return;
        for (int round = 0; round < 1000 && !m_retryTimer.isActive(); ++round) {
            quint64 committed = 0;
            {
                QMutexLocker lock(&m_queue->mutex);
                committed = m_queue->committed;
            }
            if (committed >= mark)
                break;
            drain(mark - committed);
        }
        if (!change(m_store.get())) {
            qCWarning(lcStore).noquote() << m_store->errorString();
            Q_EMIT writeFailed(m_store->errorString());
        }
    }

    void recordHealth(const QList<HealthSample> &samples)
    {
        for (const HealthSample &sample : samples) {
            const QPair<QString, qint64> key(sample.channel, sample.minuteUsecs);
            const auto it = m_health.find(key);
            if (it == m_health.end())
                m_health.insert(key, sample);
            else
                it->merge(sample);
        }
        writeHealth();
    }

    void removeChannel(quint64 mark, const QString &channel)
    {
        m_titles.remove(channel);
        for (auto it = m_health.begin(); it != m_health.end();)
            it = it.key().first == channel ? m_health.erase(it) : std::next(it);
        changeChannels(mark, [channel](EventLog *store) { return store->removeChannel(channel); });
    }

    void renameChannel(quint64 mark, const QString &channel, const QString &newChannel)
    {
        if (const auto it = m_titles.constFind(channel); it != m_titles.cend()) {
            m_titles.insert(newChannel, *it);
            m_titles.remove(channel);
        }
        changeChannels(mark, [channel, newChannel](EventLog *store) {
            return store->renameChannel(channel, newChannel);
        });
    }

    /// Writes queued batches (at most `maxBatches`) in one transaction.
    void drain(quint64 maxBatches = std::numeric_limits<quint64>::max())
    {
        if (!m_store || m_retryTimer.isActive())
            return; // the retry timer calls again
        QList<EventBatch> batches;
        qsizetype events = 0;
        {
            QMutexLocker lock(&m_queue->mutex);
            m_queue->drainScheduled = false;
            while (!m_queue->batches.empty() && quint64(batches.size()) < maxBatches) {
                const qsizetype size = m_queue->batches.front().events.size();
                if (!batches.isEmpty() && events + size > m_settings.maxEventsPerTransaction)
                    break;
                batches.append(std::move(m_queue->batches.front()));
                m_queue->batches.pop_front();
                events += size;
            }
        }
        if (batches.isEmpty())
            return;

        QList<AppendResult> results;
        const bool ok = m_store->append(batches, &results);
        bool more = false;
        {
            QMutexLocker lock(&m_queue->mutex);
            if (ok) {
                m_queue->committed += quint64(batches.size());
                m_queue->pendingEvents -= events;
            } else {
                // Back to the front, in order: nothing is lost or reordered.
                for (auto it = batches.rbegin(); it != batches.rend(); ++it)
                    m_queue->batches.push_front(std::move(*it));
            }
            more = ok && !m_queue->batches.empty() && !m_queue->drainScheduled;
            if (more)
                m_queue->drainScheduled = true;
            m_queue->changed.wakeAll();
        }
        if (!ok) {
            const QString message = m_store->errorString();
            qCWarning(lcStore).noquote()
                << "write failed, next try in" << m_retryDelay.count() << "ms:" << message;
            m_retryTimer.start(m_retryDelay);
            m_retryDelay = std::min(m_retryDelay * 2, m_settings.retryDelayMax);
            Q_EMIT writeFailed(message);
            return;
        }
        m_retryDelay = m_settings.retryDelay;
        writeTitles();
        writeHealth();
        for (qsizetype i = 0; i < batches.size(); ++i) {
            Q_EMIT committed(batches.at(i).channel, batches.at(i).cursor, results.at(i).added,
                             results.at(i).duplicates);
        }
        if (more) // let other queued calls (shutdown, setRetention) in between
            QMetaObject::invokeMethod(
                this, [this] { drain(); }, Qt::QueuedConnection);
    }

Q_SIGNALS:
    void committed(const QString &channel, const QString &cursor, int added, int duplicates);
    void writeFailed(const QString &message);
    void eventsDeleted(int count);

private:
    /// Titles are names for people: one that cannot be written now is
    /// tried again after the next good write, never worth a retry loop.
    void writeTitles()
    {
        if (!m_store)
            return;
        for (auto it = m_titles.begin(); it != m_titles.end();) {
            if (!m_store->setChannelTitle(it.key(), it.value()))
                return;
            it = m_titles.erase(it);
        }
    }

    /// Like titles, health samples wait for the next good write when the
    /// log cannot take them now: they are no reason for a retry loop.
    void writeHealth()
    {
        if (!m_store || m_health.isEmpty())
            return;
        if (m_store->addHealthSamples(m_health.values()))
            m_health.clear();
        else
            qCWarning(lcStore).noquote()
                << "health samples kept for later:" << m_store->errorString();
    }

    void trimHealth()
    {
        if ((m_settings.healthKeepDays <= 0 && m_settings.healthMinutesKeepDays <= 0) ||
            (m_healthTrimmed.isValid() && m_healthTrimmed.elapsed() < 3'600'000))
            return;
        m_healthTrimmed.start();
        const qint64 now = QDateTime::currentMSecsSinceEpoch() * 1000;
        const auto daysAgo = [now](int days) {
            return days > 0 ? now - qint64(days) * 24 * 3'600'000'000LL
                            : std::numeric_limits<qint64>::min();
        };
        const int deleted = m_store->trimHealthSamples(daysAgo(m_settings.healthMinutesKeepDays),
                                                       daysAgo(m_settings.healthKeepDays));
        if (deleted > 0)
            qCDebug(lcStore).noquote() << "deleted" << deleted << "old health sample(s)";
    }

    void scheduleRetention(std::chrono::milliseconds delay)
    {
        if (m_settings.retentionInterval.count() > 0)
            m_retentionTimer.start(delay);
    }

    void applyRetention()
    {
        if (!m_store)
            return;
        trimHealth();
        const EventLog::RetentionResult result = m_store->applyRetention(m_settings.retentionChunk);
        if (result.deleted > 0)
            Q_EMIT eventsDeleted(result.deleted);
        // More to do: come back soon, but after the writes queued meanwhile.
        scheduleRetention(result.ok && result.more ? std::chrono::milliseconds(10)
                                                   : m_settings.retentionInterval);
    }

    const EventLogWriter::Settings m_settings;
    EventLogWriter::Queue *m_queue;
    std::unique_ptr<EventLog> m_store;
    QTimer m_retryTimer{this};
    QTimer m_retentionTimer{this};
    std::chrono::milliseconds m_retryDelay;
    QHash<QString, QString> m_titles; ///< not written yet
    QHash<QPair<QString, qint64>, HealthSample>
        m_health; ///< not written yet, by channel and minute
    QElapsedTimer m_healthTrimmed;
};

EventLogWriter::EventLogWriter(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("longwatch-store"));
    // Writing may lag a little under load (the queue holds the events); the
    // window must not.
    connect(
        &m_thread, &QThread::started, &m_thread,
        [] { lowerCurrentThreadPriority(kBackgroundNiceIncrement); }, Qt::DirectConnection);
}

EventLogWriter::~EventLogWriter()
{
    close();
}

void EventLogWriter::setSettings(const Settings &settings)
{
    m_settings = settings;
}

bool EventLogWriter::open(const QString &path, bool recoverDamaged)
{
    close();
    m_notice.clear();
    auto *worker = new EventLogWorker(m_settings, &m_queue);
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &EventLogWorker::committed, this, &EventLogWriter::committed);
    connect(worker, &EventLogWorker::writeFailed, this, &EventLogWriter::writeFailed);
    connect(worker, &EventLogWorker::eventsDeleted, this, &EventLogWriter::eventsDeleted);
    m_thread.start();

    bool ok = false;
    // Opening is quick and happens once; waiting for it keeps open()'s
    // answer simple. This blocks, it does not spin a nested event loop.
    QMetaObject::invokeMethod(
        worker,
        [&] { ok = worker->open(path, recoverDamaged, &m_error, &m_errorString, &m_notice); },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        m_thread.quit();
        m_thread.wait();
        return false;
    }
    m_worker = worker;
    return true;
}

void EventLogWriter::close(std::chrono::milliseconds timeout)
{
    if (!m_worker)
        return;
    flush(timeout);
    EventLogWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, &EventLogWorker::shutdown, Qt::BlockingQueuedConnection);
    m_worker = nullptr;
    m_thread.quit();
    m_thread.wait();
    QMutexLocker lock(&m_queue.mutex);
    if (!m_queue.batches.empty()) {
        qCWarning(lcStore).noquote()
            << "closing the event log with" << m_queue.pendingEvents
            << "event(s) not written; their channels will fetch them again";
    }
    // Dropped batches count as done, so a later flush() does not wait for them.
    m_queue.committed += quint64(m_queue.batches.size());
    m_queue.batches.clear();
    m_queue.pendingEvents = 0;
    m_queue.drainScheduled = false;
    m_error = EventLog::Error::NotOpenError;
}

bool EventLogWriter::append(const QString &channel, const EventList &events, const QString &cursor,
                            const std::optional<JobMapping> &jobs)
{
    if (!m_worker) {
        qCWarning(lcStore).noquote()
            << "event log not open: dropped" << events.size() << "event(s) of" << channel;
        return false;
    }
    {
        QMutexLocker lock(&m_queue.mutex);
        m_queue.batches.push_back(EventBatch{channel, events, cursor, jobs});
        m_queue.pendingEvents += events.size();
        ++m_queue.appended;
        if (m_queue.drainScheduled)
            return true; // the worker will take this one along
        m_queue.drainScheduled = true;
    }
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->drain(); }, Qt::QueuedConnection);
    return true;
}

bool EventLogWriter::flush(std::chrono::milliseconds timeout)
{
    const QDeadlineTimer deadline(timeout);
    QMutexLocker lock(&m_queue.mutex);
    const quint64 target = m_queue.appended;
    while (m_queue.committed < target) {
        if (!m_queue.changed.wait(&m_queue.mutex, deadline))
            return m_queue.committed >= target;
    }
    return true;
}

quint64 EventLogWriter::appendedCount() const
{
    QMutexLocker lock(&m_queue.mutex);
    return m_queue.appended;
}

qsizetype EventLogWriter::pendingEvents() const
{
    QMutexLocker lock(&m_queue.mutex);
    return m_queue.pendingEvents;
}

void EventLogWriter::recordHealth(const QList<HealthSample> &samples)
{
    if (!m_worker || samples.isEmpty())
        return;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, samples] { worker->recordHealth(samples); },
        Qt::QueuedConnection);
}

void EventLogWriter::setRetention(const QString &channel, const RetentionPolicy &policy)
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, channel, policy] { worker->setRetention(channel, policy); },
        Qt::QueuedConnection);
}

void EventLogWriter::setChannelTitle(const QString &channel, const QString &title)
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, channel, title] { worker->setChannelTitle(channel, title); },
        Qt::QueuedConnection);
}

void EventLogWriter::removeChannel(const QString &channel)
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, mark = appendedCount(), channel] {
            worker->removeChannel(mark, channel);
        },
        Qt::QueuedConnection);
}

void EventLogWriter::renameChannel(const QString &channel, const QString &newChannel)
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, mark = appendedCount(), channel, newChannel] {
            worker->renameChannel(mark, channel, newChannel);
        },
        Qt::QueuedConnection);
}

} // namespace Longwatch

#include "eventlogwriter.moc"
