#include "notificationsounds.h"

#include "logging.h"

#include <QAudio>
#include <QAudioDevice>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMediaDevices>
#include <QSoundEffect>
#include <QtEndian>

#include <algorithm>

namespace Longwatch {

namespace {

const QString kSoundKey = QStringLiteral("sound");
const QString kVolumeKey = QStringLiteral("volume");

/// Plays through the audio device with Qt Multimedia: one QSoundEffect per
/// sound, loaded at its first play and kept (QSoundEffect holds the decoded
/// samples, so a sound played again starts at once).
class SoundEffectPlayer final : public SoundPlayer
{
public:
    void play(const QUrl &source, int volume) override
    {
        // Without an audio device (a server, CI, a session without sound)
        // there is nothing to play on: one line in the log, no dialog.
        if (QMediaDevices::audioOutputs().isEmpty()) {
            if (!std::exchange(m_toldNoOutput, true))
                qCInfo(lcUi) << "no audio output: notification sounds are not played";
            return;
        }
        QSoundEffect *&effect = m_effects[source];
        if (!effect) {
            effect = new QSoundEffect(&m_effectsParent);
            QObject::connect(effect, &QSoundEffect::statusChanged, effect, [effect, source] {
                if (effect->status() == QSoundEffect::Error)
                    qCWarning(lcUi).noquote() << "could not play the sound" << source.toString();
            });
            effect->setSource(source);
        }
        // A volume control reads as loudness; the device takes amplitude.
        effect->setVolume(QAudio::convertVolume(qBound(0, volume, 100) / 100.0,
                                                QAudio::LogarithmicVolumeScale,
                                                QAudio::LinearVolumeScale));
        effect->play(); // queued until it is loaded
    }

private:
    QObject m_effectsParent;
    QHash<QUrl, QSoundEffect *> m_effects;
    bool m_toldNoOutput = false;
};

/// Why the WAV file `path` cannot be played, or an empty string. It reads
/// the RIFF header as QSoundEffect's decoder does: a "fmt " chunk of PCM
/// (or float, or its extensible form) and a "data" chunk.
QString wavProblem(const QString &path)
{
    const QString name = QDir::toNativeSeparators(path);
    const QFileInfo info(path);
    if (!info.exists())
        return NotificationSounds::tr("%1 does not exist: choose another sound.").arg(name);
    QFile file(path);
    if (!info.isFile() || !file.open(QIODevice::ReadOnly))
        return NotificationSounds::tr("%1 cannot be read: choose another sound.").arg(name);
    const QString notWav =
        NotificationSounds::tr("%1 is not a sound Longwatch can play: choose a WAV file of "
                               "uncompressed (PCM) sound.")
            .arg(name);
    const QByteArray head = file.read(12);
    if (head.size() < 12 || !(head.startsWith("RIFF") || head.startsWith("RIFX")) ||
        head.mid(8, 4) != "WAVE")
        return notWav;
    const bool bigEndian = head.startsWith("RIFX");
    const auto number = [bigEndian](const char *p, int size) -> quint32 {
        if (size == 2)
            return bigEndian ? qFromBigEndian<quint16>(p) : qFromLittleEndian<quint16>(p);
        return bigEndian ? qFromBigEndian<quint32>(p) : qFromLittleEndian<quint32>(p);
    };
    const auto skip = [&file](qint64 bytes) { return bytes == 0 || file.skip(bytes) == bytes; };
    bool format = false;
    // Chunks follow one another: an id, a size, the body padded to an even size.
    for (int chunks = 0; chunks < 64; ++chunks) {
        const QByteArray chunk = file.read(8);
        if (chunk.size() < 8)
            return notWav;
        const quint32 size = number(chunk.constData() + 4, 4);
        if (chunk.startsWith("fmt ")) {
            const QByteArray fmt = file.read(16);
            if (fmt.size() < 16 || size < 16)
                return notWav;
            const quint32 tag = number(fmt.constData(), 2);
            const quint32 channels = number(fmt.constData() + 2, 2);
            const quint32 bits = number(fmt.constData() + 14, 2);
            constexpr quint32 kPcm = 1, kFloat = 3, kExtensible = 0xfffe;
            if ((tag != kPcm && tag != kFloat && tag != kExtensible) || channels == 0 ||
                (bits != 8 && bits != 16 && bits != 24 && bits != 32))
                return notWav;
            format = true;
            if (!skip(qint64(size) - 16 + (size & 1)))
                return notWav;
            continue;
        }
        if (chunk.startsWith("data"))
            return format && size > 0 ? QString() : notWav;
        if (!skip(qint64(size) + (size & 1)))
            return notWav;
    }
    return notWav;
}

} // namespace

// ---------------------------------------------------------------- settings

void NotificationSoundSettings::setChoice(NotificationRules::Transition transition,
                                          const Choice &choice)
{
    m_choices.at(std::size_t(transition)) = {choice.sound, qBound(0, choice.volume, 100)};
}

bool NotificationSoundSettings::isSilent() const
{
    return std::all_of(m_choices.cbegin(), m_choices.cend(),
                       [](const Choice &c) { return c.sound.isEmpty(); });
}

QVariantMap NotificationSoundSettings::toVariantMap() const
{
    QVariantMap map;
    for (const NotificationRules::Transition t : NotificationRules::transitions()) {
        const Choice c = choice(t);
        if (!c.sound.isEmpty())
            map.insert(NotificationRules::key(t),
                       QVariantMap{{kSoundKey, c.sound}, {kVolumeKey, c.volume}});
    }
    return map;
}

NotificationSoundSettings NotificationSoundSettings::fromVariantMap(const QVariantMap &map)
{
    NotificationSoundSettings settings;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const std::optional<NotificationRules::Transition> t = NotificationRules::fromKey(it.key());
        if (!t)
            continue;
        const QVariantMap value = it.value().toMap();
        Choice c;
        c.sound = value.value(kSoundKey).toString();
        c.volume = value.value(kVolumeKey, c.volume).toInt();
        settings.setChoice(*t, c);
    }
    return settings;
}

