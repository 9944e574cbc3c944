#pragma once

#include <QDialog>
#include <QPointer>

#include <chrono>

class QPushButton;
class QToolButton;
class QTreeWidget;

namespace Longwatch {

class ChannelManager;
class JobModel;
class Notifier;

/// Notifications › Needs Attention: the failing channels and the failed
/// jobs of every channel in one list, the channels first. "I'm on it"
/// acknowledges the selected job for a while (Notifier::acknowledgeJob()):
/// its repeats stay quiet and it no longer counts as open; "Show" goes to
/// the channel's jobs. Follows the channels and the board while open.
class AttentionDialog final : public QDialog
{
    Q_OBJECT
public:
    /// None is owned.
    AttentionDialog(ChannelManager *manager, JobModel *jobs, Notifier *notifier,
                    QWidget *parent = nullptr);

    QTreeWidget *list() const { return m_list; }
    /// Lists again what needs attention.
    void refresh();
    /// "I'm on it" for the selected job, for `duration`.
    void acknowledgeSelected(std::chrono::milliseconds duration);

Q_SIGNALS:
    /// "Show": the channel `channelId` and its job `job` (empty for a channel).
    void showRequested(const QString &channelId, const QString &job);

private:
    void updateButtons();

    QPointer<ChannelManager> m_manager;
    QPointer<JobModel> m_jobs;
    QPointer<Notifier> m_notifier;
    QTreeWidget *m_list = nullptr;
    QToolButton *m_onIt = nullptr;
    QPushButton *m_show = nullptr;
};

} // namespace Longwatch
