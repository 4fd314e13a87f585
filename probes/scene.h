// The scene: everything a diagnosis knows before it probes, gathered once and read by every
// layer and by the path picture. Discovery, the inventory, the node's rules and the Services
// they implement, this node's pods with their link facts, the pods of other nodes to reach.
// Immutable once gathered: layers only read it (from many threads at once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "netns/discover.h"
#include "netns/links.h"
#include "netns/mode.h"
#include "probes/net/pod_links.h"
#include "probes/options.h"
#include "probes/sources.h"
#include "rules/read.h"
#include "rules/services.h"

namespace netdoctor::probes {

// A pod (or pod-network address) on another node.
// Pods probed per other node when the inventory lists them (remote_targets).
inline constexpr std::size_t kPodsPerNode = 2;

struct RemoteTarget {
  std::string display;  // "default/web-2" or "10.244.2.0 (node2's pod network)"
  std::string ip;
  std::string node;      // the remote node's name, when known
  std::string node_ip;   // its underlay address, when known
  std::string pod_cidr;  // its pod CIDR, when known
};

// Remote targets: with an inventory, up to two running pods per other node (one pod that does
// not answer is then told apart from a path that carries nothing: an inventory may name a pod
// that is gone); without, one address per
// remote pod CIDR the node routes (the gateway of an overlay route, else the CIDR's .1).
[[nodiscard]] std::vector<RemoteTarget> remote_targets(const inventory::Inventory* inventory,
                                                       const std::string& this_node,
                                                       const netns::LinkSnapshot& node_links);

// The cluster DNS Service (kube-system/kube-dns) as the inventory lists it.
struct ClusterDns {
  struct Endpoint {
    std::string ip;
    std::string pod;  // "kube-system/coredns-0" when the inventory names it
    std::uint16_t udp_port = 53;
    std::uint16_t tcp_port = 53;
  };
  std::string service;  // "kube-system/kube-dns"
  std::string ip;       // its ClusterIP
  std::uint16_t udp_port = 53;
  std::uint16_t tcp_port = 53;
  std::vector<Endpoint> endpoints;  // ready endpoints, with their target ports
};

// kube-system/kube-dns from the inventory; nullopt without one, or when it has no ClusterIP.
[[nodiscard]] std::optional<ClusterDns> find_cluster_dns(const inventory::Inventory* inventory);

// What the caller knows when it asks for a diagnosis.
struct DiagnoseContext {
  netns::RunMode mode = netns::RunMode::kNode;
  std::string node;
  const netns::Discovery* discovery = nullptr;
  const inventory::Inventory* inventory = nullptr;  // may be null
  // The node's proxy and filter rules; read in node mode when left null.
  const rules::RuleSnapshot* rules = nullptr;
};

struct Scene {
  netns::RunMode mode = netns::RunMode::kNode;
  std::string node;
  netns::Discovery discovery;
  std::optional<inventory::Inventory> inventory;
  std::optional<rules::RuleSnapshot> rules;
  std::string rules_error;  // why `rules` is empty on a node (e.g. "... needs CAP_NET_ADMIN")
  // rules::services(*rules), when a selected layer needs them (service, apiserver).
  std::optional<std::vector<rules::ServiceRule>> rule_services;
  std::vector<SourcePod> sources;            // the pods probed from, in the order asked
  std::vector<SourcePod> local_pods;         // every pod of this node discovery saw
  std::vector<RemoteTarget> remote_targets;  // pods (or pod networks) of other nodes
  std::optional<ClusterDns> cluster_dns;     // read by the dns layer and the path picture
  // Link facts of every local pod and source, by network namespace path.
  std::map<std::string, PodLinkFacts> pod_links;

  [[nodiscard]] bool on_node() const { return mode == netns::RunMode::kNode; }
  [[nodiscard]] const inventory::Inventory* inv() const {
    return inventory ? &*inventory : nullptr;
  }
  [[nodiscard]] const rules::RuleSnapshot* rule_snapshot() const {
    return rules ? &*rules : nullptr;
  }
  [[nodiscard]] const std::vector<rules::ServiceRule>* services() const {
    return rule_services ? &*rule_services : nullptr;
  }
  // The node's links in node mode; null in pod mode (the prober's namespace is the pod's).
  [[nodiscard]] const netns::LinkSnapshot* node_links() const {
    return on_node() ? &discovery.self_links : nullptr;
  }
  // The link facts of a pod the scene gathered (a source or a local pod).
  [[nodiscard]] const PodLinkFacts& links_of(const netns::NetnsInfo& pod) const;
};

// Gathers the scene: copies what the caller gave, reads the node's rules in node mode when not
// given (a failure is kept as rules_error: only the checks that judge rules are skipped), and
// derives the rest once.
[[nodiscard]] Scene gather_scene(const std::vector<SourcePod>& sources,
                                 const DiagnoseContext& context, const DiagnoseOptions& options);

}  // namespace netdoctor::probes
