// Which Services matter to one source pod, and what is known about each: the cluster's ones
// (inventory), or the node's rules' ones when there is no inventory. Pure: no I/O.
//
// Order decides what is probed when there are more than max_services: Services named with --to
// first, then kube-dns and kubernetes (every pod depends on them), then those the pod's
// environment references, then the others with endpoints, then those without. A Service port
// with more than max_endpoints ready endpoints keeps a sample of them (probes/limits.h).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "probes/limits.h"
#include "probes/service/service_facts.h"
#include "rules/services.h"

namespace netdoctor::probes {

struct SelectInput {
  const inventory::Inventory* inventory = nullptr;
  const std::vector<rules::ServiceRule>* rules = nullptr;  // null: not read (pod mode)
  std::map<std::string, std::string> environ;              // the source pod's environment
  std::string source_namespace;                            // "default"; empty when unknown
  std::string source_ip;                 // the source pod's address: its own endpoint is kept
  std::vector<std::string> to_services;  // --to: "ns/name", "name", a ClusterIP[:port]
  std::size_t max_services = kMaxServicesPerSource;
  std::size_t max_endpoints = kMaxEndpointsPerService;
};

// Every Service port of the inventory (or of the rules), ordered as above; those of Services
// beyond max_services carry probe = false (and no `cut` or `left_to`). Each keeps at most
// max_endpoints endpoints (endpoints_total says how many it had): the source's own first (its
// hairpin is judged with it), then in the EndpointSlices' (or rules') order.
[[nodiscard]] std::vector<ServiceTarget> select_targets(const SelectInput& in);

// At most `max` of `endpoints` ("ip:port"): those of `source_ip` first, then in order.
[[nodiscard]] std::vector<std::string> sample_endpoints(const std::vector<std::string>& endpoints,
                                                        const std::string& source_ip,
                                                        std::size_t max);

// The kubelet's service-link variable for a Service name: "kube-dns" → "KUBE_DNS_SERVICE_HOST".
[[nodiscard]] std::string service_host_variable(const std::string& service_name);

}  // namespace netdoctor::probes
