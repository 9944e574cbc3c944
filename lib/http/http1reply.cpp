#include "http1reply.h"

#include "contentdecoder.h"
#include "deadconnection.h"
#include "http1connection_p.h"
#include "logging.h"
#include "tlsconnection_p.h"

#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkProxy>
#include <QTcpSocket>

namespace Longwatch {

using namespace std::chrono_literals;

namespace {

// How often idle connections are checked for their age.
constexpr std::chrono::milliseconds kSweepInterval = 5s;
// The most decoded bytes of a coded body made at a time (one readyRead()).
constexpr qsizetype kDecodePiece = 64 * 1024;
// TLS configurations a pool tells apart before it forgets the oldest
// (configurations come and go as channels restart; see tlsKey()).
constexpr qsizetype kKnownTlsLimit = 64;

int defaultPort(const QUrl &url)
{
    return url.scheme() == QLatin1String("https") ? 443 : 80;
}

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/// Qt's error code for an HTTP status (as QNetworkReplyHttpImpl gives it),
/// so that code reading reply->error() sees the same on either client.
QNetworkReply::NetworkError errorForStatus(int status)
{
    switch (status) {
    case 400:
    case 418:
        return QNetworkReply::ProtocolInvalidOperationError;
    case 401:
        return QNetworkReply::AuthenticationRequiredError;
    case 403:
        return QNetworkReply::ContentAccessDenied;
    case 404:
        return QNetworkReply::ContentNotFoundError;
    case 405:
        return QNetworkReply::ContentOperationNotPermittedError;
    case 407:
        return QNetworkReply::ProxyAuthenticationRequiredError;
    case 409:
        return QNetworkReply::ContentConflictError;
    case 410:
        return QNetworkReply::ContentGoneError;
    case 500:
        return QNetworkReply::InternalServerError;
    case 501:
        return QNetworkReply::OperationNotImplementedError;
    case 503:
        return QNetworkReply::ServiceUnavailableError;
    default:
        if (status >= 500)
            return QNetworkReply::UnknownServerError;
        if (status >= 400)
            return QNetworkReply::UnknownContentError;
        return QNetworkReply::NoError;
    }
}

QNetworkReply::NetworkError errorForSocket(QAbstractSocket::SocketError error)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QNetworkReply::ConnectionRefusedError;
    case QAbstractSocket::HostNotFoundError:
        return QNetworkReply::HostNotFoundError;
    case QAbstractSocket::RemoteHostClosedError:
        return QNetworkReply::RemoteHostClosedError;
    case QAbstractSocket::SocketTimeoutError:
        return QNetworkReply::TimeoutError;
    case QAbstractSocket::SslHandshakeFailedError:
        return QNetworkReply::SslHandshakeFailedError;
    default:
        return QNetworkReply::UnknownNetworkError;
    }
}

bool sameOrigin(const QUrl &a, const QUrl &b)
{
    return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0 &&
           a.port(defaultPort(a)) == b.port(defaultPort(b));
}

/// Qt's client's sentence for a refused handshake (QHttpNetworkConnection).
QString handshakeFailed(const QString &why)
{
    return Http1Reply::tr("SSL handshake failed: %1").arg(why);
}

/// Whether two header field names are the same (case-insensitive). The
/// sizes first: most names differ in size, and that is much cheaper than
/// comparing them letter by letter.
bool sameName(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

/// Header fields that Http1Reply writes itself (framing and connection
/// management, RFC 9110 section 7.6.1) and never copies from the request.
bool isOwnField(QByteArrayView name)
{
    for (QByteArrayView own : {QByteArrayView("Host"), QByteArrayView("Content-Length"),
                               QByteArrayView("Connection"), QByteArrayView("Transfer-Encoding"),
                               QByteArrayView("Keep-Alive"), QByteArrayView("Upgrade")}) {
        if (sameName(name, own))
            return true;
    }
    return false;
}

} // namespace

namespace Internal {

// --- Http1Connection -------------------------------------------------------

template<typename Transport> void Http1Connection::connectTransport(Transport *transport)
{
    // The same three signals on QTcpSocket and TlsConnection.
    connect(transport, &Transport::connected, this, [this] {
        if (m_reply)
            m_reply->onConnected();
    });
    connect(transport, &Transport::bytesWritten, this, [this] {
        if (m_reply)
            m_reply->onBytesWritten();
    });
    connect(transport, &Transport::readyRead, this, [this] {
        if (m_reply)
            m_reply->onReadyRead();
        else if (m_idleIn)
            m_idleIn->drop(this);
    });
}

Http1Connection::Http1Connection(QTcpSocket *socket)
    : m_socket(socket)
{
    socket->setParent(this);
    connectTransport(socket);
    // An error or the close of the connection: both end up in onSocketError().
    connect(socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_reply)
            m_reply->onSocketError();
        else if (m_idleIn)
            m_idleIn->drop(this);
    });
    connect(socket, &QTcpSocket::disconnected, this, [this] {
        if (m_reply)
            m_reply->onSocketError();
        else if (m_idleIn)
            m_idleIn->drop(this);
    });
}

