// Channel groups (#21): a channel's group in its configuration, settings
// and workspace files; the channel list's group headers (worst state,
// counts, collapse, order), the filter within groups, drag and drop
// through the model, a group's pause, mute and notification rules.

#include "channel.h"
#include "channeldialog.h"
#include "channelfiltermodel.h"
#include "channelgroupactions.h"
#include "channelgroupmodel.h"
#include "channelgroups.h"
#include "channellist.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "jobmodel.h"
#include "notifier.h"
#include "settingschannelstore.h"
#include "workspace.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QInputDialog>
#include <QListView>
#include <QMenu>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Longwatch;
using namespace std::chrono_literals;
using Transition = NotificationRules::Transition;

namespace {

/// A channel that never polls.
ChannelConfig paused(const QString &name, const QString &group = {})
{
    ChannelConfig c;
    c.name = name;
    c.group = group;
    c.url = QUrl(QStringLiteral("http://127.0.0.1:9/%1").arg(name));
    c.paused = true;
    return c;
}

/// A channel that fails at once: its profile does not exist.
ChannelConfig failing(const QString &name, const QString &group = {})
{
    ChannelConfig c = paused(name, group);
    c.paused = false;
    c.profileId = "no-such-profile";
    return c;
}

/// What the list shows, a header as "[group]".
QStringList rows(const QAbstractItemModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        const QString name = index.data().toString();
        list << (index.data(ChannelModel::IsGroupHeaderRole).toBool() ? "[" + name + "]" : name);
    }
    return list;
}

Event jobEvent(const QString &job, const QString &status)
{
    Event event;
    event.raw = QStringLiteral(R"({"job":"%1","status":"%2"})").arg(job, status).toUtf8();
    event.text = QStringLiteral("%1 is %2").arg(job, status);
    return event;
}

NotificationRules startsOnly()
{
    NotificationRules rules;
    rules.setOn(Transition::JobStarted, true);
    return rules;
}

/// The manager, the models and the list's model of one test.
struct Lists
{
    ChannelManager manager;
    ChannelModel model{&manager};
    ChannelFilterModel filter{&model};
    ChannelGroupModel groups{&filter};
    QAbstractItemModelTester tester{&groups};
};

} // namespace

class tst_ChannelGroups : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aChannelKeepsItsGroupAndTheGroupsRules();
    void settingsKeepGroupsAndFilesWithoutThemStillLoad();
    void aWorkspaceCarriesGroupsAndAnOldOneLoadsWithout();
    void headersComeAfterTheUngroupedWithTheWorstStateAndCounts();
    void aCollapsedGroupHidesItsChannelsAndTheOrderIsThePersons();
    void theFilterShowsMatchingChannelsUnderTheirGroupsExpanded();
    void troubleFirstSortsWithinEachGroup();
    void aChannelDroppedOnAGroupJoinsIt_data();
    void aChannelDroppedOnAGroupJoinsIt();
    void aGroupDroppedOnAnotherMovesBeforeIt();
    void theSelectionStaysOnItsChannelWhenTheRowsMove();
    void renameUngroupAndMoveKeepChannelsRunning();
    void pauseAndMuteReachEveryMember();
    void groupRulesApplyToMembersWithoutTheirOwn();
    void theKeyboardCollapsesExpandsAndMovesGroups();
    void theChannelDialogHasAGroupField();
    void theListIsDrawnWithGroups_data();
    void theListIsDrawnWithGroups();
};

void tst_ChannelGroups::aChannelKeepsItsGroupAndTheGroupsRules()
{
    ChannelConfig config = paused("builds", "CI");
    config.notifications.groupRules = startsOnly();
    const ChannelConfig back = ChannelConfig::fromVariantMap(config.toVariantMap());
    QCOMPARE(back.group, "CI");
    QVERIFY(back.notifications.groupRules);
    QCOMPARE(*back.notifications.groupRules, startsOnly());
    QCOMPARE(back.notifications, config.notifications);

    // A channel following the default follows its group's rules instead;
    // its own rules come before both.
    const NotificationRules defaults = NotificationRules::defaults();
    QCOMPARE(back.notifications.effective(defaults), startsOnly());
    ChannelNotifications own = back.notifications;
    own.followDefaults = false;
    QCOMPARE(own.effective(defaults), own.rules);
    ChannelNotifications none;
    QCOMPARE(none.effective(defaults), defaults);

    // Spaces are collapsed; a map from before groups has none.
    QVariantMap map = paused("x").toVariantMap();
    map.insert("group", "  Night   jobs ");
    QCOMPARE(ChannelConfig::fromVariantMap(map).group, "Night jobs");
    map.remove("group");
    const ChannelConfig old = ChannelConfig::fromVariantMap(map);
    QVERIFY(old.group.isEmpty());
    QVERIFY(!old.notifications.groupRules);
    QVERIFY(!paused("x").toVariantMap().contains("groupNotifyOn"));
}

