#include "channelmanager.h"

#include "channelstore.h"
#include "epolleventdispatcher.h"
#include "logging.h"
#include "networkpool.h"
#include "networkwatcher.h"
#include "threadpriority.h"

#include <QRandomGenerator>
#include <QThread>

#include <algorithm>

namespace Longwatch {

ChannelManager::ChannelManager(ChannelStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_pool(new NetworkPool(this))
{
    m_uptime.start();
}

ChannelManager::~ChannelManager()
{
    // Channels first, including those removed but not yet deleted: their
    // requests belong to the pool's network managers, which go with the pool.
    m_channels.clear();
    qDeleteAll(findChildren<Channel *>(Qt::FindDirectChildrenOnly));
    // The pool deletes its managers in the network thread, after the
    // pollers the channels left there; then that thread can end.
    delete m_pool;
    m_pool = nullptr;
    if (m_networkThread) {
        m_networkThread->quit();
        m_networkThread->wait();
        delete m_networkThread;
    }
}

void ChannelManager::useNetworkThread()
{
    if (m_networkThread || !m_channels.isEmpty())
        return;
    m_networkThread = new QThread;
    m_networkThread->setObjectName(QStringLiteral("longwatch-net"));
    // It holds every channel's socket: on Linux an epoll dispatcher, whose
    // wake-ups cost what is ready rather than what is open.
    if (QAbstractEventDispatcher *dispatcher = createNetworkEventDispatcher())
        m_networkThread->setEventDispatcher(dispatcher);
    // Below the GUI thread: when the cores are all busy (a flood of
    // answers), polls wait a little and come back with bigger batches,
    // rather than the window freezing. The managers' HTTP threads, started
    // from this one, inherit it.
    connect(
        m_networkThread, &QThread::started, m_networkThread,
        [] { lowerCurrentThreadPriority(kBackgroundNiceIncrement); }, Qt::DirectConnection);
    m_networkThread->start();
    m_pool->setManagerThread(m_networkThread);
}

QString ChannelManager::secretWarning() const
{
    return m_store ? m_store->secretWarning() : QString();
}

QString ChannelManager::secretLocation() const
{
    return m_store ? m_store->secretLocation() : ChannelStore::secretsForgotten();
}

void ChannelManager::setChannelSetup(std::function<void(Channel *)> setup)
{
    m_setup = std::move(setup);
}

void ChannelManager::setResumeCursors(const QHash<QString, QString> &cursors)
{
    m_resumeCursors = cursors;
}

void ChannelManager::load()
{
    if (!m_store)
        return;
    m_loading = true;
    const QList<ChannelConfig> configs = m_store->load();
    for (const ChannelConfig &config : configs) {
        if (config.pendingSecretFields.isEmpty()) {
            insert(config);
            continue;
        }
        // It starts when its secrets are in: without them it would only fail.
        Channel *added = insert(config, false);
        m_store->readSecrets(config, added, [this, added](const ChannelConfig &filled) {
            const bool wasLoading = m_loading;
            m_loading = true; // nothing changed that needs saving
            added->setConfig(filled);
            m_loading = wasLoading;
            added->start();
        });
    }
    m_loading = false;
}

void ChannelManager::save()
{
    if (!m_store || m_loading)
        return;
    QList<ChannelConfig> configs;
    for (const Channel *channel : std::as_const(m_channels)) {
        if (!channel->config().transient)
            configs.append(channel->config());
    }
    m_store->save(configs);
}

int ChannelManager::indexOf(const Channel *channel) const
{
    return int(m_channels.indexOf(channel));
}

Channel *ChannelManager::channel(const QString &id) const
{
    for (Channel *channel : m_channels) {
        if (channel->id() == id)
            return channel;
    }
    return nullptr;
}

Channel *ChannelManager::addChannel(ChannelConfig config)
{
    if (config.id.isEmpty() || channel(config.id))
        config.id = ChannelConfig::newId();
    Channel *added = insert(config);
    save();
    return added;
}

Channel *ChannelManager::insert(const ChannelConfig &config, bool start)
{
    auto *channel = new Channel(config, m_pool, this);
    channel->setOffline(m_offline);
    connect(channel, &Channel::stateChanged, this, [this, channel](Poller::State state) {
        updateReach(channel);
        Q_EMIT channelChanged(channel);
        Q_EMIT channelStateChanged(channel, state);
    });
    connect(channel, &Channel::countersChanged, this,
            [this, channel] { Q_EMIT channelChanged(channel); });
    connect(channel, &Channel::statusChanged, this, [this, channel] {
        updateReach(channel);
        Q_EMIT channelChanged(channel);
    });
    connect(channel, &Channel::configChanged, this, [this, channel] {
        save();
        Q_EMIT channelChanged(channel);
    });
    connect(channel, &Channel::batchReceived, this,
            [this, channel](const EventList &events) { Q_EMIT batchReceived(channel, events); });
    if (const auto it = m_resumeCursors.constFind(channel->id()); it != m_resumeCursors.cend()) {
        channel->setResumeCursor(*it);
        m_resumeCursors.erase(it);
    }
    if (m_setup)
        m_setup(channel);

    const int index = int(m_channels.size());
    Q_EMIT channelAboutToBeAdded(index);
    m_channels.append(channel);
    Q_EMIT channelAdded(channel);
    qCInfo(lcPoller).noquote() << "channel" << channel->name() << "added";
    if (start)
        channel->start();
    updateReach(channel);
    return channel;
}

QStringList ChannelManager::names() const
{
    QStringList names;
    names.reserve(m_channels.size());
    for (const Channel *channel : m_channels)
        names << channel->name();
    return names;
}

bool ChannelManager::isNameTaken(const QString &name) const
{
    return std::any_of(m_channels.cbegin(), m_channels.cend(), [&](const Channel *other) {
        return other->name().compare(name, Qt::CaseInsensitive) == 0;
    });
}

QString ChannelManager::copyName(const QString &name) const
{
    QString copy = tr("%1 (copy)").arg(name);
    for (int n = 2; isNameTaken(copy); ++n)
        copy = tr("%1 (copy %2)").arg(name).arg(n);
    return copy;
}

ChannelConfig ChannelManager::copyOf(const Channel *channel) const
{
    ChannelConfig config = channel->config();
    config.id.clear();
    config.name = copyName(config.name);
    return config;
}

Channel *ChannelManager::duplicateChannel(Channel *channel)
{
    if (!channel)
        return nullptr;
    return addChannel(copyOf(channel));
}

void ChannelManager::updateChannel(Channel *channel, const ChannelConfig &config)
{
    if (!channel || indexOf(channel) < 0)
        return;
    channel->setConfig(config); // configChanged() saves
}

void ChannelManager::removeChannel(Channel *channel)
{
    const int index = indexOf(channel);
    if (index < 0)
        return;
    const QString id = channel->id();
    Q_EMIT channelAboutToBeRemoved(index);
    m_channels.removeAt(index);
    disconnect(channel, nullptr, this, nullptr);
    // Quiet from now on, deleted later: we may be inside one of its signals.
    channel->blockSignals(true);
    channel->close();
    channel->deleteLater();
    Q_EMIT channelRemoved(id);
    qCInfo(lcPoller).noquote() << "channel" << channel->name() << "removed";
    applyReach(m_reach.remove(id), nullptr);
    save();
}

void ChannelManager::watchNetwork()
{
    if (m_networkWatcher)
        return;
    m_networkWatcher = new NetworkWatcher(this);
    connect(m_networkWatcher, &NetworkWatcher::onlineChanged, this,
            [this](bool online) { setOffline(!online); });
    setOffline(!m_networkWatcher->isOnline());
    connect(m_networkWatcher, &NetworkWatcher::networkChanged, this,
            &ChannelManager::restartAfterNetworkChange);
    connect(m_networkWatcher, &NetworkWatcher::resumed, this,
            [this](std::chrono::milliseconds asleep) {
                restartAfterNetworkChange(NetworkWatcher::resumeText(asleep));
            });
}

void ChannelManager::setOffline(bool offline)
{
    if (offline == m_routeOffline)
        return;
    m_routeOffline = offline;
    qCInfo(lcPoller).noquote() << (offline ? "offline: no route out of this machine"
                                           : "a route out of this machine again");
    updateOffline();
}

void ChannelManager::updateReach(Channel *channel)
{
    applyReach(m_reach.update(channel->id(), channel->config().url.host(), channel->state(),
                              channel->couldNotReach(),
                              std::chrono::milliseconds(m_uptime.elapsed())),
               channel);
}

void ChannelManager::applyReach(OfflineDetector::Change change, const Channel *answered)
{
    switch (change) {
    case OfflineDetector::Change::None:
        return;
    case OfflineDetector::Change::WentOffline:
        qCInfo(lcPoller).noquote()
            << QStringLiteral("offline: none of the %1 running channels reaches its server (%2 "
                              "servers); waiting for the network")
                   .arg(m_reach.unreachableChannels())
                   .arg(m_reach.unreachableServers());
        break;
    case OfflineDetector::Change::Answered:
        // The first sign of a network: the others need not sit out their backoff.
        qCInfo(lcPoller).noquote() << "online again:" << answered->name()
                                   << "reached its server; polling every channel in backoff again";
        for (Channel *channel : std::as_const(m_channels)) {
            if (channel == answered)
                continue;
            const auto jitter = std::chrono::milliseconds(
                QRandomGenerator::global()->bounded(qint64(kNetworkChangeJitter.count())));
            channel->networkReturned(jitter);
        }
        break;
    case OfflineDetector::Change::Cleared:
        qCInfo(lcPoller).noquote() << "no channel that could not reach its server runs now";
        break;
    }
    updateOffline();
}

void ChannelManager::updateOffline()
{
    const bool offline = m_routeOffline || m_reach.isOffline();
    if (offline == m_offline)
        return;
    m_offline = offline;
    if (!offline)
        qCInfo(lcPoller).noquote() << "online again";
    for (Channel *channel : std::as_const(m_channels))
        channel->setOffline(offline);
    Q_EMIT offlineChanged(offline);
}

void ChannelManager::restartAfterNetworkChange(const QString &why)
{
    qCInfo(lcPoller).noquote() << QStringLiteral(
                                      "network changed (%1): dropping kept-alive connections, "
                                      "polling again")
                                      .arg(why);
    m_pool->dropIdleConnections();
    for (Channel *channel : std::as_const(m_channels)) {
        const auto jitter = std::chrono::milliseconds(
            QRandomGenerator::global()->bounded(qint64(kNetworkChangeJitter.count())));
        channel->restartAfterNetworkChange(jitter);
    }
}

void ChannelManager::pauseAll()
{
    for (Channel *channel : std::as_const(m_channels))
        channel->pause();
}

void ChannelManager::resumeAll()
{
    for (Channel *channel : std::as_const(m_channels))
        channel->resume();
}

} // namespace Longwatch
