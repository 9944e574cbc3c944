#pragma once

#include <QCoreApplication>

class QAction;
class QObject;
class QPalette;

namespace Longwatch {

class Notifier;

/// The main window's actions: their texts, shortcuts, tool tips, object
/// names and icons, in one place. The window connects them and puts them in
/// its menus, tool bar, context menus and tray menu.
struct WindowActions
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::WindowActions)

public:
    // File
    QAction *add = nullptr;
    QAction *demo = nullptr;
    QAction *exportEvents = nullptr;
    QAction *openEventLog = nullptr;
    QAction *importWorkspace = nullptr;
    QAction *exportWorkspace = nullptr;
    QAction *quit = nullptr;
    // Channel
    QAction *edit = nullptr;
    QAction *duplicate = nullptr;
    QAction *remove = nullptr;
    QAction *pause = nullptr; ///< says "Resume" for a paused channel (setPauseResumes())
    QAction *reconnect = nullptr;
    QAction *trust = nullptr;
    QAction *pauseAll = nullptr;
    QAction *resumeAll = nullptr;
    // View
    QAction *eventsPage = nullptr;
    QAction *jobsPage = nullptr;
    QAction *trendsPage = nullptr;
    QAction *find = nullptr;
    QAction *follow = nullptr;          ///< checkable
    QAction *details = nullptr;         ///< checkable
    QAction *compactChannels = nullptr; ///< checkable: one line a channel
    QAction *failingFirst = nullptr;    ///< checkable: the channel list sorted by state
    QAction *clear = nullptr;
    // Notifications
    QAction *mute = nullptr;          ///< checkable
    QAction *snooze = nullptr;        ///< for an hour
    QAction *snoozeMorning = nullptr; ///< until tomorrow 08:00
    QAction *snoozeUntil = nullptr;   ///< until a time chosen in the settings dialog
    QAction *unsnooze = nullptr;
    QAction *notificationSettings = nullptr;
    QAction *attention = nullptr; ///< says how many things are open (setAttentionCount())
    QAction *showWindow = nullptr;
    // Help
    QAction *help = nullptr;
    QAction *shortcuts = nullptr;
    QAction *about = nullptr;

    /// Makes every action, owned by `parent`.
    static WindowActions create(QObject *parent);
    /// Sets the icons drawn in `palette`'s colours (again, after it changed).
    /// The mute action's bell follows setNotificationState().
    void setIcons(const QPalette &palette);
    /// The bell (mute), its check and tool tip, and whether notifications
    /// can be resumed, as `notifier` says they stand.
    void setNotificationState(const Notifier &notifier, const QPalette &palette);
    /// The pause action reads "Resume" (true) or "Pause"; its icon changes
    /// only when that does (a new icon repaints the tool bar).
    void setPauseResumes(bool resumes, const QPalette &palette);
    /// "Needs Attention (3)", or without a count when nothing is open.
    void setAttentionCount(int count);

private:
    int m_pauseResumes = -1; ///< what the pause action shows: -1 unset, 0 pause, 1 resume
};

} // namespace Longwatch
