#pragma once

#include "feedprofile.h"
#include "jsonstreamsplitter.h"

#include <QCoreApplication>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// etcd's watches (etcd.io/docs/v3.4), chosen by the URL:
///
/// - `http://host:2379/v2/keys/<dir>`: the v2 API's long poll. The first
///   request reads the directory (`?recursive=true`) only for the server's
///   index (`X-Etcd-Index`); then `?wait=true&recursive=true&waitIndex=<N>`
///   is held until a change under the directory and answers with it. The
///   cursor is the index to wait for: the change's `modifiedIndex` + 1.
///   etcd flushes the answer's headers at once, so the held answer is read
///   as a stream whose end is the change (no deadline; silence past the hold
///   asks again). An index etcd has cleared from its history (it keeps the
///   last 1,000 changes: `errorCode` 401) starts again from its current index.
///
/// - `http://host:2379/v3/watch/<key prefix>`: the v3 API's watch through its
///   JSON gateway, `POST /v3/watch` with a `create_request` for every key
///   under the prefix (keys and values are base64 on the wire), an answer
///   that stays open with one JSON line per watch response. The cursor is
///   the revision to start from: the last event's `mod_revision` + 1. A
///   revision etcd has compacted (`compact_revision` in a cancelled
///   response) starts again from its current revision. Without a cursor the
///   watch starts at the current revision.
///
/// An event's key is `<index or revision>:<etcd key>`, its type the change
/// (`set`, `delete`, `expire`... for v2; `put` or `delete` for v3), its text
/// `<key>: <value>`, and raw `{"type","key","value","revision"}` with the
/// value kept as JSON when it is JSON.
class EtcdProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::EtcdProfile)

public:
    enum class Api { V2, V3 };

    EtcdProfile(QUrl server, Api api, QString key, std::chrono::milliseconds hold,
                QString initialCursor);

    /// Builds the profile from createProfile()'s knobs: "hold" (the silence
    /// allowed before asking again) and "initial-cursor" (an index or
    /// revision to start from).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("etcd-watch"); }

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

    /// The end of the range of every key that starts with `prefix` (etcd's
    /// "prefix end": the last byte below 0xff incremented, the rest cut).
    static QByteArray prefixEnd(const QByteArray &prefix);

private:
    PollResult readV2Answer(const QByteArray &body, const QString &cursor);
    PollResult readV3Lines(const QList<QByteArray> &lines, const QString &cursor);

    QUrl m_server; ///< scheme, host and port
    Api m_api;
    QString m_key; ///< v2: the directory; v3: the key prefix
    std::chrono::milliseconds m_hold;
    QString m_initialCursor;
    qint64 m_maxBytes = 16 * 1024 * 1024;
    QByteArray m_body;          ///< v2: the held answer so far
    QByteArray m_indexHeader;   ///< v2: X-Etcd-Index of the answer under way
    JsonStreamSplitter m_lines; ///< v3
};

} // namespace Longwatch
