#include "statusarea.h"

#include "channel.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "desktopnotifications.h"
#include "elidedlabel.h"
#include "icons.h"
#include "labels.h"
#include "logging.h"
#include "statuscolors.h"

#include <QApplication>
#include <QDBusConnection>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMainWindow>
#include <QMenu>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTime>

namespace Longwatch {

StatusArea::StatusArea(QMainWindow *window, ChannelManager *manager, Notifier *notifier)
    : QObject(window)
    , m_window(window)
    , m_manager(manager)
    , m_notifier(notifier)
{
    m_healthIcon = new QLabel;
    m_healthIcon->setFixedSize(16, 16);
    m_healthLabel = new QLabel;
    m_healthLabel->setObjectName(QStringLiteral("healthLabel"));
    m_healthLabel->setMinimumWidth(1); // a long reason must not widen the window
    m_eventCount = dimLabel();
    // The last notification takes what room is left, so the channels'
    // health beside it is not squeezed out by a long message.
    m_lastNotification = new ElidedLabel;
    m_lastNotification->setObjectName(QStringLiteral("lastNotification"));
    m_notifyState = dimLabel();
    m_notifyState->setObjectName(QStringLiteral("notifyState"));
    auto *left = new QWidget;
    auto *leftLayout = new QHBoxLayout(left);
    leftLayout->setContentsMargins(4, 0, 0, 0);
    leftLayout->addWidget(m_healthIcon);
    leftLayout->addWidget(m_healthLabel);
    leftLayout->addSpacing(16);
    leftLayout->addWidget(m_eventCount);
    leftLayout->addSpacing(16);
    leftLayout->addWidget(m_lastNotification, 1);
    window->statusBar()->addWidget(left, 1);
    window->statusBar()->addPermanentWidget(m_notifyState);

    m_desktop = new DesktopNotifications(QDBusConnection::sessionBus(), this);
    m_desktop->setObjectName(QStringLiteral("desktopNotifications"));
    connect(m_desktop, &DesktopNotifications::showRequested, this, &StatusArea::showRequested);
    connect(m_desktop, &DesktopNotifications::muteRequested, this,
            [this](const QString &channelId) {
                m_notifier->muteChannelFor(channelId, DesktopNotifications::muteDuration);
            });
}

void StatusArea::showTrayIcon(const QList<QAction *> &menu)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        qCInfo(lcUi) << "no system tray: notifications go to the status bar";
        return;
    }
    m_trayMenu = new QMenu(m_window);
    for (QAction *action : menu) {
        if (action)
            m_trayMenu->addAction(action);
        else
            m_trayMenu->addSeparator();
    }
    m_tray = new QSystemTrayIcon(Icons::application(), this);
    m_tray->setContextMenu(m_trayMenu);
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                    Q_EMIT trayActivated();
            });
    m_tray->show();
}

void StatusArea::updateHealth()
{
    const QPalette palette = m_window->palette();
    const Notifier::Health health = m_notifier->health();
    QColor color;
    switch (health) {
    case Notifier::Health::Failed:
        color = StatusColors::forChannelState(Poller::State::Failed, palette);
        break;
    case Notifier::Health::Retrying:
        color = StatusColors::forChannelState(Poller::State::Backoff, palette);
        break;
    case Notifier::Health::Connecting:
        color = StatusColors::forChannelState(Poller::State::Waiting, palette);
        break;
    case Notifier::Health::Live:
        color = StatusColors::forChannelState(Poller::State::Live, palette);
        break;
    case Notifier::Health::Paused:
    case Notifier::Health::NoChannels:
        color = StatusColors::forChannelState(Poller::State::Stopped, palette);
        break;
    }
    QString summary = m_notifier->summary();
    // The first channel in trouble, by name and why (failed before retrying).
    const Channel *trouble = nullptr;
    for (const Channel *channel : m_manager->channels()) {
        if (channel->state() == Poller::State::Failed) {
            trouble = channel;
            break;
        }
        if (!trouble && channel->state() == Poller::State::Backoff)
            trouble = channel;
    }
    if (trouble && !m_manager->isOffline() && !ChannelModel::reason(trouble).isEmpty())
        summary = tr("%1 — %2: %3").arg(summary, trouble->name(), ChannelModel::reason(trouble));
    // Done ten times a second under a trickle of events: a new pixmap, even
    // the same picture, repaints the status bar.
    const bool newColor = color != std::exchange(m_healthColor, color);
    if (newColor)
        m_healthIcon->setPixmap(Icons::dot(color).pixmap(16, 16));
    m_healthIcon->setToolTip(Notifier::healthText(health));
    // Room for the count and the notification state beside it.
    const int width = m_window->width();
    const int room = std::max({200, width / 2, width - 480});
    m_healthLabel->setText(m_window->fontMetrics().elidedText(summary, Qt::ElideRight, room));
    m_healthLabel->setToolTip(summary == m_healthLabel->text() ? Notifier::healthText(health)
                                                               : summary);
    if (m_tray) {
        if (newColor)
            m_tray->setIcon(Icons::application(color, m_notifier->bellIconName()));
        m_tray->setToolTip(trayToolTip(summary));
    }
}

