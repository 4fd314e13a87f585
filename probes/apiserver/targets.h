// Where a pod finds the API server, as its client libraries do: the KUBERNETES_SERVICE_HOST and
// _PORT the kubelet put in its environment (else the inventory's default/kubernetes ClusterIP,
// else the node's proxy rules for it), the DNS name kubernetes.default.svc.<domain>, and the
// endpoints behind the Service (the inventory's EndpointSlices, else the rules' DNAT targets).
// Probing them all tells the Service path, DNS and the API server itself apart. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "rules/services.h"

namespace netdoctor::probes {

enum class ApiTargetKind { kClusterIp, kDnsName, kEndpoint };

struct ApiTarget {
  ApiTargetKind kind = ApiTargetKind::kClusterIp;
  std::string id;    // "apiserver.clusterip", "apiserver.dns-name", "apiserver.endpoint:<ip>"
  std::string host;  // what the URL names (and the certificate must name): an IP or the name
  std::string ip;    // the address to connect to; empty for the name until it is resolved
  int port = 443;
  std::string origin;  // where it came from, for evidence
};

struct ApiTargetInputs {
  std::map<std::string, std::string> environ;                 // the pod's
  const inventory::Inventory* inventory = nullptr;            // may be null
  const std::vector<rules::ServiceRule>* services = nullptr;  // the node's proxy rules, or null
  std::string cluster_domain;  // from the pod's search list; may be empty
};

[[nodiscard]] std::vector<ApiTarget> plan_api_targets(const ApiTargetInputs& in);

}  // namespace netdoctor::probes