void tst_ChannelGroups::settingsKeepGroupsAndFilesWithoutThemStillLoad()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings);
    ChannelConfig builds = paused("builds", "CI");
    builds.notifications.groupRules = startsOnly();
    store.save({builds, paused("loose")});
    const QList<ChannelConfig> loaded = store.load();
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(loaded.at(0).group, "CI");
    QCOMPARE(loaded.at(0).notifications.groupRules, std::optional(startsOnly()));
    QVERIFY(loaded.at(1).group.isEmpty());

    // A file written before groups: no "group" key at all.
    settings.beginReadArray("channels");
    settings.setArrayIndex(0);
    QVERIFY(settings.contains("group"));
    settings.endArray();
    settings.beginWriteArray("channels", 2);
    settings.setArrayIndex(0);
    settings.remove("group");
    for (const char *key : {"groupNotifyOn", "groupNotifyCritical", "groupNotifyDownMinutes"})
        settings.remove(key);
    settings.endArray();
    const QList<ChannelConfig> old = store.load();
    QCOMPARE(old.size(), 2);
    QVERIFY(old.at(0).group.isEmpty());
    QVERIFY(!old.at(0).notifications.groupRules);
    QCOMPARE(old.at(0).name, "builds");
}

void tst_ChannelGroups::aWorkspaceCarriesGroupsAndAnOldOneLoadsWithout()
{
    ChannelConfig builds = paused("builds", "CI");
    builds.notifications.groupRules = startsOnly();
    ChannelConfig tests = paused("tests", "CI");
    tests.notifications.groupRules = startsOnly();
    const WorkspaceExport file = exportWorkspace({builds, tests, paused("loose")});
    QVERIFY(file.json.contains("\"group\": \"CI\""));
    const WorkspaceImport read = importWorkspace(file.json);
    QVERIFY2(read.ok, qPrintable(read.error));
    QVERIFY2(read.warnings.isEmpty(), qPrintable(read.warnings.join('\n')));
    QCOMPARE(read.channels.size(), 3);
    QCOMPARE(read.channels.at(0).group, "CI");
    QCOMPARE(read.channels.at(1).group, "CI");
    QCOMPARE(read.channels.at(0).notifications.groupRules, std::optional(startsOnly()));
    QVERIFY(read.channels.at(2).group.isEmpty());

    // Version 1 as it was written before groups.
    const QByteArray old = R"({"format":"longwatch-workspace","version":1,
        "channels":[{"name":"Builds","url":"http://ci.example/poll","paused":true}]})";
    const WorkspaceImport before = importWorkspace(old);
    QVERIFY2(before.ok, qPrintable(before.error));
    QCOMPARE(before.channels.size(), 1);
    QVERIFY(before.channels.first().group.isEmpty());
    QVERIFY(!before.channels.first().notifications.groupRules);

    // A group that is no text is a wrong field like any other.
    const QByteArray wrong = R"({"format":"longwatch-workspace","version":1,
        "channels":[{"name":"Builds","url":"http://ci.example/poll","group":3}]})";
    const WorkspaceImport refused = importWorkspace(wrong);
    QVERIFY(refused.ok);
    QCOMPARE(refused.channels.size(), 0);
    QCOMPARE(refused.skipped.size(), 1);
}

