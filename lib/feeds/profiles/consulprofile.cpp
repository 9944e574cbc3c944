#include "consulprofile.h"

#include "genericjsonprofile.h"
#include "jsontext.h"
#include "logging.h"
#include "profiles/profilesupport.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QUrlQuery>

namespace Longwatch {

namespace {

std::optional<qint64> asIndex(QByteArrayView text)
{
    bool ok = false;
    const qint64 n = text.trimmed().toLongLong(&ok);
    return ok ? std::optional(n) : std::nullopt;
}

} // namespace

ConsulProfile::ConsulProfile(QUrl url, std::chrono::milliseconds wait, QString initialCursor)
    : m_url(std::move(url))
    , m_wait(wait)
    , m_initialCursor(std::move(initialCursor))
{}

std::unique_ptr<FeedProfile> ConsulProfile::create(const QUrl &url, const QVariantMap &knobs,
                                                   QStringList *errors)
{
    ProfileSupport::BasicKnobs basic;
    basic.initialCursor = QStringLiteral("0");
    QStringList problems = ProfileSupport::readBasicKnobs(profileId(), url, knobs, &basic);
    if (basic.initialCursor.isEmpty())
        basic.initialCursor = QStringLiteral("0");
    const auto index = asIndex(basic.initialCursor.toLatin1());
    if (!index || *index < 0)
        problems << tr("The initial cursor '%1' is not a Consul index (a whole number).")
                        .arg(basic.initialCursor);
    if (!problems.isEmpty()) {
        if (errors)
            *errors << problems;
        return nullptr;
    }
    return std::make_unique<ConsulProfile>(url, basic.hold, basic.initialCursor);
}

std::chrono::milliseconds ConsulProfile::holdTime() const
{
    // Consul adds a random wait/16 so that many watchers do not return together.
    return m_wait + (m_wait + std::chrono::milliseconds(15)) / 16;
}

PollRequest ConsulProfile::request(const QString &cursor) const
{
    QUrl url = m_url;
    QUrlQuery query(url);
    query.removeAllQueryItems(QStringLiteral("index"));
    query.removeAllQueryItems(QStringLiteral("wait"));
    const qint64 index = asIndex(cursor.toLatin1()).value_or(0);
    if (index >= 1) {
        query.addQueryItem(QStringLiteral("index"), QString::number(index));
        query.addQueryItem(QStringLiteral("wait"),
                           formatHoldTime(m_wait, GenericJsonOptions::HoldUnit::GoDuration));
    }
    url.setQuery(query);
    PollRequest request;
    request.url = url;
    return request;
}

void ConsulProfile::reset()
{
    m_lastState.reset();
}

PollResult ConsulProfile::parse(const PollResponse &response, const QString &cursor)
{
    QByteArray indexHeader = response.header("X-Consul-Index");
    if (indexHeader.isNull())
        indexHeader = response.header("X-Nomad-Index");
    // A missing KV key answers 404 with an index, and blocks like any query.
    const bool absent = response.status == 404 && !indexHeader.isNull();
    if (!absent) {
        if (auto verdict = classifyHttpStatus(response, cursor))
            return *verdict;
    }
    if (indexHeader.isNull())
        return PollResult::fatal(
            cursor,
            tr("The server's answer carries no X-Consul-Index or X-Nomad-Index header, so this "
               "endpoint does not support blocking queries. Choose an endpoint that does."),
            QStringLiteral("HTTP %1; body: %2")
                .arg(response.status)
                .arg(bodyExcerpt(response.body)));
    const std::optional<qint64> index = asIndex(indexHeader);
    if (!index)
        return PollResult::malformedBody(
            cursor,
            tr("The server's index '%1' is not a number.").arg(QString::fromLatin1(indexHeader)),
            QStringLiteral("HTTP %1").arg(response.status));

    const qint64 current = asIndex(cursor.toLatin1()).value_or(0);
    QString next;
    if (*index < current) {
        // Indexes can go backwards (a snapshot restore, a new leader, a
        // purged key): Consul's rule is to start the loop over from 0. The
        // next call is a plain read that returns at once with the state and
        // a fresh index; the state is still compared with the last one, so
        // nothing is reported twice.
        qCInfo(lcProfile).noquote() << "consul: index went backwards from" << current << "to"
                                    << *index << "- reading the state again";
        next = QStringLiteral("0");
    } else {
        // An index of 0 does not block: never send one after the first call.
        next = QString::number(std::max<qint64>(*index, 1));
    }

    QByteArray state;
    QByteArray raw;
    QJsonValue value;
    bool isJson = true;
    if (absent) {
        raw = QByteArrayLiteral("null");
        state = QByteArrayLiteral("absent");
    } else if (ProfileSupport::parseAnyJson(response.body, &value)) {
        // Compare the meaning, not the bytes: key order and ?pretty do not matter.
        raw = compactJson(value);
        state = raw;
    } else {
        // ?raw KV reads answer with the value's bytes.
        isJson = false;
        raw = jsonString(QString::fromUtf8(response.body));
        state = QByteArrayLiteral("raw:") + response.body;
    }
    if (m_lastState && *m_lastState == state)
        return PollResult::noNews(next);
    m_lastState = state;

    Event event;
    // The index alone could name two states once an index goes backwards;
    // with a hash of the state, a key repeats only if the state does too.
    event.key = QStringLiteral("%1:%2").arg(
        QString::fromLatin1(indexHeader.trimmed()),
        QString::fromLatin1(
            QCryptographicHash::hash(state, QCryptographicHash::Sha1).toHex().left(8)));
    event.type = absent ? QStringLiteral("absent") : QStringLiteral("state");
    if (absent)
        event.text = tr("The key does not exist.");
    else
        event.text = bodyExcerpt(isJson ? raw : response.body);
    event.raw = raw;

    PollResult result;
    result.verdict = Verdict::Events;
    result.events.append(std::move(event));
    result.cursor = next;
    return result;
}

} // namespace Longwatch
