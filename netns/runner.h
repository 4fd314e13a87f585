// Runs a function inside a network namespace on a thread made for it.
//
// setns(CLONE_NEWNET) moves only the calling thread, and a moved thread must never be handed
// back to anyone else: each call gets a fresh std::thread that enters the namespace, runs the
// function and ends. The calling thread never changes namespace.
#pragma once

#include <exception>
#include <future>
#include <string>
#include <thread>
#include <type_traits>

#include "core/result.h"
#include "netns/netns.h"

namespace netdoctor::netns {

// Moves the calling thread into `ns`. Only for threads created by run_in/run_in_async.
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

template <class F>
RunResult<F> enter_and_call(const Netns& ns, F& fn) {
  if (auto entered = enter(ns); !entered) return tl::unexpected(entered.error());
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      fn();
      return {};
    } else {
      return fn();
    }
  } catch (const std::exception& e) {
    return fail(ErrorCode::kSystem, "in network namespace \"" + ns.name() + "\": " + e.what());
  }
}

}  // namespace detail

// Starts `fn` inside `ns` on a new thread; the future holds its Result. The namespace fd is
// duplicated, so the caller's handle may go away while the thread runs.
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
  std::thread([p = std::move(promise), n = std::move(*own), f = std::move(fn)]() mutable {
    p.set_value(detail::enter_and_call(n, f));
  }).detach();
  return future;
}

// Runs `fn` inside `ns` and waits for it.
template <class F>
[[nodiscard]] detail::RunResult<F> run_in(const Netns& ns, F fn) {
  return run_in_async(ns, std::move(fn)).get();
}

}  // namespace netdoctor::netns
