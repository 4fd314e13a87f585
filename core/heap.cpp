#include "core/heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace netdoctor {

void reserve_heap(std::size_t bytes) {
  constexpr std::uintptr_t kHugePage = 2u << 20;
  constexpr std::size_t kMaxHeapRequest = 32u << 20;  // glibc's largest M_MMAP_THRESHOLD
  if (bytes < 4 * kHugePage || bytes > INT_MAX || gettid() != getpid()) return;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const struct mallinfo2 info = mallinfo2();
  if (info.keepcost >= bytes) return;  // free space at the top of the heap
  // Requests up to 32 MB come from the heap rather than a mapping each, freed memory stays in
  // the heap, and the next extension of the heap adds `bytes`.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMaxHeapRequest));
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_TOP_PAD, static_cast<int>(bytes));
  auto* before = static_cast<char*>(sbrk(0));
  // More than all free memory of the heap, so the heap grows now, by this and the pad.
  // (Through a volatile pointer: the compiler may drop a malloc whose memory is never used.)
  static void* volatile grow;
  grow = std::malloc(std::min(info.fordblks + 4096, kMaxHeapRequest));
  std::free(grow);
  mallopt(M_TOP_PAD, static_cast<int>(std::min<std::size_t>(bytes / 4, 64u << 20)));
  auto* after = static_cast<char*>(sbrk(0));
  const std::uintptr_t lo =
      (reinterpret_cast<std::uintptr_t>(before) + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t hi = reinterpret_cast<std::uintptr_t>(after) & ~(kHugePage - 1);
  // Advice only: refused when THP is off, which costs nothing but the small pages.
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}

}  // namespace netdoctor
