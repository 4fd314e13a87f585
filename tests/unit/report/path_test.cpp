#include "report/path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/markdown_writer.h"
#include "report/text_writer.h"
#include "sample_reports.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace netdoctor::report {
namespace {

using fixtures::make_check;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Topology lab_topology(const std::string& source) {
  Topology t;
  t.source = source;
  t.source_ip = "10.244.1.3";
  t.pod_iface = "eth0";
  t.veth = "veth8dd52f75";
  t.bridge = "cni0";
  t.node = "node1";
  t.node_ip = "172.30.0.11";
  t.local_peer = "default/web-1 10.244.1.4";
  t.overlay = "flannel.1";
  t.underlay = "eth0";
  t.remote_node = "node2";
  t.remote_node_ip = "172.30.0.12";
  t.remote_pod = "default/client-b";
  t.remote_ip = "10.244.2.2";
  t.dns_service = "10.96.0.10";
  t.dns_endpoint = "10.244.1.2";
  t.apiserver = "10.96.0.1 → 172.30.0.2";
  t.outside = "http://example.test/";
  return t;
}

// A report whose only failure is CODE in LAYER, from SOURCE, with the lab's topology.
Report failing(Layer layer, Code code, const std::string& id,
               const std::string& source = "default/client-a") {
  Report r = make_report();
  r.topology = {lab_topology(source)};
  add_check(r, layer, make_check(id, source, Status::kFail, code, "it fails"));
  assign_root_cause(r);
  return r;
}

std::vector<std::string> names(const std::vector<Hop>& hops) {
  std::vector<std::string> out;
  for (const auto& h : hops) out.push_back(h.name);
  return out;
}

int failed_at(const std::vector<Hop>& hops) {
  for (std::size_t i = 0; i < hops.size(); ++i) {
    if (hops[i].state == Hop::State::kFailed) return static_cast<int>(i);
  }
  return -1;
}

TEST(Path, CrossNodeFaultMarksTheOverlayAndCutsWhatFollows) {
  const auto hops =
      fault_path(failing(Layer::kCrossNode, "overlay-fdb-missing", "cross-node.ping:x"));
  EXPECT_THAT(names(hops), ::testing::ElementsAre("pod", "veth", "bridge", "node", "overlay",
                                                  "underlay", "remote-node", "destination"));
  ASSERT_EQ(failed_at(hops), 4);
  EXPECT_EQ(hops[4].label, "flannel.1");
  EXPECT_EQ(hops[4].detail, "overlay-fdb-missing");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(hops[i].state, Hop::State::kOk);
  for (int i = 5; i < 8; ++i) EXPECT_EQ(hops[i].state, Hop::State::kNotReached);
  EXPECT_EQ(hops[7].label, "default/client-b 10.244.2.2");
  EXPECT_EQ(hops[5].label, "eth0 → 172.30.0.12");
}

TEST(Path, EachCodeLandsOnItsHop) {
  struct Case {
    Layer layer;
    Code code;
    const char* hop;
  };
  const Case cases[] = {
      {Layer::kPod, "pod-no-address", "pod"},
      {Layer::kSameNode, "pod-link-down", "veth"},
      {Layer::kSameNode, "neighbor-failed", "bridge"},
      {Layer::kNode, "bridge-nf-disabled", "bridge"},
      {Layer::kNode, "ip-forward-disabled", "node"},
      {Layer::kSameNode, "filter-drop", "node"},
      {Layer::kCrossNode, "route-missing", "node"},
      {Layer::kCrossNode, "underlay-blocked", "underlay"},
      {Layer::kCrossNode, "mtu-blackhole", "overlay"},
      {Layer::kService, "endpoint-unreachable", "destination"},
      {Layer::kService, "service-rules-missing", "node"},
      {Layer::kDns, "dns-upstream-failure", "upstream"},
      {Layer::kDns, "dns-server-unreachable", "destination"},
      {Layer::kApiserver, "apiserver-tls-untrusted", "destination"},
      {Layer::kEgress, "egress-no-snat", "node"},
      {Layer::kEgress, "egress-unreachable", "destination"},
  };
  for (const Case& c : cases) {
    const auto hops = fault_path(failing(c.layer, c.code, std::string(to_string(c.layer)) + ".x"));
    const int at = failed_at(hops);
    ASSERT_GE(at, 0) << c.code << " marks no hop";
    EXPECT_EQ(hops[at].name, c.hop) << c.code;
    EXPECT_EQ(hop_of_code(c.code), c.hop);
  }
}

TEST(Path, ServiceFlowNamesTheServiceFromTheCheck) {
  const auto hops = fault_path(
      failing(Layer::kService, "endpoint-unreachable", "service.endpoint:10.244.2.3:80"));
  ASSERT_FALSE(hops.empty());
  EXPECT_EQ(hops.back().label, "10.244.2.3:80");
  EXPECT_EQ(hops.back().state, Hop::State::kFailed);
}

TEST(Path, HealthyReportDrawsTheCrossNodePathAllOk) {
  Report r = make_report();
  r.topology = {lab_topology("default/client-a")};
  const auto hops = fault_path(r);
  ASSERT_EQ(hops.size(), 8u);
  EXPECT_EQ(failed_at(hops), -1);
}

TEST(Path, NoTopologyNoPicture) {
  EXPECT_TRUE(fault_path(failing(Layer::kDns, "dns-server-unreachable", "dns.x")).size() > 0);
  Report r = make_report();
  add_check(r, Layer::kDns, make_check("dns.x", "s", Status::kFail, "dns-server-unreachable", "x"));
  assign_root_cause(r);
  EXPECT_TRUE(fault_path(r).empty());
  EXPECT_EQ(path_dot({}),
            "digraph netdoctor_path {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", "
            "fontname=\"sans-serif\"];\n}\n");
}

TEST(Path, DotMarksTheFailingHopAndEscapesQuotes) {
  Report r = failing(Layer::kCrossNode, "route-missing", "cross-node.ping:x", "default/\"odd\"");
  const std::string dot = path_dot(fault_path(r));
  EXPECT_THAT(dot, HasSubstr("digraph netdoctor_path {"));
  EXPECT_THAT(dot, HasSubstr("default/\\\"odd\\\""));
  EXPECT_THAT(dot, HasSubstr("(route)\\n✗ route-missing"));
  EXPECT_THAT(dot, HasSubstr("color=\"#c00000\", penwidth=2];"));
  EXPECT_THAT(dot, HasSubstr("h3 -> h4 [style=dashed"));
  EXPECT_THAT(dot, HasSubstr("h2 -> h3;"));
}

// Graphviz itself must accept the DOT (and draw it): the picture is for people, not for grep.
TEST(Path, GraphvizRendersTheDot) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "Graphviz is not installed";
  for (const Report& r : {failing(Layer::kCrossNode, "route-missing", "cross-node.ping:x"),
                          failing(Layer::kDns, "dns-upstream-failure", "dns.upstream"),
                          failing(Layer::kEgress, "egress-unreachable", "egress.x")}) {
    const std::string dot_file = ::testing::TempDir() + "path-test.dot";
    const std::string svg_file = ::testing::TempDir() + "path-test.svg";
    std::ofstream(dot_file) << path_dot(fault_path(r));
    ASSERT_EQ(std::system(("dot -Tsvg -o " + svg_file + " " + dot_file).c_str()), 0)
        << path_dot(fault_path(r));
    std::ifstream svg(svg_file);
    const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    EXPECT_THAT(text, HasSubstr("<svg"));
    std::string drawn;  // Graphviz writes '-' as "&#45;" in SVG text
    for (char c : r.root_cause->code.name())
      drawn += c == '-' ? std::string("&#45;") : std::string(1, c);
    EXPECT_THAT(text, HasSubstr(drawn));
    std::remove(dot_file.c_str());
    std::remove(svg_file.c_str());
  }
}

