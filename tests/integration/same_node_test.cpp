// Layer same-node on a namespace-built node: pods on one bridge, probed from inside each pod.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testnet_util.h"

namespace netdoctor {
namespace {
using netdoctor::testing::can_build_namespaces;
using netdoctor::testing::sh;
using netdoctor::testing::TestNet;
using json = nlohmann::json;

#define REQUIRE_ROOT() \
  if (!can_build_namespaces()) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN"

std::vector<json> checks_of(const json& report, const std::string& layer) {
  for (const auto& l : report["layers"]) {
    if (l["layer"] == layer) return {l["checks"].begin(), l["checks"].end()};
  }
  return {};
}

TEST(SameNode, PodsAndNodeReachEveryPod) {
  REQUIRE_ROOT();
  TestNet net(3);
  ASSERT_TRUE(net.ok());
  int status = -1;
  const json r =
      json::parse(net.netdoctor("diagnose -o json --layers node,pod,same-node", &status));
  EXPECT_EQ(status, 0) << r.dump(2);
  const auto checks = checks_of(r, "same-node");
  // Three sources, two peers each, and the node to each: nine probes, all answered, and each
  // watched arriving from the sender's own address.
  ASSERT_EQ(checks.size(), 18u) << r.dump(2);
  for (const auto& c : checks) EXPECT_EQ(c["status"], "pass") << c.dump();
}

TEST(SameNode, PeerThatIgnoresArpIsNeighborFailed) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  // arp_ignore=8: the pod answers no ARP request at all.
  ASSERT_EQ(sh("ip netns exec " + net.pods()[1].netns +
               " sysctl -qw net.ipv4.conf.all.arp_ignore=8 net.ipv4.conf.eth0.arp_ignore=8"),
            0);
  int status = -1;
  const json r =
      json::parse(net.netdoctor("diagnose -o json --timeout 500ms --layers same-node "
                                "--from ip:" +
                                    net.pods()[0].ip,
                                &status));
  EXPECT_EQ(status, 1);
  ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
  EXPECT_EQ(r["root_cause"]["code"], "neighbor-failed") << r.dump(2);
  EXPECT_EQ(r["root_cause"]["layer"], "same-node");
}

TEST(SameNode, DroppedByTheBridgeFirewallIsAFailureWithEvidence) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  // br_netfilter passes bridged traffic through FORWARD: drop the peer there.
  ASSERT_EQ(sh("ip netns exec " + net.node() + " iptables-legacy -A FORWARD -d " +
               net.pods()[1].ip + " -j DROP"),
            0);
  int status = -1;
  const json r =
      json::parse(net.netdoctor("diagnose -o json --timeout 300ms --layers same-node "
                                "--from ip:" +
                                    net.pods()[0].ip,
                                &status));
  EXPECT_EQ(status, 1);
  ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
  EXPECT_EQ(r["root_cause"]["code"], "filter-drop") << r.dump(2);
  const auto evidence = r["root_cause"]["evidence"].dump();
  EXPECT_NE(evidence.find("filter FORWARD rule 1: -A FORWARD -d " + net.pods()[1].ip),
            std::string::npos)
      << evidence;
}

TEST(SameNode, ForwardPolicyDropIsTheNodesRootCause) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  ASSERT_EQ(sh("ip netns exec " + net.node() + " iptables-legacy -P FORWARD DROP"), 0);
  int status = -1;
  const json r = json::parse(net.netdoctor("diagnose -o json --timeout 300ms", &status));
  EXPECT_EQ(status, 1);
  ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
  EXPECT_EQ(r["root_cause"]["code"], "forward-policy-drop") << r.dump(2);
  EXPECT_EQ(r["root_cause"]["layer"], "node");
  // Every failed same-node probe is a consequence of it.
  for (const auto& c : checks_of(r, "same-node")) {
    if (c["status"] == "fail") {
      EXPECT_EQ(c["explained_by"], "node.forward-policy") << c.dump();
    }
  }
}

}  // namespace
}  // namespace netdoctor

namespace netdoctor {
namespace {

TEST(SameNode, ReceiverSeesTheSendersOwnAddress) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  int status = -1;
  const json r = json::parse(
      net.netdoctor("diagnose -o json --layers same-node --from ip:" + net.pods()[0].ip, &status));
  EXPECT_EQ(status, 0) << r.dump(2);
  int no_nat = 0;
  for (const auto& c : checks_of(r, "same-node")) {
    const std::string id = c["id"];
    if (id.find(".no-nat:") == std::string::npos) continue;
    ++no_nat;
    EXPECT_EQ(c["status"], "pass") << c.dump();
  }
  // pod0 -> pod1, and node -> pod0: both watched as they arrive.
  EXPECT_EQ(no_nat, 2) << r.dump(2);
}

TEST(SameNode, SourceNatBetweenPodsIsPodSnat) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  ASSERT_EQ(sh("ip netns exec " + net.node() + " iptables-legacy -t nat -A POSTROUTING -s " +
               net.pods()[0].ip + " -d 10.250.0.0/24 -j SNAT --to-source 10.250.0.99"),
            0);
  int status = -1;
  const json r = json::parse(
      net.netdoctor("diagnose -o json --layers same-node --from ip:" + net.pods()[0].ip, &status));
  EXPECT_EQ(status, 1);
  ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
  EXPECT_EQ(r["root_cause"]["code"], "pod-snat") << r.dump(2);
  EXPECT_NE(r["root_cause"]["summary"].get<std::string>().find("10.250.0.99"), std::string::npos);
}

}  // namespace
}  // namespace netdoctor
