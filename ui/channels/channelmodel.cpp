#include "channelmodel.h"

#include "channel.h"
#include "channelmanager.h"
#include "eventlogwriter.h"
#include "redact.h"
#include "tlsinfo.h"

#include <QLocale>
#include <QTimeZone>

#include <cmath>

namespace Longwatch {

ChannelModel::ChannelModel(ChannelManager *manager, QObject *parent)
    : QAbstractListModel(parent)
    , m_manager(manager)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    connect(manager, &ChannelManager::channelAboutToBeAdded, this,
            [this](int index) { beginInsertRows({}, index, index); });
    connect(manager, &ChannelManager::channelAdded, this, [this] { endInsertRows(); });
    connect(manager, &ChannelManager::channelAboutToBeRemoved, this,
            [this](int index) { beginRemoveRows({}, index, index); });
    connect(manager, &ChannelManager::channelRemoved, this, [this] { endRemoveRows(); });
    // A change of state shows at once; other changes (counters, rate) at
    // most ten times a second, the first at once: under a flood each batch
    // changes its channel's counters, and repainting the list for each
    // would take the GUI thread's time from the events.
    connect(manager, &ChannelManager::channelStateChanged, this, [this](Channel *channel) {
        m_dirty.remove(channel);
        announce(channel);
    });
    connect(manager, &ChannelManager::channelChanged, this, [this](Channel *channel) {
        if (m_throttle.isActive()) {
            m_dirty.insert(channel);
            return;
        }
        announce(channel);
        m_throttle.start();
    });
    connect(manager, &ChannelManager::channelRemoved, this, [this] { m_dirty.clear(); });
    m_throttle.setSingleShot(true);
    m_throttle.setInterval(std::chrono::milliseconds(100));
    connect(&m_throttle, &QTimer::timeout, this, [this] {
        if (m_dirty.isEmpty())
            return;
        const QSet<Channel *> dirty = std::exchange(m_dirty, {});
        for (Channel *channel : dirty)
            announce(channel);
        m_throttle.start();
    });
    m_ticker.setInterval(std::chrono::seconds(1));
    connect(&m_ticker, &QTimer::timeout, this, &ChannelModel::tick);
    m_ticker.start();
}

ChannelModel::~ChannelModel() = default;

void ChannelModel::announce(Channel *channel)
{
    const QModelIndex index = indexOf(channel);
    if (index.isValid())
        Q_EMIT dataChanged(index, index);
}

void ChannelModel::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

void ChannelModel::setTickInterval(std::chrono::milliseconds interval)
{
    m_ticker.setInterval(interval);
}

void ChannelModel::tick()
{
    const int rows = rowCount();
    if (rows == 0)
        return;
    Q_EMIT dataChanged(index(0), index(rows - 1),
                       {StatusTextRole, HeadlineRole, SinceLastEventRole, RateRole, Qt::ToolTipRole,
                        Qt::AccessibleTextRole});
}

void ChannelModel::setEventLog(EventLog *reader, EventLogWriter *writer)
{
    if (m_writer)
        disconnect(m_writer, nullptr, this, nullptr);
    m_log = reader;
    m_writer = writer;
    m_stored.clear();
    if (reader) {
        const QHash<QString, ChannelSummary> summaries = reader->channelSummaries();
        for (auto it = summaries.cbegin(); it != summaries.cend(); ++it) {
            Stored stored;
            stored.atStart = it->eventCount;
            stored.lastAtStartUsecs = it->lastReceivedUsecs;
            m_stored.insert(it.key(), stored);
        }
    }
    if (writer) {
        connect(writer, &EventLogWriter::committed, this,
                [this](const QString &channel, const QString &, int added, int duplicates) {
                    Stored &stored = m_stored[channel];
                    stored.committed += added;
                    stored.duplicates += duplicates;
                    if (duplicates > 0) {
                        if (Channel *each = m_manager->channel(channel))
                            announce(each);
                    }
                });
        connect(writer, &EventLogWriter::eventsDeleted, this, &ChannelModel::reconcileStored);
    }
    if (const int rows = rowCount(); rows > 0)
        Q_EMIT dataChanged(index(0), index(rows - 1));
}

void ChannelModel::reconcileStored()
{
    if (!m_log)
        return;
    const QHash<QString, ChannelSummary> now = m_log->channelSummaries();
    if (now.isEmpty() && m_log->error() != EventLog::Error::NoError)
        return;
    // The reader sees every commit the writer has told us of (a commit comes
    // before its signal), and perhaps a few more not told yet: what is
    // missing from the log is then at least this, never more. Deletions only
    // grow, so the count settles on the truth and never falls below it.
    for (auto it = m_stored.begin(); it != m_stored.end(); ++it) {
        const qint64 gone = it->atStart + it->committed - now.value(it.key()).eventCount;
        it->deleted = std::max(it->deleted, gone);
    }
    if (const int rows = rowCount(); rows > 0)
        Q_EMIT dataChanged(index(0), index(rows - 1), {EventCountRole, Qt::ToolTipRole});
}

