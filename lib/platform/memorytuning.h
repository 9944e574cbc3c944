#pragma once

namespace Longwatch {

/// Caps glibc's malloc arenas at two, unless MALLOC_ARENA_MAX says
/// otherwise. Every QNetworkAccessManager runs its HTTP in a thread of its
/// own, and NetworkPool needs one manager per six channels of a server, so
/// a thousand channels make 167 such threads; by default each may grow an
/// arena of its own, which kept ~136 KiB per idle channel resident
/// (bench_channels) against ~60 KiB with two arenas, at no measurable cost
/// in delivery. Call first thing in main(); does nothing off glibc.
void limitMallocArenas();

} // namespace Longwatch
