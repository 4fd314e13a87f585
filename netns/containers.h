// A pod's containers as /proc shows them, and which one to read each pod file from.
//
// On a real node the first process of a pod is its sandbox (the "pause" container): it holds the
// pod's namespaces, starts first, and lives in mounts of its own without the service-account
// volume, the pod's resolv.conf or the kubelet's environment. The app containers come after it,
// each in its own mount namespace, and may differ from each other (a sidecar without the
// service account). So "the pod's files" are read per file from the container that has them:
// processes are grouped into containers by mount namespace, the sandbox is told apart by the
// runtime's own files (containerd, CRI-O) or by its name, and every read says which container
// it came from.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace netdoctor::netns {

struct PodContainer {
  pid_t pid = 0;         // its lowest pid among those given
  std::string comm;      // /proc/PID/comm: "pause", "nginx", ...
  std::string name;      // the container's name when the runtime's files tell it
  std::string mnt;       // its mount namespace ("mnt:[4026532301]"), empty when unreadable
  bool sandbox = false;  // the pod's sandbox (pause) process

  // "container web (pid 1234)", else "pid 1234 (nginx)".
  [[nodiscard]] std::string describe() const;
};

struct ContainerOptions {
  std::string proc_dir = "/proc";
  // The runtimes' state, where a container's id (from /proc/PID/cgroup) names its OCI config.
  std::string containerd_dir = "/run/containerd/io.containerd.runtime.v2.task/k8s.io";
  std::string crio_dir = "/run/containers/storage/overlay-containers";
};

// Groups `pids` (any order) by mount namespace into containers, lowest pid first, and marks the
// sandbox: the runtime's config says so ("sandbox" container type), else its process is named
// "pause". A pid that vanished is left out.
[[nodiscard]] std::vector<PodContainer> pod_containers(const std::vector<pid_t>& pids,
                                                       const ContainerOptions& options = {});

// The container id a process's cgroup path names (containerd, CRI-O, docker layouts), if any.
[[nodiscard]] std::string container_id_from_cgroup(const std::string& cgroup_file);

// A file read from a pod and the container it came from.
struct PodFile {
  std::string content;
  bool truncated = false;
  PodContainer from;
};

// Reads a pod's files from the right container: `preferred` (when set: the process the user
// named, or the `kubectl debug --target` container) first, then the app containers by pid, the
// sandbox last. A file is taken from the first container that has it.
class PodReader {
 public:
  explicit PodReader(std::vector<PodContainer> containers, pid_t preferred = 0,
                     std::string proc_dir = "/proc");

  // The file from the first container that has it (at most max_bytes, longer is an error); when
  // none has it, the error of the first container tried.
  [[nodiscard]] Result<PodFile> read(const std::string& path,
                                     std::size_t max_bytes = 1 << 20) const;
  // Like read, for a file read line by line: a longer one gives its head and `truncated`.
  [[nodiscard]] Result<PodFile> read_head(const std::string& path, std::size_t max_bytes) const;

  // Every container's environment, merged: a variable's value comes from the first container
  // (in reading order) that sets it; `origin` (when given) maps it to that container.
  [[nodiscard]] std::map<std::string, std::string> environ(
      std::map<std::string, PodContainer>* origin = nullptr) const;

  [[nodiscard]] const std::vector<PodContainer>& order() const { return order_; }
  [[nodiscard]] bool empty() const { return order_.empty(); }

 private:
  Result<PodFile> read_any(const std::string& path, std::size_t max_bytes, bool head) const;
  std::vector<PodContainer> order_;
  std::string proc_dir_;
};

// The reader for a pod whose processes are `pids`: their containers, in reading order.
[[nodiscard]] PodReader pod_reader(const std::vector<pid_t>& pids, pid_t preferred = 0,
                                   const ContainerOptions& options = {});

}  // namespace netdoctor::netns
