#include "widthfitters.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QHeaderView>
#include <QScopedValueRollback>
#include <QSplitter>

#include <algorithm>

namespace Longwatch {

HeaderFitter::HeaderFitter(QHeaderView *header, int lastMinimum)
    : QObject(header)
    , m_header(header)
    , m_lastMinimum(lastMinimum)
{
    // The viewport's width is what the sections share (the header's own
    // width leaves out a vertical scroll bar's appearance otherwise).
    if (auto *view = qobject_cast<QAbstractItemView *>(header->parentWidget()))
        view->viewport()->installEventFilter(this);
    header->installEventFilter(this);
    connect(header, &QHeaderView::sectionResized, this, [this](int section) {
        // The last section stretches with the table; only a drag of
        // another one is the user's choice.
        if (!m_fitting && section != m_header->count() - 1 && m_header->isVisible())
            m_placed = true;
    });
}

void HeaderFitter::setSection(int section, int preferred, int minimum)
{
    m_sections.insert(section, {preferred, std::min(minimum, preferred)});
}

void HeaderFitter::setPlaced(bool placed)
{
    m_placed = placed;
    if (!placed)
        fit();
}

void HeaderFitter::fit()
{
    if (m_placed || m_header->count() == 0)
        return;
    const auto *view = qobject_cast<QAbstractItemView *>(m_header->parentWidget());
    const int width = view ? view->viewport()->width() : m_header->width();
    if (width <= 0)
        return;
    const int last = m_header->count() - 1;
    int preferred = 0;
    int spare = 0; // what the sections could give up, down to their minimum
    for (auto it = m_sections.cbegin(); it != m_sections.cend(); ++it) {
        if (it.key() == last || m_header->isSectionHidden(it.key()))
            continue;
        preferred += it->preferred;
        spare += it->preferred - it->minimum;
    }
    const int missing = std::max(0, preferred + m_lastMinimum - width);
    const double give = spare > 0 ? std::min(1.0, double(missing) / spare) : 0.0;
    const QScopedValueRollback fitting(m_fitting, true);
    for (auto it = m_sections.cbegin(); it != m_sections.cend(); ++it) {
        if (it.key() == last)
            continue;
        const int size = it->preferred - int(give * (it->preferred - it->minimum) + 0.5);
        if (m_header->sectionSize(it.key()) != size)
            m_header->resizeSection(it.key(), size);
    }
}

bool HeaderFitter::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Resize || event->type() == QEvent::Show)
        fit();
    return QObject::eventFilter(watched, event);
}

SplitterFitter::SplitterFitter(QSplitter *splitter, double share, int minimum, int maximum)
    : QObject(splitter)
    , m_splitter(splitter)
    , m_share(share)
    , m_minimum(minimum)
    , m_maximum(maximum)
{
    // The splitter's own resize, not the window's: when the window's
    // resize event comes, the splitter may not have its new width yet.
    splitter->installEventFilter(this);
    connect(splitter, &QSplitter::splitterMoved, this, [this] { m_placed = true; });
}

void SplitterFitter::setPlaced(bool placed)
{
    m_placed = placed;
    if (!placed)
        fit();
}

void SplitterFitter::fit()
{
    if (m_placed || m_splitter->count() < 2)
        return;
    const int width = m_splitter->width();
    const int first = std::clamp(int(width * m_share), m_minimum, m_maximum);
    QList<int> sizes(m_splitter->count(), 0);
    sizes[0] = first;
    sizes[1] = std::max(0, width - first - m_splitter->handleWidth());
    m_splitter->setSizes(sizes);
}

bool SplitterFitter::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Resize)
        fit();
    return QObject::eventFilter(watched, event);
}

} // namespace Longwatch
