#include "channelgroupactions.h"

#include "channel.h"
#include "channelfiltermodel.h"
#include "channelgroupmodel.h"
#include "channelgroups.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "desktopnotifications.h"
#include "labels.h"
#include "notificationruleseditor.h"
#include "notifier.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QVBoxLayout>

#include <algorithm>

namespace Longwatch {

ChannelGroupActions::ChannelGroupActions(ChannelGroupModel *model, QWidget *window)
    : QObject(window)
    , m_model(model)
    , m_window(window)
{}

void ChannelGroupActions::setNotifier(Notifier *notifier)
{
    m_notifier = notifier;
}

ChannelManager *ChannelGroupActions::manager() const
{
    return m_model->filterModel()->channelModel()->manager();
}

void ChannelGroupActions::addGroupActions(QMenu *menu, const QString &group)
{
    const QList<Channel *> members = ChannelGroups::members(manager(), group);
    const bool anyPaused =
        std::any_of(members.cbegin(), members.cend(), [](Channel *c) { return c->isPaused(); });
    const bool anyRunning =
        std::any_of(members.cbegin(), members.cend(), [](Channel *c) { return !c->isPaused(); });
    if (m_model->canCollapse()) {
        const bool collapsed = m_model->isCollapsed(group);
        menu->addAction(collapsed ? tr("E&xpand") : tr("Colla&pse"), this,
                        [this, group, collapsed] { m_model->setCollapsed(group, !collapsed); });
        menu->addSeparator();
    }
    menu->addAction(tr("Pause &All in Group"), this, [this, group] { setPaused(group, true); })
        ->setEnabled(anyRunning);
    menu->addAction(tr("&Resume All in Group"), this, [this, group] { setPaused(group, false); })
        ->setEnabled(anyPaused);
    if (m_notifier) {
        if (isMuted(group))
            menu->addAction(tr("Un&mute Group"), this, [this, group] { setMuted(group, false); });
        else
            menu->addAction(tr("&Mute Group for an Hour"), this,
                            [this, group] { setMuted(group, true); });
    }
    menu->addAction(tr("&Notification Rules…"), this, [this, group] { editRules(group); });
    menu->addSeparator();
    const QStringList groups = m_model->groups();
    const qsizetype position = groups.indexOf(group);
    menu->addAction(tr("Move &Up"), this, [this, group] { moveBy(group, -1); })
        ->setEnabled(position > 0);
    menu->addAction(tr("Move &Down"), this, [this, group] { moveBy(group, +1); })
        ->setEnabled(position >= 0 && position < groups.size() - 1);
    menu->addAction(tr("Re&name Group…"), this, [this, group] { rename(group); });
    menu->addAction(tr("&Ungroup"), this, [this, group] { ungroup(group); });
}

QMenu *ChannelGroupActions::moveToGroupMenu(Channel *channel, QWidget *parent)
{
    auto *menu = new QMenu(tr("Move to &Group"), parent);
    const QPointer<Channel> guard(channel);
    const QString current = channel->config().group;
    for (const QString &group : m_model->groups()) {
        QAction *action = menu->addAction(group, this, [this, guard, group] {
            if (guard)
                ChannelGroups::moveTo(manager(), {guard.data()}, group);
        });
        action->setCheckable(true);
        action->setChecked(group == current);
    }
    if (!current.isEmpty()) {
        if (!m_model->groups().isEmpty())
            menu->addSeparator();
        menu->addAction(tr("&No Group"), this, [this, guard] {
            if (guard)
                ChannelGroups::moveTo(manager(), {guard.data()}, QString());
        });
    }
    menu->addSeparator();
    menu->addAction(tr("New &Group…"), this, [this, guard] {
        if (guard)
            newGroup(guard);
    });
    return menu;
}

void ChannelGroupActions::setPaused(const QString &group, bool paused)
{
    ChannelGroups::setPaused(manager(), group, paused);
    Q_EMIT message(paused ? tr("Paused the channels of %1.").arg(group)
                          : tr("Resumed the channels of %1.").arg(group),
                   5000);
}

void ChannelGroupActions::setMuted(const QString &group, bool muted)
{
    if (!m_notifier)
        return;
    for (const Channel *channel : ChannelGroups::members(manager(), group)) {
        if (muted)
            m_notifier->muteChannelFor(channel->id(), DesktopNotifications::muteDuration);
        else
            m_notifier->unmuteChannel(channel->id());
    }
    Q_EMIT message(muted ? tr("No notifications about %1 for an hour.").arg(group)
                         : tr("Notifications about %1 are on again.").arg(group),
                   5000);
}

bool ChannelGroupActions::isMuted(const QString &group) const
{
    if (!m_notifier)
        return false;
    const QList<Channel *> members = ChannelGroups::members(manager(), group);
    return std::any_of(members.cbegin(), members.cend(), [this](const Channel *channel) {
        return m_notifier->isChannelMuted(channel->id());
    });
}

void ChannelGroupActions::moveBy(const QString &group, int places)
{
    const qsizetype position = m_model->groups().indexOf(group);
    if (position >= 0)
        m_model->moveGroup(group, int(position) + places);
}

void ChannelGroupActions::ungroup(const QString &group)
{
    ChannelGroups::ungroup(manager(), group);
    Q_EMIT message(tr("The channels of %1 are in no group now.").arg(group), 5000);
}

QInputDialog *ChannelGroupActions::askName(const QString &title, const QString &label,
                                           const QString &name)
{
    auto *dialog = new QInputDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(title);
    dialog->setLabelText(label);
    dialog->setTextValue(name);
    dialog->setObjectName(QStringLiteral("groupNameDialog"));
    dialog->setWindowModality(Qt::WindowModal);
    return dialog;
}

QInputDialog *ChannelGroupActions::rename(const QString &group)
{
    QInputDialog *dialog =
        askName(tr("Rename Group"), tr("New name of the group %1:").arg(group), group);
    connect(dialog, &QInputDialog::textValueSelected, this, [this, group](const QString &name) {
        if (const QString problem = ChannelGroups::problem(name); !problem.isEmpty()) {
            Q_EMIT message(problem, 5000);
            return;
        }
        const QString to = ChannelGroups::normalized(name);
        // It keeps its place and whether it is collapsed.
        QStringList order = m_model->groups();
        const bool collapsed = m_model->isCollapsed(group);
        if (const qsizetype at = order.indexOf(group); at >= 0 && !order.contains(to))
            order[at] = to;
        ChannelGroups::rename(manager(), group, to);
        m_model->setGroupOrder(order);
        m_model->setCollapsed(to, collapsed);
    });
    dialog->open();
    return dialog;
}

QInputDialog *ChannelGroupActions::newGroup(Channel *channel)
{
    QInputDialog *dialog = askName(tr("New Group"), tr("Name of the new group:"), QString());
    const QPointer<Channel> guard(channel);
    connect(dialog, &QInputDialog::textValueSelected, this, [this, guard](const QString &name) {
        if (const QString problem = ChannelGroups::problem(name); !problem.isEmpty()) {
            Q_EMIT message(problem, 5000);
            return;
        }
        if (guard)
            ChannelGroups::moveTo(manager(), {guard.data()}, name);
    });
    dialog->open();
    return dialog;
}

QDialog *ChannelGroupActions::editRules(const QString &group)
{
    auto *dialog = new QDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("groupRulesDialog"));
    dialog->setWindowTitle(tr("Notification Rules — %1").arg(group));
    auto *layout = new QVBoxLayout(dialog);
    const QList<Channel *> members = ChannelGroups::members(manager(), group);
    const auto following = std::count_if(members.cbegin(), members.cend(), [](Channel *c) {
        return c->config().notifications.followDefaults;
    });
    // Which rules win, said where they are set.
    QLabel *precedence =
        dimLabel(tr("A channel's own rules come first, then its group's, then the default rules. "
                    "These apply to the channels of %1 that have no rules of their own: %2 of %n.",
                    nullptr, int(members.size()))
                     .arg(group)
                     .arg(following));
    precedence->setWordWrap(true);
    layout->addWidget(precedence);
    auto *editor = new NotificationRulesEditor(tr("&Use the default rules"));
    editor->setObjectName(QStringLiteral("groupRules"));
    editor->setDefault(m_notifier ? m_notifier->defaultRules() : NotificationRules::defaults());
    const std::optional<NotificationRules> rules = ChannelGroups::rules(manager(), group);
    editor->setRules(
        rules.value_or(m_notifier ? m_notifier->defaultRules() : NotificationRules::defaults()));
    editor->setFollowing(!rules);
    layout->addWidget(editor);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    layout->addWidget(buttons);
    connect(dialog, &QDialog::accepted, this, [this, group, editor] {
        ChannelGroups::setRules(manager(), group,
                                editor->isFollowing()
                                    ? std::nullopt
                                    : std::optional<NotificationRules>(editor->rules()));
        Q_EMIT message(tr("Saved the notification rules of %1.").arg(group), 5000);
    });
    dialog->setWindowModality(Qt::WindowModal);
    dialog->open();
    return dialog;
}

} // namespace Longwatch
