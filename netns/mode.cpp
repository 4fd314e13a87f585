#include "netns/mode.h"

#include <unistd.h>

#include <algorithm>

namespace netdoctor::netns {

const char* to_string(RunMode mode) {
  return mode == RunMode::kNode ? "node" : "pod";
}

RunMode detect_mode(const Discovery& d) {
  const bool pods_here =
      std::any_of(d.others.begin(), d.others.end(), [](const auto& n) { return n.local; });
  if (pods_here) return RunMode::kNode;
  const auto& itfs = d.self_links.interfaces;
  const bool node_devices = std::any_of(itfs.begin(), itfs.end(), [](const Interface& i) {
    return i.kind == "bridge" || i.kind == "vxlan";
  });
  if (node_devices) return RunMode::kNode;
  if (const Route* def = d.self_links.default_route()) {
    const Interface* out = d.self_links.find(def->oif);
    if (out && out->kind == "veth" && out->link_netnsid >= 0) return RunMode::kPod;
  }
  // No default route (a broken pod is still a pod): a pod's namespace has only loopback and
  // its veth(s) toward the node; a node has its uplink and, with pods, many veths.
  std::size_t veths = 0;
  for (const Interface& i : itfs) {
    if (i.name == "lo") continue;
    if (i.kind != "veth" || i.link_netnsid < 0) return RunMode::kNode;
    ++veths;
  }
  if (veths >= 1 && veths <= 2) return RunMode::kPod;
  return RunMode::kNode;
}

std::string detect_node_name(
    const std::vector<std::string>& self_ips,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& node_ips) {
  for (const auto& [name, ips] : node_ips) {
    for (const auto& ip : ips) {
      if (std::find(self_ips.begin(), self_ips.end(), ip) != self_ips.end()) return name;
    }
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown";
  return host;
}

}  // namespace netdoctor::netns
