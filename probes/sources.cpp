#include "probes/sources.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "netns/podfs.h"

namespace netdoctor::probes {
namespace {

bool has_ip(const netns::LinkSnapshot& links, const std::string& ip) {
  const auto ips = links.ipv4_addresses();
  return std::find(ips.begin(), ips.end(), ip) != ips.end();
}

SourcePod make_source(const netns::NetnsInfo& info, const inventory::Inventory* inventory) {
  SourcePod s;
  s.netns = info;
  s.ip = info.primary_ip();
  s.pod = pod_name_for(info, inventory);
  s.display = s.pod.empty() ? "ip:" + s.ip : s.pod;
  if (s.ip.empty() && s.pod.empty()) s.display = info.path;
  return s;
}

// The processes this pid namespace shows in our own network namespace, ourselves included: in
// a `kubectl debug --target` container they are the target container's (pid 1 first), whose
// files the pod mode reads.
std::vector<pid_t> pids_in_own_netns(const netns::NetnsId& self) {
  std::vector<pid_t> out{::getpid()};
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0 || pid == ::getpid()) continue;
    auto id = netns::stat_netns("/proc/" + std::string(e->d_name) + "/ns/net");
    if (id && *id == self) out.push_back(static_cast<pid_t>(pid));
    if (out.size() >= 32) break;
  }
  ::closedir(dir);
  return out;
}

SourcePod self_source(const netns::Discovery& d, const inventory::Inventory* inventory) {
  netns::NetnsInfo info;
  info.id = d.self;
  info.path = "/proc/" + std::to_string(::getpid()) + "/ns/net";
  info.pids = pids_in_own_netns(d.self);
  info.links = d.self_links;
  SourcePod s = make_source(info, inventory);
  s.self = true;
  return s;
}

// "/var/run/netns/cni-1 (pid 42)" for an error that names namespaces.
std::string describe_ns(const netns::NetnsInfo& info) {
  std::string out = info.path;
  if (info.pid() != 0 && info.path.rfind("/proc/", 0) != 0) {
    out += " (pid " + std::to_string(info.pid()) + ")";
  }
  if (info.foreign_userns) out += " (owned by another user namespace)";
  return out;
}

std::string describe_all(const std::vector<const netns::NetnsInfo*>& list) {
  std::string out;
  for (const auto* info : list) out += (out.empty() ? "" : ", ") + describe_ns(*info);
  return out;
}

// The one namespace that carries `ip`. Anyone able to make a namespace can give it any address,
// so an address alone must not pick a namespace when it is not unique: the pods of this node
// come first (their veth's peer is here, which no one else can arrange without the node's
// privileges), then the others; two candidates of the same rank are refused, both named, and
// namespaces owned by another user namespace are only taken when `allow_userns`.
Result<const netns::NetnsInfo*> find_by_ip(const netns::Discovery& d, const std::string& ip,
                                           const std::string& what, const SourceOptions& o) {
  std::vector<const netns::NetnsInfo*> local;
  std::vector<const netns::NetnsInfo*> other;
  std::vector<const netns::NetnsInfo*> refused;
  for (const auto& info : d.others) {
    if (!has_ip(info.links, ip)) continue;
    if (info.foreign_userns && !o.allow_userns) {
      refused.push_back(&info);
    } else {
      (info.local ? local : other).push_back(&info);
    }
  }
  const auto& pick = local.empty() ? other : local;
  if (pick.size() == 1) return pick.front();
  if (pick.size() > 1) {
    return fail(ErrorCode::kInvalidInput, what + ": " + std::to_string(pick.size()) +
                                              " network namespaces carry " + ip + ": " +
                                              describe_all(pick) +
                                              "; name one with --from pid:N or --from NETNS-PATH");
  }
  if (!refused.empty()) {
    return fail(ErrorCode::kInvalidInput,
                what + ": " + ip + " is only carried by " + describe_all(refused) +
                    ", owned by a user namespace other than the host's; --allow-userns takes it");
  }
  return nullptr;
}

