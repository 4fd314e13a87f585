#include "rules/evaluate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rules/iptables_save.h"

namespace netdoctor::rules {
namespace {

Ruleset load(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/rules/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto rs = parse_iptables_save(ss.str(), name);
  EXPECT_TRUE(rs) << rs.error().message();
  return rs ? *rs : Ruleset{};
}

// Node addresses of kube-proxy's proxier_test.go (testNodeIPs).
const std::vector<std::string> kNodeIPs = {"192.168.0.2", "192.168.1.2", "192.168.99.11"};

// A packet as upstream's tracePacket sends it: through nat PREROUTING, sources on the node
// counting as LOCAL.
Packet flow(const std::string& src, const std::string& dst, uint16_t port) {
  Packet p;
  p.src = src;
  p.dst = dst;
  p.dport = port;
  p.local_addresses = kNodeIPs;
  return p;
}

// Upstream's "output": the DNAT destinations joined with ", ", or the filter verdict when one
// stopped the packet, "" when nothing happened.
std::string output(const Trace& t) {
  std::vector<std::string> parts;
  for (const Outcome& o : t.outcomes) {
    if (!o.dnat.empty())
      parts.push_back(o.dnat);
    else if (o.filter.verdict != Verdict::kAccept)
      parts.push_back(to_string(o.filter.verdict));
    else if (!o.filter.by_policy())
      parts.push_back("ACCEPT");
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

struct FlowCase {
  const char* name;
  const char* src;
  const char* dst;
  uint16_t port;
  const char* output;
  bool masq;
};

class KubeProxyFlows : public ::testing::TestWithParam<FlowCase> {};

// The packet-flow table of TestTracePacket in kube-proxy's pkg/proxy/iptables/proxier_test.go,
// against the same rules (recorded through iptables-legacy-restore/-save).
TEST_P(KubeProxyFlows, MatchUpstream) {
  static const Ruleset rules = load("kube-proxy-legacy.save");
  const FlowCase& c = GetParam();
  auto t = trace(rules, flow(c.src, c.dst, c.port));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(output(*t), c.output);
  for (const Outcome& o : t->outcomes) {
    if (o.filter.verdict == Verdict::kAccept) {
      EXPECT_EQ(o.masqueraded, c.masq);
    }
  }
  EXPECT_FALSE(t->uncertain());
}

INSTANTIATE_TEST_SUITE_P(
    TracePacket, KubeProxyFlows,
    ::testing::Values(
        FlowCase{"no_match", "10.0.0.2", "10.0.0.3", 80, "", false},
        FlowCase{"single_endpoint", "10.0.0.2", "172.30.0.41", 80, "10.180.0.1:80", false},
        FlowCase{"multiple_endpoints", "10.0.0.2", "172.30.0.44", 80,
                 "10.180.0.4:80, 10.180.0.5:80", false},
        FlowCase{"local_mark_masq", "192.168.0.2", "192.168.99.22", 80, "10.180.0.2:80", true},
        FlowCase{"external_drop", "203.0.113.2", "192.168.99.22", 80, "DROP", false},
        FlowCase{"nodeport_healthcheck_accept", "192.168.0.2", "192.168.0.2", 30000, "ACCEPT",
                 false},
        FlowCase{"no_endpoints_reject", "10.0.0.2", "172.30.0.46", 80, "REJECT", false},
        FlowCase{"off_cluster_source_masq", "192.168.0.5", "172.30.0.41", 80, "10.180.0.1:80",
                 true},
        FlowCase{"nodeport", "203.0.113.2", "192.168.0.2", 3003, "10.180.0.3:80", true}),
    [](const ::testing::TestParamInfo<FlowCase>& param) { return std::string(param.param.name); });

TEST(Evaluate, BranchesOnStatisticWithProbabilities) {
  Ruleset rules = load("kube-proxy-legacy.save");
  auto t = trace(rules, flow("10.0.0.2", "172.30.0.44", 80));
  ASSERT_TRUE(t);
  ASSERT_EQ(t->outcomes.size(), 2u);
  double sum = 0;
  for (const Outcome& o : t->outcomes) {
    EXPECT_DOUBLE_EQ(o.probability, 0.5);
    sum += o.probability;
  }
  EXPECT_DOUBLE_EQ(sum, 1.0);
  // The path names every chain hop by hop.
  const Outcome& o = t->outcomes[0];
  std::vector<std::string> chains;
  for (const Hop& h : o.path) chains.push_back(h.table + "/" + h.chain);
  ASSERT_GE(chains.size(), 4u);
  EXPECT_EQ(chains[0], "nat/PREROUTING");
  EXPECT_EQ(chains[1], "nat/KUBE-SERVICES");
  EXPECT_EQ(chains[2], "nat/KUBE-SVC-4SW47YFZTEDKD3PK");
  EXPECT_EQ(o.path[1].comment, "ns4/svc4:p80 cluster IP");
  EXPECT_EQ(o.path[1].position, 6);
}

TEST(Evaluate, ReportsTheRuleThatDrops) {
  Ruleset rules = load("flannel-node.save");
  Packet p;
  p.src = "10.244.1.5";
  p.dst = "10.244.1.7";
  p.dport = 8080;
  p.in_iface = "cni0";
  p.out_iface = "cni0";
  auto t = trace(rules, p);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->outcomes.size(), 1u);
  const Decision& d = t->outcomes[0].filter;
  EXPECT_EQ(d.verdict, Verdict::kDrop);
  EXPECT_EQ(d.chain, "NETDOCTOR-LAB");
  EXPECT_EQ(d.position, 1);
  EXPECT_EQ(d.comment, "drop traffic to default/web-1");
  EXPECT_FALSE(d.by_policy());
}

TEST(Evaluate, ForwardPolicyDropWhenNoRuleAccepts) {
  Ruleset rules = load("flannel-node.save");
  Packet p;
  p.src = "192.168.5.5";  // neither source nor destination in the cluster CIDR
  p.dst = "192.168.6.6";
  p.dport = 443;
  p.in_iface = "eth0";
  p.out_iface = "eth1";
  auto t = trace(rules, p);
  ASSERT_TRUE(t);
  const Decision& d = t->outcomes.at(0).filter;
  EXPECT_EQ(d.verdict, Verdict::kDrop);
  EXPECT_TRUE(d.by_policy());
  EXPECT_EQ(d.chain, "FORWARD");
  EXPECT_EQ(t->outcomes[0].path.back().rule, "policy DROP");
}

TEST(Evaluate, UncertainRuleIsReportedAndSkipped) {
  Ruleset rules = load("flannel-node.save");
  Packet p;
  p.src = "10.244.1.5";
  p.dst = "10.244.1.8";
  p.dport = 80;
  p.in_iface = "cni0";
  auto t = trace(rules, p);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->uncertain());
  EXPECT_EQ(t->outcomes[0].filter.verdict, Verdict::kAccept);  // FLANNEL-FWD accepts
  ASSERT_FALSE(t->outcomes[0].uncertain.empty());
  EXPECT_NE(t->outcomes[0].uncertain[0].find("physdev"), std::string::npos);
}

TEST(Evaluate, EgressIsMasqueradedPodToPodIsNot) {
  Ruleset rules = load("flannel-node.save");
  Packet out;
  out.src = "10.244.1.5";
  out.dst = "1.1.1.1";
  out.dport = 443;
  out.out_iface = "eth0";
  auto egress = evaluate_postrouting(rules, out);
  ASSERT_TRUE(egress);
  EXPECT_TRUE(egress->masqueraded);
  EXPECT_EQ(egress->snat_rule.chain, "FLANNEL-POSTRTG");
  EXPECT_EQ(egress->snat_rule.position, 5);

  Packet pod = out;
  pod.dst = "10.244.2.9";
  auto p2p = evaluate_postrouting(rules, pod);
  ASSERT_TRUE(p2p);
  EXPECT_FALSE(p2p->masqueraded);
}

TEST(Evaluate, EgressWithoutMasqueradeRule) {
  auto rules = parse_iptables_save("*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
  ASSERT_TRUE(rules);
  Packet out;
  out.src = "10.244.1.5";
  out.dst = "1.1.1.1";
  auto egress = evaluate_postrouting(*rules, out);
  ASSERT_TRUE(egress);
  EXPECT_FALSE(egress->masqueraded);
}

TEST(Evaluate, GotoReturnsToTheCallersCaller) {
  auto rules = parse_iptables_save(
      "*filter\n:FORWARD ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n"
      "-A FORWARD -j A\n-A FORWARD -j DROP\n"
      "-A A -g B\n-A A -j ACCEPT\n"  // never reached: B's RETURN leaves A too
      "-A B -j MARK --set-xmark 0x1/0xffffffff\n-A B -j RETURN\n-A B -j ACCEPT\n"
      "-A C -j C\nCOMMIT\n");
  ASSERT_TRUE(rules) << rules.error().message();
  Packet p;
  p.src = "10.0.0.1";
  p.dst = "10.0.0.2";
  auto t = trace(*rules, p);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->outcomes[0].filter.verdict, Verdict::kDrop);
  EXPECT_EQ(t->outcomes[0].filter.chain, "FORWARD");
  EXPECT_EQ(t->outcomes[0].filter.position, 2);
}

TEST(Evaluate, LoopsAreCutAndReported) {
  auto rules = parse_iptables_save(
      "*filter\n:FORWARD ACCEPT [0:0]\n:C - [0:0]\n-A FORWARD -j C\n-A C -j C\nCOMMIT\n");
  ASSERT_TRUE(rules);
  Packet p;
  p.src = "10.0.0.1";
  p.dst = "10.0.0.2";
  auto t = trace(*rules, p);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->uncertain());
}

TEST(Evaluate, UnknownFieldsMakeRulesUncertainNotWrong) {
  auto rules = parse_iptables_save(
      "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -i eth0 -j DROP\n"
      "-A FORWARD -p tcp -m tcp --sport 1000:2000 -j DROP\nCOMMIT\n");
  ASSERT_TRUE(rules);
  Packet p;
  p.src = "10.0.0.1";
  p.dst = "10.0.0.2";
  p.dport = 80;
  auto t = trace(*rules, p);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->outcomes[0].uncertain.size(), 2u);
  p.in_iface = "eth0";
  t = trace(*rules, p);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->outcomes[0].filter.verdict, Verdict::kDrop);
  EXPECT_EQ(t->outcomes[0].filter.position, 1);
}

