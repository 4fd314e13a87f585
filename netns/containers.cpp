#include "netns/containers.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "netns/podfs.h"

namespace netdoctor::netns {
namespace {

std::string pid_dir(const std::string& proc_dir, pid_t pid) {
  return proc_dir + "/" + std::to_string(pid);
}

std::string read_small(const std::string& root, const std::string& path, std::size_t max) {
  // The prober's own view (/proc/PID/comm, /proc/PID/cgroup, a runtime's config): procfs allowed.
  auto r = read_file_in_root(root, path, max, FileOrigin::kHost);
  return r ? *r : std::string();
}

std::string read_link(const std::string& path) {
  std::array<char, 256> buf{};
  const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

std::string trim_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool is_container_id(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

struct RuntimeFacts {
  std::string name;
  bool sandbox = false;
  bool known = false;
};

// What the runtime's OCI config of container `id` says: its Kubernetes container name and
// whether it is the pod's sandbox. Unknown when neither containerd's nor CRI-O's state has it.
RuntimeFacts runtime_facts(const std::string& id, const ContainerOptions& o) {
  RuntimeFacts f;
  if (id.empty()) return f;
  struct Layout {
    std::string file;
    const char* type_key;
    const char* name_key;
  };
  const std::array<Layout, 2> layouts{{
      {o.containerd_dir + "/" + id + "/config.json", "io.kubernetes.cri.container-type",
       "io.kubernetes.cri.container-name"},
      {o.crio_dir + "/" + id + "/userdata/config.json", "io.kubernetes.cri-o.ContainerType",
       "io.kubernetes.container.name"},
  }};
  for (const auto& l : layouts) {
    const auto slash = l.file.rfind('/');
    const std::string text = read_small(l.file.substr(0, slash), l.file.substr(slash), 4 << 20);
    if (text.empty()) continue;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("annotations") || !j["annotations"].is_object()) continue;
    const auto& a = j["annotations"];
    f.known = true;
    if (a.contains(l.type_key) && a[l.type_key].is_string()) {
      f.sandbox = a[l.type_key].get<std::string>() == "sandbox";
    }
    if (!f.sandbox && a.contains(l.name_key) && a[l.name_key].is_string()) {
      f.name = a[l.name_key].get<std::string>();
    }
    return f;
  }
  return f;
}

}  // namespace

std::string PodContainer::describe() const {
  if (!name.empty()) return "container " + name + " (pid " + std::to_string(pid) + ")";
  std::string out = "pid " + std::to_string(pid);
  if (!comm.empty()) out += " (" + comm + ")";
  return out;
}

std::string container_id_from_cgroup(const std::string& cgroup_file) {
  // Lines "ID:controllers:/path"; the path's last component names the container:
  // ".../cri-containerd-ID.scope", ".../crio-ID.scope", ".../docker-ID.scope" (systemd driver)
  // or ".../podUID/ID" (cgroupfs driver).
  std::size_t start = 0;
  while (start < cgroup_file.size()) {
    std::size_t end = cgroup_file.find('\n', start);
    if (end == std::string::npos) end = cgroup_file.size();
    std::string_view line(cgroup_file.data() + start, end - start);
    start = end + 1;
    const auto slash = line.rfind('/');
    if (slash == std::string_view::npos) continue;
    std::string_view last = line.substr(slash + 1);
    if (last.size() > 6 && last.substr(last.size() - 6) == ".scope") {
      last.remove_suffix(6);
      const auto dash = last.rfind('-');
      if (dash == std::string_view::npos) continue;
      last.remove_prefix(dash + 1);
    }
    if (is_container_id(last)) return std::string(last);
  }
  return {};
}

std::vector<PodContainer> pod_containers(const std::vector<pid_t>& pids,
                                         const ContainerOptions& o) {
  std::vector<pid_t> sorted = pids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<PodContainer> out;
  for (pid_t pid : sorted) {
    if (pid <= 0) continue;
    const std::string dir = pid_dir(o.proc_dir, pid);
    if (::access(dir.c_str(), F_OK) != 0) continue;
    const std::string mnt = read_link(dir + "/ns/mnt");
    const auto same = std::find_if(out.begin(), out.end(), [&](const PodContainer& c) {
      return !mnt.empty() && c.mnt == mnt;
    });
    if (same != out.end()) continue;
    PodContainer c;
    c.pid = pid;
    c.mnt = mnt;
    c.comm = trim_line(read_small(dir, "/comm", 64));
    const RuntimeFacts facts =
        runtime_facts(container_id_from_cgroup(read_small(dir, "/cgroup", 64 << 10)), o);
    c.name = facts.name;
    c.sandbox = facts.known ? facts.sandbox : c.comm == "pause";
    out.push_back(std::move(c));
  }
  return out;
}

PodReader::PodReader(std::vector<PodContainer> containers, pid_t preferred, std::string proc_dir)
    : order_(std::move(containers)), proc_dir_(std::move(proc_dir)) {
  // Stable: the preferred container, the app containers by pid, the sandbox last.
  std::stable_sort(order_.begin(), order_.end(), [&](const PodContainer& a, const PodContainer& b) {
    const int ra = a.pid == preferred ? 0 : (a.sandbox ? 2 : 1);
    const int rb = b.pid == preferred ? 0 : (b.sandbox ? 2 : 1);
    return ra < rb;
  });
}

Result<PodFile> PodReader::read_any(const std::string& path, std::size_t max_bytes,
                                    bool head) const {
  std::optional<Error> first;
  for (const auto& c : order_) {
    PodFile f;
    const std::string root = pid_dir(proc_dir_, c.pid) + "/root";
    auto r = head ? read_file_head_in_root(root, path, max_bytes, f.truncated)
                  : read_file_in_root(root, path, max_bytes);
    if (r) {
      f.content = std::move(*r);
      f.from = c;
      return f;
    }
    if (!first) first = r.error();
  }
  if (first) return tl::unexpected(*first);
  return fail(ErrorCode::kNotFound, "no process of the pod is left to read \"" + path + "\" from");
}

Result<PodFile> PodReader::read(const std::string& path, std::size_t max_bytes) const {
  return read_any(path, max_bytes, false);
}

Result<PodFile> PodReader::read_head(const std::string& path, std::size_t max_bytes) const {
  return read_any(path, max_bytes, true);
}

std::map<std::string, std::string> PodReader::environ(
    std::map<std::string, PodContainer>* origin) const {
  std::map<std::string, std::string> out;
  for (const auto& c : order_) {
    auto env = read_environ_at(pid_dir(proc_dir_, c.pid) + "/environ");
    if (!env) continue;
    for (auto& [k, v] : *env) {
      if (out.emplace(k, v).second && origin != nullptr) (*origin)[k] = c;
    }
  }
  return out;
}

PodReader pod_reader(const std::vector<pid_t>& pids, pid_t preferred, const ContainerOptions& o) {
  return PodReader(pod_containers(pids, o), preferred, o.proc_dir);
}

}  // namespace netdoctor::netns