void tst_ChannelGroups::headersComeAfterTheUngroupedWithTheWorstStateAndCounts()
{
    Lists lists;
    lists.manager.addChannel(paused("a", "CI"));
    lists.manager.addChannel(paused("loose"));
    Channel *broken = lists.manager.addChannel(failing("b", "CI"));
    lists.manager.addChannel(paused("c", "Deploys"));
    QTRY_COMPARE(broken->state(), Poller::State::Failed);

    QCOMPARE(rows(lists.groups), (QStringList{"loose", "[CI]", "a", "b", "[Deploys]", "c"}));
    const QModelIndex ci = lists.groups.headerOf("CI");
    QCOMPARE(ci.row(), 1);
    QVERIFY(lists.groups.isGroupHeader(ci));
    QCOMPARE(lists.groups.channel(ci), nullptr);
    QCOMPARE(ci.data(ChannelModel::StateRole).value<Poller::State>(), Poller::State::Failed);
    QCOMPARE(ci.data(ChannelModel::GroupSummaryRole).toString(), "1 failed · 1 paused");
    QCOMPARE(ci.data(ChannelModel::MemberCountRole).toInt(), 2);
    QVERIFY(ci.data(Qt::AccessibleTextRole).toString().contains("expanded"));
    const QModelIndex deploys = lists.groups.headerOf("Deploys");
    QCOMPARE(deploys.data(ChannelModel::StateRole).value<Poller::State>(),
             lists.manager.at(3)->state());
    QCOMPARE(deploys.data(ChannelModel::GroupSummaryRole).toString(), "1 paused");
    QCOMPARE(lists.groups.channel(lists.groups.index(3)), broken);
    QCOMPARE(lists.groups.indexOf(broken).row(), 3);
    QCOMPARE(lists.groups.group(lists.groups.indexOf(broken)), "CI");

    QVERIFY(!ci.data(ChannelModel::PausedRole).toBool());
    QVERIFY(deploys.data(ChannelModel::PausedRole).toBool());

    // The header follows its channels' states.
    QSignalSpy changed(&lists.groups, &QAbstractItemModel::dataChanged);
    lists.manager.at(0)->resume();
    QTRY_VERIFY(std::any_of(changed.cbegin(), changed.cend(), [](const QList<QVariant> &args) {
        return args.at(0).toModelIndex().row() == 1;
    }));
    QTRY_VERIFY(!ci.data(ChannelModel::GroupSummaryRole).toString().contains("paused"));
    QVERIFY(ci.data(ChannelModel::GroupSummaryRole).toString().startsWith("1 failed · "));

    // The last channel gone, the group is gone.
    lists.manager.removeChannel(lists.manager.at(3));
    QCOMPARE(rows(lists.groups), (QStringList{"loose", "[CI]", "a", "b"}));
    QCOMPARE(lists.groups.groups(), QStringList{"CI"});
}

void tst_ChannelGroups::aCollapsedGroupHidesItsChannelsAndTheOrderIsThePersons()
{
    Lists lists;
    lists.manager.addChannel(paused("a", "CI"));
    lists.manager.addChannel(paused("b", "Deploys"));
    lists.manager.addChannel(paused("c", "CI"));
    QSignalSpy groupsChanged(&lists.groups, &ChannelGroupModel::groupsChanged);
    lists.groups.setCollapsed("CI", true);
    QCOMPARE(rows(lists.groups), (QStringList{"[CI]", "[Deploys]", "b"}));
    QVERIFY(lists.groups.headerOf("CI").data(ChannelModel::CollapsedRole).toBool());
    QVERIFY(
        lists.groups.headerOf("CI").data(Qt::AccessibleTextRole).toString().contains("collapsed"));
    QCOMPARE(lists.groups.headerOf("CI").data(ChannelModel::MemberCountRole).toInt(), 2);
    QVERIFY(!lists.groups.indexOf(lists.manager.at(0)).isValid());
    QCOMPARE(lists.groups.collapsedGroups(), QStringList{"CI"});

    lists.groups.moveGroup("Deploys", 0);
    QCOMPARE(rows(lists.groups), (QStringList{"[Deploys]", "b", "[CI]"}));
    QCOMPARE(groupsChanged.size(), 2);

    // A new group comes last; a channel added to a group lands in it.
    lists.manager.addChannel(paused("d", "Batch"));
    lists.manager.addChannel(paused("e", "Deploys"));
    QCOMPARE(rows(lists.groups), (QStringList{"[Deploys]", "b", "e", "[CI]", "[Batch]", "d"}));
    lists.groups.setCollapsed("CI", false);
    QCOMPARE(rows(lists.groups),
             (QStringList{"[Deploys]", "b", "e", "[CI]", "a", "c", "[Batch]", "d"}));

    // The order and the collapsed groups are given back by name, also
    // before their channels are there.
    Lists again;
    again.groups.setGroupOrder({"Batch", "Deploys", "CI"});
    again.groups.setCollapsedGroups({"Deploys"});
    again.manager.addChannel(paused("a", "CI"));
    again.manager.addChannel(paused("b", "Deploys"));
    again.manager.addChannel(paused("d", "Batch"));
    QCOMPARE(rows(again.groups), (QStringList{"[Batch]", "d", "[Deploys]", "[CI]", "a"}));
}

