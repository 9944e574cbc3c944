#include "eventlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimeZone>

#include <thread>

#include <sys/stat.h>
#include <unistd.h>

Q_DECLARE_METATYPE(Longwatch::EventQuery)

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

int latestVersion()
{
    return EventLog::builtinMigrations().constLast().version;
}

// The permission bits of a file (0600, 0644), or -1 if it is not there.
int modeOf(const QString &path)
{
    struct stat info
    {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 0777);
}

constexpr qint64 kT0 = 1'700'000'000'000'000; // µs, 2023-11-14

Event makeEvent(const QString &key, const QString &text = QString(),
                const QString &type = QStringLiteral("build"), qint64 received = kT0)
{
    Event event;
    event.key = key;
    event.type = type;
    event.text = text.isNull() ? QStringLiteral("event ") + key : text;
    event.receivedUsecs = received;
    QJsonObject raw{{QStringLiteral("type"), type}, {QStringLiteral("message"), event.text}};
    if (!key.isEmpty())
        raw.insert(QStringLiteral("id"), key);
    event.raw = QJsonDocument(raw).toJson(QJsonDocument::Compact);
    return event;
}

// Designated initializers would read better, but GCC 12 warns about every
// field they leave out (-Wmissing-field-initializers).
EventQuery makeQuery(const QStringList &channels, const QStringList &types = {},
                     const QString &text = {}, std::optional<qint64> since = std::nullopt,
                     std::optional<qint64> until = std::nullopt)
{
    EventQuery q;
    q.channels = channels;
    q.types = types;
    q.text = text;
    q.sinceUsecs = since;
    q.untilUsecs = until;
    return q;
}

RetentionPolicy keep(qint64 maxEvents, std::chrono::seconds maxAge = std::chrono::seconds(0))
{
    RetentionPolicy policy;
    policy.maxEvents = maxEvents;
    policy.maxAge = maxAge;
    return policy;
}

EventList makeEvents(const QStringList &keys)
{
    EventList events;
    for (const QString &key : keys)
        events.append(makeEvent(key));
    return events;
}

QStringList keysOf(const StoredEventList &events)
{
    QStringList keys;
    for (const StoredEvent &stored : events)
        keys << stored.event.key;
    return keys;
}

/// Every event matching `query`, read in keyset pages of `pageSize`.
StoredEventList readAll(EventLog &store, const EventQuery &query, int pageSize,
                        bool newestFirst = false)
{
    StoredEventList all;
    EventPage page;
    page.limit = pageSize;
    page.newestFirst = newestFirst;
    for (int guard = 0; guard < 100'000; ++guard) {
        bool ok = false;
        const StoredEventList events = store.events(query, page, &ok);
        if (!ok)
            qFatal("reading failed: %s", qPrintable(store.errorString()));
        all += events;
        if (events.size() < pageSize)
            break;
        if (newestFirst)
            page.beforeSeq = events.constLast().seq;
        else
            page.afterSeq = events.constLast().seq;
    }
    return all;
}

qint64 scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        qFatal("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
    return query.value(0).toLongLong();
}

/// The events of the window-query tests: 3 channels, 2 types, received 1 ms apart.
struct Sample
{
    QString channel;
    Event event;
};

QList<Sample> windowSamples()
{
    QList<Sample> samples;
    const QStringList channels = {QStringLiteral("alpha"), QStringLiteral("beta"),
                                  QStringLiteral("gamma")};
    for (int i = 0; i < 3000; ++i) {
        QString text = QStringLiteral("Event %1").arg(i);
        if (i % 100 == 7)
            text = QStringLiteral("Deploy 100% done");
        if (i % 100 == 8)
            text = QStringLiteral("Deploy 100 done_x");
        const QString type = i % 2 ? QStringLiteral("deploy") : QStringLiteral("build");
        samples.append({channels.at(i % 3),
                        makeEvent(QString::number(i), text, type, kT0 + qint64(i) * 1000)});
    }
    return samples;
}

} // namespace

