#include "eventlogwindow.h"

#include "eventdelegate.h"
#include "eventlog.h"
#include "eventmodel.h"
#include "eventtableview.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QStatusBar>
#include <QToolBar>

namespace Longwatch {

EventLogWindow::EventLogWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_model(new EventModel(this))
    , m_view(new EventTableView)
    , m_status(new QLabel)
{
    setObjectName(QStringLiteral("eventLogWindow"));
    m_view->setModel(m_model);
    m_view->setObjectName(QStringLiteral("eventLogView"));
    // As the Events page shows events.
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setItemDelegate(new EventDelegate(m_view));
    m_view->setAccessibleName(tr("Events of the event log"));
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView *header = m_view->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    const int timeWidth = fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000")) + 24;
    header->resizeSection(EventModel::TimeColumn, timeWidth);
    header->resizeSection(EventModel::IdColumn, 64);
    setCentralWidget(m_view);
    statusBar()->addWidget(m_status, 1);

    QToolBar *tools = addToolBar(tr("Event Log"));
    tools->setObjectName(QStringLiteral("eventLogTools"));
    tools->setMovable(false);
    QAction *reloadAction = tools->addAction(tr("&Reload"), this, &EventLogWindow::reload);
    reloadAction->setShortcut(QKeySequence::Refresh);
    reloadAction->setToolTip(tr("Show the events added since it was opened (F5)"));
    QAction *closeAction = tools->addAction(tr("&Close"), this, &QWidget::close);
    closeAction->setShortcut(QKeySequence::Close);

    // History lies above the first row: reading it when the view reaches the top.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value == m_view->verticalScrollBar()->minimum())
            fetchOlder();
    });
    resize(1000, 600);
}

EventLogWindow::~EventLogWindow()
{
    // The model reads from the log: it lets go of it first.
    m_model->setHistory(nullptr);
}

bool EventLogWindow::open(const QString &path)
{
    auto log = std::make_unique<EventLog>();
    if (!log->open(path, EventLog::OpenMode::MustExist)) {
        m_errorString = log->errorString();
        return false;
    }
    m_model->setHistory(nullptr);
    m_log = std::move(log);
    // A recorder's log names its channels; the name is the key.
    m_model->setHistory(m_log.get(), [](const QString &key) { return key; });
    setWindowTitle(tr("%1 — Event Log (read-only)").arg(QFileInfo(path).fileName()));
    setWindowFilePath(path);
    if (!m_model->loadNewest()) {
        m_errorString = m_log->errorString();
        return false;
    }
    m_view->scrollToBottom();
    updateStatus();
    return true;
}

void EventLogWindow::reload()
{
    if (!m_log)
        return;
    m_model->loadNewest();
    m_view->scrollToBottom();
    updateStatus();
}

void EventLogWindow::fetchOlder()
{
    if (!m_log || !m_model->canFetchOlder())
        return;
    // Keep the row at the top where it is while older rows go in above it.
    const QPersistentModelIndex top = m_view->indexAt(QPoint(1, 1));
    if (m_model->fetchOlder(2000) > 0 && top.isValid())
        m_view->scrollTo(top, QAbstractItemView::PositionAtTop);
    updateStatus();
}

void EventLogWindow::updateStatus()
{
    const qint64 stored = m_log ? m_log->countEvents({}) : 0;
    m_status->setText(tr("%1 of %n event(s) shown, read-only, from %2. Scroll up for older "
                         "events; Reload (F5) shows new ones.",
                         nullptr, int(std::min<qint64>(stored, INT_MAX)))
                          .arg(QLocale().toString(m_model->rowCount()),
                               QDir::toNativeSeparators(m_log ? m_log->path() : QString())));
}

} // namespace Longwatch