void tst_ChannelGroups::theFilterShowsMatchingChannelsUnderTheirGroupsExpanded()
{
    Lists lists;
    lists.manager.addChannel(paused("build-linux", "CI"));
    lists.manager.addChannel(paused("test-linux", "CI"));
    lists.manager.addChannel(paused("deploy-prod", "Deploys"));
    lists.manager.addChannel(paused("build-docs"));
    lists.groups.setCollapsed("CI", true);
    lists.filter.setFilterText("build");
    // Only the matches, a group without any is not shown, a collapsed one is open.
    QCOMPARE(rows(lists.groups), (QStringList{"build-docs", "[CI]", "build-linux"}));
    QVERIFY(!lists.groups.canCollapse());
    QVERIFY(!lists.groups.headerOf("CI").data(ChannelModel::CollapsedRole).toBool());
    // The header still counts all of its channels.
    QCOMPARE(lists.groups.headerOf("CI").data(ChannelModel::MemberCountRole).toInt(), 2);
    // A group's name finds its channels.
    lists.filter.setFilterText("deploys");
    QCOMPARE(rows(lists.groups), (QStringList{"[Deploys]", "deploy-prod"}));
    lists.filter.setFilterText("");
    QCOMPARE(rows(lists.groups), (QStringList{"build-docs", "[CI]", "[Deploys]", "deploy-prod"}));
    QVERIFY(lists.groups.isCollapsed("CI"));
}

void tst_ChannelGroups::troubleFirstSortsWithinEachGroup()
{
    Lists lists;
    lists.manager.addChannel(paused("a", "CI"));
    Channel *b = lists.manager.addChannel(failing("b", "CI"));
    lists.manager.addChannel(paused("c", "Deploys"));
    lists.manager.addChannel(paused("d"));
    Channel *e = lists.manager.addChannel(failing("e"));
    QTRY_COMPARE(b->state(), Poller::State::Failed);
    QTRY_COMPARE(e->state(), Poller::State::Failed);
    lists.filter.setTroubleFirst(true);
    QCOMPARE(rows(lists.groups), (QStringList{"e", "d", "[CI]", "b", "a", "[Deploys]", "c"}));
    lists.filter.setTroubleFirst(false);
    QCOMPARE(rows(lists.groups), (QStringList{"d", "e", "[CI]", "a", "b", "[Deploys]", "c"}));
}

void tst_ChannelGroups::aChannelDroppedOnAGroupJoinsIt_data()
{
    QTest::addColumn<QString>("dragged");
    QTest::addColumn<int>("row");    // between rows: before this one (-1: none)
    QTest::addColumn<int>("parent"); // on this row (-1: none)
    QTest::addColumn<QString>("group");

    // Rows: 0 loose, 1 [CI], 2 a, 3 [Deploys], 4 b
    QTest::newRow("on a group's header") << "loose" << -1 << 3 << "Deploys";
    QTest::newRow("on a channel of a group") << "loose" << -1 << 2 << "CI";
    QTest::newRow("just below a header") << "b" << 2 << -1 << "CI";
    QTest::newRow("below a group's last channel") << "loose" << 3 << -1 << "CI";
    QTest::newRow("above the first header leaves its group") << "a" << 1 << -1 << "";
    QTest::newRow("on a channel in no group leaves its group") << "b" << -1 << 0 << "";
    QTest::newRow("below every row joins the last group") << "loose" << -1 << -1 << "Deploys";
}

