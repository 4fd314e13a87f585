// Layer `cross-node`: pods reach pods on other nodes. From inside the source pod: a small ICMP
// echo, then a full-size one with DF set at the pod's MTU ("small passes, full size vanishes"
// is an MTU black hole). When the small one fails, the node explains why: no route to the
// remote pod CIDR, no VXLAN neighbour/FDB entry for the remote VTEP, or an underlay that does
// not carry the encapsulated traffic although the remote node answers.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "netns/discover.h"
#include "netns/links.h"
#include "probes/layer.h"
#include "probes/net/icmp.h"
#include "probes/scene.h"
#include "probes/sources.h"
#include "report/model.h"

namespace netdoctor::probes {

// What the node knows about reaching other nodes; absent in pod mode.
struct NodeView {
  netns::LinkSnapshot links;
  std::vector<netns::Neighbour> neighbours;
  std::vector<netns::FdbEntry> fdb;
};

struct CrossProbe {
  RemoteTarget target;
  std::optional<EchoResult> small;
  std::optional<EchoResult> full;  // only when the small one was answered
  int full_size = 0;
  std::string error;                    // why the probe could not run
  std::optional<EchoResult> node_ping;  // node → remote node over the underlay
  long long duration_ms = 0;
};

struct CrossNodeOptions {
  std::chrono::milliseconds timeout{1000};
  std::size_t max_targets = 8;
};

// Pure: the checks for one source's probes, explained with the node's view when there is one.
[[nodiscard]] std::vector<report::Check> evaluate_cross_node(const std::string& source,
                                                             const std::vector<CrossProbe>& probes,
                                                             const NodeView* node);

// Reads the node's routes, neighbours and FDB from the prober's own namespace.
[[nodiscard]] Result<NodeView> read_node_view();

// Probes every target from inside the source pod: a small echo, then (when it is answered) a
// full-size one with DF set at the MTU of the pod's interface.
[[nodiscard]] std::vector<CrossProbe> probe_remote_pods(const SourcePod& src,
                                                        const std::vector<RemoteTarget>& targets,
                                                        const CrossNodeOptions& options);

// Pings each remote node's underlay address once, from the prober's (the node's) namespace.
[[nodiscard]] std::map<std::string, EchoResult> ping_remote_nodes(
    const std::vector<RemoteTarget>& targets, const CrossNodeOptions& options);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_cross_node_layer(const Scene& scene,
                                                               const DiagnoseOptions& options);

}  // namespace netdoctor::probes