void StatusArea::updateNotificationState()
{
    const QString state = m_notifier->stateText();
    m_notifyState->setText(state);
    // What is held back, listed: the label counts them.
    const QStringList held = m_notifier->heldBack();
    const QDateTime until = m_notifier->quietUntil();
    if (!held.isEmpty() && until.isValid()) {
        m_notifyState->setToolTip(
            tr("Held back until %1:\n%2")
                .arg(QLocale().toString(until.toLocalTime(), QLocale::ShortFormat),
                     held.join(QLatin1Char('\n'))));
    } else {
        m_notifyState->setToolTip(state);
    }
    if (m_tray) {
        m_tray->setIcon(Icons::application(m_healthColor, m_notifier->bellIconName()));
        m_tray->setToolTip(trayToolTip(m_notifier->summary()));
    }
}

void StatusArea::setEventsReceived(qint64 count)
{
    m_eventCount->setText(tr("%1 events received").arg(QLocale().toString(count)));
}

void StatusArea::showNotification(const QString &title, const QString &message,
                                  Notifier::Severity severity, const Notifier::Subject &subject)
{
    const QPalette palette = m_window->palette();
    const QColor color = severity == Notifier::Severity::Critical
                             ? StatusColors::forJobStatus(JobStatus::Failed, palette)
                             : palette.color(QPalette::WindowText);
    QPalette labelPalette = m_lastNotification->palette();
    labelPalette.setColor(QPalette::WindowText, color);
    m_lastNotification->setPalette(labelPalette);
    const QString time = QLocale().toString(QTime::currentTime(), QStringLiteral("HH:mm:ss"));
    m_lastNotification->setText(tr("%1  %2 — %3").arg(time, title, message));
    // A summary of what was held back lists all of it.
    m_lastNotification->setToolTip(
        subject.heldBack ? tr("%1\n%2").arg(m_lastNotification->text(),
                                            m_notifier->lastReleased().join(QLatin1Char('\n')))
                         : m_lastNotification->text());
    if (m_desktop->show(title, message, severity, subject)) {
        // The desktop shows it; a balloon too would say it twice.
    } else if (m_tray && m_tray->isVisible() && QSystemTrayIcon::supportsMessages()) {
        const QSystemTrayIcon::MessageIcon icon =
            severity == Notifier::Severity::Critical  ? QSystemTrayIcon::Critical
            : severity == Notifier::Severity::Warning ? QSystemTrayIcon::Warning
                                                      : QSystemTrayIcon::Information;
        m_tray->showMessage(title, message, icon, 8000);
    }
    if (severity == Notifier::Severity::Critical)
        QApplication::alert(m_window);
}

void StatusArea::showEventLogProblem(const QString &sentence)
{
    if (!m_logProblem) {
        m_logProblem = new QLabel;
        m_logProblem->setObjectName(QStringLiteral("eventLogProblem"));
        m_logProblem->setWordWrap(false);
        QPalette palette = m_logProblem->palette();
        palette.setColor(QPalette::WindowText,
                         StatusColors::forJobStatus(JobStatus::Failed, palette));
        m_logProblem->setPalette(palette);
        // Before the notification state.
        m_window->statusBar()->insertPermanentWidget(1, m_logProblem);
    }
    m_logProblem->setText(tr("Events are not saved"));
    m_logProblem->setToolTip(sentence);
}

void StatusArea::refresh()
{
    m_healthColor = QColor(); // set again in the new palette's colours
    updateNotificationState();
    updateHealth();
}

QString StatusArea::trayToolTip(const QString &summary) const
{
    const QString state = m_notifier->stateText();
    return state.isEmpty() ? tr("Longwatch — %1").arg(summary)
                           : tr("Longwatch — %1\n%2").arg(summary, state);
}

} // namespace Longwatch
