#include "probes/egress/egress_eval.h"

#include "core/redact.h"
#include "core/text.h"

namespace netdoctor::probes {
namespace {

using report::Status;

// A proxy value longer than this is shown cut (a pod's environment may hold anything, and the
// value is copied into every egress check of the pod).
constexpr std::size_t kMaxProxyValueBytes = 256;

void fail_with(report::Check& c, report::Code code, const std::string& summary) {
  c.status = Status::kFail;
  c.code = code;
  c.summary = summary;
}

std::string phase_text(const ProbeOutcome& p) {
  return std::string(to_string(p.phase)) + ": " + p.detail;
}

// The connection failed: without masquerade that is the cause, else the phase says where.
void judge_failed_probe(report::Check& c, const EgressFacts& f) {
  const std::string where = f.url.host + ":" + std::to_string(f.url.port);
  c.evidence.push_back("failed phase: " + phase_text(f.probe));
  if (f.snat.state == SnatState::kNotMasqueraded) {
    fail_with(c, "egress-no-snat",
              f.source + " cannot reach " + where +
                  ": the node does not masquerade pod traffic "
                  "to " +
                  f.target_ip + ", so replies cannot find their way back");
    // No "cause:" line here: this check is the finding the others' "cause: egress-no-snat"
    // points at.
    return;
  }
  fail_with(c, "egress-unreachable",
            f.source + " cannot reach " + where + " (" + std::string(to_string(f.probe.phase)) +
                " failed: " + f.probe.detail + ")");
}

void add_route_evidence(report::Check& c, const EgressFacts& f) {
  if (f.pod_route) {
    c.evidence.push_back("route in the pod: " + (f.pod_route->empty() ? "none" : *f.pod_route));
  }
  if (f.node_route) {
    c.evidence.push_back("route on the node: " + (f.node_route->empty() ? "none" : *f.node_route));
  }
}

// Stops at the first phase that cannot work; true when the check is decided.
bool judge_before_connect(report::Check& c, const EgressFacts& f) {
  if (!f.url_error.empty()) {
    fail_with(c, "egress-unreachable", f.url_error);
    c.evidence.push_back("given: --egress " + f.url_text + " (nothing was probed)");
    return true;
  }
  if (!f.not_probed.empty()) {
    c.status = Status::kSkip;
    c.summary = "cannot probe " + f.url_text + " from " + f.source + ": " + f.not_probed;
    return true;
  }
  if (f.resolved_needed && (!f.dns || f.dns->outcome != dns::Outcome::kAnswer)) {
    const std::string what = f.dns ? std::string(dns::to_string(f.dns->outcome)) : "not asked";
    fail_with(c, "egress-dns-failure",
              f.url.host + " does not resolve from " + f.source + " (" + what + ")");
    if (f.dns && !f.dns->detail.empty()) c.evidence.push_back("resolver: " + f.dns->detail);
    return true;
  }
  if (f.pod_route && f.pod_route->empty()) {
    fail_with(c, "egress-unreachable",
              f.source + " has no route to " + f.target_ip + " (route phase, in the pod)");
    return true;
  }
  if (f.node_route && f.node_route->empty()) {
    fail_with(c, "egress-unreachable",
              "the node has no route to " + f.target_ip + " (route phase, on the node)");
    return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> proxy_variables(const std::map<std::string, std::string>& environ) {
  std::vector<std::string> out;
  for (const auto& [name, value] : environ) {
    const std::string l = lower(name);
    if (l == "http_proxy" || l == "https_proxy" || l == "no_proxy" || l == "all_proxy") {
      out.push_back(name + "=" + cap_bytes(mask_userinfo(value), kMaxProxyValueBytes));
    }
  }
  return out;
}

report::Check evaluate_egress(const EgressFacts& f) {
  report::Check c;
  c.id = "egress." + f.url_text;
  c.source = f.source;
  c.duration_ms = f.duration_ms;
  // The destination and, when its name is resolved through the pod, the pod's nameservers.
  if (!f.target_ip.empty()) c.subjects.push_back(f.target_ip);
  if (f.resolved_needed)
    c.subjects.insert(c.subjects.end(), f.nameservers.begin(), f.nameservers.end());
  if (!f.nameservers.empty() && f.resolved_needed) {
    c.evidence.push_back("pod nameservers: " + join(f.nameservers, ", "));
  }
  if (f.dns && f.dns->outcome == dns::Outcome::kAnswer) {
    c.evidence.push_back("DNS: " + f.url.host + " → " + f.target_ip + " (" +
                         std::to_string(f.dns->elapsed.count() / 1000) + " ms)");
  }
  add_route_evidence(c, f);
  const bool decided = judge_before_connect(c, f);
  if (!decided && f.probe.ran) {
    if (!f.probe.local.empty()) c.evidence.push_back("source address: " + f.probe.local);
    c.evidence.push_back("phases: " +
                         describe_times(f.probe.times, f.url.scheme == EgressScheme::kHttps));
    if (f.probe.ok) {
      c.status = Status::kPass;
      c.summary =
          f.source + " reaches " + f.url_text +
          (f.probe.http_status ? " (HTTP " + std::to_string(f.probe.http_status) + ")" : "");
    } else {
      judge_failed_probe(c, f);
    }
  }
  if (!f.snat.evidence.empty() && f.url_error.empty()) c.evidence.push_back(f.snat.evidence);
  for (const auto& p : f.proxy_env) {
    c.evidence.push_back("pod proxy setting (reported, not used by the probe): " + p);
  }
  return c;
}

}  // namespace netdoctor::probes
