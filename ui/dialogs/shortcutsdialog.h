#pragma once

#include <QDialog>

class QLineEdit;
class QMainWindow;
class QMenu;
class QTreeWidget;

namespace Longwatch {

/// Help › Keyboard Shortcuts: every action of a window that has a
/// shortcut, grouped by its menu, read from the window's QActions
/// themselves (so the list is what the keys really do), in the platform's
/// own notation ("Ctrl+Shift+K", "⌘⇧K"). A filter narrows the list.
class ShortcutsDialog final : public QDialog
{
    Q_OBJECT
public:
    /// Lists the shortcuts of `window`'s menu bar and of the actions added
    /// to the window itself; `window` is also the parent.
    explicit ShortcutsDialog(QMainWindow *window);
    ~ShortcutsDialog() override;

    /// Reads the window's actions again (their shortcuts may have changed).
    void refresh();

    QTreeWidget *tree() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }

private:
    void addMenu(const QMenu *menu, const QString &group, QList<const QAction *> *listed);
    void applyFilter();

    QMainWindow *m_window;
    QLineEdit *m_filter = nullptr;
    QTreeWidget *m_tree = nullptr;
};

} // namespace Longwatch
