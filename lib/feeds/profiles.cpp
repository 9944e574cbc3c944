#include "profiles.h"

#include "genericjsonprofile.h"
#include "profiles/consulprofile.h"
#include "profiles/couchdbprofile.h"
#include "profiles/etcdprofile.h"
#include "profiles/kubernetesprofile.h"
#include "profiles/matrixprofile.h"
#include "profiles/nchanprofile.h"
#include "profiles/ntfyprofile.h"
#include "profiles/sseprofile.h"
#include "profiles/telegramprofile.h"
#include "profiles/zulipprofile.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace Longwatch {

namespace {

template<typename Enum>
bool pickEnum(const QString &value, std::initializer_list<std::pair<const char *, Enum>> choices,
              Enum *out)
{
    for (const auto &[name, e] : choices) {
        if (value.compare(QLatin1String(name), Qt::CaseInsensitive) == 0) {
            *out = e;
            return true;
        }
    }
    return false;
}

} // namespace

QStringList profileIds()
{
    return {QStringLiteral("seed-events"),
            QStringLiteral("seed-queue"),
            QStringLiteral("couchdb-changes"),
            QStringLiteral("nchan"),
            QStringLiteral("sse"),
            QStringLiteral("consul-blocking"),
            QStringLiteral("etcd-watch"),
            QStringLiteral("kubernetes-watch"),
            QStringLiteral("matrix-sync"),
            QStringLiteral("zulip-events"),
            QStringLiteral("telegram-getupdates"),
            QStringLiteral("ntfy"),
            QStringLiteral("generic-json")};
}

QString profileDescription(const QString &id)
{
    if (id == QLatin1String("seed-events"))
        return ProfileText::tr(
            "GET url?last_id=N, answers {\"events\":[...]}; the cursor is the largest id.");
    if (id == QLatin1String("seed-queue"))
        return ProfileText::tr(
            "GET /receive, answers {\"message\": value or null}; the server pops messages.");
    if (id == QLatin1String("couchdb-changes"))
        return ProfileText::tr(
            "CouchDB /<db>/_changes?feed=longpoll&since=<seq>; one event per (id, rev).");
    if (id == QLatin1String("nchan"))
        return ProfileText::tr(
            "Nchan long-poll subscriber /sub/<channel>; the cursor is Nchan's message id "
            "(Last-Modified seconds:Etag).");
    if (id == QLatin1String("sse"))
        return ProfileText::tr(
            "Server-Sent Events (text/event-stream) read as they arrive; the cursor is the last "
            "event id, sent back as Last-Event-ID.");
    if (id == QLatin1String("consul-blocking"))
        return ProfileText::tr(
            "Consul or Nomad blocking query /v1/<endpoint>?index=N&wait=...; an event "
            "when the state changes.");
    if (id == QLatin1String("etcd-watch"))
        return ProfileText::tr(
            "etcd watch: /v2/keys/<dir> (v2 long poll, waitIndex) or /v3/watch/<key prefix> "
            "(v3 watch stream); the cursor is the next index or revision.");
    if (id == QLatin1String("kubernetes-watch"))
        return ProfileText::tr(
            "Kubernetes collection (/api/v1/namespaces/<ns>/pods, /apis/batch/v1/.../jobs): "
            "listed, then watched from its resourceVersion; Jobs and Pods on the job board.");
    if (id == QLatin1String("matrix-sync"))
        return ProfileText::tr(
            "Matrix /_matrix/client/v3/sync?since=<next_batch>: every joined room's timeline "
            "from now on; the access token is the channel's bearer token.");
    if (id == QLatin1String("zulip-events"))
        return ProfileText::tr(
            "Zulip event queue: registered (/api/v1/register), then /api/v1/events long polls; "
            "user is the email address, password the API key.");
    if (id == QLatin1String("telegram-getupdates"))
        return ProfileText::tr("Telegram Bot API <base>/bot<token>/getUpdates?offset=N&timeout=s.");
    if (id == QLatin1String("ntfy"))
        return ProfileText::tr(
            "ntfy topic's JSON stream /<topic>/json?since=<id>, read as it arrives (mode poll: "
            "poll=1, every 5 s).");
    if (id == QLatin1String("generic-json"))
        return ProfileText::tr("Any JSON long-poll feed, described by the knobs.");
    return {};
}

