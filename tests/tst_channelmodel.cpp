#include "channel.h"
#include "channeldelegate.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "eventlog.h"
#include "eventlogwriter.h"
#include "fakehttpserver.h"
#include "statuscolors.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QImage>
#include <QListView>
#include <QPainter>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

ChannelConfig configFor(const QUrl &url, const QString &name)
{
    ChannelConfig c;
    c.name = name;
    c.url = url;
    c.knobs = {{"hold", "5"}};
    // Long enough that a channel in backoff stays there while we look.
    c.timing.backoffInitial = 60s;
    c.timing.backoffMax = 60s;
    c.timing.connectTimeout = 5s;
    return c;
}

QString status(const ChannelModel &model, int row)
{
    return model.index(row).data(ChannelModel::StatusTextRole).toString();
}

} // namespace

class tst_ChannelModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void passesTheModelTester();
    void showsLiveWithCounts();
    void saysLiveStreamingOnAStream();
    void showsListeningWhileTheServerHolds();
    void countsStartFromTheEventLog();
    void retentionLowersTheCount();
    void countsDownTheRetry_data();
    void countsDownTheRetry();
    void showsTheFailureReason();
    void showsPaused();
    void refreshesTimeDependentRolesEverySecond();
    void tooltipHidesSecretsAndTellsAll();
    void sinceText_data();
    void sinceText();
    void delegatePaintsTheStateColour_data();
    void delegatePaintsTheStateColour();
    void reasonLinesKeepTheWholeSentence_data();
    void reasonLinesKeepTheWholeSentence();
    void failedAndRetryingRowsAreTallerForTheirReason();
};

void tst_ChannelModel::passesTheModelTester()
{
    FakeHttpServer server;
    server.enqueue("/a", FakeResponse::seedEvents({1}));
    ChannelManager manager;
    ChannelModel model(&manager);
    model.setTickInterval(10ms);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Channel *a = manager.addChannel(configFor(server.url("/a"), "a"));
    manager.addChannel(configFor(server.url("/b"), "b"));
    Channel *c = manager.addChannel(configFor(server.url("/c"), "c"));
    QCOMPARE(model.rowCount(), 3);
    QTRY_COMPARE(a->eventCount(), qint64(1));
    QSignalSpy ticks(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(ticks.wait());
    manager.removeChannel(c);
    manager.removeChannel(a);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data().toString(), QStringLiteral("b"));
    QCOMPARE(model.channel(model.index(0)), manager.at(0));
}

void tst_ChannelModel::showsLiveWithCounts()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::seedEvents({1, 2}));
    ChannelManager manager;
    ChannelModel model(&manager);
    manager.addChannel(configFor(server.url("/poll"), "builds"));
    QTRY_COMPARE(status(model, 0), QStringLiteral("Live"));
    const QModelIndex index = model.index(0);
    QCOMPARE(index.data(ChannelModel::StateRole).value<Poller::State>(), Poller::State::Live);
    QCOMPARE(index.data(ChannelModel::EventCountRole).toLongLong(), 2);
    QCOMPARE(index.data(ChannelModel::CursorRole).toString(), QStringLiteral("2"));
    QVERIFY(index.data(ChannelModel::LastEventRole).toDateTime().isValid());
    const QList<int> rate = index.data(ChannelModel::RateRole).value<QList<int>>();
    QCOMPARE(rate.last(), 2);
}

void tst_ChannelModel::saysLiveStreamingOnAStream()
{
    FakeHttpServer server;
    server.setDefaultResponse(FakeResponse::stream("text/event-stream"));
    ChannelManager manager;
    ChannelModel model(&manager);
    ChannelConfig config = configFor(server.url("/events"), "deploys");
    config.profileId = "sse";
    Channel *channel = manager.addChannel(config);
    QTRY_COMPARE(status(model, 0), QStringLiteral("Live — streaming"));
    QVERIFY(channel->isStreaming());
    QTRY_COMPARE(server.openStreams().size(), 1);
    QVERIFY(server.streamWrite(server.openStreams().constFirst(), "id: 1\ndata: go\n\n"));
    QTRY_COMPARE(model.index(0).data(ChannelModel::EventCountRole).toLongLong(), 1);
    QCOMPARE(status(model, 0), QStringLiteral("Live — streaming"));
}

