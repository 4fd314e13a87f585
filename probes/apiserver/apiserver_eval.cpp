#include "probes/apiserver/apiserver_eval.h"

#include <algorithm>

#include "report/explains.h"

namespace netdoctor::probes {
namespace {

using report::Status;

std::string where(const ApiFacts& f) {
  const std::string ip = f.result.ip.empty() ? f.target.ip : f.result.ip;
  std::string w = f.target.host + ":" + std::to_string(f.target.port);
  if (!ip.empty() && ip != f.target.host) w += " (" + ip + ")";
  return w;
}

void fail_with(report::Check& c, report::Code code, const std::string& summary) {
  c.status = Status::kFail;
  c.code = code;
  c.summary = summary;
}

void add_tls_evidence(report::Check& c, const ApiFacts& f, const ApiPodFacts& pod) {
  const auto& first = f.result.http.front();
  c.evidence.push_back("TLS: " + first.error);
  for (std::size_t i = 0; i < f.result.chain.size(); ++i) {
    const auto& cert = f.result.chain[i];
    c.evidence.push_back("server certificate " + std::to_string(i) + ": subject " + cert.subject +
                         "; issuer " + cert.issuer);
  }
  if (f.result.chain.empty()) c.evidence.push_back("server certificate: could not be fetched");
  if (!pod.ca_problem.empty()) c.evidence.push_back("pod CA: " + pod.ca_problem);
  for (const auto& s : pod.ca_subjects) c.evidence.push_back("pod CA expects issuer: " + s);
}

// The transport failed (DNS, connect, TLS or a dropped request).
void judge_transport(report::Check& c, const ApiFacts& f, const ApiPodFacts& pod) {
  const auto& first = f.result.http.front();
  const Phase phase = classify_failure(first.curl_code, first.times, true);
  if (is_certificate_failure(first.curl_code)) {
    fail_with(c, "apiserver-tls-untrusted",
              "the API server at " + where(f) +
                  " presents a certificate the pod's service-account CA does not trust");
    add_tls_evidence(c, f, pod);
    return;
  }
  std::string detail = first.error;
  if (phase == Phase::kConnect && first.os_errno != 0)
    detail = describe_connect_errno(first.os_errno);
  fail_with(c, "apiserver-unreachable",
            c.source + " cannot reach the API server at " + where(f) + ": " +
                std::string(to_string(phase)) + " failed (" + detail + ")");
  c.evidence.push_back("failed phase: " + std::string(to_string(phase)) + ": " + first.error);
}

void judge_http(report::Check& c, const ApiFacts& f) {
  const auto& readyz = f.result.http.front();
  c.evidence.push_back("phases: " + describe_times(readyz.times, true));
  c.evidence.push_back("GET /readyz: HTTP " + std::to_string(readyz.http_status));
  if (f.result.http.size() > 1) {
    const auto& version = f.result.http[1];
    const std::string v = git_version(version.body);
    c.evidence.push_back("GET /version: HTTP " + std::to_string(version.http_status) +
                         (v.empty() ? "" : " (" + v + ")"));
  }
  switch (verdict_of(f)) {
    case ApiVerdict::kUnauthorized:
      fail_with(c, "apiserver-unauthorized",
                "the API server at " + where(f) +
                    " rejects the pod's service-account token (HTTP " +
                    std::to_string(readyz.http_status) + ")");
      break;
    case ApiVerdict::kNotReady:
      fail_with(c, "apiserver-unreachable",
                "the API server at " + where(f) + " answers but is not ready (/readyz: HTTP " +
                    std::to_string(readyz.http_status) + ")");
      break;
    default:
      c.status = Status::kPass;
      c.summary =
          c.source + " reaches the API server at " + where(f) + " (TLS verified, token accepted)";
  }
}

report::Check evaluate_one(const ApiFacts& f, const ApiPodFacts& pod) {
  report::Check c;
  c.id = f.target.id;
  c.source = pod.source;
  c.duration_ms = f.duration_ms;
  c.evidence.push_back("target: " + f.target.host + ":" + std::to_string(f.target.port) + " from " +
                       f.target.origin);
  if (!f.not_probed.empty()) {
    fail_with(c, "apiserver-unreachable",
              "cannot probe the API server at " + where(f) + ": " + f.not_probed);
    return c;
  }
  if (f.result.dns) {
    const auto& d = *f.result.dns;
    if (d.outcome != dns::Outcome::kAnswer || d.addresses.empty()) {
      fail_with(c, "apiserver-unreachable",
                f.target.host + " does not resolve from " + pod.source +
                    " (DNS phase: " + std::string(dns::to_string(d.outcome)) + ")");
      if (!d.detail.empty()) c.evidence.push_back("resolver: " + d.detail);
      return c;
    }
    c.evidence.push_back("DNS: " + f.target.host + " → " + d.addresses.front() + " (" +
                         std::to_string(d.elapsed.count() / 1000) + " ms)");
  }
  if (!pod.token_problem.empty()) c.evidence.push_back("token: " + pod.token_problem);
  if (!pod.secrets_from.empty()) {
    c.evidence.push_back("service account read from the pod's " + pod.secrets_from);
  }
  if (f.result.http.empty()) {
    fail_with(c, "apiserver-unreachable", "no request was made to " + where(f));
  } else if (!f.result.http.front().ok()) {
    judge_transport(c, f, pod);
  } else {
    judge_http(c, f);
  }
  if (!f.result.first_attempt.empty()) {
    c.evidence.push_back("the first request timed out (" + f.result.first_attempt +
                         "); asked again, with longer to answer");
    if (c.status == Status::kPass) {
      // Slow once (a busy server, every pod asking at once), then fine: never a root cause.
      c.status = Status::kWarn;
      c.code = "intermittent";
      c.summary = c.source + " reaches the API server at " + where(f) +
                  " only when asked again: the first request timed out";
    }
  }
  return c;
}

// The Service path is at fault when an endpoint answers directly; the missing masquerade when
// none does and the node does not source-NAT pod → endpoint.
void explain_unreachable(std::vector<report::Check>& checks, const ApiPodFacts& pod) {
  std::string answering;
  for (const auto& f : pod.targets) {
    const auto v = verdict_of(f);
    const bool answers = v == ApiVerdict::kOk || v == ApiVerdict::kUnauthorized ||
                         v == ApiVerdict::kTlsUntrusted || v == ApiVerdict::kNotReady;
    if (f.target.kind == ApiTargetKind::kEndpoint && answers && answering.empty()) {
      answering = f.target.ip + ":" + std::to_string(f.target.port);
    }
  }
  for (std::size_t i = 0; i < checks.size(); ++i) {
    auto& c = checks[i];
    if (c.code != report::Code("apiserver-unreachable")) continue;
    const auto kind = pod.targets[i].target.kind;
    if (!answering.empty() && kind != ApiTargetKind::kEndpoint) {
      c.evidence.push_back("the endpoint answers directly (" + answering + ")");
      c.evidence.push_back("cause: service");
      c.causes = report::causes_for(c.code, report::When::kServicePathBroken);
    } else if (answering.empty() && pod.snat.state == SnatState::kNotMasqueraded) {
      c.evidence.push_back(pod.snat.evidence);
      c.evidence.push_back("cause: egress-no-snat");
      c.causes = report::causes_for(c.code, report::When::kNotMasqueraded);
    }
  }
}

}  // namespace

ApiVerdict verdict_of(const ApiFacts& f) {
  if (!f.not_probed.empty()) return ApiVerdict::kNotProbed;
  if (f.result.http.empty()) return ApiVerdict::kUnreachable;
  const auto& first = f.result.http.front();
  if (!first.ok()) {
    return is_certificate_failure(first.curl_code) ? ApiVerdict::kTlsUntrusted
                                                   : ApiVerdict::kUnreachable;
  }
  if (first.http_status == 401 || first.http_status == 403) return ApiVerdict::kUnauthorized;
  if (first.http_status < 200 || first.http_status >= 300) return ApiVerdict::kNotReady;
  return ApiVerdict::kOk;
}

std::string git_version(const std::string& body) {
  const auto key = body.find("\"gitVersion\"");
  if (key == std::string::npos) return {};
  const auto colon = body.find(':', key);
  if (colon == std::string::npos) return {};
  const auto open = body.find('"', colon + 1);
  if (open == std::string::npos) return {};
  const auto close = body.find('"', open + 1);
  if (close == std::string::npos || close - open > 64) return {};
  return body.substr(open + 1, close - open - 1);
}

std::vector<report::Check> evaluate_apiserver(const ApiPodFacts& pod) {
  std::vector<report::Check> checks;
  for (const auto& f : pod.targets) {
    checks.push_back(evaluate_one(f, pod));
    // The address it probed (the ClusterIP, an endpoint, what the name resolved to).
    for (const std::string& ip : {f.target.ip, f.result.ip}) {
      auto& subjects = checks.back().subjects;
      if (!ip.empty() && std::find(subjects.begin(), subjects.end(), ip) == subjects.end()) {
        subjects.push_back(ip);
      }
    }
  }
  explain_unreachable(checks, pod);
  return checks;
}

}  // namespace netdoctor::probes
