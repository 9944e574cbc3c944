#include "tailmetrics.h"

#include "httpconnection.h"
#include "prometheustext.h"

#include <QHostAddress>
#include <QMetaEnum>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>

namespace Longwatch {

namespace {

/// The state label: Poller::State in lower case ("live", "backoff").
QString stateLabel(Poller::State state)
{
    return QString::fromLatin1(QMetaEnum::fromType<Poller::State>().valueToKey(int(state)))
        .toLower();
}

/// The error class label: Poller::Error without "Error", in snake case
/// ("connection", "size_limit", "proxy_authentication").
QString errorLabel(Poller::Error error)
{
    QString key = QString::fromLatin1(QMetaEnum::fromType<Poller::Error>().valueToKey(int(error)));
    key.chop(5); // "Error"
    QString label;
    for (const QChar c : std::as_const(key)) {
        if (c.isUpper() && !label.isEmpty())
            label += QLatin1Char('_');
        label += c.toLower();
    }
    return label;
}

constexpr Poller::State kStates[] = {
    Poller::State::Idle,    Poller::State::Connecting, Poller::State::Waiting, Poller::State::Live,
    Poller::State::Backoff, Poller::State::Stopped,    Poller::State::Failed};

} // namespace

TailMetrics::TailMetrics(QObject *parent)
    : QObject(parent)
{}

TailMetrics::~TailMetrics() = default;

TailMetrics::Channel *TailMetrics::channel(const QString &name)
{
    auto it = m_index.constFind(name);
    if (it == m_index.constEnd()) {
        it = m_index.insert(name, qsizetype(m_channels.size()));
        m_channels.push_back(Channel{});
        m_channels.back().name = name;
    }
    return &m_channels[size_t(*it)];
}

void TailMetrics::watch(const QString &name, Poller *poller)
{
    channel(name)->state = poller->state();
    // Looked up by index in each slot: m_channels may grow meanwhile.
    const qsizetype index = m_index.value(name);
    connect(poller, &Poller::stateChanged, this, [this, index](Poller::State state) {
        Channel &c = m_channels[size_t(index)];
        c.state = state;
        if (state != Poller::State::Backoff)
            c.backoffSeconds = 0;
    });
    connect(poller, &Poller::responseReceived, this,
            [this, index] { ++m_channels[size_t(index)].polls; });
    connect(poller, &Poller::errorOccurred, this, [this, index](Poller::Error error) {
        Channel &c = m_channels[size_t(index)];
        ++c.polls;
        if (size_t(error) < c.errors.size())
            ++c.errors[size_t(error)];
    });
    connect(poller, &Poller::retryScheduled, this,
            [this, index](int, std::chrono::milliseconds delay) {
                Channel &c = m_channels[size_t(index)];
                ++c.reconnects;
                c.backoffSeconds = double(delay.count()) / 1000.0;
            });
}

void TailMetrics::countBatch(const QString &name, const EventList &events)
{
    Channel *c = channel(name);
    c->events += quint64(events.size());
    for (const Event &event : events) {
        c->lastEventUsecs = std::max(c->lastEventUsecs, event.receivedUsecs);
        if (!event.time.isValid())
            continue; // the feed stamps no time: no latency to tell
        // A sender's clock ahead of ours is no negative latency.
        const double latency =
            std::max<double>(0, double(event.receivedUsecs) -
                                    double(event.time.toMSecsSinceEpoch()) * 1000.0) /
            1e6;
        const auto bucket =
            std::lower_bound(kLatencyBuckets.cbegin(), kLatencyBuckets.cend(), latency);
        if (bucket != kLatencyBuckets.cend())
            ++c->latencyBuckets[size_t(bucket - kLatencyBuckets.cbegin())];
        ++c->latencyCount;
        c->latencySum += latency;
    }
}

QByteArray TailMetrics::exposition(qint64 nowUsecs) const
{
    PrometheusText text;
    const auto perChannel = [&](QByteArrayView name, QByteArrayView type, QByteArrayView help,
                                auto value) {
        text.family(name, type, help);
        for (const Channel &c : m_channels)
            text.sample(name, {{"channel", c.name}}, double(value(c)));
    };

    text.family("longwatch_channel_state", "gauge",
                "1 for the state the channel is in, 0 for the others.");
    for (const Channel &c : m_channels) {
        for (const Poller::State state : kStates)
            text.sample("longwatch_channel_state",
                        {{"channel", c.name}, {"state", stateLabel(state)}},
                        c.state == state ? 1 : 0);
    }
    perChannel("longwatch_polls_total", "counter",
               "Requests to the feed that ended, with an answer or with an error.",
               [](const Channel &c) { return c.polls; });
    perChannel("longwatch_events_total", "counter", "New events received.",
               [](const Channel &c) { return c.events; });
    text.family("longwatch_errors_total", "counter", "Failed requests, by class of error.");
    for (const Channel &c : m_channels) {
        for (size_t error = 1; error < c.errors.size(); ++error)
            text.sample("longwatch_errors_total",
                        {{"channel", c.name}, {"class", errorLabel(Poller::Error(error))}},
                        double(c.errors[error]));
    }
    perChannel("longwatch_reconnects_total", "counter", "Retries scheduled after a failed request.",
               [](const Channel &c) { return c.reconnects; });
    perChannel("longwatch_backoff_seconds", "gauge",
               "The delay before the next retry while the channel backs off; 0 otherwise.",
               [](const Channel &c) { return c.backoffSeconds; });

    // Only channels that received an event have a last one.
    text.family("longwatch_last_event_age_seconds", "gauge",
                "Time since the last new event arrived.");
    for (const Channel &c : m_channels) {
        if (c.lastEventUsecs > 0)
            text.sample("longwatch_last_event_age_seconds", {{"channel", c.name}},
                        double(std::max<qint64>(0, nowUsecs - c.lastEventUsecs)) / 1e6);
    }
    text.family("longwatch_last_event_timestamp_seconds", "gauge",
                "When the last new event arrived, in seconds since the epoch.");
    for (const Channel &c : m_channels) {
        if (c.lastEventUsecs > 0)
            text.sample("longwatch_last_event_timestamp_seconds", {{"channel", c.name}},
                        double(c.lastEventUsecs) / 1e6);
    }

    text.family("longwatch_delivery_latency_seconds", "histogram",
                "From the time the feed stamped on an event to its arrival here; only events "
                "with a time.");
    for (const Channel &c : m_channels) {
        quint64 cumulative = 0;
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            cumulative += c.latencyBuckets[i];
            text.sample(
                "longwatch_delivery_latency_seconds_bucket",
                {{"channel", c.name},
                 {"le", QString::fromLatin1(PrometheusText::formatValue(kLatencyBuckets[i]))}},
                double(cumulative));
        }
        text.sample("longwatch_delivery_latency_seconds_bucket",
                    {{"channel", c.name}, {"le", QStringLiteral("+Inf")}}, double(c.latencyCount));
        text.sample("longwatch_delivery_latency_seconds_sum", {{"channel", c.name}}, c.latencySum);
        text.sample("longwatch_delivery_latency_seconds_count", {{"channel", c.name}},
                    double(c.latencyCount));
    }
    return text.take();
}

