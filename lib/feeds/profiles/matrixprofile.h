#pragma once

#include "feedprofile.h"

#include <QCoreApplication>
#include <QStringList>
#include <QVariantMap>

#include <memory>

class QJsonObject;

namespace Longwatch {

/// A Matrix account's rooms, followed through the Client-Server API's
/// `/sync` long poll (spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync):
///
/// - `GET <homeserver>/_matrix/client/v3/sync?since=<cursor>&timeout=<hold ms>
///   &filter=<inline JSON>&set_presence=offline`; the answer's `next_batch`
///   is the next cursor. The Poller's deadline is the hold plus its margin,
///   so the server's `timeout` always runs out first.
/// - Without a cursor the first sync asks with `timeout=0` and hands over
///   no event: it takes `next_batch` only, so a new channel shows what
///   happens from now on, not the rooms' history.
/// - Every event of every joined room's timeline
///   (`rooms.join.<room id>.timeline.events`) is an event: key the
///   event_id, type the Matrix type, time origin_server_ts, text
///   `<sender>: <body>` (or `<type> from <sender>`), raw the event with its
///   `room_id`. Rooms in the order of their ids, each room's events in
///   timeline order.
/// - A timeline marked `limited` skipped events: a gap row (type "gap", no
///   key) for that room comes before its events.
/// - The filter keeps timelines only (no presence, account data, state,
///   ephemeral events); the "rooms" knob limits it to some rooms, the
///   "sync-filter" knob replaces it (a filter id or inline JSON).
/// - 401 M_UNKNOWN_TOKEN / M_MISSING_TOKEN stop the channel with a sentence
///   that says what to do; 429 M_LIMIT_EXCEEDED waits `retry_after_ms`.
///
/// The access token is the channel's bearer token (Authorization header),
/// added by the Poller and masked there; this class never sees it.
class MatrixProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::MatrixProfile)

public:
    MatrixProfile(QUrl syncUrl, std::chrono::milliseconds hold, QString initialCursor,
                  QByteArray filter);

    /// Builds the profile from createProfile()'s knobs: "hold",
    /// "initial-cursor" (a next_batch token to start from), "rooms" (comma
    /// list of room ids) and "sync-filter" (a filter id or a JSON filter).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("matrix-sync"); }
    /// The knobs only this profile takes.
    static QStringList ownKnobs();
    /// Why `value` will not do for the knob `name` of ownKnobs(), or empty.
    static QString knobProblem(const QString &name, const QString &value);

    /// `url` names the homeserver (https://matrix.example.org) or its sync
    /// endpoint; returns the sync endpoint.
    static QUrl syncUrlFor(const QUrl &url);
    /// The inline filter the profile sends: timeline events only, of
    /// `rooms` if not empty.
    static QByteArray defaultFilter(const QStringList &rooms);

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_initialCursor; }
    std::chrono::milliseconds holdTime() const override { return m_hold; }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;

private:
    PollResult parseError(const PollResponse &response, const QString &cursor) const;
    static Event timelineEvent(const QString &roomId, QJsonObject event);
    Event gapEvent(const QString &roomId, const QString &cursor) const;

    QUrl m_url;
    std::chrono::milliseconds m_hold;
    QString m_initialCursor;
    QByteArray m_filter;
};

} // namespace Longwatch
