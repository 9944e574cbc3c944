#include "feedserver.h"

#include "event.h"
#include "httpconnection.h"
#include "jsontext.h"
#include "logging.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

#include <cmath>
#include <limits>
#include <optional>

namespace Longwatch {

namespace {

const HttpConnection::Headers kAllowGet{{QByteArrayLiteral("Allow"), QByteArrayLiteral("GET")}};
const HttpConnection::Headers kAllowPost{{QByteArrayLiteral("Allow"), QByteArrayLiteral("POST")}};

QString queryValue(const QUrlQuery &query, const QString &name)
{
    return query.queryItemValue(name, QUrl::FullyDecoded);
}

} // namespace

FeedServer::FeedServer(QObject *parent)
    : QObject(parent)
    , m_tcpServer(new QTcpServer(this))
    , m_deadlineTimer(new QTimer(this))
{
    // Many clients may connect in one burst (a dashboard starting, the
    // 1,000-poll test); the default backlog of 50 would make them retry.
    m_tcpServer->setListenBacklogSize(1024);
    connect(m_tcpServer, &QTcpServer::newConnection, this, &FeedServer::onNewConnection);
    m_deadlineTimer->setSingleShot(true);
    m_deadlineTimer->setTimerType(Qt::PreciseTimer);
    connect(m_deadlineTimer, &QTimer::timeout, this, &FeedServer::onDeadline);
}

FeedServer::~FeedServer()
{
    close();
}

void FeedServer::setSettings(const FeedServerSettings &settings)
{
    m_settings = settings;
    m_settings.retain = qMax(1, m_settings.retain);
}

bool FeedServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_tcpServer->listen(address, port)) {
        m_errorString = tr("Could not listen on %1 port %2: %3")
                            .arg(address.toString())
                            .arg(port)
                            .arg(m_tcpServer->errorString());
        qCWarning(lcFeedServer).noquote() << m_errorString;
        return false;
    }
    m_errorString.clear();
    qCInfo(lcFeedServer).noquote() << "listening on" << baseUrl().toString();
    return true;
}

void FeedServer::close()
{
    m_tcpServer->close();
    const QSet<HttpConnection *> connections = m_connections;
    for (HttpConnection *connection : connections)
        connection->abort(); // closed() releases what it held
    m_connections.clear();
}

bool FeedServer::isListening() const
{
    return m_tcpServer->isListening();
}

quint16 FeedServer::port() const
{
    return m_tcpServer->serverPort();
}

QHostAddress FeedServer::address() const
{
    return m_tcpServer->serverAddress();
}

QUrl FeedServer::baseUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    QHostAddress host = address();
    // A wildcard address is not something to connect to; loopback is.
    if (host == QHostAddress::Any || host == QHostAddress::AnyIPv4)
        host = QHostAddress::LocalHost;
    else if (host == QHostAddress::AnyIPv6)
        host = QHostAddress::LocalHostIPv6;
    url.setHost(host.toString());
    url.setPort(port());
    return url;
}

QJsonObject FeedServer::publish(const QString &feedName, QJsonObject event)
{
    if (!isValidFeedName(feedName))
        return {};
    Feed *found = findOrAddFeed(feedName);
    if (!found)
        return {};
    Feed &feed = *found;
    const qint64 id = ++feed.lastId;
    event.insert(QStringLiteral("id"), id);
    if (!event.contains(QStringLiteral("time")))
        event.insert(QStringLiteral("time"), formatUsecsUtc(currentUsecsUtc()));
    const QByteArray json = compactJson(event);
    if (m_journal) {
        // Journal first: a client must never see an event a restart would lose.
        // Feed names are plain ASCII (isValidFeedName): no escaping needed.
        const QByteArray line =
            "{\"feed\":\"" + feedName.toLatin1() + "\",\"event\":" + json + "}\n";
        if (m_journal->write(line) != line.size() || !m_journal->flush())
            qCWarning(lcFeedServer).noquote() << "could not append to the journal"
                                              << m_journal->fileName() << m_journal->errorString();
    }
    feed.events.push_back({id, json});
    while (int(feed.events.size()) > m_settings.retain)
        feed.events.pop_front();
    qCDebug(lcFeedServer).noquote() << "feed" << feedName << "stored event" << id;

    wakePolls(feedName);
    Q_EMIT published(feedName, event);
    return event;
}

