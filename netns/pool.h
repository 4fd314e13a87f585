// A bounded set of threads that run functions inside network namespaces. One pool serves one
// diagnosis (and one serves discovery), so that the threads a run holds do not follow what the
// cluster holds: a Service with 5,000 endpoints is 5,000 tasks queued here, not 5,000 threads.
//
// setns(CLONE_NEWNET) moves only the calling thread. A pool thread enters the task's namespace,
// runs the task and goes back to the pool's home namespace (the namespace of the thread that
// made the pool) before it takes another task; a thread that cannot go back is retired: it ends
// and takes no other task. A thread also enters home when it starts, whatever namespace the
// thread that started it was in. A task for home (or for a namespace that is home) runs without
// setns, so a pod-mode run that cannot setns at all still runs its tasks.
//
// A task never waits for another task of its own pool (that could hold every thread and wait
// forever): a task submitted from one of the pool's own threads fails at once.
//
// Threads start as tasks arrive, up to the limit. A thread that cannot be started
// (std::system_error: the process or memory limit) leaves the task queued for the threads
// already running; with none running, the queued tasks fail with "could not start a thread:
// ...". cancel() fails every task not started yet, and every later one; the destructor cancels
// and then waits for the running tasks and their threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "netns/runner.h"

namespace netdoctor::netns {

namespace detail {

// One queued function with its promise; the pool knows it only through this base.
class PoolTask {
 public:
  explicit PoolTask(std::shared_ptr<const Netns> ns) : ns_(std::move(ns)) {}
  virtual ~PoolTask() = default;
  PoolTask(const PoolTask&) = delete;
  PoolTask& operator=(const PoolTask&) = delete;
  // Runs the function on the calling thread, which is already in the task's namespace.
  virtual void run() = 0;
  // Completes the task without running it.
  virtual void fail(const Error& why) = 0;
  // Null: the pool's home namespace.
  [[nodiscard]] const Netns* ns() const { return ns_.get(); }

 private:
  std::shared_ptr<const Netns> ns_;
};

template <class F>
class PoolTaskOf final : public PoolTask {
 public:
  using R = RunResult<F>;
  PoolTaskOf(std::shared_ptr<const Netns> ns, F fn) : PoolTask(std::move(ns)), fn_(std::move(fn)) {}
  std::future<R> future() { return promise_.get_future(); }
  void run() override {
    promise_.set_value(call_catching(ns() ? ns()->name() : std::string("of the prober"), fn_));
  }
  void fail(const Error& why) override { promise_.set_value(R(tl::unexpected(why))); }

 private:
  F fn_;
  std::promise<R> promise_;
};

}  // namespace detail

class Pool {
 public:
  // Starts a thread running `body`. The default is std::thread; tests make it fail.
  using Spawn = std::function<std::thread(std::function<void()> body)>;

  struct Options {
    std::size_t max_threads = 32;
    Spawn spawn;  // empty: std::thread
  };

