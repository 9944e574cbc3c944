#include "threadpriority.h"

#if defined(__linux__)
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace Longwatch {

#if defined(__linux__)

namespace {

id_t currentThreadId()
{
    return id_t(syscall(SYS_gettid));
}

} // namespace

int currentThreadNice()
{
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, currentThreadId());
    return errno == 0 ? nice : 0;
}

bool lowerCurrentThreadPriority(int increment)
{
    // Linux keeps a nice value per thread: PRIO_PROCESS with a thread id
    // sets that thread's alone (setpriority(2), "BUGS").
    return setpriority(PRIO_PROCESS, currentThreadId(), currentThreadNice() + increment) == 0;
}

#else

int currentThreadNice()
{
    return 0;
}

bool lowerCurrentThreadPriority(int)
{
    return false;
}

#endif

} // namespace Longwatch