const netns::NetnsInfo* find_by_id(const netns::Discovery& d, const netns::NetnsId& id) {
  for (const auto& info : d.others) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

Result<SourcePod> resolve_by_ip(const std::string& ip, const std::string& what,
                                const netns::Discovery& d, const inventory::Inventory* inv,
                                const SourceOptions& o) {
  if (has_ip(d.self_links, ip)) return self_source(d, inv);
  auto info = find_by_ip(d, ip, what, o);
  if (!info) return tl::unexpected(info.error());
  if (*info != nullptr) return make_source(**info, inv);
  return fail(ErrorCode::kNotFound, what + ": no network namespace on this host has " + ip);
}

Result<SourcePod> resolve_by_id(Result<netns::NetnsId> id, const std::string& what,
                                const netns::Discovery& d, const inventory::Inventory* inv) {
  if (!id) return fail(id.error().code, what + ": " + id.error().message());
  if (*id == d.self) return self_source(d, inv);
  if (const auto* info = find_by_id(d, *id)) return make_source(*info, inv);
  return fail(ErrorCode::kNotFound, what + ": network namespace vanished during discovery");
}

// A pod whose interface lost its address is still a pod: the kubelet names the pod's processes
// after it (HOSTNAME in their environment), so a local namespace without an address whose
// process carries the pod's name is that pod.
Result<SourcePod> resolve_by_hostname(const inventory::Pod& pod, const netns::Discovery& d) {
  for (const auto& info : d.others) {
    if (!info.local || !info.links.ipv4_addresses().empty() || info.pid() == 0) continue;
    // Every container's environment: the sandbox process has no HOSTNAME, the app ones do.
    const auto env = netns::pod_reader(info.pids).environ();
    if (auto it = env.find("HOSTNAME"); it != env.end() && it->second == pod.name) {
      SourcePod s;
      s.netns = info;
      s.pod = pod.display_name();
      s.display = s.pod;
      return s;
    }
  }
  return fail(ErrorCode::kNotFound, "no address-less pod namespace is named " + pod.name);
}

Result<SourcePod> resolve_pod(const inventory::Ref& ref, const netns::Discovery& d,
                              const inventory::Inventory* inv, const SourceOptions& o) {
  const std::string what = "pod " + ref.ns + "/" + ref.name;
  if (inv == nullptr) {
    return fail(ErrorCode::kInvalidInput, what + ": naming a pod needs --inventory");
  }
  const auto* pod = inv->find_pod(ref.ns, ref.name);
  if (pod == nullptr) return fail(ErrorCode::kNotFound, what + ": not in the inventory");
  if (pod->host_network) {
    return fail(ErrorCode::kInvalidInput, what + ": uses the host network; nothing to enter");
  }
  if (pod->ip.empty()) return fail(ErrorCode::kNotFound, what + ": has no IP yet");
  auto src = resolve_by_ip(pod->ip, what, d, inv, o);
  // An ambiguous or refused address is an answer: only a missing one looks further.
  if (src || src.error().code != ErrorCode::kNotFound) return src;
  src = resolve_by_hostname(*pod, d);
  if (!src) {
    return fail(ErrorCode::kNotFound, what + " (" + pod->ip + ", node " + pod->node +
                                          "): its network namespace is not visible on this host");
  }
  return src;
}

Result<SourcePod> resolve_one(const inventory::Ref& ref, const netns::Discovery& d,
                              const inventory::Inventory* inv, const SourceOptions& o) {
  switch (ref.kind) {
    case inventory::Ref::Kind::kPodName:
      return resolve_pod(ref, d, inv, o);
    case inventory::Ref::Kind::kIp:
      return resolve_by_ip(ref.ip, "ip:" + ref.ip, d, inv, o);
    case inventory::Ref::Kind::kPid: {
      const std::string path = "/proc/" + std::to_string(ref.pid) + "/ns/net";
      auto src = resolve_by_id(netns::stat_netns(path), "pid:" + std::to_string(ref.pid), d, inv);
      if (src) {
        // The files come from the process the user named, before the pod's other containers.
        src->preferred_pid = static_cast<pid_t>(ref.pid);
        auto& pids = src->netns.pids;
        if (std::find(pids.begin(), pids.end(), src->preferred_pid) == pids.end()) {
          pids.push_back(src->preferred_pid);
        }
      }
      return src;
    }
    case inventory::Ref::Kind::kNetnsPath:
      return resolve_by_id(netns::stat_netns(ref.path), ref.path, d, inv);
  }
  return fail(ErrorCode::kInvalidInput, "unknown REF kind");
}

}  // namespace

std::string pod_name_for(const netns::NetnsInfo& info, const inventory::Inventory* inventory) {
  if (inventory == nullptr) return {};
  for (const auto& ip : info.links.ipv4_addresses()) {
    if (const auto* pod = inventory->find_pod_by_ip(ip)) return pod->display_name();
  }
  return {};
}

std::vector<PodListing> list_pods(const netns::Discovery& d, const inventory::Inventory* inv,
                                  bool all) {
  std::vector<PodListing> out;
  for (const auto& info : d.others) {
    PodListing p{info, pod_name_for(info, inv)};
    if (all || info.local || !p.pod.empty()) out.push_back(std::move(p));
  }
  return out;
}

std::vector<SourcePod> local_pods(const netns::Discovery& d, const inventory::Inventory* inv) {
  std::vector<SourcePod> out;
  for (const auto& info : d.others) {
    if (info.local) out.push_back(make_source(info, inv));
  }
  return out;
}

Result<std::vector<SourcePod>> resolve_sources(const std::vector<inventory::Ref>& refs,
                                               const netns::Discovery& d,
                                               const inventory::Inventory* inv, netns::RunMode mode,
                                               const SourceOptions& options) {
  std::vector<SourcePod> out;
  if (refs.empty()) {
    if (mode == netns::RunMode::kPod) {
      out.push_back(self_source(d, inv));
      return out;
    }
    return local_pods(d, inv);
  }
  for (const auto& ref : refs) {
    auto src = resolve_one(ref, d, inv, options);
    if (!src) return tl::unexpected(src.error());
    const bool dup = std::any_of(out.begin(), out.end(),
                                 [&](const SourcePod& s) { return s.netns.id == src->netns.id; });
    if (!dup) out.push_back(std::move(*src));
  }
  return out;
}

}  // namespace netdoctor::probes
