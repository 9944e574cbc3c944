// libFuzzer harness for the workspace loader: any file a person may be
// handed to import. A file is refused with a sentence, or read into
// channels that have an id, a name and a usable address. What was read
// must export and import again to as many channels, with no secret but
// `${env:NAME}` references left; after that one round, a second changes
// nothing.

#include "channelconfig.h"
#include "environmentreferences.h"
#include "redact.h"
#include "workspace.h"

#include <QLoggingCategory>
#include <QTimeZone>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace Longwatch;

namespace {

// A configuration as data: everything but the id, with the secrets.
QVariantMap comparable(const ChannelConfig &c)
{
    QVariantMap map = c.toVariantMap();
    map.remove(QStringLiteral("id"));
    for (const QString &field : c.allSecretFields())
        map.insert(QStringLiteral("secret:") + field, c.secret(field));
    return map;
}

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    const WorkspaceImport first = importWorkspace(json);
    if (!first.ok) {
        check(!first.error.isEmpty()); // a refused file says why
        check(first.channels.isEmpty());
        return 0;
    }
    check(first.error.isEmpty());
    for (const ChannelConfig &c : first.channels) {
        check(!c.id.isEmpty());
        check(!c.name.trimmed().isEmpty());
        check(checkFeedUrl(c.url).isEmpty());
        check(!c.transient && c.pendingSecretFields.isEmpty());
    }

    const QDateTime when(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());
    const WorkspaceExport exported = exportWorkspace(first.channels, when);
    const WorkspaceImport second = importWorkspace(exported.json);
    check(second.ok);
    check(second.channels.size() == first.channels.size());
    for (const ChannelConfig &c : second.channels) {
        // Only references went through the file.
        for (const QString &field : c.allSecretFields()) {
            const QString value = c.secret(field);
            check(value.isEmpty() || hasEnvironmentReference(value.toUtf8()));
        }
        for (const QString &secret : secretsInUrl(c.url))
            check(secret == QLatin1String("***"));
    }

    const WorkspaceImport third = importWorkspace(exportWorkspace(second.channels, when).json);
    check(third.ok);
    check(third.channels.size() == second.channels.size());
    for (qsizetype i = 0; i < third.channels.size(); ++i)
        check(comparable(third.channels.at(i)) == comparable(second.channels.at(i)));
    return 0;
}
