#include "demo.h"

#include "channelmanager.h"
#include "demofeed.h"
#include "feedserver.h"
#include "logging.h"

#include <QTcpServer>

using namespace std::chrono_literals;

namespace Longwatch {

Demo::Demo(ChannelManager *manager, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
{}

Demo::~Demo() = default;

bool Demo::isRunning() const
{
    return m_server && m_server->isListening();
}

QString Demo::channelName(const QString &feed)
{
    if (feed == QLatin1String("builds"))
        return tr("CI builds");
    if (feed == QLatin1String("tests"))
        return tr("Test runs");
    if (feed == QLatin1String("deploys"))
        return tr("Deployments");
    if (feed == QLatin1String("batch"))
        return tr("Nightly batch");
    return feed;
}

QString Demo::channelId(const QString &feed)
{
    return QStringLiteral("demo-") + feed;
}

QUrl Demo::feedUrl(const QString &feed) const
{
    if (!m_server)
        return {};
    QUrl url = m_server->baseUrl();
    url.setPath(QStringLiteral("/feeds/%1/poll").arg(feed));
    return url;
}

quint16 Demo::deadPort()
{
    // A port the system just handed out and we closed again: nothing
    // listens there, so connections are refused and the channel retries.
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 9; // "discard": nothing listens there on a desktop either
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

bool Demo::start()
{
    if (m_server)
        return true;
    m_server = new FeedServer(this);
    if (!m_journalPath.isEmpty() && !m_server->openJournal(m_journalPath)) {
        // The demo still runs, it only starts its ids over.
        qCWarning(lcUi).noquote() << "demo journal:" << m_server->errorString();
        delete m_server;
        m_server = new FeedServer(this);
    }
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        m_errorString = tr("The demo server could not start: %1").arg(m_server->errorString());
        qCWarning(lcUi).noquote() << m_errorString;
        delete m_server;
        m_server = nullptr;
        return false;
    }
    qCInfo(lcUi).noquote() << "demo feed server on" << m_server->baseUrl().toString();
    m_feed = new DemoFeed(m_server, this);
    m_feed->start();

    for (const QString &feed : DemoFeed::feedNames()) {
        ChannelConfig config;
        config.id = channelId(feed);
        config.name = channelName(feed);
        config.url = feedUrl(feed);
        config.profileId = QStringLiteral("seed-events");
        config.transient = true;
        // Two groups, to show them; the nightly batch stays in none.
        if (feed == QLatin1String("builds") || feed == QLatin1String("tests"))
            config.group = tr("CI");
        else if (feed == QLatin1String("deploys"))
            config.group = tr("Delivery");
        if (feed == QLatin1String("deploys")) {
            config.notifications.followDefaults = false;
            config.notifications.rules.setOn(NotificationRules::Transition::JobFinished, true);
        }
        m_manager->addChannel(config);
    }

    ChannelConfig offline;
    offline.id = channelId(QStringLiteral("offline"));
    offline.name = tr("Staging (offline)");
    offline.url = QUrl(QStringLiteral("http://127.0.0.1:%1/feeds/builds/poll").arg(deadPort()));
    offline.profileId = QStringLiteral("seed-events");
    offline.transient = true;
    offline.group = tr("Delivery");
    // Short bounds, so the countdown is there to watch rather than minutes long.
    offline.timing.backoffInitial = 8s;
    offline.timing.backoffMax = 60s;
    m_manager->addChannel(offline);
    return true;
}

} // namespace Longwatch
