#include "channelgroupmodel.h"

#include "channel.h"
#include "channelfiltermodel.h"
#include "channelgroups.h"
#include "channelmanager.h"
#include "channelmodel.h"

#include <QMimeData>

#include <algorithm>

namespace Longwatch {

namespace {

QByteArray channelIds(const QList<Channel *> &channels)
{
    QStringList ids;
    for (const Channel *channel : channels)
        ids << channel->id();
    return ids.join(QLatin1Char('\n')).toUtf8();
}

} // namespace

ChannelGroupModel::ChannelGroupModel(ChannelFilterModel *source, QObject *parent)
    : QAbstractListModel(parent)
    , m_source(source)
{
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(source, signal, this, &ChannelGroupModel::rebuild);
    connect(source, &QAbstractItemModel::rowsMoved, this, &ChannelGroupModel::rebuild);
    connect(source, &QAbstractItemModel::layoutChanged, this, &ChannelGroupModel::rebuild);
    connect(source, &QAbstractItemModel::modelReset, this, &ChannelGroupModel::rebuild);
    connect(source, &ChannelFilterModel::filterChanged, this, &ChannelGroupModel::rebuild);
    connect(source, &QAbstractItemModel::dataChanged, this, &ChannelGroupModel::sourceDataChanged);
    // The filter passes a removal on before the manager has let the
    // channel go: the groups are counted again once it has.
    connect(source->channelModel(), &QAbstractItemModel::rowsRemoved, this,
            &ChannelGroupModel::rebuild);
    // Channels the filter hides still count in their group's header.
    connect(source->channelModel(), &QAbstractItemModel::dataChanged, this,
            &ChannelGroupModel::channelDataChanged);
    // A channel that changes its group moves at once (the channel model
    // spaces such changes out).
    connect(source->channelModel()->manager(), &ChannelManager::channelChanged, this,
            [this](Channel *channel) {
                const auto known = m_groupOf.constFind(channel);
                if (known != m_groupOf.cend() && *known != channel->config().group)
                    rebuild();
            });
    m_rows = layOut();
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).channel)
            m_channelRows.insert(m_rows.at(i).channel, i);
        else
            m_headerRows.insert(m_rows.at(i).group, i);
    }
}

QList<ChannelGroupModel::Row> ChannelGroupModel::layOut()
{
    // Every group with its channels, shown or not, in the manager's order.
    m_members.clear();
    m_groupOf.clear();
    const ChannelManager *manager = m_source->channelModel()->manager();
    for (Channel *channel : manager->channels()) {
        const QString &group = channel->config().group;
        m_groupOf.insert(channel, group);
        if (group.isEmpty())
            continue;
        m_members[group] << channel;
        if (!m_order.contains(group))
            m_order << group; // a new group comes last
    }
    // The shown channels, in the filter's order, by group.
    QList<Row> ungrouped;
    QHash<QString, QList<Row>> grouped;
    for (int r = 0; r < m_source->rowCount(); ++r) {
        const QModelIndex index = m_source->index(r, 0);
        Channel *channel = m_source->channel(index);
        if (!channel)
            continue;
        const Row row{QPersistentModelIndex(index), channel, channel->config().group};
        if (row.group.isEmpty())
            ungrouped << row;
        else
            grouped[row.group] << row;
    }
    QList<Row> rows = ungrouped;
    const bool filtering = m_source->isFiltering();
    for (const QString &group : std::as_const(m_order)) {
        if (!m_members.contains(group) || (filtering && !grouped.contains(group)))
            continue;
        rows << Row{{}, nullptr, group};
        if (filtering || !m_collapsed.contains(group))
            rows << grouped.value(group);
    }
    return rows;
}