// ---------------------------------------------------------------- sounds

NotificationSounds::NotificationSounds(QObject *parent)
    : QObject(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{}

NotificationSounds::~NotificationSounds() = default;

void NotificationSounds::setPlayer(std::unique_ptr<SoundPlayer> player)
{
    m_player = std::move(player);
}

void NotificationSounds::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

void NotificationSounds::setSettings(const NotificationSoundSettings &settings)
{
    m_settings = settings;
    m_reported.clear(); // a sound chosen again is told again when it fails
}

SoundPlayer *NotificationSounds::player()
{
    if (!m_player)
        m_player = std::make_unique<SoundEffectPlayer>();
    return m_player.get();
}

void NotificationSounds::start(const QUrl &source, int volume)
{
    m_lastPlayed = m_clock();
    player()->play(source, volume);
}

bool NotificationSounds::play(NotificationRules::Transition transition)
{
    const NotificationSoundSettings::Choice choice = m_settings.choice(transition);
    if (choice.sound.isEmpty())
        return false;
    const QDateTime now = m_clock();
    if (m_lastPlayed.isValid() && m_lastPlayed <= now &&
        m_lastPlayed.msecsTo(now) < qint64(minimumGap.count()))
        return false;
    // A file may have gone since it was chosen: the log says so, once.
    if (const QString why = problem(choice.sound); !why.isEmpty()) {
        if (!m_reported.contains(choice.sound)) {
            m_reported.insert(choice.sound);
            qCWarning(lcUi).noquote() << "notification sound not played:" << why;
        }
        return false;
    }
    start(source(choice.sound), choice.volume);
    return true;
}

QString NotificationSounds::preview(const QString &sound, int volume)
{
    if (sound.isEmpty())
        return {};
    if (QString why = problem(sound); !why.isEmpty())
        return why;
    start(source(sound), volume);
    return {};
}

QList<NotificationSounds::BuiltinSound> NotificationSounds::builtinSounds()
{
    const auto make = [](const char *id, const QString &label) {
        const QString name = QString::fromLatin1(id);
        return BuiltinSound{name, label, QUrl(QStringLiteral("qrc:/sounds/%1.wav").arg(name))};
    };
    return {
        make("chime", tr("Chime (two notes up)")), make("buzz", tr("Buzz (low)")),
        make("beeps", tr("Three beeps")),          make("ping", tr("Ping (one short note)")),
        make("fall", tr("Two notes down")),
    };
}

bool NotificationSounds::isFile(const QString &sound)
{
    return QDir::isAbsolutePath(sound);
}

QUrl NotificationSounds::source(const QString &sound)
{
    if (sound.isEmpty())
        return {};
    if (isFile(sound))
        return QUrl::fromLocalFile(sound);
    for (const BuiltinSound &builtin : builtinSounds()) {
        if (builtin.id == sound)
            return builtin.source;
    }
    return {};
}

QString NotificationSounds::problem(const QString &sound)
{
    if (sound.isEmpty())
        return {};
    if (isFile(sound))
        return wavProblem(sound);
    if (source(sound).isEmpty())
        return tr("Longwatch has no sound called \"%1\": choose another sound.").arg(sound);
    return {};
}

QString NotificationSounds::transitionText(NotificationRules::Transition transition)
{
    switch (transition) {
    case NotificationRules::Transition::ChannelDown:
        return tr("A channel is down");
    case NotificationRules::Transition::ChannelBack:
        return tr("A channel is back");
    default:
        return NotificationRules::label(transition);
    }
}

} // namespace Longwatch
