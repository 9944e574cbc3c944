#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QSsl>
#include <QSslCertificate>
#include <QSslError>
#include <QString>
#include <QStringList>

namespace Longwatch {

/// A server certificate as a person needs to see it to decide whether to
/// trust it.
struct CertificateInfo
{
    QString subject; ///< "CN=feeds.example, O=Example"
    QString issuer;  ///< same form
    QDateTime notBefore;
    QDateTime notAfter;
    QString sha256;        ///< 64 lower-case hex digits; what a pin stores
    QStringList hostNames; ///< subject alternative names (DNS and IP)

    static CertificateInfo fromCertificate(const QSslCertificate &certificate);
    bool isNull() const { return sha256.isEmpty(); }
    /// "AB:CD:..." as browsers show it.
    QString fingerprintText() const;
    /// One sentence: subject, issuer, validity, fingerprint.
    QString description() const;
};

/// Why the TLS handshake with a channel's server was refused, with the
/// certificate it presented; what the channel dialog shows next to a
/// "Trust this certificate" choice.
struct TlsFailure
{
    CertificateInfo certificate; ///< the server's own (leaf) certificate
    QList<QSslError::SslError> errors;
    QStringList errorStrings; ///< Qt's words for each error, in order
    bool pinned = false; ///< the certificate is pinned, but an error a pin does not cover remains

    bool isNull() const { return errors.isEmpty(); }
    /// Can pinning this certificate make the channel work? False for
    /// expiry, revocation, bad signatures and the like.
    bool canBePinned() const;
};

/// What the TLS handshake of a reply established, on either client (see
/// tlsPeerInfo() in networkaccessmanager.h): Qt's client gives it in the
/// reply's sslConfiguration(), Longwatch's own client, which speaks TLS
/// through OpenSSL directly, cannot put it there (QSslConfiguration has no
/// public setter for the peer's certificates).
struct TlsPeerInfo
{
    /// The certificates the server presented, its own first; on a resumed
    /// session only its own (the server sends none; the session kept it).
    QList<QSslCertificate> certificateChain;
    QSsl::SslProtocol protocol = QSsl::UnknownProtocol;
    /// What ALPN chose ("http/1.1"), or empty.
    QByteArray negotiatedProtocol;

    QSslCertificate certificate() const { return certificateChain.value(0); }
};

/// The SHA-256 fingerprint of a certificate, 64 lower-case hex digits.
QString certificateSha256(const QSslCertificate &certificate);

/// True for the errors a pinned certificate overrides: it is trusted by
/// its fingerprint instead of by a chain to a known CA, and it may name
/// another host (a self-signed certificate made for "localhost").
bool pinOverrides(QSslError::SslError error);

/// The errors to pass to QNetworkReply::ignoreSslErrors(): all of
/// `errors` if the server's certificate `leaf` is pinned and every error is
/// one a pin overrides, else none (a partial list would not let the
/// handshake through, and must not).
QList<QSslError> errorsToIgnore(const QList<QSslError> &errors, const QSslCertificate &leaf,
                                const QStringList &pinnedSha256);

/// The errors to ignore for a channel whose CA file is the only trust in
/// its TLS configuration (tlsConfiguration()): when every error is one of
/// trust (no chain to a CA of the configuration) and the server's `chain`
/// (leaf first) verifies, host name included, against the CAs of the
/// default configuration and the system's (QSslCertificate::verify()),
/// all of `errors`; else none. So a channel trusts the system's CAs and its
/// own, without copying the system's hundreds of CAs into the TLS context
/// of each of its connections (2.6 MiB a connection).
QList<QSslError> errorsTheSystemStoreClears(const QList<QSslError> &errors,
                                            const QList<QSslCertificate> &chain,
                                            const QString &hostName);

/// Translation context for the sentences of this file.
class TlsText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::TlsText)
};

} // namespace Longwatch
