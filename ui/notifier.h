#pragma once

#include "jobstatus.h"
#include "poller.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <functional>

namespace Longwatch {

class ChannelManager;
class JobModel;

/// Decides what deserves a desktop notification: a job that fails,
/// recovers or finishes, as each channel's configuration asks. Honours
/// "mute all" and "pause for a while". Also sums up the health of all
/// channels for the tray icon and the status bar.
///
/// It shows nothing itself: the window turns notify() into a tray balloon,
/// or a status bar message where there is no tray.
class Notifier final : public QObject
{
    Q_OBJECT
public:
    enum class Severity { Information, Warning, Critical };
    Q_ENUM(Severity)

    /// The health of all channels together, worst first.
    enum class Health { NoChannels, Failed, Retrying, Connecting, Live, Paused };
    Q_ENUM(Health)

    using Clock = std::function<QDateTime()>;

    Notifier(ChannelManager *manager, JobModel *jobs, QObject *parent = nullptr);
    ~Notifier() override;

    void setClock(Clock clock);

    void setMuted(bool muted);
    bool isMuted() const { return m_muted; }
    /// No notifications until now + `duration`.
    void pauseFor(std::chrono::milliseconds duration);
    void resumeNotifications();
    /// Invalid when not paused.
    QDateTime pausedUntil() const;
    /// Neither muted nor paused.
    bool isActive() const;

    Health health() const;
    static QString healthText(Health health);
    /// "4 channels: 3 live, 1 retrying".
    QString summary() const;

    /// Notifications from one batch beyond this many are folded into one,
    /// which counts and names each kind (failed, recovered, ...) apart.
    static constexpr int maxPerBatch = 3;

Q_SIGNALS:
    /// A notification to show now (already filtered by mute and pause).
    void notify(const QString &title, const QString &message,
                Longwatch::Notifier::Severity severity);
    /// Emitted when health() or summary() may have changed.
    void healthChanged(Longwatch::Notifier::Health health);
    /// Emitted when muted or paused changed.
    void activeChanged(bool active);

private:
    /// What a notification says happened to a job.
    enum class Kind { Failed, Recovered, Cancelled, Finished };
    struct Pending
    {
        Kind kind;
        QString job;
        QString title;
        QString message;
        Severity severity;
    };
    void onJobStatusChanged(const QString &channelId, const QString &channelName,
                            const QString &job, JobStatus previous, JobStatus current,
                            const QString &message);
    void flush();
    void updateHealth();

    QPointer<ChannelManager> m_manager;
    Clock m_clock;
    bool m_muted = false;
    QDateTime m_pausedUntil;
    QTimer m_pauseTimer;
    QList<Pending> m_pending;
    Health m_health = Health::NoChannels;
};

} // namespace Longwatch
