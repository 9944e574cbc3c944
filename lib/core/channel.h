#pragma once

#include "channelconfig.h"
#include "event.h"
#include "poller.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace Longwatch {

class NetworkPool;

/// One channel at run time: its configuration, the Poller that watches the
/// feed (on a network access manager leased from a NetworkPool) and the
/// counters a dashboard shows. Widget-free; the UI reads it through models.
///
/// The Poller lives in the thread of its manager, which may be a network
/// thread of its own (NetworkPool::setManagerThread()). The channel then
/// talks to it by queued calls only, and everything it reports (state,
/// error, cursor, batches) comes back queued and in order, so the getters
/// here are the poller's state as of the last report that arrived. With
/// the manager in the channel's own thread the same happens at once.
class Channel final : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<QDateTime()>;

    /// `pool` is not owned and must outlive the channel. The channel does
    /// not start by itself: call start().
    Channel(const ChannelConfig &config, NetworkPool *pool, QObject *parent = nullptr);
    ~Channel() override;

    const ChannelConfig &config() const { return m_config; }
    QString id() const { return m_config.id; }
    QString name() const { return m_config.name; }

    /// Replaces the configuration; a running channel restarts with it,
    /// keeping its cursor when the feed is the same (ChannelConfig::sameFeed).
    void setConfig(const ChannelConfig &config);
    /// Changes only what the channel notifies about (configChanged(), no
    /// restart: the poller goes on).
    void setNotifications(const ChannelNotifications &notifications);
    /// Changes only the group it is listed in (configChanged(), no restart).
    void setGroup(const QString &group);

    /// The clock of the counters (last event, rate) and of the poller's
    /// retry times; tests inject one. With a network thread the poller
    /// calls it on that thread.
    void setClock(Clock clock);
    /// How the event rate is kept: `count` buckets of `width` each.
    void setRateBuckets(int count, std::chrono::milliseconds width);
    std::chrono::milliseconds rateBucketWidth() const { return m_bucketWidth; }

    /// The cursor to start from, e.g. the one stored with the channel's
    /// last stored batch. Only before the first start().
    void setResumeCursor(const QString &cursor);

    /// Starts polling unless the configuration says paused. A configuration
    /// that cannot run leaves the channel Failed with configError() set.
    void start();
    /// Stops polling and remembers it in the configuration.
    void pause();
    /// Undoes pause() and polls at once.
    void resume();
    /// Polls now: ends a backoff, restarts a failed channel, or drops the
    /// request under way and asks again.
    void reconnect();
    /// The network changed or the machine woke up: a running channel drops
    /// what it holds and polls again after `delay` with its backoff reset
    /// (Poller::restartAfterNetworkChange()). A failed or paused one stays.
    void restartAfterNetworkChange(std::chrono::milliseconds delay);
    /// The machine has no way out (ChannelManager::isOffline()): the
    /// channel's failures are the network's, and its retries come at most
    /// Poller::kOfflineBackoffCeiling apart.
    void setOffline(bool offline);
    /// True while the machine is offline and this channel is not getting
    /// through (a server on the machine's own links still may).
    bool isWaitingForNetwork() const;
    /// The first sign of a network after it was gone (another channel got
    /// an answer): a channel in Backoff polls again after `delay`, its
    /// backoff reset (Poller::networkReturned()); any other stays as it is.
    void networkReturned(std::chrono::milliseconds delay);
    bool isPaused() const { return m_config.paused; }
    /// Stops polling for good, quietly, without touching the configuration
    /// (the channel is going away).
    void close();

    /// The poller's state; Failed if the configuration cannot run.
    Poller::State state() const;
    /// Whether the channel is Live on a stream (Poller::isStreaming()).
    bool isStreaming() const;
    /// Why the last attempt failed (or why the configuration cannot run).
    QString errorString() const;
    QString errorDetail() const;
    QString configError() const { return m_configError; }
    /// The kind of the last failure (NoError if the configuration cannot run).
    Poller::Error error() const;
    /// Whether the last failure was one of reach (Poller::couldNotReach()).
    bool couldNotReach() const;
    /// The refused certificate, when the last failure was a TlsError with
    /// one; null otherwise.
    TlsFailure tlsFailure() const;
    /// Trusts the server certificate with SHA-256 fingerprint `sha256` for
    /// this channel from now on (adds it to the pins; configChanged() saves
    /// it) and polls again. False if it is not a fingerprint.
    bool trustCertificate(const QString &sha256);
    /// Sets the proxy's user and password (configChanged() keeps the
    /// password in the SecretStore) and polls again.
    void setProxyCredentials(const QString &user, const QString &password);
    int attempt() const;
    QDateTime nextRetryAt() const;
    QString cursor() const;
    /// Which of the channel's addresses it polls (Poller::server(); 0 for
    /// the first), and that address as "host:port" (empty when not running).
    int server() const;
    QString serverName() const;
    /// How many addresses the channel has (its URL and the other ones).
    int serverCount() const { return 1 + int(m_config.alternateUrls.size()); }
    /// The running poller, or nullptr (never started, or the configuration
    /// is invalid). It lives in its manager's thread: from another thread,
    /// only compare the pointer.
    Poller *poller() const { return m_poller; }

    qint64 eventCount() const { return m_eventCount; }
    QDateTime lastEventAt() const { return m_lastEventAt; }
    /// Events per bucket, oldest first, the last bucket being the current one.
    QList<int> rateHistory() const;
    /// In a slot of batchReceived(): how long the answer that brought the
    /// batch took from its request (Poller::answerLatency()); none for a
    /// stream's reads and for a gap row.
    std::optional<std::chrono::milliseconds> lastBatchLatency() const { return m_lastBatchLatency; }

    /// The type of the row a channel adds to its batches when its feed had
    /// to start again (Poller::cursorReset: a 410, a cleared index), so that
    /// the events table and the event log show that events may be missing.
    static QString gapEventType();
    /// That row: type gapEventType(), no key, the text a person reads, raw
    /// `{"type":"gap","reason","previousCursor"}`.
    static Event gapEvent(const QString &reason, const QString &previousCursor);

