#pragma once

#include "genericjsonprofile.h"

#include <QCoreApplication>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// Telegram's Bot API long poll, `GET <base>/bot<token>/getUpdates?offset=<N>&timeout=<s>`
/// (https://core.telegram.org/bots/api#getupdates).
///
/// A generic JSON preset (result array, offset = max update_id + 1, which
/// also acknowledges everything before it) with three things a JSON path
/// cannot say:
/// - an event's type is the update's kind, the one field beside update_id
///   (message, edited_message, callback_query, ...); its text and time come
///   from that field (text, caption, data; date) unless the text and time
///   paths found something;
/// - `{"ok":false,"error_code","description","parameters":{"retry_after"}}`
///   envelopes are read whatever the HTTP status: 429 retries after
///   retry_after seconds, 409 (another getUpdates client or a webhook) and
///   401 (a bad token) stop the channel;
/// - the bot token, which is part of the URL, is taken out of every reason
///   and detail.
class TelegramProfile final : public GenericJsonProfile
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::TelegramProfile)

public:
    explicit TelegramProfile(GenericJsonOptions options);

    /// The preset for a bot URL, `https://api.telegram.org/bot<token>`
    /// (with or without `/getUpdates`).
    static GenericJsonOptions defaultOptions(const QUrl &url);
    /// The preset with createProfile()'s knobs applied (every generic knob applies).
    static std::unique_ptr<FeedProfile> create(const QUrl &url, const QVariantMap &knobs,
                                               QStringList *errors);
    static QString profileId() { return QStringLiteral("telegram-getupdates"); }

    PollResult parse(const PollResponse &response, const QString &cursor) override;

private:
    PollResult parseEnvelopeError(const PollResponse &response, const QString &cursor,
                                  const QJsonObject &envelope) const;
    void describe(Event *event) const;
    PollResult redacted(PollResult result) const;

    QStringList m_secrets;
};

} // namespace Longwatch
