#include "notifier.h"

#include "channel.h"
#include "channelmanager.h"
#include "jobmodel.h"
#include "logging.h"

#include <QLocale>
#include <QMetaObject>

#include <algorithm>

namespace Longwatch {

Notifier::Notifier(ChannelManager *manager, JobModel *jobs, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    connect(jobs, &JobModel::jobStatusChanged, this, &Notifier::onJobStatusChanged);
    connect(manager, &ChannelManager::channelAdded, this, [this](Channel *channel) {
        watch(channel);
        updateHealth();
    });
    connect(manager, &ChannelManager::channelRemoved, this, [this](const QString &id) {
        m_listening.remove(id);
        m_channelMutedUntil.remove(id);
        updateHealth();
    });
    connect(manager, &ChannelManager::channelStateChanged, this, &Notifier::onChannelStateChanged);
    for (Channel *channel : manager->channels())
        watch(channel);
    m_pauseTimer.setSingleShot(true);
    connect(&m_pauseTimer, &QTimer::timeout, this, &Notifier::resumeNotifications);
    m_health = health();
}

Notifier::~Notifier() = default;

void Notifier::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

void Notifier::setMuted(bool muted)
{
    if (muted == m_muted)
        return;
    m_muted = muted;
    Q_EMIT activeChanged(isActive());
}

void Notifier::pauseFor(std::chrono::milliseconds duration)
{
    m_pausedUntil = m_clock().addMSecs(duration.count());
    m_pauseTimer.start(duration);
    Q_EMIT activeChanged(isActive());
}

void Notifier::resumeNotifications()
{
    m_pauseTimer.stop();
    if (!m_pausedUntil.isValid())
        return;
    m_pausedUntil = {};
    Q_EMIT activeChanged(isActive());
}

QDateTime Notifier::pausedUntil() const
{
    return m_pausedUntil.isValid() && m_pausedUntil > m_clock() ? m_pausedUntil : QDateTime();
}

void Notifier::muteChannelFor(const QString &channelId, std::chrono::milliseconds duration)
{
    m_channelMutedUntil.insert(channelId, m_clock().addMSecs(duration.count()));
    qCInfo(lcUi).noquote() << "channel" << channelId << "muted until"
                           << m_channelMutedUntil.value(channelId).toString(Qt::ISODate);
    Q_EMIT channelMuteChanged(channelId);
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
    return !m_muted && !pausedUntil().isValid();
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
    const ChannelConfig &config = channel->config();
    Pending pending;
    if (current == JobStatus::Failed) {
        if (!config.notifyJobFailed)
            return;
        pending = {Kind::Failed,       job,      tr("%1 failed").arg(job), message,
                   Severity::Critical, channelId};
    } else if (previous == JobStatus::Failed &&
               (current == JobStatus::Running || current == JobStatus::Queued ||
                current == JobStatus::Succeeded) &&
               config.notifyJobRecovered) {
        pending = {Kind::Recovered,       job,      tr("%1 recovered").arg(job), message,
                   Severity::Information, channelId};
    } else if (current == JobStatus::Succeeded && config.notifyJobFinished) {
        pending = {Kind::Finished,        job,      tr("%1 finished").arg(job), message,
                   Severity::Information, channelId};
    } else if (current == JobStatus::Cancelled && config.notifyJobFinished) {
        pending = {Kind::Cancelled,   job,      tr("%1 was cancelled").arg(job), message,
                   Severity::Warning, channelId};
    } else {
        return;
    }
    if (!isNews(channelId, eventTime)) {
        qCDebug(lcUi).noquote() << "not new to the user, not announced:" << pending.title;
        return;
    }
    pending.message = pending.message.isEmpty() ? tr("On channel %1.").arg(channelName)
                                                : tr("%1: %2").arg(channelName, pending.message);
    if (!isActive() || isChannelMuted(channelId)) {
        qCDebug(lcUi).noquote() << "notification held back:" << pending.title;
        return;
    }
    // One batch may change many jobs: collect them and decide once the
    // batch is through.
    if (m_pending.isEmpty())
        QMetaObject::invokeMethod(this, &Notifier::flush, Qt::QueuedConnection);
    m_pending.append(pending);
}

namespace {

constexpr int kNamesPerKind = 4; ///< job names a folded notification lists per kind

} // namespace

void Notifier::flush()
{
    const QList<Pending> pending = std::exchange(m_pending, {});
    if (pending.isEmpty())
        return;
    const QDateTime now = m_clock();
    if (m_burst.number != 0 && m_burst.lastFailure.msecsTo(now) > qint64(burstWindow.count()))
        m_burst = {};
    const bool failed = std::any_of(pending.cbegin(), pending.cend(),
                                    [](const Pending &p) { return p.kind == Kind::Failed; });
    if (failed) {
        // A failure announces the whole burst, to replace what was shown of
        // it: failures in a row make one notification that counts them.
        if (m_burst.number == 0)
            m_burst.number = ++m_bursts;
        addToBurst(pending);
        m_burst.lastFailure = now;
        emitNotification(m_burst.items, m_burst.number);
        return;
    }
    // Other news stands alone; the burst learns that a job of it recovered.
    if (m_burst.number != 0)
        addToBurst(pending);
    if (pending.size() <= maxPerBatch) {
        for (const Pending &p : pending)
            emitNotification({p}, 0);
        return;
    }
    emitNotification(pending, 0);
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
    // 1 recovered", "Failed: build #3, deploy #7 · Recovered: test #2". A
    // recovery is never counted as a failure.
    QStringList counts;
    QStringList lists;
    Severity severity = Severity::Information;
    for (const Kind kind : {Kind::Failed, Kind::Cancelled, Kind::Recovered, Kind::Finished}) {
        QStringList jobs;
        for (const Pending &p : pending) {
            if (p.kind == kind) {
                jobs << p.job;
                severity = std::max(severity, p.severity);
            }
        }
        const int n = int(jobs.size());
        if (n == 0)
            continue;
        // The first count names what is counted ("2 jobs failed"), the
        // others follow on from it ("1 recovered").
        const bool first = counts.isEmpty();
        switch (kind) {
        case Kind::Failed:
            counts << (n == 1 ? tr("1 job failed") : tr("%1 jobs failed").arg(n));
            lists << tr("Failed: %1");
            break;
        case Kind::Cancelled:
            counts << (!first   ? tr("%1 cancelled").arg(n)
                       : n == 1 ? tr("1 job cancelled")
                                : tr("%1 jobs cancelled").arg(n));
            lists << tr("Cancelled: %1");
            break;
        case Kind::Recovered:
            counts << (!first   ? tr("%1 recovered").arg(n)
                       : n == 1 ? tr("1 job recovered")
                                : tr("%1 jobs recovered").arg(n));
            lists << tr("Recovered: %1");
            break;
        case Kind::Finished:
            counts << (!first   ? tr("%1 finished").arg(n)
                       : n == 1 ? tr("1 job finished")
                                : tr("%1 jobs finished").arg(n));
            lists << tr("Finished: %1");
            break;
        }
        QString names = jobs.mid(0, kNamesPerKind).join(QStringLiteral(", "));
        if (n > kNamesPerKind)
            names = tr("%1 and %2 more").arg(names, QString::number(n - kNamesPerKind));
        lists.last() = lists.last().arg(names);
    }
    const QString separator = QStringLiteral(" · ");
    Q_EMIT notify(counts.join(separator), lists.join(separator), severity, subject);
}

namespace {

/// How many channels are in each state a person tells apart; the one
/// place that says which Poller state counts as what.
struct StateCounts
{
    int live = 0; ///< Live, or Waiting: connected, the server holds the request
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
    if (counts.live > 0)
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
        return tr("All channels live");
    case Health::Paused:
        return tr("All channels paused");
    }
    return {};
}

QString Notifier::stateText() const
{
    if (m_muted)
        return tr("Notifications muted");
    const QDateTime until = pausedUntil();
    // Hours and minutes: a pause ends on the minute it was asked for.
    if (until.isValid())
        return tr("Notifications paused until %1")
            .arg(QLocale().toString(until.toLocalTime().time(), QStringLiteral("HH:mm")));
    return {};
}

QString Notifier::bellIconName() const
{
    if (m_muted)
        return QStringLiteral("bell-off");
    return pausedUntil().isValid() ? QStringLiteral("bell-snooze") : QStringLiteral("bell");
}

QString Notifier::summary() const
{
    if (!m_manager || m_manager->count() == 0)
        return tr("No channels");
    const auto [live, connecting, retrying, failed, paused] = countStates(*m_manager);
    QStringList parts;
    if (live)
        parts << tr("%1 live").arg(live);
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
    return tr("%1: %2").arg(channels, parts.join(QStringLiteral(", ")));
}

void Notifier::updateHealth()
{
    // Always announce: the summary's counts may change within one health.
    m_health = health();
    Q_EMIT healthChanged(m_health);
}

} // namespace Longwatch
