// Which Services matter to one source pod, and what is known about each: the cluster's ones
// (inventory), or the node's rules' ones when there is no inventory. Pure: no I/O.
//
// Order decides what is probed when there are more than max_services: Services named with --to
// first, then kube-dns and kubernetes (every pod depends on them), then those the pod's
// environment references, then the others with endpoints, then those without.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "probes/service/service_facts.h"
#include "rules/services.h"

namespace netdoctor::probes {

struct SelectInput {
  const inventory::Inventory* inventory = nullptr;
  const std::vector<rules::ServiceRule>* rules = nullptr;  // null: not read (pod mode)
  std::map<std::string, std::string> environ;              // the source pod's environment
  std::string source_namespace;                            // "default"; empty when unknown
  std::vector<std::string> to_services;  // --to: "ns/name", "name", a ClusterIP[:port]
  std::size_t max_services = 20;
};

// Every Service port of the inventory (or of the rules), ordered as above; those of Services
// beyond max_services carry probe = false.
[[nodiscard]] std::vector<ServiceTarget> select_targets(const SelectInput& in);

// The kubelet's service-link variable for a Service name: "kube-dns" → "KUBE_DNS_SERVICE_HOST".
[[nodiscard]] std::string service_host_variable(const std::string& service_name);

}  // namespace netdoctor::probes
