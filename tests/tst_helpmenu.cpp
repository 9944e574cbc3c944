// The Help menu: the documentation built into the program (README and
// docs/, links between them), the list of keyboard shortcuts read from the
// window's actions, and an About box that says where things are kept.

#include "channelmanager.h"
#include "eventlog.h"
#include "helpwindow.h"
#include "mainwindow.h"
#include "secretstore.h"
#include "settingschannelstore.h"
#include "shortcutsdialog.h"

#include <QAction>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QScrollBar>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QTreeWidget>

#include <memory>

using namespace Longwatch;

namespace {

/// A window with its settings, channel store (secrets in a file) and
/// manager in a temporary folder.
struct Fixture
{
    QTemporaryDir dir;
    QSettings settings{dir.filePath("longwatch.ini"), QSettings::IniFormat};
    std::shared_ptr<FileSecretStore> secrets =
        std::make_shared<FileSecretStore>(dir.filePath("secrets.json"));
    SettingsChannelStore store{&settings, secrets};
    ChannelManager manager{&store};
    MainWindow window{&manager, &settings};
};

QMenu *helpMenu(MainWindow &window)
{
    for (QAction *action : window.menuBar()->actions()) {
        if (action->menu() && action->text().remove('&') == "Help")
            return action->menu();
    }
    return nullptr;
}

QString firstLine(const QTextBrowser *browser)
{
    return browser->document()->firstBlock().text();
}

/// The cursor on the link to `href` in `document`, or a null cursor.
QTextCursor linkTo(QTextDocument *document, const QString &href)
{
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (fragment.charFormat().anchorHref() == href) {
                QTextCursor cursor(document);
                cursor.setPosition(fragment.position());
                return cursor;
            }
        }
    }
    return {};
}

bool hasAnchor(QTextDocument *document, const QString &name)
{
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            if (it.fragment().charFormat().anchorNames().contains(name))
                return true;
        }
    }
    return false;
}

/// (menu, action, shortcut) of every row of the shortcuts dialog.
QList<QStringList> shortcutRows(const ShortcutsDialog *dialog)
{
    QList<QStringList> rows;
    const QTreeWidget *tree = dialog->tree();
    for (int group = 0; group < tree->topLevelItemCount(); ++group) {
        const QTreeWidgetItem *header = tree->topLevelItem(group);
        for (int row = 0; row < header->childCount(); ++row)
            rows.append(
                {header->text(0), header->child(row)->text(0), header->child(row)->text(1)});
    }
    return rows;
}

/// A keychain that answers nothing: enough to be "the system keychain".
class FakeKeychain final : public SecretStore
{
public:
    QString backendName() const override { return "system keychain"; }
    bool isSecure() const override { return true; }
    void read(const QString &, QObject *context, Callback done) override
    {
        deliver(context, std::move(done), {Status::NotFound, {}, {}});
    }
    void write(const QString &, const QString &, QObject *context, Callback done) override
    {
        deliver(context, std::move(done), {});
    }
    void remove(const QString &, QObject *context, Callback done) override
    {
        deliver(context, std::move(done), {});
    }
};

/// The text of every label of `widget`, a line each.
QString labelText(const QWidget *widget)
{
    QStringList lines;
    for (const QLabel *label : widget->findChildren<QLabel *>())
        lines.append(label->text());
    return lines.join('\n');
}

} // namespace

class tst_HelpMenu : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpMenuHasItsThreeEntries();
    void f1OpensTheHelpOnTheReadme();
    void helpIsOneWindow();
    void aLinkToADocumentOpensItInTheSameWindow();
    void aLinkToAHeadingScrollsToIt();
    void everyDocumentRenders();
    void findInPageWrapsAround();
    void screenshotsAreBuiltInAndFitTheWindow();
    void shortcutsAreListedByMenu();
    void aShortcutAddedToAnActionIsListed();
    void aboutSaysWhereThingsAre();
    void aboutWithoutEventLogSaysItIsNotSaved();
    void aboutNamesTheKeychain();
};

void tst_HelpMenu::helpMenuHasItsThreeEntries()
{
    Fixture f;
    QMenu *menu = helpMenu(f.window);
    QVERIFY(menu);
    QStringList entries;
    for (QAction *action : menu->actions()) {
        if (!action->isSeparator())
            entries.append(action->text().remove('&'));
    }
    QCOMPARE(entries, (QStringList{"Longwatch Help", "Keyboard Shortcuts", "About Longwatch"}));
    QCOMPARE(menu->actions().first()->shortcut(), QKeySequence(QKeySequence::HelpContents));
}

void tst_HelpMenu::f1OpensTheHelpOnTheReadme()
{
    Fixture f;
    f.window.show();
    f.window.activateWindow(); // shortcuts work in the active window only
    QVERIFY(QTest::qWaitForWindowActive(&f.window));
    QVERIFY(!f.window.findChild<HelpWindow *>());

    QTest::keyClick(&f.window, Qt::Key_F1);
    HelpWindow *help = f.window.findChild<HelpWindow *>();
    QVERIFY(help);
    QTRY_VERIFY(help->isVisible());
    QVERIFY(help->isWindow());
    QCOMPARE(help->currentDocument(), QUrl("qrc:/help/README.md"));
    QCOMPARE(firstLine(help->browser()), QString("Longwatch"));
    QCOMPARE(help->documentList()->currentItem()->text(), QString("Overview"));
}

