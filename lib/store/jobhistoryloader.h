#pragma once

#include "event.h"
#include "jobstatus.h"

#include <QObject>
#include <QStringList>
#include <QTimer>

namespace Longwatch {

class ChannelManager;
class EventLog;

/// Reads a channel's job board back from the event log: the newest stored
/// events that may name a job (JobKeyFilter), oldest first, for a job model
/// to replay. Channels are read one per turn of the event loop, so that a
/// hundred channels' history does not hold up the window's start.
///
/// Without widgets: the dashboard connects jobsRead() to its job board;
/// anything else (a test, a report) may read jobEvents() directly.
class JobHistoryLoader final : public QObject
{
    Q_OBJECT
public:
    /// How many of a channel's newest events are looked at.
    static constexpr int kEventLimit = 5000;

    /// `log` (open in this thread) and `manager` are not owned; `log` may
    /// be nullptr (nothing is read then).
    JobHistoryLoader(EventLog *log, ChannelManager *manager, QObject *parent = nullptr);

    /// Reads `channelId`'s job events at a later turn of the event loop
    /// (once, however often it is asked before then). A channel removed
    /// meanwhile is passed over.
    void enqueue(const QString &channelId);
    /// Channels waiting to be read.
    qsizetype pending() const { return m_queue.size(); }

    /// The newest `limit` events of `channelId` that may name a job by
    /// `mapping`, oldest first; empty when there are none or the log
    /// cannot be read.
    static EventList jobEvents(EventLog *log, const QString &channelId, const JobMapping &mapping,
                               int limit = kEventLimit);

Q_SIGNALS:
    /// A channel's job events were read (never emitted with none). The
    /// channel is the manager's; its name and mapping are as they are now.
    void jobsRead(const QString &channelId, const QString &name, const JobMapping &mapping,
                  const EventList &events);

private:
    void readNext();

    EventLog *m_log;
    ChannelManager *m_manager;
    QStringList m_queue;
    QTimer m_timer;
};

} // namespace Longwatch