void tst_ChannelModel::showsListeningWhileTheServerHolds()
{
    FakeHttpServer server; // holds every request
    ChannelManager manager;
    ChannelModel model(&manager);
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    // The request went out and is held: connected, listening.
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    QCOMPARE(status(model, 0), QStringLiteral("Listening · no events yet"));
    QCOMPARE(model.index(0).data(ChannelModel::HeadlineRole).toString(),
             QStringLiteral("Listening · no events yet"));
    QVERIFY(model.index(0).data(ChannelModel::ReasonRole).toString().isEmpty());
    QCOMPARE(model.index(0).data(ChannelModel::SinceLastEventRole).toString(),
             QStringLiteral("no events yet"));
}

void tst_ChannelModel::countsStartFromTheEventLog()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("events.sqlite");
    const qint64 fourMinutesAgo =
        QDateTime::currentDateTimeUtc().addSecs(-240).toMSecsSinceEpoch() * 1000;
    {
        EventLog log;
        QVERIFY(log.open(path));
        EventList events;
        for (int i = 1; i <= 57; ++i) {
            Event event;
            event.key = QString::number(i);
            event.receivedUsecs = fourMinutesAgo - (57 - i) * 1000;
            event.raw = "{}";
            events << event;
        }
        QVERIFY(log.append("chan-1", events, "57"));
        QVERIFY(log.append("other", {events.first()}, "1"));
    }
    EventLog reader;
    QVERIFY(reader.open(path, EventLog::OpenMode::MustExist));
    FakeHttpServer server; // holds: nothing new yet
    ChannelManager manager;
    ChannelModel model(&manager);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEventLog(&reader, nullptr);
    ChannelConfig config = configFor(server.url("/poll"), "builds");
    config.id = "chan-1";
    Channel *channel = manager.addChannel(config);
    manager.addChannel(configFor(server.url("/fresh"), "fresh"));

    const QModelIndex index = model.index(0);
    QCOMPARE(index.data(ChannelModel::EventCountRole).toLongLong(), 57);
    QCOMPARE(index.data(ChannelModel::LastEventRole).toDateTime().toMSecsSinceEpoch(),
             fourMinutesAgo / 1000);
    QCOMPARE(index.data(ChannelModel::SinceLastEventRole).toString(), QStringLiteral("4 min ago"));
    QTRY_COMPARE(channel->state(), Poller::State::Waiting);
    QCOMPARE(status(model, 0), QStringLiteral("Listening · last event 4 min ago"));
    // A channel the log does not know starts at nothing.
    QCOMPARE(model.index(1).data(ChannelModel::EventCountRole).toLongLong(), 0);
    QCOMPARE(model.index(1).data(ChannelModel::SinceLastEventRole).toString(),
             QStringLiteral("no events yet"));

    // What arrives now adds to what was stored.
    server.answerHeld("/poll", FakeResponse::seedEvents({58, 59, 60}));
    QTRY_COMPARE(index.data(ChannelModel::EventCountRole).toLongLong(), 60);
    QCOMPARE(index.data(ChannelModel::SinceLastEventRole).toString(), QStringLiteral("just now"));
}

