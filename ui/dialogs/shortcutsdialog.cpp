#include "shortcutsdialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Longwatch {

namespace {

/// "&Add Channel…" -> "Add Channel"
QString plainText(const QString &text)
{
    QString plain = text;
    plain.remove(QStringLiteral("…"));
    plain.replace(QLatin1String("&&"), QLatin1String("\x01"));
    plain.remove(QLatin1Char('&'));
    plain.replace(QLatin1Char('\x01'), QLatin1Char('&'));
    return plain.trimmed();
}

QString shortcutText(const QAction *action)
{
    QStringList keys;
    for (const QKeySequence &key : action->shortcuts())
        keys.append(key.toString(QKeySequence::NativeText));
    return keys.join(QLatin1String(", "));
}

/// The bold line above the shortcuts of a menu.
QTreeWidgetItem *groupItem(QTreeWidget *tree, const QString &name)
{
    auto *item = new QTreeWidgetItem(tree, {name});
    item->setFirstColumnSpanned(true);
    QFont bold = item->font(0);
    bold.setBold(true);
    item->setFont(0, bold);
    return item;
}

} // namespace

ShortcutsDialog::ShortcutsDialog(QMainWindow *window)
    : QDialog(window)
    , m_window(window)
{
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard Shortcuts"));

    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("shortcutFilter"));
    m_filter->setPlaceholderText(tr("Filter by action or key"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &ShortcutsDialog::applyFilter);

    m_tree = new QTreeWidget;
    m_tree->setObjectName(QStringLiteral("shortcutList"));
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Action"), tr("Shortcut")});
    m_tree->setRootIsDecorated(false);
    m_tree->setItemsExpandable(false);
    m_tree->setSelectionMode(QAbstractItemView::NoSelection);
    m_tree->setFocusPolicy(Qt::NoFocus);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setStretchLastSection(false);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_filter);
    layout->addWidget(m_tree, 1);
    layout->addWidget(buttons);

    refresh();
    resize(440, 520);
}

ShortcutsDialog::~ShortcutsDialog() = default;

void ShortcutsDialog::refresh()
{
    m_tree->clear();
    QList<const QAction *> listed;
    for (const QAction *action : m_window->menuBar()->actions()) {
        if (const QMenu *menu = action->menu())
            addMenu(menu, plainText(menu->title()), &listed);
    }
    // Shortcuts the window has without a menu entry.
    QTreeWidgetItem *other = nullptr;
    for (const QAction *action : m_window->actions()) {
        if (action->shortcuts().isEmpty() || listed.contains(action))
            continue;
        if (!other) {
            other = groupItem(m_tree, tr("Other"));
        }
        new QTreeWidgetItem(other, {plainText(action->text()), shortcutText(action)});
    }
    m_tree->expandAll();
    m_tree->resizeColumnToContents(1);
    m_tree->setColumnWidth(1, m_tree->columnWidth(1) + fontMetrics().averageCharWidth() * 3);
    applyFilter();
}

void ShortcutsDialog::addMenu(const QMenu *menu, const QString &group,
                              QList<const QAction *> *listed)
{
    QTreeWidgetItem *header = nullptr;
    for (const QAction *action : menu->actions()) {
        if (const QMenu *submenu = action->menu()) {
            addMenu(submenu, group + QStringLiteral(" › ") + plainText(submenu->title()), listed);
            continue;
        }
        if (action->isSeparator() || action->shortcuts().isEmpty())
            continue;
        if (!header) {
            header = groupItem(m_tree, group);
        }
        auto *item = new QTreeWidgetItem(header, {plainText(action->text()), shortcutText(action)});
        item->setToolTip(0, action->toolTip());
        listed->append(action);
    }
}

void ShortcutsDialog::applyFilter()
{
    const QString text = m_filter->text().trimmed();
    for (int group = 0; group < m_tree->topLevelItemCount(); ++group) {
        QTreeWidgetItem *header = m_tree->topLevelItem(group);
        bool any = false;
        for (int row = 0; row < header->childCount(); ++row) {
            QTreeWidgetItem *item = header->child(row);
            const bool shown = text.isEmpty() ||
                               item->text(0).contains(text, Qt::CaseInsensitive) ||
                               item->text(1).contains(text, Qt::CaseInsensitive) ||
                               header->text(0).contains(text, Qt::CaseInsensitive);
            item->setHidden(!shown);
            any = any || shown;
        }
        header->setHidden(!any);
    }
}

} // namespace Longwatch
