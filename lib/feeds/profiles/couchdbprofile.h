#pragma once

#include "feedprofile.h"
#include "jsonstreamsplitter.h"

#include <QCoreApplication>
#include <QSet>
#include <QVariantMap>

#include <deque>
#include <memory>

namespace Longwatch {

/// CouchDB's changes feed in long-poll mode:
/// `GET /<db>/_changes?feed=longpoll&since=<seq>&timeout=<ms>`
/// (https://docs.couchdb.org/en/stable/api/database/changes.html).
///
/// The cursor is the compact JSON of the server's `last_seq`, so it keeps the
/// server's own form: a CouchDB 2.x+ sequence is a string (`"12-g1AAAA..."`,
/// quotes included), a 1.x sequence a number (`12`). A cursor that is not
/// JSON, such as the initial `now`, is sent as it is.
///
/// With the knob "mode" `stream`, the feed is `feed=continuous` instead: one
/// answer kept open, one JSON line per change, read as it arrives, and
/// `heartbeat=<half the hold, in ms>` (unless the URL names one) so that a
/// quiet feed still sends newlines; the cursor is each change's `seq`.
///
/// Either way the server is not asked for gzip: CouchDB writes heartbeat
/// newlines while it holds, and a compressor would keep them (#19).
///
/// Changes may repeat (a cluster replays them after a node restart), so each
/// event's key is `<id>@<rev>` and the profile drops keys it has already
/// returned; the Poller's recent-key memory drops them too.
class CouchDbProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::CouchDbProfile)

public:
    static constexpr int kSeenMemory = 4096; ///< (id, rev) pairs remembered

    explicit CouchDbProfile(const QUrl &url,
                            std::chrono::milliseconds hold = std::chrono::seconds(55),
                            QString initialCursor = QStringLiteral("now"), bool continuous = false);

    /// Builds the profile from createProfile()'s knobs: "hold" (the
    /// `timeout` the server is asked to hold for; for a continuous feed the
    /// silence allowed), "initial-cursor" and "mode" (`poll`: longpoll, the
    /// default; `stream`: continuous).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("couchdb-changes"); }

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_initialCursor; }
    std::chrono::milliseconds holdTime() const override { return m_hold; }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
    void reset() override;
    bool acceptsCompression() const override { return false; }

    bool streamsAnswers() const override { return m_continuous; }
    bool startStream(const PollResponse &head, const StreamLimits &limits) override;
    PollResult readStream(QByteArrayView bytes, const QString &cursor) override;
    PollResult endStream(const QString &cursor) override;

    /// The `since` parameter a cursor stands for: a JSON string's text, a
    /// number's digits, any other cursor as it is.
    static QString sinceValue(const QString &cursor);

private:
    bool remember(const QString &key);
    PollResult takeLines(const QList<QByteArray> &lines, const QString &cursor);

    QUrl m_url; ///< ends in /_changes
    std::chrono::milliseconds m_hold;
    QString m_initialCursor;
    bool m_continuous;
    JsonStreamSplitter m_splitter;
    std::deque<QString> m_seenOrder;
    QSet<QString> m_seen;
};

} // namespace Longwatch
