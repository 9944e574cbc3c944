#include "welcomepage.h"

#include "icons.h"
#include "labels.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace Longwatch {

WelcomePage::WelcomePage(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("emptyState"));
    auto *outer = new QVBoxLayout(this);
    outer->addStretch(2);

    auto *logo = new QLabel;
    logo->setPixmap(Icons::application().pixmap(96, 96));
    logo->setAlignment(Qt::AlignCenter);
    outer->addWidget(logo);
    outer->addSpacing(12);

    auto *title = new QLabel(tr("Watch your first feed"));
    title->setFont(scaledFont(font(), 1.6, true));
    title->setAlignment(Qt::AlignCenter);
    outer->addWidget(title);

    auto *text = dimLabel(tr("Longwatch keeps an eye on HTTP long-poll feeds: it shows their "
                             "events as they arrive, the latest status of every job they "
                             "mention, and tells you when something fails.\nAdd a channel for "
                             "a feed of yours, or try the built-in demo."));
    text->setWordWrap(true);
    text->setAlignment(Qt::AlignCenter);
    text->setMaximumWidth(520);
    auto *textRow = new QHBoxLayout;
    textRow->addStretch();
    textRow->addWidget(text);
    textRow->addStretch();
    outer->addLayout(textRow);
    outer->addSpacing(16);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    auto *add = new QPushButton(tr("&Add Channel…"));
    add->setObjectName(QStringLiteral("emptyAddButton"));
    add->setDefault(true);
    add->setIcon(Icons::themed(QStringLiteral("add"), palette()));
    connect(add, &QPushButton::clicked, this, &WelcomePage::addRequested);
    auto *demo = new QPushButton(tr("&Try the Demo"));
    demo->setObjectName(QStringLiteral("emptyDemoButton"));
    demo->setIcon(Icons::themed(QStringLiteral("demo"), palette()));
    connect(demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
    for (QPushButton *button : {add, demo}) {
        button->setMinimumHeight(34);
        button->setMinimumWidth(150);
        buttons->addWidget(button);
    }
    buttons->addStretch();
    outer->addLayout(buttons);
    outer->addStretch(3);
}

} // namespace Longwatch
