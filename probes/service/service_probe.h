// The service layer's connects, all made at once from inside the source pod's namespace: a few
// through each ClusterIP (kube-proxy picks an endpoint at random per connection, so several
// attempts meet each endpoint) and one straight to each endpoint. A faulty Service costs about
// one timeout, a healthy one a few milliseconds.
#pragma once

#include <chrono>

#include "netns/netns.h"
#include "probes/service/service_facts.h"

namespace netdoctor::probes {

// Connects through the ClusterIP: twice per endpoint, 2 to 8; 12 when the source is itself an
// endpoint, so a hairpin failure (met with the source's share of the DNAT) is seen reliably.
// When many sources probe (node mode on a node of more than kFewSources pods), 2 each: together
// they meet every endpoint, and a backend is not asked a hundred times per run.
inline constexpr std::size_t kFewSources = 4;
[[nodiscard]] int cluster_ip_attempts(const ServiceTarget& t, const std::string& source_ip,
                                      std::size_t sources = 1);

// Fills targets[].via_cluster_ip and facts.endpoints for every target with probe set, TCP and
// endpoints. A probe that cannot run is recorded with its error.
void run_service_probes(const netns::Netns& ns, ServiceFacts& facts,
                        std::chrono::milliseconds timeout, std::size_t sources = 1);

}  // namespace netdoctor::probes
