#include "probes/net/pod_links.h"

namespace netdoctor::probes {

PodLinkFacts pod_link_facts(const netns::NetnsInfo& pod, const netns::LinkSnapshot* node_links) {
  PodLinkFacts f;
  f.pod = pod.links;
  f.pod_interface = pod.pod_interface;
  if (node_links != nullptr && pod.local && pod.host_veth_index > 0) {
    if (const auto* peer = node_links->find(pod.host_veth_index)) {
      f.host_veth = *peer;
      if (const auto* bridge = node_links->find(peer->master)) f.host_bridge = bridge->name;
    }
  }
  return f;
}

const netns::Interface* pod_interface(const PodLinkFacts& facts) {
  if (!facts.pod_interface.empty()) {
    if (const auto* itf = facts.pod.find(facts.pod_interface)) return itf;
  }
  if (const auto* def = facts.pod.default_route()) {
    if (const auto* itf = facts.pod.find(def->oif)) return itf;
  }
  const netns::Interface* first = nullptr;
  for (const auto& itf : facts.pod.interfaces) {
    if (itf.name == "lo") continue;
    if (!itf.addrs.empty()) return &itf;
    if (first == nullptr) first = &itf;
  }
  return first;
}

}  // namespace netdoctor::probes
