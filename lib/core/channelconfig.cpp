#include "channelconfig.h"

#include "environmentreferences.h"
#include "genericjsonprofile.h"
#include "jsonpath.h"
#include "profiles.h"
#include "redact.h"

#include <QCoreApplication>
#include <QHash>
#include <QUuid>

#include <algorithm>

using namespace std::chrono;

namespace Longwatch {

namespace {

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

const QLatin1String kHeaderFieldPrefix("header/");
const QLatin1String kUrlFieldPrefix("url/");

// The place in the address (UrlSecret::place) a "url/..." field names, or
// an empty string for another field.
QString urlPlace(const QString &field)
{
    return field.startsWith(kUrlFieldPrefix) ? field.mid(kUrlFieldPrefix.size()) : QString();
}

// The secret header a "header/<Name>" or "header/<Name>/<n>" field names:
// the index in `headers` of the n-th header (1-based) called exactly Name,
// or -1 (also for a header that is no secret).
qsizetype headerIndex(const HeaderList &headers, const QString &field)
{
    if (!field.startsWith(kHeaderFieldPrefix))
        return -1;
    const QStringList parts = field.mid(kHeaderFieldPrefix.size()).split(QLatin1Char('/'));
    if (parts.size() > 2 || parts.first().isEmpty())
        return -1;
    int occurrence = 1;
    if (parts.size() == 2) {
        bool ok = false;
        occurrence = parts.last().toInt(&ok);
        if (!ok || occurrence < 2)
            return -1;
    }
    const QByteArray name = parts.first().toLatin1();
    if (!isSecretHeader(name))
        return -1;
    for (qsizetype i = 0; i < headers.size(); ++i) {
        if (headers.at(i).first == name && --occurrence == 0)
            return i;
    }
    return -1;
}

// A secret header whose value belongs in a SecretStore rather than in the
// settings file: set, and not a `${env:NAME}` reference.
bool isStorableSecretHeader(const std::pair<QByteArray, QByteArray> &header)
{
    return isSecretHeader(header.first) && !header.second.isEmpty() &&
           !hasEnvironmentReference(header.second);
}

milliseconds readMs(const QVariantMap &map, const QString &key, milliseconds fallback)
{
    bool ok = false;
    const qint64 value = map.value(key).toLongLong(&ok);
    return ok && value >= 0 ? milliseconds(value) : fallback;
}

} // namespace

QStringList ChannelConfig::secretFields()
{
    return {QStringLiteral("token"), QStringLiteral("password"), QStringLiteral("proxyPassword"),
            QStringLiteral("keyPassphrase")};
}

QStringList ChannelConfig::headerSecretFields() const
{
    QStringList fields;
    QHash<QByteArray, int> seen;
    for (const auto &header : headers) {
        const int occurrence = ++seen[header.first];
        if (!isSecretHeader(header.first))
            continue;
        QString field = kHeaderFieldPrefix + QString::fromLatin1(header.first);
        // RFC 9110 section 5.1: a field name is a token, which has no "/".
        if (occurrence > 1)
            field += QLatin1Char('/') + QString::number(occurrence);
        fields << field;
    }
    return fields;
}

QStringList ChannelConfig::urlSecretFields() const
{
    QStringList fields;
    for (const UrlSecret &secret : urlSecrets(url))
        fields << kUrlFieldPrefix + secret.place;
    return fields;
}

QStringList ChannelConfig::allSecretFields() const
{
    return secretFields() + headerSecretFields() + urlSecretFields();
}

QString ChannelConfig::secret(const QString &field) const
{
    if (const qsizetype index = headerIndex(headers, field); index >= 0)
        return QString::fromUtf8(headers.at(index).second);
    if (const QString place = urlPlace(field); !place.isEmpty()) {
        for (const UrlSecret &secret : urlSecrets(url)) {
            if (secret.place == place)
                return secret.value;
        }
        return {};
    }
    if (field == QLatin1String("token"))
        return token;
    if (field == QLatin1String("password"))
        return password;
    if (field == QLatin1String("proxyPassword"))
        return timing.transport.proxy.password;
    if (field == QLatin1String("keyPassphrase"))
        return timing.transport.tls.clientKeyPassphrase;
    return {};
}

void ChannelConfig::setSecret(const QString &field, const QString &value)
{
    if (const qsizetype index = headerIndex(headers, field); index >= 0)
        headers[index].second = value.toUtf8();
    else if (const QString place = urlPlace(field); !place.isEmpty())
        setUrlSecret(&url, place, value);
    else if (field == QLatin1String("token"))
        token = value;
    else if (field == QLatin1String("password"))
        password = value;
    else if (field == QLatin1String("proxyPassword"))
        timing.transport.proxy.password = value;
    else if (field == QLatin1String("keyPassphrase"))
        timing.transport.tls.clientKeyPassphrase = value;
}

QString ChannelConfig::secretKey(const QString &field) const
{
    return QStringLiteral("channel/%1/%2").arg(id, field);
}

QStringList ChannelConfig::storableSecretFields() const
{
    QStringList fields;
    for (const QString &field : allSecretFields()) {
        const QString value = secret(field);
        if (!value.isEmpty() && !hasEnvironmentReference(value.toUtf8()))
            fields << field;
    }
    return fields;
}

QString ChannelConfig::newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QString checkFeedUrl(const QUrl &url)
{
    if (url.isEmpty())
        return ChannelConfig::tr("Enter the feed's address.");
    if (!url.isValid())
        return ChannelConfig::tr("This is not a valid address: %1").arg(url.errorString());
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return ChannelConfig::tr("The address must start with http:// or https://.");
    if (url.host().isEmpty())
        return ChannelConfig::tr("The address has no server name.");
    return {};
}

QList<ChannelConfig::Problem> ChannelConfig::problems() const
{
    QList<Problem> found;
    const auto add = [&found](Field field, const QString &sentence, const QString &knob = {}) {
        found.append({field, sentence, knob});
    };
    if (name.trimmed().isEmpty())
        add(Field::Name, tr("Give the channel a name."));
    const QString urlProblem = checkFeedUrl(url);
    if (!urlProblem.isEmpty())
        add(Field::Url, urlProblem);
    for (const QUrl &other : alternateUrls) {
        const QString problem = checkFeedUrl(other);
        if (!problem.isEmpty()) {
            add(Field::AlternateUrls, tr("%1: %2").arg(redactedUrl(other), problem));
        } else if (!secretsInUrl(other).isEmpty()) {
            add(Field::AlternateUrls,
                tr("Leave the credentials out of the other addresses: they use those of the "
                   "main address."));
        }
    }

    // Each knob alone, so that a form can show the reason at the knob: a
    // path must parse, a value must be one the profile takes.
    bool knobsOk = true;
    for (auto it = knobs.cbegin(); it != knobs.cend(); ++it) {
        const QString value = it.value().toString().trimmed();
        if (value.isEmpty())
            continue;
        QString problem;
        if (it.key().endsWith(QLatin1String("-path"))) {
            QString error;
            if (!JsonPath::parse(value, &error).isValid())
                problem = tr("Not a valid JSON path: %1").arg(error);
        } else {
            GenericJsonOptions options;
            problem = applyKnobs(options, {{it.key(), value}}).join(QLatin1Char(' '));
        }
        if (!problem.isEmpty()) {
            knobsOk = false;
            add(Field::Knob, problem, it.key());
        }
    }
    // The whole profile, once the parts are fine: options that clash.
    if (urlProblem.isEmpty() && knobsOk) {
        QStringList errors;
        createProfile(&errors);
        for (const QString &error : std::as_const(errors))
            add(Field::Profile, error);
    }

    if (auth == Auth::Bearer && token.isEmpty())
        add(Field::Token, tr("Enter the bearer token, or choose no authentication."));
    if (auth == Auth::Basic && user.isEmpty())
        add(Field::User, tr("Enter the user name for basic authentication."));

    const ProxySettings &proxy = timing.transport.proxy;
    if (proxy.mode == ProxySettings::Mode::Http || proxy.mode == ProxySettings::Mode::Socks5) {
        const QString host = proxy.host.trimmed();
        if (host.isEmpty())
            add(Field::Proxy, tr("Enter the proxy's server name."));
        else if (host.contains(QLatin1Char(' ')))
            add(Field::Proxy, tr("A server name has no spaces."));
        else if (proxy.port == 0)
            add(Field::Proxy, tr("Enter the proxy's port."));
    }
    const TlsSettings &tls = timing.transport.tls;
    if (!tls.clientKeyFile.trimmed().isEmpty() && tls.clientCertificateFile.trimmed().isEmpty())
        add(Field::ClientKey, tr("A key needs its client certificate."));
    for (const QString &pin : tls.pinnedSha256) {
        if (normalizedFingerprint(pin).isEmpty())
            add(Field::PinnedCertificates,
                tr("The pinned fingerprint %1 is not a SHA-256 fingerprint.").arg(pin));
    }
    if (timing.maxBodyBytes <= 0 || timing.maxHeaderBytes <= 0 || timing.maxEventsPerBatch < 0)
        add(Field::Limits, tr("The size limits must be positive."));
    if (timing.backoffInitial > timing.backoffMax)
        add(Field::Backoff, tr("The first retry bound is longer than the longest wait."));

    for (const auto &[part, sentence] : jobs.problems()) {
        switch (part) {
        case JobMapping::Part::JobPaths:
            add(Field::JobPaths, sentence);
            break;
        case JobMapping::Part::StatusPath:
            add(Field::StatusPath, sentence);
            break;
        case JobMapping::Part::ProgressPath:
            add(Field::ProgressPath, sentence);
            break;
        }
    }
    if (const QString sentence = JobSeriesRule::problem(jobSeriesPattern); !sentence.isEmpty())
        add(Field::JobSeries, sentence);
    return found;
}

QStringList ChannelConfig::validate() const
{
    QStringList sentences;
    for (const Problem &problem : problems())
        sentences << problem.sentence;
    return sentences;
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
        // Encoded by the Poller for each request, after it resolved any
        // ${env:NAME} in either part.
        settings.basicAuth = {user, password};
        break;
    }
    return settings;
}

