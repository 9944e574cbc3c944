#pragma once

#include <QByteArrayList>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Longwatch {

/// A place in an address that holds a secret. These places are what
/// redactedUrl() hides and what a channel keeps in its SecretStore rather
/// than in the settings file: one rule for both, urlSecrets().
struct UrlSecret
{
    /// Which place: "userinfo" (all of "user:password@", or a bare user
    /// part, which is often a token), "bot/<n>" (the token of path segment
    /// n, a Telegram-style "bot<token>"), or "query/<name>" (the value of a
    /// secret-looking query parameter; "query/<name>/<k>" for its k-th
    /// occurrence, k >= 2; <name> fully percent-encoded, so it has no "/").
    QString place;
    /// The secret as the address writes it (percent-encoded); empty where
    /// the place holds nothing.
    QString value;

    friend bool operator==(const UrlSecret &, const UrlSecret &) = default;
};

/// Every place of `url` that holds or can hold a secret, in the order user
/// info, bot tokens, query parameters: the user info of a valid address
/// (always listed, empty if there is none), each path segment
/// "bot<digits>:<token>", "bot" (a token taken out) or "bot***" (masked), and
/// each query parameter with a secret-looking name (token, key, password,
/// secret, signature, ...; see isSecretHeader()), with or without a value.
QList<UrlSecret> urlSecrets(const QUrl &url);

/// Sets the secret at `place` (a UrlSecret::place) of `url` to `value`,
/// written as UrlSecret::value is; an empty `value` takes the secret out
/// (no user info, a "bot" segment, "name=" in the query). Nothing else of
/// the address changes. Returns false, leaving `url` alone, if `url` has no
/// such place.
bool setUrlSecret(QUrl *url, const QString &place, const QString &value);

/// `url` with every secret of urlSecrets() taken out.
QUrl withoutUrlSecrets(const QUrl &url);

/// The URL as it may be shown to a person or written to a log: every
/// secret of urlSecrets() hidden (the user info dropped, the others
/// replaced by "***"), and the fragment dropped.
QString redactedUrl(const QUrl &url);

/// True if a header of this name carries a credential (Authorization,
/// Proxy-Authorization, Cookie, X-Api-Key, anything with "token", "secret",
/// "key" or "password" in its name).
bool isSecretHeader(const QByteArray &name);

/// `text` with every occurrence of each secret (of at least 4 characters)
/// replaced by "***". Used on error sentences and body excerpts, which may
/// echo what we sent.
QString redactedText(QString text, const QStringList &secrets);

/// The secrets a URL carries (password, bare user part, secret query
/// values, bot tokens; decoded, and as written where that differs), for
/// redactedText().
QStringList secretsInUrl(const QUrl &url);

} // namespace Longwatch
