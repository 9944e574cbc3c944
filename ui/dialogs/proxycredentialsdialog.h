#pragma once

#include <QDialog>

namespace Longwatch {

class Channel;

/// Asks for the user and password a channel's proxy refused; OK keeps them
/// for the channel and reconnects. Window-modal; deletes itself when closed.
class ProxyCredentialsDialog final : public QDialog
{
    Q_OBJECT
public:
    /// `secretWarning` (may be empty) says where the password will be kept
    /// when that is not the system keychain.
    static ProxyCredentialsDialog *open(Channel *channel, const QString &secretWarning,
                                        QWidget *parent);

private:
    ProxyCredentialsDialog(Channel *channel, const QString &secretWarning, QWidget *parent);
};

} // namespace Longwatch