TEST(Path, MermaidInTheMarkdownReport) {
  Report r = failing(Layer::kCrossNode, "route-missing", "cross-node.ping:x", "default/\"odd\"");
  std::ostringstream md;
  write_markdown(md, r);
  EXPECT_THAT(md.str(), HasSubstr("## Path\n\n```mermaid\nflowchart LR\n"));
  EXPECT_THAT(md.str(), HasSubstr("#quot;odd#quot;"));
  EXPECT_THAT(md.str(), HasSubstr("style h3 fill:#f8d0d0"));
  EXPECT_THAT(md.str(), HasSubstr("h3 -.-> h4"));
}

TEST(Path, TextReportShowsThePathLineUnderTheRootCause) {
  std::ostringstream text;
  write_text(text, failing(Layer::kCrossNode, "route-missing", "cross-node.ping:x"), TextOptions{});
  EXPECT_THAT(text.str(), HasSubstr("Path:"));
  EXPECT_THAT(text.str(), HasSubstr("node1 172.30.0.11 (route) ✗ (route-missing) → flannel.1"));
}

// Issue 16: the picture follows the failing check's own source and target. Two sources of
// node1; the fault is the second one's.
Topology second_topology() {
  Topology t = lab_topology("default/client-b");
  t.source_ip = "10.244.1.9";
  t.veth = "veth0b0b0b0b";
  return t;
}

