#include "eventfiltermodel.h"

#include "eventmodel.h"

namespace Longwatch {

EventFilterModel::EventFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{}

void EventFilterModel::setText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

void EventFilterModel::setType(const QString &type)
{
    if (type == m_type)
        return;
    m_type = type;
    invalidateRowsFilter();
}

void EventFilterModel::setChannelId(const QString &channelId)
{
    if (channelId == m_channelId)
        return;
    m_channelId = channelId;
    invalidateRowsFilter();
}

bool EventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *model = sourceModel();
    const QModelIndex index = model->index(sourceRow, 0, sourceParent);
    if (!m_channelId.isEmpty() && index.data(EventModel::ChannelIdRole).toString() != m_channelId)
        return false;
    if (!m_type.isEmpty() && index.data(EventModel::TypeRole).toString() != m_type)
        return false;
    if (m_text.isEmpty())
        return true;
    for (const int role : {EventModel::TextRole, EventModel::KeyRole, EventModel::TypeRole,
                           EventModel::JobRole, EventModel::ChannelNameRole}) {
        if (index.data(role).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    // Events without a message are shown as their JSON; search that too.
    return index.data(EventModel::TextRole).toString().isEmpty() &&
           QString::fromUtf8(index.data(EventModel::RawJsonRole).toByteArray())
               .contains(m_text, Qt::CaseInsensitive);
}

} // namespace Longwatch
