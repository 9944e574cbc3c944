#pragma once

#include "feedprofile.h"
#include "sseparser.h"

#include <QCoreApplication>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// Server-Sent Events: `GET <url>` with `Accept: text/event-stream`, an
/// answer that stays open and carries events as the WHATWG HTML spec says
/// (html.spec.whatwg.org/multipage/server-sent-events.html), read with
/// SseParser as it arrives.
///
/// The cursor is the spec's last event ID: sent back as `Last-Event-ID`
/// when the profile asks again, so the server can resume after it. An
/// event's `event` field is its type ("message" without one), its data (the
/// `data` lines joined) its text and raw value (as NchanProfile reads a
/// message), and its key its own `id` (none for an event that only carries
/// an earlier one). `retry` sets how long to wait before asking again;
/// comments are heartbeats.
///
/// A stream may stay silent: the hold ("hold", 60 s) is how long the
/// profile listens to silence before it asks again.
class SseProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::SseProfile)

public:
    explicit SseProfile(QUrl url, std::chrono::milliseconds hold = std::chrono::seconds(60),
                        QString initialCursor = {});

    /// Builds the profile from createProfile()'s knobs: "hold" and
    /// "initial-cursor" (a last event ID to resume after).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("sse"); }

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_initialCursor; }
    std::chrono::milliseconds holdTime() const override { return m_hold; }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
    void reset() override;

    bool streamsAnswers() const override { return true; }
    bool startStream(const PollResponse &head, const StreamLimits &limits) override;
    PollResult readStream(QByteArrayView bytes, const QString &cursor) override;
    PollResult endStream(const QString &cursor) override;
    std::chrono::milliseconds reconnectDelay() const override { return m_reconnectDelay; }

    /// Whether a Content-Type names text/event-stream (parameters and case
    /// aside).
    static bool isEventStream(QByteArrayView contentType);

private:
    QUrl m_url;
    std::chrono::milliseconds m_hold;
    QString m_initialCursor;
    SseParser m_parser;
    std::chrono::milliseconds m_reconnectDelay{0};
};

} // namespace Longwatch
