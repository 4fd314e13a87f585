// Layer `node`: the node-wide settings every pod path depends on — IPv4 forwarding, bridge
// netfilter (br_netfilter's bridge-nf-call-iptables), the FORWARD chain's verdict for pod flows
// and the masquerade of pod traffic leaving the pod network (node/masquerade_check.h).
//
// Sysctls are read from /proc/sys on a thread in the node's namespace: /proc/sys/net follows
// the reading thread's network namespace (unlike /sys/class/net).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/links.h"
#include "probes/layer.h"
#include "report/model.h"

namespace netdoctor::probes {

struct NodeFacts {
  std::optional<std::string> ip_forward;  // net/ipv4/ip_forward; nullopt: unreadable
  // net/bridge/bridge-nf-call-iptables; nullopt: br_netfilter is not loaded
  std::optional<std::string> bridge_nf_call_iptables;
  std::vector<std::string> bridges;  // bridge devices of the node (cni0, ...)
};

// Reads the facts in the calling thread's namespace; `proc_sys` is "/proc/sys" outside tests.
[[nodiscard]] NodeFacts collect_node_facts(const netns::LinkSnapshot& node_links,
                                           const std::string& proc_sys = "/proc/sys");

[[nodiscard]] std::vector<report::Check> evaluate_node_layer(const NodeFacts& facts);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_node_layer(const Scene& scene,
                                                         const DiagnoseOptions& options);

}  // namespace netdoctor::probes
