#pragma once

#include "channelconfig.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace Longwatch {

/// A workspace file: a person's channel configurations as one JSON file,
/// to move them to another machine or share them with a team. The format
/// is described in docs/WORKSPACE.md:
///
///     {"format": "longwatch-workspace", "version": 1,
///      "exported": "2026-11-22T20:31:41Z", "channels": [{...}, ...]}
///
/// A workspace file holds no secret: tokens, passwords, proxy passwords,
/// key passphrases and the values of secret headers are left out unless
/// they are `${env:NAME}` references, and so are the secret parts of an
/// address (user info, secret query values, bot tokens) and a POST body
/// with secret-looking fields. Each channel lists what was left out of it
/// ("omittedSecrets"), so an import can ask for it again.

/// The version exportWorkspace() writes, and the newest importWorkspace() reads.
inline constexpr int kWorkspaceVersion = 1;
/// Larger files are refused before they are parsed.
inline constexpr qsizetype kWorkspaceMaxBytes = 16 * 1024 * 1024;
/// Files with more channels are refused.
inline constexpr qsizetype kWorkspaceMaxChannels = 10'000;

struct WorkspaceExport
{
    QByteArray json; ///< the file's content: UTF-8, pretty-printed
    /// What was left out, one short phrase each for the person:
    /// "Builds: token", "Deploys: header X-Api-Key", "Demo: the whole
    /// channel (it is temporary)".
    QStringList omitted;
};

/// The workspace file for `channels`, in their order. Transient channels
/// (the demo's) are left out. `exportedAt` is written as the export time
/// (default: now).
WorkspaceExport exportWorkspace(const QList<ChannelConfig> &channels,
                                const QDateTime &exportedAt = QDateTime());

struct WorkspaceImport
{
    /// The channels read, in the file's order, each with a new id (so
    /// importing a file twice gives two sets of channels) and without
    /// transient or pending-secret state.
    QList<ChannelConfig> channels;
    /// For each of `channels` (same index), the secrets the export left out
    /// that are still empty, as secret fields ("token", "header/X-Api-Key",
    /// "url/query/access_token"; "url" for an address whose user info was
    /// dropped, "knob/body" for a POST body): for a program that fills them
    /// from elsewhere (longwatch-tail reads them from the keychain).
    QList<QStringList> missingSecrets;
    /// One sentence per skipped channel ("Channel 3 (Builds) was skipped:
    /// it has no address.") and per thing the person must enter again
    /// ("Builds: enter the token again in Edit channel.").
    QStringList warnings;
    /// The sentences of `warnings` that say a channel was skipped.
    QStringList skipped;
    /// Why the whole file was refused; empty when `ok`.
    QString error;
    bool ok = false;
};

/// Reads a workspace file. Never throws or crashes on any input: a file
/// that is not a workspace (not JSON, another "format", a newer "version",
/// larger than kWorkspaceMaxBytes, more than kWorkspaceMaxChannels
/// channels, wrong types at the top) is refused with `error`; a channel
/// with a wrong field, no name or no usable address is skipped with a
/// warning. Unknown fields are ignored, so later versions can add some.
///
/// A secret of an address that was left out (written as "***", or the
/// user info dropped) comes back as an empty place ("?access_token=", a
/// "/bot/" segment), never as a literal "***", and its channel is paused
/// with a warning: polled, it would only send a wrong credential.
///
/// importWorkspace(exportWorkspace(x).json) gives configurations equal to
/// `x` except for their ids, the secrets that were left out, and the
/// pause of a channel whose address lost secrets.
WorkspaceImport importWorkspace(const QByteArray &json);

/// Translation context for the sentences of this file.
class WorkspaceText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::WorkspaceText)
};

} // namespace Longwatch
