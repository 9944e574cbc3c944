#include "channel.h"
#include "channelmanager.h"
#include "channelstore.h"
#include "jobmodel.h"
#include "mainwindow.h"
#include "notificationsettingsdialog.h"
#include "notificationsounds.h"
#include "notifier.h"

#include <QAction>
#include <QAudioDevice>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QMediaDevices>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSoundEffect>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Longwatch;
using namespace std::chrono_literals;
using T = NotificationRules::Transition;

namespace {

struct Played
{
    QUrl source;
    int volume;
};

/// Records what would play, instead of playing it.
class RecordingPlayer final : public SoundPlayer
{
public:
    explicit RecordingPlayer(QList<Played> *played)
        : m_played(played)
    {}
    void play(const QUrl &source, int volume) override { m_played->append({source, volume}); }

private:
    QList<Played> *m_played;
};

Event jobEvent(const QString &job, const QString &status)
{
    Event event;
    event.raw = QStringLiteral(R"({"job":"%1","status":"%2"})").arg(job, status).toUtf8();
    event.text = QStringLiteral("%1 is %2").arg(job, status);
    return event;
}

ChannelConfig pausedChannel(const QString &name = "builds")
{
    ChannelConfig c;
    c.name = name;
    c.url = QUrl("http://127.0.0.1:9/poll");
    c.paused = true;
    return c;
}

/// Every transition announced; a failure breaks through quiet, the rest not.
NotificationRules everything()
{
    NotificationRules rules = NotificationRules::defaults();
    for (const T t : NotificationRules::transitions())
        rules.setOn(t, true);
    return rules;
}

QUrl builtin(const char *id)
{
    return NotificationSounds::source(QString::fromLatin1(id));
}

template<typename W> W *child(QObject *parent, const QString &name)
{
    auto *w = parent->findChild<W *>(name);
    if (!w)
        qFatal("no %s", qPrintable(name));
    return w;
}

/// The user picks item `index` of `combo` (setCurrentIndex() alone is not
/// a user's choice: it emits no activated()).
void pick(QComboBox *combo, int index)
{
    combo->setCurrentIndex(index);
    Q_EMIT combo->activated(index);
}

void pickData(QComboBox *combo, const QString &data)
{
    const int index = combo->findData(data);
    QVERIFY2(index >= 0, qPrintable(data));
    pick(combo, index);
}

/// A notifier on one paused channel, with its own clock and a recording player.
struct Fixture
{
    ChannelManager manager;
    JobModel jobs;
    Notifier notifier{&manager, &jobs};
    QDateTime now = QDateTime(QDate(2026, 12, 7), QTime(12, 0)).toUTC(); // a Monday noon
    QList<Played> played;
    Channel *channel = nullptr;
    QSignalSpy notified{&notifier, &Notifier::notify};

    Fixture()
    {
        notifier.setClock([this] { return now; });
        notifier.setDefaultRules(everything());
        notifier.sounds()->setPlayer(std::make_unique<RecordingPlayer>(&played));
        channel = manager.addChannel(pausedChannel());
    }
    void setSound(T transition, const char *sound, int volume = 80)
    {
        NotificationSoundSettings settings = notifier.sounds()->settings();
        settings.setChoice(transition, {QString::fromLatin1(sound), volume});
        notifier.sounds()->setSettings(settings);
    }
    /// One batch of the channel, `ms` after the last; the notifier decides
    /// once it is through.
    void apply(const QList<Event> &events, int ms = 0)
    {
        now = now.addMSecs(ms);
        jobs.applyBatch(channel->id(), channel->name(), {}, events);
        QCoreApplication::processEvents();
    }
};

} // namespace

