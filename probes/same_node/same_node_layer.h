// Layer `same-node`: pods on this node reach each other across the bridge, and the node
// reaches them. Probes run inside the source pod's namespace (ICMP echo); a failure is
// narrowed down with the source's neighbour table (ARP) before it is called unreachable.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netns/links.h"
#include "probes/layer.h"
#include "probes/net/capture.h"
#include "probes/net/icmp.h"
#include "probes/sources.h"
#include "report/model.h"
#include "rules/evaluate.h"

namespace netdoctor::probes {

// One probe from a source to a target, with what was seen around it.
struct PairProbe {
  std::string target;  // display name of the target ("default/web-1", "node")
  std::string target_ip;
  std::optional<EchoResult> echo;             // nullopt when the probe could not run
  std::string error;                          // why it could not run (e.g. CAP_NET_RAW missing)
  std::optional<netns::Neighbour> neighbour;  // the source's ARP entry for the target
  long long duration_ms = 0;
  // The no-NAT invariant: what the receiver saw as the probe's source, captured in its netns.
  bool captured = false;                      // a capture was attempted
  std::string capture_error;                  // why it could not run
  std::optional<std::string> seen_source;     // nullopt: the probe never arrived
  std::vector<std::string> expected_sources;  // the sender's own addresses
  // The target pod's own failing pod-layer check (its link down, no address...), when any:
  // the most specific reason it does not answer.
  std::optional<report::Check> target_fault;
  // The node's FORWARD chain stops the flow: the rule (or policy) that does.
  std::optional<rules::Decision> forward_block;
};

// What the node contributes; everything empty or null in pod mode.
struct SameNodeContext {
  std::vector<std::string> node_ips;                // the node's addresses: it probes each source
  const netns::LinkSnapshot* node_links = nullptr;  // to see the targets' veth peers
  const rules::Ruleset* rules = nullptr;            // to explain a failure by a FORWARD drop
  // The peers' link facts, by namespace path, as the scene gathered them; null: read from
  // each peer's discovery facts.
  const std::map<std::string, PodLinkFacts>* pod_links = nullptr;
};

struct SameNodeOptions {
  std::chrono::milliseconds timeout{1000};
  std::size_t max_targets = 8;  // peers probed per source before sampling
};

// The peers `src` probes among this node's pods. Up to max_targets + 1 pods: every other pod
// (all pairs). On a bigger node, a sample so that the node costs a few probes per pod, not the
// square of its pods, and every pod is still a target: the pods as a ring, each probing the
// ones 1, 2 and half the ring after it (3 peers; every pod is the target of 3 others). A source
// that is not among the pods probes the first max_targets.
[[nodiscard]] std::vector<const SourcePod*> same_node_peers(const std::vector<SourcePod>& pods,
                                                            const SourcePod& src,
                                                            std::size_t max_targets);

// The checks for one source's probes; `id_prefix` is "same-node.ping" or "same-node.node".
[[nodiscard]] std::vector<report::Check> evaluate_same_node(const std::string& source,
                                                            const std::vector<PairProbe>& probes,
                                                            const std::string& id_prefix);

// Probes every other local pod from `src` (in its namespace), watching each probe arrive in the
// receiver's namespace; and, when `node_ips` (the node's own addresses) is not empty, `src` from
// the node. All probes run concurrently.
[[nodiscard]] std::vector<report::Check> run_same_node_layer(const SourcePod& src,
                                                             const std::vector<SourcePod>& peers,
                                                             const SameNodeContext& context,
                                                             const SameNodeOptions& options);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_same_node_layer(const Scene& scene,
                                                              const DiagnoseOptions& options);

}  // namespace netdoctor::probes
