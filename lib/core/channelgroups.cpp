#include "channelgroups.h"

#include "channel.h"
#include "channelmanager.h"

namespace Longwatch {

QString ChannelGroups::normalized(const QString &name)
{
    return name.simplified();
}

QStringList ChannelGroups::names(const ChannelManager *manager)
{
    QStringList names;
    for (const Channel *channel : manager->channels()) {
        const QString &group = channel->config().group;
        if (!group.isEmpty() && !names.contains(group))
            names << group;
    }
    return names;
}

QList<Channel *> ChannelGroups::members(const ChannelManager *manager, const QString &group)
{
    QList<Channel *> members;
    if (group.isEmpty())
        return members;
    for (Channel *channel : manager->channels()) {
        if (channel->config().group == group)
            members << channel;
    }
    return members;
}

std::optional<NotificationRules> ChannelGroups::rules(const ChannelManager *manager,
                                                      const QString &group)
{
    const QList<Channel *> channels = members(manager, group);
    // All members hold the same; the first one speaks for them.
    return channels.isEmpty() ? std::nullopt : channels.first()->config().notifications.groupRules;
}

void ChannelGroups::setRules(const ChannelManager *manager, const QString &group,
                             const std::optional<NotificationRules> &rules)
{
    for (Channel *channel : members(manager, group)) {
        ChannelNotifications notifications = channel->config().notifications;
        notifications.groupRules = rules;
        channel->setNotifications(notifications);
    }
}

void ChannelGroups::moveTo(const ChannelManager *manager, const QList<Channel *> &channels,
                           const QString &group)
{
    const QString name = normalized(group);
    // The rules of the group as it is before any of them joins it.
    const std::optional<NotificationRules> groupRules = rules(manager, name);
    for (Channel *channel : channels) {
        if (!channel || channel->config().group == name)
            continue;
        ChannelNotifications notifications = channel->config().notifications;
        notifications.groupRules = name.isEmpty() ? std::nullopt : groupRules;
        channel->setNotifications(notifications);
        channel->setGroup(name);
    }
}

void ChannelGroups::rename(const ChannelManager *manager, const QString &from, const QString &to)
{
    const QString name = normalized(to);
    if (from.isEmpty() || name.isEmpty() || name == from)
        return;
    const QList<Channel *> channels = members(manager, from);
    if (members(manager, name).isEmpty()) {
        // A new name for the same group: its rules go with it.
        for (Channel *channel : channels)
            channel->setGroup(name);
        return;
    }
    moveTo(manager, channels, name);
}

void ChannelGroups::ungroup(const ChannelManager *manager, const QString &group)
{
    moveTo(manager, members(manager, group), QString());
}

void ChannelGroups::setPaused(const ChannelManager *manager, const QString &group, bool paused)
{
    for (Channel *channel : members(manager, group)) {
        if (paused)
            channel->pause();
        else
            channel->resume();
    }
}

QString ChannelGroups::problem(const QString &name)
{
    if (normalized(name).isEmpty())
        return tr("Enter the group's name.");
    if (normalized(name).size() > 100)
        return tr("A group's name has at most 100 characters.");
    return {};
}

} // namespace Longwatch
