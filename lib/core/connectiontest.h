#pragma once

#include "channelconfig.h"
#include "event.h"
#include "poller.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <chrono>

class QNetworkAccessManager;

namespace Longwatch {

/// Makes ONE real poll with a channel's configuration, for the channel
/// dialog's "Test connection": a short-lived Poller that is stopped after
/// the first batch, the first "no news" or the first error.
class ConnectionTest final : public QObject
{
    Q_OBJECT
public:
    enum class Outcome {
        None,      ///< not finished (or never started)
        Events,    ///< the feed answered with events
        NoNews,    ///< the feed answered, with nothing new
        Failed,    ///< the request failed, or the configuration cannot run
        Cancelled, ///< cancel() was called
    };
    Q_ENUM(Outcome)

    /// `manager` is not owned.
    explicit ConnectionTest(QNetworkAccessManager *manager, QObject *parent = nullptr);
    ~ConnectionTest() override;

    /// Starts the poll. Refused (false) while one is running. A
    /// configuration that cannot run finishes at once (queued) as Failed.
    bool start(const ChannelConfig &config);
    /// Stops the poll under way; finished() follows with Cancelled.
    void cancel();
    bool isRunning() const { return m_running; }

    Outcome outcome() const { return m_outcome; }
    EventList events() const { return m_events; }
    /// The cursor the channel would continue from.
    QString cursor() const { return m_cursor; }
    QString errorString() const { return m_errorString; }
    QString errorDetail() const { return m_errorDetail; }
    /// The certificate the server presented and why it was refused, when
    /// the test failed on it (like Poller::tlsFailure()); null otherwise.
    /// If canBePinned() and not yet pinned, adding its sha256 to the
    /// channel's TlsSettings::pinnedSha256 lets the next test through.
    TlsFailure tlsFailure() const { return m_tlsFailure; }
    std::chrono::milliseconds elapsed() const { return m_elapsed; }

Q_SIGNALS:
    /// Emitted while the poll runs (Connecting, Waiting).
    void stateChanged(Longwatch::Poller::State state);
    /// Emitted exactly once per start(), when the outcome is known.
    void finished(Longwatch::ConnectionTest::Outcome outcome);

private:
    void finish(Outcome outcome);
    void onResponse();

    QPointer<QNetworkAccessManager> m_manager;
    Poller *m_poller = nullptr;
    bool m_running = false;
    Outcome m_outcome = Outcome::None;
    EventList m_events;
    QString m_cursor;
    QString m_errorString;
    QString m_errorDetail;
    TlsFailure m_tlsFailure;
    int m_preparations = 0; ///< answers that only prepared the feed, this test
    QElapsedTimer m_clock;
    std::chrono::milliseconds m_elapsed{0};
};

} // namespace Longwatch
