#include "channellist.h"

#include "channel.h"
#include "channeldelegate.h"
#include "channelfiltermodel.h"
#include "channelgroupactions.h"
#include "channelgroupmodel.h"
#include "channelmodel.h"
#include "labels.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QSettings>
#include <QVBoxLayout>

namespace Longwatch {

ChannelList::ChannelList(ChannelModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new ChannelFilterModel(model, this))
    , m_groups(new ChannelGroupModel(m_filter, this))
    , m_groupActions(new ChannelGroupActions(m_groups, this))
    , m_delegate(nullptr)
    , m_filterEdit(new QLineEdit)
    , m_header(dimLabel())
    , m_view(new QListView)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 0, 6);
    layout->setSpacing(4);
    m_header->setFont(scaledFont(font(), 0.92, true));
    layout->addWidget(m_header);
    m_filterEdit->setObjectName(QStringLiteral("channelFilter"));
    m_filterEdit->setPlaceholderText(tr("Filter: name, address, failed…"));
    m_filterEdit->setToolTip(tr("Shows the channels whose name, address or state has every word "
                                "typed (failed, retrying, listening, paused, …)"));
    m_filterEdit->setClearButtonEnabled(true);
    connect(m_filterEdit, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setFilterText(text);
        updateHeader();
    });
    auto *filterLayout = new QHBoxLayout;
    filterLayout->setContentsMargins(0, 0, 6, 0);
    filterLayout->addWidget(m_filterEdit);
    layout->addLayout(filterLayout);

    m_view->setObjectName(QStringLiteral("channelView"));
    m_view->setModel(m_groups);
    m_delegate = new ChannelDelegate(m_view);
    m_view->setItemDelegate(m_delegate);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    // Failed and retrying rows are taller (ChannelDelegate): rows differ in
    // height, and follow the view's width.
    m_view->setUniformItemSizes(false);
    m_view->setWordWrap(true);
    m_view->setMouseTracking(true);
    m_view->setMinimumWidth(kMinimumWidth);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_view->setAccessibleName(tr("Channels"));
    // Channels are dragged onto groups, groups to another place.
    m_view->setDragEnabled(true);
    m_view->setAcceptDrops(true);
    m_view->setDropIndicatorShown(true);
    m_view->setDragDropMode(QAbstractItemView::DragDrop);
    m_view->setDefaultDropAction(Qt::MoveAction);
    m_view->installEventFilter(this);
    connect(m_view, &QListView::customContextMenuRequested, this, &ChannelList::showMenu);
    // A header is not edited: a click (once, also as part of a double
    // click), Return or Space collapses or expands it.
    connect(m_view, &QListView::activated, this, [this](const QModelIndex &index) {
        if (Channel *channel = m_groups->channel(index))
            Q_EMIT activated(channel);
    });
    connect(m_view, &QListView::clicked, this, [this](const QModelIndex &index) {
        if (m_groups->isGroupHeader(index))
            setCollapsed(m_groups->group(index), !m_groups->isCollapsed(m_groups->group(index)));
    });
    connect(m_groupActions, &ChannelGroupActions::message, this, &ChannelList::message);
    // The count "n of m" follows what the filter lets through.
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &ChannelList::updateHeader);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &ChannelList::updateHeader);
    // Both signals: a removed row changes the current index without a
    // selectionChanged(). Said once per change, not once per signal.
    const auto changed = [this] {
        Channel *channel = currentChannel();
        if (channel == m_current)
            return;
        m_current = channel;
        Q_EMIT currentChannelChanged(channel);
    };
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, changed);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, changed);
    layout->addWidget(m_view, 1);
}

Channel *ChannelList::currentChannel() const
{
    const QModelIndexList selected = m_view->selectionModel()->selectedRows();
    return selected.isEmpty() ? nullptr : m_groups->channel(selected.first());
}

void ChannelList::selectChannel(const Channel *channel)
{
    QModelIndex index = channel ? m_groups->indexOf(channel) : QModelIndex();
    if (channel && !index.isValid() && m_model->indexOf(channel).isValid()) {
        // Filtered out, or in a collapsed group: a channel asked for is
        // shown, the filter goes, its group opens.
        m_filterEdit->clear();
        m_groups->setCollapsed(channel->config().group, false);
        index = m_groups->indexOf(channel);
    }
    if (index.isValid())
        m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    else
        m_view->selectionModel()->clearSelection();
}

void ChannelList::setMenus(const QList<QAction *> &forChannel, const QList<QAction *> &forList,
                           QAction *trust)
{
    m_channelMenu = forChannel;
    m_listMenu = forList;
    m_trust = trust;
}

