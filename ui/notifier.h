#pragma once

#include "jobstatus.h"
#include "poller.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <functional>

namespace Longwatch {

class Channel;
class ChannelManager;
class JobModel;

/// Decides what deserves a desktop notification: a job that fails,
/// recovers or finishes, as each channel's configuration asks. Honours
/// "mute all" and "pause for a while". Also sums up the health of all
/// channels for the tray icon and the status bar.
///
/// Only what is new to the user is announced: a change that happened while
/// Longwatch was listening to the channel. A channel starts listening when
/// it starts polling after it was not: added, imported, duplicated, loaded
/// at start, resumed after a pause, restarted after a failure or an edit
/// (a retry after a network error goes on listening). From then on:
///
/// - The first answer is the channel's backlog: the history the feed had
///   stored past the channel's cursor (all of it for a new, imported or
///   duplicated channel; what came while Longwatch was closed or the
///   channel paused). It fills the job board silently, unless the server
///   held that request heldAnswerThreshold or longer before answering: a
///   feed with stored events answers at once, so a held answer brings what
///   happened since.
/// - An event that carries its own timestamp (Event::time) is news only if
///   that time is not older than the moment the channel started listening,
///   less clockSkewAllowance (the feed's clock and ours may differ). So a
///   feed that sends old events again later (after a reconnect or a resync)
///   stays quiet too.
/// - Events read back from the event log never notify (JobModel::replayBatch()).
///
/// What is held back is still on the job board. Without timestamps, what a
/// feed sends after the first answer is news: a backlog paged over several
/// answers is announced from its second page on, history sent again after
/// a resync is announced; nothing tells those events from new ones.
///
/// It shows nothing itself: the window turns notify() into a tray balloon,
/// or a status bar message where there is no tray.
class Notifier final : public QObject
{
    Q_OBJECT
public:
    enum class Severity { Information, Warning, Critical };
    Q_ENUM(Severity)

    /// The health of all channels together, worst first.
    enum class Health { NoChannels, Failed, Retrying, Connecting, Live, Paused };
    Q_ENUM(Health)

    using Clock = std::function<QDateTime()>;

    Notifier(ChannelManager *manager, JobModel *jobs, QObject *parent = nullptr);
    ~Notifier() override;

    void setClock(Clock clock);

    void setMuted(bool muted);
    bool isMuted() const { return m_muted; }
    /// No notifications until now + `duration`.
    void pauseFor(std::chrono::milliseconds duration);
    void resumeNotifications();
    /// Invalid when not paused.
    QDateTime pausedUntil() const;
    /// Neither muted nor paused.
    bool isActive() const;
    /// "Notifications muted", "Notifications paused until 14:05", or empty.
    QString stateText() const;
    /// The bell's icon: crossed out while muted, asleep while paused.
    QString bellIconName() const;

    Health health() const;
    static QString healthText(Health health);
    /// "4 channels: 3 live, 1 retrying".
    QString summary() const;

    /// Notifications from one batch beyond this many are folded into one,
    /// which counts and names each kind (failed, recovered, ...) apart.
    static constexpr int maxPerBatch = 3;
    /// How far an event's own time may lie before the moment its channel
    /// started listening and still be news: clocks differ.
    static constexpr std::chrono::seconds clockSkewAllowance{60};

    /// A channel's first answer that comes this long or longer after its
    /// request was sent was held by the server: news, not backlog.
    static constexpr std::chrono::milliseconds heldAnswerThreshold{2'000};

Q_SIGNALS:
    /// A notification to show now (already filtered by mute and pause).
    void notify(const QString &title, const QString &message,
                Longwatch::Notifier::Severity severity);
    /// Emitted when health() or summary() may have changed.
    void healthChanged(Longwatch::Notifier::Health health);
    /// Emitted when muted or paused changed.
    void activeChanged(bool active);

private:
    /// What a notification says happened to a job.
    enum class Kind { Failed, Recovered, Cancelled, Finished };
    struct Pending
    {
        Kind kind;
        QString job;
        QString title;
        QString message;
        Severity severity;
    };
    /// One channel's present stretch of listening (see the class comment).
    struct Listening
    {
        QDateTime since;                ///< when it started; invalid before it ever ran
        QDateTime waitingSince;         ///< when its first request was sent (Waiting)
        const Poller *poller = nullptr; ///< whose answers these are; compared only
        int answers = 0;                ///< good answers since it started
        bool running = false;
        bool readingBacklog = false; ///< the answer being read is the backlog
    };
    void watch(Channel *channel);
    void onChannelStateChanged(Channel *channel, Poller::State state);
    void onResponse(Channel *channel);
    /// Whether a change an event of `channelId` made is new to the user.
    bool isNews(const QString &channelId, const QDateTime &eventTime) const;
    void onJobStatusChanged(const QString &channelId, const QString &channelName,
                            const QString &job, JobStatus previous, JobStatus current,
                            const QString &message, const QDateTime &eventTime);
    void flush();
    void updateHealth();

    QPointer<ChannelManager> m_manager;
    Clock m_clock;
    bool m_muted = false;
    QDateTime m_pausedUntil;
    QTimer m_pauseTimer;
    QList<Pending> m_pending;
    QHash<QString, Listening> m_listening; ///< channel id ->
    Health m_health = Health::NoChannels;
};

} // namespace Longwatch
