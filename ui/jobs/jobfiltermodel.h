#pragma once

#include <QSortFilterProxyModel>

namespace Longwatch {

/// Sorts the job board (by JobModel::SortRole) and narrows it to failed
/// jobs, to one channel, or to job keys containing a text.
class JobFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit JobFilterModel(QObject *parent = nullptr);

    void setFailedOnly(bool failedOnly);
    bool failedOnly() const { return m_failedOnly; }
    /// A channel id; empty for all channels.
    void setChannelId(const QString &channelId);
    QString channelId() const { return m_channelId; }
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_failedOnly = false;
    QString m_channelId;
    QString m_text;
};

} // namespace Longwatch
