// longwatch: the desktop dashboard.

#include "channeldialog.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "englishplurals.h"
#include "eventlog.h"
#include "logging.h"
#include "mainwindow.h"
#include "memorytuning.h"
#include "programoptions.h"
#include "settingschannelstore.h"
#include "startup.h"
#include "terminationsignals.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QItemSelectionModel>
#include <QNetworkProxyFactory>
#include <QPalette>
#include <QSettings>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <memory>

using namespace Longwatch;

namespace {

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1f, 0x21, 0x24);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabled(0x7a, 0x7a, 0x7a);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3d, 0x42));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x38, 0x3d));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xde));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xff));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4e));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3d, 0x42));
    p.setColor(QPalette::Mid, QColor(0x25, 0x27, 0x2a));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

// --screenshot: grabs a window (or the channel dialog with a test result)
// after a delay and quits. For docs and for looking at the UI headless.
void scheduleScreenshot(MainWindow *window, const QString &file, int delayMs, const QString &view)
{
    if (view == QLatin1String("jobs"))
        window->showPage(PageTabs::JobsPage);
    else if (view.startsWith(QLatin1String("trends")) || view.startsWith(QLatin1String("health")))
        window->showPage(PageTabs::TrendsPage);
    // "dialog" or "dialog:<tab>": the edit dialog of the first channel
    // after a connection test, on that tab.
    if (view.startsWith(QLatin1String("dialog"))) {
        const int tab = view.section(QLatin1Char(':'), 1).toInt();
        QTimer::singleShot(std::max(0, delayMs * 2 / 3), window, [window, tab] {
            ChannelManager *manager = window->channelModel()->manager();
            if (manager->count() == 0)
                return;
            ChannelDialog *dialog = window->editChannel(manager->at(0));
            if (auto *tabs = dialog->findChild<QTabWidget *>())
                tabs->setCurrentIndex(tab);
            dialog->toggleTest();
        });
    }
    QTimer::singleShot(delayMs, window, [window, file, view] {
        QWidget *target = window;
        if (view.startsWith(QLatin1String("dialog"))) {
            if (auto *dialog = window->findChild<ChannelDialog *>())
                target = dialog;
        } else if (view.startsWith(QLatin1String("trends"))) {
            // "trends:<series>": that series selected (else the first).
            TrendsPage *trends = window->trendsPage();
            trends->selectSeries(
                std::max(0, int(trends->seriesNames().indexOf(view.section(QLatin1Char(':'), 1)))));
        } else if (view.startsWith(QLatin1String("health"))) {
            // "health:<channel id>": that channel's health (else the first's).
            TrendsPage *trends = window->trendsPage();
            trends->setCurrentTab(TrendsPage::HealthTab);
            if (const QString channel = view.section(QLatin1Char(':'), 1); !channel.isEmpty())
                trends->selectHealthChannel(channel);
        } else if (view != QLatin1String("jobs")) {
            // "channel" or "channel:<n>": that channel selected (its banner
            // shows when it fails or retries).
            if (view.startsWith(QLatin1String("channel"))) {
                ChannelManager *manager = window->channelModel()->manager();
                window->selectChannel(manager->at(view.section(QLatin1Char(':'), 1).toInt()));
            }
            // Show a selected event and its JSON, a few rows up from the end.
            QTableView *events = window->eventView();
            const int rows = events->model()->rowCount();
            if (rows > 0) {
                const QModelIndex index = events->model()->index(std::max(0, rows - 4), 0);
                events->selectionModel()->setCurrentIndex(
                    index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                events->scrollToBottom();
            }
        }
        const bool saved = target->grab().save(file);
        qCInfo(lcUi).noquote() << (saved ? "screenshot saved to" : "could not save screenshot to")
                               << file;
        QCoreApplication::exit(saved ? 0 : 1);
    });
}

} // namespace

