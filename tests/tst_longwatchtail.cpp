// longwatch-tail end to end: the real program against the real
// longwatch-feed program, both started by the test on free ports.

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <signal.h>
#include <sys/prctl.h>

namespace {

constexpr int kWaitMs = 20'000;
const QString kTail = QStringLiteral(LONGWATCH_TAIL_PATH);
const QString kFeed = QStringLiteral(LONGWATCH_FEED_PATH);

std::unique_ptr<QProcess> makeProcess(const QString &program, const QStringList &arguments)
{
    auto process = std::make_unique<QProcess>();
    process->setProgram(program);
    process->setArguments(arguments);
    process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("http_proxy"));
    env.remove(QStringLiteral("HTTP_PROXY"));
    process->setProcessEnvironment(env);
    return process;
}

} // namespace

class tst_LongwatchTail : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void printsEveryEventOnceInOrderThroughAServerRestart();
    void resumesFromSince();
    void genericJsonKnobsOfIssue20();
    void badArgumentsExitWithTwo_data();
    void badArgumentsExitWithTwo();
    void aFatalServerAnswerExitsWithOne();

private:
    bool startFeed(quint16 port);
    void stopFeed();
    bool publish(const QString &feed, int n);
    QList<QJsonObject> lines(const QByteArray &output) const;

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_feed;
    quint16 m_port = 0;
    QNetworkAccessManager m_manager;
};

void tst_LongwatchTail::initTestCase()
{
    QVERIFY(QFile::exists(kTail));
    QVERIFY(QFile::exists(kFeed));
    QVERIFY(m_dir.isValid());
    m_manager.setProxy(QNetworkProxy::NoProxy);
}

void tst_LongwatchTail::cleanup()
{
    stopFeed();
    QFile::remove(m_dir.filePath(QStringLiteral("journal")));
}

bool tst_LongwatchTail::startFeed(quint16 port)
{
    const QString portFile = m_dir.filePath(QStringLiteral("port"));
    QFile::remove(portFile);
    m_feed = makeProcess(kFeed, {QStringLiteral("--port"), QString::number(port),
                                 QStringLiteral("--port-file"), portFile, QStringLiteral("--hold"),
                                 QStringLiteral("2"), QStringLiteral("--journal"),
                                 m_dir.filePath(QStringLiteral("journal"))});
    m_feed->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_feed->start();
    if (!m_feed->waitForStarted(5000))
        return false;
    bool ok = false;
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(QFile(portFile).size() > 0 || m_feed->state() != QProcess::Running,
                                 kWaitMs);
        QFile file(portFile);
        QVERIFY(file.open(QIODevice::ReadOnly));
        m_port = quint16(file.readAll().trimmed().toUInt());
        ok = m_port != 0;
    }();
    return ok;
}

void tst_LongwatchTail::stopFeed()
{
    if (!m_feed)
        return;
    m_feed->terminate();
    if (!m_feed->waitForFinished(5000))
        m_feed->kill();
    m_feed->waitForFinished(5000);
    m_feed.reset();
}

