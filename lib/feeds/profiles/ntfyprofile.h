#pragma once

#include "genericjsonprofile.h"
#include "jsonstreamsplitter.h"

#include <QCoreApplication>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// ntfy's JSON presets (https://docs.ntfy.sh/subscribe/api/): NDJSON lines
/// of `{"id","time","event","topic","message"}`; `open` and `keepalive`
/// lines (and `poll_request`, ntfy's nudge to mobile clients) are noise; the
/// cursor is the last message's id; the first request asks for `since=all`
/// (everything the server still caches).
///
/// `poll` set: `GET /<topic>/json?poll=1&since=...` answers at once with
/// the cached messages and ends ("Poll for messages"). So the hold is small
/// (it only bounds sending the cache; the Poller adds its margin), and a
/// poll interval (5 s, knob "poll-interval") paces the polls.
///
/// `poll` not set: `GET /<topic>/json?since=...` is a stream that never
/// ends, one line per message plus a keepalive every 45 s (ntfy's default
/// `keepalive-interval`), so the hold, the silence allowed, is 55 s.
///
/// A `topic` URL (`https://ntfy.sh/alerts`) or its /json URL both work.
GenericJsonOptions ntfyOptions(const QUrl &url, bool poll = true);

/// ntfy: its JSON stream by default, read as it arrives (the lines of each
/// read go to a generic JSON profile on ntfyOptions(url, false)); or, with
/// the knob "mode" `poll`, its poll mode, which is that generic JSON
/// profile alone. Every generic-json knob applies on top.
class NtfyProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::NtfyProfile)

public:
    NtfyProfile(GenericJsonOptions options, bool stream);

    /// Builds the profile from createProfile()'s knobs: "mode" (`stream`,
    /// the default, or `poll`) and every generic-json knob.
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("ntfy"); }

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_lines.initialCursor(); }
    std::chrono::milliseconds holdTime() const override { return m_lines.holdTime(); }
    std::chrono::milliseconds minimumPollInterval() const override
    {
        return m_lines.minimumPollInterval();
    }
    PollRequest request(const QString &cursor) const override { return m_lines.request(cursor); }
    PollResult parse(const PollResponse &response, const QString &cursor) override
    {
        return m_lines.parse(response, cursor);
    }
    std::optional<QString> cursorAfter(const EventList &events, qsizetype count,
                                       const QString &cursor) const override
    {
        return m_lines.cursorAfter(events, count, cursor);
    }
    void reset() override;

    bool streamsAnswers() const override { return m_stream; }
    bool startStream(const PollResponse &head, const StreamLimits &limits) override;
    PollResult readStream(QByteArrayView bytes, const QString &cursor) override;
    PollResult endStream(const QString &cursor) override;

private:
    PollResult takeLines(const QList<QByteArray> &lines, const QString &cursor);

    GenericJsonProfile m_lines;
    bool m_stream;
    JsonStreamSplitter m_splitter;
};

} // namespace Longwatch
