#include "channelmodel.h"

#include "channel.h"
#include "channelmanager.h"
#include "redact.h"
#include "tlsinfo.h"

#include <QLocale>

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
                       {StatusTextRole, SinceLastEventRole, RateRole, Qt::ToolTipRole});
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

QString ChannelModel::statusText(const Channel *channel, const QDateTime &now)
{
    switch (channel->state()) {
    case Poller::State::Live:
        return tr("Live");
    case Poller::State::Connecting:
        return tr("Connecting…");
    case Poller::State::Waiting:
        return tr("Waiting for the server");
    case Poller::State::Backoff: {
        const QDateTime due = channel->nextRetryAt();
        // Round up: "in 1 s" until the moment it fires, never "in 0 s".
        const qint64 msecs = due.isValid() ? now.msecsTo(due) : 0;
        const qint64 seconds = qint64(std::ceil(double(std::max<qint64>(0, msecs)) / 1000.0));
        if (seconds <= 0)
            return tr("Retrying now (attempt %1)").arg(channel->attempt());
        return tr("Retrying in %1 s (attempt %2)").arg(seconds).arg(channel->attempt());
    }
    case Poller::State::Failed:
        return tr("Failed: %1").arg(channel->errorString());
    case Poller::State::Stopped:
        return tr("Paused");
    case Poller::State::Idle:
        return channel->isPaused() ? tr("Paused") : tr("Not started");
    }
    return {};
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
    html += row(tr("Profile"), config.profileId);
    html += row(tr("Status"), statusText(channel, m_clock()));
    html += row(tr("Cursor"), channel->cursor().isEmpty() ? tr("(none yet)") : channel->cursor());
    html += row(tr("Events"), QLocale().toString(channel->eventCount()));
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
    case Qt::AccessibleTextRole:
        return tr("%1: %2").arg(channel->name(), statusText(channel, m_clock()));
    case ChannelIdRole:
        return channel->id();
    case StateRole:
        return QVariant::fromValue(channel->state());
    case StatusTextRole:
        return statusText(channel, m_clock());
    case EventCountRole:
        return channel->eventCount();
    case LastEventRole:
        return channel->lastEventAt();
    case SinceLastEventRole:
        return sinceText(channel->lastEventAt(), m_clock());
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
    return names;
}

} // namespace Longwatch
