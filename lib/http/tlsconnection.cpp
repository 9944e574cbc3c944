#include "tlsconnection_p.h"

#include "logging.h"

#include <QDateTime>
#include <QHostAddress>
#include <QNetworkProxy>
#include <QPointer>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <malloc.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <vector>

namespace Longwatch::Internal {

namespace {

// --- OpenSSL's objects, owned ---------------------------------------------

struct SslCtxFree
{
    void operator()(SSL_CTX *context) const { SSL_CTX_free(context); }
};
struct SslFree
{
    void operator()(SSL *ssl) const { SSL_free(ssl); }
};
struct X509Free
{
    void operator()(X509 *certificate) const { X509_free(certificate); }
};
struct BioFree
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct PkeyFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct SessionFree
{
    void operator()(SSL_SESSION *session) const { SSL_SESSION_free(session); }
};
struct BioMethodFree
{
    void operator()(BIO_METHOD *method) const { BIO_meth_free(method); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::atomic<int> s_liveContexts{0};
std::atomic<int> s_handshakes{0};         ///< under way, in this process
std::atomic<bool> s_trimScheduled{false}; ///< trimHeapSoon() waits

// How long after the last handshake of a burst the heap is trimmed.
constexpr std::chrono::seconds kTrimDelay{5};

/// After a burst of handshakes (a thousand channels starting at once),
/// hands back to the system the heap pages that the handshakes' short-lived
/// allocations (records, certificate messages, key shares, verification)
/// left free between the connections' long-lived ones: glibc returns only
/// the top of the heap by itself. Once the burst is over, at most once per
/// kTrimDelay: 22 KiB an idle channel of 1,000 in bench_tls.
void handshakeEnded()
{
    if (--s_handshakes > 0 || s_trimScheduled.exchange(true))
        return;
    QTimer::singleShot(kTrimDelay, [] {
        s_trimScheduled = false;
        if (s_handshakes == 0)
            malloc_trim(0);
    });
}

/// OpenSSL's queued errors, as Qt's OpenSSL backend words them
/// ("error:0A000086:SSL routines::certificate verify failed, ..."); clears
/// the queue.
QString openSslErrors()
{
    QString text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256] = {};
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!text.isEmpty())
            text += QLatin1String(", ");
        text += QLatin1String(buffer);
    }
    return text;
}

X509Ptr toX509(const QSslCertificate &certificate)
{
    const QByteArray der = certificate.toDer();
    const auto *data = reinterpret_cast<const unsigned char *>(der.constData());
    return X509Ptr(d2i_X509(nullptr, &data, long(der.size())));
}

QSslCertificate toCertificate(X509 *certificate)
{
    const int size = i2d_X509(certificate, nullptr);
    if (size <= 0)
        return QSslCertificate();
    QByteArray der(size, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    i2d_X509(certificate, &out);
    return QSslCertificate(der, QSsl::Der);
}

/// Qt's code for an OpenSSL verification error, as Qt's OpenSSL backend
/// maps them (QSslError's documentation names the same), plus the host
/// name check, which OpenSSL makes here (SSL_set1_host) and Qt makes itself.
QSslError::SslError sslErrorFor(int code)
{
    switch (code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        return QSslError::UnableToGetIssuerCertificate;
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
        return QSslError::UnableToDecryptCertificateSignature;
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        return QSslError::UnableToDecodeIssuerPublicKey;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return QSslError::CertificateSignatureFailed;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return QSslError::CertificateNotYetValid;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return QSslError::CertificateExpired;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
        return QSslError::InvalidNotBeforeField;
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        return QSslError::InvalidNotAfterField;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return QSslError::SelfSignedCertificate;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        return QSslError::SelfSignedCertificateInChain;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        return QSslError::UnableToGetLocalIssuerCertificate;
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return QSslError::UnableToVerifyFirstCertificate;
    case X509_V_ERR_CERT_REVOKED:
        return QSslError::CertificateRevoked;
    case X509_V_ERR_INVALID_CA:
        return QSslError::InvalidCaCertificate;
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        return QSslError::PathLengthExceeded;
    case X509_V_ERR_INVALID_PURPOSE:
        return QSslError::InvalidPurpose;
    case X509_V_ERR_CERT_UNTRUSTED:
        return QSslError::CertificateUntrusted;
    case X509_V_ERR_CERT_REJECTED:
        return QSslError::CertificateRejected;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return QSslError::HostNameMismatch;
    default:
        return QSslError::UnspecifiedError;
    }
}

bool isHostNameError(int code)
{
    return code == X509_V_ERR_HOSTNAME_MISMATCH || code == X509_V_ERR_IP_ADDRESS_MISMATCH;
}

/// Whether `configuration` trusts the system's CAs as Qt's default does
/// (looked up on demand in the system's directory): its CA list is the
/// default configuration's, not one set for it (QSslConfiguration has no
/// public getter for "on demand"; a list set explicitly is used alone, as
/// Qt does).
bool trustsSystemCas(const QSslConfiguration &configuration)
{
    const QList<QSslCertificate> defaults =
        QSslConfiguration::defaultConfiguration().caCertificates();
    const QList<QSslCertificate> cas = configuration.caCertificates();
    return cas.constData() == defaults.constData() || cas == defaults;
}

// --- The BIO: records straight from and to the QTcpSocket -----------------

QTcpSocket *socketOf(BIO *bio)
{
    return static_cast<QTcpSocket *>(BIO_get_data(bio));
}

int bioWrite(BIO *bio, const char *data, int size)
{
    BIO_clear_retry_flags(bio);
    QTcpSocket *socket = socketOf(bio);
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return -1;
    // Straight to the kernel while nothing waits before it: QTcpSocket
    // would copy even a small write into a 16 KiB buffer of its own and keep
    // that buffer for the connection's life. What the kernel does not take
    // goes through the socket's buffer (sent as the event loop goes on).
    qint64 sent = 0;
    if (socket->bytesToWrite() == 0) {
        const ssize_t direct = ::send(int(socket->socketDescriptor()), data, size_t(size),
                                      MSG_NOSIGNAL | MSG_DONTWAIT);
        if (direct > 0)
            sent = direct;
    }
    if (sent == size)
        return size;
    const qint64 buffered = socket->write(data + sent, size - sent);
    return buffered < 0 ? (sent > 0 ? int(sent) : -1) : int(sent + buffered);
}

int bioRead(BIO *bio, char *data, int size)
{
    BIO_clear_retry_flags(bio);
    QTcpSocket *socket = socketOf(bio);
    const qint64 read = socket && socket->isReadable() ? socket->read(data, size) : 0;
    if (read <= 0) {
        // Never an end of file: the socket's disconnected() says that, once
        // what it had is decrypted (TlsConnection::onSocketGone()).
        BIO_set_retry_read(bio);
        return -1;
    }
    return int(read);
}

long bioControl(BIO *, int command, long, void *)
{
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bioCreate(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

BIO_METHOD *socketBioMethod()
{
    static const std::unique_ptr<BIO_METHOD, BioMethodFree> method = [] {
        BIO_METHOD *made =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "Longwatch QTcpSocket");
        if (made) {
            BIO_meth_set_write(made, bioWrite);
            BIO_meth_set_read(made, bioRead);
            BIO_meth_set_ctrl(made, bioControl);
            BIO_meth_set_create(made, bioCreate);
        }
        return std::unique_ptr<BIO_METHOD, BioMethodFree>(made);
    }();
    return method.get();
}

// --- Callbacks from OpenSSL into the connection ----------------------------

TlsConnection *connectionOf(const SSL *ssl)
{
    return static_cast<TlsConnection *>(SSL_get_ex_data(ssl, 0)); // SSL_get_app_data()
}

} // namespace

/// The connection's SSL, with what the static callbacks reach it by.
struct TlsConnection::Ssl
{
    std::unique_ptr<SSL, SslFree> ssl;

    static int verify(int ok, X509_STORE_CTX *store)
    {
        // Every error is collected and the verification goes on, as Qt
        // does: the handshake's owner decides on all of them at its end.
        if (!ok) {
            const auto *ssl = static_cast<const SSL *>(
                X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
            if (TlsConnection *connection = ssl ? connectionOf(ssl) : nullptr)
                TlsConnection::onVerifyError(connection, X509_STORE_CTX_get_error(store),
                                             X509_STORE_CTX_get_error_depth(store));
        }
        return 1;
    }

    static int newSession(SSL *ssl, SSL_SESSION *session)
    {
        TlsConnection *connection = connectionOf(ssl);
        if (!connection || !SSL_SESSION_is_resumable(session))
            return 0;
        const int size = i2d_SSL_SESSION(session, nullptr);
        if (size <= 0)
            return 0;
        QByteArray bytes(size, Qt::Uninitialized);
        auto *out = reinterpret_cast<unsigned char *>(bytes.data());
        i2d_SSL_SESSION(session, &out);
        TlsConnection::onNewSession(connection, bytes);
        return 0; // the session is not kept here: OpenSSL frees it
    }
};

// --- TlsContext ------------------------------------------------------------

struct TlsContext::Handle
{
    std::unique_ptr<SSL_CTX, SslCtxFree> context;
};

std::shared_ptr<TlsContext> TlsContext::create(const QSslConfiguration &configuration)
{
    std::shared_ptr<TlsContext> made(new TlsContext);
    made->m_verifiesPeer = configuration.peerVerifyMode() != QSslSocket::VerifyNone;
    ERR_clear_error();
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    const auto fail = [&made](const QString &what) {
        made->m_errorString = TlsConnection::tr("Unable to init SSL Context: %1")
                                  .arg(what.isEmpty() ? openSslErrors() : what);
        return made;
    };
    if (!context)
        return fail({});
    made->m_handle = std::make_unique<Handle>();
    made->m_handle->context.reset(context);
    ++s_liveContexts;

    // An idle kept-alive connection holds no record buffer; a write may
    // go out in parts (the socket takes all of it anyway).
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    int lowest = TLS1_2_VERSION;
    int highest = 0;
    switch (configuration.protocol()) {
    case QSsl::TlsV1_2:
        highest = TLS1_2_VERSION;
        break;
    case QSsl::TlsV1_3:
        lowest = highest = TLS1_3_VERSION;
        break;
    case QSsl::TlsV1_3OrLater:
        lowest = TLS1_3_VERSION;
        break;
    case QSsl::TlsV1_2OrLater:
    case QSsl::SecureProtocols:
        break;
    default: // AnyProtocol and the deprecated TLS 1.0 and 1.1 choices
        lowest = TLS1_VERSION;
        break;
    }
    SSL_CTX_set_min_proto_version(context, lowest);
    SSL_CTX_set_max_proto_version(context, highest);

    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, &TlsConnection::Ssl::verify);
    if (configuration.peerVerifyDepth() > 0)
        SSL_CTX_set_verify_depth(context, configuration.peerVerifyDepth());

    // The CAs of the configuration (as Qt: an expired one is left out, as
    // OpenSSL would stop at it rather than look for a valid twin), and the
    // system's unless the configuration names its own: looked up in the
    // system's directory by hash when a chain needs one, never all loaded.
    X509_STORE *store = SSL_CTX_get_cert_store(context);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const QSslCertificate &ca : configuration.caCertificates()) {
        if (ca.expiryDate() < now)
            continue;
        if (X509Ptr x509 = toX509(ca))
            X509_STORE_add_cert(store, x509.get());
    }
    if (trustsSystemCas(configuration)) {
        const char *directory = getenv(X509_get_default_cert_dir_env());
        if (!directory)
            directory = X509_get_default_cert_dir();
        SSL_CTX_load_verify_dir(context, directory);
    }
    ERR_clear_error(); // a duplicate CA or a missing directory is no failure

    if (!configuration.localCertificate().isNull()) {
        X509Ptr certificate = toX509(configuration.localCertificate());
        if (!certificate || SSL_CTX_use_certificate(context, certificate.get()) != 1)
            return fail({});
        const QList<QSslCertificate> chain = configuration.localCertificateChain();
        for (qsizetype i = 1; i < chain.size(); ++i) {
            if (X509Ptr extra = toX509(chain.at(i)))
                SSL_CTX_add1_chain_cert(context, extra.get());
        }
        const QByteArray pem = configuration.privateKey().toPem();
        std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
        std::unique_ptr<EVP_PKEY, PkeyFree> key(
            bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
        if (!key || SSL_CTX_use_PrivateKey(context, key.get()) != 1 ||
            SSL_CTX_check_private_key(context) != 1)
            return fail({});
    }

    // Sessions go to whoever keeps them (Http1ConnectionPool, by server and
    // configuration), none into OpenSSL's cache.
    SSL_CTX_set_session_cache_mode(context,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(context, &TlsConnection::Ssl::newSession);

    // HTTP/2 is Qt's client's: ALPN offers http/1.1 only.
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    if (SSL_CTX_set_alpn_protos(context, kAlpn, sizeof kAlpn) != 0)
        return fail({});
    return made;
}

TlsContext::~TlsContext()
{
    if (m_handle)
        --s_liveContexts;
}

int TlsContext::liveCount()
{
    return s_liveContexts.load();
}

// --- TlsContextCache -------------------------------------------------------

std::shared_ptr<TlsContext> TlsContextCache::context(const QSslConfiguration &configuration)
{
    QMutexLocker locker(&m_mutex);
    m_entries.removeIf([](const Entry &entry) { return entry.context.expired(); });
    for (const Entry &entry : std::as_const(m_entries)) {
        if (entry.configuration == configuration) {
            if (std::shared_ptr<TlsContext> live = entry.context.lock())
                return live;
        }
    }
    std::shared_ptr<TlsContext> made = TlsContext::create(configuration);
    m_entries.append({configuration, made});
    return made;
}

// --- TlsPeer ---------------------------------------------------------------

struct TlsPeer::Certificates
{
    std::vector<X509Ptr> chain; ///< references taken on OpenSSL's own
};

TlsPeer::~TlsPeer() = default;

TlsPeerInfo TlsPeer::info() const
{
    TlsPeerInfo info;
    info.protocol = m_protocol;
    info.negotiatedProtocol = m_negotiatedProtocol;
    if (m_certificates) {
        for (const X509Ptr &certificate : m_certificates->chain)
            info.certificateChain.append(toCertificate(certificate.get()));
    }
    return info;
}

// --- TlsConnection ---------------------------------------------------------

TlsConnection::TlsConnection(std::shared_ptr<TlsContext> context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_socket(new QTcpSocket(this))
{
    // Straight to the server: NetworkAccessManager found no proxy for this
    // URL, and the socket must not ask the application's proxy again.
    m_socket->setProxy(QNetworkProxy::NoProxy);
    connect(m_socket, &QTcpSocket::connected, this, &TlsConnection::onSocketConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &TlsConnection::onSocketReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &TlsConnection::bytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &TlsConnection::onSocketGone);
    connect(m_socket, &QTcpSocket::disconnected, this, &TlsConnection::onSocketGone);
}

// The SSL goes before the socket its BIO points to (a member before the
// children).
TlsConnection::~TlsConnection()
{
    if (m_phase == Phase::Handshaking || m_phase == Phase::Deciding)
        handshakeEnded();
}

void TlsConnection::setPhase(Phase phase)
{
    const bool wasHandshaking = m_phase == Phase::Handshaking || m_phase == Phase::Deciding;
    m_phase = phase;
    if (wasHandshaking && (phase == Phase::Encrypted || phase == Phase::Failed))
        handshakeEnded();
}

void TlsConnection::onNewSession(TlsConnection *connection, const QByteArray &session)
{
    Q_EMIT connection->sessionTicket(session);
}

void TlsConnection::onVerifyError(TlsConnection *connection, int code, int depth)
{
    connection->m_verifyErrors.append({code, depth});
}

void TlsConnection::connectToHost(const QString &host, quint16 port, const QByteArray &session)
{
    m_host = host;
    m_phase = Phase::Connecting;
    if (!m_context || !m_context->isValid()) {
        // As QSslSocket: the failure comes from the event loop.
        const QString why = m_context ? m_context->errorString() : QString();
        QMetaObject::invokeMethod(
            this, [this, why] { fail(QAbstractSocket::SslInternalError, why); },
            Qt::QueuedConnection);
        return;
    }
    ERR_clear_error();
    m_ssl = std::make_unique<Ssl>();
    m_ssl->ssl.reset(SSL_new(m_context->m_handle->context.get()));
    SSL *ssl = m_ssl->ssl.get();
    BIO *bio = ssl ? BIO_new(socketBioMethod()) : nullptr;
    if (!bio) {
        const QString why = tr("Unable to init SSL Context: %1").arg(openSslErrors());
        QMetaObject::invokeMethod(
            this, [this, why] { fail(QAbstractSocket::SslInternalError, why); },
            Qt::QueuedConnection);
        return;
    }
    BIO_set_data(bio, m_socket);
    SSL_set_bio(ssl, bio, bio);    // the SSL owns it
    SSL_set_ex_data(ssl, 0, this); // SSL_set_app_data()
    SSL_set_connect_state(ssl);
    // The name the certificate must carry; SNI for a name, not an address
    // (RFC 6066 section 3).
    const QByteArray name = host.toUtf8();
    if (QHostAddress(host).isNull()) {
        // SSL_set_tlsext_host_name(), without the macro's cast.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char *>(name.constData()));
        SSL_set1_host(ssl, name.constData());
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.constData());
    }
    if (!session.isEmpty()) {
        const auto *data = reinterpret_cast<const unsigned char *>(session.constData());
        std::unique_ptr<SSL_SESSION, SessionFree> resumed(
            d2i_SSL_SESSION(nullptr, &data, long(session.size())));
        if (resumed)
            SSL_set_session(ssl, resumed.get()); // takes its own reference
    }
    ERR_clear_error();
    m_socket->connectToHost(host, port);
}

void TlsConnection::onSocketConnected()
{
    m_phase = Phase::Handshaking;
    ++s_handshakes;
    QPointer<TlsConnection> alive(this);
    Q_EMIT connected();
    if (!alive || m_phase != Phase::Handshaking)
        return;
    continueHandshake();
}

void TlsConnection::onSocketReadyRead()
{
    switch (m_phase) {
    case Phase::Handshaking:
        continueHandshake();
        return;
    case Phase::Encrypted:
        decrypt();
        return;
    case Phase::Connecting:
    case Phase::Deciding: // read once decided
    case Phase::Failed:
        return;
    }
}

void TlsConnection::continueHandshake()
{
    SSL *ssl = m_ssl->ssl.get();
    ERR_clear_error();
    const int result = SSL_connect(ssl);
    m_socket->flush();
    if (result <= 0) {
        const int error = SSL_get_error(ssl, result);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
            return;
        m_verifyErrors.clear();
        // Qt's words for a handshake that failed (an alert from the server,
        // no protocol or cipher in common, not TLS at all).
        fail(QAbstractSocket::SslHandshakeFailedError,
             tr("Error during SSL handshake: %1").arg(openSslErrors()));
        return;
    }

    auto peer = std::shared_ptr<TlsPeer>(new TlsPeer);
    peer->m_certificates = std::make_unique<TlsPeer::Certificates>();
    if (STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl)) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            X509 *certificate = sk_X509_value(chain, i);
            X509_up_ref(certificate);
            peer->m_certificates->chain.emplace_back(certificate);
        }
    } else if (X509 *leaf = SSL_get0_peer_certificate(ssl)) {
        X509_up_ref(leaf); // a resumed session: the server sent none
        peer->m_certificates->chain.emplace_back(leaf);
    }
    switch (SSL_version(ssl)) {
    case TLS1_2_VERSION:
        peer->m_protocol = QSsl::TlsV1_2;
        break;
    case TLS1_3_VERSION:
        peer->m_protocol = QSsl::TlsV1_3;
        break;
    default:
        peer->m_protocol = QSsl::UnknownProtocol;
        break;
    }
    const unsigned char *alpn = nullptr;
    unsigned int alpnSize = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpnSize);
    peer->m_negotiatedProtocol = QByteArray(reinterpret_cast<const char *>(alpn), int(alpnSize));
    m_peer = std::move(peer);

    QPointer<TlsConnection> alive(this);
    const QList<QSslError> errors = handshakeErrors();
    m_verifyErrors.clear();
    if (!errors.isEmpty()) {
        m_phase = Phase::Deciding;
        Q_EMIT sslErrors(errors);
        if (!alive || m_phase != Phase::Deciding)
            return;
        if (m_context->verifiesPeer() && !errorsIgnored(errors)) {
            fail(QAbstractSocket::SslHandshakeFailedError, errors.constFirst().errorString());
            return;
        }
    }
    m_ignored.clear();
    setPhase(Phase::Encrypted);
    Q_EMIT encrypted();
    if (!alive || m_phase != Phase::Encrypted)
        return;
    // Records that came with the end of the handshake (TLS 1.3 tickets).
    if (SSL_has_pending(ssl) || m_socket->bytesAvailable() > 0)
        decrypt();
    else
        SSL_free_buffers(ssl);
}