std::unique_ptr<FeedProfile> ChannelConfig::createProfile(QStringList *errors) const
{
    return Longwatch::createProfile(profileId, url, knobs, errors);
}

QUrl ChannelConfig::alternateUrl(qsizetype index) const
{
    QUrl other = withoutUrlSecrets(alternateUrls.value(index));
    for (const UrlSecret &secret : urlSecrets(url))
        setUrlSecret(&other, secret.place, secret.value);
    return other;
}

std::vector<std::unique_ptr<FeedProfile>> ChannelConfig::createOtherProfiles() const
{
    std::vector<std::unique_ptr<FeedProfile>> profiles;
    for (qsizetype i = 0; i < alternateUrls.size(); ++i)
        profiles.push_back(Longwatch::createProfile(profileId, alternateUrl(i), knobs, nullptr));
    return profiles;
}

bool ChannelConfig::sameFeed(const ChannelConfig &other) const
{
    if (profileId != other.profileId || knobs != other.knobs)
        return false;
    // A channel loaded from the store gets the secrets of its address a
    // moment later: the same feed, whose cursor and history must stay.
    QUrl mine = url;
    QUrl theirs = other.url;
    for (const QString &field : pendingSecretFields + other.pendingSecretFields) {
        if (const QString place = urlPlace(field); !place.isEmpty()) {
            setUrlSecret(&mine, place, QString());
            setUrlSecret(&theirs, place, QString());
        }
    }
    return mine == theirs;
}

