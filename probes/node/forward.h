// What the node's filter table does with pod traffic it forwards: the FORWARD chain's verdict
// for a pod-to-pod flow, from the rules as read (never from a probe). Used by the node layer
// (forward-policy-drop) and to explain a failed same-node probe (filter-drop).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/model.h"
#include "rules/evaluate.h"
#include "rules/ruleset.h"

namespace netdoctor::probes {

struct ForwardFlow {
  std::string src;
  std::string dst;
  std::string in_iface;   // "cni0" for bridged traffic
  std::string out_iface;  // "cni0" same node, "flannel.1" across nodes
  std::string protocol = "icmp";
};

// The filter decision that stops the flow (DROP or REJECT, by a rule or by the policy), or
// nullopt when every possible path accepts it.
[[nodiscard]] std::optional<rules::Decision> forward_block(const rules::Ruleset& rules,
                                                           const ForwardFlow& flow);

// "filter FORWARD rule 1: -A FORWARD -d 10.244.1.4/32 -j DROP (comment \"...\")"
[[nodiscard]] std::string describe_decision(const rules::Decision& d);

// Node check `node.forward-policy`: fails (forward-policy-drop) when one of the flows is dropped
// by the FORWARD policy with no rule accepting it; skips when there is no flow to judge.
[[nodiscard]] report::Check check_forward_policy(const rules::Ruleset& rules,
                                                 const std::vector<ForwardFlow>& flows);

}  // namespace netdoctor::probes
