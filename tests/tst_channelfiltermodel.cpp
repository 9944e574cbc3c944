#include "channel.h"
#include "channelfiltermodel.h"
#include "channellist.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "mainwindow.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;

namespace {

ChannelConfig channel(const QString &name, const QString &host, bool paused = true)
{
    ChannelConfig c;
    c.name = name;
    c.url = QUrl(QStringLiteral("http://%1:9/poll").arg(host));
    c.paused = paused;
    return c;
}

/// A channel that fails at once: its profile does not exist.
ChannelConfig failing(const QString &name)
{
    ChannelConfig c = channel(name, "127.0.0.1", false);
    c.profileId = "no-such-profile";
    return c;
}

QStringList names(const QAbstractItemModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list << model.index(row, 0).data().toString();
    return list;
}

} // namespace

class tst_ChannelFilterModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void filtersByNameAddressAndStateWords_data();
    void filtersByNameAddressAndStateWords();
    void troubleComesFirstWhenAsked();
    void theListIsCompactAndRemembersIt();
};

void tst_ChannelFilterModel::filtersByNameAddressAndStateWords_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("nothing typed: all") << "" << QStringList{"builds", "deploys", "nightly"};
    QTest::newRow("part of a name, any case") << "BUIL" << QStringList{"builds"};
    QTest::newRow("part of an address") << "ci.example" << QStringList{"builds", "nightly"};
    QTest::newRow("a state word") << "failed" << QStringList{"deploys"};
    QTest::newRow("another state word") << "paused" << QStringList{"builds", "nightly"};
    QTest::newRow("every word must be found") << "paused night" << QStringList{"nightly"};
    QTest::newRow("nothing matches") << "zzz" << QStringList{};
}

void tst_ChannelFilterModel::filtersByNameAddressAndStateWords()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    ChannelManager manager;
    manager.addChannel(channel("builds", "ci.example.com"));
    Channel *deploys = manager.addChannel(failing("deploys"));
    manager.addChannel(channel("nightly", "ci.example.org"));
    QTRY_COMPARE(deploys->state(), Poller::State::Failed);
    ChannelModel model(&manager);
    ChannelFilterModel filter(&model);
    QAbstractItemModelTester tester(&filter);
    filter.setFilterText(text);
    QCOMPARE(names(filter), expected);
}

void tst_ChannelFilterModel::troubleComesFirstWhenAsked()
{
    ChannelManager manager;
    ChannelModel model(&manager);
    ChannelFilterModel filter(&model);
    QAbstractItemModelTester tester(&filter);
    manager.addChannel(channel("a", "one"));
    manager.addChannel(channel("b", "two"));
    Channel *c = manager.addChannel(failing("c"));
    manager.addChannel(channel("d", "three"));
    QTRY_COMPARE(c->state(), Poller::State::Failed);
    QCOMPARE(names(filter), (QStringList{"a", "b", "c", "d"}));
    filter.setTroubleFirst(true);
    QCOMPARE(names(filter), (QStringList{"c", "a", "b", "d"}));
    QCOMPARE(filter.channel(filter.index(0, 0)), c);
    QCOMPARE(filter.indexOf(c).row(), 0);
    // A channel that starts failing moves up by itself.
    Channel *e = manager.addChannel(failing("e"));
    QTRY_COMPARE(e->state(), Poller::State::Failed);
    QTRY_COMPARE(names(filter), (QStringList{"c", "e", "a", "b", "d"}));
    filter.setTroubleFirst(false);
    QCOMPARE(names(filter), (QStringList{"a", "b", "c", "d", "e"}));
}

void tst_ChannelFilterModel::theListIsCompactAndRemembersIt()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    ChannelManager manager;
    for (int i = 0; i < 300; ++i)
        manager.addChannel(channel(QStringLiteral("channel %1").arg(i), "ci.example.com"));
    {
        MainWindow window(&manager, &settings);
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QListView *view = window.channelView();
        const int full = view->visualRect(view->model()->index(0, 0)).height();
        auto *compact = window.findChild<QAction *>("compactChannels");
        QVERIFY(compact);
        compact->setChecked(true);
        const int oneLine = view->visualRect(view->model()->index(0, 0)).height();
        QVERIFY2(oneLine < full * 2 / 3,
                 qPrintable(QStringLiteral("%1 vs %2").arg(oneLine).arg(full)));
        QVERIFY(oneLine <= view->fontMetrics().height() + 8);
        // A filter narrows the list and the heading says so.
        auto *filter = window.findChild<QLineEdit *>("channelFilter");
        QVERIFY(filter);
        filter->setText("channel 29");
        QCOMPARE(view->model()->rowCount(), 13); // 29, 129, 229, 290..299: each word
        QVERIFY(
            window.findChild<ChannelList *>()->findChild<QLabel *>()->text().contains("13 of 300"));
        // A channel selected from elsewhere is shown even when filtered out.
        window.selectChannel(manager.at(5));
        QCOMPARE(window.currentChannel(), manager.at(5));
        QVERIFY(filter->text().isEmpty());
        window.findChild<QAction *>("failingFirst")->setChecked(true);
        window.saveWindowState();
    }
    MainWindow again(&manager, &settings);
    again.restoreWindowState();
    QVERIFY(again.findChild<QAction *>("compactChannels")->isChecked());
    QVERIFY(again.findChild<QAction *>("failingFirst")->isChecked());
}

QTEST_MAIN(tst_ChannelFilterModel)
#include "tst_channelfiltermodel.moc"
