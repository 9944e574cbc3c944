#include "helpwindow.h"

#include "logging.h"

#include <QAction>
#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QListWidget>
#include <QRegularExpression>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextTable>
#include <QToolBar>

namespace Longwatch {

namespace {

/// Where ui/CMakeLists.txt puts README.md and docs/ in the resources.
const QString kHelpRoot = QStringLiteral(":/help");

/// Screenshots are 1280 px wide; shown at this width at most (half that
/// side by side in a table), so a page never scrolls sideways.
constexpr int kMaxImageWidth = 640;
constexpr int kMaxImageWidthInTable = 360;

/// The anchor GitHub gives a heading: lower case, punctuation dropped,
/// spaces made hyphens ("Why a poll costs Qt 500 µs" ->
/// "why-a-poll-costs-qt-500-µs"), so "STORE.md#performance" finds its place.
QString headingAnchor(const QString &heading)
{
    QString anchor = heading.trimmed().toLower();
    static const QRegularExpression punctuation(QStringLiteral("[^\\w\\- ]"),
                                                QRegularExpression::UseUnicodePropertiesOption);
    anchor.remove(punctuation);
    anchor.replace(QLatin1Char(' '), QLatin1Char('-'));
    return anchor;
}

/// A QTextBrowser for the help's Markdown: headings get the anchors GitHub
/// gives them, screenshots are scaled to fit, an image that is not built
/// in takes no room instead of showing a broken-image icon.
class HelpBrowser final : public QTextBrowser
{
public:
    using QTextBrowser::QTextBrowser;

    QVariant loadResource(int type, const QUrl &name) override
    {
        QVariant resource = QTextBrowser::loadResource(type, name);
        if (type != QTextDocument::ImageResource)
            return resource;
        QImage image;
        if (resource.canConvert<QByteArray>())
            image.loadFromData(resource.toByteArray());
        if (image.isNull()) {
            qCWarning(lcUi) << "help: no image" << name.toString();
            image = QImage(1, 1, QImage::Format_ARGB32);
            image.fill(Qt::transparent);
        }
        return image;
    }

protected:
    void doSetSource(const QUrl &name, QTextDocument::ResourceType type) override
    {
        QTextBrowser::doSetSource(name, type);
        const QUrl document = name.adjusted(QUrl::RemoveFragment);
        if (document != m_prepared) {
            m_prepared = document;
            prepare();
        }
        // Again: the anchors did not exist when QTextBrowser looked for it.
        if (name.hasFragment())
            scrollToAnchor(name.fragment(QUrl::FullyDecoded));
    }

private:
    void prepare()
    {
        QTextDocument *doc = document();
        doc->setUndoRedoEnabled(false);
        for (QTextBlock block = doc->begin(); block.isValid(); block = block.next()) {
            if (block.blockFormat().headingLevel() > 0)
                anchorHeading(block);
            for (auto it = block.begin(); !it.atEnd(); ++it) {
                const QTextFragment fragment = it.fragment();
                if (fragment.charFormat().isImageFormat())
                    fitImage(fragment);
            }
        }
    }

    void anchorHeading(const QTextBlock &block)
    {
        QTextCursor cursor(block);
        cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        QTextCharFormat format;
        format.setAnchor(true);
        format.setAnchorNames({headingAnchor(block.text())});
        cursor.mergeCharFormat(format);
    }

    void fitImage(const QTextFragment &fragment)
    {
        QTextImageFormat format = fragment.charFormat().toImageFormat();
        const QImage image =
            document()->resource(QTextDocument::ImageResource, QUrl(format.name())).value<QImage>();
        QTextCursor cursor(document());
        cursor.setPosition(fragment.position());
        cursor.setPosition(fragment.position() + fragment.length(), QTextCursor::KeepAnchor);
        const int limit = cursor.currentTable() ? kMaxImageWidthInTable : kMaxImageWidth;
        if (image.width() <= 1) {
            format.setWidth(0);
            format.setHeight(0);
        } else if (image.width() > limit) {
            format.setWidth(limit);
            format.setHeight(qreal(image.height()) * limit / image.width());
        } else {
            return;
        }
        cursor.setCharFormat(format);
    }

    QUrl m_prepared;
};

QString firstHeading(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.startsWith(QLatin1String("# ")))
            return line.mid(2).trimmed();
    }
    return {};
}

