#include "probes/node/node_layer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace netdoctor::probes {
namespace {
namespace fs = std::filesystem;
using report::Status;

NodeFacts healthy() {
  NodeFacts f;
  f.ip_forward = "1";
  f.bridge_nf_call_iptables = "1";
  f.bridges = {"cni0"};
  return f;
}

TEST(NodeLayer, HealthyNodePasses) {
  auto checks = evaluate_node_layer(healthy());
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].id, "node.ip-forward");
  EXPECT_EQ(checks[0].status, Status::kPass);
  EXPECT_EQ(checks[1].status, Status::kPass);
  EXPECT_EQ(checks[1].summary, "traffic bridged on cni0 passes iptables");
}

TEST(NodeLayer, ForwardingOff) {
  auto f = healthy();
  f.ip_forward = "0";
  auto checks = evaluate_node_layer(f);
  EXPECT_EQ(checks[0].status, Status::kFail);
  EXPECT_EQ(checks[0].code, "ip-forward-disabled");
  EXPECT_EQ(checks[0].evidence.at(0), "net.ipv4.ip_forward = 0");
}

TEST(NodeLayer, BridgeNfOffOrModuleMissing) {
  auto f = healthy();
  f.bridge_nf_call_iptables = "0";
  EXPECT_EQ(evaluate_node_layer(f)[1].code, "bridge-nf-disabled");
  f.bridge_nf_call_iptables.reset();
  auto c = evaluate_node_layer(f)[1];
  EXPECT_EQ(c.code, "bridge-nf-disabled");
  EXPECT_NE(c.summary.find("br_netfilter is not loaded"), std::string::npos);
}

TEST(NodeLayer, NoBridgeSkipsBridgeNf) {
  auto f = healthy();
  f.bridges.clear();
  f.bridge_nf_call_iptables.reset();
  EXPECT_EQ(evaluate_node_layer(f)[1].status, Status::kSkip);
}

TEST(NodeLayer, CollectsFromAProcSysTree) {
  const fs::path root = fs::temp_directory_path() / ("nd-sys-" + std::to_string(::getpid()));
  fs::create_directories(root / "net/ipv4");
  std::ofstream(root / "net/ipv4/ip_forward") << "0\n";
  netns::LinkSnapshot links;
  netns::Interface br;
  br.name = "cni0";
  br.kind = "bridge";
  links.interfaces = {br};
  auto f = collect_node_facts(links, root.string());
  fs::remove_all(root);
  EXPECT_EQ(f.ip_forward, "0");
  EXPECT_FALSE(f.bridge_nf_call_iptables.has_value());
  EXPECT_EQ(f.bridges, std::vector<std::string>{"cni0"});
}

}  // namespace
}  // namespace netdoctor::probes
