#include "probes/net/masquerade.h"

#include "probes/net/routes.h"
#include "rules/evaluate.h"

namespace netdoctor::probes {

bool inside_pod_network(const inventory::Inventory* inventory, const std::string& ip) {
  if (inventory == nullptr) return false;
  if (inventory->find_pod_by_ip(ip) != nullptr) return true;
  for (const auto& node : inventory->nodes) {
    for (const auto& cidr : node.pod_cidrs) {
      if (cidr_contains(cidr, ip)) return true;
    }
  }
  return false;
}

SnatVerdict judge_masquerade(const rules::RuleSnapshot* rules,
                             const netns::LinkSnapshot* node_links,
                             const inventory::Inventory* inventory, const std::string& pod_ip,
                             const std::string& dst_ip, int port) {
  SnatVerdict v;
  if (inside_pod_network(inventory, dst_ip)) {
    v.state = SnatState::kInsideCluster;
    v.evidence = "masquerade: not needed, " + dst_ip + " is inside the pod network";
    return v;
  }
  if (rules == nullptr || pod_ip.empty()) {
    v.evidence = "masquerade: not checked (the node's rules are not visible from here)";
    return v;
  }
  rules::Packet packet;
  packet.src = pod_ip;
  packet.dst = dst_ip;
  packet.dport = static_cast<uint16_t>(port);
  if (node_links != nullptr) {
    if (const auto route = lookup_route(*node_links, dst_ip)) packet.out_iface = route->dev;
  }
  auto out = rules::evaluate_postrouting(rules->ruleset, packet);
  if (!out) {
    v.evidence = "masquerade: not checked (" + out.error().message() + ")";
    return v;
  }
  const std::string flow = pod_ip + " → " + dst_ip + ":" + std::to_string(port);
  if (out->masqueraded) {
    v.state = SnatState::kMasqueraded;
    const auto& r = out->snat_rule;
    v.evidence = "masquerade: " + flow + " is source-NATed by " + r.table + " " + r.chain + " #" +
                 std::to_string(r.position) + (r.comment.empty() ? "" : " (" + r.comment + ")");
    return v;
  }
  v.state = SnatState::kNotMasqueraded;
  v.evidence =
      "masquerade: no rule of nat POSTROUTING (kube-proxy's, flannel's or another) "
      "source-NATs " +
      flow + ": replies to the pod's address cannot come back";
  if (!out->uncertain.empty()) {
    v.evidence += " (uncertain rules: " + std::to_string(out->uncertain.size()) + ")";
  }
  return v;
}

}  // namespace netdoctor::probes
