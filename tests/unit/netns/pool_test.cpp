// The namespace pool: its threads stay within the limit however many tasks come, each task runs
// in its own namespace (the thread's /proc/thread-self/ns/net is the namespace's) and its thread
// is home again afterwards, a thread that cannot be started fails the tasks that then have none
// (never the process), a task of the pool cannot wait for the pool, cancel drops what has not
// started. The namespace tests need CAP_SYS_ADMIN (unshare, setns) and skip without it.
#include "netns/pool.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <latch>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "core/capabilities.h"

namespace netdoctor::netns {
namespace {

using namespace std::chrono_literals;

bool can_make_namespaces() {
  return ::geteuid() == 0 && has_capability(Capability::kSysAdmin);
}

// A new network namespace, kept alive by its handle only (no name, nothing to clean up).
Netns make_namespace() {
  std::optional<Netns> made;
  std::thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) return;
    if (auto ns = Netns::current()) made.emplace(std::move(*ns));
  }).join();
  EXPECT_TRUE(made) << "unshare(CLONE_NEWNET) failed";
  return std::move(*made);
}

TEST(Pool, ThreadsStayWithinTheLimitWhateverTheTasks) {
  Pool pool({4, {}});
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::vector<std::future<Result<int>>> done;
  for (int i = 0; i < 200; ++i) {
    done.push_back(pool.run_async([&, i] {
      const int now = ++running;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
      }
      std::this_thread::sleep_for(1ms);
      --running;
      return i;
    }));
  }
  for (int i = 0; i < 200; ++i) {
    auto r = done[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, i);
  }
  EXPECT_LE(peak.load(), 4);
  EXPECT_LE(threads.size(), 4u);
  // A task's future is ready just before its thread counts it done.
  for (int i = 0; i < 1000 && pool.stats().tasks > 0; ++i) std::this_thread::sleep_for(1ms);
  const auto s = pool.stats();
  EXPECT_LE(s.peak_threads, 4u);
  EXPECT_EQ(s.ran, 200u);
  EXPECT_EQ(s.tasks, 0u);
}

TEST(Pool, EachTaskRunsInItsNamespaceAndItsThreadGoesHome) {
  if (!can_make_namespaces()) GTEST_SKIP() << "needs CAP_SYS_ADMIN (unshare, setns)";
  const auto home = current_netns_id();
  ASSERT_TRUE(home);
  std::vector<Netns> spaces;
  for (int i = 0; i < 3; ++i) spaces.push_back(make_namespace());
  for (const auto& ns : spaces) ASSERT_NE(ns.id(), *home);
  Pool pool({2, {}});  // fewer threads than namespaces: every thread serves several
  struct Want {
    std::future<Result<NetnsId>> got;
    NetnsId id;
  };
  std::vector<Want> runs;
  for (int i = 0; i < 90; ++i) {
    if (i % 4 == 3) {
      runs.push_back({pool.run_async([] { return current_netns_id(); }), *home});
      continue;
    }
    const Netns& ns = spaces[static_cast<std::size_t>(i) % spaces.size()];
    runs.push_back({pool.run_async(ns, [] { return current_netns_id(); }), ns.id()});
  }
  for (auto& w : runs) {
    auto r = w.got.get();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, w.id);
  }
  // The namespace a task names by a handle that is home runs there without setns.
  auto self = Netns::current();
  ASSERT_TRUE(self);
  auto here = pool.run(*self, [] { return current_netns_id(); });
  ASSERT_TRUE(here);
  EXPECT_EQ(*here, *home);
  EXPECT_EQ(pool.stats().retired, 0u);
  EXPECT_LE(pool.stats().peak_threads, 2u);
}

TEST(Pool, AThreadThatCannotStartFailsTheTasksNotTheProcess) {
  std::atomic<int> ran{0};
  Pool pool({8, [](std::function<void()>) -> std::thread {
               throw std::system_error(EAGAIN, std::generic_category(), "pthread_create");
             }});
  std::vector<std::future<Result<void>>> done;
  for (int i = 0; i < 5; ++i) done.push_back(pool.run_async([&] { ++ran; }));
  for (auto& f : done) {
    auto r = f.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message().rfind("could not start a thread: pthread_create: ", 0), 0u)
        << r.error().message();
  }
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(pool.stats().threads, 0u);
  EXPECT_GE(pool.stats().spawn_failures, 1u);
}

