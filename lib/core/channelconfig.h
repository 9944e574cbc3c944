#pragma once

#include "feedprofile.h"
#include "jobstatus.h"
#include "notificationrules.h"
#include "poller.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// Which series a channel's job is a run of (the Trends page, the Jobs
/// board's usual durations): by default jobSeriesName(), the job without
/// its trailing run number; with a pattern, the first capture of the
/// regular expression where it matches the job (searched, not anchored:
/// `^(.+?)-\d+-\w+$`). A job it does not match, or whose first capture is
/// empty, falls back to the default.
class JobSeriesRule
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::JobSeriesRule)
public:
    JobSeriesRule() = default;
    /// An empty or unusable pattern (problem()) is the default rule.
    explicit JobSeriesRule(const QString &pattern);

    QString pattern() const { return m_expression.pattern(); }
    bool isDefault() const { return m_expression.pattern().isEmpty(); }
    QString seriesOf(const QString &job) const;

    /// Why `pattern` cannot be used, as a sentence; empty if it can (an
    /// empty pattern is the default rule).
    static QString problem(const QString &pattern);

private:
    QRegularExpression m_expression;
};

/// Everything a person sets up about one channel: what to poll, how, and
/// what to make of the events. Plain data; Channel brings it to life.
struct ChannelConfig
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ChannelConfig)

