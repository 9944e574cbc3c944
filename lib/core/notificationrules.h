#pragma once

#include "jobstatus.h"
#include "poller.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTime>
#include <QVariantMap>

#include <chrono>
#include <functional>
#include <optional>

namespace Longwatch {

/// Which changes deserve a notification, and which of them may break
/// through quiet hours and a snooze. A channel has its own, or follows the
/// global default (ChannelNotifications). Plain data.
///
/// The defaults are quiet but catch failures: a job that fails, a job that
/// is fixed, a channel down for more than five minutes and back again; a
/// failed job breaks through.
struct NotificationRules
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::NotificationRules)

public:
    /// What happened to a job or a channel.
    enum class Transition {
        JobFailed,       ///< a job failed (that had not failed last time)
        JobFixed,        ///< a job that failed last time succeeded
        JobStillFailing, ///< a job that failed last time failed again
        JobStarted,      ///< a job started running
        JobFinished,     ///< a job succeeded (not after a failure) or was cancelled
        ChannelDown,     ///< a channel was down (retrying or failed) longer than downAfter
        ChannelBack,     ///< a channel announced down is listening again
    };
    static constexpr int kTransitionCount = 7;
    /// Every transition, in the order above (the order of the editors).
    static QList<Transition> transitions();
    /// "failed", "fixed", "stillFailing", "started", "finished", "down",
    /// "back": the words the settings and workspaces store.
    static QString key(Transition transition);
    static std::optional<Transition> fromKey(const QString &key);
    /// "A job fails", ...: what an editor's check box says.
    static QString label(Transition transition);

    /// Longest "down for more than" that makes sense: a day.
    static constexpr int kMaxDownMinutes = 24 * 60;

    /// The quiet defaults (see the class comment).
    static NotificationRules defaults();

    bool isOn(Transition transition) const { return m_on & bit(transition); }
    void setOn(Transition transition, bool on);
    /// Whether it is announced during quiet hours and a snooze too.
    bool breaksThrough(Transition transition) const { return m_critical & bit(transition); }
    void setBreaksThrough(Transition transition, bool critical);
    /// "Channel down" counts after this many minutes (1 to kMaxDownMinutes).
    int downMinutes() const { return m_downMinutes; }
    void setDownMinutes(int minutes);
    std::chrono::minutes downAfter() const { return std::chrono::minutes(m_downMinutes); }

    bool operator==(const NotificationRules &other) const = default;

    /// "notifyOn" and "notifyCritical" (lists of key()), "notifyDownMinutes".
    QVariantMap toVariantMap() const;
    /// Reads what toVariantMap() wrote; what is missing or unknown is
    /// `fallback`'s.
    static NotificationRules fromVariantMap(const QVariantMap &map,
                                            const NotificationRules &fallback = defaults());

private:
    static quint32 bit(Transition transition) { return quint32(1) << int(transition); }
    quint32 m_on = 0;
    quint32 m_critical = 0;
    int m_downMinutes = 5;
};

/// A channel's notification settings: its own rules, or else those of its
/// group (when the group has rules of its own), or else the global default.
///
/// A group's rules are kept with each of its members (`groupRules`, the
/// same in all of them; ChannelGroups keeps them in step), so that the
/// settings file and a workspace carry them with the channels.
struct ChannelNotifications
{
    bool followDefaults = true; ///< false: the channel's own `rules` apply
    NotificationRules rules = NotificationRules::defaults(); ///< used when !followDefaults
    /// The rules of the channel's group; none when the group follows the
    /// default (or the channel is in no group).
    std::optional<NotificationRules> groupRules;

    /// The rules that apply, given the global default: the channel's own,
    /// else its group's, else the default.
    const NotificationRules &effective(const NotificationRules &defaults) const
    {
        if (!followDefaults)
            return rules;
        return groupRules ? *groupRules : defaults;
    }
    bool operator==(const ChannelNotifications &other) const = default;

    /// "notifyFollowDefaults" and NotificationRules::toVariantMap()'s keys;
    /// the group's rules as "groupNotifyOn", "groupNotifyCritical" and
    /// "groupNotifyDownMinutes", only when there are some.
    QVariantMap toVariantMap() const;
    /// Also reads the three flags older versions wrote ("notifyJobFailed",
    /// "notifyJobRecovered", "notifyJobFinished").
    static ChannelNotifications fromVariantMap(const QVariantMap &map);
};

/// Tells which transition a job's new status is, from what became of the
/// job last time: a failure after a failure is "still failing", a success
/// after a failure is "fixed". One per notifier; jobs are told apart by a
/// key the caller makes (channel and job).
class JobTransitions
{
public:
    /// The transition from `previous` to `current` for the job `key`, or
    /// none (queued, or the same status again).
    std::optional<NotificationRules::Transition> classify(const QString &key, JobStatus previous,
                                                          JobStatus current);
    /// Forgets the jobs whose keys start with `prefix` (a removed channel).
    void forget(const QString &prefix);

private:
    QHash<QString, JobStatus> m_lastOutcome; ///< key -> Succeeded or Failed
};

/// When a channel counts as down, and when it is back: down while it is
/// retrying or failed (a retry going out, or a request the server took, does
/// not end that), up again once it answered well (Live); paused or removed
/// ends it without a "back".
/// A channel is announced down once it has been down for its threshold;
/// only a channel announced down is announced back.
class ChannelOutages
{
public:
    using Threshold = std::function<std::chrono::minutes(const QString &channelId)>;

    /// The channel `channelId` is in `state` since `now`. Returns true when
    /// this ends an outage that was announced: the channel is back.
    bool update(const QString &channelId, Poller::State state, const QDateTime &now);
    /// The channels down for longer than their threshold at `now` that were
    /// not announced yet; they count as announced from now on.
    QStringList takeDue(const QDateTime &now, const Threshold &threshold);
    /// When the next channel becomes due; invalid when none is down unannounced.
    QDateTime nextDue(const Threshold &threshold) const;
    /// Since when the channel is down; invalid when it is not.
    QDateTime downSince(const QString &channelId) const;
    void forget(const QString &channelId) { m_outages.remove(channelId); }

private:
    struct Outage
    {
        QDateTime since;
        bool announced = false;
    };
    QHash<QString, Outage> m_outages;
};

/// A weekly schedule of quiet hours: on each of its days from `from` to `to`
/// (past midnight into the next day when `to` is not after `from`; the whole
/// day when they are equal). Times are local. Plain data.
struct QuietHours
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::QuietHours)

public:
    bool enabled = false;
    /// The days a quiet stretch starts on: bit (Qt::Monday - 1) to (Qt::Sunday - 1).
    quint8 days = 0x7f;
    QTime from{22, 0};
    QTime to{8, 0};

    bool hasDay(int dayOfWeek) const { return days & (1u << (dayOfWeek - 1)); }
    void setDay(int dayOfWeek, bool on);

    /// When the quiet stretch that `time` falls in ends; invalid when it
    /// falls in none (or the schedule is off).
    QDateTime quietUntil(const QDateTime &time) const;
    bool isQuiet(const QDateTime &time) const { return quietUntil(time).isValid(); }
    /// When the next quiet stretch after `time` begins; invalid if never.
    QDateTime nextStart(const QDateTime &time) const;
    /// "Every day, 22:00–08:00", "Mon, Tue, Wed, 22:00–08:00", "Off".
    QString text() const;

    bool operator==(const QuietHours &other) const = default;

    QVariantMap toVariantMap() const;
    static QuietHours fromVariantMap(const QVariantMap &map);
};

} // namespace Longwatch
