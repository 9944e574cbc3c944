#include "workspaceactions.h"

#include "channel.h"
#include "channelmanager.h"
#include "filelocations.h"
#include "workspace.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>

namespace Longwatch {

namespace {

/// A heading and a list in a message box: short lists in full, long ones
/// behind "Show Details".
void setListText(QMessageBox *box, const QString &heading, const QStringList &items)
{
    constexpr int kShown = 8;
    QStringList shown = items.mid(0, kShown);
    if (items.size() > kShown)
        shown << WorkspaceActions::tr("… and %n more (see the details)", nullptr,
                                      int(items.size() - kShown));
    box->setInformativeText(heading + QLatin1Char('\n') + QStringLiteral("• ") +
                            shown.join(QStringLiteral("\n• ")));
    if (items.size() > kShown)
        box->setDetailedText(items.join(QLatin1Char('\n')));
}

} // namespace

WorkspaceActions::WorkspaceActions(ChannelManager *manager, QWidget *window)
    : QObject(window)
    , m_manager(manager)
    , m_window(window)
{}

void WorkspaceActions::chooseFile(bool save)
{
    auto *chooser =
        new QFileDialog(m_window, save ? tr("Export Workspace") : tr("Import Workspace"),
                        suggestedSaveFolder(), tr("Longwatch workspace (*.json);;All files (*)"));
    chooser->setObjectName(QStringLiteral("workspaceFileDialog"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setAcceptMode(save ? QFileDialog::AcceptSave : QFileDialog::AcceptOpen);
    chooser->setFileMode(save ? QFileDialog::AnyFile : QFileDialog::ExistingFile);
    chooser->setDefaultSuffix(QStringLiteral("json"));
    if (save)
        chooser->selectFile(QStringLiteral("longwatch-workspace.json"));
    connect(chooser, &QFileDialog::fileSelected, this, [this, save](const QString &path) {
        if (!save) {
            importFrom(path);
            return;
        }
        QString error;
        if (!exportTo(path, &error))
            QMessageBox::warning(m_window, tr("Export Workspace"), error);
    });
    chooser->open();
}

bool WorkspaceActions::exportTo(const QString &path, QString *error)
{
    QList<ChannelConfig> configs;
    for (const Channel *channel : m_manager->channels())
        configs.append(channel->config());
    const WorkspaceExport exported = exportWorkspace(configs);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(exported.json) != exported.json.size() ||
        !file.commit()) {
        if (error) {
            *error = tr("Could not write the workspace to %1: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        }
        return false;
    }
    if (exported.omitted.isEmpty()) {
        Q_EMIT message(tr("Workspace saved to %1.").arg(QDir::toNativeSeparators(path)), 8000);
        return true;
    }
    auto *box = new QMessageBox(
        QMessageBox::Information, tr("Workspace Exported"),
        tr("The workspace was saved to %1 without secrets.").arg(QDir::toNativeSeparators(path)),
        QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("workspaceExported"));
    setListText(box, tr("Left out (enter them again after an import):"), exported.omitted);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    return true;
}

int WorkspaceActions::importFrom(const QString &path)
{
    QFile file(path);
    QString error;
    WorkspaceImport imported;
    if (!file.open(QIODevice::ReadOnly)) {
        error = tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    } else if (file.size() > kWorkspaceMaxBytes) {
        error = tr("%1 is too large for a workspace file (%2 bytes; at most %3).")
                    .arg(QDir::toNativeSeparators(path))
                    .arg(file.size())
                    .arg(kWorkspaceMaxBytes);
    } else {
        imported = importWorkspace(file.read(kWorkspaceMaxBytes + 1));
        if (!imported.ok)
            error = imported.error;
    }
    if (!error.isEmpty()) {
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Import Workspace"), error,
                                    QMessageBox::Ok, m_window);
        box->setObjectName(QStringLiteral("workspaceRefused"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return -1;
    }
    // Channels already here (the same profile and address) are not made
    // twice without asking.
    QHash<qsizetype, Channel *> alreadyHere;
    for (qsizetype i = 0; i < imported.channels.size(); ++i) {
        for (Channel *channel : m_manager->channels()) {
            if (channel->config().sameAddress(imported.channels.at(i))) {
                alreadyHere.insert(i, channel);
                break;
            }
        }
    }
    if (alreadyHere.isEmpty())
        return addImported(path, imported, {}, Choice::Copies);

    QStringList names;
    for (auto it = alreadyHere.cbegin(); it != alreadyHere.cend(); ++it) {
        const QString name = imported.channels.at(it.key()).name;
        names << (name == it.value()->name()
                      ? name
                      : tr("%1 (here as \u201c%2\u201d)").arg(name, it.value()->name()));
    }
    names.sort(Qt::CaseInsensitive);
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Import Workspace"),
        alreadyHere.size() == 1
            ? tr("One of the channels in %1 is already here, with the same address and profile.")
                  .arg(QDir::toNativeSeparators(QFileInfo(path).fileName()))
            : tr("%1 of the channels in %2 are already here, with the same address and profile.")
                  .arg(alreadyHere.size())
                  .arg(QDir::toNativeSeparators(QFileInfo(path).fileName())),
        QMessageBox::NoButton, m_window);
    box->setObjectName(QStringLiteral("workspaceAlreadyHere"));
    setListText(box, tr("Already here:"), names);
    QPushButton *skip = box->addButton(tr("Skip Them"), QMessageBox::AcceptRole);
    skip->setObjectName(QStringLiteral("skipButton"));
    skip->setToolTip(tr("Import only the channels that are not here yet"));
    QPushButton *replace = box->addButton(tr("Replace Their Settings"), QMessageBox::ActionRole);
    replace->setObjectName(QStringLiteral("replaceButton"));
    replace->setToolTip(tr("Give the channels here the file's settings; their secrets, cursors "
                           "and events stay"));
    QPushButton *copies = box->addButton(tr("Import as Copies"), QMessageBox::ActionRole);
    copies->setObjectName(QStringLiteral("copiesButton"));
    copies->setToolTip(tr("Add them again beside the ones here, named \u201c\u2026 (copy)\u201d"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(skip);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this,
            [this, box, skip, replace, copies, path, imported, alreadyHere] {
                QAbstractButton *clicked = box->clickedButton();
                if (clicked == skip)
                    addImported(path, imported, alreadyHere, Choice::Skip);
                else if (clicked == replace)
                    addImported(path, imported, alreadyHere, Choice::Replace);
                else if (clicked == copies)
                    addImported(path, imported, alreadyHere, Choice::Copies);
                else
                    Q_EMIT message(tr("Nothing was imported."), 5000);
            });
    box->open();
    return 0;
}

int WorkspaceActions::addImported(const QString &path, const WorkspaceImport &imported,
                                  const QHash<qsizetype, Channel *> &alreadyHere, Choice choice)
{
    Channel *first = nullptr;
    int added = 0;
    int replaced = 0;
    int skipped = 0;
    QStringList warnings = imported.warnings;
    // "Builds: enter the token again…" does not concern a channel that
    // was skipped, or replaced keeping the secret it has here.
    const auto dropWarningsOf = [&warnings](const QString &name) {
        warnings.removeIf([&name](const QString &warning) {
            return warning.startsWith(name + QStringLiteral(": "));
        });
    };
    for (qsizetype i = 0; i < imported.channels.size(); ++i) {
        const ChannelConfig &config = imported.channels.at(i);
        Channel *here = alreadyHere.value(i);
        if (here && choice == Choice::Skip) {
            ++skipped;
            dropWarningsOf(config.name);
            continue;
        }
        if (here && choice == Choice::Replace) {
            ChannelConfig merged = config;
            merged.id = here->id();
            const ChannelConfig &current = here->config();
            bool keptSecret = false;
            for (const QString &field : current.allSecretFields()) {
                if (merged.secret(field).isEmpty() && !current.secret(field).isEmpty()) {
                    merged.setSecret(field, current.secret(field));
                    keptSecret = true;
                }
            }
            if (keptSecret) {
                // Paused by the import for want of a secret it has here.
                merged.paused = current.paused;
                dropWarningsOf(config.name);
            }
            m_manager->updateChannel(here, merged);
            ++replaced;
            if (!first)
                first = here;
            continue;
        }
        ChannelConfig copy = config;
        if (m_manager->isNameTaken(copy.name))
            copy.name = m_manager->copyName(copy.name);
        Channel *channel = m_manager->addChannel(copy);
        ++added;
        if (!first)
            first = channel;
    }
    if (first)
        Q_EMIT channelImported(first);
    QStringList parts{
        tr("%n channel(s) imported from %1", nullptr, added).arg(QDir::toNativeSeparators(path))};
    if (replaced > 0)
        parts << tr("%n replaced", nullptr, replaced);
    if (skipped > 0)
        parts << tr("%n skipped (already here)", nullptr, skipped);
    const QString summary = parts.join(QStringLiteral(", ")) + QLatin1Char('.');
    if (warnings.isEmpty()) {
        Q_EMIT message(summary, 8000);
    } else {
        auto *box = new QMessageBox(QMessageBox::Information, tr("Workspace Imported"), summary,
                                    QMessageBox::Ok, m_window);
        box->setObjectName(QStringLiteral("workspaceImported"));
        setListText(box, tr("Some things need your attention:"), warnings);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    return added + replaced;
}

} // namespace Longwatch