Q_SIGNALS:
    /// Emitted on every change of state().
    void stateChanged(Longwatch::Poller::State state);
    /// Emitted once per batch of new events, after the counters moved; a
    /// cursor reset comes as a batch of one gapEvent().
    void batchReceived(const Longwatch::EventList &events);
    /// Emitted when eventCount(), lastEventAt() or the rate changed.
    void countersChanged();
    /// Emitted after setConfig(), pause() and resume() changed the configuration.
    void configChanged();
    /// Emitted when an answer moved the cursor without new events (see
    /// Poller::cursorAdvanced()).
    void cursorAdvanced(const QString &cursor);
    /// Emitted after a good answer (events or no news): the channel is alive.
    void responseReceived();
    /// Emitted when the error, the attempt or the time of the next one
    /// changed without a change of state (e.g. another failed retry).
    void statusChanged();

private:
    /// What the poller last reported about itself.
    struct Status
    {
        Poller::State state = Poller::State::Idle;
        bool streaming = false;
        Poller::Error error = Poller::Error::NoError;
        bool couldNotReach = false;
        QString errorString;
        QString errorDetail;
        TlsFailure tlsFailure;
        int attempt = 0;
        QDateTime nextRetryAt;
        QString cursor;
        int server = 0;
        QString serverName;
        quint64 command = 0; ///< the last command the poller had carried out
    };
    struct Relay;

    static void deliver(const std::shared_ptr<Relay> &relay, std::function<void(Channel *)> call);
    /// Sends what `poller` says about itself now to its channel (in the
    /// poller's thread).
    static void report(const Poller *poller, const std::shared_ptr<Relay> &relay);
    void createPoller();
    void destroyPoller();
    /// Starts the poller if it is not running (resumes a paused channel).
    void startIfStopped();
    /// Runs `command` on the poller in its thread (at once if that is ours).
    void command(std::function<void(Poller *)> command, bool changesState = true);
    void applyStatus(const Status &status);
    void onBatch(const EventList &events, const QString &cursor,
                 std::optional<std::chrono::milliseconds> latency = std::nullopt);
    void advanceBuckets(std::deque<int> &buckets, qint64 &bucketStartMs, qint64 nowMs) const;

    ChannelConfig m_config;
    QPointer<NetworkPool> m_pool;
    bool m_offline = false;
    Poller *m_poller = nullptr;     ///< owned; deleted in its own thread
    std::shared_ptr<Relay> m_relay; ///< the current poller's way back to us
    Status m_status;
    quint64 m_commandsSent = 0;     ///< commands sent to the poller so far
    quint64 m_lastStateCommand = 0; ///< the number of the last that changes its state
    QNetworkAccessManager *m_manager = nullptr;
    QUrl m_leasedFor;
    TransportOptions m_leasedTransport;
    QString m_configError;
    QString m_cursor; ///< kept across restarts and edits of the same feed
    Clock m_clock;

    qint64 m_eventCount = 0;
    QDateTime m_lastEventAt;
    int m_bucketCount = 30;
    std::chrono::milliseconds m_bucketWidth{10'000};
    std::deque<int> m_buckets;
    qint64 m_bucketStartMs = 0; ///< start of the last bucket
    std::optional<std::chrono::milliseconds> m_lastBatchLatency;
};

} // namespace Longwatch
