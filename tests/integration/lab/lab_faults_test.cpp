// netdoctor against the lab (tests/lab): each fault injected alone must be named as the root
// cause, and the healthy lab must give no failure at all. The lab is brought up once for the
// whole binary, which ctest runs under `tests/lab/lab lock` so no other test shares it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../testnet_util.h"

namespace netdoctor {
namespace {
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;
using json = nlohmann::json;

const std::string kLab = ND_LAB;
std::string g_inventory;  // the lab's inventory, written once

class LabEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ASSERT_EQ(sh(kLab + " up >/dev/null"), 0) << "lab up failed";
    g_inventory = ::testing::TempDir() + "lab-inventory-" + std::to_string(::getpid()) + ".json";
    ASSERT_EQ(sh(kLab + " inventory > " + g_inventory), 0);
  }
  void TearDown() override {
    std::remove(g_inventory.c_str());
    sh(kLab + " down >/dev/null");
  }
};

// Validates a report against the published schema (docs/report.schema.json) with
// tests/schema/validate_report.py; prints the problems and returns false when it is not valid.
bool valid_report(const std::string& text) {
  const std::string src = ND_SOURCE_DIR;
  const std::string path =
      ::testing::TempDir() + "lab-report-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << text;
  const int rc = sh("/usr/bin/python3 " + src + "/tests/schema/validate_report.py " + src +
                    "/docs/report.schema.json " + path);
  std::remove(path.c_str());
  return rc == 0;
}

// Runs netdoctor on a node (default node1) from a pod over every layer; every report must
// validate against the schema.
json diagnose(int* status, const std::string& from = "default/client-a",
              const std::string& node = "ndlab-node1",
              const std::string& egress =
                  " --egress http://example.test/ --egress "
                  "http://203.0.113.10/") {
  const std::string out = sh_output("ip netns exec " + node + " " + std::string(ND_BINARY) +
                                        " diagnose -o json --timeout 500ms --inventory " +
                                        g_inventory + " --from " + from + egress,
                                    status);
  auto j = json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  EXPECT_TRUE(valid_report(out)) << "the report does not match docs/report.schema.json";
  return j;
}

TEST(Lab, HealthyLabHasNoFailure) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + g_inventory), 0);
  for (const std::string from : {"default/client-a", "default/web-1", "kube-system/coredns-0"}) {
    int status = -1;
    const json r = diagnose(&status, from);
    EXPECT_EQ(status, 0) << r.dump(2);
    EXPECT_EQ(r["verdict"], "healthy");
    for (const auto& layer : r["layers"]) {
      for (const auto& c : layer["checks"]) EXPECT_NE(c["status"], "fail") << c.dump();
    }
  }
  for (const std::string from : {"default/client-b", "default/web-2"}) {
    int status = -1;
    const json r = diagnose(&status, from, "ndlab-node2");
    EXPECT_EQ(status, 0) << r.dump(2);
    EXPECT_EQ(r["node"], "node2");
  }
}

TEST(Lab, ToTargetsAreProbedAcrossNodes) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + g_inventory), 0);
  int status = -1;
  const std::string out =
      sh_output("ip netns exec ndlab-node1 " + std::string(ND_BINARY) +
                    " diagnose -o json --layers cross-node --inventory " + g_inventory +
                    " --from default/client-a --to 10.244.2.2 --to 10.244.2.3",
                &status);
  const json r = json::parse(out);
  EXPECT_EQ(status, 0) << out;
  std::set<std::string> ids;
  for (const auto& c : r["layers"][3]["checks"]) ids.insert(c["id"].get<std::string>());
  EXPECT_TRUE(ids.count("cross-node.ping:default/client-b")) << out;
  EXPECT_TRUE(ids.count("cross-node.ping:default/web-2")) << out;
}