Http1Connection::Http1Connection(TlsConnection *tls)
    : m_socket(tls->socket())
    , m_tls(tls)
{
    tls->setParent(this);
    connectTransport(tls);
    connect(tls, &TlsConnection::sslErrors, this, [this](const QList<QSslError> &errors) {
        if (m_reply)
            m_reply->onSslErrors(errors);
    });
    connect(tls, &TlsConnection::encrypted, this, [this] {
        if (m_reply)
            m_reply->onEncrypted();
    });
    connect(tls, &TlsConnection::sessionTicket, this, &Http1Connection::keepSessionTicket);
    connect(tls, &TlsConnection::failed, this, [this] {
        if (m_reply)
            m_reply->onSocketError();
        else if (m_idleIn)
            m_idleIn->drop(this);
    });
}

void Http1Connection::write(const QByteArray &data)
{
    if (m_tls) {
        m_tls->write(data);
        return;
    }
    m_socket->write(data);
    // Out now rather than on the next turn of the event loop.
    m_socket->flush();
}

QByteArray Http1Connection::readAll()
{
    return m_tls ? m_tls->readAll() : m_socket->readAll();
}

qint64 Http1Connection::bytesAvailable() const
{
    return m_tls ? m_tls->bytesAvailable() : m_socket->bytesAvailable();
}

QAbstractSocket::SocketError Http1Connection::error() const
{
    return m_tls ? m_tls->error() : m_socket->error();
}

QString Http1Connection::errorString() const
{
    return m_tls ? m_tls->errorString() : m_socket->errorString();
}

bool Http1Connection::isIdleUsable() const
{
    if (m_tls)
        return m_tls->isIdleUsable();
    return m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0;
}

std::shared_ptr<const TlsPeer> Http1Connection::established() const
{
    return m_tls ? m_tls->peer() : nullptr;
}

void Http1Connection::setEncrypted(const QList<QSslError> &ignoredErrors, Http1ConnectionPool *pool,
                                   const QString &key)
{
    m_trustDecided = true;
    m_ignoredErrors = ignoredErrors;
    const QByteArray pending = std::exchange(m_pendingTicket, {});
    if (!ignoredErrors.isEmpty())
        return;
    // A session made with errors ignored would be resumed without any
    // check of the certificate (a resumed handshake sends none), so only a
    // fully verified one is kept for the next connection.
    m_sessions = pool;
    m_sessionKey = key;
    // TLS 1.2 gives the session with the handshake; TLS 1.3 after it.
    if (!pending.isEmpty())
        keepSessionTicket(pending);
}

void Http1Connection::keepSessionTicket(const QByteArray &ticket)
{
    if (m_sessions)
        m_sessions->keepSessionTicket(m_sessionKey, ticket);
    else if (!m_trustDecided)
        m_pendingTicket = ticket; // until the handshake's errors are decided on
}

// --- Http1ConnectionPool ---------------------------------------------------

Http1ConnectionPool::Http1ConnectionPool(QObject *parent)
    : QObject(parent)
    , m_sweep(this)
{
    m_sweep.setInterval(kSweepInterval);
    connect(&m_sweep, &QTimer::timeout, this, &Http1ConnectionPool::expire);
}

Http1ConnectionPool::~Http1ConnectionPool()
{
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list) {
            idle.connection->setIdleIn(nullptr);
            delete idle.connection; // closes its socket
        }
    }
}

QString Http1ConnectionPool::key(const QString &host, quint16 port)
{
    return host.toLower() + QLatin1Char(':') + QString::number(port);
}

QString Http1ConnectionPool::tlsKey(const QString &host, quint16 port,
                                    const QSslConfiguration &configuration, int *idOut)
{
    // Told apart by QSslConfiguration's operator==, which compares every
    // CA certificate unless both lists are the same data: some 20 µs for
    // the system's 300 or so. A channel passes the same configuration with
    // every request, so one that was seen before is found by its list
    // first, at the cost of a pointer comparison.
    const QList<QSslCertificate> cas = configuration.caCertificates();
    int id = 0;
    for (const KnownTls &known : std::as_const(m_knownTls)) {
        if (known.cas.constData() == cas.constData() && known.configuration == configuration) {
            id = known.id;
            break;
        }
    }
    if (id == 0) {
        std::shared_ptr<TlsContext> context;
        for (const KnownTls &known : std::as_const(m_knownTls)) {
            if (known.configuration == configuration) {
                id = known.id;
                context = known.context;
                break;
            }
        }
        if (id == 0)
            id = ++m_lastTlsId;
        // Known from now on by this very list as well. A context that no
        // entry and no connection holds any more is freed with the last.
        if (m_knownTls.size() >= kKnownTlsLimit)
            m_knownTls.removeFirst();
        m_knownTls.append({configuration, cas, id, std::move(context)});
    }
    if (idOut)
        *idOut = id;
    return QStringLiteral("https://%1:%2#%3").arg(host.toLower()).arg(port).arg(id);
}

