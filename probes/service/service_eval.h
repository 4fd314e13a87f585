// Judges the service layer's facts (service_facts.h) into checks. Pure, so every verdict can be
// tested on hand-made or recorded facts:
//   service.rules:<ns/svc:port>      the node's proxy rules vs the EndpointSlices
//   service.clusterip:<ns/svc:port>  connects through the ClusterIP (or why there are none)
//   service.endpoint:<ip:port>       a direct connect to each endpoint
//   service.hairpin:<ns/svc:port>    the source reaching itself through its own Service
// A ClusterIP failure that another check explains points at it with explained_by.
#pragma once

#include <string>
#include <vector>

#include "probes/service/service_facts.h"
#include "report/model.h"

namespace netdoctor::probes {

[[nodiscard]] std::vector<report::Check> evaluate_service_layer(const ServiceFacts& facts);

// The layer that judges a Service's backend itself ("dns" for kube-system/kube-dns, "apiserver"
// for default/kubernetes), else empty.
[[nodiscard]] std::string owner_layer(const std::string& service);

// True when the source pod's address is one of the target's endpoints (hairpin traffic).
[[nodiscard]] bool source_is_endpoint(const ServiceTarget& t, const std::string& source_ip);

}  // namespace netdoctor::probes