bool ChannelConfig::sameAddress(const ChannelConfig &other) const
{
    return profileId == other.profileId &&
           withoutUrlSecrets(url).adjusted(QUrl::StripTrailingSlash) ==
               withoutUrlSecrets(other.url).adjusted(QUrl::StripTrailingSlash);
}

QVariantMap ChannelConfig::toVariantMap() const
{
    QVariantMap map;
    map.insert(QStringLiteral("id"), id);
    map.insert(QStringLiteral("name"), name);
    // The secrets of the address, like those of headers, go to a
    // SecretStore: the address keeps their places, emptied, and their
    // fields ("url/...") are listed in "secretFields" below.
    const QStringList storable = storableSecretFields();
    QUrl storedUrl = url;
    for (const QString &field : storable) {
        if (const QString place = urlPlace(field); !place.isEmpty())
            setUrlSecret(&storedUrl, place, QString());
    }
    map.insert(QStringLiteral("url"), storedUrl.toString());
    QStringList others;
    for (const QUrl &other : alternateUrls)
        others << withoutUrlSecrets(other).toString();
    map.insert(QStringLiteral("alternateUrls"), others);
    map.insert(QStringLiteral("profile"), profileId);
    map.insert(QStringLiteral("knobs"), knobs);
    // Secret header values go to a SecretStore too: the header stays, with
    // an empty value, and its field ("header/<Name>") is listed in
    // "secretFields" below. References stay as written.
    HeaderList storedHeaders = headers;
    for (auto &header : storedHeaders) {
        if (isStorableSecretHeader(header))
            header.second.clear();
    }
    map.insert(QStringLiteral("headers"), formatHeaderLines(storedHeaders));
    map.insert(QStringLiteral("auth"), authKey(auth));
    map.insert(QStringLiteral("user"), user);
    // Secrets go to a SecretStore (see SettingsChannelStore); only the names
    // of the fields kept there are written, and references, which are not
    // secrets, as written.
    QStringList stored = storable;
    const QStringList known = allSecretFields();
    for (const QString &field : pendingSecretFields) {
        if (!stored.contains(field) && known.contains(field) && secret(field).isEmpty())
            stored << field;
    }
    if (!stored.isEmpty())
        map.insert(QStringLiteral("secretFields"), stored);
    for (const QString &field : secretFields()) {
        const QString value = secret(field);
        if (hasEnvironmentReference(value.toUtf8()))
            map.insert(field, value);
    }
    const TransportOptions &transport = timing.transport;
    map.insert(QStringLiteral("proxyMode"), int(transport.proxy.mode));
    map.insert(QStringLiteral("proxyHost"), transport.proxy.host);
    map.insert(QStringLiteral("proxyPort"), int(transport.proxy.port));
    map.insert(QStringLiteral("proxyUser"), transport.proxy.user);
    map.insert(QStringLiteral("httpVersion"), int(transport.httpVersion));
    map.insert(QStringLiteral("caFile"), transport.tls.caCertificatesFile);
    map.insert(QStringLiteral("clientCertFile"), transport.tls.clientCertificateFile);
    map.insert(QStringLiteral("clientKeyFile"), transport.tls.clientKeyFile);
    map.insert(QStringLiteral("pinnedSha256"), transport.tls.pinnedSha256.join(QLatin1Char(' ')));
    map.insert(QStringLiteral("maxBodyBytes"), timing.maxBodyBytes);
    map.insert(QStringLiteral("maxHeaderBytes"), timing.maxHeaderBytes);
    map.insert(QStringLiteral("maxEventsPerBatch"), timing.maxEventsPerBatch);
    map.insert(QStringLiteral("connectTimeoutMs"), qint64(timing.connectTimeout.count()));
    map.insert(QStringLiteral("deadlineMarginMs"), qint64(timing.deadlineMargin.count()));
    map.insert(QStringLiteral("inactivityTimeoutMs"), qint64(timing.inactivityTimeout.count()));
    map.insert(QStringLiteral("backoffInitialMs"), qint64(timing.backoffInitial.count()));
    map.insert(QStringLiteral("backoffMaxMs"), qint64(timing.backoffMax.count()));
    map.insert(QStringLiteral("jobPaths"), jobs.jobPaths);
    map.insert(QStringLiteral("statusPath"), jobs.statusPath);
    map.insert(QStringLiteral("progressPath"), jobs.progressPath);
    map.insert(notifications.toVariantMap());
    map.insert(QStringLiteral("jobSeriesPattern"), jobSeriesPattern);
    map.insert(QStringLiteral("keepEvents"), keepEvents);
    map.insert(QStringLiteral("keepDays"), keepDays);
    map.insert(QStringLiteral("paused"), paused);
    map.insert(QStringLiteral("group"), group);
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
    const QVariant others = map.value(QStringLiteral("alternateUrls"));
    const QStringList otherList =
        others.typeId() == QMetaType::QStringList
            ? others.toStringList()
            : others.toString().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &other : otherList) {
        if (!other.trimmed().isEmpty())
            c.alternateUrls << QUrl(other.trimmed());
    }
    c.profileId = map.value(QStringLiteral("profile"), c.profileId).toString();
    c.knobs = map.value(QStringLiteral("knobs")).toMap();
    c.headers = parseHeaderLines(map.value(QStringLiteral("headers")).toString());
    c.auth = authFromKey(map.value(QStringLiteral("auth")).toString());
    c.user = map.value(QStringLiteral("user")).toString();
    // References, or plain text written by older versions (migrated to
    // the SecretStore by the next save).
    for (const QString &field : secretFields())
        c.setSecret(field, map.value(field).toString());
    const QVariant storedSecrets = map.value(QStringLiteral("secretFields"));
    const QStringList stored =
        storedSecrets.typeId() == QMetaType::QStringList
            ? storedSecrets.toStringList()
            : storedSecrets.toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QStringList known = c.allSecretFields();
    for (const QString &field : stored) {
        if (known.contains(field) && c.secret(field).isEmpty())
            c.pendingSecretFields << field;
    }
    TransportOptions &transport = c.timing.transport;
    const int proxyMode = map.value(QStringLiteral("proxyMode"), 0).toInt();
    if (proxyMode >= int(ProxySettings::Mode::System) &&
        proxyMode <= int(ProxySettings::Mode::Socks5))
        transport.proxy.mode = ProxySettings::Mode(proxyMode);
    transport.proxy.host = map.value(QStringLiteral("proxyHost")).toString();
    transport.proxy.port = quint16(map.value(QStringLiteral("proxyPort"), 0).toUInt());
    transport.proxy.user = map.value(QStringLiteral("proxyUser")).toString();
    const int httpVersion = map.value(QStringLiteral("httpVersion"), 0).toInt();
    if (httpVersion >= int(HttpVersion::Automatic) && httpVersion <= int(HttpVersion::Http2))
        transport.httpVersion = HttpVersion(httpVersion);
    transport.tls.caCertificatesFile = map.value(QStringLiteral("caFile")).toString();
    transport.tls.clientCertificateFile = map.value(QStringLiteral("clientCertFile")).toString();
    transport.tls.clientKeyFile = map.value(QStringLiteral("clientKeyFile")).toString();
    transport.tls.pinnedSha256 = map.value(QStringLiteral("pinnedSha256"))
                                     .toString()
                                     .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    bool ok = false;
    if (const qint64 v = map.value(QStringLiteral("maxBodyBytes")).toLongLong(&ok); ok && v > 0)
        c.timing.maxBodyBytes = v;
    if (const qint64 v = map.value(QStringLiteral("maxHeaderBytes")).toLongLong(&ok); ok && v > 0)
        c.timing.maxHeaderBytes = v;
    if (const int v = map.value(QStringLiteral("maxEventsPerBatch")).toInt(&ok); ok && v >= 0)
        c.timing.maxEventsPerBatch = v;
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
    c.notifications = ChannelNotifications::fromVariantMap(map);
    c.jobSeriesPattern = map.value(QStringLiteral("jobSeriesPattern")).toString();
    c.keepEvents = std::max<qint64>(0, map.value(QStringLiteral("keepEvents")).toLongLong());
    c.keepDays = std::clamp(map.value(QStringLiteral("keepDays")).toInt(), 0, 36'500);
    c.paused = map.value(QStringLiteral("paused")).toBool();
    // Older files have no group: the channel is in none.
    c.group = map.value(QStringLiteral("group")).toString().simplified();
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
                *errors << ChannelConfig::tr(
                               "Line %1 is not a header: write it as \"Name: value\".")
                               .arg(i + 1);
            continue;
        }
        headers.append({name.toLatin1(), line.mid(colon + 1).trimmed().toUtf8()});
    }
    return headers;
}

