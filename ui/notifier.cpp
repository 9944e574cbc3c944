#include "notifier.h"

#include "channel.h"
#include "channelmanager.h"
#include "jobmodel.h"
#include "logging.h"
#include "notificationsounds.h"

#include <QLocale>
#include <QMetaObject>

#include <algorithm>

using namespace std::chrono_literals;

namespace Longwatch {

Notifier::Notifier(ChannelManager *manager, JobModel *jobs, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_jobs(jobs)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
    , m_sounds(new NotificationSounds(this))
{
    connect(jobs, &JobModel::jobStatusChanged, this, &Notifier::onJobStatusChanged);
    connect(manager, &ChannelManager::channelAdded, this, [this](Channel *channel) {
        watch(channel);
        updateHealth();
    });
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        m_listening.remove(id);
        m_channelMutedUntil.remove(id);
        m_outages.forget(id);
        m_transitions.forget(id + QLatin1Char('\n'));
        updateHealth();
    });
    connect(manager, &ChannelManager::channelStateChanged, this, &Notifier::onChannelStateChanged);
    connect(manager, &ChannelManager::offlineChanged, this, [this](bool offline) {
        if (!offline) {
            // The network is back: a channel still down is down from now.
            for (Channel *channel : m_manager->channels()) {
                if (m_outages.downSince(channel->id()).isValid()) {
                    m_outages.forget(channel->id());
                    m_outages.update(channel->id(), channel->state(), m_clock());
                }
            }
        }
        updateHealth();
    });
    for (Channel *channel : manager->channels())
        watch(channel);
    m_pauseTimer.setSingleShot(true);
    connect(&m_pauseTimer, &QTimer::timeout, this, &Notifier::resumeNotifications);
    // Outages and quiet hours move with time, not with events.
    m_reviewTimer.setInterval(15s);
    connect(&m_reviewTimer, &QTimer::timeout, this, &Notifier::review);
    m_reviewTimer.start();
    m_health = health();
}

Notifier::~Notifier() = default;

void Notifier::setClock(Clock clock)
{
    m_clock = std::move(clock);
    m_sounds->setClock(m_clock);
}

void Notifier::setReviewInterval(std::chrono::milliseconds interval)
{
    m_reviewTimer.start(interval);
}

void Notifier::setDefaultRules(const NotificationRules &rules)
{
    m_defaultRules = rules;
}

NotificationRules Notifier::rulesFor(const QString &channelId) const
{
    const Channel *channel = m_manager ? m_manager->channel(channelId) : nullptr;
    return channel ? channel->config().notifications.effective(m_defaultRules) : m_defaultRules;
}

void Notifier::setQuietHours(const QuietHours &quietHours)
{
    m_quietHours = quietHours;
    updateActive(true);
}

void Notifier::setMuted(bool muted)
{
    if (muted == m_muted)
        return;
    m_muted = muted;
    updateActive(true);
}

void Notifier::pauseFor(std::chrono::milliseconds duration)
{
    snoozeUntil(m_clock().addMSecs(duration.count()));
}

void Notifier::snoozeUntil(const QDateTime &until)
{
    const qint64 ms = m_clock().msecsTo(until);
    if (ms <= 0) {
        resumeNotifications();
        return;
    }
    m_pausedUntil = until;
    m_pauseTimer.start(std::chrono::milliseconds(ms));
    qCInfo(lcUi).noquote() << "notifications snoozed until" << until.toString(Qt::ISODate);
    updateActive(true);
}

QDateTime Notifier::nextMorning(const QDateTime &now)
{
    const QDateTime local = now.toLocalTime();
    const QTime morning(8, 0);
    // Before 08:00 "tomorrow morning" is this morning: the night is not over.
    const QDate day = local.time() < morning ? local.date() : local.date().addDays(1);
    return QDateTime(day, morning).toUTC();
}

void Notifier::resumeNotifications()
{
    m_pauseTimer.stop();
    const bool wasSnoozed = std::exchange(m_pausedUntil, {}).isValid();
    updateActive(wasSnoozed);
}

