#include "tailtransport.h"

#include "channelconfig.h"
#include "environmentreferences.h"
#include "poller.h"
#include "redact.h"
#include "transport.h"

#include <QCommandLineParser>
#include <QUrl>

namespace Longwatch {

TailTransportOptions::TailTransportOptions()
    : m_caFile(QStringLiteral("ca-file"),
               tr("Trust the CA certificates in this PEM or DER file for https, besides the "
                  "system's."),
               tr("FILE"))
    , m_clientCertificate(QStringLiteral("client-cert"),
                          tr("Present this client certificate to servers that ask for one: a PEM "
                             "file (which may hold the key too) or a PKCS#12 file (.p12, .pfx)."),
                          tr("FILE"))
    , m_clientKey(QStringLiteral("client-key"),
                  tr("The client certificate's private key (PEM), when it is not in the "
                     "certificate's file."),
                  tr("FILE"))
    , m_clientKeyPassphrase(QStringLiteral("client-key-passphrase"),
                            tr("The passphrase of the key or PKCS#12 file, as a reference to an "
                               "environment variable: '${env:NAME}'."),
                            tr("${env:NAME}"))
    , m_pin(QStringLiteral("pin"),
            tr("Trust the server certificate with this SHA-256 fingerprint although it fails "
               "verification (self-signed, unknown issuer, other host name; not expired); "
               "repeatable."),
            tr("SHA256"))
    , m_proxy(QStringLiteral("proxy"),
              tr("Poll through this proxy: http://HOST[:PORT] or socks5://HOST[:PORT], or 'none' "
                 "for no proxy at all (default: the system's proxy settings)."),
              tr("URL"))
    , m_proxyUser(QStringLiteral("proxy-user"),
                  tr("The user name the proxy asks for; may be '${env:NAME}'."), tr("NAME"))
    , m_proxyPassword(QStringLiteral("proxy-password"),
                      tr("The proxy's password, as '${env:NAME}'."), tr("${env:NAME}"))
    , m_user(QStringLiteral("user"),
             tr("Basic authentication with this user name; may be '${env:NAME}'."), tr("NAME"))
    , m_password(QStringLiteral("password"),
                 tr("The basic authentication password, as '${env:NAME}'."), tr("${env:NAME}"))
    , m_bearerToken(QStringLiteral("bearer-token"),
                    tr("Send 'Authorization: Bearer' with the token in this environment "
                       "variable: '${env:NAME}'."),
                    tr("${env:NAME}"))
    , m_httpVersion(QStringLiteral("http-version"),
                    tr("auto (HTTP/1.1 on Longwatch's client; HTTP/2 only through a proxy that "
                       "offers it), 1.1 (never HTTP/2) "
                       "or 2 (HTTP/2; for http:// without asking first). Default auto."),
                    tr("VERSION"), QStringLiteral("auto"))
{}

QList<QCommandLineOption> TailTransportOptions::options() const
{
    return {m_caFile,      m_clientCertificate,
            m_clientKey,   m_clientKeyPassphrase,
            m_pin,         m_proxy,
            m_proxyUser,   m_proxyPassword,
            m_user,        m_password,
            m_bearerToken, m_httpVersion};
}

QString TailTransportOptions::read(const QCommandLineParser &parser, PollerSettings *settings) const
{
    const auto name = [](const QCommandLineOption &option) {
        return QLatin1String("--") + option.names().constFirst();
    };
    // "--password refers to the environment variable X, which is not set."
    const auto unsetReference = [](const QString &what, const QByteArray &value) -> QString {
        QString missing;
        if (resolveEnvironmentReferences(value, &missing))
            return {};
        return tr("%1 refers to the environment variable %2, which is not set.").arg(what, missing);
    };
    // A secret is taken only from the environment; the value is never said.
    const auto readSecret = [&](const QCommandLineOption &option, QString *target) -> QString {
        if (!parser.isSet(option))
            return {};
        const QString value = parser.value(option);
        if (!isReferenceOnly(value))
            return tr("%1 takes a reference to an environment variable that holds the secret, "
                      "as '${env:NAME}', not the secret itself: command lines are visible to "
                      "other users of this computer.")
                .arg(name(option));
        if (QString problem = unsetReference(name(option), value.toUtf8()); !problem.isEmpty())
            return problem;
        *target = value;
        return {};
    };
    // A user name may be written out or come from the environment.
    const auto readName = [&](const QCommandLineOption &option, QString *target) -> QString {
        if (!parser.isSet(option))
            return {};
        const QString value = parser.value(option);
        if (QString problem = unsetReference(name(option), value.toUtf8()); !problem.isEmpty())
            return problem;
        *target = value;
        return {};
    };

    // A credential in a --header (Authorization, X-Api-Key, ...) follows the
    // same rule: its value must come from the environment.
    for (const auto &[header, value] : std::as_const(settings->headers)) {
        if (isSecretHeader(header) && !isReferenceOnly(QString::fromUtf8(value), true))
            return tr("--header %1 takes its value from an environment variable, as "
                      "'%1: ${env:NAME}', not the secret itself: command lines are visible "
                      "to other users of this computer.")
                .arg(QString::fromLatin1(header));
        if (QString problem =
                unsetReference(QStringLiteral("--header ") + QString::fromLatin1(header), value);
            !problem.isEmpty())
            return problem;
    }

    // Written onto a dashboard channel's settings, which pollerSettings()
    // turns into the Poller's: the same meaning in both programs.
    ChannelConfig config;
    config.timing = *settings;
    config.headers = settings->headers;
    TransportOptions &transport = config.timing.transport;
    TlsSettings &tls = transport.tls;

    tls.caCertificatesFile = parser.value(m_caFile);
    tls.clientCertificateFile = parser.value(m_clientCertificate);
    tls.clientKeyFile = parser.value(m_clientKey);
    if (QString problem = readSecret(m_clientKeyPassphrase, &tls.clientKeyPassphrase);
        !problem.isEmpty())
        return problem;
    if (parser.isSet(m_clientKeyPassphrase) && tls.clientCertificateFile.isEmpty())
        return tr("%1 needs %2.").arg(name(m_clientKeyPassphrase), name(m_clientCertificate));
    tls.pinnedSha256 = parser.values(m_pin);

    if (parser.isSet(m_proxy)) {
        const QString value = parser.value(m_proxy);
        if (value == QLatin1String("none")) {
            transport.proxy.mode = ProxySettings::Mode::NoProxy;
        } else {
            const QUrl url(value, QUrl::StrictMode);
            if (!url.password().isEmpty())
                return tr("--proxy takes no password: give it with --proxy-password as "
                          "'${env:NAME}', because command lines are visible to other users of "
                          "this computer.");
            QString error;
            const std::optional<ProxySettings> proxy = ProxySettings::fromUrl(url, &error);
            if (!proxy)
                return tr("--proxy: %1").arg(error);
            transport.proxy = *proxy;
        }
    }
    if (QString problem = readName(m_proxyUser, &transport.proxy.user); !problem.isEmpty())
        return problem;
    if (QString problem = readSecret(m_proxyPassword, &transport.proxy.password);
        !problem.isEmpty())
        return problem;
    const bool ownProxy = transport.proxy.mode == ProxySettings::Mode::Http ||
                          transport.proxy.mode == ProxySettings::Mode::Socks5;
    if ((parser.isSet(m_proxyUser) || parser.isSet(m_proxyPassword)) && !ownProxy)
        return tr("--proxy-user and --proxy-password need --proxy http://... or socks5://....");
    if (parser.isSet(m_proxyPassword) && transport.proxy.user.isEmpty())
        return tr("--proxy-password needs --proxy-user.");

    if (parser.isSet(m_user) || parser.isSet(m_password)) {
        config.auth = ChannelConfig::Auth::Basic;
        if (QString problem = readName(m_user, &config.user); !problem.isEmpty())
            return problem;
        if (QString problem = readSecret(m_password, &config.password); !problem.isEmpty())
            return problem;
        if (config.user.isEmpty())
            return tr("--password needs --user.");
    }
    if (parser.isSet(m_bearerToken)) {
        if (config.auth != ChannelConfig::Auth::None)
            return tr("Choose basic authentication (--user) or a bearer token (--bearer-token), "
                      "not both.");
        config.auth = ChannelConfig::Auth::Bearer;
        if (QString problem = readSecret(m_bearerToken, &config.token); !problem.isEmpty())
            return problem;
    }

    const QString version = parser.value(m_httpVersion);
    if (version == QLatin1String("auto"))
        transport.httpVersion = HttpVersion::Automatic;
    else if (version == QLatin1String("1.1"))
        transport.httpVersion = HttpVersion::Http1Only;
    else if (version == QLatin1String("2"))
        transport.httpVersion = HttpVersion::Http2;
    else
        return tr("--http-version takes auto, 1.1 or 2.");

    // The dashboard's rules for these settings (pins, a key without its
    // certificate, the proxy's host and port), written once.
    for (const ChannelConfig::Problem &problem : config.problems()) {
        switch (problem.field) {
        case ChannelConfig::Field::Token:
        case ChannelConfig::Field::User:
        case ChannelConfig::Field::Proxy:
        case ChannelConfig::Field::ClientKey:
        case ChannelConfig::Field::PinnedCertificates:
            return problem.sentence;
        default:
            break;
        }
    }
    // The files are read now, so that a missing one is a bad argument
    // rather than a channel that fails later.
    if (!tls.caCertificatesFile.isEmpty() || !tls.clientCertificateFile.isEmpty()) {
        QString error;
        if (!tlsConfiguration(tls, &error))
            return error;
    }

    *settings = config.pollerSettings();
    return {};
}

} // namespace Longwatch
