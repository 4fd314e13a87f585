#include "rules/compare.h"

#include <algorithm>
#include <set>

#include "core/text.h"

namespace netdoctor::rules {

namespace {

const ServiceRule* find_rule(const std::vector<ServiceRule>& rules, const inventory::Service& svc,
                             const inventory::ServicePort& port) {
  for (const ServiceRule& r : rules) {
    if (r.kind != "cluster IP" || r.port != port.port || r.protocol != lower(port.protocol))
      continue;
    if (std::find(svc.cluster_ips.begin(), svc.cluster_ips.end(), r.ip) != svc.cluster_ips.end() ||
        r.ip == svc.cluster_ip) {
      return &r;
    }
  }
  return nullptr;
}

ServiceDiff diff(DiffKind kind, const inventory::Service& svc, const inventory::ServicePort& port,
                 const std::string& endpoint) {
  ServiceDiff d{kind,      svc.display_name(),   port.name, svc.cluster_ip,
                port.port, lower(port.protocol), endpoint,  ""};
  std::string where = svc.cluster_ip + ":" + std::to_string(port.port) + "/" + d.protocol;
  switch (kind) {
    case DiffKind::kServiceMissing:
      d.summary = "no proxy rule for " + d.service + " (" + where + ")";
      break;
    case DiffKind::kEndpointStale:
      d.summary = d.service + " (" + where + ") leads to " + endpoint +
                  ", which no EndpointSlice lists as ready";
      break;
    case DiffKind::kEndpointMissing:
      d.summary = d.service + " (" + where + ") lacks ready endpoint " + endpoint;
      break;
  }
  return d;
}

}  // namespace

std::vector<ServiceDiff> compare_with_inventory(const std::vector<ServiceRule>& rules,
                                                const inventory::Inventory& inv) {
  std::vector<ServiceDiff> out;
  for (const inventory::Service& svc : inv.services) {
    if (svc.headless || svc.cluster_ip.empty() || svc.type == "ExternalName") continue;
    for (const inventory::ServicePort& port : svc.ports) {
      const ServiceRule* rule = find_rule(rules, svc, port);
      if (rule == nullptr) {
        out.push_back(diff(DiffKind::kServiceMissing, svc, port, ""));
        continue;
      }
      const std::vector<std::string> ready = inv.ready_endpoints(svc, port);
      const std::set<std::string> want(ready.begin(), ready.end());
      std::set<std::string> have;
      for (const EndpointRule& e : rule->endpoints) have.insert(e.address);
      for (const std::string& e : have) {
        if (!want.count(e)) out.push_back(diff(DiffKind::kEndpointStale, svc, port, e));
      }
      for (const std::string& e : want) {
        if (!have.count(e)) out.push_back(diff(DiffKind::kEndpointMissing, svc, port, e));
      }
    }
  }
  return out;
}

}  // namespace netdoctor::rules
