// A pod's files and environment, reached through a process inside it.
//
// /proc/PID/root is the process's root directory; a naive open of /proc/PID/root/etc/resolv.conf
// resolves an absolute symlink inside the container against the prober's root. openat2 with
// RESOLVE_IN_ROOT resolves every component inside the container instead.
//
// A pod decides what its paths lead to: its resolv.conf or token may be a FIFO (an open for
// reading would wait for a writer), a device, a directory, or a link to /proc/self/... . Symlinks
// are followed (the service-account files are links to ..data/token), but only inside the pod's
// root, never through a magic link (/proc/PID/fd/N), and only a regular file is read: anything
// else is an error saying "is not a regular file", found before the file is opened for reading
// (O_PATH, then fstat), so that a FIFO cannot hang the prober nor a device's open do anything.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>

#include "core/result.h"

namespace netdoctor::netns {

// Reads a file of the container of `pid`, e.g. "/etc/resolv.conf", at most max_bytes of it
// (longer files are an error naming the limit, so a hostile file cannot exhaust memory).
[[nodiscard]] Result<std::string> read_pod_file(pid_t pid, const std::string& path,
                                                std::size_t max_bytes = 1 << 20);

// Like read_pod_file, for a file its program reads only line by line (resolv.conf: glibc has no
// size limit): a longer file gives its first max_bytes and `truncated` set, not an error.
[[nodiscard]] Result<std::string> read_pod_file_head(pid_t pid, const std::string& path,
                                                     std::size_t max_bytes, bool& truncated);

// Whose file is read. A pod's files are never on a kernel-interface file system (procfs, sysfs,
// debugfs, cgroupfs, ...), whose files look regular but show the kernel's or the prober's state;
// netdoctor's own reads of /proc/PID/comm and the like are kHost.
enum class FileOrigin { kPod, kHost };

// Same, resolving `path` inside the directory tree `root` (used by tests and read_pod_file).
[[nodiscard]] Result<std::string> read_file_in_root(const std::string& root,
                                                    const std::string& path,
                                                    std::size_t max_bytes = 1 << 20,
                                                    FileOrigin origin = FileOrigin::kPod);

// Like read_file_in_root, giving the head of a longer file and `truncated` set.
[[nodiscard]] Result<std::string> read_file_head_in_root(const std::string& root,
                                                         const std::string& path,
                                                         std::size_t max_bytes, bool& truncated);

// The process's environment (/proc/PID/environ).
[[nodiscard]] Result<std::map<std::string, std::string>> read_environ(pid_t pid);
// The same from an environ file's path (tests give a fake /proc).
[[nodiscard]] Result<std::map<std::string, std::string>> read_environ_at(const std::string& file);

// Parses NUL-separated KEY=VALUE records; entries without '=' are ignored.
[[nodiscard]] std::map<std::string, std::string> parse_environ(const std::string& raw);

}  // namespace netdoctor::netns
