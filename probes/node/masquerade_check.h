// The node-layer check `node.masquerade`: whether this node source-NATs pod traffic leaving the
// cluster, judged once from its nat POSTROUTING rules (no packet is sent) for the destinations
// its pods really talk to outside the pod network: the upstream DNS servers of a cluster DNS pod
// that runs here (CoreDNS forwards outside names from its own pod address), the API server when
// it lives outside the pod network, --egress targets given as addresses, and one representative
// outside address.
//
// A node whose rules do not masquerade is not faulty by itself: clusters whose pod addresses
// are routed from outside (BGP, cloud VPC routes) need no masquerade. So the check is a `warn`
// (code egress-no-snat) until a failure it explains confirms it (report/root_cause.h): the cluster
// DNS's upstream failing, the API server or an egress target unreachable through that flow. Then
// it is the root cause, with or without --egress.
#pragma once

#include <string>
#include <vector>

#include "probes/options.h"
#include "probes/scene.h"
#include "report/model.h"

namespace netdoctor::probes {

// One flow to judge: from a pod address to an outside address.
struct MasqueradeFlow {
  std::string pod_ip;  // the source: the DNS pod itself for its upstream, else a local pod
  std::string dst_ip;
  int port = 0;
  std::string why;  // "upstream DNS of kube-system/coredns-0", "the API server", ...
  std::vector<std::string> related;  // subjects it concerns besides dst_ip (the DNS pod's ip)
};

// The flows to judge on this node (bounded: at most a few per kind).
[[nodiscard]] std::vector<MasqueradeFlow> masquerade_flows(const Scene& scene,
                                                           const DiagnoseOptions& options);

// The check from the node's rules; `skip` without rules or flows.
[[nodiscard]] report::Check check_masquerade(const Scene& scene,
                                             const std::vector<MasqueradeFlow>& flows);

}  // namespace netdoctor::probes