void tst_HelpMenu::helpIsOneWindow()
{
    Fixture f;
    HelpWindow *help = f.window.showHelp();
    help->showDocument(QUrl("docs/STORE.md"));
    QCOMPARE(f.window.showHelp(), help);
    QCOMPARE(f.window.findChildren<HelpWindow *>().size(), 1);
    QCOMPARE(help->currentDocument(), QUrl("qrc:/help/docs/STORE.md")); // where the user was
    QVERIFY(help->testAttribute(Qt::WA_DeleteOnClose));
}

void tst_HelpMenu::aLinkToADocumentOpensItInTheSameWindow()
{
    Fixture f;
    HelpWindow *help = f.window.showHelp();
    QVERIFY(QTest::qWaitForWindowExposed(help));
    QTextBrowser *browser = help->browser();

    // A click on the README's link, where it is drawn.
    QTextCursor link = linkTo(browser->document(), "docs/WORKSPACE.md");
    QVERIFY(!link.isNull());
    browser->setTextCursor(link);
    browser->ensureCursorVisible();
    const QRect at = browser->cursorRect(link);
    QTest::mouseClick(browser->viewport(), Qt::LeftButton, {}, at.center() + QPoint(4, 0));

    QTRY_COMPARE(help->currentDocument(), QUrl("qrc:/help/docs/WORKSPACE.md"));
    QCOMPARE(firstLine(browser), QString("Workspace files"));
    QCOMPARE(help->documentList()->currentItem()->text(), QString("Workspace files"));
    QCOMPARE(f.window.findChildren<HelpWindow *>().size(), 1);
    QVERIFY(help->windowTitle().contains("Workspace files"));

    browser->backward();
    QCOMPARE(help->currentDocument(), QUrl("qrc:/help/README.md"));

    // A file of the source tree is not built in: the page stays, and says so.
    Q_EMIT browser->anchorClicked(QUrl("lib/poller.h"));
    QCOMPARE(help->currentDocument(), QUrl("qrc:/help/README.md"));
    QVERIFY2(help->statusBar()->currentMessage().contains("lib/poller.h"),
             qPrintable(help->statusBar()->currentMessage()));
}

void tst_HelpMenu::aLinkToAHeadingScrollsToIt()
{
    Fixture f;
    HelpWindow *help = f.window.showHelp();
    QVERIFY(QTest::qWaitForWindowExposed(help));
    help->showDocument(QUrl("qrc:/help/docs/PERFORMANCE.md"));
    QVERIFY(hasAnchor(help->browser()->document(), "history-sessions-3-to-6"));

    Q_EMIT help->browser()->anchorClicked(QUrl("STORE.md#performance")); // as in PERFORMANCE.md
    QCOMPARE(help->currentDocument(), QUrl("qrc:/help/docs/STORE.md"));
    QVERIFY(hasAnchor(help->browser()->document(), "performance"));
    QTRY_VERIFY(help->browser()->verticalScrollBar()->value() > 0);
}

void tst_HelpMenu::everyDocumentRenders()
{
    const QList<HelpWindow::Document> documents = HelpWindow::documents();
    QStringList files;
    for (const HelpWindow::Document &document : documents)
        files.append(document.url.path());
    for (const char *file :
         {"/help/README.md", "/help/docs/WORKSPACE.md", "/help/docs/STORE.md",
          "/help/docs/SECURITY.md", "/help/docs/FEED-SERVER.md", "/help/docs/PERFORMANCE.md"})
        QVERIFY2(files.contains(QLatin1String(file)), file);
    QCOMPARE(files.first(), QString("/help/README.md"));

    HelpWindow help;
    QCOMPARE(help.documentList()->count(), documents.size());
    for (int row = 0; row < documents.size(); ++row) {
        help.documentList()->setCurrentRow(row); // as a click in the list does
        const HelpWindow::Document &document = documents.at(row);
        QCOMPARE(help.currentDocument(), document.url);
        QVERIFY2(help.browser()->document()->characterCount() > 200,
                 qPrintable(document.url.toString()));
        if (row > 0)
            QCOMPARE(firstLine(help.browser()), document.title);
    }
}

void tst_HelpMenu::findInPageWrapsAround()
{
    HelpWindow help;
    help.showDocument(QUrl("qrc:/help/docs/WORKSPACE.md"));
    QVERIFY(help.find("workspace"));
    const int first = help.browser()->textCursor().selectionStart();
    QCOMPARE(help.browser()->textCursor().selectedText().toLower(), QString("workspace"));
    QVERIFY(help.find("workspace", true)); // back from the first: the last one
    QVERIFY(help.browser()->textCursor().selectionStart() > first);
    QVERIFY(help.find("workspace")); // on from the last: the first again
    QCOMPARE(help.browser()->textCursor().selectionStart(), first);
    QVERIFY(!help.find("no such text anywhere in longwatch"));
    QCOMPARE(help.browser()->textCursor().selectionStart(), first);
}