void ChannelList::showMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    Channel *channel = index.isValid() ? m_groups->channel(index) : nullptr;
    if (index.isValid())
        m_view->setCurrentIndex(index);
    QMenu menu(this);
    if (m_groups->isGroupHeader(index)) {
        m_groupActions->addGroupActions(&menu, m_groups->group(index));
        menu.exec(m_view->viewport()->mapToGlobal(pos));
        return;
    }
    QAction *lastSeparator = nullptr;
    for (QAction *action : channel ? m_channelMenu : m_listMenu) {
        if (!action)
            lastSeparator = menu.addSeparator();
        else if (action != m_trust || channel->tlsFailure().canBePinned())
            menu.addAction(action);
    }
    if (channel) {
        // Before the last part (Remove), with the other changes.
        QMenu *groups = m_groupActions->moveToGroupMenu(channel, &menu);
        if (lastSeparator)
            menu.insertMenu(lastSeparator, groups);
        else
            menu.addMenu(groups);
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

void ChannelList::setNotifier(Notifier *notifier)
{
    m_groupActions->setNotifier(notifier);
}

void ChannelList::saveState(QSettings &settings) const
{
    settings.setValue(QStringLiteral("channelGroupOrder"), m_groups->groups());
    settings.setValue(QStringLiteral("collapsedChannelGroups"), m_groups->collapsedGroups());
}

void ChannelList::restoreState(QSettings &settings)
{
    m_groups->setGroupOrder(settings.value(QStringLiteral("channelGroupOrder")).toStringList());
    m_groups->setCollapsedGroups(
        settings.value(QStringLiteral("collapsedChannelGroups")).toStringList());
}

void ChannelList::setCollapsed(const QString &group, bool collapsed)
{
    if (!m_groups->canCollapse())
        return;
    // The selected channel goes out of sight with its group: its header
    // is selected instead.
    const Channel *current = currentChannel();
    const bool hidesCurrent = collapsed && current && current->config().group == group;
    m_groups->setCollapsed(group, collapsed);
    if (hidesCurrent)
        m_view->selectionModel()->setCurrentIndex(m_groups->headerOf(group),
                                                  QItemSelectionModel::ClearAndSelect);
}

bool ChannelList::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_view || event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    const auto *key = static_cast<QKeyEvent *>(event);
    const QModelIndex current = m_view->currentIndex();
    const QString group = m_groups->group(current);
    if (group.isEmpty())
        return false;
    const bool header = m_groups->isGroupHeader(current);
    const bool collapsed = m_groups->isCollapsed(group);
    if (header && key->modifiers() == Qt::ControlModifier &&
        (key->key() == Qt::Key_Up || key->key() == Qt::Key_Down)) {
        m_groupActions->moveBy(group, key->key() == Qt::Key_Up ? -1 : +1);
        m_view->selectionModel()->setCurrentIndex(m_groups->headerOf(group),
                                                  QItemSelectionModel::ClearAndSelect);
        return true;
    }
    if (key->modifiers() != Qt::NoModifier)
        return false;
    switch (key->key()) {
    case Qt::Key_Left:
        if (!header) {
            // As in a tree: from a channel up to its group.
            m_view->selectionModel()->setCurrentIndex(m_groups->headerOf(group),
                                                      QItemSelectionModel::ClearAndSelect);
            return true;
        }
        setCollapsed(group, true);
        return true;
    case Qt::Key_Right:
        if (header)
            setCollapsed(group, false);
        return header;
    case Qt::Key_Space:
    case Qt::Key_Return:
    case Qt::Key_Enter:
        if (header)
            setCollapsed(group, !collapsed);
        return header;
    default:
        return false;
    }
}

void ChannelList::setCount(int count)
{
    m_count = count;
    updateHeader();
}

void ChannelList::updateHeader()
{
    const int shown = m_filter->rowCount();
    m_header->setText(m_filter->filterText().isEmpty() || shown == m_count
                          ? tr("CHANNELS · %1").arg(m_count)
                          : tr("CHANNELS · %1 of %2").arg(shown).arg(m_count));
}

void ChannelList::setCompact(bool compact)
{
    if (compact == m_delegate->isCompact())
        return;
    m_delegate->setCompact(compact);
    // Every row the same height: the view may skip measuring 300 of them.
    m_view->setUniformItemSizes(compact);
    m_view->setWordWrap(!compact);
    m_view->doItemsLayout();
}

bool ChannelList::isCompact() const
{
    return m_delegate->isCompact();
}

void ChannelList::setTroubleFirst(bool first)
{
    m_filter->setTroubleFirst(first);
}

} // namespace Longwatch
