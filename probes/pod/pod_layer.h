// Layer `pod`: the pod's own end of the network. Its interface is up, carries an IPv4 address,
// a default route leaves through it, and its veth peer on the node is up.
//
// Collect, then interpret: collect_pod_facts reads the kernel (in the pod's netns and the
// node's), evaluate_pod_layer turns the facts into checks and is pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/discover.h"
#include "netns/links.h"
#include "report/model.h"

namespace netdoctor::probes {

struct PodLinkFacts {
  netns::LinkSnapshot pod;    // the pod's namespace
  std::string pod_interface;  // its veth toward the node, when known ("eth0")
  // The veth's peer in the node's namespace; nullopt when the peer is not visible from here
  // (pod mode, or a pod of another node).
  std::optional<netns::Interface> host_veth;
  std::string host_bridge;  // the bridge the peer is enslaved to, when any
};

// The facts discovery already read for a pod: its links and, when `node_links` is given (node
// mode), its veth's peer on the node and that peer's bridge.
[[nodiscard]] PodLinkFacts pod_link_facts(const netns::NetnsInfo& pod,
                                          const netns::LinkSnapshot* node_links);

// The interface the pod talks through: the known veth, else the default route's, else the
// first interface with an IPv4 address, else the first that is not loopback.
[[nodiscard]] const netns::Interface* pod_interface(const PodLinkFacts& facts);

[[nodiscard]] std::vector<report::Check> evaluate_pod_layer(const PodLinkFacts& facts,
                                                            const std::string& source);

// `ip link`-like one-line description used as evidence: "eth0: mtu 1500 state UP <UP,LOWER_UP>".
[[nodiscard]] std::string describe(const netns::Interface& itf);

}  // namespace netdoctor::probes
