// The part of an API server probe that runs inside the pod's network namespace: resolve the
// cluster name through the pod's nameserver (for the DNS-name target), then GET /readyz and
// /version over TLS verified against the pod's service-account CA, with its token. When the
// certificate is not trusted, a second handshake with verification off fetches the chain the
// server presents, only to report it. Call from a thread inside the pod's namespace.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probes/apiserver/targets.h"
#include "probes/net/http.h"
#include "probes/net/resolver.h"

namespace netdoctor::probes {

struct ApiProbePlan {
  ApiTarget target;
  std::vector<std::string> nameservers;  // the pod's, for the DNS-name target
  std::string ca_pem;                    // the pod's service-account ca.crt
  std::string token;                     // the pod's service-account token
  std::chrono::milliseconds timeout{1000};
  // The addresses a request to the target really reaches (the API server's endpoints behind a
  // ClusterIP or name): requests are gated against them too (probes/net/gate.h).
  std::vector<std::string> behind;
};

struct ApiProbeResult {
  std::optional<dns::DnsAnswer> dns;  // only for the DNS-name target
  std::string ip;                     // the address connected to
  std::vector<HttpResult> http;       // /readyz, then /version when /readyz got an answer
  std::vector<PeerCert> chain;        // only when the certificate was not trusted
  // Set when the first request timed out and was asked again (with kConfirmTimeout): what the
  // first one said. `http` then holds the second one's results.
  std::string first_attempt;
  // The whole probe, measured on the probing thread: this target's own cost.
  std::chrono::milliseconds elapsed{0};
};

[[nodiscard]] ApiProbeResult probe_apiserver_in_pod(const ApiProbePlan& plan);

}  // namespace netdoctor::probes
