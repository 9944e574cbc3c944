#pragma once

#include "poller.h"

#include <QSortFilterProxyModel>

namespace Longwatch {

class Channel;
class ChannelModel;

/// Worst first: failed, retrying, connecting, live, waiting, stopped, idle.
/// The order of "trouble first" and of a group header's dot and counts.
int channelStateSeverity(Poller::State state);

/// The channel list as the person asked to see it: only the channels whose
/// name, group, address or state words ("failed", "retrying", "listening",
/// "paused", or what the status line says) contain every word of the
/// filter; in the manager's order, or by state with the ones in trouble
/// first (failed, retrying, connecting, then the others; the manager's
/// order within each).
class ChannelFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    /// `source` is not owned.
    explicit ChannelFilterModel(ChannelModel *source, QObject *parent = nullptr);

    /// Words that must all be found (case does not matter); empty: all.
    void setFilterText(const QString &text);
    QString filterText() const { return m_words.join(QLatin1Char(' ')); }
    /// In trouble first (true), or the manager's order.
    void setTroubleFirst(bool first);
    bool isTroubleFirst() const { return m_troubleFirst; }

    ChannelModel *channelModel() const { return m_source; }
    bool isFiltering() const { return !m_words.isEmpty(); }
    Channel *channel(const QModelIndex &index) const;
    QModelIndex indexOf(const Channel *channel) const;

Q_SIGNALS:
    /// The filter's words changed (after the rows did).
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    ChannelModel *m_source;
    QStringList m_words;
    bool m_troubleFirst = false;
};

} // namespace Longwatch