std::shared_ptr<TlsContext> Http1ConnectionPool::tlsContext(int id,
                                                            const QSslConfiguration &configuration)
{
    std::shared_ptr<TlsContext> context;
    for (const KnownTls &known : std::as_const(m_knownTls)) {
        if (known.id == id && known.context) {
            context = known.context;
            break;
        }
    }
    if (!context) {
        if (!m_tlsContexts)
            m_tlsContexts = std::make_shared<TlsContextCache>();
        context = m_tlsContexts->context(configuration);
        for (KnownTls &known : m_knownTls) {
            if (known.id == id)
                known.context = context;
        }
    }
    return context;
}

void Http1ConnectionPool::setTlsContextCache(std::shared_ptr<TlsContextCache> cache)
{
    m_tlsContexts = std::move(cache);
}

void Http1ConnectionPool::keepSessionTicket(const QString &key, const QByteArray &ticket)
{
    m_sessionTickets.insert(key, ticket);
}

Http1Connection *Http1ConnectionPool::take(const QString &key)
{
    const auto it = m_idle.find(key);
    if (it == m_idle.end())
        return nullptr;
    Http1Connection *found = nullptr;
    while (!found && !it->isEmpty()) {
        // The most recently used first: the least likely to have been closed.
        Http1Connection *connection = it->takeLast().connection;
        connection->setIdleIn(nullptr);
        if (connection->isIdleUsable()) {
            found = connection;
        } else {
            connection->socket()->abort();
            connection->deleteLater();
        }
    }
    // The sweep timer runs on: stopping and starting it for every request
    // costs more than its one wake-up in kSweepInterval (expire() stops it
    // when nothing is left to sweep).
    return found;
}

void Http1ConnectionPool::put(const QString &key, Http1Connection *connection)
{
    connection->setIdleIn(this);
    m_idle[key].append({connection, QDeadlineTimer(kIdleLimit)});
    if (!m_sweep.isActive())
        m_sweep.start();
}

int Http1ConnectionPool::idleCount() const
{
    int count = 0;
    for (const QList<Idle> &list : m_idle)
        count += int(list.size());
    return count;
}

void Http1ConnectionPool::clear()
{
    QList<Http1Connection *> all;
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list)
            all.append(idle.connection);
    }
    for (Http1Connection *connection : std::as_const(all))
        drop(connection);
    m_sessionTickets.clear();
}

void Http1ConnectionPool::drop(Http1Connection *connection)
{
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it) {
        const qsizetype index =
            std::find_if(it->cbegin(), it->cend(),
                         [connection](const Idle &idle) { return idle.connection == connection; }) -
            it->cbegin();
        if (index == it->size())
            continue;
        it->removeAt(index);
        connection->setIdleIn(nullptr);
        connection->socket()->abort();
        connection->deleteLater(); // we may be in one of its socket's signals
        break;
    }
    if (idleCount() == 0)
        m_sweep.stop();
}

void Http1ConnectionPool::expire()
{
    QList<Http1Connection *> old;
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list) {
            if (idle.expires.hasExpired())
                old.append(idle.connection);
        }
    }
    for (Http1Connection *connection : std::as_const(old))
        drop(connection);
    m_idle.removeIf([](const auto &entry) { return entry.value().isEmpty(); });
    if (m_idle.isEmpty())
        m_sweep.stop();
}

} // namespace Internal

using Internal::Http1Connection;
using Internal::Http1ConnectionPool;
using Internal::TlsConnection;
using Internal::TlsContext;

// --- Http1Reply ------------------------------------------------------------

Http1Reply::Http1Reply(QNetworkAccessManager *manager, Http1ConnectionPool *pool,
                       QNetworkAccessManager::Operation operation, const QNetworkRequest &request,
                       QByteArray method, QByteArray body,
                       QList<std::pair<QByteArray, QByteArray>> extraHeaders)
    : QNetworkReply(manager)
    , m_manager(manager)
    , m_pool(pool)
    , m_method(std::move(method))
    , m_body(std::move(body))
    , m_extraHeaders(std::move(extraHeaders))
{
    setRequest(request);
    setUrl(request.url());
    setOperation(operation);
    m_tls = request.url().scheme() == QLatin1String("https");
    if (m_tls)
        m_sslConfiguration = request.sslConfiguration();
    QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    // From the event loop: whoever made this reply connects to it first.
    QMetaObject::invokeMethod(this, &Http1Reply::start, Qt::QueuedConnection);
}

