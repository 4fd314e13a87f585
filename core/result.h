// The one error and result type of netdoctor. A failed probe is data (a Check with a status),
// not an Error; Error is for things that stop an operation: a netns that cannot be entered,
// an inventory that cannot be parsed, a missing capability.
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace netdoctor {

enum class ErrorCode {
  kSystem,        // a system call failed; errno says why
  kNotFound,      // the object named does not exist (pod, netns, file)
  kInvalidInput,  // malformed input: inventory, REF, duration, resolv.conf
  kPermission,    // a capability or privilege is missing
  kUnsupported,   // the kernel or environment lacks a feature
  kTimeout,       // an operation did not finish within its deadline
  kUnreachable,   // a server gave no answer: name not resolved, connection refused, timed out
};

struct Error {
  ErrorCode code = ErrorCode::kSystem;
  int sys_errno = 0;    // errno when code == kSystem (or a permission errno), else 0
  std::string context;  // what was being done, naming the object: `cannot open netns "/x"`

  // One line for a person: context plus strerror when there is an errno.
  [[nodiscard]] std::string message() const;
};

template <class T>
using Result = tl::expected<T, Error>;

// Shorthands for returning failures.
[[nodiscard]] tl::unexpected<Error> fail(ErrorCode code, std::string context);
[[nodiscard]] tl::unexpected<Error> fail_errno(int err, std::string context);

}  // namespace netdoctor
