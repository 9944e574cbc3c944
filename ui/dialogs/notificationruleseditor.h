#pragma once

#include "notificationrules.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QLabel;
class QSpinBox;

namespace Longwatch {

/// Edits one set of NotificationRules: for each transition whether it
/// notifies and whether it breaks through quiet hours, and after how many
/// minutes a channel counts as down. Used by the channel dialog (its
/// Notifications tab) and the Notification Settings dialog.
///
/// With a default to follow (setFollowing()), a "Use the default rules"
/// box comes first; while it is checked the rows show the default, greyed.
/// For a channel in a group with rules of its own, what it follows is the
/// group's rules, and the box says so ("Use the rules of the group Builds"):
/// a channel's own rules come first, then its group's, then the default.
class NotificationRulesEditor final : public QWidget
{
    Q_OBJECT
public:
    /// `followText` empty: no "follow the default" box.
    explicit NotificationRulesEditor(const QString &followText = {}, QWidget *parent = nullptr);

    void setRules(const NotificationRules &rules);
    /// The rules as the rows say (the channel's own, even while following).
    NotificationRules rules() const;

    /// The default shown while following it; and whether to follow it.
    void setDefault(const NotificationRules &defaults);
    void setFollowing(bool follow);
    bool isFollowing() const;

    /// `group`: the channel's group, named by the box when the group has rules.
    void setChannelNotifications(const ChannelNotifications &notifications,
                                 const QString &group = {});
    /// The channel's rules as edited; its group's rules as they were given.
    ChannelNotifications channelNotifications() const;

Q_SIGNALS:
    /// Something was changed by the user.
    void changed();

private:
    void showRules(const NotificationRules &rules);
    void onFollowToggled(bool follow);
    /// What the channel follows: its group's rules, or the default.
    const NotificationRules &followed() const;

    QCheckBox *m_follow = nullptr;
    QHash<int, QCheckBox *> m_on;       ///< by Transition
    QHash<int, QCheckBox *> m_critical; ///< by Transition
    QSpinBox *m_downMinutes = nullptr;
    QWidget *m_rows = nullptr;
    NotificationRules m_own = NotificationRules::defaults(); ///< kept while following
    NotificationRules m_default = NotificationRules::defaults();
    std::optional<NotificationRules> m_groupRules; ///< kept as given
    QString m_followText;
};

} // namespace Longwatch
