#include "netns/runner.h"

#include <sched.h>

#include <cerrno>

namespace netdoctor::netns {

Result<void> enter(const Netns& ns) {
  if (::setns(ns.fd(), CLONE_NEWNET) != 0) {
    return fail_errno(errno, "cannot enter network namespace \"" + ns.name() + "\"");
  }
  return {};
}

namespace detail {

Error thread_start_error(const std::exception& e) {
  return Error{ErrorCode::kSystem, 0, std::string("could not start a thread: ") + e.what()};
}

}  // namespace detail

}  // namespace netdoctor::netns
