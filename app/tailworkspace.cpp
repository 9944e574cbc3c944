#include "tailworkspace.h"

#include "environmentreferences.h"
#include "profiles.h"
#include "secretstore.h"
#include "workspace.h"

#include <QFile>

#include <algorithm>

namespace Longwatch {

namespace {

/// How a secret field is named in a sentence: "the token", "the header
/// X-Api-Key", "the address".
QString fieldPhrase(const QString &field)
{
    if (field == QLatin1String("token"))
        return TailWorkspaceText::tr("the token");
    if (field == QLatin1String("password"))
        return TailWorkspaceText::tr("the password");
    if (field == QLatin1String("user"))
        return TailWorkspaceText::tr("the user");
    if (field == QLatin1String("proxyUser"))
        return TailWorkspaceText::tr("the proxy user");
    if (field == QLatin1String("proxyPassword"))
        return TailWorkspaceText::tr("the proxy password");
    if (field == QLatin1String("keyPassphrase"))
        return TailWorkspaceText::tr("the key passphrase");
    if (field.startsWith(QLatin1String("header/")))
        return TailWorkspaceText::tr("the header %1").arg(field.section(QLatin1Char('/'), 1, 1));
    if (field == QLatin1String("knob/body"))
        return TailWorkspaceText::tr("the POST body");
    return TailWorkspaceText::tr("the address");
}

bool isAddressField(const QString &field)
{
    return field == QLatin1String("url") || field.startsWith(QLatin1String("url/"));
}

} // namespace

TailWorkspace::TailWorkspace(QObject *parent)
    : QObject(parent)
{}

TailWorkspace::~TailWorkspace() = default;

QString TailWorkspace::secretKey(const QString &channel, const QString &field)
{
    return QStringLiteral("recorder/%1/%2").arg(channel, field);
}

bool TailWorkspace::read(const QString &path, const QStringList &picks)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_errorString = TailWorkspaceText::tr("cannot read the workspace file %1: %2.")
                            .arg(path, file.errorString());
        return false;
    }
    // One byte more than a workspace may have, so that importWorkspace()
    // refuses a larger file without it being read whole.
    const WorkspaceImport imported = importWorkspace(file.read(kWorkspaceMaxBytes + 1));
    if (!imported.ok) {
        m_errorString = TailWorkspaceText::tr("%1: %2").arg(path, imported.error);
        return false;
    }
    m_skipped = imported.skipped;
    for (const QString &pick : picks) {
        const bool found = std::any_of(imported.channels.cbegin(), imported.channels.cend(),
                                       [&](const ChannelConfig &c) { return c.name == pick; });
        if (!found) {
            m_errorString =
                TailWorkspaceText::tr("the workspace file %1 has no channel called '%2'.")
                    .arg(path, pick);
            return false;
        }
    }
    for (qsizetype i = 0; i < imported.channels.size(); ++i) {
        ChannelConfig config = imported.channels.at(i);
        const QStringList &missing = imported.missingSecrets.at(i);
        if (!picks.isEmpty() && !picks.contains(config.name))
            continue;
        // The import pauses a channel whose address lost its secrets; here
        // they come from the secret store or the run does not start.
        const bool pausedForSecrets = std::any_of(missing.cbegin(), missing.cend(), isAddressField);
        if (config.paused && !pausedForSecrets && picks.isEmpty()) {
            m_paused << config.name;
            continue;
        }
        config.paused = false;
        m_channels << config;
        m_missing << missing;
    }
    return true;
}

bool TailWorkspace::needsSecrets() const
{
    return std::any_of(m_missing.cbegin(), m_missing.cend(),
                       [](const QStringList &fields) { return !fields.isEmpty(); });
}

void TailWorkspace::fillSecrets(std::shared_ptr<SecretStore> store,
                                std::function<void(QString)> done)
{
    m_nextChannel = 0;
    readNextSecret(std::move(store), std::move(done));
}

