#include "channelconfig.h"

#include "profiles.h"

#include <QCoreApplication>
#include <QUuid>

using namespace std::chrono;

namespace Longwatch {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Longwatch::ChannelConfig", text);
}

QString authKey(ChannelConfig::Auth auth)
{
    switch (auth) {
    case ChannelConfig::Auth::None:
        return QStringLiteral("none");
    case ChannelConfig::Auth::Bearer:
        return QStringLiteral("bearer");
    case ChannelConfig::Auth::Basic:
        return QStringLiteral("basic");
    }
    return {};
}

ChannelConfig::Auth authFromKey(const QString &key)
{
    if (key == QLatin1String("bearer"))
        return ChannelConfig::Auth::Bearer;
    if (key == QLatin1String("basic"))
        return ChannelConfig::Auth::Basic;
    return ChannelConfig::Auth::None;
}

milliseconds readMs(const QVariantMap &map, const QString &key, milliseconds fallback)
{
    bool ok = false;
    const qint64 value = map.value(key).toLongLong(&ok);
    return ok && value >= 0 ? milliseconds(value) : fallback;
}

} // namespace

QString ChannelConfig::newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QString checkFeedUrl(const QUrl &url)
{
    if (url.isEmpty())
        return tr("Enter the feed's address.");
    if (!url.isValid())
        return tr("This is not a valid address: %1").arg(url.errorString());
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return tr("The address must start with http:// or https://.");
    if (url.host().isEmpty())
        return tr("The address has no server name.");
    return {};
}

QStringList ChannelConfig::validate() const
{
    QStringList problems;
    if (name.trimmed().isEmpty())
        problems << tr("The channel has no name.");
    if (const QString problem = checkFeedUrl(url); !problem.isEmpty())
        problems << problem;
    else
        createProfile(&problems);
    problems << jobs.validate();
    if (auth == Auth::Bearer && token.isEmpty())
        problems << tr("Enter the bearer token, or choose no authentication.");
    if (auth == Auth::Basic && user.isEmpty())
        problems << tr("Enter the user name for basic authentication.");
    if (timing.backoffInitial > timing.backoffMax)
        problems << tr("The first retry delay is longer than the longest one.");
    return problems;
}

PollerSettings ChannelConfig::pollerSettings() const
{
    PollerSettings settings = timing;
    settings.headers = headers;
    switch (auth) {
    case Auth::None:
        break;
    case Auth::Bearer:
        settings.headers.append(
            {QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token.toUtf8()});
        break;
    case Auth::Basic:
        settings.headers.append({QByteArrayLiteral("Authorization"),
                                 QByteArrayLiteral("Basic ") +
                                     (user + QLatin1Char(':') + password).toUtf8().toBase64()});
        break;
    }
    return settings;
}

std::unique_ptr<FeedProfile> ChannelConfig::createProfile(QStringList *errors) const
{
    return Longwatch::createProfile(profileId, url, knobs, errors);
}

bool ChannelConfig::sameFeed(const ChannelConfig &other) const
{
    return url == other.url && profileId == other.profileId && knobs == other.knobs;
}

QVariantMap ChannelConfig::toVariantMap() const
{
    QVariantMap map;
    map.insert(QStringLiteral("id"), id);
    map.insert(QStringLiteral("name"), name);
    map.insert(QStringLiteral("url"), url.toString());
    map.insert(QStringLiteral("profile"), profileId);
    map.insert(QStringLiteral("knobs"), knobs);
    map.insert(QStringLiteral("headers"), formatHeaderLines(headers));
    map.insert(QStringLiteral("auth"), authKey(auth));
    // Stored in the clear for now, like the rest of the settings file; the
    // persistence layer is to move credentials to the system keychain.
    map.insert(QStringLiteral("token"), token);
    map.insert(QStringLiteral("user"), user);
    map.insert(QStringLiteral("password"), password);
    map.insert(QStringLiteral("connectTimeoutMs"), qint64(timing.connectTimeout.count()));
    map.insert(QStringLiteral("deadlineMarginMs"), qint64(timing.deadlineMargin.count()));
    map.insert(QStringLiteral("inactivityTimeoutMs"), qint64(timing.inactivityTimeout.count()));
    map.insert(QStringLiteral("backoffInitialMs"), qint64(timing.backoffInitial.count()));
    map.insert(QStringLiteral("backoffMaxMs"), qint64(timing.backoffMax.count()));
    map.insert(QStringLiteral("jobPaths"), jobs.jobPaths);
    map.insert(QStringLiteral("statusPath"), jobs.statusPath);
    map.insert(QStringLiteral("progressPath"), jobs.progressPath);
    map.insert(QStringLiteral("notifyJobFailed"), notifyJobFailed);
    map.insert(QStringLiteral("notifyJobRecovered"), notifyJobRecovered);
    map.insert(QStringLiteral("notifyJobFinished"), notifyJobFinished);
    map.insert(QStringLiteral("paused"), paused);
    return map;
}

