// The part of an egress probe that runs inside the pod's network namespace: resolve the
// target's name through the pod's nameservers (c-ares, explicit servers, the pod's search list
// and ndots), then connect (tcp://) or GET (http://, https://) with curl pinned to that address.
// Call from a thread inside the pod's namespace (netns::run_in): every socket binds there.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probes/egress/egress_facts.h"
#include "probes/egress/url.h"
#include "probes/net/resolver.h"

namespace netdoctor::probes {

struct EgressPlan {
  EgressUrl url;
  std::vector<std::string> nameservers;  // the pod's (glibc uses the first three)
  std::vector<std::string> search;
  int ndots = 1;
  std::string ca_pem;  // the pod's CA bundle for https://; empty: the prober's default
  std::chrono::milliseconds timeout{1000};
};

struct EgressInPod {
  std::optional<dns::DnsAnswer> dns;  // asked only for names
  std::string target_ip;
  ProbeOutcome probe;  // not run when the name did not resolve
  // Resolution and connection together, measured on the probing thread: the target's own
  // cost, whatever the other targets waited for.
  std::chrono::milliseconds elapsed{0};
};

[[nodiscard]] EgressInPod probe_egress_in_pod(const EgressPlan& plan);

// A transport failure as a ProbeOutcome: the phase from curl's code and timings, the detail in
// a person's words. Pure.
[[nodiscard]] ProbeOutcome outcome_from_http(int curl_code, const std::string& error, int os_errno,
                                             const PhaseTimes& times, bool tls,
                                             std::chrono::milliseconds timeout);

}  // namespace netdoctor::probes