qint64 ChannelModel::eventCount(const Channel *channel) const
{
    qint64 count = channel->eventCount();
    if (const auto it = m_stored.constFind(channel->id()); it != m_stored.cend())
        count += it->atStart - it->duplicates - it->deleted;
    return std::max<qint64>(0, count);
}

QDateTime ChannelModel::lastEventAt(const Channel *channel) const
{
    if (const QDateTime last = channel->lastEventAt(); last.isValid())
        return last;
    const auto it = m_stored.constFind(channel->id());
    if (it == m_stored.cend() || it->lastAtStartUsecs <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(it->lastAtStartUsecs / 1000, QTimeZone::utc());
}

int ChannelModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_manager->count();
}

Channel *ChannelModel::channel(const QModelIndex &index) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return nullptr;
    return m_manager->at(index.row());
}

QModelIndex ChannelModel::indexOf(const Channel *channel) const
{
    const int row = m_manager->indexOf(channel);
    return row < 0 ? QModelIndex() : index(row);
}

QString ChannelModel::sinceText(const QDateTime &then, const QDateTime &now)
{
    if (!then.isValid())
        return tr("no events yet");
    const qint64 seconds = std::max<qint64>(0, then.secsTo(now));
    if (seconds < 2)
        return tr("just now");
    if (seconds < 60)
        return tr("%1 s ago").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min ago").arg(seconds / 60);
    if (seconds < 86400)
        return tr("%1 h ago").arg(seconds / 3600);
    return tr("%1 d ago").arg(seconds / 86400);
}

QString ChannelModel::headline(const Channel *channel, const QDateTime &now,
                               const QDateTime &lastEvent)
{
    switch (channel->state()) {
    case Poller::State::Live:
        return Poller::stateString(Poller::State::Live, channel->isStreaming());
    case Poller::State::Connecting:
        return tr("Connecting…");
    case Poller::State::Waiting: {
        // The request went out and the server holds it: connected, and
        // hearing nothing is what a quiet feed does.
        const QDateTime last = lastEvent.isValid() ? lastEvent : channel->lastEventAt();
        const QString listening = Poller::stateString(Poller::State::Waiting);
        if (!last.isValid())
            return tr("%1 · no events yet").arg(listening);
        return tr("%1 · last event %2").arg(listening, sinceText(last, now));
    }
    case Poller::State::Backoff: {
        const QDateTime due = channel->nextRetryAt();
        // Round up: "in 1 s" until the moment it fires, never "in 0 s".
        const qint64 msecs = due.isValid() ? now.msecsTo(due) : 0;
        const qint64 seconds = qint64(std::ceil(double(std::max<qint64>(0, msecs)) / 1000.0));
        if (channel->isWaitingForNetwork())
            return offlineText();
        if (seconds <= 0)
            return tr("Retrying now (attempt %1)").arg(channel->attempt());
        return tr("Retrying in %1 s (attempt %2)").arg(seconds).arg(channel->attempt());
    }
    case Poller::State::Failed:
        return tr("Failed");
    case Poller::State::Stopped:
        return tr("Paused");
    case Poller::State::Idle:
        return channel->isPaused() ? tr("Paused") : tr("Not started");
    }
    return {};
}

QString ChannelModel::offlineText()
{
    return tr("Offline — waiting for the network");
}

QString ChannelModel::reason(const Channel *channel)
{
    const Poller::State state = channel->state();
    if (state != Poller::State::Failed && state != Poller::State::Backoff)
        return {};
    // Not the server's fault: there is no way out of this machine.
    if (channel->isWaitingForNetwork())
        return offlineText();
    return channel->errorString();
}

QString ChannelModel::statusText(const Channel *channel, const QDateTime &now,
                                 const QDateTime &lastEvent)
{
    if (channel->state() == Poller::State::Failed && !channel->errorString().isEmpty())
        return tr("Failed: %1").arg(channel->errorString());
    return headline(channel, now, lastEvent);
}

