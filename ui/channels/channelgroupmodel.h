#pragma once

#include "poller.h"

#include <QAbstractListModel>
#include <QHash>
#include <QPersistentModelIndex>
#include <QPointer>
#include <QSet>
#include <QStringList>

namespace Longwatch {

class Channel;
class ChannelFilterModel;

/// The channel list with its groups (ChannelGroups): the channels in no
/// group first, then each group as a header row followed by its channels,
/// unless it is collapsed. A header says the worst state of the group's
/// channels (StateRole: failed, then retrying, connecting, live,
/// listening, paused) and counts them by state (GroupSummaryRole,
/// "1 failed · 3 live"), over all of its channels, shown or not.
///
/// The channels come from a ChannelFilterModel, in its order and through
/// its filter: sorted with the ones in trouble first, that order holds
/// within each group, and the groups keep theirs. While the filter is set,
/// a group shows only its matching channels, a group without any is not
/// shown, and every group is shown expanded.
///
/// The groups are in the order the person gave them (setGroupOrder(),
/// moveGroup()); a new group comes last. Collapsed groups are remembered
/// by name (setCollapsed()).
///
/// Drag and drop: a channel's row carries its channel (kChannelsMimeType:
/// ids, one per line), a header its group (kGroupMimeType). Channels
/// dropped on a header, or on or just below a row of a group, join that
/// group; above the first header, they leave theirs. A group dropped on
/// another group's header goes before it, on a channel of a group after
/// that group. Nothing is removed by a drop: the rows follow the channels.
///
/// A change of the rows' grouping (a channel joins a group, a group
/// collapses, the filter changes, a channel is added) is a layout change:
/// the selection and the current row stay on their channel or header.
class ChannelGroupModel final : public QAbstractListModel
{
    Q_OBJECT
public:
    static constexpr const char *kChannelsMimeType = "application/x-longwatch-channels";
    static constexpr const char *kGroupMimeType = "application/x-longwatch-group";

    /// `source` is not owned.
    explicit ChannelGroupModel(ChannelFilterModel *source, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QHash<int, QByteArray> roleNames() const override;

    Qt::DropActions supportedDragActions() const override;
    Qt::DropActions supportedDropActions() const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    bool canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                         const QModelIndex &parent) const override;
    bool dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                      const QModelIndex &parent) override;

    ChannelFilterModel *filterModel() const { return m_source; }
    /// The channel of a channel's row; nullptr for a header.
    Channel *channel(const QModelIndex &index) const;
    /// The channel's row; invalid while it is filtered out or its group collapsed.
    QModelIndex indexOf(const Channel *channel) const;
    bool isGroupHeader(const QModelIndex &index) const;
    /// A header's group, or the group of a channel's row ("" for none).
    QString group(const QModelIndex &index) const;
    /// The header of `group`; invalid when it is not shown.
    QModelIndex headerOf(const QString &group) const;
    /// All groups (with channels), in the order they are shown in.
    QStringList groups() const;

    /// The order of the groups (names without channels are kept for later).
    void setGroupOrder(const QStringList &order);
    /// Moves `group` to `position` in groups() (clamped).
    void moveGroup(const QString &group, int position);

    bool isCollapsed(const QString &group) const { return m_collapsed.contains(group); }
    void setCollapsed(const QString &group, bool collapsed);
    QStringList collapsedGroups() const;
    void setCollapsedGroups(const QStringList &groups);
    /// Collapsing shows nothing while the filter is set (every group is expanded then).
    bool canCollapse() const;

    /// The worst of the channels' states (see the class comment); Idle for none.
    static Poller::State worstState(const QList<Channel *> &channels);
    /// "1 failed · 2 retrying · 3 live · 1 paused": the channels by state, worst first.
    static QString summary(const QList<Channel *> &channels);

Q_SIGNALS:
    /// The order of the groups, or which of them are collapsed, changed.
    void groupsChanged();

private:
    /// A row: a channel's (`channel` set), or a group's header.
    struct Row
    {
        QPersistentModelIndex source; ///< the channel's row in the filter model
        Channel *channel = nullptr;
        QString group;
    };
    /// Lays the rows out again, as a layout change.
    void rebuild();
    QList<Row> layOut();
    QList<Channel *> members(const QString &group) const;
    void sourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                           const QList<int> &roles);
    void channelDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    QVariant headerData(const QString &group, int role) const;

    ChannelFilterModel *m_source;
    QList<Row> m_rows;
    QHash<const Channel *, int> m_channelRows;
    QHash<QString, int> m_headerRows;
    QHash<const Channel *, QString> m_groupOf; ///< every channel's group at the last layout
    QHash<QString, QList<QPointer<Channel>>> m_members; ///< every group's channels, shown or not
    QStringList m_order; ///< the groups' order; may name groups without channels
    QSet<QString> m_collapsed;
};

} // namespace Longwatch
