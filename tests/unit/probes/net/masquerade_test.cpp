#include "probes/net/masquerade.h"

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

rules::RuleSnapshot snapshot(const std::string& name) {
  rules::RuleSnapshot snap;
  auto parsed = rules::parse_iptables_save(slurp(name), name);
  EXPECT_TRUE(parsed) << parsed.error().message();
  if (parsed) snap.ruleset = std::move(*parsed);
  return snap;
}

TEST(Masquerade, FlannelMasqueradesPodToOutside) {
  const auto snap = snapshot("lab/node1.iptables-legacy-save.txt");
  const auto v = judge_masquerade(&snap, nullptr, nullptr, "10.244.1.3", "203.0.113.10", 80);
  EXPECT_EQ(v.state, SnatState::kMasqueraded) << v.evidence;
  EXPECT_NE(v.evidence.find("FLANNEL-POSTRTG"), std::string::npos) << v.evidence;
}

TEST(Masquerade, MissingFlannelChainIsNoSnat) {
  const auto snap = snapshot("lab/node1.iptables-legacy-save.egress-no-snat.txt");
  const auto v = judge_masquerade(&snap, nullptr, nullptr, "10.244.1.3", "172.30.0.2", 6443);
  EXPECT_EQ(v.state, SnatState::kNotMasqueraded);
  EXPECT_NE(v.evidence.find("10.244.1.3 → 172.30.0.2:6443"), std::string::npos) << v.evidence;
}

TEST(Masquerade, WithoutRulesItIsUnknown) {
  const auto v = judge_masquerade(nullptr, nullptr, nullptr, "10.244.1.3", "203.0.113.10", 80);
  EXPECT_EQ(v.state, SnatState::kUnknown);
  EXPECT_NE(v.evidence.find("not checked"), std::string::npos);
}

TEST(Masquerade, PodDestinationsNeedNone) {
  inventory::Inventory inv;
  inv.nodes.push_back({"node2", {"172.30.0.12"}, "node2", {"10.244.2.0/24"}});
  const auto snap = snapshot("lab/node1.iptables-legacy-save.egress-no-snat.txt");
  const auto v = judge_masquerade(&snap, nullptr, &inv, "10.244.1.3", "10.244.2.3", 80);
  EXPECT_EQ(v.state, SnatState::kInsideCluster);
  EXPECT_TRUE(inside_pod_network(&inv, "10.244.2.3"));
  EXPECT_FALSE(inside_pod_network(&inv, "172.30.0.2"));
  EXPECT_FALSE(inside_pod_network(nullptr, "10.244.2.3"));
}

}  // namespace
}  // namespace netdoctor::probes