QDateTime Notifier::pausedUntil() const
{
    return m_pausedUntil.isValid() && m_pausedUntil > m_clock() ? m_pausedUntil : QDateTime();
}

QDateTime Notifier::quietUntil() const
{
    const QDateTime now = m_clock();
    QDateTime until = pausedUntil();
    // A snooze that ends within quiet hours goes on till they end, and the
    // other way round.
    for (int i = 0; i < 3; ++i) {
        const QDateTime scheduled = m_quietHours.quietUntil(until.isValid() ? until : now);
        if (!scheduled.isValid() || (until.isValid() && scheduled <= until))
            break;
        until = scheduled.toUTC();
    }
    return until;
}

QStringList Notifier::heldBack() const
{
    QStringList lines;
    for (const Pending &p : m_held)
        lines << tr("%1 (%2)").arg(p.title, p.message);
    return lines;
}

void Notifier::muteChannelFor(const QString &channelId, std::chrono::milliseconds duration)
{
    m_channelMutedUntil.insert(channelId, m_clock().addMSecs(duration.count()));
    qCInfo(lcUi).noquote() << "channel" << channelId << "muted until"
                           << m_channelMutedUntil.value(channelId).toString(Qt::ISODate);
    Q_EMIT channelMuteChanged(channelId);
}

void Notifier::acknowledgeJob(const QString &channelId, const QString &job,
                              std::chrono::milliseconds duration)
{
    m_acknowledged.insert(channelId + QLatin1Char('\n') + job,
                          m_clock().addMSecs(duration.count()));
    Q_EMIT acknowledgementsChanged();
}

QDateTime Notifier::jobAcknowledgedUntil(const QString &channelId, const QString &job) const
{
    const QDateTime until = m_acknowledged.value(channelId + QLatin1Char('\n') + job);
    return until.isValid() && until > m_clock() ? until : QDateTime();
}

int Notifier::needsAttentionCount() const
{
    int count = 0;
    if (m_manager) {
        for (const Channel *channel : m_manager->channels()) {
            const Poller::State state = channel->state();
            count += state == Poller::State::Failed || state == Poller::State::Backoff;
        }
    }
    if (m_jobs) {
        for (int row = 0; row < m_jobs->rowCount(); ++row) {
            const QModelIndex index = m_jobs->index(row, JobModel::JobColumn);
            if (index.data(JobModel::StatusRole).value<JobStatus>() == JobStatus::Failed &&
                !jobAcknowledgedUntil(index.data(JobModel::ChannelIdRole).toString(),
                                      index.data().toString())
                     .isValid())
                ++count;
        }
    }
    return count;
}

void Notifier::unmuteChannel(const QString &channelId)
{
    if (m_channelMutedUntil.remove(channelId) > 0)
        Q_EMIT channelMuteChanged(channelId);
}

QDateTime Notifier::channelMutedUntil(const QString &channelId) const
{
    // No timer: the mute is over once its time has passed, whenever asked.
    const QDateTime until = m_channelMutedUntil.value(channelId);
    return until.isValid() && until > m_clock() ? until : QDateTime();
}

bool Notifier::isActive() const
{
    return !m_muted && !isQuiet();
}

void Notifier::updateActive(bool changed)
{
    const bool active = isActive();
    if (active != std::exchange(m_active, active) || changed)
        Q_EMIT activeChanged(active);
    // Nothing to hold for once quiet ended; muted says nothing of it yet.
    if (!m_muted && !isQuiet())
        releaseHeld();
}

void Notifier::review()
{
    onOutagesDue();
    updateActive();
}

void Notifier::watch(Channel *channel)
{
    // A good answer is announced before its events (Poller::responseReceived()),
    // so the events that follow are known to be the backlog or not.
    connect(channel, &Channel::responseReceived, this, [this, channel] { onResponse(channel); });
    onChannelStateChanged(channel, channel->state());
}

