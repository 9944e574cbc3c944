#include "poller.h"

#include "environmentreferences.h"
#include "http1reply.h"
#include "logging.h"
#include "networkaccessmanager.h"
#include "pollermessages.h"
#include "redact.h"

#include <QBuffer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>

#include <cmath>
#include <limits>

using namespace std::chrono;
using namespace std::chrono_literals;

namespace Longwatch {

namespace {

// A floor under the drawn delay, so that full jitter never fires a retry
// at once after a failure.
constexpr milliseconds kMinimumRetryDelay = 100ms;
// No-news answers faster than this, several in a row, mean a server that
// does not hold: pause between polls rather than spin.
constexpr milliseconds kFastAnswer = 50ms;
constexpr int kFastAnswersBeforeGuard = 5;
// Bytes of an answer a reply buffers before we read them (see sendRequest()).
constexpr qint64 kReadAhead = 256 * 1024;

// "Basic base64(user:password)", RFC 7617 section 2 (UTF-8, as section
// 2.1 lets a server ask for; what browsers send today).
QByteArray basicAuthorization(const QByteArray &user, const QByteArray &password)
{
    return QByteArrayLiteral("Basic ") + (user + ':' + password).toBase64();
}

/// QBasicTimer (Qt 6.4) takes an int of milliseconds.
int toTimerInterval(milliseconds interval)
{
    return int(std::clamp<milliseconds::rep>(interval.count(), 0, std::numeric_limits<int>::max()));
}

bool isTransportError(QNetworkReply::NetworkError error)
{
    return error > QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied;
}

} // namespace

void Poller::ReplyDeleter::operator()(QNetworkReply *reply) const
{
    if (reply)
        reply->deleteLater();
}

Poller::Poller(std::unique_ptr<FeedProfile> profile, QNetworkAccessManager *manager,
               QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
    , m_random([] { return QRandomGenerator::global()->generateDouble(); })
{
    Q_ASSERT(profile);
    Q_ASSERT(manager);
    m_profile = profile.get();
    m_servers.push_back(std::move(profile));
    m_pollTimer.setSingleShot(true);
    // A child, so that it moves with the poller to another thread (a
    // member leaves the list of children before ~QObject runs). The
    // deadline and the watchdog are the poller's own timers, which move
    // with it.
    m_pollTimer.setParent(this);
    m_pollTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_pollTimer, &QTimer::timeout, this, &Poller::sendRequest);
    setSettings(m_settings);
}

void Poller::LazyTimer::start(milliseconds interval, QObject *receiver)
{
    m_due = QDeadlineTimer(interval);
    m_armed = true;
    // Started again for later than the timer under it fires: it waits on
    // from there (fired()).
    if (m_timer.isActive() && m_timerDue <= m_due) {
        m_exact = false;
        return;
    }
    m_timer.start(toTimerInterval(interval), receiver);
    m_timerDue = m_due;
    m_exact = true;
}

bool Poller::LazyTimer::fired(int timerId, QObject *receiver)
{
    if (timerId != m_timer.timerId())
        return false;
    // Started for this very time, it fires as a QTimer would (a coarse
    // timer may come a little early); else only once the time has come.
    if (m_armed && !m_exact && !m_due.hasExpired()) {
        m_timer.start(toTimerInterval(duration_cast<milliseconds>(m_due.remainingTimeAsDuration())),
                      receiver);
        m_timerDue = m_due;
        m_exact = true;
        return false;
    }
    m_timer.stop();
    return std::exchange(m_armed, false);
}

void Poller::timerEvent(QTimerEvent *event)
{
    if (m_deadline.fired(event->timerId(), this)) {
        abortReply(Abort::Deadline);
    } else if (m_watchdog.fired(event->timerId(), this)) {
        abortReply(m_streaming  ? Abort::StreamSilent
                   : m_gotBytes ? Abort::Inactivity
                                : Abort::ConnectTimeout);
    } else {
        QObject::timerEvent(event);
    }
}

Poller::~Poller()
{
    // Quietly: nobody should hear of a channel that is going away.
    const QSignalBlocker blocker(this);
    stop();
}

void Poller::setName(const QString &name)
{
    m_name = name;
}

void Poller::setSettings(const PollerSettings &settings)
{
    m_settings = settings;
    m_tlsConfiguration.reset(); // files are read again for the next request
    m_secrets.clear();
    for (const std::unique_ptr<FeedProfile> &server : m_servers) {
        for (const QString &secret : secretsInUrl(server->request(server->initialCursor()).url))
            addSecret(secret);
    }
    for (const auto &[name, value] : std::as_const(m_settings.headers)) {
        if (isSecretHeader(name))
            addSecret(QString::fromUtf8(value));
    }
    const TransportOptions &transport = m_settings.transport;
    for (const QString &secret : {transport.proxy.password, transport.tls.clientKeyPassphrase})
        addSecret(secret);
    // Basic credentials without references are known now; resolved ones
    // are added with each request that resolves them.
    const PollerSettings::BasicCredentials &basic = m_settings.basicAuth;
    if (!basic.user.isEmpty() && !hasEnvironmentReference(basic.user.toUtf8()) &&
        !hasEnvironmentReference(basic.password.toUtf8())) {
        addSecret(basic.password);
        addSecret(
            QString::fromLatin1(basicAuthorization(basic.user.toUtf8(), basic.password.toUtf8())));
    }
}

void Poller::addSecret(const QString &value)
{
    if (value.isEmpty() || m_secrets.contains(value))
        return;
    m_secrets << value;
    // "Bearer abc", "Basic xyz": the credential alone may be echoed too.
    const qsizetype space = value.indexOf(QLatin1Char(' '));
    if (space > 0)
        m_secrets << value.mid(space + 1);
}

void Poller::setOtherServers(std::vector<std::unique_ptr<FeedProfile>> profiles)
{
    m_servers.resize(1);
    for (std::unique_ptr<FeedProfile> &profile : profiles) {
        if (profile)
            m_servers.push_back(std::move(profile));
    }
    useServer(0);
    setSettings(m_settings); // the secrets of the other addresses too
}

QString Poller::serverOrdinal(int server)
{
    switch (server) {
    case 0:
        return tr("the first server");
    case 1:
        return tr("the second server");
    case 2:
        return tr("the third server");
    case 3:
        return tr("the fourth server");
    default:
        return tr("server %1").arg(server + 1);
    }
}

void Poller::useServer(int server)
{
    m_server = server;
    m_profile = m_servers.at(size_t(server)).get();
    m_profile->reset();
    m_failuresHere = 0;
    m_goodSince = {};
}

QString Poller::failOver()
{
    const bool pathDied = std::exchange(m_pathDied, false);
    ++m_failuresHere;
    if (m_servers.size() < 2 || (!pathDied && m_failuresHere < m_settings.failoverAfter))
        return {};
    useServer((m_server + 1) % serverCount());
    const QString sentence = tr("Trying %1, %2.").arg(serverOrdinal(m_server), target());
    qCInfo(lcPoller).noquote() << m_name << "trying" << serverOrdinal(m_server) << target()
                               << "at cursor" << m_cursor;
    Q_EMIT serverChanged(m_server);
    return sentence;
}

void Poller::failBack()
{
    if (m_server == 0 || m_attempt > 0 || !m_goodSince.isValid() ||
        m_goodSince.msecsTo(m_clock()) < m_settings.failbackAfter.count())
        return;
    useServer(0);
    qCInfo(lcPoller).noquote() << m_name << "going back to" << serverOrdinal(0) << target()
                               << "at cursor" << m_cursor;
    Q_EMIT serverChanged(0);
}

void Poller::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

void Poller::setRandom(Random random)
{
    m_random = std::move(random);
}

bool Poller::isRunning(State state)
{
    return state != State::Idle && state != State::Stopped && state != State::Failed;
}

QString Poller::stateString(State state, bool streaming)
{
    switch (state) {
    case State::Idle:
        return tr("Idle");
    case State::Connecting:
        return tr("Connecting");
    case State::Waiting:
        // Connected and asked; the server holds the request until it has
        // news, which for a quiet feed is a whole hold time.
        return tr("Listening");
    case State::Live:
        // Events arrive as the server writes them, on an answer kept open.
        return streaming ? tr("Live — streaming") : tr("Live");
    case State::Backoff:
        return tr("Retrying");
    case State::Stopped:
        return tr("Paused");
    case State::Failed:
        return tr("Failed");
    }
    return {};
}

bool Poller::start(const QString &cursor)
{
    if (isRunning()) {
        qCWarning(lcPoller) << m_name << "start() refused: already running";
        return false;
    }
    const bool elsewhere = m_server != 0;
    useServer(0);
    if (elsewhere)
        Q_EMIT serverChanged(0);
    m_cursor = cursor.isEmpty() ? m_profile->initialCursor() : cursor;
    m_attempt = 0;
    m_fastNoNews = 0;
    m_nextRetryAt = {};
    m_error = Error::NoError;
    m_errorString.clear();
    m_errorDetail.clear();
    m_tlsFailure = {};
    m_couldNotReach = false;
    m_tlsConfiguration.reset(); // certificate files may have changed since the last run
    qCInfo(lcPoller).noquote() << m_name << "starting at cursor"
                               << (m_cursor.isEmpty() ? QStringLiteral("(none)") : m_cursor);
    setState(State::Connecting);
    scheduleNextPoll(0ms); // queued: start() returns before anything happens
    return true;
}

void Poller::stop()
{
    m_pollTimer.stop();
    abortReply(Abort::ByUser);
    m_nextRetryAt = {};
    if (m_state != State::Idle && m_state != State::Failed)
        setState(State::Stopped);
}

void Poller::retryNow()
{
    switch (m_state) {
    case State::Failed:
    case State::Stopped:
    case State::Idle:
        start(m_cursor);
        return;
    case State::Backoff:
        m_nextRetryAt = {};
        setState(State::Connecting);
        scheduleNextPoll(0ms);
        return;
    case State::Connecting:
    case State::Waiting:
    case State::Live:
        // Reconnect: drop the request under way (not an error) and ask again.
        abortReply(Abort::ByUser);
        setState(State::Connecting);
        scheduleNextPoll(0ms);
        return;
    }
}

void Poller::restartAfterNetworkChange(milliseconds delay)
{
    if (!isRunning())
        return;
    qCInfo(lcPoller).noquote() << m_name << "network changed: polling again in" << delay.count()
                               << "ms";
    if (m_reply)
        abortReply(Abort::ByUser);
    m_attempt = 0;
    m_nextRetryAt = {};
    setState(State::Connecting);
    scheduleNextPoll(delay);
}

void Poller::setOffline(bool offline)
{
    m_offline = offline;
    // A retry drawn before the network was known to be gone (the channels
    // that failed first, before the others said so) may be far beyond the
    // offline ceiling: drawn again below it.
    if (!offline || m_state != State::Backoff || !m_nextRetryAt.isValid())
        return;
    const milliseconds ceiling = backoffCeiling(m_attempt);
    if (m_clock().msecsTo(m_nextRetryAt) <= ceiling.count())
        return;
    const milliseconds delay =
        std::max(kMinimumRetryDelay,
                 milliseconds(qint64(double(ceiling.count()) * std::clamp(m_random(), 0.0, 1.0))));
    qCInfo(lcPoller).noquote() << m_name << "offline: next try in" << delay.count() << "ms";
    m_nextRetryAt = m_clock().addMSecs(delay.count());
    scheduleNextPoll(delay);
}

void Poller::networkReturned(milliseconds delay)
{
    if (m_state == State::Backoff)
        restartAfterNetworkChange(delay);
}

milliseconds Poller::backoffCeiling(int attempt) const
{
    const double factor = std::ldexp(1.0, std::clamp(attempt, 1, 62) - 1);
    const double ceiling = double(m_settings.backoffInitial.count()) * factor;
    milliseconds max = m_settings.backoffMax;
    if (m_offline)
        max = std::min<milliseconds>(max, kOfflineBackoffCeiling);
    return milliseconds(qint64(std::min(ceiling, double(max.count()))));
}

void Poller::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCInfo(lcPoller).noquote() << m_name << "is" << stateString(state).toLower();
    Q_EMIT stateChanged(state);
}

