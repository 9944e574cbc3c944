#include "eventexporter.h"
#include "eventlog.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <csignal>
#include <sys/resource.h>

using namespace Longwatch;

Q_DECLARE_METATYPE(Longwatch::EventQuery)

namespace {

constexpr qint64 kT0 = 1'700'000'000'000'000; // µs, 2023-11-14T22:13:20Z

Event makeEvent(const QString &key, const QString &type, const QString &text, qint64 received,
                const QByteArray &raw = {})
{
    Event event;
    event.key = key;
    event.type = type;
    event.text = text;
    event.receivedUsecs = received;
    event.raw = raw.isNull() ? QJsonDocument(QJsonObject{{"id", key}, {"message", text}})
                                   .toJson(QJsonDocument::Compact)
                             : raw;
    return event;
}

/// RFC 4180 parser: fields may be quoted; quotes double inside quotes;
/// records end with CRLF. Returns nothing if the text breaks the grammar.
std::optional<QList<QStringList>> parseCsv(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> records;
    QStringList record;
    QString field;
    qsizetype i = 0;
    bool fieldStarted = false;
    while (i < text.size()) {
        const QChar c = text.at(i);
        if (!fieldStarted && c == u'"') {
            ++i;
            for (;;) {
                if (i >= text.size())
                    return std::nullopt; // unterminated quote
                if (text.at(i) == u'"') {
                    if (i + 1 < text.size() && text.at(i + 1) == u'"') {
                        field += u'"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text.at(i++);
            }
            fieldStarted = true;
            if (i < text.size() && text.at(i) != u',' && text.at(i) != u'\r')
                return std::nullopt; // text after a closing quote
            continue;
        }
        if (c == u',') {
            record << field;
            field.clear();
            fieldStarted = false;
            ++i;
        } else if (c == u'\r') {
            if (i + 1 >= text.size() || text.at(i + 1) != u'\n')
                return std::nullopt; // bare CR
            record << field;
            records << record;
            record.clear();
            field.clear();
            fieldStarted = false;
            i += 2;
        } else if (c == u'\n' || c == u'"') {
            return std::nullopt; // bare LF or a quote inside an unquoted field
        } else {
            field += c;
            fieldStarted = true;
            ++i;
        }
    }
    if (fieldStarted || !record.isEmpty())
        return std::nullopt; // the last record must end with CRLF
    return records;
}

QString isoMs(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

EventQuery makeQuery(const QStringList &channels, const QStringList &types = {},
                     const QString &text = {}, std::optional<qint64> since = std::nullopt,
                     std::optional<qint64> until = std::nullopt)
{
    EventQuery query;
    query.channels = channels;
    query.types = types;
    query.text = text;
    query.sinceUsecs = since;
    query.untilUsecs = until;
    return query;
}

} // namespace

class tst_EventExporter : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_store;
    StoredEventList m_stored; ///< everything in the store, in order

    QString outPath(const QString &name) const { return m_dir->filePath(name); }
    /// Files in the folder other than the store's own.
    QStringList strayFiles() const
    {
        QStringList files = QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden);
        files.removeIf(
            [](const QString &name) { return name.startsWith(QLatin1String("events.sqlite")); });
        return files;
    }
    void fill(int extra)
    {
        EventList builds;
        builds << makeEvent("1", "build", "plain", kT0)
               << makeEvent("2", "build", "commas, \"quotes\" and\nnewlines\r\nand CRLF", kT0 + 1)
               << makeEvent("3", "deploy", "Größe ✓ 日本語 — naïve", kT0 + 2)
               << makeEvent("4", "deploy", "raw kept verbatim", kT0 + 3,
                            QByteArrayLiteral("{\"z\":1,\"a\":2.50,\"s\":\"x\\u00e9\",\"e\":1e3}"))
               << makeEvent(QString(), "note", "no key, a bare string", kT0 + 4,
                            QByteArrayLiteral("\"just a string\""))
               << makeEvent("6", "build", "pretty raw", kT0 + 5,
                            QByteArrayLiteral("{\n  \"id\": 6,\n  \"text\": \"pretty raw\"\n}"));
        builds[0].time = QDateTime::fromMSecsSinceEpoch(1'700'000'000'123, Qt::UTC);
        builds[2].time = QDateTime(QDate(2026, 3, 1), QTime(23, 30, 0, 5), QTimeZone(-3600));
        QVERIFY(m_store->append(QStringLiteral("builds"), builds, QStringLiteral("6")));
        EventList deploys;
        deploys << makeEvent("1", "deploy", "the same key on another channel", kT0 + 10)
                << makeEvent("d2", "build", "a comma, in deploys", kT0 + 11);
        QVERIFY(m_store->append(QStringLiteral("deploys, prod"), deploys, QStringLiteral("d2")));
        EventList more;
        for (int i = 0; i < extra; ++i)
            more << makeEvent(QStringLiteral("m%1").arg(i), "bulk",
                              QStringLiteral("bulk %1").arg(i), kT0 + 100 + i);
        if (!more.isEmpty())
            QVERIFY(m_store->append(QStringLiteral("bulk"), more, QStringLiteral("m")));
        bool ok = false;
        EventPage all;
        all.limit = 100'000;
        m_stored = m_store->events({}, all, &ok);
        QVERIFY(ok);
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_store = std::make_unique<EventLog>();
        QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("events.sqlite"))));
        fill(0);
    }

    void cleanup()
    {
        m_store.reset();
        m_dir.reset();
    }

    void csvRoundTrip()
    {
        EventExporter exporter(m_store.get());
        exporter.setFormat(EventExporter::Format::Csv);
        QVERIFY2(exporter.exportToFile(outPath("out.csv")), qPrintable(exporter.errorString()));
        QCOMPARE(exporter.exportedCount(), m_stored.size());

        const QByteArray bytes = readFile(outPath("out.csv"));
        QVERIFY(!bytes.startsWith("\xef\xbb\xbf")); // no BOM
        const std::optional<QList<QStringList>> records = parseCsv(bytes);
        QVERIFY2(records, bytes.constData());
        QCOMPARE(records->size(), m_stored.size() + 1);
        QCOMPARE(records->first(),
                 QStringList({"channel", "key", "type", "text", "time", "received", "raw"}));
        for (qsizetype i = 0; i < m_stored.size(); ++i) {
            const StoredEvent &stored = m_stored.at(i);
            const QStringList expected = {stored.channel,
                                          stored.event.key,
                                          stored.event.type,
                                          stored.event.text,
                                          isoMs(stored.event.time),
                                          formatUsecsUtc(stored.event.receivedUsecs),
                                          QString::fromUtf8(stored.event.raw)};
            QCOMPARE(records->at(i + 1), expected);
        }
        QVERIFY(records->at(1).at(4).endsWith(u'Z'));
        QCOMPARE(records->at(3).at(4), QStringLiteral("2026-03-02T00:30:00.005Z"));
    }

    void csvGuardsFormulas_data()
    {
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("guarded");

        const QStringList starts = {"=", "+", "-", "@", "\t", "\r"};
        const QStringList names = {"=", "+", "-", "@", "a tab", "a carriage return"};
        for (const QString column : {"channel", "key", "type", "text"}) {
            for (qsizetype i = 0; i < starts.size(); ++i) {
                QTest::addRow("a %s starting with %s is guarded", qPrintable(column),
                              qPrintable(names.at(i)))
                    << column << starts.at(i) + QStringLiteral("cmd|' /C calc'!A0") << true;
            }
        }
        QTest::newRow("a text formula with a quote, a comma and a newline is guarded and quoted")
            << "text" << QStringLiteral("=HYPERLINK(\"http://x.example\",\"a, b\")\nnext") << true;
        QTest::newRow("a text starting with a CR then LF is guarded and quoted")
            << "text" << QStringLiteral("\r\n=1+1") << true;
        QTest::newRow("a raw event that is a negative number is guarded") << "raw"
                                                                          << "-12" << true;
        QTest::newRow("a raw event after a tab is guarded") << "raw"
                                                            << "\t{\"a\":1}" << true;
        QTest::newRow("an = inside a text is left alone") << "text"
                                                          << "a=b" << false;
        QTest::newRow("a text starting with a space is left alone") << "text"
                                                                    << " =1" << false;
        QTest::newRow("a text starting with ' is left alone") << "text"
                                                              << "'quoted" << false;
    }

    void csvGuardsFormulas()
    {
        QFETCH(QString, column);
        QFETCH(QString, value);
        QFETCH(bool, guarded);
        const bool isRaw = column == QLatin1String("raw");
        QString channel = QStringLiteral("feed");
        Event event = makeEvent("k", "t", "plain", kT0 + 50,
                                isRaw ? value.toUtf8() : QByteArrayLiteral("{\"a\":1}"));
        event.time = QDateTime::fromMSecsSinceEpoch(kT0 / 1000, Qt::UTC);
        if (column == QLatin1String("channel"))
            channel = value;
        else if (column == QLatin1String("key"))
            event.key = value;
        else if (column == QLatin1String("type"))
            event.type = value;
        else if (column == QLatin1String("text"))
            event.text = value;
        QVERIFY(m_store->append(channel, {event}, QStringLiteral("k")));
        const EventQuery query = makeQuery({channel}, {event.type});

        EventExporter csv(m_store.get());
        csv.setFormat(EventExporter::Format::Csv);
        csv.setQuery(query);
        QVERIFY2(csv.exportToFile(outPath("out.csv")), qPrintable(csv.errorString()));
        const QByteArray bytes = readFile(outPath("out.csv"));
        const std::optional<QList<QStringList>> records = parseCsv(bytes);
        QVERIFY2(records, bytes.constData()); // still RFC 4180
        QCOMPARE(records->size(), 2);
        const QStringList header = records->at(0);
        const QStringList record = records->at(1);
        const QString expected = guarded ? u'\'' + value : value;
        QCOMPARE(record.at(header.indexOf(column)), expected);
        // The other cells, and the times Longwatch writes, are as they were.
        QCOMPARE(record.at(0), column == QLatin1String("channel") ? expected : channel);
        QCOMPARE(record.at(4), QStringLiteral("2023-11-14T22:13:20.000Z"));
        QCOMPARE(record.at(5), formatUsecsUtc(kT0 + 50));

        // NDJSON and JSON carry the value untouched.
        for (const auto format : {EventExporter::Format::Ndjson, EventExporter::Format::Json}) {
            EventExporter exporter(m_store.get());
            exporter.setFormat(format);
            exporter.setQuery(query);
            QBuffer out;
            QVERIFY(out.open(QIODevice::WriteOnly));
            QVERIFY(exporter.exportToDevice(&out));
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(
                format == EventExporter::Format::Json ? out.data() : '[' + out.data() + ']',
                &error);
            QVERIFY2(error.error == QJsonParseError::NoError, out.data().constData());
            const QJsonObject object = document.array().at(0).toObject();
            if (isRaw) {
                QCOMPARE(
                    object.value("event").toVariant(),
                    QJsonDocument::fromJson('[' + value.toUtf8() + ']').array().at(0).toVariant());
                QVERIFY(!out.data().contains('\''));
            } else {
                QCOMPARE(object.value(column).toString(), value);
            }
        }
    }

    void ndjsonKeepsRawVerbatim()
    {
        EventExporter exporter(m_store.get());
        exporter.setFormat(EventExporter::Format::Ndjson);
        QVERIFY2(exporter.exportToFile(outPath("out.ndjson")), qPrintable(exporter.errorString()));
        const QByteArray bytes = readFile(outPath("out.ndjson"));
        QVERIFY(bytes.endsWith('\n'));
        const QList<QByteArray> lines = bytes.chopped(1).split('\n');
        QCOMPARE(lines.size(), m_stored.size());
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const StoredEvent &stored = m_stored.at(i);
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(lines.at(i), &error);
            QVERIFY2(error.error == QJsonParseError::NoError, lines.at(i).constData());
            const QJsonObject object = document.object();
            QCOMPARE(object.keys().size(), 7);
            QCOMPARE(object.value("channel").toString(), stored.channel);
            QCOMPARE(object.value("key").toString(), stored.event.key);
            QCOMPARE(object.value("type").toString(), stored.event.type);
            QCOMPARE(object.value("text").toString(), stored.event.text);
            QCOMPARE(object.value("received").toString(),
                     formatUsecsUtc(stored.event.receivedUsecs));
            if (stored.event.time.isValid())
                QCOMPARE(object.value("time").toString(), isoMs(stored.event.time));
            else
                QVERIFY(object.value("time").isNull());
            if (!stored.event.raw.contains('\n')) {
                // Byte for byte: key order, "2.50", "\u00e9" and "1e3" survive.
                QVERIFY2(lines.at(i).endsWith(",\"event\":" + stored.event.raw + "}"),
                         lines.at(i).constData());
            } else {
                // A value spread over lines is made compact to keep one line per event.
                QCOMPARE(object.value("event").toObject(),
                         QJsonDocument::fromJson(stored.event.raw).object());
            }
        }
    }

    void jsonIsOneArray()
    {
        EventExporter ndjson(m_store.get());
        ndjson.setFormat(EventExporter::Format::Ndjson);
        QBuffer lines;
        QVERIFY(lines.open(QIODevice::WriteOnly));
        QVERIFY(ndjson.exportToDevice(&lines));

        EventExporter exporter(m_store.get());
        exporter.setFormat(EventExporter::Format::Json);
        QVERIFY2(exporter.exportToFile(outPath("out.json")), qPrintable(exporter.errorString()));
        QJsonParseError error;
        const QJsonDocument document =
            QJsonDocument::fromJson(readFile(outPath("out.json")), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY(document.isArray());
        const QJsonArray array = document.array();
        const QList<QByteArray> expected = lines.data().chopped(1).split('\n');
        QCOMPARE(array.size(), expected.size());
        for (qsizetype i = 0; i < array.size(); ++i)
            QCOMPARE(array.at(i).toObject(), QJsonDocument::fromJson(expected.at(i)).object());
    }

    void emptyExportsAreValid_data()
    {
        QTest::addColumn<EventExporter::Format>("format");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("CSV has its header row")
            << EventExporter::Format::Csv
            << QByteArray("channel,key,type,text,time,received,raw\r\n");
        QTest::newRow("NDJSON is empty") << EventExporter::Format::Ndjson << QByteArray("");
        QTest::newRow("JSON is an empty array")
            << EventExporter::Format::Json << QByteArray("[\n]\n");
    }

    void emptyExportsAreValid()
    {
        QFETCH(EventExporter::Format, format);
        QFETCH(QByteArray, expected);
        EventExporter exporter(m_store.get());
        exporter.setFormat(format);
        exporter.setQuery(makeQuery({"no such channel"}));
        QVERIFY(exporter.exportToFile(outPath("empty")));
        QCOMPARE(exporter.exportedCount(), 0);
        QCOMPARE(readFile(outPath("empty")), expected);
        if (format == EventExporter::Format::Json)
            QVERIFY(QJsonDocument::fromJson(expected).isArray());
    }

    void filteredExports_data()
    {
        QTest::addColumn<EventQuery>("query");
        QTest::addColumn<QStringList>("expected"); // "channel/key"

        QTest::newRow("one channel, even with a comma in its name")
            << makeQuery({"deploys, prod"}) << QStringList{"deploys, prod/1", "deploys, prod/d2"};
        QTest::newRow("one type across channels")
            << makeQuery({}, {"deploy"}) << QStringList{"builds/3", "builds/4", "deploys, prod/1"};
        QTest::newRow("two types in one channel") << makeQuery({"builds"}, {"deploy", "note"})
                                                  << QStringList{"builds/3", "builds/4", "builds/"};
        QTest::newRow("a text, ignoring ASCII case")
            << makeQuery({}, {}, "A COMMA") << QStringList{"deploys, prod/d2"};
        QTest::newRow("non-ASCII text") << makeQuery({}, {}, "日本") << QStringList{"builds/3"};
        QTest::newRow("a received-time range") << makeQuery({}, {}, {}, kT0 + 2, kT0 + 5)
                                               << QStringList{"builds/3", "builds/4", "builds/"};
        QTest::newRow("everything filtered together")
            << makeQuery({"builds", "deploys, prod"}, {"build"}, "a", kT0 + 1, kT0 + 100)
            << QStringList{"builds/2", "builds/6", "deploys, prod/d2"};
    }

    void filteredExports()
    {
        QFETCH(EventQuery, query);
        QFETCH(QStringList, expected);
        for (const auto format : {EventExporter::Format::Ndjson, EventExporter::Format::Csv}) {
            EventExporter exporter(m_store.get());
            exporter.setFormat(format);
            exporter.setQuery(query);
            exporter.setPageSize(2); // several pages even here
            const QString path =
                outPath(QStringLiteral("filtered.") + EventExporter::formatName(format));
            QVERIFY2(exporter.exportToFile(path), qPrintable(exporter.errorString()));
            QCOMPARE(exporter.exportedCount(), expected.size());
            QStringList got;
            if (format == EventExporter::Format::Ndjson) {
                for (const QByteArray &line : readFile(path).split('\n')) {
                    if (line.isEmpty())
                        continue;
                    const QJsonObject object = QJsonDocument::fromJson(line).object();
                    got << object.value("channel").toString() + u'/' +
                               object.value("key").toString();
                }
            } else {
                const std::optional<QList<QStringList>> records = parseCsv(readFile(path));
                QVERIFY(records);
                for (const QStringList &record : records->mid(1))
                    got << record.at(0) + u'/' + record.at(1);
            }
            QCOMPARE(got, expected);
        }
    }

    void progressCountsUpToTheTotal()
    {
        fill(95);
        EventExporter exporter(m_store.get());
        exporter.setPageSize(10);
        QSignalSpy progress(&exporter, &EventExporter::progress);
        QVERIFY(exporter.exportToFile(outPath("out.csv")));
        QVERIFY(progress.size() >= 11);
        qint64 last = -1;
        for (const QList<QVariant> &args : std::as_const(progress)) {
            QVERIFY(args.at(0).toLongLong() > last);
            last = args.at(0).toLongLong();
            QCOMPARE(args.at(1).toLongLong(), m_stored.size());
        }
        QCOMPARE(progress.first().at(0).toLongLong(), 0);
        QCOMPARE(last, m_stored.size());
    }

    void cancelLeavesNothing_data()
    {
        QTest::addColumn<EventExporter::Format>("format");
        QTest::addColumn<int>("cancelAt"); // progress signal number
        QTest::addColumn<bool>("targetExisted");
        QTest::newRow("CSV cancelled after the first page")
            << EventExporter::Format::Csv << 1 << false;
        QTest::newRow("NDJSON cancelled before the first page")
            << EventExporter::Format::Ndjson << 0 << false;
        QTest::newRow("JSON cancelled halfway keeps the file it would replace")
            << EventExporter::Format::Json << 5 << true;
    }

    void cancelLeavesNothing()
    {
        QFETCH(EventExporter::Format, format);
        QFETCH(int, cancelAt);
        QFETCH(bool, targetExisted);
        fill(95);
        const QString path = outPath("out");
        if (targetExisted) {
            QFile old(path);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("the previous export");
        }
        EventExporter exporter(m_store.get());
        exporter.setFormat(format);
        exporter.setPageSize(10);
        int progressCount = 0;
        connect(&exporter, &EventExporter::progress, this, [&] {
            if (progressCount++ == cancelAt)
                exporter.cancel();
        });
        QVERIFY(!exporter.exportToFile(path));
        QCOMPARE(exporter.error(), EventExporter::Error::Cancelled);
        QCOMPARE(progressCount, cancelAt + 1);
        QCOMPARE(exporter.errorString(),
                 QStringLiteral("The export was cancelled. No file was written."));
        if (targetExisted) {
            QCOMPARE(readFile(path), QByteArray("the previous export"));
            QCOMPARE(strayFiles(), QStringList({"out"}));
        } else {
            QCOMPARE(strayFiles(), QStringList()); // no file, no temporary file
        }
        // The next export of the same exporter is not cancelled.
        QVERIFY(exporter.exportToFile(path));
        QCOMPARE(exporter.exportedCount(), m_stored.size());
    }

    void failedWriteLeavesNothing()
    {
        fill(3000);
        // The file size limit makes the kernel fail our writes past 64 KiB
        // (EFBIG), as a full disk would; SIGXFSZ would kill the test instead.
        const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit previous{};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &previous), 0);
        rlimit limited = previous;
        limited.rlim_cur = 64 * 1024;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);

        EventExporter exporter(m_store.get());
        exporter.setFormat(EventExporter::Format::Ndjson);
        const bool exported = exporter.exportToFile(outPath("out.ndjson"));

        setrlimit(RLIMIT_FSIZE, &previous);
        std::signal(SIGXFSZ, previousHandler);
        QVERIFY(!exported);
        QCOMPARE(exporter.error(), EventExporter::Error::WriteError);
        QVERIFY2(exporter.errorString().startsWith(
                     QStringLiteral("Could not write the export to %1: ")
                         .arg(QDir::toNativeSeparators(outPath("out.ndjson")))),
                 qPrintable(exporter.errorString()));
        QVERIFY(exporter.errorString().endsWith(QStringLiteral("No file was written.")));
        QCOMPARE(strayFiles(), QStringList());
    }

    void unwritableTargetIsReported()
    {
        EventExporter exporter(m_store.get());
        const QString path = outPath("missing-folder/out.csv");
        QVERIFY(!exporter.exportToFile(path));
        QCOMPARE(exporter.error(), EventExporter::Error::OpenError);
        QVERIFY2(exporter.errorString().startsWith(
                     QStringLiteral("Could not create %1: ").arg(QDir::toNativeSeparators(path))),
                 qPrintable(exporter.errorString()));
        QCOMPARE(strayFiles(), QStringList());
    }

    void closedStoreIsReported()
    {
        EventLog closed;
        EventExporter exporter(&closed);
        QVERIFY(!exporter.exportToFile(outPath("out.csv")));
        QCOMPARE(exporter.error(), EventExporter::Error::ReadError);
        QVERIFY(!exporter.errorString().isEmpty());
        QCOMPARE(strayFiles(), QStringList());
    }

    void exportIsASnapshot()
    {
        // Events stored while an export runs do not join it.
        EventLog writer;
        QVERIFY(writer.open(m_store->path()));
        EventExporter exporter(m_store.get());
        exporter.setFormat(EventExporter::Format::Ndjson);
        exporter.setPageSize(3);
        int pages = 0;
        connect(&exporter, &EventExporter::progress, this, [&] {
            if (pages++ == 1)
                QVERIFY(
                    writer.append(QStringLiteral("late"), {makeEvent("x", "t", "late", kT0)}, "x"));
        });
        QVERIFY(exporter.exportToFile(outPath("out.ndjson")));
        QCOMPARE(exporter.exportedCount(), m_stored.size());
        QVERIFY(!readFile(outPath("out.ndjson")).contains("\"late\""));
        QCOMPARE(m_store->countEvents({}), m_stored.size() + 1);
    }

    void formatNames()
    {
        QCOMPARE(EventExporter::formatNames(), QStringList({"csv", "ndjson", "json"}));
        QCOMPARE(EventExporter::formatFromName("NDJSON"),
                 std::optional(EventExporter::Format::Ndjson));
        QCOMPARE(EventExporter::formatFromName("xml"), std::nullopt);
    }
};

QTEST_GUILESS_MAIN(tst_EventExporter)
#include "tst_eventexporter.moc"
