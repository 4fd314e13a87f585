// Compares the Services the rules implement with the cluster's inventory: a Service with no
// rules at all (service-rules-missing), endpoints in the rules that no EndpointSlice lists any
// more and ready endpoints the rules lack (endpoints-stale).
#pragma once

#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "rules/services.h"

namespace netdoctor::rules {

enum class DiffKind {
  kServiceMissing,   // no rule for ClusterIP:port/proto
  kEndpointStale,    // in the rules, not a ready endpoint of any EndpointSlice
  kEndpointMissing,  // a ready endpoint the rules do not lead to
};

struct ServiceDiff {
  DiffKind kind = DiffKind::kServiceMissing;
  std::string service;  // "ns/name"
  std::string port_name;
  std::string ip;
  int port = 0;
  std::string protocol;  // lower case
  std::string endpoint;  // "ip:port" for endpoint differences
  std::string summary;   // one line for a report's evidence
};

[[nodiscard]] std::vector<ServiceDiff> compare_with_inventory(
    const std::vector<ServiceRule>& rules, const inventory::Inventory& inventory);

}  // namespace netdoctor::rules
