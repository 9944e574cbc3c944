#pragma once

#include <QDialog>
#include <QMessageBox>

class QCheckBox;

namespace Longwatch {

class Channel;

/// "Trust This Certificate?": the certificate a channel's server presented
/// and why it could not be verified. Yes pins it for that channel only and
/// reconnects. Window-modal; deletes itself when closed.
class TrustCertificateBox final : public QMessageBox
{
    Q_OBJECT
public:
    /// nullptr if `channel` has no certificate that pinning would let through.
    static TrustCertificateBox *open(Channel *channel, QWidget *parent);

Q_SIGNALS:
    /// The certificate is trusted from now on; the channel reconnects.
    void trusted(const QString &channelName);

private:
    TrustCertificateBox(Channel *channel, QWidget *parent);
};

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