void tst_HelpMenu::screenshotsAreBuiltInAndFitTheWindow()
{
    HelpWindow help;
    QTextDocument *document = help.browser()->document();
    int images = 0;
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextCharFormat format = it.fragment().charFormat();
            if (!format.isImageFormat())
                continue;
            ++images;
            const QTextImageFormat image = format.toImageFormat();
            const QImage loaded =
                document->resource(QTextDocument::ImageResource, QUrl(image.name()))
                    .value<QImage>();
            QVERIFY2(loaded.width() > 100, qPrintable(image.name()));
            QVERIFY(image.width() > 0 && image.width() <= 640);
        }
    }
    QVERIFY(images >= 1);
}

void tst_HelpMenu::shortcutsAreListedByMenu()
{
    Fixture f;
    ShortcutsDialog *dialog = f.window.showShortcuts();
    QVERIFY(dialog);
    const QList<QStringList> rows = shortcutRows(dialog);
    for (const QStringList &row : {QStringList{"File", "Add Channel", "Ctrl+N"},
                                   QStringList{"Channel", "Duplicate", "Ctrl+D"},
                                   QStringList{"Channel", "Reconnect Now", "F5"},
                                   QStringList{"View", "Clear Events", "Ctrl+Shift+K"},
                                   QStringList{"Help", "Longwatch Help", "F1"}})
        QVERIFY2(rows.contains(row), qPrintable(row.join(" | ")));
    for (const QStringList &row : rows)
        QVERIFY2(!row.at(2).isEmpty(), qPrintable(row.join(" | ")));

    dialog->filterEdit()->setText("ctrl+shift");
    const QTreeWidgetItem *file = dialog->tree()->topLevelItem(0);
    QCOMPARE(file->text(0), QString("File"));
    QVERIFY(file->isHidden()); // no Ctrl+Shift in the File menu
}

void tst_HelpMenu::aShortcutAddedToAnActionIsListed()
{
    Fixture f;
    QAction *pauseAll = nullptr;
    for (QAction *action : f.window.findChildren<QAction *>()) {
        if (action->text().remove('&') == "Pause All Channels")
            pauseAll = action;
    }
    QVERIFY(pauseAll);
    const QStringList row{"Channel", "Pause All Channels", "Ctrl+Alt+P"};
    QVERIFY(!shortcutRows(f.window.showShortcuts()).contains(row));

    pauseAll->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_P));
    QVERIFY(shortcutRows(f.window.showShortcuts()).contains(row));
}

void tst_HelpMenu::aboutSaysWhereThingsAre()
{
    Fixture f;
    EventLog log;
    QVERIFY(log.open(f.dir.filePath("events.sqlite")));
    f.window.setEventLog(&log, nullptr, nullptr);

    QDialog *about = f.window.showAbout();
    QVERIFY(about);
    QVERIFY(about->isVisible());
    const QString text = labelText(about);
    QVERIFY2(text.contains(QString("Qt %1").arg(qVersion())), qPrintable(text));
    QVERIFY2(text.contains(QT_VERSION_STR), qPrintable(text));
    QVERIFY2(text.contains(LONGWATCH_VERSION), qPrintable(text));
    QVERIFY2(text.contains(QDir::toNativeSeparators(f.settings.fileName())), qPrintable(text));
    QVERIFY2(text.contains(QDir::toNativeSeparators(log.path())), qPrintable(text));
    QVERIFY2(text.contains(QDir::toNativeSeparators(f.secrets->path())), qPrintable(text));
    int paths = 0;
    for (const QLabel *label : about->findChildren<QLabel *>()) {
        if (label->text().startsWith(f.dir.path())) {
            ++paths;
            QVERIFY(label->textInteractionFlags() & Qt::TextSelectableByMouse);
        }
    }
    QCOMPARE(paths, 2); // the settings and the event log
    f.window.setEventLog(nullptr, nullptr, nullptr);
}

void tst_HelpMenu::aboutWithoutEventLogSaysItIsNotSaved()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings); // no secret store: secrets are not kept
    ChannelManager manager(&store);
    MainWindow window(&manager, &settings);

    const QString text = labelText(window.showAbout());
    QVERIFY2(text.contains("Not saved: events are kept in this window only"), qPrintable(text));
    QVERIFY2(text.contains(ChannelStore::secretsForgotten()), qPrintable(text));
    QCOMPARE(manager.secretLocation(), ChannelStore::secretsForgotten());
}

void tst_HelpMenu::aboutNamesTheKeychain()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    SettingsChannelStore store(&settings, std::make_shared<FakeKeychain>());
    ChannelManager manager(&store);
    MainWindow window(&manager, &settings);

    QCOMPARE(manager.secretLocation(), QString("In the system keychain"));
    QVERIFY(labelText(window.showAbout()).contains("In the system keychain"));
}

QTEST_MAIN(tst_HelpMenu)
#include "tst_helpmenu.moc"