QString formatHeaderLines(const HeaderList &headers)
{
    QStringList lines;
    for (const auto &[name, value] : headers) {
        lines << (value.isEmpty() ? QString::fromLatin1(name) + QLatin1Char(':')
                                  : QString::fromLatin1(name) + QStringLiteral(": ") +
                                        QString::fromUtf8(value));
    }
    return lines.join(QLatin1Char('\n'));
}

JobSeriesRule::JobSeriesRule(const QString &pattern)
{
    if (!pattern.isEmpty() && problem(pattern).isEmpty())
        m_expression = QRegularExpression(pattern);
}

QString JobSeriesRule::seriesOf(const QString &job) const
{
    if (!isDefault()) {
        const QRegularExpressionMatch match = m_expression.match(job);
        if (match.hasMatch()) {
            const QString series = match.captured(1).trimmed();
            if (!series.isEmpty())
                return series;
        }
    }
    return jobSeriesName(job);
}

QString JobSeriesRule::problem(const QString &pattern)
{
    if (pattern.isEmpty())
        return {};
    const QRegularExpression expression(pattern);
    if (!expression.isValid()) {
        return tr("The job series pattern is not a regular expression: %1 (at character %2).")
            .arg(expression.errorString())
            .arg(expression.patternErrorOffset() + 1);
    }
    if (expression.captureCount() < 1)
        return tr("The job series pattern needs a group in parentheses: its first capture "
                  "is the series.");
    return {};
}

} // namespace Longwatch
