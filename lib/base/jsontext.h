#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

// JSON written the one way Longwatch writes it: compact, as Qt writes it
// (UTF-8, no spaces, control characters escaped).
namespace Longwatch {

/// A JSON value as compact text; scalars too ("\"abc\"", "12", "null"),
/// which QJsonDocument alone cannot write.
QByteArray compactJson(const QJsonValue &value);

/// `text` as a compact JSON string literal, quotes included.
QByteArray jsonString(const QString &text);

} // namespace Longwatch
