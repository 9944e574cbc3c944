// longwatch-tail --metrics (#23): the Prometheus text format as
// PrometheusText and TailMetrics write it (checked by Debian's promtool
// too), and the real program scraped by a real Prometheus (Debian's
// prometheus 2.42), started here on free ports with a scrape config for the
// recorder and asked through its HTTP API for the recorder's series.

#include "fakehttpserver.h"
#include "prometheustext.h"
#include "tailmetrics.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <signal.h>
#include <sys/prctl.h>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

constexpr int kWaitMs = 30'000;
const QString kTail = QStringLiteral(LONGWATCH_TAIL_PATH);
/// A channel name that needs escaping in a label value.
const QString kOddName = QStringLiteral("Builds \"main\" \\ ü");

std::unique_ptr<QProcess> makeProcess(const QString &program, const QStringList &arguments)
{
    auto process = std::make_unique<QProcess>();
    process->setProgram(program);
    process->setArguments(arguments);
    process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy"})
        env.remove(QString::fromLatin1(name));
    process->setProcessEnvironment(env);
    return process;
}

/// A port that was free a moment ago, for a program that takes no port 0.
quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

/// seed-events answer: events `ids`, each stamped `time`.
QByteArray stampedEvents(const QList<int> &ids, const QDateTime &time)
{
    QJsonArray events;
    for (const int id : ids)
        events.append(QJsonObject{{"id", id},
                                  {"type", "build"},
                                  {"message", QStringLiteral("event %1").arg(id)},
                                  {"time", time.toString(Qt::ISODateWithMs)}});
    return QJsonDocument(QJsonObject{{"events", events}}).toJson(QJsonDocument::Compact);
}

Event eventAt(qint64 receivedUsecs, const QDateTime &time)
{
    Event event;
    event.key = QStringLiteral("1");
    event.time = time;
    event.receivedUsecs = receivedUsecs;
    return event;
}

} // namespace

class tst_TailMetrics : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void labelValuesAreEscaped_data();
    void labelValuesAreEscaped();
    void valuesAreWrittenAsTheFormatSays_data();
    void valuesAreWrittenAsTheFormatSays();
    void latencyHistogramCountsStampedEventsOnly();
    void expositionPassesPromtool();
    void badAddressExitsWithTwo();
    void aRealPrometheusScrapesTheRecorder();

private:
    /// Asks Prometheus for `query`; the vector's samples as metric -> value.
    QList<std::pair<QJsonObject, double>> query(quint16 port, const QString &query);

    QNetworkAccessManager m_manager;
};

void tst_TailMetrics::initTestCase()
{
    m_manager.setProxy(QNetworkProxy::NoProxy);
}

void tst_TailMetrics::labelValuesAreEscaped_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("written");
    QTest::newRow("plain text stays") << "builds" << QByteArray("builds");
    QTest::newRow("a double quote is escaped") << "a\"b" << QByteArray("a\\\"b");
    QTest::newRow("a backslash is escaped") << "a\\b" << QByteArray("a\\\\b");
    QTest::newRow("a line feed is escaped") << "a\nb" << QByteArray("a\\nb");
    QTest::newRow("UTF-8 stays") << QStringLiteral("ü€") << QStringLiteral("ü€").toUtf8();
}

void tst_TailMetrics::labelValuesAreEscaped()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, written);
    QCOMPARE(PrometheusText::escapeLabelValue(value), written);
    PrometheusText text;
    text.family("x_total", "counter", "Things.");
    text.sample("x_total", {{"channel", value}}, 1);
    QCOMPARE(text.take(), "# HELP x_total Things.\n# TYPE x_total counter\nx_total{channel=\"" +
                              written + "\"} 1\n");
}

void tst_TailMetrics::valuesAreWrittenAsTheFormatSays_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("written");
    QTest::newRow("a whole number") << 3.0 << QByteArray("3");
    QTest::newRow("a fraction") << 0.25 << QByteArray("0.25");
    QTest::newRow("a large counter") << 12345678901.0 << QByteArray("12345678901");
    QTest::newRow("positive infinity") << qInf() << QByteArray("+Inf");
    QTest::newRow("negative infinity") << -qInf() << QByteArray("-Inf");
    QTest::newRow("not a number") << qQNaN() << QByteArray("NaN");
}

void tst_TailMetrics::valuesAreWrittenAsTheFormatSays()
{
    QFETCH(double, value);
    QFETCH(QByteArray, written);
    QCOMPARE(PrometheusText::formatValue(value), written);
}

