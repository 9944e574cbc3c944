#pragma once

#include "channel.h"
#include "channelconfig.h"
#include "offlinedetector.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>

class QThread;

namespace Longwatch {

class ChannelStore;
class NetworkPool;
class NetworkWatcher;

/// Owns every channel and the network pool they share, keeps the store in
/// step with them, and forwards their news with the channel attached.
/// Models listen to it; nothing here knows about widgets.
class ChannelManager final : public QObject
{
    Q_OBJECT
public:
    /// `store` is not owned; nullptr keeps channels in memory only.
    explicit ChannelManager(ChannelStore *store = nullptr, QObject *parent = nullptr);
    ~ChannelManager() override;

    NetworkPool *networkPool() const { return m_pool; }

    /// Runs the channels' network managers and Pollers on a thread of their
    /// own ("longwatch-net"): requests are made, answers read and parsed
    /// there, and only batches and states come to this thread, so a busy
    /// GUI does not delay polls and a flood of answers does not stall it.
    /// On Linux the thread runs on EpollEventDispatcher (see
    /// createNetworkEventDispatcher()). Call before any channel is added.
    /// Clocks set by setChannelSetup() are then called on that thread too.
    void useNetworkThread();
    bool usesNetworkThread() const { return m_networkThread != nullptr; }
    /// The store's warning about where secrets are kept (see
    /// ChannelStore::secretWarning()); empty if none.
    QString secretWarning() const;
    /// Where the store keeps secrets, in words (see
    /// ChannelStore::secretLocation()).
    QString secretLocation() const;

    /// Adds the stored channels and starts those not paused.
    void load();
    /// Writes every channel that is not transient to the store.
    void save();

    int count() const { return int(m_channels.size()); }
    Channel *at(int index) const { return m_channels.value(index); }
    int indexOf(const Channel *channel) const;
    Channel *channel(const QString &id) const;
    const QList<Channel *> &channels() const { return m_channels; }

    /// Adds a channel (a new id if it has none) and starts it unless paused.
    Channel *addChannel(ChannelConfig config);
    /// The channels' names, in their order.
    QStringList names() const;
    /// True if a channel is called `name` (in any case).
    bool isNameTaken(const QString &name) const;
    /// "<name> (copy)", or "<name> (copy 2)" and so on when that is taken.
    QString copyName(const QString &name) const;
    /// The settings of a copy of `channel`: no id, named copyName().
    ChannelConfig copyOf(const Channel *channel) const;
    /// Adds copyOf(`channel`) with a new id.
    Channel *duplicateChannel(Channel *channel);
    void updateChannel(Channel *channel, const ChannelConfig &config);
    void removeChannel(Channel *channel);
    void pauseAll();
    void resumeAll();

    /// Watches the machine's network and sleep (NetworkWatcher): on a
    /// change or a resume, restartAfterNetworkChange(). Off until called:
    /// a program decides whether its channels follow the machine's network.
    void watchNetwork();
    NetworkWatcher *networkWatcher() const { return m_networkWatcher; }
    /// True while the machine has no way out: it has no route out
    /// (NetworkWatcher::isOnline(), setOffline()), or every running channel
    /// failed to reach its server at once (OfflineDetector). Channels that
    /// fail then say they wait for the network rather than that their
    /// server failed, and retry at most 30 s apart; the first channel that
    /// reaches its server again ends it and has every channel in backoff
    /// poll again within kNetworkChangeJitter.
    bool isOffline() const { return m_offline; }
    /// Whether the machine has no route out (NetworkWatcher::isOnline()).
    void setOffline(bool offline);
    /// The rule that tells offline from the channels (for tests: its window).
    OfflineDetector &offlineDetector() { return m_reach; }
    /// Drops every kept-alive connection and has every running channel poll
    /// again within kNetworkChangeJitter, its backoff reset. `why` is for
    /// the log.
    void restartAfterNetworkChange(const QString &why);
    /// How far apart channels ask again after a network change: the
    /// server and the new network are not asked by all channels at once.
    static constexpr std::chrono::milliseconds kNetworkChangeJitter{500};

    /// Cursors to resume channels from, by channel id (the event log's):
    /// each is handed to its channel once, when the channel is added.
    void setResumeCursors(const QHash<QString, QString> &cursors);

    /// Called for each new channel before it starts (tests inject clocks).
    void setChannelSetup(std::function<void(Channel *)> setup);

Q_SIGNALS:
    /// Around adding one channel at `index` (for models' beginInsertRows).
    void channelAboutToBeAdded(int index);
    void channelAdded(Longwatch::Channel *channel);
    /// Around removing the channel at `index`; the channel is deleted later.
    void channelAboutToBeRemoved(int index);
    void channelRemoved(const QString &id);
    /// Emitted when a channel's state, counters or configuration changed.
    void channelChanged(Longwatch::Channel *channel);
    /// Emitted when a channel's state changed (after channelChanged).
    void channelStateChanged(Longwatch::Channel *channel, Longwatch::Poller::State state);
    /// When isOffline() changed.
    void offlineChanged(bool offline);
    /// Emitted once per batch of new events of any channel.
    void batchReceived(Longwatch::Channel *channel, const Longwatch::EventList &events);

private:
    Channel *insert(const ChannelConfig &config, bool start = true);
    /// Tells the OfflineDetector what `channel` says now.
    void updateReach(Channel *channel);
    void applyReach(OfflineDetector::Change change, const Channel *answered);
    void updateOffline();

    ChannelStore *m_store;
    NetworkPool *m_pool;
    QThread *m_networkThread = nullptr;
    NetworkWatcher *m_networkWatcher = nullptr; ///< a child, once watchNetwork() ran
    bool m_offline = false;                     ///< m_routeOffline or m_reach says so
    bool m_routeOffline = false;                ///< no route out (setOffline())
    OfflineDetector m_reach;
    QElapsedTimer m_uptime; ///< the detector's clock
    QList<Channel *> m_channels;
    std::function<void(Channel *)> m_setup;
    QHash<QString, QString> m_resumeCursors;
    bool m_loading = false;
};

} // namespace Longwatch
