#include "jobhistoryloader.h"

#include "channel.h"
#include "channelmanager.h"
#include "eventlog.h"

#include <algorithm>

namespace Longwatch {

JobHistoryLoader::JobHistoryLoader(EventLog *log, ChannelManager *manager, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_manager(manager)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(0);
    connect(&m_timer, &QTimer::timeout, this, &JobHistoryLoader::readNext);
}

void JobHistoryLoader::enqueue(const QString &channelId)
{
    if (!m_log)
        return;
    if (!m_queue.contains(channelId))
        m_queue.append(channelId);
    if (!m_timer.isActive())
        m_timer.start();
}

void JobHistoryLoader::readNext()
{
    if (m_queue.isEmpty() || !m_log)
        return;
    Channel *channel = m_manager->channel(m_queue.takeFirst());
    if (!m_queue.isEmpty())
        m_timer.start();
    if (!channel)
        return;
    const JobMapping &mapping = channel->config().jobs;
    const EventList events = jobEvents(m_log, channel->id(), mapping);
    if (!events.isEmpty())
        Q_EMIT jobsRead(channel->id(), channel->name(), mapping, events);
}

EventList JobHistoryLoader::jobEvents(EventLog *log, const QString &channelId,
                                      const JobMapping &mapping, int limit)
{
    // The job board as it was: the channel's newest stored events, read as
    // bytes; only those that may name a job become events.
    EventQuery query;
    query.channels = {channelId};
    EventPage page;
    page.limit = limit;
    page.newestFirst = true;
    EventList events;
    const JobKeyFilter filter(mapping);
    const qint64 read = log->visitEvents(query, page, [&](const StoredEventBytes &stored) {
        if (!filter.mayNameAJob(stored.raw))
            return;
        Event event;
        event.key = QString::fromUtf8(stored.key);
        event.type = QString::fromUtf8(stored.type);
        event.text = QString::fromUtf8(stored.text);
        if (stored.timeMsecs)
            event.time = QDateTime::fromMSecsSinceEpoch(*stored.timeMsecs, Qt::UTC);
        event.receivedUsecs = stored.receivedUsecs;
        event.raw = stored.raw;
        events.append(std::move(event));
    });
    if (read <= 0)
        return {};
    std::reverse(events.begin(), events.end());
    return events;
}

} // namespace Longwatch
