#include "probes/apiserver/apiserver_probe.h"

#include "probes/net/phase.h"

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
  out.http = http_get(req, {"/readyz", "/version"});
  if (!out.http.empty() && is_certificate_failure(out.http.front().curl_code)) {
    out.chain = fetch_peer_chain(req);
  }
  return done();
}

}  // namespace netdoctor::probes
