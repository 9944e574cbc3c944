#include "environmentreferences.h"

#include <QRegularExpression>

namespace Longwatch {

namespace {

bool isNameCharacter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

} // namespace

bool isReferenceOnly(const QString &value, bool allowScheme)
{
    static const QRegularExpression bare(QStringLiteral("\\A(?:\\$\\{env:[A-Za-z0-9_]+\\})+\\z"));
    static const QRegularExpression withScheme(
        QStringLiteral("\\A(?:[A-Za-z]{1,20} +)?(?:\\$\\{env:[A-Za-z0-9_]+\\})+\\z"));
    return (allowScheme ? withScheme : bare).match(value).hasMatch();
}

bool hasEnvironmentReference(QByteArrayView value)
{
    return value.contains(QByteArrayView("${env:"));
}

std::optional<QByteArray> resolveEnvironmentReferences(const QByteArray &value, QString *missing)
{
    static constexpr QByteArrayView kOpen("${env:");
    if (!hasEnvironmentReference(value))
        return value;
    QByteArray resolved;
    resolved.reserve(value.size());
    qsizetype from = 0;
    while (from < value.size()) {
        const qsizetype start = value.indexOf(kOpen, from);
        if (start < 0)
            break;
        qsizetype end = start + kOpen.size();
        while (end < value.size() && isNameCharacter(value.at(end)))
            ++end;
        const qsizetype nameLength = end - start - kOpen.size();
        if (end >= value.size() || value.at(end) != '}' || nameLength == 0) {
            // Not a reference: keep the text and look further on.
            resolved += value.mid(from, start + kOpen.size() - from);
            from = start + kOpen.size();
            continue;
        }
        const QByteArray name = value.mid(start + kOpen.size(), nameLength);
        const QByteArray variable = qgetenv(name.constData());
        if (variable.isEmpty()) {
            if (missing)
                *missing = QString::fromLatin1(name);
            return std::nullopt;
        }
        resolved += value.mid(from, start - from);
        resolved += variable;
        from = end + 1;
    }
    resolved += value.mid(from);
    return resolved;
}

} // namespace Longwatch
