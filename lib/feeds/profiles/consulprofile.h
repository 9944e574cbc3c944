#pragma once

#include "feedprofile.h"

#include <QCoreApplication>
#include <QVariantMap>

#include <memory>
#include <optional>

namespace Longwatch {

/// Consul's blocking queries, `GET /v1/<endpoint>?index=<N>&wait=<Go
/// duration>` (https://developer.hashicorp.com/consul/api-docs/features/blocking);
/// Nomad's work the same way with `X-Nomad-Index`.
///
/// The cursor is the last `X-Consul-Index` (or `X-Nomad-Index`). The body is
/// the endpoint's whole current state, and a return is no proof of a change
/// (the wait ran out, or something else under the same index changed), so
/// the profile keeps the last state and reports one "state" event only when
/// it differs. Following the rules of Consul's documentation:
/// - an index that goes backwards resets the cursor to "0": the next call is
///   a plain read that returns at once with a fresh index;
/// - after the first call the index sent is never below 1 (an answer of 0
///   becomes 1), since index=0 never blocks and would spin;
/// - the server adds up to wait/16 of jitter, so holdTime() covers it.
/// A cursor of "0" (the initial one) sends no index: a plain read.
///
/// A 404 that carries an index (a KV key that does not exist) is a state
/// too: "absent".
class ConsulProfile final : public FeedProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ConsulProfile)

public:
    explicit ConsulProfile(QUrl url, std::chrono::milliseconds wait = std::chrono::seconds(55),
                           QString initialCursor = QStringLiteral("0"));

    /// Builds the profile from createProfile()'s knobs: "hold" (the `wait`)
    /// and "initial-cursor".
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("consul-blocking"); }

    QString id() const override { return profileId(); }
    QString initialCursor() const override { return m_initialCursor; }
    /// The wait plus the server's jitter of up to wait/16.
    std::chrono::milliseconds holdTime() const override;
    PollRequest request(const QString &cursor) const override;
    PollResult parse(const PollResponse &response, const QString &cursor) override;
    /// Forgets the last state: the next answer is reported whatever it is.
    void reset() override;

private:
    QUrl m_url;
    std::chrono::milliseconds m_wait;
    QString m_initialCursor;
    std::optional<QByteArray> m_lastState; ///< normalised body of the last answer
};

} // namespace Longwatch
