// longwatch-tail --workspace, end to end: a workspace written by the
// dashboard's own exportWorkspace() run unchanged by the real program
// against the fake HTTP server, its settings seen on the wire; channels
// picked by name, beside a --channel NAME=URL; the secrets the file left out
// read from a secrets file; every error one sentence and exit status 2; and
// a recorder stopped by SIGTERM with its event log complete.

#include "channelconfig.h"
#include "eventlog.h"
#include "fakehttpserver.h"
#include "workspace.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <signal.h>
#include <sys/prctl.h>

using namespace Longwatch;
using namespace Longwatch::Testing;

namespace {

constexpr int kWaitMs = 20'000;
const QString kTail = QStringLiteral(LONGWATCH_TAIL_PATH);
const QString kToken = QStringLiteral("t0ken-9753");
const QString kKeyValue = QStringLiteral("k3y-1357");

QProcessEnvironment tailEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
        env.remove(QString::fromLatin1(name));
    env.insert(QStringLiteral("LW_TEST_TOKEN"), kToken);
    env.remove(QStringLiteral("LW_TEST_UNSET"));
    return env;
}

std::unique_ptr<QProcess> makeTail(const QStringList &arguments)
{
    auto tail = std::make_unique<QProcess>();
    tail->setProgram(kTail);
    tail->setArguments(arguments);
    tail->setProcessEnvironment(tailEnvironment());
    tail->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    return tail;
}

struct TailRun
{
    int exitCode = -1;
    QByteArray out;
    QString err;
    bool finished = false;
};

/// The tail run to its end while this test's server answers.
TailRun runTail(const QStringList &arguments)
{
    std::unique_ptr<QProcess> tail = makeTail(arguments);
    QSignalSpy finished(tail.get(), &QProcess::finished);
    tail->start();
    TailRun run;
    run.finished = finished.wait(kWaitMs);
    if (!run.finished) {
        tail->kill();
        tail->waitForFinished(5000);
    }
    run.exitCode = tail->exitCode();
    run.out = tail->readAllStandardOutput();
    run.err = QString::fromLocal8Bit(tail->readAllStandardError());
    return run;
}

/// The "channel" of each NDJSON line.
QStringList channelsOf(const QByteArray &out)
{
    QStringList channels;
    for (const QByteArray &line : out.split('\n')) {
        if (!line.isEmpty())
            channels << QJsonDocument::fromJson(line).object().value("channel").toString();
    }
    return channels;
}

} // namespace

class tst_TailWorkspace : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void anExportedWorkspaceRunsUnchanged();
    void channelNamesPickChannelsBesideAnAddress();
    void leftOutSecretsComeFromTheSecretStore();
    void pausedChannelsWaitUntilPicked();
    void errorsAreOneSentenceAndExitWithTwo_data();
    void errorsAreOneSentenceAndExitWithTwo();
    void sigtermStopsARecorderWithEverythingStored();

private:
    /// Builds: bearer token from the environment, a header, a profile
    /// setting and its own timing. Deploys: plain.
    QList<ChannelConfig> channels() const;
    QString writeWorkspace(const QList<ChannelConfig> &channels);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeHttpServer> m_server;
};

void tst_TailWorkspace::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<FakeHttpServer>();
    QVERIFY2(m_server->isListening(), qPrintable(m_server->errorString()));
}

void tst_TailWorkspace::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

QList<ChannelConfig> tst_TailWorkspace::channels() const
{
    ChannelConfig builds;
    builds.id = ChannelConfig::newId();
    builds.name = QStringLiteral("Builds");
    builds.url = m_server->url(QStringLiteral("/builds"));
    builds.knobs.insert(QStringLiteral("cursor-name"), QStringLiteral("after"));
    builds.headers = {{"Accept-Language", "de"}};
    builds.auth = ChannelConfig::Auth::Bearer;
    builds.token = QStringLiteral("${env:LW_TEST_TOKEN}");
    builds.timing.transport.proxy.mode = ProxySettings::Mode::NoProxy;
    ChannelConfig deploys;
    deploys.id = ChannelConfig::newId();
    deploys.name = QStringLiteral("Deploys");
    deploys.url = m_server->url(QStringLiteral("/deploys"));
    deploys.timing.transport.proxy.mode = ProxySettings::Mode::NoProxy;
    return {builds, deploys};
}

