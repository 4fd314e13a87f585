// Growing the heap for a large, short-lived build of small objects (the Ruleset of a node with
// 10,000 Services is about 120 MB) costs one page fault per 4 KiB page, and on a virtual machine
// those faults cost more than the build itself. A HeapReserve grows the main heap once by about
// `bytes` and asks the kernel to back that range with transparent huge pages (one fault per
// 2 MiB) where it offers them (THP "always" or "madvise"); with THP off it only saves the many
// small heap extensions. Nothing is touched: a reserve that goes unused costs address space.
//
// While it lives, malloc keeps freed memory in the heap and serves requests up to 32 MB from it;
// when it ends, malloc's usual thresholds come back, so what the build left unused goes back to
// the kernel at a later free (a long-running `netdoctor serve` does not keep it).
//
// Only the main thread's heap (glibc's main arena) can be reserved this way: on any other thread,
// or for less than a few MiB, it does nothing.
#pragma once

#include <cstddef>

namespace netdoctor {

class HeapReserve {
 public:
  explicit HeapReserve(std::size_t bytes);
  ~HeapReserve();
  HeapReserve(const HeapReserve&) = delete;
  HeapReserve& operator=(const HeapReserve&) = delete;

 private:
  bool active_ = false;
};

}  // namespace netdoctor
