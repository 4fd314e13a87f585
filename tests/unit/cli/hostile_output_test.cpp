// A pod that puts secrets and terminal controls where netdoctor reads them (its proxy variables,
// its resolv.conf, its name and its Service's name in the inventory): its checks, made by the
// real evaluators, go through every output netdoctor has (text with and without colour and -v,
// JSON as `-o json` and serve's /report.json write it, Markdown, the DOT and Mermaid pictures,
// serve's /metrics), and none of them may show a secret or a raw control.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/metrics.h"
#include "core/text.h"
#include "probes/dns/dns_eval.h"
#include "probes/egress/egress_eval.h"
#include "report/json_writer.h"
#include "report/markdown_writer.h"
#include "report/path.h"
#include "report/root_cause.h"
#include "report/text_writer.h"

namespace netdoctor::cli {
namespace {

using report::Layer;
using report::Status;

// The pod's proxy variables, as its environment holds them.
const std::map<std::string, std::string> kPodEnvironment = {
    {"HTTP_PROXY", "http://alice:s3cr@t@proxy:3128"},
    {"https_proxy", "http://TOKEN-abc123@proxy:8080"},
    {"ALL_PROXY", "carol:hunter2@socks:1080"},
    {"NO_PROXY",
     ".svc,\xc2\x9b"
     "31mcorp\xe2\x80\xae"
     "lan"},
    {"PATH", "/bin"}};
const std::vector<std::string> kSecrets = {"alice",  "s3cr",  "TOKEN-abc123",
                                           "abc123", "carol", "hunter2"};

// Names from the inventory and a resolv.conf with controls in them.
const std::string kPod =
    "default/web\xe2\x80\xae"
    "1\x1b[2J";
const std::string kService =
    "default/w\xc2\x9b"
    "eb";
const std::string kNetns = "/var/run/netns/cni-\x1b]0;owned\x07";

report::Check egress_check() {
  probes::EgressFacts f;
  f.source = kPod;
  f.url_text = "http://203.0.113.10/";
  f.url = *probes::parse_egress_url(f.url_text);
  f.target_ip = "203.0.113.10";
  f.pod_route = "default via 10.244.1.1 dev eth0";
  f.probe.ran = true;
  f.probe.phase = probes::Phase::kConnect;
  f.probe.detail = "timed out";
  f.snat.state = probes::SnatState::kNotMasqueraded;
  f.proxy_env = probes::proxy_variables(kPodEnvironment);
  return probes::evaluate_egress(f);
}

report::Check resolv_conf_check() {
  probes::dns::DnsFacts f;
  auto& c = f.context;
  c.source = kPod;
  c.resolv_state = probes::dns::ResolvState::kRead;
  c.resolv = probes::dns::parse_resolv_conf(
      "search default.svc.cluster.local evil\x1b[2J\xe2\x81\xa6.example " +
      std::string(1 << 20, 'z') + "\nnameserver 10.96.0.10\n");
  c.dns_ip = "10.96.0.10";
  return probes::dns::check_resolv_conf(f);
}

report::Report hostile_report() {
  report::Report r = report::make_report();
  r.node = "node1\xc2\x85";
  r.sources.push_back({kPod, "10.244.1.4", kNetns});
  report::Check service;
  service.id = "service.clusterip:" + kService + ":http";
  service.source = kPod;
  service.status = Status::kWarn;
  service.code = "service-no-endpoints";
  service.summary = kService + " has no endpoints";
  service.subjects = {kService};
  report::add_check(r, Layer::kService, service);
  report::add_check(r, Layer::kDns, resolv_conf_check());
  report::add_check(r, Layer::kEgress, egress_check());
  report::Topology t;
  t.source = kPod;
  t.source_ip = "10.244.1.4";
  t.pod_iface = "eth0";
  t.veth =
      "veth\xe2\x80\x8f"
      "1";
  t.node = r.node;
  t.outside = "http://203.0.113.10/";
  r.topology.push_back(t);
  report::assign_root_cause(r);
  return r;
}

struct Output {
  std::string name;
  std::string text;
};

std::vector<Output> every_output(const report::Report& r) {
  std::vector<Output> out;
  for (bool color : {false, true}) {
    for (bool verbose : {false, true}) {
      std::ostringstream s;
      report::write_text(s, r, report::TextOptions{color, verbose});
      std::string text = s.str();
      // Take out the writer's own colours; anything else that drives a terminal must be gone.
      for (const char* sgr :
           {"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m"}) {
        for (auto at = text.find(sgr); at != std::string::npos; at = text.find(sgr, at)) {
          text.erase(at, std::string(sgr).size());
        }
      }
      out.push_back({std::string("text") + (color ? " color" : "") + (verbose ? " -v" : ""), text});
    }
  }
  std::ostringstream json, markdown, metrics;
  report::write_json(json, r);
  report::write_markdown(markdown, r);
  MonitorMetrics m;
  m.version = "test";
  m.record_report(r, 1.7e9, 0.5);
  write_metrics(metrics, m);
  out.push_back({"json", json.str()});
  out.push_back({"markdown", markdown.str()});
  out.push_back({"dot", report::path_dot(report::fault_path(r))});
  out.push_back({"mermaid", report::path_mermaid(report::fault_path(r))});
  out.push_back({"metrics", metrics.str()});
  return out;
}

TEST(HostileOutput, NoSecretInAnyFormat) {
  const report::Report r = hostile_report();
  ASSERT_TRUE(r.root_cause.has_value());
  for (const Output& o : every_output(r)) {
    for (const std::string& secret : kSecrets) {
      EXPECT_EQ(o.text.find(secret), std::string::npos) << o.name << " shows " << secret;
    }
  }
  // The settings are still reported, masked.
  std::ostringstream md;
  report::write_markdown(md, r);
  EXPECT_NE(md.str().find("HTTP_PROXY=http://***@proxy:3128"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("https_proxy=http://***@proxy:8080"), std::string::npos);
  EXPECT_NE(md.str().find("ALL_PROXY=***@socks:1080"), std::string::npos);
}

// No C0 or C1 control, no bidirectional override, no byte that is not UTF-8 (a lone 0x9B is CSI
// to a terminal in 8-bit mode): each output is what terminal_safe leaves as it is.
TEST(HostileOutput, NoRawControlInAnyFormat) {
  for (const Output& o : every_output(hostile_report())) {
    EXPECT_EQ(terminal_safe(o.text, true), o.text) << o.name << ":\n" << o.text;
    if (o.name != "json") {  // JSON escapes instead (below)
      EXPECT_NE(o.text.find("web?1"), std::string::npos) << o.name << " lost the pod's name";
    }
  }
}

// JSON keeps the values exactly (escaped, not replaced): a consumer reads what the pod has.
TEST(HostileOutput, JsonKeepsTheValues) {
  std::ostringstream json;
  report::write_json(json, hostile_report());
  const auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["sources"][0]["pod"], kPod);
  EXPECT_EQ(j["sources"][0]["netns"], kNetns);
  EXPECT_NE(json.str().find("web\\u202e1\\u001b[2J"), std::string::npos);
}

// The megabyte search domain is named invalid, and no output carries it whole.
TEST(HostileOutput, HugeSearchDomainIsNotCopied) {
  for (const Output& o : every_output(hostile_report())) {
    EXPECT_LT(o.text.size(), 64u << 10) << o.name;
    EXPECT_EQ(o.text.find(std::string(300, 'z')), std::string::npos) << o.name;
  }
}

}  // namespace
}  // namespace netdoctor::cli
