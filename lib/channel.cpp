#include "channel.h"

#include "logging.h"
#include "networkpool.h"

namespace Longwatch {

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
        m_poller->setClock(m_clock);
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
    const bool restart = m_poller && m_poller->isRunning();
    const bool failed =
        !m_configError.isEmpty() || (m_poller && m_poller->state() == Poller::State::Failed);
    if (m_poller)
        m_cursor = m_poller->cursor();
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
        if (!m_poller->isRunning())
            m_poller->start(m_poller->cursor());
        return;
    }
    createPoller();
    if (m_poller)
        m_poller->start(m_cursor);
    else
        Q_EMIT stateChanged(Poller::State::Failed);
}

void Channel::pause()
{
    if (m_config.paused)
        return;
    m_config.paused = true;
    if (m_poller) {
        m_cursor = m_poller->cursor();
        m_poller->stop();
    }
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
        m_poller->retryNow();
        return;
    }
    start();
}

Poller::State Channel::state() const
{
    if (!m_configError.isEmpty())
        return Poller::State::Failed;
    if (!m_poller)
        return m_config.paused ? Poller::State::Stopped : Poller::State::Idle;
    const Poller::State state = m_poller->state();
    // A channel paused before it ever ran is paused, not idle.
    if (state == Poller::State::Idle && m_config.paused)
        return Poller::State::Stopped;
    return state;
}

QString Channel::errorString() const
{
    if (!m_configError.isEmpty())
        return m_configError;
    return m_poller ? m_poller->errorString() : QString();
}

QString Channel::errorDetail() const
{
    return m_poller ? m_poller->errorDetail() : QString();
}

Poller::Error Channel::error() const
{
    return m_configError.isEmpty() && m_poller ? m_poller->error() : Poller::Error::NoError;
}

TlsFailure Channel::tlsFailure() const
{
    return error() == Poller::Error::TlsError ? m_poller->tlsFailure() : TlsFailure{};
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
    if (!m_poller || !m_poller->isRunning())
        reconnect();
    return true;
}

void Channel::setProxyCredentials(const QString &user, const QString &password)
{
    ChannelConfig config = m_config;
    config.timing.transport.proxy.user = user;
    config.timing.transport.proxy.password = password;
    setConfig(config); // restarts a failed channel
    if (!m_poller || !m_poller->isRunning())
        reconnect();
}

int Channel::attempt() const
{
    return m_poller ? m_poller->attempt() : 0;
}

QDateTime Channel::nextRetryAt() const
{
    return m_poller ? m_poller->nextRetryAt() : QDateTime();
}

QString Channel::cursor() const
{
    return m_poller ? m_poller->cursor() : m_cursor;
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
    auto *poller = new Poller(std::move(profile), m_manager, this);
    poller->setName(m_config.name);
    poller->setSettings(m_config.pollerSettings());
    poller->setClock(m_clock);
    connect(poller, &Poller::stateChanged, this, &Channel::stateChanged);
    connect(poller, &Poller::batchReceived, this, &Channel::onBatch);
    connect(poller, &Poller::responseReceived, this, &Channel::responseReceived);
    connect(poller, &Poller::cursorAdvanced, this, &Channel::cursorAdvanced);
    connect(poller, &Poller::cursorReset, this, [this] { m_cursor.clear(); });
    m_poller = poller;
}

void Channel::destroyPoller()
{
    if (!m_poller)
        return;
    Poller *poller = m_poller;
    m_poller = nullptr;
    disconnect(poller, nullptr, this, nullptr);
    {
        const QSignalBlocker blocker(poller);
        poller->stop();
    }
    // Later, not now: we may be inside one of its signals.
    poller->deleteLater();
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

void Channel::onBatch(const EventList &events, const QString &cursor)
{
    m_cursor = cursor;
    const QDateTime now = m_clock();
    advanceBuckets(m_buckets, m_bucketStartMs, now.toMSecsSinceEpoch());
    m_buckets.back() += int(events.size());
    m_eventCount += events.size();
    m_lastEventAt = now;
    Q_EMIT countersChanged();
    Q_EMIT batchReceived(events);
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
