#pragma once

#include "feedprofile.h"

#include <QCoreApplication>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// A long-poll subscriber of the Nchan nginx module: `GET /sub/<channel>`
/// (https://nchan.io/#subscriber-endpoints).
///
/// Nchan names a message by the time it was published (whole seconds) and a
/// tag counting messages within that second. It sends them as `Last-Modified`
/// and `Etag` (the Etag unquoted, e.g. `Etag: 3`), and wants them back as
/// `If-Modified-Since` and `If-None-Match` to hand out the next message.
///
/// The cursor is Nchan's own message id notation, `<unix seconds>:<etag>`
/// (e.g. `1795380184:3`): the seconds come from `Last-Modified`, the rest is
/// the Etag exactly as the server sent it (quoted or not, since Nchan reads
/// it back as it wrote it). Seconds hold no colon, so the first colon splits
/// the two unambiguously, and the text is easy to pass on a command line. An
/// empty cursor sends neither header: Nchan then starts at the oldest message
/// it keeps. The cursor is also each event's key.
///
/// Nchan keeps messages in memory only: after nginx restarts, the channel is
/// empty and tags start again at 0 in the second of the next publish. A
/// message published in the very second of the last one seen before the
/// restart, with a tag at or below it, looks old to Nchan and is not sent.
///
/// The body is the message, in whatever content type the publisher used.
/// A body that is exactly one JSON value is kept as that value in
/// Event::raw; any other body (text, binary) becomes a JSON string of its
/// UTF-8 reading (invalid bytes replaced), so raw is always valid JSON.
class NchanProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::NchanProfile)

public:
    explicit NchanProfile(QUrl url, std::chrono::milliseconds hold = std::chrono::seconds(55),
                          QString initialCursor = {});

    /// Builds the profile from createProfile()'s knobs: "hold" (should be
    /// the server's nchan_subscriber_timeout, or longer) and "initial-cursor".
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("nchan"); }

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_initialCursor; }
    std::chrono::milliseconds holdTime() const override { return m_hold; }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;

    /// `<unix seconds>:<etag>` for a message's headers.
    static QString encodeCursor(const QDateTime &lastModified, const QByteArray &etag);
    /// Splits a cursor; false if it is not in encodeCursor()'s form.
    static bool decodeCursor(const QString &cursor, QDateTime *lastModified, QByteArray *etag);

private:
    /// decodeCursor() without the date: the Unix seconds.
    static bool splitCursor(const QString &cursor, qint64 *seconds, QByteArray *etag);

    QUrl m_url;
    std::chrono::milliseconds m_hold;
    QString m_initialCursor;
    // What parseHttpDate() and formatHttpDate() made of the last date, kept
    // for the next message: at a few messages a second they share it.
    QByteArray m_lastModifiedHeader;
    QDateTime m_lastModified;
    mutable qint64 m_askedSeconds = -1;
    mutable QByteArray m_askedDate;
};

} // namespace Longwatch