void tst_ChannelModel::retentionLowersTheCount()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("events.sqlite");
    {
        EventLog log;
        QVERIFY(log.open(path));
        EventList events;
        for (int i = 1; i <= 30; ++i) {
            Event event;
            event.key = QString::number(i);
            event.receivedUsecs = 1'700'000'000'000'000 + i;
            event.raw = "{}";
            events << event;
        }
        QVERIFY(log.append("chan-1", events, "30"));
    }
    EventLogWriter writer;
    EventLogWriter::Settings settings;
    settings.retentionInterval = 20ms;
    writer.setSettings(settings);
    QVERIFY(writer.open(path));
    EventLog reader;
    QVERIFY(reader.open(path, EventLog::OpenMode::MustExist));
    FakeHttpServer server;
    ChannelManager manager;
    ChannelModel model(&manager);
    model.setEventLog(&reader, &writer);
    ChannelConfig config = configFor(server.url("/poll"), "builds");
    config.id = "chan-1";
    manager.addChannel(config);
    QCOMPARE(model.index(0).data(ChannelModel::EventCountRole).toLongLong(), 30);

    // The log keeps 12 from now on: the count is what it keeps.
    writer.setRetention("chan-1", RetentionPolicy{12, std::chrono::seconds(0)});
    QTRY_COMPARE(model.index(0).data(ChannelModel::EventCountRole).toLongLong(), 12);
    QCOMPARE(reader.countEvents({}), 12);
    QVERIFY(model.index(0).data(ChannelModel::LastEventRole).toDateTime().isValid());
}

void tst_ChannelModel::countsDownTheRetry_data()
{
    QTest::addColumn<qint64>("msecsBeforeRetry");
    QTest::addColumn<QString>("expected");
    QTest::newRow("twelve and a bit seconds before the retry reads 13 s")
        << qint64(12'300) << "Retrying in 13 s (attempt 1)";
    QTest::newRow("a second later it reads 12 s")
        << qint64(11'300) << "Retrying in 12 s (attempt 1)";
    QTest::newRow("the last fraction of a second still reads 1 s")
        << qint64(200) << "Retrying in 1 s (attempt 1)";
    QTest::newRow("at the moment of the retry it reads now")
        << qint64(0) << "Retrying now (attempt 1)";
}

void tst_ChannelModel::countsDownTheRetry()
{
    QFETCH(qint64, msecsBeforeRetry);
    QFETCH(QString, expected);

    FakeHttpServer server;
    server.refuseConnections();
    ChannelManager manager;
    ChannelModel model(&manager);
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    const QDateTime due = channel->nextRetryAt();
    QVERIFY(due.isValid());
    model.setClock([&] { return due.addMSecs(-msecsBeforeRetry); });
    QCOMPARE(status(model, 0), expected);
    QCOMPARE(model.index(0).data(ChannelModel::HeadlineRole).toString(), expected);
    QVERIFY(model.index(0).data(ChannelModel::ReasonRole).toString().contains("refused"));
    QVERIFY(model.index(0).data(Qt::AccessibleTextRole).toString().contains("refused"));
    QCOMPARE(model.index(0).data(ChannelModel::AttemptRole).toInt(), 1);
    QVERIFY(model.index(0).data(ChannelModel::ErrorRole).toString().contains("refused"));
}

void tst_ChannelModel::showsTheFailureReason()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::status(404, R"({"error":"no feed called poll"})"));
    ChannelManager manager;
    ChannelModel model(&manager);
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Failed);
    const QString text = status(model, 0);
    QVERIFY2(text.startsWith("Failed: "), qPrintable(text));
    QCOMPARE(text, "Failed: " + channel->errorString());
    QVERIFY2(text.contains("no feed called poll"), qPrintable(text));
    // The row shows the state and, apart, the whole reason.
    QCOMPARE(model.index(0).data(ChannelModel::HeadlineRole).toString(), QStringLiteral("Failed"));
    QCOMPARE(model.index(0).data(ChannelModel::ReasonRole).toString(), channel->errorString());
    QVERIFY2(model.index(0).data(ChannelModel::ErrorDetailRole).toString().contains("404"),
             qPrintable(model.index(0).data(ChannelModel::ErrorDetailRole).toString()));
}

void tst_ChannelModel::showsPaused()
{
    FakeHttpServer server;
    ChannelManager manager;
    ChannelModel model(&manager);
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    channel->pause();
    QVERIFY(!changed.isEmpty());
    QCOMPARE(status(model, 0), QStringLiteral("Paused"));
    QVERIFY(model.index(0).data(ChannelModel::PausedRole).toBool());
    QCOMPARE(model.index(0).data(ChannelModel::StateRole).value<Poller::State>(),
             Poller::State::Stopped);
}

