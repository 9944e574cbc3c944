// The Events page of the window: what its caption counts, what an empty
// table says, filters that stay across channels, the Job column (and the
// saved column layout from before it), and clearing the view.

#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "common/dashboardtesting.h"
#include "eventfiltermodel.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "eventmodel.h"
#include "eventrecorder.h"
#include "eventtableview.h"
#include "feedserver.h"
#include "jobfiltermodel.h"
#include "jobmodel.h"
#include "mainwindow.h"

#include <QAction>
#include <QComboBox>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeout = 15'000; // ms; the machine is shared

ChannelConfig channelFor(const FeedServer &server, const QString &feed)
{
    ChannelConfig c;
    c.name = feed;
    c.url = QUrl(server.baseUrl().toString() + "/feeds/" + feed + "/poll");
    c.timing.backoffInitial = 1s;
    c.timing.backoffMax = 1s;
    return c;
}

QJsonObject feedEvent(const QString &type, const QString &message, const QString &job = {})
{
    QJsonObject object{{"type", type}, {"message", message}};
    if (!job.isEmpty())
        object.insert("job", job);
    return object;
}

EventList storedEvents(int count)
{
    EventList events;
    for (int id = 1; id <= count; ++id) {
        Event e;
        e.key = QString::number(id);
        e.type = QStringLiteral("build");
        e.text = QStringLiteral("event %1").arg(id);
        e.raw = QStringLiteral(R"({"id":%1})").arg(id).toUtf8();
        e.receivedUsecs = 1'700'000'000'000'000LL + id;
        events.append(e);
    }
    return events;
}

QAction *actionNamed(QWidget *window, const QString &text)
{
    const QList<QAction *> actions = window->findChildren<QAction *>();
    for (QAction *action : actions) {
        if (action->text() == text)
            return action;
    }
    return nullptr;
}

} // namespace

class tst_EventsPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void theCaptionCountsWhatTheViewShows();
    void filtersStayAcrossChannelsAndSaySoWhenTheTableIsEmpty();
    void aJobsNameFindsItsEventsAndItsJob();
    void anOlderSavedHeaderKeepsEachColumnsWidthAndPlace();
    void aClearedViewComesBackWithLoadOlder();

private:
    /// A log at `m_logPath` with `count` events of "chan-1" titled Builds.
    bool fillLog(int count);

    QTemporaryDir *m_dir = nullptr;
    QSettings *m_settings = nullptr;
    FeedServer *m_server = nullptr;
    QString m_logPath;
};

void tst_EventsPage::init()
{
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
    m_settings = new QSettings(m_dir->filePath("longwatch.ini"), QSettings::IniFormat);
    m_server = new FeedServer;
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    m_logPath = m_dir->filePath("events.sqlite");
}

void tst_EventsPage::cleanup()
{
    delete m_server;
    delete m_settings;
    delete m_dir;
}

bool tst_EventsPage::fillLog(int count)
{
    EventLog log;
    return log.open(m_logPath) && log.setChannelTitle("chan-1", "Builds") &&
           log.append("chan-1", storedEvents(count), QString::number(count));
}

void tst_EventsPage::theCaptionCountsWhatTheViewShows()
{
    QVERIFY(fillLog(36));
    LoggedDashboard dashboard(m_settings);
    QVERIFY(dashboard.open(m_logPath));
    MainWindow &window = dashboard.window;
    window.show();

    auto *caption = window.findChild<QLabel *>("historyLabel");
    QVERIFY(caption);
    QCOMPARE(caption->text(), QStringLiteral("36 events shown · 36 stored"));
    auto *search = window.findChild<QLineEdit *>("eventSearch");
    QVERIFY(search);
    QTest::keyClicks(search, "event 17");
    QTRY_COMPARE(window.eventView()->model()->rowCount(), 1);
    QCOMPARE(caption->text(), QStringLiteral("1 of 36 events shown, filtered · 36 stored"));
    search->clear();
    QTRY_COMPARE(caption->text(), QStringLiteral("36 events shown · 36 stored"));
    window.setEventLog(nullptr, nullptr, nullptr);
}