// --deadline ends the run although probes are still waiting for their (longer) timeout: the
// unfinished layers are reported as skipped with the reason, and the process exits at once.
TEST(Lab, DeadlineEndsTheRunAndNamesTheUnfinishedLayers) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault dns-server-down >/dev/null && " +
               kLab + " inventory > " + g_inventory),
            0);
  int status = -1;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string out =
      sh_output("ip netns exec ndlab-node1 " + std::string(ND_BINARY) +
                    " diagnose -o json --timeout 3s --deadline 400ms --inventory " + g_inventory +
                    " --from default/client-a",
                &status);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  sh(kLab + " heal >/dev/null");
  const json r = json::parse(out, nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << out;
  EXPECT_TRUE(valid_report(out));
  EXPECT_LT(ms, 2500) << "the deadline did not end the run";
  std::set<std::string> cut;
  for (const auto& layer : r["layers"]) {
    for (const auto& c : layer["checks"]) {
      const std::string summary = c["summary"];
      if (summary.find("did not finish within the deadline of 400 ms") != std::string::npos) {
        EXPECT_EQ(c["status"], "skip");
        EXPECT_EQ(c["code"], "deadline-exceeded") << c.dump();
        cut.insert(layer["layer"].get<std::string>());
      }
    }
  }
  // The DNS layer waits for a server that does not answer (3 s per try): it cannot be done.
  EXPECT_TRUE(cut.count("dns")) << r.dump(2);
  // The pod layer reads what discovery already read: it is never cut.
  EXPECT_FALSE(cut.count("pod"));
}

// A search domain whose DNS refuses ends the pod's search: the report names that domain, asked
// alone, and the name still resolves as is. The other pod, without that domain, is healthy.
TEST(Lab, SearchDomainThatStopsTheSearchIsNamed) {
  ASSERT_EQ(
      sh(kLab + " heal >/dev/null && " + kLab + " fault dns-search-domain-broken >/dev/null && " +
         kLab + " inventory > " + g_inventory),
      0);
  int status = -1;
  const json r = diagnose(&status, "default/client-a");
  sh(kLab + " heal >/dev/null");
  EXPECT_EQ(status, 1) << r.dump(2);
  std::map<std::string, json> checks;
  for (const auto& layer : r["layers"]) {
    for (const auto& c : layer["checks"]) {
      if (c["source"] == "default/client-a") checks[c["id"].get<std::string>()] = c;
    }
  }
  ASSERT_TRUE(checks.count("dns.search-path")) << r.dump(2);
  const json& search = checks["dns.search-path"];
  EXPECT_EQ(search["status"], "fail") << search.dump(2);
  EXPECT_EQ(search["code"], "dns-resolv-conf-invalid");
  const std::string summary = search["summary"];
  EXPECT_NE(summary.find("the search stops at corp.test (REFUSED"), std::string::npos) << summary;
  // Only the refusing domain is named: the cluster's own three answer NXDOMAIN.
  EXPECT_EQ(summary.find("cluster.local ("), std::string::npos) << summary;
  // The cluster name goes through the same search (4 dots, ndots 5) and fails the same way.
  const std::string fqdn = checks["dns.cluster-name"]["summary"];
  EXPECT_NE(fqdn.find("search stops at corp.test"), std::string::npos) << fqdn;
  EXPECT_EQ(checks["dns.upstream"]["status"], "pass");
}

// The path picture through the binary: DOT on stdout, SVG drawn by Graphviz, Mermaid in the
// Markdown report, each with the failing hop marked.
TEST(Lab, PathPictureMarksTheFailingHop) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault route-missing >/dev/null && " + kLab +
               " inventory > " + g_inventory),
            0);
  const std::string run = "ip netns exec ndlab-node1 " + std::string(ND_BINARY) +
                          " diagnose --timeout 500ms --inventory " + g_inventory +
                          " --from default/client-a";
  const std::string svg = ::testing::TempDir() + "lab-path-" + std::to_string(::getpid()) + ".svg";
  int status = -1;
  const std::string dot = sh_output(run + " -o dot --picture " + svg, &status);
  const std::string md = sh_output(run + " -o markdown", &status);
  sh(kLab + " heal >/dev/null");
  EXPECT_EQ(status, 1);
  EXPECT_NE(dot.find("digraph netdoctor_path"), std::string::npos) << dot;
  EXPECT_NE(dot.find("node: node1 172.30.0.11 (route)\\n✗ route-missing"), std::string::npos)
      << dot;
  EXPECT_NE(dot.find("overlay: flannel.1"), std::string::npos) << dot;
  EXPECT_NE(dot.find("destination: default/client-b 10.244.2.2"), std::string::npos) << dot;
  std::ifstream in(svg);
  const std::string drawn((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(svg.c_str());
  EXPECT_NE(drawn.find("<svg"), std::string::npos) << "no SVG written to " << svg;
  EXPECT_NE(drawn.find("route&#45;missing"), std::string::npos);
  EXPECT_NE(md.find("```mermaid\nflowchart LR"), std::string::npos) << md;
  EXPECT_NE(md.find("✗ route-missing"), std::string::npos) << md;
}

// Pod mode, as in a `kubectl debug` ephemeral container: netdoctor runs in the pod's network
// and mount namespaces (the pod's resolv.conf and service-account files) and enters nothing.
// Node-side checks are skipped with the reason; the faults visible from the pod are found.
json diagnose_as_pod(int* status, const std::string& pod = "default/client-a") {
  const std::string pid = sh_output(kLab + " pid " + pod, status);
  const std::string out =
      sh_output("nsenter -t " + pid.substr(0, pid.find('\n')) + " -n -m " + std::string(ND_BINARY) +
                    " diagnose -o json --timeout 500ms --inventory " + g_inventory,
                status);
  auto j = json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  EXPECT_TRUE(valid_report(out));
  return j;
}

TEST(LabPodMode, NodeSideChecksAreSkippedWithTheReason) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + g_inventory), 0);
  int status = -1;
  const json r = diagnose_as_pod(&status);
  EXPECT_EQ(status, 0) << r.dump(2);
  EXPECT_EQ(r["mode"], "pod");
  EXPECT_EQ(r["verdict"], "healthy");
  ASSERT_EQ(r["sources"].size(), 1u);
  EXPECT_EQ(r["sources"][0]["ip"], "10.244.1.3");
  for (const char* layer : {"node", "same-node"}) {
    for (const auto& l : r["layers"]) {
      if (l["layer"] != layer) continue;
      EXPECT_EQ(l["status"], "skip") << l.dump(2);
      ASSERT_FALSE(l["checks"].empty()) << layer << ": a skip must say why";
      EXPECT_NE(l["checks"][0]["summary"].get<std::string>().find("inside a pod"),
                std::string::npos)
          << l.dump(2);
    }
  }
}

