#include "workspace.h"

#include "environmentreferences.h"
#include "jsontext.h"
#include "profiles.h"
#include "redact.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace Longwatch {

namespace {

constexpr QLatin1String kFormat("longwatch-workspace");
constexpr QLatin1String kOmittedKey("omittedSecrets");
// Secret "fields" of a workspace besides ChannelConfig::allSecretFields().
constexpr QLatin1String kUrlField("url");
constexpr QLatin1String kBodyField("knob/body");
constexpr QLatin1String kBodyKnob("body");
constexpr QLatin1String kHeaderPrefix("header/");
// What redactedUrl() puts in place of a secret.
constexpr QLatin1String kMask("***");

// Integers beyond 2^53 do not survive a JSON number (a double) exactly.
constexpr qint64 kMaxExactInteger = (qint64(1) << 53) - 1;
// Longer durations are typing errors, and would overflow timers.
constexpr qint64 kMaxDurationMs = qint64(7) * 24 * 3600 * 1000;

enum class Kind { Text, Bool, Integer, TextList, Knobs, Auth };

struct Field
{
    QLatin1String key;
    Kind kind;
    qint64 min = 0;
    qint64 max = 0;
};

// Every field of a workspace channel, in the order they are written: the
// keys of ChannelConfig::toVariantMap() without "id" and "secretFields",
// plus the workspace's own "omittedSecrets". Only these are written and
// read (tst_workspace checks that toVariantMap() has no other).
const QList<Field> &fields()
{
    static const QList<Field> list = {
        {QLatin1String("name"), Kind::Text},
        {QLatin1String("group"), Kind::Text},
        {QLatin1String("url"), Kind::Text},
        {QLatin1String("alternateUrls"), Kind::TextList}, // without secrets: they use url's
        {QLatin1String("profile"), Kind::Text},
        {QLatin1String("knobs"), Kind::Knobs},
        {QLatin1String("headers"), Kind::Text},
        {QLatin1String("auth"), Kind::Auth},
        {QLatin1String("user"), Kind::Text},
        {QLatin1String("token"), Kind::Text},
        {QLatin1String("password"), Kind::Text},
        {kOmittedKey, Kind::TextList},
        {QLatin1String("paused"), Kind::Bool},
        {QLatin1String("keepEvents"), Kind::Integer, 0, kMaxExactInteger},
        {QLatin1String("keepDays"), Kind::Integer, 0, 36'500},
        {QLatin1String("notifyJobFailed"), Kind::Bool},
        {QLatin1String("notifyJobRecovered"), Kind::Bool},
        {QLatin1String("notifyJobFinished"), Kind::Bool}, // older files: still read
        {QLatin1String("notifyFollowDefaults"), Kind::Bool},
        {QLatin1String("notifyOn"), Kind::TextList},
        {QLatin1String("notifyCritical"), Kind::TextList},
        {QLatin1String("notifyDownMinutes"), Kind::Integer, 1, NotificationRules::kMaxDownMinutes},
        {QLatin1String("groupNotifyOn"),
         Kind::TextList}, // the group's rules (ChannelNotifications)
        {QLatin1String("groupNotifyCritical"), Kind::TextList},
        {QLatin1String("groupNotifyDownMinutes"), Kind::Integer, 1,
         NotificationRules::kMaxDownMinutes},
        {QLatin1String("jobPaths"), Kind::TextList},
        {QLatin1String("statusPath"), Kind::Text},
        {QLatin1String("progressPath"), Kind::Text},
        {QLatin1String("jobSeriesPattern"), Kind::Text},
        {QLatin1String("connectTimeoutMs"), Kind::Integer, 0, kMaxDurationMs},
        {QLatin1String("deadlineMarginMs"), Kind::Integer, 0, kMaxDurationMs},
        {QLatin1String("inactivityTimeoutMs"), Kind::Integer, 0, kMaxDurationMs},
        {QLatin1String("backoffInitialMs"), Kind::Integer, 0, kMaxDurationMs},
        {QLatin1String("backoffMaxMs"), Kind::Integer, 0, kMaxDurationMs},
        {QLatin1String("maxBodyBytes"), Kind::Integer, 1, kMaxExactInteger},
        {QLatin1String("maxHeaderBytes"), Kind::Integer, 1, kMaxExactInteger},
        {QLatin1String("maxEventsPerBatch"), Kind::Integer, 0, INT_MAX},
        {QLatin1String("httpVersion"), Kind::Integer, int(HttpVersion::Automatic),
         int(HttpVersion::Http2)},
        {QLatin1String("proxyMode"), Kind::Integer, int(ProxySettings::Mode::System),
         int(ProxySettings::Mode::Socks5)},
        {QLatin1String("proxyHost"), Kind::Text},
        {QLatin1String("proxyPort"), Kind::Integer, 0, 65535},
        {QLatin1String("proxyUser"), Kind::Text},
        {QLatin1String("proxyPassword"), Kind::Text},
        {QLatin1String("caFile"), Kind::Text},
        {QLatin1String("clientCertFile"), Kind::Text},
        {QLatin1String("clientKeyFile"), Kind::Text},
        {QLatin1String("keyPassphrase"), Kind::Text},
        {QLatin1String("pinnedSha256"), Kind::Text},
    };
    return list;
}

// A channel's name as it may appear in a sentence: one line, not too long.
// Names come from files, so they may hold anything.
QString shownName(const QString &name)
{
    QString shown = name.simplified();
    shown.removeIf([](QChar c) { return c.category() == QChar::Other_Control; });
    constexpr qsizetype kLongest = 60;
    if (shown.size() > kLongest) {
        qsizetype cut = kLongest - 1;
        if (shown.at(cut - 1).isHighSurrogate())
            --cut;
        shown = shown.left(cut) + QChar(0x2026);
    }
    return shown.isEmpty() ? WorkspaceText::tr("(no name)") : shown;
}

bool isFilled(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return false;
    case QJsonValue::String:
        return !value.toString().isEmpty();
    case QJsonValue::Array:
        return !value.toArray().isEmpty();
    case QJsonValue::Object:
        return !value.toObject().isEmpty();
    default:
        return true;
    }
}

// True if a JSON value has a filled field under a secret-looking name
// ("token", "password", "api_key", ...; isSecretHeader()'s words).
bool holdsSecretField(const QJsonValue &value)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if ((isSecretHeader(it.key().toUtf8()) && isFilled(it.value())) ||
                holdsSecretField(it.value()))
                return true;
        }
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &item : array) {
            if (holdsSecretField(item))
                return true;
        }
    }
    return false;
}

