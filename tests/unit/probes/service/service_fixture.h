// Facts for the service layer's unit tests, built from the lab's recorded rules and inventory
// (tests/testdata/lab) with probes filled in by hand.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "inventory/inventory.h"
#include "probes/service/service_facts.h"
#include "probes/service/service_select.h"
#include "rules/iptables_save.h"
#include "rules/services.h"

namespace netdoctor::probes::testing {

inline std::string read_testdata(const std::string& rel) {
  std::ifstream in(std::string(ND_TESTDATA) + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<rules::ServiceRule> rule_services(
    const std::string& rel, rules::Backend b = rules::Backend::kIptablesLegacy) {
  auto rs = rules::parse_iptables_save(read_testdata(rel), rel);
  EXPECT_TRUE(rs.has_value()) << (rs ? "" : rs.error().message());
  return rs ? rules::services_from_iptables(*rs, b) : std::vector<rules::ServiceRule>{};
}

inline inventory::Inventory lab_inventory(const std::string& name = "inventory.json") {
  auto inv = inventory::parse_inventory(read_testdata("lab/" + name), name);
  EXPECT_TRUE(inv.has_value()) << (inv ? "" : inv.error().message());
  return inv ? *inv : inventory::Inventory{};
}

inline ConnectProbe probe(const std::string& target, ConnectOutcome outcome) {
  ConnectProbe p;
  p.target = target;
  ConnectResult r;
  r.outcome = outcome;
  r.elapsed = std::chrono::microseconds(outcome == ConnectOutcome::kTimeout ? 500000 : 300);
  r.local = "10.244.1.3:40000";
  if (outcome == ConnectOutcome::kRefused) r.detail = "Connection refused";
  if (outcome == ConnectOutcome::kTimeout) r.detail = "no answer within 500 ms";
  p.result = r;
  return p;
}

// Every probed TCP target connects, every endpoint answers: the healthy pod's view.
inline void fill_healthy(ServiceFacts& f) {
  for (auto& t : f.targets) {
    if (!t.probe || t.protocol != "tcp" || t.endpoints.empty()) continue;
    for (int i = 0; i < 4; ++i) {
      t.via_cluster_ip.push_back(
          probe(t.ip + ":" + std::to_string(t.port), ConnectOutcome::kConnected));
    }
    for (const auto& ep : t.endpoints) f.endpoints[ep] = probe(ep, ConnectOutcome::kConnected);
  }
}

// Facts for client-a on node1 (or another source) from a recorded rules dump and inventory.
inline ServiceFacts lab_facts(const std::string& rules_file, const std::string& inventory_file,
                              const std::string& source_ip = "10.244.1.3",
                              std::map<std::string, std::string> env = {}) {
  // Targets copy what they need: nothing points into these once select_targets returns.
  const auto rules = rule_services("lab/" + rules_file);
  const auto inv = lab_inventory(inventory_file);
  SelectInput in;
  in.inventory = &inv;
  in.rules = &rules;
  in.environ = std::move(env);
  in.source_namespace = "default";
  ServiceFacts f;
  f.source = "default/client-a";
  f.source_ip = source_ip;
  f.rules_read = true;
  f.rules_backend = "iptables-legacy";
  f.targets = select_targets(in);
  return f;
}

}  // namespace netdoctor::probes::testing