// One read at a time: a keychain asks its service for each, and the first
// missing secret ends the run anyway.
void TailWorkspace::readNextSecret(std::shared_ptr<SecretStore> store,
                                   std::function<void(QString)> done)
{
    while (m_nextChannel < m_missing.size() && m_missing.at(m_nextChannel).isEmpty())
        ++m_nextChannel;
    if (m_nextChannel == m_missing.size()) {
        QMetaObject::invokeMethod(
            this, [done] { done(QString()); }, Qt::QueuedConnection);
        return;
    }
    const qsizetype index = m_nextChannel;
    const QString field = m_missing.at(index).constFirst();
    const QString name = m_channels.at(index).name;
    const QString key = secretKey(name, field);
    // A field the address no longer has a place for (the user info was
    // dropped), or the POST body, cannot be filled in: the file must be.
    if (field == QLatin1String("url") || field == QLatin1String("knob/body")) {
        const QString sentence =
            TailWorkspaceText::tr("channel '%1': %2 was left out of the workspace file; add it "
                                  "in the file or run the channel with --channel NAME=URL.")
                .arg(name, fieldPhrase(field));
        QMetaObject::invokeMethod(
            this, [done, sentence] { done(sentence); }, Qt::QueuedConnection);
        return;
    }
    SecretStore *backend = store.get();
    backend->read(key, this,
                  [this, store = std::move(store), done = std::move(done), index, field, name,
                   key](const SecretStore::Result &result) mutable {
                      if (result.status != SecretStore::Status::Ok || result.value.isEmpty()) {
                          const QString why =
                              result.status == SecretStore::Status::NotFound ||
                                      result.status == SecretStore::Status::Ok
                                  ? TailWorkspaceText::tr("there is no secret '%1' in %2")
                                        .arg(key, store->backendName())
                                  : result.errorString;
                          done(TailWorkspaceText::tr("channel '%1': %2 was left out of the "
                                                     "workspace file, and %3.")
                                   .arg(name, fieldPhrase(field), why));
                          return;
                      }
                      m_channels[index].setSecret(field, result.value);
                      m_missing[index].removeFirst();
                      readNextSecret(std::move(store), std::move(done));
                  });
}

std::optional<QList<TailOptions::Channel>> TailWorkspace::channels(QString *error) const
{
    QList<TailOptions::Channel> result;
    for (const ChannelConfig &config : m_channels) {
        if (const QStringList problems = config.validate(); !problems.isEmpty()) {
            *error = TailWorkspaceText::tr("channel '%1': %2").arg(config.name, problems.first());
            return std::nullopt;
        }
        QStringList profileErrors;
        if (!config.createProfile(&profileErrors)) {
            *error = TailWorkspaceText::tr("channel '%1': %2")
                         .arg(config.name, profileErrors.join(QLatin1Char(' ')));
            return std::nullopt;
        }
        // Every reference must be set now: a run that starts and then
        // sends an empty credential is no use to anyone.
        QList<std::pair<QString, QString>> references = {
            {QStringLiteral("user"), config.user},
            {QStringLiteral("proxyUser"), config.timing.transport.proxy.user}};
        for (const QString &field : config.allSecretFields())
            references.append({field, config.secret(field)});
        for (const auto &[field, value] : std::as_const(references)) {
            QString unset;
            if (!resolveEnvironmentReferences(value.toUtf8(), &unset)) {
                *error = TailWorkspaceText::tr("channel '%1': %2 refers to the environment "
                                               "variable %3, which is not set.")
                             .arg(config.name, fieldPhrase(field), unset);
                return std::nullopt;
            }
        }
        TailOptions::Channel channel;
        channel.name = config.name;
        channel.url = config.url;
        channel.profileId = config.profileId;
        channel.knobs = config.knobs;
        channel.settings = config.pollerSettings();
        channel.jobs = config.jobs;
        result << channel;
    }
    return result;
}

} // namespace Longwatch
