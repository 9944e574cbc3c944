#pragma once

// Helpers for tests that publish to a reference FeedServer.

#include "feedserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace Longwatch::Testing {

/// Publishes `count` events of type "build" to `feed` of `server`, their
/// messages "event N" counted on from `*published`. With
/// `idsFollowTheCount` the test fails unless the server numbered them N too
/// (one feed, no other publisher); check QTest::currentTestFailed() after.
inline void publishBuilds(FeedServer &server, const QString &feed, int count, int *published,
                          bool idsFollowTheCount = true)
{
    for (int i = 0; i < count; ++i) {
        ++*published;
        const QJsonObject event = server.publish(
            feed, {{"type", "build"}, {"message", QStringLiteral("event %1").arg(*published)}});
        if (idsFollowTheCount)
            QCOMPARE(event.value("id").toInteger(), *published);
    }
}

/// The "key" of each NDJSON line longwatch-tail printed (TailSession or
/// the program).
inline QStringList printedKeys(const QByteArray &output)
{
    QStringList keys;
    for (const QByteArray &line : output.split('\n')) {
        if (!line.isEmpty())
            keys << QJsonDocument::fromJson(line).object().value(QStringLiteral("key")).toString();
    }
    return keys;
}

} // namespace Longwatch::Testing
