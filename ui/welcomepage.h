#pragma once

#include <QWidget>

namespace Longwatch {

/// What the window shows while there is no channel: what Longwatch does,
/// and two ways to start (add a channel, try the demo).
class WelcomePage final : public QWidget
{
    Q_OBJECT
public:
    explicit WelcomePage(QWidget *parent = nullptr);

Q_SIGNALS:
    void addRequested();
    void demoRequested();
};

} // namespace Longwatch
