#include "core/capabilities.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace netdoctor {
namespace {

int cap_number(Capability cap) {
  switch (cap) {
    case Capability::kSysAdmin:
      return CAP_SYS_ADMIN;
    case Capability::kNetAdmin:
      return CAP_NET_ADMIN;
    case Capability::kNetRaw:
      return CAP_NET_RAW;
    case Capability::kSysPtrace:
      return CAP_SYS_PTRACE;
  }
  return -1;
}

}  // namespace

std::string to_string(Capability cap) {
  switch (cap) {
    case Capability::kSysAdmin:
      return "CAP_SYS_ADMIN";
    case Capability::kNetAdmin:
      return "CAP_NET_ADMIN";
    case Capability::kNetRaw:
      return "CAP_NET_RAW";
    case Capability::kSysPtrace:
      return "CAP_SYS_PTRACE";
  }
  return "CAP_?";
}

bool has_capability(Capability cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  const int n = cap_number(cap);
  return (data[n / 32].effective & (1U << (n % 32))) != 0;
}

std::vector<Capability> missing_capabilities(const std::vector<Capability>& needed) {
  std::vector<Capability> out;
  for (auto c : needed) {
    if (!has_capability(c)) out.push_back(c);
  }
  return out;
}

}  // namespace netdoctor
