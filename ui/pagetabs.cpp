#include "pagetabs.h"

#include "icons.h"
#include "jobstatus.h"

#include <QEvent>
#include <QLocale>
#include <QTabBar>

namespace Longwatch {

namespace {

/// Keeps a QTabWidget from repainting all of itself when a tab's title
/// changes and its tab bar keeps its size: each change made the tab widget
/// lay itself out again (the tab bar's LayoutRequest) and repaint every
/// widget of the page shown, the event table's cells included. The tab bar
/// repaints itself; the layout is only needed when its size changes
/// (QTabWidget::setUpLayout() sets the tab bar's and the pages' geometry,
/// and tells its own parent about its size hints).
class TabLayoutFilter final : public QObject
{
public:
    explicit TabLayoutFilter(QTabWidget *tabs)
        : QObject(tabs)
        , m_tabs(tabs)
    {
        tabs->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched != m_tabs || event->type() != QEvent::LayoutRequest)
            return false;
        const QTabBar *bar = m_tabs->tabBar();
        const QSize hint = bar->sizeHint();
        const QSize pages =
            m_tabs->currentWidget() ? m_tabs->currentWidget()->minimumSizeHint() : QSize();
        // Laid out for the same sizes: nothing to do (a document-mode tab bar
        // is as wide as the tab widget, not as its hint).
        const bool same = bar->isVisible() && hint == m_laidOutBar && pages == m_laidOutPages;
        m_laidOutBar = hint;
        m_laidOutPages = pages;
        return same;
    }

private:
    QTabWidget *m_tabs;
    QSize m_laidOutBar;   ///< the tab bar's size hint at the last layout
    QSize m_laidOutPages; ///< the page's minimum size hint then
};

} // namespace

PageTabs::PageTabs(QWidget *events, QWidget *jobs, QWidget *trends, QWidget *parent)
    : QTabWidget(parent)
{
    setObjectName(QStringLiteral("pages"));
    setDocumentMode(true);
    new TabLayoutFilter(this);
    addTab(events, tr("Events"));
    addTab(jobs, tr("Jobs"));
    addTab(trends, tr("Trends"));
}

void PageTabs::updateTitles(int events, int jobs, int failedJobs)
{
    const QLocale locale;
    m_failedJobs = failedJobs;
    setTitle(EventsPage, tr("Events (%1)").arg(locale.toString(events)));
    setTitle(JobsPage, failedJobs > 0 ? tr("Jobs (%1 failed)").arg(failedJobs)
                                      : tr("Jobs (%1)").arg(locale.toString(jobs)));
    const bool failed = failedJobs > 0;
    if (std::exchange(m_jobsFailedIcon, failed) != failed)
        tabBar()->setTabIcon(JobsPage, failed ? Icons::jobStatus(JobStatus::Failed, palette())
                                              : Icons::themed(QStringLiteral("jobs"), palette()));
}

void PageTabs::refreshIcons()
{
    setTabIcon(EventsPage, Icons::themed(QStringLiteral("events"), palette()));
    setTabIcon(TrendsPage, Icons::themed(QStringLiteral("trends"), palette()));
    const bool failed = m_failedJobs > 0;
    m_jobsFailedIcon = failed;
    tabBar()->setTabIcon(JobsPage, failed ? Icons::jobStatus(JobStatus::Failed, palette())
                                          : Icons::themed(QStringLiteral("jobs"), palette()));
}

/// On the tab bar: QTabWidget::setTabText() lays the tab widget out again
/// and repaints all of it, even for the same text.
void PageTabs::setTitle(int index, const QString &text)
{
    if (tabText(index) != text)
        tabBar()->setTabText(index, text);
}

} // namespace Longwatch