void tst_ChannelGroups::aChannelDroppedOnAGroupJoinsIt()
{
    QFETCH(QString, dragged);
    QFETCH(int, row);
    QFETCH(int, parent);
    QFETCH(QString, group);
    Lists lists;
    ChannelConfig a = paused("a", "CI");
    a.notifications.groupRules = startsOnly();
    lists.manager.addChannel(a);
    lists.manager.addChannel(paused("b", "Deploys"));
    lists.manager.addChannel(paused("loose"));
    QCOMPARE(rows(lists.groups), (QStringList{"loose", "[CI]", "a", "[Deploys]", "b"}));

    Channel *channel = nullptr;
    for (Channel *each : lists.manager.channels()) {
        if (each->name() == dragged)
            channel = each;
    }
    const std::unique_ptr<QMimeData> data(lists.groups.mimeData({lists.groups.indexOf(channel)}));
    QVERIFY(data);
    QVERIFY(data->hasFormat(ChannelGroupModel::kChannelsMimeType));
    const QModelIndex on = parent < 0 ? QModelIndex() : lists.groups.index(parent);
    QVERIFY(lists.groups.canDropMimeData(data.get(), Qt::MoveAction, row, 0, on));
    QVERIFY(lists.groups.dropMimeData(data.get(), Qt::MoveAction, row, 0, on));
    QCOMPARE(channel->config().group, group);
    // It polls on: nothing but its group changed.
    QCOMPARE(lists.manager.count(), 3);
    QCOMPARE(lists.groups.group(lists.groups.indexOf(channel)), group);
    // In CI it follows CI's rules; elsewhere those are not its.
    QCOMPARE(channel->config().notifications.groupRules.has_value(), group == "CI");
}

void tst_ChannelGroups::aGroupDroppedOnAnotherMovesBeforeIt()
{
    Lists lists;
    lists.manager.addChannel(paused("a", "CI"));
    lists.manager.addChannel(paused("b", "Deploys"));
    lists.manager.addChannel(paused("c", "Batch"));
    QCOMPARE(lists.groups.groups(), (QStringList{"CI", "Deploys", "Batch"}));
    const auto drop = [&lists](const QString &group, int row, int parent) {
        const std::unique_ptr<QMimeData> data(
            lists.groups.mimeData({lists.groups.headerOf(group)}));
        QVERIFY(data && data->hasFormat(ChannelGroupModel::kGroupMimeType));
        QVERIFY(!data->hasFormat(ChannelGroupModel::kChannelsMimeType));
        const QModelIndex on = parent < 0 ? QModelIndex() : lists.groups.index(parent);
        QVERIFY(lists.groups.dropMimeData(data.get(), Qt::MoveAction, row, 0, on));
    };
    // Rows: 0 [CI] 1 a 2 [Deploys] 3 b 4 [Batch] 5 c
    drop("Batch", -1, 0); // on CI's header
    QCOMPARE(lists.groups.groups(), (QStringList{"Batch", "CI", "Deploys"}));
    // Rows: 0 [Batch] 1 c 2 [CI] 3 a 4 [Deploys] 5 b
    drop("Batch", -1, 3); // on a channel of CI: after CI
    QCOMPARE(lists.groups.groups(), (QStringList{"CI", "Batch", "Deploys"}));
    drop("CI", -1, -1); // below everything
    QCOMPARE(lists.groups.groups(), (QStringList{"Batch", "Deploys", "CI"}));
    QCOMPARE(rows(lists.groups), (QStringList{"[Batch]", "c", "[Deploys]", "b", "[CI]", "a"}));
    // The channels did not move.
    QCOMPARE(lists.manager.at(0)->config().group, "CI");
}

