#pragma once

#include <QLabel>

namespace Longwatch {

/// A one-line label that gives up width when its layout is short of it and
/// then ends its text with "…" instead of clipping it mid-letter. text()
/// keeps the whole text (put it in the tooltip where it matters).
class ElidedLabel final : public QLabel
{
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
};

} // namespace Longwatch