QString ChannelModel::toolTip(const Channel *channel) const
{
    const ChannelConfig &config = channel->config();
    const auto row = [](const QString &label, const QString &value) {
        return QStringLiteral("<tr><td style='padding-right:8px'><b>%1</b></td><td>%2</td></tr>")
            .arg(label.toHtmlEscaped(), value.toHtmlEscaped());
    };
    QString html = QStringLiteral("<p style='white-space:pre'><b>%1</b></p><table>")
                       .arg(channel->name().toHtmlEscaped());
    html += row(tr("Address"), redactedUrl(config.url));
    // A channel with other addresses says which one it polls (#19).
    if (channel->serverCount() > 1 && !channel->serverName().isEmpty())
        html += row(tr("Polling"),
                    tr("%1, %2 (of %n addresses)", nullptr, channel->serverCount())
                        .arg(Poller::serverOrdinal(channel->server()), channel->serverName()));
    html += row(tr("Profile"), config.profileId);
    html += row(tr("Status"), statusText(channel, m_clock(), lastEventAt(channel)));
    html += row(tr("Cursor"), channel->cursor().isEmpty() ? tr("(none yet)") : channel->cursor());
    html += row(tr("Events"), QLocale().toString(eventCount(channel)));
    const QString error = channel->errorString();
    if (!error.isEmpty()) {
        html += row(tr("Last error"), error);
        if (!channel->errorDetail().isEmpty())
            html += row(tr("Details"), channel->errorDetail());
    }
    // What a person needs to decide whether to trust a refused certificate.
    if (const TlsFailure failure = channel->tlsFailure(); !failure.isNull()) {
        const CertificateInfo &certificate = failure.certificate;
        html += row(tr("Certificate"), certificate.subject);
        html += row(tr("Issued by"), certificate.issuer);
        html += row(tr("Valid"),
                    tr("%1 to %2")
                        .arg(QLocale().toString(certificate.notBefore, QLocale::ShortFormat),
                             QLocale().toString(certificate.notAfter, QLocale::ShortFormat)));
        html += row(tr("SHA-256"), certificate.fingerprintText());
    }
    html += QStringLiteral("</table>");
    return html;
}

QVariant ChannelModel::data(const QModelIndex &index, int role) const
{
    const Channel *channel = this->channel(index);
    if (!channel)
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        return channel->name();
    case Qt::ToolTipRole:
        return toolTip(channel);
    case Qt::AccessibleTextRole: {
        // A screen reader hears why a retrying channel retries, as the row shows it.
        const QString text = statusText(channel, m_clock(), lastEventAt(channel));
        if (channel->state() == Poller::State::Backoff && !reason(channel).isEmpty())
            return tr("%1: %2. %3").arg(channel->name(), text, reason(channel));
        return tr("%1: %2").arg(channel->name(), text);
    }
    case ChannelIdRole:
        return channel->id();
    case StateRole:
        return QVariant::fromValue(channel->state());
    case StatusTextRole:
        return statusText(channel, m_clock(), lastEventAt(channel));
    case HeadlineRole:
        return headline(channel, m_clock(), lastEventAt(channel));
    case ReasonRole:
        return reason(channel);
    case ErrorDetailRole:
        return channel->errorDetail();
    case EventCountRole:
        return eventCount(channel);
    case LastEventRole:
        return lastEventAt(channel);
    case SinceLastEventRole:
        return sinceText(lastEventAt(channel), m_clock());
    case RateRole:
        return QVariant::fromValue(channel->rateHistory());
    case AttemptRole:
        return channel->attempt();
    case NextRetryRole:
        return channel->nextRetryAt();
    case ErrorRole: {
        const QString detail = channel->errorDetail();
        return detail.isEmpty() ? channel->errorString()
                                : tr("%1 (%2)").arg(channel->errorString(), detail);
    }
    case PausedRole:
        return channel->isPaused();
    case CursorRole:
        return channel->cursor();
    case UrlRole:
        return redactedUrl(channel->config().url);
    case ProfileRole:
        return channel->config().profileId;
    case GroupRole:
        return channel->config().group;
    case IsGroupHeaderRole:
        return false;
    default:
        return {};
    }
}

QHash<int, QByteArray> ChannelModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(ChannelIdRole, "channelId");
    names.insert(StateRole, "state");
    names.insert(StatusTextRole, "statusText");
    names.insert(EventCountRole, "eventCount");
    names.insert(LastEventRole, "lastEvent");
    names.insert(SinceLastEventRole, "sinceLastEvent");
    names.insert(RateRole, "rate");
    names.insert(AttemptRole, "attempt");
    names.insert(NextRetryRole, "nextRetry");
    names.insert(ErrorRole, "error");
    names.insert(PausedRole, "paused");
    names.insert(CursorRole, "cursor");
    names.insert(UrlRole, "url");
    names.insert(ProfileRole, "profile");
    names.insert(HeadlineRole, "headline");
    names.insert(ReasonRole, "reason");
    names.insert(ErrorDetailRole, "errorDetail");
    names.insert(GroupRole, "group");
    names.insert(IsGroupHeaderRole, "isGroupHeader");
    names.insert(GroupSummaryRole, "groupSummary");
    names.insert(CollapsedRole, "collapsed");
    names.insert(MemberCountRole, "memberCount");
    return names;
}

} // namespace Longwatch
