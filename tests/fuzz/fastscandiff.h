#pragma once

// The differential check behind tst_GenericJsonProfile::fastScan* and
// fuzz_fastjson: GenericJsonProfile::parse() with FastJsonScanner must give
// exactly what it gives with QJsonDocument alone, on every input: the same
// verdict, events (down to null against empty strings and the time's zone),
// cursor, reason and detail.

#include "genericjsonprofile.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Longwatch::FastScanDiff {

/// Option sets that reach every part of the fast scan: the seed-events
/// preset, a cursor in the body with noise types, nested paths, a top-level
/// array with a cursor from the last id, and an "ok" envelope.
inline QList<GenericJsonOptions> optionSets()
{
    using O = GenericJsonOptions;
    QList<O> sets;
    const QUrl url(QStringLiteral("http://feed.test/poll"));

    sets << GenericJsonProfile::seedEventsOptions(url);

    O body = GenericJsonProfile::seedEventsOptions(url);
    body.cursorSource = O::CursorSource::BodyPath;
    body.cursorSourceName = QStringLiteral("cursor");
    body.skipTypes = {QStringLiteral("keepalive"), QStringLiteral("open")};
    body.noNewsOnNull = false;
    sets << body;

    O nested = GenericJsonProfile::seedEventsOptions(url);
    nested.eventsPath = QStringLiteral("data.items");
    nested.idPath = QStringLiteral("meta.id");
    nested.typePath = QStringLiteral("kind");
    nested.textPath = QStringLiteral("body.text");
    nested.timePath = QStringLiteral("meta.at");
    nested.cursorSource = O::CursorSource::BodyPath;
    nested.cursorSourceName = QStringLiteral("data.next");
    sets << nested;

    O array = GenericJsonProfile::seedEventsOptions(url);
    array.eventsPath.clear();
    array.cursorSource = O::CursorSource::LastId;
    array.noNewsWhenCursorUnchanged = true;
    sets << array;

    O telegramLike = GenericJsonProfile::seedEventsOptions(url);
    telegramLike.eventsPath = QStringLiteral("result");
    telegramLike.idPath = QStringLiteral("update_id");
    telegramLike.cursorIncrement = 1;
    telegramLike.skipTypes = {QStringLiteral("ping")};
    telegramLike.okPath = QStringLiteral("ok");
    telegramLike.errorTextPath = QStringLiteral("description");
    telegramLike.retryAfterPath = QStringLiteral("parameters.retry_after");
    sets << telegramLike;
    return sets;
}

/// Cursors the differential check parses from.
inline QStringList cursors()
{
    return {QStringLiteral("0"), QStringLiteral("5"), QString(), QStringLiteral("abc")};
}

inline QString describe(const QString &text)
{
    return text.isNull() ? QStringLiteral("(null)") : QLatin1Char('"') + text + QLatin1Char('"');
}

inline QString differentText(const char *what, const QString &fast, const QString &general)
{
    if (fast == general && fast.isNull() == general.isNull())
        return {};
    return QStringLiteral("%1: fast %2, general %3")
        .arg(QLatin1String(what), describe(fast), describe(general));
}

/// Empty if `fast` and `general` are the same in everything a Poller, a
/// store or an exporter can see; otherwise what differs first.
inline QString difference(const PollResult &fast, const PollResult &general)
{
    if (fast.verdict != general.verdict)
        return QStringLiteral("verdict: fast %1, general %2")
            .arg(int(fast.verdict))
            .arg(int(general.verdict));
    QString why = differentText("cursor", fast.cursor, general.cursor);
    if (why.isEmpty())
        why = differentText("reason", fast.reason, general.reason);
    if (why.isEmpty())
        why = differentText("detail", fast.detail, general.detail);
    if (!why.isEmpty())
        return why;
    if (fast.malformed != general.malformed || fast.retryAfter != general.retryAfter)
        return QStringLiteral("malformed or retryAfter differ");
    if (fast.events.size() != general.events.size())
        return QStringLiteral("events: fast %1, general %2")
            .arg(fast.events.size())
            .arg(general.events.size());
    for (qsizetype i = 0; i < fast.events.size(); ++i) {
        const Event &a = fast.events.at(i);
        const Event &b = general.events.at(i);
        QString eventWhy = differentText("key", a.key, b.key);
        if (eventWhy.isEmpty())
            eventWhy = differentText("type", a.type, b.type);
        if (eventWhy.isEmpty())
            eventWhy = differentText("text", a.text, b.text);
        if (eventWhy.isEmpty() && (a.raw != b.raw || a.raw.isNull() != b.raw.isNull()))
            eventWhy = QStringLiteral("raw: fast %1, general %2")
                           .arg(QString::fromUtf8(a.raw), QString::fromUtf8(b.raw));
        if (eventWhy.isEmpty() &&
            (a.time.isValid() != b.time.isValid() ||
             (a.time.isValid() && (a.time.toMSecsSinceEpoch() != b.time.toMSecsSinceEpoch() ||
                                   a.time.timeSpec() != b.time.timeSpec() ||
                                   a.time.offsetFromUtc() != b.time.offsetFromUtc()))))
            eventWhy =
                QStringLiteral("time: fast %1, general %2")
                    .arg(a.time.toString(Qt::ISODateWithMs), b.time.toString(Qt::ISODateWithMs));
        if (eventWhy.isEmpty() && a.receivedUsecs != b.receivedUsecs)
            eventWhy = QStringLiteral("receivedUsecs");
        if (!eventWhy.isEmpty())
            return QStringLiteral("event %1: %2").arg(i).arg(eventWhy);
    }
    return {};
}

/// Parses a 200 with `body` from `cursor` both ways; empty if they agree.
inline QString compare(const GenericJsonOptions &options, const QByteArray &body,
                       const QString &cursor)
{
    GenericJsonProfile fast(options);
    GenericJsonProfile general(options);
    general.setFastScanEnabled(false);
    PollResponse response;
    response.status = 200;
    response.body = body;
    return difference(fast.parse(response, cursor), general.parse(response, cursor));
}

} // namespace Longwatch::FastScanDiff