TEST(Evaluate, BadPacketIsAnError) {
  Ruleset rules;
  Packet p;
  p.src = "10.0.0.256";
  p.dst = "10.0.0.1";
  EXPECT_FALSE(trace(rules, p));
  p.src = "10.0.0.1";
  p.protocol = "";
  EXPECT_FALSE(trace(rules, p));
}

TEST(Evaluate, EmptyRulesetAcceptsEverything) {
  Packet p;
  p.src = "10.0.0.1";
  p.dst = "10.0.0.2";
  auto t = trace(Ruleset{}, p);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->outcomes.size(), 1u);
  EXPECT_EQ(t->outcomes[0].filter.verdict, Verdict::kAccept);
  EXPECT_FALSE(t->outcomes[0].masqueraded);
}

// Found by the iptables_save fuzzer: a loop-free rule set (iptables-restore loads it) whose
// chains each jump twice into the next is walked 2^depth times. The walk stops after its budget
// with the packet's verdict marked uncertain, in well under a second, instead of hanging.
TEST(Evaluate, ChainsThatJumpTwiceIntoEachOtherEndUncertain) {
  std::string text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  for (int i = 1; i <= 40; ++i) text += ":C" + std::to_string(i) + " - [0:0]\n";
  text += "-A FORWARD -j C1\n";
  for (int i = 1; i < 40; ++i) {
    const std::string next = " -j C" + std::to_string(i + 1) + "\n";
    text += "-A C" + std::to_string(i) + next + "-A C" + std::to_string(i) + next;
  }
  text += "-A FORWARD -j DROP\nCOMMIT\n";
  auto rules = parse_iptables_save(text);
  ASSERT_TRUE(rules) << rules.error().message();
  Packet p;
  p.src = "10.244.1.3";
  p.dst = "10.244.2.2";
  auto t = trace(*rules, p);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->outcomes.size(), 1u);
  EXPECT_TRUE(t->uncertain());
  EXPECT_NE(t->outcomes[0].uncertain.back().find("walk stopped"), std::string::npos);
}

}  // namespace
}  // namespace netdoctor::rules
