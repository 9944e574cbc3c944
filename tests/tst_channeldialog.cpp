#include "channeldialog.h"
#include "fakehttpserver.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTreeWidget>

using namespace Longwatch;
using namespace Longwatch::Testing;
using namespace std::chrono_literals;

namespace {

template<typename T> T *child(const ChannelDialog &dialog, const char *name)
{
    T *widget = dialog.findChild<T *>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

/// The error label that sits with a field (in the same little box).
QLabel *errorLabelOf(QWidget *field)
{
    const QList<QLabel *> labels = field->parentWidget()->findChildren<QLabel *>();
    for (QLabel *label : labels) {
        if (label->property("longwatchError").toBool())
            return label;
    }
    return nullptr;
}

void typeInto(QLineEdit *edit, const QString &text)
{
    edit->clear();
    QTest::keyClicks(edit, text);
}

} // namespace

class tst_ChannelDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validatesAsTyped_data();
    void validatesAsTyped();
    void roundTripsAConfiguration();
    void showsOnlyTheFieldsOfTheChosenAuthentication();
    void refusesATakenName();
    void testConnectionShowsWhatCameBack_data();
    void testConnectionShowsWhatCameBack();
    void testCanBeCancelled();
};

void tst_ChannelDialog::validatesAsTyped_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reasonWord"); // empty: the field is fine

    QTest::newRow("a good address is fine") << "urlEdit"
                                            << "http://127.0.0.1:1/poll"
                                            << "";
    QTest::newRow("an address without a scheme is refused") << "urlEdit"
                                                            << "example.com/poll"
                                                            << "http";
    QTest::newRow("an ftp address is refused") << "urlEdit"
                                               << "ftp://example.com/x"
                                               << "http";
    QTest::newRow("a broken events path is refused with the position") << "knob_events-path"
                                                                       << "data["
                                                                       << "path";
    QTest::newRow("a good events path is fine") << "knob_events-path"
                                                << "data.items"
                                                << "";
    QTest::newRow("a bad knob value is refused") << "knob_cursor-target"
                                                 << "sideways"
                                                 << "sideways";
    QTest::newRow("a broken job path is refused") << "jobPathsEdit"
                                                  << "job, build["
                                                  << "build[";
    QTest::newRow("an empty name is refused") << "nameEdit"
                                              << ""
                                              << "name";
}

void tst_ChannelDialog::validatesAsTyped()
{
    QFETCH(QString, field);
    QFETCH(QString, text);
    QFETCH(QString, reasonWord);

    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "builds");
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QPushButton *ok = child<QPushButton>(dialog, "okButton");
    QVERIFY(ok->isEnabled());

    auto *edit = child<QLineEdit>(dialog, field.toLatin1().constData());
    typeInto(edit, text);
    QLabel *error = errorLabelOf(edit);
    QVERIFY(error);
    if (reasonWord.isEmpty()) {
        QVERIFY(error->isHidden());
        QVERIFY(ok->isEnabled());
        return;
    }
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(reasonWord, Qt::CaseInsensitive), qPrintable(error->text()));
    QVERIFY(!ok->isEnabled());
    QVERIFY(!dialog.problems().isEmpty());
    // Putting it right clears the reason at once.
    typeInto(edit, field == "urlEdit"        ? "http://127.0.0.1:1/poll"
                   : field == "nameEdit"     ? "builds"
                   : field == "jobPathsEdit" ? "job"
                                             : "");
    QVERIFY(error->isHidden());
    QVERIFY(ok->isEnabled());
}

void tst_ChannelDialog::roundTripsAConfiguration()
{
    ChannelConfig c;
    c.id = "abc";
    c.name = "deploys";
    c.url = QUrl("https://ci.example.com/feeds/deploys/poll");
    c.profileId = "seed-events";
    c.knobs = {{"hold", "20"}, {"events-path", "data.events"}};
    c.headers = {{"X-Team", "blue"}};
    c.auth = ChannelConfig::Auth::Basic;
    c.user = "ann";
    c.password = "secret";
    c.timing.connectTimeout = 2500ms;
    c.timing.backoffInitial = 3s;
    c.timing.backoffMax = 120s;
    c.jobs.jobPaths = {"deploy.id", "id"};
    c.jobs.statusPath = "deploy.state";
    c.notifyJobFinished = true;
    c.notifyJobRecovered = false;
    c.paused = true;

    ChannelDialog dialog;
    dialog.setConfig(c);
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QVERIFY(dialog.windowTitle().contains("deploys"));
    const ChannelConfig back = dialog.config();
    QCOMPARE(back.id, c.id);
    QCOMPARE(back.name, c.name);
    QCOMPARE(back.url, c.url);
    QCOMPARE(back.knobs, c.knobs);
    QCOMPARE(back.headers, c.headers);
    QCOMPARE(back.auth, c.auth);
    QCOMPARE(back.user, c.user);
    QCOMPARE(back.password, c.password);
    QCOMPARE(back.timing.connectTimeout, c.timing.connectTimeout);
    QCOMPARE(back.timing.backoffInitial, c.timing.backoffInitial);
    QCOMPARE(back.timing.backoffMax, c.timing.backoffMax);
    QCOMPARE(back.jobs, c.jobs);
    QCOMPARE(back.notifyJobFinished, true);
    QCOMPARE(back.notifyJobRecovered, false);
    QCOMPARE(back.paused, true);

    // The profile's own hold time is not written as a knob.
    child<QDoubleSpinBox>(dialog, "holdSpin")->setValue(55);
    QVERIFY(!dialog.config().knobs.contains("hold"));
}