TEST(Pool, TasksWaitForTheThreadsThatDidStart) {
  std::atomic<int> started{0};
  Pool pool({8, [&](std::function<void()> body) {
               if (started++ >= 1) {
                 throw std::system_error(EAGAIN, std::generic_category(), "pthread_create");
               }
               return std::thread(std::move(body));
             }});
  std::atomic<int> ran{0};
  std::vector<std::future<Result<void>>> done;
  for (int i = 0; i < 20; ++i) done.push_back(pool.run_async([&] { ++ran; }));
  for (auto& f : done) EXPECT_TRUE(f.get());
  EXPECT_EQ(ran.load(), 20);
  EXPECT_EQ(pool.stats().peak_threads, 1u);
  EXPECT_GE(pool.stats().spawn_failures, 1u);
}

TEST(Pool, ATaskCannotWaitForItsOwnPool) {
  Pool pool({1, {}});
  auto outer = pool.run_async([&pool] {
    auto inner = pool.run_async([] { return 1; });
    return inner.get();
  });
  ASSERT_EQ(outer.wait_for(5s), std::future_status::ready) << "deadlocked";
  auto r = outer.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("may not wait"), std::string::npos) << r.error().message();
}

TEST(Pool, CancelFailsWhatHasNotStartedAndLetsTheRunningFinish) {
  Pool pool({1, {}});
  std::latch release(1);
  std::atomic<bool> first_started{false};
  auto first = pool.run_async([&] {
    first_started = true;
    release.wait();
    return 7;
  });
  while (!first_started) std::this_thread::sleep_for(1ms);
  std::atomic<int> ran{0};
  std::vector<std::future<Result<void>>> queued;
  for (int i = 0; i < 10; ++i) queued.push_back(pool.run_async([&] { ++ran; }));
  pool.cancel("not run: the deadline passed");
  for (auto& f : queued) {
    auto r = f.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "not run: the deadline passed");
  }
  auto late = pool.run_async([] { return 1; }).get();
  EXPECT_FALSE(late);
  release.count_down();
  auto r = first.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(ran.load(), 0);
}

TEST(Pool, AnExceptionIsAnErrorAndTheThreadServesOn) {
  Pool pool({1, {}});
  auto bad = pool.run_async([]() -> int { throw std::runtime_error("boom"); }).get();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("boom"), std::string::npos);
  auto good = pool.run_async([] { return 2; }).get();
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 2);
}

// A probe's own bound starts when it starts, not while it waits its turn on a busy pool.
TEST(Pool, WaitFromStartDoesNotCountTheQueue) {
  Pool pool({1, {}});
  auto busy = pool.run_async([] { std::this_thread::sleep_for(300ms); });
  const StartMark started;
  auto quick = pool.run_async([started] {
    started.mark();
    return 3;
  });
  EXPECT_TRUE(wait_from_start(quick, started, 100ms));
  EXPECT_TRUE(busy.get());
  const StartMark slow_mark;
  auto slow = pool.run_async([slow_mark] {
    slow_mark.mark();
    std::this_thread::sleep_for(400ms);
  });
  EXPECT_FALSE(wait_from_start(slow, slow_mark, 50ms));
}

// Every thread is gone once the pool is: the process-wide totals come back down.
TEST(Pool, TotalsCountThreadsAndTasksUntilThePoolEnds) {
  const auto before = pool_totals();
  {
    Pool pool({3, {}});
    std::latch release(1);
    std::vector<std::future<Result<void>>> held;
    for (int i = 0; i < 6; ++i) held.push_back(pool.run_async([&] { release.wait(); }));
    std::this_thread::sleep_for(50ms);
    const auto during = pool_totals();
    EXPECT_EQ(during.threads, before.threads + 3);
    EXPECT_EQ(during.tasks, before.tasks + 6);
    release.count_down();
    for (auto& f : held) EXPECT_TRUE(f.get());
  }
  const auto after = pool_totals();
  EXPECT_EQ(after.threads, before.threads);
  EXPECT_EQ(after.tasks, before.tasks);
}

}  // namespace
}  // namespace netdoctor::netns
