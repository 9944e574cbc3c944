#include "channellist.h"

#include "channel.h"
#include "channeldelegate.h"
#include "channelfiltermodel.h"
#include "channelmodel.h"
#include "labels.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QVBoxLayout>

namespace Longwatch {

ChannelList::ChannelList(ChannelModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new ChannelFilterModel(model, this))
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
    m_view->setModel(m_filter);
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
    connect(m_view, &QListView::customContextMenuRequested, this, &ChannelList::showMenu);
    connect(m_view, &QListView::activated, this,
            [this](const QModelIndex &index) { Q_EMIT activated(m_filter->channel(index)); });
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
    return selected.isEmpty() ? nullptr : m_filter->channel(selected.first());
}

void ChannelList::selectChannel(const Channel *channel)
{
    QModelIndex index = channel ? m_filter->indexOf(channel) : QModelIndex();
    if (channel && !index.isValid() && m_model->indexOf(channel).isValid()) {
        // Filtered out: a channel asked for is shown, the filter goes.
        m_filterEdit->clear();
        index = m_filter->indexOf(channel);
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
    const Channel *channel = index.isValid() ? m_filter->channel(index) : nullptr;
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