QString Poller::target() const
{
    const QUrl url = m_profile->request(m_cursor).url;
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

QString Poller::proxyName() const
{
    const QString name = m_settings.transport.proxy.displayName();
    return name.isEmpty() ? PollerMessages::systemProxy() : name;
}

QString Poller::redact(QString text) const
{
    return redactedText(std::move(text), m_secrets);
}

void Poller::scheduleNextPoll(milliseconds delay)
{
    m_pollTimer.start(delay);
}

void Poller::sendRequest()
{
    if (!m_manager) {
        failFatal(Error::ConnectionError, PollerMessages::noNetworkAccess(), {});
        return;
    }
    failBack();
    const PollRequest pollRequest = m_profile->request(m_cursor);
    QNetworkRequest request(pollRequest.url);
    // The profile's fields (a cursor in a header) go beside the request on
    // Longwatch's client, which writes them as they are (see
    // NetworkAccessManager::send()).
    auto *own = qobject_cast<NetworkAccessManager *>(m_manager.data());
    const bool apart = own && pollRequest.body.isEmpty();
    if (!prepareRequest(request, pollRequest, !apart))
        return; // failed for good: the channel's settings cannot be used

    // A retry going out: the channel is connecting again, not backing off.
    if (m_state == State::Backoff)
        setState(State::Connecting);
    ++m_requests;
    qCDebug(lcPollerVerbose).noquote()
        << m_name << "#" << m_requests << pollRequest.method << redactedUrl(pollRequest.url);
    m_body.clear();
    m_gotBytes = false;
    m_headersUnreadable = false;
    m_streaming = false;
    m_streamEvents = false;
    m_tlsFailure = {};
    m_abort = Abort::None;
    m_requestClock.start();

    // No upload device for an empty body: Qt 6.4 never emits requestSent()
    // for a request whose upload device is empty (the HTTP/1 handler skips it
    // in its WritingState), and then the connect timeout below would abort
    // every held long poll. tst_Poller pins this.
    QBuffer *upload = nullptr;
    if (!pollRequest.body.isEmpty()) {
        upload = new QBuffer;
        upload->setData(pollRequest.body);
        upload->open(QIODevice::ReadOnly);
    }
    // The answer's fields are read through replyHeaders() (Qt would parse
    // every field it knows on setting them on the reply).
    QNetworkReply *reply = own ? own->send(request, pollRequest.method, upload,
                                           apart ? pollRequest.headers : HeaderList(),
                                           NetworkAccessManager::ReplyHeaders::Apart)
                               : m_manager->sendCustomRequest(request, pollRequest.method, upload);
    if (upload)
        upload->setParent(reply);
    m_reply.reset(reply);
    // Whichever client carries it reads at most this far ahead of us: a
    // body over the cap is then refused before much more of it arrived
    // (Qt's client would otherwise read on in its own thread until our
    // abort reaches it).
    reply->setReadBufferSize(kReadAhead);
    // The reply is a child of the manager: if the manager goes first, it
    // takes the reply with it, and we must not touch (or delete) it again.
    connect(reply, &QObject::destroyed, this, [this, reply] {
        if (m_reply.get() == reply)
            (void)m_reply.release();
    });
    // The connect timeout runs only while a new connection is being made:
    // a request that reuses a kept-alive connection, or waits in Qt's queue
    // for a free one, is not "connecting". It ends when the request went out
    // (HTTP/1) or the TLS handshake finished (HTTPS, where HTTP/2 may not
    // emit requestSent()).
    connect(reply, &QNetworkReply::socketStartedConnecting, this, [this] {
        if (!m_gotBytes)
            m_watchdog.start(m_settings.connectTimeout, this);
    });
    if (mayUseTls(reply)) {
        connect(reply, &QNetworkReply::encrypted, this, [this] {
            if (!m_gotBytes)
                m_watchdog.stop();
        });
        connect(reply, &QNetworkReply::sslErrors, this, &Poller::onSslErrors);
    }
    connect(reply, &QNetworkReply::requestSent, this, &Poller::onRequestSent);
    connect(reply, &QNetworkReply::metaDataChanged, this, &Poller::onMetaDataChanged);
    connect(reply, &QNetworkReply::readyRead, this, &Poller::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &Poller::onFinished);

    m_deadline.start(duration_cast<milliseconds>(m_profile->holdTime()) + m_settings.deadlineMargin,
                     this);
}

bool Poller::prepareRequest(QNetworkRequest &request, const PollRequest &pollRequest,
                            bool withProfileHeaders)
{
    // The channel's headers, with ${env:NAME} resolved now: the resolved
    // value lives in this request only (and in the list of secrets to mask).
    for (const auto &[name, value] : std::as_const(m_settings.headers)) {
        QString missing;
        const std::optional<QByteArray> resolved = resolveEnvironmentReferences(value, &missing);
        if (!resolved) {
            failFatal(Error::SetupError,
                      PollerMessages::headerReferenceUnset(QString::fromLatin1(name), missing), {});
            return false;
        }
        if (*resolved != value)
            addSecret(QString::fromUtf8(*resolved));
        request.setRawHeader(name, *resolved);
    }
    // Basic authentication: the parts are resolved first and encoded
    // after, as a reference cannot be resolved inside base64.
    if (const PollerSettings::BasicCredentials &basic = m_settings.basicAuth;
        !basic.user.isEmpty()) {
        QString missing;
        const std::optional<QByteArray> user =
            resolveEnvironmentReferences(basic.user.toUtf8(), &missing);
        if (!user) {
            failFatal(Error::SetupError, PollerMessages::basicUserReferenceUnset(missing), {});
            return false;
        }
        const QByteArray password = basic.password.toUtf8();
        const std::optional<QByteArray> resolvedPassword =
            resolveEnvironmentReferences(password, &missing);
        if (!resolvedPassword) {
            failFatal(Error::SetupError, PollerMessages::basicPasswordReferenceUnset(missing), {});
            return false;
        }
        const QByteArray authorization = basicAuthorization(*user, *resolvedPassword);
        if (*resolvedPassword != password || *user != basic.user.toUtf8()) {
            addSecret(QString::fromUtf8(*resolvedPassword));
            addSecret(QString::fromLatin1(authorization));
        }
        request.setRawHeader(QByteArrayLiteral("Authorization"), authorization);
    }
    // Both clients ask for gzip unless the request names an encoding: a
    // feed whose server writes heartbeats (or a stream) while it holds
    // would have them kept in the server's compressor (#19).
    if (!m_profile->acceptsCompression())
        request.setRawHeader(QByteArrayLiteral("Accept-Encoding"), QByteArrayLiteral("identity"));
    if (withProfileHeaders) {
        for (const auto &[name, value] : pollRequest.headers)
            request.setRawHeader(name, value);
    }
    if (!pollRequest.body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, pollRequest.contentType);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::Attribute(deadConnectionLimitAttribute()),
                         int(m_settings.deadConnectionLimit.count()));
    // Redirects are followed within the same origin only (scheme, host and
    // port: Qt checks all three), so the channel's credentials never reach
    // another server and https never falls back to http. Qt fails the
    // others with InsecureRedirectError; failRedirect() says what happened.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::SameOriginRedirectPolicy);

    const bool https = pollRequest.url.scheme() == QLatin1String("https");
    switch (m_settings.transport.httpVersion) {
    case HttpVersion::Automatic:
        break;
    case HttpVersion::Http1Only:
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
        break;
    case HttpVersion::Http2:
        // Over TLS, ALPN asks for HTTP/2; a cleartext server is spoken to in
        // HTTP/2 at once ("prior knowledge", RFC 9113 section 3.3), without
        // an upgrade round trip and without falling back.
        request.setAttribute(https ? QNetworkRequest::Http2AllowedAttribute
                                   : QNetworkRequest::Http2DirectAttribute,
                             true);
        break;
    }

    if (https) {
        if (!m_tlsConfiguration) {
            QString problem;
            m_tlsConfiguration = tlsConfiguration(m_settings.transport.tls, &problem);
            if (!m_tlsConfiguration) {
                failFatal(Error::SetupError, PollerMessages::tlsSettingsUnusable(problem), {});
                return false;
            }
        }
        request.setSslConfiguration(*m_tlsConfiguration);
    }
    return true;
}

