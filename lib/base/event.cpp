#include "event.h"

#include <chrono>

namespace Longwatch {

QString formatUsecsUtc(qint64 usecsSinceEpoch)
{
    const qint64 msecs = usecsSinceEpoch / 1000;
    const int micros = int(usecsSinceEpoch % 1'000'000);
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
    return dt.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.")) +
           QStringLiteral("%1Z").arg(micros, 6, 10, QLatin1Char('0'));
}

qint64 currentUsecsUtc()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace Longwatch
