#pragma once

#include "channelstore.h"

#include <QObject>

#include <memory>

class QSettings;

namespace Longwatch {

class SecretStore;

/// Keeps channels in a QSettings array "channels", and their secrets
/// (token, passwords, key passphrase, values of secret headers, the secret
/// parts of the address) in a SecretStore (never in the settings file).
/// Without a SecretStore secrets are not kept at all. load() moves
/// plain-text secrets found in the file (written by older versions) into
/// the SecretStore. The settings file is private to the user (0600).
class SettingsChannelStore final : public ChannelStore
{
public:
    /// `settings` is not owned; nullptr means the application's default QSettings.
    explicit SettingsChannelStore(QSettings *settings = nullptr,
                                  std::shared_ptr<SecretStore> secrets = {});
    ~SettingsChannelStore() override;

    void setSecretStore(std::shared_ptr<SecretStore> secrets);
    SecretStore *secretStore() const { return m_secrets.get(); }

    QList<ChannelConfig> load() override;
    void save(const QList<ChannelConfig> &channels) override;
    void readSecrets(const ChannelConfig &config, QObject *context,
                     std::function<void(const ChannelConfig &)> done) override;
    QString secretWarning() const override;
    QString secretLocation() const override;

    /// Makes the file of `settings` (nullptr: the application's default
    /// QSettings) readable by the user alone (0600): created so if it is
    /// missing, narrowed if an older version left it readable by others.
    /// Settings that are no file (the Windows registry) are left alone.
    /// The dashboard calls it at start, before anything is written, and
    /// save() again.
    static bool makeFilePrivate(QSettings *settings = nullptr);

private:
    QSettings *m_settings;
    std::shared_ptr<SecretStore> m_secrets;
    QObject m_context; ///< ends the SecretStore's callbacks with the store
};

} // namespace Longwatch
