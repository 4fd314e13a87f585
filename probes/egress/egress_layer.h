// Layer `egress`: can the pod reach each --egress target outside the cluster? For every URL,
// from inside the pod's network namespace: resolve the name through the pod's own resolver,
// look up the route in the pod and on the node, connect (TCP), handshake (TLS) and GET
// (HTTP), all bounded by the per-probe timeout; on the node, judge whether a masquerade rule
// covers pod → target. Targets are probed at once: the layer costs about its slowest target.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "netns/links.h"
#include "probes/layer.h"
#include "probes/sources.h"
#include "report/model.h"
#include "rules/read.h"

namespace netdoctor::probes {

struct EgressContext {
  const inventory::Inventory* inventory = nullptr;  // may be null
  const rules::RuleSnapshot* rules = nullptr;       // the node's rules; null in pod mode
  const netns::LinkSnapshot* node_links = nullptr;  // the node's routes; null in pod mode
};

struct EgressOptions {
  std::chrono::milliseconds timeout{1000};  // per phase-bounded probe (DNS, then connection)
  std::vector<std::string> egress_urls;     // --egress, as given
};

// One check per URL (id "egress.<url>"), or a single skip check when no URL is given. An
// exception is left to the scheduler, which makes it a skip check; returns within about twice
// the timeout (resolution, then the connection).
[[nodiscard]] std::vector<report::Check> run_egress_layer(const SourcePod& src,
                                                          const EgressContext& context,
                                                          const EgressOptions& options);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_egress_layer(const Scene& scene,
                                                           const DiagnoseOptions& options);

}  // namespace netdoctor::probes
