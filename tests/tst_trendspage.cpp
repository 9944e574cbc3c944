// The Trends page (ui/trends): what it says on an empty, a damaged and a
// missing event log; the series of a synthetic log with their charts;
// clicking a run; saving the charts; and the window that opens a run's
// events (#22).

#include "channelmanager.h"
#include "channelstore.h"
#include "dashboardtesting.h"
#include "eventspage.h"
#include "trendspage.h"
#include "trendstesting.h"

#include <QAreaSeries>
#include <QChartView>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kNow = 1'765'000'000'000'000; // µs, December 2025

} // namespace

class tst_TrendsPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_page = std::make_unique<TrendsPage>(&m_manager);
        m_page->setClock([] { return kNow; });
        m_page->resize(1000, 640);
    }
    void cleanup()
    {
        m_page.reset();
        m_dir.reset();
    }

    void withoutALogItSaysWhy()
    {
        m_page->setEventLog(QString(), nullptr);
        m_page->show();
        QCOMPARE(m_page->state(), TrendsPage::State::NoLog);
        QVERIFY(visibleMessage().contains(QStringLiteral("without one")));
    }

    void anEmptyLogSaysWhatWillAppear()
    {
        const QString path = m_dir->filePath(QStringLiteral("events.sqlite"));
        {
            EventLog log;
            QVERIFY(log.open(path));
        }
        m_page->setEventLog(path, nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Empty);
        QVERIFY2(visibleMessage().contains(QStringLiteral("No job runs yet")),
                 qPrintable(visibleMessage()));
        QVERIFY(!m_page->findChild<QPushButton *>(QStringLiteral("saveCharts"))->isEnabled());
        QVERIFY(m_page->grab().save(m_dir->filePath(QStringLiteral("empty.png"))));
    }

    void aLogThatIsNotThereYetIsEmpty()
    {
        const QString path = m_dir->filePath(QStringLiteral("later.sqlite"));
        m_page->setEventLog(path, nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Empty);
        QVERIFY(!QFile::exists(path)); // a reader creates nothing
    }

    void aDamagedLogSaysWhyAndDoesNoHarm()
    {
        const QString path = m_dir->filePath(QStringLiteral("damaged.sqlite"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray garbage(16384, '\x5a');
        file.write(garbage);
        file.close();
        m_page->setEventLog(path, nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Failed);
        QVERIFY2(visibleMessage().contains(QStringLiteral("damaged")),
                 qPrintable(visibleMessage()));
        QVERIFY(visibleMessage().contains(QStringLiteral("once the event log can be read")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), garbage); // nothing moved or written
        // Asked again, it says the same, and still nothing breaks.
        m_page->refresh();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Failed);
    }

    void aSyntheticLogShowsEachSeriesWithItsCharts()
    {
        const QString path = writeLog(9000); // about 100 runs a series
        m_page->setEventLog(path, nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Shown);
        const QStringList names = m_page->seriesNames();
        QCOMPARE(names.size(), Testing::trendSeriesSpecs().size());
        QVERIFY(names.contains(QStringLiteral("build-linux"))); // "#5001" stripped
        QVERIFY(names.contains(QStringLiteral("nightly-batch")));

        const JobSeriesTrend *trend = m_page->currentTrend();
        QVERIFY(trend);
        QCOMPARE(trend->runs.size(), 50); // the last 50 runs by default
        QVERIFY(trend->medianUsecs);
        QVERIFY(trend->p90Usecs >= trend->medianUsecs);
        // Succeeded and failed runs are two series, drawn differently.
        const QList<QAbstractSeries *> series = m_page->durationView()->chart()->series();
        auto *succeeded = qobject_cast<QScatterSeries *>(series.value(1));
        auto *failed = qobject_cast<QScatterSeries *>(series.value(2));
        QVERIFY(succeeded && failed);
        QCOMPARE(succeeded->count(), trend->succeeded);
        QCOMPARE(failed->count(), trend->failed);
        QVERIFY(succeeded->markerShape() != failed->markerShape());
        QVERIFY(succeeded->color() != failed->color());
        // The median and the 90th percentile lines.
        QCOMPARE(series.size(), 5);
        QVERIFY(series.at(3)->name().startsWith(QStringLiteral("Median")));
        QVERIFY(series.at(4)->name().startsWith(QStringLiteral("90th percentile")));
        QVERIFY(!m_page->failureView()->chart()->series().isEmpty());
        QVERIFY(m_page->grab().save(m_dir->filePath(QStringLiteral("shown.png"))));

        // The last 7 days: fewer runs, and only those.
        m_page->setRange(0, 7);
        QVERIFY(shown.wait());
        const JobSeriesTrend *week = m_page->currentTrend();
        QVERIFY(week);
        for (const JobRun &run : week->runs)
            QVERIFY(run.firstUsecs >= kNow - 7LL * 24 * 3600 * 1'000'000);
    }

    void clickingARunAsksForItsEvents()
    {
        m_page->setEventLog(writeLog(1000), nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QChartView *view = m_page->durationView();
        auto *succeeded = qobject_cast<QScatterSeries *>(view->chart()->series().value(1));
        QVERIFY(succeeded && succeeded->count() > 0);
        // A point no other marker covers: the one farthest from the others.
        QChart *chart = view->chart();
        auto *failed = qobject_cast<QScatterSeries *>(chart->series().value(2));
        QList<QPointF> others;
        for (const QPointF &p : failed->points())
            others << chart->mapToPosition(p, failed);
        int pick = 0;
        double pickDistance = -1;
        for (int i = 0; i < succeeded->count(); ++i) {
            const QPointF here = chart->mapToPosition(succeeded->at(i), succeeded);
            double nearest = 1e9;
            for (int j = 0; j < succeeded->count(); ++j) {
                if (j != i)
                    nearest = std::min(
                        nearest,
                        QLineF(here, chart->mapToPosition(succeeded->at(j), succeeded)).length());
            }
            for (const QPointF &other : std::as_const(others))
                nearest = std::min(nearest, QLineF(here, other).length());
            if (nearest > pickDistance) {
                pick = i;
                pickDistance = nearest;
            }
        }
        QVERIFY(pickDistance > 12);
        const JobRun *run = m_page->runAt(false, pick);
        QVERIFY(run);
        QSignalSpy activated(m_page.get(), &TrendsPage::runActivated);
        const QPointF scene = chart->mapToPosition(succeeded->at(pick), succeeded) + chart->pos();
        const QPoint at = view->mapFromScene(scene);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
        QTRY_COMPARE(activated.size(), 1);
        QCOMPARE(activated.constFirst().at(0).toString(), run->channel);
        QCOMPARE(activated.constFirst().at(1).toString(), run->job);
    }

    void theChartsAreSavedAsPngOrSvg()
    {
        m_page->setEventLog(writeLog(1000), nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        const QString png = m_dir->filePath(QStringLiteral("charts.png"));
        const QString svg = m_dir->filePath(QStringLiteral("charts.svg"));
        QString error;
        QVERIFY2(m_page->saveCharts(png, &error), qPrintable(error));
        QVERIFY2(m_page->saveCharts(svg, &error), qPrintable(error));
        QFile pngFile(png);
        QVERIFY(pngFile.open(QIODevice::ReadOnly));
        QVERIFY(pngFile.read(8).startsWith("\x89PNG"));
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QByteArray text = svgFile.readAll();
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains("Duration of each run"));
        QVERIFY(
            !m_page->saveCharts(m_dir->filePath(QStringLiteral("no/such/folder/x.png")), &error));
        QVERIFY(error.contains(QStringLiteral("Could not write")));
    }

    void newEventsRefreshThePageThrottled()
    {
        const QString path = writeLog(300);
        EventLogWriter writer;
        QVERIFY(writer.open(path));
        m_page->setRefreshInterval(50ms);
        m_page->setEventLog(path, &writer);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        const QStringList before = m_page->seriesNames();
        QVERIFY(!before.contains(QStringLiteral("release")));
        Event queued;
        queued.key = QStringLiteral("new-1");
        queued.type = QStringLiteral("job");
        queued.receivedUsecs = kNow - 1'000'000;
        queued.raw = R"({"job":"release #7","status":"running"})";
        Event done = queued;
        done.key = QStringLiteral("new-2");
        done.receivedUsecs = kNow;
        done.raw = R"({"job":"release #7","status":"success"})";
        writer.append(QStringLiteral("demo-builds"), {queued, done}, QStringLiteral("c"),
                      JobMapping());
        QTRY_VERIFY(m_page->seriesNames().contains(QStringLiteral("release")));
    }

    void theWindowOpensARunsEvents()
    {
        const QString path = writeLog(300);
        QSettings settings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        Testing::LoggedDashboard dashboard(&settings);
        QVERIFY(dashboard.open(path));
        ChannelConfig builds;
        builds.id = QStringLiteral("demo-builds");
        builds.name = QStringLiteral("CI builds");
        builds.url = QUrl(QStringLiteral("http://127.0.0.1:9/poll"));
        builds.paused = true;
        QVERIFY(dashboard.manager.addChannel(builds));
        MainWindow &window = dashboard.window;
        window.show();
        window.showPage(PageTabs::TrendsPage);
        TrendsPage *page = window.trendsPage();
        QTRY_COMPARE(page->state(), TrendsPage::State::Shown);
        Q_EMIT page->runActivated(QStringLiteral("demo-builds"),
                                  QStringLiteral("build-linux #5003"));
        QCOMPARE(window.findChild<QTabWidget *>(QStringLiteral("pages"))->currentIndex(),
                 int(PageTabs::EventsPage));
        QCOMPARE(window.eventsPage()->findChild<QLineEdit *>(QStringLiteral("eventSearch"))->text(),
                 QStringLiteral("build-linux #5003"));
    }

    void theHealthTabShowsAChannelsHealth()
    {
        const QString path = writeLog(1000);
        {
            EventLog log;
            QVERIFY(log.open(path));
            QVERIFY(Testing::writeHealthLog(&log, 2, kNow) > 0);
        }
        m_page->setEventLog(path, nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Shown);
        QCOMPARE(m_page->healthChannels().size(), 4);
        // The series' channel's health, until another is chosen.
        QVERIFY(m_page->currentHealth());
        QCOMPARE(m_page->currentHealth()->channel, m_page->currentTrend()->channel);
        m_page->setCurrentTab(TrendsPage::HealthTab);
        // The channel that had its outage in the last day.
        QString troubled;
        int outage = -1;
        for (const QString &channel : m_page->healthChannels()) {
            m_page->selectHealthChannel(channel);
            const ChannelHealthTrend *health = m_page->currentHealth();
            QVERIFY(health);
            QCOMPARE(health->channel, channel);
            QCOMPARE(health->buckets.size(), 24); // the last day by the hour
            for (int i = 0; i < health->buckets.size(); ++i) {
                if (health->buckets.at(i).counts.errors[HealthSample::ConnectionErrors] > 0) {
                    troubled = channel;
                    outage = i;
                }
            }
        }
        QVERIFY(!troubled.isEmpty());
        m_page->selectHealthChannel(troubled);
        auto *rate = qobject_cast<QAreaSeries *>(m_page->rateView()->chart()->series().value(0));
        QVERIFY(rate);
        QCOMPARE(rate->upperSeries()->count(), 2 * 24); // a step a period
        const QList<QAbstractSeries *> lanes = m_page->troubleView()->chart()->series();
        QCOMPARE(lanes.size(), 3);
        auto *errors = qobject_cast<QScatterSeries *>(lanes.at(2));
        QVERIFY(errors && errors->count() >= 1);
        QCOMPARE(errors->name(), QStringLiteral("Errors"));
        const QString text = m_page->troubleText(outage);
        QVERIFY2(text.contains(QStringLiteral("connection")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("retr")), qPrintable(text));
        QVERIFY(!m_page->latencyView()->chart()->series().isEmpty());
        QVERIFY(m_page->findChild<QLabel *>(QStringLiteral("healthTitle"))
                    ->text()
                    .contains(QStringLiteral("median")));

        // Saved as the rest of the page is: the tab shown.
        const QString svg = m_dir->filePath(QStringLiteral("health.svg"));
        const QString png = m_dir->filePath(QStringLiteral("health.png"));
        QString error;
        QVERIFY2(m_page->saveCharts(svg, &error), qPrintable(error));
        QVERIFY2(m_page->saveCharts(png, &error), qPrintable(error));
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QByteArray saved = svgFile.readAll();
        QVERIFY(saved.contains("request to answer"));
        QVERIFY(!saved.contains("Duration of each run"));

        // Dark: the charts follow the palette.
        QCOMPARE(m_page->rateView()->chart()->theme(), QChart::ChartThemeLight);
        QPalette dark = m_page->palette();
        dark.setColor(QPalette::Window, QColor(30, 30, 30));
        dark.setColor(QPalette::Base, QColor(20, 20, 20));
        dark.setColor(QPalette::WindowText, Qt::white);
        dark.setColor(QPalette::Text, Qt::white);
        m_page->setPalette(dark);
        QCOMPARE(m_page->rateView()->chart()->theme(), QChart::ChartThemeDark);
        QCOMPARE(m_page->troubleView()->chart()->theme(), QChart::ChartThemeDark);
        if (qEnvironmentVariableIsSet("LONGWATCH_LOOK"))
            m_page->grab().save(qEnvironmentVariable("LONGWATCH_LOOK"));
    }

    void healthWithoutJobRunsIsShownAlone()
    {
        const QString path = m_dir->filePath(QStringLiteral("health.sqlite"));
        {
            EventLog log;
            QVERIFY(log.open(path));
            QVERIFY(Testing::writeHealthLog(&log, 1, kNow) > 0);
        }
        m_page->setEventLog(path, nullptr);
        QSignalSpy shown(m_page.get(), &TrendsPage::shown);
        m_page->show();
        QVERIFY(shown.wait());
        QCOMPARE(m_page->state(), TrendsPage::State::Shown);
        QVERIFY(m_page->seriesNames().isEmpty());
        QVERIFY(!m_page->findChild<QTreeWidget *>(QStringLiteral("trendsSeries"))->isVisible());
        QCOMPARE(m_page->currentTab(), TrendsPage::HealthTab);
        QVERIFY(m_page->currentHealth());
        QVERIFY(m_page->findChild<QPushButton *>(QStringLiteral("saveCharts"))->isEnabled());
        QString error;
        QVERIFY2(m_page->saveCharts(m_dir->filePath(QStringLiteral("h.png")), &error),
                 qPrintable(error));
    }

    void theViewMenuOpensTrends()
    {
        QSettings settings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        Testing::LoggedDashboard dashboard(&settings);
        QVERIFY(dashboard.open(writeLog(300)));
        MainWindow &window = dashboard.window;
        window.show();
        QAction *trends = nullptr;
        for (QAction *action : window.menuBar()->actions()) {
            if (action->menu() && action->text() == QStringLiteral("&View")) {
                for (QAction *item : action->menu()->actions()) {
                    if (item->text() == QStringLiteral("T&rends"))
                        trends = item;
                }
            }
        }
        QVERIFY(trends);
        QCOMPARE(trends->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_3));
        auto *pages = window.findChild<QTabWidget *>(QStringLiteral("pages"));
        QCOMPARE(pages->currentIndex(), int(PageTabs::EventsPage));
        trends->trigger();
        QCOMPARE(pages->currentIndex(), int(PageTabs::TrendsPage));
    }

private:
    QString visibleMessage() const
    {
        const auto *label = m_page->findChild<QLabel *>(QStringLiteral("trendsMessage"));
        return label && label->isVisible() ? label->text() : QString();
    }

    QString writeLog(qint64 events)
    {
        const QString path = m_dir->filePath(QStringLiteral("trends.sqlite"));
        EventLog log;
        if (!log.open(path))
            qFatal("%s", qPrintable(log.errorString()));
        Testing::TrendLogSpec spec;
        spec.events = events;
        spec.endUsecs = kNow - 3600LL * 1'000'000;
        if (Testing::writeTrendLog(&log, spec) < 0)
            qFatal("%s", qPrintable(log.errorString()));
        return path;
    }

    MemoryChannelStore m_store;
    ChannelManager m_manager{&m_store};
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TrendsPage> m_page;
};

QTEST_MAIN(tst_TrendsPage)
#include "tst_trendspage.moc"