QList<QSslError> TlsConnection::handshakeErrors() const
{
    // As QSslSocket: a host name that does not match first, then the
    // chain's errors in the order verification met them, each with the
    // presented certificate at its depth.
    QList<QSslError> errors;
    const QList<QSslCertificate> chain =
        m_verifyErrors.isEmpty() ? QList<QSslCertificate>() : m_peer->info().certificateChain;
    for (const VerifyError &error : m_verifyErrors) {
        if (isHostNameError(error.code)) {
            errors.append(QSslError(QSslError::HostNameMismatch, chain.value(0)));
            break;
        }
    }
    for (const VerifyError &error : m_verifyErrors) {
        if (!isHostNameError(error.code))
            errors.append(QSslError(sslErrorFor(error.code), chain.value(error.depth)));
    }
    return errors;
}

bool TlsConnection::errorsIgnored(const QList<QSslError> &errors) const
{
    if (m_ignoreAll)
        return true;
    if (m_ignored.isEmpty())
        return false;
    return std::all_of(errors.cbegin(), errors.cend(),
                       [this](const QSslError &error) { return m_ignored.contains(error); });
}

bool TlsConnection::decrypt()
{
    SSL *ssl = m_ssl->ssl.get();
    const qsizetype before = m_plain.size();
    bool closed = false;
    QString failure;
    for (;;) {
        // Through a buffer on the stack: what waits for the reader is
        // exactly its size, nothing reserved while the connection idles.
        char piece[16 * 1024];
        ERR_clear_error();
        const int read = SSL_read(ssl, piece, int(sizeof piece));
        if (read > 0) {
            m_plain.append(piece, read);
            continue;
        }
        const int error = SSL_get_error(ssl, read);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
            break;
        if (error == SSL_ERROR_ZERO_RETURN)
            closed = true; // close_notify
        else
            failure = tr("Error while reading: %1").arg(openSslErrors());
        break;
    }
    m_socket->flush(); // a key update's answer, an alert
    // The read that said "no more" set up a record buffer to read into,
    // which SSL_MODE_RELEASE_BUFFERS frees only after a record: freed here
    // while nothing is pending, so that a waiting connection holds none.
    SSL_free_buffers(ssl);
    QPointer<TlsConnection> alive(this);
    if (m_plain.size() > before)
        Q_EMIT readyRead();
    if (!alive || m_phase == Phase::Failed)
        return false;
    if (closed) {
        fail(QAbstractSocket::RemoteHostClosedError, tr("The TLS/SSL connection has been closed"));
        return false;
    }
    if (!failure.isNull()) {
        fail(QAbstractSocket::SslInternalError, failure);
        return false;
    }
    return true;
}