void Notifier::onChannelStateChanged(Channel *channel, Poller::State state)
{
    // Health and summary() count states: a state change is the only thing
    // (with channels coming and going) that moves them; channelChanged()
    // comes with every batch.
    updateHealth();
    Listening &listening = m_listening[channel->id()];
    const bool running = Poller::isRunning(state);
    // Starting to poll after it was not, or with a new poller (an edit may
    // point the channel at another feed): a new stretch of listening. A
    // retry after an error, or a reconnect, goes on with the same poller.
    if (running && (!listening.running || channel->poller() != listening.poller)) {
        listening = Listening{};
        listening.since = m_clock();
        listening.poller = channel->poller();
    }
    listening.running = running;
    if (state == Poller::State::Waiting && listening.answers == 0)
        listening.waitingSince = m_clock();

    const QDateTime downSince = m_outages.downSince(channel->id());
    if (m_outages.update(channel->id(), state, m_clock())) {
        const NotificationRules rules = rulesFor(channel->id());
        if (!rules.isOn(NotificationRules::Transition::ChannelBack))
            return;
        const qint64 minutes = std::max<qint64>(1, downSince.secsTo(m_clock()) / 60);
        enqueue({Kind::Back,
                 {},
                 tr("%1 is back").arg(channel->name()),
                 minutes == 1 ? tr("Listening again after a minute down.")
                              : tr("Listening again after %1 minutes down.").arg(minutes),
                 Severity::Information,
                 channel->id(),
                 channel->name(),
                 rules.breaksThrough(NotificationRules::Transition::ChannelBack)});
    }
}

void Notifier::onOutagesDue()
{
    // No notification per channel for an outage of the machine's network:
    // the status bar says it once. Outages are counted from its return.
    if (m_manager && m_manager->isOffline())
        return;
    const auto threshold = [this](const QString &id) { return rulesFor(id).downAfter(); };
    const QStringList due = m_outages.takeDue(m_clock(), threshold);
    for (const QString &id : due) {
        const Channel *channel = m_manager ? m_manager->channel(id) : nullptr;
        const NotificationRules rules = rulesFor(id);
        if (!channel || !rules.isOn(NotificationRules::Transition::ChannelDown))
            continue;
        const QString since = QLocale().toString(m_outages.downSince(id).toLocalTime().time(),
                                                 QStringLiteral("HH:mm"));
        const QString why = channel->errorString();
        enqueue({Kind::Down,
                 {},
                 tr("%1 is down").arg(channel->name()),
                 why.isEmpty() ? tr("Down since %1.").arg(since)
                               : tr("Down since %1: %2").arg(since, why),
                 Severity::Warning,
                 id,
                 channel->name(),
                 rules.breaksThrough(NotificationRules::Transition::ChannelDown)});
    }
}

void Notifier::onResponse(Channel *channel)
{
    Listening &listening = m_listening[channel->id()];
    ++listening.answers;
    if (listening.answers > 1) {
        listening.readingBacklog = false;
        return;
    }
    const bool held =
        listening.waitingSince.isValid() &&
        listening.waitingSince.msecsTo(m_clock()) >= qint64(heldAnswerThreshold.count());
    listening.readingBacklog = !held;
    qCDebug(lcUi).noquote() << "first answer on" << channel->name()
                            << (held ? "was held: news" : "came at once: backlog, not announced");
}

bool Notifier::isNews(const QString &channelId, const QDateTime &eventTime) const
{
    const auto it = m_listening.constFind(channelId);
    if (it == m_listening.cend())
        return true;
    if (it->readingBacklog)
        return false;
    const qint64 skewMs = std::chrono::milliseconds(clockSkewAllowance).count();
    return !eventTime.isValid() || !it->since.isValid() || eventTime >= it->since.addMSecs(-skewMs);
}