bool FeedServer::openJournal(const QString &path)
{
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::ReadWrite | QIODevice::Append)) {
        m_errorString = tr("Could not open the journal %1: %2").arg(path, file->errorString());
        return false;
    }
    file->seek(0);
    int loaded = 0;
    int lineNumber = 0;
    while (!file->atEnd()) {
        const QByteArray line = file->readLine().trimmed();
        ++lineNumber;
        if (line.isEmpty())
            continue;
        const QJsonObject entry = QJsonDocument::fromJson(line).object();
        const QString feedName = entry.value(QStringLiteral("feed")).toString();
        const QJsonObject event = entry.value(QStringLiteral("event")).toObject();
        const qint64 id = event.value(QStringLiteral("id")).toInteger();
        if (!isValidFeedName(feedName) || id <= 0) {
            // A crash can leave half a line at the end; anything else is damage.
            qCWarning(lcFeedServer).noquote()
                << "journal" << path << "line" << lineNumber << "is not an event; skipped";
            continue;
        }
        Feed &feed = m_feeds[feedName];
        if (id <= feed.lastId)
            continue;
        feed.lastId = id;
        feed.events.push_back({id, compactJson(event)});
        while (int(feed.events.size()) > m_settings.retain)
            feed.events.pop_front();
        ++loaded;
    }
    if (!file->atEnd() || !file->seek(file->size())) {
        m_errorString = tr("Could not read the journal %1: %2").arg(path, file->errorString());
        return false;
    }
    qCInfo(lcFeedServer).noquote() << "journal" << path << "loaded" << loaded << "event(s)";
    m_journal = std::move(file);
    return true;
}

FeedServer::SendResult FeedServer::send(const QJsonValue &message)
{
    while (!m_receiveWaiters.empty()) {
        HttpConnection *connection = m_receiveWaiters.begin()->second;
        release(connection);
        // Closed receivers leave on closed(); this only guards that.
        if (!connection->isOpen())
            continue;
        connection->respond(200, compactJson(QJsonObject{{QStringLiteral("message"), message}}));
        return SendResult::Delivered;
    }
    if (int(m_queue.size()) >= m_settings.retain)
        return SendResult::QueueFull;
    m_queue.push_back(message);
    return SendResult::Queued;
}

FeedServer::Feed *FeedServer::findOrAddFeed(const QString &name)
{
    auto it = m_feeds.find(name);
    if (it == m_feeds.end()) {
        if (int(m_feeds.size()) >= maxFeeds)
            return nullptr;
        it = m_feeds.emplace(name, Feed{}).first;
    }
    return &it->second;
}

void FeedServer::refuseNewFeed(HttpConnection *connection)
{
    connection->respond(507,
                        HttpConnection::errorBody(
                            tr("Too many feeds: this server keeps at most %1.").arg(maxFeeds)));
}

QStringList FeedServer::feedNames() const
{
    QStringList names;
    names.reserve(qsizetype(m_feeds.size()));
    for (const auto &[name, feed] : m_feeds)
        names.append(name);
    return names;
}

qint64 FeedServer::lastId(const QString &feed) const
{
    const auto it = m_feeds.find(feed);
    return it == m_feeds.end() ? 0 : it->second.lastId;
}

int FeedServer::retainedCount(const QString &feed) const
{
    const auto it = m_feeds.find(feed);
    return it == m_feeds.end() ? 0 : int(it->second.events.size());
}

bool FeedServer::isValidFeedName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    return pattern.match(name).hasMatch();
}

void FeedServer::onNewConnection()
{
    const HttpConnection::Limits limits{m_settings.maxBodyBytes, 64 * 1024};
    while (QTcpSocket *socket = m_tcpServer->nextPendingConnection()) {
        auto *connection = new HttpConnection(socket, limits, this);
        m_connections.insert(connection);
        connect(
            connection, &HttpConnection::requestReceived, this,
            [this, connection](const HttpRequest &request) { handleRequest(connection, request); });
        connect(connection, &HttpConnection::closed, this, [this, connection] {
            m_connections.remove(connection);
            if (m_held.count(connection) > 0) {
                qCDebug(lcFeedServer).noquote()
                    << connection->peer() << "went away while held; dropped";
                release(connection);
            }
        });
    }
}

