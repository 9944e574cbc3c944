#pragma once

// longwatch-tail --workspace FILE: the channels of a workspace file, read by
// the dashboard's own importWorkspace() (docs/WORKSPACE.md), each with all
// its settings, the secrets the file left out filled from a SecretStore.

#include "channelconfig.h"
#include "tailsession.h"

#include <QCoreApplication>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace Longwatch {

class SecretStore;

/// The channels of one workspace file for longwatch-tail. Use in order:
/// read(), then (when needsSecrets()) fillSecrets(), then channels().
class TailWorkspace final : public QObject
{
    Q_OBJECT
public:
    explicit TailWorkspace(QObject *parent = nullptr);
    ~TailWorkspace() override;

    /// Reads the file at `path` and keeps the channels called as in
    /// `picks`, in the file's order (every channel but the paused ones when
    /// `picks` is empty). False, with errorString() (one sentence), when the
    /// file cannot be read, is not a workspace, or has no channel called as
    /// one of `picks`.
    bool read(const QString &path, const QStringList &picks);
    QString errorString() const { return m_errorString; }
    /// One sentence per channel of the file that could not be read.
    QStringList skipped() const { return m_skipped; }
    /// The channels paused in the file: left out unless picked by name.
    QStringList paused() const { return m_paused; }

    /// The SecretStore key where longwatch-tail looks for a secret the
    /// workspace file left out: "recorder/<channel>/<field>", e.g.
    /// "recorder/Builds/token" or "recorder/Builds/header/X-Api-Key".
    static QString secretKey(const QString &channel, const QString &field);

    /// True if a kept channel lacks a secret the file left out.
    bool needsSecrets() const;
    /// Reads every secret the file left out from `store` (secretKey()),
    /// then calls `done` exactly once, later, with an empty string or the
    /// sentence that says which secret could not be found.
    void fillSecrets(std::shared_ptr<SecretStore> store, std::function<void(QString)> done);

    /// The channels as longwatch-tail runs them. Every channel is checked as
    /// the dashboard checks it before it starts it (ChannelConfig::problems(),
    /// the feed profile) and every `${env:NAME}` it refers to must be set:
    /// the first problem is said in `error` and nothing is returned.
    std::optional<QList<TailOptions::Channel>> channels(QString *error) const;

private:
    void readNextSecret(std::shared_ptr<SecretStore> store, std::function<void(QString)> done);

    QList<ChannelConfig> m_channels;
    QList<QStringList> m_missing; ///< per channel: secret fields still empty
    QStringList m_skipped;
    QStringList m_paused;
    QString m_errorString;
    qsizetype m_nextChannel = 0; ///< where fillSecrets() is
};

/// Translation context of the sentences of longwatch-tail's workspace.
class TailWorkspaceText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::TailWorkspaceText)
};

} // namespace Longwatch
