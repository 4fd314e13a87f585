// Runs a function inside a network namespace on a thread made for it.
//
// setns(CLONE_NEWNET) moves only the calling thread, and a moved thread must never be handed
// back to anyone else: each call gets a fresh std::thread that enters the namespace, runs the
// function and ends. The calling thread never changes namespace.
#pragma once

#include <exception>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "core/result.h"
#include "netns/netns.h"

namespace netdoctor::netns {

// Moves the calling thread into `ns`. Only for threads created by run_in/run_in_async and for
// pool threads (netns/pool.h), which go back home after each task.
[[nodiscard]] Result<void> enter(const Netns& ns);

namespace detail {

template <class T>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<Result<T>> : std::true_type {};

// Wraps the function's return value into a Result: functions may return Result<T> or plain T.
template <class F>
using RunResult = std::conditional_t<IsResult<std::invoke_result_t<F>>::value,
                                     std::invoke_result_t<F>, Result<std::invoke_result_t<F>>>;

// Calls `fn` and turns an exception into an error naming where it ran.
template <class F>
RunResult<F> call_catching(const std::string& where, F& fn) {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      fn();
      return {};
    } else {
      return fn();
    }
  } catch (const std::exception& e) {
    return fail(ErrorCode::kSystem, "in network namespace \"" + where + "\": " + e.what());
  }
}

template <class F>
RunResult<F> enter_and_call(const Netns& ns, F& fn) {
  if (auto entered = enter(ns); !entered) return tl::unexpected(entered.error());
  return call_catching(ns.name(), fn);
}

// The error of a task whose thread could not be started.
[[nodiscard]] Error thread_start_error(const std::exception& e);

}  // namespace detail

// Starts `fn` inside `ns` on a new thread; the future holds its Result. The namespace fd is
// duplicated, so the caller's handle may go away while the thread runs. Outside a diagnosis
// only (a command's one-off work, tests): a diagnosis runs its tasks on its pool (netns/pool.h),
// whose threads are bounded. A thread that cannot be started is an error in the future.
template <class F>
[[nodiscard]] std::future<detail::RunResult<F>> run_in_async(const Netns& ns, F fn) {
  using R = detail::RunResult<F>;
  std::promise<R> promise;
  std::future<R> future = promise.get_future();
  auto own = ns.dup();
  if (!own) {
    promise.set_value(R(tl::unexpected(own.error())));
    return future;
  }
  // The promise moves into the thread only once it exists: a thread that cannot be started
  // (std::system_error) leaves it here, to hold the reason instead of ending the process.
  auto state =
      std::make_shared<std::pair<std::promise<R>, Netns>>(std::move(promise), std::move(*own));
  try {
    std::thread([state, f = std::move(fn)]() mutable {
      state->first.set_value(detail::enter_and_call(state->second, f));
    }).detach();
  } catch (const std::system_error& e) {
    state->first.set_value(R(tl::unexpected(detail::thread_start_error(e))));
  }
  return future;
}

// Starts `fn` on a new thread in the calling thread's namespace (no setns); as run_in_async.
template <class F>
[[nodiscard]] std::future<detail::RunResult<F>> run_here_async(F fn) {
  using R = detail::RunResult<F>;
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> future = promise->get_future();
  try {
    std::thread([promise, f = std::move(fn)]() mutable {
      promise->set_value(detail::call_catching("of the prober", f));
    }).detach();
  } catch (const std::system_error& e) {
    promise->set_value(R(tl::unexpected(detail::thread_start_error(e))));
  }
  return future;
}

// Runs `fn` inside `ns` and waits for it.
template <class F>
[[nodiscard]] detail::RunResult<F> run_in(const Netns& ns, F fn) {
  return run_in_async(ns, std::move(fn)).get();
}

}  // namespace netdoctor::netns
