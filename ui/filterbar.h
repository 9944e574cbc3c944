#pragma once

#include <QTimer>
#include <QWidget>

#include <chrono>

class QHBoxLayout;
class QLineEdit;

namespace Longwatch {

/// The row above a table that narrows what it shows: a search field that
/// applies its text after a pause in typing (at once on Return), then the
/// page's own controls. The Events and Jobs pages both use it.
class FilterBar final : public QWidget
{
    Q_OBJECT
public:
    /// `name` is the field's object name; `placeholder` says what it
    /// searches, `accessibleName` what a screen reader calls it.
    FilterBar(const QString &name, const QString &placeholder, const QString &accessibleName,
              QWidget *parent = nullptr);

    QLineEdit *searchField() const { return m_search; }
    /// How long typing must pause before the text applies; zero (the
    /// default) applies every change at once.
    void setDelay(std::chrono::milliseconds delay) { m_delay.setInterval(delay); }
    /// Adds a control after the field and the controls added before.
    void addWidget(QWidget *widget);
    void addSpacing(int size);

    /// Empties the field and applies that at once.
    void clear();
    /// Puts the keyboard focus in the field, its text selected (Ctrl+F).
    void focusSearch();

Q_SIGNALS:
    /// The field's text, once it applies.
    void textApplied(const QString &text);

private:
    void apply();

    QHBoxLayout *m_layout;
    QLineEdit *m_search;
    QTimer m_delay;
};

} // namespace Longwatch