// CoreDNS runs as a pod on node 1 and forwards outside names to a server outside the cluster;
// node 1 stops masquerading pod traffic. The node's missing masquerade is the root cause (node
// layer), confirmed by the cluster DNS's upstream failing, whether or not --egress is given.
TEST(LabMasquerade, CoreDnsUpstreamWithoutMasqueradeIsTheNodesFault) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault coredns-no-snat >/dev/null && " +
               kLab + " inventory > " + g_inventory),
            0);
  for (const std::string& egress : {std::string(), std::string(" --egress http://203.0.113.10/")}) {
    int status = -1;
    const json r = diagnose(&status, "default/client-a", "ndlab-node1", egress);
    EXPECT_EQ(status, 1) << egress << r.dump(2);
    ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
    EXPECT_EQ(r["root_cause"]["code"], "egress-no-snat") << egress << r["root_cause"].dump(2);
    EXPECT_EQ(r["root_cause"]["layer"], "node") << egress;
    EXPECT_EQ(r["root_cause"]["check_id"], "node.masquerade") << egress;
    // What it explains: the cluster DNS's upstream failing, seen from the pod.
    bool upstream_explained = false;
    for (const auto& l : r["layers"]) {
      for (const auto& c : l["checks"]) {
        if (c.value("code", "") == "dns-upstream-failure") {
          upstream_explained = c.value("explained_by", "") == "node.masquerade";
        }
      }
    }
    EXPECT_TRUE(upstream_explained) << egress << r.dump(2);
  }
  // Healed: the node masquerades, the check passes.
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + g_inventory), 0);
  int status = -1;
  const json r = diagnose(&status, "default/client-a", "ndlab-node1", "");
  EXPECT_EQ(status, 0) << r.dump(2);
  for (const auto& l : r["layers"]) {
    for (const auto& c : l["checks"]) {
      if (c["id"] == "node.masquerade") {
        EXPECT_EQ(c["status"], "pass") << c.dump(2);
      }
    }
  }
}

// Node mode (every pod of the node probes every Service, endpoint and peer at once) on the
// healthy lab, whose default/slow backends are Python servers with an accept queue of 5: twenty
// runs in a row, none may report a failure netdoctor's own burst caused.
TEST(LabNodeMode, TwentyHealthyRunsInARowWithSmallBacklogBackends) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + g_inventory), 0);
  int faulty = 0;
  int intermittent = 0;
  for (int run = 0; run < 20; ++run) {
    int status = -1;
    const std::string out =
        sh_output("ip netns exec ndlab-node1 " + std::string(ND_BINARY) +
                      " diagnose -o json --timeout 500ms --inventory " + g_inventory,
                  &status);
    const json r = json::parse(out, nullptr, false);
    ASSERT_FALSE(r.is_discarded()) << out;
    ASSERT_GE(r["sources"].size(), 3u);
    if (status != 0 || r["verdict"] != "healthy") {
      ++faulty;
      ADD_FAILURE() << "run " << run << " is faulty: " << r["root_cause"].dump(2);
    }
    bool slow_probed = false;
    for (const auto& l : r["layers"]) {
      for (const auto& c : l["checks"]) {
        if (c.value("code", "") == "intermittent") ++intermittent;
        if (c["id"].get<std::string>().find("default/slow") != std::string::npos) {
          slow_probed = true;
        }
      }
    }
    EXPECT_TRUE(slow_probed) << "the small-backlog Service default/slow was not probed";
  }
  std::printf("[ node     ] 20 node-mode runs: %d faulty, %d intermittent warnings\n", faulty,
              intermittent);
  EXPECT_EQ(faulty, 0);
}

