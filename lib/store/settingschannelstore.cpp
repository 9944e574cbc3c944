#include "settingschannelstore.h"

#include "logging.h"
#include "secretstore.h"

#include <QDir>
#include <QSettings>

#include <memory>

namespace Longwatch {

SettingsChannelStore::SettingsChannelStore(QSettings *settings,
                                           std::shared_ptr<SecretStore> secrets)
    : m_settings(settings)
    , m_secrets(std::move(secrets))
{}

SettingsChannelStore::~SettingsChannelStore() = default;

void SettingsChannelStore::setSecretStore(std::shared_ptr<SecretStore> secrets)
{
    m_secrets = std::move(secrets);
}

QList<ChannelConfig> SettingsChannelStore::load()
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
    QList<ChannelConfig> channels;
    bool plainSecrets = false;
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
        const ChannelConfig config = ChannelConfig::fromVariantMap(map);
        plainSecrets = plainSecrets || !config.storableSecretFields().isEmpty();
        channels.append(config);
    }
    settings->endArray();
    qCDebug(lcStore) << "loaded" << channels.size() << "channel(s) from" << settings->fileName();
    if (plainSecrets && m_secrets) {
        // Written by a version that kept secrets in the settings file: move
        // them to the SecretStore and rewrite the file without them.
        qCInfo(lcStore) << "moving plain-text secrets of the settings file to the"
                        << m_secrets->backendName();
        save(channels);
    }
    return channels;
}

bool SettingsChannelStore::makeFilePrivate(QSettings *settings)
{
    std::unique_ptr<QSettings> own;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
#ifdef Q_OS_WIN
    if (settings->format() == QSettings::NativeFormat)
        return true; // the registry: no file
#endif
    return makePrivateFile(settings->fileName());
}

void SettingsChannelStore::save(const QList<ChannelConfig> &channels)
{
    std::unique_ptr<QSettings> own;
    QSettings *settings = m_settings;
    if (!settings) {
        own = std::make_unique<QSettings>();
        settings = own.get();
    }
    // It names where secrets are and holds the feeds' addresses: private
    // before anything is written (QSettings keeps the permissions).
    makeFilePrivate(settings);
    // Secrets of channels that are gone go with them.
    QStringList keptKeys;
    for (const ChannelConfig &config : channels) {
        for (const QString &field : config.allSecretFields())
            keptKeys << config.secretKey(field);
    }
    if (m_secrets) {
        const int count = settings->beginReadArray(QStringLiteral("channels"));
        QStringList goneKeys;
        for (int i = 0; i < count; ++i) {
            settings->setArrayIndex(i);
            const QString id = settings->value(QStringLiteral("id")).toString();
            ChannelConfig gone;
            gone.id = id;
            const QStringList fields =
                settings->value(QStringLiteral("secretFields")).toStringList();
            for (const QString &field : fields) {
                if (!id.isEmpty() && !keptKeys.contains(gone.secretKey(field)))
                    goneKeys << gone.secretKey(field);
            }
        }
        settings->endArray();
        for (const QString &key : std::as_const(goneKeys))
            m_secrets->remove(key, &m_context, [](const SecretStore::Result &) {});
    }

    settings->remove(QStringLiteral("channels"));
    settings->beginWriteArray(QStringLiteral("channels"), int(channels.size()));
    for (int i = 0; i < channels.size(); ++i) {
        settings->setArrayIndex(i);
        const ChannelConfig &config = channels.at(i);
        QVariantMap map = config.toVariantMap();
        if (m_secrets) {
            for (const QString &field : config.storableSecretFields()) {
                const QString key = config.secretKey(field);
                m_secrets->write(key, config.secret(field), &m_context,
                                 [key](const SecretStore::Result &result) {
                                     if (result.status != SecretStore::Status::Ok)
                                         qCWarning(lcStore).noquote()
                                             << "could not keep the secret" << key << ":"
                                             << result.errorString;
                                 });
            }
        } else if (!config.storableSecretFields().isEmpty()) {
            // Nowhere safe to keep them: they last until the program ends.
            map.remove(QStringLiteral("secretFields"));
            qCWarning(lcStore) << "no secret store: the secrets of a channel are not kept";
        }
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            settings->setValue(it.key(), it.value());
    }
    settings->endArray();
    settings->sync();
    qCDebug(lcStore) << "saved" << channels.size() << "channel(s)";
}

QString SettingsChannelStore::secretLocation() const
{
    if (!m_secrets)
        return ChannelStore::secretLocation();
    if (const auto *file = qobject_cast<const FileSecretStore *>(m_secrets.get())) {
        return SecretText::tr("In %1, unencrypted, readable only by your user account (no "
                              "system keychain was available)")
            .arg(QDir::toNativeSeparators(file->path()));
    }
    if (m_secrets->isSecure())
        return SecretText::tr("In the system keychain");
    return m_secrets->backendName();
}

QString SettingsChannelStore::secretWarning() const
{
    if (!m_secrets)
        return secretsForgotten();
    return m_secrets->isSecure() ? QString() : m_secrets->warning();
}

void SettingsChannelStore::readSecrets(const ChannelConfig &config, QObject *context,
                                       std::function<void(const ChannelConfig &)> done)
{
    if (!m_secrets || config.pendingSecretFields.isEmpty()) {
        ChannelStore::readSecrets(config, context, std::move(done));
        return;
    }
    // One read after the other; the config travels along and is handed
    // over when the last field is in.
    struct Reading
    {
        ChannelConfig config;
        QStringList fields;
        std::function<void(const ChannelConfig &)> done;
    };
    auto reading = std::make_shared<Reading>();
    reading->config = config;
    reading->fields = config.pendingSecretFields;
    reading->config.pendingSecretFields.clear();
    reading->done = std::move(done);
    auto next = std::make_shared<std::function<void()>>();
    const std::weak_ptr<std::function<void()>> weakNext = next;
    *next = [this, reading, context, weakNext] {
        if (reading->fields.isEmpty()) {
            reading->done(reading->config);
            return;
        }
        const QString field = reading->fields.takeFirst();
        const QString key = reading->config.secretKey(field);
        const auto self = weakNext.lock();
        m_secrets->read(key, context, [reading, field, key, self](const SecretStore::Result &r) {
            if (r.status == SecretStore::Status::Ok)
                reading->config.setSecret(field, r.value);
            else
                qCWarning(lcStore).noquote()
                    << "could not read the secret" << key << ":" << r.errorString;
            (*self)();
        });
    };
    (*next)();
}

} // namespace Longwatch
