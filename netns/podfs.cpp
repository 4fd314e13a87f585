#include "netns/podfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "core/fd.h"

namespace netdoctor::netns {
namespace {

// Past max_bytes: an error, or (with `truncated`) the first max_bytes and *truncated = true.
Result<std::string> read_all(int fd, const std::string& name, std::size_t max_bytes,
                             bool* truncated) {
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(errno, "cannot read \"" + name + "\"");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes && truncated != nullptr) {
      out.resize(max_bytes);
      *truncated = true;
      break;
    }
    if (out.size() > max_bytes) {
      return fail(ErrorCode::kInvalidInput,
                  "\"" + name + "\" is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return out;
}

// What a file that is not a regular one is, for the message.
const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a plain file";
}

// File systems whose files are kernel interfaces, not data a pod wrote: their files look regular
// (procfs's /proc/self/environ, sysfs attributes) but reading them reads the kernel's or another
// process's state, as seen by the prober.
bool kernel_interface(const struct statfs& fs) {
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case BPF_FS_MAGIC:
    case EFIVARFS_MAGIC:
    case PSTOREFS_MAGIC:
    case NSFS_MAGIC:
      return true;
    default:
      return false;
  }
}

// The file is first reached with O_PATH, which opens nothing (a FIFO cannot block it, a device's
// driver is not called), and judged by fstat and fstatfs; only a regular file is then opened for
// reading, through /proc/thread-self/fd: the very inode judged, whatever the path does meanwhile.
Result<std::string> read_in_root(const std::string& root, const std::string& path,
                                 std::size_t max_bytes, bool* truncated, FileOrigin origin) {
  const std::string name = root + path;
  Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail_errno(errno, "cannot open root \"" + root + "\"");
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  Fd where(static_cast<int>(::syscall(SYS_openat2, dir.get(), path.c_str(), &how, sizeof how)));
  if (!where) return fail_errno(errno, "cannot open \"" + name + "\"");
  struct stat st {};
  if (::fstat(where.get(), &st) != 0) return fail_errno(errno, "cannot stat \"" + name + "\"");
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput,
                "\"" + name + "\" is not a regular file (" + file_type(st.st_mode) + ")");
  }
  struct statfs fs {};
  if (origin == FileOrigin::kPod && ::fstatfs(where.get(), &fs) == 0 && kernel_interface(fs)) {
    return fail(
        ErrorCode::kInvalidInput,
        "\"" + name + "\" is not a regular file (a kernel interface such as /proc or /sys)");
  }
  const std::string reopen = "/proc/thread-self/fd/" + std::to_string(where.get());
  Fd fd(::open(reopen.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return fail_errno(errno, "cannot open \"" + name + "\"");
  return read_all(fd.get(), name, max_bytes, truncated);
}

}  // namespace

Result<std::string> read_file_in_root(const std::string& root, const std::string& path,
                                      std::size_t max_bytes, FileOrigin origin) {
  return read_in_root(root, path, max_bytes, nullptr, origin);
}

Result<std::string> read_file_head_in_root(const std::string& root, const std::string& path,
                                           std::size_t max_bytes, bool& truncated) {
  truncated = false;
  return read_in_root(root, path, max_bytes, &truncated, FileOrigin::kPod);
}

Result<std::string> read_pod_file(pid_t pid, const std::string& path, std::size_t max_bytes) {
  return read_in_root("/proc/" + std::to_string(pid) + "/root", path, max_bytes, nullptr,
                      FileOrigin::kPod);
}

Result<std::string> read_pod_file_head(pid_t pid, const std::string& path, std::size_t max_bytes,
                                       bool& truncated) {
  truncated = false;
  return read_in_root("/proc/" + std::to_string(pid) + "/root", path, max_bytes, &truncated,
                      FileOrigin::kPod);
}

std::map<std::string, std::string> parse_environ(const std::string& raw) {
  std::map<std::string, std::string> env;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    const std::string entry = raw.substr(start, end - start);
    if (const auto eq = entry.find('='); eq != std::string::npos && eq > 0) {
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
    start = end + 1;
  }
  return env;
}

Result<std::map<std::string, std::string>> read_environ(pid_t pid) {
  return read_environ_at("/proc/" + std::to_string(pid) + "/environ");
}

Result<std::map<std::string, std::string>> read_environ_at(const std::string& name) {
  Fd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno(errno, "cannot open \"" + name + "\"");
  auto raw = read_all(fd.get(), name, 1 << 20, nullptr);
  if (!raw) return tl::unexpected(raw.error());
  return parse_environ(*raw);
}

}  // namespace netdoctor::netns
