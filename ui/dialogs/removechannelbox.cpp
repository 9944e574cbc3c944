#include "removechannelbox.h"

#include "channel.h"

#include <QCheckBox>
#include <QPushButton>

#include <climits>

namespace Longwatch {

RemoveChannelBox *RemoveChannelBox::open(const Channel *channel, qint64 storedEvents,
                                         QWidget *parent)
{
    if (!channel)
        return nullptr;
    auto *box = new RemoveChannelBox(channel, storedEvents, parent);
    box->QMessageBox::open();
    return box;
}

RemoveChannelBox::RemoveChannelBox(const Channel *channel, qint64 storedEvents, QWidget *parent)
    : QMessageBox(QMessageBox::Question, tr("Remove Channel"),
                  tr("Remove the channel \"%1\"?").arg(channel->name()), QMessageBox::NoButton,
                  parent)
{
    setInformativeText(tr("Longwatch stops watching it and forgets its settings and jobs. "
                          "Events already shown stay until you clear them."));
    if (storedEvents > 0) {
        m_forget = new QCheckBox(tr("Also delete its %n stored event(s) from the event log",
                                    nullptr, int(std::min<qint64>(storedEvents, INT_MAX))));
        m_forget->setObjectName(QStringLiteral("forgetHistory"));
        setCheckBox(m_forget);
    }
    QPushButton *remove = addButton(tr("Remove"), QMessageBox::DestructiveRole);
    addButton(QMessageBox::Cancel);
    setDefaultButton(QMessageBox::Cancel);
    setAttribute(Qt::WA_DeleteOnClose);
    connect(this, &QMessageBox::finished, this, [this, remove] {
        if (clickedButton() == remove)
            Q_EMIT removeConfirmed(m_forget && m_forget->isChecked());
    });
}

} // namespace Longwatch
