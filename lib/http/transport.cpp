#include "transport.h"

#include "environmentreferences.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QSslCertificate>
#include <QSslKey>

namespace Longwatch {

namespace {

void addField(QCryptographicHash &hash, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
    hash.addData(QByteArray::number(bytes.size()) + ':');
    hash.addData(bytes);
}

void addProxy(QCryptographicHash &hash, const ProxySettings &proxy)
{
    addField(hash, QString::number(int(proxy.mode)));
    if (proxy.mode == ProxySettings::Mode::Http || proxy.mode == ProxySettings::Mode::Socks5) {
        addField(hash, proxy.host.toLower());
        addField(hash, QString::number(proxy.port));
    }
    // Credentials matter for System too: the system's proxy may ask.
    addField(hash, proxy.user);
    addField(hash, proxy.password);
}

QByteArray readFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = TransportText::tr("Could not read %1: %2.").arg(path, file.errorString());
        return {};
    }
    // Certificates and keys are small; a huge file is a wrong file.
    constexpr qint64 kMaxFile = 1024 * 1024;
    const QByteArray data = file.read(kMaxFile + 1);
    if (data.size() > kMaxFile) {
        *error = TransportText::tr("%1 is too large to be a certificate or key file.").arg(path);
        return {};
    }
    return data;
}

QList<QSslCertificate> certificatesIn(const QByteArray &data)
{
    QList<QSslCertificate> certificates = QSslCertificate::fromData(data, QSsl::Pem);
    if (certificates.isEmpty())
        certificates = QSslCertificate::fromData(data, QSsl::Der);
    return certificates;
}

/// certificatesIn() for a CA file, the same list (the same data) for the
/// same bytes: a thousand channels with one CA file hold one parsed copy of
/// its certificates rather than one each (10 KiB an idle https channel in
/// bench_tls), and their TLS configurations are told equal at the cost of
/// a pointer comparison (Http1ConnectionPool::tlsKey()). The file is still read every time, so a
/// changed file is parsed again. A few recent files; thread-safe.
QList<QSslCertificate> caCertificatesIn(const QByteArray &data)
{
    static QMutex mutex;
    // Never destroyed: certificates outliving Qt's TLS backend at exit
    // would be freed through it.
    static auto *const recent = new QList<std::pair<QByteArray, QList<QSslCertificate>>>;
    constexpr qsizetype kRecent = 8;
    QMutexLocker locker(&mutex);
    for (const auto &[bytes, certificates] : std::as_const(*recent)) {
        if (bytes == data)
            return certificates;
    }
    const QList<QSslCertificate> certificates = certificatesIn(data);
    if (recent->size() >= kRecent)
        recent->removeFirst();
    recent->append({data, certificates});
    return certificates;
}

QSslKey privateKeyIn(const QByteArray &data, const QByteArray &passphrase)
{
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey key(data, algorithm, QSsl::Pem, QSsl::PrivateKey, passphrase);
        if (!key.isNull())
            return key;
    }
    return {};
}

} // namespace

std::optional<ProxySettings> ProxySettings::fromUrl(const QUrl &url, QString *error)
{
    const auto fail = [error](const QString &sentence) -> std::optional<ProxySettings> {
        if (error)
            *error = sentence;
        return std::nullopt;
    };
    if (!url.isValid() || url.host().isEmpty())
        return fail(
            TransportText::tr("The proxy address needs a host, e.g. http://proxy.example:3128."));
    ProxySettings proxy;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("http")) {
        proxy.mode = Mode::Http;
        proxy.port = quint16(url.port(8080));
    } else if (scheme == QLatin1String("socks5") || scheme == QLatin1String("socks5h")) {
        proxy.mode = Mode::Socks5;
        proxy.port = quint16(url.port(1080));
    } else {
        return fail(TransportText::tr("The proxy address must start with http:// or socks5:// "
                                      "(\"%1\" is not supported).")
                        .arg(url.scheme()));
    }
    if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
        return fail(TransportText::tr("The proxy address must not have a path."));
    proxy.host = url.host();
    proxy.user = url.userName();
    proxy.password = url.password();
    return proxy;
}

QUrl ProxySettings::toUrl() const
{
    if (mode != Mode::Http && mode != Mode::Socks5)
        return {};
    QUrl url;
    url.setScheme(mode == Mode::Http ? QStringLiteral("http") : QStringLiteral("socks5"));
    url.setHost(host);
    url.setPort(port);
    url.setUserName(user);
    return url;
}

