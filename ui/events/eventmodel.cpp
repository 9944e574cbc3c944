#include "eventmodel.h"

#include "channel.h"
#include "eventlog.h"
#include "statuscolors.h"

#include <QJsonDocument>
#include <QLocale>
#include <QPalette>

#include <algorithm>
#include <optional>
#include <utility>

namespace Longwatch {

namespace {

QDateTime eventTime(const Event &event)
{
    if (event.time.isValid())
        return event.time;
    return QDateTime::fromMSecsSinceEpoch(event.receivedUsecs / 1000, Qt::UTC);
}

QString compactText(const Event &event)
{
    if (!event.text.isEmpty())
        return event.text.simplified();
    // No message field: show the event itself, shortened.
    QString raw = QString::fromUtf8(event.raw);
    if (raw.size() > 240)
        raw = raw.left(240) + QStringLiteral("…");
    return raw;
}

} // namespace

EventModel::EventModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_freeRetired.setSingleShot(true);
    m_freeRetired.setInterval(0);
    connect(&m_freeRetired, &QTimer::timeout, this, [this] {
        constexpr size_t kPerTurn = 2000;
        const size_t keep = m_retired.size() > kPerTurn ? m_retired.size() - kPerTurn : 0;
        m_retired.erase(m_retired.begin() + qsizetype(keep), m_retired.end());
        if (!m_retired.empty())
            m_freeRetired.start();
    });
}

EventModel::~EventModel() = default;

void EventModel::setMaxRows(int rows)
{
    m_maxRows = std::max(1, rows);
    trimTo(m_maxRows);
}

void EventModel::trimTo(qsizetype rows)
{
    const qsizetype excess = qsizetype(m_rows.size()) - rows;
    if (excess <= 0)
        return;
    beginRemoveRows({}, 0, int(excess - 1));
    retire(0, excess);
    endRemoveRows();
}

void EventModel::retire(qsizetype first, qsizetype last)
{
    const auto begin = m_rows.begin() + first;
    const auto end = m_rows.begin() + last;
    m_retired.insert(m_retired.end(), std::make_move_iterator(begin), std::make_move_iterator(end));
    m_rows.erase(begin, end); // moved-from rows: nothing to free
    if (!m_freeRetired.isActive())
        m_freeRetired.start();
}

void EventModel::trimNewest(qsizetype rows)
{
    const qsizetype excess = qsizetype(m_rows.size()) - rows;
    if (excess <= 0)
        return;
    const int first = int(m_rows.size() - size_t(excess));
    beginRemoveRows({}, first, int(m_rows.size()) - 1);
    retire(first, qsizetype(m_rows.size()));
    endRemoveRows();
}

void EventModel::setHistory(EventLog *store, std::function<QString(const QString &)> nameOf)
{
    m_store = store;
    m_nameOf = std::move(nameOf);
    m_olderInLog = false;
    setDetached(false);
}

void EventModel::setJobMapping(const QString &channelId, const JobMapping &mapping)
{
    if (mappingOf(channelId) == mapping)
        return;
    m_mappings.insert(channelId, mapping);
    const JobKeyFilter filter(mapping);
    int firstRow = -1;
    int lastRow = -1;
    for (size_t i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        if (row.channelId != channelId)
            continue;
        QString job = extractJobKey(row.event, mapping, filter);
        if (job == row.job)
            continue;
        row.job = std::move(job);
        if (firstRow < 0)
            firstRow = int(i);
        lastRow = int(i);
    }
    if (firstRow >= 0)
        Q_EMIT dataChanged(index(firstRow, JobColumn), index(lastRow, JobColumn));
}

JobMapping EventModel::mappingOf(const QString &channelId) const
{
    return m_mappings.value(channelId);
}

void EventModel::setDetached(bool detached)
{
    if (m_detached == detached)
        return;
    m_detached = detached;
    if (!detached) {
        m_missed = 0;
        m_sinceDetached.clear();
        m_sinceDetachedEvents = 0;
    }
    Q_EMIT detachedChanged(detached);
}