void Poller::onRequestSent()
{
    // Connected and asked: from here the server may hold as long as it likes
    // (up to the deadline), so the connect timeout no longer applies.
    if (!m_gotBytes)
        m_watchdog.stop();
    if (m_state == State::Connecting)
        setState(State::Waiting);
}

void Poller::onMetaDataChanged()
{
    if (!m_reply)
        return;
    m_gotBytes = true;
    m_watchdog.start(m_settings.inactivityTimeout, this);
    const QList<QNetworkReply::RawHeaderPair> &headers = replyHeaders(m_reply.get());
    qint64 headerBytes = 0;
    for (const auto &[name, value] : headers)
        headerBytes += name.size() + value.size() + 4; // "Name: value\r\n"
    if (m_settings.maxHeaderBytes > 0 && headerBytes > m_settings.maxHeaderBytes) {
        abortReply(Abort::HeadersTooLarge);
        return;
    }
    // Qt 6.4 drops every header of a response that has more than 100 header
    // fields or a header line it finds too long, and then reads the body
    // until the server closes the connection, which a server that keeps it
    // open never does. Remember it, so that the timeout that follows can
    // say what happened (a response without any header is rare enough).
    m_headersUnreadable =
        headers.isEmpty() && m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid();
    if (!m_streaming && m_profile->streamsAnswers() && startStream())
        return; // a stream has no total size: its caps hold per event
    const QVariant length = replyHeader(m_reply.get(), QNetworkRequest::ContentLengthHeader);
    if (length.isValid() && length.toLongLong() > m_settings.maxBodyBytes)
        abortReply(Abort::TooLarge);
}