QString ProxySettings::displayName() const
{
    if (mode != Mode::Http && mode != Mode::Socks5)
        return {};
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

std::optional<QNetworkProxy> ProxySettings::networkProxy() const
{
    switch (mode) {
    case Mode::System:
        return std::nullopt;
    case Mode::NoProxy:
        return QNetworkProxy(QNetworkProxy::NoProxy);
    case Mode::Http:
        return QNetworkProxy(QNetworkProxy::HttpProxy, host, port);
    case Mode::Socks5:
        return QNetworkProxy(QNetworkProxy::Socks5Proxy, host, port);
    }
    return std::nullopt;
}

QByteArray TransportOptions::connectionKey() const
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    addProxy(hash, proxy);
    addField(hash, QString::number(int(httpVersion)));
    addField(hash, tls.caCertificatesFile);
    addField(hash, tls.clientCertificateFile);
    addField(hash, tls.clientKeyFile);
    addField(hash, tls.clientKeyPassphrase);
    QStringList pins;
    for (const QString &pin : tls.pinnedSha256)
        pins << normalizedFingerprint(pin);
    pins.sort();
    pins.removeDuplicates();
    addField(hash, pins.join(QLatin1Char(',')));
    return hash.result().toHex();
}

QByteArray TransportOptions::managerKey() const
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    addProxy(hash, proxy);
    return hash.result().toHex();
}

std::optional<QSslConfiguration> tlsConfiguration(const TlsSettings &settings, QString *error)
{
    QString problem;
    const auto fail = [&]() -> std::optional<QSslConfiguration> {
        if (error)
            *error = problem;
        return std::nullopt;
    };
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();

    if (!settings.caCertificatesFile.isEmpty()) {
        const QByteArray data = readFile(settings.caCertificatesFile, &problem);
        if (!problem.isEmpty())
            return fail();
        const QList<QSslCertificate> cas = caCertificatesIn(data);
        if (cas.isEmpty()) {
            problem = TransportText::tr("%1 holds no certificate (PEM or DER expected).")
                          .arg(settings.caCertificatesFile);
            return fail();
        }
        // Only the channel's CAs in the configuration: the system's (some
        // 290) copied into every connection's TLS context cost 2.6 MiB a
        // connection. A chain to a system CA is still trusted: the Poller
        // verifies it against the system store when the handshake finds no
        // chain to the channel's CAs (errorsTheSystemStoreClears()).
        configuration.setCaCertificates(cas);
    }

    if (!settings.clientCertificateFile.isEmpty()) {
        QString missing;
        const std::optional<QByteArray> passphrase =
            resolveEnvironmentReferences(settings.clientKeyPassphrase.toUtf8(), &missing);
        if (!passphrase) {
            problem = TransportText::tr("The client key's passphrase refers to the environment "
                                        "variable %1, which is not set.")
                          .arg(missing);
            return fail();
        }
        const QString suffix = QFileInfo(settings.clientCertificateFile).suffix().toLower();
        QSslCertificate certificate;
        QSslKey key;
        if (suffix == QLatin1String("p12") || suffix == QLatin1String("pfx")) {
            QFile file(settings.clientCertificateFile);
            if (!file.open(QIODevice::ReadOnly)) {
                problem = TransportText::tr("Could not read %1: %2.")
                              .arg(settings.clientCertificateFile, file.errorString());
                return fail();
            }
            QList<QSslCertificate> chain;
            if (!QSslCertificate::importPkcs12(&file, &key, &certificate, &chain, *passphrase)) {
                problem = TransportText::tr("%1 is not a PKCS#12 file, or the passphrase is wrong.")
                              .arg(settings.clientCertificateFile);
                return fail();
            }
        } else {
            const QByteArray data = readFile(settings.clientCertificateFile, &problem);
            if (!problem.isEmpty())
                return fail();
            const QList<QSslCertificate> certificates = certificatesIn(data);
            if (certificates.isEmpty()) {
                problem = TransportText::tr("%1 holds no certificate (PEM expected).")
                              .arg(settings.clientCertificateFile);
                return fail();
            }
            certificate = certificates.first();
            const QString keyPath = settings.clientKeyFile.isEmpty()
                                        ? settings.clientCertificateFile
                                        : settings.clientKeyFile;
            const QByteArray keyData =
                keyPath == settings.clientCertificateFile ? data : readFile(keyPath, &problem);
            if (!problem.isEmpty())
                return fail();
            key = privateKeyIn(keyData, *passphrase);
            if (key.isNull()) {
                problem = TransportText::tr("%1 holds no private key that can be read (PEM, RSA "
                                            "or EC; is the passphrase right?).")
                              .arg(keyPath);
                return fail();
            }
        }
        configuration.setLocalCertificate(certificate);
        configuration.setPrivateKey(key);
    }
    return configuration;
}

QString normalizedFingerprint(const QString &text)
{
    QString hex;
    hex.reserve(64);
    for (const QChar c : text) {
        if (c == QLatin1Char(':') || c.isSpace())
            continue;
        const bool isHex = (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                           (c >= QLatin1Char('a') && c <= QLatin1Char('f')) ||
                           (c >= QLatin1Char('A') && c <= QLatin1Char('F'));
        if (!isHex)
            return {};
        hex += c.toLower();
    }
    return hex.size() == 64 ? hex : QString();
}

} // namespace Longwatch