class tst_NotificationSounds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void offByDefault();
    void aTransitionWithASoundPlaysItOnce_data();
    void aTransitionWithASoundPlaysItOnce();
    void aBatchSoundsItsWorstNews();
    void aBurstOfAHundredFailuresIsOneSound();
    void soundsCloserThanTheGapAreOne();
    void mutedAndAMutedChannelAreSilent();
    void aSnoozeIsSilentAndSoIsWhatItHeldBack();
    void quietHoursAreSilentButACriticalFailureSounds();
    void aMissingFileIsNotPlayedAndNothingBreaks();
    void settingsReadBackWhatTheyWrote();
    void builtinSoundsAreWavFilesQtCanLoad();
    void withoutAnAudioDeviceThereIsOneLineInTheLog();
    void theSoundsTabPlaysTheChosenSound();
    void aMissingOrBrokenFileIsASentenceInTheDialog();
    void theWindowKeepsTheSounds();
};

void tst_NotificationSounds::offByDefault()
{
    Fixture f;
    QVERIFY(f.notifier.sounds()->settings().isSilent());
    f.apply({jobEvent("deploy", "running")});
    f.apply({jobEvent("deploy", "failed")}, 3'000);
    f.apply({jobEvent("deploy", "succeeded")}, 3'000);
    QCOMPARE(f.notified.size(), 3);
    QVERIFY(f.played.isEmpty());
}

void tst_NotificationSounds::aTransitionWithASoundPlaysItOnce_data()
{
    QTest::addColumn<T>("transition");
    QTest::addColumn<QStringList>("statuses");

    QTest::newRow("a job that fails") << T::JobFailed << QStringList{"running", "failed"};
    QTest::newRow("a failed job that is fixed")
        << T::JobFixed << QStringList{"failed", "running", "succeeded"};
    QTest::newRow("a failed job that fails again")
        << T::JobStillFailing << QStringList{"failed", "running", "failed"};
    QTest::newRow("a job that starts") << T::JobStarted << QStringList{"running"};
    QTest::newRow("a job that succeeds") << T::JobFinished << QStringList{"running", "succeeded"};
    QTest::newRow("a job that is cancelled")
        << T::JobFinished << QStringList{"running", "cancelled"};
}

void tst_NotificationSounds::aTransitionWithASoundPlaysItOnce()
{
    QFETCH(T, transition);
    QFETCH(QStringList, statuses);

    Fixture f;
    f.setSound(transition, "chime", 35);
    for (const QString &status : statuses)
        f.apply({jobEvent("deploy", status)}, 10'000); // far apart: each stands alone
    QVERIFY(!f.notified.isEmpty());
    QCOMPARE(f.played.size(), 1);
    QCOMPARE(f.played.first().source, builtin("chime"));
    QCOMPARE(f.played.first().source, QUrl("qrc:/sounds/chime.wav"));
    QCOMPARE(f.played.first().volume, 35);
}

void tst_NotificationSounds::aBatchSoundsItsWorstNews()
{
    Fixture f;
    f.setSound(T::JobStarted, "ping");
    f.setSound(T::JobFixed, "chime");
    f.setSound(T::JobFailed, "buzz");
    f.apply({jobEvent("a", "failed")});
    QCOMPARE(f.played.size(), 1);
    QCOMPARE(f.played.last().source, builtin("buzz"));
    // A start and a fix in one batch: the fix is the news that counts.
    f.apply({jobEvent("b", "running"), jobEvent("a", "succeeded")}, 10'000);
    QCOMPARE(f.played.size(), 2);
    QCOMPARE(f.played.last().source, builtin("chime"));
    // A failure among starts: the failure's.
    f.apply({jobEvent("c", "running"), jobEvent("d", "running"), jobEvent("b", "failed")}, 10'000);
    QCOMPARE(f.played.size(), 3);
    QCOMPARE(f.played.last().source, builtin("buzz"));
}

void tst_NotificationSounds::aBurstOfAHundredFailuresIsOneSound()
{
    Fixture f;
    f.setSound(T::JobFailed, "buzz");
    // A hundred failures within a second, each in a batch of its own: the
    // notification is updated a hundred times, the sound plays once.
    for (int i = 0; i < 100; ++i)
        f.apply({jobEvent(QStringLiteral("job %1").arg(i), "failed")}, 10);
    QCOMPARE(f.notified.size(), 100);
    QCOMPARE(f.notified.last().at(0).toString(), QStringLiteral("100 jobs failed"));
    QCOMPARE(f.played.size(), 1);
    // The burst goes on failing, slower than the gap between sounds but
    // within the burst's window: still one notification, updated, silently.
    for (int i = 0; i < 5; ++i)
        f.apply({jobEvent(QStringLiteral("later %1").arg(i), "failed")}, 4'000);
    QCOMPARE(f.played.size(), 1);
    // A hundred in one batch, once that burst is over: one more sound.
    QList<Event> hundred;
    for (int i = 0; i < 100; ++i)
        hundred << jobEvent(QStringLiteral("next %1").arg(i), "failed");
    f.apply(hundred, 60'000);
    QCOMPARE(f.played.size(), 2);
}

void tst_NotificationSounds::soundsCloserThanTheGapAreOne()
{
    Fixture f;
    f.setSound(T::JobStarted, "ping");
    f.apply({jobEvent("a", "running")});
    f.apply({jobEvent("b", "running")}, 1'000);
    QCOMPARE(f.notified.size(), 2);
    QCOMPARE(f.played.size(), 1);
    f.apply({jobEvent("c", "running")}, int(NotificationSounds::minimumGap.count()));
    QCOMPARE(f.played.size(), 2);
}

void tst_NotificationSounds::mutedAndAMutedChannelAreSilent()
{
    Fixture f;
    f.setSound(T::JobFailed, "buzz");
    f.notifier.setMuted(true);
    f.apply({jobEvent("a", "failed")});
    QVERIFY(f.played.isEmpty());
    f.notifier.setMuted(false);
    f.notifier.muteChannelFor(f.channel->id(), 1h);
    f.apply({jobEvent("b", "failed")}, 10'000);
    QCOMPARE(f.notified.size(), 0);
    QVERIFY(f.played.isEmpty());
    f.notifier.unmuteChannel(f.channel->id());
    f.apply({jobEvent("c", "failed")}, 10'000);
    QCOMPARE(f.notified.size(), 1);
    QCOMPARE(f.played.size(), 1); // the sound works: the silence above was the mute's
}

void tst_NotificationSounds::aSnoozeIsSilentAndSoIsWhatItHeldBack()
{
    Fixture f;
    NotificationRules rules = everything();
    rules.setBreaksThrough(T::JobFailed, false);
    f.notifier.setDefaultRules(rules);
    f.setSound(T::JobFailed, "buzz");
    f.setSound(T::JobFixed, "chime");
    f.notifier.pauseFor(1h);
    f.apply({jobEvent("a", "failed")});
    f.apply({jobEvent("a", "succeeded")}, 10'000);
    QCOMPARE(f.notifier.heldBack().size(), 2);
    QCOMPARE(f.notified.size(), 0);
    QVERIFY(f.played.isEmpty());
    // Told afterwards in one notification, which makes no sound: it is
    // about what happened while it was quiet.
    f.now = f.now.addSecs(60);
    f.notifier.resumeNotifications();
    QCOMPARE(f.notified.size(), 1);
    QVERIFY(f.notified.first().at(3).value<Notifier::Subject>().heldBack);
    QVERIFY(f.played.isEmpty());
}

void tst_NotificationSounds::quietHoursAreSilentButACriticalFailureSounds()
{
    Fixture f;
    f.now = QDateTime(QDate(2026, 12, 7), QTime(23, 0)).toUTC(); // a Monday night
    f.setSound(T::JobFailed, "buzz");
    f.setSound(T::JobStarted, "ping");
    QuietHours quiet;
    quiet.enabled = true;
    quiet.from = QTime(22, 0);
    quiet.to = QTime(7, 30);
    f.notifier.setQuietHours(quiet);
    QVERIFY(f.notifier.isQuiet());
    // A start does not break through: held back, silent.
    f.apply({jobEvent("deploy", "running")});
    QCOMPARE(f.notified.size(), 0);
    QVERIFY(f.played.isEmpty());
    // A failure does (the default rules): shown, and it sounds.
    f.apply({jobEvent("deploy", "failed")}, 10'000);
    QCOMPARE(f.notified.size(), 1);
    QCOMPARE(f.played.size(), 1);
    QCOMPARE(f.played.first().source, builtin("buzz"));
}

void tst_NotificationSounds::aMissingFileIsNotPlayedAndNothingBreaks()
{
    QTemporaryDir dir;
    Fixture f;
    const QString gone = dir.filePath("gone.wav");
    NotificationSoundSettings settings;
    settings.setChoice(T::JobFailed, {gone, 50});
    f.notifier.sounds()->setSettings(settings);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("notification sound not played: .*"
                                                          "gone\\.wav does not exist"));
    f.apply({jobEvent("a", "failed")});
    f.apply({jobEvent("b", "failed")}, 60'000);
    QCOMPARE(f.notified.size(), 2); // the notifications are shown all the same
    QVERIFY(f.played.isEmpty());    // and the log said it once (ignoreMessage fails on a second)
}

void tst_NotificationSounds::settingsReadBackWhatTheyWrote()
{
    NotificationSoundSettings settings;
    QVERIFY(settings.isSilent());
    QVERIFY(settings.toVariantMap().isEmpty());
    settings.setChoice(T::JobFailed, {"buzz", 100});
    settings.setChoice(T::ChannelBack, {"/home/me/back.wav", 20});
    settings.setChoice(T::JobStarted, {"ping", 250}); // held to 100
    QCOMPARE(settings.choice(T::JobStarted).volume, 100);
    QVERIFY(!settings.isSilent());
    const QVariantMap map = settings.toVariantMap();
    QCOMPARE(map.keys(), (QStringList{"back", "failed", "started"}));
    QCOMPARE(NotificationSoundSettings::fromVariantMap(map), settings);
    // Unknown transitions are ignored; a missing volume is the default one.
    const NotificationSoundSettings read = NotificationSoundSettings::fromVariantMap(
        {{"someday", QVariantMap{{"sound", "buzz"}}}, {"fixed", QVariantMap{{"sound", "chime"}}}});
    QCOMPARE(read.choice(T::JobFixed).sound, QStringLiteral("chime"));
    QCOMPARE(read.choice(T::JobFixed).volume, NotificationSoundSettings::Choice{}.volume);
    QCOMPARE(read.choice(T::JobFailed).sound, QString());
}

void tst_NotificationSounds::builtinSoundsAreWavFilesQtCanLoad()
{
    QTemporaryDir dir;
    const QList<NotificationSounds::BuiltinSound> sounds = NotificationSounds::builtinSounds();
    QCOMPARE(sounds.size(), 5);
    for (const NotificationSounds::BuiltinSound &sound : sounds) {
        QCOMPARE(NotificationSounds::problem(sound.id), QString());
        QCOMPARE(NotificationSounds::source(sound.id), sound.source);
        // Small, and a WAV file as the check of a user's own file reads it.
        QFile resource(":" + sound.source.path());
        QVERIFY2(resource.open(QIODevice::ReadOnly), qPrintable(sound.source.toString()));
        const QByteArray bytes = resource.readAll();
        QVERIFY2(bytes.size() > 1'000 && bytes.size() < 10'000, qPrintable(sound.id));
        const QString copy = dir.filePath(sound.id + ".wav");
        QFile file(copy);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bytes);
        file.close();
        QCOMPARE(NotificationSounds::problem(copy), QString());
        // Qt Multimedia decodes it (that needs no audio device).
        QSoundEffect effect;
        effect.setSource(sound.source);
        QTRY_VERIFY2(effect.status() == QSoundEffect::Ready ||
                         effect.status() == QSoundEffect::Error,
                     qPrintable(sound.id));
        QCOMPARE(effect.status(), QSoundEffect::Ready);
    }
}

void tst_NotificationSounds::withoutAnAudioDeviceThereIsOneLineInTheLog()
{
    if (!QMediaDevices::audioOutputs().isEmpty())
        QSKIP("this machine has an audio output");
    Fixture f;
    f.notifier.sounds()->setPlayer(nullptr); // the real player, on no device
    f.setSound(T::JobFailed, "buzz");
    QTest::ignoreMessage(QtInfoMsg, "no audio output: notification sounds are not played");
    f.apply({jobEvent("a", "failed")});
    f.apply({jobEvent("b", "failed")}, 60'000);
    QCOMPARE(f.notified.size(), 2);
}

void tst_NotificationSounds::theSoundsTabPlaysTheChosenSound()
{
    Fixture f;
    NotificationSettingsDialog dialog(&f.notifier, &f.manager);
    dialog.showTab(NotificationSettingsDialog::SoundsTab);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    for (const T t : NotificationRules::transitions()) {
        const QString key = NotificationRules::key(t);
        QCOMPARE(child<QComboBox>(&dialog, "sound-" + key)->currentText(), QStringLiteral("None"));
        QVERIFY(!child<QPushButton>(&dialog, "play-" + key)->isEnabled());
    }
    auto *sound = child<QComboBox>(&dialog, "sound-fixed");
    auto *volume = child<QSlider>(&dialog, "volume-fixed");
    auto *play = child<QPushButton>(&dialog, "play-fixed");
    pickData(sound, "chime");
    volume->setValue(40);
    QVERIFY(play->isEnabled());
    QTest::mouseClick(play, Qt::LeftButton);
    QCOMPARE(f.played.size(), 1);
    QCOMPARE(f.played.first().source, builtin("chime"));
    QCOMPARE(f.played.first().volume, 40);
    // Play plays at once, again and again: it is no notification.
    QTest::mouseClick(play, Qt::LeftButton);
    QCOMPARE(f.played.size(), 2);
    // Nothing changes before OK.
    QVERIFY(f.notifier.sounds()->settings().isSilent());
    dialog.accept();
    QCOMPARE(f.notifier.sounds()->settings().choice(T::JobFixed),
             (NotificationSoundSettings::Choice{"chime", 40}));
}

void tst_NotificationSounds::aMissingOrBrokenFileIsASentenceInTheDialog()
{
    QTemporaryDir dir;
    const QString broken = dir.filePath("broken.wav");
    {
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("RIFF\x10\0\0\0WAVE", 12) + "junk and more junk");
    }
    const QString good = dir.filePath("mine.wav");
    QVERIFY(QFile::copy(":/sounds/ping.wav", good));

    Fixture f;
    NotificationSettingsDialog dialog(&f.notifier, &f.manager);
    QString answer;
    dialog.setSoundFileChooser([&answer](QWidget *) { return answer; });
    dialog.showTab(NotificationSettingsDialog::SoundsTab);
    dialog.show();
    auto *sound = child<QComboBox>(&dialog, "sound-failed");
    auto *problem = child<QLabel>(&dialog, "soundProblem-failed");
    auto *play = child<QPushButton>(&dialog, "play-failed");
    // Last in the list, which grows by the file chosen.
    const auto chooseFile = [sound] { return sound->count() - 1; };
    QCOMPARE(sound->itemText(chooseFile()), QStringLiteral("Choose file…"));
    pickData(sound, "buzz");

    // Cancelled: the sound it had.
    answer.clear();
    pick(sound, chooseFile());
    QCOMPARE(sound->currentData().toString(), QStringLiteral("buzz"));
    QVERIFY(problem->isHidden());

    // A file that is not there.
    answer = dir.filePath("nowhere.wav");
    pick(sound, chooseFile());
    QCOMPARE(sound->currentText(), QStringLiteral("nowhere.wav"));
    QVERIFY(problem->isVisibleTo(&dialog));
    QVERIFY2(problem->text().contains("does not exist"), qPrintable(problem->text()));
    QTest::mouseClick(play, Qt::LeftButton);
    QVERIFY(f.played.isEmpty());

    // A file that is no WAV file it can play: one file a row, the new one.
    answer = broken;
    pick(sound, chooseFile());
    QCOMPARE(sound->currentText(), QStringLiteral("broken.wav"));
    QCOMPARE(sound->findText("nowhere.wav"), -1);
    QVERIFY2(problem->text().contains("is not a sound Longwatch can play"),
             qPrintable(problem->text()));
    QTest::mouseClick(play, Qt::LeftButton);
    QVERIFY(f.played.isEmpty());
    // Set LONGWATCH_SCREENSHOT_DIR to keep a picture of the tab to look at.
    if (const QString shots = qEnvironmentVariable("LONGWATCH_SCREENSHOT_DIR"); !shots.isEmpty()) {
        pickData(child<QComboBox>(&dialog, "sound-fixed"), "chime");
        pickData(child<QComboBox>(&dialog, "sound-back"), "ping");
        child<QSlider>(&dialog, "volume-back")->setValue(45);
        QVERIFY(dialog.grab().save(shots + "/notification-sounds.png"));
    }

    // A good one plays, and the sentence goes.
    answer = good;
    pick(sound, chooseFile());
    QVERIFY(problem->isHidden());
    QTest::mouseClick(play, Qt::LeftButton);
    QCOMPARE(f.played.size(), 1);
    QCOMPARE(f.played.first().source, QUrl::fromLocalFile(good));
    dialog.accept();
    QCOMPARE(f.notifier.sounds()->settings().choice(T::JobFailed).sound, good);

    // Gone by the time the dialog opens again: said at once.
    QVERIFY(QFile::remove(good));
    NotificationSettingsDialog again(&f.notifier, &f.manager);
    again.show();
    QCOMPARE(child<QComboBox>(&again, "sound-failed")->currentText(), QStringLiteral("mine.wav"));
    auto *gone = child<QLabel>(&again, "soundProblem-failed");
    QVERIFY(!gone->isHidden()); // on its tab, which is not the one shown
    QVERIFY2(gone->text().contains("does not exist"), qPrintable(gone->text()));
}

void tst_NotificationSounds::theWindowKeepsTheSounds()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath("longwatch.ini"), QSettings::IniFormat);
    MemoryChannelStore store;
    ChannelManager manager(&store);
    manager.addChannel(pausedChannel());
    NotificationSoundSettings chosen;
    {
        MainWindow window(&manager, &settings);
        QVERIFY(window.notifier()->sounds()->settings().isSilent());
        child<QAction>(&window, "notificationSettings")->trigger();
        auto *dialog = window.findChild<NotificationSettingsDialog *>();
        QVERIFY(dialog);
        pickData(child<QComboBox>(dialog, "sound-failed"), "buzz");
        child<QSlider>(dialog, "volume-failed")->setValue(65);
        pickData(child<QComboBox>(dialog, "sound-back"), "chime");
        chosen = dialog->soundSettings();
        dialog->accept();
        QCOMPARE(window.notifier()->sounds()->settings(), chosen);
    }
    QCOMPARE(chosen.choice(T::JobFailed), (NotificationSoundSettings::Choice{"buzz", 65}));
    QCOMPARE(chosen.choice(T::ChannelBack).sound, QStringLiteral("chime"));
    MainWindow again(&manager, &settings);
    QCOMPARE(again.notifier()->sounds()->settings(), chosen);
}

QTEST_MAIN(tst_NotificationSounds)
#include "tst_notificationsounds.moc"