Http1Reply::~Http1Reply()
{
    // A connection still held is closed at once, as a child would be.
    if (Http1Connection *connection = std::exchange(m_connection, nullptr)) {
        connection->setReply(nullptr);
        delete connection;
    }
}

void Http1Reply::start()
{
    if (hasEnded())
        return;
    const QUrl target = url();
    m_host = target.host();
    m_port = quint16(target.port(defaultPort(target)));
    if (m_tls && !m_sslConfiguration)
        m_sslConfiguration = QSslConfiguration::defaultConfiguration();
    // Once per server rather than at every take() and put().
    m_poolKey = !m_tls   ? Http1ConnectionPool::key(m_host, m_port)
                : m_pool ? m_pool->tlsKey(m_host, m_port, *m_sslConfiguration, &m_tlsId)
                         : QString();
    m_parser = Http1Parser(m_method == "HEAD");
    m_input.clear();
    m_decoder.reset();
    m_encoded.clear();
    m_sslErrors.clear();
    m_established.reset();
    if (Http1Connection *idle = m_pool ? m_pool->take(m_poolKey) : nullptr) {
        qCDebug(lcNetworkVerbose).noquote()
            << "reusing a kept-alive connection to" << m_host << m_port;
        attach(idle, true);
        if (m_tls && !acceptsKeptAliveTrust())
            return;
        sendRequest();
        return;
    }
    qCDebug(lcNetworkVerbose).noquote() << "new connection to" << m_host << m_port;
    m_phase = Phase::Connecting;
    if (!m_tls) {
        auto *socket = new QTcpSocket;
        // Straight to the server: NetworkAccessManager found no proxy for
        // this URL, and the socket must not ask the application's proxy
        // again (an all_proxy for sockets would otherwise apply).
        socket->setProxy(QNetworkProxy::NoProxy);
        attach(new Http1Connection(socket), false);
        Q_EMIT socketStartedConnecting();
        socket->connectToHost(m_host, m_port);
        return;
    }
    // One TLS context for every connection of this configuration (its CAs
    // parsed once); the last session of this server and configuration is
    // resumed: a shorter handshake, without the certificate (RFC 8446
    // section 2.2).
    auto *tls = new TlsConnection(m_pool ? m_pool->tlsContext(m_tlsId, *m_sslConfiguration)
                                         : TlsContext::create(*m_sslConfiguration));
    attach(new Http1Connection(tls), false);
    Q_EMIT socketStartedConnecting();
    if (m_ignoreAllSslErrors)
        tls->ignoreSslErrors();
    const QByteArray session = m_pool ? m_pool->takeSessionTicket(m_poolKey) : QByteArray();
    // The host name is what the certificate must name.
    tls->connectToHost(m_host, m_port, session);
}

void Http1Reply::attach(Http1Connection *connection, bool reused)
{
    m_connection = connection;
    m_socket = connection->socket();
    m_reusedSocket = reused;
    // The reply's read buffer size (QNetworkReply::setReadBufferSize) is
    // how far the socket reads ahead: the rest of a huge answer waits in the
    // kernel, so a reader that gives up at its cap stops the transfer early.
    m_socket->setReadBufferSize(readBufferSize());
    connection->setReply(this);
}

void Http1Reply::onBytesWritten()
{
    if (m_phase == Phase::Sending && m_socket && m_socket->bytesToWrite() == 0) {
        m_phase = Phase::Receiving;
        Q_EMIT requestSent();
    }
}

void Http1Reply::onConnected()
{
    // As Qt's HTTP client: no Nagle delay for small requests. TCP
    // keep-alive with our own timing, so that a connection whose path died
    // under a held request is noticed in seconds rather than at the
    // request's deadline (deadconnection.h).
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QVariant limit =
        request().attribute(QNetworkRequest::Attribute(deadConnectionLimitAttribute()));
    const std::chrono::seconds seconds =
        limit.isValid() ? std::chrono::seconds(limit.toInt()) : kDefaultDeadConnectionLimit;
    if (seconds.count() <= 0 || !setDeadConnectionLimit(m_socket->socketDescriptor(), seconds))
        m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    // Over TLS the request goes once the handshake is done (onEncrypted()).
    if (!m_tls)
        sendRequest();
}

void Http1Reply::onSslErrors(const QList<QSslError> &errors)
{
    if (hasEnded())
        return;
    m_sslErrors = errors;
    Q_EMIT sslErrors(errors);
    // A slot may have aborted the reply, or ignored the errors: the socket
    // goes on only if they were all ignored, as Qt's client does.
    if (hasEnded() || !m_connection)
        return;
    TlsConnection *tls = m_connection->tls();
    if (m_ignoreAllSslErrors)
        tls->ignoreSslErrors();
    else if (!m_ignoredSslErrors.isEmpty())
        tls->ignoreSslErrors(m_ignoredSslErrors);
}

