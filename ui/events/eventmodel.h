#pragma once

#include "event.h"
#include "jobstatus.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>
#include <QTimer>

#include <deque>
#include <functional>
#include <vector>

namespace Longwatch {

class EventLog;
struct StoredEvent;

/// Every event of every channel, in order of arrival, as a table: time,
/// channel, id, type, job, text. A batch is inserted with one
/// beginInsertRows; past maxRows() the oldest rows go with one
/// beginRemoveRows. The job is read once per row, when the row is made,
/// through its channel's job mapping (setJobMapping()), as the job board
/// reads it (extractJobKey()).
///
/// Clearing hides the rows, not the log: fetchOlder() brings them back.
///
/// With an event log (setHistory()), the rows are a window on the log: it
/// opens on the newest stored events (loadNewest()), reads older pages
/// when the view asks (fetchOlder(), when scrolled to the top), and never
/// holds more than maxRows(). Reading further back than that moves the
/// window: the newest rows are dropped, live batches are no longer shown
/// (isDetached()), and fetchNewer() walks forward again until the window
/// reaches the newest events and follows the live feed once more.
/// Not canFetchMore()/fetchMore(): views call those when the *last* row
/// shows, and here history lies above the first.
class EventModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        ChannelColumn,
        IdColumn,
        TypeColumn,
        JobColumn,
        TextColumn,
        ColumnCount
    };
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
        JobRole,           ///< the job the event names; empty if none
        /// bool: the row is a gap (Channel::gapEvent(): the feed started
        /// again); such rows also have an amber background.
        GapRole,
        /// Of the horizontal header: a column's name that stays when
        /// columns are added or moved ("time", "channel", "id", "type",
        /// "job", "text"), for saved header states.
        ColumnKeyRole,
    };
    Q_ENUM(Role)

    explicit EventModel(QObject *parent = nullptr);
    ~EventModel() override;

    /// The most rows kept in memory (default 100 000); older ones are dropped.
    void setMaxRows(int rows);
    int maxRows() const { return m_maxRows; }

    /// Reads history from `store` (not owned; nullptr for memory only),
    /// which must be open in this thread; `nameOf` gives the name shown for
    /// a channel key (it may return an empty string: the stored title is
    /// used then).
    void setHistory(EventLog *store, std::function<QString(const QString &)> nameOf = {});
    EventLog *history() const { return m_store; }
    /// Where a channel's events name their job. Its rows shown read their
    /// job again when the mapping is another; a channel not set uses the
    /// default JobMapping (so do history rows read before it is set).
    void setJobMapping(const QString &channelId, const JobMapping &mapping);
    /// Replaces the rows with the newest `count` stored events and follows
    /// the live feed again. False if the log could not be read.
    bool loadNewest(int count = 500);
    /// True if the log has events older than the first row, and the window
    /// knows where it starts (live rows not yet stored do not say).
    bool canFetchOlder() const;
    /// Inserts up to `count` older stored events above the first row;
    /// returns how many (-1 if the log could not be read).
    int fetchOlder(int count = 2000);
    /// True while the window does not reach the newest events.
    bool isDetached() const { return m_detached; }
    /// Appends up to `count` stored events after the last row; reaching the
    /// newest ends the detached state. Returns how many (-1 on a read error).
    int fetchNewer(int count = 2000);
    /// Live events that arrived while detached (not shown).
    qint64 missedWhileDetached() const { return m_missed; }

    /// One channel's batch of events.
    struct Batch
    {
        QString channelId;
        QString channelName;
        EventList events;
    };
    /// Appends several channels' batches, in order, with one insertion.
    void appendBatches(const QList<Batch> &batches);
    /// Appends one batch of a channel's events.
    void appendBatch(const QString &channelId, const QString &channelName, const EventList &events);
    /// Follows a channel's new name in the rows already shown.
    void renameChannel(const QString &channelId, const QString &name);
    /// Empties the view. With an event log the events stay there, and
    /// canFetchOlder() says that fetchOlder() can bring them back.
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
    /// Emitted when isDetached() changed.
    void detachedChanged(bool detached);

private:
    static bool isGap(const Event &event);
    struct Row
    {
        Event event;
        QString channelId;
        QString channelName;
        qint64 seq = 0; ///< in the log; 0 for a live row (stored later)
        QString job;    ///< read once, when the row is made
        /// The time and text columns as shown, made when first asked for:
        /// a repaint asks for every visible row's again.
        mutable QString timeText;
        mutable QString shownText;
    };
    void trimTo(qsizetype rows);
    void trimNewest(qsizetype rows);
    /// Takes rows [first, last) out of m_rows (between begin/endRemoveRows)
    /// and frees them a few thousand per turn of the event loop: freeing
    /// ten thousand events at once would stall the GUI thread.
    void retire(qsizetype first, qsizetype last);
    void setDetached(bool detached);
    void insertLive(const QList<Batch> &batches);
    void catchUpLive(const QList<Batch> &pending);
    /// The seq of the row at `index`, looked up in the log for a live row.
    qint64 seqAt(size_t index) const;
    QList<Row> toRows(const QList<StoredEvent> &stored) const;
    JobMapping mappingOf(const QString &channelId) const;
    void countTypes(const Row &row, bool *newType);

    EventLog *m_store = nullptr;
    std::function<QString(const QString &)> m_nameOf;
    QHash<QString, JobMapping> m_mappings; ///< channel key -> its job mapping
    bool m_olderInLog = false;             ///< the log has events before the first row
    bool m_detached = false;
    qint64 m_missed = 0;
    QList<Batch> m_sinceDetached; ///< live batches while detached, up to maxRows() events
    qsizetype m_sinceDetachedEvents = 0;

    std::deque<Row> m_rows;
    std::vector<Row> m_retired; ///< out of the model, freed by m_freeRetired
    QTimer m_freeRetired;
    int m_maxRows = 100'000;
    qint64 m_totalAppended = 0;
    QHash<QString, int> m_typeCounts;
};

} // namespace Longwatch
