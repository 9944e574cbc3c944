#pragma once

#include "jobstatus.h"
#include "notificationrules.h"
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
class NotificationSounds;

/// What a notification is about: where its "Show" leads, which channel
/// its "Mute" silences, and which earlier notification it updates.
struct NotificationSubject
{
    QString channelId; ///< empty when it is about several channels
    QString job;       ///< empty when it is about several jobs
    /// Non-zero for failures: the notifications of one burst share it,
    /// each one the whole burst so far, to replace the one before.
    int burst = 0;
    /// It sums up what was held back while it was quiet (Notifier::lastReleased()).
    bool heldBack = false;
};

/// Decides what deserves a desktop notification, by the rules of each
/// channel (its own, or the global default rules: NotificationRules): a job
/// that fails, fails again, is fixed, starts or finishes; a channel down for
/// longer than its rule's minutes, and back. Which transition a job's change
/// is, and when a channel is down, are decided without widgets
/// (JobTransitions, ChannelOutages in lib/core).
///
/// Honours "mute all" (nothing is said), a muted channel (nothing about
/// it), and quiet: a snooze ("pause for a while", snoozeUntil()) or the
/// weekly quiet hours (setQuietHours()). While it is quiet, what a rule
/// marks as breaking through (a failed job by default) is announced; the
/// rest is held back (heldBack()) and announced as one notification once
/// it is no longer quiet ("While notifications were off: 3 failures, 1
/// channel down"). Also sums up the health of all channels for the tray
/// icon and the status bar.
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
/// Failures that follow one another within burstWindow are one burst: each
/// new failure of a burst is announced as the whole burst summed up ("3 jobs
/// failed"), marked by Subject::burst so that a desktop notification is
/// updated in place instead of stacked. A channel can be muted for a while
/// (muteChannelFor(), the notification's "Mute channel for an hour").
///
/// It shows nothing itself: the window turns notify() into a desktop
/// notification, a tray balloon, or a status bar message (StatusArea). It
/// plays the sound of what it announces (sounds(), off by default): one
/// for a batch, the worst news's; one for a burst, with its first
/// notification; none for the summary of what was held back.
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

    /// What a notification is about (NotificationSubject).
    using Subject = NotificationSubject;

    Notifier(ChannelManager *manager, JobModel *jobs, QObject *parent = nullptr);
    ~Notifier() override;

    void setClock(Clock clock);
    /// How often review() runs by itself (default 15 s).
    void setReviewInterval(std::chrono::milliseconds interval);

    /// The rules of the channels that follow the default.
    void setDefaultRules(const NotificationRules &rules);
    const NotificationRules &defaultRules() const { return m_defaultRules; }
    /// The rules that apply to the channel `channelId` (the default's for
    /// one that follows it, or is not known).
    NotificationRules rulesFor(const QString &channelId) const;

    /// The sounds of what is announced (NotificationSounds); owned.
    NotificationSounds *sounds() const { return m_sounds; }

    /// The weekly quiet hours.
    void setQuietHours(const QuietHours &quietHours);
    const QuietHours &quietHours() const { return m_quietHours; }

    void setMuted(bool muted);
    bool isMuted() const { return m_muted; }
    /// Quiet until now + `duration` (a snooze).
    void pauseFor(std::chrono::milliseconds duration);
    /// Quiet until `until` (a snooze); a time past ends the snooze.
    void snoozeUntil(const QDateTime &until);
    /// Ends a snooze.
    void resumeNotifications();
    /// "Until tomorrow 08:00": the next 08:00 local time after `now`.
    static QDateTime nextMorning(const QDateTime &now);
    /// Until when it is snoozed; invalid when not.
    QDateTime pausedUntil() const;
    /// Until when it is quiet (snoozed, or quiet hours, whichever ends
    /// later when both); invalid when it is not.
    QDateTime quietUntil() const;
    bool isQuiet() const { return quietUntil().isValid(); }
    /// What was held back while it is quiet, one line each ("build failed
    /// (builds)"), oldest first.
    QStringList heldBack() const;
    /// What the last "While notifications were off" notification summed up,
    /// one line each.
    QStringList lastReleased() const { return m_lastReleased; }
    /// No notifications about the channel `channelId` until now + `duration`.
    void muteChannelFor(const QString &channelId, std::chrono::milliseconds duration);
    void unmuteChannel(const QString &channelId);
    /// "I'm on it": no more notifications of the job `job` of the channel
    /// `channelId` failing (again) until now + `duration`; it does not count
    /// as needing attention until then.
    void acknowledgeJob(const QString &channelId, const QString &job,
                        std::chrono::milliseconds duration);
    /// Until when the job is acknowledged; invalid when it is not.
    QDateTime jobAcknowledgedUntil(const QString &channelId, const QString &job) const;
    /// Failed jobs not acknowledged, and channels that failed or retry:
    /// what the "Needs Attention" view lists as still open.
    int needsAttentionCount() const;
    /// Until when the channel is muted; invalid when it is not.
    QDateTime channelMutedUntil(const QString &channelId) const;
    bool isChannelMuted(const QString &channelId) const
    {
        return channelMutedUntil(channelId).isValid();
    }
    /// Neither muted nor quiet.
    bool isActive() const;
    /// "Notifications muted", "Notifications paused until 14:05", "Quiet
    /// hours until 08:00", with "· 3 held back" when some are; or empty.
    QString stateText() const;
    /// The bell's icon: crossed out while muted, asleep while quiet.
    QString bellIconName() const;

    /// Looks again at what time changes: channels down long enough to be
    /// announced, quiet hours that began or ended. Its own timer calls it
    /// (setReviewInterval()); a test with its own clock calls it after
    /// moving the clock.
    void review();

    Health health() const;
    static QString healthText(Health health);
    /// "4 channels: 2 live, 1 listening, 1 retrying": in the words of the
    /// channel list's rows.
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

    /// A failure this long or less after the last one of a burst belongs to
    /// that burst.
    static constexpr std::chrono::milliseconds burstWindow{5'000};

Q_SIGNALS:
    /// A notification to show now (already filtered by mute and pause):
    /// once for each batch's news, or for each batch with a failure the
    /// whole burst so far, carrying the burst's number in `subject`.
    void notify(const QString &title, const QString &message,
                Longwatch::Notifier::Severity severity,
                const Longwatch::NotificationSubject &subject = {});
    /// Emitted when health() or summary() may have changed.
    void healthChanged(Longwatch::Notifier::Health health);
    /// Emitted when muted or quiet changed (a snooze, quiet hours).
    void activeChanged(bool active);
    /// Emitted when heldBack() changed.
    void heldBackChanged();
    /// Emitted when a job was acknowledged ("I'm on it").
    void acknowledgementsChanged();
    /// Emitted when the channel `channelId` was muted or unmuted by hand.
    void channelMuteChanged(const QString &channelId);

private:
    /// What a notification says happened, worst first.
    enum class Kind { Failed, StillFailing, Down, Cancelled, Fixed, Back, Started, Finished };
    struct Pending
    {
        Kind kind;
        QString job; ///< empty for a channel's own news
        QString title;
        QString message;
        Severity severity;
        QString channelId;
        QString name;          ///< what a folded notification lists: the job, or the channel
        bool critical = false; ///< breaks through quiet
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
    /// Announces `pending`, holds it back, or drops it, as muted and quiet say.
    void enqueue(Pending pending);
    void onOutagesDue();
    /// activeChanged() when active or not changed; the held back announced
    /// once it is active.
    /// `changed`: muted or quiet was changed by hand, which activeChanged()
    /// says even when active stays as it was (the bell changes).
    void updateActive(bool changed = false);
    void releaseHeld();
    void flush();
    /// Adds `pending` to the open burst, a job's latest news replacing its
    /// earlier one.
    void addToBurst(const QList<Pending> &pending);
    void emitNotification(const QList<Pending> &pending, int burst);
    /// Plays the sound of the worst news in `pending` that has one, unless
    /// the burst `burst` (non-zero) has sounded already.
    void playSound(const QList<Pending> &pending, int burst);
    /// The rule `kind` of news comes from.
    static NotificationRules::Transition transitionOf(Kind kind);
    void updateHealth();

    QPointer<ChannelManager> m_manager;
    QPointer<JobModel> m_jobs;
    Clock m_clock;
    QHash<QString, QDateTime> m_acknowledged; ///< channel id + "\n" + job ->
    NotificationRules m_defaultRules = NotificationRules::defaults();
    QuietHours m_quietHours;
    JobTransitions m_transitions;
    ChannelOutages m_outages;
    bool m_muted = false;
    bool m_active = true; ///< what activeChanged() said last
    QDateTime m_pausedUntil;
    QTimer m_pauseTimer;
    QTimer m_reviewTimer;
    QList<Pending> m_pending;
    QList<Pending> m_held;                         ///< held back while quiet
    QStringList m_lastReleased;                    ///< lines of the last summary of the held back
    QHash<QString, Listening> m_listening;         ///< channel id ->
    QHash<QString, QDateTime> m_channelMutedUntil; ///< channel id ->
    /// The failures announced last, and what became of their jobs since.
    struct Burst
    {
        int number = 0; ///< 0: none is open
        QDateTime lastFailure;
        QList<Pending> items;
    };
    Burst m_burst;
    int m_bursts = 0; ///< bursts so far, the last one's number
    NotificationSounds *m_sounds = nullptr;
    int m_soundedBurst = 0; ///< the last burst that made a sound
    Health m_health = Health::NoChannels;
};

} // namespace Longwatch

Q_DECLARE_METATYPE(Longwatch::NotificationSubject)
