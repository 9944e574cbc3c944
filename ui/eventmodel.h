#pragma once

#include "event.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>

#include <deque>

namespace Longwatch {

/// Every event of every channel, in order of arrival, as a table: time,
/// channel, id, type, text. A batch is inserted with one beginInsertRows;
/// past maxRows() the oldest rows go with one beginRemoveRows.
class EventModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, ChannelColumn, IdColumn, TypeColumn, TextColumn, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        ChannelIdRole = Qt::UserRole + 1,
        ChannelNameRole,
        KeyRole,
        TypeRole,
        TextRole,
        RawJsonRole,       ///< QByteArray, compact
        PrettyJsonRole,    ///< QString, indented
        ReceivedUsecsRole, ///< qint64
        TimeRole,          ///< QDateTime: the server's time, else when it arrived
    };
    Q_ENUM(Role)

    explicit EventModel(QObject *parent = nullptr);
    ~EventModel() override;

    /// The most rows kept in memory (default 100 000); older ones are dropped.
    void setMaxRows(int rows);
    int maxRows() const { return m_maxRows; }

    /// Appends one batch of a channel's events.
    void appendBatch(const QString &channelId, const QString &channelName, const EventList &events);
    /// Follows a channel's new name in the rows already shown.
    void renameChannel(const QString &channelId, const QString &name);
    void clear();

    /// Event types seen so far, sorted.
    QStringList types() const;
    /// Events appended since the start (including those trimmed since).
    qint64 totalAppended() const { return m_totalAppended; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// Emitted when a batch brought an event type not seen before.
    void typesChanged();

private:
    struct Row
    {
        Event event;
        QString channelId;
        QString channelName;
    };
    void trimTo(qsizetype rows);

    std::deque<Row> m_rows;
    int m_maxRows = 100'000;
    qint64 m_totalAppended = 0;
    QHash<QString, int> m_typeCounts;
};

} // namespace Longwatch
