#include "networkaccessmanager.h"

#include "http1connection_p.h"
#include "http1reply.h"

#include <QHostAddress>
#include <QMetaMethod>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkProxy>

namespace Longwatch {

namespace {

/// A method is a token (RFC 9110 section 9.1); anything else goes to Qt,
/// which refuses it there.
bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

bool hasLineBreak(QByteArrayView text)
{
    return text.contains('\r') || text.contains('\n') || text.contains('\0');
}

/// Whether `headers` can be written beside `request` instead of being set
/// on it (see NetworkAccessManager::send()): tokens with values, each once,
/// none the request has, none the client reads from the request itself.
bool canKeepApart(const QNetworkRequest &request, const NetworkAccessManager::RawHeaders &headers)
{
    for (qsizetype i = 0; i < headers.size(); ++i) {
        const auto &[name, value] = headers.at(i);
        if (!isToken(name) || value.isEmpty() || hasLineBreak(value) || request.hasRawHeader(name))
            return false;
        for (QByteArrayView read :
             {QByteArrayView("Cookie"), QByteArrayView("Accept-Encoding"),
              QByteArrayView("User-Agent"), QByteArrayView("Host"),
              QByteArrayView("Content-Length"), QByteArrayView("Content-Type"),
              QByteArrayView("Connection"), QByteArrayView("Transfer-Encoding"),
              QByteArrayView("Keep-Alive"), QByteArrayView("Upgrade")}) {
            if (name.size() == read.size() && read.compare(name, Qt::CaseInsensitive) == 0)
                return false;
        }
        for (qsizetype j = 0; j < i; ++j) {
            if (headers.at(j).first.compare(name, Qt::CaseInsensitive) == 0)
                return false;
        }
    }
    return true;
}

/// `request` with `headers` set on it.
QNetworkRequest withHeaders(QNetworkRequest request,
                            const NetworkAccessManager::RawHeaders &headers)
{
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    return request;
}

/// The field Qt parses for `header`.
QByteArrayView knownHeaderName(QNetworkRequest::KnownHeaders header)
{
    switch (header) {
    case QNetworkRequest::ContentTypeHeader:
        return "Content-Type";
    case QNetworkRequest::ContentLengthHeader:
        return "Content-Length";
    case QNetworkRequest::LocationHeader:
        return "Location";
    case QNetworkRequest::LastModifiedHeader:
        return "Last-Modified";
    case QNetworkRequest::CookieHeader:
        return "Cookie";
    case QNetworkRequest::SetCookieHeader:
        return "Set-Cookie";
    case QNetworkRequest::ContentDispositionHeader:
        return "Content-Disposition";
    case QNetworkRequest::UserAgentHeader:
        return "User-Agent";
    case QNetworkRequest::ServerHeader:
        return "Server";
    case QNetworkRequest::IfModifiedSinceHeader:
        return "If-Modified-Since";
    case QNetworkRequest::ETagHeader:
        return "ETag";
    case QNetworkRequest::IfMatchHeader:
        return "If-Match";
    case QNetworkRequest::IfNoneMatchHeader:
        return "If-None-Match";
    }
    return {};
}

QByteArray methodOf(QNetworkAccessManager::Operation operation, const QNetworkRequest &request)
{
    switch (operation) {
    case QNetworkAccessManager::GetOperation:
        return QByteArrayLiteral("GET");
    case QNetworkAccessManager::PostOperation:
        return QByteArrayLiteral("POST");
    case QNetworkAccessManager::PutOperation:
        return QByteArrayLiteral("PUT");
    case QNetworkAccessManager::DeleteOperation:
        return QByteArrayLiteral("DELETE");
    case QNetworkAccessManager::HeadOperation:
        return QByteArrayLiteral("HEAD");
    case QNetworkAccessManager::CustomOperation:
        return request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
    case QNetworkAccessManager::UnknownOperation:
        break;
    }
    return {};
}

} // namespace

NetworkAccessManager::NetworkAccessManager(QObject *parent)
    : QNetworkAccessManager(parent)
    , m_pool(new Internal::Http1ConnectionPool(this))
    , m_ownClient(qEnvironmentVariable("LONGWATCH_HTTP_CLIENT") != QLatin1String("qt"))
{}

NetworkAccessManager::~NetworkAccessManager() = default;

void NetworkAccessManager::shareTlsContexts(std::shared_ptr<Internal::TlsContextCache> cache)
{
    m_pool->setTlsContextCache(std::move(cache));
}

int NetworkAccessManager::idleConnectionCount() const
{
    return m_pool->idleCount();
}

void NetworkAccessManager::clearConnectionCache()
{
    QNetworkAccessManager::clearConnectionCache();
    m_pool->clear();
}

bool NetworkAccessManager::usesOwnClient(const QNetworkRequest &request, Operation operation) const
{
    if (!m_ownClient)
        return false;
    const QUrl url = request.url();
    const bool https = url.scheme() == QLatin1String("https");
    if ((!https && url.scheme() != QLatin1String("http")) || url.host().isEmpty() ||
        !url.userInfo().isEmpty())
        return false;
    // HTTP/2 is Qt's: a request that allows it (it is not allowed unless
    // asked for) goes there. Over TLS Longwatch's client offers HTTP/1.1 only.
    if (https && request.attribute(QNetworkRequest::Http2AllowedAttribute).toBool())
        return false;
    if (!isToken(methodOf(operation, request)))
        return false;
    // Qt's own: HTTP/2 cleartext, timeouts, caches, HSTS (which may turn
    // http into https), and answering a server's request for credentials.
    if (request.attribute(QNetworkRequest::Http2DirectAttribute).toBool() ||
        request.attribute(QNetworkRequest::Http2CleartextAllowedAttribute).toBool())
        return false;
    if (request.transferTimeout() != 0 || transferTimeout() != 0 || cache() ||
        isStrictTransportSecurityEnabled())
        return false;
    if (isSignalConnected(QMetaMethod::fromSignal(&QNetworkAccessManager::authenticationRequired)))
        return false;
    const QVariant policy = request.attribute(QNetworkRequest::RedirectPolicyAttribute);
    const int redirects = policy.isValid() ? policy.toInt() : int(redirectPolicy());
    if (redirects != QNetworkRequest::ManualRedirectPolicy &&
        redirects != QNetworkRequest::SameOriginRedirectPolicy)
        return false;
    for (const QByteArray &name : request.rawHeaderList()) {
        if (hasLineBreak(name) || hasLineBreak(request.rawHeader(name)))
            return false;
    }
    // Straight to the server only: a proxy is Qt's.
    const QNetworkProxy managerProxy = proxy();
    if (managerProxy.type() == QNetworkProxy::NoProxy)
        return true;
    if (managerProxy.type() != QNetworkProxy::DefaultProxy)
        return false;
    // Qt asks for no proxy for a loopback host, whatever the application's
    // or the system's settings ("localhost", "localhost.*", a loopback
    // address: QGlobalNetworkProxy::proxyForQuery()). That depends on the
    // host alone, so it is worked out once per host, not per request.
    if (!proxyFactory()) {
        const QString host = url.host();
        if (host != m_checkedHost) {
            m_checkedHost = host;
            m_checkedHostIsLoopback = host == QLatin1String("localhost") ||
                                      host.startsWith(QLatin1String("localhost.")) ||
                                      QHostAddress(host).isLoopback();
        }
        if (m_checkedHostIsLoopback)
            return true;
    }
    const QNetworkProxyQuery query(url);
    const QList<QNetworkProxy> proxies = proxyFactory()
                                             ? proxyFactory()->queryProxy(query)
                                             : QNetworkProxyFactory::proxyForQuery(query);
    return proxies.isEmpty() || proxies.first().type() == QNetworkProxy::NoProxy;
}

QNetworkReply *NetworkAccessManager::send(const QNetworkRequest &request, const QByteArray &verb,
                                          QIODevice *body)
{
    return send(request, verb, body, {}, ReplyHeaders::InReply);
}

QNetworkReply *NetworkAccessManager::send(const QNetworkRequest &request, const QByteArray &verb,
                                          QIODevice *body, const RawHeaders &headers,
                                          ReplyHeaders answerHeaders)
{
    if (!headers.isEmpty() && !canKeepApart(request, headers))
        return send(withHeaders(request, headers), verb, body, {}, answerHeaders);
    if (body || autoDeleteReplies() ||
        request.attribute(QNetworkRequest::AutoDeleteReplyOnFinishAttribute).toBool())
        return sendCustomRequest(withHeaders(request, headers), verb, body);
    // A GET as get() sends it: no verb attribute, so the request is not
    // copied for one.
    const Operation operation = verb == "GET" ? GetOperation : CustomOperation;
    QNetworkRequest sent = request;
    if (operation == CustomOperation)
        sent.setAttribute(QNetworkRequest::CustomVerbAttribute, verb);
    if (!usesOwnClient(sent, operation))
        return sendCustomRequest(withHeaders(request, headers), verb, body);
    QNetworkReply *reply = createOwnReply(operation, sent, {}, headers);
    static_cast<Http1Reply *>(reply)->setHeadersApart(answerHeaders == ReplyHeaders::Apart);
    // What QNetworkAccessManager's post-processing does: the reply's
    // finished(), encrypted() and sslErrors() become the manager's, at once.
    connect(
        reply, &QNetworkReply::finished, this, [this, reply] { Q_EMIT finished(reply); },
        Qt::DirectConnection);
    if (static_cast<Http1Reply *>(reply)->isTls()) {
        connect(
            reply, &QNetworkReply::encrypted, this, [this, reply] { Q_EMIT encrypted(reply); },
            Qt::DirectConnection);
        connect(
            reply, &QNetworkReply::sslErrors, this,
            [this, reply](const QList<QSslError> &errors) { Q_EMIT sslErrors(reply, errors); },
            Qt::DirectConnection);
    }
    return reply;
}

QNetworkReply *NetworkAccessManager::createRequest(Operation operation,
                                                   const QNetworkRequest &request,
                                                   QIODevice *outgoingData)
{
    // A device that may not hold all of its data yet is Qt's to stream.
    if ((outgoingData && outgoingData->isSequential()) || !usesOwnClient(request, operation))
        return QNetworkAccessManager::createRequest(operation, request, outgoingData);
    QByteArray body;
    if (outgoingData) {
        if (!outgoingData->isOpen() && !outgoingData->open(QIODevice::ReadOnly))
            return QNetworkAccessManager::createRequest(operation, request, outgoingData);
        body = outgoingData->readAll();
    }
    return createOwnReply(operation, request, std::move(body));
}

QNetworkReply *NetworkAccessManager::createOwnReply(Operation operation,
                                                    const QNetworkRequest &request, QByteArray body,
                                                    RawHeaders extraHeaders)
{
    QNetworkRequest sent = request;
    // As QNetworkAccessManager::createRequest() does: the manager's
    // post-processing deletes the reply after finished() if the request
    // says so.
    if (autoDeleteReplies() &&
        request.attribute(QNetworkRequest::AutoDeleteReplyOnFinishAttribute).isNull())
        sent.setAttribute(QNetworkRequest::AutoDeleteReplyOnFinishAttribute, true);
    // Cookies from the manager's jar, as Qt's client sends them.
    if (!request.hasRawHeader("Cookie") &&
        request.attribute(QNetworkRequest::CookieLoadControlAttribute).toInt() !=
            QNetworkRequest::Manual) {
        const QList<QNetworkCookie> cookies = cookieJar()->cookiesForUrl(request.url());
        if (!cookies.isEmpty())
            sent.setHeader(QNetworkRequest::CookieHeader, QVariant::fromValue(cookies));
    }
    return new Http1Reply(this, m_pool, operation, sent, methodOf(operation, request),
                          std::move(body), std::move(extraHeaders));
}

QByteArray readAllOf(QNetworkReply *reply)
{
    if (auto *own = qobject_cast<Http1Reply *>(reply))
        return own->takeAll();
    return reply->readAll();
}

bool mayUseTls(const QNetworkReply *reply)
{
    const auto *own = qobject_cast<const Http1Reply *>(reply);
    return !own || own->isTls();
}

TlsPeerInfo tlsPeerInfo(const QNetworkReply *reply)
{
    if (const auto *own = qobject_cast<const Http1Reply *>(reply))
        return own->peerInfo();
    const QSslConfiguration configuration = reply->sslConfiguration();
    return {configuration.peerCertificateChain(), configuration.sessionProtocol(),
            configuration.nextNegotiatedProtocol()};
}

const QList<QNetworkReply::RawHeaderPair> &replyHeaders(const QNetworkReply *reply)
{
    if (const auto *own = qobject_cast<const Http1Reply *>(reply))
        return own->fields();
    return reply->rawHeaderPairs();
}

QByteArray replyHeader(const QNetworkReply *reply, QByteArrayView name)
{
    for (const auto &[field, value] : replyHeaders(reply)) {
        if (field.size() == name.size() &&
            qstrnicmp(field.constData(), field.size(), name.data(), name.size()) == 0)
            return value;
    }
    return {};
}

QVariant replyHeader(const QNetworkReply *reply, QNetworkRequest::KnownHeaders header)
{
    const auto *own = qobject_cast<const Http1Reply *>(reply);
    const QByteArrayView name = knownHeaderName(header);
    if (!own || !own->headersApart() || name.isEmpty())
        return reply->header(header);
    const QByteArray value = replyHeader(reply, name);
    if (value.isNull())
        return {};
    if (header == QNetworkRequest::ContentLengthHeader) {
        // As Qt parses it, without a request for every answer.
        bool ok = false;
        const qint64 length = value.trimmed().toLongLong(&ok);
        return ok ? QVariant(length) : QVariant();
    }
    // Qt's parse of a field it knows is public for requests only: the same
    // code parses a request's fields and a reply's.
    QNetworkRequest parser;
    parser.setRawHeader(name.toByteArray(), value);
    return parser.header(header);
}

} // namespace Longwatch