bool TlsConnection::write(QByteArray data)
{
    if (m_phase != Phase::Encrypted)
        return false;
    SSL *ssl = m_ssl->ssl.get();
    qsizetype done = 0;
    while (done < data.size()) {
        ERR_clear_error();
        const int piece = int(std::min<qsizetype>(data.size() - done, 1 << 20));
        const int written = SSL_write(ssl, data.constData() + done, piece);
        if (written <= 0) {
            fail(QAbstractSocket::SslInternalError,
                 tr("Unable to write data: %1").arg(openSslErrors()));
            return false;
        }
        done += written;
    }
    m_socket->flush();
    SSL_free_buffers(ssl); // the read buffer, if a read had set one up
    return true;
}

void TlsConnection::onSocketGone()
{
    if (m_phase == Phase::Failed)
        return;
    // What came before the close is decrypted first (QSslSocket does too).
    if (m_phase == Phase::Encrypted && m_socket->bytesAvailable() > 0 && !decrypt())
        return;
    m_error = m_socket->error();
    setPhase(Phase::Failed);
    Q_EMIT failed();
}

void TlsConnection::fail(QAbstractSocket::SocketError error, const QString &message)
{
    if (m_phase == Phase::Failed)
        return;
    qCDebug(lcNetworkVerbose).noquote() << "TLS with" << m_host << "failed:" << message;
    setPhase(Phase::Failed);
    m_error = error;
    m_errorString = message;
    Q_EMIT failed();
}

QAbstractSocket::SocketError TlsConnection::error() const
{
    return m_errorString.isNull() ? m_socket->error() : m_error;
}

QString TlsConnection::errorString() const
{
    return m_errorString.isNull() ? m_socket->errorString() : m_errorString;
}

bool TlsConnection::isIdleUsable() const
{
    return m_phase == Phase::Encrypted && m_plain.isEmpty() &&
           m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0;
}

} // namespace Longwatch::Internal
