#include "networkpool.h"

#include "environmentreferences.h"
#include "logging.h"
#include "networkaccessmanager.h"
#include "tlsconnection_p.h"

#include <QAuthenticator>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QThread>

namespace Longwatch {

namespace {

// Credentials given to one manager's proxy in a row without a reply getting
// through. Each new connection to the proxy asks once, and a manager opens
// only a few at a time, so a refusal shows long before this.
constexpr int kMaxProxyAnswers = 24;

// Streams one HTTP/2 connection carries at once. Qt 6.4 opens at most
// SETTINGS_MAX_CONCURRENT_STREAMS of the server (100 until it says) and
// queues the rest, and a queued long poll waits for a whole hold; RFC 9113
// advises servers to allow no fewer than 100, nginx allows 128.
constexpr int kHttp2ChannelsPerManager = 100;

} // namespace

NetworkPool::NetworkPool(QObject *parent)
    : QObject(parent)
{}

NetworkPool::~NetworkPool()
{
    if (!m_thread || m_thread == QThread::currentThread())
        return; // children of the pool
    QList<QNetworkAccessManager *> managers;
    for (const Managed &managed : std::as_const(m_managers))
        managers.append(managed.manager);
    // In their thread, after what was queued there before (Channel's
    // deletion of its pollers, whose replies belong to these managers).
    auto *context = new QObject;
    context->moveToThread(m_thread);
    QMetaObject::invokeMethod(
        context,
        [managers, context] {
            qDeleteAll(managers);
            context->deleteLater();
        },
        Qt::BlockingQueuedConnection);
}

void NetworkPool::dropIdleConnections()
{
    for (const Managed &managed : std::as_const(m_managers)) {
        QNetworkAccessManager *manager = managed.manager;
        QMetaObject::invokeMethod(manager, [manager] {
            // NetworkAccessManager hides QNetworkAccessManager's with its own
            // client's pool as well.
            if (auto *own = qobject_cast<NetworkAccessManager *>(manager))
                own->clearConnectionCache();
            else
                manager->clearConnectionCache();
        });
    }
}

void NetworkPool::setManagerThread(QThread *thread)
{
    m_thread = thread == QThread::currentThread() ? nullptr : thread;
}

void NetworkPool::setChannelsPerManager(int count)
{
    m_perManager = std::max(1, count);
}

QString NetworkPool::serverKey(const QUrl &url)
{
    return QStringLiteral("%1://%2:%3")
        .arg(url.scheme(), url.host().toLower())
        .arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
}

QString NetworkPool::groupKey(const QString &server, const TransportOptions &options)
{
    return server + QLatin1Char('#') + QString::fromLatin1(options.connectionKey());
}

bool NetworkPool::servesServer(QNetworkAccessManager *manager, const QString &server) const
{
    const QString prefix = server + QLatin1Char('#');
    for (auto it = m_groups.cbegin(); it != m_groups.cend(); ++it) {
        if (!it.key().startsWith(prefix))
            continue;
        for (const Slot &slot : it.value()) {
            if (slot.manager == manager)
                return true;
        }
    }
    return false;
}

QNetworkAccessManager *NetworkPool::acquire(const QUrl &url, const TransportOptions &options)
{
    const QString server = serverKey(url);
    // HTTP/2 multiplexes the channels of a group over one connection per
    // manager, up to the streams a server allows at once.
    const int limit =
        options.httpVersion == HttpVersion::Http2 ? kHttp2ChannelsPerManager : m_perManager;
    QList<Slot> &slots = m_groups[groupKey(server, options)];
    for (Slot &slot : slots) {
        if (slot.leases < limit) {
            ++slot.leases;
            return slot.manager;
        }
    }
    // Reuse a manager that serves other servers before making a new one:
    // the limit is per host, so one manager can carry six channels each to
    // many servers. It must have the same proxy, and must not carry another
    // group of this server (their connections would be shared).
    const QByteArray managerKey = options.managerKey();
    for (const Managed &managed : std::as_const(m_managers)) {
        if (managed.managerKey == managerKey && !servesServer(managed.manager, server)) {
            slots.append({managed.manager, 1});
            return managed.manager;
        }
    }
    QNetworkAccessManager *manager = createManager(options);
    slots.append({manager, 1});
    return manager;
}

QNetworkAccessManager *NetworkPool::createManager(const TransportOptions &options)
{
    // In another thread a manager cannot be our child; the destructor
    // deletes it there.
    auto *manager = new NetworkAccessManager(m_thread ? nullptr : this);
    // One OpenSSL context per TLS configuration for all the managers.
    if (!m_tlsContexts)
        m_tlsContexts = std::make_shared<Internal::TlsContextCache>();
    manager->shareTlsContexts(m_tlsContexts);
    const ProxySettings proxy = options.proxy;
    if (const std::optional<QNetworkProxy> networkProxy = proxy.networkProxy())
        manager->setProxy(*networkProxy);
    const auto answers = std::make_shared<int>(0);
    m_managers.append({manager, options.managerKey(), answers});
    // Any reply that got through (an HTTP status from the server) shows
    // that the credentials work.
    // Both run in the manager's thread (the pool may be in another).
    connect(manager, &QNetworkAccessManager::finished, manager, [answers](QNetworkReply *reply) {
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid() &&
            reply->error() != QNetworkReply::ProxyAuthenticationRequiredError)
            *answers = 0;
    });
    // Asked once per connection to the proxy (HTTP 407, or SOCKS5 user and
    // password). Left unanswered, the request fails with
    // ProxyAuthenticationRequiredError, which the Poller turns into "the
    // proxy needs a user name and password". After an HTTP proxy refused
    // them, Qt gives up by itself when it gets the same credentials again;
    // Qt's SOCKS5 client instead reconnects and asks again for as long as
    // it gets an answer, so a run of answers without any reply getting
    // through is cut short.
    connect(manager, &QNetworkAccessManager::proxyAuthenticationRequired, manager,
            [proxy, answers](const QNetworkProxy &asking, QAuthenticator *authenticator) {
                const QString name =
                    QStringLiteral("%1:%2").arg(asking.hostName()).arg(asking.port());
                if (*answers >= kMaxProxyAnswers) {
                    qCWarning(lcNetwork).noquote()
                        << "proxy" << name
                        << "keeps asking for credentials: the stored ones are not accepted";
                    return;
                }
                if (proxy.user.isEmpty()) {
                    qCWarning(lcNetwork).noquote()
                        << "proxy" << name << "asks for credentials; none are stored";
                    return;
                }
                QString missing;
                const std::optional<QByteArray> user =
                    resolveEnvironmentReferences(proxy.user.toUtf8(), &missing);
                const std::optional<QByteArray> password =
                    resolveEnvironmentReferences(proxy.password.toUtf8(), &missing);
                if (!user || !password) {
                    qCWarning(lcNetwork).noquote()
                        << "proxy" << name << "asks for credentials; environment variable"
                        << missing << "is not set";
                    return;
                }
                qCDebug(lcNetwork).noquote()
                    << "answering proxy" << name << "with stored credentials";
                ++*answers;
                authenticator->setUser(QString::fromUtf8(*user));
                authenticator->setPassword(QString::fromUtf8(*password));
            });
    if (m_thread)
        manager->moveToThread(m_thread);
    return manager;
}

void NetworkPool::release(QNetworkAccessManager *manager, const QUrl &url,
                          const TransportOptions &options)
{
    const auto it = m_groups.find(groupKey(serverKey(url), options));
    if (it == m_groups.end())
        return;
    for (qsizetype i = 0; i < it->size(); ++i) {
        Slot &slot = (*it)[i];
        if (slot.manager == manager) {
            if (--slot.leases <= 0)
                it->removeAt(i);
            break;
        }
    }
    if (it->isEmpty())
        m_groups.erase(it);
}

} // namespace Longwatch