void Http1Reply::onEncrypted()
{
    if (hasEnded())
        return;
    m_established = m_connection->established();
    m_connection->setEncrypted(m_sslErrors, m_pool, m_poolKey);
    Q_EMIT encrypted();
    if (!hasEnded()) // not aborted by a slot
        sendRequest();
}

bool Http1Reply::acceptsKeptAliveTrust()
{
    m_established = m_connection->established();
    const QList<QSslError> errors = m_connection->ignoredErrors();
    // Nothing to ignore, or ignored already (a redirect on the connection).
    if (errors.isEmpty() || ignores(errors))
        return true;
    m_sslErrors = errors;
    Q_EMIT sslErrors(errors);
    if (hasEnded())
        return false;
    if (ignores(errors))
        return true;
    // Still good for the requests that trust it; this one fails as the
    // handshake of a new connection would, with the same errors.
    releaseSocket(true);
    finishWithError(SslHandshakeFailedError, handshakeFailed(errors.constFirst().errorString()));
    return false;
}

bool Http1Reply::ignores(const QList<QSslError> &errors) const
{
    if (m_ignoreAllSslErrors)
        return true;
    return std::all_of(errors.cbegin(), errors.cend(), [this](const QSslError &error) {
        return m_ignoredSslErrors.contains(error);
    });
}

void Http1Reply::ignoreSslErrors()
{
    m_ignoreAllSslErrors = true;
}

void Http1Reply::ignoreSslErrorsImplementation(const QList<QSslError> &errors)
{
    // Applied to the socket once the slot that says so has returned (see
    // onSslErrors()), or to the next handshake.
    m_ignoredSslErrors = errors;
}

void Http1Reply::sslConfigurationImplementation(QSslConfiguration &configuration) const
{
    // The one asked for: QSslConfiguration has no public setter for what
    // a handshake established (see peerInfo()).
    configuration = m_sslConfiguration.value_or(QSslConfiguration());
}

TlsPeerInfo Http1Reply::peerInfo() const
{
    // During the handshake (a slot of sslErrors()) the connection's; after
    // it what this reply's connection established.
    std::shared_ptr<const Internal::TlsPeer> peer = m_established;
    if (!peer && m_connection)
        peer = m_connection->established();
    return peer ? peer->info() : TlsPeerInfo();
}

void Http1Reply::setSslConfigurationImplementation(const QSslConfiguration &configuration)
{
    // As Qt's client: for the connection not made yet.
    if (m_tls)
        m_sslConfiguration = configuration;
}

void Http1Reply::sendRequest()
{
    m_phase = Phase::Sending;
    const QUrl target = url();
    QByteArray path =
        target.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!path.startsWith('/'))
        path.prepend('/');
    QByteArray host = target.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']'; // an IPv6 address
    if (target.port() != -1 && target.port() != defaultPort(target))
        host += ':' + QByteArray::number(target.port());

    // Appended piece by piece into one buffer: `a + b + c` would make a
    // QByteArray for every `+` (no QStringBuilder here).
    QByteArray message;
    message.reserve(256 + path.size() + m_body.size());
    const auto add = [&message](std::initializer_list<QByteArrayView> pieces) {
        for (QByteArrayView piece : pieces)
            message.append(piece);
    };
    add({m_method, " ", path, " HTTP/1.1\r\nHost: ", host, "\r\n"});
    const QNetworkRequest &original = request();
    bool userAgent = false;
    for (const QByteArray &name : original.rawHeaderList()) {
        if (isOwnField(name))
            continue;
        userAgent = userAgent || sameName(name, "User-Agent");
        add({name, ": ", original.rawHeader(name), "\r\n"});
    }
    for (const auto &[name, value] : std::as_const(m_extraHeaders))
        add({name, ": ", value, "\r\n"});
    if (!userAgent)
        add({"User-Agent: Longwatch\r\n"});
    // As Qt's client: gzip and deflate are asked for and undone here, unless
    // the request names codings of its own (its body is then left as it came).
    m_askedForCodings = !original.hasRawHeader("Accept-Encoding");
    if (m_askedForCodings)
        add({"Accept-Encoding: gzip, deflate\r\n"});
    if (!m_body.isEmpty() || m_method == "POST" || m_method == "PUT" || m_method == "PATCH")
        add({"Content-Length: ", QByteArray::number(m_body.size()), "\r\n"});
    add({"\r\n", m_body});
    m_connection->write(message);
    onBytesWritten();
}

void Http1Reply::onReadyRead()
{
    if (!m_socket)
        return;
    if (m_input.isEmpty())
        m_input = m_connection->readAll();
    else
        m_input += m_connection->readAll();
    process();
}