// True if a POST body template may carry a credential. A body that is not
// JSON cannot be looked into, so any secret-looking word counts.
bool bodyHoldsSecret(const QString &body)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return isSecretHeader(body.toUtf8());
    return holdsSecretField(document.isObject() ? QJsonValue(document.object())
                                                : QJsonValue(document.array()));
}

// The address as it may be written to a workspace, and whether secret
// parts (user info, secret query values, bot tokens) were taken out.
QString writableUrl(const QUrl &url, bool *redacted)
{
    const QStringList secrets = secretsInUrl(url);
    *redacted = !secrets.isEmpty();
    if (secrets.isEmpty())
        return url.toString();
    if (!url.isValid())
        return {};
    const QString shown = redactedUrl(url);
    // What redactedUrl() masks and what secretsInUrl() finds differ at the
    // edges (a bot token with an encoded "/"), and a secret may also be, by
    // chance, part of the rest of the address: then keep only the server.
    const QStringList left = secretsInUrl(QUrl(shown));
    const bool leaks =
        std::any_of(left.cbegin(), left.cend(), [](const QString &s) { return s != kMask; }) ||
        std::any_of(secrets.cbegin(), secrets.cend(),
                    [&shown](const QString &s) { return s.size() >= 4 && shown.contains(s); });
    return leaks ? url.adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery |
                                QUrl::RemoveFragment)
                       .toString()
                 : shown;
}

// Takes the masks ("***", as redactedUrl() writes them) out of the secret
// places of an imported address, which then hold nothing rather than a
// literal "***" that would be stored and sent to the server. True if the
// address lacks secrets: it had masks, or the export says it left secrets
// out (`omitted`) and none was filled in since.
bool addressLacksSecrets(QUrl *url, bool omitted)
{
    bool masked = false;
    bool filled = false;
    for (const UrlSecret &secret : urlSecrets(*url)) {
        if (QUrl::fromPercentEncoding(secret.value.toUtf8()) == kMask) {
            setUrlSecret(url, secret.place, QString());
            masked = true;
        } else if (!secret.value.isEmpty()) {
            filled = true;
        }
    }
    return masked || (omitted && !filled);
}