QUrl resourceUrl(const QString &path)
{
    // ":/help/docs/STORE.md" -> "qrc:/help/docs/STORE.md"
    QUrl url;
    url.setScheme(QStringLiteral("qrc"));
    url.setPath(path.mid(1));
    return url;
}

} // namespace

HelpWindow::HelpWindow(QWidget *parent)
    : QMainWindow(parent, Qt::Window)
{
    setObjectName(QStringLiteral("helpWindow"));
    setWindowTitle(tr("Longwatch Help"));

    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("helpDocuments"));
    m_list->setWordWrap(true);
    m_list->setTextElideMode(Qt::ElideNone);
    m_list->setSpacing(2);
    for (const Document &document : documents()) {
        auto *item = new QListWidgetItem(document.title, m_list);
        item->setData(Qt::UserRole, document.url);
        item->setToolTip(document.url.fileName());
    }

    m_browser = new HelpBrowser;
    m_browser->setObjectName(QStringLiteral("helpBrowser"));
    m_browser->setOpenLinks(false); // openLink() decides
    m_browser->setSearchPaths({kHelpRoot});
    m_browser->document()->setDocumentMargin(16);

    auto *splitter = new QSplitter;
    splitter->addWidget(m_list);
    splitter->addWidget(m_browser);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({220, 740});
    setCentralWidget(splitter);

    QStyle *style = QApplication::style();
    m_backAction = new QAction(style->standardIcon(QStyle::SP_ArrowBack), tr("&Back"), this);
    m_backAction->setShortcut(QKeySequence::Back);
    m_backAction->setEnabled(false);
    connect(m_backAction, &QAction::triggered, m_browser, &QTextBrowser::backward);
    connect(m_browser, &QTextBrowser::backwardAvailable, m_backAction, &QAction::setEnabled);
    m_forwardAction =
        new QAction(style->standardIcon(QStyle::SP_ArrowForward), tr("&Forward"), this);
    m_forwardAction->setShortcut(QKeySequence::Forward);
    m_forwardAction->setEnabled(false);
    connect(m_forwardAction, &QAction::triggered, m_browser, &QTextBrowser::forward);
    connect(m_browser, &QTextBrowser::forwardAvailable, m_forwardAction, &QAction::setEnabled);
    m_homeAction = new QAction(QIcon::fromTheme(QStringLiteral("go-home")), tr("&Overview"), this);
    m_homeAction->setToolTip(tr("Show the overview (README)"));
    connect(m_homeAction, &QAction::triggered, this, [this] { showDocument(homeUrl()); });
    auto *closeAction = new QAction(tr("&Close"), this);
    closeAction->setShortcut(QKeySequence::Close);
    connect(closeAction, &QAction::triggered, this, &QWidget::close);
    addAction(closeAction);

    QToolBar *bar = addToolBar(tr("Navigation"));
    bar->setObjectName(QStringLiteral("helpToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setIconSize(QSize(16, 16));
    bar->addAction(m_backAction);
    bar->addAction(m_forwardAction);
    bar->addAction(m_homeAction);
    auto *spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    m_find = new QLineEdit;
    m_find->setObjectName(QStringLiteral("helpFind"));
    m_find->setPlaceholderText(tr("Find in this page (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(260);
    bar->addWidget(m_find);
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        if (!find(m_find->text()))
            statusBar()->showMessage(tr("“%1” is not in this page.").arg(m_find->text()), 5000);
    });
    auto *findAction = new QAction(tr("&Find"), this);
    findAction->setShortcut(QKeySequence::Find);
    connect(findAction, &QAction::triggered, this, [this] {
        m_find->setFocus(Qt::ShortcutFocusReason);
        m_find->selectAll();
    });
    addAction(findAction);
    auto *findNextAction = new QAction(tr("Find &Next"), this);
    findNextAction->setShortcut(QKeySequence::FindNext);
    connect(findNextAction, &QAction::triggered, this, [this] { find(m_find->text()); });
    addAction(findNextAction);
    auto *findPreviousAction = new QAction(tr("Find &Previous"), this);
    findPreviousAction->setShortcut(QKeySequence::FindPrevious);
    connect(findPreviousAction, &QAction::triggered, this, [this] { find(m_find->text(), true); });
    addAction(findPreviousAction);

    connect(m_list, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (item)
            showDocument(item->data(Qt::UserRole).toUrl());
    });
    connect(m_browser, &QTextBrowser::anchorClicked, this, &HelpWindow::openLink);
    connect(m_browser, &QTextBrowser::sourceChanged, this, &HelpWindow::onSourceChanged);
    connect(m_browser, qOverload<const QUrl &>(&QTextBrowser::highlighted), this,
            [this](const QUrl &link) {
                if (link.isEmpty())
                    statusBar()->clearMessage();
                else
                    statusBar()->showMessage(link.toDisplayString());
            });

    resize(980, 720);
    showDocument(homeUrl());
}

