#include "probes/node/masquerade_check.h"

#include <arpa/inet.h>

#include <algorithm>

#include "core/text.h"
#include "probes/egress/url.h"
#include "probes/net/masquerade.h"
#include "probes/net/resolv_conf.h"

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;

// An address no packet for it leaves the node toward: loopback, unspecified.
bool is_ipv4_outside_candidate(const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) return false;  // IPv6: judged by v6 rules later
  const auto first = static_cast<unsigned>(ntohl(a.s_addr) >> 24);
  return first != 127 && first != 0;
}

bool is_service_ip(const inventory::Inventory* inv, const std::string& ip) {
  return inv != nullptr && inv->find_service_by_cluster_ip(ip) != nullptr;
}

// The cluster DNS pods running on this node, with the nameservers of their resolv.conf: where
// CoreDNS's `forward . /etc/resolv.conf` sends outside names.
void add_dns_upstreams(const Scene& s, std::vector<MasqueradeFlow>& out) {
  if (!s.cluster_dns) return;
  for (const auto& ep : s.cluster_dns->endpoints) {
    const auto pod = std::find_if(s.local_pods.begin(), s.local_pods.end(),
                                  [&](const SourcePod& p) { return p.ip == ep.ip; });
    if (pod == s.local_pods.end()) continue;
    auto conf = pod->reader().read_head("/etc/resolv.conf", dns::kResolvConfReadLimit);
    if (!conf) continue;
    const auto parsed = dns::parse_resolv_conf_head(conf->content, conf->truncated);
    std::size_t taken = 0;
    for (const auto& ns : parsed.nameservers) {
      if (taken == 3) break;  // glibc and CoreDNS's forward use the first three
      if (!is_ipv4_outside_candidate(ns) || inside_pod_network(s.inv(), ns) ||
          is_service_ip(s.inv(), ns)) {
        continue;
      }
      ++taken;
      const std::string who = ep.pod.empty() ? "the cluster DNS pod " + ep.ip : ep.pod;
      out.push_back({ep.ip, ns, 53, "upstream DNS of " + who, {ep.ip}});
    }
  }
}

// default/kubernetes's endpoints: the API server, when it lives outside the pod network.
void add_apiserver(const Scene& s, const std::string& pod_ip, std::vector<MasqueradeFlow>& out) {
  const auto* inv = s.inv();
  if (inv == nullptr) return;
  const auto* svc = inv->find_service("default", "kubernetes");
  if (svc == nullptr) return;
  std::size_t taken = 0;
  for (const auto& port : svc->ports) {
    for (const auto& ep : inv->ready_endpoints(*svc, port)) {
      if (taken == 3) return;
      const auto colon = ep.rfind(':');
      const std::string ip = ep.substr(0, colon);
      int p = port.port;
      if (colon != std::string::npos) p = std::atoi(ep.c_str() + colon + 1);
      if (!is_ipv4_outside_candidate(ip) || inside_pod_network(inv, ip)) continue;
      ++taken;
      out.push_back({pod_ip, ip, p, "the API server (default/kubernetes)", {}});
    }
  }
}

void add_egress(const DiagnoseOptions& o, const std::string& pod_ip,
                std::vector<MasqueradeFlow>& out) {
  std::size_t taken = 0;
  for (const auto& text : o.egress_urls) {
    auto url = parse_egress_url(text);
    if (!url || !url->host_is_ip || !is_ipv4_outside_candidate(url->host)) continue;
    if (++taken > 8) return;
    out.push_back({pod_ip, url->host, url->port, "--egress " + url->text, {}});
  }
}

}  // namespace

std::vector<MasqueradeFlow> masquerade_flows(const Scene& s, const DiagnoseOptions& o) {
  std::vector<MasqueradeFlow> out;
  const auto pod = std::find_if(s.local_pods.begin(), s.local_pods.end(),
                                [](const SourcePod& p) { return !p.ip.empty(); });
  if (pod == s.local_pods.end()) return out;
  add_dns_upstreams(s, out);
  add_apiserver(s, pod->ip, out);
  add_egress(o, pod->ip, out);
  // A representative outside address (documentation range, never contacted: only the rules are
  // asked), so the check says something on a node without any of the above.
  out.push_back({pod->ip, "192.0.2.1", 443, "an outside address", {}});
  return out;
}

Check check_masquerade(const Scene& s, const std::vector<MasqueradeFlow>& flows) {
  Check c;
  c.id = "node.masquerade";
  if (flows.empty()) {
    c.status = Status::kSkip;
    c.summary = "no pod of this node to judge its outgoing masquerade for";
    return c;
  }
  std::vector<std::string> missing;
  std::size_t judged = 0;
  for (const auto& f : flows) {
    const SnatVerdict v =
        judge_masquerade(s.rule_snapshot(), s.node_links(), s.inv(), f.pod_ip, f.dst_ip, f.port);
    if (v.state == SnatState::kUnknown) {
      c.evidence.push_back(f.why + ": " + v.evidence);
      continue;
    }
    ++judged;
    c.evidence.push_back(f.why + ": " + v.evidence);
    if (v.state != SnatState::kNotMasqueraded) continue;
    missing.push_back(f.dst_ip + " (" + f.why + ")");
    for (const auto& s2 : f.related) {
      if (std::find(c.subjects.begin(), c.subjects.end(), s2) == c.subjects.end()) {
        c.subjects.push_back(s2);
      }
    }
    if (std::find(c.subjects.begin(), c.subjects.end(), f.dst_ip) == c.subjects.end()) {
      c.subjects.push_back(f.dst_ip);
    }
  }
  if (judged == 0) {
    c.status = Status::kSkip;
    c.summary = "the node's masquerade could not be judged from its rules";
    return c;
  }
  if (missing.empty()) {
    c.summary = "the node masquerades pod traffic leaving the pod network (" +
                std::to_string(judged) + " destination" + (judged == 1 ? "" : "s") + " judged)";
    return c;
  }
  // Unconfirmed: a warn. A failure it explains makes it a fail (report/root_cause.h).
  c.status = Status::kWarn;
  c.code = "egress-no-snat";
  c.summary = "the node does not masquerade pod traffic to " + join(missing, ", ") +
              ": replies cannot come back unless the outside routes the pod network";
  return c;
}

}  // namespace netdoctor::probes