void Http1Reply::process()
{
    while (!hasEnded()) {
        if (m_decoder) {
            // A coded body: parsed into m_encoded, decoded from there.
            const Http1Parser::Step step = m_parser.parse(m_input, m_encoded);
            if (!decodeBody())
                return;
            if (step == Http1Parser::Step::Done)
                onComplete();
            else if (step == Http1Parser::Step::Failed)
                finishWithError(ProtocolFailure, m_parser.errorString());
            return; // NeedMore (Headers came before the decoder)
        }
        const qsizetype before = m_buffer.size();
        const Http1Parser::Step step = m_parser.parse(m_input, m_buffer);
        const bool following = m_parser.headersComplete() && isRedirect(m_parser.statusCode()) &&
                               attribute(QNetworkRequest::RedirectionTargetAttribute).isValid();
        if (m_buffer.size() > before) {
            m_received += m_buffer.size() - before;
            if (following) {
                m_buffer.truncate(m_readPos); // a redirect's body is nobody's
            } else {
                Q_EMIT readyRead();
                if (hasEnded())
                    return;
                Q_EMIT downloadProgress(m_received, m_parser.contentLength());
            }
        }
        switch (step) {
        case Http1Parser::Step::NeedMore:
            return;
        case Http1Parser::Step::Headers:
            onHeaders();
            continue;
        case Http1Parser::Step::Done:
            onComplete();
            return;
        case Http1Parser::Step::Failed:
            finishWithError(ProtocolFailure, m_parser.errorString());
            return;
        }
    }
}

void Http1Reply::onHeaders()
{
    const int status = m_parser.statusCode();
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, m_parser.reasonPhrase());
    setAttribute(QNetworkRequest::Http2WasUsedAttribute, false);
    setAttribute(QNetworkRequest::RedirectionTargetAttribute, {});
    // Repeated fields become one, as Qt gives them (RFC 9110 section 5.3):
    // joined by ", ", Set-Cookie by newlines.
    QList<RawHeaderPair> fields;
    fields.reserve(m_parser.headers().size());
    std::optional<ContentDecoder::Coding> coding;
    for (const auto &[name, value] : m_parser.headers()) {
        auto same = std::find_if(fields.begin(), fields.end(), [&wanted = name](const auto &field) {
            return sameName(field.first, wanted);
        });
        if (same == fields.end())
            fields.append({name, value});
        else
            same->second += (sameName(name, "Set-Cookie") ? "\n" : ", ") + value;
    }
    // A body coded as we asked is handed on decoded (a list of codings, or
    // one we did not ask for, is left as it came, as Qt's client does).
    if (m_askedForCodings && status != 204 && status != 304 && m_method != "HEAD") {
        for (const auto &[name, value] : std::as_const(fields)) {
            if (sameName(name, "Content-Encoding"))
                coding = ContentDecoder::codingFor(value);
        }
    }
    // Like Qt's client: a decoded body's Content-Length would be the
    // coded length, so it goes; Content-Encoding stays.
    if (coding) {
        fields.removeIf(
            [](const RawHeaderPair &field) { return sameName(field.first, "Content-Length"); });
    }
    if (!m_headersApart) {
        for (const auto &[name, value] : std::as_const(fields))
            setRawHeader(name, value);
    }
    if (m_fields.isEmpty()) {
        m_fields = std::move(fields);
    } else {
        // After a redirect, as setRawHeader() leaves them: a field named
        // again replaces the earlier one at the end, the others stay.
        for (RawHeaderPair &field : fields) {
            m_fields.removeIf([&name = field.first](const RawHeaderPair &earlier) {
                return sameName(earlier.first, name);
            });
            m_fields.append(std::move(field));
        }
    }

    const QNetworkRequest &original = request();
    if (m_manager && original.attribute(QNetworkRequest::CookieSaveControlAttribute).toInt() !=
                         QNetworkRequest::Manual) {
        QByteArray cookies;
        if (!m_headersApart) {
            cookies = rawHeader("Set-Cookie");
        } else {
            for (const auto &[name, value] : std::as_const(m_fields)) {
                if (sameName(name, "Set-Cookie"))
                    cookies = value;
            }
        }
        if (!cookies.isEmpty())
            m_manager->cookieJar()->setCookiesFromUrl(QNetworkCookie::parseCookies(cookies), url());
    }

    const QVariant policy = original.attribute(QNetworkRequest::RedirectPolicyAttribute);
    const bool manual =
        (policy.isValid() ? policy.toInt()
                          : (m_manager ? int(m_manager->redirectPolicy())
                                       : int(QNetworkRequest::ManualRedirectPolicy))) ==
        QNetworkRequest::ManualRedirectPolicy;
    const QByteArray location = m_parser.header("Location");
    if (isRedirect(status) && !location.isEmpty() && !manual) {
        const QUrl target = url().resolved(QUrl::fromEncoded(location));
        if (!sameOrigin(url(), target)) {
            // NetworkAccessManager takes only same-origin and manual policies.
            finishWithError(InsecureRedirectError, tr("Insecure redirect"));
            return;
        }
        if (m_redirects >= original.maximumRedirectsAllowed()) {
            finishWithError(TooManyRedirectsError, tr("Too many redirects"));
            return;
        }
        // Followed once this response is complete (see process()).
        setAttribute(QNetworkRequest::RedirectionTargetAttribute, target);
        return;
    }
    if (coding)
        m_decoder = std::make_unique<ContentDecoder>(*coding);
    Q_EMIT metaDataChanged();
}

