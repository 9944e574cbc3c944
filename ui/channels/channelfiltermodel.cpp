#include "channelfiltermodel.h"

#include "channelmodel.h"
#include "poller.h"

#include <algorithm>

namespace Longwatch {

int channelStateSeverity(Poller::State state)
{
    switch (state) {
    case Poller::State::Failed:
        return 0;
    case Poller::State::Backoff:
        return 1;
    case Poller::State::Connecting:
        return 2;
    case Poller::State::Live:
        return 3;
    case Poller::State::Waiting:
        return 4;
    case Poller::State::Stopped:
        return 5;
    case Poller::State::Idle:
        return 6;
    }
    return 6;
}

namespace {

/// Failed first, then retrying, connecting, and the rest alike.
int troubleRank(Poller::State state)
{
    return std::min(channelStateSeverity(state), 3);
}

} // namespace

ChannelFilterModel::ChannelFilterModel(ChannelModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_source(source)
{
    setSourceModel(source);
    // States change as the channels run: the order and the filter follow.
    setDynamicSortFilter(true);
    setSortRole(ChannelModel::StateRole);
    sort(-1); // the manager's order until asked otherwise
}

void ChannelFilterModel::setFilterText(const QString &text)
{
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words == m_words)
        return;
    m_words = words;
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

void ChannelFilterModel::setTroubleFirst(bool first)
{
    if (first == m_troubleFirst)
        return;
    m_troubleFirst = first;
    sort(first ? 0 : -1);
}

Channel *ChannelFilterModel::channel(const QModelIndex &index) const
{
    return m_source->channel(mapToSource(index));
}

QModelIndex ChannelFilterModel::indexOf(const Channel *channel) const
{
    return mapFromSource(m_source->indexOf(channel));
}

bool ChannelFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_words.isEmpty())
        return true;
    const QModelIndex index = m_source->index(sourceRow, 0, sourceParent);
    const auto state = index.data(ChannelModel::StateRole).value<Poller::State>();
    // What a person may type for a state: the status line's words, and the
    // state's own name ("Waiting" reads "Listening", "Backoff" "Retrying").
    const QString haystack =
        QStringList{index.data(Qt::DisplayRole).toString(),
                    index.data(ChannelModel::GroupRole).toString(),
                    index.data(ChannelModel::UrlRole).toString(),
                    index.data(ChannelModel::StatusTextRole).toString(), Poller::stateString(state)}
            .join(QLatin1Char('\n'));
    return std::all_of(m_words.cbegin(), m_words.cend(), [&haystack](const QString &word) {
        return haystack.contains(word, Qt::CaseInsensitive);
    });
}

bool ChannelFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const int l = troubleRank(left.data(ChannelModel::StateRole).value<Poller::State>());
    const int r = troubleRank(right.data(ChannelModel::StateRole).value<Poller::State>());
    // Stable within a rank: the manager's order.
    return l != r ? l < r : left.row() < right.row();
}

} // namespace Longwatch
