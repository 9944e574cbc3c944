#pragma once

#include "notificationrules.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QUrl>
#include <QVariantMap>

#include <array>
#include <chrono>
#include <functional>
#include <memory>

namespace Longwatch {

/// Which sound each transition of the notification rules makes, and how
/// loud. Plain data; by default no transition makes a sound.
struct NotificationSoundSettings
{
    struct Choice
    {
        /// Empty: none; a built-in sound's id ("chime"); or the absolute
        /// path of the user's own WAV file.
        QString sound;
        int volume = 80; ///< percent, 0 to 100
        bool operator==(const Choice &other) const = default;
    };

    Choice choice(NotificationRules::Transition transition) const
    {
        return m_choices.at(std::size_t(transition));
    }
    void setChoice(NotificationRules::Transition transition, const Choice &choice);
    /// No transition has a sound.
    bool isSilent() const;

    bool operator==(const NotificationSoundSettings &other) const = default;

    /// NotificationRules::key() -> {"sound", "volume"}, for the transitions
    /// that have a sound.
    QVariantMap toVariantMap() const;
    /// Reads what toVariantMap() wrote; what is missing or unknown makes no sound.
    static NotificationSoundSettings fromVariantMap(const QVariantMap &map);

private:
    std::array<Choice, NotificationRules::kTransitionCount> m_choices;
};

/// Plays a sound file. The real one is Qt Multimedia's QSoundEffect; a
/// test's records what would play.
class SoundPlayer
{
public:
    virtual ~SoundPlayer() = default;
    /// Starts playing the WAV file `source` (qrc: or file:) at `volume`
    /// percent and returns at once. Says nothing to the user when it cannot
    /// (no audio device): a line in the log at most.
    virtual void play(const QUrl &source, int volume) = 0;
};

/// The sounds of notifications, owned by the Notifier: it plays the sound
/// of a notification that is shown (so a muted, snoozed or held back one
/// makes none), once for a burst. Off by default (NotificationSoundSettings).
///
/// The player that plays through the audio device (QSoundEffect) is made
/// at the first sound, so a dashboard without sounds never opens one.
class NotificationSounds final : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<QDateTime()>;

    /// A sound shipped with Longwatch (resources/sounds).
    struct BuiltinSound
    {
        QString id;    ///< what the settings store: "chime"
        QString label; ///< what a person reads: "Chime (two notes up)"
        QUrl source;   ///< qrc:/sounds/chime.wav
    };

    explicit NotificationSounds(QObject *parent = nullptr);
    ~NotificationSounds() override;

    /// Plays through `player` instead of the audio device (tests).
    void setPlayer(std::unique_ptr<SoundPlayer> player);
    void setClock(Clock clock);

    void setSettings(const NotificationSoundSettings &settings);
    const NotificationSoundSettings &settings() const { return m_settings; }

    /// Whether `transition` has a sound.
    bool hasSound(NotificationRules::Transition transition) const
    {
        return !m_settings.choice(transition).sound.isEmpty();
    }
    /// Plays the sound of `transition`, if it has one, unless a sound was
    /// played less than minimumGap ago (a burst of news is one sound).
    /// Returns whether it played.
    bool play(NotificationRules::Transition transition);
    /// Plays `sound` at `volume` percent now, whatever the gap (the
    /// settings' Play button). Returns why it cannot (problem()), or an
    /// empty string when it plays.
    QString preview(const QString &sound, int volume);

    /// The sounds shipped with Longwatch, in the order a menu lists them.
    static QList<BuiltinSound> builtinSounds();
    /// What to play for `sound`: a built-in's resource, or the file; empty
    /// for none or an unknown built-in.
    static QUrl source(const QString &sound);
    static bool isFile(const QString &sound);
    /// What stops `sound` from playing, as a sentence ("… does not exist"),
    /// or an empty string: built-ins always play; a file must be a WAV
    /// file of uncompressed PCM (what QSoundEffect plays).
    static QString problem(const QString &sound);
    /// "A job fails", "A channel is down": a transition as a sounds list
    /// names it.
    static QString transitionText(NotificationRules::Transition transition);

    /// Sounds closer together than this are one sound.
    static constexpr std::chrono::milliseconds minimumGap{2'000};

private:
    SoundPlayer *player();
    void start(const QUrl &source, int volume);

    NotificationSoundSettings m_settings;
    std::unique_ptr<SoundPlayer> m_player;
    Clock m_clock;
    QDateTime m_lastPlayed;
    QSet<QString> m_reported; ///< sounds whose problem the log has told
};

} // namespace Longwatch
