#pragma once

// Small helpers shared by the feed profiles' tests: table-driven ones that
// hand a profile answers, and ones that run a profile's Poller against the
// fake server.

#include "feedprofile.h"
#include "networkaccessmanager.h"
#include "poller.h"
#include "profiles.h"

#include <QDateTime>
#include <QString>

#include <memory>
#include <utility>

namespace Longwatch::Testing {

/// A response as the Poller would hand it to a profile, received at a fixed
/// time (2026-11-22 12:00 UTC) so that Retry-After dates are predictable.
inline PollResponse response(int status, const QByteArray &body, HeaderList headers = {})
{
    PollResponse r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    r.receivedAt = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC);
    return r;
}

/// A verdict in words, for failure messages.
inline QString verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Events:
        return QStringLiteral("events");
    case Verdict::NoNews:
        return QStringLiteral("no news");
    case Verdict::Retry:
        return QStringLiteral("retry");
    case Verdict::Fatal:
        return QStringLiteral("fatal");
    case Verdict::Resync:
        return QStringLiteral("resync");
    }
    return QStringLiteral("?");
}

/// The profile `id` made for `url` with `knobs`; null, with the reasons
/// as a warning, if createProfile() refuses them.
inline std::unique_ptr<FeedProfile> profileFor(const QString &id, const QUrl &url,
                                               const QVariantMap &knobs = {})
{
    QStringList errors;
    auto made = createProfile(id, url, knobs, &errors);
    if (!made)
        qWarning() << errors;
    return made;
}

/// The name of every knob createProfile() understands (profileKnobs()).
inline QStringList profileKnobNames()
{
    QStringList names;
    for (const ProfileKnob &knob : profileKnobs())
        names << knob.name;
    return names;
}

/// Poller settings for a test against a local server: short timeouts and
/// backoffs, so that a retry or a failure comes within a test's wait.
inline PollerSettings quickPollerSettings()
{
    using namespace std::chrono_literals;
    PollerSettings settings;
    settings.connectTimeout = 5s;
    settings.deadlineMargin = 2s;
    settings.inactivityTimeout = 5s;
    settings.backoffInitial = 20ms;
    settings.backoffMax = 100ms;
    settings.liveRepollGuard = 10ms;
    return settings;
}

/// One Poller named `name` on the profile `id` for `url` (a fake server's),
/// recording what it reports: the events of its batches, the batches, the
/// reasons of its cursor resets and its errors. Not valid (no poller) if
/// the profile is refused.
class RecordedPoller
{
public:
    RecordedPoller(const QString &id, const QUrl &url, const QVariantMap &knobs,
                   const PollerSettings &settings, const QString &name)
    {
        auto profile = profileFor(id, url, knobs);
        if (!profile)
            return;
        m_poller = std::make_unique<Poller>(std::move(profile), &m_manager);
        m_poller->setName(name);
        m_poller->setSettings(settings);
        Poller *poller = m_poller.get();
        QObject::connect(poller, &Poller::batchReceived, poller,
                         [this](const EventList &batch, const QString &) {
                             events += batch;
                             ++batches;
                         });
        QObject::connect(poller, &Poller::cursorReset, poller,
                         [this](const QString &, const QString &reason) { resets << reason; });
        QObject::connect(poller, &Poller::errorOccurred, poller,
                         [this](Poller::Error error, const QString &message) {
                             errors.append({error, message});
                         });
    }
    RecordedPoller(const RecordedPoller &) = delete;
    RecordedPoller &operator=(const RecordedPoller &) = delete;

    Poller &poller() { return *m_poller; }
    bool isValid() const { return m_poller != nullptr; }

    EventList events;
    int batches = 0;
    QStringList resets;
    QList<std::pair<Poller::Error, QString>> errors;

private:
    NetworkAccessManager m_manager;
    std::unique_ptr<Poller> m_poller;
};

} // namespace Longwatch::Testing
