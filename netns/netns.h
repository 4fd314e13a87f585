// A handle on one network namespace: an open fd that keeps the namespace alive while netdoctor
// works in it, and the inode that identifies it. Opening never moves the calling thread.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/fd.h"
#include "core/result.h"

namespace netdoctor::netns {

// (device, inode) of a namespace file: equal ids mean the same namespace.
struct NetnsId {
  dev_t dev = 0;
  ino_t ino = 0;
  friend bool operator==(const NetnsId&, const NetnsId&) = default;
  friend auto operator<=>(const NetnsId&, const NetnsId&) = default;
};

class Netns {
 public:
  // Opens a namespace file such as /var/run/netns/cni-1234 or /proc/42/ns/net.
  [[nodiscard]] static Result<Netns> open_path(const std::string& path);
  // Opens the netns of a process. A pidfd pins the process while /proc/PID/ns/net is opened,
  // so a recycled pid cannot hand us another process's namespace.
  [[nodiscard]] static Result<Netns> open_pid(pid_t pid);
  // The namespace of the calling thread (/proc/thread-self/ns/net).
  [[nodiscard]] static Result<Netns> current();

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] NetnsId id() const { return id_; }
  // How a person would name it: the path it was opened by.
  [[nodiscard]] const std::string& name() const { return name_; }
  // A second handle on the same namespace (dup of the fd).
  [[nodiscard]] Result<Netns> dup() const;

 private:
  Netns(Fd fd, NetnsId id, std::string name)
      : fd_(std::move(fd)), id_(id), name_(std::move(name)) {}
  Fd fd_;
  NetnsId id_;
  std::string name_;
};

// The id of a namespace file without keeping it open.
[[nodiscard]] Result<NetnsId> stat_netns(const std::string& path);

// Whether the network namespace open at `fd` is owned by the host's user namespace (that of
// pid 1, else the prober's own): a namespace made inside a pod's user namespace (rootless
// tools, or an unprivileged tenant) is not, and may carry any address it likes.
[[nodiscard]] Result<bool> owned_by_host_userns(int netns_fd);

// The id of the calling thread's namespace.
[[nodiscard]] Result<NetnsId> current_netns_id();

}  // namespace netdoctor::netns