void Notifier::onJobStatusChanged(const QString &channelId, const QString &channelName,
                                  const QString &job, JobStatus previous, JobStatus current,
                                  const QString &message, const QDateTime &eventTime)
{
    const Channel *channel = m_manager ? m_manager->channel(channelId) : nullptr;
    if (!channel)
        return;
    // Classified even when not announced: "fixed" and "still failing" need
    // to know what became of the job last time.
    using T = NotificationRules::Transition;
    const std::optional<T> transition =
        m_transitions.classify(channelId + QLatin1Char('\n') + job, previous, current);
    const NotificationRules rules = rulesFor(channelId);
    if (!transition || !rules.isOn(*transition))
        return;
    const auto make = [&](Kind kind, const QString &title, Severity severity) {
        return Pending{kind,     job,       title, message,
                       severity, channelId, job,   rules.breaksThrough(*transition)};
    };
    Pending pending;
    switch (*transition) {
    case T::JobFailed:
        pending = make(Kind::Failed, tr("%1 failed").arg(job), Severity::Critical);
        break;
    case T::JobStillFailing:
        pending = make(Kind::StillFailing, tr("%1 failed again").arg(job), Severity::Critical);
        break;
    case T::JobFixed:
        pending = make(Kind::Fixed, tr("%1 is fixed").arg(job), Severity::Information);
        break;
    case T::JobStarted:
        pending = make(Kind::Started, tr("%1 started").arg(job), Severity::Information);
        break;
    case T::JobFinished:
        pending = current == JobStatus::Cancelled
                      ? make(Kind::Cancelled, tr("%1 was cancelled").arg(job), Severity::Warning)
                      : make(Kind::Finished, tr("%1 finished").arg(job), Severity::Information);
        break;
    case T::ChannelDown:
    case T::ChannelBack:
        return; // not a job's
    }
    if ((pending.kind == Kind::Failed || pending.kind == Kind::StillFailing) &&
        jobAcknowledgedUntil(channelId, job).isValid()) {
        qCDebug(lcUi).noquote() << "acknowledged, not announced:" << pending.title;
        return;
    }
    if (!isNews(channelId, eventTime)) {
        qCDebug(lcUi).noquote() << "not new to the user, not announced:" << pending.title;
        return;
    }
    pending.message = pending.message.isEmpty() ? tr("On channel %1.").arg(channelName)
                                                : tr("%1: %2").arg(channelName, pending.message);
    enqueue(std::move(pending));
}

void Notifier::enqueue(Pending pending)
{
    if (m_muted || isChannelMuted(pending.channelId)) {
        qCDebug(lcUi).noquote() << "muted, not announced:" << pending.title;
        return;
    }
    if (isQuiet() && !pending.critical) {
        qCDebug(lcUi).noquote() << "quiet, held back:" << pending.title;
        m_held.append(std::move(pending));
        Q_EMIT heldBackChanged();
        return;
    }
    // One batch may change many jobs: collect them and decide once the
    // batch is through.
    if (m_pending.isEmpty())
        QMetaObject::invokeMethod(this, &Notifier::flush, Qt::QueuedConnection);
    m_pending.append(std::move(pending));
}

namespace {

constexpr int kNamesPerKind = 4; ///< job names a folded notification lists per kind

} // namespace

void Notifier::releaseHeld()
{
    if (m_held.isEmpty())
        return;
    const QList<Pending> held = std::exchange(m_held, {});
    m_lastReleased.clear();
    for (const Pending &p : held)
        m_lastReleased << tr("%1 (%2)").arg(p.title, p.message);
    Q_EMIT heldBackChanged();
    // Counted by what happened, the worst first: "3 failures, 1 channel down".
    QStringList counts;
    QStringList names;
    Severity severity = Severity::Information;
    QString channelId = held.first().channelId;
    for (const Kind kind : {Kind::Failed, Kind::StillFailing, Kind::Down, Kind::Cancelled,
                            Kind::Fixed, Kind::Back, Kind::Started, Kind::Finished}) {
        int n = 0;
        for (const Pending &p : held) {
            if (p.kind != kind)
                continue;
            ++n;
            severity = std::max(severity, p.severity);
            if (p.channelId != channelId)
                channelId.clear();
            if (names.size() < kNamesPerKind)
                names << p.title;
        }
        if (n == 0)
            continue;
        switch (kind) {
        case Kind::Failed:
            counts << (n == 1 ? tr("1 failure") : tr("%1 failures").arg(n));
            break;
        case Kind::StillFailing:
            counts << (n == 1 ? tr("1 repeated failure") : tr("%1 repeated failures").arg(n));
            break;
        case Kind::Down:
            counts << (n == 1 ? tr("1 channel down") : tr("%1 channels down").arg(n));
            break;
        case Kind::Cancelled:
            counts << (n == 1 ? tr("1 cancelled") : tr("%1 cancelled").arg(n));
            break;
        case Kind::Fixed:
            counts << (n == 1 ? tr("1 fixed") : tr("%1 fixed").arg(n));
            break;
        case Kind::Back:
            counts << (n == 1 ? tr("1 channel back") : tr("%1 channels back").arg(n));
            break;
        case Kind::Started:
            counts << (n == 1 ? tr("1 started") : tr("%1 started").arg(n));
            break;
        case Kind::Finished:
            counts << (n == 1 ? tr("1 finished") : tr("%1 finished").arg(n));
            break;
        }
    }
    QString message = names.join(QStringLiteral(" · "));
    if (held.size() > names.size())
        message = tr("%1 and %2 more").arg(message, QString::number(held.size() - names.size()));
    Q_EMIT notify(tr("While notifications were off: %1").arg(counts.join(QStringLiteral(", "))),
                  message, severity, Subject{channelId, {}, 0, true});
}

