// What netdoctor keeps of its privileges once it runs: the capabilities it uses and no other,
// no way to gain more (PR_SET_NO_NEW_PRIVS), and threads that hold none when they need none
// (the HTTP server's).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace netdoctor {

// The capabilities netdoctor keeps, as a mask of CAP_* bits: CAP_SYS_ADMIN (setns),
// CAP_SYS_PTRACE (other processes' namespaces and files), CAP_NET_RAW (ICMP, capture),
// CAP_NET_ADMIN (the proxy rules), and CAP_DAC_READ_SEARCH: a pod's files can belong to the
// pod's own user with mode 0600 (a projected service-account token with runAsUser), which uid 0
// reads only with it. It grants reading, never writing.
[[nodiscard]] std::uint64_t kept_capabilities();

// Drops every capability but kept_capabilities() from the bounding, permitted, effective,
// inheritable and ambient sets of the calling thread (call it before any other thread starts:
// threads inherit it), and sets PR_SET_NO_NEW_PRIVS, so no exec can give any back. Capabilities
// the process does not have stay missing (the checks that need them name them). The bounding
// set is only cut with CAP_SETPCAP; without it the rest still holds.
[[nodiscard]] Result<void> drop_privileges();

// Drops every capability of the calling thread only (a thread that serves HTTP needs none;
// threads it starts inherit the empty sets).
[[nodiscard]] Result<void> drop_thread_capabilities();

// "CapEff" etc. of /proc/thread-self/status as a mask, for tests and diagnostics.
[[nodiscard]] Result<std::uint64_t> capability_mask(const std::string& field);

}  // namespace netdoctor
