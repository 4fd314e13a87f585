// dns.resolv-conf: the pod's resolver configuration against glibc's limits and the cluster DNS.
#include <algorithm>

#include "core/text.h"
#include "probes/dns/dns_eval.h"
#include "probes/dns/dns_evidence.h"

namespace netdoctor::probes::dns {
namespace {

using report::Check;
using report::Status;

bool is_loopback(const std::string& ip) {
  return ip.starts_with("127.") || ip == "::1";
}

// What the file says, as evidence: every check reader wants to see the file itself.
std::vector<std::string> describe_file(const ResolvConf& rc) {
  std::vector<std::string> ev;
  ev.push_back("nameserver " + (rc.nameservers.empty() ? "(none)" : join(rc.nameservers, ", ")));
  std::string search = "search " + (rc.search.empty() ? "(none)" : join(rc.search, " "));
  if (rc.search_count > rc.search.size()) {
    search += " (and " + std::to_string(rc.search_count - rc.search.size()) +
              " more, beyond glibc's " + std::to_string(kGlibcMaxSearch) + ": not asked)";
  }
  ev.push_back(search);
  for (const auto& bad : rc.invalid_search) ev.push_back("invalid search domain " + bad);
  if (rc.invalid_search_count > rc.invalid_search.size()) {
    ev.push_back("... and " + std::to_string(rc.invalid_search_count - rc.invalid_search.size()) +
                 " more invalid search domains");
  }
  ev.push_back("options ndots:" + std::to_string(rc.ndots) + (rc.ndots_set ? "" : " (default)") +
               " timeout:" + std::to_string(rc.timeout_s) +
               " attempts:" + std::to_string(rc.attempts) + (rc.rotate ? " rotate" : ""));
  if (rc.crlf) ev.emplace_back("the file has CRLF line endings");
  for (const auto& p : rc.problems) ev.push_back(p);
  if (rc.problem_count > rc.problems.size()) {
    ev.push_back("... and " + std::to_string(rc.problem_count - rc.problems.size()) +
                 " more lines glibc ignores");
  }
  return ev;
}

// Failures: the pod cannot resolve because of the file. Each is one sentence.
std::vector<std::string> failures(const DnsFacts& f) {
  const auto& c = f.context;
  const auto& rc = c.resolv;
  const auto used = c.pod_nameservers();
  std::vector<std::string> out;
  if (!rc.has_directive) {
    out.emplace_back(
        "the pod's /etc/resolv.conf is empty: its resolver falls back to 127.0.0.1 "
        "inside the pod, where no DNS server listens");
    return out;
  }
  if (used.empty()) {
    out.emplace_back("the pod's resolv.conf names no usable nameserver");
    return out;
  }
  const bool pod_view_works = has_address(f.find(Role::kPodFqdn));
  const bool pod_view_asked = f.find(Role::kPodFqdn) != nullptr;
  if (is_loopback(used.front()) && !pod_view_works) {
    out.push_back("the first nameserver " + used.front() +
                  " is a loopback address (a systemd-resolved stub copied from the node?): "
                  "nothing answers there inside the pod");
  }
  if (c.dns_service.empty() || std::find(used.begin(), used.end(), c.dns_ip) != used.end()) {
    return out;
  }
  const bool listed_later =
      std::find(rc.nameservers.begin(), rc.nameservers.end(), c.dns_ip) != rc.nameservers.end();
  if (listed_later) {
    out.push_back("the cluster DNS " + c.dns_ip +
                  " comes after the third nameserver: glibc never asks it");
  } else if (pod_view_asked && !pod_view_works && has_address(f.find(Role::kServiceName))) {
    out.push_back("the pod asks " + join(used, ", ") + ", not the cluster DNS Service " +
                  c.dns_service + " (" + c.dns_ip + "), and gets no answer for cluster names");
  }
  return out;
}

// Warnings: the file breaks a resolver limit or holds lines glibc ignores, without (yet)
// breaking what was asked.
std::vector<std::string> warnings(const ResolvConf& rc) {
  std::vector<std::string> out;
  if (rc.nameservers.size() > kGlibcMaxNameservers) {
    out.push_back(std::to_string(rc.nameservers.size()) +
                  " nameservers: glibc uses the first 3 and ignores the rest");
  }
  if (rc.invalid_search_count > 0) {
    out.push_back(
        std::to_string(rc.invalid_search_count) +
        (rc.invalid_search_count == 1 ? " search domain is" : " search domains are") +
        " not a valid domain name (RFC 1035: at most 253 bytes, labels at most 63): a resolver "
        "cannot ask with it, and netdoctor leaves it out");
  }
  if (rc.search_count > kGlibcMaxSearch || rc.search_chars > kGlibcMaxSearchChars) {
    out.push_back(std::to_string(rc.search_count) + " search domains (" +
                  std::to_string(rc.search_chars) +
                  " characters): older glibc keeps only 6 and 256 characters");
  }
  if (rc.problem_count > 0) {
    out.push_back(std::to_string(rc.problem_count) + " line(s) that glibc ignores or caps");
  }
  if (rc.truncated) {
    out.push_back("the file is larger than " + std::to_string(kResolvConfReadLimit) +
                  " bytes: only that much was read and judged (glibc reads it all)");
  }
  return out;
}

Check read_failure(const DnsFacts& f) {
  const auto& c = f.context;
  const std::string id = "dns.resolv-conf";
  switch (c.resolv_state) {
    case ResolvState::kNoProcess:
      return make_check(id, c.source, Status::kSkip, "",
                        "no process in the pod to read /etc/resolv.conf through: the cluster DNS "
                        "is asked directly");
    case ResolvState::kMissing: {
      auto out = make_check(id, c.source, Status::kFail, "dns-resolv-conf-invalid",
                            "the pod has no /etc/resolv.conf: its resolver falls back to "
                            "127.0.0.1 inside the pod, where no DNS server listens");
      out.evidence = {c.resolv_detail, std::string(kCauseResolvConf)};
      return out;
    }
    default:
      return make_check(id, c.source, Status::kSkip, "",
                        "cannot read the pod's /etc/resolv.conf: " + c.resolv_detail);
  }
}

}  // namespace

Check check_resolv_conf(const DnsFacts& f) {
  const auto& c = f.context;
  if (c.resolv_state != ResolvState::kRead) return read_failure(f);
  const std::string id = "dns.resolv-conf";
  const auto fails = failures(f);
  const auto warns = warnings(c.resolv);
  Check out;
  if (!fails.empty()) {
    out = make_check(id, c.source, Status::kFail, "dns-resolv-conf-invalid", fails.front());
  } else if (!warns.empty()) {
    out = make_check(id, c.source, Status::kWarn, "dns-resolv-conf-invalid", warns.front());
  } else {
    const auto used = c.pod_nameservers();
    std::string summary = "the pod's resolv.conf names " + join(used, ", ");
    if (!c.dns_service.empty()) {
      const bool cluster = std::find(used.begin(), used.end(), c.dns_ip) != used.end();
      if (cluster) {
        summary += ", the cluster DNS Service";
      } else {
        summary += ", not the cluster DNS Service " + c.dns_ip;
        if (has_address(f.find(Role::kPodFqdn))) summary += " (yet it answers cluster names)";
      }
    }
    out = make_check(id, c.source, Status::kPass, "",
                     summary + "; cluster domain " +
                         (c.cluster_domain.empty() ? "unknown (no <ns>.svc.<domain> searched)"
                                                   : c.cluster_domain) +
                         ", ndots " + std::to_string(c.resolv.ndots));
  }
  out.evidence = describe_file(c.resolv);
  if (!c.resolv_from.empty()) out.evidence.push_back("read from the pod's " + c.resolv_from);
  for (std::size_t i = 1; i < fails.size(); ++i) out.evidence.push_back(fails[i]);
  for (std::size_t i = fails.empty() ? 1 : 0; i < warns.size(); ++i)
    out.evidence.push_back(warns[i]);
  if (out.status == Status::kFail) out.evidence.emplace_back(kCauseResolvConf);
  return out;
}

}  // namespace netdoctor::probes::dns