void Notifier::flush()
{
    const QList<Pending> pending = std::exchange(m_pending, {});
    if (pending.isEmpty())
        return;
    const QDateTime now = m_clock();
    if (m_burst.number != 0 && m_burst.lastFailure.msecsTo(now) > qint64(burstWindow.count()))
        m_burst = {};
    const bool failed = std::any_of(pending.cbegin(), pending.cend(), [](const Pending &p) {
        return p.kind == Kind::Failed || p.kind == Kind::StillFailing;
    });
    if (failed) {
        // A failure announces the whole burst, to replace what was shown of
        // it: failures in a row make one notification that counts them.
        if (m_burst.number == 0)
            m_burst.number = ++m_bursts;
        addToBurst(pending);
        m_burst.lastFailure = now;
        emitNotification(m_burst.items, m_burst.number);
        playSound(pending, m_burst.number);
        return;
    }
    // Other news stands alone; the burst learns that a job of it was fixed.
    if (m_burst.number != 0)
        addToBurst(pending);
    if (pending.size() <= maxPerBatch) {
        for (const Pending &p : pending)
            emitNotification({p}, 0);
    } else {
        emitNotification(pending, 0);
    }
    playSound(pending, 0);
}

NotificationRules::Transition Notifier::transitionOf(Kind kind)
{
    using T = NotificationRules::Transition;
    switch (kind) {
    case Kind::Failed:
        return T::JobFailed;
    case Kind::StillFailing:
        return T::JobStillFailing;
    case Kind::Down:
        return T::ChannelDown;
    case Kind::Cancelled:
    case Kind::Finished:
        return T::JobFinished;
    case Kind::Fixed:
        return T::JobFixed;
    case Kind::Back:
        return T::ChannelBack;
    case Kind::Started:
        return T::JobStarted;
    }
    return T::JobFinished;
}

void Notifier::playSound(const QList<Pending> &pending, int burst)
{
    if (burst != 0 && burst == m_soundedBurst)
        return; // a burst's notification is updated in place, silently
    // The worst news that has a sound makes it (Kind is worst first).
    const Pending *loudest = nullptr;
    for (const Pending &p : pending) {
        if (m_sounds->hasSound(transitionOf(p.kind)) && (!loudest || p.kind < loudest->kind))
            loudest = &p;
    }
    if (!loudest)
        return;
    if (burst != 0)
        m_soundedBurst = burst;
    m_sounds->play(transitionOf(loudest->kind));
}

void Notifier::addToBurst(const QList<Pending> &pending)
{
    for (const Pending &p : pending) {
        const auto same =
            std::find_if(m_burst.items.begin(), m_burst.items.end(), [&p](const Pending &item) {
                return item.channelId == p.channelId && item.job == p.job;
            });
        if (same != m_burst.items.end())
            *same = p;
        else
            m_burst.items.append(p);
    }
}

