// Whether the node source-NATs a pod's traffic to an outside address, judged from the node's
// nat POSTROUTING rules (kube-proxy's KUBE-POSTROUTING, flannel's FLANNEL-POSTRTG, CNI
// chains): without it, replies to the pod's own address cannot come back from outside the
// cluster. Used by the egress layer (egress-no-snat) and the apiserver layer, whose server
// usually lives outside the pod network.
#pragma once

#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "netns/links.h"
#include "rules/read.h"

namespace netdoctor::probes {

enum class SnatState {
  kUnknown,         // no rules to judge (pod mode, or they could not be read)
  kInsideCluster,   // the destination is a pod: no masquerade expected
  kMasqueraded,     // a MASQUERADE/SNAT rule covers the flow
  kNotMasqueraded,  // nothing in nat POSTROUTING covers it
};

struct SnatVerdict {
  SnatState state = SnatState::kUnknown;
  std::string evidence;  // one line: the rule that masquerades, or what was looked at
};

// The flow pod_ip → dst_ip:port/tcp through the node's nat POSTROUTING. `node_links` (may be
// null) names the outgoing interface; `inventory` (may be null) tells pod addresses apart.
[[nodiscard]] SnatVerdict judge_masquerade(const rules::RuleSnapshot* rules,
                                           const netns::LinkSnapshot* node_links,
                                           const inventory::Inventory* inventory,
                                           const std::string& pod_ip, const std::string& dst_ip,
                                           int port);

// Whether `ip` is a pod's address or lies in a node's pod CIDR of the inventory.
[[nodiscard]] bool inside_pod_network(const inventory::Inventory* inventory, const std::string& ip);

}  // namespace netdoctor::probes
