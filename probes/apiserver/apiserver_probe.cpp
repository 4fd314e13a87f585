#include "probes/apiserver/apiserver_probe.h"

#include <curl/curl.h>

#include "probes/net/gate.h"
#include "probes/net/phase.h"
#include "probes/net/tcp.h"

namespace netdoctor::probes {

ApiProbeResult probe_apiserver_in_pod(const ApiProbePlan& plan) {
  const auto start = std::chrono::steady_clock::now();
  ApiProbeResult out;
  auto done = [&] {
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return out;
  };
  out.ip = plan.target.ip;
  if (plan.target.kind == ApiTargetKind::kDnsName) {
    dns::DnsQuery q;
    q.name = plan.target.host;  // fully qualified: no search list
    for (const auto& ns : plan.nameservers) q.servers.push_back({ns, 53});
    auto answers = dns::resolve_all({q}, plan.timeout);
    out.dns = answers.empty() ? dns::DnsAnswer{} : answers.front();
    if (out.dns->outcome != dns::Outcome::kAnswer || out.dns->addresses.empty()) return done();
    out.ip = out.dns->addresses.front();
  }
  HttpRequest req;
  req.url = "https://" + plan.target.host + ":" + std::to_string(plan.target.port);
  if (plan.target.kind == ApiTargetKind::kDnsName) req.connect_ip = out.ip;
  req.ca_pem = plan.ca_pem;
  req.bearer_token = plan.token;
  req.timeout = plan.timeout;
  // Spaced by the probe gate like any connect: every pod of the node asks the API server at
  // once, and it does each TLS handshake on its CPU. The permit is not held for the request
  // (a handshake takes longer than a connect and would serialise a 100-pod node's requests);
  // a request that still times out is asked again below.
  auto get = [&] {
    ProbeGate::instance().acquire(ProbeKind::kConnect, out.ip, plan.behind).release();
    return http_get(req, {"/readyz", "/version"});
  };
  out.http = get();
  // A timeout is confirmed before it counts, as a connect's is: asked again, with longer to
  // answer. A busy server answers then, a dead path does not.
  if (!out.http.empty() && out.http.back().curl_code == CURLE_OPERATION_TIMEDOUT) {
    out.first_attempt = out.http.back().error;
    req.timeout = std::max(plan.timeout, kConfirmTimeout);
    out.http = get();
  }
  if (!out.http.empty() && is_certificate_failure(out.http.front().curl_code)) {
    out.chain = fetch_peer_chain(req);
  }
  return done();
}

}  // namespace netdoctor::probes
