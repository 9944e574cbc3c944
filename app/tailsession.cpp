#include "tailsession.h"

#include "channelmanager.h"
#include "eventexporter.h"
#include "eventlog.h"
#include "logging.h"
#include "networkpool.h"
#include "networkwatcher.h"
#include "profiles.h"
#include "programoptions.h"
#include "redact.h"
#include "tailmetrics.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QSignalBlocker>
#include <QTimer>

using namespace std::chrono;

namespace Longwatch {

TailSession::TailSession(TailOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_remaining(m_options.count)
{
    m_uptime.start();
}

TailSession::~TailSession() = default;

void TailSession::setOutput(std::FILE *output)
{
    m_output = output;
}

void TailSession::setMetrics(TailMetrics *metrics)
{
    m_metrics = metrics;
}

bool TailSession::start()
{
    if (m_options.storePath) {
        m_store = std::make_unique<EventLog>();
        if (!m_store->open(*m_options.storePath)) {
            m_errorString = m_store->errorString();
            return false;
        }
    }
    m_pool = std::make_unique<NetworkPool>();
    for (const TailOptions::Channel &channel : std::as_const(m_options.channels)) {
        if (!startChannel(channel))
            return false;
    }
    watchNetwork();
    if (m_options.duration)
        QTimer::singleShot(*m_options.duration, this, [this] { finish(ExitOk); });
    return true;
}

void TailSession::watchNetwork()
{
    m_networkWatcher = std::make_unique<NetworkWatcher>();
    connect(m_networkWatcher.get(), &NetworkWatcher::networkChanged, this,
            &TailSession::restartAfterNetworkChange);
    connect(m_networkWatcher.get(), &NetworkWatcher::resumed, this,
            [this](std::chrono::milliseconds asleep) {
                restartAfterNetworkChange(NetworkWatcher::resumeText(asleep));
            });
    const auto setOffline = [this](bool offline) {
        if (!m_options.quiet)
            Q_EMIT message(offline ? tr("offline: no route out of this machine; waiting for "
                                        "the network")
                                   : tr("a route out of this machine again"));
        m_routeOffline = offline;
        updateOffline();
    };
    connect(m_networkWatcher.get(), &NetworkWatcher::onlineChanged, this, setOffline);
    if (!m_networkWatcher->isOnline())
        setOffline(true);
}

void TailSession::updateReach(const QString &name, const QString &host, const Poller *poller)
{
    const OfflineDetector::Change change = m_reach.update(
        name, host, poller->state(), poller->couldNotReach(), milliseconds(m_uptime.elapsed()));
    switch (change) {
    case OfflineDetector::Change::None:
        return;
    case OfflineDetector::Change::WentOffline:
        Q_EMIT message(tr("offline: none of the channels reaches its server (%1 servers); "
                          "waiting for the network")
                           .arg(m_reach.unreachableServers()));
        break;
    case OfflineDetector::Change::Answered:
        // The first sign of a network: the others need not sit out their backoff.
        if (!m_options.quiet)
            Q_EMIT message(tr("[%1] reached its server: polling every channel again").arg(name));
        for (auto &other : m_pollers) {
            if (other.get() != poller)
                other->networkReturned(milliseconds(QRandomGenerator::global()->bounded(
                    qint64(ChannelManager::kNetworkChangeJitter.count()))));
        }
        break;
    case OfflineDetector::Change::Cleared:
        break;
    }
    updateOffline();
}

void TailSession::updateOffline()
{
    const bool offline = m_routeOffline || m_reach.isOffline();
    if (offline == m_offline)
        return;
    m_offline = offline;
    if (!offline && !m_options.quiet)
        Q_EMIT message(tr("online again"));
    for (auto &poller : m_pollers)
        poller->setOffline(offline);
}

void TailSession::restartAfterNetworkChange(const QString &why)
{
    if (m_finishing)
        return;
    if (!m_options.quiet)
        Q_EMIT message(tr("network changed (%1): polling every channel again").arg(why));
    m_pool->dropIdleConnections();
    for (auto &poller : m_pollers) {
        const auto jitter = std::chrono::milliseconds(QRandomGenerator::global()->bounded(
            qint64(ChannelManager::kNetworkChangeJitter.count())));
        poller->restartAfterNetworkChange(jitter);
    }
}

bool TailSession::startChannel(const TailOptions::Channel &channel)
{
    const QString &name = channel.name;
    QStringList errors;
    std::unique_ptr<FeedProfile> profile =
        createProfile(channel.profileId, channel.url, channel.knobs, &errors);
    if (!profile) {
        // The command line was checked with the same createProfile().
        m_errorString = tr("channel '%1': %2").arg(name, errors.join(QLatin1Char(' ')));
        return false;
    }
    QNetworkAccessManager *manager = m_pool->acquire(channel.url, channel.settings.transport);
    auto poller = std::make_unique<Poller>(std::move(profile), manager);
    poller->setName(name);
    poller->setSettings(channel.settings);
    Poller *p = poller.get();
    // Before the printing slots: a batch that ends the run is counted first.
    if (m_store)
        meterHealth(name, p);
    connect(p, &Poller::batchReceived, this,
            [this, name, jobs = channel.jobs](const EventList &events, const QString &cursor) {
                if (m_metrics)
                    m_metrics->countBatch(name, events);
                onBatch(name, jobs, events, cursor);
            });
    connect(p, &Poller::stateChanged, this,
            [this, p, name, host = channel.url.host()](Poller::State state) {
                updateReach(name, host, p);
                if (state == Poller::State::Failed) {
                    Q_EMIT message(tr("[%1] stopped: %2").arg(name, p->errorString()));
                    finish(ExitFailed);
                } else if (!m_options.quiet && state != Poller::State::Backoff &&
                           state != Poller::State::Stopped) {
                    Q_EMIT message(tr("[%1] %2").arg(
                        name, Poller::stateString(state, p->isStreaming()).toLower()));
                }
            });
    connect(p, &Poller::retryScheduled, this, [this, p, name](int attempt, milliseconds delay) {
        Q_EMIT message(tr("[%1] %2 Next try in %3 s (attempt %4).")
                           .arg(name, p->errorString())
                           .arg(double(delay.count()) / 1000.0, 0, 'f', 1)
                           .arg(attempt));
    });
    connect(p, &Poller::cursorReset, this, [this, name](const QString &, const QString &why) {
        Q_EMIT message(tr("[%1] %2").arg(name, why));
    });
    if (!m_options.quiet)
        Q_EMIT message(
            tr("[%1] polling %2 (%3)").arg(name, redactedUrl(channel.url), channel.profileId));

    QString startCursor =
        m_options.sinceByChannel.value(name, m_options.sinceForAll.value_or(QString()));
    if (m_store && !m_options.sinceByChannel.contains(name) && !m_options.sinceForAll) {
        const std::optional<QString> stored = m_store->cursor(name);
        if (stored) {
            startCursor = *stored;
            if (!m_options.quiet)
                Q_EMIT message(
                    tr("[%1] resuming from the stored cursor %2").arg(name, startCursor));
        } else if (m_store->error() != EventLog::Error::NoError) {
            m_errorString = m_store->errorString();
            return false;
        }
    }
    if (m_metrics)
        m_metrics->watch(name, p);
    p->start(startCursor);
    m_pollers.push_back(std::move(poller));
    return true;
}

void TailSession::onBatch(const QString &name, const JobMapping &jobs, const EventList &events,
                          const QString &cursor)
{
    // With an event log: recorded (batch and cursor in one transaction)
    // before anything is printed, and what was stored before is not printed
    // again.
    QList<int> duplicates;
    if (m_store) {
        const std::optional<AppendResult> result = m_store->append(name, events, cursor, jobs);
        if (!result) {
            Q_EMIT message(
                tr("[%1] could not record events: %2").arg(name, m_store->errorString()));
            finish(ExitFailed);
            return;
        }
        duplicates = result->duplicateIndexes;
    }
    qsizetype nextDuplicate = 0;
    for (qsizetype at = 0; at < events.size(); ++at) {
        if (nextDuplicate < duplicates.size() && duplicates.at(nextDuplicate) == at) {
            ++nextDuplicate;
            continue;
        }
        if (m_remaining == 0)
            break;
        if (!print(EventExporter::ndjsonLine(name, events.at(at)))) {
            finish(ExitOk); // the reader went away
            return;
        }
        if (m_remaining)
            --*m_remaining;
    }
    if (m_remaining == 0)
        finish(ExitOk);
}

bool TailSession::print(const QByteArray &line)
{
    return std::fwrite(line.constData(), 1, size_t(line.size()), m_output) == size_t(line.size()) &&
           std::fflush(m_output) == 0;
}

void TailSession::meterHealth(const QString &name, Poller *poller)
{
    const auto now = [] { return QDateTime::currentMSecsSinceEpoch() * 1000; };
    connect(poller, &Poller::responseReceived, this,
            [this, name, now] { m_health[name].answer(now()); });
    connect(poller, &Poller::batchReceived, this, [this, name, poller, now](const EventList &e) {
        m_health[name].batch(now(), int(e.size()), poller->answerLatency());
    });
    connect(poller, &Poller::stateChanged, this, [this, name, poller, now](Poller::State state) {
        m_health[name].state(now(), state, poller->error(), poller->nextRetryAt());
    });
    if (!m_healthTimer.isActive()) {
        connect(&m_healthTimer, &QTimer::timeout, this, &TailSession::writeHealth);
        m_healthTimer.start(std::chrono::seconds(10));
    }
}

void TailSession::writeHealth()
{
    QList<HealthSample> samples;
    for (auto it = m_health.begin(); it != m_health.end(); ++it)
        samples += it->take(it.key());
    // The channels' health is for charts: a write that fails loses it,
    // and the run goes on (events are what must not be lost).
    if (m_store && !samples.isEmpty() && !m_store->addHealthSamples(samples))
        qCWarning(lcStore).noquote()
            << "could not record channel health:" << m_store->errorString();
}

void TailSession::finish(int exitCode)
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_healthTimer.stop();
    writeHealth();
    for (auto &poller : m_pollers) {
        const QSignalBlocker blocker(poller.get());
        poller->stop();
    }
    // Queued: finish() may come while start() runs, before the event loop.
    QTimer::singleShot(0, this, [this, exitCode] { Q_EMIT finished(exitCode); });
}

} // namespace Longwatch
