#pragma once

// nginx with the Nchan module (Debian: nginx, libnginx-mod-nchan), started
// by a test from a temporary prefix on a free port of 127.0.0.1.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace Longwatch::Testing {

/// One nginx+Nchan server of a test: one process (master_process off), which
/// QProcess can stop for sure, killed if the test dies rather than holding
/// its port. Its error log (at info) and access log are files of its prefix.
class NchanServer
{
public:
    static inline const QString kNginx = QStringLiteral("/usr/sbin/nginx");
    static inline const QString kModule =
        QStringLiteral("/usr/lib/nginx/modules/ngx_nchan_module.so");

    NchanServer();
    ~NchanServer();
    NchanServer(const NchanServer &) = delete;
    NchanServer &operator=(const NchanServer &) = delete;

    /// Takes a free port and writes the configuration: `httpDirectives` in
    /// the http block (e.g. "nchan_message_buffer_length 100;"), `locations`
    /// in the server that listens on the port. False with `problem` set if
    /// not.
    bool configure(const QString &httpDirectives, const QString &locations, QString *problem);
    /// Starts nginx as configured (again after stop(), on the same port):
    /// true once it accepts connections and, if `readyInLog` is given, its
    /// error log says it, within `timeoutMs`.
    bool start(int timeoutMs = 10'000, const QByteArray &readyInLog = {});
    /// A crash (SIGKILL), or nginx's fast shutdown (SIGTERM).
    void stop(bool crash = false);

    bool isRunning() const;
    quint16 port() const { return m_port; }
    /// `path` on this server, "/pub/jobs".
    QUrl url(const QString &path) const;
    /// A file of its prefix, "error.log" or "access.log"; empty if none.
    QByteArray log(const QString &name = QStringLiteral("error.log")) const;

    // Through a publisher location /pub/<channel>, as every test configures
    // it, on a connection of its own (none kept alive for a stopped server).
    /// POSTs one message; the HTTP status (201: a subscriber got it, 202:
    /// kept), or -1 if none came within `timeoutMs`.
    int publish(QNetworkAccessManager &network, const QString &channel, const QByteArray &body,
                const QByteArray &contentType = QByteArrayLiteral("text/plain"),
                int timeoutMs = 10'000) const;
    /// The subscribers Nchan holds on `channel` (from its channel info), or -1.
    int activeSubscribers(QNetworkAccessManager &network, const QString &channel,
                          int timeoutMs = 10'000) const;

private:
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_process;
};

} // namespace Longwatch::Testing