void tst_ChannelGroups::theSelectionStaysOnItsChannelWhenTheRowsMove()
{
    ChannelManager manager;
    ChannelModel model(&manager);
    ChannelList list(&model);
    qRegisterMetaType<Channel *>();
    list.resize(300, 500);
    list.show();
    QVERIFY(QTest::qWaitForWindowExposed(&list));
    manager.addChannel(paused("a", "CI"));
    Channel *b = manager.addChannel(paused("b"));
    Channel *c = manager.addChannel(paused("c", "CI"));
    list.selectChannel(c);
    QCOMPARE(list.currentChannel(), c);
    QSignalSpy current(&list, &ChannelList::currentChannelChanged);
    ChannelGroups::moveTo(&manager, {b}, "CI");
    QCOMPARE(rows(*list.groupModel()), (QStringList{"[CI]", "a", "b", "c"}));
    QCOMPARE(list.currentChannel(), c);
    QCOMPARE(list.view()->currentIndex(), list.groupModel()->indexOf(c));
    QCOMPARE(current.size(), 0);

    // Collapsing its group selects the header instead.
    QTest::mouseClick(list.view()->viewport(), Qt::LeftButton, {},
                      list.view()->visualRect(list.groupModel()->headerOf("CI")).center());
    QVERIFY(list.groupModel()->isCollapsed("CI"));
    QCOMPARE(list.view()->currentIndex(), list.groupModel()->headerOf("CI"));
    QCOMPARE(list.currentChannel(), nullptr);
    // Asked for from elsewhere, a channel in a collapsed group is shown.
    list.selectChannel(c);
    QVERIFY(!list.groupModel()->isCollapsed("CI"));
    QCOMPARE(list.currentChannel(), c);
}

void tst_ChannelGroups::renameUngroupAndMoveKeepChannelsRunning()
{
    ChannelManager manager;
    Channel *a = manager.addChannel(paused("a", "CI"));
    Channel *b = manager.addChannel(paused("b", "CI"));
    Channel *c = manager.addChannel(paused("c", "Deploys"));
    ChannelGroups::setRules(&manager, "CI", startsOnly());
    QCOMPARE(a->config().notifications.groupRules, std::optional(startsOnly()));
    QCOMPARE(b->config().notifications.groupRules, std::optional(startsOnly()));
    QVERIFY(!c->config().notifications.groupRules);

    QSignalSpy states(a, &Channel::stateChanged);
    ChannelGroups::rename(&manager, "CI", "Builds");
    QCOMPARE(ChannelGroups::names(&manager), (QStringList{"Builds", "Deploys"}));
    QCOMPARE(ChannelGroups::rules(&manager, "Builds"), std::optional(startsOnly()));
    QCOMPARE(states.size(), 0); // not restarted

    // Renamed onto a group there is: they join it, with its rules.
    ChannelGroups::rename(&manager, "Builds", "Deploys");
    QCOMPARE(ChannelGroups::members(&manager, "Deploys"), (QList<Channel *>{a, b, c}));
    QVERIFY(!a->config().notifications.groupRules);

    ChannelGroups::ungroup(&manager, "Deploys");
    QVERIFY(ChannelGroups::names(&manager).isEmpty());
    QVERIFY(a->config().group.isEmpty());
    QVERIFY(!ChannelGroups::problem("  ").isEmpty());
    QVERIFY(ChannelGroups::problem("Night jobs").isEmpty());
}

void tst_ChannelGroups::pauseAndMuteReachEveryMember()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    ChannelModel model(&manager);
    ChannelList list(&model);
    list.setNotifier(&notifier);
    Channel *a = manager.addChannel(paused("a", "CI"));
    Channel *b = manager.addChannel(paused("b", "CI"));
    Channel *other = manager.addChannel(paused("other"));
    ChannelGroupActions *actions = list.groupActions();

    actions->setPaused("CI", false);
    QVERIFY(!a->isPaused());
    QVERIFY(!b->isPaused());
    QVERIFY(other->isPaused());
    actions->setPaused("CI", true);
    QVERIFY(a->isPaused());
    QVERIFY(b->isPaused());

    QVERIFY(!actions->isMuted("CI"));
    actions->setMuted("CI", true);
    QVERIFY(notifier.isChannelMuted(a->id()));
    QVERIFY(notifier.isChannelMuted(b->id()));
    QVERIFY(!notifier.isChannelMuted(other->id()));
    QVERIFY(actions->isMuted("CI"));
    // The header's menu offers what fits now.
    QMenu menu;
    actions->addGroupActions(&menu, "CI");
    QStringList texts;
    for (const QAction *action : menu.actions())
        texts << action->text();
    QVERIFY2(texts.contains("Un&mute Group"), qPrintable(texts.join(", ")));
    QVERIFY(texts.contains("&Notification Rules…"));
    actions->setMuted("CI", false);
    QVERIFY(!notifier.isChannelMuted(a->id()));
    QVERIFY(!notifier.isChannelMuted(b->id()));

    // A muted group says nothing about its jobs.
    actions->setMuted("CI", true);
    ChannelGroups::setRules(&manager, "CI", startsOnly());
    QSignalSpy notified(&notifier, &Notifier::notify);
    jobs.applyBatch(a->id(), a->name(), a->config().jobs, {jobEvent("deploy", "running")});
    QCoreApplication::processEvents();
    QCOMPARE(notified.size(), 0);
}

