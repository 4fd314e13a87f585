// What discovery read of a pod's links, joined with the node's view of its veth: the pod's own
// interfaces, its veth's peer on the node and the bridge that peer is a port of. Read by the pod
// layer, the same-node layer, the service layer's bridge port, the path picture and `trace`;
// gathered once per pod in the diagnosis's scene (probes/scene.h).
#pragma once

#include <optional>
#include <string>

#include "netns/discover.h"
#include "netns/links.h"

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

}  // namespace netdoctor::probes