void FeedServer::handleRequest(HttpConnection *connection, const HttpRequest &request)
{
    const QString path = request.url.path(QUrl::FullyDecoded);
    const bool isGet = request.method == "GET";
    const bool isPost = request.method == "POST";
    auto refuseMethod = [&](const HttpConnection::Headers &allow) {
        connection->respond(
            405,
            HttpConnection::errorBody(tr("%1 is not allowed on %2; use %3.")
                                          .arg(QString::fromLatin1(request.method), path,
                                               QString::fromLatin1(allow.first().second))),
            QByteArrayLiteral("application/json"), allow);
    };

    QString feed;
    QString action;
    if (path == QLatin1String("/poll") || path == QLatin1String("/publish")) {
        feed = defaultFeedName();
        action = path.mid(1);
    } else if (path.startsWith(QLatin1String("/feeds/"))) {
        const QStringList parts = path.split(QLatin1Char('/'));
        if (parts.size() == 4 &&
            (parts[3] == QLatin1String("poll") || parts[3] == QLatin1String("publish"))) {
            feed = parts[2];
            action = parts[3];
            if (!isValidFeedName(feed)) {
                connection->respond(404, HttpConnection::errorBody(
                                             tr("No such feed: a feed name is 1 to 64 letters, "
                                                "digits, '.', '_' or '-'.")));
                return;
            }
        }
    }

    if (action == QLatin1String("poll")) {
        if (!isGet)
            return refuseMethod(kAllowGet);
        return handlePoll(connection, request, feed);
    }
    if (action == QLatin1String("publish")) {
        if (!isPost)
            return refuseMethod(kAllowPost);
        return handlePublish(connection, request, feed);
    }
    if (path == QLatin1String("/feeds")) {
        if (!isGet)
            return refuseMethod(kAllowGet);
        return handleFeedList(connection);
    }
    if (path == QLatin1String("/receive")) {
        if (!isGet)
            return refuseMethod(kAllowGet);
        return handleReceive(connection, request);
    }
    if (path == QLatin1String("/send")) {
        if (!isPost)
            return refuseMethod(kAllowPost);
        return handleSend(connection, request);
    }
    connection->respond(404, HttpConnection::errorBody(tr("No such endpoint: %1").arg(path)));
}

namespace {

// A request's body as JSON; answers 400 with what is wrong, and returns
// nothing, when it is not JSON.
std::optional<QJsonDocument> parseJsonBody(HttpConnection *connection, const QByteArray &body)
{
    QJsonParseError parseError;
    QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        connection->respond(400, HttpConnection::errorBody(
                                     FeedServer::tr("The body is not valid JSON: %1 (at byte %2).")
                                         .arg(parseError.errorString())
                                         .arg(parseError.offset)));
        return std::nullopt;
    }
    return document;
}

// An optional whole-number parameter from `minimum` to `maximum`; `*value`
// keeps what it holds when the parameter is absent.
bool parseInteger(const QUrlQuery &query, const QString &name, qint64 minimum, qint64 maximum,
                  qint64 *value, QString *error)
{
    if (!query.hasQueryItem(name))
        return true;
    bool ok = false;
    const qint64 number = queryValue(query, name).toLongLong(&ok);
    if (!ok || number < minimum || number > maximum) {
        *error = FeedServer::tr("%1 must be an integer, %2 or more.").arg(name).arg(minimum);
        return false;
    }
    *value = number;
    return true;
}

// The optional `hold` parameter, in seconds (fractions allowed): a client may
// ask for a shorter hold than the server's, never a longer one.
bool parseHold(const QUrlQuery &query, std::chrono::milliseconds serverHold,
               std::chrono::milliseconds *hold, QString *error)
{
    *hold = serverHold;
    if (!query.hasQueryItem(QStringLiteral("hold")))
        return true;
    bool ok = false;
    const double seconds = queryValue(query, QStringLiteral("hold")).toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds < 0) {
        *error = FeedServer::tr("hold must be a number of seconds, 0 or more.");
        return false;
    }
    const double ms = std::ceil(seconds * 1000.0);
    if (ms < double(serverHold.count()))
        *hold = std::chrono::milliseconds(qint64(ms));
    return true;
}

} // namespace

