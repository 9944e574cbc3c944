#pragma once

#include "http1parser.h"
#include "tlsinfo.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>

#include <memory>
#include <optional>

class QTcpSocket;

namespace Longwatch {

class ContentDecoder;

namespace Internal {
class Http1Connection;
class Http1ConnectionPool;
class TlsPeer;
} // namespace Internal

/// One HTTP/1.1 request and its response on a TCP connection, or for
/// https:// on a TLS one (OpenSSL, through TlsConnection), as a QNetworkReply (see
/// NetworkAccessManager for what it does and why). Starts from the event
/// loop, so its creator can connect to its signals first.
///
/// Over TLS it behaves as Qt's client does: the request's
/// sslConfiguration() is the connection's (its CAs, client certificate and
/// peer verification; the host name is verified), sslErrors() is emitted
/// for a certificate that fails verification, and the handshake goes on
/// only if the slot ignores them all (ignoreSslErrors(), with or without a
/// list); else the reply ends with SslHandshakeFailedError. encrypted() is
/// emitted once the handshake of a new connection succeeded.
/// sslConfiguration() is the configuration asked for; what the handshake
/// established (the peer's certificate and chain, the protocol) is in
/// peerInfo() (tlsPeerInfo() gives it for a reply of either client). ALPN
/// offers http/1.1 only.
class Http1Reply final : public QNetworkReply
{
    Q_OBJECT
public:
    /// `extraHeaders` go on the wire after the request's own fields, as
    /// they are (NetworkAccessManager::send() checked them).
    Http1Reply(QNetworkAccessManager *manager, Internal::Http1ConnectionPool *pool,
               QNetworkAccessManager::Operation operation, const QNetworkRequest &request,
               QByteArray method, QByteArray body,
               QList<std::pair<QByteArray, QByteArray>> extraHeaders = {});
    ~Http1Reply() override;

