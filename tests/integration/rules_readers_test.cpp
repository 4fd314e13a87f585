// The rule readers against real kernels rules: a throwaway namespace per test, loaded with
// iptables-legacy-restore, iptables-nft-restore or nft -f, read back with each reader.
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <vector>

#include "netns/netns.h"
#include "netns/runner.h"
#include "rules/iptables_save.h"
#include "rules/iptc_reader.h"
#include "rules/nft_save_reader.h"
#include "rules/read.h"
#include "testnet_util.h"

namespace netdoctor::rules {
namespace {

using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

std::string data(const std::string& name) {
  return std::string(ND_TESTDATA) + "/rules/" + name;
}

// A namespace named after the test process, deleted in the destructor (also on failure).
class ScratchNetns {
 public:
  ScratchNetns() {
    static int counter = 0;
    name_ = "ndrules-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    ok_ = sh("ip netns add " + name_) == 0;
  }
  ~ScratchNetns() { sh("ip netns del " + name_ + " 2>/dev/null"); }
  ScratchNetns(const ScratchNetns&) = delete;
  ScratchNetns& operator=(const ScratchNetns&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] int exec(const std::string& cmd) const {
    return sh("ip netns exec " + name_ + " " + cmd);
  }
  [[nodiscard]] std::string output(const std::string& cmd, int* status = nullptr) const {
    return sh_output("ip netns exec " + name_ + " " + cmd, status);
  }
  [[nodiscard]] Result<netns::Netns> open() const {
    return netns::Netns::open_path("/var/run/netns/" + name_);
  }