void tst_ChannelGroups::groupRulesApplyToMembersWithoutTheirOwn()
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier(&manager, &jobs);
    Channel *follows = manager.addChannel(paused("follows", "CI"));
    ChannelConfig ownConfig = paused("own", "CI");
    ownConfig.notifications.followDefaults = false; // its own rules: a failure only
    ownConfig.notifications.rules = NotificationRules();
    ownConfig.notifications.rules.setOn(Transition::JobFailed, true);
    Channel *own = manager.addChannel(ownConfig);
    Channel *outside = manager.addChannel(paused("outside"));
    QSignalSpy notified(&notifier, &Notifier::notify);
    const auto start = [&jobs](Channel *channel, const QString &job) {
        jobs.applyBatch(channel->id(), channel->name(), channel->config().jobs,
                        {jobEvent(job, "running")});
        QCoreApplication::processEvents();
    };

    // Without group rules, the default: a start is not announced.
    start(follows, "one");
    QCOMPARE(notified.size(), 0);

    ChannelGroups::setRules(&manager, "CI", startsOnly());
    QCOMPARE(notifier.rulesFor(follows->id()), startsOnly());
    QCOMPARE(notifier.rulesFor(own->id()), ownConfig.notifications.rules);
    QCOMPARE(notifier.rulesFor(outside->id()), notifier.defaultRules());
    start(follows, "two");
    QCOMPARE(notified.size(), 1);
    QVERIFY(notified.at(0).at(1).toString().contains("follows"));
    start(own, "three");
    start(outside, "four");
    QCOMPARE(notified.size(), 1);

    // A channel that joins the group takes on its rules; one that leaves,
    // the default again.
    ChannelGroups::moveTo(&manager, {outside}, "CI");
    QCOMPARE(notifier.rulesFor(outside->id()), startsOnly());
    ChannelGroups::moveTo(&manager, {follows}, QString());
    QCOMPARE(notifier.rulesFor(follows->id()), notifier.defaultRules());
    start(outside, "five");
    start(follows, "six");
    QCOMPARE(notified.size(), 2);
    QVERIFY(notified.at(1).at(1).toString().contains("outside"));

    // Following the default again, the group says so to every member.
    ChannelGroups::setRules(&manager, "CI", std::nullopt);
    QCOMPARE(notifier.rulesFor(outside->id()), notifier.defaultRules());
}

void tst_ChannelGroups::theKeyboardCollapsesExpandsAndMovesGroups()
{
    ChannelManager manager;
    ChannelModel model(&manager);
    ChannelList list(&model);
    list.resize(300, 500);
    list.show();
    QVERIFY(QTest::qWaitForWindowExposed(&list));
    Channel *a = manager.addChannel(paused("a", "CI"));
    manager.addChannel(paused("b", "Deploys"));
    ChannelGroupModel *groups = list.groupModel();
    QListView *view = list.view();
    view->setFocus();
    list.selectChannel(a);

    QTest::keyClick(view, Qt::Key_Left); // from a channel to its header
    QCOMPARE(view->currentIndex(), groups->headerOf("CI"));
    QTest::keyClick(view, Qt::Key_Left);
    QVERIFY(groups->isCollapsed("CI"));
    QTest::keyClick(view, Qt::Key_Right);
    QVERIFY(!groups->isCollapsed("CI"));
    QTest::keyClick(view, Qt::Key_Space);
    QVERIFY(groups->isCollapsed("CI"));
    QTest::keyClick(view, Qt::Key_Return);
    QVERIFY(!groups->isCollapsed("CI"));
    QTest::keyClick(view, Qt::Key_Down, Qt::ControlModifier);
    QCOMPARE(groups->groups(), (QStringList{"Deploys", "CI"}));
    QCOMPARE(view->currentIndex(), groups->headerOf("CI"));
    QTest::keyClick(view, Qt::Key_Up, Qt::ControlModifier);
    QCOMPARE(groups->groups(), (QStringList{"CI", "Deploys"}));

    // Saved and given back with the window's state.
    groups->setCollapsed("Deploys", true);
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    groups->moveGroup("CI", 1);
    list.saveState(settings);
    ChannelList again(&model);
    again.restoreState(settings);
    QCOMPARE(again.groupModel()->groups(), (QStringList{"Deploys", "CI"}));
    QVERIFY(again.groupModel()->isCollapsed("Deploys"));

    // Rename, through its dialog.
    QInputDialog *rename = list.groupActions()->rename("CI");
    rename->setTextValue(" Builds ");
    rename->accept();
    QCOMPARE(a->config().group, "Builds");
    QCOMPARE(groups->groups(), (QStringList{"Deploys", "Builds"}));
}