QList<EventModel::Row> EventModel::toRows(const StoredEventList &stored) const
{
    QList<Row> rows;
    rows.reserve(stored.size());
    QString lastKey;
    QString lastName;
    JobMapping mapping;
    std::optional<JobKeyFilter> filter;
    for (const StoredEvent &event : stored) {
        if (event.channel != lastKey || rows.isEmpty()) {
            lastKey = event.channel;
            lastName = m_nameOf ? m_nameOf(event.channel) : QString();
            if (lastName.isEmpty())
                lastName = event.channelLabel();
            mapping = mappingOf(event.channel);
            filter.emplace(mapping);
        }
        rows.append(Row{event.event,
                        event.channel,
                        lastName,
                        event.seq,
                        extractJobKey(event.event, mapping, *filter),
                        {},
                        {}});
    }
    return rows;
}

void EventModel::countTypes(const Row &row, bool *newType)
{
    if (!row.event.type.isEmpty() && m_typeCounts[row.event.type]++ == 0)
        *newType = true;
}

bool EventModel::loadNewest(int count)
{
    if (!m_store)
        return false;
    EventPage page;
    page.limit = std::clamp(count, 1, m_maxRows);
    page.newestFirst = true;
    bool ok = false;
    StoredEventList stored = m_store->events({}, page, &ok);
    if (!ok)
        return false;
    std::reverse(stored.begin(), stored.end());
    beginResetModel();
    m_rows.clear();
    bool newType = false;
    for (Row &row : toRows(stored)) {
        countTypes(row, &newType);
        m_rows.push_back(std::move(row));
    }
    m_olderInLog = stored.size() == page.limit;
    endResetModel();
    const QList<Batch> pending = std::exchange(m_sinceDetached, {});
    setDetached(false);
    catchUpLive(pending);
    if (newType)
        Q_EMIT typesChanged();
    return true;
}

void EventModel::catchUpLive(const QList<Batch> &pending)
{
    // Live batches that came while the window looked back: those already in
    // the log were read with it; the rest (not written yet) go in now.
    qint64 newestShown = 0;
    for (auto it = m_rows.crbegin(); it != m_rows.crend() && newestShown == 0; ++it)
        newestShown = it->event.receivedUsecs;
    QList<Batch> unseen;
    for (const Batch &batch : pending) {
        Batch rest{batch.channelId, batch.channelName, {}};
        for (const Event &event : batch.events) {
            const bool stored = event.key.isEmpty()
                                    ? event.receivedUsecs <= newestShown
                                    : m_store && m_store->seqOf(batch.channelId, event.key);
            if (!stored)
                rest.events.append(event);
        }
        if (!rest.events.isEmpty())
            unseen.append(std::move(rest));
    }
    insertLive(unseen);
}

qint64 EventModel::seqAt(size_t index) const
{
    if (index >= m_rows.size())
        return 0;
    const Row &row = m_rows[index];
    if (row.seq > 0 || !m_store)
        return row.seq;
    return m_store->seqOf(row.channelId, row.event.key).value_or(0);
}

bool EventModel::canFetchOlder() const
{
    return m_store && m_olderInLog && (m_rows.empty() || seqAt(0) > 0);
}

int EventModel::fetchOlder(int count)
{
    if (!canFetchOlder())
        return 0;
    EventPage page;
    page.limit = std::clamp(count, 1, m_maxRows);
    page.newestFirst = true;
    page.beforeSeq = m_rows.empty() ? 0 : seqAt(0);
    bool ok = false;
    StoredEventList stored = m_store->events({}, page, &ok);
    if (!ok)
        return -1;
    m_olderInLog = stored.size() == page.limit;
    if (stored.isEmpty())
        return 0;
    std::reverse(stored.begin(), stored.end());
    // Room first: reading back past the cap moves the window off the newest.
    const qsizetype room = m_maxRows - stored.size();
    if (qsizetype(m_rows.size()) > room) {
        // Every row that stays must know its place in the log, so that
        // fetchNewer() can continue after the last one.
        trimNewest(room);
        while (!m_rows.empty() && seqAt(m_rows.size() - 1) == 0)
            trimNewest(qsizetype(m_rows.size()) - 1);
        if (!m_rows.empty())
            m_rows.back().seq = seqAt(m_rows.size() - 1);
        setDetached(true);
    }
    bool newType = false;
    const QList<Row> rows = toRows(stored);
    beginInsertRows({}, 0, int(rows.size()) - 1);
    for (auto it = rows.crbegin(); it != rows.crend(); ++it) {
        countTypes(*it, &newType);
        m_rows.push_front(*it);
    }
    endInsertRows();
    if (newType)
        Q_EMIT typesChanged();
    return int(rows.size());
}

