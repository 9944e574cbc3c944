#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "jobmodel.h"
#include "mainwindow.h"
#include "notificationruleseditor.h"
#include "notificationsettingsdialog.h"
#include "notifier.h"

#include <QAction>
#include <QCheckBox>
#include <QListWidget>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeEdit>

using namespace Longwatch;
using T = NotificationRules::Transition;

namespace {

ChannelConfig pausedChannel(const QString &name)
{
    ChannelConfig c;
    c.name = name;
    c.url = QUrl("http://127.0.0.1:9/poll");
    c.paused = true;
    return c;
}

template<typename W> W *child(QObject *parent, const char *name)
{
    auto *w = parent->findChild<W *>(QString::fromLatin1(name));
    if (!w)
        qFatal("no %s", name);
    return w;
}

} // namespace

class tst_NotificationSettingsDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void editsEverythingAndTheWindowKeepsIt();
    void cancelChangesNothing();
};

void tst_NotificationSettingsDialog::editsEverythingAndTheWindowKeepsIt()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    MemoryChannelStore store;
    ChannelManager manager(&store);
    Channel *builds = manager.addChannel(pausedChannel("builds"));
    Channel *deploys = manager.addChannel(pausedChannel("deploys"));
    {
        MainWindow window(&manager, &settings);
        child<QAction>(&window, "notificationSettings")->trigger();
        auto *dialog = window.findChild<NotificationSettingsDialog *>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());

        // The default rules: starts too, down after 9 minutes.
        NotificationRulesEditor *defaults = dialog->defaultRulesEditor();
        child<QCheckBox>(defaults, "notify-started")->setChecked(true);
        child<QSpinBox>(defaults, "downMinutes")->setValue(9);
        // deploys gets its own: failures only, and they need not break through.
        dialog->showChannel(deploys->id());
        NotificationRulesEditor *own = dialog->channelRulesEditor();
        QVERIFY(own->isFollowing());
        QVERIFY(child<QCheckBox>(own, "notify-started")->isChecked()); // the default as edited
        child<QCheckBox>(own, "followDefaultRules")->setChecked(false);
        for (const T t : NotificationRules::transitions())
            child<QCheckBox>(own, qPrintable("notify-" + NotificationRules::key(t)))
                ->setChecked(t == T::JobFailed);
        child<QCheckBox>(own, "critical-failed")->setChecked(false);
        auto *list = child<QListWidget>(dialog, "ruleChannels");
        QCOMPARE(list->currentItem()->text(), QStringLiteral("deploys (own rules)"));
        dialog->showChannel(builds->id()); // and back: the edit is kept
        dialog->showChannel(deploys->id());
        QVERIFY(!own->isFollowing());
        // Quiet hours on weekdays, 21:00 to 06:30.
        child<QCheckBox>(dialog, "quietEnabled")->setChecked(true);
        child<QCheckBox>(dialog, "quietDay6")->setChecked(false);
        child<QCheckBox>(dialog, "quietDay7")->setChecked(false);
        child<QTimeEdit>(dialog, "quietFrom")->setTime(QTime(21, 0));
        child<QTimeEdit>(dialog, "quietTo")->setTime(QTime(6, 30));
        dialog->accept();

        const NotificationRules rules = window.notifier()->defaultRules();
        QVERIFY(rules.isOn(T::JobStarted));
        QCOMPARE(rules.downMinutes(), 9);
        QVERIFY(builds->config().notifications.followDefaults);
        const ChannelNotifications mine = deploys->config().notifications;
        QVERIFY(!mine.followDefaults);
        QVERIFY(mine.rules.isOn(T::JobFailed));
        QVERIFY(!mine.rules.isOn(T::JobFixed));
        QVERIFY(!mine.rules.breaksThrough(T::JobFailed));
        QCOMPARE(window.notifier()->rulesFor(deploys->id()), mine.rules);
        QCOMPARE(window.notifier()->rulesFor(builds->id()), rules);
        // Kept with the channel in the store.
        QCOMPARE(store.load().at(1).notifications, mine);
        const QuietHours quiet = window.notifier()->quietHours();
        QVERIFY(quiet.enabled);
        QCOMPARE(quiet.days, quint8(0x1f));
        QCOMPARE(quiet.from, QTime(21, 0));
        QCOMPARE(quiet.to, QTime(6, 30));
    }
    // A new window reads them back.
    MainWindow again(&manager, &settings);
    QVERIFY(again.notifier()->defaultRules().isOn(T::JobStarted));
    QCOMPARE(again.notifier()->quietHours().from, QTime(21, 0));
    QVERIFY(again.notifier()->quietHours().enabled);
}

void tst_NotificationSettingsDialog::cancelChangesNothing()
{
    MemoryChannelStore store;
    ChannelManager manager(&store);
    Channel *builds = manager.addChannel(pausedChannel("builds"));
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    NotificationSettingsDialog dialog(&notifier, &manager);
    dialog.show();
    child<QCheckBox>(dialog.defaultRulesEditor(), "notify-failed")->setChecked(false);
    dialog.showChannel(builds->id());
    child<QCheckBox>(dialog.channelRulesEditor(), "followDefaultRules")->setChecked(false);
    dialog.reject();
    QCOMPARE(notifier.defaultRules(), NotificationRules::defaults());
    QVERIFY(builds->config().notifications.followDefaults);
}

QTEST_MAIN(tst_NotificationSettingsDialog)
#include "tst_notificationsettingsdialog.moc"
