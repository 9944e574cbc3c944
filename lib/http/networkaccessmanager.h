#pragma once

#include "tlsinfo.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>

#include <memory>

namespace Longwatch {

namespace Internal {
class Http1ConnectionPool;
class TlsContextCache;
} // namespace Internal

/// A QNetworkAccessManager whose HTTP/1.1 requests, http:// and https://,
/// go through Longwatch's own client (Http1Reply) instead of Qt's HTTP
/// stack; every other request (one that allows HTTP/2, a proxy, a redirect
/// policy other than same-origin or manual, credentials in the URL, a
/// transfer timeout) is Qt's, unchanged. Qt's client offers HTTP/2 to every
/// https server by default; here an https request is Qt's only if it sets
/// Http2AllowedAttribute, and HTTP/1.1 on Longwatch's otherwise.
///
/// Over TLS the request's sslConfiguration() means what it means to Qt's
/// client (CAs, client certificate, peer verification, host name), with
/// the same sslErrors()/ignoreSslErrors() contract and error codes (see
/// Http1Reply). Kept-alive TLS connections and TLS sessions (resumed on
/// the next connection) are shared only by requests to the same server
/// with the same TLS configuration; a connection whose handshake ignored
/// errors is lent to another request only if it ignores them too, and its
/// session is never resumed.
///
/// Why: Qt 6.4 reads every status and header line of an http:// answer
/// from an unbuffered socket one byte per read() call (one system call per
/// header byte) and hands each request to a thread of its own and back.
/// For a long poll that is most of its cost in CPU and latency, far more
/// than a plain client needs on the same machine (docs/PERFORMANCE.md: "Why
/// a poll costs Qt", "Figures behind choices in the code"; bench_poller_cpu
/// and bench_latency). The replies behave like Qt's for everything the
/// Poller and the connection test use: the same signals in the same order
/// (socketStartedConnecting, requestSent, metaDataChanged, readyRead,
/// downloadProgress, redirected, errorOccurred, finished), the same error
/// codes and attributes, keep-alive connections, the manager's cookie jar,
/// same-origin redirects, gzip and deflate bodies decoded (decoded only as
/// fast as the reader reads, at most its read buffer size ahead), and
/// abort() finishing at once.
///
/// Set LONGWATCH_HTTP_CLIENT=qt in the environment to send every request
/// through Qt's stack (a diagnostic switch).
class NetworkAccessManager : public QNetworkAccessManager
{
    Q_OBJECT
public:
    explicit NetworkAccessManager(QObject *parent = nullptr);
    ~NetworkAccessManager() override;

    /// Whether requests may take Longwatch's client at all (not switched
    /// off by LONGWATCH_HTTP_CLIENT=qt or setOwnClientEnabled(false)).
    bool ownClientEnabled() const { return m_ownClient; }
    void setOwnClientEnabled(bool enabled) { m_ownClient = enabled; }
    /// Takes the TLS contexts of Longwatch's client from `cache`, shared
    /// with the other managers that use it (NetworkPool's), instead of
    /// having its own: one OpenSSL context per TLS configuration.
    void shareTlsContexts(std::shared_ptr<Internal::TlsContextCache> cache);
    /// Whether `request` (with `operation`) would go through Longwatch's client.
    bool usesOwnClient(const QNetworkRequest &request, Operation operation) const;

