#pragma once

#include "feedprofile.h"

#include <QCoreApplication>
#include <QStringList>
#include <QVariantMap>

#include <memory>

class QJsonObject;

namespace Longwatch {

/// A Zulip organisation's real-time events API
/// (zulip.com/api/real-time-events): an event queue is registered, then
/// long-polled.
///
/// - The cursor is `<last event id>@<queue id>`. Without one (a new
///   channel, or after a Resync) the request registers a queue:
///   `POST <server>/api/v1/register`, form-encoded as Zulip wants,
///   `event_types=<JSON list>` (and `narrow=<JSON>` if set),
///   `apply_markdown=false`; the answer's `queue_id` and `last_event_id` make
///   the cursor (no event: the queue starts now).
/// - With one: `GET <server>/api/v1/events?queue_id=&last_event_id=
///   &dont_block=false`, held by the server until there are events or a
///   heartbeat. Every event's `id` moves the cursor; a `heartbeat` is no
///   news. A `message` event's key is `message:<message id>` (the same
///   message through a new queue is not shown twice), its text
///   `<sender> in #<stream> › <topic>: <content>`; other events are keyed
///   `<queue id>:<event id>`.
/// - 400 with code `BAD_EVENT_QUEUE_ID` (the queue expired: Zulip drops a
///   queue nobody asked for about ten minutes) is a Resync: the cursor is
///   dropped, a new queue is registered and the channel shows a gap row.
/// - The hold is the register answer's `event_queue_longpoll_timeout_seconds`
///   (the client timeout Zulip asks for), 90 s until then, unless set.
/// - 401 stops the channel; 429 waits Retry-After or the JSON `retry-after`.
///
/// Credentials are the channel's Basic authentication: the account's email
/// address and its API key, added by the Poller.
class ZulipProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ZulipProfile)

public:
    struct Options
    {
        QUrl server; ///< https://chat.example.com (no /api)
        QStringList eventTypes{QStringLiteral("message")};
        QByteArray narrow; ///< a JSON array, or empty
        std::chrono::milliseconds hold{90'000};
        bool holdSet = false; ///< the "hold" knob was given
    };

    explicit ZulipProfile(Options options);

    /// Builds the profile from createProfile()'s knobs: "hold",
    /// "event-types" (comma list) and "narrow" (Zulip's JSON narrow).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("zulip-events"); }
    /// The knobs only this profile takes.
    static QStringList ownKnobs();
    /// Why `value` will not do for the knob `name` of ownKnobs(), or empty.
    static QString knobProblem(const QString &name, const QString &value);

    /// The server's root for an address that names it, its /api, /api/v1 or
    /// one of the two endpoints.
    static QUrl serverUrlFor(const QUrl &url);
    /// `<last event id>@<queue id>`, and back (false if not of that form).
    static QString makeCursor(const QString &queueId, qint64 lastEventId);
    static bool splitCursor(const QString &cursor, QString *queueId, qint64 *lastEventId);

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return {}; }
    std::chrono::milliseconds holdTime() const override { return m_options.hold; }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
    /// After the first `count` events: their last one's queue event id (an
    /// event's raw is the event as sent, with its `id`), so a channel that
    /// takes part of an answer acknowledges only that part.
    std::optional<QString> cursorAfter(const EventList &events, qsizetype count,
                                       const QString &cursor) const override;
    /// True after the register answer: the queue is made, not yet polled.
    bool lastAnswerOnlyPrepared() const override { return m_lastAnswerRegister; }

private:
    PollResult parseError(const PollResponse &response, const QString &cursor,
                          const QJsonObject &envelope) const;
    PollResult readRegister(const PollResponse &response, const QJsonObject &answer);
    PollResult readEvents(const PollResponse &response, const QJsonObject &answer,
                          const QString &cursor) const;
    static Event zulipEvent(const QString &queueId, const QJsonObject &event);

    Options m_options;
    bool m_lastAnswerRegister = false; ///< lastAnswerOnlyPrepared()
};

} // namespace Longwatch