void Http1Reply::onComplete()
{
    const QVariant redirect = attribute(QNetworkRequest::RedirectionTargetAttribute);
    releaseSocket(m_parser.keepAlive() && m_input.isEmpty());
    if (redirect.isValid() && isRedirect(m_parser.statusCode())) {
        followRedirect();
        return;
    }
    if (!m_decoder) {
        finishResponse();
        return;
    }
    // A paused decoder has the rest still to make; resumeDecoding() ends
    // the response once the reader has read it.
    if (m_phase != Phase::DecodePaused)
        finishCodedResponse();
}

void Http1Reply::finishCodedResponse()
{
    if (!m_decoder->atEnd()) {
        finishWithError(UnknownContentError,
                        tr("Decompression failed: the compressed data is cut short"));
        return;
    }
    finishResponse();
}

void Http1Reply::finishResponse()
{
    const int status = m_parser.statusCode();
    if (const NetworkError code = errorForStatus(status); code != NoError) {
        // Qt's sentence, with the server only: a path or query may hold a token.
        setError(code, tr("Error transferring from %1:%2 - server replied: %3")
                           .arg(m_host)
                           .arg(m_port)
                           .arg(QString::fromLatin1(m_parser.reasonPhrase())));
        Q_EMIT errorOccurred(code);
        if (hasEnded())
            return;
    }
    finishNow();
}

bool Http1Reply::decodeBody()
{
    while (!hasEnded()) {
        // The reader's read buffer size bounds what waits decoded for it:
        // a small body that inflates to gigabytes is never held whole.
        const qint64 limit = readBufferSize();
        const qsizetype unread = m_buffer.size() - m_readPos;
        if (limit > 0 && unread >= limit) {
            m_phase = Phase::DecodePaused;
            return true;
        }
        const qsizetype piece =
            limit > 0 ? std::min(kDecodePiece, qsizetype(limit) - unread) : kDecodePiece;
        const qsizetype before = m_buffer.size();
        const ContentDecoder::Status status = m_decoder->decode(m_encoded, m_buffer, piece);
        if (status == ContentDecoder::Status::Failed) {
            // Qt's client's code and words for the same failure.
            finishWithError(UnknownContentError,
                            tr("Decompression failed: %1").arg(m_decoder->errorString()));
            return false;
        }
        if (m_buffer.size() > before) {
            m_received += m_buffer.size() - before;
            Q_EMIT readyRead();
            if (hasEnded())
                return false;
            Q_EMIT downloadProgress(m_received, -1); // the decoded size is known at the end
        }
        if (status != ContentDecoder::Status::Full)
            break;
    }
    if (m_phase == Phase::DecodePaused)
        m_phase = Phase::Receiving;
    return !hasEnded();
}

void Http1Reply::queueResume()
{
    if (m_phase == Phase::DecodePaused && !m_resumeQueued) {
        m_resumeQueued = true;
        QMetaObject::invokeMethod(this, &Http1Reply::resumeDecoding, Qt::QueuedConnection);
    }
}

void Http1Reply::resumeDecoding()
{
    m_resumeQueued = false;
    if (m_phase != Phase::DecodePaused || !m_decoder)
        return;
    // The response was complete while decoding waited (see onComplete()).
    if (decodeBody() && m_phase != Phase::DecodePaused && m_parser.isDone())
        finishCodedResponse();
}

void Http1Reply::followRedirect()
{
    const QUrl target = attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    const int status = m_parser.statusCode();
    ++m_redirects;
    // RFC 9110 section 15.4: 303 turns the request into a GET; so do 301
    // and 302 after a POST, as browsers and Qt do.
    if ((status == 303 && m_method != "HEAD") ||
        ((status == 301 || status == 302) && m_method == "POST")) {
        m_method = "GET";
        m_body.clear();
        setOperation(QNetworkAccessManager::GetOperation);
    }
    setUrl(target);
    m_retried = false;
    Q_EMIT redirected(target);
    if (!hasEnded()) // not aborted by a slot
        start();
}