void Notifier::emitNotification(const QList<Pending> &pending, int burst)
{
    Subject subject{pending.first().channelId, pending.first().job, burst};
    for (const Pending &p : pending) {
        if (p.channelId != subject.channelId) {
            subject.channelId.clear();
            subject.job.clear();
            break;
        }
        if (p.job != subject.job)
            subject.job.clear();
    }
    if (pending.size() == 1) {
        const Pending &p = pending.first();
        Q_EMIT notify(p.title, p.message, p.severity, subject);
        return;
    }
    // Each kind counted and named apart, the worst first: "2 jobs failed ·
    // 1 fixed", "Failed: build #3, deploy #7 · Fixed: test #2". A fixed
    // job is never counted as a failure.
    QStringList counts;
    QStringList lists;
    Severity severity = Severity::Information;
    for (const Kind kind : {Kind::Failed, Kind::StillFailing, Kind::Down, Kind::Cancelled,
                            Kind::Fixed, Kind::Back, Kind::Started, Kind::Finished}) {
        QStringList names;
        for (const Pending &p : pending) {
            if (p.kind == kind) {
                names << p.name;
                severity = std::max(severity, p.severity);
            }
        }
        const int n = int(names.size());
        if (n == 0)
            continue;
        // The first count names what is counted ("2 jobs failed"), the
        // others follow on from it ("1 fixed").
        const bool first = counts.isEmpty();
        switch (kind) {
        case Kind::Failed:
            counts << (n == 1 ? tr("1 job failed") : tr("%1 jobs failed").arg(n));
            lists << tr("Failed: %1");
            break;
        case Kind::StillFailing:
            counts << (!first   ? tr("%1 failed again").arg(n)
                       : n == 1 ? tr("1 job failed again")
                                : tr("%1 jobs failed again").arg(n));
            lists << tr("Failed again: %1");
            break;
        case Kind::Down:
            counts << (n == 1 ? tr("1 channel down") : tr("%1 channels down").arg(n));
            lists << tr("Down: %1");
            break;
        case Kind::Cancelled:
            counts << (!first   ? tr("%1 cancelled").arg(n)
                       : n == 1 ? tr("1 job cancelled")
                                : tr("%1 jobs cancelled").arg(n));
            lists << tr("Cancelled: %1");
            break;
        case Kind::Fixed:
            counts << (!first   ? tr("%1 fixed").arg(n)
                       : n == 1 ? tr("1 job fixed")
                                : tr("%1 jobs fixed").arg(n));
            lists << tr("Fixed: %1");
            break;
        case Kind::Back:
            counts << (n == 1 ? tr("1 channel back") : tr("%1 channels back").arg(n));
            lists << tr("Back: %1");
            break;
        case Kind::Started:
            counts << (!first   ? tr("%1 started").arg(n)
                       : n == 1 ? tr("1 job started")
                                : tr("%1 jobs started").arg(n));
            lists << tr("Started: %1");
            break;
        case Kind::Finished:
            counts << (!first   ? tr("%1 finished").arg(n)
                       : n == 1 ? tr("1 job finished")
                                : tr("%1 jobs finished").arg(n));
            lists << tr("Finished: %1");
            break;
        }
        QString shown = names.mid(0, kNamesPerKind).join(QStringLiteral(", "));
        if (n > kNamesPerKind)
            shown = tr("%1 and %2 more").arg(shown, QString::number(n - kNamesPerKind));
        lists.last() = lists.last().arg(shown);
    }
    const QString separator = QStringLiteral(" · ");
    Q_EMIT notify(counts.join(separator), lists.join(separator), severity, subject);
}

namespace {

/// How many channels are in each state a person tells apart; the one
/// place that says which Poller state counts as what.
struct StateCounts
{
    int live = 0;      ///< Live: the last answer was good
    int listening = 0; ///< Waiting: connected, the server holds the request (the rows' word)
    int connecting = 0;
    int retrying = 0;
    int failed = 0;
    int paused = 0; ///< Idle or Stopped
};

StateCounts countStates(const ChannelManager &manager)
{
    StateCounts counts;
    for (const Channel *channel : manager.channels()) {
        switch (channel->state()) {
        case Poller::State::Waiting:
            ++counts.listening;
            break;
        case Poller::State::Live:
            ++counts.live;
            break;
        case Poller::State::Connecting:
            ++counts.connecting;
            break;
        case Poller::State::Backoff:
            ++counts.retrying;
            break;
        case Poller::State::Failed:
            ++counts.failed;
            break;
        case Poller::State::Idle:
        case Poller::State::Stopped:
            ++counts.paused;
            break;
        }
    }
    return counts;
}

} // namespace

