#pragma once

// Debian's tinyproxy, started by a test on a free port of 127.0.0.1 (tests
// of proxies: tst_proxy, tst_tailtransport).

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

#include <signal.h>
#include <sys/prctl.h>

namespace Longwatch::Testing {

/// Whether something accepts connections on 127.0.0.1:`port` now.
inline bool acceptsConnections(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(200);
}

/// Starts tinyproxy into `process`, its configuration, log and pid file in
/// `dir` (its log: `dir`/tinyproxy.log), asking for basic authentication
/// with `user` and `password` unless `user` is empty. Returns its port once
/// it accepts connections, or 0 (not installed, or it did not start within
/// `waitMs`).
inline quint16 startTinyproxy(std::unique_ptr<QProcess> &process, const QDir &dir,
                              const QString &user = {}, const QString &password = {},
                              int waitMs = 10'000)
{
    const QString program = QStandardPaths::findExecutable(
        QStringLiteral("tinyproxy"), {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    if (program.isEmpty())
        return 0;
    quint16 port = 0;
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return 0;
        port = probe.serverPort();
    }
    QString config = QStringLiteral("Port %1\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\n"
                                    "Allow 127.0.0.1\nLogFile \"%2\"\nLogLevel Info\n"
                                    "PidFile \"%3\"\n")
                         .arg(port)
                         .arg(dir.filePath(QStringLiteral("tinyproxy.log")),
                              dir.filePath(QStringLiteral("tinyproxy.pid")));
    if (!user.isEmpty())
        config += QStringLiteral("BasicAuth %1 %2\n").arg(user, password);
    QFile file(dir.filePath(QStringLiteral("tinyproxy.conf")));
    if (!file.open(QIODevice::WriteOnly))
        return 0;
    file.write(config.toUtf8());
    file.close();

    process = std::make_unique<QProcess>();
    process->setProgram(program);
    process->setArguments({QStringLiteral("-d"), QStringLiteral("-c"), file.fileName()});
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    // If the test dies, the proxy dies with it rather than holding the port.
    process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    process->start();
    if (!process->waitForStarted(5000))
        return 0;
    QProcess *started = process.get();
    if (!QTest::qWaitFor(
            [&] { return started->state() != QProcess::Running || acceptsConnections(port); },
            waitMs) ||
        started->state() != QProcess::Running)
        return 0;
    return port;
}

} // namespace Longwatch::Testing