    void abort() override;
    void close() override;
    /// Also how far the socket reads ahead of the parser (0: no limit).
    void setReadBufferSize(qint64 size) override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    /// What readAll() gives, handed over without a copy.
    QByteArray takeAll();
    /// Whether this reply speaks TLS (an https:// URL).
    bool isTls() const { return m_tls; }
    void ignoreSslErrors() override;
    /// What the TLS handshake established: from a slot of sslErrors() on
    /// (the certificates it is about) to the reply's end and after; empty
    /// before, and for http.
    TlsPeerInfo peerInfo() const;
    /// The answer's header fields are kept here only, not set on the
    /// QNetworkReply (rawHeader() and header() then give nothing): Qt
    /// parses the ones it knows (dates, lengths, lists) for every answer,
    /// a seventh of a long poll's own CPU through Nchan. Set before the
    /// answer arrives (NetworkAccessManager::send() with ReplyHeaders::Apart).
    void setHeadersApart(bool apart) { m_headersApart = apart; }
    bool headersApart() const { return m_headersApart; }
    /// The answer's fields as rawHeaderPairs() gives them (repeated ones
    /// folded into one), also where they are kept apart.
    const QList<RawHeaderPair> &fields() const { return m_fields; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    void sslConfigurationImplementation(QSslConfiguration &configuration) const override;
    void setSslConfigurationImplementation(const QSslConfiguration &configuration) override;
    void ignoreSslErrorsImplementation(const QList<QSslError> &errors) override;

private:
    friend class Internal::Http1Connection; // passes the socket's signals on

    void start();
    /// Carries this reply's request on `connection` from now on.
    void attach(Internal::Http1Connection *connection, bool reused);
    void sendRequest();
    void onConnected();
    void onSslErrors(const QList<QSslError> &errors);
    void onEncrypted();
    /// A kept-alive TLS connection whose handshake ignored errors is shown
    /// to this reply as those errors (sslErrors()); false if it does not
    /// ignore them all, and the reply then fails as a new handshake would.
    bool acceptsKeptAliveTrust();
    /// Whether this reply's owner ignored every one of `errors`.
    bool ignores(const QList<QSslError> &errors) const;
    void onBytesWritten();
    void onReadyRead();
    /// An error or the close of the connection (both end up here).
    void onSocketError();
    void process();
    void onHeaders();
    void onComplete();
    /// The response's status as the reply's error, if it is one; then finished().
    void finishResponse();
    /// finishResponse() for a coded body, which must have come whole.
    void finishCodedResponse();
    /// Decodes what came of a coded body into the read buffer, a piece at a
    /// time (readyRead() for each), until the reader has readBufferSize()
    /// unread; false once the reply has finished.
    bool decodeBody();
    /// Goes on decoding once the reader has read (queued from a read).
    void resumeDecoding();
    void queueResume();
    void followRedirect();
    /// Lets go of the connection: back to the pool if it can carry another
    /// request, closed and deleted if not.
    void releaseSocket(bool reusable);
    void finishWithError(NetworkError code, const QString &message);
    void finishNow();

    /// Where this attempt is. Only this class cares: the public state is
    /// QNetworkReply's (isRunning(), isFinished(), the signals).
    enum class Phase {
        Connecting,   ///< a new connection is being made (or start() is queued)
        Sending,      ///< the request is being written; requestSent() not yet emitted
        Receiving,    ///< the request is out; the response is being read
        DecodePaused, ///< a coded body waits until the reader has read (readBufferSize())
        Finished,     ///< finished() was emitted: nothing more happens
    };
    bool hasEnded() const { return m_phase == Phase::Finished; }

    QPointer<QNetworkAccessManager> m_manager;
    QPointer<Internal::Http1ConnectionPool> m_pool;
    QByteArray m_method;
    QByteArray m_body;
    QList<std::pair<QByteArray, QByteArray>> m_extraHeaders; ///< written after the request's
    QString m_host;
    quint16 m_port = 80;
    QString m_poolKey;  ///< Http1ConnectionPool::key() (or tlsKey()) of m_host and m_port
    bool m_tls = false; ///< https
    /// The TLS configuration asked for (the request's, or
    /// setSslConfiguration()'s); https only. Optional because a default
    /// QSslConfiguration is not cheap (Qt builds its default
    /// Diffie-Hellman parameters for each): over plain http it was a
    /// fifth of a poll's instructions (PERFORMANCE.md, "The real path per
    /// event").
    std::optional<QSslConfiguration> m_sslConfiguration;
    int m_tlsId = 0; ///< the pool's number for m_sslConfiguration (tlsKey())
    std::shared_ptr<const Internal::TlsPeer> m_established;
    QList<QSslError> m_sslErrors; ///< reported by this attempt's handshake
    QList<QSslError> m_ignoredSslErrors;
    bool m_ignoreAllSslErrors = false;
    Internal::Http1Connection *m_connection = nullptr;
    QTcpSocket *m_socket = nullptr; ///< m_connection's
    Phase m_phase = Phase::Connecting;
    bool m_reusedSocket = false; ///< this attempt's connection was kept alive from another
    bool m_retried = false;      ///< already tried once more after a kept-alive connection failed
    int m_redirects = 0;
    Http1Parser m_parser;
    QByteArray m_input;      ///< read from the socket, not yet parsed
    QByteArray m_buffer;     ///< body bytes not yet read by the user
    qsizetype m_readPos = 0; ///< into m_buffer
    qint64 m_received = 0;
    /// Accept-Encoding was ours (the request named none): a gzip or deflate
    /// body is then undone here, as Qt's client does.
    bool m_askedForCodings = false;
    bool m_headersApart = false;               ///< setHeadersApart()
    QList<RawHeaderPair> m_fields;             ///< fields()
    std::unique_ptr<ContentDecoder> m_decoder; ///< for this response's coded body
    QByteArray m_encoded;                      ///< coded body bytes not yet decoded
    bool m_resumeQueued = false;               ///< resumeDecoding() is queued
};

} // namespace Longwatch