class tst_EventLog : public QObject
{
    Q_OBJECT

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("events.sqlite")); }
    std::unique_ptr<QTemporaryDir> m_dir;

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void newStoreUsesWalAndNormalSync()
    {
        EventLog store;
        QVERIFY2(store.open(dbPath()), qPrintable(store.errorString()));
        QCOMPARE(store.error(), EventLog::Error::NoError);
        QCOMPARE(store.schemaVersion(), latestVersion());
        QSqlQuery query(store.database());
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
        QCOMPARE(scalar(store.database(), QStringLiteral("PRAGMA synchronous")), 1); // NORMAL
        QCOMPARE(scalar(store.database(), QStringLiteral("SELECT version FROM schema_version")),
                 latestVersion());
    }

    // Events quote what feeds send: the log and the files SQLite keeps
    // beside it are the user's alone, whatever the umask says.
    void theLogIsReadableByTheUserAlone()
    {
        const mode_t before = ::umask(022);
        const auto restore = qScopeGuard([before] { ::umask(before); });
        const QString path = m_dir->filePath(QStringLiteral("new/events.sqlite"));
        EventLog store;
        QVERIFY2(store.open(path), qPrintable(store.errorString()));
        QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("2")));
        for (const QString &file : {path, path + "-wal", path + "-shm"}) {
            QVERIFY2(QFileInfo::exists(file), qPrintable(file));
            QCOMPARE(modeOf(file), 0600);
        }
    }

    void anOlderWideLogIsNarrowed()
    {
        const mode_t before = ::umask(022);
        const auto restore = qScopeGuard([before] { ::umask(before); });
        {
            EventLog store;
            QVERIFY(store.open(dbPath()));
            QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1"}), QStringLiteral("1")));
        }
        constexpr auto kWide = QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                               QFileDevice::ReadGroup | QFileDevice::ReadOther;
        for (const QString &file : {dbPath(), dbPath() + "-wal", dbPath() + "-shm"}) {
            if (QFileInfo::exists(file))
                QVERIFY(QFile::setPermissions(file, kWide));
        }
        QCOMPARE(modeOf(dbPath()), 0644);
        EventLog store;
        QVERIFY(store.open(dbPath()));
        QCOMPARE(store.countEvents({}), 1);
        for (const QString &file : {dbPath(), dbPath() + "-wal", dbPath() + "-shm"}) {
            if (QFileInfo::exists(file))
                QCOMPARE(modeOf(file), 0600);
        }
    }

    void appendKeepsEveryField()
    {
        EventLog store;
        QVERIFY(store.open(dbPath()));
        Event full;
        full.key = QStringLiteral("17");
        full.type = QStringLiteral("job.failed");
        full.text = QStringLiteral("Größe, \"quoted\"\nsecond line ✓");
        full.time = QDateTime(QDate(2026, 3, 1), QTime(12, 30, 45, 123), QTimeZone(7200));
        full.receivedUsecs = kT0 + 123'456;
        full.raw = QByteArrayLiteral("{\"id\":17,\"message\":\"Gr\xc3\xb6\xc3\x9f"
                                     "e\",\"n\":2.50}");
        Event keyless;
        keyless.text = QStringLiteral("no key, no type, no time");
        keyless.receivedUsecs = kT0;
        keyless.raw = QByteArrayLiteral("\"a bare string\"");

        const std::optional<AppendResult> result =
            store.append(QStringLiteral("builds"), {full, keyless}, QStringLiteral("17"));
        QVERIFY2(result, qPrintable(store.errorString()));
        QCOMPARE(result->added, 2);
        QCOMPARE(result->duplicates, 0);

        const StoredEventList stored = readAll(store, {}, 10);
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored.at(0).channel, QStringLiteral("builds"));
        QCOMPARE(stored.at(0).event, full);
        QCOMPARE(stored.at(0).event.raw, full.raw); // byte for byte
        QCOMPARE(stored.at(1).event, keyless);
        QVERIFY(!stored.at(1).event.time.isValid());
        QVERIFY(stored.at(0).seq < stored.at(1).seq);
        QCOMPARE(store.cursor(QStringLiteral("builds")), std::optional(QStringLiteral("17")));
    }

    void duplicatesAreIgnored_data()
    {
        // Each batch is "channel:key,key,..."; "~" stands for an event without a key.
        QTest::addColumn<QStringList>("batches");
        QTest::addColumn<QList<int>>("added");
        QTest::addColumn<QList<int>>("duplicates");
        QTest::addColumn<qint64>("total");

        QTest::newRow("a key repeated within one batch is stored once")
            << QStringList{"a:1,2,1"} << QList<int>{2} << QList<int>{1} << qint64(2);
        QTest::newRow("a key seen in an earlier batch is ignored")
            << QStringList{"a:1,2", "a:2,3"} << QList<int>{2, 1} << QList<int>{0, 1} << qint64(3);
        QTest::newRow("the same key on another channel is a new event")
            << QStringList{"a:1", "b:1"} << QList<int>{1, 1} << QList<int>{0, 0} << qint64(2);
        QTest::newRow("events without a key are always stored")
            << QStringList{"a:~,~", "a:~"} << QList<int>{2, 1} << QList<int>{0, 0} << qint64(3);
        QTest::newRow("a batch of repeats stores nothing")
            << QStringList{"a:1,2", "a:2,1"} << QList<int>{2, 0} << QList<int>{0, 2} << qint64(2);
    }

    void duplicatesAreIgnored()
    {
        QFETCH(QStringList, batches);
        QFETCH(QList<int>, added);
        QFETCH(QList<int>, duplicates);
        QFETCH(qint64, total);

        EventLog store;
        QVERIFY(store.open(dbPath()));
        QHash<QString, QString> lastCursor;
        for (qsizetype i = 0; i < batches.size(); ++i) {
            const QString channel = batches.at(i).section(QLatin1Char(':'), 0, 0);
            QStringList keys = batches.at(i).section(QLatin1Char(':'), 1).split(QLatin1Char(','));
            keys.replaceInStrings(QStringLiteral("~"), QString());
            const EventList events = makeEvents(keys);
            const QString cursor = QStringLiteral("cursor-%1").arg(i);
            const std::optional<AppendResult> result = store.append(channel, events, cursor);
            QVERIFY2(result, qPrintable(store.errorString()));
            QCOMPARE(result->added, added.at(i));
            QCOMPARE(result->duplicates, duplicates.at(i));
            QCOMPARE(result->duplicateIndexes.size(), duplicates.at(i));
            for (const int index : result->duplicateIndexes)
                QVERIFY(!events.at(index).key.isEmpty());
            lastCursor.insert(channel, cursor);
        }
        QCOMPARE(store.countEvents({}), total);
        QCOMPARE(scalar(store.database(), QStringLiteral("SELECT count(*) FROM events")), total);
        // The cursor moves with every batch, even one that brought nothing new.
        QCOMPARE(store.cursors(), lastCursor);
    }

    void failedBatchStoresNothing()
    {
        EventLog store;
        QVERIFY(store.open(dbPath()));
        QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("c1")));

        // The third insert of the next batch fails inside SQLite.
        QSqlQuery sql(store.database());
        QVERIFY(sql.exec(QStringLiteral(
            "CREATE TRIGGER fail_on_boom BEFORE INSERT ON events WHEN NEW.key = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END")));
        const EventList failing = makeEvents({"3", "4", "boom", "5"});
        QVERIFY(!store.append(QStringLiteral("a"), failing, QStringLiteral("c2")));
        QCOMPARE(store.error(), EventLog::Error::WriteError);
        QVERIFY2(store.errorString().contains(QStringLiteral("a")),
                 qPrintable(store.errorString()));
        QVERIFY2(store.errorDetail().contains(QStringLiteral("injected failure")),
                 qPrintable(store.errorDetail()));
        QCOMPARE(keysOf(readAll(store, {}, 100)), QStringList({"1", "2"}));
        QCOMPARE(store.cursor(QStringLiteral("a")), std::optional(QStringLiteral("c1")));
        QCOMPARE(store.eventCounts().value(QStringLiteral("a")), 2);

        // Several batches in one call: a new channel in front of the failing one
        // is rolled back too.
        QVERIFY(
            !store.append({EventBatch{QStringLiteral("b"), makeEvents({"x"}), QStringLiteral("b1")},
                           EventBatch{QStringLiteral("a"), failing, QStringLiteral("c2")}}));
        QCOMPARE(store.channels(), QStringList({"a"}));
        QCOMPARE(store.countEvents({}), 2);

        QVERIFY(sql.exec(QStringLiteral("DROP TRIGGER fail_on_boom")));
        QList<AppendResult> results;
        QVERIFY2(
            store.append({EventBatch{QStringLiteral("b"), makeEvents({"x"}), QStringLiteral("b1")},
                          EventBatch{QStringLiteral("a"), failing, QStringLiteral("c2")}},
                         &results),
            qPrintable(store.errorString()));
        QCOMPARE(results.size(), 2);
        QCOMPARE(results.at(1).added, 4);
        QCOMPARE(store.channels(), QStringList({"a", "b"}));
        QCOMPARE(keysOf(readAll(store, makeQuery({"a"}), 100)),
                 QStringList({"1", "2", "3", "4", "boom", "5"}));
        QCOMPARE(keysOf(readAll(store, makeQuery({"b"}), 100)), QStringList({"x"}));
        QCOMPARE(store.cursor(QStringLiteral("a")), std::optional(QStringLiteral("c2")));
    }

    void cursorSurvivesReopening()
    {
        {
            EventLog store;
            QVERIFY(store.open(dbPath()));
            QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("2")));
            QVERIFY(store.setCursor(QStringLiteral("b"), QStringLiteral("opaque-7")));
        }
        EventLog store;
        QVERIFY(store.open(dbPath(), EventLog::OpenMode::MustExist));
        QCOMPARE(store.cursor(QStringLiteral("a")), std::optional(QStringLiteral("2")));
        QCOMPARE(store.cursor(QStringLiteral("b")), std::optional(QStringLiteral("opaque-7")));
        QCOMPARE(store.cursor(QStringLiteral("never")), std::nullopt);
        const qint64 before = store.lastSeq();
        QVERIFY(store.append(QStringLiteral("a"), makeEvents({"3"}), QStringLiteral("3")));
        QVERIFY(store.lastSeq() > before);
        QCOMPARE(keysOf(readAll(store, {}, 100)), QStringList({"1", "2", "3"}));
    }

    void retentionByCountRunsInChunks()
    {
        EventLog store;
        QVERIFY(store.open(dbPath()));
        QStringList keys;
        for (int i = 1; i <= 1000; ++i)
            keys << QString::number(i);
        QVERIFY(store.append(QStringLiteral("a"), makeEvents(keys), QStringLiteral("1000")));
        QVERIFY(
            store.append(QStringLiteral("b"), makeEvents(keys.mid(0, 300)), QStringLiteral("300")));
        store.setRetention(QStringLiteral("a"), keep(100));

        int calls = 0;
        EventLog::RetentionResult result;
        do {
            result = store.applyRetention(50);
            QVERIFY2(result.ok, qPrintable(store.errorString()));
            QVERIFY(result.deleted <= 50);
            ++calls;
        } while (result.more && calls < 100);
        QCOMPARE(calls, 18); // 900 excess events, 50 at a time
        QCOMPARE(store.applyRetention(50).deleted, 0);

        QCOMPARE(keysOf(readAll(store, makeQuery({"a"}), 64)), keys.mid(900));
        QCOMPARE(store.countEvents(makeQuery({"b"})), 300);
        // The kept counters agree with a real count.
        QCOMPARE(store.eventCounts().value(QStringLiteral("a")), 100);
        QCOMPARE(store.countEvents(makeQuery({"a"}, {"build"})), 100);
        QCOMPARE(store.countEvents({}), 400);
    }

    void channelSummariesCountAndDateEachChannelByIndex()
    {
        EventLog store;
        QVERIFY(store.open(dbPath()));
        QVERIFY(
            store.append(QStringLiteral("a"),
                         {makeEvent("1", {}, "build", kT0), makeEvent("2", {}, "build", kT0 + 5)},
                         QStringLiteral("2")));
        QVERIFY(store.append(QStringLiteral("b"), {makeEvent("1", {}, "build", kT0 + 7)},
                             QStringLiteral("1")));
        QVERIFY(store.append(QStringLiteral("a"), {makeEvent("3", {}, "build", kT0 + 9)},
                             QStringLiteral("3")));
        QVERIFY(store.setCursor(QStringLiteral("quiet"), QStringLiteral("0")));
        store.setRetention(QStringLiteral("a"), keep(2));
        QVERIFY(store.applyRetention(10).ok);

        const QHash<QString, ChannelSummary> summaries = store.channelSummaries();
        QCOMPARE(store.error(), EventLog::Error::NoError);
        QCOMPARE(summaries.size(), 3);
        // After retention: what is stored now, and the newest of it.
        QCOMPARE(summaries.value(QStringLiteral("a")).eventCount, 2);
        QCOMPARE(summaries.value(QStringLiteral("a")).lastReceivedUsecs, kT0 + 9);
        QCOMPARE(summaries.value(QStringLiteral("b")).eventCount, 1);
        QCOMPARE(summaries.value(QStringLiteral("b")).lastReceivedUsecs, kT0 + 7);
        // A channel that stored only a cursor has no events and no time.
        QVERIFY(summaries.contains(QStringLiteral("quiet")));
        QCOMPARE(summaries.value(QStringLiteral("quiet")).eventCount, 0);
        QCOMPARE(summaries.value(QStringLiteral("quiet")).lastReceivedUsecs, 0);

        // One seek per channel: the newest event comes from events_channel,
        // never from a scan of the events or a sort.
        const QString plan = store.explainChannelSummaries();
        QVERIFY2(plan.contains(QStringLiteral("USING INDEX events_channel")) ||
                     plan.contains(QStringLiteral("USING COVERING INDEX events_channel")),
                 qPrintable(plan));
        QVERIFY2(!plan.contains(QStringLiteral("TEMP B-TREE")), qPrintable(plan));
        QVERIFY2(!plan.contains(QStringLiteral("SCAN e")), qPrintable(plan));
    }

    void retentionByAgeFollowsTheClock()
    {
        EventLog store;
        qint64 now = kT0 + 100'000'000; // 100 s after the first event
        store.setClock([&] { return now; });
        QVERIFY(store.open(dbPath()));
        EventList events;
        for (int i = 0; i < 100; ++i)
            events.append(makeEvent(QString::number(i), {}, QStringLiteral("build"),
                                    kT0 + qint64(i) * 1'000'000));
        QVERIFY(store.append(QStringLiteral("a"), events, QStringLiteral("99")));
        QVERIFY(store.append(QStringLiteral("untouched"), events, QStringLiteral("99")));
        store.setRetention(QStringLiteral("a"), keep(0, 60s));

        EventLog::RetentionResult result = store.applyRetention(25);
        QVERIFY(result.ok);
        QCOMPARE(result.deleted, 25);
        QVERIFY(result.more);
        result = store.applyRetention(25);
        QCOMPARE(result.deleted, 15); // received before now - 60 s: events 0..39
        QVERIFY(!result.more);
        QCOMPARE(store.countEvents(makeQuery({"a"})), 60);
        QCOMPARE(readAll(store, makeQuery({"a"}), 10).constFirst().event.key, QStringLiteral("40"));

        now += 30'000'000;
        QCOMPARE(store.applyRetention(1000).deleted, 30);
        QCOMPARE(store.countEvents(makeQuery({"a"})), 30);
        QCOMPARE(store.countEvents(makeQuery({"untouched"})), 100);
    }

    void migrationsRunForwardOnce()
    {
        {
            EventLog store;
            QVERIFY(store.open(dbPath()));
            QCOMPARE(store.schemaVersion(), latestVersion());
            QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1"}), QStringLiteral("1")));
        }
        int runs = 0;
        const int next = latestVersion() + 1;
        auto withVersion2 = EventLog::builtinMigrations();
        withVersion2.append({next, [&runs](QSqlDatabase &db, QString *error) {
                                 ++runs;
                                 QSqlQuery query(db);
                                 if (query.exec(QStringLiteral(
                                         "ALTER TABLE events ADD COLUMN note TEXT DEFAULT 'v2'")))
                                     return true;
                                 *error = query.lastError().text();
                                 return false;
                             }});
        for (int round = 0; round < 2; ++round) {
            EventLog store;
            store.setMigrations(withVersion2);
            QVERIFY2(store.open(dbPath()), qPrintable(store.errorString()));
            QCOMPARE(store.schemaVersion(), next);
            QCOMPARE(scalar(store.database(), QStringLiteral("SELECT version FROM schema_version")),
                     next);
            QCOMPARE(scalar(store.database(),
                            QStringLiteral("SELECT count(*) FROM events WHERE note = 'v2'")),
                     1);
            QCOMPARE(store.cursor(QStringLiteral("a")), std::optional(QStringLiteral("1")));
        }
        QCOMPARE(runs, 1);
    }

    void failedMigrationChangesNothing()
    {
        {
            EventLog store;
            QVERIFY(store.open(dbPath()));
            QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1"}), QStringLiteral("1")));
        }
        auto broken = EventLog::builtinMigrations();
        broken.append({latestVersion() + 1, [](QSqlDatabase &db, QString *error) {
                           QSqlQuery query(db);
                           query.exec(QStringLiteral("CREATE TABLE half_done (x INTEGER)"));
                           *error = QStringLiteral("the step broke halfway");
                           return false;
                       }});
        {
            EventLog store;
            store.setMigrations(broken);
            QVERIFY(!store.open(dbPath()));
            QCOMPARE(store.error(), EventLog::Error::WriteError);
            QVERIFY2(store.errorString().contains(
                         QStringLiteral("format %1").arg(latestVersion() + 1)) &&
                         store.errorString().contains(QStringLiteral("the step broke halfway")),
                     qPrintable(store.errorString()));
            QVERIFY(!store.isOpen());
        }
        EventLog store;
        QVERIFY(store.open(dbPath()));
        QCOMPARE(store.schemaVersion(), latestVersion());
        QCOMPARE(
            scalar(store.database(),
                   QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")),
            0);
        QCOMPARE(store.countEvents({}), 1);
    }

    void newerLogIsRefusedUntouched()
    {
        const int next = latestVersion() + 1;
        auto future = EventLog::builtinMigrations();
        future.append({next, [](QSqlDatabase &, QString *) { return true; }});
        {
            EventLog store;
            store.setMigrations(future);
            QVERIFY(store.open(dbPath()));
            QCOMPARE(store.schemaVersion(), next);
        }
        {
            EventLog store;
            QVERIFY(!store.open(dbPath()));
            QCOMPARE(store.error(), EventLog::Error::IncompatibleError);
            QVERIFY2(store.errorString().contains(QStringLiteral("newer version")),
                     qPrintable(store.errorString()));
        }
        EventLog store;
        store.setMigrations(future);
        QVERIFY(store.open(dbPath()));
        QCOMPARE(store.schemaVersion(), next);
    }

    void version1LogGainsChannelTitles()
    {
        // A log written by the first release (schema 1) is carried forward.
        {
            EventLog store;
            store.setMigrations({EventLog::builtinMigrations().constFirst()});
            QVERIFY(store.open(dbPath()));
            QCOMPARE(store.schemaVersion(), 1);
            QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("2")));
            QVERIFY(!store.setChannelTitle(QStringLiteral("a"), QStringLiteral("Builds")));
        }
        EventLog store;
        QVERIFY2(store.open(dbPath()), qPrintable(store.errorString()));
        QCOMPARE(store.schemaVersion(), latestVersion());
        QCOMPARE(store.countEvents({}), 2);
        QCOMPARE(store.cursor(QStringLiteral("a")), std::optional(QStringLiteral("2")));
        QVERIFY(store.channelTitles().isEmpty());
        QVERIFY(store.setChannelTitle(QStringLiteral("a"), QStringLiteral("Builds")));
        QCOMPARE(store.channelTitles().value(QStringLiteral("a")), QStringLiteral("Builds"));
    }

    void titlesNameChannelsInReadsAndQueries()
    {
        EventLog store;
        QVERIFY(store.open(dbPath()));
        const QString id = QStringLiteral("3f2a-uuid");
        QVERIFY(store.setChannelTitle(id, QStringLiteral("CI builds"))); // before any event
        QVERIFY(store.append(id, makeEvents({"1", "2"}), QStringLiteral("2")));
        QVERIFY(store.append(QStringLiteral("plain"), makeEvents({"1"}), QStringLiteral("1")));
        const StoredEventList events = readAll(store, {}, 10);
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(0).channel, id);
        QCOMPARE(events.at(0).channelTitle, QStringLiteral("CI builds"));
        QCOMPARE(events.at(0).channelLabel(), QStringLiteral("CI builds"));
        QCOMPARE(events.at(2).channelTitle, QString());
        QCOMPARE(events.at(2).channelLabel(), QStringLiteral("plain"));
        // A query may name a channel by key or by title.
        QCOMPARE(store.countEvents(makeQuery({"CI builds"})), 2);
        QCOMPARE(store.countEvents(makeQuery({"3f2a-uuid"})), 2);
        QCOMPARE(store.countEvents(makeQuery({"nobody"})), 0);
        // Renaming the person's name changes nothing else.
        QVERIFY(store.setChannelTitle(id, QStringLiteral("Builds")));
        QCOMPARE(readAll(store, makeQuery({"Builds"}), 10).size(), 2);
        QCOMPARE(store.cursor(id), std::optional(QStringLiteral("2")));
    }

    void renameAndRemoveChannels()
    {
        EventLog store;
        QVERIFY(store.open(dbPath()));
        QVERIFY(store.setChannelTitle(QStringLiteral("a"), QStringLiteral("Alpha")));
        QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("2")));
        QVERIFY(store.append(QStringLiteral("b"), makeEvents({"1"}), QStringLiteral("1")));
        QCOMPARE(store.seqOf(QStringLiteral("a"), QStringLiteral("2")), std::optional<qint64>(2));
        QCOMPARE(store.seqOf(QStringLiteral("a"), QStringLiteral("9")), std::nullopt);

        // Archived under another key: history, cursor and title go along,
        // and the old key is free for a new feed whose keys repeat.
        QVERIFY(store.renameChannel(QStringLiteral("a"), QStringLiteral("a@old")));
        QCOMPARE(store.cursor(QStringLiteral("a")), std::nullopt);
        QCOMPARE(store.cursor(QStringLiteral("a@old")), std::optional(QStringLiteral("2")));
        QCOMPARE(store.channelTitles().value(QStringLiteral("a@old")), QStringLiteral("Alpha"));
        const auto again =
            store.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("2"));
        QVERIFY(again);
        QCOMPARE(again->added, 2);
        QCOMPARE(store.countEvents({}), 5);

        // Removed: its events and cursor are gone, the others stay.
        QVERIFY(store.removeChannel(QStringLiteral("a@old")));
        QCOMPARE(store.countEvents({}), 3);
        QCOMPARE(store.cursor(QStringLiteral("a@old")), std::nullopt);
        QVERIFY(!store.channels().contains(QStringLiteral("a@old")));
        QVERIFY(store.removeChannel(QStringLiteral("never-there")));
        QCOMPARE(store.eventCounts().value(QStringLiteral("b")), 1);
    }

    void twoConnectionsCreatingTheSameLogBothOpen()
    {
        // The dashboard and a reader (an export, a second window) creating
        // the same new log at the same moment: switching the new file to WAL
        // takes a lock SQLite does not wait for by itself.
        int failures = 0;
        QString lastError;
        for (int round = 0; round < 150; ++round) {
            const QString path = m_dir->filePath(QStringLiteral("race-%1.sqlite").arg(round));
            QSemaphore ready;
            QSemaphore go;
            bool otherOpened = false;
            QString otherError;
            std::thread other([&] {
                EventLog store;
                ready.release();
                go.acquire();
                otherOpened = store.open(path);
                otherError = store.errorString();
            });
            EventLog store;
            ready.acquire();
            go.release();
            const bool opened = store.open(path);
            other.join();
            if (!opened || !otherOpened) {
                ++failures;
                lastError = opened ? otherError : store.errorString();
            }
        }
        QVERIFY2(
            failures == 0,
            qPrintable(
                QStringLiteral("%1 of 150 rounds failed, e.g.: %2").arg(failures).arg(lastError)));
    }

    void foreignDatabaseIsRefused()
    {
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(dbPath());
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("CREATE TABLE people (name TEXT)")));
            query = QSqlQuery();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
        EventLog store;
        QVERIFY(!store.open(dbPath()));
        QCOMPARE(store.error(), EventLog::Error::IncompatibleError);
        QVERIFY2(store.errorString().contains(QStringLiteral("not a Longwatch event log")),
                 qPrintable(store.errorString()));
    }

    void damagedFileIsMovedAside_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("a file of random bytes") << "random";
        QTest::newRow("a file of text") << "text";
        QTest::newRow("an event log whose schema page was overwritten") << "schema-page";
    }

    void damagedFileIsMovedAside()
    {
        QFETCH(QString, damage);
        const QString path = dbPath();
        QByteArray bytes;
        if (damage == QLatin1String("random")) {
            QRandomGenerator random(42);
            bytes.resize(8192);
            random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
        } else if (damage == QLatin1String("text")) {
            bytes = QByteArrayLiteral("this is not a database\n").repeated(100);
        } else {
            {
                EventLog store;
                QVERIFY(store.open(path));
                QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1"}), QStringLiteral("1")));
            }
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            bytes = file.readAll();
            QVERIFY(bytes.size() > 4096);
            for (qsizetype i = 100; i < 4096; ++i)
                bytes[i] = char(0xA5);
        }
        auto writeFile = [](const QString &name, const QByteArray &content) {
            QFile file(name);
            return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
                   file.write(content) == content.size();
        };
        QVERIFY(writeFile(path, bytes));
        QVERIFY(writeFile(path + QStringLiteral("-wal"), QByteArrayLiteral("stale wal")));
        QVERIFY(writeFile(path + QStringLiteral("-shm"), QByteArrayLiteral("stale shm")));

        EventLog store;
        QVERIFY(!store.open(path));
        QCOMPARE(store.error(), EventLog::Error::DamagedError);
        QVERIFY2(store.errorString().startsWith(QStringLiteral("The event log at %1 is damaged (")
                                                    .arg(QDir::toNativeSeparators(path))),
                 qPrintable(store.errorString()));
        QVERIFY(!store.append(QStringLiteral("a"), makeEvents({"1"}), {}));

        QVERIFY2(store.recover(), qPrintable(store.errorString()));
        const QString notice = store.notice();
        QVERIFY2(notice.contains(QStringLiteral("moved it aside to")), qPrintable(notice));
        // SQLite itself drops the stale -wal and -shm when the failed
        // connection closes; moveAsideTakesItsCompanionsAlong() covers them.
        const QStringList aside =
            QDir(m_dir->path())
                .entryList({QStringLiteral("events.sqlite.damaged-*")}, QDir::Files, QDir::Name);
        QVERIFY2(!aside.isEmpty(), qPrintable(QDir(m_dir->path()).entryList().join(u' ')));
        const QString movedTo = m_dir->filePath(aside.first());
        QVERIFY2(notice.contains(QDir::toNativeSeparators(movedTo)), qPrintable(notice));
        QFile moved(movedTo);
        QVERIFY(moved.open(QIODevice::ReadOnly));
        QCOMPARE(moved.readAll(), bytes);

        // A new, working log in its place.
        QVERIFY(store.isOpen());
        QCOMPARE(store.countEvents({}), 0);
        QVERIFY(store.append(QStringLiteral("a"), makeEvents({"1"}), QStringLiteral("1")));
        QCOMPARE(store.countEvents({}), 1);
    }

    void moveAsideTakesItsCompanionsAlong()
    {
        const QString path = dbPath();
        const QStringList suffixes = {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")};
        for (const QString &suffix : suffixes) {
            QFile file(path + suffix);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("content of " + suffix.toUtf8());
        }
        QString error;
        const QString first = EventLog::moveAside(path, &error);
        QVERIFY2(!first.isEmpty(), qPrintable(error));
        QVERIFY(first.startsWith(path + QStringLiteral(".damaged-")));
        for (const QString &suffix : suffixes) {
            QVERIFY(!QFileInfo::exists(path + suffix));
            QFile moved(first + suffix);
            QVERIFY(moved.open(QIODevice::ReadOnly));
            QCOMPARE(moved.readAll(), "content of " + suffix.toUtf8());
        }
        // A second damaged file in the same second gets a name of its own.
        QFile again(path);
        QVERIFY(again.open(QIODevice::WriteOnly));
        again.close();
        const QString second = EventLog::moveAside(path, &error);
        QVERIFY2(!second.isEmpty() && second != first, qPrintable(second));
        QVERIFY(QFileInfo::exists(second));
        QVERIFY(QFileInfo::exists(first));
    }

    void unreadablePathIsReported_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("a folder where the file should be") << "folder";
        QTest::newRow("a path below a regular file") << "below-file";
        QTest::newRow("a file without read permission") << "no-permission";
        QTest::newRow("a missing file that must exist") << "missing";
    }

    void unreadablePathIsReported()
    {
        QFETCH(QString, kind);
        QString path = dbPath();
        EventLog::OpenMode mode = EventLog::OpenMode::CreateIfMissing;
        if (kind == QLatin1String("folder")) {
            path = m_dir->path();
        } else if (kind == QLatin1String("below-file")) {
            QFile plain(m_dir->filePath(QStringLiteral("plain")));
            QVERIFY(plain.open(QIODevice::WriteOnly));
            path = plain.fileName() + QStringLiteral("/events.sqlite");
        } else if (kind == QLatin1String("no-permission")) {
            if (::geteuid() == 0)
                QSKIP("root reads every file; permissions cannot be tested");
            {
                EventLog store;
                QVERIFY(store.open(path));
            }
            QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
        } else {
            mode = EventLog::OpenMode::MustExist;
        }

        EventLog store;
        QVERIFY(!store.open(path, mode));
        QCOMPARE(store.error(), EventLog::Error::OpenError);
        QVERIFY2(!store.errorString().isEmpty(), "no sentence");
        QVERIFY2(store.errorString().contains(QDir::toNativeSeparators(path)) ||
                     store.errorString().contains(
                         QDir::toNativeSeparators(m_dir->filePath(QStringLiteral("plain")))),
                 qPrintable(store.errorString()));
        // Whatever is called next fails with a sentence, and does not crash.
        QVERIFY(!store.append(QStringLiteral("a"), makeEvents({"1"}), {}));
        QVERIFY(!store.errorString().isEmpty());
        bool ok = true;
        QVERIFY(store.events({}, {}, &ok).isEmpty());
        QVERIFY(!ok);
        if (kind == QLatin1String("missing"))
            QVERIFY(!QFileInfo::exists(path)); // not created by a failed open
    }

    void closedStoreFailsPolitely()
    {
        EventLog store;
        QVERIFY(!store.isOpen());
        QVERIFY(!store.append(QStringLiteral("a"), makeEvents({"1"}), {}));
        QCOMPARE(store.error(), EventLog::Error::NotOpenError);
        QCOMPARE(store.errorString(), QStringLiteral("The event log is not open."));
        bool ok = true;
        QCOMPARE(store.countEvents({}, &ok), 0);
        QVERIFY(!ok);
        QCOMPARE(store.cursor(QStringLiteral("a")), std::nullopt);
        store.setRetention(QStringLiteral("a"), keep(1));
        QVERIFY(!store.applyRetention().ok);
        QVERIFY(!store.recover());
    }

    void windowQueries_data()
    {
        QTest::addColumn<EventQuery>("query");
        QTest::addColumn<QStringList>("expected");

        const QList<Sample> samples = windowSamples();
        auto expect = [&](const std::function<bool(const Sample &, int)> &match) {
            QStringList keys;
            for (int i = 0; i < samples.size(); ++i) {
                if (match(samples.at(i), i))
                    keys << samples.at(i).event.key;
            }
            return keys;
        };
        QTest::newRow("everything")
            << EventQuery{} << expect([](const Sample &, int) { return true; });
        QTest::newRow("one channel")
            << makeQuery({"beta"})
            << expect([](const Sample &s, int) { return s.channel == QLatin1String("beta"); });
        QTest::newRow("two channels")
            << makeQuery({"alpha", "gamma"})
            << expect([](const Sample &s, int) { return s.channel != QLatin1String("beta"); });
        QTest::newRow("a channel that does not exist") << makeQuery({"nope"}) << QStringList();
        QTest::newRow("one type") << makeQuery({}, {"deploy"}) << expect([](const Sample &s, int) {
            return s.event.type == QLatin1String("deploy");
        });
        QTest::newRow("a text, ignoring ASCII case")
            << makeQuery({}, {}, "dEpLoY 100") << expect([](const Sample &s, int) {
                   return s.event.text.startsWith(QLatin1String("Deploy"));
               });
        QTest::newRow("a text with % taken literally")
            << makeQuery({}, {}, "100%")
            << expect([](const Sample &, int i) { return i % 100 == 7; });
        QTest::newRow("a text with _ taken literally")
            << makeQuery({}, {}, "done_")
            << expect([](const Sample &, int i) { return i % 100 == 8; });
        QTest::newRow("a text found in the key")
            << makeQuery({"alpha"}, {}, "99") << expect([](const Sample &s, int) {
                   return s.channel == QLatin1String("alpha") &&
                          (s.event.key.contains(QLatin1String("99")) ||
                           s.event.text.contains(QLatin1String("99")));
               });
        QTest::newRow("a received-time range")
            << makeQuery({}, {}, {}, kT0 + 1'000'000, kT0 + 1'500'000)
            << expect([](const Sample &, int i) { return i >= 1000 && i < 1500; });
        QTest::newRow("channel, type and time together")
            << makeQuery({"gamma"}, {"build"}, {}, kT0 + 2'000'000)
            << expect([](const Sample &s, int i) {
                   return s.channel == QLatin1String("gamma") &&
                          s.event.type == QLatin1String("build") && i >= 2000;
               });
    }

    void windowQueries()
    {
        QFETCH(EventQuery, query);
        QFETCH(QStringList, expected);

        EventLog store;
        QVERIFY(store.open(dbPath()));
        const QList<Sample> samples = windowSamples();
        for (qsizetype i = 0; i < samples.size(); i += 250) {
            QList<EventBatch> batches;
            for (qsizetype j = i; j < std::min(i + 250, samples.size()); ++j) {
                if (batches.isEmpty() || batches.constLast().channel != samples.at(j).channel)
                    batches.append({samples.at(j).channel, {}, samples.at(j).event.key});
                batches.last().events.append(samples.at(j).event);
            }
            QVERIFY(store.append(batches));
        }

        QCOMPARE(store.countEvents(query), expected.size());
        QCOMPARE(keysOf(readAll(store, query, 333)), expected);
        QStringList reversed = expected;
        std::reverse(reversed.begin(), reversed.end());
        QCOMPARE(keysOf(readAll(store, query, 333, true)), reversed);

        // A window by row number, as a view scrolled to the middle asks.
        EventPage window;
        window.offset = expected.size() / 2;
        window.limit = 25;
        QCOMPARE(keysOf(store.events(query, window)), expected.mid(window.offset, 25));

        // No plan sorts the matching rows before the first page comes out.
        const QString plan = store.explain(query, window);
        QVERIFY2(!plan.contains(QStringLiteral("TEMP B-TREE")), qPrintable(plan));
    }

    void readersSeeCommittedBatchesOnly()
    {
        EventLog writer;
        EventLog reader;
        QVERIFY(writer.open(dbPath()));
        QVERIFY(reader.open(dbPath()));
        QVERIFY(writer.append(QStringLiteral("a"), makeEvents({"1", "2"}), QStringLiteral("2")));
        QCOMPARE(reader.countEvents({}), 2);
        QSqlQuery lock(writer.database());
        QVERIFY(lock.exec(QStringLiteral("BEGIN IMMEDIATE")));
        QVERIFY(lock.exec(QStringLiteral("DELETE FROM events")));
        QCOMPARE(reader.countEvents(makeQuery({}, {"build"})), 2); // not committed yet
        QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
        QCOMPARE(reader.cursor(QStringLiteral("a")), std::optional(QStringLiteral("2")));
    }
};

QTEST_GUILESS_MAIN(tst_EventLog)
#include "tst_eventlog.moc"