void ChannelGroupModel::rebuild()
{
    Q_EMIT layoutAboutToBeChanged();
    const QModelIndexList before = persistentIndexList();
    // Where each persistent index was: a channel, or a group's header.
    QList<std::pair<const Channel *, QString>> keys;
    keys.reserve(before.size());
    for (const QModelIndex &index : before) {
        const Row row = m_rows.value(index.row());
        keys.append({row.channel, row.group});
    }
    m_rows = layOut();
    m_channelRows.clear();
    m_headerRows.clear();
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).channel)
            m_channelRows.insert(m_rows.at(i).channel, i);
        else
            m_headerRows.insert(m_rows.at(i).group, i);
    }
    QModelIndexList after;
    after.reserve(before.size());
    for (const auto &[channel, group] : std::as_const(keys)) {
        const int row = channel ? m_channelRows.value(channel, -1) : m_headerRows.value(group, -1);
        after << (row < 0 ? QModelIndex() : index(row));
    }
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged();
}

void ChannelGroupModel::sourceDataChanged(const QModelIndex &topLeft,
                                          const QModelIndex &bottomRight, const QList<int> &roles)
{
    if (m_rows.isEmpty())
        return;
    if (topLeft.row() != bottomRight.row()) {
        // The clock's tick: every row.
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), roles);
        return;
    }
    const int row = m_channelRows.value(m_source->channel(topLeft), -1);
    if (row >= 0)
        Q_EMIT dataChanged(index(row), index(row), roles);
}

void ChannelGroupModel::channelDataChanged(const QModelIndex &topLeft,
                                           const QModelIndex &bottomRight)
{
    const ChannelModel *model = m_source->channelModel();
    QSet<QString> headers;
    for (int r = topLeft.row(); r <= bottomRight.row(); ++r) {
        const Channel *channel = model->channel(model->index(r));
        if (!channel)
            continue;
        const auto known = m_groupOf.constFind(channel);
        if (known == m_groupOf.cend() || *known != channel->config().group) {
            rebuild(); // it changed groups
            return;
        }
        if (!known->isEmpty())
            headers.insert(*known);
    }
    for (const QString &group : std::as_const(headers)) {
        if (const int row = m_headerRows.value(group, -1); row >= 0)
            Q_EMIT dataChanged(index(row), index(row));
    }
}

int ChannelGroupModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QList<Channel *> ChannelGroupModel::members(const QString &group) const
{
    QList<Channel *> channels;
    for (const QPointer<Channel> &channel : m_members.value(group)) {
        if (channel)
            channels << channel;
    }
    return channels;
}

Poller::State ChannelGroupModel::worstState(const QList<Channel *> &channels)
{
    Poller::State worst = Poller::State::Idle;
    for (const Channel *channel : channels) {
        if (channelStateSeverity(channel->state()) < channelStateSeverity(worst))
            worst = channel->state();
    }
    return worst;
}

QString ChannelGroupModel::summary(const QList<Channel *> &channels)
{
    QHash<int, int> counts; // by severity
    for (const Channel *channel : channels)
        ++counts[channelStateSeverity(channel->state())];
    // The words of the channel rows and of the status bar's summary.
    const QStringList words{tr("%1 failed"),     tr("%1 retrying"),  tr("%1 connecting"),
                            tr("%1 live"),       tr("%1 listening"), tr("%1 paused"),
                            tr("%1 not started")};
    QStringList parts;
    for (int s = 0; s < words.size(); ++s) {
        if (const int count = counts.value(s); count > 0)
            parts << words.at(s).arg(count);
    }
    return parts.join(QStringLiteral(" · "));
}

