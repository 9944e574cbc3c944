#pragma once

#include "channelconfig.h"

#include <QCoreApplication>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace Longwatch {

/// Where channel configurations live between runs. ChannelManager talks
/// only to this interface, so the QSettings store can give way to a real
/// database without the UI noticing.
class ChannelStore
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ChannelStore)
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