Report two_sources() {
  Report r = make_report();
  r.topology = {lab_topology("default/client-a"), second_topology()};
  for (const std::string source : {"default/client-a", "default/client-b"}) {
    add_check(r, Layer::kPod, make_check("pod.link-up", source, Status::kPass, "", "eth0 is up"));
  }
  return r;
}

TEST(PathFollowsTheFault, LinkDownOnTheSecondSourceDrawsItsOwnPod) {
  Report r = two_sources();
  // Both sources' checks are "pod.link-up": the first of that id is client-a's, which passed.
  r.layers[1].checks[1].status = Status::kFail;
  r.layers[1].checks[1].code = "pod-link-down";
  assign_root_cause(r);
  const auto hops = fault_path(r);
  ASSERT_EQ(names(hops).size(), 5u) << path_line(hops);
  EXPECT_EQ(hops[0].label, "default/client-b 10.244.1.9");
  EXPECT_EQ(hops[1].label, "eth0 / veth0b0b0b0b");
  EXPECT_EQ(failed_at(hops), 1);
  EXPECT_THAT(path_line(hops), Not(HasSubstr("client-a")));
}

TEST(PathFollowsTheFault, SameNodeDestinationIsTheFailingCheckPeer) {
  Report r = two_sources();
  add_check(r, Layer::kSameNode,
            make_check("same-node.ping:default/web-3", "default/client-b", Status::kFail,
                       "neighbor-failed", "ARP for 10.244.1.12 fails", {}, 1,
                       {"10.244.1.12", "default/web-3"}));
  assign_root_cause(r);
  const auto hops = fault_path(r);
  EXPECT_THAT(names(hops), ElementsAre("pod", "veth", "bridge", "node", "destination"));
  EXPECT_EQ(hops[0].label, "default/client-b 10.244.1.9");
  // Not the topology's example peer, default/web-1.
  EXPECT_EQ(hops.back().label, "default/web-3 10.244.1.12");
  EXPECT_EQ(failed_at(hops), 2);
}

