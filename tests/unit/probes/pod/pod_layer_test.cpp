#include "probes/pod/pod_layer.h"

#include <gtest/gtest.h>

namespace netdoctor::probes {
namespace {

using report::Status;

netns::Interface up_itf(int index, std::string name, std::string kind) {
  netns::Interface i;
  i.index = index;
  i.name = std::move(name);
  i.kind = std::move(kind);
  i.admin_up = i.lower_up = true;
  i.operstate = "up";
  i.mtu = 1500;
  return i;
}

// A healthy pod: eth0 up with 10.244.1.4/24, default via the bridge, peer veth up on cni0.
PodLinkFacts healthy() {
  PodLinkFacts f;
  auto eth0 = up_itf(3, "eth0", "veth");
  eth0.addrs = {{"10.244.1.4", 24}};
  f.pod.interfaces = {up_itf(1, "lo", ""), eth0};
  f.pod.routes = {{"default", "10.244.1.1", 3, "eth0", false, 254},
                  {"10.244.1.0/24", "", 3, "eth0", false, 254}};
  f.pod_interface = "eth0";
  f.host_veth = up_itf(7, "veth1234", "veth");
  f.host_bridge = "cni0";
  return f;
}

const report::Check* find(const std::vector<report::Check>& checks, const std::string& id) {
  for (const auto& c : checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

TEST(PodLayer, HealthyPodPassesEveryCheck) {
  auto checks = evaluate_pod_layer(healthy(), "default/client");
  ASSERT_EQ(checks.size(), 4u);
  for (const auto& c : checks) {
    EXPECT_EQ(c.status, Status::kPass) << c.id << ": " << c.summary;
    EXPECT_EQ(c.source, "default/client");
    EXPECT_TRUE(c.code.empty());
  }
  EXPECT_EQ(find(checks, "pod.address")->summary, "eth0 has 10.244.1.4/24");
  EXPECT_EQ(find(checks, "pod.default-route")->summary,
            "default route default via 10.244.1.1 dev eth0");
}

TEST(PodLayer, PeerDownOnTheNodeIsPodLinkDown) {
  auto f = healthy();
  f.host_veth->admin_up = false;
  f.host_veth->lower_up = false;
  f.host_veth->operstate = "down";
  f.pod.interfaces[1].lower_up = false;  // the kernel drops the pod side's carrier
  f.pod.interfaces[1].operstate = "lowerlayerdown";
  auto checks = evaluate_pod_layer(f, "p");
  const auto* peer = find(checks, "pod.veth-peer-up");
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(peer->status, Status::kFail);
  EXPECT_EQ(peer->code, "pod-link-down");
  EXPECT_EQ(peer->summary, "veth peer veth1234 is down on the node");
  EXPECT_EQ(peer->evidence.at(0), "node side: veth1234: <> mtu 1500 state DOWN master cni0");
  const auto* link = find(checks, "pod.link-up");
  EXPECT_EQ(link->status, Status::kFail);
  EXPECT_EQ(link->summary, "eth0 has no carrier (its veth peer on the node is down)");
  EXPECT_EQ(link->evidence.at(0), "eth0: <UP,NO-CARRIER> mtu 1500 state LOWERLAYERDOWN");
}

TEST(PodLayer, AdminDownInsideThePod) {
  auto f = healthy();
  f.pod.interfaces[1].admin_up = false;
  f.pod.interfaces[1].lower_up = false;
  auto checks = evaluate_pod_layer(f, "p");
  EXPECT_EQ(find(checks, "pod.link-up")->summary, "eth0 is administratively down in the pod");
  EXPECT_EQ(find(checks, "pod.veth-peer-up")->status, Status::kPass);
}

TEST(PodLayer, NoAddressAndNoDefaultRoute) {
  auto f = healthy();
  f.pod.interfaces[1].addrs.clear();
  f.pod.routes.clear();
  auto checks = evaluate_pod_layer(f, "p");
  EXPECT_EQ(find(checks, "pod.address")->code, "pod-no-address");
  EXPECT_EQ(find(checks, "pod.default-route")->code, "pod-no-default-route");
  EXPECT_EQ(find(checks, "pod.default-route")->evidence.at(0), "the main routing table is empty");
}

TEST(PodLayer, PeerNotVisibleIsSkippedNotPassed) {
  auto f = healthy();
  f.host_veth.reset();
  auto checks = evaluate_pod_layer(f, "p");
  EXPECT_EQ(find(checks, "pod.veth-peer-up")->status, Status::kSkip);
}

TEST(PodLayer, OnlyLoopbackIsNoAddress) {
  PodLinkFacts f;
  f.pod.interfaces = {up_itf(1, "lo", "")};
  auto checks = evaluate_pod_layer(f, "p");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].code, "pod-no-address");
}

TEST(PodLayer, InterfaceFallsBackToTheDefaultRoutes) {
  PodLinkFacts f = healthy();
  f.pod_interface.clear();
  f.pod.interfaces.push_back(up_itf(9, "net1", "macvlan"));
  EXPECT_EQ(pod_interface(f)->name, "eth0");
}

}  // namespace
}  // namespace netdoctor::probes
