#include "channellist.h"

#include "channel.h"
#include "channeldelegate.h"
#include "channelmodel.h"
#include "labels.h"

#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QVBoxLayout>

namespace Longwatch {

ChannelList::ChannelList(ChannelModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_header(dimLabel())
    , m_view(new QListView)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 0, 6);
    layout->setSpacing(4);
    m_header->setFont(scaledFont(font(), 0.92, true));
    layout->addWidget(m_header);

    m_view->setObjectName(QStringLiteral("channelView"));
    m_view->setModel(model);
    m_view->setItemDelegate(new ChannelDelegate(m_view));
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
    connect(m_view, &QListView::customContextMenuRequested, this, &ChannelList::showMenu);
    connect(m_view, &QListView::activated, this,
            [this](const QModelIndex &index) { Q_EMIT activated(m_model->channel(index)); });
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
    return selected.isEmpty() ? nullptr : m_model->channel(selected.first());
}

void ChannelList::selectChannel(const Channel *channel)
{
    const QModelIndex index = channel ? m_model->indexOf(channel) : QModelIndex();
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
    const Channel *channel = index.isValid() ? m_model->channel(index) : nullptr;
    if (channel)
        m_view->setCurrentIndex(index);
    QMenu menu(this);
    for (QAction *action : channel ? m_channelMenu : m_listMenu) {
        if (!action)
            menu.addSeparator();
        else if (action != m_trust || channel->tlsFailure().canBePinned())
            menu.addAction(action);
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

void ChannelList::setCount(int count)
{
    m_header->setText(tr("CHANNELS · %1").arg(count));
}

} // namespace Longwatch
