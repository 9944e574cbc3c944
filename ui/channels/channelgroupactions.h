#pragma once

#include <QObject>
#include <QPointer>

class QDialog;
class QInputDialog;
class QMenu;
class QWidget;

namespace Longwatch {

class Channel;
class ChannelGroupModel;
class ChannelManager;
class Notifier;

/// What the channel list's menus do to groups (ChannelGroups): a header's
/// menu (pause and resume all its channels, mute and unmute them, its
/// notification rules, rename, move up and down, ungroup) and a channel's
/// "Move to Group" submenu (an existing group, no group, a new group).
/// Dialogs are window-modal and do not block.
class ChannelGroupActions final : public QObject
{
    Q_OBJECT
public:
    /// Dialogs open over `window`; `model` is not owned.
    ChannelGroupActions(ChannelGroupModel *model, QWidget *window);

    /// Mute and the rules' default come from `notifier` (not owned; without
    /// one, there is no Mute and the default is NotificationRules::defaults()).
    void setNotifier(Notifier *notifier);

    /// Fills `menu` with what can be done to `group`.
    void addGroupActions(QMenu *menu, const QString &group);
    /// "Move to Group": the other groups, "No Group", "New Group…".
    QMenu *moveToGroupMenu(Channel *channel, QWidget *parent);

    /// Pauses (true) or resumes every channel of the group.
    void setPaused(const QString &group, bool paused);
    /// No notifications about the group's channels for an hour (true), or
    /// again from now on.
    void setMuted(const QString &group, bool muted);
    /// True while a channel of the group is muted.
    bool isMuted(const QString &group) const;
    /// Moves the group one place up (-1) or down (+1).
    void moveBy(const QString &group, int places);
    /// Takes the channels out of the group.
    void ungroup(const QString &group);
    QInputDialog *rename(const QString &group);
    /// Asks for a name and puts `channel` into that group.
    QInputDialog *newGroup(Channel *channel);
    /// The group's notification rules: its own, or the default.
    QDialog *editRules(const QString &group);

Q_SIGNALS:
    /// A sentence for the status bar, for `timeoutMs`.
    void message(const QString &text, int timeoutMs);

private:
    QInputDialog *askName(const QString &title, const QString &label, const QString &name);
    ChannelManager *manager() const;

    ChannelGroupModel *m_model;
    QWidget *m_window;
    QPointer<Notifier> m_notifier;
};

} // namespace Longwatch
