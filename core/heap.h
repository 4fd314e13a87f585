// Growing the heap for a large, short-lived build of small objects (the Ruleset of a node with
// 10,000 Services is about 150 MB) costs one page fault per 4 KiB page, and on a virtual machine
// those faults cost more than the build itself. reserve_heap grows the main heap once by about
// `bytes` and asks the kernel to back that range with transparent huge pages (one fault per
// 2 MiB) where it offers them (THP "always" or "madvise"); with THP off it only saves the many
// small heap extensions. Nothing is touched: a reserve that goes unused costs address space.
//
// Only the main thread's heap (glibc's main arena) can be reserved this way: on any other thread,
// or for less than a few MiB, it does nothing.
#pragma once

#include <cstddef>

namespace netdoctor {

void reserve_heap(std::size_t bytes);

}  // namespace netdoctor
