// Layer `apiserver`: can the pod talk to the API server the way its client libraries do? From
// inside the pod's network namespace, at once for each target (the ClusterIP of its
// environment, the name kubernetes.default.svc.<domain> resolved through the pod's nameserver,
// each real endpoint): TCP connect, TLS verified against the pod's service-account ca.crt
// (IP or name SAN checked), GET /readyz and /version with the pod's token. Each phase is
// timed; failures are named by phase and target.
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

struct ApiserverContext {
  const inventory::Inventory* inventory = nullptr;  // may be null: environment and rules
  const rules::RuleSnapshot* rules = nullptr;       // the node's rules; null in pod mode
  const netns::LinkSnapshot* node_links = nullptr;  // the node's routes; null in pod mode
  // rules::services(*rules), made once per diagnosis for every source; null in pod mode.
  const std::vector<rules::ServiceRule>* rule_services = nullptr;
};

struct ApiserverOptions {
  std::chrono::milliseconds timeout{1000};  // per phase-bounded probe (DNS, then HTTPS)
};

// One check per target ("apiserver.clusterip", "apiserver.dns-name",
// "apiserver.endpoint:<ip>"), or one skip check when the pod cannot be probed (no process to
// read its service account through, no target known). An exception is left to the scheduler
// (probes/diagnose.cpp), which makes it a skip check; returns within about
// twice the timeout.
[[nodiscard]] std::vector<report::Check> run_apiserver_layer(const SourcePod& src,
                                                             const ApiserverContext& context,
                                                             const ApiserverOptions& options);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_apiserver_layer(const Scene& scene,
                                                              const DiagnoseOptions& options);

}  // namespace netdoctor::probes
