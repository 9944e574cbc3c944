#include "jobfiltermodel.h"

#include "jobmodel.h"

namespace Longwatch {

JobFilterModel::JobFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(JobModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
}

void JobFilterModel::setFailedOnly(bool failedOnly)
{
    if (failedOnly == m_failedOnly)
        return;
    m_failedOnly = failedOnly;
    invalidateRowsFilter();
}

void JobFilterModel::setChannelId(const QString &channelId)
{
    if (channelId == m_channelId)
        return;
    m_channelId = channelId;
    invalidateRowsFilter();
}

void JobFilterModel::setText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool JobFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, JobModel::JobColumn, sourceParent);
    if (m_failedOnly && index.data(JobModel::StatusRole).value<JobStatus>() != JobStatus::Failed)
        return false;
    if (!m_channelId.isEmpty() && index.data(JobModel::ChannelIdRole).toString() != m_channelId)
        return false;
    if (!m_text.isEmpty() && !index.data().toString().contains(m_text, Qt::CaseInsensitive) &&
        !index.data(JobModel::MessageRole).toString().contains(m_text, Qt::CaseInsensitive))
        return false;
    return true;
}

} // namespace Longwatch
