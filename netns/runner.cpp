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

}  // namespace netdoctor::netns