 private:
  std::string name_;
  bool ok_ = false;
};

#define NEEDS_ROOT()                                \
  if (geteuid() != 0) GTEST_SKIP() << "needs root"; \
  ScratchNetns ns;                                  \
  ASSERT_TRUE(ns.ok()) << "cannot create a network namespace"

// Same tables, chains, policies and rule texts.
void expect_same(const Ruleset& a, const Ruleset& b) {
  ASSERT_EQ(a.tables.size(), b.tables.size());
  for (const Table& t : a.tables) {
    const Table* o = b.find(t.name);
    ASSERT_NE(o, nullptr) << t.name;
    ASSERT_EQ(t.chains.size(), o->chains.size()) << t.name;
    for (const Chain& c : t.chains) {
      const Chain* oc = o->find(c.name);
      ASSERT_NE(oc, nullptr) << c.name;
      EXPECT_EQ(c.policy, oc->policy) << c.name;
      ASSERT_EQ(c.rules.size(), oc->rules.size()) << c.name;
      for (size_t i = 0; i < c.rules.size(); ++i) EXPECT_EQ(c.rules[i].text, oc->rules[i].text);
    }
  }
}

class LegacyIptc : public ::testing::TestWithParam<const char*> {};

TEST_P(LegacyIptc, ReadsWhatIptablesLegacySavePrints) {
  NEEDS_ROOT();
  ASSERT_EQ(ns.exec("iptables-legacy-restore < " + data(GetParam())), 0);
  auto expected = parse_iptables_save(ns.output("iptables-legacy-save"));
  ASSERT_TRUE(expected) << expected.error().message();
  auto handle = ns.open();
  ASSERT_TRUE(handle) << handle.error().message();
  auto read = netns::run_in(*handle, read_legacy_iptc);
  ASSERT_TRUE(read) << read.error().message();
  expect_same(*read, *expected);
  EXPECT_GT(read->rule_count(), 10u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LegacyIptc,
                         ::testing::Values("kube-proxy.restore", "flannel-node.save"));

TEST(RulesReaders, LegacySnapshotFindsTheServices) {
  NEEDS_ROOT();
  ASSERT_EQ(ns.exec("iptables-legacy-restore < " + data("kube-proxy.restore")), 0);
  auto handle = ns.open();
  ASSERT_TRUE(handle);
  auto snap = read_rules(*handle);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(snap->backend, Backend::kIptablesLegacy);
  EXPECT_FALSE(snap->detection.mixed);
  EXPECT_EQ(services(*snap).size(), 10u);
}

TEST(RulesReaders, NftSaveInsideTheNamespace) {
  NEEDS_ROOT();
  ASSERT_EQ(ns.exec("iptables-nft-restore < " + data("kube-proxy.restore")), 0);
  auto handle = ns.open();
  ASSERT_TRUE(handle);
  auto read = netns::run_in(*handle, read_iptables_nft_save);
  ASSERT_TRUE(read) << read.error().message();
  std::ifstream in(data("kube-proxy-nft.save"));
  std::stringstream ss;
  ss << in.rdbuf();
  auto expected = parse_iptables_save(ss.str());
  ASSERT_TRUE(expected);
  expect_same(*read, *expected);
  auto snap = read_rules(*handle);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(snap->backend, Backend::kIptablesNft);  // KUBE-IPTABLES-HINT in nft mangle
  EXPECT_EQ(services(*snap).size(), 10u);
}

// `netdoctor services -o json` (schema netdoctor.services/v1) on kube-proxy's rules: every
// Service with its endpoints; compared with an inventory whose Services the rules lack, the
// differences name them and the exit status is 1.
TEST(RulesReaders, ServicesJson) {
  NEEDS_ROOT();
  ASSERT_EQ(ns.exec("iptables-legacy-restore < " + data("kube-proxy.restore")), 0);
  int status = -1;
  const std::string out = ns.output(std::string(ND_BINARY) + " services -o json", &status);
  EXPECT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["schema"], "netdoctor.services/v1");
  EXPECT_EQ(j["backend"], "iptables-legacy");
  EXPECT_TRUE(j["differences"].is_null());
  ASSERT_EQ(j["services"].size(), 10u);
  const auto& svc1 = j["services"][0];
  EXPECT_EQ(svc1["name"], "ns1/svc1:p80");
  EXPECT_EQ(svc1["namespace"], "ns1");
  EXPECT_EQ(svc1["ip"], "172.30.0.41");
  EXPECT_EQ(svc1["port"], 80);
  EXPECT_EQ(svc1["protocol"], "tcp");
  ASSERT_EQ(svc1["endpoints"].size(), 1u);
  EXPECT_EQ(svc1["endpoints"][0]["address"], "10.180.0.1:80");
  EXPECT_EQ(svc1["endpoints"][0]["probability"], 1.0);

  const std::string compared = ns.output(std::string(ND_BINARY) + " services -o json --inventory " +
                                             ND_TESTDATA + "/inventory/cluster.json",
                                         &status);
  EXPECT_EQ(status, 1) << compared;
  const auto k = nlohmann::json::parse(compared, nullptr, false);
  ASSERT_FALSE(k.is_discarded()) << compared;
  ASSERT_TRUE(k["differences"].is_array()) << compared;
  ASSERT_FALSE(k["differences"].empty());
  for (const auto& d : k["differences"]) EXPECT_EQ(d["kind"], "service-missing") << d.dump();
}

// Asking the kernel for a legacy table the namespace lacks creates it (libiptc's iptc_init
// does): the reader must not.
TEST(RulesReaders, ReadingAnNftOnlyNamespaceCreatesNoLegacyTable) {
  NEEDS_ROOT();
  ASSERT_EQ(ns.exec("iptables-nft-restore < " + data("kube-proxy.restore")), 0);
  std::string before = ns.output("cat /proc/net/ip_tables_names");
  const std::string nft_before = ns.output("nft list tables");
  auto handle = ns.open();
  ASSERT_TRUE(handle);
  auto legacy = netns::run_in(*handle, read_legacy_iptc);
  ASSERT_TRUE(legacy) << legacy.error().message();
  EXPECT_EQ(legacy->rule_count(), 0u);
  auto snap = read_rules(*handle);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(ns.output("cat /proc/net/ip_tables_names"), before);
  EXPECT_EQ(before, "");
  EXPECT_EQ(ns.output("nft list tables"), nft_before);
  EXPECT_NE(nft_before, "");  // iptables-nft's tables
}

// The other way round: on a node with only legacy iptables rules, neither `netdoctor services`
// nor `netdoctor diagnose` (which reads the same rules, then probes the pods) creates an
// nftables table or chain (asking iptables-nft or libnftables for something missing could make
// one), nor a legacy table, on the node or in the pods it enters.
TEST(RulesReaders, ReadingALegacyOnlyNodeChangesNoNftables) {
  if (!netdoctor::testing::can_build_namespaces()) GTEST_SKIP() << "needs root";
  netdoctor::testing::TestNet net(2);
  ASSERT_TRUE(net.ok()) << "cannot build the test namespaces";
  const std::string node = "ip netns exec " + net.node() + " ";
  ASSERT_EQ(sh(node + "iptables-legacy-restore < " + data("kube-proxy.restore")), 0);
  // What a run could change: nftables (tables, then everything) and the legacy tables.
  auto state = [](const std::string& ns) {
    return sh_output("ip netns exec " + ns +
                     " sh -c 'nft list tables; echo ---; nft list ruleset; echo ---; "
                     "cat /proc/net/ip_tables_names'");
  };
  std::vector<std::string> names = {net.node()};
  for (const auto& p : net.pods()) names.push_back(p.netns);
  std::vector<std::string> before;
  for (const auto& n : names) before.push_back(state(n));
  // Legacy only: no nftables at all, and the restored legacy tables.
  EXPECT_EQ(sh_output(node + "nft list tables"), "");
  EXPECT_EQ(sh_output(node + "nft list ruleset"), "");
  EXPECT_NE(before[0].find("nat"), std::string::npos) << before[0];

  int status = -1;
  const std::string services = net.netdoctor("services -o json", &status);
  EXPECT_EQ(status, 0) << services;
  EXPECT_NE(services.find("\"backend\": \"iptables-legacy\""), std::string::npos) << services;
  EXPECT_NE(services.find("\"address\""), std::string::npos) << services;
  const std::string report = net.netdoctor(
      "diagnose -o json --timeout 300ms --from ip:" + net.pods()[0].ip + " 2>&1", &status);
  EXPECT_TRUE(status == 0 || status == 1) << report;  // a diagnosis, faults or not
  EXPECT_NE(report.find("\"layers\""), std::string::npos) << report;

  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(state(names[i]), before[i]) << names[i];
  }
}

TEST(RulesReaders, KubeProxyNftablesTable) {
  NEEDS_ROOT();
  ASSERT_EQ(ns.exec("nft -f " + data("kube-proxy-nftables.nft")), 0);
  auto handle = ns.open();
  ASSERT_TRUE(handle);
  auto snap = read_rules(*handle);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(snap->backend, Backend::kNftables);
  auto svcs = services(*snap);
  ASSERT_EQ(svcs.size(), 4u);
  EXPECT_EQ(svcs[1].name, "ns1/svc1:p80");
  ASSERT_EQ(svcs[1].endpoints.size(), 1u);
  EXPECT_EQ(svcs[1].endpoints[0].address, "10.180.0.1:80");
}

TEST(RulesReaders, EmptyNamespaceHasNoBackend) {
  NEEDS_ROOT();
  auto handle = ns.open();
  ASSERT_TRUE(handle);
  auto snap = read_rules(*handle);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(snap->backend, Backend::kNone);
  EXPECT_TRUE(services(*snap).empty());
}

}  // namespace
}  // namespace netdoctor::rules
