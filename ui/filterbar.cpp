#include "filterbar.h"

#include <QHBoxLayout>
#include <QLineEdit>

namespace Longwatch {

FilterBar::FilterBar(const QString &name, const QString &placeholder, const QString &accessibleName,
                     QWidget *parent)
    : QWidget(parent)
    , m_layout(new QHBoxLayout(this))
    , m_search(new QLineEdit)
{
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_search->setObjectName(name);
    m_search->setPlaceholderText(placeholder);
    m_search->setAccessibleName(accessibleName);
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(160); // still usable at the window's minimum width
    m_layout->addWidget(m_search, 1);
    m_delay.setSingleShot(true);
    m_delay.setInterval(0);
    connect(m_search, &QLineEdit::textChanged, this, [this] {
        if (m_delay.interval() > 0)
            m_delay.start();
        else
            apply();
    });
    connect(&m_delay, &QTimer::timeout, this, &FilterBar::apply);
    connect(m_search, &QLineEdit::returnPressed, this, &FilterBar::apply);
}

void FilterBar::addWidget(QWidget *widget)
{
    m_layout->addWidget(widget);
}

void FilterBar::addSpacing(int size)
{
    m_layout->addSpacing(size);
}

void FilterBar::clear()
{
    m_search->clear();
    apply();
}

void FilterBar::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void FilterBar::apply()
{
    m_delay.stop();
    Q_EMIT textApplied(m_search->text());
}

} // namespace Longwatch
