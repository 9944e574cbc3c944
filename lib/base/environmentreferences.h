#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace Longwatch {

/// True if `value` holds a `${env:NAME}` reference.
bool hasEnvironmentReference(QByteArrayView value);

/// True if `value` is nothing but `${env:NAME}` references ("${env:TOKEN}"),
/// or, with `allowScheme` (a header's value), references after one
/// auth-scheme word ("Bearer ${env:TOKEN}"). Anything else in a secret may
/// be (part of) the secret itself: only such values may be written where
/// others can read them (a workspace file, a command line).
bool isReferenceOnly(const QString &value, bool allowScheme = false);

/// `value` with every `${env:NAME}` replaced by the environment variable
/// NAME (NAME: letters, digits, underscore). Resolved when a request is
/// made, never stored resolved. Returns nullopt and the first variable that
/// is not set (or empty) in `missing`. Text that is not a well-formed
/// reference is left as it is.
std::optional<QByteArray> resolveEnvironmentReferences(const QByteArray &value,
                                                       QString *missing = nullptr);

} // namespace Longwatch
