#include "core/result.h"

#include <cstring>

namespace netdoctor {

std::string Error::message() const {
  if (sys_errno == 0) return context;
  return context + ": " + std::strerror(sys_errno);
}

tl::unexpected<Error> fail(ErrorCode code, std::string context) {
  return tl::unexpected<Error>(Error{code, 0, std::move(context)});
}

tl::unexpected<Error> fail_errno(int err, std::string context) {
  ErrorCode code = ErrorCode::kSystem;
  if (err == ENOENT || err == ESRCH) code = ErrorCode::kNotFound;
  if (err == EPERM || err == EACCES) code = ErrorCode::kPermission;
  return tl::unexpected<Error>(Error{code, err, std::move(context)});
}

}  // namespace netdoctor