MetricsServer::MetricsServer(const TailMetrics *metrics, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, [this] {
        // Scrapes send no body: small limits.
        const HttpConnection::Limits limits{4 * 1024, 16 * 1024};
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            auto *connection = new HttpConnection(socket, limits, this);
            connect(
                connection, &HttpConnection::requestReceived, this,
                [this, connection](const HttpRequest &request) { answer(connection, request); });
        }
    });
}

MetricsServer::~MetricsServer() = default;

bool MetricsServer::listen(const QHostAddress &address, quint16 port)
{
    if (m_server->listen(address, port))
        return true;
    m_errorString = m_server->errorString();
    return false;
}

QString MetricsServer::boundAddress() const
{
    const QHostAddress address = m_server->serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    return host + QLatin1Char(':') + QString::number(m_server->serverPort());
}

void MetricsServer::answer(HttpConnection *connection, const HttpRequest &request)
{
    if (request.url.path() != QLatin1String("/metrics")) {
        connection->respond(404, QByteArrayLiteral("Not found; the metrics are at /metrics.\n"),
                            QByteArrayLiteral("text/plain; charset=utf-8"));
        return;
    }
    if (request.method != "GET") {
        connection->respond(405, QByteArray(), QByteArrayLiteral("text/plain; charset=utf-8"),
                            {{QByteArrayLiteral("Allow"), QByteArrayLiteral("GET")}});
        return;
    }
    connection->respond(200, m_metrics->exposition(currentUsecsUtc()),
                        PrometheusText::contentType());
}

} // namespace Longwatch
