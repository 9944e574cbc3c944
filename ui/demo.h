#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

namespace Longwatch {

class ChannelManager;
class DemoFeed;
class FeedServer;

/// "Try the demo": the reference FeedServer, in this process on 127.0.0.1
/// and a port the system picks, fed by the DemoFeed's simulated CI jobs,
/// plus one channel per demo feed and one pointing at a port where nothing
/// listens, so that a retry countdown is there to see. The channels are
/// transient: they are never written to the channel store.
class Demo final : public QObject
{
    Q_OBJECT
public:
    explicit Demo(ChannelManager *manager, QObject *parent = nullptr);
    ~Demo() override;

    /// Keeps the demo server's events in `path` (FeedServer::openJournal()),
    /// so that a restarted demo goes on with the same ids and its channels
    /// resume from their stored cursors without a gap. Before start().
    void setJournalPath(const QString &path) { m_journalPath = path; }

    /// The fixed id of a demo feed's channel ("demo-builds"), the same at
    /// every start so the event log keeps one history per demo channel.
    static QString channelId(const QString &feed);

    /// Starts the server and the simulation and adds the channels.
    /// Returns false (with errorString()) if the server cannot listen.
    /// A second call does nothing and returns true.
    bool start();
    bool isRunning() const;
    QString errorString() const { return m_errorString; }

    FeedServer *server() const { return m_server; }
    DemoFeed *feed() const { return m_feed; }
    /// The address of a demo feed's poll endpoint.
    QUrl feedUrl(const QString &feed) const;

    /// The name the demo gives a feed's channel ("CI builds" for "builds").
    static QString channelName(const QString &feed);

private:
    static quint16 deadPort();

    ChannelManager *m_manager;
    FeedServer *m_server = nullptr;
    DemoFeed *m_feed = nullptr;
    QString m_errorString;
    QString m_journalPath;
};

} // namespace Longwatch