bool tst_LongwatchTail::publish(const QString &feed, int n)
{
    QNetworkRequest request(
        QUrl(QStringLiteral("http://127.0.0.1:%1/feeds/%2/publish").arg(m_port).arg(feed)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QByteArray body =
        QJsonDocument(QJsonObject{{"type", "job.progress"},
                                  {"message", QStringLiteral("step %1, \"quoted\", ü").arg(n)},
                                  {"n", n}})
            .toJson(QJsonDocument::Compact);
    std::unique_ptr<QNetworkReply> reply(m_manager.post(request, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    return finished.wait(kWaitMs) &&
           reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 201;
}

QList<QJsonObject> tst_LongwatchTail::lines(const QByteArray &output) const
{
    QList<QJsonObject> result;
    for (const QByteArray &line : output.split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            qWarning() << "not a JSON object:" << line;
            return {};
        }
        result << doc.object();
    }
    return result;
}

void tst_LongwatchTail::printsEveryEventOnceInOrderThroughAServerRestart()
{
    QVERIFY(startFeed(0));
    const quint16 port = m_port;
    auto tail =
        makeProcess(kTail, {QStringLiteral("--channel"),
                            QStringLiteral("jobs=http://127.0.0.1:%1/feeds/jobs/poll").arg(port),
                            QStringLiteral("--count"), QStringLiteral("40"),
                            QStringLiteral("--backoff-initial"), QStringLiteral("0.2"),
                            QStringLiteral("--backoff-max"), QStringLiteral("0.5"),
                            QStringLiteral("--hold"), QStringLiteral("2")});
    QByteArray out;
    QByteArray err;
    connect(tail.get(), &QProcess::readyReadStandardOutput, this,
            [&] { out += tail->readAllStandardOutput(); });
    connect(tail.get(), &QProcess::readyReadStandardError, this,
            [&] { err += tail->readAllStandardError(); });
    tail->start();
    QVERIFY(tail->waitForStarted(5000));

    for (int i = 1; i <= 20; ++i)
        QVERIFY(publish(QStringLiteral("jobs"), i));
    QTRY_COMPARE_WITH_TIMEOUT(out.count('\n'), 20, kWaitMs);

    // Restart the server on the same port; the tail notices and comes back.
    stopFeed();
    QTRY_VERIFY_WITH_TIMEOUT(
        err.contains("connection refused") || err.contains("closed the connection"), kWaitMs);
    QVERIFY(startFeed(port));
    for (int i = 21; i <= 40; ++i)
        QVERIFY(publish(QStringLiteral("jobs"), i));

    QTRY_COMPARE_WITH_TIMEOUT(tail->state(), QProcess::NotRunning, kWaitMs);
    QCOMPARE(tail->exitStatus(), QProcess::NormalExit);
    QCOMPARE(tail->exitCode(), 0);
    out += tail->readAllStandardOutput();

    const QList<QJsonObject> events = lines(out);
    QCOMPARE(events.size(), 40);
    static const QRegularExpression utcMicros(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z$"));
    for (int i = 0; i < 40; ++i) {
        const QJsonObject &line = events.at(i);
        QCOMPARE(line.value("channel").toString(), QStringLiteral("jobs"));
        QCOMPARE(line.value("key").toString(), QString::number(i + 1));
        QCOMPARE(line.value("type").toString(), QStringLiteral("job.progress"));
        QCOMPARE(line.value("text").toString(),
                 QStringLiteral("step %1, \"quoted\", ü").arg(i + 1));
        QVERIFY2(utcMicros.match(line.value("received").toString()).hasMatch(),
                 qPrintable(line.value("received").toString()));
        // The event's own JSON, as the server stored it.
        QCOMPARE(line.value("event").toObject().value("n").toInt(), i + 1);
        QCOMPARE(line.value("event").toObject().value("id").toInt(), i + 1);
    }
    QVERIFY2(err.contains("[jobs] live"), err.constData());
}

void tst_LongwatchTail::resumesFromSince()
{
    QVERIFY(startFeed(0));
    for (int i = 1; i <= 5; ++i)
        QVERIFY(publish(QStringLiteral("jobs"), i));
    auto tail = makeProcess(
        kTail, {QStringLiteral("--channel"),
                QStringLiteral("jobs=http://127.0.0.1:%1/feeds/jobs/poll").arg(m_port),
                QStringLiteral("--since"), QStringLiteral("3"), QStringLiteral("--count"),
                QStringLiteral("2"), QStringLiteral("--quiet")});
    tail->start();
    QVERIFY(tail->waitForFinished(kWaitMs));
    QCOMPARE(tail->exitCode(), 0);
    const QList<QJsonObject> events = lines(tail->readAllStandardOutput());
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0).value("key").toString(), QStringLiteral("4"));
    QCOMPARE(events.at(1).value("key").toString(), QStringLiteral("5"));
    QCOMPARE(tail->readAllStandardError(), QByteArray());
}

void tst_LongwatchTail::genericJsonKnobsOfIssue20()
{
    // generic-json's bootstrap request, wildcard path and conditional
    // requests as longwatch-tail options: the feed's name comes from
    // GET /feeds, the events from every member of the answer ("*").
    QVERIFY(startFeed(0));
    for (int i = 1; i <= 3; ++i)
        QVERIFY(publish(QStringLiteral("jobs"), i));
    auto tail = makeProcess(
        kTail, {QStringLiteral("--channel"),
                QStringLiteral("jobs=http://127.0.0.1:%1/feeds/${bootstrap:feed}/poll").arg(m_port),
                QStringLiteral("--profile"), QStringLiteral("generic-json"),
                QStringLiteral("--bootstrap-url"), QStringLiteral("/feeds"),
                QStringLiteral("--bootstrap-values"), QStringLiteral("feed=feeds[0].name"),
                QStringLiteral("--bootstrap-again-on"), QStringLiteral("404"),
                QStringLiteral("--events-path"), QStringLiteral("*"),
                QStringLiteral("--conditional"), QStringLiteral("yes"),
                QStringLiteral("--poll-interval-header"), QStringLiteral("X-Poll-Interval"),
                QStringLiteral("--count"), QStringLiteral("3"), QStringLiteral("--quiet")});
    tail->start();
    QVERIFY(tail->waitForFinished(kWaitMs));
    const QByteArray err = tail->readAllStandardError();
    QVERIFY2(tail->exitCode() == 0, err.constData());
    const QList<QJsonObject> events = lines(tail->readAllStandardOutput());
    QCOMPARE(events.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(events.at(i).value("key").toString(), QString::number(i + 1));
        // The member the wildcard stood for, in front of the text.
        QCOMPARE(events.at(i).value("text").toString(),
                 QStringLiteral("[events] step %1, \"quoted\", ü").arg(i + 1));
    }

    // A knob value that does not parse is refused before anything starts.
    auto bad =
        makeProcess(kTail, {QStringLiteral("--channel"), QStringLiteral("x=http://127.0.0.1:1/"),
                            QStringLiteral("--stream"), QStringLiteral("websocket")});
    bad->start();
    QVERIFY(bad->waitForFinished(kWaitMs));
    QCOMPARE(bad->exitCode(), 2);
    QVERIFY(bad->readAllStandardError().contains("stream"));
}

void tst_LongwatchTail::badArgumentsExitWithTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("no channel") << QStringList{} << "--channel";
    QTest::newRow("a channel without a URL") << QStringList{"--channel", "x"} << "NAME=URL";
    QTest::newRow("an unknown profile")
        << QStringList{"--channel", "x=http://127.0.0.1:1/", "--profile", "nope"}
        << "Unknown profile";
    QTest::newRow("a bad JSON path")
        << QStringList{"--channel", "x=http://127.0.0.1:1/", "--events-path", "a..b"}
        << "events path";
    QTest::newRow("a count of zero")
        << QStringList{"--channel", "x=http://127.0.0.1:1/", "--count", "0"} << "--count";
    QTest::newRow("two channels with one name")
        << QStringList{"--channel", "x=http://127.0.0.1:1/", "--channel", "x=http://127.0.0.1:2/"}
        << "two channels";
}

void tst_LongwatchTail::badArgumentsExitWithTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    auto tail = makeProcess(kTail, arguments);
    tail->start();
    QVERIFY(tail->waitForFinished(kWaitMs));
    QCOMPARE(tail->exitCode(), 2);
    const QString err = QString::fromUtf8(tail->readAllStandardError());
    QVERIFY2(err.contains(mentions), qPrintable(err));
    QVERIFY(tail->readAllStandardOutput().isEmpty());
}

void tst_LongwatchTail::aFatalServerAnswerExitsWithOne()
{
    QVERIFY(startFeed(0));
    // A token in the URL must not show in what the tail says.
    auto tail = makeProcess(
        kTail, {QStringLiteral("--channel"),
                QStringLiteral("x=http://127.0.0.1:%1/nowhere?token=sekrit-123").arg(m_port)});
    tail->start();
    QVERIFY(tail->waitForFinished(kWaitMs));
    QCOMPARE(tail->exitCode(), 1);
    const QString err = QString::fromUtf8(tail->readAllStandardError());
    QVERIFY2(err.contains(QLatin1String("404")), qPrintable(err));
    QVERIFY2(!err.contains(QLatin1String("sekrit-123")), qPrintable(err));
}

QTEST_GUILESS_MAIN(tst_LongwatchTail)
#include "tst_longwatchtail.moc"
