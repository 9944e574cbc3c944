#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace Longwatch {

/// True if `value` holds a `${env:NAME}` reference.
bool hasEnvironmentReference(QByteArrayView value);

/// `value` with every `${env:NAME}` replaced by the environment variable
/// NAME (NAME: letters, digits, underscore). Resolved when a request is
/// made, never stored resolved. Returns nullopt and the first variable that
/// is not set (or empty) in `missing`. Text that is not a well-formed
/// reference is left as it is.
std::optional<QByteArray> resolveEnvironmentReferences(const QByteArray &value,
                                                       QString *missing = nullptr);

} // namespace Longwatch
