#pragma once

#include "feedprofile.h"
#include "jsonstreamsplitter.h"

#include <QCoreApplication>
#include <QHash>
#include <QVariantMap>

#include <memory>

class QJsonObject;

namespace Longwatch {

/// A Kubernetes API collection followed the way the API reference says
/// ("Efficient detection of changes",
/// kubernetes.io/docs/reference/using-api/api-concepts/):
///
/// - Without a cursor the collection is listed (`GET <url>`); the list's
///   `metadata.resourceVersion` is the cursor, and each item the profile
///   has not seen at that version is an ADDED event.
/// - With one, `GET <url>?watch=1&resourceVersion=<cursor>&
///   allowWatchBookmarks=true&timeoutSeconds=<hold>` is read as a stream of
///   JSON lines, one watch event each. ADDED, MODIFIED and DELETED are
///   events; BOOKMARK only moves the cursor; the cursor is the
///   resourceVersion of the last event handed over.
/// - 410 Gone, as the answer's status or as an ERROR event in the stream,
///   means the server no longer has the changes after the cursor: a Resync,
///   which lists again (the Poller reports the cursor reset).
///
/// An event's key is `<uid>:<resourceVersion>`, its type the watch type,
/// its text `<TYPE> <kind> <namespace>/<name>`, and its raw
/// `{"type","kind","namespace","name","job","status","phase","progress",
/// "object"}`: for a Job or a Pod, `job` (namespace/name), `status` (queued,
/// running, succeeded, failed or cancelled) and `progress` feed the job
/// board through the default job mapping. `object` is the object as sent,
/// without its `metadata.managedFields`.
///
/// The bearer token and the cluster's CA are the channel's transport
/// options, as for any HTTPS feed.
class KubernetesProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::KubernetesProfile)

public:
    KubernetesProfile(QUrl url, std::chrono::milliseconds hold, QString initialCursor);

    /// Builds the profile from createProfile()'s knobs: "hold" (how long one
    /// watch lasts; the server ends it then and it is asked again) and
    /// "initial-cursor" (a resourceVersion to watch from instead of listing).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("kubernetes-watch"); }

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_initialCursor; }
    std::chrono::milliseconds holdTime() const override { return m_hold; }
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
    std::optional<QString> cursorAfter(const EventList &events, qsizetype count,
                                       const QString &cursor) const override;
    void reset() override;

    bool streamsAnswers() const override { return true; }
    bool startStream(const PollResponse &head, const StreamLimits &limits) override;
    PollResult readStream(QByteArrayView bytes, const QString &cursor) override;
    PollResult endStream(const QString &cursor) override;

    /// The job board's status word of a Job or a Pod (`kind`), from its
    /// `status`; empty for other kinds. `deleted`: the object is gone, so
    /// a job that had not finished was cancelled.
    static QString jobStatusWord(const QString &kind, const QJsonObject &object, bool deleted);

private:
    PollResult readList(const QByteArray &body, const QString &cursor);
    /// `deferEnd`: an ERROR line after events of the same read is kept
    /// for the next read (m_pendingEnd), so that those events go out.
    PollResult readWatchLines(const QList<QByteArray> &lines, const QString &cursor, bool deferEnd);
    /// A Resync: 410 Gone. Forgets the "initial-cursor" knob.
    PollResult gone(const QString &cursor, const QString &serverWords, const QString &detail);
    /// The event for an object; false if it has no uid or resourceVersion.
    bool objectEvent(const QString &type, const QJsonObject &object, Event *event) const;

    QUrl m_url;
    std::chrono::milliseconds m_hold;
    QString m_initialCursor;
    qint64 m_maxBytes = 16 * 1024 * 1024;
    QByteArray m_body;                      ///< a list answer so far
    JsonStreamSplitter m_lines;             ///< a watch answer
    std::optional<PollResult> m_pendingEnd; ///< an ERROR that followed events
    /// uid -> resourceVersion of the objects seen: a list after a 410 hands
    /// over only what changed. Kept across reset(), cleared on DELETED.
    QHash<QString, QString> m_seen;
};

} // namespace Longwatch