void tst_ChannelModel::refreshesTimeDependentRolesEverySecond()
{
    FakeHttpServer server;
    server.refuseConnections();
    ChannelManager manager;
    ChannelModel model(&manager);
    model.setTickInterval(20ms);
    Channel *channel = manager.addChannel(configFor(server.url("/poll"), "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Backoff);
    QDateTime now = channel->nextRetryAt().addSecs(-30);
    model.setClock([&now] { return now; });
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const QString before = status(model, 0);
    now = now.addSecs(1);
    QVERIFY(changed.wait());
    const auto roles = changed.last().at(2).value<QList<int>>();
    QVERIFY(roles.contains(ChannelModel::StatusTextRole));
    QVERIFY(roles.contains(ChannelModel::SinceLastEventRole));
    QCOMPARE(before, QStringLiteral("Retrying in 30 s (attempt 1)"));
    QCOMPARE(status(model, 0), QStringLiteral("Retrying in 29 s (attempt 1)"));
}

void tst_ChannelModel::tooltipHidesSecretsAndTellsAll()
{
    FakeHttpServer server;
    server.enqueue("/poll", FakeResponse::status(401, R"({"error":"bad token"})"));
    ChannelManager manager;
    ChannelModel model(&manager);
    QUrl url = server.url("/poll?token=sup3rs3cret");
    Channel *channel = manager.addChannel(configFor(url, "builds"));
    QTRY_COMPARE(channel->state(), Poller::State::Failed);
    const QString tip = model.index(0).data(Qt::ToolTipRole).toString();
    QVERIFY2(!tip.contains("sup3rs3cret"), qPrintable(tip));
    QVERIFY2(tip.contains(QString::number(server.port())), qPrintable(tip));
    QVERIFY(tip.contains("seed-events"));
    QVERIFY(tip.contains("Cursor"));
    QVERIFY2(tip.contains("bad token"), qPrintable(tip));
    QVERIFY(!model.index(0).data(ChannelModel::UrlRole).toString().contains("sup3rs3cret"));
}

void tst_ChannelModel::sinceText_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("expected");
    QTest::newRow("a second ago is just now") << qint64(1) << "just now";
    QTest::newRow("forty seconds read in seconds") << qint64(40) << "40 s ago";
    QTest::newRow("two and a half minutes read in minutes") << qint64(150) << "2 min ago";
    QTest::newRow("five hours read in hours") << qint64(5 * 3600 + 10) << "5 h ago";
    QTest::newRow("three days read in days") << qint64(3 * 86400) << "3 d ago";
}

void tst_ChannelModel::sinceText()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, expected);
    const QDateTime now(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());
    QCOMPARE(ChannelModel::sinceText(now.addSecs(-seconds), now), expected);
    QCOMPARE(ChannelModel::sinceText(QDateTime(), now), QStringLiteral("no events yet"));
}

void tst_ChannelModel::delegatePaintsTheStateColour_data()
{
    QTest::addColumn<Poller::State>("state");
    QTest::newRow("a live channel gets a green dot") << Poller::State::Live;
    QTest::newRow("a failed channel gets a red dot") << Poller::State::Failed;
    QTest::newRow("a paused channel gets a grey dot") << Poller::State::Stopped;
}

