#pragma once

// Helpers for tests that read what an event log holds.

#include "eventlog.h"

#include <QStringList>
#include <QtGlobal>

namespace Longwatch::Testing {

/// "first", ..., "last" as text: the keys a feed numbers its events with.
inline QStringList numbers(int first, int last)
{
    QStringList list;
    for (int i = first; i <= last; ++i)
        list << QString::number(i);
    return list;
}

/// Every stored key of the log at `path`, in stored order, read page by
/// page; every event must belong to `channel` (the test fails otherwise).
inline QStringList storedKeys(const QString &path, const QString &channel)
{
    EventLog store;
    if (!store.open(path, EventLog::OpenMode::MustExist))
        qFatal("%s", qPrintable(store.errorString()));
    QStringList keys;
    EventPage page;
    page.limit = 5000;
    for (;;) {
        bool ok = false;
        const StoredEventList events = store.events({}, page, &ok);
        if (!ok)
            qFatal("%s", qPrintable(store.errorString()));
        for (const StoredEvent &stored : events) {
            if (stored.channel != channel)
                qFatal("unexpected channel %s", qPrintable(stored.channel));
            keys << stored.event.key;
        }
        if (events.size() < page.limit)
            return keys;
        page.afterSeq = events.constLast().seq;
    }
}

} // namespace Longwatch::Testing
