#include "netns/mode.h"

#include <gtest/gtest.h>

namespace netdoctor::netns {
namespace {

Interface itf(int index, std::string name, std::string kind, int netnsid = -1) {
  Interface i;
  i.index = index;
  i.name = std::move(name);
  i.kind = std::move(kind);
  i.admin_up = i.lower_up = true;
  i.link_netnsid = netnsid;
  return i;
}

TEST(Mode, ALocalPodMeansNode) {
  Discovery d;
  NetnsInfo pod;
  pod.local = true;
  d.others.push_back(pod);
  EXPECT_EQ(detect_mode(d), RunMode::kNode);
}

TEST(Mode, BridgeWithoutPodsIsStillANode) {
  Discovery d;
  d.self_links.interfaces = {itf(1, "lo", ""), itf(2, "cni0", "bridge")};
  EXPECT_EQ(detect_mode(d), RunMode::kNode);
}

TEST(Mode, DefaultRouteThroughAVethWithAPeerElsewhereIsAPod) {
  Discovery d;
  d.self_links.interfaces = {itf(1, "lo", ""), itf(3, "eth0", "veth", 0)};
  d.self_links.routes = {Route{"default", "10.244.1.1", 3, "eth0", false, 254}};
  EXPECT_EQ(detect_mode(d), RunMode::kPod);
}

TEST(Mode, APodWithoutDefaultRouteIsStillAPod) {
  Discovery d;
  d.self_links.interfaces = {itf(1, "lo", ""), itf(3, "eth0", "veth", 0)};
  EXPECT_EQ(detect_mode(d), RunMode::kPod);
}

TEST(Mode, ANodeWhosePodsAreHiddenIsANode) {
  // hostNetwork without hostPID on a bridge-less CNI: the pods' veths are here, their
  // namespaces are not visible, the uplink carries the default route.
  Discovery d;
  d.self_links.interfaces = {itf(1, "lo", ""), itf(2, "ens3", ""), itf(7, "cali1", "veth", 0),
                             itf(8, "cali2", "veth", 1)};
  EXPECT_EQ(detect_mode(d), RunMode::kNode);
  d.self_links.routes = {Route{"default", "192.0.2.1", 2, "ens3", false, 254}};
  EXPECT_EQ(detect_mode(d), RunMode::kNode);
}

TEST(Mode, PlainHostIsANode) {
  Discovery d;
  d.self_links.interfaces = {itf(1, "lo", ""), itf(2, "ens3", "")};
  d.self_links.routes = {Route{"default", "192.0.2.1", 2, "ens3", false, 254}};
  EXPECT_EQ(detect_mode(d), RunMode::kNode);
}

TEST(NodeName, MatchesInventoryAddresses) {
  EXPECT_EQ(detect_node_name({"10.0.0.7", "172.30.0.12"},
                             {{"node1", {"172.30.0.11"}}, {"node2", {"172.30.0.12"}}}),
            "node2");
}

TEST(NodeName, FallsBackToHostname) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(detect_node_name({"10.0.0.7"}, {{"node1", {"172.30.0.11"}}}), host);
}

}  // namespace
}  // namespace netdoctor::netns
