#pragma once

#include <QMessageBox>

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

} // namespace Longwatch
