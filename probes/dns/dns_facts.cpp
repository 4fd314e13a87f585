#include "probes/dns/dns_facts.h"

#include <algorithm>

namespace netdoctor::probes::dns {
namespace {

// Bounds on the questions one pod costs, whatever the inventory or the options hold.
constexpr std::size_t kMaxEndpoints = 8;
constexpr std::size_t kMaxOutsideNames = 4;
// glibc's own limit on search domains before 2.26; enough to name the one that breaks a search.
constexpr std::size_t kMaxSearchDomains = 6;

DnsQuery query_to(std::string name, std::string ip, std::uint16_t port, Transport t) {
  DnsQuery q;
  q.name = std::move(name);
  q.servers = {{std::move(ip), port}};
  q.transport = t;
  return q;
}

// The question as the pod's own resolver asks it: its nameservers, search list and ndots.
DnsQuery as_the_pod(const DnsContext& c, std::string name, bool search) {
  DnsQuery q;
  q.name = std::move(name);
  for (const auto& ns : c.pod_nameservers()) q.servers.push_back({ns, 53});
  q.search = search;
  if (search) {
    q.domains = c.resolv.search;
    q.ndots = c.resolv.ndots;
  }
  return q;
}

void plan_pod_view(const DnsContext& c, std::vector<PlannedQuery>& plan) {
  if (c.resolv_state != ResolvState::kRead || c.pod_nameservers().empty()) return;
  if (!c.cluster_name().empty()) {
    plan.push_back({Role::kPodFqdn, {}, as_the_pod(c, c.cluster_name(), true)});
    plan.push_back({Role::kPodShort, {}, as_the_pod(c, "kubernetes.default", true)});
  }
  if (!c.outside_names.empty()) {
    const std::string& name = c.outside_names.front();
    plan.push_back({Role::kOutsideSearch, name, as_the_pod(c, name, true)});
    // With a trailing dot the name is absolute: one question, no search domain.
    const std::string absolute = name.ends_with('.') ? name : name + ".";
    plan.push_back({Role::kOutsideDirect, name, as_the_pod(c, absolute, false)});
    // Each name the search list makes of it, asked on its own at the same time: when the search
    // fails as a whole, these tell a domain that stops it from a search that was only slow.
    const std::size_t n = std::min(search_expansions(c, name), kMaxSearchDomains);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& domain = c.resolv.search[i];
      if (domain.empty() || domain == ".") continue;
      const std::string fqdn = name + "." + domain + (domain.ends_with('.') ? "" : ".");
      plan.push_back({Role::kSearchDomain, domain, as_the_pod(c, fqdn, false)});
    }
  }
}

void plan_servers(const DnsContext& c, std::vector<PlannedQuery>& plan) {
  const std::string name = c.cluster_name();
  const auto endpoints = std::vector<DnsEndpoint>(
      c.endpoints.begin(),
      c.endpoints.begin() + static_cast<long>(std::min(kMaxEndpoints, c.endpoints.size())));
  for (Transport t : {Transport::kUdp, Transport::kTcp}) {
    if (name.empty()) break;
    if (!c.dns_ip.empty()) {
      const auto port = t == Transport::kUdp ? c.dns_udp_port : c.dns_tcp_port;
      plan.push_back({Role::kServiceName, c.dns_ip, query_to(name, c.dns_ip, port, t)});
    }
    for (const auto& e : endpoints) {
      const auto port = t == Transport::kUdp ? e.udp_port : e.tcp_port;
      plan.push_back({Role::kEndpointName, e.ip, query_to(name, e.ip, port, t)});
    }
  }
  const std::size_t n = std::min(kMaxOutsideNames, c.outside_names.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& out = c.outside_names[i];
    if (!c.dns_ip.empty()) {
      plan.push_back(
          {Role::kUpstreamService, out, query_to(out, c.dns_ip, c.dns_udp_port, Transport::kUdp)});
    }
    if (!endpoints.empty()) {
      const auto& e = endpoints.front();
      plan.push_back(
          {Role::kUpstreamEndpoint, out, query_to(out, e.ip, e.udp_port, Transport::kUdp)});
    }
  }
}

}  // namespace

std::vector<std::string> DnsContext::pod_nameservers() const {
  std::vector<std::string> out;
  if (resolv_state != ResolvState::kRead) return out;
  for (const auto& ns : resolv.nameservers) {
    if (out.size() == kGlibcMaxNameservers) break;
    out.push_back(ns);
  }
  return out;
}

std::string DnsContext::cluster_name() const {
  return cluster_domain.empty() ? std::string() : "kubernetes.default.svc." + cluster_domain;
}

std::size_t search_expansions(const DnsContext& context, std::string_view name) {
  if (name.ends_with('.')) return 0;
  const auto dots = static_cast<std::size_t>(std::count(name.begin(), name.end(), '.'));
  return dots < static_cast<std::size_t>(std::max(context.resolv.ndots, 0))
             ? context.resolv.search.size()
             : 0;
}

std::vector<PlannedQuery> plan_queries(const DnsContext& context) {
  std::vector<PlannedQuery> plan;
  plan_pod_view(context, plan);
  plan_servers(context, plan);
  // A question to the DNS Service reaches one of its endpoints: the probe gate spaces it for them.
  std::vector<std::string> behind;
  for (const auto& e : context.endpoints) behind.push_back(e.ip);
  for (auto& p : plan) {
    if (!context.dns_ip.empty() && !p.query.servers.empty() &&
        p.query.servers.front().ip == context.dns_ip) {
      p.query.behind = behind;
    }
  }
  return plan;
}

const DnsAnswer* DnsFacts::find(Role role, Transport transport, std::string_view target) const {
  for (std::size_t i = 0; i < plan.size() && i < answers.size(); ++i) {
    const auto& p = plan[i];
    if (p.role == role && p.query.transport == transport &&
        (target.empty() || p.target == target)) {
      return &answers[i];
    }
  }
  return nullptr;
}

std::vector<std::string> outside_names_from_urls(const std::vector<std::string>& urls) {
  std::vector<std::string> names;
  for (const auto& url : urls) {
    std::string_view rest = url;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
      rest.remove_prefix(scheme + 3);
    }
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (rest.starts_with('[')) continue;  // an IPv6 literal
    rest = rest.substr(0, rest.find(':'));
    if (rest.empty() || is_ip_address(rest)) continue;
    std::string host(rest);
    if (std::find(names.begin(), names.end(), host) == names.end()) names.push_back(host);
  }
  return names;
}

}  // namespace netdoctor::probes::dns
