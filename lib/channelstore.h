#pragma once

#include "channelconfig.h"

#include <QList>
#include <QString>

class QSettings;

namespace Longwatch {

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

protected:
    ChannelStore() = default;
};

/// Keeps channels in a QSettings array "channels".
class SettingsChannelStore final : public ChannelStore
{
public:
    /// `settings` is not owned; nullptr means the application's default QSettings.
    explicit SettingsChannelStore(QSettings *settings = nullptr);

    QList<ChannelConfig> load() override;
    void save(const QList<ChannelConfig> &channels) override;

private:
    QSettings *m_settings;
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
