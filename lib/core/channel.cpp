#include "channel.h"

#include "logging.h"
#include "networkpool.h"
#include "profiles/profilesupport.h"

#include <QMutex>
#include <QNetworkAccessManager>
#include <QThread>

namespace Longwatch {

/// The way back from a poller to its channel, shared by the channel and
/// the poller's reports, which run in the poller's thread.
struct Channel::Relay
{
    QMutex mutex;
    Channel *channel = nullptr; ///< cleared, under the mutex, when the channel lets the poller go
    quint64 appliedCommand = 0; ///< the poller's thread only
};

void Channel::deliver(const std::shared_ptr<Relay> &relay, std::function<void(Channel *)> call)
{
    QMutexLocker lock(&relay->mutex);
    Channel *channel = relay->channel;
    if (!channel)
        return;
    if (channel->thread() == QThread::currentThread()) {
        lock.unlock();
        call(channel);
        return;
    }
    // Queued while the channel surely exists (it clears relay->channel under
    // the mutex before it goes); Qt drops the call if the channel is deleted
    // first, and the channel drops it if it let this poller go meanwhile.
    QMetaObject::invokeMethod(
        channel,
        [channel, relay, call = std::move(call)] {
            if (channel->m_relay == relay)
                call(channel);
        },
        Qt::QueuedConnection);
}

Channel::Channel(const ChannelConfig &config, NetworkPool *pool, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    if (m_config.id.isEmpty())
        m_config.id = ChannelConfig::newId();
    m_buckets.assign(size_t(m_bucketCount), 0);
}

Channel::~Channel()
{
    destroyPoller();
}

void Channel::setClock(Clock clock)
{
    m_clock = std::move(clock);
    if (m_poller)
        command([clock = m_clock](Poller *poller) { poller->setClock(clock); }, false);
}

void Channel::setRateBuckets(int count, std::chrono::milliseconds width)
{
    m_bucketCount = std::max(1, count);
    m_bucketWidth = std::max(std::chrono::milliseconds(1), width);
    m_buckets.assign(size_t(m_bucketCount), 0);
    m_bucketStartMs = 0;
}

void Channel::setConfig(const ChannelConfig &config)
{
    const bool restart = m_poller && Poller::isRunning(m_status.state);
    const bool failed =
        !m_configError.isEmpty() || (m_poller && m_status.state == Poller::State::Failed);
    if (!config.sameFeed(m_config))
        m_cursor.clear();
    const QString id = m_config.id;
    m_config = config;
    m_config.id = id; // the identity never changes under an edit
    destroyPoller();
    m_configError.clear();
    Q_EMIT configChanged();
    if ((restart || failed) && !m_config.paused)
        start();
    else
        Q_EMIT stateChanged(state());
}

void Channel::setNotifications(const ChannelNotifications &notifications)
{
    if (notifications == m_config.notifications)
        return;
    m_config.notifications = notifications;
    Q_EMIT configChanged();
}

void Channel::setGroup(const QString &group)
{
    if (group == m_config.group)
        return;
    m_config.group = group;
    Q_EMIT configChanged();
}

void Channel::setResumeCursor(const QString &cursor)
{
    if (!m_poller)
        m_cursor = cursor;
}

void Channel::start()
{
    if (m_config.paused) {
        Q_EMIT stateChanged(state());
        return;
    }
    if (m_poller) {
        // Decided in the poller's thread: a report of ours may be on its way.
        command([](Poller *poller) {
            if (!poller->isRunning())
                poller->start(poller->cursor());
        });
        return;
    }
    createPoller();
    if (!m_poller) {
        Q_EMIT stateChanged(Poller::State::Failed);
        return;
    }
    command([cursor = m_cursor](Poller *poller) { poller->start(cursor); });
    // Poller::start() says Connecting at once; with the poller in another
    // thread, say it here rather than show Idle until its report comes.
    if (m_status.command < m_lastStateCommand) {
        m_status.state = Poller::State::Connecting;
        Q_EMIT stateChanged(state());
    }
}

void Channel::pause()
{
    if (m_config.paused)
        return;
    m_config.paused = true;
    if (m_poller)
        command([](Poller *poller) { poller->stop(); });
    Q_EMIT configChanged();
    Q_EMIT stateChanged(state());
}

void Channel::resume()
{
    if (!m_config.paused)
        return;
    m_config.paused = false;
    Q_EMIT configChanged();
    start();
}

void Channel::close()
{
    destroyPoller();
}

void Channel::reconnect()
{
    if (m_config.paused) {
        resume();
        return;
    }
    if (m_poller) {
        command([](Poller *poller) { poller->retryNow(); });
        return;
    }
    start();
}

void Channel::restartAfterNetworkChange(std::chrono::milliseconds delay)
{
    if (m_poller && !m_config.paused)
        command([delay](Poller *poller) { poller->restartAfterNetworkChange(delay); });
}

void Channel::networkReturned(std::chrono::milliseconds delay)
{
    if (!m_poller || m_config.paused)
        return;
    // Most channels are not in Backoff and stay as they are: reports
    // already on their way are not out of date.
    command([delay](Poller *poller) { poller->networkReturned(delay); }, false);
}

void Channel::setOffline(bool offline)
{
    if (offline == m_offline)
        return;
    m_offline = offline;
    // Its retry may come sooner now (Poller::setOffline()): reported.
    command(
        [offline, relay = m_relay](Poller *poller) {
            poller->setOffline(offline);
            report(poller, relay);
        },
        false);
    Q_EMIT statusChanged();
}

bool Channel::isWaitingForNetwork() const
{
    if (!m_offline)
        return false;
    const Poller::State now = state();
    return now == Poller::State::Backoff || now == Poller::State::Connecting;
}

Poller::State Channel::state() const
{
    if (!m_configError.isEmpty())
        return Poller::State::Failed;
    if (!m_poller)
        return m_config.paused ? Poller::State::Stopped : Poller::State::Idle;
    // Paused is stopped (a poller in another thread may not have said so
    // yet), unless it had failed; a channel paused before it ever ran is
    // paused, not idle.
    if (m_config.paused && m_status.state != Poller::State::Failed)
        return Poller::State::Stopped;
    return m_status.state;
}

QString Channel::errorString() const
{
    if (!m_configError.isEmpty())
        return m_configError;
    return m_poller ? m_status.errorString : QString();
}

QString Channel::errorDetail() const
{
    return m_poller ? m_status.errorDetail : QString();
}

Poller::Error Channel::error() const
{
    return m_configError.isEmpty() && m_poller ? m_status.error : Poller::Error::NoError;
}

bool Channel::couldNotReach() const
{
    return m_configError.isEmpty() && m_poller && m_status.couldNotReach;
}

TlsFailure Channel::tlsFailure() const
{
    return error() == Poller::Error::TlsError ? m_status.tlsFailure : TlsFailure{};
}

bool Channel::trustCertificate(const QString &sha256)
{
    const QString pin = normalizedFingerprint(sha256);
    if (pin.isEmpty())
        return false;
    ChannelConfig config = m_config;
    QStringList &pins = config.timing.transport.tls.pinnedSha256;
    bool known = false;
    for (const QString &existing : std::as_const(pins))
        known = known || normalizedFingerprint(existing) == pin;
    if (!known)
        pins << pin;
    setConfig(config); // restarts a failed channel
    startIfStopped();
    return true;
}

void Channel::setProxyCredentials(const QString &user, const QString &password)
{
    ChannelConfig config = m_config;
    config.timing.transport.proxy.user = user;
    config.timing.transport.proxy.password = password;
    setConfig(config); // restarts a failed channel
    startIfStopped();
}

void Channel::startIfStopped()
{
    if (m_config.paused || !m_poller) {
        reconnect();
        return;
    }
    command([](Poller *poller) {
        if (!poller->isRunning())
            poller->retryNow();
    });
}

bool Channel::isStreaming() const
{
    return m_poller && m_status.streaming && state() == Poller::State::Live;
}

int Channel::attempt() const
{
    return m_poller ? m_status.attempt : 0;
}

int Channel::server() const
{
    return m_poller ? m_status.server : 0;
}

QString Channel::serverName() const
{
    return m_poller ? m_status.serverName : QString();
}

QDateTime Channel::nextRetryAt() const
{
    return m_poller ? m_status.nextRetryAt : QDateTime();
}

QString Channel::cursor() const
{
    return m_cursor;
}

void Channel::report(const Poller *poller, const std::shared_ptr<Relay> &relay)
{
    Status status;
    status.state = poller->state();
    status.streaming = poller->isStreaming();
    status.error = poller->error();
    status.couldNotReach = poller->couldNotReach();
    status.errorString = poller->errorString();
    status.errorDetail = poller->errorDetail();
    status.tlsFailure = poller->tlsFailure();
    status.attempt = poller->attempt();
    status.nextRetryAt = poller->nextRetryAt();
    status.cursor = poller->cursor();
    status.server = poller->server();
    status.serverName = poller->serverName();
    status.command = relay->appliedCommand;
    deliver(relay, [status](Channel *channel) { channel->applyStatus(status); });
}

void Channel::createPoller()
{
    QStringList errors;
    std::unique_ptr<FeedProfile> profile = m_config.createProfile(&errors);
    if (!profile || !m_pool) {
        m_configError =
            errors.isEmpty()
                ? tr("The channel cannot run.")
                : tr("The channel's settings are not valid: %1").arg(errors.join(QLatin1Char(' ')));
        qCWarning(lcPoller).noquote() << m_config.name << m_configError;
        return;
    }
    m_configError.clear();
    // The manager must carry the channel's proxy: lease it with the same
    // transport options the Poller gets.
    m_leasedFor = m_config.url;
    m_leasedTransport = m_config.timing.transport;
    m_manager = m_pool->acquire(m_leasedFor, m_leasedTransport);
    auto *poller = new Poller(std::move(profile), m_manager);
    poller->setOtherServers(m_config.createOtherProfiles());
    poller->setName(m_config.name);
    poller->setSettings(m_config.pollerSettings());
    poller->setOffline(m_offline);
    poller->setClock(m_clock);

    m_relay = std::make_shared<Relay>();
    m_relay->channel = this;
    m_status = {};
    // The poller's reports, made in its thread (the connections are direct)
    // and delivered to this one in the order they were made.
    const std::shared_ptr<Relay> relay = m_relay;
    const auto reportState = [poller, relay] { report(poller, relay); };
    connect(poller, &Poller::stateChanged, poller, reportState, Qt::DirectConnection);
    connect(poller, &Poller::errorOccurred, poller, reportState, Qt::DirectConnection);
    connect(poller, &Poller::cursorReset, poller, reportState, Qt::DirectConnection);
    connect(poller, &Poller::serverChanged, poller, reportState, Qt::DirectConnection);
    connect(
        poller, &Poller::cursorReset, poller,
        [poller, relay](const QString &previous, const QString &reason) {
            // A row of its own, stored and shown like an event: the
            // feed started again and events in between may be missing.
            const EventList gap{gapEvent(reason, previous)};
            const QString cursor = poller->cursor();
            deliver(relay, [gap, cursor](Channel *channel) { channel->onBatch(gap, cursor); });
        },
        Qt::DirectConnection);
    connect(
        poller, &Poller::batchReceived, poller,
        [poller, relay](const EventList &events, const QString &cursor) {
            deliver(relay, [events, cursor, latency = poller->answerLatency()](Channel *channel) {
                channel->onBatch(events, cursor, latency);
            });
        },
        Qt::DirectConnection);
    connect(
        poller, &Poller::cursorAdvanced, poller,
        [relay](const QString &cursor) {
            deliver(relay, [cursor](Channel *channel) {
                channel->m_cursor = cursor;
                Q_EMIT channel->cursorAdvanced(cursor);
            });
        },
        Qt::DirectConnection);
    connect(
        poller, &Poller::responseReceived, poller,
        [relay] { deliver(relay, [](Channel *channel) { Q_EMIT channel->responseReceived(); }); },
        Qt::DirectConnection);
    // The poller lives where its manager does (QNetworkAccessManager is not
    // to be used from another thread).
    if (m_manager->thread() != thread())
        poller->moveToThread(m_manager->thread());
    m_poller = poller;
}

void Channel::command(std::function<void(Poller *)> command, bool changesState)
{
    if (!m_poller)
        return;
    const quint64 number = ++m_commandsSent;
    if (changesState)
        m_lastStateCommand = number;
    Poller *poller = m_poller;
    QMetaObject::invokeMethod(
        poller,
        [poller, relay = m_relay, number, command = std::move(command)] {
            relay->appliedCommand = number;
            command(poller);
        },
        Qt::AutoConnection);
}

void Channel::applyStatus(const Status &status)
{
    m_cursor = status.cursor;
    // A report made before the poller carried out the last command that
    // changes its state is out of date: that command's own report follows.
    if (status.command < m_lastStateCommand)
        return;
    const Poller::State before = state();
    m_status = status;
    if (state() != before)
        Q_EMIT stateChanged(state());
    else
        Q_EMIT statusChanged();
}

void Channel::destroyPoller()
{
    if (!m_poller)
        return;
    Poller *poller = m_poller;
    m_poller = nullptr;
    {
        // After this no report of the poller reaches us, wherever it runs.
        QMutexLocker lock(&m_relay->mutex);
        m_relay->channel = nullptr;
    }
    m_relay.reset();
    m_status = {};
    if (poller->thread() == thread()) {
        {
            const QSignalBlocker blocker(poller);
            poller->stop();
        }
        // Later, not now: we may be inside one of its signals.
        poller->deleteLater();
    } else {
        // In its own thread (~Poller stops it quietly). A NetworkPool that
        // goes away lets that thread finish these first.
        QMetaObject::invokeMethod(
            poller, [poller] { delete poller; }, Qt::QueuedConnection);
    }
    if (m_pool && m_manager)
        m_pool->release(m_manager, m_leasedFor, m_leasedTransport);
    m_manager = nullptr;
}

void Channel::advanceBuckets(std::deque<int> &buckets, qint64 &bucketStartMs, qint64 nowMs) const
{
    const qint64 width = m_bucketWidth.count();
    if (bucketStartMs == 0) {
        bucketStartMs = nowMs - nowMs % width;
        return;
    }
    if (nowMs < bucketStartMs + width)
        return;
    const qint64 steps = (nowMs - bucketStartMs) / width;
    const qint64 shift = std::min<qint64>(steps, qint64(buckets.size()));
    for (qint64 i = 0; i < shift; ++i) {
        buckets.pop_front();
        buckets.push_back(0);
    }
    bucketStartMs += steps * width;
}

void Channel::onBatch(const EventList &events, const QString &cursor,
                      std::optional<std::chrono::milliseconds> latency)
{
    m_cursor = cursor;
    m_lastBatchLatency = latency;
    const QDateTime now = m_clock();
    advanceBuckets(m_buckets, m_bucketStartMs, now.toMSecsSinceEpoch());
    m_buckets.back() += int(events.size());
    m_eventCount += events.size();
    m_lastEventAt = now;
    Q_EMIT countersChanged();
    Q_EMIT batchReceived(events);
}

QString Channel::gapEventType()
{
    return ProfileSupport::gapEventType();
}

Event Channel::gapEvent(const QString &reason, const QString &previousCursor)
{
    Event event = ProfileSupport::gapEvent(
        tr("Gap \u2014 started again; events in between may be missing. %1")
            .arg(reason.trimmed())
            .trimmed(),
        reason, previousCursor);
    event.receivedUsecs = currentUsecsUtc();
    return event;
}

QList<int> Channel::rateHistory() const
{
    std::deque<int> buckets = m_buckets;
    qint64 start = m_bucketStartMs;
    if (start != 0)
        advanceBuckets(buckets, start, m_clock().toMSecsSinceEpoch());
    return QList<int>(buckets.cbegin(), buckets.cend());
}

} // namespace Longwatch
