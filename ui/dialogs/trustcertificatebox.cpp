#include "trustcertificatebox.h"

#include "channel.h"
#include "tlsinfo.h"

#include <QLocale>
#include <QPointer>
#include <QPushButton>

namespace Longwatch {

TrustCertificateBox *TrustCertificateBox::open(Channel *channel, QWidget *parent)
{
    if (!channel || !channel->tlsFailure().canBePinned())
        return nullptr;
    auto *box = new TrustCertificateBox(channel, parent);
    box->QMessageBox::open();
    return box;
}

TrustCertificateBox::TrustCertificateBox(Channel *channel, QWidget *parent)
    : QMessageBox(QMessageBox::Warning, tr("Trust This Certificate?"), {},
                  QMessageBox::Yes | QMessageBox::Cancel, parent)
{
    const TlsFailure failure = channel->tlsFailure();
    const CertificateInfo &certificate = failure.certificate;
    setObjectName(QStringLiteral("trustCertificateBox"));
    setAttribute(Qt::WA_DeleteOnClose);
    setText(tr("The server of %1 presented a certificate that could not be verified: %2")
                .arg(channel->name(), failure.errorStrings.join(QLatin1Char(' '))));
    setInformativeText(
        tr("Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256: %5\n\nTrust only a "
           "certificate you recognise. This channel will accept exactly this certificate "
           "from now on; other channels are not affected.")
            .arg(certificate.subject, certificate.issuer,
                 QLocale().toString(certificate.notBefore, QLocale::ShortFormat),
                 QLocale().toString(certificate.notAfter, QLocale::ShortFormat),
                 certificate.fingerprintText()));
    button(QMessageBox::Yes)->setText(tr("&Trust This Certificate"));
    setDefaultButton(QMessageBox::Cancel);
    const QPointer<Channel> guard(channel);
    const QString sha256 = certificate.sha256;
    connect(this, &QMessageBox::accepted, this, [this, guard, sha256] {
        if (guard && guard->trustCertificate(sha256))
            Q_EMIT trusted(guard->name());
    });
}

} // namespace Longwatch
