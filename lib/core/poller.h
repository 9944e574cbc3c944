#pragma once

#include "deadconnection.h"
#include "event.h"
#include "feedprofile.h"
#include "tlsinfo.h"
#include "transport.h"

#include <QBasicTimer>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QSslConfiguration>
#include <QSslError>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QNetworkAccessManager;
class QNetworkRequest;

namespace Longwatch {

/// Timing, limits and transport of one channel. The defaults are those of
/// the original design: connect timeout 5 s, backoff 4 s .. 300 s, 16 MiB
/// bodies; system proxy, system CAs, HTTP version as Qt chooses.
struct PollerSettings
{
    std::chrono::milliseconds connectTimeout{5'000};
    std::chrono::milliseconds deadlineMargin{10'000};    ///< deadline = hold + margin
    std::chrono::milliseconds inactivityTimeout{30'000}; ///< silence once bytes flow
    std::chrono::milliseconds backoffInitial{4'000};     ///< ceiling of the first retry
    std::chrono::milliseconds backoffMax{300'000};       ///< ceiling of any retry
    std::chrono::milliseconds retryAfterMax{3'600'000};  ///< cap on server hints
    std::chrono::milliseconds liveRepollGuard{1'000};    ///< pause when no-news answers race
    /// How long a connection of the own client may go without a sign of
    /// life before it is given up (deadconnection.h); Qt's client (HTTP/2,
    /// proxies) has only the deadline and inactivityTimeout.
    std::chrono::seconds deadConnectionLimit{kDefaultDeadConnectionLimit};
    qint64 maxBodyBytes = 16 * 1024 * 1024;
    qint64 maxHeaderBytes = 64 * 1024; ///< all response header lines together
    /// More events than this in one answer fail it (SizeLimitError, retried
    /// with backoff): none are taken and the cursor stays, so nothing is
    /// dropped silently. 0: no limit.
    int maxEventsPerBatch = 100'000;
    /// Sent with every request (auth); never logged. A value may hold
    /// `${env:NAME}` references, resolved for each request, never stored
    /// resolved; an unset variable fails the channel (SetupError).
    HeaderList headers;
    /// Basic authentication (RFC 7617): with a user name, every request
    /// carries "Authorization: Basic base64(user:password)", after
    /// `headers`. Either part may hold `${env:NAME}` references, resolved
    /// for each request before encoding, never stored resolved; an unset
    /// variable fails the channel (SetupError). Never logged.
    struct BasicCredentials
    {
        QString user; ///< empty: no basic authentication
        QString password;
    } basicAuth;
    int dedupeMemory = 4096; ///< event keys remembered to drop repeats
    /// With other addresses of the feed (Poller::setOtherServers()): this
    /// many failed tries in a row on one address move the channel to the
    /// next; a connection that died on its way (a dead path) moves it at once.
    int failoverAfter = 3;
    /// How long a success on another address must have lasted before the
    /// channel goes back to the first address, at its next request.
    std::chrono::milliseconds failbackAfter{600'000};
    /// Proxy, TLS trust and identity, HTTP version. Give the same options
    /// to NetworkPool::acquire() for the manager this Poller runs on: the
    /// proxy is the manager's, the rest is the request's.
    TransportOptions transport;
};

/// Polls one long-poll channel: asks, waits for the server, hands over what
/// came back, and asks again from the new cursor. Failures back off with
/// full jitter; server hints (Retry-After) are honoured.
///
/// One Poller runs at most one request at a time on the injected network
/// access manager, which it does not own. Use NetworkPool to give channels
/// to the same server managers of their own (Qt 6.4 runs at most six
/// HTTP/1.1 requests per host and manager).
class Poller : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Idle,       ///< never started
        Connecting, ///< a request is on its way; no answer since (re)start
        Waiting,    ///< the request was sent; the server holds it ("Listening")
        Live,       ///< the last answer was good; polling on
        Backoff,    ///< the last attempt failed; the next one is scheduled
        Stopped,    ///< stopped by the user
        Failed,     ///< a fatal error stopped the channel; errorString() says why
    };
    Q_ENUM(State)

    enum class Error {
        NoError,
        ConnectionError, ///< refused, reset, host not found, closed mid-body
        TimeoutError,    ///< connect timeout, deadline, or the server went silent
        /// The server's certificate was refused (Failed; tlsFailure() has the
        /// certificate and the reasons), or the TLS handshake broke (Backoff).
        TlsError,
        HttpError,      ///< the server answered with an error status, or redirected elsewhere
        ResponseError,  ///< the body does not parse or has the wrong shape
        SizeLimitError, ///< body, headers or events in one answer over the channel's cap
        /// The proxy wants a user name and password: none are stored, or it
        /// refused the stored ones (Failed).
        ProxyAuthenticationError,
        /// The channel's settings cannot be used: a certificate or key file,
        /// an environment variable that is not set (Failed).
        SetupError,
    };
    Q_ENUM(Error)

    using Clock = std::function<QDateTime()>;
    using Random = std::function<double()>; ///< uniform in [0, 1)

    Poller(std::unique_ptr<FeedProfile> profile, QNetworkAccessManager *manager,
           QObject *parent = nullptr);
    ~Poller() override;

    /// The channel's name in log lines and error sentences.
    void setName(const QString &name);
    QString name() const { return m_name; }

    void setSettings(const PollerSettings &settings);
    const PollerSettings &settings() const { return m_settings; }
    void setClock(Clock clock);
    void setRandom(Random random);

    /// The profile of the address in use (see server()).
    FeedProfile *profile() const { return m_profile; }

    /// Other addresses of the same feed, one profile each, built like the
    /// first one (same profile id and knobs) for another URL. The channel
    /// moves to the next address after PollerSettings::failoverAfter failed
    /// tries in a row there, or at once when a connection died on its way
    /// (a dead path); the cursor goes with it, and repeats of recent event
    /// keys are dropped as always. It goes back to the first address at the
    /// next request once a success on another one has lasted
    /// PollerSettings::failbackAfter. A position the server says is gone
    /// (a resync) is asked of the next address first, as a node that shuts
    /// down may say so while the others have it; only when every address
    /// says so does the channel start over. start() begins at the first
    /// address.
    /// Set before start().
    void setOtherServers(std::vector<std::unique_ptr<FeedProfile>> profiles);
    /// How many addresses the channel has (1 without other servers).
    int serverCount() const { return int(m_servers.size()); }
    /// The address in use: 0 for the first (the channel's URL).
    int server() const { return m_server; }
    /// The address in use as "host:port", for a person.
    QString serverName() const { return target(); }
    /// "the second server" for 1, and so on (0-based, as server()).
    static QString serverOrdinal(int server);

    /// Starts polling from `cursor` (the profile's initial cursor if empty).
    /// Refused (returns false) while already running.
    bool start(const QString &cursor = {});
    /// Stops at once; the request under way is aborted, and that is not an error.
    void stop();
    /// Ends a backoff, or restarts a failed channel, and polls now.
    void retryNow();
    /// The network changed or the machine woke up: a held request may ride
    /// on a connection that is gone, and a backoff counts failures of a
    /// network that is no more. Drops the request under way (not an
    /// error), forgets the backoff, and polls again after `delay` (a little
    /// jitter, so that channels do not all ask at the same moment). A
    /// channel that is not running (stopped, or failed for a reason only
    /// its user can mend) is left as it is.
    void restartAfterNetworkChange(std::chrono::milliseconds delay);
    /// While the machine is offline (no default route), failed tries are
    /// retried at most kOfflineBackoffCeiling apart, whatever the settings
    /// say: the network's return is announced (restartAfterNetworkChange()),
    /// but not every return is, and a long backoff would sit out the rest.
    void setOffline(bool offline);
    bool isOffline() const { return m_offline; }
    /// The first sign of a network after it was gone (another channel got
    /// an answer): a channel in Backoff forgets its backoff and polls again
    /// after `delay` (a little jitter); in any other state it goes on as it is.
    void networkReturned(std::chrono::milliseconds delay);
    static constexpr std::chrono::seconds kOfflineBackoffCeiling{30};
    /// Start-overs closer together than this count as one failing streak.
    static constexpr std::chrono::seconds kResyncStreakWindow{60};

    State state() const { return m_state; }
    bool isRunning() const { return isRunning(m_state); }
    /// Whether a poller in `state` is polling (or about to).
    static bool isRunning(State state);
    /// The state in words; a Live channel whose answers stream says so
    /// ("Live — streaming").
    static QString stateString(State state, bool streaming = false);
    /// Whether the channel is Live on a stream: its last good answer was
    /// read as it arrived (FeedProfile::streamsAnswers()), and it is still
    /// Live (between two streams of a feed too).
    bool isStreaming() const { return m_liveOnStream && m_state == State::Live; }

    Error error() const { return m_error; }
    /// Whether the last failure said that nothing came back from the
    /// server's machine: host not found, network unreachable, connect
    /// timed out, or a connection that died on its way (a dead path). Not
    /// an HTTP error, a refused connection or a deadline. False after a
    /// success. What OfflineDetector counts.
    bool couldNotReach() const { return m_couldNotReach; }
    /// The last failure as a sentence a person can act on; no secrets.
    QString errorString() const { return m_errorString; }
    /// Raw details of the last failure: HTTP status, body excerpt; no secrets.
    QString errorDetail() const { return m_errorDetail; }
    /// The refused certificate behind the last TlsError, for a "trust this
    /// certificate" choice (add its sha256 to the channel's
    /// TlsSettings::pinnedSha256 if canBePinned()); null otherwise.
    TlsFailure tlsFailure() const { return m_tlsFailure; }

    QString cursor() const { return m_cursor; }
    /// Consecutive failed attempts; 0 after a success.
    int attempt() const { return m_attempt; }
    /// When the next try is due, while in Backoff.
    QDateTime nextRetryAt() const { return m_nextRetryAt; }
    /// When the last good answer arrived (invalid if none yet).
    QDateTime lastResponseAt() const { return m_lastResponseAt; }
    /// In a slot of batchReceived(): how long the answer took from sending
    /// its request (a long poll: the time the server held it until it had
    /// news). None for a stream's reads, which come as the server pushes.
    std::optional<std::chrono::milliseconds> answerLatency() const
    {
        if (m_streaming || !m_requestClock.isValid())
            return std::nullopt;
        return std::chrono::milliseconds(m_requestClock.elapsed());
    }

    /// The backoff ceiling for a given attempt (1-based): initial * 2^(n-1),
    /// capped. The delay is drawn uniformly below it ("full jitter").
    std::chrono::milliseconds backoffCeiling(int attempt) const;

Q_SIGNALS:
    /// Emitted on every change of state().
    void stateChanged(Longwatch::Poller::State state);
    /// Emitted once per response that carried new events, in cursor order,
    /// with the cursor that follows them; for a stream, once per read that
    /// completed events (never once per event). Events at or behind the
    /// cursor, and repeats of recent keys, have been dropped.
    void batchReceived(const Longwatch::EventList &events, const QString &cursor);
    /// Emitted when an answer moved the cursor without new events (no news
    /// with a new cursor, or only repeats), so a store can keep up with it.
    void cursorAdvanced(const QString &cursor);
    /// Emitted when a failed attempt schedules the next one.
    void retryScheduled(int attempt, std::chrono::milliseconds delay);
    /// Emitted once per failed attempt (retryable or fatal), after error()
    /// and errorString() are set.
    void errorOccurred(Longwatch::Poller::Error error, const QString &message);
    /// Emitted when the server told us our cursor is no longer valid and we
    /// started over from the profile's initial cursor.
    void cursorReset(const QString &previousCursor, const QString &reason);
    /// Emitted after every good answer (events or no news), before its
    /// batch; for a stream, after every read the profile took (events,
    /// heartbeats or part of an event) and when the stream ends.
    void responseReceived();
    /// Emitted when the channel moved to another address (server() is
    /// `server` now), before the request to it goes out.
    void serverChanged(int server);

private:
    enum class Abort {
        None,
        ByUser,
        ConnectTimeout,
        Deadline,
        Inactivity,
        TooLarge,
        HeadersTooLarge,
        StreamSilent, ///< an open stream stayed silent past its limit: asked again
        StreamEnded,  ///< we ended a stream; whoever did says what follows
    };
    struct ReplyDeleter
    {
        void operator()(QNetworkReply *reply) const;
    };
    /// A single-shot timer of the poller that is cheap to start again and
    /// to stop, as the deadline and the watchdog are several times a poll:
    /// started again for later, or stopped, it leaves the timer under it
    /// running, and when that fires before the time now asked for, it
    /// waits on for the rest. So a poll that ends in time costs no timer
    /// registration at all (PERFORMANCE.md, "The real path per event").
    class LazyTimer
    {
    public:
        void start(std::chrono::milliseconds interval, QObject *receiver);
        void stop() { m_armed = false; }
        /// For the receiver's timerEvent(): whether this is this timer's
        /// event and its time has come (it is then stopped).
        bool fired(int timerId, QObject *receiver);

    private:
        QBasicTimer m_timer;
        QDeadlineTimer m_due;      ///< when it fires, while m_armed
        QDeadlineTimer m_timerDue; ///< when m_timer fires
        bool m_armed = false;
        bool m_exact = false; ///< m_timer was started for m_due itself
    };

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void setState(State state);
    void sendRequest();
    void onRequestSent();
    void onMetaDataChanged();
    void onReadyRead();
    void onSslErrors(const QList<QSslError> &errors);
    /// The end of a request, in the steps below: our own abort, a reply
    /// that brought no HTTP answer, a body that could not be read, or an
    /// answer for the profile.
    void onFinished();
    void finishAborted(Abort abort, qsizetype bodySize, const QNetworkReply *reply);
    void failTransport(QNetworkReply *reply, const QVariant &status, qsizetype bodySize,
                       std::chrono::milliseconds elapsed);
    void failUnreadableBody(QNetworkReply *reply, int status);
    void parseAnswer(QNetworkReply *reply, int status, const QByteArray &body,
                     std::chrono::milliseconds elapsed);
    bool startStream();
    std::chrono::milliseconds streamSilenceLimit() const;
    /// One read of a stream (or its end) as the profile saw it; false when
    /// the stream does not go on (failed, ended by us, or we were stopped).
    bool handleStreamResult(PollResult result);
    void finishStream(QNetworkReply *reply, const QByteArray &rest,
                      std::chrono::milliseconds elapsed);
    void streamEnded(std::chrono::milliseconds elapsed);
    /// The events of an answer or a read, within the channel's cap, repeats
    /// dropped; nullopt when over the cap and the cursor cannot stand
    /// between two events. `cut` says the rest of them was left for later.
    std::optional<EventList> takeEvents(PollResult &result, bool *cut);
    void failTooManyEvents(qsizetype count);
    void failTls(const QString &qtError);
    void failRedirect(QNetworkReply *reply);
    void failProxy(QNetworkReply::NetworkError error, const QString &qtError);
    /// The channel's settings on `request`, and with `withProfileHeaders`
    /// the profile's header fields too.
    bool prepareRequest(QNetworkRequest &request, const PollRequest &pollRequest,
                        bool withProfileHeaders);
    void addSecret(const QString &value);
    void abortReply(Abort reason);
    void handleResult(PollResult result);
    void becomeLive();
    void succeeded();
    void failed(Error error, const QString &sentence, const QString &detail,
                std::optional<std::chrono::milliseconds> retryAfter = std::nullopt);
    void failFatal(Error error, const QString &sentence, const QString &detail);
    void setError(Error error, const QString &sentence, const QString &detail);
    void scheduleNextPoll(std::chrono::milliseconds delay);
    void useServer(int server);
    /// After a failure: moves to the next address if the rule says so, and
    /// returns what the person should read about it (empty if it stayed).
    QString failOver();
    /// Before a request: back to the first address after a lasting success.
    void failBack();
    EventList dropRepeats(EventList events);
    QString redact(QString text) const;
    QString target() const;
    QString proxyName() const;

    /// The profile of every address; the first is the channel's URL.
    std::vector<std::unique_ptr<FeedProfile>> m_servers;
    FeedProfile *m_profile = nullptr; ///< the one of m_servers in use
    int m_server = 0;
    int m_failuresHere = 0;      ///< failed tries in a row on this address
    bool m_pathDied = false;     ///< the failure being reported is a dead path
    bool m_reachFailing = false; ///< the failure being reported is one of reach
    bool m_couldNotReach = false;
    /// Resyncs in a row, each within kResyncStreakWindow of the one before:
    /// a start-over that succeeds (a list) resets the attempt count, so a
    /// server that says "gone" to every position would be asked in a loop.
    int m_resyncStreak = 0;
    QDateTime m_lastResyncAt;
    int m_goneOn = 0;      ///< addresses that said the cursor is gone, in a row
    QDateTime m_goodSince; ///< first success on this address since it last failed
    QPointer<QNetworkAccessManager> m_manager;
    PollerSettings m_settings;
    Clock m_clock;
    Random m_random;
    QString m_name;
    QStringList m_secrets;

    State m_state = State::Idle;
    Error m_error = Error::NoError;
    QString m_errorString;
    QString m_errorDetail;
    TlsFailure m_tlsFailure;
    std::optional<QSslConfiguration> m_tlsConfiguration; ///< loaded on the first https request
    /// The errors of the last handshake the system's CAs cleared (a channel
    /// with a CA file, errorsTheSystemStoreClears()); empty if none.
    QList<QSslError> m_systemClearedErrors;
    QString m_cursor;
    int m_attempt = 0;
    int m_requests = 0;
    int m_fastNoNews = 0;
    QDateTime m_nextRetryAt;
    QDateTime m_lastResponseAt;

    std::unique_ptr<QNetworkReply, ReplyDeleter> m_reply;
    QByteArray m_body;
    Abort m_abort = Abort::None;
    bool m_gotBytes = false;
    bool m_offline = false;
    bool m_headersUnreadable =
        false;                   ///< a status came with no header at all (see onMetaDataChanged)
    bool m_streaming = false;    ///< the answer under way is read as a stream
    bool m_streamEvents = false; ///< the stream under way brought events
    bool m_liveOnStream = false; ///< the last good answer was a stream
    QElapsedTimer m_requestClock;

    QTimer m_pollTimer;   ///< next poll: at once, after a guard pause, or after backoff
    LazyTimer m_deadline; ///< whole-request deadline: hold + margin
    LazyTimer m_watchdog; ///< connect timeout until sent, then inactivity once bytes flow

    std::deque<QString> m_recentKeys;
    QSet<QString> m_recentKeySet;
};

} // namespace Longwatch
