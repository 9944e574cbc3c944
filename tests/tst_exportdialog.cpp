#include "eventexporter.h"
#include "eventlog.h"
#include "exportdialog.h"
#include "filelocations.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000'000; // µs, 2023-11-14T22:13:20Z, a whole second
constexpr qint64 kSecond = 1'000'000;
constexpr int kWait = 30'000; // ms; exports of the big log on a busy machine

// The dashboard stores channels under their config id and shows names.
const QString kBuilds = QStringLiteral("7d1c1b9e-builds");
const QString kDeploys = QStringLiteral("c3a2f0aa-deploys");

Event makeEvent(const QString &key, const QString &type, const QString &text, qint64 received)
{
    Event event;
    event.key = key;
    event.type = type;
    event.text = text;
    event.receivedUsecs = received;
    event.raw =
        QJsonDocument(QJsonObject{{"id", key}, {"message", text}}).toJson(QJsonDocument::Compact);
    return event;
}

template<typename T> T *child(const ExportDialog &dialog, const char *name)
{
    T *widget = dialog.findChild<T *>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

QListWidgetItem *itemNamed(QListWidget *list, const QString &text)
{
    const QList<QListWidgetItem *> items = list->findItems(text, Qt::MatchExactly);
    return items.size() == 1 ? items.first() : nullptr;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString countText(qint64 count)
{
    return QStringLiteral("%1 events match").arg(QLocale().toString(count));
}

} // namespace

class tst_ExportDialog : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_storePath;
    QString m_outDir;
    StoredEventList m_stored; ///< everything in the store, in order

    std::unique_ptr<ExportDialog> makeDialog() const
    {
        auto dialog = std::make_unique<ExportDialog>(m_storePath);
        dialog->setChannels(
            {{kBuilds, QStringLiteral("Builds")}, {kDeploys, QStringLiteral("Deploys")}});
        dialog->setEventTypes({"build", "deploy", "note"});
        return dialog;
    }
    QStringList outFiles() const
    {
        return QDir(m_outDir).entryList(QDir::Files | QDir::Hidden | QDir::Dirs |
                                        QDir::NoDotAndDotDot);
    }
    StoredEventList storedWithKeys(const QStringList &keys) const
    {
        StoredEventList events;
        for (const StoredEvent &stored : m_stored) {
            if (keys.contains(stored.event.key))
                events << stored;
        }
        return events;
    }
    /// Adds `count` events to the Builds channel, so exports take many pages.
    void fillBig(int count)
    {
        EventLog store;
        QVERIFY(store.open(m_storePath));
        EventList events;
        for (int i = 0; i < count; ++i)
            events << makeEvent(QStringLiteral("bulk%1").arg(i), "build",
                                QStringLiteral("bulk %1").arg(i), kT0 + 100 * kSecond + i);
        QVERIFY(store.append(kBuilds, events, QStringLiteral("bulk")));
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_storePath = m_dir->filePath(QStringLiteral("events.sqlite"));
        QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("out")));
        m_outDir = m_dir->filePath(QStringLiteral("out"));

        EventLog store;
        QVERIFY(store.open(m_storePath));
        const EventList builds = {
            makeEvent("b1", "build", "compile started", kT0),
            makeEvent("b2", "build", "compile failed", kT0 + 1 * kSecond),
            makeEvent("b3", "deploy", "ship to staging", kT0 + 2 * kSecond),
            makeEvent("b4", "note", "coffee break", kT0 + 3 * kSecond),
            makeEvent("b5", "build", "compile ok", kT0 + 4 * kSecond),
            makeEvent("b6", "deploy", "ship to prod", kT0 + 5 * kSecond),
        };
        QVERIFY(store.append(kBuilds, builds, QStringLiteral("b6")));
        const EventList deploys = {
            makeEvent("d1", "deploy", "ship to prod", kT0 + 10 * kSecond),
            makeEvent("d2", "build", "rebuild for prod", kT0 + 11 * kSecond),
            makeEvent("d3", "deploy", "rollback on prod", kT0 + 12 * kSecond),
            makeEvent("d4", "note", "prod looks fine", kT0 + 13 * kSecond),
        };
        QVERIFY(store.append(kDeploys, deploys, QStringLiteral("d4")));
        bool ok = false;
        EventPage all;
        all.limit = 1000;
        m_stored = store.events({}, all, &ok);
        QVERIFY(ok);
        QCOMPARE(m_stored.size(), 10);
    }

    void cleanup() { m_dir.reset(); }

    void countFollowsTheChoices()
    {
        const auto dialog = makeDialog();
        auto *count = child<QLabel>(*dialog, "matchCount");
        auto *channels = child<QListWidget>(*dialog, "channelList");
        auto *types = child<QListWidget>(*dialog, "typeList");
        auto *allTypes = child<QCheckBox>(*dialog, "allTypes");
        auto *text = child<QLineEdit>(*dialog, "text");
        auto *exportButton = child<QPushButton>(*dialog, "exportButton");
        QSignalSpy counted(dialog.get(), &ExportDialog::matchCountChanged);

        QTRY_COMPARE(count->text(), countText(10));
        QCOMPARE(dialog->matchCount(), std::optional<qint64>(10));
        QVERIFY(exportButton->isEnabled());
        QVERIFY(dialog->query().channels.isEmpty()); // all checked: no channel filter
        QVERIFY(dialog->query().types.isEmpty());

        itemNamed(channels, "Deploys")->setCheckState(Qt::Unchecked);
        QCOMPARE(count->text(), QStringLiteral("Counting…"));
        QTRY_COMPARE(count->text(), countText(6));
        QCOMPARE(dialog->query().channels, QStringList{kBuilds}); // the key, not the name
        QCOMPARE(child<QCheckBox>(*dialog, "allChannels")->checkState(), Qt::PartiallyChecked);

        itemNamed(types, "note")->setCheckState(Qt::Unchecked);
        QTRY_COMPARE(count->text(), countText(5));
        QCOMPARE(dialog->query().types, QStringList({"build", "deploy"}));

        text->setText(QStringLiteral("COMPILE"));
        QTRY_COMPARE(count->text(), countText(3));
        text->setText(QStringLiteral("failed"));
        QTRY_COMPARE(count->text(), QStringLiteral("1 event matches"));
        text->setText(QStringLiteral("nothing like this"));
        QTRY_COMPARE(count->text(), QStringLiteral("No events match"));
        QVERIFY(!exportButton->isEnabled());
        text->clear();
        QTRY_COMPARE(count->text(), countText(5));

        // "All types" unchecks every type when all are checked, else checks all.
        allTypes->click();
        QCOMPARE(allTypes->checkState(), Qt::Checked);
        QTRY_COMPARE(count->text(), countText(6));
        allTypes->click();
        QCOMPARE(allTypes->checkState(), Qt::Unchecked);
        QCOMPARE(count->text(), QStringLiteral("Choose at least one type."));
        QVERIFY(!exportButton->isEnabled());
        allTypes->click();
        QTRY_COMPARE(count->text(), countText(6));

        // Typing fast asks once the typing pauses, not per key.
        const qsizetype before = counted.size();
        QTest::keyClicks(text, QStringLiteral("ship"));
        QTRY_COMPARE(count->text(), countText(2));
        QCOMPARE(counted.size(), before + 1);
    }

    void countFollowsTheTimeRangeAndChannels()
    {
        const auto dialog = makeDialog();
        dialog->open();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        auto *count = child<QLabel>(*dialog, "matchCount");
        auto *fromCheck = child<QCheckBox>(*dialog, "fromCheck");
        auto *from = child<QDateTimeEdit>(*dialog, "from");
        auto *toCheck = child<QCheckBox>(*dialog, "toCheck");
        auto *to = child<QDateTimeEdit>(*dialog, "to");
        auto *channels = child<QListWidget>(*dialog, "channelList");
        QTRY_COMPARE(count->text(), countText(10));

        // The edits keep their values while unchecked; checking one counts anew.
        from->setDateTime(QDateTime::fromMSecsSinceEpoch(kT0 / 1000 + 2000)); // b3 on
        QTRY_COMPARE(count->text(), countText(10));
        QTest::mouseClick(fromCheck, Qt::LeftButton, {}, QPoint(5, fromCheck->height() / 2));
        QVERIFY(fromCheck->isChecked());
        QTRY_COMPARE(count->text(), countText(8));
        QCOMPARE(dialog->matchCount(), std::optional<qint64>(8));

        // Stepping the start by keyboard, a second at a time.
        from->setFocus();
        from->setCurrentSection(QDateTimeEdit::SecondSection);
        QTest::keyClick(from, Qt::Key_Up);
        QTRY_COMPARE(count->text(), countText(7));
        QTest::keyClick(from, Qt::Key_Down);
        QTest::keyClick(from, Qt::Key_Down);
        QTRY_COMPARE(count->text(), countText(9));

        // The end of the range.
        to->setDateTime(QDateTime::fromMSecsSinceEpoch(kT0 / 1000 + 10'000)); // up to d1
        QTest::mouseClick(toCheck, Qt::LeftButton, {}, QPoint(5, toCheck->height() / 2));
        QTRY_COMPARE(count->text(), countText(6)); // b2..b6, d1
        to->setDateTime(QDateTime::fromMSecsSinceEpoch(kT0 / 1000 + 12'000));
        QTRY_COMPARE(count->text(), countText(8));
        QTest::mouseClick(fromCheck, Qt::LeftButton, {}, QPoint(5, fromCheck->height() / 2));
        QVERIFY(!fromCheck->isChecked());
        QTRY_COMPARE(count->text(), countText(9)); // b1..b6, d1..d3

        // Channels, by a click on an item's check box.
        QListWidgetItem *deploys = itemNamed(channels, "Deploys");
        const QRect rect = channels->visualItemRect(deploys);
        QTest::mouseClick(channels->viewport(), Qt::LeftButton, {},
                          QPoint(rect.left() + 10, rect.center().y()));
        QCOMPARE(deploys->checkState(), Qt::Unchecked);
        QTRY_COMPARE(count->text(), countText(6));
        child<QCheckBox>(*dialog, "allChannels")->click();
        QTRY_COMPARE(count->text(), countText(9));
        itemNamed(channels, "Builds")->setCheckState(Qt::Unchecked);
        QTRY_COMPARE(count->text(), countText(3));
        QCOMPARE(dialog->matchCount(), std::optional<qint64>(3));
    }

    void countFollowsTheLog()
    {
        // The dashboard records while the dialog is open.
        const auto dialog = makeDialog();
        dialog->setRefreshInterval(20ms);
        auto *count = child<QLabel>(*dialog, "matchCount");
        QSignalSpy counted(dialog.get(), &ExportDialog::matchCountChanged);
        child<QLineEdit>(*dialog, "text")->setText(QStringLiteral("prod"));
        QTRY_COMPARE(count->text(), countText(5));
        const qsizetype before = counted.size();
        {
            EventLog store;
            QVERIFY(store.open(m_storePath));
            QVERIFY(
                store.append(kDeploys,
                             {makeEvent("d5", "deploy", "ship to prod again", kT0 + 20 * kSecond),
                              makeEvent("d6", "note", "lunch", kT0 + 21 * kSecond)},
                             QStringLiteral("d6")));
        }
        QTRY_COMPARE(count->text(), countText(6));
        QCOMPARE(dialog->matchCount(), std::optional<qint64>(6));
        QCOMPARE(counted.size(), before + 1);
    }

    void exportsOnlyWhatWasChosen_data()
    {
        QTest::addColumn<EventExporter::Format>("format");
        QTest::addColumn<QStringList>("uncheckedChannels");
        QTest::addColumn<QStringList>("uncheckedTypes");
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("from"); // µs; 0: no start
        QTest::addColumn<qint64>("to");   // µs, included; 0: no end
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("one channel as CSV")
            << EventExporter::Format::Csv << QStringList{"Deploys"} << QStringList{} << QString()
            << qint64(0) << qint64(0) << QStringList{"b1", "b2", "b3", "b4", "b5", "b6"};
        QTest::newRow("two types across both channels as NDJSON")
            << EventExporter::Format::Ndjson << QStringList{} << QStringList{"note"} << QString()
            << qint64(0) << qint64(0)
            << QStringList{"b1", "b2", "b3", "b5", "b6", "d1", "d2", "d3"};
        QTest::newRow("a received-time range, both ends included, as JSON")
            << EventExporter::Format::Json << QStringList{} << QStringList{} << QString()
            << kT0 + 2 * kSecond << kT0 + 4 * kSecond << QStringList{"b3", "b4", "b5"};
        QTest::newRow("a start only, as CSV")
            << EventExporter::Format::Csv << QStringList{} << QStringList{} << QString()
            << kT0 + 12 * kSecond << qint64(0) << QStringList{"d3", "d4"};
        QTest::newRow("channel, type and text together, as NDJSON")
            << EventExporter::Format::Ndjson << QStringList{"Builds"}
            << QStringList{"build", "note"} << QStringLiteral("PROD") << qint64(0) << qint64(0)
            << QStringList{"d1", "d3"};
    }

    void exportsOnlyWhatWasChosen()
    {
        QFETCH(EventExporter::Format, format);
        QFETCH(QStringList, uncheckedChannels);
        QFETCH(QStringList, uncheckedTypes);
        QFETCH(QString, text);
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        QFETCH(QStringList, expected);

        const auto dialog = makeDialog();
        for (const QString &name : uncheckedChannels)
            itemNamed(child<QListWidget>(*dialog, "channelList"), name)
                ->setCheckState(Qt::Unchecked);
        for (const QString &type : uncheckedTypes)
            itemNamed(child<QListWidget>(*dialog, "typeList"), type)->setCheckState(Qt::Unchecked);
        child<QLineEdit>(*dialog, "text")->setText(text);
        if (from) {
            child<QCheckBox>(*dialog, "fromCheck")->setChecked(true);
            // Shown (and typed) in local time.
            child<QDateTimeEdit>(*dialog, "from")
                ->setDateTime(QDateTime::fromMSecsSinceEpoch(from / 1000));
        }
        if (to) {
            child<QCheckBox>(*dialog, "toCheck")->setChecked(true);
            child<QDateTimeEdit>(*dialog, "to")
                ->setDateTime(QDateTime::fromMSecsSinceEpoch(to / 1000));
        }
        dialog->setFormat(format);
        const QString path =
            m_outDir + QStringLiteral("/chosen.") + EventExporter::formatName(format);
        child<QLineEdit>(*dialog, "file")->setText(path);
        QCOMPARE(dialog->filePath(), path);

        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(),
                     expected.size() == 1 ? QStringLiteral("1 event matches")
                                          : countText(expected.size()));
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        QSignalSpy progress(dialog.get(), &ExportDialog::progress);
        child<QPushButton>(*dialog, "exportButton")->click();
        QCOMPARE(dialog->state(), ExportDialog::State::Exporting);
        QVERIFY(child<QProgressBar>(*dialog, "progress")->isVisibleTo(dialog.get()));
        QVERIFY(!child<QLineEdit>(*dialog, "file")->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(finished.first().first().value<ExportDialog::State>(),
                 ExportDialog::State::Succeeded);
        QCOMPARE(dialog->state(), ExportDialog::State::Succeeded);
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toLongLong(), expected.size());

        const QString message = expected.size() == 1
                                    ? QStringLiteral("Exported 1 event to %1.").arg(path)
                                    : QStringLiteral("Exported %1 events to %2.")
                                          .arg(QLocale().toString(expected.size()))
                                          .arg(path);
        QCOMPARE(dialog->message(), message);
        QCOMPARE(child<QLabel>(*dialog, "status")->text(), message);
        QVERIFY(child<QLabel>(*dialog, "status")->isVisibleTo(dialog.get()));
        QVERIFY(child<QPushButton>(*dialog, "openFolderButton")->isVisibleTo(dialog.get()));
        QCOMPARE(child<QPushButton>(*dialog, "closeButton")->text(), QStringLiteral("&Close"));
        QVERIFY(!child<QProgressBar>(*dialog, "progress")->isVisibleTo(dialog.get()));
        QCOMPARE(outFiles(), QStringList{QFileInfo(path).fileName()});

        // Byte for byte what the exporter writes for exactly these events.
        const StoredEventList events = storedWithKeys(expected);
        QCOMPARE(events.size(), expected.size());
        const QByteArray bytes = readFile(path);
        QByteArray wanted;
        switch (format) {
        case EventExporter::Format::Csv:
            wanted = EventExporter::csvHeader();
            for (const StoredEvent &event : events)
                wanted += EventExporter::csvRecord(event);
            QCOMPARE(bytes, wanted);
            break;
        case EventExporter::Format::Ndjson:
            for (const StoredEvent &event : events)
                wanted += EventExporter::jsonObject(event) + '\n';
            QCOMPARE(bytes, wanted);
            break;
        case EventExporter::Format::Json: {
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(bytes, &error);
            QCOMPARE(error.error, QJsonParseError::NoError);
            QVERIFY(document.isArray());
            QCOMPARE(document.array().size(), events.size());
            for (qsizetype i = 0; i < events.size(); ++i)
                QCOMPARE(document.array().at(i).toObject(),
                         QJsonDocument::fromJson(EventExporter::jsonObject(events.at(i))).object());
            break;
        }
        }
    }

    void exportsTheCurrentView()
    {
        const auto dialog = makeDialog();
        EventQuery view;
        view.channels = {kBuilds};
        view.types = {"build"};
        view.text = QStringLiteral("compile");
        dialog->setCurrentView(view);
        QVERIFY(dialog->usesCurrentView());
        QVERIFY(child<QRadioButton>(*dialog, "viewChoice")->isChecked());
        QCOMPARE(child<QLabel>(*dialog, "viewDescription")->text(),
                 QStringLiteral("Channel “Builds”, type “build”, containing “compile”."));
        QVERIFY(!child<QListWidget>(*dialog, "channelList")->isEnabled());
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(3));

        // The custom selection starts from the view's filter.
        child<QRadioButton>(*dialog, "customChoice")->setChecked(true);
        QVERIFY(!dialog->usesCurrentView());
        QVERIFY(child<QListWidget>(*dialog, "channelList")->isEnabled());
        QCOMPARE(dialog->query().channels, view.channels);
        QCOMPARE(dialog->query().types, view.types);
        QCOMPARE(dialog->query().text, view.text);
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(3));
        child<QCheckBox>(*dialog, "allChannels")->click();
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(3));
        child<QLineEdit>(*dialog, "text")->clear();
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(4)); // d2 too

        child<QRadioButton>(*dialog, "viewChoice")->setChecked(true);
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(3));
        dialog->setFormat(EventExporter::Format::Ndjson);
        const QString path = m_outDir + QStringLiteral("/view.ndjson");
        dialog->setFilePath(path);
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        dialog->startExport();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(dialog->state(), ExportDialog::State::Succeeded);
        QByteArray wanted;
        for (const StoredEvent &event : storedWithKeys({"b1", "b2", "b5"}))
            wanted += EventExporter::jsonObject(event) + '\n';
        QCOMPARE(readFile(path), wanted);
    }

    void viewSetFirstStillPresetsTheLists()
    {
        ExportDialog dialog(m_storePath);
        EventQuery view;
        view.channels = {kDeploys};
        view.types = {"note"};
        dialog.setCurrentView(view);
        dialog.setChannels(
            {{kBuilds, QStringLiteral("Builds")}, {kDeploys, QStringLiteral("Deploys")}});
        dialog.setEventTypes({"build", "deploy", "note"});
        QCOMPARE(child<QLabel>(dialog, "viewDescription")->text(),
                 QStringLiteral("Channel “Deploys”, type “note”."));
        dialog.setUseCurrentView(false);
        QCOMPARE(dialog.query().channels, view.channels);
        QCOMPARE(dialog.query().types, view.types);
        QTRY_COMPARE(child<QLabel>(dialog, "matchCount")->text(),
                     QStringLiteral("1 event matches"));
    }

    void describesAnUnfilteredView()
    {
        const auto dialog = makeDialog();
        dialog->setCurrentView({});
        QCOMPARE(child<QLabel>(*dialog, "viewDescription")->text(),
                 QStringLiteral("All events: the view is not filtered."));
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(10));
    }

    void removedChannelsCanBeExportedToo()
    {
        ExportDialog dialog(m_storePath);
        dialog.setChannels({{kBuilds, QStringLiteral("Builds")}});
        auto *channels = child<QListWidget>(dialog, "channelList");
        // The log still holds the events of a channel the dashboard no longer has.
        QTRY_COMPARE(channels->count(), 2);
        QCOMPARE(channels->item(0)->text(), QStringLiteral("Builds"));
        QCOMPARE(channels->item(1)->text(), kDeploys + QStringLiteral(" (removed channel)"));
        QCOMPARE(channels->item(1)->checkState(), Qt::Checked);
        QTRY_COMPARE(child<QLabel>(dialog, "matchCount")->text(), countText(10));
        channels->item(0)->setCheckState(Qt::Unchecked);
        QTRY_COMPARE(child<QLabel>(dialog, "matchCount")->text(), countText(4));
        QCOMPARE(dialog.query().channels, QStringList{kDeploys});
    }

    void cancelLeavesNoFile_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("cancelled right after it started") << QStringLiteral("at once");
        QTest::newRow("cancelled halfway") << QStringLiteral("halfway");
        QTest::newRow("the Cancel button clicked halfway") << QStringLiteral("button");
        QTest::newRow("the dialog closed halfway") << QStringLiteral("close");
    }

    void cancelLeavesNoFile()
    {
        QFETCH(QString, how);
        fillBig(20'000);
        const auto dialog = makeDialog();
        dialog->setPageSize(2); // thousands of pages: the cancel surely comes halfway
        dialog->open();
        QVERIFY(dialog->isVisible());
        const QString path = m_outDir + QStringLiteral("/cancelled.csv");
        dialog->setFilePath(path);
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(20'010));

        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        qint64 cancelledAt = -1;
        connect(dialog.get(), &ExportDialog::progress, this, [&](qint64 done, qint64 total) {
            QCOMPARE(total, 20'010);
            if (how == QLatin1String("at once") || done < 100 || cancelledAt >= 0)
                return;
            cancelledAt = done;
            if (how == QLatin1String("halfway"))
                dialog->cancelExport();
            else if (how == QLatin1String("button"))
                child<QPushButton>(*dialog, "closeButton")->click();
            else
                dialog->reject();
        });
        dialog->startExport();
        QCOMPARE(dialog->state(), ExportDialog::State::Exporting);
        if (how == QLatin1String("at once"))
            dialog->cancelExport();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(dialog->state(), ExportDialog::State::Cancelled);
        if (how != QLatin1String("at once"))
            QVERIFY(cancelledAt >= 100 && cancelledAt < 20'010);
        QCOMPARE(dialog->message(),
                 QStringLiteral("The export was cancelled. No file was written."));
        QCOMPARE(child<QLabel>(*dialog, "status")->text(), dialog->message());
        QCOMPARE(outFiles(), QStringList()); // no file, no temporary file
        QCOMPARE(dialog->isVisible(), how != QLatin1String("close"));
        if (how != QLatin1String("close")) {
            // The dialog stays, ready to try again.
            QVERIFY(child<QLabel>(*dialog, "status")->isVisible());
            QVERIFY(child<QPushButton>(*dialog, "exportButton")->isEnabled());
            QVERIFY(child<QLineEdit>(*dialog, "file")->isEnabled());
            QCOMPARE(child<QPushButton>(*dialog, "closeButton")->text(), QStringLiteral("&Close"));
            QVERIFY(child<QPushButton>(*dialog, "closeButton")->isEnabled());
            QVERIFY(!child<QPushButton>(*dialog, "openFolderButton")->isVisible());
        }
    }

    void destroyingTheDialogStopsTheExport()
    {
        fillBig(20'000);
        const QStringList connectionsBefore = QSqlDatabase::connectionNames();
        auto dialog = makeDialog();
        dialog->setPageSize(2);
        dialog->setFilePath(m_outDir + QStringLiteral("/gone.ndjson"));
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(20'010));
        QSignalSpy progress(dialog.get(), &ExportDialog::progress);
        dialog->startExport();
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(0).toLongLong() > 0,
                                 kWait);
        dialog.reset(); // waits for the worker: nothing outlives the dialog
        QCOMPARE(outFiles(), QStringList());
        QCOMPARE(QSqlDatabase::connectionNames(), connectionsBefore);
    }

    void failedExportSaysSoAndLeavesNothing_data()
    {
        QTest::addColumn<QString>("target"); // relative to the out folder
        QTest::newRow("a folder that does not exist") << QStringLiteral("missing/out.csv");
        // Even root cannot create a file below a file.
        QTest::newRow("a folder that is a file") << QStringLiteral("afile/out.csv");
    }

    void failedExportSaysSoAndLeavesNothing()
    {
        QFETCH(QString, target);
        {
            QFile file(m_outDir + QStringLiteral("/afile"));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        const auto dialog = makeDialog();
        const QString path = m_outDir + u'/' + target;
        dialog->setFilePath(path);
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(10));
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        child<QPushButton>(*dialog, "exportButton")->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(dialog->state(), ExportDialog::State::Failed);
        QVERIFY2(dialog->message().startsWith(QStringLiteral("Could not create %1: ").arg(path)),
                 qPrintable(dialog->message()));
        QCOMPARE(child<QLabel>(*dialog, "status")->text(), dialog->message());
        QVERIFY(child<QLabel>(*dialog, "status")->isVisibleTo(dialog.get()));
        QVERIFY(!child<QPushButton>(*dialog, "openFolderButton")->isVisibleTo(dialog.get()));
        QVERIFY(child<QPushButton>(*dialog, "exportButton")->isEnabled());
        QCOMPARE(outFiles(), QStringList{"afile"});
        QCOMPARE(readFile(m_outDir + QStringLiteral("/afile")), QByteArray());
    }

    void aMissingLogIsSaidAndNotCreated()
    {
        const QString missing = m_dir->filePath(QStringLiteral("no-such-log.sqlite"));
        ExportDialog dialog(missing);
        dialog.setFilePath(m_outDir + QStringLiteral("/out.csv"));
        QTRY_COMPARE(child<QLabel>(dialog, "matchCount")->text(),
                     QStringLiteral("There is no event log at %1.").arg(missing));
        QVERIFY(!child<QPushButton>(dialog, "exportButton")->isEnabled());
        dialog.startExport(); // refused
        QCOMPARE(dialog.state(), ExportDialog::State::Ready);
        QVERIFY(!QFile::exists(missing));
        QCOMPARE(outFiles(), QStringList());
    }

    void fileFollowsTheFormat()
    {
        const auto dialog = makeDialog();
        auto *file = child<QLineEdit>(*dialog, "file");
        // events-YYYYMMDD-HHMM.csv in the Documents folder.
        QCOMPARE(dialog->format(), EventExporter::Format::Csv);
        const QFileInfo initial(dialog->filePath());
        QVERIFY2(QRegularExpression(QStringLiteral("^events-\\d{8}-\\d{4}\\.csv$"))
                     .match(initial.fileName())
                     .hasMatch(),
                 qPrintable(initial.fileName()));
        QCOMPARE(initial.absolutePath(), suggestedSaveFolder());
        QCOMPARE(file->text(), QDir::toNativeSeparators(initial.filePath()));
        QVERIFY(!child<QLabel>(*dialog, "fileNote")->isVisibleTo(dialog.get()));

        dialog->setFilePath(m_outDir + QStringLiteral("/a.csv"));
        child<QComboBox>(*dialog, "format")->setCurrentIndex(1);
        QCOMPARE(dialog->format(), EventExporter::Format::Ndjson);
        QCOMPARE(dialog->filePath(), m_outDir + QStringLiteral("/a.ndjson"));
        dialog->setFormat(EventExporter::Format::Json);
        QCOMPARE(dialog->filePath(), m_outDir + QStringLiteral("/a.json"));
        dialog->setFilePath(m_outDir + QStringLiteral("/b"));
        dialog->setFormat(EventExporter::Format::Csv);
        QCOMPARE(dialog->filePath(), m_outDir + QStringLiteral("/b.csv"));
        // An extension of the person's own stays.
        dialog->setFilePath(m_outDir + QStringLiteral("/c.txt"));
        dialog->setFormat(EventExporter::Format::Ndjson);
        QCOMPARE(dialog->filePath(), m_outDir + QStringLiteral("/c.txt"));
        QCOMPARE(dialog->format(), EventExporter::Format::Ndjson);
        // A file named for a format chooses it.
        file->end(false);
        QTest::keyClicks(file, QStringLiteral(".json"));
        QCOMPARE(dialog->filePath(), m_outDir + QStringLiteral("/c.txt.json"));
        QCOMPARE(dialog->format(), EventExporter::Format::Json);
        QCOMPARE(child<QComboBox>(*dialog, "format")->currentData().toString(),
                 QStringLiteral("json"));

        auto *note = child<QLabel>(*dialog, "fileNote");
        QVERIFY(!note->isVisibleTo(dialog.get()));
        dialog->setFilePath(m_storePath); // exists
        QVERIFY(note->isVisibleTo(dialog.get()));
        QCOMPARE(note->text(), QStringLiteral("The file exists; Export asks before replacing it."));
        file->clear();
        QCOMPARE(note->text(), QStringLiteral("Choose the file to export to."));
        QVERIFY(!child<QPushButton>(*dialog, "exportButton")->isEnabled());
        // A bare name goes to the suggested folder, and the note says where.
        file->setText(QStringLiteral("mine.csv"));
        QCOMPARE(QFileInfo(dialog->filePath()).fileName(), QStringLiteral("mine.csv"));
        QVERIFY(QDir::isAbsolutePath(dialog->filePath()));
        QCOMPARE(note->text(), QStringLiteral("The file will be %1.").arg(dialog->filePath()));
    }

    void anExistingFileIsReplacedOnlyAfterYes_data()
    {
        QTest::addColumn<QString>("answer");
        QTest::newRow("Replace replaces it") << QStringLiteral("yes");
        QTest::newRow("No leaves it as it was") << QStringLiteral("no");
        QTest::newRow("Escape leaves it as it was") << QStringLiteral("escape");
        QTest::newRow("closing the export dialog leaves it as it was") << QStringLiteral("close");
    }

    void anExistingFileIsReplacedOnlyAfterYes()
    {
        QFETCH(QString, answer);
        const QString path = m_outDir + QStringLiteral("/old.csv");
        {
            QFile old(path);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("the previous export");
        }
        const auto dialog = makeDialog();
        dialog->open();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        dialog->setFilePath(path);
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(10));
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        QSignalSpy states(dialog.get(), &ExportDialog::stateChanged);

        child<QPushButton>(*dialog, "exportButton")->click();
        auto *question = dialog->findChild<QMessageBox *>(QStringLiteral("replaceQuestion"));
        QVERIFY(question);
        QTRY_VERIFY(question->isVisible());
        QCOMPARE(question->windowModality(), Qt::WindowModal);
        QCOMPARE(question->text(), QStringLiteral("Replace “old.csv”?"));
        QVERIFY2(question->informativeText().contains(m_outDir),
                 qPrintable(question->informativeText()));
        QCOMPARE(question->defaultButton(), question->button(QMessageBox::No));
        // Nothing happens while the question is up, however long it stays.
        QCOMPARE(dialog->state(), ExportDialog::State::Ready);
        QVERIFY(states.isEmpty());
        dialog->startExport(); // a second start is not a second question
        QCOMPARE(dialog->findChildren<QMessageBox *>().size(), 1);
        QCOMPARE(readFile(path), QByteArray("the previous export"));

        const QPointer<QMessageBox> asked(question);
        if (answer == QLatin1String("yes"))
            question->button(QMessageBox::Yes)->click();
        else if (answer == QLatin1String("no"))
            question->button(QMessageBox::No)->click();
        else if (answer == QLatin1String("escape"))
            QTest::keyClick(question, Qt::Key_Escape);
        else
            dialog->reject();
        QTRY_VERIFY(asked.isNull()); // the question goes away

        if (answer == QLatin1String("yes")) {
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
            QCOMPARE(dialog->state(), ExportDialog::State::Succeeded);
            QByteArray wanted = EventExporter::csvHeader();
            for (const StoredEvent &event : std::as_const(m_stored))
                wanted += EventExporter::csvRecord(event);
            QCOMPARE(readFile(path), wanted);
            // The yes was for that export: the next one asks again.
            child<QPushButton>(*dialog, "exportButton")->click();
            auto *again = dialog->findChild<QMessageBox *>(QStringLiteral("replaceQuestion"));
            QVERIFY(again);
            QCOMPARE(dialog->state(), ExportDialog::State::Succeeded);
            again->button(QMessageBox::No)->click();
        } else {
            QCOMPARE(dialog->state(), ExportDialog::State::Ready);
            QVERIFY(states.isEmpty());
            QVERIFY(finished.isEmpty());
            QCOMPARE(readFile(path), QByteArray("the previous export"));
            QCOMPARE(outFiles(), QStringList{"old.csv"});
            if (answer != QLatin1String("close"))
                QVERIFY(child<QPushButton>(*dialog, "exportButton")->isEnabled());
        }
    }

    void aFileConfirmedInTheChooserIsNotAskedAbout()
    {
        const QString path = m_outDir + QStringLiteral("/chosen.csv");
        {
            QFile old(path);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("the previous export");
        }
        const auto dialog = makeDialog();
        dialog->open();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        child<QPushButton>(*dialog, "chooseFileButton")->click();
        auto *chooser = dialog->findChild<QFileDialog *>(QStringLiteral("fileChooser"));
        QVERIFY(chooser);
        // What the chooser does once its own "replace?" was answered Yes.
        Q_EMIT chooser->fileSelected(path);
        chooser->close();
        QCOMPARE(dialog->filePath(), path);
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(10));
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        dialog->startExport();
        QVERIFY(!dialog->findChild<QMessageBox *>(QStringLiteral("replaceQuestion")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(dialog->state(), ExportDialog::State::Succeeded);
        QVERIFY(readFile(path).startsWith(EventExporter::csvHeader()));
    }

    void suggestedFileIsInAFolderThatExists_data()
    {
        QTest::addColumn<bool>("documentsExists");
        QTest::newRow("in Documents when there is one") << true;
        QTest::newRow("in the home folder of a fresh account without Documents") << false;
    }

    void suggestedFileIsInAFolderThatExists()
    {
        QFETCH(bool, documentsExists);
        // A home folder of our own (QStandardPaths is in test mode, so no
        // user-dirs.dirs of the real account moves Documents elsewhere).
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const QByteArray previousHome = qgetenv("HOME");
        qputenv("HOME", QFile::encodeName(home.path()));
        const auto restoreHome = qScopeGuard([&] { qputenv("HOME", previousHome); });
        const QString homePath = QDir(home.path()).canonicalPath();
        QCOMPARE(QDir(QDir::homePath()).canonicalPath(), homePath);
        if (documentsExists)
            QVERIFY(QDir(home.path()).mkdir(QStringLiteral("Documents")));
        const QString expected =
            documentsExists ? homePath + QStringLiteral("/Documents") : homePath;
        QCOMPARE(QDir(suggestedSaveFolder()).canonicalPath(), expected);

        const auto dialog = makeDialog();
        const QFileInfo suggested(dialog->filePath());
        QVERIFY2(suggested.dir().exists(), qPrintable(suggested.absolutePath()));
        QCOMPARE(suggested.dir().canonicalPath(), expected);
        // A bare name lands there too.
        dialog->setFilePath(QStringLiteral("mine.csv"));
        QCOMPARE(QFileInfo(dialog->filePath()).dir().canonicalPath(), expected);

        // The first export with the suggested name just works.
        dialog->setFilePath(suggested.filePath());
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(10));
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        child<QPushButton>(*dialog, "exportButton")->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QVERIFY2(dialog->state() == ExportDialog::State::Succeeded, qPrintable(dialog->message()));
        QVERIFY(QFileInfo::exists(suggested.filePath()));
        // Nothing was created on the way.
        QCOMPARE(QDir(home.path()).exists(QStringLiteral("Documents")), documentsExists);
    }

    void timeRangeMustRunForward()
    {
        const auto dialog = makeDialog();
        child<QCheckBox>(*dialog, "fromCheck")->setChecked(true);
        child<QCheckBox>(*dialog, "toCheck")->setChecked(true);
        auto *from = child<QDateTimeEdit>(*dialog, "from");
        auto *to = child<QDateTimeEdit>(*dialog, "to");
        QVERIFY(from->isEnabled());
        from->setDateTime(QDateTime::fromMSecsSinceEpoch(kT0 / 1000 + 5000));
        to->setDateTime(QDateTime::fromMSecsSinceEpoch(kT0 / 1000));
        QCOMPARE(child<QLabel>(*dialog, "matchCount")->text(),
                 QStringLiteral("The start of the time range is after its end."));
        QVERIFY(!child<QPushButton>(*dialog, "exportButton")->isEnabled());
        to->setDateTime(QDateTime::fromMSecsSinceEpoch(kT0 / 1000 + 5000));
        QCOMPARE(dialog->query().sinceUsecs, std::optional<qint64>(kT0 + 5 * kSecond));
        QCOMPARE(dialog->query().untilUsecs, std::optional<qint64>(kT0 + 6 * kSecond));
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(),
                     QStringLiteral("1 event matches"));
    }

    void layoutFits()
    {
        // Set LONGWATCH_SCREENSHOT_DIR to keep a picture to look at.
        const auto dialog = makeDialog();
        EventQuery view;
        view.channels = {kBuilds};
        view.types = {"deploy"};
        dialog->setCurrentView(view);
        dialog->setUseCurrentView(false);
        // A long path must wrap in the sentences, not widen the dialog.
        const QString folder = m_outDir + QStringLiteral("/exports-of-the-nightly-builds/2026");
        QVERIFY(QDir().mkpath(folder));
        dialog->setFilePath(folder + QStringLiteral("/events-20261122-2341.csv"));
        dialog->open();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        QTRY_COMPARE(child<QLabel>(*dialog, "matchCount")->text(), countText(2));
        QVERIFY(dialog->width() >= dialog->minimumSizeHint().width());
        QVERIFY(dialog->height() >= dialog->minimumSizeHint().height());
        const QList<QLabel *> labels = dialog->findChildren<QLabel *>();
        for (const QLabel *label : labels) {
            if (!label->isVisible() || label->wordWrap() || label->text().isEmpty())
                continue;
            QVERIFY2(label->width() >= label->sizeHint().width(), qPrintable(label->text()));
        }
        const QByteArray shots = qgetenv("LONGWATCH_SCREENSHOT_DIR");
        if (!shots.isEmpty())
            QVERIFY(dialog->grab().save(QString::fromLocal8Bit(shots) + "/exportdialog.png"));
        const int width = dialog->width();
        QSignalSpy finished(dialog.get(), &ExportDialog::exportFinished);
        bool grabbed = false;
        connect(dialog.get(), &ExportDialog::progress, this, [&] {
            QVERIFY(child<QProgressBar>(*dialog, "progress")->isVisible());
            if (!shots.isEmpty() && !grabbed)
                grabbed = dialog->grab().save(QString::fromLocal8Bit(shots) +
                                              "/exportdialog-progress.png");
        });
        dialog->startExport();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(grabbed, !shots.isEmpty());
        QCOMPARE(dialog->width(), width);
        QVERIFY(dialog->height() >= dialog->minimumSizeHint().height());
        if (!shots.isEmpty())
            QVERIFY(dialog->grab().save(QString::fromLocal8Bit(shots) + "/exportdialog-done.png"));
    }
};

QTEST_MAIN(tst_ExportDialog)
#include "tst_exportdialog.moc"