HelpWindow::~HelpWindow() = default;

QList<HelpWindow::Document> HelpWindow::documents()
{
    // Those a user reads first ahead of the reference; a document added to
    // docs/ later comes after them, by name.
    static const QStringList order{
        QStringLiteral("WORKSPACE.md"),   QStringLiteral("STORE.md"),
        QStringLiteral("SECURITY.md"),    QStringLiteral("FEED-SERVER.md"),
        QStringLiteral("PERFORMANCE.md"),
    };
    QStringList names = QDir(kHelpRoot + QStringLiteral("/docs"))
                            .entryList({QStringLiteral("*.md")}, QDir::Files, QDir::Name);
    std::stable_sort(names.begin(), names.end(), [](const QString &a, const QString &b) {
        const auto rank = [](const QString &name) {
            const qsizetype at = order.indexOf(name);
            return at < 0 ? order.size() : at;
        };
        return rank(a) < rank(b);
    });

    QList<Document> result;
    const QString readme = kHelpRoot + QStringLiteral("/README.md");
    if (QFile::exists(readme))
        result.append({tr("Overview"), resourceUrl(readme)});
    for (const QString &name : std::as_const(names)) {
        const QString path = kHelpRoot + QStringLiteral("/docs/") + name;
        QString title = firstHeading(path);
        if (title.isEmpty())
            title = name;
        result.append({title, resourceUrl(path)});
    }
    return result;
}

QUrl HelpWindow::homeUrl()
{
    return resourceUrl(kHelpRoot + QStringLiteral("/README.md"));
}

void HelpWindow::showDocument(const QUrl &url)
{
    const QUrl resolved = m_browser->source().resolved(url);
    if (resolved == m_browser->source())
        return;
    m_browser->setSource(resolved);
}

void HelpWindow::openLink(const QUrl &link)
{
    const QUrl resolved = m_browser->source().resolved(link);
    if (resolved.scheme() == QLatin1String("qrc")) {
        if (QFile::exists(QLatin1Char(':') + resolved.path())) {
            showDocument(resolved);
        } else {
            // A file of the source tree (lib/poller.h, LICENSE): not built in.
            statusBar()->showMessage(
                tr("“%1” is part of Longwatch's source code, not of this help.")
                    .arg(link.toString(QUrl::RemoveFragment)),
                8000);
        }
        return;
    }
    if (!QDesktopServices::openUrl(resolved)) {
        statusBar()->showMessage(
            tr("Could not open %1: no program is set up for it.").arg(resolved.toDisplayString()),
            8000);
    }
}

QUrl HelpWindow::currentDocument() const
{
    return m_browser->source().adjusted(QUrl::RemoveFragment);
}

bool HelpWindow::find(const QString &text, bool backward)
{
    if (text.isEmpty())
        return false;
    const QTextDocument::FindFlags flags =
        backward ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    if (m_browser->find(text, flags))
        return true;
    // From the other end of the page.
    const QTextCursor kept = m_browser->textCursor();
    QTextCursor start(m_browser->document());
    start.movePosition(backward ? QTextCursor::End : QTextCursor::Start);
    m_browser->setTextCursor(start);
    if (m_browser->find(text, flags))
        return true;
    m_browser->setTextCursor(kept);
    return false;
}

void HelpWindow::onSourceChanged(const QUrl &url)
{
    const QUrl document = url.adjusted(QUrl::RemoveFragment);
    QString title;
    const QSignalBlocker blocker(m_list);
    for (int row = 0; row < m_list->count(); ++row) {
        QListWidgetItem *item = m_list->item(row);
        if (item->data(Qt::UserRole).toUrl() == document) {
            m_list->setCurrentItem(item);
            title = item->text();
        }
    }
    setWindowTitle(title.isEmpty() ? tr("Longwatch Help") : tr("%1 — Longwatch Help").arg(title));
}

} // namespace Longwatch
