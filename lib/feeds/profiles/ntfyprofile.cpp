#include "ntfyprofile.h"

#include <QUrlQuery>

namespace Longwatch {

GenericJsonOptions ntfyOptions(const QUrl &url)
{
    using O = GenericJsonOptions;
    O o;
    o.url = url;
    QString path = o.url.path();
    if (!path.endsWith(QLatin1String("/json"))) {
        while (path.endsWith(QLatin1Char('/')))
            path.chop(1);
        o.url.setPath(path + QStringLiteral("/json"));
    }
    QUrlQuery query(o.url);
    query.removeAllQueryItems(QStringLiteral("poll"));
    query.addQueryItem(QStringLiteral("poll"), QStringLiteral("1"));
    o.url.setQuery(query);

    o.cursorTarget = O::CursorTarget::Query;
    o.cursorName = QStringLiteral("since");
    o.initialCursor = QStringLiteral("all");
    o.cursorSource = O::CursorSource::LastId;
    o.eventsAt = O::EventsAt::NdjsonLines;
    o.idPath = QStringLiteral("id");
    o.typePath = QStringLiteral("event");
    o.textPath = QStringLiteral("message");
    o.timePath = QStringLiteral("time"); // unix seconds
    o.skipTypes = {QStringLiteral("open"), QStringLiteral("keepalive"),
                   QStringLiteral("poll_request")};
    // poll=1 answers at once (see the header): the hold only has to cover
    // sending what the server has cached.
    o.holdTime = std::chrono::seconds(5);
    // ...and, since every answer comes at once, a pace between polls.
    o.pollInterval = std::chrono::seconds(5);
    return o;
}

} // namespace Longwatch
