#include "probes/scene.h"

#include <arpa/inet.h>

#include <algorithm>

#include "probes/net/routes.h"

namespace netdoctor::probes {

namespace {

std::string network_plus_one(const std::string& cidr) {
  in_addr a{};
  if (inet_pton(AF_INET, cidr.substr(0, cidr.find('/')).c_str(), &a) != 1) return {};
  a.s_addr = htonl(ntohl(a.s_addr) + 1);
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

std::uint16_t port_of(const std::vector<inventory::ServicePort>& ports, const char* proto) {
  for (const auto& p : ports) {
    if (p.protocol == proto && p.port > 0 && p.port < 65536)
      return static_cast<std::uint16_t>(p.port);
  }
  return 53;
}

}  // namespace

std::optional<ClusterDns> find_cluster_dns(const inventory::Inventory* inv) {
  const inventory::Service* svc = inv ? inv->find_service("kube-system", "kube-dns") : nullptr;
  if (svc == nullptr || svc->cluster_ip.empty()) return std::nullopt;
  ClusterDns d;
  d.service = svc->display_name();
  d.ip = svc->cluster_ip;
  d.udp_port = port_of(svc->ports, "UDP");
  d.tcp_port = port_of(svc->ports, "TCP");
  // The endpoints' target ports, from the Service's EndpointSlices.
  std::uint16_t udp = 53, tcp = 53;
  for (const auto* s : inv->slices_of("kube-system", "kube-dns")) {
    for (const auto& p : s->ports) {
      if (p.port <= 0 || p.port >= 65536) continue;
      if (p.protocol == "UDP") udp = static_cast<std::uint16_t>(p.port);
      if (p.protocol == "TCP") tcp = static_cast<std::uint16_t>(p.port);
    }
  }
  for (const auto& ip : inv->endpoint_ips("kube-system", "kube-dns")) {
    const auto* pod = inv->find_pod_by_ip(ip);
    d.endpoints.push_back({ip, pod ? pod->display_name() : std::string(), udp, tcp});
  }
  return d;
}

std::vector<RemoteTarget> remote_targets(const inventory::Inventory* inv,
                                         const std::string& this_node,
                                         const netns::LinkSnapshot& node_links) {
  std::vector<RemoteTarget> out;
  if (inv != nullptr) {
    for (const auto& node : inv->nodes) {
      if (node.name == this_node) continue;
      std::size_t taken = 0;
      for (const auto& pod : inv->pods) {
        if (pod.node != node.name || pod.host_network || pod.ip.empty()) continue;
        if (!pod.phase.empty() && pod.phase != "Running") continue;
        out.push_back({pod.display_name(), pod.ip, node.name,
                       node.internal_ips.empty() ? "" : node.internal_ips.front(),
                       node.pod_cidrs.empty() ? "" : node.pod_cidrs.front()});
        if (++taken == kPodsPerNode) break;
      }
    }
    return out;
  }
  // No inventory: every route through an overlay device, or to a /24-or-smaller network via a
  // gateway, stands for another node's pod network.
  for (const auto& r : node_links.routes) {
    if (r.dst == "default" || r.gateway.empty()) continue;
    const netns::Interface* dev = node_links.find(r.oif);
    const bool overlay = dev && dev->kind == "vxlan";
    const std::string ip = cidr_contains(r.dst, r.gateway) ? r.gateway : network_plus_one(r.dst);
    if (ip.empty() || (!overlay && r.dst.find('/') == std::string::npos)) continue;
    out.push_back({ip + " (pod network " + r.dst + ")", ip, "", overlay ? "" : r.gateway, r.dst});
  }
  return out;
}

const PodLinkFacts& Scene::links_of(const netns::NetnsInfo& pod) const {
  static const PodLinkFacts kNone;
  const auto it = pod_links.find(pod.path);
  return it == pod_links.end() ? kNone : it->second;
}

bool DiagnoseOptions::selected(report::Layer layer) const {
  return layers.empty() || std::find(layers.begin(), layers.end(), layer) != layers.end();
}

Scene gather_scene(const std::vector<SourcePod>& sources, const DiagnoseContext& given,
                   const DiagnoseOptions& options) {
  Scene s;
  s.mode = given.mode;
  s.node = given.node;
  s.discovery = *given.discovery;
  if (given.inventory != nullptr) s.inventory = *given.inventory;
  s.sources = sources;
  if (given.rules != nullptr) {
    s.rules = *given.rules;
  } else if (s.on_node()) {
    // Read once (libiptc: a few milliseconds) and shared by every layer that judges a flow.
    auto self = netns::Netns::current();
    auto snap = self ? rules::read_rules(*self) : tl::unexpected(self.error());
    if (snap) {
      s.rules = std::move(*snap);
    } else {
      s.rules_error = snap.error().message();
    }
  }
  // On a 10,000-Service node this list is 25 MB: made once, and only when a layer reads it.
  if (s.rules &&
      (options.selected(report::Layer::kService) || options.selected(report::Layer::kApiserver))) {
    s.rule_services = rules::services(*s.rules);
  }
  s.local_pods = local_pods(s.discovery, s.inv());
  s.remote_targets = remote_targets(s.inv(), s.node, s.discovery.self_links);
  s.cluster_dns = find_cluster_dns(s.inv());
  for (const auto* pods : {&s.local_pods, &s.sources}) {
    for (const SourcePod& pod : *pods) {
      if (!s.pod_links.count(pod.netns.path)) {
        s.pod_links.emplace(pod.netns.path, pod_link_facts(pod.netns, s.node_links()));
      }
    }
  }
  return s;
}

}  // namespace netdoctor::probes