public:
    enum class Auth { None, Bearer, Basic };

    QString id;   ///< stable identity (a UUID), survives renames
    QString name; ///< what the person calls it
    /// The group the channel is listed in (ChannelGroups), or empty for
    /// none. Written as the person typed it, spaces collapsed.
    QString group;
    QUrl url;
    /// Other addresses of the same feed (another node of a cluster, a
    /// standby), tried in turn when `url` fails (Poller::setOtherServers()).
    /// They use the credentials of `url`: the secret places of an address
    /// (urlSecrets()) are filled from `url`'s, never from their own, so
    /// they are written to the store without secrets.
    QList<QUrl> alternateUrls;
    QString profileId = QStringLiteral("seed-events");
    QVariantMap knobs; ///< knobNames() -> text; overrides the profile's defaults

    /// Extra request headers (not the credentials below). The values of
    /// secret headers (isSecretHeader(): X-Api-Key, Cookie, ...) are
    /// secrets like `token`: see headerSecretFields().
    HeaderList headers;
    Auth auth = Auth::None;
    QString token;    ///< bearer token
    QString user;     ///< basic auth; may be `${env:NAME}`
    QString password; ///< basic auth; may be `${env:NAME}`

    /// Timing, limits and transport (proxy, TLS, HTTP version); its
    /// `headers` are ignored (see pollerSettings()). The proxy password and
    /// the key passphrase in `timing.transport` are secrets like `token`.
    PollerSettings timing;

    JobMapping jobs;
    /// What this channel notifies about: the global default rules, or
    /// its own (NotificationRules).
    ChannelNotifications notifications;
    /// A regular expression whose first capture is a job's series
    /// (JobSeriesRule); empty for the default, the job without its run number.
    QString jobSeriesPattern;

    /// How much of the channel's history the event log keeps: at most
    /// this many events (0: no limit) and events at most this many days
    /// old (0: no limit). The oldest go first.
    qint64 keepEvents = 0;
    int keepDays = 0;

    bool paused = false;
    /// Not written to the store (the demo's channels, whose port changes).
    bool transient = false;

    /// Secrets that were kept in a SecretStore and are not read back yet
    /// (set by fromVariantMap(), cleared when the store filled them in).
    QStringList pendingSecretFields;

    /// A fresh id for a new channel.
    static QString newId();

    /// The names of the fixed secret fields: "token", "password",
    /// "proxyPassword", "keyPassphrase". Never written to the settings
    /// file unless they are `${env:NAME}` references.
    static QStringList secretFields();
    /// The secret fields of this channel's secret headers, in order:
    /// "header/<Name>" for the first header called Name, "header/<Name>/2"
    /// for a second one, and so on (a header name has no "/"). Kept like
    /// the fixed ones.
    QStringList headerSecretFields() const;
    /// The secret fields of the address: "url/" + each place of
    /// urlSecrets(url) ("url/userinfo", "url/bot/<n>", "url/query/<name>"),
    /// filled or not. Kept like the fixed ones; the address in the settings
    /// file has them taken out (withoutUrlSecrets()).
    QStringList urlSecretFields() const;
    /// secretFields(), headerSecretFields(), then urlSecretFields().
    QStringList allSecretFields() const;
    /// The value of a secret field (a header's value for "header/...", the
    /// percent-encoded part of the address for "url/..."), empty for a
    /// field this channel does not have.
    QString secret(const QString &field) const;
    /// Sets a secret field; a header field of a header that is not there,
    /// or an address field of a place the address does not have, is ignored.
    void setSecret(const QString &field, const QString &value);
    /// The SecretStore key of a secret field: "channel/<id>/<field>", e.g.
    /// "channel/<id>/header/X-Api-Key".
    QString secretKey(const QString &field) const;
    /// The secret fields (of allSecretFields()) whose value belongs in a
    /// SecretStore: set, and not a `${env:NAME}` reference.
    QStringList storableSecretFields() const;

    /// The setting a problem is about, so that a form can show the
    /// sentence next to it.
    enum class Field {
        Name,
        Url,
        AlternateUrls,
        Knob,    ///< one knob, named in Problem::knob
        Profile, ///< the profile with all its knobs (each of them fine alone)
        Token,
        User,
        Proxy,
        ClientKey,
        PinnedCertificates,
        Limits,
        Backoff,
        JobPaths,
        StatusPath,
        ProgressPath,
        JobSeries,
    };
    /// One thing that keeps the channel from running.
    struct Problem
    {
        Field field = Field::Name;
        QString sentence;
        QString knob; ///< for Field::Knob: the knob's name
    };
    /// What keeps the channel from running, in the order of the fields
    /// above; empty if it can run. The one place these rules are written:
    /// ChannelDialog shows these sentences at its fields and checks only what
    /// a configuration alone cannot tell (names of other channels, header
    /// lines it could not read, files on this computer).
    QList<Problem> problems() const;
    /// The sentences of problems().
    QStringList validate() const;

    /// The Poller's settings: timing plus headers plus the credentials.
    PollerSettings pollerSettings() const;

    /// The rule for its jobs' series (jobSeriesPattern).
    JobSeriesRule jobSeriesRule() const { return JobSeriesRule(jobSeriesPattern); }

    /// The channel's feed profile, or nullptr with sentences in `errors`.
    std::unique_ptr<FeedProfile> createProfile(QStringList *errors = nullptr) const;
    /// The profile of each address in alternateUrls, in order (nullptr
    /// where one cannot be built; problems() says why).
    std::vector<std::unique_ptr<FeedProfile>> createOtherProfiles() const;
    /// Address `index` of alternateUrls as it is polled: with the secrets
    /// of `url` at their places, and none of its own.
    QUrl alternateUrl(qsizetype index) const;

    /// True if `other` polls the same feed the same way, so a cursor taken
    /// under one is valid under the other. A secret of the address that one
    /// of them has not read back yet (pending) is no difference.
    bool sameFeed(const ChannelConfig &other) const;
    /// True if `other` has the same profile and the same address once the
    /// secrets of both addresses are taken out, as a workspace file has
    /// them: the channel that an import finds already there.
    bool sameAddress(const ChannelConfig &other) const;

    /// For the store. Durations in milliseconds; headers as "Name: value"
    /// lines. Holds no secret: "secretFields" lists the fields kept in a
    /// SecretStore (and those still pending); a secret header's line is
    /// kept as "Name:" with its value left out, and listed there as
    /// "header/<Name>"; the address is kept with its secrets taken out
    /// ("?access_token=", "/bot/", no user info), each listed as "url/...".
    /// `${env:NAME}` references are kept as written. A map with a
    /// plain-text secret (written by older versions) is still read.
    QVariantMap toVariantMap() const;
    static ChannelConfig fromVariantMap(const QVariantMap &map);
};

/// Parses "Name: value" lines (blank lines ignored). Lines that are not
/// headers give a sentence each in `errors`.
HeaderList parseHeaderLines(const QString &text, QStringList *errors = nullptr);
QString formatHeaderLines(const HeaderList &headers);

/// Checks a URL a person typed for polling: http or https, with a host.
/// Returns an empty string if it is usable, else the reason.
QString checkFeedUrl(const QUrl &url);

} // namespace Longwatch
