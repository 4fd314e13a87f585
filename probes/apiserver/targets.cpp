#include "probes/apiserver/targets.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "probes/net/resolv_conf.h"

namespace netdoctor::probes {
namespace {

int to_port(const std::string& text, int fallback) {
  int port = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  const bool ok = ec == std::errc() && ptr == text.data() + text.size() && port > 0 && port < 65536;
  return ok ? port : fallback;
}

std::string env(const ApiTargetInputs& in, const std::string& name) {
  const auto it = in.environ.find(name);
  return it == in.environ.end() ? std::string() : it->second;
}

bool is_kubernetes(const rules::ServiceRule& s) {
  return s.ns() == "default" && s.service() == "kubernetes" && s.kind == "cluster IP";
}

// The ClusterIP target: the pod's environment first, since that is what its clients use.
std::optional<ApiTarget> cluster_ip_target(const ApiTargetInputs& in) {
  ApiTarget t;
  t.kind = ApiTargetKind::kClusterIp;
  t.id = "apiserver.clusterip";
  const std::string host = env(in, "KUBERNETES_SERVICE_HOST");
  if (dns::is_ip_address(host) && host.find(':') == std::string::npos) {
    t.ip = host;
    t.port = to_port(env(in, "KUBERNETES_SERVICE_PORT"), 443);
    t.origin = "the pod's KUBERNETES_SERVICE_HOST/PORT";
  } else if (const auto* svc =
                 in.inventory ? in.inventory->find_service("default", "kubernetes") : nullptr;
             svc && !svc->cluster_ip.empty()) {
    t.ip = svc->cluster_ip;
    t.port = 443;
    for (const auto& p : svc->ports) {
      if (p.name == "https" || svc->ports.size() == 1) t.port = p.port;
    }
    t.origin = "the inventory's Service default/kubernetes";
  } else {
    if (in.services == nullptr) return std::nullopt;
    const auto it = std::find_if(in.services->begin(), in.services->end(), is_kubernetes);
    if (it == in.services->end()) return std::nullopt;
    t.ip = it->ip;
    t.port = it->port;
    t.origin = "the node's proxy rules for default/kubernetes";
  }
  t.host = t.ip;
  return t;
}

int endpoint_port(const inventory::Inventory& inv) {
  for (const auto* slice : inv.slices_of("default", "kubernetes")) {
    for (const auto& p : slice->ports) {
      if (p.port > 0 && (p.name == "https" || slice->ports.size() == 1)) return p.port;
    }
  }
  return 443;
}

void add_endpoint(std::vector<ApiTarget>& out, const std::string& ip, int port,
                  const std::string& origin) {
  for (const auto& t : out) {
    if (t.kind == ApiTargetKind::kEndpoint && t.ip == ip) return;
  }
  out.push_back({ApiTargetKind::kEndpoint, "apiserver.endpoint:" + ip, ip, ip, port, origin});
}

void add_endpoints(std::vector<ApiTarget>& out, const ApiTargetInputs& in,
                   const std::optional<ApiTarget>& cip) {
  if (in.inventory && !in.inventory->slices_of("default", "kubernetes").empty()) {
    const int port = endpoint_port(*in.inventory);
    for (const auto& ip : in.inventory->endpoint_ips("default", "kubernetes")) {
      if (dns::is_ip_address(ip))
        add_endpoint(out, ip, port, "EndpointSlice of default/kubernetes");
    }
    return;
  }
  // Without an inventory, the rules' DNAT targets for the ClusterIP are the endpoints.
  if (in.services == nullptr) return;
  for (const auto& s : *in.services) {
    const bool match = cip ? (s.ip == cip->ip && s.port == cip->port) : is_kubernetes(s);
    if (!match) continue;
    for (const auto& e : s.endpoints) {
      const auto colon = e.address.rfind(':');
      if (colon == std::string::npos) continue;
      add_endpoint(out, e.address.substr(0, colon), to_port(e.address.substr(colon + 1), 443),
                   "the node's proxy rules (" + e.chain + ")");
    }
  }
}

}  // namespace

std::vector<ApiTarget> plan_api_targets(const ApiTargetInputs& in) {
  std::vector<ApiTarget> out;
  const auto cip = cluster_ip_target(in);
  if (cip) out.push_back(*cip);
  if (!in.cluster_domain.empty()) {
    ApiTarget t;
    t.kind = ApiTargetKind::kDnsName;
    t.id = "apiserver.dns-name";
    t.host = "kubernetes.default.svc." + in.cluster_domain;
    t.port = cip ? cip->port : 443;
    t.origin = "the cluster domain of the pod's search list";
    out.push_back(t);
  }
  add_endpoints(out, in, cip);
  return out;
}

}  // namespace netdoctor::probes
