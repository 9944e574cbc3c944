#pragma once

#include "transport.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QThread;

namespace Longwatch {

namespace Internal {
class TlsContextCache;
} // namespace Internal

/// Hands out network access managers so that long polls to one server do
/// not queue behind each other, and so that channels share connections
/// only with channels that reach the server the same way.
///
/// Qt 6.4 runs at most six HTTP/1.1 requests at once per host and manager
/// (QHttp1Configuration arrived in 6.5); a seventh long poll waits for a
/// free slot, up to a whole hold time. The pool gives each server's
/// channels managers of their own, at most channelsPerManager() each.
///
/// A manager reuses a connection for every request to the same server,
/// whatever TLS settings the request carries, and has one proxy for all.
/// So channels are grouped by server and TransportOptions::connectionKey():
/// a channel that pins a certificate, presents a client certificate or
/// uses another proxy never rides on another group's connection. Channels
/// set to HTTP/2 multiplex over one connection: a manager carries up to 100
/// of them (the streams a server is advised to allow at once; Qt queues the
/// rest, and a queued long poll would wait a whole hold).
class NetworkPool : public QObject
{
    Q_OBJECT
public:
    explicit NetworkPool(QObject *parent = nullptr);
    ~NetworkPool() override;

    /// How many channels to one server share a manager (default 6, Qt's
    /// limit). Channels set to HTTP/2 share a manager by 100s.
    void setChannelsPerManager(int count);
    int channelsPerManager() const { return m_perManager; }

    /// A manager with a free slot for `url`'s server, set up for `options`
    /// (its proxy, and answers to the proxy's request for credentials).
    /// Release it with the same url and options when done.
    QNetworkAccessManager *acquire(const QUrl &url, const TransportOptions &options = {});
    void release(QNetworkAccessManager *manager, const QUrl &url,
                 const TransportOptions &options = {});

    /// Closes every kept-alive connection that waits for its next request
    /// (in the managers' thread): after a network change they may lead
    /// nowhere. Requests under way keep theirs.
    void dropIdleConnections();

    /// Managers made so far (for tests and diagnostics).
    int managerCount() const { return int(m_managers.size()); }

    /// Makes managers from now on in `thread` (nullptr: the pool's own),
    /// e.g. a network thread so that answers are read off the GUI thread.
    /// Each Poller must then live in its manager's thread (Channel sees to
    /// it). `thread` must run an event loop until the pool is gone: the
    /// pool's destructor deletes its managers there and waits for that, after
    /// whatever was queued to the thread before.
    void setManagerThread(QThread *thread);
    QThread *managerThread() const { return m_thread; }

private:
    struct Slot
    {
        QNetworkAccessManager *manager = nullptr;
        int leases = 0; ///< channels of this group on this manager
    };
    struct Managed
    {
        QNetworkAccessManager *manager = nullptr;
        QByteArray managerKey; ///< TransportOptions::managerKey(): proxy and its credentials
        /// Credentials given to the proxy since a reply last came through;
        /// see createManager().
        std::shared_ptr<int> proxyAnswers;
    };
    static QString serverKey(const QUrl &url);
    static QString groupKey(const QString &server, const TransportOptions &options);
    bool servesServer(QNetworkAccessManager *manager, const QString &server) const;
    QNetworkAccessManager *createManager(const TransportOptions &options);

    QThread *m_thread = nullptr;
    int m_perManager = 6;
    /// The TLS contexts of all its managers' own-client connections.
    std::shared_ptr<Internal::TlsContextCache> m_tlsContexts;
    QHash<QString, QList<Slot>> m_groups; ///< by groupKey()
    QList<Managed> m_managers;
};

} // namespace Longwatch
