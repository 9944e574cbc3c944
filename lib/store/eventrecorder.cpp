#include "eventrecorder.h"

#include "channel.h"
#include "channelmanager.h"
#include "eventlogwriter.h"
#include "logging.h"

#include <QDateTime>

#include <algorithm>

namespace Longwatch {

namespace {

qint64 currentUsecs()
{
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

} // namespace

EventRecorder::EventRecorder(ChannelManager *manager, EventLogWriter *writer, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_writer(writer)
    , m_healthTimer(new QTimer(this))
    , m_clock(&currentUsecs)
{
    m_healthTimer->setInterval(std::chrono::seconds(10));
    connect(m_healthTimer, &QTimer::timeout, this, &EventRecorder::flushHealth);
    m_healthTimer->start();
    connect(manager, &ChannelManager::channelAdded, this, &EventRecorder::watch);
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        m_configs.remove(id);
        // What it did until now stays with its history.
        if (HealthMeter meter = m_health.take(id); !meter.isEmpty() && m_writer->isOpen())
            m_writer->recordHealth(meter.take(id));
    });
    connect(manager, &ChannelManager::batchReceived, this,
            [this](Channel *channel, const EventList &events) {
                // Channel::cursor() is already the one that follows the batch.
                if (m_writer->isOpen())
                    m_writer->append(channel->id(), events, channel->cursor(),
                                     channel->config().jobs);
                // A gap row is the channel's own note, not an event of the feed.
                const auto fed = std::count_if(events.cbegin(), events.cend(), [](const Event &e) {
                    return e.type != Channel::gapEventType() || !e.key.isEmpty();
                });
                if (fed > 0)
                    m_health[channel->id()].batch(m_clock(), int(fed), channel->lastBatchLatency());
            });
    for (Channel *channel : manager->channels())
        watch(channel);
}

EventRecorder::~EventRecorder()
{
    flushHealth();
}

void EventRecorder::setHealthInterval(std::chrono::milliseconds interval)
{
    m_healthTimer->setInterval(interval);
}

std::chrono::milliseconds EventRecorder::healthInterval() const
{
    return m_healthTimer->intervalAsDuration();
}

void EventRecorder::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock(&currentUsecs);
}

void EventRecorder::flushHealth()
{
    if (!m_writer->isOpen())
        return;
    QList<HealthSample> samples;
    for (auto it = m_health.begin(); it != m_health.end(); ++it)
        samples += it->take(it.key());
    m_writer->recordHealth(samples);
}

void EventRecorder::onState(Channel *channel, Poller::State state)
{
    m_health[channel->id()].state(m_clock(), state, channel->error(), channel->nextRetryAt());
}

void EventRecorder::resumeFrom(const QHash<QString, QString> &cursors)
{
    m_manager->setResumeCursors(cursors);
}

RetentionPolicy EventRecorder::retentionOf(const ChannelConfig &config)
{
    RetentionPolicy policy;
    policy.maxEvents = config.keepEvents;
    policy.maxAge = std::chrono::days(config.keepDays);
    return policy;
}

void EventRecorder::forgetChannel(const QString &channelId)
{
    m_writer->removeChannel(channelId);
}

void EventRecorder::watch(Channel *channel)
{
    m_configs.insert(channel->id(), channel->config());
    m_writer->setChannelTitle(channel->id(), channel->name());
    if (const RetentionPolicy policy = retentionOf(channel->config()); !policy.isNull())
        m_writer->setRetention(channel->id(), policy);
    connect(channel, &Channel::cursorAdvanced, this, [this, channel](const QString &cursor) {
        if (m_writer->isOpen())
            m_writer->append(channel->id(), {}, cursor);
    });
    connect(channel, &Channel::configChanged, this, [this, channel] { onConfigChanged(channel); });
    connect(channel, &Channel::responseReceived, this,
            [this, channel] { m_health[channel->id()].answer(m_clock()); });
    connect(channel, &Channel::stateChanged, this,
            [this, channel](Poller::State state) { onState(channel, state); });
    onState(channel, channel->state());
}

void EventRecorder::onConfigChanged(Channel *channel)
{
    const ChannelConfig &config = channel->config();
    const auto it = m_configs.find(channel->id());
    if (it == m_configs.end())
        return;
    if (!config.sameFeed(*it)) {
        // Another feed: its keys and cursors mean nothing against the old
        // one's. Keep the old history under its own key.
        const QString archive = QStringLiteral("%1@%2").arg(
            channel->id(), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        qCInfo(lcStore).noquote() << "channel" << config.name
                                  << "now watches another feed; its history is kept as" << archive;
        flushHealth(); // the old feed's minutes go with its history
        m_writer->renameChannel(channel->id(), archive);
        m_writer->setChannelTitle(archive, it->name);
        m_writer->setChannelTitle(channel->id(), config.name);
    } else if (config.name != it->name) {
        m_writer->setChannelTitle(channel->id(), config.name);
    }
    if (retentionOf(config) != retentionOf(*it))
        m_writer->setRetention(channel->id(), retentionOf(config));
    *it = config;
}

} // namespace Longwatch
