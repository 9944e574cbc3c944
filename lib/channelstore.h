#pragma once

#include "channelconfig.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QSettings;

namespace Longwatch {

class SecretStore;

/// Where channel configurations live between runs. ChannelManager talks
/// only to this interface, so the QSettings store can give way to a real
/// database without the UI noticing.
class ChannelStore
{
public:
    virtual ~ChannelStore();

    virtual QList<ChannelConfig> load() = 0;
    /// Replaces everything stored with `channels`, in this order.
    virtual void save(const QList<ChannelConfig> &channels) = 0;
    /// Fills in the secrets of `config` named in pendingSecretFields (and
    /// clears that list); `done` gets the result, later or at once, unless
    /// `context` is gone. This one has nothing to fill in.
    virtual void readSecrets(const ChannelConfig &config, QObject *context,
                             std::function<void(const ChannelConfig &)> done);
    /// Why secrets are less protected than they could be (shown where they
    /// are entered); empty if they are safe or not stored at all.
    virtual QString secretWarning() const { return {}; }
    /// Where secrets are kept, in words for the About box ("In the system
    /// keychain", "In /home/…/secrets.json, …"). This one keeps none.
    virtual QString secretLocation() const { return secretsForgotten(); }
    /// The sentence for a store that keeps no secrets: they are forgotten
    /// when Longwatch quits.
    static QString secretsForgotten();

protected:
    ChannelStore() = default;
};

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

/// Keeps channels in memory only (tests, --demo without saving).
class MemoryChannelStore final : public ChannelStore
{
public:
    QList<ChannelConfig> load() override { return m_channels; }
    void save(const QList<ChannelConfig> &channels) override { m_channels = channels; }

private:
    QList<ChannelConfig> m_channels;
};

} // namespace Longwatch