void tst_TailMetrics::latencyHistogramCountsStampedEventsOnly()
{
    TailMetrics metrics;
    const QDateTime stamped = QDateTime::fromMSecsSinceEpoch(1'000'000'000'000, Qt::UTC);
    const qint64 stampedUsecs = stamped.toMSecsSinceEpoch() * 1000;
    metrics.countBatch(QStringLiteral("a"),
                       {eventAt(stampedUsecs + 3'000, stamped),     // 3 ms
                        eventAt(stampedUsecs + 200'000, stamped),   // 0.2 s
                        eventAt(stampedUsecs + 3'000, QDateTime()), // no time: no latency
                        eventAt(stampedUsecs - 50'000, stamped)});  // clock ahead: 0
    const QByteArray text = metrics.exposition(stampedUsecs + 2'200'000);
    const auto has = [&](const char *line) {
        if (!text.contains(QByteArray(line) + '\n'))
            qWarning("missing: %s\n%s", line, text.constData());
        return text.contains(QByteArray(line) + '\n');
    };
    QVERIFY(has("longwatch_events_total{channel=\"a\"} 4"));
    QVERIFY(has("longwatch_delivery_latency_seconds_bucket{channel=\"a\",le=\"0.005\"} 2"));
    QVERIFY(has("longwatch_delivery_latency_seconds_bucket{channel=\"a\",le=\"0.1\"} 2"));
    QVERIFY(has("longwatch_delivery_latency_seconds_bucket{channel=\"a\",le=\"0.25\"} 3"));
    QVERIFY(has("longwatch_delivery_latency_seconds_bucket{channel=\"a\",le=\"+Inf\"} 3"));
    QVERIFY(has("longwatch_delivery_latency_seconds_count{channel=\"a\"} 3"));
    static const QRegularExpression sum(
        QStringLiteral("longwatch_delivery_latency_seconds_sum\\{channel=\"a\"\\} (\\S+)\n"));
    const QRegularExpressionMatch match = sum.match(QString::fromUtf8(text));
    QVERIFY(match.hasMatch());
    QVERIFY(qAbs(match.captured(1).toDouble() - 0.203) < 1e-9);
    QVERIFY(has("longwatch_last_event_age_seconds{channel=\"a\"} 2"));
}

void tst_TailMetrics::expositionPassesPromtool()
{
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        QSKIP("promtool (Debian's prometheus) is not installed");
    TailMetrics metrics;
    metrics.countBatch(kOddName, {eventAt(currentUsecsUtc(), QDateTime::currentDateTimeUtc())});
    metrics.countBatch(QStringLiteral("deploys"), {});
    QProcess check;
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(check.waitForStarted());
    check.write(metrics.exposition(currentUsecsUtc()));
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(kWaitMs));
    const QByteArray said = check.readAllStandardOutput() + check.readAllStandardError();
    QVERIFY2(check.exitCode() == 0, said.constData());
    QVERIFY2(said.trimmed().isEmpty(), said.constData()); // no lint complaint
}

void tst_TailMetrics::badAddressExitsWithTwo()
{
    auto tail = makeProcess(kTail, {"--channel", "x=http://127.0.0.1:1/", "--metrics", "nowhere"});
    tail->start();
    QVERIFY(tail->waitForFinished(kWaitMs));
    QCOMPARE(tail->exitCode(), 2);
    QVERIFY(tail->readAllStandardError().contains("--metrics"));
}

QList<std::pair<QJsonObject, double>> tst_TailMetrics::query(quint16 port, const QString &query)
{
    const QUrl url = QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(port) +
                                       "/api/v1/query?query=" + QUrl::toPercentEncoding(query));
    std::unique_ptr<QNetworkReply> reply(m_manager.get(QNetworkRequest(url)));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!finished.wait(kWaitMs))
        return {};
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    QList<std::pair<QJsonObject, double>> samples;
    for (const QJsonValue sample : answer.value("data").toObject().value("result").toArray()) {
        const QJsonObject object = sample.toObject();
        samples.append({object.value("metric").toObject(),
                        object.value("value").toArray().at(1).toString().toDouble()});
    }
    return samples;
}

void tst_TailMetrics::aRealPrometheusScrapesTheRecorder()
{
    const QString prometheus = QStandardPaths::findExecutable(QStringLiteral("prometheus"));
    if (prometheus.isEmpty())
        QSKIP("prometheus is not installed (Debian's prometheus package)");

    // The feed: three stamped events for one channel; an error, then
    // silence, for the other.
    FakeHttpServer server;
    QVERIFY2(server.isListening(), qPrintable(server.errorString()));
    server.enqueue(QStringLiteral("/builds"),
                   FakeResponse::json(stampedEvents({1, 2, 3}, QDateTime::currentDateTimeUtc())));
    server.enqueue(QStringLiteral("/deploys"), FakeResponse::status(503));

    auto tail =
        makeProcess(kTail, {"--channel", kOddName + '=' + server.url("/builds").toString(),
                            "--channel", "deploys=" + server.url("/deploys").toString(),
                            "--metrics", "127.0.0.1:0", "--backoff-initial", "0.05", "--quiet"});
    QByteArray err;
    connect(tail.get(), &QProcess::readyReadStandardError, this,
            [&] { err += tail->readAllStandardError(); });
    tail->start();
    static const QRegularExpression bound(QStringLiteral("metrics at http://([0-9.]+:[0-9]+)/"));
    QRegularExpressionMatch match;
    QTRY_VERIFY_WITH_TIMEOUT((match = bound.match(QString::fromLocal8Bit(err))).hasMatch(),
                             kWaitMs);
    const QString target = match.captured(1);
    QVERIFY(!target.endsWith(QLatin1String(":0")));

    // Prometheus, scraping the recorder every second.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString config = dir.filePath(QStringLiteral("prometheus.yml"));
    {
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("global:\n"
                                  "  scrape_interval: 1s\n"
                                  "  evaluation_interval: 1s\n"
                                  "scrape_configs:\n"
                                  "  - job_name: longwatch\n"
                                  "    static_configs:\n"
                                  "      - targets: ['%1']\n")
                       .arg(target)
                       .toUtf8());
    }
    const quint16 port = freePort();
    QVERIFY(port != 0);
    auto prom =
        makeProcess(prometheus, {"--config.file=" + config,
                                 "--web.listen-address=127.0.0.1:" + QString::number(port),
                                 "--storage.tsdb.path=" + dir.filePath(QStringLiteral("data"))});
    prom->setProcessChannelMode(QProcess::MergedChannels);
    prom->start();
    QVERIFY(prom->waitForStarted(kWaitMs));

    const auto value = [&](const QString &expression) -> double {
        const auto samples = query(port, expression);
        return samples.size() == 1 ? samples.constFirst().second : -1;
    };
    // The target is up, and its series are there with the channel's name
    // exactly as given.
    QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("up{job=\"longwatch\"}")), 1.0, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("longwatch_events_total{channel=%1}")
                                        .arg(QStringLiteral("\"Builds \\\"main\\\" \\\\ ü\""))),
                              3.0, kWaitMs);
    const auto events = query(port, QStringLiteral("longwatch_events_total"));
    QStringList channels;
    for (const auto &[metric, v] : events)
        channels << metric.value("channel").toString();
    channels.sort();
    QCOMPARE(channels, QStringList({kOddName, QStringLiteral("deploys")}));

    QTRY_COMPARE_WITH_TIMEOUT(
        value(QStringLiteral("longwatch_delivery_latency_seconds_count{channel=\"deploys\"}")), 0.0,
        kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        value(QStringLiteral("sum(longwatch_delivery_latency_seconds_count)")), 3.0, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        value(QStringLiteral("longwatch_errors_total{channel=\"deploys\",class=\"http\"}")), 1.0,
        kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        value(QStringLiteral("longwatch_reconnects_total{channel=\"deploys\"}")), 1.0, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        value(QStringLiteral("longwatch_polls_total{channel=\"deploys\"}")) >= 1.0, kWaitMs);
    // Builds answered (live, its next poll held); deploys failed once,
    // then asked again and is held without an answer yet (waiting).
    QTRY_COMPARE_WITH_TIMEOUT(
        value(QStringLiteral("longwatch_channel_state{channel=\"deploys\",state=\"waiting\"}")),
        1.0, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("sum(longwatch_channel_state{state=\"live\"})")),
                              1.0, kWaitMs);
    QCOMPARE(value(QStringLiteral("sum(longwatch_channel_state)")), 2.0);
    QTRY_VERIFY_WITH_TIMEOUT(value(QStringLiteral("max(longwatch_last_event_age_seconds)")) >= 0.0,
                             kWaitMs);
    // No address or secret in any label.
    const auto all = query(port, QStringLiteral("{__name__=~\"longwatch_.*\"}"));
    QVERIFY(!all.isEmpty());
    for (const auto &[metric, v] : all)
        QVERIFY(!QJsonDocument(metric).toJson().contains("127.0.0.1:" +
                                                         QByteArray::number(server.port())));

    prom->terminate();
    QVERIFY(prom->waitForFinished(kWaitMs));
    tail->terminate();
    QVERIFY(tail->waitForFinished(kWaitMs));
    QCOMPARE(tail->exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_TailMetrics)
#include "tst_tailmetrics.moc"