struct PodModeCase {
  const char* fault;
  const char* code;
};

class LabPodModeFault : public ::testing::TestWithParam<PodModeCase> {};

TEST_P(LabPodModeFault, IsFoundFromInsideThePod) {
  const PodModeCase& f = GetParam();
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault " + f.fault + " >/dev/null && " +
               kLab + " inventory > " + g_inventory),
            0);
  int status = -1;
  const json r = diagnose_as_pod(&status);
  EXPECT_EQ(status, 1) << r.dump(2);
  EXPECT_EQ(r["mode"], "pod");
  ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
  EXPECT_EQ(r["root_cause"]["code"], f.code) << r["root_cause"].dump(2);
}

INSTANTIATE_TEST_SUITE_P(
    VisibleFromThePod, LabPodModeFault,
    ::testing::Values(PodModeCase{"pod-no-default-route", "pod-no-default-route"},
                      PodModeCase{"dns-server-down", "dns-server-unreachable"},
                      PodModeCase{"endpoint-unreachable", "endpoint-unreachable"},
                      PodModeCase{"apiserver-tls-untrusted", "apiserver-tls-untrusted"}),
    [](const ::testing::TestParamInfo<PodModeCase>& param) {
      std::string name = param.param.fault;
      for (auto& c : name) c = (c == '-') ? '_' : c;
      return name;
    });

struct FaultCase {
  const char* fault;
  const char* code;
  const char* layer;
  const char* from = "default/client-a";
};

class LabFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(LabFault, IsTheRootCause) {
  const FaultCase& f = GetParam();
  // The inventory is taken after the fault, as a user would take it during the incident.
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault " + f.fault + " >/dev/null && " +
               kLab + " inventory > " + g_inventory),
            0);
  int status = -1;
  const json r = diagnose(&status, f.from);
  EXPECT_EQ(status, 1) << r.dump(2);
  ASSERT_TRUE(r["root_cause"].is_object()) << r.dump(2);
  EXPECT_EQ(r["root_cause"]["code"], f.code) << r["root_cause"].dump(2);
  EXPECT_EQ(r["root_cause"]["layer"], f.layer);
  EXPECT_FALSE(r["root_cause"]["evidence"].empty());
  // A faulty run costs about one probe timeout (500 ms), not the sum of the failed probes.
  EXPECT_LT(r["duration_ms"].get<int>(), 2500) << "took " << r["duration_ms"];
}

INSTANTIATE_TEST_SUITE_P(
    Faults, LabFault,
    ::testing::Values(FaultCase{"ip-forward-disabled", "ip-forward-disabled", "node"},
                      FaultCase{"bridge-nf-disabled", "bridge-nf-disabled", "node"},
                      FaultCase{"forward-policy-drop", "forward-policy-drop", "node"},
                      FaultCase{"pod-no-address", "pod-no-address", "pod"},
                      FaultCase{"pod-no-default-route", "pod-no-default-route", "pod"},
                      FaultCase{"pod-link-down", "pod-link-down", "same-node"},
                      FaultCase{"filter-drop", "filter-drop", "same-node"},
                      FaultCase{"neighbor-failed", "neighbor-failed", "same-node"},
                      FaultCase{"pod-snat", "pod-snat", "same-node"},
                      FaultCase{"route-missing", "route-missing", "cross-node"},
                      FaultCase{"overlay-fdb-missing", "overlay-fdb-missing", "cross-node"},
                      FaultCase{"underlay-blocked", "underlay-blocked", "cross-node"},
                      FaultCase{"mtu-blackhole", "mtu-blackhole", "cross-node"},
                      FaultCase{"dns-server-down", "dns-server-unreachable", "dns"},
                      FaultCase{"dns-upstream-failure", "dns-upstream-failure", "dns"},
                      FaultCase{"dns-resolv-conf-invalid", "dns-resolv-conf-invalid", "dns"},
                      FaultCase{"dns-search-domain-broken", "dns-resolv-conf-invalid", "dns"},
                      FaultCase{"dns-name-not-found", "dns-name-not-found", "dns"},
                      FaultCase{"kube-dns-rules-missing", "service-rules-missing", "service"},
                      FaultCase{"endpoints-stale", "endpoints-stale", "service"},
                      FaultCase{"endpoint-unreachable", "endpoint-unreachable", "service"},
                      FaultCase{"service-no-endpoints", "service-no-endpoints", "service"},
                      FaultCase{"hairpin-broken", "hairpin-broken", "service", "default/web-1"},
                      FaultCase{"apiserver-down", "apiserver-unreachable", "apiserver"},
                      FaultCase{"apiserver-tls-untrusted", "apiserver-tls-untrusted", "apiserver"},
                      FaultCase{"apiserver-unauthorized", "apiserver-unauthorized", "apiserver"},
                      FaultCase{"egress-no-snat", "egress-no-snat", "node"},
                      FaultCase{"coredns-no-snat", "egress-no-snat", "node"}),
    [](const ::testing::TestParamInfo<FaultCase>& param) {
      std::string name = param.param.fault;
      for (auto& c : name) c = (c == '-') ? '_' : c;
      return name;
    });

