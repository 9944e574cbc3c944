#include "tlsinfo.h"

#include "transport.h"

#include <QCryptographicHash>

namespace Longwatch {

namespace {

QString distinguishedName(const QSslCertificate &certificate, bool issuer)
{
    QStringList parts;
    const QList<QByteArray> attributes =
        issuer ? certificate.issuerInfoAttributes() : certificate.subjectInfoAttributes();
    for (const QByteArray &attribute : attributes) {
        const QStringList values =
            issuer ? certificate.issuerInfo(attribute) : certificate.subjectInfo(attribute);
        for (const QString &value : values)
            parts << QStringLiteral("%1=%2").arg(QString::fromLatin1(attribute), value);
    }
    return parts.isEmpty() ? TlsText::tr("(no name)") : parts.join(QStringLiteral(", "));
}

QString dateText(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"))
                          : TlsText::tr("(unknown)");
}

} // namespace

CertificateInfo CertificateInfo::fromCertificate(const QSslCertificate &certificate)
{
    CertificateInfo info;
    if (certificate.isNull())
        return info;
    info.subject = distinguishedName(certificate, false);
    info.issuer = distinguishedName(certificate, true);
    info.notBefore = certificate.effectiveDate();
    info.notAfter = certificate.expiryDate();
    info.sha256 = certificateSha256(certificate);
    const auto names = certificate.subjectAlternativeNames();
    for (auto it = names.cbegin(); it != names.cend(); ++it)
        info.hostNames << it.value();
    return info;
}

QString CertificateInfo::fingerprintText() const
{
    QStringList pairs;
    for (qsizetype i = 0; i + 1 < sha256.size(); i += 2)
        pairs << sha256.mid(i, 2).toUpper();
    return pairs.join(QLatin1Char(':'));
}

QString CertificateInfo::description() const
{
    if (isNull())
        return TlsText::tr("The server presented no certificate.");
    return TlsText::tr("Certificate for %1, issued by %2, valid from %3 to %4, SHA-256 "
                       "fingerprint %5.")
        .arg(subject, issuer, dateText(notBefore), dateText(notAfter), fingerprintText());
}

bool TlsFailure::canBePinned() const
{
    return !errors.isEmpty() && !certificate.isNull() &&
           std::all_of(errors.cbegin(), errors.cend(), pinOverrides);
}

QString certificateSha256(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex());
}

bool pinOverrides(QSslError::SslError error)
{
    switch (error) {
    // Trust: the pin replaces the chain to a known CA.
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::CertificateUntrusted:
    // The name: the pin identifies the server, whatever name it was made for.
    case QSslError::HostNameMismatch:
        return true;
    default:
        // Expired, not yet valid, revoked, rejected, bad signature, unusable
        // purpose...: a pin says "this certificate", not "whatever happens to it".
        return false;
    }
}

QList<QSslError> errorsToIgnore(const QList<QSslError> &errors, const QSslCertificate &leaf,
                                const QStringList &pinnedSha256)
{
    if (errors.isEmpty() || leaf.isNull())
        return {};
    const QString fingerprint = certificateSha256(leaf);
    const bool pinned =
        std::any_of(pinnedSha256.cbegin(), pinnedSha256.cend(),
                    [&](const QString &pin) { return normalizedFingerprint(pin) == fingerprint; });
    if (!pinned)
        return {};
    for (const QSslError &error : errors) {
        if (!pinOverrides(error.error()))
            return {};
    }
    // The exact errors as reported, each naming its certificate: Qt
    // overlooks an error only if type and certificate both match.
    return errors;
}

QList<QSslError> errorsTheSystemStoreClears(const QList<QSslError> &errors,
                                            const QList<QSslCertificate> &chain,
                                            const QString &hostName)
{
    if (errors.isEmpty() || chain.isEmpty())
        return {};
    for (const QSslError &error : errors) {
        switch (error.error()) {
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::CertificateUntrusted:
            break;
        default:
            // Expiry, the host name, a self-signed leaf...: not a question
            // of which CAs are trusted.
            return {};
        }
    }
    // Verified again from the start, host name included; the chain's own
    // root, if the server sent it, is no trust of its own.
    return QSslCertificate::verify(chain, hostName).isEmpty() ? errors : QList<QSslError>();
}

} // namespace Longwatch
