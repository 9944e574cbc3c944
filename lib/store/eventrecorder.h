#pragma once

#include "channelconfig.h"
#include "channelhealth.h"
#include "eventlog.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>
#include <functional>

namespace Longwatch {

class Channel;
class ChannelManager;
class EventLogWriter;

/// Keeps a ChannelManager's channels in the event log: every batch with the
/// cursor that follows it (one transaction, through an EventLogWriter, so the
/// UI thread never waits for the disk), cursors that moved without events,
/// and each channel's name as its title.
///
/// Channels are stored under their id (ChannelConfig::id), so a rename
/// keeps the history. A channel pointed at another feed gets a fresh key:
/// the old feed's history moves to "<id>@<UTC time>" and stays in the log
/// under its title, and the new feed's event keys, which may repeat the
/// old ones, are not taken for duplicates.
///
/// Each channel's health goes along (EventLogWriter::recordHealth()): what
/// its poller reports anyway (answers, batches and their latency, failed
/// attempts, backoffs, reconnects), counted per minute (HealthMeter) and
/// handed over every healthInterval() and when the recorder goes.
///
/// Resuming: call resumeFrom() with the log's cursors before the manager
/// loads its channels.
class EventRecorder final : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>; ///< µs since the epoch, UTC

    /// Neither is owned; both must outlive the recorder.
    EventRecorder(ChannelManager *manager, EventLogWriter *writer, QObject *parent = nullptr);
    ~EventRecorder() override;

    /// Hands the stored cursors (EventLog::cursors()) to the manager, so
    /// channels added from now on resume where their last stored batch ended.
    void resumeFrom(const QHash<QString, QString> &cursors);

    /// The retention of a channel's configuration (keepEvents, keepDays).
    static RetentionPolicy retentionOf(const ChannelConfig &config);

    /// Deletes a channel's stored events and cursor (after a removal the
    /// person asked to forget it).
    void forgetChannel(const QString &channelId);

    /// How often the channels' health counts go to the writer (default 10 s).
    void setHealthInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds healthInterval() const;
    /// The clock the health counts go by (tests).
    void setClock(Clock clock);
    /// Hands every channel's health counts to the writer now.
    void flushHealth();

private:
    void watch(Channel *channel);
    void onConfigChanged(Channel *channel);
    void onState(Channel *channel, Poller::State state);

    ChannelManager *m_manager;
    EventLogWriter *m_writer;
    QHash<QString, ChannelConfig> m_configs; ///< the last configuration seen, by id
    QHash<QString, HealthMeter> m_health;    ///< by channel id
    QTimer *m_healthTimer = nullptr;
    Clock m_clock;
};

} // namespace Longwatch
