#include "probes/cross_node/cross_node_layer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "probes/net/routes.h"

namespace netdoctor::probes {
namespace {

using report::Status;

netns::Interface itf(int index, std::string name, std::string kind) {
  netns::Interface i;
  i.index = index;
  i.name = std::move(name);
  i.kind = std::move(kind);
  i.admin_up = i.lower_up = true;
  return i;
}

// node1 of the lab: eth0 on the underlay, cni0, flannel.1 with a route, neighbour and FDB
// entry for node2.
NodeView node1() {
  NodeView n;
  n.links.interfaces = {itf(2, "eth0", "veth"), itf(3, "flannel.1", "vxlan"),
                        itf(4, "cni0", "bridge")};
  n.links.routes = {{"default", "172.30.0.1", 2, "eth0", false, 254},
                    {"172.30.0.0/24", "", 2, "eth0", false, 254},
                    {"10.244.1.0/24", "", 4, "cni0", false, 254},
                    {"10.244.2.0/24", "10.244.2.0", 3, "flannel.1", true, 254}};
  n.neighbours = {{"10.244.2.0", "0e:6e:64:00:00:02", 3, "PERMANENT"}};
  n.fdb = {{"0e:6e:64:00:00:02", "172.30.0.12", 3, "permanent"}};
  return n;
}

CrossProbe probe(EchoOutcome small, std::optional<EchoOutcome> full = std::nullopt) {
  CrossProbe p;
  p.target = {"default/web-2", "10.244.2.3", "node2", "172.30.0.12", "10.244.2.0/24"};
  EchoResult s;
  s.outcome = small;
  s.rtt = std::chrono::microseconds(250);
  p.small = s;
  if (full) {
    EchoResult f;
    f.outcome = *full;
    p.full = f;
    p.full_size = 1450;
  }
  EchoResult node;
  node.outcome = EchoOutcome::kReply;
  p.node_ping = node;
  return p;
}

report::Check one(const CrossProbe& p, const NodeView* n) {
  auto c = evaluate_cross_node("default/client-a", {p}, n);
  EXPECT_EQ(c.size(), 1u);
  return c.at(0);
}

TEST(Routes, LongestPrefixWins) {
  const auto n = node1();
  EXPECT_EQ(lookup_route(n.links, "10.244.2.3")->dev, "flannel.1");
  EXPECT_EQ(lookup_route(n.links, "10.244.1.9")->dev, "cni0");
  EXPECT_EQ(lookup_route(n.links, "192.0.2.1")->dst, "default");
  EXPECT_TRUE(cidr_contains("10.244.0.0/16", "10.244.255.1"));
  EXPECT_FALSE(cidr_contains("10.244.0.0/16", "10.245.0.1"));
  EXPECT_FALSE(cidr_contains("garbage", "10.245.0.1"));
  EXPECT_EQ(describe_route(n.links.routes[3]), "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
}

TEST(CrossNode, BothSizesPass) {
  const auto n = node1();
  auto c = one(probe(EchoOutcome::kReply, EchoOutcome::kReply), &n);
  EXPECT_EQ(c.status, Status::kPass);
  EXPECT_EQ(c.summary, "reply from 10.244.2.3 in 0.25 ms; 1450-byte echo with DF passes");
}

TEST(CrossNode, FullSizeVanishingIsMtuBlackhole) {
  const auto n = node1();
  auto c = one(probe(EchoOutcome::kReply, EchoOutcome::kTimeout), &n);
  EXPECT_EQ(c.code, "mtu-blackhole");
  EXPECT_EQ(c.evidence.size(), 2u);
}

TEST(CrossNode, FullSizeAnsweredByFragNeededIsNotABlackhole) {
  const auto n = node1();
  auto c = one(probe(EchoOutcome::kReply, EchoOutcome::kTooBig), &n);
  EXPECT_EQ(c.status, Status::kPass);
}

TEST(CrossNode, NoRouteButDefaultIsRouteMissing) {
  auto n = node1();
  n.links.routes.pop_back();
  auto c = one(probe(EchoOutcome::kTimeout), &n);
  EXPECT_EQ(c.code, "route-missing");
  EXPECT_EQ(c.summary, "the node has no route to 10.244.2.0/24 (pods of node2)");
  EXPECT_EQ(c.evidence.at(1), "ip route get 10.244.2.3: default via 172.30.0.1 dev eth0");
  // The missing route cuts off the remote pod and every address of its node's pod network.
  EXPECT_NE(std::find(c.subjects.begin(), c.subjects.end(), "10.244.2.3"), c.subjects.end());
  EXPECT_NE(std::find(c.subjects.begin(), c.subjects.end(), "10.244.2.0/24"), c.subjects.end());
}

TEST(CrossNode, MissingFdbEntryOrNeighbourIsOverlayFdbMissing) {
  auto n = node1();
  n.fdb.clear();
  auto c = one(probe(EchoOutcome::kTimeout), &n);
  EXPECT_EQ(c.code, "overlay-fdb-missing");
  EXPECT_EQ(c.summary,
            "flannel.1 has no FDB entry for VTEP 0e:6e:64:00:00:02 (expected dst 172.30.0.12)");
  n = node1();
  n.neighbours.clear();
  EXPECT_EQ(one(probe(EchoOutcome::kTimeout), &n).code, "overlay-fdb-missing");
  n = node1();
  n.fdb[0].dst = "172.30.0.13";
  c = one(probe(EchoOutcome::kTimeout), &n);
  EXPECT_EQ(c.code, "overlay-fdb-missing");
  EXPECT_NE(c.summary.find("points at 172.30.0.13"), std::string::npos);
}

TEST(CrossNode, HealthyOverlayWithAnsweringNodeIsUnderlayBlocked) {
  const auto n = node1();
  auto c = one(probe(EchoOutcome::kTimeout), &n);
  EXPECT_EQ(c.code, "underlay-blocked");
  EXPECT_EQ(c.summary, "node node2 answers on the underlay, but pod traffic to it does not arrive");
}

TEST(CrossNode, WithoutTheNodeViewItIsNotNarrowed) {
  auto c = one(probe(EchoOutcome::kTimeout), nullptr);
  EXPECT_EQ(c.code, "remote-pod-unreachable");
}

TEST(RemoteTargets, OneRunningPodPerOtherNodeFromTheInventory) {
  inventory::Inventory inv;
  inv.nodes = {{"node1", {"172.30.0.11"}, "", {"10.244.1.0/24"}},
               {"node2", {"172.30.0.12"}, "", {"10.244.2.0/24"}}};
  inventory::Pod hostnet;
  hostnet.ns = "kube-system";
  hostnet.name = "kube-proxy-x";
  hostnet.node = "node2";
  hostnet.ip = "172.30.0.12";
  hostnet.host_network = true;
  inventory::Pod web = hostnet;
  web.ns = "default";
  web.name = "web-2";
  web.ip = "10.244.2.3";
  web.host_network = false;
  web.phase = "Running";
  inv.pods = {hostnet, web};
  auto t = remote_targets(&inv, "node1", {});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].display, "default/web-2");
  EXPECT_EQ(t[0].node_ip, "172.30.0.12");
  EXPECT_EQ(t[0].pod_cidr, "10.244.2.0/24");
}

TEST(RemoteTargets, AtMostTwoRunningPodsPerOtherNode) {
  inventory::Inventory inv;
  inv.nodes = {{"node1", {"172.30.0.11"}, "", {"10.244.1.0/24"}},
               {"node2", {"172.30.0.12"}, "", {"10.244.2.0/24"}}};
  for (int i = 2; i <= 5; ++i) {
    inventory::Pod p;
    p.ns = "default";
    p.name = "pod-" + std::to_string(i);
    p.node = "node2";
    p.ip = "10.244.2." + std::to_string(i);
    p.phase = "Running";
    inv.pods.push_back(p);
  }
  auto t = remote_targets(&inv, "node1", {});
  ASSERT_EQ(t.size(), kPodsPerNode);
  EXPECT_EQ(t[0].display, "default/pod-2");
  EXPECT_EQ(t[1].display, "default/pod-3");
}

// The inventory names a pod that is gone: it does not answer, another pod of its node does.
// The path to node2 works, so neither the underlay nor the overlay is blamed.
TEST(CrossNode, OnePodSilentAnotherOfItsNodeAnsweringIsThePodsFault) {
  const NodeView n = node1();
  CrossProbe gone = probe(EchoOutcome::kTimeout);
  gone.target.display = "default/ghost-2";
  gone.target.ip = "10.244.2.250";
  const CrossProbe alive = probe(EchoOutcome::kReply);
  const auto checks = evaluate_cross_node("default/client-a", {gone, alive}, &n);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].status, Status::kFail);
  EXPECT_EQ(checks[0].code, "remote-pod-unreachable");
  EXPECT_NE(checks[0].summary.find("default/web-2 on the same node node2 does"), std::string::npos)
      << checks[0].summary;
  EXPECT_EQ(checks[1].status, Status::kPass);
  // Both silent: the path is blamed as before.
  const auto both =
      evaluate_cross_node("default/client-a", {gone, probe(EchoOutcome::kTimeout)}, &n);
  EXPECT_EQ(both[0].code, "underlay-blocked");
  EXPECT_EQ(both[1].code, "underlay-blocked");
}

TEST(RemoteTargets, WithoutInventoryFromTheOverlayRoutes) {
  auto t = remote_targets(nullptr, "node1", node1().links);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].ip, "10.244.2.0");
  EXPECT_EQ(t[0].pod_cidr, "10.244.2.0/24");
}

}  // namespace
}  // namespace netdoctor::probes
