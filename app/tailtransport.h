#pragma once

// longwatch-tail's transport options: the CA file, the client certificate
// and key, pins, proxy, basic or bearer authentication and the HTTP version,
// read from the command line onto the settings a dashboard channel has
// (ChannelConfig), so that both mean exactly the same.

#include <QCommandLineOption>
#include <QCoreApplication>
#include <QList>
#include <QString>

class QCommandLineParser;

namespace Longwatch {

struct PollerSettings;

/// The transport options of longwatch-tail's command line. Secrets (the key's
/// passphrase, the proxy password, the basic password, the bearer token, the
/// value of a secret --header) are taken only as `${env:NAME}` references: a command line is
/// visible to every user of the machine (ps, /proc/<pid>/cmdline).
class TailTransportOptions
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::TailTransportOptions)

public:
    TailTransportOptions();

    /// The options, for QCommandLineParser::addOptions().
    QList<QCommandLineOption> options() const;

    /// Puts what the parsed command line says on `settings` (its transport,
    /// and its headers or basic credentials), as ChannelConfig::pollerSettings()
    /// does for a dashboard channel with the same settings. Every value is
    /// checked here: the files are read, the pins and the proxy parsed, each
    /// `${env:NAME}` resolved once. Returns an empty string, or the sentence
    /// that says what is wrong (without the secret); the settings are then
    /// unusable. `settings.headers` must already hold the --header lines.
    QString read(const QCommandLineParser &parser, PollerSettings *settings) const;

private:
    QCommandLineOption m_caFile;
    QCommandLineOption m_clientCertificate;
    QCommandLineOption m_clientKey;
    QCommandLineOption m_clientKeyPassphrase;
    QCommandLineOption m_pin;
    QCommandLineOption m_proxy;
    QCommandLineOption m_proxyUser;
    QCommandLineOption m_proxyPassword;
    QCommandLineOption m_user;
    QCommandLineOption m_password;
    QCommandLineOption m_bearerToken;
    QCommandLineOption m_httpVersion;
};

} // namespace Longwatch
