#pragma once

#include "channelconfig.h"
#include "eventlog.h"

#include <QHash>
#include <QObject>
#include <QString>

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
/// Resuming: call resumeFrom() with the log's cursors before the manager
/// loads its channels.
class EventRecorder final : public QObject
{
    Q_OBJECT
public:
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

private:
    void watch(Channel *channel);
    void onConfigChanged(Channel *channel);

    ChannelManager *m_manager;
    EventLogWriter *m_writer;
    QHash<QString, ChannelConfig> m_configs; ///< the last configuration seen, by id
};

} // namespace Longwatch