// "Builds: token", for WorkspaceExport::omitted.
QString omittedPhrase(const QString &name, const QString &field)
{
    const QString shown = shownName(name);
    if (field == QLatin1String("token"))
        return WorkspaceText::tr("%1: token").arg(shown);
    if (field == QLatin1String("password"))
        return WorkspaceText::tr("%1: password").arg(shown);
    if (field == QLatin1String("proxyPassword"))
        return WorkspaceText::tr("%1: proxy password").arg(shown);
    if (field == QLatin1String("keyPassphrase"))
        return WorkspaceText::tr("%1: key passphrase").arg(shown);
    if (field == kUrlField)
        return WorkspaceText::tr("%1: the secret parts of the address").arg(shown);
    if (field == kBodyField)
        return WorkspaceText::tr("%1: the POST body (it holds secrets)").arg(shown);
    if (field.startsWith(kHeaderPrefix))
        return WorkspaceText::tr("%1: header %2")
            .arg(shown, field.mid(kHeaderPrefix.size()).section(QLatin1Char('/'), 0, 0));
    return WorkspaceText::tr("%1: %2").arg(shown, field);
}

// "Builds: enter the token again in Edit channel.", for an import; empty
// for a field this version does not know.
QString reenterSentence(const QString &name, const QString &field)
{
    const QString shown = shownName(name);
    if (field == QLatin1String("token"))
        return WorkspaceText::tr("%1: enter the token again in Edit channel.").arg(shown);
    if (field == QLatin1String("password"))
        return WorkspaceText::tr("%1: enter the password again in Edit channel.").arg(shown);
    if (field == QLatin1String("proxyPassword"))
        return WorkspaceText::tr("%1: enter the proxy password again in Edit channel.").arg(shown);
    if (field == QLatin1String("keyPassphrase"))
        return WorkspaceText::tr("%1: enter the key passphrase again in Edit channel.").arg(shown);
    if (field == kUrlField)
        return WorkspaceText::tr(
                   "%1: the secret parts of the address were left out of the workspace file; "
                   "the channel stays paused until you enter them in Edit channel and resume "
                   "it.")
            .arg(shown);
    if (field == kBodyField)
        return WorkspaceText::tr(
                   "%1: enter the POST body again in Edit channel; it held secrets and was "
                   "left out of the workspace file.")
            .arg(shown);
    if (field.startsWith(kHeaderPrefix))
        return WorkspaceText::tr("%1: enter the value of the header %2 again in Edit channel.")
            .arg(shown, field.mid(kHeaderPrefix.size()).section(QLatin1Char('/'), 0, 0));
    return {};
}

// One channel as the ordered fields of its JSON object; appends what was
// left out of it to `omitted`.
QList<std::pair<QLatin1String, QJsonValue>> channelFields(const ChannelConfig &config,
                                                          QStringList *omitted)
{
    // A copy with every secret that may not be written cleared: then
    // toVariantMap() writes only references.
    ChannelConfig shown = config;
    QStringList left;
    // The address's secrets are taken out below, by writableUrl().
    const QStringList addressFields = config.urlSecretFields();
    for (const QString &field : config.allSecretFields()) {
        if (addressFields.contains(field))
            continue;
        const QString value = config.secret(field);
        const bool keep = value.isEmpty() ? !config.pendingSecretFields.contains(field)
                                          : isReferenceOnly(value, field.startsWith(kHeaderPrefix));
        if (!keep) {
            left << field;
            shown.setSecret(field, QString());
        }
    }
    shown.pendingSecretFields.clear();
    if (shown.knobs.contains(kBodyKnob) &&
        bodyHoldsSecret(shown.knobs.value(kBodyKnob).toString())) {
        shown.knobs.remove(kBodyKnob);
        left << kBodyField;
    }

    QVariantMap map = shown.toVariantMap();
    bool redacted = false;
    map.insert(kUrlField, writableUrl(config.url, &redacted));
    // Secrets of the address still in the keychain (not read back yet)
    // are left out as well: the address has only their empty places.
    const bool pendingInAddress =
        std::any_of(config.pendingSecretFields.cbegin(), config.pendingSecretFields.cend(),
                    [&config, &addressFields](const QString &field) {
                        return addressFields.contains(field) && config.secret(field).isEmpty();
                    });
    if (redacted || pendingInAddress)
        left << kUrlField;
    // Written here rather than trusted to toVariantMap(): secret header
    // values are cleared above, references kept.
    map.insert(QStringLiteral("headers"), formatHeaderLines(shown.headers));
    QVariantMap knobs;
    for (auto it = shown.knobs.cbegin(); it != shown.knobs.cend(); ++it)
        knobs.insert(it.key(), it.value().toString());
    map.insert(QStringLiteral("knobs"), knobs);
    if (!left.isEmpty())
        map.insert(kOmittedKey, left);

    QList<std::pair<QLatin1String, QJsonValue>> result;
    for (const Field &field : fields()) {
        if (map.contains(field.key))
            result.append({field.key, QJsonValue::fromVariant(map.value(field.key))});
    }
    for (const QString &field : std::as_const(left))
        *omitted << omittedPhrase(config.name, field);
    return result;
}

