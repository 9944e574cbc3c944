#pragma once

#include <QCoreApplication>
#include <QList>
#include <QNetworkProxy>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace Longwatch {

/// Which proxy a channel's requests go through.
struct ProxySettings
{
    enum class Mode {
        System,  ///< the application's proxy: the system's settings (main() enables them)
        NoProxy, ///< straight to the server, whatever the system says
        Http,    ///< an HTTP proxy (CONNECT for https)
        Socks5,  ///< a SOCKS5 proxy
    };

    Mode mode = Mode::System;
    QString host;
    quint16 port = 0;
    /// Credentials for the proxy, answered when it asks (407 or SOCKS5
    /// user/password). Secrets: never logged. Either may be a
    /// `${env:NAME}` reference, resolved when the proxy asks.
    QString user;
    QString password;

    /// Parses "http://[user[:password]@]host[:port]" or "socks5://...".
    /// The port defaults to 8080 (http) and 1080 (socks5). Returns nullopt
    /// and a sentence in `error` for anything else.
    static std::optional<ProxySettings> fromUrl(const QUrl &url, QString *error = nullptr);
    /// "http://user@host:port" for Http/Socks5, without the password; empty otherwise.
    QUrl toUrl() const;
    /// "proxy.example:3128" for sentences; empty for System/NoProxy.
    QString displayName() const;
    /// The QNetworkProxy to set on a manager, or nullopt for System (the
    /// application's proxy applies). Credentials are not put in it: they
    /// are answered from proxyAuthenticationRequired.
    std::optional<QNetworkProxy> networkProxy() const;

    friend bool operator==(const ProxySettings &, const ProxySettings &) = default;
};

/// Which HTTP version a channel speaks.
enum class HttpVersion {
    Automatic, ///< HTTP/1.1, on Longwatch's own client for http and https (ALPN offers
               ///< http/1.1 only); through a proxy Qt's client, which takes HTTP/2 over
               ///< https when the server offers it
    Http1Only, ///< never HTTP/2 (for servers that misbehave with it)
    Http2,     ///< HTTP/2 on Qt's client: over https offered by ALPN (HTTP/1.1 if the server
               ///< declines), for http:// by prior knowledge (h2c, no fallback)
};

/// What a channel trusts and shows when it speaks TLS.
struct TlsSettings
{
    /// A PEM (or DER) file of CA certificates trusted for this channel in
    /// addition to the system's. Empty: the system's CAs only.
    QString caCertificatesFile;
    /// The channel's client certificate for servers that ask for one
    /// (mutual TLS): a PEM file (which may also hold the key), or a
    /// PKCS#12 file (.p12/.pfx) holding certificate and key.
    QString clientCertificateFile;
    /// The client certificate's private key (PEM, RSA or EC). Empty: it is
    /// in clientCertificateFile.
    QString clientKeyFile;
    /// Passphrase of the key or PKCS#12 file. A secret; may be `${env:NAME}`.
    QString clientKeyPassphrase;
    /// SHA-256 fingerprints (hex; colons and spaces ignored) of server
    /// certificates this channel trusts although they fail verification
    /// (self-signed, unknown issuer, other host name). Only those errors
    /// are overlooked, only for exactly these certificates; an expired or
    /// revoked certificate still fails.
    QStringList pinnedSha256;

    friend bool operator==(const TlsSettings &, const TlsSettings &) = default;
};

/// How one channel reaches its server: proxy, TLS trust and identity, HTTP
/// version. Part of PollerSettings; NetworkPool::acquire() takes it too,
/// because a proxy belongs to a network access manager and connections on
/// a manager are shared by every request to the same server.
struct TransportOptions
{
    ProxySettings proxy;
    TlsSettings tls;
    HttpVersion httpVersion = HttpVersion::Automatic;

    /// Equal for options whose requests may share a connection (same proxy,
    /// same credentials, same TLS trust and identity, same HTTP version).
    /// A digest: holds no secret.
    QByteArray connectionKey() const;
    /// Equal for options that may share a network access manager (same
    /// proxy and proxy credentials). A digest: holds no secret.
    QByteArray managerKey() const;

    friend bool operator==(const TransportOptions &, const TransportOptions &) = default;
};

/// Builds the TLS configuration of a channel's requests: the default
/// configuration plus the channel's CA certificates and client identity.
/// Returns nullopt and a sentence naming the file and the problem in
/// `error` if a file cannot be read or holds nothing usable.
std::optional<QSslConfiguration> tlsConfiguration(const TlsSettings &settings, QString *error);

/// A fingerprint as the person may have typed it ("AB:CD ...", "abcd...")
/// as 64 lower-case hex digits, or an empty string if it is not a SHA-256
/// fingerprint.
QString normalizedFingerprint(const QString &text);

/// Translation context for the sentences of this file.
class TransportText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::TransportText)
};

} // namespace Longwatch