QVariant ChannelGroupModel::headerData(const QString &group, int role) const
{
    const QList<Channel *> channels = members(group);
    const bool collapsed = m_collapsed.contains(group) && !m_source->isFiltering();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
    case ChannelModel::GroupRole:
        return group;
    case ChannelModel::IsGroupHeaderRole:
        return true;
    case ChannelModel::StateRole:
        return QVariant::fromValue(worstState(channels));
    case ChannelModel::GroupSummaryRole:
    case ChannelModel::StatusTextRole:
    case ChannelModel::HeadlineRole:
        return summary(channels);
    case ChannelModel::CollapsedRole:
        return collapsed;
    case ChannelModel::MemberCountRole:
        return int(channels.size());
    case ChannelModel::PausedRole:
        return !channels.isEmpty() && std::all_of(channels.cbegin(), channels.cend(),
                                                  [](const Channel *c) { return c->isPaused(); });
    case Qt::ToolTipRole:
        return tr("<p style='white-space:pre'><b>%1</b> · %n channel(s)<br>%2</p>"
                  "<p>Click, or press Left and Right, to collapse and expand it; drag it to "
                  "move it, and drag channels onto it to put them in it.</p>",
                  nullptr, int(channels.size()))
            .arg(group.toHtmlEscaped(), summary(channels).toHtmlEscaped());
    case Qt::AccessibleTextRole:
        return (collapsed
                    ? tr("Group %1, collapsed, %n channel(s): %2", nullptr, int(channels.size()))
                    : tr("Group %1, expanded, %n channel(s): %2", nullptr, int(channels.size())))
            .arg(group, summary(channels));
    default:
        return {};
    }
}

QVariant ChannelGroupModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    if (!row.channel)
        return headerData(row.group, role);
    return row.source.data(role);
}

Qt::ItemFlags ChannelGroupModel::flags(const QModelIndex &index) const
{
    // Between rows and below the last one, channels and groups can be dropped too.
    if (!index.isValid())
        return Qt::ItemIsDropEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled |
           Qt::ItemIsDropEnabled | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> ChannelGroupModel::roleNames() const
{
    return m_source->channelModel()->roleNames();
}

Channel *ChannelGroupModel::channel(const QModelIndex &index) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return nullptr;
    return m_rows.at(index.row()).channel;
}

QModelIndex ChannelGroupModel::indexOf(const Channel *channel) const
{
    const int row = m_channelRows.value(channel, -1);
    return row < 0 ? QModelIndex() : index(row);
}

bool ChannelGroupModel::isGroupHeader(const QModelIndex &index) const
{
    return index.isValid() && index.model() == this && !m_rows.at(index.row()).channel;
}

QString ChannelGroupModel::group(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    return m_rows.at(index.row()).group;
}

QModelIndex ChannelGroupModel::headerOf(const QString &group) const
{
    const int row = m_headerRows.value(group, -1);
    return row < 0 ? QModelIndex() : index(row);
}

QStringList ChannelGroupModel::groups() const
{
    QStringList groups;
    for (const QString &group : m_order) {
        if (m_members.contains(group))
            groups << group;
    }
    return groups;
}

void ChannelGroupModel::setGroupOrder(const QStringList &order)
{
    QStringList merged = order;
    merged.removeDuplicates();
    for (const QString &group : std::as_const(m_order)) {
        if (!merged.contains(group))
            merged << group;
    }
    if (merged == m_order)
        return;
    m_order = merged;
    rebuild();
    Q_EMIT groupsChanged();
}

void ChannelGroupModel::moveGroup(const QString &group, int position)
{
    QStringList shown = groups();
    if (!shown.contains(group))
        return;
    shown.removeOne(group);
    shown.insert(std::clamp<qsizetype>(position, 0, shown.size()), group);
    setGroupOrder(shown);
}

void ChannelGroupModel::setCollapsed(const QString &group, bool collapsed)
{
    if (collapsed == m_collapsed.contains(group))
        return;
    if (collapsed)
        m_collapsed.insert(group);
    else
        m_collapsed.remove(group);
    rebuild();
    if (const int row = m_headerRows.value(group, -1); row >= 0)
        Q_EMIT dataChanged(index(row), index(row));
    Q_EMIT groupsChanged();
}

QStringList ChannelGroupModel::collapsedGroups() const
{
    QStringList collapsed;
    for (const QString &group : m_order) {
        if (m_collapsed.contains(group))
            collapsed << group;
    }
    return collapsed;
}

