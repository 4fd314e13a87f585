#include "netns/pool.h"

#include <algorithm>
#include <atomic>

namespace netdoctor::netns {
namespace {

std::atomic<std::size_t> g_threads{0};
std::atomic<std::size_t> g_tasks{0};

// The pool whose thread this is: a task it submitted to the same pool could wait for a thread
// that only its own end would free.
thread_local const Pool* tl_pool = nullptr;

Error error(const std::string& why) {
  return Error{ErrorCode::kSystem, 0, why};
}

}  // namespace

Pool::Pool(Options options) : options_(std::move(options)), home_(Netns::current()) {
  if (!options_.spawn) {
    options_.spawn = [](std::function<void()> body) { return std::thread(std::move(body)); };
  }
  options_.max_threads = std::max<std::size_t>(options_.max_threads, 1);
}

Pool::~Pool() {
  cancel("not run: the run ended before it started");
  // Every thread ends once the queue is empty; the running tasks finish first.
  for (auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else if (t.joinable()) {
      t.join();
    }
  }
}

Result<std::shared_ptr<const Netns>> Pool::share(const Netns& ns) {
  if (home_ && ns.id() == home_->id()) return std::shared_ptr<const Netns>();
  std::lock_guard lock(mu_);
  if (auto it = handles_.find(ns.id()); it != handles_.end()) {
    if (auto shared = it->second.lock()) return shared;
  }
  auto own = ns.dup();
  if (!own) return tl::unexpected(own.error());
  auto shared = std::make_shared<const Netns>(std::move(*own));
  handles_[ns.id()] = shared;
  return shared;
}

void Pool::submit(std::unique_ptr<detail::PoolTask> task) {
  if (tl_pool == this) {
    task->fail(error("a task of the namespace pool may not wait for another of its tasks"));
    return;
  }
  if (!home_) {
    task->fail(home_.error());
    return;
  }
  std::unique_lock lock(mu_);
  if (closed_) {
    lock.unlock();
    task->fail(error(closed_why_));
    return;
  }
  queue_.push_back(std::move(task));
  ++stats_.tasks;
  ++g_tasks;
  grow(lock);
  lock.unlock();
  cv_.notify_one();
}

void Pool::grow(std::unique_lock<std::mutex>& /*locked*/) {
  while (!closed_ && queue_.size() > alive_ - busy_ && alive_ < options_.max_threads) {
    try {
      threads_.push_back(options_.spawn([this] { work(); }));
    } catch (const std::exception& e) {
      ++stats_.spawn_failures;
      // The threads already running take the queue in turn; with none, nothing ever would.
      if (alive_ == 0) fail_queued(detail::thread_start_error(e));
      return;
    }
    ++alive_;
    ++g_threads;
    stats_.peak_threads = std::max(stats_.peak_threads, alive_);
  }
}

void Pool::fail_queued(const Error& why) {
  for (auto& task : queue_) task->fail(why);
  stats_.tasks -= queue_.size();
  g_tasks -= queue_.size();
  queue_.clear();
}

void Pool::cancel(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      closed_ = true;
      closed_why_ = why;
    }
    fail_queued(error(why));
  }
  cv_.notify_all();
}

bool Pool::execute(detail::PoolTask& task) {
  const Netns* ns = task.ns();
  if (ns == nullptr) {
    task.run();
    return true;
  }
  if (auto entered = enter(*ns); !entered) {
    task.fail(entered.error());  // setns failed: the thread did not move
    return true;
  }
  task.run();
  return enter(*home_).has_value();
}

void Pool::work() {
  tl_pool = this;
  // A thread starts in the namespace of the thread that started it, which need not be home.
  const auto here = current_netns_id();
  const bool at_home = (here && *here == home_->id()) || enter(*home_).has_value();
  bool retired = !at_home;
  std::unique_lock lock(mu_);
  while (at_home) {
    cv_.wait(lock, [this] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) break;
    auto task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    const bool back = execute(*task);
    task.reset();
    lock.lock();
    --busy_;
    --stats_.tasks;
    --g_tasks;
    ++stats_.ran;
    if (!back) {
      retired = true;
      break;
    }
  }
  --alive_;
  --g_threads;
  if (!retired) return;
  ++stats_.retired;
  if (at_home) {
    // It could not go back after a task: another thread takes its place (started from this
    // one, it enters home first).
    grow(lock);
  } else if (alive_ == 0) {
    fail_queued(error("no thread of the namespace pool could enter the prober's namespace"));
  }
}

Pool::Stats Pool::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.threads = alive_;
  return s;
}

void StartMark::mark() const {
  ns_->store(std::chrono::steady_clock::now().time_since_epoch().count());
}

bool StartMark::overdue(std::chrono::milliseconds bound) const {
  const auto at = ns_->load();
  if (at == 0) return false;
  const auto since =
      std::chrono::steady_clock::now().time_since_epoch() - std::chrono::steady_clock::duration(at);
  return since > bound;
}

PoolTotals pool_totals() {
  return {g_threads.load(), g_tasks.load()};
}

}  // namespace netdoctor::netns
