#pragma once

// The reference long-poll server for the seed-events and seed-queue feeds
// (docs/FEED-SERVER.md), usable in-process (tests, `longwatch --demo`) and
// as the `longwatch-feed` program.
//
// It runs its own small HTTP/1.1 layer on QTcpServer (httpconnection.h)
// rather than QtHttpServer 6.4: that module crashes when a held answer is
// written after the client went away, and answers pipelined requests out
// of order while one is held. httpconnection.h has the details.
//
// Held requests cost no CPU while they wait: they sit in one sorted deadline
// set, and one single-shot QTimer is armed for the earliest deadline.

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <QUrl>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

class QFile;
class QTcpServer;

namespace Longwatch {

class HttpConnection;
struct HttpRequest;

struct FeedServerSettings
{
    std::chrono::milliseconds hold{55'000};      ///< longest hold of GET /poll
    std::chrono::milliseconds queueHold{30'000}; ///< longest hold of GET /receive
    int retain = 10'000;           ///< events kept per feed; also the queue's capacity
    qint64 maxBodyBytes = 1 << 20; ///< larger request bodies get 413
};

/// Serves named event feeds (seed-events) and one message queue
/// (seed-queue) over HTTP long polls.
///
/// Endpoints: `GET /poll?last_id=N[&hold=S][&limit=K]`, `POST /publish`,
/// `GET /feeds/<name>/poll`, `POST /feeds/<name>/publish` (the bare paths are
/// the feed "default"), `GET /feeds`, `GET /receive[?hold=S]`, `POST /send`.
///
/// Each feed numbers its events 1, 2, 3, ... and keeps the newest
/// `retain` of them. A poll whose last_id is older than what is kept gets
/// what is kept: the events in between are gone, without notice.
class FeedServer final : public QObject
{
    Q_OBJECT
public:
    enum class SendResult {
        Delivered, ///< handed to a receiver that was waiting
        Queued,    ///< stored until a receiver asks
        QueueFull, ///< refused: the queue holds `retain` messages already
    };
    Q_ENUM(SendResult)

    explicit FeedServer(QObject *parent = nullptr);
    ~FeedServer() override;

    /// Applies to requests that arrive afterwards; a smaller `retain`
    /// trims each feed at its next publish.
    void setSettings(const FeedServerSettings &settings);
    const FeedServerSettings &settings() const { return m_settings; }

    /// Starts listening; port 0 picks a free port (see port()). Returns
    /// false, with errorString() set, when the address cannot be bound.
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    /// Stops listening and drops every connection, held requests included.
    void close();
    bool isListening() const;
    quint16 port() const;
    QHostAddress address() const;
    /// "http://127.0.0.1:<port>", for clients in the same process.
    QUrl baseUrl() const;
    QString errorString() const { return m_errorString; }

    /// Keeps every published event in an append-only NDJSON file, so that a
    /// restarted server goes on with the same events and ids (clients resume
    /// with their last_id instead of waiting for the ids to catch up). Loads
    /// what the file has, then appends. Call before listen(). Returns false,
    /// with errorString() set, if the file cannot be read or written.
    bool openJournal(const QString &path);

    /// Stores `event` in `feed` and answers the feed's held polls at once.
    /// The server sets `id` (replacing any given) and `time` (ISO 8601 UTC)
    /// if the event has none. Returns the stored event; an empty object if
    /// the feed name is invalid or the feed limit is reached.
    QJsonObject publish(const QString &feed, QJsonObject event);
    /// Gives `message` to the receiver that has waited longest, or queues it.
    SendResult send(const QJsonValue &message);

    /// Requests held right now (polls and receives).
    int heldCount() const { return int(m_held.size()); }
    /// Open client connections, held or idle.
    int connectionCount() const { return int(m_connections.size()); }
    /// Feeds that were published to or polled, sorted by name; a polled
    /// feed may have no events.
    QStringList feedNames() const;
    /// The id of the feed's newest event, 0 if none.
    qint64 lastId(const QString &feed) const;
    /// Events the feed keeps right now.
    int retainedCount(const QString &feed) const;
    int queuedMessageCount() const { return int(m_queue.size()); }

    /// 1 to 64 of A-Z a-z 0-9 . _ -
    static bool isValidFeedName(const QString &name);
    /// The feed behind the bare /poll and /publish.
    static QString defaultFeedName() { return QStringLiteral("default"); }
    /// At most this many feeds exist at once: a publish or poll that would
    /// add one more gets 507.
    static constexpr int maxFeeds = 1024;

Q_SIGNALS:
    /// An event was stored (by HTTP or by publish()); once per event.
    void published(const QString &feed, const QJsonObject &event);
    /// The number of held requests changed.
    void heldCountChanged(int count);

private:
    using Clock = std::chrono::steady_clock;

    struct StoredEvent
    {
        qint64 id = 0;
        QByteArray json; ///< compact, ready to splice into an answer
    };
    struct Feed
    {
        std::deque<StoredEvent> events;
        qint64 lastId = 0;
    };
    enum class HeldKind { Poll, Receive };
    struct Held
    {
        HeldKind kind = HeldKind::Poll;
        QString feed;
        qint64 lastId = 0;
        int limit = 0;
        quint64 serial = 0; ///< arrival order
        Clock::time_point deadline;
    };
    using Waiters = std::map<quint64, HttpConnection *>; ///< by arrival order

    void onNewConnection();
    void handleRequest(HttpConnection *connection, const HttpRequest &request);
    void handlePoll(HttpConnection *connection, const HttpRequest &request, const QString &feed);
    void handlePublish(HttpConnection *connection, const HttpRequest &request, const QString &feed);
    void handleReceive(HttpConnection *connection, const HttpRequest &request);
    void handleSend(HttpConnection *connection, const HttpRequest &request);
    void handleFeedList(HttpConnection *connection);
    /// The feed `name`, added if new; nullptr when maxFeeds exist already.
    Feed *findOrAddFeed(const QString &name);
    /// 507: `connection` asked for a feed beyond maxFeeds.
    void refuseNewFeed(HttpConnection *connection);

    /// `{"events":[...]}` with the feed's events after lastId; *count says how many.
    QByteArray eventsBody(const QString &feed, qint64 lastId, int limit, int *count) const;
    void hold(HttpConnection *connection, Held held);
    void release(HttpConnection *connection);
    void wakePolls(const QString &feed);
    void onDeadline();
    void armDeadlineTimer();

    FeedServerSettings m_settings;
    QTcpServer *m_tcpServer = nullptr;
    QString m_errorString;

    std::map<QString, Feed> m_feeds;
    std::deque<QJsonValue> m_queue;

    std::unordered_map<HttpConnection *, Held> m_held;
    QHash<QString, Waiters> m_pollWaiters;
    Waiters m_receiveWaiters;
    std::set<std::pair<Clock::time_point, quint64>> m_deadlines;
    QHash<quint64, HttpConnection *> m_bySerial;
    quint64 m_nextSerial = 1;
    QTimer *m_deadlineTimer = nullptr; ///< the only timer, however many are held

    QSet<HttpConnection *> m_connections;
    std::unique_ptr<QFile> m_journal;
};

} // namespace Longwatch
