#include "channel.h"
#include "channeldelegate.h"
#include "channelmanager.h"
#include "channelmodel.h"
#include "fakehttpserver.h"
#include "statuscolors.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QImage>
#include <QListView>
#include <QPainter>
#include <QSignalSpy>
#include <QStandardItemModel>
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
    void showsWaitingWhileTheServerHolds();
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

void tst_ChannelModel::showsWaitingWhileTheServerHolds()
{
    FakeHttpServer server; // holds every request
    ChannelManager manager;
    ChannelModel model(&manager);
    manager.addChannel(configFor(server.url("/poll"), "builds"));
    QTRY_COMPARE(status(model, 0), QStringLiteral("Waiting for the server"));
    QCOMPARE(model.index(0).data(ChannelModel::SinceLastEventRole).toString(),
             QStringLiteral("no events yet"));
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

QTEST_MAIN(tst_ChannelModel)
#include "tst_channelmodel.moc"