void FeedServer::handlePoll(HttpConnection *connection, const HttpRequest &request,
                            const QString &feed)
{
    const QUrlQuery query(request.url);
    qint64 lastId = 0;
    qint64 limitParameter = 0;
    std::chrono::milliseconds holdTime{};
    QString error;
    if (!parseInteger(query, QStringLiteral("last_id"), 0, std::numeric_limits<qint64>::max(),
                      &lastId, &error) ||
        !parseInteger(query, QStringLiteral("limit"), 1, std::numeric_limits<int>::max(),
                      &limitParameter, &error) ||
        !parseHold(query, m_settings.hold, &holdTime, &error)) {
        connection->respond(400, HttpConnection::errorBody(error));
        return;
    }
    const int limit = int(limitParameter);
    // A polled feed exists from now on, with no events yet: GET /feeds lists
    // what clients watch, not only what was published.
    if (!findOrAddFeed(feed))
        return refuseNewFeed(connection);

    int count = 0;
    const QByteArray body = eventsBody(feed, lastId, limit, &count);
    if (count > 0 || holdTime.count() == 0) {
        connection->respond(200, body);
        return;
    }
    Held held;
    held.kind = HeldKind::Poll;
    held.feed = feed;
    held.lastId = lastId;
    held.limit = limit;
    held.deadline = Clock::now() + holdTime;
    hold(connection, std::move(held));
}

void FeedServer::handlePublish(HttpConnection *connection, const HttpRequest &request,
                               const QString &feed)
{
    const std::optional<QJsonDocument> parsed = parseJsonBody(connection, request.body);
    if (!parsed)
        return;
    const QJsonDocument &document = *parsed;
    if (!document.isObject()) {
        connection->respond(400, HttpConnection::errorBody(tr("The body must be a JSON object.")));
        return;
    }
    if (!findOrAddFeed(feed))
        return refuseNewFeed(connection);
    connection->respond(201, compactJson(publish(feed, document.object())));
}

void FeedServer::handleReceive(HttpConnection *connection, const HttpRequest &request)
{
    const QUrlQuery query(request.url);
    std::chrono::milliseconds holdTime{};
    QString error;
    if (!parseHold(query, m_settings.queueHold, &holdTime, &error)) {
        connection->respond(400, HttpConnection::errorBody(error));
        return;
    }
    if (!m_queue.empty()) {
        const QJsonValue message = m_queue.front();
        m_queue.pop_front();
        connection->respond(200, compactJson(QJsonObject{{QStringLiteral("message"), message}}));
        return;
    }
    if (holdTime.count() == 0) {
        connection->respond(200,
                            compactJson(QJsonObject{{QStringLiteral("message"), QJsonValue()}}));
        return;
    }
    Held held;
    held.kind = HeldKind::Receive;
    held.deadline = Clock::now() + holdTime;
    hold(connection, std::move(held));
}

void FeedServer::handleSend(HttpConnection *connection, const HttpRequest &request)
{
    const std::optional<QJsonDocument> parsed = parseJsonBody(connection, request.body);
    if (!parsed)
        return;
    const QJsonDocument &document = *parsed;
    const QJsonValue message = document.object().value(QStringLiteral("message"));
    if (!document.isObject() || message.isUndefined()) {
        connection->respond(400, HttpConnection::errorBody(
                                     tr("The body must be a JSON object with a \"message\".")));
        return;
    }
    if (message.isNull()) {
        // null is what a receiver gets when nothing came: it cannot be sent.
        connection->respond(400, HttpConnection::errorBody(tr("The message must not be null.")));
        return;
    }
    switch (send(message)) {
    case SendResult::Delivered:
        connection->respond(200, compactJson(QJsonObject{{QStringLiteral("delivered"), true}}));
        return;
    case SendResult::Queued:
        connection->respond(
            202, compactJson(QJsonObject{{QStringLiteral("delivered"), false},
                                         {QStringLiteral("queued"), int(m_queue.size())}}));
        return;
    case SendResult::QueueFull:
        connection->respond(
            503, HttpConnection::errorBody(
                     tr("The queue is full (%1 messages); try again later.").arg(m_queue.size())));
        return;
    }
}

void FeedServer::handleFeedList(HttpConnection *connection)
{
    QJsonArray feeds;
    for (const auto &[name, feed] : m_feeds) {
        feeds.append(QJsonObject{{QStringLiteral("name"), name},
                                 {QStringLiteral("last_id"), feed.lastId},
                                 {QStringLiteral("retained"), int(feed.events.size())}});
    }
    connection->respond(200, compactJson(QJsonObject{{QStringLiteral("feeds"), feeds}}));
}

