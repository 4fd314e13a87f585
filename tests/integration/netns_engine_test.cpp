// The namespace engine against the kernel: entering, identifying and discovering namespaces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <future>

#include "netns/discover.h"
#include "netns/netns.h"
#include "netns/runner.h"
#include "testnet_util.h"

namespace netdoctor::netns {
namespace {
using netdoctor::testing::can_build_namespaces;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;
using netdoctor::testing::TestNet;

#define REQUIRE_ROOT() \
  if (!can_build_namespaces()) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN"

TEST(NetnsEngine, CallingThreadNeverMovesAfterManyNamespaces) {
  REQUIRE_ROOT();
  const auto before = current_netns_id().value();
  TestNet net(6);
  ASSERT_TRUE(net.ok());
  std::vector<std::future<Result<bool>>> runs;
  for (int round = 0; round < 5; ++round) {
    for (const auto& pod : net.pods()) {
      auto ns = Netns::open_path("/var/run/netns/" + pod.netns);
      ASSERT_TRUE(ns.has_value()) << ns.error().message();
      const NetnsId want = ns->id();
      // Inside, the thread must really be in the target namespace.
      runs.push_back(run_in_async(*ns, [want] { return current_netns_id().value() == want; }));
    }
  }
  for (auto& r : runs) {
    auto inside = r.get();
    ASSERT_TRUE(inside.has_value()) << inside.error().message();
    EXPECT_TRUE(*inside);
  }
  EXPECT_EQ(current_netns_id().value(), before);
  EXPECT_EQ(stat_netns("/proc/self/ns/net").value(), before);
}

TEST(NetnsEngine, OpenPidFindsTheProcesssNamespace) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  const std::string pid =
      sh_output("ip netns exec " + net.pods()[0].netns + " sleep 30 >/dev/null 2>&1 & echo $!");
  const int p = std::stoi(pid);
  // `ip netns exec` enters the namespace after the fork: wait until the process is inside.
  const auto want = stat_netns("/var/run/netns/" + net.pods()[0].netns).value();
  for (int i = 0; i < 200; ++i) {
    auto now = stat_netns("/proc/" + std::to_string(p) + "/ns/net");
    if (now && *now == want) break;
    ::usleep(10'000);
  }
  auto by_pid = Netns::open_pid(p);
  sh("kill " + std::to_string(p));
  ASSERT_TRUE(by_pid.has_value()) << by_pid.error().message();
  EXPECT_EQ(by_pid->id(), want);
}

TEST(NetnsEngine, EnteringAVanishedNamespaceIsAClearError) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  const std::string path = "/var/run/netns/" + net.pods()[0].netns;
  sh("ip netns del " + net.pods()[0].netns);
  auto ns = Netns::open_path(path);
  ASSERT_FALSE(ns.has_value());
  EXPECT_EQ(ns.error().message(),
            "cannot open network namespace \"" + path + "\": No such file or directory");
}

TEST(NetnsEngine, DiscoveryFromTheNodeSeesLocalPodsWithTheirPeers) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  auto node = Netns::open_path("/var/run/netns/" + net.node());
  ASSERT_TRUE(node.has_value());
  // Discover as if running on the node: from a thread inside the node's namespace.
  auto d = run_in(*node, [] { return discover(); });
  ASSERT_TRUE(d.has_value()) << d.error().message();
  EXPECT_EQ(d->self, node->id());
  for (const auto& pod : net.pods()) {
    const NetnsInfo* found = nullptr;
    for (const auto& info : d->others) {
      if (info.path == "/var/run/netns/" + pod.netns) found = &info;
    }
    ASSERT_NE(found, nullptr) << pod.netns;
    EXPECT_TRUE(found->local) << found->error;
    EXPECT_EQ(found->pod_interface, "eth0");
    EXPECT_EQ(found->primary_ip(), pod.ip);
    const Interface* peer = d->self_links.find(found->host_veth_index);
    ASSERT_NE(peer, nullptr);
    EXPECT_EQ(peer->name, pod.host_veth);
  }
}

TEST(NetnsEngine, PodsOfAnotherNodeAreNotLocal) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  // From the host's namespace, the pod's veth peer lives in the node namespace, not here.
  auto d = discover();
  ASSERT_TRUE(d.has_value()) << d.error().message();
  for (const auto& info : d->others) {
    if (info.path == "/var/run/netns/" + net.pods()[0].netns) {
      EXPECT_FALSE(info.local);
      EXPECT_EQ(info.primary_ip(), net.pods()[0].ip);
      return;
    }
  }
  FAIL() << "pod namespace not discovered";
}

}  // namespace
}  // namespace netdoctor::netns

namespace netdoctor::netns {
namespace {

// The node's own uplink (a veth whose node side carries the node's address) is not a pod.
TEST(NetnsEngine, UplinkNamespaceIsNotAPod) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  const std::string uplink = net.node() + "-up";
  struct Guard {
    std::string name;
    ~Guard() { sh("ip netns del " + name + " 2>/dev/null"); }
  } guard{uplink};
  ASSERT_EQ(sh("ip netns add " + uplink + " && ip -n " + net.node() +
               " link add eth9 type veth peer name up0 netns " + uplink + " && ip -n " +
               net.node() + " addr add 192.0.2.11/24 dev eth9 && ip -n " + net.node() +
               " link set eth9 up && ip -n " + uplink + " link set up0 up"),
            0);
  auto node = Netns::open_path("/var/run/netns/" + net.node());
  ASSERT_TRUE(node.has_value());
  auto d = run_in(*node, [] { return discover(); });
  ASSERT_TRUE(d.has_value()) << d.error().message();
  int seen = 0;
  for (const auto& info : d->others) {
    if (info.path == "/var/run/netns/" + uplink) {
      ++seen;
      EXPECT_TRUE(info.peer_here);
      EXPECT_FALSE(info.local);
    }
    if (info.path == "/var/run/netns/" + net.pods()[0].netns) {
      ++seen;
      EXPECT_TRUE(info.local);
    }
  }
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace netdoctor::netns
