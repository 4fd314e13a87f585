// The netdoctor binary end to end on a namespace-built node with two pods.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "testnet_util.h"

namespace netdoctor {
namespace {
using netdoctor::testing::can_build_namespaces;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;
using netdoctor::testing::TestNet;
using json = nlohmann::json;

#define REQUIRE_ROOT() \
  if (!can_build_namespaces()) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN"

json parse_or_fail(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << text;
  return j;
}

const json* find_check(const json& report, const std::string& id) {
  for (const auto& layer : report["layers"]) {
    for (const auto& c : layer["checks"]) {
      if (c["id"] == id) return &c;
    }
  }
  return nullptr;
}

TEST(Cli, PodsListsBothPodsWithIpsAndLocality) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  int status = -1;
  const auto out = net.netdoctor("pods -o json", &status);
  ASSERT_EQ(status, 0) << out;
  const json pods = parse_or_fail(out);
  for (const auto& pod : net.pods()) {
    bool seen = false;
    for (const auto& p : pods) {
      if (p["netns"] != "/var/run/netns/" + pod.netns) continue;
      seen = true;
      EXPECT_EQ(p["ips"], json::array({pod.ip}));
      EXPECT_EQ(p["local"], true);
      EXPECT_EQ(p["host_veth"], pod.host_veth);
      EXPECT_EQ(p["interface"], "eth0");
    }
    EXPECT_TRUE(seen) << pod.netns << " missing from " << out;
  }
}

TEST(Cli, DiagnoseHealthyPodEmitsAReportAndExitsZero) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  int status = -1;
  const auto out = net.netdoctor("diagnose --from ip:" + net.pods()[0].ip + " -o json", &status);
  const json r = parse_or_fail(out);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(r["schema"], "netdoctor.report/v1");
  EXPECT_EQ(r["mode"], "node");
  EXPECT_EQ(r["verdict"], "healthy");
  EXPECT_TRUE(r["root_cause"].is_null());
  ASSERT_EQ(r["sources"].size(), 1u);
  EXPECT_EQ(r["sources"][0]["ip"], net.pods()[0].ip);
  EXPECT_EQ(r["sources"][0]["netns"], "/var/run/netns/" + net.pods()[0].netns);
  ASSERT_EQ(r["layers"].size(), 8u);
  const std::vector<std::string> order = {"node",    "pod", "same-node", "cross-node",
                                          "service", "dns", "apiserver", "egress"};
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(r["layers"][i]["layer"], order[i]);
  EXPECT_EQ(r["layers"][1]["status"], "pass");
  const json* peer = find_check(r, "pod.veth-peer-up");
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ((*peer)["status"], "pass");
}

TEST(Cli, VethPeerDownIsPodLinkDown) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  ASSERT_EQ(sh("ip -n " + net.node() + " link set " + net.pods()[0].host_veth + " down"), 0);
  int status = -1;
  const auto out = net.netdoctor("diagnose --from ip:" + net.pods()[0].ip + " -o json", &status);
  const json r = parse_or_fail(out);
  EXPECT_EQ(status, 1) << out;
  EXPECT_EQ(r["verdict"], "faulty");
  ASSERT_TRUE(r["root_cause"].is_object()) << out;
  EXPECT_EQ(r["root_cause"]["code"], "pod-link-down");
  EXPECT_EQ(r["root_cause"]["layer"], "pod");
  const json* peer = find_check(r, "pod.veth-peer-up");
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ((*peer)["status"], "fail");
  // The other pod's own layers are untouched (its probes to the first pod fail, rightly).
  const auto other = net.netdoctor(
      "diagnose --layers node,pod --from ip:" + net.pods()[1].ip + " -o json", &status);
  EXPECT_EQ(status, 0) << other;
}

TEST(Cli, DefaultSourcesAreEveryLocalPod) {
  REQUIRE_ROOT();
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  int status = -1;
  const json r = parse_or_fail(net.netdoctor("diagnose -o json", &status));
  std::vector<std::string> ips;
  for (const auto& s : r["sources"]) ips.push_back(s["ip"]);
  for (const auto& pod : net.pods()) {
    EXPECT_NE(std::find(ips.begin(), ips.end(), pod.ip), ips.end()) << pod.ip;
  }
}

TEST(Cli, UnknownPodWithGarbageInventoryExitsTwoWithOneLine) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  const std::string path = ::testing::TempDir() + "garbage.json";
  std::ofstream(path) << "{\"kind\": \"List\", \"items\": [ {\"kind\": \"Pod\", ";
  int status = -1;
  const auto err = net.netdoctor(
      "diagnose --from default/nope --inventory " + path + " 2>&1 >/dev/null", &status);
  EXPECT_EQ(status, 2);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(path), std::string::npos) << err;
}

TEST(Cli, UnknownPodInAValidInventoryExitsTwo) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  const std::string path = ::testing::TempDir() + "empty-list.json";
  std::ofstream(path) << R"({"apiVersion": "v1", "kind": "List", "items": []})";
  int status = -1;
  const auto err =
      net.netdoctor("diagnose --from default/nope --inventory " + path + " 2>&1", &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("pod default/nope: not in the inventory"), std::string::npos) << err;
}

TEST(Cli, VanishedNetnsPathAndMalformedRefExitTwo) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  int status = -1;
  auto err = net.netdoctor("diagnose --from /var/run/netns/nd-gone-away 2>&1", &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("/var/run/netns/nd-gone-away"), std::string::npos) << err;
  err = net.netdoctor("diagnose --from ip:999.1.1.1 2>&1", &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("malformed REF"), std::string::npos) << err;
}

TEST(Cli, MissingCapabilityExitsThreeNamingIt) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  int status = -1;
  const auto err = sh_output("ip netns exec " + net.node() +
                                 " setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin " +
                                 ND_BINARY + " diagnose 2>&1",
                             &status);
  EXPECT_EQ(status, 3) << err;
  EXPECT_NE(err.find("CAP_SYS_ADMIN"), std::string::npos) << err;
}

}  // namespace
}  // namespace netdoctor