QByteArray FeedServer::eventsBody(const QString &feedName, qint64 lastId, int limit,
                                  int *count) const
{
    *count = 0;
    QByteArray body = QByteArrayLiteral("{\"events\":[");
    const auto it = m_feeds.find(feedName);
    if (it != m_feeds.end() && !it->second.events.empty()) {
        const std::deque<StoredEvent> &events = it->second.events;
        // Ids in a feed are consecutive, so the first newer event is found
        // by arithmetic. A last_id older than the buffer starts at its front.
        const qint64 front = events.front().id;
        const qint64 first = lastId < front ? 0 : lastId - front + 1;
        qint64 end = qint64(events.size());
        if (limit > 0)
            end = qMin(end, first + limit);
        for (qint64 i = first; i < end; ++i) {
            if (i > first)
                body += ',';
            body += events[size_t(i)].json;
        }
        *count = int(qMax<qint64>(0, end - first));
    }
    body += "]}";
    return body;
}

void FeedServer::hold(HttpConnection *connection, Held held)
{
    held.serial = m_nextSerial++;
    if (held.kind == HeldKind::Poll)
        m_pollWaiters[held.feed].emplace(held.serial, connection);
    else
        m_receiveWaiters.emplace(held.serial, connection);
    const auto pos = m_deadlines.emplace(held.deadline, held.serial).first;
    m_bySerial.insert(held.serial, connection);
    m_held.emplace(connection, std::move(held));
    // Only a new earliest deadline moves the timer; restarting it for every
    // held request would cost a timer registration each.
    if (pos == m_deadlines.begin())
        armDeadlineTimer();
    Q_EMIT heldCountChanged(heldCount());
}

void FeedServer::release(HttpConnection *connection)
{
    const auto it = m_held.find(connection);
    if (it == m_held.end())
        return;
    const Held &held = it->second;
    if (held.kind == HeldKind::Poll) {
        const auto waiters = m_pollWaiters.find(held.feed);
        if (waiters != m_pollWaiters.end()) {
            waiters->erase(held.serial);
            if (waiters->empty())
                m_pollWaiters.erase(waiters);
        }
    } else {
        m_receiveWaiters.erase(held.serial);
    }
    m_deadlines.erase({held.deadline, held.serial});
    m_bySerial.remove(held.serial);
    m_held.erase(it);
    if (m_deadlines.empty())
        m_deadlineTimer->stop();
    Q_EMIT heldCountChanged(heldCount());
}

void FeedServer::wakePolls(const QString &feedName)
{
    const auto waiters = m_pollWaiters.constFind(feedName);
    if (waiters == m_pollWaiters.constEnd())
        return;
    const qint64 newest = lastId(feedName);
    // Answers are built once per distinct (last_id, limit): with a thousand
    // polls on one feed, nearly all ask the same question.
    QHash<std::pair<qint64, int>, QByteArray> bodies;
    QList<std::pair<HttpConnection *, QByteArray>> answers;
    for (const auto &[serial, connection] : *waiters) {
        const Held &held = m_held.at(connection);
        // A client ahead of this feed (from a previous run of the server)
        // keeps waiting until the ids pass its last_id.
        if (held.lastId >= newest)
            continue;
        const std::pair<qint64, int> key{held.lastId, held.limit};
        auto body = bodies.find(key);
        if (body == bodies.end()) {
            int count = 0;
            body = bodies.insert(key, eventsBody(feedName, held.lastId, held.limit, &count));
        }
        answers.append({connection, body.value()});
    }
    for (const auto &[connection, body] : answers) {
        release(connection);
        connection->respond(200, body);
    }
}

void FeedServer::onDeadline()
{
    const Clock::time_point now = Clock::now();
    QList<std::pair<HttpConnection *, HeldKind>> expired;
    for (auto it = m_deadlines.begin(); it != m_deadlines.end() && it->first <= now; ++it) {
        HttpConnection *connection = m_bySerial.value(it->second);
        expired.append({connection, m_held.at(connection).kind});
    }
    for (const auto &[connection, kind] : expired) {
        release(connection);
        if (kind == HeldKind::Poll)
            connection->respond(200, QByteArrayLiteral("{\"events\":[]}"));
        else
            connection->respond(200, QByteArrayLiteral("{\"message\":null}"));
    }
    armDeadlineTimer();
}

void FeedServer::armDeadlineTimer()
{
    if (m_deadlines.empty()) {
        m_deadlineTimer->stop();
        return;
    }
    using namespace std::chrono;
    // Rounded up so the timer never fires before the deadline and spins.
    const auto wait = ceil<milliseconds>(m_deadlines.begin()->first - Clock::now());
    m_deadlineTimer->start(qMax(wait, milliseconds(0)));
}

} // namespace Longwatch
