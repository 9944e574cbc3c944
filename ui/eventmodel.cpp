#include "eventmodel.h"

#include <QJsonDocument>
#include <QLocale>

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
{}

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
    m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
    endRemoveRows();
}

void EventModel::appendBatch(const QString &channelId, const QString &channelName,
                             const EventList &events)
{
    if (events.isEmpty())
        return;
    m_totalAppended += events.size();
    // A batch larger than the cap keeps only its newest events.
    const qsizetype keep = std::min<qsizetype>(events.size(), m_maxRows);
    const qsizetype first = events.size() - keep;
    // Make room first, so the view never holds more than the cap.
    trimTo(m_maxRows - keep);

    bool newType = false;
    const int start = int(m_rows.size());
    beginInsertRows({}, start, start + int(keep) - 1);
    for (qsizetype i = first; i < events.size(); ++i) {
        const Event &event = events.at(i);
        m_rows.push_back(Row{event, channelId, channelName});
        if (!event.type.isEmpty() && m_typeCounts[event.type]++ == 0)
            newType = true;
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
            return eventTime(event).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case ChannelColumn:
            return row.channelName;
        case IdColumn:
            return event.key;
        case TypeColumn:
            return event.type;
        case TextColumn:
            return compactText(event);
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
    default:
        return {};
    }
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
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
    case TextColumn:
        return tr("Text");
    }
    return {};
}

} // namespace Longwatch