// A JSON number that is a whole number in [min, max], or nullopt.
std::optional<qint64> wholeNumber(const QJsonValue &value, qint64 min, qint64 max)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    // Compared as doubles first: converting a double out of range is undefined.
    if (!std::isfinite(d) || d != std::trunc(d) || d < double(min) || d > double(max))
        return std::nullopt;
    return qint64(d);
}

// The value of `field` for ChannelConfig::fromVariantMap(), or the sentence
// saying what is wrong with it (after "... was skipped: ").
std::optional<QVariant> readField(const Field &field, const QJsonValue &value, QString *problem)
{
    const QString key = field.key;
    switch (field.kind) {
    case Kind::Text:
        if (value.isString())
            return value.toString();
        *problem = WorkspaceText::tr("\"%1\" must be text.").arg(key);
        return std::nullopt;
    case Kind::Bool:
        if (value.isBool())
            return value.toBool();
        *problem = WorkspaceText::tr("\"%1\" must be true or false.").arg(key);
        return std::nullopt;
    case Kind::Integer:
        if (const std::optional<qint64> number = wholeNumber(value, field.min, field.max))
            return *number;
        *problem = WorkspaceText::tr("\"%1\" must be a whole number from %L2 to %L3.")
                       .arg(key)
                       .arg(field.min)
                       .arg(field.max);
        return std::nullopt;
    case Kind::TextList:
        if (value.isArray()) {
            QStringList list;
            const QJsonArray array = value.toArray();
            for (const QJsonValue &item : array) {
                if (!item.isString())
                    break;
                list << item.toString();
            }
            if (list.size() == array.size())
                return list;
        }
        *problem = WorkspaceText::tr("\"%1\" must be a list of texts.").arg(key);
        return std::nullopt;
    case Kind::Knobs:
        if (value.isObject()) {
            QVariantMap knobs;
            const QJsonObject object = value.toObject();
            for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
                const QJsonValue knob = it.value();
                if (knob.isString())
                    knobs.insert(it.key(), knob.toString());
                else if (knob.isDouble() || knob.isBool()) // "hold": 20 means "20"
                    knobs.insert(it.key(), knob.toVariant().toString());
                else
                    break;
            }
            if (knobs.size() == object.size())
                return knobs;
        }
        *problem = WorkspaceText::tr("\"%1\" must be an object of texts, like {\"hold\": \"20\"}.")
                       .arg(key);
        return std::nullopt;
    case Kind::Auth:
        if (value.isString()) {
            const QString text = value.toString();
            if (text == QLatin1String("none") || text == QLatin1String("bearer") ||
                text == QLatin1String("basic"))
                return text;
        }
        *problem = WorkspaceText::tr("\"%1\" must be \"none\", \"bearer\" or \"basic\".").arg(key);
        return std::nullopt;
    }
    return std::nullopt;
}

