#include "netns/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace netdoctor::netns {
namespace {

Result<NetnsId> id_of_fd(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail_errno(errno, "cannot stat network namespace \"" + name + "\"");
  struct statfs sfs {};
  if (::fstatfs(fd, &sfs) != 0) {
    return fail_errno(errno, "cannot statfs network namespace \"" + name + "\"");
  }
  // A namespace file lives on nsfs; anything else (a stale bind-mount target, a regular file)
  // would make setns fail later with a less helpful EINVAL.
  if (sfs.f_type != NSFS_MAGIC) {
    return fail(ErrorCode::kInvalidInput, "\"" + name + "\" is not a network namespace file");
  }
  return NetnsId{st.st_dev, st.st_ino};
}

}  // namespace

Result<Netns> Netns::open_path(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno(errno, "cannot open network namespace \"" + path + "\"");
  auto id = id_of_fd(fd.get(), path);
  if (!id) return tl::unexpected(id.error());
  return Netns(std::move(fd), *id, path);
}

Result<Netns> Netns::open_pid(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return fail_errno(errno, "cannot open process " + std::to_string(pid));
  auto ns = open_path(path);
  if (!ns) return ns;
  // The process behind the pidfd must still be alive: otherwise the pid may have been reused
  // between pidfd_open and open, and the namespace could be someone else's.
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), 0, nullptr, 0) != 0) {
    return fail_errno(errno, "process " + std::to_string(pid) + " exited while opening " + path);
  }
  return ns;
}

Result<Netns> Netns::current() {
  return open_path("/proc/thread-self/ns/net");
}

Result<Netns> Netns::dup() const {
  Fd fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!fd) return fail_errno(errno, "cannot duplicate handle of \"" + name_ + "\"");
  return Netns(std::move(fd), id_, name_);
}

Result<NetnsId> stat_netns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail_errno(errno, "cannot stat network namespace \"" + path + "\"");
  }
  return NetnsId{st.st_dev, st.st_ino};
}

Result<NetnsId> current_netns_id() {
  return stat_netns("/proc/thread-self/ns/net");
}

Result<bool> owned_by_host_userns(int netns_fd) {
  static const Result<NetnsId> host = []() -> Result<NetnsId> {
    struct stat st {};
    if (::stat("/proc/1/ns/user", &st) == 0 || ::stat("/proc/self/ns/user", &st) == 0) {
      return NetnsId{st.st_dev, st.st_ino};
    }
    return fail_errno(errno, "cannot stat the host's user namespace");
  }();
  if (!host) return tl::unexpected(host.error());
  Fd owner(::ioctl(netns_fd, NS_GET_USERNS));
  if (!owner) return fail_errno(errno, "cannot read the owning user namespace (NS_GET_USERNS)");
  struct stat st {};
  if (::fstat(owner.get(), &st) != 0) return fail_errno(errno, "cannot stat a user namespace");
  return NetnsId{st.st_dev, st.st_ino} == *host;
}

}  // namespace netdoctor::netns