QString tst_TailWorkspace::writeWorkspace(const QList<ChannelConfig> &channels)
{
    const QString path = m_dir->filePath(QStringLiteral("team.longwatch-workspace"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(exportWorkspace(channels).json);
    return path;
}

void tst_TailWorkspace::anExportedWorkspaceRunsUnchanged()
{
    m_server->enqueue(QStringLiteral("/builds"), FakeResponse::seedEvents({1, 2}));
    m_server->enqueue(QStringLiteral("/deploys"), FakeResponse::seedEvents({5}));
    const QString path = writeWorkspace(channels());
    QVERIFY(!path.isEmpty());

    const TailRun run = runTail({"--workspace", path, "--count", "3"});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    QStringList printed = channelsOf(run.out);
    printed.sort();
    QCOMPARE(printed, QStringList({"Builds", "Builds", "Deploys"}));

    // Each channel's own settings on the wire.
    const QList<FakeRequest> builds = m_server->requests(QStringLiteral("/builds"));
    QVERIFY(!builds.isEmpty());
    QCOMPARE(builds.constFirst().header("Authorization"), "Bearer " + kToken.toUtf8());
    QCOMPARE(builds.constFirst().header("Accept-Language"), QByteArray("de"));
    if (builds.size() > 1)
        QCOMPARE(builds.at(1).queryValue(QStringLiteral("after")), QStringLiteral("2"));
    const QList<FakeRequest> deploys = m_server->requests(QStringLiteral("/deploys"));
    QVERIFY(!deploys.isEmpty());
    QVERIFY(deploys.constFirst().header("Authorization").isNull());
    QVERIFY2(!run.err.contains(kToken), qPrintable(run.err));
}

void tst_TailWorkspace::channelNamesPickChannelsBesideAnAddress()
{
    m_server->enqueue(QStringLiteral("/builds"), FakeResponse::seedEvents({1}));
    m_server->enqueue(QStringLiteral("/deploys"), FakeResponse::seedEvents({1}));
    m_server->enqueue(QStringLiteral("/extra"), FakeResponse::seedEvents({1}));
    const QString path = writeWorkspace(channels());

    const TailRun run =
        runTail({"--workspace", path, "--channel", "Deploys", "--channel",
                 "extra=" + m_server->url(QStringLiteral("/extra")).toString(), "--count", "2"});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    QStringList printed = channelsOf(run.out);
    printed.sort();
    QCOMPARE(printed, QStringList({"Deploys", "extra"}));
    QVERIFY(m_server->requests(QStringLiteral("/builds")).isEmpty());
}

void tst_TailWorkspace::leftOutSecretsComeFromTheSecretStore()
{
    // A literal token and a secret header value are left out of the file;
    // the recorder finds them under recorder/<channel>/<field>.
    QList<ChannelConfig> configs = channels();
    configs[0].token = kToken;
    configs[0].headers.append({"X-Api-Key", kKeyValue.toUtf8()});
    const QString path = writeWorkspace(configs);
    QFile workspace(path);
    QVERIFY(workspace.open(QIODevice::ReadOnly));
    QVERIFY(!workspace.readAll().contains(kToken.toUtf8()));

    const QString secrets = m_dir->filePath(QStringLiteral("secrets.json"));
    QFile file(secrets);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(QJsonObject{{"recorder/Builds/token", kToken},
                                         {"recorder/Builds/header/X-Api-Key", kKeyValue}})
                   .toJson());
    file.close();

    m_server->enqueue(QStringLiteral("/builds"), FakeResponse::seedEvents({1}));
    const TailRun run = runTail(
        {"--workspace", path, "--channel", "Builds", "--secrets-file", secrets, "--count", "1"});
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QList<FakeRequest> builds = m_server->requests(QStringLiteral("/builds"));
    QVERIFY(!builds.isEmpty());
    QCOMPARE(builds.constFirst().header("Authorization"), "Bearer " + kToken.toUtf8());
    QCOMPARE(builds.constFirst().header("X-Api-Key"), kKeyValue.toUtf8());
    QVERIFY(!run.err.contains(kToken));
    QVERIFY(!run.err.contains(kKeyValue));
}

void tst_TailWorkspace::pausedChannelsWaitUntilPicked()
{
    QList<ChannelConfig> configs = channels();
    configs[1].paused = true;
    const QString path = writeWorkspace(configs);
    m_server->enqueue(QStringLiteral("/builds"), FakeResponse::seedEvents({1}));
    const TailRun run = runTail({"--workspace", path, "--count", "1"});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.err.contains(QStringLiteral("[Deploys] paused")), qPrintable(run.err));
    QVERIFY(m_server->requests(QStringLiteral("/deploys")).isEmpty());

    m_server->enqueue(QStringLiteral("/deploys"), FakeResponse::seedEvents({1}));
    const TailRun picked = runTail({"--workspace", path, "--channel", "Deploys", "--count", "1"});
    QCOMPARE(picked.exitCode, 0);
    QCOMPARE(channelsOf(picked.out), QStringList({"Deploys"}));
}

