#include "startup.h"

#include "channelmanager.h"
#include "mainwindow.h"
#include "secretstore.h"
#include "settingschannelstore.h"

#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>

namespace Longwatch {

Startup::Startup(Options options, SettingsChannelStore *store, ChannelManager *manager,
                 MainWindow *window, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_store(store)
    , m_manager(manager)
    , m_window(window)
    , m_recorder(manager, &m_writer)
{}

Startup::~Startup()
{
    // The window reads from m_reader: it must not after this.
    if (m_reader.isOpen())
        m_window->setEventLog(nullptr, nullptr, nullptr);
}

void Startup::run()
{
    m_window->statusBar()->showMessage(tr("Opening…"));
    const QString fallback = m_options.secretsFallbackPath.isEmpty()
                                 ? SecretStore::defaultFallbackPath()
                                 : m_options.secretsFallbackPath;
    auto opened = [this](std::shared_ptr<SecretStore> secrets) {
        m_store->setSecretStore(std::move(secrets));
        openEventLog();
    };
    if (m_options.noKeychain)
        SecretStore::open(std::shared_ptr<SecretStore>(), fallback, this, opened);
    else
        SecretStore::open(QStringLiteral("Longwatch"), fallback, this, opened);
}

void Startup::openEventLog()
{
    if (m_options.eventLogPath.isEmpty()) {
        loadChannels();
        return;
    }
    if (m_writer.open(m_options.eventLogPath)) {
        useEventLog();
        return;
    }
    if (m_writer.error() == EventLog::Error::DamagedError) {
        askAboutDamagedLog();
        return;
    }
    m_window->setEventLogProblem(m_writer.errorString());
    showLogProblem(m_writer.errorString());
    loadChannels();
}

void Startup::askAboutDamagedLog()
{
    // The person decides; the window is up meanwhile, the channels wait.
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Event Log Damaged"),
                                m_writer.errorString(), QMessageBox::NoButton, m_window);
    box->setObjectName(QStringLiteral("damagedEventLog"));
    box->setInformativeText(
        tr("Longwatch can move the damaged file aside (it is kept, renamed, for recovery tools) "
           "and start a new event log, or run this time without saving events."));
    QPushButton *moveAside =
        box->addButton(tr("Move Aside and Start a New Log"), QMessageBox::AcceptRole);
    moveAside->setObjectName(QStringLiteral("moveAsideButton"));
    QPushButton *without = box->addButton(tr("Continue Without Saving"), QMessageBox::RejectRole);
    without->setObjectName(QStringLiteral("continueWithoutButton"));
    box->setDefaultButton(moveAside);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, moveAside] {
        if (box->clickedButton() == moveAside) {
            if (m_writer.open(m_options.eventLogPath, /*recoverDamaged=*/true)) {
                m_window->statusBar()->showMessage(m_writer.notice(), 30000);
                useEventLog();
                return;
            }
            m_window->setEventLogProblem(m_writer.errorString());
            showLogProblem(m_writer.errorString());
        } else {
            m_window->setEventLogProblem(tr("The event log at %1 is damaged; events are not saved "
                                            "this time.")
                                             .arg(m_options.eventLogPath));
        }
        loadChannels();
    });
    box->open();
}

void Startup::showLogProblem(const QString &sentence)
{
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Event Log Unavailable"), sentence,
                                QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("eventLogUnavailable"));
    box->setInformativeText(
        tr("Longwatch runs and shows events, but does not save them this time."));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void Startup::useEventLog()
{
    if (!m_reader.open(m_options.eventLogPath, EventLog::OpenMode::MustExist)) {
        m_window->setEventLogProblem(m_reader.errorString());
        showLogProblem(m_reader.errorString());
        m_writer.close();
        loadChannels();
        return;
    }
    m_recorder.resumeFrom(m_reader.cursors());
    m_window->setEventLog(&m_reader, &m_writer, &m_recorder);
    loadChannels();
}

void Startup::loadChannels()
{
    if (m_window->statusBar()->currentMessage() == tr("Opening…"))
        m_window->statusBar()->clearMessage();
    m_manager->load();
    Q_EMIT finished();
}

} // namespace Longwatch
