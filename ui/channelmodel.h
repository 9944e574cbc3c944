#pragma once

#include "poller.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <functional>

namespace Longwatch {

class Channel;
class ChannelManager;

/// The channels of a ChannelManager as a list: one row per channel, in the
/// manager's order. Views read everything from here (the state role drives
/// the status delegate); nothing in the UI asks a Poller directly.
///
/// Once a second the time-dependent roles (the retry countdown, "time since
/// last event", the rate) are announced as changed.
class ChannelModel final : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        ChannelIdRole = Qt::UserRole + 1,
        StateRole,          ///< Poller::State (a paused channel is Stopped)
        StatusTextRole,     ///< "Live", "Retrying in 12 s (attempt 3)", ...
        EventCountRole,     ///< qint64
        LastEventRole,      ///< QDateTime, invalid if none yet
        SinceLastEventRole, ///< "3 s ago", "never"
        RateRole,           ///< QList<int>: events per bucket, oldest first
        AttemptRole,        ///< failed attempts in a row
        NextRetryRole,      ///< QDateTime, while retrying
        ErrorRole,          ///< the last error sentence (and details), in full
        PausedRole,         ///< bool
        CursorRole,         ///< QString
        UrlRole,            ///< the URL with secrets masked
        ProfileRole,        ///< profile id
    };
    Q_ENUM(Role)

    using Clock = std::function<QDateTime()>;

    explicit ChannelModel(ChannelManager *manager, QObject *parent = nullptr);
    ~ChannelModel() override;

    /// The clock of the countdown and of "time since"; tests inject one.
    void setClock(Clock clock);
    /// How often the time-dependent roles refresh (default 1 s).
    void setTickInterval(std::chrono::milliseconds interval);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    ChannelManager *manager() const { return m_manager; }
    Channel *channel(const QModelIndex &index) const;
    QModelIndex indexOf(const Channel *channel) const;

    /// The status line of a channel at `now`.
    static QString statusText(const Channel *channel, const QDateTime &now);
    /// "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago".
    static QString sinceText(const QDateTime &then, const QDateTime &now);

private:
    void tick();
    /// dataChanged() for `channel`'s row, if it still has one.
    void announce(Channel *channel);
    QString toolTip(const Channel *channel) const;

    ChannelManager *m_manager;
    Clock m_clock;
    QTimer m_ticker;
    QTimer m_throttle;       ///< spaces out changes other than of state
    QSet<Channel *> m_dirty; ///< changed while m_throttle ran; compared, never followed
};

} // namespace Longwatch