void tst_TailWorkspace::errorsAreOneSentenceAndExitWithTwo_data()
{
    QTest::addColumn<QString>("content"); // of the workspace file; empty: no file
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("mentions");

    const auto workspaceWith = [](const QString &channel) {
        return QString::fromUtf8(R"({"format": "longwatch-workspace", "version": 1,
                                   "channels": [%1]})")
            .arg(channel);
    };
    const QString builds =
        QString::fromUtf8(R"({"name": "Builds", "url": "http://127.0.0.1:1/builds"})");
    QTest::newRow("an unreadable file") << QString() << QStringList() << "cannot read";
    QTest::newRow("a file that is not a workspace") << QStringLiteral("{\"format\": \"other\"}")
                                                    << QStringList() << "not a Longwatch workspace";
    QTest::newRow("an unknown channel name")
        << workspaceWith(builds) << QStringList{"--channel", "Nope"} << "no channel called 'Nope'";
    QTest::newRow("a reference to an unset variable")
        << workspaceWith(QString::fromUtf8(R"({"name": "Builds", "url": "http://127.0.0.1:1/",
                                            "auth": "bearer", "token": "${env:LW_TEST_UNSET}"})"))
        << QStringList() << "LW_TEST_UNSET, which is not set";
    QTest::newRow("a left-out secret the store does not have")
        << workspaceWith(QString::fromUtf8(R"({"name": "Builds", "url": "http://127.0.0.1:1/",
                                            "auth": "bearer", "omittedSecrets": ["token"]})"))
        << QStringList{"--secrets-file", "/nonexistent/secrets.json"}
        << "the token was left out of the workspace file";
    QTest::newRow("a channel name taken twice")
        << workspaceWith(builds) << QStringList{"--channel", "Builds=http://127.0.0.1:1/"}
        << "two channels are called 'Builds'";
}

void tst_TailWorkspace::errorsAreOneSentenceAndExitWithTwo()
{
    QFETCH(QString, content);
    QFETCH(QStringList, extra);
    QFETCH(QString, mentions);
    const QString path = m_dir->filePath(QStringLiteral("w.json"));
    if (!content.isEmpty()) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content.toUtf8());
    }
    const TailRun run = runTail(QStringList{"--workspace", path} + extra);
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(mentions), qPrintable(run.err));
    QCOMPARE(run.err.trimmed().count(QLatin1Char('\n')), 0); // one sentence, one line
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_TailWorkspace::sigtermStopsARecorderWithEverythingStored()
{
    // A service manager stops the recorder with SIGTERM: it exits 0, and the
    // event log holds every event it printed.
    m_server->enqueue(QStringLiteral("/builds"), FakeResponse::seedEvents({1, 2, 3}));
    m_server->enqueue(QStringLiteral("/deploys"), FakeResponse::seedEvents({1}));
    const QString path = writeWorkspace(channels());
    const QString store = m_dir->filePath(QStringLiteral("events.sqlite"));
    std::unique_ptr<QProcess> tail = makeTail({"--workspace", path, "--store", store});
    tail->start();
    QByteArray out;
    connect(tail.get(), &QProcess::readyReadStandardOutput, this,
            [&] { out += tail->readAllStandardOutput(); });
    // Everything answered, and the next polls held: the run is idle.
    QTRY_COMPARE_WITH_TIMEOUT(out.count('\n'), 4, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->heldCount(), 2, kWaitMs);
    QSignalSpy finished(tail.get(), &QProcess::finished);
    tail->terminate();
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(tail->exitStatus(), QProcess::NormalExit);
    QCOMPARE(tail->exitCode(), 0);
    EventLog log;
    QVERIFY(log.open(store, EventLog::OpenMode::MustExist));
    QStringList stored;
    for (const StoredEvent &event : log.events({}, EventPage{}))
        stored << event.channel + QLatin1Char('/') + event.event.key;
    stored.sort();
    QCOMPARE(stored, QStringList({"Builds/1", "Builds/2", "Builds/3", "Deploys/1"}));
    QCOMPARE(log.cursor(QStringLiteral("Builds")), std::optional<QString>(QStringLiteral("3")));
}

QTEST_GUILESS_MAIN(tst_TailWorkspace)
#include "tst_tailworkspace.moc"