ChannelConfig ChannelConfig::fromVariantMap(const QVariantMap &map)
{
    ChannelConfig c;
    c.id = map.value(QStringLiteral("id")).toString();
    if (c.id.isEmpty())
        c.id = newId();
    c.name = map.value(QStringLiteral("name")).toString();
    c.url = QUrl(map.value(QStringLiteral("url")).toString());
    c.profileId = map.value(QStringLiteral("profile"), c.profileId).toString();
    c.knobs = map.value(QStringLiteral("knobs")).toMap();
    c.headers = parseHeaderLines(map.value(QStringLiteral("headers")).toString());
    c.auth = authFromKey(map.value(QStringLiteral("auth")).toString());
    c.token = map.value(QStringLiteral("token")).toString();
    c.user = map.value(QStringLiteral("user")).toString();
    c.password = map.value(QStringLiteral("password")).toString();
    c.timing.connectTimeout =
        readMs(map, QStringLiteral("connectTimeoutMs"), c.timing.connectTimeout);
    c.timing.deadlineMargin =
        readMs(map, QStringLiteral("deadlineMarginMs"), c.timing.deadlineMargin);
    c.timing.inactivityTimeout =
        readMs(map, QStringLiteral("inactivityTimeoutMs"), c.timing.inactivityTimeout);
    c.timing.backoffInitial =
        readMs(map, QStringLiteral("backoffInitialMs"), c.timing.backoffInitial);
    c.timing.backoffMax = readMs(map, QStringLiteral("backoffMaxMs"), c.timing.backoffMax);
    if (map.contains(QStringLiteral("jobPaths")))
        c.jobs.jobPaths = map.value(QStringLiteral("jobPaths")).toStringList();
    c.jobs.statusPath = map.value(QStringLiteral("statusPath"), c.jobs.statusPath).toString();
    c.jobs.progressPath = map.value(QStringLiteral("progressPath"), c.jobs.progressPath).toString();
    c.notifyJobFailed = map.value(QStringLiteral("notifyJobFailed"), c.notifyJobFailed).toBool();
    c.notifyJobRecovered =
        map.value(QStringLiteral("notifyJobRecovered"), c.notifyJobRecovered).toBool();
    c.notifyJobFinished =
        map.value(QStringLiteral("notifyJobFinished"), c.notifyJobFinished).toBool();
    c.paused = map.value(QStringLiteral("paused")).toBool();
    return c;
}

HeaderList parseHeaderLines(const QString &text, QStringList *errors)
{
    HeaderList headers;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(QLatin1Char(':'));
        const QString name = colon > 0 ? line.left(colon).trimmed() : QString();
        // RFC 9110 section 5.1: a field name is a token (no spaces, no separators).
        static const QString separators = QStringLiteral("()<>@,;:\\\"/[]?={} \t");
        const bool validName =
            !name.isEmpty() && std::none_of(name.cbegin(), name.cend(), [](QChar c) {
                return separators.contains(c) || c.unicode() < 0x21 || c.unicode() > 0x7e;
            });
        if (!validName) {
            if (errors)
                *errors << tr("Line %1 is not a header: write it as \"Name: value\".").arg(i + 1);
            continue;
        }
        headers.append({name.toLatin1(), line.mid(colon + 1).trimmed().toUtf8()});
    }
    return headers;
}

QString formatHeaderLines(const HeaderList &headers)
{
    QStringList lines;
    for (const auto &[name, value] : headers)
        lines << QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromUtf8(value);
    return lines.join(QLatin1Char('\n'));
}

} // namespace Longwatch
