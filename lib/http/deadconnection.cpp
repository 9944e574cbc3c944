#include "deadconnection.h"

#include <algorithm>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace Longwatch {

bool setDeadConnectionLimit(qintptr descriptor, std::chrono::seconds limit)
{
    if (descriptor < 0 || limit.count() <= 0)
        return false;
    const int fd = int(descriptor);
    const int seconds = int(std::min<std::chrono::seconds::rep>(limit.count(), 24 * 3600));
    const int on = 1;
    const int idle = std::max(1, seconds / 2);
    const int interval = std::max(1, seconds / 6);
    const int count = 3;
    // With a user timeout set, Linux ends a connection whose probes went
    // unanswered once that time passed since the peer was last heard of,
    // whatever the probe count; the count matters where it is not.
    const unsigned userTimeoutMs = unsigned(seconds) * 1000U;
    bool ok = ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0;
    ok = ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == 0 && ok;
    ok = ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) == 0 && ok;
    ok = ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) == 0 && ok;
    ok = ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &userTimeoutMs, sizeof userTimeoutMs) ==
             0 &&
         ok;
    return ok;
}

} // namespace Longwatch
