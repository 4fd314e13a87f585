#include "probes/dns/dns_eval.h"

#include <algorithm>

#include "core/text.h"
#include "probes/dns/dns_evidence.h"
#include "report/explains.h"

namespace netdoctor::probes::dns {
namespace {

using report::Check;
using report::Status;

constexpr report::Code kUnreachable = "dns-server-unreachable";
constexpr report::Code kNotFound = "dns-name-not-found";
constexpr report::Code kResolvInvalid = "dns-resolv-conf-invalid";

Check skip(std::string id, const DnsFacts& f, std::string why) {
  return make_check(std::move(id), f.context.source, Status::kSkip, "", std::move(why));
}

// DNS endpoints that answered the cluster name with any rcode, over either transport.
std::vector<std::string> answering_endpoints(const DnsFacts& f) {
  std::vector<std::string> out;
  for (const auto& e : f.context.endpoints) {
    for (Transport t : {Transport::kUdp, Transport::kTcp}) {
      const auto* a = f.find(Role::kEndpointName, t, e.ip);
      if (a && server_answered(a->outcome)) {
        out.push_back(e.ip);
        break;
      }
    }
  }
  return out;
}

// Why the DNS Service is silent, as far as the endpoints tell: a phrase for the summary and the
// evidence line the root-cause logic reads.
std::pair<std::string, std::string_view> service_cause(const DnsFacts& f) {
  if (f.context.endpoints.empty()) {
    return {"; no DNS endpoints are known to ask directly", kCauseUnknown};
  }
  const auto answering = answering_endpoints(f);
  if (!answering.empty()) {
    return {", but the DNS endpoints answer directly (" + join(answering, ", ") +
                "): the Service's path on this node is broken (proxy rules, or bridge-nf for "
                "pods beside the DNS pod)",
            kCauseService};
  }
  return {"; no DNS endpoint answers either: the DNS server is down or unreachable", kCauseServer};
}

// The findings that may explain a cluster DNS Service whose endpoints answer directly.
std::vector<report::Cause> service_path_causes() {
  return report::causes_for(kUnreachable, report::When::kServicePathBroken);
}

std::vector<std::string> cluster_dns_subjects(const DnsContext& c) {
  std::vector<std::string> out = c.pod_nameservers();
  auto add = [&out](const std::string& s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  add(c.dns_ip);
  add(c.dns_service);
  for (const auto& e : c.endpoints) add(e.ip);
  return out;
}

std::string who_is_service(const DnsContext& c) {
  return "the DNS Service " + c.dns_ip +
         (c.dns_service.empty() ? " (the pod's first nameserver)" : " (" + c.dns_service + ")");
}

// Judges one answer to the cluster name from a DNS server (Service or endpoint).
Check judge_server(std::string id, const DnsFacts& f, const PlannedQuery& p, const DnsAnswer& a,
                   const std::string& who, bool is_service) {
  const std::string t(to_string(p.query.transport));
  Check c;
  if (a.outcome == Outcome::kAnswer) {
    c = make_check(std::move(id), f.context.source, Status::kPass, "",
                   who + " answers " + p.query.name + " over " + t + " in " + ms_text(a.elapsed));
  } else if (authoritative(&a)) {
    c = make_check(std::move(id), f.context.source, Status::kFail, kNotFound,
                   who + " answers " + std::string(to_string(a.outcome)) + " for " + p.query.name +
                       ", a name every cluster has");
  } else if (server_answered(a.outcome)) {
    c = make_check(std::move(id), f.context.source, Status::kFail, kUnreachable,
                   who + " answers " + std::string(to_string(a.outcome)) + " over " + t +
                       " for a cluster name: the DNS server does not work");
    c.evidence.emplace_back(kCauseServer);
  } else {
    std::string summary = who + " does not answer over " + t + " (" + result_text(a) + ")";
    std::string_view cause = kCauseServer;
    if (is_service) {
      const auto [phrase, why] = service_cause(f);
      summary += phrase;
      cause = why;
    }
    c = make_check(std::move(id), f.context.source, Status::kFail, kUnreachable, summary);
    c.evidence.emplace_back(cause);
    if (cause == kCauseService) c.causes = service_path_causes();
  }
  c.evidence.insert(c.evidence.begin(), describe(p.query, a));
  c.duration_ms = duration_ms(a.elapsed);
  for (const auto& server : p.query.servers) c.subjects.push_back(server.ip);
  if (is_service && !f.context.dns_service.empty()) c.subjects.push_back(f.context.dns_service);
  return c;
}

void server_checks(const DnsFacts& f, std::vector<Check>& out) {
  const auto& c = f.context;
  for (Transport t : {Transport::kUdp, Transport::kTcp}) {
    const std::string id = "dns.service-" + std::string(to_string(t));
    if (c.dns_ip.empty()) {
      out.push_back(skip(id, f,
                         "no DNS Service to ask: no Service kube-system/kube-dns in the "
                         "inventory and no nameserver in the pod's resolv.conf"));
    } else if (c.cluster_name().empty()) {
      out.push_back(skip(id, f,
                         "the cluster domain is unknown (no <namespace>.svc.<domain> in the "
                         "pod's search list): no cluster name to ask"));
    } else if (!f.not_asked.empty()) {
      out.push_back(skip(id, f, f.not_asked));
    }
    for (std::size_t i = 0; i < f.plan.size() && i < f.answers.size(); ++i) {
      const auto& p = f.plan[i];
      if (p.role == Role::kServiceName && p.query.transport == t) {
        out.push_back(judge_server(id, f, p, f.answers[i], who_is_service(c), true));
      }
    }
  }
  if (c.endpoints.empty()) {
    out.push_back(skip("dns.endpoints", f,
                       c.have_inventory ? "the DNS Service has no ready endpoints in the inventory"
                                        : "no inventory: the DNS endpoints are unknown"));
  }
  for (Transport t : {Transport::kUdp, Transport::kTcp}) {
    for (std::size_t i = 0; i < f.plan.size() && i < f.answers.size(); ++i) {
      const auto& p = f.plan[i];
      if (p.role != Role::kEndpointName || p.query.transport != t) continue;
      std::string who = "the DNS endpoint " + p.target;
      for (const auto& e : c.endpoints) {
        if (e.ip == p.target && !e.pod.empty()) who += " (" + e.pod + ")";
      }
      out.push_back(judge_server("dns.endpoint-" + std::string(to_string(t)) + ":" + p.target, f, p,
                                 f.answers[i], who, false));
    }
  }
}

bool pod_uses_cluster_dns(const DnsContext& c) {
  const auto ns = c.pod_nameservers();
  return c.dns_service.empty() || std::find(ns.begin(), ns.end(), c.dns_ip) != ns.end();
}

// The code and cause of a name the pod's own resolver cannot resolve.
std::pair<report::Code, std::string> pod_view_failure(const DnsFacts& f, Role role,
                                                      const DnsAnswer& a) {
  const auto& c = f.context;
  const bool cluster_dns_works = has_address(f.find(Role::kServiceName)) ||
                                 has_address(f.find(Role::kServiceName, Transport::kTcp)) ||
                                 !answering_endpoints(f).empty();
  if (role == Role::kPodShort && has_address(f.find(Role::kPodFqdn))) {
    return {kResolvInvalid, "the full name resolves, so the search list (" +
                                join(c.resolv.search, " ") + ") does not lead to it"};
  }
  if (cluster_dns_works && !pod_uses_cluster_dns(c)) {
    return {kResolvInvalid, "the pod asks " + join(c.pod_nameservers(), ", ") + ", not " +
                                who_is_service(c) + ", which answers"};
  }
  if (has_address(f.find(Role::kServiceName))) {
    std::string why = "the cluster DNS answers the name when asked directly";
    // A search domain that ends the search ends it for cluster names too (ndots 5).
    if (const auto stoppers = search_stoppers(f);
        !stoppers.empty() && a.outcome != Outcome::kNxDomain) {
      why += "; the pod's search stops at " + join(stoppers, ", ") + " (see dns.search-path)";
    }
    return {kResolvInvalid, why};
  }
  if (authoritative(&a)) return {kNotFound, "the cluster DNS does not know the name"};
  if (cluster_dns_works) {
    return {kUnreachable, "the DNS Service does not answer from this pod, its endpoints do"};
  }
  return {kUnreachable, "no cluster DNS server answers"};
}

Check pod_view_check(const DnsFacts& f, Role role) {
  const auto& c = f.context;
  const bool fqdn = role == Role::kPodFqdn;
  std::string id = fqdn ? "dns.cluster-name" : "dns.short-name";
  if (c.resolv_state != ResolvState::kRead) {
    return skip(id, f, "the pod's resolv.conf is not available: its own view cannot be asked");
  }
  if (c.pod_nameservers().empty()) {
    return skip(id, f, "the pod's resolv.conf names no nameserver (see dns.resolv-conf)");
  }
  if (c.cluster_name().empty()) {
    return skip(id, f,
                "the cluster domain is unknown: the pod's search list has no "
                "<namespace>.svc.<domain>");
  }
  const auto* a = f.find(role);
  if (!a) return skip(id, f, f.not_asked.empty() ? "not asked" : f.not_asked);
  const std::string name = fqdn ? c.cluster_name() : "kubernetes.default";
  Check out;
  if (a->outcome == Outcome::kAnswer) {
    out = make_check(id, c.source, Status::kPass, "",
                     name + " resolves as the pod resolves it, to " + result_text(*a) + " in " +
                         ms_text(a->elapsed));
  } else {
    auto [code, why] = pod_view_failure(f, role, *a);
    out = make_check(
        id, c.source, Status::kFail, code,
        name + " does not resolve as the pod resolves it (" + result_text(*a) + "): " + why);
    if (code == kResolvInvalid) {
      out.evidence.emplace_back(kCauseResolvConf);
    } else if (code == kUnreachable) {
      out.evidence.emplace_back(service_cause(f).second);
      if (service_cause(f).second == kCauseService) out.causes = service_path_causes();
    }
  }
  for (std::size_t i = 0; i < f.plan.size(); ++i) {
    if (f.plan[i].role == role && i < f.answers.size()) {
      out.evidence.insert(out.evidence.begin(), describe(f.plan[i].query, *a));
    }
  }
  out.duration_ms = duration_ms(a->elapsed);
  return out;
}

}  // namespace

std::vector<Check> evaluate_dns(const DnsFacts& facts) {
  std::vector<Check> out;
  out.push_back(check_resolv_conf(facts));
  out.push_back(pod_view_check(facts, Role::kPodFqdn));
  out.push_back(pod_view_check(facts, Role::kPodShort));
  server_checks(facts, out);
  out.push_back(check_upstream(facts));
  out.push_back(check_search_path(facts));
  // A check that asked through the pod's resolver or the cluster DNS as a whole concerns every
  // server it may have reached: the pod's nameservers, the DNS Service and its endpoints.
  for (Check& c : out) {
    if (c.subjects.empty()) c.subjects = cluster_dns_subjects(facts.context);
  }
  return out;
}

}  // namespace netdoctor::probes::dns
