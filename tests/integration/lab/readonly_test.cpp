// Read-only proof (issue 10): netdoctor never changes a rule, route, sysctl, neighbour or link,
// and reading never creates an iptables table. Every lab namespace's state (node_state.sh:
// iptables-legacy-save, iptables-nft-save, nft list ruleset, ip -d link/addr/route/neigh,
// bridge fdb, net.* sysctls, /proc/net/ip_tables_names) is snapshotted before and after full
// diagnoses of every pod on every node (all layers, with an egress target), plus `pods`,
// `services` and `trace`, and must be byte-identical apart from counters.
//
// Three snapshots: S0 before anything, S1 after a first round, S2 after a second round.
// - The strict part must be identical in S0, S1 and S2.
// - Neighbour and bridge FDB entries that the kernel makes from traffic (an ARP answer, a MAC
//   seen on a bridge port, "0.0.0.0 dev lo NOARP" after a pod's first packet over its own lo)
//   are compared without their NUD state, which moves by itself (REACHABLE → STALE → DELAY
//   ...): the diagnosis sends packets, so the first round may add such entries, but none of S0
//   may disappear or change its lladdr, and the second round may not add, remove or change
//   any (S1 == S2). Entries someone configured (PERMANENT) are part of the strict state.
// Runs inside lab_fault_tests (the lab is up, under its lock); each test leaves it healed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "../testnet_util.h"

namespace netdoctor {
namespace {
using json = nlohmann::json;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

const std::string kLab = ND_LAB;
const std::string kNodeState =
    (std::filesystem::path(__FILE__).parent_path() / "node_state.sh").string();

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "readonly-" + std::to_string(::getpid()) + "-" + name;
}

// One snapshot, kept in files so that a difference can be shown with diff.
struct Snapshot {
  std::string strict;   // path of the strict part
  std::string learned;  // path of the learned neighbour/FDB entries
};

Snapshot snapshot(const std::string& name) {
  Snapshot s{temp_path(name + ".strict"), temp_path(name + ".learned")};
  EXPECT_EQ(sh(kNodeState + " strict > " + s.strict), 0) << name;
  EXPECT_EQ(sh(kNodeState + " learned > " + s.learned), 0) << name;
  return s;
}

void remove_snapshot(const Snapshot& s) {
  std::remove(s.strict.c_str());
  std::remove(s.learned.c_str());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> lines_of(const std::string& path) {
  std::set<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

void expect_identical(const std::string& what, const std::string& a, const std::string& b) {
  const std::string before = read_file(a);
  const std::string after = read_file(b);
  EXPECT_GT(before.size(), 1000u) << what << ": the snapshot is suspiciously small";
  if (before != after) {
    ADD_FAILURE() << what << " changed:\n" << sh_output("diff -u " + a + " " + b + " | head -80");
  }
}

// Every learned entry of `before` is still there, with the same lladdr.
void expect_kept(const std::string& what, const std::string& before, const std::string& after) {
  const std::set<std::string> now = lines_of(after);
  for (const auto& line : lines_of(before)) {
    EXPECT_TRUE(now.count(line)) << what << ": entry gone or changed: " << line;
  }
}

// A report that shows the diagnosis really ran: every layer, every pod of the node.
void expect_full_report(const std::string& out, int status, size_t pods, const std::string& node) {
  EXPECT_TRUE(status == 0 || status == 1) << node << " exit " << status << "\n" << out;
  const json r = json::parse(out, nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << node << ": " << out;
  EXPECT_EQ(r["sources"].size(), pods) << node << ": " << r["sources"].dump();
  ASSERT_EQ(r["layers"].size(), 8u) << node;
  for (const auto& layer : r["layers"]) {
    bool ran = false;
    for (const auto& c : layer["checks"]) ran = ran || c["status"] != "skip";
    EXPECT_TRUE(ran) << node << ": layer " << layer["layer"] << " did not run: " << layer.dump();
  }
}

// Everything netdoctor does on the lab: a full diagnosis of every pod on each node (all layers,
// an egress target) and the other reading commands.
void run_netdoctor_everywhere(const std::string& inventory) {
  const std::string nd = std::string(ND_BINARY);
  struct Node {
    const char* netns;
    size_t pods;
  };
  // tests/lab/pods.tsv: node1 coredns-0, client-a, web-1, slow-1; node2 client-b, web-2, slow-2.
  for (const Node& node : {Node{"ndlab-node1", 4}, Node{"ndlab-node2", 3}}) {
    const std::string on = "ip netns exec " + std::string(node.netns) + " " + nd;
    int status = -1;
    const std::string out = sh_output(on + " diagnose -o json --timeout 500ms --inventory " +
                                          inventory + " --egress http://example.test/",
                                      &status);
    expect_full_report(out, status, node.pods, node.netns);
    EXPECT_EQ(sh(on + " pods --inventory " + inventory + " >/dev/null"), 0) << node.netns;
    EXPECT_EQ(sh(on + " services --inventory " + inventory + " >/dev/null"), 0) << node.netns;
  }
  // trace walks the rules and probes one flow; its status depends on the fault.
  const int trace = sh("ip netns exec ndlab-node1 " + nd + " trace --inventory " + inventory +
                       " --from default/client-a --to 10.96.100.10:80 >/dev/null");
  EXPECT_TRUE(trace == 0 || trace == 1) << "trace exit " << trace;
}

void prove_read_only(const std::string& label) {
  const std::string inventory = temp_path("inventory.json");
  ASSERT_EQ(sh(kLab + " inventory > " + inventory), 0);
  const Snapshot s0 = snapshot(label + "-s0");
  run_netdoctor_everywhere(inventory);
  const Snapshot s1 = snapshot(label + "-s1");
  run_netdoctor_everywhere(inventory);
  const Snapshot s2 = snapshot(label + "-s2");

  expect_identical(label + ": state after the first round", s0.strict, s1.strict);
  expect_identical(label + ": state after the second round", s1.strict, s2.strict);
  expect_kept(label + ": learned neighbours/FDB after the first round", s0.learned, s1.learned);
  if (read_file(s1.learned) != read_file(s2.learned)) {
    ADD_FAILURE() << label << ": learned neighbours/FDB changed in the second round:\n"
                  << sh_output("diff -u " + s1.learned + " " + s2.learned + " | head -80");
  }
  for (const auto& s : {s0, s1, s2}) remove_snapshot(s);
  std::remove(inventory.c_str());
}

TEST(ReadOnly, HealthyLabIsUnchangedByEveryCommand) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null"), 0);
  prove_read_only("healthy");
}

// A fault makes netdoctor take its failing paths (narrowing on the node: routes, neighbours,
// FDB, rules); they must read only, too.
TEST(ReadOnly, FaultyLabIsUnchangedByEveryCommand) {
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " fault route-missing >/dev/null"), 0);
  prove_read_only("route-missing");
  EXPECT_EQ(sh(kLab + " heal >/dev/null"), 0);
}

// On an iptables-nft node, libiptc would create a legacy table as a side effect of reading
// one that /proc/net/ip_tables_names does not list: ip_tables_names and iptables-legacy-save
// must stay as they were (empty of netdoctor's doing). Puts the default lab back after.
class ReadOnlyNft : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sh(kLab + " down >/dev/null && " + kLab + " up --iptables nft >/dev/null"), 0);
  }
  void TearDown() override { sh(kLab + " down >/dev/null && " + kLab + " up >/dev/null"); }
};

TEST_F(ReadOnlyNft, IptablesNftLabIsUnchangedByEveryCommand) {
  prove_read_only("nft");
}

}  // namespace
}  // namespace netdoctor