int EventModel::fetchNewer(int count)
{
    if (!m_store || !m_detached)
        return 0;
    EventPage page;
    page.limit = std::clamp(count, 1, m_maxRows);
    page.afterSeq = m_rows.empty() ? 0 : m_rows.back().seq;
    bool ok = false;
    const StoredEventList stored = m_store->events({}, page, &ok);
    if (!ok)
        return -1;
    // Fewer than asked for: the newest stored events; from here the live
    // feed is shown again.
    const bool reachedEnd = stored.size() < page.limit;
    auto reattach = [this, reachedEnd] {
        if (!reachedEnd)
            return;
        const QList<Batch> pending = std::exchange(m_sinceDetached, {});
        setDetached(false);
        catchUpLive(pending);
    };
    if (stored.isEmpty()) {
        reattach();
        return 0;
    }
    trimTo(m_maxRows - stored.size());
    if (!m_rows.empty())
        m_olderInLog = true;
    bool newType = false;
    const QList<Row> rows = toRows(stored);
    const int start = int(m_rows.size());
    beginInsertRows({}, start, start + int(rows.size()) - 1);
    for (const Row &row : rows) {
        countTypes(row, &newType);
        m_rows.push_back(row);
    }
    endInsertRows();
    if (newType)
        Q_EMIT typesChanged();
    reattach();
    return int(rows.size());
}

void EventModel::appendBatch(const QString &channelId, const QString &channelName,
                             const EventList &events)
{
    appendBatches({Batch{channelId, channelName, events}});
}

void EventModel::appendBatches(const QList<Batch> &batches)
{
    qsizetype total = 0;
    for (const Batch &batch : batches)
        total += batch.events.size();
    if (total == 0)
        return;
    m_totalAppended += total;
    if (m_detached) {
        // In the log once written; fetchNewer() brings them. Kept until then
        // (up to the cap) for those not written by the time it gets there.
        m_missed += total;
        for (const Batch &batch : batches) {
            m_sinceDetached.append(batch);
            m_sinceDetachedEvents += batch.events.size();
        }
        while (m_sinceDetachedEvents > m_maxRows && !m_sinceDetached.isEmpty())
            m_sinceDetachedEvents -= m_sinceDetached.takeFirst().events.size();
        return;
    }
    insertLive(batches);
}

void EventModel::insertLive(const QList<Batch> &batches)
{
    qsizetype total = 0;
    for (const Batch &batch : batches)
        total += batch.events.size();
    if (total == 0)
        return;
    // More than the cap keeps only the newest events.
    const qsizetype keep = std::min<qsizetype>(total, m_maxRows);
    qsizetype skip = total - keep;
    // Make room first, so the view never holds more than the cap; a tenth
    // of the cap at a time, since every removal costs the views a pass.
    if (const qsizetype over = qsizetype(m_rows.size()) + keep - m_maxRows; over > 0) {
        m_olderInLog = m_store != nullptr;
        trimTo(std::max<qsizetype>(0, qsizetype(m_rows.size()) -
                                          std::max(over, qsizetype(m_maxRows / 10))));
    }

    bool newType = false;
    const int start = int(m_rows.size());
    beginInsertRows({}, start, start + int(keep) - 1);
    for (const Batch &batch : batches) {
        const JobMapping mapping = mappingOf(batch.channelId);
        const JobKeyFilter filter(mapping);
        for (const Event &event : batch.events) {
            if (skip > 0) {
                --skip;
                continue;
            }
            m_rows.push_back(Row{event,
                                 batch.channelId,
                                 batch.channelName,
                                 0,
                                 extractJobKey(event, mapping, filter),
                                 {},
                                 {}});
            countTypes(m_rows.back(), &newType);
        }
    }
    endInsertRows();
    if (newType)
        Q_EMIT typesChanged();
}