void Poller::onReadyRead()
{
    if (!m_reply)
        return;
    m_gotBytes = true;
    if (m_streaming) {
        // Any byte, a heartbeat too, shows the stream is alive.
        m_watchdog.start(streamSilenceLimit(), this);
        const QByteArray bytes = readAllOf(m_reply.get());
        if (!bytes.isEmpty())
            handleStreamResult(m_profile->readStream(bytes, m_cursor));
        return;
    }
    m_body += readAllOf(m_reply.get());
    if (m_body.size() > m_settings.maxBodyBytes) {
        abortReply(Abort::TooLarge);
        return;
    }
    m_watchdog.start(m_settings.inactivityTimeout, this);
}

void Poller::onSslErrors(const QList<QSslError> &errors)
{
    if (!m_reply)
        return;
    const TlsPeerInfo peer = tlsPeerInfo(m_reply.get()); // either client's
    QSslCertificate leaf = peer.certificate();
    for (auto it = errors.cbegin(); leaf.isNull() && it != errors.cend(); ++it)
        leaf = it->certificate();
    const QStringList &pins = m_settings.transport.tls.pinnedSha256;
    const QList<QSslError> ignore = errorsToIgnore(errors, leaf, pins);
    QStringList reasons;
    for (const QSslError &error : errors)
        reasons << error.errorString();
    // A channel with a CA file trusts the system's CAs too, checked here
    // rather than in each connection's TLS context (tlsConfiguration()).
    // The same errors again (a kept-alive connection lent to the next poll
    // shows them again) are not verified again.
    if (ignore.isEmpty() && !m_settings.transport.tls.caCertificatesFile.isEmpty()) {
        if (errors != m_systemClearedErrors) {
            m_systemClearedErrors = errorsTheSystemStoreClears(errors, peer.certificateChain,
                                                               m_reply->request().url().host());
            if (!m_systemClearedErrors.isEmpty())
                qCDebug(lcPollerVerbose).noquote()
                    << m_name << "certificate verified against the system's CAs";
        }
        if (!m_systemClearedErrors.isEmpty()) {
            m_reply->ignoreSslErrors(m_systemClearedErrors);
            return;
        }
    }
    if (!ignore.isEmpty()) {
        // Exactly these errors, for exactly this certificate: never a
        // blanket ignoreSslErrors().
        qCInfo(lcPoller).noquote()
            << m_name << "certificate pinned for this channel (SHA-256" << certificateSha256(leaf)
            << ") accepted despite:" << reasons.join(QStringLiteral("; "));
        m_reply->ignoreSslErrors(ignore);
        return;
    }
    // Not ignored: Qt ends the handshake and the reply finishes with
    // SslHandshakeFailedError; failTls() tells the person what we saw.
    m_tlsFailure.certificate = CertificateInfo::fromCertificate(leaf);
    m_tlsFailure.errors.clear();
    for (const QSslError &error : errors)
        m_tlsFailure.errors << error.error();
    m_tlsFailure.errorStrings = reasons;
    const QString fingerprint = m_tlsFailure.certificate.sha256;
    m_tlsFailure.pinned =
        !fingerprint.isEmpty() && std::any_of(pins.cbegin(), pins.cend(), [&](const QString &pin) {
            return normalizedFingerprint(pin) == fingerprint;
        });
}

void Poller::abortReply(Abort reason)
{
    if (!m_reply)
        return;
    // Mark first: abort() emits finished() at once, and onFinished() must
    // know this was our doing (a user's stop is never shown as an error).
    m_abort = reason;
    m_reply->abort();
}

