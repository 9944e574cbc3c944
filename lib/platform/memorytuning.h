#pragma once

namespace Longwatch {

/// Caps glibc's malloc arenas at two, unless MALLOC_ARENA_MAX says
/// otherwise. Every QNetworkAccessManager runs its HTTP in a thread of its
/// own, and NetworkPool needs one manager per six channels of a server, so
/// a thousand channels make 167 such threads; by default each may grow an
/// arena of its own, which kept much more memory resident per idle channel
/// than two arenas do (bench_channels; docs/PERFORMANCE.md, "Figures behind
/// choices in the code"), at no measurable cost in delivery. Call first
/// thing in main(); does nothing off glibc.
void limitMallocArenas();

} // namespace Longwatch
