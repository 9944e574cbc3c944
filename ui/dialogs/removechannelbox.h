#pragma once

#include <QMessageBox>

class QCheckBox;

namespace Longwatch {

class Channel;

/// "Remove the channel …?", with the choice to delete its `storedEvents`
/// from the event log too (offered when there are any). Window-modal;
/// deletes itself when closed.
class RemoveChannelBox final : public QMessageBox
{
    Q_OBJECT
public:
    static RemoveChannelBox *open(const Channel *channel, qint64 storedEvents, QWidget *parent);

Q_SIGNALS:
    /// The user chose Remove; `forgetEvents`: delete the stored events too.
    void removeConfirmed(bool forgetEvents);

private:
    RemoveChannelBox(const Channel *channel, qint64 storedEvents, QWidget *parent);

    QCheckBox *m_forget = nullptr;
};

} // namespace Longwatch