void EventModel::renameChannel(const QString &channelId, const QString &name)
{
    int firstRow = -1;
    int lastRow = -1;
    for (size_t i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        if (row.channelId == channelId && row.channelName != name) {
            row.channelName = name;
            if (firstRow < 0)
                firstRow = int(i);
            lastRow = int(i);
        }
    }
    if (firstRow >= 0)
        Q_EMIT dataChanged(index(firstRow, ChannelColumn), index(lastRow, ChannelColumn));
}

void EventModel::clear()
{
    // Cleared rows stay in the log, and fetchOlder() reads them back.
    m_olderInLog = m_store && (m_olderInLog || !m_rows.empty());
    setDetached(false);
    if (m_rows.empty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

QStringList EventModel::types() const
{
    QStringList types = m_typeCounts.keys();
    types.sort(Qt::CaseInsensitive);
    return types;
}

bool EventModel::isGap(const Event &event)
{
    // A feed's own events of type "gap" have keys; the channel's gap row has none.
    return event.key.isEmpty() && event.type == Channel::gapEventType();
}

int EventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const Event &event = row.event;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            if (row.timeText.isNull())
                row.timeText =
                    eventTime(event).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
            return row.timeText;
        case ChannelColumn:
            return row.channelName;
        case IdColumn:
            return event.key;
        case TypeColumn:
            return event.type;
        case JobColumn:
            return row.job;
        case TextColumn:
            if (row.shownText.isNull())
                row.shownText = compactText(event);
            return row.shownText;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return QLocale().toString(eventTime(event).toLocalTime(), QLocale::LongFormat);
        if (index.column() == TextColumn)
            return event.text;
        return {};
    case ChannelIdRole:
        return row.channelId;
    case ChannelNameRole:
        return row.channelName;
    case KeyRole:
        return event.key;
    case TypeRole:
        return event.type;
    case TextRole:
        return event.text;
    case RawJsonRole:
        return event.raw;
    case PrettyJsonRole: {
        const QJsonDocument document = QJsonDocument::fromJson(event.raw);
        if (document.isNull())
            return QString::fromUtf8(event.raw);
        return QString::fromUtf8(document.toJson(QJsonDocument::Indented)).trimmed();
    }
    case ReceivedUsecsRole:
        return event.receivedUsecs;
    case TimeRole:
        return eventTime(event);
    case JobRole:
        return row.job;
    case GapRole:
        return isGap(event);
    case Qt::BackgroundRole:
        if (isGap(event)) {
            // Stronger than the wash of a failed job: a gap must not be missed.
            const QPalette palette; // the application's, when there is one
            QColor amber = StatusColors::forChannelState(Poller::State::Backoff, palette);
            amber.setAlpha(StatusColors::isDark(palette) ? 110 : 80);
            return amber;
        }
        return {};
    default:
        return {};
    }
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == ColumnKeyRole) {
        static const QStringList keys = {
            QStringLiteral("time"), QStringLiteral("channel"), QStringLiteral("id"),
            QStringLiteral("type"), QStringLiteral("job"),     QStringLiteral("text"),
        };
        static_assert(ColumnCount == 6, "every column has a key");
        return section >= 0 && section < keys.size() ? keys.at(section) : QVariant();
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case ChannelColumn:
        return tr("Channel");
    case IdColumn:
        return tr("Id");
    case TypeColumn:
        return tr("Type");
    case JobColumn:
        return tr("Job");
    case TextColumn:
        return tr("Text");
    }
    return {};
}

} // namespace Longwatch
