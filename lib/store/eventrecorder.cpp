#include "eventrecorder.h"

#include "channel.h"
#include "channelmanager.h"
#include "eventlogwriter.h"
#include "logging.h"

#include <QDateTime>

namespace Longwatch {

EventRecorder::EventRecorder(ChannelManager *manager, EventLogWriter *writer, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_writer(writer)
{
    connect(manager, &ChannelManager::channelAdded, this, &EventRecorder::watch);
    connect(manager, &ChannelManager::channelRemoved, this,
            [this](const QString &id) { m_configs.remove(id); });
    connect(manager, &ChannelManager::batchReceived, this,
            [this](Channel *channel, const EventList &events) {
                // Channel::cursor() is already the one that follows the batch.
                if (m_writer->isOpen())
                    m_writer->append(channel->id(), events, channel->cursor(),
                                     channel->config().jobs);
            });
    for (Channel *channel : manager->channels())
        watch(channel);
}

EventRecorder::~EventRecorder() = default;

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