int main(int argc, char *argv[])
{
    limitMallocArenas();
    QApplication::setOrganizationName(QStringLiteral("Longwatch"));
    nameProgram(QStringLiteral("longwatch"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Desktop dashboard for HTTP long-poll feeds."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        QApplication::translate("main",
                                "Start the built-in demo feed server and watch its channels."));
    const QCommandLineOption settingsOption(
        QStringLiteral("settings"),
        QApplication::translate("main", "Keep channels and window state in <file>."),
        QStringLiteral("file"));
    const QCommandLineOption darkOption(QStringLiteral("dark"),
                                        QApplication::translate("main", "Use a dark palette."));
    QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Grab the window into <file> and quit."),
        QStringLiteral("file"));
    QCommandLineOption delayOption(QStringLiteral("screenshot-delay"),
                                   QApplication::translate("main", "Wait <ms> before the grab."),
                                   QStringLiteral("ms"), QStringLiteral("3000"));
    QCommandLineOption viewOption(
        QStringLiteral("screenshot-view"),
        QApplication::translate(
            "main",
            "events, channel, channel:<n>, jobs, trends, trends:<series>, health:<channel id>, "
            "dialog or dialog:<tab>."),
        QStringLiteral("view"), QStringLiteral("events"));
    const QCommandLineOption eventLogOption(
        QStringLiteral("event-log"),
        QApplication::translate("main", "Keep the event log in <file> (default: %1).")
            .arg(QDir::toNativeSeparators(EventLog::defaultPath())),
        QStringLiteral("file"));
    const QCommandLineOption noEventLogOption(
        QStringLiteral("no-event-log"),
        QApplication::translate("main",
                                "Do not save events (and do not resume from saved cursors)."));
    for (QCommandLineOption *hidden : {&screenshotOption, &delayOption, &viewOption})
        hidden->setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({demoOption, settingsOption, eventLogOption, noEventLogOption, darkOption,
                       screenshotOption, delayOption, viewOption});
    // --help, --version and a mistyped option need no display.
    answerWithoutTheGui(parser, argc, argv);

    QApplication app(argc, argv);
    Longwatch::installEnglishPlurals(&app);
    // SIGTERM, SIGINT and SIGHUP (a logout, `kill`) end the dashboard as
    // Quit does: window state saved, queued events written. Handled from the
    // event loop, so a signal that comes while starting waits for it.
    handleTerminationSignals(&app, [] {
        QApplication::closeAllWindows();
        QCoreApplication::quit();
    });
    QApplication::setApplicationDisplayName(QStringLiteral("Longwatch"));
    QApplication::setDesktopFileName(QStringLiteral("longwatch"));
    // The platform's proxy settings (http_proxy on Linux), never a default.
    QNetworkProxyFactory::setUseSystemConfiguration(true);
    // Parsed again from what QApplication left: Qt's own options taken off.
    parser.process(app);

    if (parser.isSet(darkOption)) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
    }

    std::unique_ptr<QSettings> settings =
        parser.isSet(settingsOption)
            ? std::make_unique<QSettings>(parser.value(settingsOption), QSettings::IniFormat)
            : std::make_unique<QSettings>();
    // Readable by the user alone (0600), created so before the window or
    // the store writes to it; a file an older version made 0644 is narrowed.
    SettingsChannelStore::makeFilePrivate(settings.get());
    SettingsChannelStore store(settings.get());
    ChannelManager manager(&store);
    // Polls are made and answers parsed off the GUI thread: a busy window
    // does not delay them, and a flood of answers does not stall it.
    manager.useNetworkThread();
    // A laptop sleeps and changes networks: polls held over a connection
    // that is gone are made again at once, not at their deadline.
    manager.watchNetwork();
    MainWindow window(&manager, settings.get());
    window.restoreWindowState();
    window.show();

    Startup::Options options;
    if (!parser.isSet(noEventLogOption)) {
        options.eventLogPath =
            parser.isSet(eventLogOption) ? parser.value(eventLogOption) : EventLog::defaultPath();
    }
    options.demo = parser.isSet(demoOption);
    // Declared after the manager and the window: it goes first, and its
    // EventLogWriter writes what is queued before the channels are gone.
    Startup startup(options, &store, &manager, &window);
    const QString screenshot = parser.value(screenshotOption);
    const int screenshotDelay = parser.value(delayOption).toInt();
    const QString screenshotView = parser.value(viewOption);
    QObject::connect(&startup, &Startup::finished, &window, [&] {
        if (startup.options().demo && !window.startDemo()) {
            QCoreApplication::exit(1);
            return;
        }
        if (!screenshot.isEmpty())
            scheduleScreenshot(&window, screenshot, screenshotDelay, screenshotView);
    });
    startup.run();
    return QApplication::exec();
}
