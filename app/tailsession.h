#pragma once

#include "channelhealth.h"
#include "jobstatus.h"
#include "offlinedetector.h"
#include "poller.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QVariantMap>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

namespace Longwatch {

class EventLog;
class NetworkPool;
class NetworkWatcher;
class TailMetrics;

/// What longwatch-tail was asked to do, as its command line says it.
struct TailOptions
{
    struct Channel
    {
        QString name; ///< unique among the channels; names them in the event log too
        QUrl url;
        QString profileId = QStringLiteral("seed-events"); ///< one createProfile() knows
        QVariantMap knobs;                                 ///< the profile settings
        PollerSettings settings; ///< timing, limits, transport, headers and credentials
        JobMapping jobs;         ///< how the event log reads jobs from the events
    };
    QList<Channel> channels;
    /// --since NAME=CURSOR; wins over sinceForAll and over the stored cursor.
    QHash<QString, QString> sinceByChannel;
    /// --since CURSOR; wins over the stored cursor.
    std::optional<QString> sinceForAll;
    std::optional<qint64> count; ///< events to print before finishing
    std::optional<std::chrono::milliseconds> duration;
    /// The event log to record in before printing (--store FILE).
    std::optional<QString> storePath;
    bool quiet = false; ///< say only errors
};

/// One run of longwatch-tail: a Poller per channel, sharing one NetworkPool,
/// and with --store the event log. Every event is written as one NDJSON
/// line (EventExporter::ndjsonLine()) to the output; with an event log it is
/// recorded first, batch and cursor in one transaction, and what the log
/// already held is not printed again.
///
/// What a person reads (states, retries, errors) comes out as message()
/// sentences that name the channel.
class TailSession final : public QObject
{
    Q_OBJECT
public:
    explicit TailSession(TailOptions options, QObject *parent = nullptr);
    ~TailSession() override;

    /// Where the event lines go; stdout unless set. Set before start().
    void setOutput(std::FILE *output);
    /// Counts what every channel does in `metrics` (--metrics), which must
    /// outlive the session. Set before start().
    void setMetrics(TailMetrics *metrics);

    /// Opens the event log (if asked for), then creates and starts each
    /// channel in order, each from its --since cursor or the one stored with
    /// its last batch; starts the --duration clock. Returns false, with
    /// errorString(), if the event log cannot be opened or read: the run
    /// must end (exit status 1) and finished() will not come. Call once.
    bool start();
    QString errorString() const { return m_errorString; }

    /// Ends the run with `exitCode`: stops every channel without a word, and
    /// emits finished() from the event loop. Later calls do nothing. For
    /// Ctrl+C and SIGTERM (ExitOk).
    void finish(int exitCode);

Q_SIGNALS:
    /// A sentence for standard error, naming the channel: "[builds] live".
    /// With `quiet`, only errors and retries.
    void message(const QString &sentence);
    /// Emitted exactly once, from the event loop, when the run is over:
    /// ExitOk when --count or --duration is reached, the reader of the
    /// output went away or finish(ExitOk) was called; ExitFailed when a
    /// channel failed for good or the event log could not be written.
    void finished(int exitCode);

private:
    bool startChannel(const TailOptions::Channel &channel);
    void onBatch(const QString &name, const JobMapping &jobs, const EventList &events,
                 const QString &cursor);
    /// Writes one line to the output; false if the reader went away.
    bool print(const QByteArray &line);
    /// With an event log: counts what the poller reports for the
    /// channel's health (HealthMeter), written every kHealthInterval.
    void meterHealth(const QString &name, Poller *poller);
    void writeHealth();
    void watchNetwork();
    void restartAfterNetworkChange(const QString &why);
    /// Tells the OfflineDetector what channel `name` (polling `host`) says now.
    void updateReach(const QString &name, const QString &host, const Poller *poller);
    /// Offline when there is no route out or no channel reaches its server.
    void updateOffline();

    TailOptions m_options;
    std::FILE *m_output = stdout;
    TailMetrics *m_metrics = nullptr;
    QString m_errorString;
    std::optional<qint64> m_remaining; ///< events still to print, with --count
    bool m_finishing = false;
    // Declared before the pool and the pollers, so it closes after them.
    std::unique_ptr<EventLog> m_store;
    QHash<QString, HealthMeter> m_health; ///< by channel name
    QTimer m_healthTimer;
    std::unique_ptr<NetworkPool> m_pool;
    std::vector<std::unique_ptr<Poller>> m_pollers;
    /// The machine's network and sleep: every poller polls again after a
    /// change or a resume, and waits for the network while it is offline.
    std::unique_ptr<NetworkWatcher> m_networkWatcher;
    bool m_routeOffline = false;
    bool m_offline = false;
    /// Every channel failing to reach its server at once is offline too.
    OfflineDetector m_reach;
    QElapsedTimer m_uptime; ///< the detector's clock
};

} // namespace Longwatch
