#pragma once

#include <QObject>
#include <QSet>

class QDialog;
class QMessageBox;
class QWidget;

namespace Longwatch {

class Channel;
class ChannelDialog;
class ChannelManager;
class EventRecorder;
class EventLog;
class Notifier;

/// What the Channel menu does to a channel, with its dialogs: add, edit,
/// duplicate, remove (and its stored events), trust a refused certificate,
/// and the proxy sign-in, asked for once when a channel's proxy refuses its
/// credentials. Dialogs are window-modal and do not block.
class ChannelActions final : public QObject
{
    Q_OBJECT
public:
    /// Dialogs open over `window`; `manager` is not owned.
    ChannelActions(ChannelManager *manager, QWidget *window);

    /// With a log and a recorder, removing a channel offers to delete its
    /// stored events. Neither is owned.
    void setEventLog(EventLog *log, EventRecorder *recorder);
    /// The channel dialogs show `notifier`'s default rules (not owned).
    void setNotifier(const Notifier *notifier) { m_notifier = notifier; }

    ChannelDialog *add();
    ChannelDialog *edit(Channel *channel);
    /// The add dialog on a copy of `channel` ("… (copy)"); the copy is
    /// added only when the dialog is accepted.
    ChannelDialog *duplicate(Channel *channel);
    /// "Remove the channel …?"; nullptr for no channel.
    QMessageBox *remove(Channel *channel);
    /// Pauses `channel`, or resumes it if it is paused.
    void togglePause(Channel *channel);
    /// Whether to trust the certificate `channel`'s server presented; Yes
    /// pins it and reconnects. nullptr if pinning would not let it through.
    QMessageBox *trustCertificate(Channel *channel);
    /// The proxy's user and password for `channel`; OK keeps them and
    /// reconnects.
    QDialog *askProxyCredentials(Channel *channel);

Q_SIGNALS:
    /// A channel was added (to be selected).
    void channelAdded(Channel *channel);
    /// A sentence for the status bar, for `timeoutMs`.
    void message(const QString &text, int timeoutMs);

private:
    ChannelManager *m_manager;
    QWidget *m_window;
    EventLog *m_log = nullptr;
    EventRecorder *m_recorder = nullptr;
    const Notifier *m_notifier = nullptr;
    /// Channels whose proxy credentials were asked for: once, not at every failure.
    QSet<QString> m_proxyAsked;
};

} // namespace Longwatch
