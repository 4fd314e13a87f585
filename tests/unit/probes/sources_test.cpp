#include "probes/sources.h"

#include <gtest/gtest.h>

namespace netdoctor::probes {
namespace {

netns::NetnsInfo ns(unsigned long ino, std::string path, std::string ip, bool local) {
  netns::NetnsInfo info;
  info.id = {1, static_cast<ino_t>(ino)};
  info.path = std::move(path);
  netns::Interface eth0;
  eth0.index = 2;
  eth0.name = "eth0";
  eth0.kind = "veth";
  eth0.addrs = {{std::move(ip), 24}};
  info.links.interfaces = {eth0};
  info.local = local;
  info.pod_interface = local ? "eth0" : "";
  return info;
}

struct Fixture : ::testing::Test {
  void SetUp() override {
    d.self = {1, 1};
    d.others = {ns(10, "/var/run/netns/a", "10.244.1.4", true),
                ns(11, "/var/run/netns/b", "10.244.1.5", true),
                ns(12, "/var/run/netns/other-node", "10.244.2.9", false)};
    inventory::Pod client;
    client.ns = "default";
    client.name = "client";
    client.ip = "10.244.1.4";
    client.node = "node1";
    inventory::Pod remote = client;
    remote.name = "remote";
    remote.ip = "10.244.2.77";
    remote.node = "node2";
    inventory::Pod host = client;
    host.name = "hostnet";
    host.host_network = true;
    inv.pods = {client, remote, host};
  }
  netns::Discovery d;
  inventory::Inventory inv;
};

inventory::Ref ref(const std::string& text) {
  return inventory::parse_ref(text).value();
}

TEST_F(Fixture, DefaultOnANodeIsEveryLocalPod) {
  auto s = resolve_sources({}, d, &inv, netns::RunMode::kNode);
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].display, "default/client");
  EXPECT_EQ((*s)[1].display, "ip:10.244.1.5");
}

TEST_F(Fixture, DefaultInAPodIsItself) {
  d.self_links.interfaces = {d.others[0].links.interfaces[0]};
  auto s = resolve_sources({}, d, &inv, netns::RunMode::kPod);
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_TRUE((*s)[0].self);
  EXPECT_EQ((*s)[0].pod, "default/client");
}

TEST_F(Fixture, ByNameAndIpDeduplicated) {
  auto s = resolve_sources({ref("default/client"), ref("ip:10.244.1.4"), ref("ip:10.244.1.5")}, d,
                           &inv, netns::RunMode::kNode);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].netns.path, "/var/run/netns/a");
}

TEST_F(Fixture, NamedPodNeedsAnInventory) {
  auto s = resolve_sources({ref("default/client")}, d, nullptr, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message(), "pod default/client: naming a pod needs --inventory");
}

TEST_F(Fixture, UnknownAndInvisibleAndHostNetworkPodsAreErrors) {
  auto s = resolve_sources({ref("default/nope")}, d, &inv, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message(), "pod default/nope: not in the inventory");
  s = resolve_sources({ref("default/remote")}, d, &inv, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message(),
            "pod default/remote (10.244.2.77, node node2): its network namespace is not visible "
            "on this host");
  s = resolve_sources({ref("default/hostnet")}, d, &inv, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("uses the host network"), std::string::npos);
}

TEST_F(Fixture, UnknownIpIsNotFound) {
  auto s = resolve_sources({ref("ip:10.9.9.9")}, d, &inv, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().message(), "ip:10.9.9.9: no network namespace on this host has 10.9.9.9");
}

// Someone who can make a namespace can give it any address: a second namespace carrying the
// pod's address must not take over its diagnosis.
TEST_F(Fixture, AnotherNamespaceWithThePodsAddressDoesNotTakeOver) {
  // Sorted before the pod's own by path, not local (its veth's peer is not here).
  d.others.insert(d.others.begin(), ns(20, "/var/run/netns/0-impostor", "10.244.1.4", false));
  for (const char* from : {"default/client", "ip:10.244.1.4"}) {
    auto s = resolve_sources({ref(from)}, d, &inv, netns::RunMode::kNode);
    ASSERT_TRUE(s.has_value()) << from << ": " << s.error().message();
    EXPECT_EQ((*s)[0].netns.path, "/var/run/netns/a") << from;
  }
}

TEST_F(Fixture, TwoNamespacesOfOneRankWithTheAddressAreRefusedAndNamed) {
  auto twin = ns(21, "/var/run/netns/twin", "10.244.1.4", true);
  twin.pids = {4242};
  d.others.push_back(twin);
  for (const char* from : {"default/client", "ip:10.244.1.4"}) {
    auto s = resolve_sources({ref(from)}, d, &inv, netns::RunMode::kNode);
    ASSERT_FALSE(s.has_value()) << from;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidInput);
    const std::string m = s.error().message();
    EXPECT_NE(m.find("2 network namespaces carry 10.244.1.4"), std::string::npos) << m;
    EXPECT_NE(m.find("/var/run/netns/a"), std::string::npos) << m;
    EXPECT_NE(m.find("/var/run/netns/twin (pid 4242)"), std::string::npos) << m;
    EXPECT_NE(m.find("--from pid:N"), std::string::npos) << m;
  }
  // Two that are not this node's pods: refused as well.
  d.others.push_back(ns(22, "/var/run/netns/x", "10.244.2.50", false));
  d.others.push_back(ns(23, "/var/run/netns/y", "10.244.2.50", false));
  auto s = resolve_sources({ref("ip:10.244.2.50")}, d, &inv, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("/var/run/netns/x, /var/run/netns/y"), std::string::npos)
      << s.error().message();
}

TEST_F(Fixture, ANamespaceOfAnotherUserNamespaceIsOnlyTakenWhenAsked) {
  auto nested = ns(24, "/var/run/netns/nested", "10.244.9.9", false);
  nested.foreign_userns = true;
  d.others.push_back(nested);
  auto s = resolve_sources({ref("ip:10.244.9.9")}, d, &inv, netns::RunMode::kNode);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(s.error().message().find("owned by a user namespace other than the host's"),
            std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("--allow-userns"), std::string::npos);
  s = resolve_sources({ref("ip:10.244.9.9")}, d, &inv, netns::RunMode::kNode,
                      {.allow_userns = true});
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ((*s)[0].netns.path, "/var/run/netns/nested");
  // Beside a namespace of the host's, it is not even a candidate.
  auto plain = ns(25, "/var/run/netns/plain", "10.244.9.9", false);
  d.others.push_back(plain);
  s = resolve_sources({ref("ip:10.244.9.9")}, d, &inv, netns::RunMode::kNode);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ((*s)[0].netns.path, "/var/run/netns/plain");
}

TEST_F(Fixture, ListPodsShowsLocalAndNamedOnly) {
  inv.pods[1].ip = "10.244.2.9";  // now the other node's namespace is a known pod
  d.others.push_back(ns(13, "/var/run/netns/router", "172.30.0.1", false));
  auto pods = list_pods(d, &inv, false);
  ASSERT_EQ(pods.size(), 3u);
  EXPECT_EQ(pods[2].pod, "default/remote");
  EXPECT_EQ(list_pods(d, &inv, true).size(), 4u);
}

}  // namespace
}  // namespace netdoctor::probes
