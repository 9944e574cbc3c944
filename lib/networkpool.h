#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace Longwatch {

/// Hands out network access managers so that long polls to one server do
/// not queue behind each other.
///
/// Qt 6.4 runs at most six HTTP/1.1 requests at once per host and manager
/// (QHttp1Configuration arrived in 6.5); a seventh long poll waits for a
/// free slot, up to a whole hold time. The pool gives each server's
/// channels managers of their own, at most channelsPerManager() each.
class NetworkPool : public QObject
{
    Q_OBJECT
public:
    explicit NetworkPool(QObject *parent = nullptr);
    ~NetworkPool() override;

    /// How many channels to one server share a manager (default 6, Qt's limit).
    void setChannelsPerManager(int count);
    int channelsPerManager() const { return m_perManager; }

    /// A manager with a free slot for `url`'s server. Release it when done.
    QNetworkAccessManager *acquire(const QUrl &url);
    void release(QNetworkAccessManager *manager, const QUrl &url);

    /// Managers made so far (for tests and diagnostics).
    int managerCount() const { return int(m_managers.size()); }

private:
    struct Slot
    {
        QNetworkAccessManager *manager = nullptr;
        int leases = 0; ///< channels of this server on this manager
    };
    static QString serverKey(const QUrl &url);

    int m_perManager = 6;
    QHash<QString, QList<Slot>> m_servers;
    QList<QNetworkAccessManager *> m_managers;
};

} // namespace Longwatch