void tst_ChannelDialog::showsOnlyTheFieldsOfTheChosenAuthentication()
{
    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "builds");
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    child<QTabWidget>(dialog, "tabs")->setCurrentIndex(1);
    auto *auth = child<QComboBox>(dialog, "authCombo");
    auto *token = child<QLineEdit>(dialog, "tokenEdit");
    auto *user = child<QLineEdit>(dialog, "userEdit");
    QVERIFY(!token->isVisible());
    QVERIFY(!user->isVisible());

    auth->setCurrentIndex(auth->findData(int(ChannelConfig::Auth::Bearer)));
    QVERIFY(token->isVisible());
    QVERIFY(!user->isVisible());
    QVERIFY(!dialog.problems().isEmpty()); // a bearer token is required
    typeInto(token, "t0k3n");
    QVERIFY(dialog.problems().isEmpty());
    QCOMPARE(dialog.config().pollerSettings().headers.last().second, QByteArray("Bearer t0k3n"));

    auth->setCurrentIndex(auth->findData(int(ChannelConfig::Auth::None)));
    QVERIFY(dialog.config().token.isEmpty());

    auto *headers = child<QPlainTextEdit>(dialog, "headersEdit");
    headers->setPlainText("X-Good: 1\nbroken line");
    QVERIFY(!dialog.problems().isEmpty());
    QLabel *error = errorLabelOf(headers);
    QVERIFY(error && !error->isHidden());
    QVERIFY(error->text().contains("2"));
}

void tst_ChannelDialog::refusesATakenName()
{
    ChannelDialog dialog;
    dialog.setTakenNames({"builds"});
    typeInto(child<QLineEdit>(dialog, "urlEdit"), "http://127.0.0.1:1/poll");
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "Builds");
    QVERIFY(!dialog.problems().isEmpty());
    QVERIFY(dialog.problems().first().contains("Builds"));
    typeInto(child<QLineEdit>(dialog, "nameEdit"), "Builds 2");
    QVERIFY(dialog.problems().isEmpty());
}

void tst_ChannelDialog::testConnectionShowsWhatCameBack_data()
{
    QTest::addColumn<FakeResponse>("response");
    QTest::addColumn<bool>("refuse");
    QTest::addColumn<ConnectionTest::Outcome>("outcome");
    QTest::addColumn<QString>("statusWord");
    QTest::addColumn<int>("previewRows");

    QTest::newRow("events found are listed newest first")
        << FakeResponse::seedEvents({1, 2, 3}) << false << ConnectionTest::Outcome::Events
        << "3 events" << 3;
    QTest::newRow("an empty answer says nothing new")
        << FakeResponse::json(R"({"events":[]})") << false << ConnectionTest::Outcome::NoNews
        << "nothing new" << 0;
    QTest::newRow("a refused connection is said in words")
        << FakeResponse::hold() << true << ConnectionTest::Outcome::Failed << "refused" << 0;
    QTest::newRow("a 403 shows the server's reason")
        << FakeResponse::status(403, R"({"error":"token expired"})") << false
        << ConnectionTest::Outcome::Failed << "token expired" << 0;
}

void tst_ChannelDialog::testConnectionShowsWhatCameBack()
{
    QFETCH(FakeResponse, response);
    QFETCH(bool, refuse);
    QFETCH(ConnectionTest::Outcome, outcome);
    QFETCH(QString, statusWord);
    QFETCH(int, previewRows);

    FakeHttpServer server;
    server.enqueue("/poll", response);
    if (refuse)
        server.refuseConnections();

    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "urlEdit"), server.url("/poll").toString());
    auto *button = child<QPushButton>(dialog, "testButton");
    QVERIFY(button->isEnabled()); // no name needed for a test
    QSignalSpy finished(&dialog, &ChannelDialog::testFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(finished.wait());
    QCOMPARE(finished.at(0).at(0).value<ConnectionTest::Outcome>(), outcome);
    const QString status = child<QLabel>(dialog, "testStatus")->text();
    QVERIFY2(status.contains(statusWord, Qt::CaseInsensitive), qPrintable(status));
    auto *preview = child<QTreeWidget>(dialog, "testPreview");
    QCOMPARE(preview->topLevelItemCount(), previewRows);
    QCOMPARE(preview->isVisible(), previewRows > 0);
    if (previewRows > 0) {
        QCOMPARE(preview->topLevelItem(0)->text(0), QStringLiteral("3"));
        QVERIFY(child<QLabel>(dialog, "testDetail")->text().contains("3"));
    }
    QCOMPARE(server.requestCount(), refuse ? 0 : 1);
}

void tst_ChannelDialog::testCanBeCancelled()
{
    FakeHttpServer server; // holds
    ChannelDialog dialog;
    dialog.show();
    typeInto(child<QLineEdit>(dialog, "urlEdit"), server.url("/poll").toString());
    auto *button = child<QPushButton>(dialog, "testButton");
    QSignalSpy finished(&dialog, &ChannelDialog::testFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(server.heldCount(), 1);
    QVERIFY(button->text().contains("Cancel"));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.at(0).at(0).value<ConnectionTest::Outcome>(),
             ConnectionTest::Outcome::Cancelled);
    QVERIFY(button->text().contains("Test"));
}

QTEST_MAIN(tst_ChannelDialog)
#include "tst_channeldialog.moc"