  // Its home is the calling thread's namespace; when that cannot be opened, every task fails
  // with the reason.
  explicit Pool(Options options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs `fn` inside `ns` on a pool thread; the future holds its Result (an exception becomes
  // an error, as for run_in_async).
  template <class F>
  [[nodiscard]] std::future<detail::RunResult<F>> run_async(const Netns& ns, F fn) {
    auto own = share(ns);
    if (!own) return failed<F>(own.error());
    return submit_task(std::move(*own), std::move(fn));
  }
  // Runs `fn` in the pool's home namespace (the prober's own: the node's, on a node).
  template <class F>
  [[nodiscard]] std::future<detail::RunResult<F>> run_async(F fn) {
    return submit_task(nullptr, std::move(fn));
  }
  // Runs `fn` inside `ns` and waits for it. Never from a task of this pool.
  template <class F>
  [[nodiscard]] detail::RunResult<F> run(const Netns& ns, F fn) {
    return run_async(ns, std::move(fn)).get();
  }

  // Every task not started yet fails with `why`, and so does every task submitted later; the
  // running ones finish.
  void cancel(const std::string& why);

  struct Stats {
    std::size_t threads = 0;       // alive now
    std::size_t peak_threads = 0;  // the most alive at once
    std::size_t tasks = 0;         // queued or running now
    std::size_t ran = 0;           // tasks run so far
    std::size_t spawn_failures = 0;
    std::size_t retired = 0;  // threads ended because they could not return home
  };
  [[nodiscard]] Stats stats() const;

 private:
  template <class F>
  std::future<detail::RunResult<F>> submit_task(std::shared_ptr<const Netns> ns, F fn) {
    auto task = std::make_unique<detail::PoolTaskOf<F>>(std::move(ns), std::move(fn));
    auto future = task->future();
    submit(std::move(task));
    return future;
  }
  template <class F>
  static std::future<detail::RunResult<F>> failed(const Error& e) {
    std::promise<detail::RunResult<F>> p;
    p.set_value(detail::RunResult<F>(tl::unexpected(e)));
    return p.get_future();
  }

  // One handle per namespace for the tasks that enter it, queued or running (a dup each would
  // cost a descriptor per queued task; the map's weak references let it close after them);
  // null when it is home.
  Result<std::shared_ptr<const Netns>> share(const Netns& ns);
  void submit(std::unique_ptr<detail::PoolTask> task);
  // Starts one more thread when a queued task has no idle thread to take it. Called locked.
  void grow(std::unique_lock<std::mutex>& lock);
  void fail_queued(const Error& why);  // called locked
  void work();
  // Runs one task; false when the thread could not return home and must retire.
  bool execute(detail::PoolTask& task);

  Options options_;
  Result<Netns> home_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<detail::PoolTask>> queue_;
  std::map<NetnsId, std::weak_ptr<const Netns>> handles_;
  std::vector<std::thread> threads_;
  std::size_t alive_ = 0;  // threads that have not ended
  std::size_t busy_ = 0;   // threads running a task
  bool closed_ = false;
  std::string closed_why_;
  Stats stats_;
};

// Where a layer starts a probe: on the run's pool, or, for a layer run on its own (tests: pool
// null), on a thread of its own.
template <class F>
[[nodiscard]] std::future<detail::RunResult<F>> start_in(Pool* pool, const Netns& ns, F fn) {
  return pool ? pool->run_async(ns, std::move(fn)) : run_in_async(ns, std::move(fn));
}
// The same in the prober's own namespace (the node's, on a node).
template <class F>
[[nodiscard]] std::future<detail::RunResult<F>> start_here(Pool* pool, F fn) {
  return pool ? pool->run_async(std::move(fn)) : run_here_async(std::move(fn));
}

// When a probe began, for waits bounded from its start rather than from when it was queued: on
// a busy pool a probe may wait its turn behind others (the run's deadline bounds that), and only
// then does its own bound start. The probe calls mark() first; copies share the mark.
class StartMark {
 public:
  void mark() const;
  // True once the probe began and `bound` has passed since.
  [[nodiscard]] bool overdue(std::chrono::milliseconds bound) const;

 private:
  std::shared_ptr<std::atomic<std::int64_t>> ns_ = std::make_shared<std::atomic<std::int64_t>>(0);
};

// Waits for `f` until it is ready (true) or its probe is overdue by `bound` (false).
template <class T>
[[nodiscard]] bool wait_from_start(const std::future<T>& f, const StartMark& started,
                                   std::chrono::milliseconds bound) {
  while (f.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    if (started.overdue(bound)) return false;
  }
  return true;
}

// The pool threads and pool tasks (queued or running) of every pool of the process: what
// `serve` reports as the run machinery still alive.
struct PoolTotals {
  std::size_t threads = 0;
  std::size_t tasks = 0;
};
[[nodiscard]] PoolTotals pool_totals();

}  // namespace netdoctor::netns
