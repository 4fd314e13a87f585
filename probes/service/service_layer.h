// Layer `service`: from a source pod, the Services it depends on work. On the node the proxy
// rules are compared with the EndpointSlices (service-rules-missing, endpoints-stale); from the
// pod each ClusterIP is connected to several times and each endpoint directly
// (endpoint-unreachable), a Service without endpoints is named (service-no-endpoints), and a pod
// that is an endpoint of a Service must reach itself through it (hairpin-broken, corroborated
// by its bridge port's hairpin flag on the node).
//
// Collect (service_select, service_probe, bridge_port), then interpret (service_eval).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "netns/links.h"
#include "probes/layer.h"
#include "probes/net/pod_links.h"
#include "probes/service/service_facts.h"
#include "probes/sources.h"
#include "report/model.h"
#include "rules/read.h"

namespace netdoctor::probes {

struct ServiceContext {
  const inventory::Inventory* inventory = nullptr;  // may be null: the rules' Services are used
  const rules::RuleSnapshot* rules = nullptr;       // null in pod mode: no rules comparison
  const netns::LinkSnapshot* node_links = nullptr;  // null in pod mode: no bridge-port flags
  std::string rules_error;                          // why `rules` is null on a node
  // rules::services(*rules), made once per diagnosis for every source; set whenever `rules` is.
  const std::vector<rules::ServiceRule>* rule_services = nullptr;
  // The pods' link facts, by namespace path, as the scene gathered them; null: read from the
  // source's discovery facts.
  const std::map<std::string, PodLinkFacts>* pod_links = nullptr;
};

struct ServiceOptions {
  std::chrono::milliseconds timeout{1000};
  std::size_t max_services = 20;         // Services probed per source (kube-dns, kubernetes first)
  std::vector<std::string> to_services;  // --to: "ns/name", "name" or a ClusterIP
  std::size_t sources = 1;               // how many sources the run probes from
  // The other layers of the run: with more than kFewSources sources, a Service whose backend
  // such a layer probes itself (kube-dns, default/kubernetes) is not connected to twice.
  std::vector<std::string> other_layers;
};

// Everything the checks are made from, read and probed for one source.
[[nodiscard]] ServiceFacts collect_service_facts(const SourcePod& src, const ServiceContext& ctx,
                                                 const ServiceOptions& o);

// collect_service_facts, then evaluate_service_layer; each check carries the layer's duration.
[[nodiscard]] std::vector<report::Check> run_service_layer(const SourcePod& src,
                                                           const ServiceContext& ctx,
                                                           const ServiceOptions& o);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_service_layer(const Scene& scene,
                                                            const DiagnoseOptions& options);

}  // namespace netdoctor::probes
