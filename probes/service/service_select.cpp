#include "probes/service/service_select.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "core/text.h"
#include "rules/compare.h"

namespace netdoctor::probes {
namespace {

// The rules by "ip:port/proto", so that a node with 10,000 Services is indexed once, not
// searched once per Service. kube-proxy writes a nat chain for a Service with endpoints and a
// filter REJECT for one without; a rule with endpoints wins if both exist.
using RuleIndex = std::unordered_map<std::string, const rules::ServiceRule*>;

std::string key(const std::string& ip, int port, const std::string& proto) {
  return ip + ":" + std::to_string(port) + "/" + proto;
}

RuleIndex index_rules(const std::vector<rules::ServiceRule>& all) {
  RuleIndex out;
  for (const rules::ServiceRule& r : all) {
    if (r.kind != "cluster IP") continue;
    auto [it, added] = out.emplace(key(r.ip, r.port, r.protocol), &r);
    if (!added && it->second->endpoints.empty() && !r.endpoints.empty()) it->second = &r;
  }
  return out;
}

std::optional<rules::ServiceRule> find_rule(const RuleIndex& index, const std::string& ip, int port,
                                            const std::string& proto) {
  auto it = index.find(key(ip, port, proto));
  if (it == index.end()) return std::nullopt;
  return *it->second;
}

std::string selector_text(const std::map<std::string, std::string>& sel) {
  std::string out;
  for (const auto& [k, v] : sel) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

std::vector<std::string> selected_pods(const inventory::Inventory& inv,
                                       const inventory::Service& svc) {
  std::vector<std::string> out;
  if (svc.selector.empty()) return out;
  for (const inventory::Pod& p : inv.pods) {
    if (p.ns != svc.ns || p.phase != "Running") continue;
    const bool match = std::all_of(svc.selector.begin(), svc.selector.end(), [&](const auto& kv) {
      auto it = p.labels.find(kv.first);
      return it != p.labels.end() && it->second == kv.second;
    });
    if (match) out.push_back(p.display_name());
  }
  return out;
}

bool named_by(const std::vector<std::string>& to, const std::string& ns, const std::string& name,
              const std::string& ip) {
  return std::any_of(to.begin(), to.end(), [&](const std::string& t) {
    // A ClusterIP may come as diagnose's --to gives it: "10.96.100.10" or "10.96.100.10:80".
    const bool by_ip = !ip.empty() && (t == ip || t.rfind(ip + ":", 0) == 0);
    return t == ns + "/" + name || t == name || by_ip;
  });
}

// The kubelet gives a pod service links for its own namespace's Services (and kubernetes):
// the variable must hold this Service's ClusterIP to count.
std::string env_reference(const SelectInput& in, const std::string& ns, const std::string& name,
                          const std::string& ip) {
  if (!in.source_namespace.empty() && ns != in.source_namespace &&
      !(ns == "default" && name == "kubernetes"))
    return {};
  const std::string var = service_host_variable(name);
  auto it = in.environ.find(var);
  if (it == in.environ.end() || it->second != ip) return {};
  return var + "=" + ip + " in the pod's environment";
}

int rank(const ServiceTarget& t) {
  if (t.named_by_user) return 0;
  if (t.service == "kube-system/kube-dns" || t.service == "default/kubernetes") return 1;
  if (!t.reference.empty()) return 2;
  return t.endpoints.empty() ? 4 : 3;
}

void add_from_inventory(const SelectInput& in, std::vector<ServiceTarget>& out) {
  const inventory::Inventory& inv = *in.inventory;
  std::vector<rules::ServiceDiff> diffs;
  RuleIndex index;
  if (in.rules) {
    diffs = rules::compare_with_inventory(*in.rules, inv);
    index = index_rules(*in.rules);
  }
  for (const inventory::Service& svc : inv.services) {
    if (svc.headless || svc.cluster_ip.empty() || svc.type == "ExternalName") continue;
    const auto pods = selected_pods(inv, svc);
    for (const inventory::ServicePort& port : svc.ports) {
      ServiceTarget t;
      t.service = svc.display_name();
      t.name = t.service + ":" + (port.name.empty() ? std::to_string(port.port) : port.name);
      t.ip = svc.cluster_ip;
      t.port = port.port;
      t.protocol = lower(port.protocol);
      t.in_inventory = true;
      t.endpoints = inv.ready_endpoints(svc, port);
      if (in.rules) t.rule = find_rule(index, t.ip, t.port, t.protocol);
      for (const auto& d : diffs) {
        if (d.service == t.service && d.port == t.port && d.protocol == t.protocol)
          t.diffs.push_back(d);
      }
      t.named_by_user = named_by(in.to_services, svc.ns, svc.name, svc.cluster_ip);
      t.reference = t.named_by_user ? "--to" : env_reference(in, svc.ns, svc.name, t.ip);
      t.selected_pods = pods;
      t.selector = selector_text(svc.selector);
      out.push_back(std::move(t));
    }
  }
}

// Without an inventory the rules are all there is: their endpoints are taken as the truth.
void add_from_rules(const SelectInput& in, std::vector<ServiceTarget>& out) {
  const RuleIndex index = index_rules(*in.rules);
  std::set<std::string> seen;
  for (const rules::ServiceRule& r : *in.rules) {
    const std::string where = key(r.ip, r.port, r.protocol);
    if (r.kind != "cluster IP" || !seen.insert(where).second) continue;
    ServiceTarget t;
    t.service = r.name.empty() ? where : r.ns() + "/" + r.service();
    t.name = r.name.empty() ? where : r.name;
    t.ip = r.ip;
    t.port = r.port;
    t.protocol = r.protocol;
    t.rule = find_rule(index, r.ip, r.port, r.protocol);
    for (const auto& e : t.rule->endpoints) t.endpoints.push_back(e.address);
    t.named_by_user = named_by(in.to_services, r.ns(), r.service(), r.ip);
    t.reference = t.named_by_user ? "--to" : env_reference(in, r.ns(), r.service(), r.ip);
    out.push_back(std::move(t));
  }
}

}  // namespace

std::string service_host_variable(const std::string& service_name) {
  std::string v;
  for (char c : service_name) {
    v += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return v + "_SERVICE_HOST";
}

std::vector<ServiceTarget> select_targets(const SelectInput& in) {
  std::vector<ServiceTarget> out;
  if (in.inventory) {
    add_from_inventory(in, out);
  } else if (in.rules) {
    add_from_rules(in, out);
  }
  std::stable_sort(out.begin(), out.end(), [](const ServiceTarget& a, const ServiceTarget& b) {
    return rank(a) < rank(b);
  });
  // The cap counts Services, not ports: kube-dns's two ports are one Service.
  std::set<std::string> kept;
  for (ServiceTarget& t : out) {
    if (!kept.count(t.service) && kept.size() >= in.max_services) {
      t.probe = false;
      continue;
    }
    kept.insert(t.service);
  }
  return out;
}

}  // namespace netdoctor::probes