// Header values reach the wire as they are: a line break in one would
// start another header.
bool hasControlCharacter(const QByteArray &value)
{
    return std::any_of(value.cbegin(), value.cend(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

// Reads channel `number` (1-based) of a file into `result`.
void readChannel(const QJsonValue &value, int number, WorkspaceImport *result)
{
    const QString unnamed = WorkspaceText::tr("Channel %1").arg(number);
    if (!value.isObject()) {
        result->warnings
            << WorkspaceText::tr("%1 was skipped: it is not a JSON object.").arg(unnamed);
        return;
    }
    const QJsonObject object = value.toObject();
    const QJsonValue nameValue = object.value(QLatin1String("name"));
    const QString label =
        nameValue.isString() && !nameValue.toString().trimmed().isEmpty()
            ? WorkspaceText::tr("Channel %1 (%2)").arg(number).arg(shownName(nameValue.toString()))
            : unnamed;

    QVariantMap map;
    for (const Field &field : fields()) {
        const QJsonValue fieldValue = object.value(field.key);
        if (fieldValue.isUndefined() || fieldValue.isNull())
            continue; // absent: the default
        QString problem;
        const std::optional<QVariant> read = readField(field, fieldValue, &problem);
        if (!read) {
            result->warnings << WorkspaceText::tr("%1 was skipped: %2").arg(label, problem);
            return;
        }
        map.insert(field.key, *read);
    }
    const QString name = map.value(QStringLiteral("name")).toString();
    if (name.trimmed().isEmpty()) {
        result->warnings << WorkspaceText::tr("%1 was skipped: it has no name.").arg(label);
        return;
    }
    const QString urlText = map.value(kUrlField).toString();
    if (urlText.trimmed().isEmpty()) {
        result->warnings << WorkspaceText::tr("%1 was skipped: it has no address.").arg(label);
        return;
    }
    if (const QString problem = checkFeedUrl(QUrl(urlText)); !problem.isEmpty()) {
        result->warnings << WorkspaceText::tr("%1 was skipped. %2").arg(label, problem);
        return;
    }

    ChannelConfig config = ChannelConfig::fromVariantMap(map);
    config.id = ChannelConfig::newId();
    config.pendingSecretFields.clear();
    config.transient = false;
    const QString shown = shownName(name);

    QStringList headerErrors;
    const HeaderList headers =
        parseHeaderLines(map.value(QStringLiteral("headers")).toString(), &headerErrors);
    for (const QString &error : std::as_const(headerErrors))
        result->warnings << WorkspaceText::tr("%1, headers: %2 It was left out.").arg(shown, error);
    config.headers.clear();
    for (const auto &header : headers) {
        if (hasControlCharacter(header.second)) {
            result->warnings << WorkspaceText::tr(
                                    "%1: the header %2 was left out: its value holds control "
                                    "characters.")
                                    .arg(shown, QString::fromLatin1(header.first));
            continue;
        }
        config.headers.append(header);
    }

    if (!profileIds().contains(config.profileId)) {
        result->warnings << WorkspaceText::tr(
                                "%1 uses the feed profile \"%2\", which this Longwatch does "
                                "not know; choose another in Edit channel.")
                                .arg(shown, shownName(config.profileId));
    }

    // What the export left out, unless the file was filled in since.
    const QStringList omitted = map.value(kOmittedKey).toStringList();
    QStringList missingSecrets;
    if (addressLacksSecrets(&config.url, omitted.contains(kUrlField))) {
        // Polled as it is, it would send the server an empty or a wrong
        // credential: it waits for the person.
        config.paused = true;
        result->warnings << reenterSentence(name, kUrlField);
        for (const QString &field : config.urlSecretFields()) {
            if (config.secret(field).isEmpty())
                missingSecrets << field;
        }
        if (missingSecrets.isEmpty()) // the user info was dropped: no place is left
            missingSecrets << kUrlField;
    }
    const QStringList secretFields = config.allSecretFields();
    QStringList warned = {kUrlField};
    for (const QString &field : omitted) {
        if (warned.contains(field))
            continue;
        const bool missing = (field == kBodyField && !config.knobs.contains(kBodyKnob)) ||
                             (secretFields.contains(field) && config.secret(field).isEmpty());
        const QString sentence = missing ? reenterSentence(name, field) : QString();
        if (!sentence.isEmpty()) {
            result->warnings << sentence;
            warned << field;
            missingSecrets << field;
        }
    }
    result->channels << config;
    result->missingSecrets << missingSecrets;
}

} // namespace

WorkspaceExport exportWorkspace(const QList<ChannelConfig> &channels, const QDateTime &exportedAt)
{
    WorkspaceExport result;
    const QDateTime when = exportedAt.isValid() ? exportedAt : QDateTime::currentDateTimeUtc();

    // Written by hand rather than by QJsonDocument, which sorts keys: a
    // person reading the file sees the format first and each channel's
    // name first. Values are QJsonDocument's own text.
    QByteArray &out = result.json;
    out += "{\n";
    out += "    \"format\": " + compactJson(QJsonValue(kFormat)) + ",\n";
    out += "    \"version\": " + QByteArray::number(kWorkspaceVersion) + ",\n";
    out += "    \"exported\": " + compactJson(when.toUTC().toString(Qt::ISODate)) + ",\n";
    out += "    \"channels\": [";
    bool first = true;
    for (const ChannelConfig &config : channels) {
        if (config.transient) {
            result.omitted << WorkspaceText::tr("%1: the whole channel (it is temporary)")
                                  .arg(shownName(config.name));
            continue;
        }
        out += first ? "\n        {\n" : ",\n        {\n";
        first = false;
        const auto channel = channelFields(config, &result.omitted);
        for (qsizetype i = 0; i < channel.size(); ++i) {
            out += "            " + compactJson(QJsonValue(channel.at(i).first)) + ": " +
                   compactJson(channel.at(i).second);
            out += i + 1 < channel.size() ? ",\n" : "\n";
        }
        out += "        }";
    }
    out += first ? "]\n" : "\n    ]\n";
    out += "}\n";
    return result;
}

WorkspaceImport importWorkspace(const QByteArray &json)
{
    WorkspaceImport result;
    if (json.size() > kWorkspaceMaxBytes) {
        result.error =
            WorkspaceText::tr("The file is larger than %1 MiB, too large for a workspace file.")
                .arg(kWorkspaceMaxBytes / (1024 * 1024));
        return result;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        result.error =
            WorkspaceText::tr("This is not a workspace file: it is not valid JSON (%1 at byte %2).")
                .arg(parseError.errorString())
                .arg(parseError.offset);
        return result;
    }
    if (!document.isObject()) {
        result.error = WorkspaceText::tr("This is not a workspace file: it holds no JSON object.");
        return result;
    }
    const QJsonObject root = document.object();
    if (root.value(QLatin1String("format")).toString() != kFormat) {
        result.error =
            WorkspaceText::tr("This is not a Longwatch workspace file: its \"format\" is not "
                              "\"%1\".")
                .arg(kFormat);
        return result;
    }
    const std::optional<qint64> version =
        wholeNumber(root.value(QLatin1String("version")), 1, INT_MAX);
    if (!version) {
        result.error = WorkspaceText::tr("The workspace file has no valid version number.");
        return result;
    }
    if (*version > kWorkspaceVersion) {
        result.error =
            WorkspaceText::tr("This workspace file has version %1, from a newer Longwatch; this "
                              "Longwatch reads workspace files up to version %2. Update "
                              "Longwatch to import it.")
                .arg(*version)
                .arg(kWorkspaceVersion);
        return result;
    }
    const QJsonValue channels = root.value(QLatin1String("channels"));
    if (!channels.isArray()) {
        result.error =
            WorkspaceText::tr("The workspace file has no list of channels (\"channels\").");
        return result;
    }
    const QJsonArray array = channels.toArray();
    if (array.size() > kWorkspaceMaxChannels) {
        result.error =
            WorkspaceText::tr("The workspace file has %L1 channels; Longwatch imports at most "
                              "%L2 at a time.")
                .arg(array.size())
                .arg(kWorkspaceMaxChannels);
        return result;
    }
    for (qsizetype i = 0; i < array.size(); ++i) {
        const qsizetype warningsBefore = result.warnings.size();
        const qsizetype channelsBefore = result.channels.size();
        readChannel(array.at(i), int(i + 1), &result);
        if (result.channels.size() == channelsBefore)
            result.skipped += result.warnings.mid(warningsBefore);
    }
    result.ok = true;
    return result;
}

} // namespace Longwatch