void Poller::onFinished()
{
    const std::unique_ptr<QNetworkReply, ReplyDeleter> reply = std::move(m_reply);
    if (!reply)
        return;
    disconnect(reply.get(), nullptr, this, nullptr);
    m_deadline.stop();
    m_watchdog.stop();
    const bool streamed = std::exchange(m_streaming, false);
    // An aborted reply is closed: there is nothing more to read from it.
    if (m_abort == Abort::None)
        m_body += readAllOf(reply.get());
    const QByteArray body = std::exchange(m_body, {});
    const Abort abort = std::exchange(m_abort, Abort::None);
    const milliseconds elapsed(m_requestClock.elapsed());

    if (abort != Abort::None) {
        finishAborted(abort, body.size(), reply.get());
        return;
    }
    if (streamed) {
        finishStream(reply.get(), body, elapsed);
        return;
    }
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QNetworkReply::NetworkError networkError = reply->error();
    if (!status.isValid() || isTransportError(networkError)) {
        failTransport(reply.get(), status, body.size(), elapsed);
        return;
    }
    if (networkError != QNetworkReply::NoError && status.toInt() < 400) {
        failUnreadableBody(reply.get(), status.toInt());
        return;
    }
    parseAnswer(reply.get(), status.toInt(), body, elapsed);
}

/// Our own abort (abortReply()): a person's stop says nothing, a limit or a
/// timer says which.
void Poller::finishAborted(Abort abort, qsizetype bodySize, const QNetworkReply *reply)
{
    if ((abort == Abort::Deadline || abort == Abort::Inactivity) && m_headersUnreadable) {
        failed(Error::SizeLimitError, PollerMessages::headersUnreadable(target()),
               PollerMessages::bodyBytesReceived(bodySize));
        return;
    }
    switch (abort) {
    case Abort::ByUser:
    case Abort::StreamEnded:
        return;
    case Abort::StreamSilent:
        // As a long poll's hold that ran out: ask again from the cursor. A
        // path that died shows in the next request's connect timeout.
        qCDebug(lcPollerVerbose).noquote()
            << m_name << "stream silent for" << streamSilenceLimit().count() << "ms: asking again";
        m_lastResponseAt = m_clock();
        Q_EMIT responseReceived();
        if (m_state == State::Live)
            streamEnded(streamSilenceLimit());
        return;
    case Abort::ConnectTimeout:
        m_reachFailing = true;
        failed(Error::TimeoutError,
               PollerMessages::connectTimeout(target(), m_settings.connectTimeout), {});
        return;
    case Abort::Deadline: {
        QString sentence =
            PollerMessages::deadline(target(), m_profile->holdTime() + m_settings.deadlineMargin);
        // Only Longwatch's own client has the kernel watch its connections
        // (deadconnection.h): on Qt's, a dead path shows here and only here.
        if (!qobject_cast<const Http1Reply *>(reply))
            sentence += QLatin1Char(' ') + PollerMessages::deadlineIsTheOnlyNotice();
        failed(Error::TimeoutError, sentence, PollerMessages::bytesReceived(bodySize));
        return;
    }
    case Abort::Inactivity:
        failed(Error::TimeoutError, PollerMessages::stalled(target(), m_settings.inactivityTimeout),
               PollerMessages::bytesReceived(bodySize));
        return;
    case Abort::TooLarge:
        failed(Error::SizeLimitError,
               PollerMessages::bodyTooLarge(target(), m_settings.maxBodyBytes), {});
        return;
    case Abort::HeadersTooLarge:
        failed(Error::SizeLimitError,
               PollerMessages::headersTooLarge(target(), m_settings.maxHeaderBytes), {});
        return;
    case Abort::None:
        break;
    }
}

/// No HTTP answer came (or one was cut off): the network's reason, in words.
void Poller::failTransport(QNetworkReply *reply, const QVariant &status, qsizetype bodySize,
                           milliseconds elapsed)
{
    const QNetworkReply::NetworkError networkError = reply->error();
    QString sentence;
    Error code = Error::ConnectionError;
    switch (networkError) {
    case QNetworkReply::ConnectionRefusedError:
        sentence = PollerMessages::connectionRefused(target());
        break;
    case QNetworkReply::HostNotFoundError:
        m_reachFailing = true;
        sentence = PollerMessages::hostNotFound(target());
        break;
    case QNetworkReply::RemoteHostClosedError:
        if (status.isValid()) {
            sentence = PollerMessages::closedInAnswer(target());
        } else if (!m_gotBytes && elapsed >= m_profile->holdTime() / 2) {
            // A proxy or the server cut an idle long poll: that is no news.
            qCDebug(lcPollerVerbose).noquote()
                << m_name << "idle poll cut after" << elapsed.count() << "ms: no news";
            handleResult(PollResult::noNews(m_cursor));
            return;
        } else {
            sentence = PollerMessages::closedBeforeAnswer(target());
        }
        break;
    case QNetworkReply::TimeoutError:
        // Our own timeouts abort the reply (finishAborted()); this one is
        // the socket's: once the request is out, the kernel's keep-alive
        // or user timeout found the path dead (deadconnection.h).
        code = Error::TimeoutError;
        m_reachFailing = true;
        m_pathDied = m_state != State::Connecting;
        sentence = m_pathDied ? PollerMessages::connectionDied(target())
                              : PollerMessages::noAnswerInTime(target());
        break;
    case QNetworkReply::OperationCanceledError:
        code = Error::TimeoutError;
        sentence = PollerMessages::noAnswerInTime(target());
        break;
    case QNetworkReply::SslHandshakeFailedError:
        failTls(redact(reply->errorString()));
        return;
    case QNetworkReply::InsecureRedirectError:
        failRedirect(reply);
        return;
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::UnknownProxyError:
        failProxy(networkError, redact(reply->errorString()));
        return;
    case QNetworkReply::ProtocolFailure:
        sentence = PollerMessages::notHttp(target(), redact(reply->errorString()));
        break;
    case QNetworkReply::TooManyRedirectsError:
        sentence = PollerMessages::couldNotTalk(target(), redact(reply->errorString()));
        break;
    default:
        // "Network unreachable", "No route to host" (UnknownNetworkError
        // while connecting) and the like.
        m_reachFailing = m_state == State::Connecting;
        sentence = PollerMessages::couldNotReach(target(), redact(reply->errorString()));
        break;
    }
    failed(code, sentence,
           status.isValid() ? PollerMessages::statusWithBytes(status.toInt(), bodySize)
                            : QString());
}

