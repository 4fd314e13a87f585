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

namespace {

constexpr std::uintptr_t kHugePage = 2u << 20;
constexpr std::size_t kMaxHeapRequest = 32u << 20;  // glibc's largest M_MMAP_THRESHOLD
constexpr int kDefaultThreshold = 128 * 1024;       // glibc's M_TOP_PAD, M_*_THRESHOLD
// What stays in the heap after a reserve ends: room for what follows the build (the Services,
// the output) without growing the heap again.
constexpr int kKeptAfter = 64 << 20;

std::mutex mutex;
int active = 0;  // reserves alive, under `mutex`

}  // namespace

HeapReserve::HeapReserve(std::size_t bytes) {
  if (bytes < 4 * kHugePage || bytes > INT_MAX || gettid() != getpid()) return;
  std::lock_guard<std::mutex> lock(mutex);
  active_ = true;
  ++active;
  const struct mallinfo2 info = mallinfo2();
  if (info.keepcost >= bytes) return;  // the top of the heap is free and large enough
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
  mallopt(M_TOP_PAD, kDefaultThreshold);
  auto* after = static_cast<char*>(sbrk(0));
  const std::uintptr_t lo =
      (reinterpret_cast<std::uintptr_t>(before) + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t hi = reinterpret_cast<std::uintptr_t>(after) & ~(kHugePage - 1);
  // Advice only: refused when THP is off, which costs nothing but the small pages.
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}

HeapReserve::~HeapReserve() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mutex);
  if (--active > 0) return;
  // A later free gives back what the top of the heap holds beyond kKeptAfter.
  mallopt(M_MMAP_THRESHOLD, kDefaultThreshold);
  mallopt(M_TOP_PAD, kKeptAfter);
  mallopt(M_TRIM_THRESHOLD, kKeptAfter);
}

}  // namespace netdoctor