QList<ProfileKnob> profileKnobs()
{
    return {
        {QStringLiteral("mode"), ProfileText::tr("Ask the server by"),
         ProfileText::tr("stream (one answer kept open, events as they come) or poll (one "
                         "request per answer); ntfy and couchdb-changes")},
        {QStringLiteral("rooms"), ProfileText::tr("Matrix rooms"),
         ProfileText::tr("matrix-sync: comma list of room ids to follow (!id:server; empty: every "
                         "joined room)")},
        {QStringLiteral("sync-filter"), ProfileText::tr("Matrix sync filter"),
         ProfileText::tr("matrix-sync: a filter id or a JSON filter instead of the profile's "
                         "(timelines only)")},
        {QStringLiteral("event-types"), ProfileText::tr("Zulip event types"),
         ProfileText::tr("zulip-events: comma list of event types the queue gets (default: "
                         "message)")},
        {QStringLiteral("narrow"), ProfileText::tr("Zulip narrow"),
         ProfileText::tr("zulip-events: JSON list of [operator, operand], e.g. "
                         "[[\"channel\",\"ci\"]]")},
        {QStringLiteral("method"), ProfileText::tr("Request method"),
         ProfileText::tr("GET or POST")},
        {QStringLiteral("body"), ProfileText::tr("Request body"),
         ProfileText::tr("JSON object sent with POST")},
        {QStringLiteral("cursor-target"), ProfileText::tr("Cursor goes in"),
         ProfileText::tr("where the cursor goes: none, query, header, body")},
        {QStringLiteral("cursor-name"), ProfileText::tr("Cursor is sent as"),
         ProfileText::tr("query parameter, header name or body path of the cursor")},
        {QStringLiteral("initial-cursor"), ProfileText::tr("First cursor"),
         ProfileText::tr("cursor of the first request (empty: none)")},
        {QStringLiteral("cursor-from"), ProfileText::tr("Next cursor comes from"),
         ProfileText::tr("where the next cursor comes from: none, body, header, max-id, last-id")},
        {QStringLiteral("cursor-from-name"), ProfileText::tr("Next cursor is at"),
         ProfileText::tr("body path or header name of the next cursor")},
        {QStringLiteral("cursor-increment"), ProfileText::tr("Add to the largest id"),
         ProfileText::tr("added to the largest id (max-id), e.g. 1")},
        {QStringLiteral("events-at"), ProfileText::tr("Events come as"),
         ProfileText::tr("array (at the events path), whole (one event), ndjson")},
        {QStringLiteral("stream"), ProfileText::tr("Answer is read"),
         ProfileText::tr(
             "off, ndjson (lines as they arrive) or sse; each JSON value is an answer")},
        {QStringLiteral("events-path"), ProfileText::tr("Events are at (JSON path)"),
         ProfileText::tr("JSON path of the events array (empty: the body); * is every member")},
        {QStringLiteral("id-path"), ProfileText::tr("Event id (JSON path)"),
         ProfileText::tr("JSON path of an event's id")},
        {QStringLiteral("type-path"), ProfileText::tr("Event type (JSON path)"),
         ProfileText::tr("JSON path of an event's type")},
        {QStringLiteral("text-path"), ProfileText::tr("Event text (JSON path)"),
         ProfileText::tr("JSON path of an event's text")},
        {QStringLiteral("time-path"), ProfileText::tr("Event time (JSON path)"),
         ProfileText::tr("JSON path of an event's time")},
        {QStringLiteral("skip-types"), ProfileText::tr("Event types to ignore"),
         ProfileText::tr("comma list of event types to ignore (keepalive, open)")},
        {QStringLiteral("no-news"), ProfileText::tr("No news is"),
         ProfileText::tr(
             "comma list of what means no news: 304, 408, 204, empty, null, unchanged")},
        {QStringLiteral("conditional"), ProfileText::tr("Ask only if changed"),
         ProfileText::tr("yes: send If-None-Match / If-Modified-Since; a 304 is no news")},
        {QStringLiteral("hold"), ProfileText::tr("Hold time"),
         ProfileText::tr("how long the server holds a request, in seconds")},
        {QStringLiteral("poll-interval"), ProfileText::tr("Least time between polls"),
         ProfileText::tr(
             "least seconds between two polls, for feeds that answer at once instead of holding")},
        {QStringLiteral("poll-interval-header"), ProfileText::tr("Server's pace header"),
         ProfileText::tr("header of the least seconds until the next poll, e.g. X-Poll-Interval")},
        {QStringLiteral("hold-param"), ProfileText::tr("Hold time is sent as"),
         ProfileText::tr("query parameter that tells the server the hold time")},
        {QStringLiteral("hold-unit"), ProfileText::tr("Hold time is counted in"),
         ProfileText::tr("unit of the hold time parameter: s, ms, go")},
        {QStringLiteral("retry-after-path"), ProfileText::tr("Retry hint (JSON path)"),
         ProfileText::tr("JSON path of a retry hint in seconds")},
        {QStringLiteral("ok-path"), ProfileText::tr("Success flag (JSON path)"),
         ProfileText::tr("JSON path that must be true in a good answer")},
        {QStringLiteral("error-text-path"), ProfileText::tr("Error text (JSON path)"),
         ProfileText::tr("JSON path of the error text when it is not")},
        {QStringLiteral("bootstrap-url"), ProfileText::tr("Bootstrap request URL"),
         ProfileText::tr("a first request; its answer fills ${bootstrap:name} in the poll")},
        {QStringLiteral("bootstrap-method"), ProfileText::tr("Bootstrap method"),
         ProfileText::tr("GET or POST")},
        {QStringLiteral("bootstrap-body"), ProfileText::tr("Bootstrap body"),
         ProfileText::tr("JSON object sent with a POST bootstrap request")},
        {QStringLiteral("bootstrap-values"), ProfileText::tr("Bootstrap values"),
         ProfileText::tr("comma list of name=JSON path in its answer, e.g. queue_id=queue_id")},
        {QStringLiteral("bootstrap-again-on"), ProfileText::tr("Bootstrap again on"),
         ProfileText::tr("status and/or path=value, e.g. 400, code=BAD_EVENT_QUEUE_ID")},
    };
}