void Poller::failUnreadableBody(QNetworkReply *reply, int status)
{
    // The server answered, but the client could not read what it sent:
    // a compressed body that does not decompress (Qt 6.4's client also
    // refuses one that decodes to many times its size, a "bomb"). What
    // came is not the answer: taking it for one would make an
    // unreadable answer look like no news.
    QString why = redact(reply->errorString()).trimmed();
    if (why.endsWith(QLatin1Char(':')))
        why.chop(1);
    const QByteArray coding = replyHeader(reply, "Content-Encoding");
    failed(Error::ResponseError, PollerMessages::unreadableAnswer(target(), why),
           coding.isEmpty() ? PollerMessages::status(status)
                            : PollerMessages::statusWithEncoding(status, coding));
}

/// A whole answer: the profile makes of it events, no news or a failure.
void Poller::parseAnswer(QNetworkReply *reply, int status, const QByteArray &body,
                         milliseconds elapsed)
{
    PollResponse response;
    response.status = status;
    response.reasonPhrase =
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    response.headers = replyHeaders(reply); // the same list type: shared, not copied
    response.body = body;
    response.receivedAt = m_clock();
    m_liveOnStream = false;

    if (elapsed < kFastAnswer)
        ++m_fastNoNews;
    else
        m_fastNoNews = 0;
    handleResult(m_profile->parse(response, m_cursor));
}

void Poller::failTls(const QString &qtError)
{
    if (m_tlsFailure.isNull()) {
        // The handshake broke for another reason: the server refused our
        // client certificate or has none we accept, no common protocol, a
        // cut connection. These may pass (a server being reconfigured).
        QString sentence = PollerMessages::handshakeFailed(target(), qtError);
        if (m_settings.transport.tls.clientCertificateFile.isEmpty() &&
            qtError.contains(QLatin1String("certificate required"), Qt::CaseInsensitive)) {
            sentence = PollerMessages::clientCertificateMissing(target(), qtError);
        }
        failed(Error::TlsError, sentence, {});
        return;
    }
    // The server's certificate was refused. That will not fix itself, so the
    // channel stops and shows what a person needs to decide whether to trust
    // it: the certificate's names, validity and fingerprint.
    const CertificateInfo &certificate = m_tlsFailure.certificate;
    QStringList phrases;
    for (QString phrase : std::as_const(m_tlsFailure.errorStrings)) {
        // Qt's "The certificate has expired" goes in the middle of ours.
        if (phrase.size() > 1 && phrase.at(0).isUpper() && phrase.at(1).isLower())
            phrase[0] = phrase.at(0).toLower();
        phrases << phrase;
    }
    const QString reasons = phrases.join(QStringLiteral("; "));
    QString sentence;
    if (m_tlsFailure.pinned) {
        sentence =
            PollerMessages::pinnedCertificateUnusable(target(), reasons, certificate.description());
    } else if (m_tlsFailure.canBePinned()) {
        sentence =
            PollerMessages::certificateNotTrusted(target(), reasons, certificate.description());
    } else {
        sentence = PollerMessages::certificateInvalid(target(), reasons, certificate.description());
    }
    QStringList detail = m_tlsFailure.errorStrings;
    if (!certificate.hostNames.isEmpty())
        detail << PollerMessages::certificateNames(certificate.hostNames);
    detail << qtError;
    failFatal(Error::TlsError, sentence, detail.join(QLatin1Char('\n')));
}

void Poller::failRedirect(QNetworkReply *reply)
{
    const QUrl from = reply->request().url();
    QUrl to = replyHeader(reply, QNetworkRequest::LocationHeader).toUrl();
    if (!to.isValid())
        to = QUrl::fromEncoded(replyHeader(reply, "Location"));
    if (to.isRelative())
        to = from.resolved(to);
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QString detail = status.isValid() ? PollerMessages::status(status.toInt()) : QString();
    const QString where = redact(redactedUrl(to));
    QString sentence;
    if (!to.isValid() || to.isEmpty()) {
        sentence = PollerMessages::redirectedElsewhere(target());
    } else if (from.scheme() == QLatin1String("https") && to.scheme() == QLatin1String("http")) {
        sentence = PollerMessages::redirectedToPlainHttp(target(), where);
    } else {
        sentence = PollerMessages::redirectedTo(target(), where);
    }
    failFatal(Error::HttpError, sentence, detail);
}

void Poller::failProxy(QNetworkReply::NetworkError error, const QString &qtError)
{
    const QString proxy = proxyName();
    switch (error) {
    case QNetworkReply::ProxyAuthenticationRequiredError:
        // The channel stops: the person is asked once, and the answer is
        // kept as the channel's proxy credentials.
        if (m_settings.transport.proxy.user.isEmpty()) {
            failFatal(Error::ProxyAuthenticationError, PollerMessages::proxyNeedsCredentials(proxy),
                      qtError);
        } else {
            failFatal(Error::ProxyAuthenticationError,
                      PollerMessages::proxyRefusedCredentials(proxy), qtError);
        }
        return;
    case QNetworkReply::ProxyConnectionRefusedError:
        failed(Error::ConnectionError, PollerMessages::proxyConnectionRefused(proxy), {});
        return;
    case QNetworkReply::ProxyNotFoundError:
        failed(Error::ConnectionError, PollerMessages::proxyNotFound(proxy), {});
        return;
    case QNetworkReply::ProxyTimeoutError:
        failed(Error::TimeoutError, PollerMessages::proxyTimeout(proxy), {});
        return;
    default:
        failed(Error::ConnectionError, PollerMessages::proxyCouldNotReach(proxy, target(), qtError),
               {});
        return;
    }
}

EventList Poller::dropRepeats(EventList events)
{
    if (m_settings.dedupeMemory <= 0)
        return events;
    // In place: usually nothing is dropped, and then no event moves.
    qsizetype kept = 0;
    for (qsizetype i = 0; i < events.size(); ++i) {
        Event &event = events[i];
        if (!event.key.isEmpty()) {
            // One lookup: inserting a key already there leaves the set as it was.
            const qsizetype known = m_recentKeySet.size();
            m_recentKeySet.insert(event.key);
            if (m_recentKeySet.size() == known)
                continue;
            m_recentKeys.push_back(event.key);
            while (m_recentKeys.size() > size_t(m_settings.dedupeMemory)) {
                m_recentKeySet.remove(m_recentKeys.front());
                m_recentKeys.pop_front();
            }
        }
        if (kept != i)
            events[kept] = std::move(event);
        ++kept;
    }
    events.resize(kept);
    return events;
}

