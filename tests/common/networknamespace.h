#pragma once

// Network namespaces a test makes for itself (ip netns), so that it can
// take links down, remove addresses and drop packets on paths that exist
// only inside them, never touching the machine's own network. Needs root
// (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and the `ip` tool; tests skip with
// skipReason() where they cannot be made.

#include <QByteArray>
#include <QProcess>
#include <QRandomGenerator>
#include <QString>
#include <QStringList>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

namespace Longwatch::Testing {

/// Runs `ip` with `arguments`; true if it succeeded. On failure its error
/// output goes to `error` if given.
inline bool runIp(const QStringList &arguments, QString *error = nullptr)
{
    QProcess ip;
    ip.start(QStringLiteral("ip"), arguments);
    if (!ip.waitForFinished(10000) || ip.exitStatus() != QProcess::NormalExit ||
        ip.exitCode() != 0) {
        if (error)
            *error = QString::fromLocal8Bit(ip.readAllStandardError()).trimmed();
        return false;
    }
    return true;
}

/// One network namespace, deleted with this object.
class NetworkNamespace
{
public:
    NetworkNamespace()
        : m_name(QStringLiteral("lwtest-%1-%2")
                     .arg(::getpid())
                     .arg(QRandomGenerator::global()->bounded(1u << 30)))
    {
        m_made = runIp({QStringLiteral("netns"), QStringLiteral("add"), m_name}, &m_error);
        if (m_made)
            run({QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"),
                 QStringLiteral("up")});
    }
    ~NetworkNamespace()
    {
        if (m_made)
            runIp({QStringLiteral("netns"), QStringLiteral("delete"), m_name});
    }
    NetworkNamespace(const NetworkNamespace &) = delete;
    NetworkNamespace &operator=(const NetworkNamespace &) = delete;

    bool isValid() const { return m_made; }
    QString name() const { return m_name; }
    /// Why the namespace could not be made, as a sentence for QSKIP.
    QByteArray skipReason() const
    {
        return QStringLiteral(
                   "network namespaces cannot be made here (needs root and `ip netns`): %1")
            .arg(m_error)
            .toUtf8();
    }
    /// Runs `ip -n <name> arguments...`.
    bool run(const QStringList &arguments, QString *error = nullptr) const
    {
        return runIp(QStringList{QStringLiteral("-n"), m_name} + arguments, error);
    }
    /// The namespace's file, for setns().
    QString path() const { return QStringLiteral("/run/netns/") + m_name; }

private:
    QString m_name;
    QString m_error;
    bool m_made = false;
};

/// Joins `a` and `b` by a veth pair: `aLink` in `a` with `aAddress` (with
/// its prefix, "10.201.0.1/24"), `bLink` in `b` with `bAddress`, both up.
/// False with `error` set if not.
inline bool joinNamespaces(const NetworkNamespace &a, const QString &aLink, const QString &aAddress,
                           const NetworkNamespace &b, const QString &bLink, const QString &bAddress,
                           QString *error)
{
    return a.isValid() && b.isValid() &&
           a.run({QStringLiteral("link"), QStringLiteral("add"), aLink, QStringLiteral("type"),
                  QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), bLink,
                  QStringLiteral("netns"), b.name()},
                 error) &&
           a.run({QStringLiteral("addr"), QStringLiteral("add"), aAddress, QStringLiteral("dev"),
                  aLink},
                 error) &&
           b.run({QStringLiteral("addr"), QStringLiteral("add"), bAddress, QStringLiteral("dev"),
                  bLink},
                 error) &&
           a.run({QStringLiteral("link"), QStringLiteral("set"), aLink, QStringLiteral("up")},
                 error) &&
           b.run({QStringLiteral("link"), QStringLiteral("set"), bLink, QStringLiteral("up")},
                 error);
}

/// A client's namespace and a server's joined by a veth pair (lwc in the
/// client's, lws in the server's), on 10.201.0.0/24.
struct TwoHosts
{
    static inline const QString kClientAddress = QStringLiteral("10.201.0.1");
    static inline const QString kServerAddress = QStringLiteral("10.201.0.2");

    NetworkNamespace client;
    NetworkNamespace server;

    /// Makes the pair and its addresses; false with `error` set if not.
    bool connect(QString *error)
    {
        return joinNamespaces(client, QStringLiteral("lwc"), kClientAddress + QStringLiteral("/24"),
                              server, QStringLiteral("lws"), kServerAddress + QStringLiteral("/24"),
                              error);
    }

    /// From now on the server's packets to the client go nowhere, without a
    /// word (no reset, no ICMP), as when a NAT box forgets the connection.
    /// False with `error` set if not.
    bool dropServerToClient(QString *error = nullptr) const
    {
        return server.run({QStringLiteral("route"), QStringLiteral("add"),
                           QStringLiteral("blackhole"), kClientAddress + QStringLiteral("/32")},
                          error);
    }
    /// Undoes dropServerToClient().
    bool restoreServerToClient(QString *error = nullptr) const
    {
        return server.run({QStringLiteral("route"), QStringLiteral("del"),
                           QStringLiteral("blackhole"), kClientAddress + QStringLiteral("/32")},
                          error);
    }
};

/// While it lives, sockets the calling thread makes belong to `space`
/// (setns(2)); the thread goes back to its own namespace after. Sockets keep
/// the namespace they were made in.
class EnterNetworkNamespace
{
public:
    explicit EnterNetworkNamespace(const NetworkNamespace &space)
        : m_own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))
    {
        const int target = ::open(space.path().toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC);
        m_entered = m_own >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
        if (target >= 0)
            ::close(target);
    }
    ~EnterNetworkNamespace()
    {
        if (m_entered)
            ::setns(m_own, CLONE_NEWNET);
        if (m_own >= 0)
            ::close(m_own);
    }
    EnterNetworkNamespace(const EnterNetworkNamespace &) = delete;
    EnterNetworkNamespace &operator=(const EnterNetworkNamespace &) = delete;

    bool isEntered() const { return m_entered; }

private:
    int m_own;
    bool m_entered = false;
};

} // namespace Longwatch::Testing
