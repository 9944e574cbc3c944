#pragma once

#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QListView;
class QSettings;

namespace Longwatch {

class Channel;
class ChannelDelegate;
class ChannelFilterModel;
class ChannelGroupActions;
class ChannelGroupModel;
class ChannelModel;
class Notifier;

/// The channel list on the left of the window: "CHANNELS · n" and a filter
/// box above one row per channel (ChannelDelegate, full or compact), one
/// selected at a time; the rows in the manager's order or with the ones in
/// trouble first (ChannelFilterModel), under their groups' headers
/// (ChannelGroupModel).
///
/// A header collapses and expands with a click, Left and Right, Space or
/// Return; Left on a channel of a group goes to its header. Channels are
/// dragged onto a group to join it, groups dragged to reorder them; the
/// context menus (also the Menu key) do the same (ChannelGroupActions),
/// and Ctrl+Up and Ctrl+Down move a selected group.
class ChannelList final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kMinimumWidth = 180;

    /// `model` is not owned.
    explicit ChannelList(ChannelModel *model, QWidget *parent = nullptr);

    QListView *view() const { return m_view; }
    ChannelFilterModel *filterModel() const { return m_filter; }
    /// The view's model: the filtered channels under their groups' headers.
    ChannelGroupModel *groupModel() const { return m_groups; }
    ChannelGroupActions *groupActions() const { return m_groupActions; }
    /// Mute and the default rules of groups come from `notifier` (not owned).
    void setNotifier(Notifier *notifier);
    /// The order of the groups and which are collapsed, in `settings`' current group.
    void saveState(QSettings &settings) const;
    void restoreState(QSettings &settings);
    QLineEdit *filterEdit() const { return m_filterEdit; }
    /// One line a channel (true), or the full rows.
    void setCompact(bool compact);
    bool isCompact() const;
    /// Failed and retrying channels first (true), or the manager's order.
    void setTroubleFirst(bool first);
    /// The selected channel, or nullptr.
    Channel *currentChannel() const;
    /// Selects `channel` (nullptr: none).
    void selectChannel(const Channel *channel);
    /// The context menu's actions for a channel's row, and for the space
    /// below the rows (nullptr: a separator). `trust` is shown only for a
    /// channel whose refused certificate may be trusted.
    void setMenus(const QList<QAction *> &forChannel, const QList<QAction *> &forList,
                  QAction *trust);
    /// The heading's count (of all channels; with a filter, "n of count").
    void setCount(int count);

Q_SIGNALS:
    /// Another channel (or none) is selected.
    void currentChannelChanged(Channel *channel);
    /// A row was activated (double click, Return): edit its channel.
    void activated(Channel *channel);
    /// A sentence for the status bar, for `timeoutMs` (what a group's action did).
    void message(const QString &text, int timeoutMs);

private:
    void showMenu(const QPoint &pos);

    void updateHeader();
    bool eventFilter(QObject *watched, QEvent *event) override;
    /// Collapses or expands `group`; the selection stays in sight.
    void setCollapsed(const QString &group, bool collapsed);

    ChannelModel *m_model;
    ChannelFilterModel *m_filter;
    ChannelGroupModel *m_groups;
    ChannelGroupActions *m_groupActions;
    ChannelDelegate *m_delegate;
    QLineEdit *m_filterEdit;
    int m_count = 0;
    QPointer<Channel> m_current; ///< the channel currentChannelChanged() last named
    QList<QAction *> m_channelMenu;
    QList<QAction *> m_listMenu;
    QAction *m_trust = nullptr;
    QLabel *m_header;
    QListView *m_view;
};

} // namespace Longwatch
