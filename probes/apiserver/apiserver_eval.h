// Judges the API server probes of one pod into checks: apiserver-unreachable (naming the
// phase and the target), apiserver-tls-untrusted (the server's subject and issuer next to the
// CA the pod expects), apiserver-unauthorized (401/403 to the pod's token). Across targets:
// a ClusterIP (or name) that fails while an endpoint answers directly is the Service path's
// fault ("cause: service"); an endpoint outside the pod network that the node does not
// masquerade to explains them all ("cause: egress-no-snat"). Pure.
#pragma once

#include <string>
#include <vector>

#include "probes/apiserver/apiserver_probe.h"
#include "probes/net/masquerade.h"
#include "report/model.h"

namespace netdoctor::probes {

struct ApiFacts {
  ApiTarget target;
  ApiProbeResult result;
  std::string not_probed;  // why the probe did not run or finish
  long long duration_ms = 0;
};

struct ApiPodFacts {
  std::string source;
  std::vector<std::string> ca_subjects;  // what the pod's ca.crt holds
  std::string ca_problem;                // why there is no CA to verify against
  std::string token_problem;             // why no token is sent
  std::string
      secrets_from;  // the container the token and CA were read from ("container app (pid 9)")
  SnatVerdict snat;  // pod → the first endpoint, judged on the node
  std::vector<ApiFacts> targets;
};

// How one target's probe ended, before cross-target reasoning.
enum class ApiVerdict { kOk, kUnreachable, kTlsUntrusted, kUnauthorized, kNotReady, kNotProbed };

[[nodiscard]] ApiVerdict verdict_of(const ApiFacts& facts);

[[nodiscard]] std::vector<report::Check> evaluate_apiserver(const ApiPodFacts& pod);

// "v1.30.2" from a /version body; empty when there is none.
[[nodiscard]] std::string git_version(const std::string& body);

}  // namespace netdoctor::probes