    /// sendCustomRequest(request, verb, body), a little cheaper for what
    /// Longwatch's client takes without a body: QNetworkAccessManager's
    /// post-processing connects four of every reply's signals by name (a
    /// tenth of a long poll's own CPU), for its finished() and its TLS
    /// signals; here finished() (and for https encrypted() and sslErrors())
    /// are passed on by member pointer. Such a reply's manager() is null, and a GET's
    /// operation() is GetOperation, as get() makes it. Anything else, and
    /// every request while autoDeleteReplies() is on, goes to
    /// sendCustomRequest().
    QNetworkReply *send(const QNetworkRequest &request, const QByteArray &verb,
                        QIODevice *body = nullptr);
    using RawHeaders = QList<std::pair<QByteArray, QByteArray>>;
    /// send() with `headers` added to `request`, the same fields on the
    /// wire, in the same order, as QNetworkRequest::setRawHeader() for each
    /// would give; for the fields that change from request to request (a
    /// cursor in a header). Where Longwatch's client takes the request, it
    /// writes them as they are, kept apart from the request: setRawHeader()
    /// parses the dates and lists of the fields Qt knows (If-Modified-Since,
    /// If-None-Match, ...) again for every request, a tenth of a long
    /// poll's own CPU through Nchan. Such a reply's request() does not show
    /// them. A field the request already has, a repeated one, one without
    /// a value, and the fields the client reads itself (Cookie,
    /// Accept-Encoding, User-Agent, framing) go into the request.
    ///
    /// With ReplyHeaders::Apart a reply of Longwatch's client keeps the
    /// answer's header fields to itself: its rawHeader(), rawHeaderPairs()
    /// and header() give nothing, replyHeaders() and replyHeader() give
    /// them (Qt parses every field it knows, dates and lists, when they are
    /// set on a QNetworkReply: a seventh of a long poll's own CPU through
    /// Nchan). A reply of Qt's client has them where Qt keeps them.
    enum class ReplyHeaders { InReply, Apart };
    QNetworkReply *send(const QNetworkRequest &request, const QByteArray &verb, QIODevice *body,
                        const RawHeaders &headers,
                        ReplyHeaders answerHeaders = ReplyHeaders::InReply);

    /// Kept-alive connections waiting for a request (for tests).
    int idleConnectionCount() const;
    /// Closes the kept-alive connections of both clients (hides
    /// QNetworkAccessManager's, which knows only Qt's).
    void clearConnectionCache();

protected:
    QNetworkReply *createRequest(Operation operation, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override;

private:
    /// An Http1Reply for `request`, which usesOwnClient() took.
    QNetworkReply *createOwnReply(Operation operation, const QNetworkRequest &request,
                                  QByteArray body, RawHeaders extraHeaders = {});

    Internal::Http1ConnectionPool *m_pool;
    bool m_ownClient = true;
    /// usesOwnClient(): the last host asked about, and whether Qt takes it
    /// for a loopback host (which no proxy is asked for).
    mutable QString m_checkedHost;
    mutable bool m_checkedHostIsLoopback = false;
};

/// reply->readAll(); a reply of Longwatch's own client hands its bytes over
/// instead of copying them (one copy of every answer's body fewer).
QByteArray readAllOf(QNetworkReply *reply);

/// Whether `reply` may emit encrypted() and sslErrors(): any of Qt's, and
/// one of Longwatch's own client for https.
bool mayUseTls(const QNetworkReply *reply);

/// What the TLS handshake of `reply` established, on either client: the
/// server's certificates (its own first), the protocol, ALPN's choice. Qt's
/// client has them in the reply's sslConfiguration(); Longwatch's own
/// client in Http1Reply::peerInfo(). Valid from a slot of sslErrors() on.
TlsPeerInfo tlsPeerInfo(const QNetworkReply *reply);

/// The answer's header fields of `reply`, of either client, as
/// rawHeaderPairs() gives them, also where NetworkAccessManager::send()
/// kept them apart (ReplyHeaders::Apart).
const QList<QNetworkReply::RawHeaderPair> &replyHeaders(const QNetworkReply *reply);
/// The value of the field `name` (any case) in replyHeaders(), as
/// rawHeader() gives it.
QByteArray replyHeader(const QNetworkReply *reply, QByteArrayView name);
/// header(`header`) of `reply`, parsed from replyHeaders() as Qt parses it.
QVariant replyHeader(const QNetworkReply *reply, QNetworkRequest::KnownHeaders header);

} // namespace Longwatch
