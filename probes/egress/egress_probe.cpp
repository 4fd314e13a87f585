#include "probes/egress/egress_probe.h"

#include <curl/curl.h>

#include "probes/net/http.h"
#include "probes/net/tcp.h"

namespace netdoctor::probes {
namespace {

ProbeOutcome tcp_probe(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  ProbeOutcome o;
  o.ran = true;
  o.phase = Phase::kConnect;
  auto r = tcp_connect(ip, port, timeout);
  if (!r) {
    o.phase = Phase::kSetup;
    o.detail = r.error().message();
    return o;
  }
  o.ok = r->outcome == ConnectOutcome::kConnected;
  o.detail = std::string(to_string(r->outcome)) + (r->detail.empty() ? "" : " (" + r->detail + ")");
  o.local = r->local;
  o.times.connect_us = r->elapsed.count();
  o.times.total_us = r->elapsed.count();
  return o;
}

ProbeOutcome http_probe(const EgressPlan& plan, const std::string& ip) {
  HttpRequest req;
  req.url = plan.url.request_url();
  if (!plan.url.host_is_ip) req.connect_ip = ip;
  req.ca_pem = plan.ca_pem;
  req.timeout = plan.timeout;
  const bool tls = plan.url.scheme == EgressScheme::kHttps;
  const auto results = http_get(req);
  const HttpResult& r = results.front();
  ProbeOutcome o =
      r.ok() ? ProbeOutcome{}
             : outcome_from_http(r.curl_code, r.error, r.os_errno, r.times, tls, plan.timeout);
  o.ran = true;
  o.ok = r.ok();
  o.times = r.times;
  o.http_status = r.http_status;
  o.local = r.local_ip;
  return o;
}

}  // namespace

ProbeOutcome outcome_from_http(int curl_code, const std::string& error, int os_errno,
                               const PhaseTimes& times, bool tls,
                               std::chrono::milliseconds timeout) {
  ProbeOutcome o;
  o.ran = true;
  o.phase = classify_failure(curl_code, times, tls);
  if (o.phase == Phase::kConnect) {
    o.detail = curl_code == CURLE_OPERATION_TIMEDOUT
                   ? "no answer within " + std::to_string(timeout.count()) + " ms"
                   : describe_connect_errno(os_errno);
  } else {
    o.detail = error;
  }
  o.times = times;
  return o;
}

EgressInPod probe_egress_in_pod(const EgressPlan& plan) {
  const auto start = std::chrono::steady_clock::now();
  EgressInPod out;
  auto done = [&] {
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return out;
  };
  out.target_ip = plan.url.host;
  if (!plan.url.host_is_ip) {
    dns::DnsQuery q;
    q.name = plan.url.host;
    for (const auto& ns : plan.nameservers) q.servers.push_back({ns, 53});
    q.search = true;  // as the application's resolver would ask
    q.domains = plan.search;
    q.ndots = plan.ndots;
    auto answers = dns::resolve_all({q}, plan.timeout);
    out.dns = answers.empty() ? dns::DnsAnswer{} : answers.front();
    if (out.dns->outcome != dns::Outcome::kAnswer || out.dns->addresses.empty()) return done();
    out.target_ip = out.dns->addresses.front();
  }
  out.probe = plan.url.scheme == EgressScheme::kTcp
                  ? tcp_probe(out.target_ip, plan.url.port, plan.timeout)
                  : http_probe(plan, out.target_ip);
  return done();
}

}  // namespace netdoctor::probes
