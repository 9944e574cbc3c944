#include "aboutdialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace Longwatch {

AboutDialog::AboutDialog(const QString &settingsPath, const QString &eventLogPath,
                         const QString &secretLocation, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("aboutDialog"));
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("About Longwatch"));

    auto *icon = new QLabel;
    icon->setPixmap((parent ? parent->windowIcon() : windowIcon()).pixmap(64, 64));
    icon->setAlignment(Qt::AlignTop);
    auto *title = new QLabel(tr("<h2>Longwatch %1</h2>").arg(QStringLiteral(LONGWATCH_VERSION)));
    auto *summary = new QLabel(tr("A desktop dashboard for HTTP long-poll feeds: events as they "
                                  "arrive, the status of every job, and the health of every "
                                  "channel."));
    summary->setWordWrap(true);
    auto *qt =
        new QLabel(tr("Runs on Qt %1 (built with Qt %2).")
                       .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)));
    qt->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Where things are, selectable so a path can be copied.
    auto *places = new QFormLayout;
    places->setContentsMargins(0, 8, 0, 0);
    places->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    places->setLabelAlignment(Qt::AlignLeft);
    places->setVerticalSpacing(6);
    const auto place = [places](const QString &label, const QString &value, bool wrap) {
        auto *field = new QLabel(value);
        field->setTextFormat(Qt::PlainText);
        field->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        field->setWordWrap(wrap);
        places->addRow(label, field);
    };
    place(tr("Settings:"), QDir::toNativeSeparators(settingsPath), false);
    place(tr("Event log:"),
          eventLogPath.isEmpty() ? tr("Not saved: events are kept in this window only")
                                 : QDir::toNativeSeparators(eventLogPath),
          false);
    place(tr("Secrets:"), secretLocation, true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);

    auto *text = new QVBoxLayout;
    text->addWidget(title);
    text->addWidget(summary);
    text->addWidget(qt);
    text->addLayout(places);
    text->addStretch();
    auto *top = new QHBoxLayout;
    top->setSpacing(16);
    top->addWidget(icon);
    top->addLayout(text, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addStretch();
    layout->addWidget(buttons);
    setMinimumWidth(560);
    setWindowModality(Qt::WindowModal);
}

} // namespace Longwatch
