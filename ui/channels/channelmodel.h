#pragma once

#include "eventlog.h"
#include "poller.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <functional>

namespace Longwatch {

class Channel;
class ChannelManager;
class EventLogWriter;

/// The channels of a ChannelManager as a list: one row per channel, in the
/// manager's order. Views read everything from here (the state role drives
/// the status delegate); nothing in the UI asks a Poller directly.
///
/// Once a second the time-dependent roles (the retry countdown, "time since
/// last event", the rate) are announced as changed.
///
/// A channel's event count is the number of its events in the event log:
/// what the log held at start (setEventLog()) plus what arrived since,
/// less what the log refused as repeats and what retention deleted. Clearing
/// the event view does not change it. Without a log it counts the events
/// received since the program started.
class ChannelModel final : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        ChannelIdRole = Qt::UserRole + 1,
        StateRole,          ///< Poller::State (a paused channel is Stopped)
        StatusTextRole,     ///< "Live", "Retrying in 12 s (attempt 3)", "Failed: why", ...
        EventCountRole,     ///< qint64: events stored for the channel (see above)
        LastEventRole,      ///< QDateTime, invalid if none yet (also from the log)
        SinceLastEventRole, ///< "3 s ago", "never"
        RateRole,           ///< QList<int>: events per bucket, oldest first
        AttemptRole,        ///< failed attempts in a row
        NextRetryRole,      ///< QDateTime, while retrying
        ErrorRole,          ///< the last error sentence (and details), in full
        PausedRole,         ///< bool
        CursorRole,         ///< QString
        UrlRole,            ///< the URL with secrets masked
        ProfileRole,        ///< profile id
        HeadlineRole, ///< the status without the reason: "Failed", "Retrying in 12 s (attempt 3)"
        ReasonRole,   ///< why a failed or retrying channel is so, one sentence; else empty
        ErrorDetailRole, ///< the raw detail of the last failure (HTTP status, ...); no secrets
        GroupRole,       ///< the group the channel is in (ChannelConfig::group); "" for none
        // A group's header row (ChannelGroupModel); a channel's row says false.
        IsGroupHeaderRole, ///< bool: the row is a group's header
        GroupSummaryRole,  ///< the members' states counted: "1 failed · 3 live"
        CollapsedRole,     ///< bool: the group's members are hidden
        MemberCountRole,   ///< int: the group's channels
    };
    Q_ENUM(Role)

    using Clock = std::function<QDateTime()>;

    explicit ChannelModel(ChannelManager *manager, QObject *parent = nullptr);
    ~ChannelModel() override;

    /// The clock of the countdown and of "time since"; tests inject one.
    void setClock(Clock clock);
    /// How often the time-dependent roles refresh (default 1 s).
    void setTickInterval(std::chrono::milliseconds interval);

    /// Counts and "last event" start from what `reader` (open, in this
    /// thread) holds for each channel, read once, now; `writer` (may be
    /// null) tells what it refused as repeats and what retention deleted.
    /// Neither is owned. Call before the channels start.
    void setEventLog(EventLog *reader, EventLogWriter *writer);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    ChannelManager *manager() const { return m_manager; }
    Channel *channel(const QModelIndex &index) const;
    QModelIndex indexOf(const Channel *channel) const;

    /// The status line of a channel at `now`: the headline, and for a
    /// failed channel its reason ("Failed: …"). The one place that words a
    /// channel's state.
    static QString statusText(const Channel *channel, const QDateTime &now,
                              const QDateTime &lastEvent = {});
    /// The state in words without the reason: "Listening · no events yet",
    /// "Retrying in 12 s (attempt 3)", "Failed". `lastEvent`: the newest
    /// event known (the channel's own if not given).
    static QString headline(const Channel *channel, const QDateTime &now,
                            const QDateTime &lastEvent = {});
    /// Why a failed or retrying channel is so (the error sentence); empty
    /// for the others.
    static QString reason(const Channel *channel);
    /// What a channel that waits for the network says, instead of its
    /// error: "Offline — waiting for the network".
    static QString offlineText();
    /// "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago".
    static QString sinceText(const QDateTime &then, const QDateTime &now);

private:
    /// What the event log says about one channel, and what happened to it since.
    struct Stored
    {
        qint64 atStart = 0; ///< events stored when the log was read
        qint64 lastAtStartUsecs = 0;
        qint64 committed = 0;  ///< events stored since (writer's word)
        qint64 duplicates = 0; ///< received, but refused by the log as repeats
        qint64 deleted = 0;    ///< by retention (or moved away), a lower bound
    };

    void tick();
    void reconcileStored();
    qint64 eventCount(const Channel *channel) const;
    QDateTime lastEventAt(const Channel *channel) const;
    /// dataChanged() for `channel`'s row, if it still has one.
    void announce(Channel *channel);
    QString toolTip(const Channel *channel) const;

    ChannelManager *m_manager;
    Clock m_clock;
    QTimer m_ticker;
    QTimer m_throttle;       ///< spaces out changes other than of state
    QSet<Channel *> m_dirty; ///< changed while m_throttle ran; compared, never followed
    EventLog *m_log = nullptr;
    QPointer<EventLogWriter> m_writer;
    QHash<QString, Stored> m_stored; ///< by channel id
};

} // namespace Longwatch
