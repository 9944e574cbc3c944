#pragma once

#include <QTabWidget>

#include <optional>

namespace Longwatch {

/// The Events, Jobs and Trends tabs, whose titles count what they hold ("Events
/// (1,234)", "Jobs (2 failed)" with the failed icon). The counts change ten
/// times a second under a trickle of events: a title or icon is set again
/// only when it changes, and on the tab bar, which repaints only itself (a
/// QTabWidget would lay out and repaint the whole page).
class PageTabs final : public QTabWidget
{
    Q_OBJECT
public:
    enum Page { EventsPage, JobsPage, TrendsPage };

    PageTabs(QWidget *events, QWidget *jobs, QWidget *trends, QWidget *parent = nullptr);

    void updateTitles(int events, int jobs, int failedJobs);
    /// Icons in the palette's colours (again, after it changed).
    void refreshIcons();

private:
    void setTitle(int index, const QString &text);

    std::optional<bool> m_jobsFailedIcon; ///< the Jobs tab shows "failed"; empty: set it
    int m_failedJobs = 0;
};

} // namespace Longwatch