void Poller::handleResult(PollResult result)
{
    switch (result.verdict) {
    case Verdict::Events: {
        bool cut = false;
        const qsizetype count = result.events.size();
        std::optional<EventList> taken = takeEvents(result, &cut);
        if (!taken) {
            failTooManyEvents(count);
            return;
        }
        EventList events = std::move(*taken);
        const bool moved = m_cursor != result.cursor;
        m_cursor = result.cursor;
        if (!events.isEmpty()) {
            m_fastNoNews = 0;
            qCDebug(lcPollerVerbose).noquote()
                << m_name << events.size() << "event(s), cursor" << m_cursor;
            succeeded();
            Q_EMIT batchReceived(events, m_cursor);
            return;
        }
        succeeded();
        if (moved && isRunning())
            Q_EMIT cursorAdvanced(m_cursor);
        return;
    }
    case Verdict::NoNews:
        if (!result.cursor.isEmpty() && result.cursor != m_cursor) {
            m_cursor = result.cursor;
            succeeded();
            if (isRunning())
                Q_EMIT cursorAdvanced(m_cursor);
            return;
        }
        succeeded();
        return;
    case Verdict::Retry: {
        const Error code = result.overLimit   ? Error::SizeLimitError
                           : result.malformed ? Error::ResponseError
                                              : Error::HttpError;
        failed(code, redact(result.reason), redact(result.detail), result.retryAfter);
        return;
    }
    case Verdict::Fatal:
        failFatal(Error::HttpError, redact(result.reason), redact(result.detail));
        return;
    case Verdict::Resync: {
        if (m_goneOn < serverCount() - 1) {
            // Another address of the feed may still have this position: a
            // node that shuts down says so to the requests it holds (Nchan
            // answers 410 Gone) while the storage it shares keeps the
            // feed. Only when every address says so is the cursor gone.
            ++m_goneOn;
            useServer((m_server + 1) % serverCount());
            qCWarning(lcPoller).noquote()
                << m_name << redact(result.reason) << "- asking" << serverOrdinal(m_server)
                << target() << "at cursor" << m_cursor;
            Q_EMIT serverChanged(m_server);
            if (isRunning())
                scheduleNextPoll(0ms);
            return;
        }
        m_goneOn = 0;
        const QString previous = m_cursor;
        m_cursor = m_profile->initialCursor();
        m_profile->reset();
        m_recentKeys.clear();
        m_recentKeySet.clear();
        qCWarning(lcPoller).noquote() << m_name << "resync:" << redact(result.reason);
        Q_EMIT cursorReset(previous, redact(result.reason));
        if (!isRunning())
            return; // a slot stopped us
        // A server that keeps saying "gone" is failing: back off like any
        // retry, and further each time it says so again within a minute,
        // even when the start-over itself succeeds in between.
        const QDateTime now = m_clock();
        const bool again =
            m_lastResyncAt.isValid() && m_lastResyncAt.msecsTo(now) < kResyncStreakWindow.count();
        m_resyncStreak = again ? m_resyncStreak + 1 : 0;
        m_lastResyncAt = now;
        if (m_attempt > 0 || m_resyncStreak > 0) {
            m_attempt = std::max(m_attempt, m_resyncStreak);
            failed(Error::HttpError, redact(result.reason), redact(result.detail));
            return;
        }
        ++m_attempt;
        scheduleNextPoll(0ms);
        return;
    }
    }
}

std::optional<EventList> Poller::takeEvents(PollResult &result, bool *cut)
{
    *cut = false;
    const qsizetype cap = m_settings.maxEventsPerBatch;
    if (cap > 0 && result.events.size() > cap) {
        // Where the feed's cursor can stand between events, take the
        // first N and ask again from there: a large backlog comes in
        // steps. Otherwise all or nothing: dropping the rest silently
        // would lose them, so the cursor stays where it was.
        const std::optional<QString> partial = m_profile->cursorAfter(result.events, cap, m_cursor);
        if (!partial)
            return std::nullopt;
        qCInfo(lcPoller).noquote()
            << m_name << "took the first" << cap << "of" << result.events.size()
            << "events in one answer; the rest on the next poll";
        result.events.resize(cap);
        result.cursor = *partial;
        *cut = true;
    }
    EventList events = dropRepeats(std::move(result.events));
    const qint64 now = currentUsecsUtc();
    for (Event &event : events)
        event.receivedUsecs = now;
    return events;
}

void Poller::failTooManyEvents(qsizetype count)
{
    failed(Error::SizeLimitError,
           PollerMessages::tooManyEvents(target(), count, m_settings.maxEventsPerBatch), {});
}

/// A good answer's status and headers came, and the profile reads it as a
/// stream: the channel is live from now on, without a deadline.
bool Poller::startStream()
{
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid() || status.toInt() / 100 != 2)
        return false; // an error, or a redirect under way: read whole
    PollResponse head;
    head.status = status.toInt();
    head.reasonPhrase =
        m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    head.headers = replyHeaders(m_reply.get());
    head.receivedAt = m_clock();
    StreamLimits limits;
    limits.maxEventBytes = m_settings.maxBodyBytes;
    if (!m_profile->startStream(head, limits))
        return false;
    qCDebug(lcPollerVerbose).noquote() << m_name << "#" << m_requests << "stream open";
    m_streaming = true;
    m_streamEvents = false;
    // A stream may stay open for good: no deadline, only the silence limit.
    m_deadline.stop();
    m_watchdog.start(streamSilenceLimit(), this);
    m_liveOnStream = true;
    becomeLive();
    return true;
}

milliseconds Poller::streamSilenceLimit() const
{
    return std::max(m_settings.inactivityTimeout,
                    duration_cast<milliseconds>(m_profile->holdTime()));
}