void tst_ChannelModel::delegatePaintsTheStateColour()
{
    QFETCH(Poller::State, state);
    // The delegate reads only roles: a stand-in model is enough.
    QStandardItemModel model;
    auto *item = new QStandardItem("builds");
    item->setData(QVariant::fromValue(state), ChannelModel::StateRole);
    item->setData("status", ChannelModel::StatusTextRole);
    item->setData(qint64(12), ChannelModel::EventCountRole);
    item->setData("just now", ChannelModel::SinceLastEventRole);
    model.appendRow(item);

    QListView view;
    view.setModel(&model);
    ChannelDelegate delegate;
    QStyleOptionViewItem option;
    option.initFrom(&view);
    option.widget = &view;
    option.state &= ~QStyle::State_Selected;
    const QSize size = delegate.sizeHint(option, model.index(0, 0)).expandedTo({300, 40});
    option.rect = QRect(QPoint(0, 0), size);
    QImage image(size, QImage::Format_ARGB32);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        delegate.paint(&painter, option, model.index(0, 0));
    }
    const QColor expected = StatusColors::forChannelState(state, option.palette);
    // The dot: 10 px, 8 px in from the left, centred on the first line.
    bool found = false;
    for (int y = 0; y < size.height() / 2 && !found; ++y) {
        for (int x = 8; x < 20 && !found; ++x)
            found = image.pixelColor(x, y) == expected;
    }
    QVERIFY2(found, qPrintable(expected.name()));
}

void tst_ChannelModel::reasonLinesKeepTheWholeSentence_data()
{
    QTest::addColumn<int>("widthInChars");
    QTest::addColumn<int>("expectedLines");
    QTest::addColumn<bool>("cut");
    QTest::newRow("a wide row takes the sentence on one line") << 200 << 1 << false;
    QTest::newRow("a narrower row wraps it onto a second line") << 45 << 2 << false;
    QTest::newRow("a very narrow row cuts it at the end of the second line") << 15 << 2 << true;
}

void tst_ChannelModel::reasonLinesKeepTheWholeSentence()
{
    QFETCH(int, widthInChars);
    QFETCH(int, expectedLines);
    QFETCH(bool, cut);
    const QString reason = QStringLiteral("The server refused the request with 404 Not Found: "
                                          "there is no feed called poll.");
    const QFont font = QApplication::font();
    const int width = QFontMetrics(font).averageCharWidth() * widthInChars;
    const QStringList lines = ChannelDelegate::reasonLines(reason, font, width);
    QCOMPARE(lines.size(), expectedLines);
    for (const QString &line : lines)
        QVERIFY2(QFontMetrics(font).horizontalAdvance(line) <= width, qPrintable(line));
    if (cut) {
        QVERIFY2(lines.last().endsWith(QChar(0x2026)), qPrintable(lines.last()));
        QVERIFY(lines.first().startsWith("The server"));
    } else {
        QCOMPARE(lines.join(' '), reason);
    }
}

void tst_ChannelModel::failedAndRetryingRowsAreTallerForTheirReason()
{
    QStandardItemModel model;
    const auto addRow = [&model](Poller::State state, const QString &reason) {
        auto *item = new QStandardItem("builds");
        item->setData(QVariant::fromValue(state), ChannelModel::StateRole);
        item->setData(reason, ChannelModel::ReasonRole);
        model.appendRow(item);
    };
    addRow(Poller::State::Live, {});
    addRow(Poller::State::Backoff, "Could not connect to 127.0.0.1:9: connection refused.");
    addRow(Poller::State::Failed,
           "The server refused the request with 404 Not Found: there is no feed called poll, "
           "and it said so at some length, more than fits on one line of this row.");
    QListView view;
    view.resize(300, 400);
    view.setModel(&model);
    ChannelDelegate delegate;
    QStyleOptionViewItem option;
    option.initFrom(view.viewport());
    option.widget = &view;
    const int live = delegate.sizeHint(option, model.index(0, 0)).height();
    const int retrying = delegate.sizeHint(option, model.index(1, 0)).height();
    const int failed = delegate.sizeHint(option, model.index(2, 0)).height();
    const int line = QFontMetrics(option.font).lineSpacing();
    QVERIFY2(retrying >= live + line, qPrintable(QString("%1 %2").arg(live).arg(retrying)));
    QVERIFY2(failed >= live + 2 * line, qPrintable(QString("%1 %2").arg(live).arg(failed)));
}

QTEST_MAIN(tst_ChannelModel)
#include "tst_channelmodel.moc"
