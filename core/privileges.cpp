#include "core/privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace netdoctor {
namespace {

constexpr std::uint64_t bit(int cap) {
  return std::uint64_t{1} << cap;
}

struct Sets {
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
};

Result<Sets> get_sets() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return fail_errno(errno, "capget");
  auto join = [](std::uint32_t lo, std::uint32_t hi) {
    return (std::uint64_t{hi} << 32) | std::uint64_t{lo};
  };
  return Sets{join(data[0].effective, data[1].effective),
              join(data[0].permitted, data[1].permitted),
              join(data[0].inheritable, data[1].inheritable)};
}

Result<void> set_sets(const Sets& s) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<std::uint32_t>(s.effective >> (32 * i));
    data[i].permitted = static_cast<std::uint32_t>(s.permitted >> (32 * i));
    data[i].inheritable = static_cast<std::uint32_t>(s.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) != 0) return fail_errno(errno, "capset");
  return {};
}

int last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int n = CAP_LAST_CAP;
  in >> n;
  return n;
}

}  // namespace

std::uint64_t kept_capabilities() {
  return bit(CAP_SYS_ADMIN) | bit(CAP_SYS_PTRACE) | bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN) |
         bit(CAP_DAC_READ_SEARCH);
}

Result<void> drop_privileges() {
  const std::uint64_t keep = kept_capabilities();
  auto sets = get_sets();
  if (!sets) return tl::unexpected(sets.error());
  // The bounding set first: cutting it needs CAP_SETPCAP, which goes with the rest below.
  if ((sets->effective & bit(CAP_SETPCAP)) != 0) {
    for (int cap = 0; cap <= last_cap(); ++cap) {
      if ((keep & bit(cap)) != 0) continue;
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
        return fail_errno(
            errno, "cannot drop capability " + std::to_string(cap) + " from the bounding set");
      }
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return fail_errno(errno, "cannot clear the ambient capabilities");
  }
  if (auto r = set_sets({sets->effective & keep, sets->permitted & keep, 0}); !r) return r;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return fail_errno(errno, "cannot set no_new_privs");
  }
  return {};
}

Result<void> drop_thread_capabilities() {
  return set_sets({0, 0, 0});
}

Result<std::uint64_t> capability_mask(const std::string& field) {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    try {
      return std::stoull(line.substr(field.size() + 1), nullptr, 16);
    } catch (const std::exception&) {
      break;
    }
  }
  return fail(ErrorCode::kNotFound, "no " + field + " in /proc/thread-self/status");
}

}  // namespace netdoctor