void tst_EventsPage::filtersStayAcrossChannelsAndSaySoWhenTheTableIsEmpty()
{
    // A careful user filtering by type flips through channels to see that
    // type in each: the filter stays, and an empty table says why, with a
    // way out in one click.
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    Channel *builds = manager.addChannel(channelFor(*m_server, "builds"));
    Channel *tests = manager.addChannel(channelFor(*m_server, "tests"));
    m_server->publish("builds", feedEvent("job.started", "compiling"));
    m_server->publish("builds", feedEvent("job.failed", "linker error"));
    for (int i = 0; i < 5; ++i)
        m_server->publish("tests", feedEvent("test.passed", QStringLiteral("test %1").arg(i)));
    QTableView *view = window.eventView();
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 7, kTimeout);

    auto *type = window.findChild<QComboBox *>("typeFilter");
    auto *clearButton = window.findChild<QPushButton *>("clearFiltersButton");
    QVERIFY(type);
    QVERIFY2(clearButton, "the filter bar has a Clear Filters button");
    QVERIFY(!clearButton->isVisible()); // nothing to clear
    window.selectChannel(builds);
    type->setCurrentIndex(type->findData("job.failed"));
    QCOMPARE(view->model()->rowCount(), 1);
    QVERIFY(clearButton->isVisible());

    // Another channel: the type stays, the table is empty, and says why.
    window.selectChannel(tests);
    QCOMPARE(type->currentData().toString(), QStringLiteral("job.failed"));
    QCOMPARE(view->model()->rowCount(), 0);
    auto *table = qobject_cast<EventTableView *>(view);
    QVERIFY(table);
    QVERIFY(table->placeholder());
    QVERIFY(table->placeholder()->isVisible());
    QVERIFY2(table->placeholder()->text().contains("No events match the filters"),
             qPrintable(table->placeholder()->text()));
    auto *caption = window.findChild<QLabel *>("historyLabel");
    QVERIFY(caption->isVisible());
    QCOMPARE(caption->text(), QStringLiteral("0 of 7 events shown, from tests, filtered"));

    // One click shows the channel's events again; the channel stays.
    QTest::mouseClick(clearButton, Qt::LeftButton);
    QCOMPARE(type->currentIndex(), 0);
    QCOMPARE(view->model()->rowCount(), 5);
    QCOMPARE(window.currentChannel(), tests);
    QVERIFY(!table->placeholder()->isVisible());
    QVERIFY(!clearButton->isVisible());
    QCOMPARE(caption->text(), QStringLiteral("5 of 7 events shown, from tests"));

    // The link in the empty table clears a text filter the same way.
    auto *search = window.findChild<QLineEdit *>("eventSearch");
    search->setText("zebra");
    QTRY_COMPARE(view->model()->rowCount(), 0);
    QVERIFY(table->placeholder()->isVisible());
    Q_EMIT table->placeholder()->linkActivated("clear-filters");
    QCOMPARE(search->text(), QString());
    QCOMPARE(view->model()->rowCount(), 5);
    QVERIFY(!table->placeholder()->isVisible());
}

void tst_EventsPage::aJobsNameFindsItsEventsAndItsJob()
{
    ChannelManager manager;
    MainWindow window(&manager, m_settings);
    window.show();
    ChannelConfig config = channelFor(*m_server, "ci");
    config.jobs.jobPaths = {"pipeline"};
    manager.addChannel(config);
    m_server->publish("ci", QJsonObject{{"type", "started"}, {"pipeline", "release-7"}});
    m_server->publish("ci", QJsonObject{{"type", "started"}, {"pipeline", "nightly"}});
    m_server->publish("ci", QJsonObject{{"type", "failed"},
                                        {"pipeline", "release-7"},
                                        {"status", "failed"},
                                        {"message", "tests failed"}});
    QTableView *view = window.eventView();
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 3, kTimeout);
    QCOMPARE(view->model()->headerData(EventModel::JobColumn, Qt::Horizontal).toString(),
             QStringLiteral("Job"));
    QCOMPARE(view->model()->index(1, EventModel::JobColumn).data().toString(),
             QStringLiteral("nightly"));

    auto *search = window.findChild<QLineEdit *>("eventSearch");
    search->setText("Release-7");
    QTRY_COMPARE(view->model()->rowCount(), 2);
    QCOMPARE(view->model()->index(0, EventModel::JobColumn).data().toString(),
             QStringLiteral("release-7"));
    QCOMPARE(view->model()->index(1, EventModel::TextColumn).data().toString(),
             QStringLiteral("tests failed"));

    // The Jobs board finds it by the same name.
    QTRY_COMPARE(window.jobModel()->rowCount(), 2);
    auto *jobSearch = window.findChild<QLineEdit *>("jobSearch");
    jobSearch->setText("Release-7");
    QCOMPARE(window.jobView()->model()->rowCount(), 1);
    QCOMPARE(window.jobView()->model()->index(0, 0).data().toString(), QStringLiteral("release-7"));
}