Notifier::Health Notifier::health() const
{
    if (!m_manager || m_manager->count() == 0)
        return Health::NoChannels;
    const StateCounts counts = countStates(*m_manager);
    if (counts.failed > 0)
        return Health::Failed;
    if (counts.retrying > 0)
        return Health::Retrying;
    if (counts.connecting > 0)
        return Health::Connecting;
    if (counts.live > 0 || counts.listening > 0)
        return Health::Live;
    return Health::Paused;
}

QString Notifier::healthText(Health health)
{
    switch (health) {
    case Health::NoChannels:
        return tr("No channels");
    case Health::Failed:
        return tr("A channel has failed");
    case Health::Retrying:
        return tr("A channel is retrying");
    case Health::Connecting:
        return tr("Connecting");
    case Health::Live:
        return tr("All channels connected");
    case Health::Paused:
        return tr("All channels paused");
    }
    return {};
}

namespace {

/// "14:05", or "Tue 08:00" when not today.
QString untilText(const QDateTime &until, const QDateTime &now)
{
    const QDateTime local = until.toLocalTime();
    const QLocale locale;
    if (local.date() == now.toLocalTime().date())
        return locale.toString(local.time(), QStringLiteral("HH:mm"));
    return locale.toString(local, QStringLiteral("ddd HH:mm"));
}

} // namespace

QString Notifier::stateText() const
{
    QString text;
    if (m_muted) {
        text = tr("Notifications muted");
    } else if (const QDateTime until = quietUntil(); until.isValid()) {
        // Hours and minutes: a snooze ends on the minute it was asked for.
        const QString when = untilText(until, m_clock());
        text = pausedUntil().isValid() ? tr("Notifications paused until %1").arg(when)
                                       : tr("Quiet hours until %1").arg(when);
    }
    if (!m_held.isEmpty() && !text.isEmpty())
        text = tr("%1 · %2 held back").arg(text).arg(m_held.size());
    return text;
}

QString Notifier::bellIconName() const
{
    if (m_muted)
        return QStringLiteral("bell-off");
    return isQuiet() ? QStringLiteral("bell-snooze") : QStringLiteral("bell");
}

QString Notifier::summary() const
{
    if (!m_manager || m_manager->count() == 0)
        return tr("No channels");
    const auto [live, listening, connecting, retrying, failed, paused] = countStates(*m_manager);
    // The words of the channel list's rows: a channel whose request the
    // server holds is "listening" there, and here (once it was counted as
    // connecting: "270 connecting" for 300 channels that were listening).
    QStringList parts;
    if (live)
        parts << tr("%1 live").arg(live);
    if (listening)
        parts << tr("%1 listening").arg(listening);
    if (connecting)
        parts << tr("%1 connecting").arg(connecting);
    if (retrying)
        parts << tr("%1 retrying").arg(retrying);
    if (failed)
        parts << tr("%1 failed").arg(failed);
    if (paused)
        parts << tr("%1 paused").arg(paused);
    const QString channels =
        m_manager->count() == 1 ? tr("1 channel") : tr("%1 channels").arg(m_manager->count());
    // One line for all of them: each channel's own failure is the network's.
    if (m_manager->isOffline())
        return tr("Offline — waiting for the network · %1: %2")
            .arg(channels, parts.join(QStringLiteral(", ")));
    return tr("%1: %2").arg(channels, parts.join(QStringLiteral(", ")));
}

void Notifier::updateHealth()
{
    // Always announce: the summary's counts may change within one health.
    m_health = health();
    Q_EMIT healthChanged(m_health);
}

} // namespace Longwatch
