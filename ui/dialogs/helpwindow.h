#pragma once

#include <QList>
#include <QMainWindow>
#include <QUrl>

class QAction;
class QLineEdit;
class QListWidget;
class QTextBrowser;

namespace Longwatch {

/// Help › Longwatch Help: the project's documentation (README.md and
/// docs/*.md, built into the program as resources under ":/help", so it
/// reads the same offline and without the source tree) rendered from
/// Markdown, with the list of documents on the side. Links between the
/// documents open here, with Back and Forward; web links open in the
/// browser; "#heading" links scroll to the heading, as on GitHub.
class HelpWindow final : public QMainWindow
{
    Q_OBJECT
public:
    /// A document of the help: its title (its first heading) and its
    /// "qrc:/help/…" address.
    struct Document
    {
        QString title;
        QUrl url;
    };

    explicit HelpWindow(QWidget *parent = nullptr);
    ~HelpWindow() override;

    /// The documents built in: the README first, then docs/*.md, those a
    /// user reads first ahead of the reference.
    static QList<Document> documents();
    /// The README's address ("qrc:/help/README.md").
    static QUrl homeUrl();

    /// Shows the document at `url` (absolute, or relative to the one shown),
    /// scrolled to its fragment if it has one.
    void showDocument(const QUrl &url);
    /// What a click on `link` in the document does: another document (or
    /// a heading) is shown here, a web or mail address is opened by the
    /// desktop, a file of the source tree that is not built in is named in
    /// the status bar.
    void openLink(const QUrl &link);
    /// The document shown, without fragment.
    QUrl currentDocument() const;
    /// Selects the next place (`backward`: the previous one) where `text`
    /// is in the document shown, starting again at its other end; false
    /// if it is nowhere.
    bool find(const QString &text, bool backward = false);

    QTextBrowser *browser() const { return m_browser; }
    QListWidget *documentList() const { return m_list; }
    QLineEdit *findEdit() const { return m_find; }

private:
    void onSourceChanged(const QUrl &url);

    QListWidget *m_list = nullptr;
    QTextBrowser *m_browser = nullptr;
    QAction *m_backAction = nullptr;
    QAction *m_forwardAction = nullptr;
    QAction *m_homeAction = nullptr;
    QLineEdit *m_find = nullptr;
};

} // namespace Longwatch