bool profileTakesKnob(const QString &profileId, const QString &knob)
{
    const QString hold = QStringLiteral("hold");
    const QString initialCursor = QStringLiteral("initial-cursor");
    const QString mode = QStringLiteral("mode");
    const QStringList ownKnobsOfOthers =
        QStringList{mode} + MatrixProfile::ownKnobs() + ZulipProfile::ownKnobs();
    if (profileId == QLatin1String("generic-json") || profileId == QLatin1String("seed-events") ||
        profileId == QLatin1String("seed-queue"))
        return !ownKnobsOfOthers.contains(knob);
    if (profileId == NtfyProfile::profileId() || profileId == CouchDbProfile::profileId())
        return knob == hold || knob == initialCursor || knob == mode;
    if (profileId == MatrixProfile::profileId())
        return knob == hold || knob == initialCursor || MatrixProfile::ownKnobs().contains(knob);
    if (profileId == ZulipProfile::profileId())
        return knob == hold || ZulipProfile::ownKnobs().contains(knob);
    if (profileIds().contains(profileId))
        return knob == hold || knob == initialCursor;
    return true;
}

QList<std::pair<QString, QString>> knobNames()
{
    QList<std::pair<QString, QString>> names;
    for (const ProfileKnob &knob : profileKnobs())
        names.append({knob.name, knob.help});
    return names;
}