bool Poller::handleStreamResult(PollResult result)
{
    const auto endStream = [this] {
        // Our own end: the reply goes quietly; the caller says what follows.
        abortReply(Abort::StreamEnded);
    };
    if (result.verdict == Verdict::Retry || result.verdict == Verdict::Fatal ||
        result.verdict == Verdict::Resync) {
        endStream();
        handleResult(std::move(result));
        return false;
    }
    bool cut = false;
    std::optional<EventList> taken;
    if (result.verdict == Verdict::Events) {
        const qsizetype count = result.events.size();
        taken = takeEvents(result, &cut);
        if (!taken) {
            // Over the cap: retried from the last cursor handed over.
            endStream();
            failTooManyEvents(count);
            return false;
        }
    }
    const EventList events = taken ? std::move(*taken) : EventList();
    const bool moved = !result.cursor.isEmpty() && result.cursor != m_cursor;
    if (!result.cursor.isEmpty())
        m_cursor = result.cursor;
    m_lastResponseAt = m_clock();
    Q_EMIT responseReceived();
    // Like a whole answer's, the batch goes out even if a slot of
    // responseReceived() stopped us (a connection test takes it then).
    if (!events.isEmpty()) {
        m_streamEvents = true;
        m_fastNoNews = 0;
        qCDebug(lcPollerVerbose).noquote()
            << m_name << events.size() << "event(s) streamed, cursor" << m_cursor;
        Q_EMIT batchReceived(events, m_cursor);
    } else if (moved && isRunning()) {
        Q_EMIT cursorAdvanced(m_cursor);
    }
    if (m_state != State::Live)
        return false; // a slot stopped or restarted us
    if (cut) {
        // Only part of what this read completed fits in one batch, and the
        // rest has been read: ask again from the cursor after the part.
        endStream();
        scheduleNextPoll(0ms);
        return false;
    }
    return true;
}

/// The end of a streamed answer: what came with it is read first, so that
/// a stream cut in the middle resumes after the last event handed over.
void Poller::finishStream(QNetworkReply *reply, const QByteArray &rest, milliseconds elapsed)
{
    if (!rest.isEmpty() && !handleStreamResult(m_profile->readStream(rest, m_cursor)))
        return;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QNetworkReply::NetworkError networkError = reply->error();
    if (!status.isValid() || isTransportError(networkError)) {
        // A broken stream, retried like a failed poll.
        failTransport(reply, status, rest.size(), elapsed);
        return;
    }
    if (networkError != QNetworkReply::NoError) {
        failUnreadableBody(reply, status.toInt());
        return;
    }
    // The server ended the answer: the next request resumes from the cursor.
    if (handleStreamResult(m_profile->endStream(m_cursor)))
        streamEnded(elapsed);
}

void Poller::streamEnded(milliseconds elapsed)
{
    // A server that ends every stream at once, with nothing in it, does
    // not hold: the same guard as for fast no-news answers.
    if (elapsed < kFastAnswer && !m_streamEvents)
        ++m_fastNoNews;
    else
        m_fastNoNews = 0;
    milliseconds delay = std::min(m_profile->reconnectDelay(), m_settings.retryAfterMax);
    if (m_fastNoNews >= kFastAnswersBeforeGuard)
        delay = std::max(delay, m_settings.liveRepollGuard);
    qCDebug(lcPollerVerbose).noquote()
        << m_name << "stream ended; asking again in" << delay.count() << "ms";
    scheduleNextPoll(delay);
}

void Poller::becomeLive()
{
    m_attempt = 0;
    m_nextRetryAt = {};
    m_lastResponseAt = m_clock();
    m_failuresHere = 0;
    m_goneOn = 0;
    m_couldNotReach = false;
    if (!m_goodSince.isValid())
        m_goodSince = m_lastResponseAt;
    if (m_error != Error::NoError) {
        m_error = Error::NoError;
        m_errorString.clear();
        m_errorDetail.clear();
    }
    setState(State::Live);
}

void Poller::succeeded()
{
    becomeLive();
    Q_EMIT responseReceived();
    if (m_state != State::Live)
        return; // a slot stopped us
    // Feeds that answer at once instead of holding (ntfy's poll mode) ask
    // for a least time between polls; a server that should hold but does
    // not is paced by the guard instead of being polled in a tight loop.
    milliseconds delay =
        std::max(0ms, m_profile->minimumPollInterval() - milliseconds(m_requestClock.elapsed()));
    if (m_fastNoNews >= kFastAnswersBeforeGuard)
        delay = std::max(delay, m_settings.liveRepollGuard);
    scheduleNextPoll(delay);
}

void Poller::setError(Error error, const QString &sentence, const QString &detail)
{
    m_error = error;
    m_errorString = sentence;
    m_errorDetail = detail;
}

void Poller::failed(Error error, const QString &failure, const QString &detail,
                    std::optional<milliseconds> retryAfter)
{
    ++m_attempt;
    m_goodSince = {};
    m_couldNotReach = std::exchange(m_reachFailing, false);
    // The backoff keeps counting across addresses, so that a feed whose
    // every address is down is not asked faster than one with one address;
    // only the first try on the next address goes out at once.
    const QString moved = failOver();
    const QString sentence = moved.isEmpty() ? failure : failure + QLatin1Char(' ') + moved;
    milliseconds delay;
    if (retryAfter) {
        // Honoured, but "0" or a date in the past gets the same floor as a
        // drawn delay, so a server that keeps saying so cannot make us spin.
        delay = std::min(*retryAfter, m_settings.retryAfterMax);
        delay = std::max(delay, std::min(kMinimumRetryDelay, backoffCeiling(m_attempt)));
    } else {
        const milliseconds ceiling = backoffCeiling(m_attempt);
        delay = milliseconds(qint64(double(ceiling.count()) * std::clamp(m_random(), 0.0, 1.0)));
        delay = std::max(delay, std::min(kMinimumRetryDelay, ceiling));
    }
    // A stream's own reconnection time (SSE `retry`) is the least wait.
    delay = std::max(delay, std::min(m_profile->reconnectDelay(), m_settings.retryAfterMax));
    if (!moved.isEmpty() && !retryAfter)
        delay = kMinimumRetryDelay;
    setError(error, sentence, detail);
    m_nextRetryAt = m_clock().addMSecs(delay.count());
    qCWarning(lcPoller).noquote() << m_name << "attempt" << m_attempt << "failed:" << sentence
                                  << (detail.isEmpty() ? QString()
                                                       : QStringLiteral("(%1)").arg(detail))
                                  << "- next try in" << delay.count() << "ms";
    setState(State::Backoff);
    Q_EMIT errorOccurred(error, sentence);
    if (m_state != State::Backoff)
        return; // a slot stopped or restarted us
    Q_EMIT retryScheduled(m_attempt, delay);
    scheduleNextPoll(delay);
}

void Poller::failFatal(Error error, const QString &sentence, const QString &detail)
{
    m_pollTimer.stop();
    m_couldNotReach = std::exchange(m_reachFailing, false);
    m_nextRetryAt = {};
    setError(error, sentence, detail);
    qCWarning(lcPoller).noquote() << m_name << "failed:" << sentence
                                  << (detail.isEmpty() ? QString()
                                                       : QStringLiteral("(%1)").arg(detail));
    setState(State::Failed);
    Q_EMIT errorOccurred(error, sentence);
}

} // namespace Longwatch
