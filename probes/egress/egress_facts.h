// What the egress layer learns about one --egress target from one pod: the URL, how its name
// resolved through the pod's resolver, the routes in the pod and on the node, the TCP/TLS/HTTP
// phases, the node's masquerade for the flow and the pod's proxy variables. Collected in the
// pod's namespace (egress_probe), judged by pure code (egress_eval).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/egress/url.h"
#include "probes/net/masquerade.h"
#include "probes/net/phase.h"
#include "probes/net/resolver.h"

namespace netdoctor::probes {

// The outcome of the connection itself (TCP, then TLS and HTTP for http(s) URLs).
struct ProbeOutcome {
  bool ran = false;
  bool ok = false;
  Phase phase = Phase::kConnect;  // where it failed, when !ok
  std::string detail;             // "refused (...)", curl's words, ...
  PhaseTimes times;
  long http_status = 0;
  std::string local;  // the source address the pod used
};

struct EgressFacts {
  std::string source;     // the source pod's display name
  std::string url_text;   // as given
  std::string url_error;  // the URL could not be parsed: why
  EgressUrl url;

  // Resolution through the pod's nameservers (names only).
  bool resolved_needed = false;
  std::vector<std::string> nameservers;
  std::optional<dns::DnsAnswer> dns;
  std::string target_ip;  // the literal, or the first A record

  // Routes: nullopt when not looked at (no snapshot), "" when there is none.
  std::optional<std::string> pod_route;
  std::optional<std::string> node_route;

  ProbeOutcome probe;
  SnatVerdict snat;
  std::vector<std::string> proxy_env;  // "HTTPS_PROXY=http://proxy:3128" as the pod has them
  std::string not_probed;              // why nothing could be asked from the pod
  long long duration_ms = 0;
};

}  // namespace netdoctor::probes
