#pragma once

#include <QByteArrayList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Longwatch {

/// The URL as it may be shown to a person or written to a log: user info
/// dropped, values of secret-looking query parameters (token, key, password,
/// secret, signature, ...) replaced by "***", and Telegram-style
/// `/bot<token>/` path segments masked.
QString redactedUrl(const QUrl &url);

/// True if a header of this name carries a credential (Authorization,
/// Proxy-Authorization, Cookie, X-Api-Key, anything with "token", "secret",
/// "key" or "password" in its name).
bool isSecretHeader(const QByteArray &name);

/// `text` with every occurrence of each secret (of at least 4 characters)
/// replaced by "***". Used on error sentences and body excerpts, which may
/// echo what we sent.
QString redactedText(QString text, const QStringList &secrets);

/// The secrets a URL carries (password, secret query values, bot tokens),
/// for redactedText().
QStringList secretsInUrl(const QUrl &url);

} // namespace Longwatch
