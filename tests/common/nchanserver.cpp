#include "nchanserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace Longwatch::Testing {

namespace {

quint16 freePort()
{
    QTcpServer server;
    return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : 0;
}

bool acceptsConnections(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(200);
}

} // namespace

NchanServer::NchanServer() = default;

NchanServer::~NchanServer()
{
    stop();
}

bool NchanServer::configure(const QString &httpDirectives, const QString &locations,
                            QString *problem)
{
    m_port = freePort();
    if (!m_dir.isValid() || m_port == 0) {
        *problem = QStringLiteral("no temporary directory or free port");
        return false;
    }
    const QString prefix = m_dir.path();
    const QString conf = QStringLiteral(R"(load_module %1;
daemon off;
master_process off;
worker_processes 1;
pid %2/nginx.pid;
error_log %2/error.log info;
%3
events { worker_connections 128; }
http {
    access_log %2/access.log;
    client_body_temp_path %2/client_body;
    proxy_temp_path %2/proxy;
    fastcgi_temp_path %2/fastcgi;
    uwsgi_temp_path %2/uwsgi;
    scgi_temp_path %2/scgi;
%4
    server {
        listen 127.0.0.1:%5;
%6
    }
}
)")
                             .arg(kModule, prefix)
                             // As root (CI containers), nginx would switch to
                             // "nobody" and could not write into our prefix.
                             .arg(geteuid() == 0 ? QStringLiteral("user root;") : QString())
                             .arg(httpDirectives)
                             .arg(m_port)
                             .arg(locations);
    QFile file(prefix + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly) || file.write(conf.toUtf8()) < 0) {
        *problem = file.errorString();
        return false;
    }
    return true;
}

bool NchanServer::start(int timeoutMs, const QByteArray &readyInLog)
{
    const QString prefix = m_dir.path();
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(kNginx);
    // -e: the error log before the configuration is read (the default,
    // /var/log/nginx/error.log, is not ours to write).
    m_process->setArguments({QStringLiteral("-p"), prefix, QStringLiteral("-c"),
                             prefix + QStringLiteral("/nginx.conf"), QStringLiteral("-e"),
                             prefix + QStringLiteral("/error.log")});
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process->start();
    if (!m_process->waitForStarted(5000))
        return false;
    const QDeadlineTimer deadline(timeoutMs);
    bool accepts = false;
    while (isRunning() && !(accepts = acceptsConnections(m_port)) && !deadline.hasExpired())
        QTest::qWait(50);
    // Nchan may get ready after nginx listens (connecting to Redis, say).
    while (isRunning() && !readyInLog.isEmpty() && !log().contains(readyInLog) &&
           !deadline.hasExpired())
        QTest::qWait(50);
    return isRunning() && accepts && (readyInLog.isEmpty() || log().contains(readyInLog));
}

void NchanServer::stop(bool crash)
{
    if (!isRunning())
        return;
    if (crash)
        m_process->kill();
    else
        m_process->terminate();
    if (!m_process->waitForFinished(5000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

bool NchanServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QUrl NchanServer::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}

QByteArray NchanServer::log(const QString &name) const
{
    QFile file(m_dir.path() + QLatin1Char('/') + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

namespace {

/// The reply once it finished, or nullptr if it did not within `timeoutMs`.
std::unique_ptr<QNetworkReply> finished(QNetworkReply *started, int timeoutMs)
{
    std::unique_ptr<QNetworkReply> reply(started);
    QSignalSpy done(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !done.wait(timeoutMs))
        return nullptr;
    return reply;
}

} // namespace

int NchanServer::publish(QNetworkAccessManager &network, const QString &channel,
                         const QByteArray &body, const QByteArray &contentType, int timeoutMs) const
{
    QNetworkRequest request(url(QStringLiteral("/pub/") + channel));
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    request.setRawHeader("Connection", "close");
    const std::unique_ptr<QNetworkReply> reply = finished(network.post(request, body), timeoutMs);
    return reply ? reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : -1;
}

int NchanServer::activeSubscribers(QNetworkAccessManager &network, const QString &channel,
                                   int timeoutMs) const
{
    // GET on a publisher location answers with the channel's info, e.g.
    // "queued messages: 3\nlast requested: 0 sec. ago\nactive subscribers: 1\n...".
    QNetworkRequest request(url(QStringLiteral("/pub/") + channel));
    request.setRawHeader("Accept", "text/plain");
    request.setRawHeader("Connection", "close");
    const std::unique_ptr<QNetworkReply> reply = finished(network.get(request), timeoutMs);
    if (!reply)
        return -1;
    for (const QByteArray &line : reply->readAll().split('\n')) {
        if (line.startsWith("active subscribers:"))
            return line.mid(line.indexOf(':') + 1).trimmed().toInt();
    }
    return -1;
}

} // namespace Longwatch::Testing
