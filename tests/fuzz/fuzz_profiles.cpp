// libFuzzer harness for every feed profile's parse(): what a hostile or
// broken server can send. The input is
//
//     byte 0      which profile (index into profileIds(), modulo)
//     byte 1      which HTTP status (index into kStatuses, modulo)
//     rest        knob lines "name=value" \0 header lines "Name: value" \0 body
//
// (missing sections are empty). The profile parses the response, then a
// second one from the cursor it returned, and builds the request for each
// cursor it returns: a cursor is server data too.

#include "feedprofile.h"
#include "profiles.h"

#include <QLoggingCategory>
#include <QTimeZone>
#include <QUrl>
#include <QVariantMap>

#include <cstddef>
#include <cstdint>

using namespace Longwatch;

namespace {

constexpr int kStatuses[] = {200, 200, 200, 204, 304, 400, 401, 404, 408, 409, 410, 429, 500, 503};

void exercise(FeedProfile &profile, const PollResponse &response)
{
    QString cursor = profile.initialCursor();
    for (int round = 0; round < 2; ++round) {
        const PollResult result = profile.parse(response, cursor);
        // Touch what the Poller would use.
        for (const Event &event : result.events) {
            (void)event.key.size();
            (void)event.raw.size();
        }
        if (!result.cursor.isEmpty())
            cursor = result.cursor;
        const PollRequest request = profile.request(cursor);
        (void)request.url.toEncoded();
        if (result.verdict == Verdict::Resync)
            profile.reset();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // Profiles log what they see; at millions of runs that is only noise.
    QLoggingCategory::setFilterRules(QStringLiteral("longwatch.*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const QStringList ids = profileIds();
    const QString id = ids.at(data[0] % ids.size());
    const int status = kStatuses[data[1] % std::size(kStatuses)];
    const QByteArray rest(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));

    // knobs \0 headers \0 body; without a NUL, all of it is the body.
    QByteArray knobText;
    QByteArray headerText;
    QByteArray body = rest;
    const qsizetype first = rest.indexOf('\0');
    if (first >= 0) {
        knobText = rest.left(first);
        const qsizetype second = rest.indexOf('\0', first + 1);
        if (second >= 0) {
            headerText = rest.mid(first + 1, second - first - 1);
            body = rest.mid(second + 1);
        } else {
            body = rest.mid(first + 1);
        }
    }
    QVariantMap knobs;
    for (const QByteArray &line : knobText.split('\n')) {
        const qsizetype equals = line.indexOf('=');
        if (equals > 0)
            knobs.insert(QString::fromUtf8(line.left(equals)),
                         QString::fromUtf8(line.mid(equals + 1)));
    }
    PollResponse response;
    response.status = status;
    for (const QByteArray &line : headerText.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            response.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    response.body = body;
    response.receivedAt = QDateTime(QDate(2030, 1, 1), QTime(12, 0), QTimeZone::utc());

    QStringList errors;
    std::unique_ptr<FeedProfile> profile =
        createProfile(id, QUrl(QStringLiteral("http://127.0.0.1:8080/feed/bot123:abc/x?since=now")),
                      knobs, &errors);
    if (!profile)
        return 0; // knobs the profile refuses: that path is createProfile's, and was run
    exercise(*profile, response);
    return 0;
}
