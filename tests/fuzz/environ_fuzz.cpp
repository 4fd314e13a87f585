// A pod's environment (/proc/PID/environ: NUL-separated KEY=VALUE records the container set):
// the parser, then what the probes take from it: the API server targets
// (KUBERNETES_SERVICE_HOST/_PORT), the Services it references (service links) and its proxy
// variables.
#include "fuzz_util.h"
#include "inventory/inventory.h"
#include "netns/podfs.h"
#include "probes/apiserver/targets.h"
#include "probes/egress/egress_eval.h"
#include "probes/service/service_select.h"
#include "rules/iptables_save.h"

namespace {

using namespace netdoctor;

struct Lab {
  inventory::Inventory inventory;
  std::vector<rules::ServiceRule> services;
};

const Lab& lab() {
  static const Lab l = [] {
    auto inv = inventory::parse_inventory(fuzz::testdata("lab/inventory.json"), "lab");
    ND_FUZZ_CHECK(inv, "lab inventory does not parse");
    auto rs = rules::parse_iptables_save(fuzz::testdata("lab/node1.iptables-legacy-save.txt"));
    ND_FUZZ_CHECK(rs, "lab rules do not parse");
    return Lab{*inv, rules::services_from_iptables(*rs, rules::Backend::kIptablesLegacy)};
  }();
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto env = netns::parse_environ(std::string(fuzz::as_text(data, size)));
  for (const auto& [key, value] : env) ND_FUZZ_CHECK(!key.empty(), "an empty variable name");

  probes::ApiTargetInputs api;
  api.environ = env;
  api.inventory = &lab().inventory;
  api.services = &lab().services;
  api.cluster_domain = "cluster.local";
  for (const probes::ApiTarget& t : probes::plan_api_targets(api)) {
    ND_FUZZ_CHECK(t.port >= 1 && t.port <= 65535, "API server port out of range");
  }
  api.inventory = nullptr;  // only the environment and the rules
  (void)probes::plan_api_targets(api);

  probes::SelectInput in;
  in.inventory = &lab().inventory;
  in.rules = &lab().services;
  in.environ = env;
  in.source_namespace = "default";
  (void)probes::select_targets(in);
  (void)probes::proxy_variables(env);
  return 0;
}
