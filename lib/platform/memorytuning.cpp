#include "memorytuning.h"

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace Longwatch {

void limitMallocArenas()
{
#if defined(__GLIBC__)
    if (!std::getenv("MALLOC_ARENA_MAX"))
        mallopt(M_ARENA_MAX, 2);
#endif
}

} // namespace Longwatch