void ChannelGroupModel::setCollapsedGroups(const QStringList &groups)
{
    const QSet<QString> collapsed(groups.cbegin(), groups.cend());
    if (collapsed == m_collapsed)
        return;
    m_collapsed = collapsed;
    for (const QString &group : groups) {
        if (!m_order.contains(group))
            m_order << group;
    }
    rebuild();
    Q_EMIT groupsChanged();
}

bool ChannelGroupModel::canCollapse() const
{
    return !m_source->isFiltering();
}

// ---------------------------------------------------------------- drag and drop

Qt::DropActions ChannelGroupModel::supportedDragActions() const
{
    return Qt::MoveAction;
}

Qt::DropActions ChannelGroupModel::supportedDropActions() const
{
    return Qt::MoveAction;
}

QStringList ChannelGroupModel::mimeTypes() const
{
    return {QString::fromLatin1(kChannelsMimeType), QString::fromLatin1(kGroupMimeType)};
}

QMimeData *ChannelGroupModel::mimeData(const QModelIndexList &indexes) const
{
    QList<Channel *> channels;
    for (const QModelIndex &index : indexes) {
        if (isGroupHeader(index)) {
            // A group is dragged alone.
            auto *data = new QMimeData;
            data->setData(QString::fromLatin1(kGroupMimeType), group(index).toUtf8());
            return data;
        }
        if (Channel *each = channel(index); each && !channels.contains(each))
            channels << each;
    }
    if (channels.isEmpty())
        return nullptr;
    auto *data = new QMimeData;
    data->setData(QString::fromLatin1(kChannelsMimeType), channelIds(channels));
    return data;
}

bool ChannelGroupModel::canDropMimeData(const QMimeData *data, Qt::DropAction action, int, int,
                                        const QModelIndex &) const
{
    return data && action == Qt::MoveAction &&
           (data->hasFormat(QString::fromLatin1(kChannelsMimeType)) ||
            data->hasFormat(QString::fromLatin1(kGroupMimeType)));
}

bool ChannelGroupModel::dropMimeData(const QMimeData *data, Qt::DropAction action, int row,
                                     int column, const QModelIndex &parent)
{
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    // On a row (`parent`), between rows (before `row`), or below them all.
    const bool onRow = parent.isValid();
    const int rows = int(m_rows.size());
    const int at = onRow ? parent.row() : (row < 0 ? rows : std::min(row, rows));

    if (data->hasFormat(QString::fromLatin1(kGroupMimeType))) {
        const QString moved = QString::fromUtf8(data->data(QString::fromLatin1(kGroupMimeType)));
        QStringList order = groups();
        if (!order.contains(moved))
            return false;
        int position = int(order.size()); // below every row: last
        if (at < rows) {
            const Row &target = m_rows.at(at);
            if (target.group.isEmpty())
                position = 0; // among the channels in no group: first
            else if (!target.channel)
                position = int(order.indexOf(target.group)); // a header: before it
            else
                position = int(order.indexOf(target.group)) + 1; // a member: after its group
        }
        // Its own place counts while it is still in the list.
        if (const int from = int(order.indexOf(moved)); from < position)
            --position;
        moveGroup(moved, position);
        return true;
    }

    // Channels: into the group of the row they are dropped on, or of the
    // row just above where they are dropped.
    QString target;
    if (onRow)
        target = m_rows.at(at).group;
    else if (at > 0)
        target = m_rows.at(at - 1).group;
    const ChannelManager *manager = m_source->channelModel()->manager();
    QList<Channel *> channels;
    const QStringList ids = QString::fromUtf8(data->data(QString::fromLatin1(kChannelsMimeType)))
                                .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &id : ids) {
        if (Channel *each = manager->channel(id))
            channels << each;
    }
    if (channels.isEmpty())
        return false;
    ChannelGroups::moveTo(manager, channels, target);
    return true;
}

} // namespace Longwatch
