#include "windowactions.h"

#include "icons.h"
#include "notifier.h"

#include <QAction>
#include <QCoreApplication>
#include <QKeySequence>

namespace Longwatch {

namespace {

/// An action with its tool tip: `tip`, or the text without "&" and "…".
QAction *make(QObject *parent, const QString &text, const QKeySequence &shortcut,
              const QString &tip = {})
{
    auto *action = new QAction(text, parent);
    if (!shortcut.isEmpty())
        action->setShortcut(shortcut);
    action->setToolTip(
        tip.isEmpty() ? QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("…")) : tip);
    return action;
}

} // namespace

WindowActions WindowActions::create(QObject *parent)
{
    WindowActions a;
    const auto make = [parent](const QString &text, const QKeySequence &shortcut,
                               const QString &tip = {}) {
        return Longwatch::make(parent, text, shortcut, tip);
    };
    a.add = make(tr("&Add Channel…"), QKeySequence::New, tr("Add a channel (Ctrl+N)"));
    a.add->setIconText(tr("Add Channel"));
    a.demo = make(tr("Try the &Demo"), {},
                  tr("Start a demo feed server in Longwatch and watch its channels"));
    a.exportEvents = make(tr("&Export Events…"), QKeySequence(Qt::CTRL | Qt::Key_S),
                          tr("Export events from the event log as CSV, NDJSON or JSON (Ctrl+S)"));
    a.exportEvents->setEnabled(false); // until there is an event log
    a.openEventLog = make(tr("&Open Event Log…"), {},
                          tr("Look at an event log a recorder (longwatch-tail --store) wrote, "
                             "read-only"));
    a.importWorkspace =
        make(tr("&Import Workspace…"), {}, tr("Add the channels of a workspace file"));
    a.exportWorkspace = make(tr("E&xport Workspace…"), {},
                             tr("Save the channels to a workspace file, without secrets"));
    a.quit = make(tr("&Quit"), QKeySequence::Quit);
    a.quit->setMenuRole(QAction::QuitRole);

    a.edit = make(tr("&Edit…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                  tr("Edit the selected channel (Ctrl+E)"));
    a.edit->setPriority(QAction::LowPriority);
    a.duplicate =
        make(tr("D&uplicate…"), QKeySequence(Qt::CTRL | Qt::Key_D),
             tr("Add a copy of the selected channel, after you check its settings (Ctrl+D)"));
    a.duplicate->setPriority(QAction::LowPriority);
    a.remove = make(tr("&Remove…"), QKeySequence::Delete, tr("Remove the selected channel (Del)"));
    a.remove->setPriority(QAction::LowPriority);
    a.pause = make(tr("&Pause"), QKeySequence(Qt::CTRL | Qt::Key_P),
                   tr("Pause or resume the selected channel (Ctrl+P)"));
    a.reconnect = make(tr("Re&connect Now"), QKeySequence(Qt::Key_F5),
                       tr("Poll the selected channel now, ending any wait (F5)"));
    a.reconnect->setIconText(tr("Reconnect"));
    a.trust = new QAction(tr("&Trust This Certificate for This Channel…"), parent);
    a.trust->setObjectName(QStringLiteral("trustCertificateAction"));
    a.pauseAll = make(tr("Pause &All Channels"), {});
    a.resumeAll = make(tr("Resume A&ll Channels"), {});

    a.eventsPage = make(tr("&Events"), QKeySequence(Qt::CTRL | Qt::Key_1));
    a.jobsPage = make(tr("&Jobs"), QKeySequence(Qt::CTRL | Qt::Key_2));
    a.trendsPage = make(tr("T&rends"), QKeySequence(Qt::CTRL | Qt::Key_3));
    a.find = make(tr("&Filter…"), QKeySequence::Find);
    a.follow = make(tr("&Follow New Events"), QKeySequence(Qt::CTRL | Qt::Key_L),
                    tr("Keep the newest event in view (Ctrl+L)"));
    a.follow->setIconText(tr("Follow"));
    a.follow->setCheckable(true);
    a.follow->setChecked(true);
    a.details = make(tr("Event &Details"), QKeySequence(Qt::CTRL | Qt::Key_I),
                     tr("Show the selected event's JSON (Ctrl+I)"));
    a.details->setCheckable(true);
    a.details->setChecked(true);
    a.compactChannels =
        make(tr("Co&mpact Channel List"), {}, tr("One line a channel, for many channels"));
    a.compactChannels->setObjectName(QStringLiteral("compactChannels"));
    a.compactChannels->setCheckable(true);
    a.failingFirst = make(tr("Channels in &Trouble First"), {},
                          tr("Sort the channel list by state: failed, then retrying, first"));
    a.failingFirst->setObjectName(QStringLiteral("failingFirst"));
    a.failingFirst->setCheckable(true);
    a.clear = make(tr("&Clear Events"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K),
                   tr("Clear the event table; the event log keeps them (Ctrl+Shift+K)"));
    a.clear->setPriority(QAction::LowPriority);

    a.mute = make(tr("&Mute Notifications"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M),
                  tr("Mute all notifications (Ctrl+Shift+M)"));
    a.mute->setObjectName(QStringLiteral("muteNotifications"));
    a.mute->setIconText(tr("Mute"));
    a.mute->setCheckable(true);
    a.mute->setPriority(QAction::LowPriority);
    a.snooze = make(tr("&Snooze for an Hour"), {},
                    tr("No notifications for an hour but those that break through"));
    a.snooze->setObjectName(QStringLiteral("pauseNotifications"));
    a.snoozeMorning = make(tr("Snooze Until &Tomorrow 08:00"), {});
    a.snoozeMorning->setObjectName(QStringLiteral("snoozeMorning"));
    a.snoozeUntil = make(tr("Snooze &Until…"), {});
    a.snoozeUntil->setObjectName(QStringLiteral("snoozeUntil"));
    a.notificationSettings =
        make(tr("&Notification Settings…"), {}, tr("Rules, quiet hours and snooze"));
    a.notificationSettings->setObjectName(QStringLiteral("notificationSettings"));
    a.notificationSettings->setMenuRole(QAction::PreferencesRole);
    a.attention = make(tr("Needs &Attention"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A),
                       tr("Failed jobs and failing channels, everywhere (Ctrl+Shift+A)"));
    a.attention->setObjectName(QStringLiteral("needsAttention"));
    a.unsnooze = make(tr("&Resume Notifications"), {});
    a.unsnooze->setObjectName(QStringLiteral("resumeNotifications"));
    a.showWindow = make(tr("&Show Longwatch"), {});

    a.help =
        make(tr("Longwatch &Help"), QKeySequence::HelpContents, tr("Read the documentation (F1)"));
    a.help->setObjectName(QStringLiteral("helpAction"));
    a.shortcuts = make(tr("&Keyboard Shortcuts"), {});
    a.shortcuts->setObjectName(QStringLiteral("shortcutsAction"));
    a.about = make(tr("&About Longwatch"), {});
    a.about->setObjectName(QStringLiteral("aboutAction"));
    a.about->setMenuRole(QAction::AboutRole);
    return a;
}

void WindowActions::setIcons(const QPalette &palette)
{
    const auto themed = [&palette](const char *name) {
        return Icons::themed(QLatin1String(name), palette);
    };
    add->setIcon(themed("add"));
    demo->setIcon(themed("demo"));
    quit->setIcon(themed("quit"));
    edit->setIcon(themed("edit"));
    duplicate->setIcon(themed("duplicate"));
    remove->setIcon(themed("remove"));
    reconnect->setIcon(themed("reconnect"));
    pauseAll->setIcon(themed("pause"));
    resumeAll->setIcon(themed("resume"));
    follow->setIcon(themed("follow"));
    clear->setIcon(themed("clear"));
    find->setIcon(themed("search"));
    eventsPage->setIcon(themed("events"));
    jobsPage->setIcon(themed("jobs"));
    trendsPage->setIcon(themed("trends"));
    snooze->setIcon(themed("snooze"));
    snoozeMorning->setIcon(themed("snooze"));
    attention->setIcon(themed("warning"));
    unsnooze->setIcon(themed("bell"));
    m_pauseResumes = -1; // set again in the new colours
}

void WindowActions::setNotificationState(const Notifier &notifier, const QPalette &palette)
{
    const bool muted = notifier.isMuted();
    const bool paused = notifier.isQuiet();
    {
        const QSignalBlocker blocker(mute);
        mute->setChecked(muted);
    }
    // The bell shows how notifications stand, in the toolbar and the tray.
    mute->setIcon(Icons::themed(notifier.bellIconName(), palette));
    const QString state = notifier.stateText();
    const QString shortcut = mute->shortcut().toString(QKeySequence::NativeText);
    mute->setToolTip(muted    ? tr("%1 — click to unmute them (%2)").arg(state, shortcut)
                     : paused ? tr("%1 — click to mute them altogether (%2)").arg(state, shortcut)
                              : tr("Mute all notifications (%1)").arg(shortcut));
    unsnooze->setEnabled(notifier.pausedUntil().isValid());
}

void WindowActions::setAttentionCount(int count)
{
    attention->setText(count > 0 ? tr("Needs &Attention (%1)").arg(count) : tr("Needs &Attention"));
    attention->setIconText(count > 0 ? tr("Attention (%1)").arg(count) : tr("Attention"));
}

void WindowActions::setPauseResumes(bool resumes, const QPalette &palette)
{
    pause->setText(resumes ? tr("&Resume") : tr("&Pause"));
    if (std::exchange(m_pauseResumes, int(resumes)) == int(resumes))
        return;
    pause->setIcon(
        Icons::themed(resumes ? QStringLiteral("resume") : QStringLiteral("pause"), palette));
}

} // namespace Longwatch
