#pragma once

// longwatch-tail --metrics: what each channel's Poller did, counted as it
// happens and written in the Prometheus text format when scraped. The names
// follow Prometheus' conventions (docs/RECORDER.md lists them): the
// longwatch_ prefix, _total counters, seconds.

#include "poller.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>

#include <array>
#include <vector>

class QHostAddress;
class QTcpServer;

namespace Longwatch {

class HttpConnection;
struct HttpRequest;

/// The figures of every channel it watches. Labels hold only the channel's
/// name (and a state or an error class): never its address or a secret.
class TailMetrics final : public QObject
{
    Q_OBJECT
public:
    /// Upper bounds (seconds) of the delivery latency histogram's buckets.
    static constexpr std::array kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                                   1.0,   2.5,  5.0,   10.0, 30.0, 60.0, 300.0};

    explicit TailMetrics(QObject *parent = nullptr);
    ~TailMetrics() override;

    /// Counts what `poller` does from now on, as channel `name` (unique).
    void watch(const QString &name, Poller *poller);
    /// Counts one batch of `name`: its events, and for those the feed
    /// stamped, the delivery latency (arrival minus the feed's time).
    void countBatch(const QString &name, const EventList &events);

    /// The exposition at `nowUsecs` (µs since the epoch, for the ages).
    QByteArray exposition(qint64 nowUsecs) const;

private:
    struct Channel
    {
        QString name;
        Poller::State state = Poller::State::Idle;
        quint64 polls = 0;
        quint64 events = 0;
        quint64 reconnects = 0;
        std::array<quint64, 9> errors{}; ///< by Poller::Error, NoError unused
        double backoffSeconds = 0;
        qint64 lastEventUsecs = 0; ///< arrival of the last event; 0: none yet
        std::array<quint64, kLatencyBuckets.size()> latencyBuckets{}; ///< not cumulative
        quint64 latencyCount = 0;
        double latencySum = 0;
    };
    Channel *channel(const QString &name);

    std::vector<Channel> m_channels; ///< in the order watched
    QHash<QString, qsizetype> m_index;
};

/// Serves GET /metrics (TailMetrics::exposition()) over HTTP/1.1, through
/// the feed server's own connection code; any other path gets 404.
class MetricsServer final : public QObject
{
    Q_OBJECT
public:
    explicit MetricsServer(const TailMetrics *metrics, QObject *parent = nullptr);
    ~MetricsServer() override;

    /// Listens on `address`:`port` (0: a free port). False with
    /// errorString() if it cannot.
    bool listen(const QHostAddress &address, quint16 port);
    QString errorString() const { return m_errorString; }
    /// "127.0.0.1:9464": where it listens, port included.
    QString boundAddress() const;

private:
    void answer(HttpConnection *connection, const HttpRequest &request);

    const TailMetrics *m_metrics;
    QTcpServer *m_server = nullptr;
    QString m_errorString;
};

} // namespace Longwatch
