#include "channelstore.h"

#include "logging.h"

#include <QSettings>

#include <memory>

namespace Longwatch {

ChannelStore::~ChannelStore() = default;

SettingsChannelStore::SettingsChannelStore(QSettings *settings)
    : m_settings(settings)
{}

QList<ChannelConfig> SettingsChannelStore::load()
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
    QList<ChannelConfig> channels;
    const int count = settings->beginReadArray(QStringLiteral("channels"));
    for (int i = 0; i < count; ++i) {
        settings->setArrayIndex(i);
        QVariantMap map;
        const QStringList keys = settings->childKeys();
        for (const QString &key : keys)
            map.insert(key, settings->value(key));
        // Nested maps come back as groups in some QSettings formats.
        if (!map.contains(QStringLiteral("knobs"))) {
            settings->beginGroup(QStringLiteral("knobs"));
            QVariantMap knobs;
            const QStringList knobKeys = settings->childKeys();
            for (const QString &key : knobKeys)
                knobs.insert(key, settings->value(key));
            settings->endGroup();
            map.insert(QStringLiteral("knobs"), knobs);
        }
        channels.append(ChannelConfig::fromVariantMap(map));
    }
    settings->endArray();
    qCDebug(lcStore) << "loaded" << channels.size() << "channel(s) from" << settings->fileName();
    return channels;
}

void SettingsChannelStore::save(const QList<ChannelConfig> &channels)
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
    settings->remove(QStringLiteral("channels"));
    settings->beginWriteArray(QStringLiteral("channels"), int(channels.size()));
    for (int i = 0; i < channels.size(); ++i) {
        settings->setArrayIndex(i);
        const QVariantMap map = channels.at(i).toVariantMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            settings->setValue(it.key(), it.value());
    }
    settings->endArray();
    settings->sync();
    qCDebug(lcStore) << "saved" << channels.size() << "channel(s)";
}

} // namespace Longwatch