void Http1Reply::onSocketError()
{
    if (!m_socket || hasEnded())
        return;
    // Whatever came with the close comes first.
    if (m_connection->bytesAvailable() > 0) {
        m_input += m_connection->readAll();
        process();
        if (hasEnded() || !m_socket)
            return;
    }
    const QAbstractSocket::SocketError socketError = m_connection->error();
    const QString socketMessage = m_connection->errorString();
    const bool closed = socketError == QAbstractSocket::RemoteHostClosedError ||
                        m_socket->state() == QAbstractSocket::UnconnectedState;
    // A kept-alive connection that the server had closed (or closes as the
    // request arrives) fails before any byte of an answer: the request is
    // sent once more on a new connection, as every HTTP client does (RFC
    // 9112 section 9.3.1); a long poll only asks, so a second try is safe.
    // Not when the kernel gave the connection up (keep-alive probes or
    // data unanswered, deadconnection.h): its path died, and a new
    // connection would only wait for its connect timeout before saying so.
    if (m_reusedSocket && !m_parser.started() && !m_retried &&
        socketError != QAbstractSocket::SocketTimeoutError) {
        m_retried = true;
        releaseSocket(false);
        start();
        return;
    }
    if (socketError == QAbstractSocket::SslHandshakeFailedError) {
        // Qt's client's code and words (the socket's are the reason).
        finishWithError(SslHandshakeFailedError, handshakeFailed(socketMessage));
        return;
    }
    if (closed && socketError != QAbstractSocket::ConnectionRefusedError &&
        socketError != QAbstractSocket::HostNotFoundError) {
        if (m_parser.closed() == Http1Parser::Step::Done) {
            onComplete();
            return;
        }
        finishWithError(RemoteHostClosedError,
                        m_parser.started() ? m_parser.errorString() : tr("Connection closed"));
        return;
    }
    finishWithError(errorForSocket(socketError), socketMessage);
}

void Http1Reply::releaseSocket(bool reusable)
{
    Http1Connection *connection = std::exchange(m_connection, nullptr);
    QTcpSocket *socket = std::exchange(m_socket, nullptr);
    if (!connection)
        return;
    qCDebug(lcNetworkVerbose).noquote()
        << "connection to" << m_host << m_port << (reusable ? "kept alive" : "closed");
    connection->setReply(nullptr); // its socket's signals stop here
    // A handshake that did not finish: what the server showed stays to be
    // seen in sslConfiguration() (the certificate it was refused for).
    if (m_tls && !m_established)
        m_established = connection->established();
    if (reusable && m_pool && socket->state() == QAbstractSocket::ConnectedState) {
        m_pool->put(m_poolKey, connection);
        return;
    }
    socket->abort();
    connection->deleteLater(); // we may be in one of its socket's signals
}

void Http1Reply::finishWithError(NetworkError code, const QString &message)
{
    if (hasEnded())
        return;
    releaseSocket(false);
    setError(code, message);
    Q_EMIT errorOccurred(code);
    finishNow();
}

void Http1Reply::finishNow()
{
    if (hasEnded())
        return;
    m_phase = Phase::Finished;
    setFinished(true);
    Q_EMIT finished();
}

void Http1Reply::abort()
{
    if (hasEnded())
        return;
    releaseSocket(false);
    QNetworkReply::close();
    setError(OperationCanceledError, tr("Operation canceled"));
    Q_EMIT errorOccurred(OperationCanceledError);
    finishNow();
}

void Http1Reply::close()
{
    if (!hasEnded()) {
        releaseSocket(false);
        finishNow();
    }
    QNetworkReply::close();
}

void Http1Reply::setReadBufferSize(qint64 size)
{
    QNetworkReply::setReadBufferSize(size);
    if (m_socket)
        m_socket->setReadBufferSize(size);
}

qint64 Http1Reply::bytesAvailable() const
{
    return m_buffer.size() - m_readPos + QNetworkReply::bytesAvailable();
}

QByteArray Http1Reply::takeAll()
{
    // Anything QIODevice keeps track of itself (a peek, a transaction, a
    // closed device) is readAll()'s to get right.
    if (!isReadable() || isTransactionStarted() || m_readPos != 0 ||
        QNetworkReply::bytesAvailable() > 0)
        return readAll();
    queueResume();
    return std::exchange(m_buffer, {});
}

qint64 Http1Reply::readData(char *data, qint64 maxSize)
{
    const qint64 available = m_buffer.size() - m_readPos;
    if (available == 0)
        return hasEnded() ? -1 : 0;
    const qint64 count = std::min(maxSize, available);
    memcpy(data, m_buffer.constData() + m_readPos, size_t(count));
    m_readPos += count;
    if (m_readPos == m_buffer.size()) {
        m_buffer.clear();
        m_readPos = 0;
    }
    queueResume();
    return count;
}

} // namespace Longwatch