QStringList applyKnobs(GenericJsonOptions &o, const QVariantMap &knobs)
{
    using O = GenericJsonOptions;
    QStringList errors;
    const auto known = knobNames();
    for (auto it = knobs.cbegin(); it != knobs.cend(); ++it) {
        const QString &name = it.key();
        const QString value = it.value().toString().trimmed();
        const bool isKnown = std::any_of(known.cbegin(), known.cend(),
                                         [&](const auto &k) { return k.first == name; });
        if (!isKnown) {
            errors << ProfileText::tr("Unknown setting '%1'.").arg(name);
            continue;
        }
        bool ok = true;
        if (name == QLatin1String("mode")) {
            // Checked here, taken by the profiles that can stream
            // (createProfile() refuses it for the others).
            ok = value.compare(QLatin1String("stream"), Qt::CaseInsensitive) == 0 ||
                 value.compare(QLatin1String("poll"), Qt::CaseInsensitive) == 0;
        } else if (MatrixProfile::ownKnobs().contains(name) ||
                   ZulipProfile::ownKnobs().contains(name)) {
            // Taken by their own profile (createProfile() refuses them for
            // the others); checked here too, so a form shows why at the field.
            QString problem = MatrixProfile::knobProblem(name, value);
            if (problem.isEmpty())
                problem = ZulipProfile::knobProblem(name, value);
            if (!problem.isEmpty()) {
                errors << problem;
                continue;
            }
        } else if (name == QLatin1String("method")) {
            o.method = value.toUpper().toLatin1();
        } else if (name == QLatin1String("body")) {
            o.bodyTemplate = value.toUtf8();
        } else if (name == QLatin1String("cursor-target")) {
            ok = pickEnum<O::CursorTarget>(value,
                                           {{"none", O::CursorTarget::None},
                                            {"query", O::CursorTarget::Query},
                                            {"header", O::CursorTarget::Header},
                                            {"body", O::CursorTarget::BodyField}},
                                           &o.cursorTarget);
        } else if (name == QLatin1String("cursor-name")) {
            o.cursorName = value;
        } else if (name == QLatin1String("initial-cursor")) {
            o.initialCursor = value;
        } else if (name == QLatin1String("cursor-from")) {
            ok = pickEnum<O::CursorSource>(value,
                                           {{"none", O::CursorSource::None},
                                            {"body", O::CursorSource::BodyPath},
                                            {"header", O::CursorSource::Header},
                                            {"max-id", O::CursorSource::MaxId},
                                            {"last-id", O::CursorSource::LastId}},
                                           &o.cursorSource);
        } else if (name == QLatin1String("cursor-from-name")) {
            o.cursorSourceName = value;
        } else if (name == QLatin1String("cursor-increment")) {
            o.cursorIncrement = value.toInt(&ok);
        } else if (name == QLatin1String("events-at")) {
            ok = pickEnum<O::EventsAt>(value,
                                       {{"array", O::EventsAt::ArrayPath},
                                        {"whole", O::EventsAt::WholeBody},
                                        {"ndjson", O::EventsAt::NdjsonLines}},
                                       &o.eventsAt);
        } else if (name == QLatin1String("events-path")) {
            o.eventsPath = value;
        } else if (name == QLatin1String("id-path")) {
            o.idPath = value;
        } else if (name == QLatin1String("type-path")) {
            o.typePath = value;
        } else if (name == QLatin1String("text-path")) {
            o.textPath = value;
        } else if (name == QLatin1String("time-path")) {
            o.timePath = value;
        } else if (name == QLatin1String("no-news")) {
            o.noNewsOn304 = o.noNewsOn408 = o.noNewsOn204 = false;
            o.noNewsOnEmptyBody = o.noNewsOnNull = o.noNewsWhenCursorUnchanged = false;
            for (const QString &word : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const QString w = word.trimmed().toLower();
                if (w == QLatin1String("304"))
                    o.noNewsOn304 = true;
                else if (w == QLatin1String("408"))
                    o.noNewsOn408 = true;
                else if (w == QLatin1String("204"))
                    o.noNewsOn204 = true;
                else if (w == QLatin1String("empty"))
                    o.noNewsOnEmptyBody = true;
                else if (w == QLatin1String("null"))
                    o.noNewsOnNull = true;
                else if (w == QLatin1String("unchanged"))
                    o.noNewsWhenCursorUnchanged = true;
                else
                    ok = false;
            }
        } else if (name == QLatin1String("hold")) {
            const double seconds = value.toDouble(&ok);
            ok = ok && seconds > 0 && seconds <= 3600;
            if (ok)
                o.holdTime = std::chrono::milliseconds(qint64(seconds * 1000));
        } else if (name == QLatin1String("poll-interval")) {
            const double seconds = value.toDouble(&ok);
            ok = ok && seconds >= 0 && seconds <= 86400;
            if (ok)
                o.pollInterval = std::chrono::milliseconds(qint64(seconds * 1000));
        } else if (name == QLatin1String("hold-param")) {
            o.holdParam = value;
        } else if (name == QLatin1String("hold-unit")) {
            ok = pickEnum<O::HoldUnit>(value,
                                       {{"s", O::HoldUnit::Seconds},
                                        {"ms", O::HoldUnit::Milliseconds},
                                        {"go", O::HoldUnit::GoDuration}},
                                       &o.holdUnit);
        } else if (name == QLatin1String("skip-types")) {
            o.skipTypes.clear();
            for (const QString &t : value.split(QLatin1Char(','), Qt::SkipEmptyParts))
                o.skipTypes << t.trimmed();
        } else if (name == QLatin1String("retry-after-path")) {
            o.retryAfterPath = value;
        } else if (name == QLatin1String("ok-path")) {
            o.okPath = value;
        } else if (name == QLatin1String("error-text-path")) {
            o.errorTextPath = value;
        } else if (name == QLatin1String("stream")) {
            ok = pickEnum<O::StreamFormat>(value,
                                           {{"off", O::StreamFormat::None},
                                            {"no", O::StreamFormat::None},
                                            {"ndjson", O::StreamFormat::Ndjson},
                                            {"sse", O::StreamFormat::Sse}},
                                           &o.stream);
        } else if (name == QLatin1String("conditional")) {
            ok = pickEnum<bool>(value,
                                {{"yes", true},
                                 {"on", true},
                                 {"true", true},
                                 {"no", false},
                                 {"off", false},
                                 {"false", false}},
                                &o.conditional);
        } else if (name == QLatin1String("poll-interval-header")) {
            o.pollIntervalHeader = value;
        } else if (name == QLatin1String("bootstrap-url")) {
            // Relative to the feed's URL (set before the knobs).
            o.bootstrapUrl = value.isEmpty() ? QUrl() : o.url.resolved(QUrl(value));
        } else if (name == QLatin1String("bootstrap-method")) {
            o.bootstrapMethod = value.toUpper().toLatin1();
        } else if (name == QLatin1String("bootstrap-body")) {
            o.bootstrapBody = value.toUtf8();
        } else if (name == QLatin1String("bootstrap-values")) {
            o.bootstrapValues.clear();
            for (const QString &item : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const qsizetype equals = item.indexOf(QLatin1Char('='));
                const QString key = item.left(equals).trimmed();
                const QString path = equals < 0 ? key : item.mid(equals + 1).trimmed();
                static const QRegularExpression kName(QStringLiteral("^[A-Za-z0-9_.-]+$"));
                ok = ok && kName.match(key).hasMatch();
                o.bootstrapValues.append({key, path});
            }
        } else if (name == QLatin1String("bootstrap-again-on")) {
            o.bootstrapAgainStatus = 0;
            o.bootstrapAgainPath.clear();
            o.bootstrapAgainValue.clear();
            for (const QString &item : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const QString word = item.trimmed();
                const qsizetype equals = word.indexOf(QLatin1Char('='));
                if (equals < 0) {
                    bool isNumber = false;
                    const int status = word.toInt(&isNumber);
                    ok = ok && isNumber && status >= 100 && status <= 599 &&
                         o.bootstrapAgainStatus == 0;
                    o.bootstrapAgainStatus = status;
                    continue;
                }
                // "code=X" or "code == X"
                QString wanted = word.mid(equals + 1);
                if (wanted.startsWith(QLatin1Char('=')))
                    wanted.remove(0, 1);
                ok = ok && equals > 0 && o.bootstrapAgainPath.isEmpty();
                o.bootstrapAgainPath = word.left(equals).trimmed();
                o.bootstrapAgainValue = wanted.trimmed();
            }
        }
        if (!ok)
            errors << ProfileText::tr("'%1' is not a valid value for %2.").arg(value, name);
    }
    return errors;
}

