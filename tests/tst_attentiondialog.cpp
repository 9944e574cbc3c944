#include "attentiondialog.h"
#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "jobmodel.h"
#include "mainwindow.h"
#include "notifier.h"

#include <QAction>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

Event jobEvent(const QString &job, const QString &status)
{
    Event event;
    event.raw = QStringLiteral(R"({"job":"%1","status":"%2"})").arg(job, status).toUtf8();
    event.text = QStringLiteral("%1 is %2").arg(job, status);
    return event;
}

ChannelConfig paused(const QString &name)
{
    ChannelConfig c;
    c.name = name;
    c.url = QUrl("http://127.0.0.1:9/poll");
    c.paused = true;
    return c;
}

QStringList rows(const QTreeWidget *list)
{
    QStringList texts;
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        texts << list->topLevelItem(i)->text(0) + " | " + list->topLevelItem(i)->text(3);
    return texts;
}

} // namespace

class tst_AttentionDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsFailuresEverywhereAndImOnItSilencesRepeats();
};

void tst_AttentionDialog::listsFailuresEverywhereAndImOnItSilencesRepeats()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    MemoryChannelStore store;
    ChannelManager manager(&store);
    MainWindow window(&manager, &settings);
    Notifier *notifier = window.notifier();
    QDateTime now = QDateTime::currentDateTimeUtc();
    notifier->setClock([&now] { return now; });
    NotificationRules rules = NotificationRules::defaults();
    rules.setOn(NotificationRules::Transition::JobStillFailing, true);
    notifier->setDefaultRules(rules);
    Channel *builds = manager.addChannel(paused("builds"));
    ChannelConfig broken = paused("broken");
    broken.paused = false;
    broken.profileId = "no-such-profile"; // fails at once
    Channel *failing = manager.addChannel(broken);
    QTRY_COMPARE(failing->state(), Poller::State::Failed);
    JobModel *jobs = window.jobModel();
    const auto apply = [&](const QString &job, const QString &status) {
        jobs->applyBatch(builds->id(), "builds", {}, {jobEvent(job, status)});
        QCoreApplication::processEvents();
    };
    apply("deploy", "failed");
    apply("lint", "failed");
    apply("test", "succeeded");
    QCOMPARE(notifier->needsAttentionCount(), 3);
    auto *action = window.findChild<QAction *>("needsAttention");
    QVERIFY(action);
    QTRY_COMPARE(action->text(), QStringLiteral("Needs &Attention (3)"));

    action->trigger();
    auto *dialog = window.findChild<AttentionDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QTreeWidget *list = dialog->list();
    QCOMPARE(rows(list), (QStringList{"Channel failed | ", "deploy failed | ", "lint failed | "}));

    // I'm on it, for an hour: listed as such, no longer open, its repeats quiet.
    list->setCurrentItem(list->topLevelItem(1));
    dialog->acknowledgeSelected(1h);
    QVERIFY(notifier->jobAcknowledgedUntil(builds->id(), "deploy").isValid());
    QCOMPARE(notifier->needsAttentionCount(), 2);
    QVERIFY(rows(list).at(1).startsWith("deploy failed | until "));
    QTRY_COMPARE(action->text(), QStringLiteral("Needs &Attention (2)"));
    QSignalSpy notified(notifier, &Notifier::notify);
    now = now.addSecs(10); // past the first failures' burst
    apply("deploy", "running");
    apply("deploy", "failed");
    apply("lint", "running");
    apply("lint", "failed");
    QTRY_COMPARE(notified.size(), 1);
    QCOMPARE(notified.at(0).at(0).toString(), QStringLiteral("lint failed again"));

    // An hour later it is open again, and so are its repeats.
    now = now.addSecs(3601);
    QCOMPARE(notifier->needsAttentionCount(), 3);
    apply("deploy", "running");
    apply("deploy", "failed");
    QTRY_COMPARE(notified.size(), 2);
    QVERIFY2(notified.at(1).at(0).toString().contains("failed again"),
             qPrintable(notified.at(1).at(0).toString()));
}

QTEST_MAIN(tst_AttentionDialog)
#include "tst_attentiondialog.moc"