TEST(PathFollowsTheFault, CrossNodeDestinationIsTheFailingCheckRemotePodAndNode) {
  Report r = two_sources();
  add_check(r, Layer::kCrossNode,
            make_check("cross-node.ping:default/db-0", "default/client-b", Status::kFail,
                       "route-missing", "the node has no route to 10.244.3.0/24", {}, 1,
                       {"10.244.3.5", "default/db-0", "node:node3", "10.244.3.0/24"}));
  assign_root_cause(r);
  auto hops = fault_path(r);
  ASSERT_EQ(hops.size(), 8u);
  EXPECT_EQ(hops[0].label, "default/client-b 10.244.1.9");
  EXPECT_EQ(hops[5].label, "eth0");  // node3's address is not in the topology
  EXPECT_EQ(hops[6].label, "node3");
  EXPECT_EQ(hops[7].label, "default/db-0 10.244.3.5");

  // A pod of the node the topology knows: its address is drawn.
  r.layers[3].checks[0].subjects = {"10.244.2.7", "default/db-1", "node:node2"};
  hops = fault_path(r);
  EXPECT_EQ(hops[5].label, "eth0 → 172.30.0.12");
  EXPECT_EQ(hops[6].label, "node2");
  EXPECT_EQ(hops[7].label, "default/db-1 10.244.2.7");
}

TEST(PathFollowsTheFault, TargetsNamedByTheCheckId) {
  struct Case {
    Layer layer;
    Code code;
    std::string id;
    std::string destination;
  };
  const Case cases[] = {
      {Layer::kService, "service-no-endpoints", "service.clusterip:default/orphan:http",
       "default/orphan:http"},
      {Layer::kDns, "dns-server-unreachable", "dns.endpoint-udp:10.244.0.3",
       "DNS server 10.244.0.3"},
      {Layer::kApiserver, "apiserver-unreachable", "apiserver.endpoint:172.30.0.3",
       "API server 172.30.0.3"},
      {Layer::kEgress, "egress-unreachable", "egress.https://second.example/",
       "https://second.example/"},
      // An egress check that fails on DNS draws the cluster DNS, not its URL as a server.
      {Layer::kEgress, "egress-dns-failure", "egress.https://second.example/",
       "DNS server 10.244.1.2"},
  };
  for (const Case& c : cases) {
    Report r = two_sources();
    add_check(r, c.layer, make_check(c.id, "default/client-b", Status::kFail, c.code, "it fails"));
    assign_root_cause(r);
    const auto hops = fault_path(r);
    ASSERT_FALSE(hops.empty()) << c.id;
    EXPECT_EQ(hops[0].label, "default/client-b 10.244.1.9") << c.id;
    const auto dest = std::find_if(hops.begin(), hops.end(),
                                   [](const Hop& h) { return h.name == "destination"; });
    ASSERT_NE(dest, hops.end()) << c.id;
    EXPECT_EQ(dest->label, c.destination) << c.id;
  }
}

TEST(PathFollowsTheFault, ASourceWithoutTopologyDrawsNothing) {
  Report r = two_sources();
  add_check(r, Layer::kPod,
            make_check("pod.link-up", "default/client-c", Status::kFail, "pod-link-down", "down"));
  assign_root_cause(r);
  ASSERT_EQ(r.root_cause->source, "default/client-c");
  EXPECT_TRUE(fault_path(r).empty()) << path_line(fault_path(r));
  std::ostringstream text;
  write_text(text, r, TextOptions{});
  EXPECT_THAT(text.str(), Not(HasSubstr("Path:")));
}

TEST(PathFollowsTheFault, ANodeWideRootCauseDrawsTheFirstSource) {
  Report r = two_sources();
  add_check(r, Layer::kNode,
            make_check("node.ip-forward", "", Status::kFail, "ip-forward-disabled", "off"));
  assign_root_cause(r);
  const auto hops = fault_path(r);
  ASSERT_FALSE(hops.empty());
  EXPECT_EQ(hops[0].label, "default/client-a 10.244.1.3");
  EXPECT_EQ(hops[failed_at(hops)].name, "node");
}

}  // namespace
}  // namespace netdoctor::report