void tst_ChannelGroups::theChannelDialogHasAGroupField()
{
    ChannelDialog dialog;
    dialog.setGroupNames({"CI", "Deploys"});
    ChannelConfig config = paused("builds", "CI");
    config.notifications.groupRules = startsOnly();
    dialog.setConfig(config);
    auto *combo = dialog.findChild<QComboBox *>("groupCombo");
    QVERIFY(combo);
    QVERIFY(combo->isEditable());
    QCOMPARE(combo->currentText(), "CI");
    QCOMPARE(combo->findText("Deploys"), 2); // after "no group"
    QCOMPARE(dialog.config().group, "CI");
    // The group's rules are kept, and the Notifications tab follows them.
    QCOMPARE(dialog.config().notifications.groupRules, std::optional(startsOnly()));
    auto *follow = dialog.findChild<QCheckBox *>("followDefaultRules");
    QVERIFY(follow);
    QVERIFY(follow->text().contains("CI"));
    combo->setCurrentText("  Night  jobs ");
    QCOMPARE(dialog.config().group, "Night jobs");
    combo->setCurrentText("");
    QVERIFY(dialog.config().group.isEmpty());
}

void tst_ChannelGroups::theListIsDrawnWithGroups_data()
{
    QTest::addColumn<bool>("compact");
    QTest::newRow("full rows") << false;
    QTest::newRow("compact rows") << true;
}

void tst_ChannelGroups::theListIsDrawnWithGroups()
{
    QFETCH(bool, compact);
    ChannelManager manager;
    ChannelModel model(&manager);
    ChannelList list(&model);
    list.setCompact(compact);
    list.resize(320, 600);
    manager.addChannel(paused("loose"));
    Channel *broken = manager.addChannel(failing("broken", "CI"));
    manager.addChannel(paused("tests", "CI"));
    manager.addChannel(paused("prod", "Deploys"));
    QTRY_COMPARE(broken->state(), Poller::State::Failed);
    list.show();
    QVERIFY(QTest::qWaitForWindowExposed(&list));
    QListView *view = list.view();
    const QRect header = view->visualRect(list.groupModel()->headerOf("CI"));
    const QRect member = view->visualRect(list.groupModel()->indexOf(broken));
    QVERIFY(header.isValid());
    QVERIFY(header.height() < member.height() || compact);
    QVERIFY(header.bottom() < member.top());
    // The header is drawn: its band differs from the plain rows' background.
    const QImage image = view->viewport()->grab().toImage();
    QVERIFY(image.pixelColor(header.right() - 2, header.center().y()) !=
            image.pixelColor(view->visualRect(list.groupModel()->index(0)).right() - 2,
                             view->visualRect(list.groupModel()->index(0)).center().y()));
    if (!qEnvironmentVariableIsEmpty("LONGWATCH_GROUPS_SCREENSHOT"))
        list.grab().save(qEnvironmentVariable("LONGWATCH_GROUPS_SCREENSHOT") +
                         (compact ? "-compact.png" : ".png"));
}

QTEST_MAIN(tst_ChannelGroups)
#include "tst_channelgroups.moc"