// The same-node faults on a node of 30 pods, in node mode: same-node probing samples its peers
// there (a ring, 3 peers per pod) instead of all pairs, and must find every fault the pairs
// found. Rebuilds the lab at 30 pods per node, and the default lab again at the end.
TEST(LabNodeScale, SameNodeFaultsAreFoundOnAThirtyPodNode) {
  ASSERT_EQ(sh(kLab + " down >/dev/null && " + kLab + " up --pods-per-node 30 >/dev/null"), 0);
  struct Case {
    const char* fault;
    const char* code;
  };
  const std::string inventory = g_inventory + ".30";
  auto node_mode = [&](int* status) {
    const std::string out =
        sh_output("ip netns exec ndlab-node1 " + std::string(ND_BINARY) +
                      " diagnose -o json --timeout 500ms --inventory " + inventory,
                  status);
    return json::parse(out, nullptr, false);
  };
  ASSERT_EQ(sh(kLab + " inventory > " + inventory), 0);
  int status = -1;
  json r = node_mode(&status);
  ASSERT_FALSE(r.is_discarded());
  EXPECT_EQ(r["sources"].size(), 30u);
  EXPECT_EQ(status, 0) << r["root_cause"].dump(2);
  std::size_t pings = 0;
  for (const auto& l : r["layers"]) {
    if (l["layer"] != "same-node") continue;
    for (const auto& c : l["checks"]) {
      if (c["id"].get<std::string>().starts_with("same-node.ping:")) ++pings;
    }
  }
  // A ring of 3 peers per pod, not all pairs (30 * 29 = 870).
  EXPECT_LE(pings, 3u * 30u);
  std::printf("[ scale    ] 30-pod node, healthy: %d ms, %zu same-node pings\n",
              r["duration_ms"].get<int>(), pings);
  for (const Case& f : {Case{"filter-drop", "filter-drop"}, Case{"pod-link-down", "pod-link-down"},
                        Case{"neighbor-failed", "neighbor-failed"}, Case{"pod-snat", "pod-snat"}}) {
    SCOPED_TRACE(f.fault);
    ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault " + f.fault + " >/dev/null && " +
                 kLab + " inventory > " + inventory),
              0);
    r = node_mode(&status);
    ASSERT_FALSE(r.is_discarded());
    EXPECT_EQ(status, 1);
    ASSERT_TRUE(r["root_cause"].is_object()) << f.fault;
    EXPECT_EQ(r["root_cause"]["code"], f.code) << r["root_cause"].dump(2);
    std::printf("[ scale    ] 30-pod node, %s: %d ms, root cause %s (%s)\n", f.fault,
                r["duration_ms"].get<int>(), r["root_cause"]["code"].get<std::string>().c_str(),
                r["root_cause"]["layer"].get<std::string>().c_str());
  }
  std::remove(inventory.c_str());
  EXPECT_EQ(sh(kLab + " down >/dev/null && " + kLab + " up >/dev/null && " + kLab +
               " inventory > " + g_inventory),
            0);
}

}  // namespace
}  // namespace netdoctor

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::puts("lab fault tests need root to build the lab: skipped");
    return 77;  // ctest: SKIP_RETURN_CODE
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new netdoctor::LabEnvironment);
  return RUN_ALL_TESTS();
}
