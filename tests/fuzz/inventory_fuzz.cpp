// kubectl JSON inventory (`kubectl get nodes,pods,services,endpointslices -A -o json`): the
// parser, then what the probes do with it: every lookup, the comparison with the lab node's
// recorded proxy rules, the Service selection and the API server targets of each pod.
#include "fuzz_util.h"
#include "inventory/inventory.h"
#include "probes/apiserver/targets.h"
#include "probes/service/service_select.h"
#include "rules/compare.h"
#include "rules/iptables_save.h"

namespace {

using namespace netdoctor;

const std::vector<rules::ServiceRule>& lab_services() {
  static const std::vector<rules::ServiceRule> services = [] {
    auto rs = rules::parse_iptables_save(fuzz::testdata("lab/node1.iptables-legacy-save.txt"));
    ND_FUZZ_CHECK(rs, "lab rules do not parse");
    return rules::services_from_iptables(*rs, rules::Backend::kIptablesLegacy);
  }();
  return services;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto inv = inventory::parse_inventory(fuzz::as_text(data, size), "fuzz");
  if (!inv) {
    ND_FUZZ_CHECK(!inv.error().message().empty(), "an error without a message");
    return 0;
  }
  for (const inventory::Pod& pod : inv->pods) {
    (void)inv->find_pod(pod.ns, pod.name);
    (void)inv->find_pod_by_ip(pod.ip);
    (void)inv->find_node(pod.node);
  }
  for (const inventory::Node& node : inv->nodes) {
    for (const std::string& ip : node.internal_ips) (void)inv->find_node_by_ip(ip);
  }
  for (const inventory::Service& svc : inv->services) {
    (void)inv->find_service(svc.ns, svc.name);
    (void)inv->find_service_by_cluster_ip(svc.cluster_ip);
    (void)inv->slices_of(svc.ns, svc.name);
    (void)inv->endpoint_ips(svc.ns, svc.name);
  }
  (void)rules::compare_with_inventory(lab_services(), *inv);

  probes::SelectInput in;
  in.inventory = &*inv;
  in.rules = &lab_services();
  in.source_namespace = inv->pods.empty() ? "default" : inv->pods.front().ns;
  in.to_services = {"default/web", "10.96.0.10:53"};
  (void)probes::select_targets(in);

  probes::ApiTargetInputs api;
  api.inventory = &*inv;
  api.services = &lab_services();
  api.cluster_domain = "cluster.local";
  (void)probes::plan_api_targets(api);
  return 0;
}