std::unique_ptr<FeedProfile> createProfile(const QString &id, const QUrl &url,
                                           const QVariantMap &knobs, QStringList *errors)
{
    // Only these profiles can be asked either way.
    const QStringList takeMode{NtfyProfile::profileId(), CouchDbProfile::profileId()};
    if (knobs.contains(QStringLiteral("mode")) && !takeMode.contains(id)) {
        if (errors)
            *errors << ProfileText::tr("The setting 'mode' does not apply to the %1 profile (only "
                                       "to %2).")
                           .arg(id, takeMode.join(QStringLiteral(", ")));
        return nullptr;
    }
    // Knobs of one profile only: refused elsewhere rather than ignored.
    for (const auto &[owner, names] :
         {std::pair(MatrixProfile::profileId(), MatrixProfile::ownKnobs()),
          std::pair(ZulipProfile::profileId(), ZulipProfile::ownKnobs())}) {
        if (id == owner)
            continue;
        for (const QString &name : names) {
            if (knobs.contains(name)) {
                if (errors)
                    *errors << ProfileText::tr("The setting '%1' applies only to the %2 profile.")
                                   .arg(name, owner);
                return nullptr;
            }
        }
    }
    // Only generic-json and its presets read answers as streams of their own;
    // the other profiles say how their feed streams.
    const QString streamKnob = QStringLiteral("stream");
    const QString streamValue = knobs.value(streamKnob).toString().trimmed().toLower();
    if (!streamValue.isEmpty() && streamValue != QLatin1String("off") &&
        streamValue != QLatin1String("no") && id != QLatin1String("generic-json") &&
        id != QLatin1String("seed-events") && id != QLatin1String("seed-queue")) {
        if (errors)
            *errors << ProfileText::tr("The setting 'stream' does not apply to the %1 profile "
                                       "(only to generic-json).")
                           .arg(id);
        return nullptr;
    }
    // Feeds a JSON path cannot describe have classes of their own.
    if (id == CouchDbProfile::profileId())
        return CouchDbProfile::create(url, knobs, errors);
    if (id == NchanProfile::profileId())
        return NchanProfile::create(url, knobs, errors);
    if (id == SseProfile::profileId())
        return SseProfile::create(url, knobs, errors);
    if (id == NtfyProfile::profileId())
        return NtfyProfile::create(url, knobs, errors);
    if (id == ConsulProfile::profileId())
        return ConsulProfile::create(url, knobs, errors);
    if (id == EtcdProfile::profileId())
        return EtcdProfile::create(url, knobs, errors);
    if (id == KubernetesProfile::profileId())
        return KubernetesProfile::create(url, knobs, errors);
    if (id == MatrixProfile::profileId())
        return MatrixProfile::create(url, knobs, errors);
    if (id == ZulipProfile::profileId())
        return ZulipProfile::create(url, knobs, errors);
    if (id == TelegramProfile::profileId())
        return TelegramProfile::create(url, knobs, errors);
    GenericJsonOptions options;
    if (id == QLatin1String("seed-events") || id == QLatin1String("generic-json"))
        options = GenericJsonProfile::seedEventsOptions(url);
    else if (id == QLatin1String("seed-queue"))
        options = GenericJsonProfile::seedQueueOptions(url);
    else {
        if (errors)
            *errors << ProfileText::tr("Unknown profile '%1'; known profiles: %2.")
                           .arg(id, profileIds().join(QStringLiteral(", ")));
        return nullptr;
    }
    QStringList problems = applyKnobs(options, knobs);
    problems << options.validate();
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<GenericJsonProfile>(std::move(options), id);
}

} // namespace Longwatch
