#include "notificationrules.h"

#include <QLocale>

#include <algorithm>

namespace Longwatch {

namespace {

const QString kOnKey = QStringLiteral("notifyOn");
const QString kCriticalKey = QStringLiteral("notifyCritical");
const QString kDownMinutesKey = QStringLiteral("notifyDownMinutes");
const QString kFollowKey = QStringLiteral("notifyFollowDefaults");
/// A group's rules are written under the rules' keys with this in front:
/// "notifyOn" becomes "groupNotifyOn".
const QString kGroupPrefix = QStringLiteral("group");

QString groupKey(const QString &key)
{
    return kGroupPrefix + key.at(0).toUpper() + key.mid(1);
}

QStringList keysOf(const NotificationRules &rules,
                   bool (NotificationRules::*test)(NotificationRules::Transition) const)
{
    QStringList keys;
    for (const NotificationRules::Transition t : NotificationRules::transitions()) {
        if ((rules.*test)(t))
            keys << NotificationRules::key(t);
    }
    return keys;
}

} // namespace

QList<NotificationRules::Transition> NotificationRules::transitions()
{
    return {Transition::JobFailed,  Transition::JobFixed,    Transition::JobStillFailing,
            Transition::JobStarted, Transition::JobFinished, Transition::ChannelDown,
            Transition::ChannelBack};
}

QString NotificationRules::key(Transition transition)
{
    switch (transition) {
    case Transition::JobFailed:
        return QStringLiteral("failed");
    case Transition::JobFixed:
        return QStringLiteral("fixed");
    case Transition::JobStillFailing:
        return QStringLiteral("stillFailing");
    case Transition::JobStarted:
        return QStringLiteral("started");
    case Transition::JobFinished:
        return QStringLiteral("finished");
    case Transition::ChannelDown:
        return QStringLiteral("down");
    case Transition::ChannelBack:
        return QStringLiteral("back");
    }
    return {};
}

std::optional<NotificationRules::Transition> NotificationRules::fromKey(const QString &key)
{
    for (const Transition t : transitions()) {
        if (NotificationRules::key(t) == key)
            return t;
    }
    return std::nullopt;
}

QString NotificationRules::label(Transition transition)
{
    switch (transition) {
    case Transition::JobFailed:
        return tr("A job fails");
    case Transition::JobFixed:
        return tr("A failed job is fixed (succeeds)");
    case Transition::JobStillFailing:
        return tr("A failed job fails again");
    case Transition::JobStarted:
        return tr("A job starts");
    case Transition::JobFinished:
        return tr("A job succeeds or is cancelled");
    case Transition::ChannelDown:
        return tr("The channel is down for more than");
    case Transition::ChannelBack:
        return tr("The channel is back");
    }
    return {};
}

NotificationRules NotificationRules::defaults()
{
    NotificationRules rules;
    for (const Transition t : {Transition::JobFailed, Transition::JobFixed, Transition::ChannelDown,
                               Transition::ChannelBack})
        rules.setOn(t, true);
    rules.setBreaksThrough(Transition::JobFailed, true);
    return rules;
}

void NotificationRules::setOn(Transition transition, bool on)
{
    m_on = on ? m_on | bit(transition) : m_on & ~bit(transition);
}

void NotificationRules::setBreaksThrough(Transition transition, bool critical)
{
    m_critical = critical ? m_critical | bit(transition) : m_critical & ~bit(transition);
}

void NotificationRules::setDownMinutes(int minutes)
{
    m_downMinutes = std::clamp(minutes, 1, kMaxDownMinutes);
}

QVariantMap NotificationRules::toVariantMap() const
{
    return {{kOnKey, keysOf(*this, &NotificationRules::isOn)},
            {kCriticalKey, keysOf(*this, &NotificationRules::breaksThrough)},
            {kDownMinutesKey, m_downMinutes}};
}

NotificationRules NotificationRules::fromVariantMap(const QVariantMap &map,
                                                    const NotificationRules &fallback)
{
    NotificationRules rules = fallback;
    const auto read = [&map](const QString &name, const auto &set) {
        if (!map.contains(name))
            return false;
        for (const QString &word : map.value(name).toStringList()) {
            if (const auto t = fromKey(word))
                set(*t);
        }
        return true;
    };
    if (map.contains(kOnKey)) {
        rules.m_on = 0;
        read(kOnKey, [&rules](Transition t) { rules.setOn(t, true); });
    }
    if (map.contains(kCriticalKey)) {
        rules.m_critical = 0;
        read(kCriticalKey, [&rules](Transition t) { rules.setBreaksThrough(t, true); });
    }
    bool ok = false;
    const int minutes = map.value(kDownMinutesKey).toInt(&ok);
    if (ok)
        rules.setDownMinutes(minutes);
    return rules;
}

QVariantMap ChannelNotifications::toVariantMap() const
{
    QVariantMap map = rules.toVariantMap();
    map.insert(kFollowKey, followDefaults);
    if (groupRules) {
        const QVariantMap group = groupRules->toVariantMap();
        for (auto it = group.cbegin(); it != group.cend(); ++it)
            map.insert(groupKey(it.key()), it.value());
    }
    return map;
}

ChannelNotifications ChannelNotifications::fromVariantMap(const QVariantMap &map)
{
    ChannelNotifications n;
    if (map.contains(groupKey(kOnKey))) {
        QVariantMap group;
        for (const QString &key : {kOnKey, kCriticalKey, kDownMinutesKey}) {
            if (map.contains(groupKey(key)))
                group.insert(key, map.value(groupKey(key)));
        }
        n.groupRules = NotificationRules::fromVariantMap(group);
    }
    if (map.contains(kOnKey) || map.contains(kFollowKey)) {
        n.followDefaults = map.value(kFollowKey, true).toBool();
        n.rules = NotificationRules::fromVariantMap(map);
        return n;
    }
    // Older versions: three flags. The defaults, unless they said otherwise.
    const QString failed = QStringLiteral("notifyJobFailed");
    const QString recovered = QStringLiteral("notifyJobRecovered");
    const QString finished = QStringLiteral("notifyJobFinished");
    if (!map.contains(failed) && !map.contains(recovered) && !map.contains(finished))
        return n;
    using T = NotificationRules::Transition;
    n.rules.setOn(T::JobFailed, map.value(failed, true).toBool());
    n.rules.setOn(T::JobFixed, map.value(recovered, true).toBool());
    n.rules.setOn(T::JobFinished, map.value(finished, false).toBool());
    n.followDefaults = n.rules == NotificationRules::defaults();
    return n;
}

// ---------------------------------------------------------------- jobs

std::optional<NotificationRules::Transition>
JobTransitions::classify(const QString &key, JobStatus previous, JobStatus current)
{
    using T = NotificationRules::Transition;
    // What became of the job last time: remembered, or else what it was
    // before this change (the board knew it from earlier events).
    auto it = m_lastOutcome.find(key);
    if (it == m_lastOutcome.end() &&
        (previous == JobStatus::Failed || previous == JobStatus::Succeeded))
        it = m_lastOutcome.insert(key, previous);
    const bool failedLastTime = it != m_lastOutcome.end() && *it == JobStatus::Failed;
    if (current == previous)
        return std::nullopt;
    switch (current) {
    case JobStatus::Failed:
        m_lastOutcome.insert(key, JobStatus::Failed);
        return failedLastTime ? T::JobStillFailing : T::JobFailed;
    case JobStatus::Succeeded:
        m_lastOutcome.insert(key, JobStatus::Succeeded);
        return failedLastTime ? T::JobFixed : T::JobFinished;
    case JobStatus::Cancelled:
        // Neither fixes nor breaks it: what comes next is compared with the
        // outcome before.
        return T::JobFinished;
    case JobStatus::Running:
        return T::JobStarted;
    case JobStatus::Queued:
    case JobStatus::Unknown:
        return std::nullopt;
    }
    return std::nullopt;
}

void JobTransitions::forget(const QString &prefix)
{
    m_lastOutcome.removeIf([&prefix](const auto &it) { return it.key().startsWith(prefix); });
}

// ---------------------------------------------------------------- channels

bool ChannelOutages::update(const QString &channelId, Poller::State state, const QDateTime &now)
{
    switch (state) {
    case Poller::State::Backoff:
    case Poller::State::Failed:
        if (!m_outages.contains(channelId))
            m_outages.insert(channelId, Outage{now, false});
        return false;
    case Poller::State::Connecting:
    case Poller::State::Waiting:
        // A retry going out, or a request sent: nothing decided yet (a
        // failing server takes the request, then answers 503).
        return false;
    case Poller::State::Live: {
        const auto it = m_outages.constFind(channelId);
        const bool back = it != m_outages.cend() && it->announced;
        m_outages.remove(channelId);
        return back;
    }
    case Poller::State::Idle:
    case Poller::State::Stopped:
        m_outages.remove(channelId); // paused: not down, and not back either
        return false;
    }
    return false;
}

QStringList ChannelOutages::takeDue(const QDateTime &now, const Threshold &threshold)
{
    QStringList due;
    for (auto it = m_outages.begin(); it != m_outages.end(); ++it) {
        const qint64 ms = std::chrono::milliseconds(threshold(it.key())).count();
        if (!it->announced && it->since.msecsTo(now) >= ms) {
            it->announced = true;
            due << it.key();
        }
    }
    std::sort(due.begin(), due.end());
    return due;
}

QDateTime ChannelOutages::nextDue(const Threshold &threshold) const
{
    QDateTime next;
    for (auto it = m_outages.cbegin(); it != m_outages.cend(); ++it) {
        if (it->announced)
            continue;
        const QDateTime due =
            it->since.addMSecs(std::chrono::milliseconds(threshold(it.key())).count());
        if (!next.isValid() || due < next)
            next = due;
    }
    return next;
}

QDateTime ChannelOutages::downSince(const QString &channelId) const
{
    return m_outages.value(channelId).since;
}

// ---------------------------------------------------------------- quiet hours

void QuietHours::setDay(int dayOfWeek, bool on)
{
    const auto bit = quint8(1u << (dayOfWeek - 1));
    days = on ? quint8(days | bit) : quint8(days & ~bit);
}

QDateTime QuietHours::quietUntil(const QDateTime &time) const
{
    if (!enabled || days == 0 || !from.isValid() || !to.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    // A stretch that started yesterday may still run today.
    for (const QDate day : {local.date().addDays(-1), local.date()}) {
        if (!hasDay(day.dayOfWeek()))
            continue;
        const QDateTime start(day, from);
        const QDateTime end(to > from ? day : day.addDays(1), to);
        if (start <= local && local < end)
            return end;
    }
    return {};
}

QDateTime QuietHours::nextStart(const QDateTime &time) const
{
    if (!enabled || days == 0 || !from.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    for (int i = 0; i <= 7; ++i) {
        const QDate day = local.date().addDays(i);
        const QDateTime start(day, from);
        if (hasDay(day.dayOfWeek()) && start > local)
            return start;
    }
    return {};
}

QString QuietHours::text() const
{
    if (!enabled || days == 0)
        return tr("Off");
    const QLocale locale;
    const QString hours = tr("%1–%2").arg(locale.toString(from, QStringLiteral("HH:mm")),
                                          locale.toString(to, QStringLiteral("HH:mm")));
    if (days == 0x7f)
        return tr("Every day, %1").arg(hours);
    if (days == 0x1f)
        return tr("Weekdays, %1").arg(hours);
    QStringList names;
    for (int d = Qt::Monday; d <= Qt::Sunday; ++d) {
        if (hasDay(d))
            names << locale.dayName(d, QLocale::ShortFormat);
    }
    return tr("%1, %2").arg(names.join(QStringLiteral(", ")), hours);
}

QVariantMap QuietHours::toVariantMap() const
{
    return {{QStringLiteral("enabled"), enabled},
            {QStringLiteral("days"), int(days)},
            {QStringLiteral("from"), from.toString(QStringLiteral("HH:mm"))},
            {QStringLiteral("to"), to.toString(QStringLiteral("HH:mm"))}};
}

QuietHours QuietHours::fromVariantMap(const QVariantMap &map)
{
    QuietHours q;
    q.enabled = map.value(QStringLiteral("enabled"), false).toBool();
    q.days = quint8(map.value(QStringLiteral("days"), int(q.days)).toInt() & 0x7f);
    const QTime from =
        QTime::fromString(map.value(QStringLiteral("from")).toString(), QStringLiteral("HH:mm"));
    const QTime to =
        QTime::fromString(map.value(QStringLiteral("to")).toString(), QStringLiteral("HH:mm"));
    if (from.isValid())
        q.from = from;
    if (to.isValid())
        q.to = to;
    return q;
}

} // namespace Longwatch
