#pragma once

#include "notificationrules.h"

#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Longwatch {

class Channel;
class ChannelManager;

/// Channels listed together under a name (ChannelConfig::group). A group
/// is the channels that name it: it comes with its first member and goes
/// with its last. What is done to a group is done to each member, without
/// restarting any of them: a move, a rename, pausing and resuming, and its
/// notification rules, which each member keeps a copy of
/// (ChannelNotifications::groupRules) and which apply to the members that
/// have no rules of their own.
///
/// The order the groups are shown in, and whether they are collapsed, is
/// the channel list's (ChannelGroupModel).
class ChannelGroups
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ChannelGroups)
public:
    /// A group's name as it is kept: spaces collapsed, none at the ends.
    static QString normalized(const QString &name);
    /// The groups, in the order of their first members.
    static QStringList names(const ChannelManager *manager);
    /// The channels of `group`, in the manager's order.
    static QList<Channel *> members(const ChannelManager *manager, const QString &group);
    /// The group's own notification rules; none when it follows the default
    /// (or has no member).
    static std::optional<NotificationRules> rules(const ChannelManager *manager,
                                                  const QString &group);
    /// Gives `group` its own rules (none: it follows the default), in every member.
    static void setRules(const ChannelManager *manager, const QString &group,
                         const std::optional<NotificationRules> &rules);
    /// Puts `channels` into `group` (empty: into none); they take on the
    /// group's rules. The name is normalized.
    static void moveTo(const ChannelManager *manager, const QList<Channel *> &channels,
                       const QString &group);
    /// Renames `from` to `to`; into a group that exists already, the
    /// members join it (and take on its rules).
    static void rename(const ChannelManager *manager, const QString &from, const QString &to);
    /// Takes every member out of `group`: they are in no group.
    static void ungroup(const ChannelManager *manager, const QString &group);
    /// Pauses (true) or resumes every member.
    static void setPaused(const ChannelManager *manager, const QString &group, bool paused);
    /// Why `name` cannot name a group, as a sentence; empty if it can.
    static QString problem(const QString &name);
};

} // namespace Longwatch
