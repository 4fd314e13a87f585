#include "probes/apiserver/targets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/iptables_save.h"

namespace netdoctor::probes {
namespace {

std::string slurp(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ApiTargets, EnvironmentDnsNameAndInventoryEndpoints) {
  auto inv = inventory::parse_inventory(slurp("lab/inventory.json"), "lab inventory");
  ASSERT_TRUE(inv) << inv.error().message();
  ApiTargetInputs in;
  in.environ = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  in.inventory = &*inv;
  in.cluster_domain = "cluster.local";
  const auto t = plan_api_targets(in);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].id, "apiserver.clusterip");
  EXPECT_EQ(t[0].ip, "10.96.0.1");
  EXPECT_EQ(t[0].port, 443);
  EXPECT_NE(t[0].origin.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  EXPECT_EQ(t[1].id, "apiserver.dns-name");
  EXPECT_EQ(t[1].host, "kubernetes.default.svc.cluster.local");
  EXPECT_TRUE(t[1].ip.empty());
  EXPECT_EQ(t[2].id, "apiserver.endpoint:172.30.0.2");
  EXPECT_EQ(t[2].port, 6443);
}

TEST(ApiTargets, WithoutEnvironmentTheInventoryNamesTheClusterIp) {
  auto inv = inventory::parse_inventory(slurp("lab/inventory.json"), "lab inventory");
  ASSERT_TRUE(inv);
  ApiTargetInputs in;
  in.environ = {{"KUBERNETES_SERVICE_HOST", "not-an-ip"}};
  in.inventory = &*inv;
  const auto t = plan_api_targets(in);
  ASSERT_EQ(t.size(), 2u);  // no cluster domain: no DNS name
  EXPECT_EQ(t[0].ip, "10.96.0.1");
  EXPECT_NE(t[0].origin.find("inventory"), std::string::npos);
}

TEST(ApiTargets, WithoutInventoryTheRulesNameTheEndpoints) {
  auto rs = rules::parse_iptables_save(slurp("lab/node1.iptables-legacy-save.txt"));
  ASSERT_TRUE(rs) << rs.error().message();
  ApiTargetInputs in;
  in.environ = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  const auto services = rules::services_from_iptables(*rs, rules::Backend::kIptablesLegacy);
  in.services = &services;
  const auto t = plan_api_targets(in);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].id, "apiserver.endpoint:172.30.0.2");
  EXPECT_EQ(t[1].port, 6443);
  EXPECT_NE(t[1].origin.find("KUBE-SEP-"), std::string::npos);

  in.environ.clear();  // and the ClusterIP too
  const auto only_rules = plan_api_targets(in);
  ASSERT_EQ(only_rules.size(), 2u);
  EXPECT_EQ(only_rules[0].ip, "10.96.0.1");
}

TEST(ApiTargets, NothingKnownIsNoTarget) {
  ApiTargetInputs in;
  in.environ = {{"KUBERNETES_SERVICE_PORT", "99999"}};
  EXPECT_TRUE(plan_api_targets(in).empty());
}

TEST(ApiTargets, BadPortFallsBackTo443) {
  ApiTargetInputs in;
  in.environ = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "44x"}};
  const auto t = plan_api_targets(in);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].port, 443);
}

}  // namespace
}  // namespace netdoctor::probes
