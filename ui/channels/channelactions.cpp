#include "channelactions.h"

#include "notifier.h"

#include "channel.h"
#include "channeldialog.h"
#include "channelgroups.h"
#include "channelmanager.h"
#include "eventlog.h"
#include "eventrecorder.h"
#include "proxycredentialsdialog.h"
#include "removechannelbox.h"
#include "trustcertificatebox.h"

#include <QPointer>

namespace Longwatch {

namespace {

/// `config` with the rules of the group it is in (a group it joins in the
/// dialog brings its rules; one it leaves takes them away).
ChannelConfig withGroupRules(ChannelConfig config, const ChannelManager *manager)
{
    config.notifications.groupRules =
        config.group.isEmpty() ? std::nullopt : ChannelGroups::rules(manager, config.group);
    return config;
}

} // namespace

ChannelActions::ChannelActions(ChannelManager *manager, QWidget *window)
    : QObject(window)
    , m_manager(manager)
    , m_window(window)
{
    connect(manager, &ChannelManager::channelStateChanged, this, [this](Channel *channel) {
        if (channel->error() != Poller::Error::ProxyAuthenticationError) {
            if (channel->state() == Poller::State::Live)
                m_proxyAsked.remove(channel->id());
            return;
        }
        if (m_proxyAsked.contains(channel->id()))
            return;
        m_proxyAsked.insert(channel->id());
        askProxyCredentials(channel);
    });
}

void ChannelActions::setEventLog(EventLog *log, EventRecorder *recorder)
{
    m_log = log;
    m_recorder = recorder;
}

ChannelDialog *ChannelActions::add()
{
    auto *dialog = new ChannelDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setSecretWarning(m_manager->secretWarning());
    if (m_notifier)
        dialog->setDefaultNotificationRules(m_notifier->defaultRules());
    dialog->setTakenNames(m_manager->names());
    dialog->setGroupNames(ChannelGroups::names(m_manager));
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        Channel *channel = m_manager->addChannel(withGroupRules(dialog->config(), m_manager));
        Q_EMIT channelAdded(channel);
        Q_EMIT message(tr("Added channel %1.").arg(channel->name()), 5000);
    });
    dialog->open();
    return dialog;
}

ChannelDialog *ChannelActions::edit(Channel *channel)
{
    if (!channel)
        return nullptr;
    auto *dialog = new ChannelDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setSecretWarning(m_manager->secretWarning());
    if (m_notifier)
        dialog->setDefaultNotificationRules(m_notifier->defaultRules());
    QStringList taken = m_manager->names();
    taken.removeOne(channel->name());
    dialog->setTakenNames(taken);
    dialog->setGroupNames(ChannelGroups::names(m_manager));
    dialog->setConfig(channel->config());
    const QPointer<Channel> guard(channel);
    connect(dialog, &QDialog::accepted, this, [this, dialog, guard] {
        if (!guard) {
            Q_EMIT message(tr("The channel was removed while you edited it."), 5000);
            return;
        }
        m_manager->updateChannel(guard, withGroupRules(dialog->config(), m_manager));
        Q_EMIT message(tr("Saved channel %1.").arg(guard->name()), 5000);
    });
    dialog->open();
    return dialog;
}

ChannelDialog *ChannelActions::duplicate(Channel *channel)
{
    if (!channel)
        return nullptr;
    // The copy is added only when the dialog is accepted: a copy that polled
    // at once would hit the same feed before the user could change it.
    ChannelDialog *dialog = add();
    dialog->setConfig(m_manager->copyOf(channel));
    dialog->setWindowTitle(tr("Duplicate Channel — %1").arg(channel->name()));
    return dialog;
}

QMessageBox *ChannelActions::remove(Channel *channel)
{
    if (!channel)
        return nullptr;
    const qint64 stored = m_log && m_recorder ? m_log->eventCounts().value(channel->id()) : 0;
    RemoveChannelBox *box = RemoveChannelBox::open(channel, stored, m_window);
    const QPointer<Channel> guard(channel);
    connect(box, &RemoveChannelBox::removeConfirmed, this, [this, guard](bool forgetEvents) {
        if (!guard)
            return;
        const QString id = guard->id();
        m_manager->removeChannel(guard);
        if (forgetEvents && m_recorder)
            m_recorder->forgetChannel(id);
    });
    return box;
}

void ChannelActions::togglePause(Channel *channel)
{
    if (!channel)
        return;
    if (channel->isPaused())
        channel->resume();
    else
        channel->pause();
}

QMessageBox *ChannelActions::trustCertificate(Channel *channel)
{
    TrustCertificateBox *box = TrustCertificateBox::open(channel, m_window);
    if (box) {
        connect(box, &TrustCertificateBox::trusted, this, [this](const QString &name) {
            Q_EMIT message(tr("Trusting the certificate for %1.").arg(name), 5000);
        });
    }
    return box;
}

QDialog *ChannelActions::askProxyCredentials(Channel *channel)
{
    return ProxyCredentialsDialog::open(channel, m_manager->secretWarning(), m_window);
}

} // namespace Longwatch