void tst_EventsPage::anOlderSavedHeaderKeepsEachColumnsWidthAndPlace()
{
    // The header as a version without the Job column saved it: five
    // columns, Type dragged before Id.
    QByteArray legacy;
    {
        QStandardItemModel columns(0, 5);
        QTableView table;
        table.setModel(&columns);
        QHeaderView *header = table.horizontalHeader();
        header->setStretchLastSection(true);
        header->resizeSection(0, 111); // time
        header->resizeSection(1, 122); // channel
        header->resizeSection(2, 33);  // id
        header->resizeSection(3, 144); // type
        header->moveSection(3, 2);
        legacy = header->saveState();
    }
    m_settings->setValue("window/eventHeader", legacy);

    ChannelManager manager;
    {
        MainWindow window(&manager, m_settings);
        const int jobWidth =
            window.eventView()->horizontalHeader()->sectionSize(EventModel::JobColumn);
        window.restoreWindowState();
        QHeaderView *header = window.eventView()->horizontalHeader();
        QCOMPARE(header->count(), int(EventModel::ColumnCount));
        QCOMPARE(header->sectionSize(EventModel::TimeColumn), 111);
        QCOMPARE(header->sectionSize(EventModel::ChannelColumn), 122);
        QCOMPARE(header->sectionSize(EventModel::IdColumn), 33);
        QCOMPARE(header->sectionSize(EventModel::TypeColumn), 144);
        QCOMPARE(header->sectionSize(EventModel::JobColumn), jobWidth); // new: as built
        QList<int> order;
        for (int visual = 0; visual < header->count(); ++visual)
            order << header->logicalIndex(visual);
        // The new column after the one before it in the model.
        QCOMPARE(order, (QList<int>{EventModel::TimeColumn, EventModel::ChannelColumn,
                                    EventModel::TypeColumn, EventModel::JobColumn,
                                    EventModel::IdColumn, EventModel::TextColumn}));

        header->resizeSection(EventModel::JobColumn, 77);
        window.saveWindowState();
    }
    // Saved with its columns' names: restored as it was.
    MainWindow again(&manager, m_settings);
    again.restoreWindowState();
    QHeaderView *header = again.eventView()->horizontalHeader();
    QCOMPARE(header->sectionSize(EventModel::JobColumn), 77);
    QCOMPARE(header->sectionSize(EventModel::TypeColumn), 144);
    QCOMPARE(header->visualIndex(EventModel::TypeColumn), 2);
}

void tst_EventsPage::aClearedViewComesBackWithLoadOlder()
{
    QVERIFY(fillLog(36));
    LoggedDashboard dashboard(m_settings);
    QVERIFY(dashboard.open(m_logPath));
    ChannelManager &manager = dashboard.manager;
    MainWindow &window = dashboard.window;
    manager.addChannel(channelFor(*m_server, "quiet")); // the view's actions need a channel
    window.show();
    QCOMPARE(window.eventModel()->rowCount(), 36);
    auto *older = window.findChild<QPushButton *>("loadOlderButton");
    auto *caption = window.findChild<QLabel *>("historyLabel");
    QVERIFY(older && caption);
    QVERIFY(!older->isEnabled()); // all 36 are in view

    QAction *clear = actionNamed(&window, "&Clear Events");
    QVERIFY(clear);
    clear->trigger();
    QCOMPARE(window.eventModel()->rowCount(), 0);
    // Hidden, not gone: the view says so, and Load Older brings them back.
    QVERIFY(older->isEnabled());
    QVERIFY2(caption->text().contains("view cleared"), qPrintable(caption->text()));
    auto *table = qobject_cast<EventTableView *>(window.eventView());
    QVERIFY(table && table->placeholder());
    QVERIFY(table->placeholder()->isVisible());
    QVERIFY2(table->placeholder()->text().contains("Load Older"),
             qPrintable(table->placeholder()->text()));

    QTest::mouseClick(older, Qt::LeftButton);
    QCOMPARE(window.eventModel()->rowCount(), 36);
    QCOMPARE(window.eventModel()->index(35, EventModel::IdColumn).data().toString(),
             QStringLiteral("36"));
    QVERIFY(!caption->text().contains("view cleared"));
    QVERIFY(!table->placeholder()->isVisible());
    QVERIFY(!older->isEnabled());

    // The link in the empty table does the same.
    clear->trigger();
    QVERIFY(table->placeholder()->isVisible());
    Q_EMIT table->placeholder()->linkActivated("load-older");
    QCOMPARE(window.eventModel()->rowCount(), 36);
    window.setEventLog(nullptr, nullptr, nullptr);
}

QTEST_MAIN(tst_EventsPage)
#include "tst_eventspage.moc"
