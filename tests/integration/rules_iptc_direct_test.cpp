// The kernel reader (read_legacy_iptc: ip_tables entries straight into Rules) against the text
// parser: for the same rules loaded with iptables-legacy-restore into a throwaway namespace, the
// Ruleset read from the kernel must equal parse_iptables_save(iptables-legacy-save), field by
// field. Rule sets: kube-proxy's layout from bench/gen_rules.awk plus rules with varied matches
// and targets, the lab's recorded rules, and the recorded fixtures.
#include <unistd.h>

#include <gtest/gtest.h>

#include <sstream>

#include "netns/netns.h"
#include "netns/runner.h"
#include "rules/iptables_save.h"
#include "rules/iptc_reader.h"
#include "testnet_util.h"

namespace netdoctor::rules {
namespace {

using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

const std::string kTestdata = std::string(ND_TESTDATA) + "/rules/";
const std::string kSource = std::string(ND_TESTDATA) + "/../..";

// A namespace of this test alone, deleted in the destructor (also when the test fails).
class DirectNetns {
 public:
  DirectNetns() {
    static int counter = 0;
    name_ = "ndiptcdirect-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    ok_ = sh("ip netns add " + name_) == 0;
  }
  ~DirectNetns() { sh("ip netns del " + name_ + " 2>/dev/null"); }
  DirectNetns(const DirectNetns&) = delete;
  DirectNetns& operator=(const DirectNetns&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] int exec(const std::string& cmd) const {
    return sh("ip netns exec " + name_ + " " + cmd);
  }
  [[nodiscard]] std::string output(const std::string& cmd) const {
    return sh_output("ip netns exec " + name_ + " " + cmd);
  }
  [[nodiscard]] Result<netns::Netns> open() const {
    return netns::Netns::open_path("/var/run/netns/" + name_);
  }

 private:
  std::string name_;
  bool ok_ = false;
};

std::string ports(const std::vector<PortRange>& list) {
  std::ostringstream s;
  for (const PortRange& p : list) s << p.low << ":" << p.high << ",";
  return s.str();
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += s + "|";
  return out;
}

void expect_same_match(const Match& a, const Match& b, const std::string& where) {
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.module, b.module) << where;
  EXPECT_EQ(join(a.unknown_options), join(b.unknown_options)) << where;
  EXPECT_EQ(ports(a.dports), ports(b.dports)) << where;
  EXPECT_EQ(ports(a.sports), ports(b.sports)) << where;
  EXPECT_EQ(a.dports_negated, b.dports_negated) << where;
  EXPECT_EQ(a.sports_negated, b.sports_negated) << where;
  EXPECT_EQ(a.comment, b.comment) << where;
  EXPECT_EQ(a.mark, b.mark) << where;
  EXPECT_EQ(a.mark_mask, b.mark_mask) << where;
  EXPECT_EQ(a.mark_negated, b.mark_negated) << where;
  EXPECT_EQ(a.stat_mode, b.stat_mode) << where;
  EXPECT_EQ(a.probability, b.probability) << where;  // bit for bit: same text, same parse
  EXPECT_EQ(a.every, b.every) << where;
  EXPECT_EQ(a.packet, b.packet) << where;
  EXPECT_EQ(a.stat_negated, b.stat_negated) << where;
  EXPECT_EQ(a.boxed_extra.get() != nullptr, b.boxed_extra.get() != nullptr) << where;
  const MatchExtra& x = a.extra();
  const MatchExtra& y = b.extra();
  EXPECT_EQ(ports(x.ports), ports(y.ports)) << where;
  EXPECT_EQ(x.ports_negated, y.ports_negated) << where;
  EXPECT_EQ(x.src_type, y.src_type) << where;
  EXPECT_EQ(x.dst_type, y.dst_type) << where;
  EXPECT_EQ(x.src_type_negated, y.src_type_negated) << where;
  EXPECT_EQ(x.dst_type_negated, y.dst_type_negated) << where;
  EXPECT_EQ(join(x.states), join(y.states)) << where;
  EXPECT_EQ(x.states_negated, y.states_negated) << where;
  EXPECT_EQ(x.recent_command, y.recent_command) << where;
  EXPECT_EQ(x.recent_name, y.recent_name) << where;
  EXPECT_EQ(x.pkttype, y.pkttype) << where;
  EXPECT_EQ(x.pkttype_negated, y.pkttype_negated) << where;
  EXPECT_EQ(x.length, y.length) << where;
  EXPECT_EQ(x.length_negated, y.length_negated) << where;
}

void expect_same_rule(const Rule& a, const Rule& b, const std::string& where) {
  EXPECT_EQ(a.text, b.text) << where;
  EXPECT_EQ(a.chain, b.chain) << where;
  EXPECT_EQ(a.position, b.position) << where;
  EXPECT_EQ(a.src, b.src) << where;
  EXPECT_EQ(a.dst, b.dst) << where;
  EXPECT_EQ(a.in, b.in) << where;
  EXPECT_EQ(a.out, b.out) << where;
  EXPECT_EQ(a.protocol, b.protocol) << where;
  EXPECT_EQ(a.protocol_negated, b.protocol_negated) << where;
  EXPECT_EQ(a.fragment, b.fragment) << where;
  EXPECT_EQ(a.fragment_negated, b.fragment_negated) << where;
  const Target& t = a.target;
  const Target& u = b.target;
  EXPECT_EQ(t.kind, u.kind) << where;
  EXPECT_EQ(t.name, u.name) << where;
  EXPECT_EQ(t.is_goto, u.is_goto) << where;
  EXPECT_EQ(t.chain_index, u.chain_index) << where;
  EXPECT_EQ(join(t.unknown_options), join(u.unknown_options)) << where;
  EXPECT_EQ(t.to, u.to) << where;
  EXPECT_EQ(t.to_ports, u.to_ports) << where;
  EXPECT_EQ(t.random_fully, u.random_fully) << where;
  EXPECT_EQ(t.xmark_value, u.xmark_value) << where;
  EXPECT_EQ(t.xmark_mask, u.xmark_mask) << where;
  EXPECT_EQ(t.reject_with, u.reject_with) << where;
  ASSERT_EQ(a.matches.size(), b.matches.size()) << where;
  for (size_t i = 0; i < a.matches.size(); ++i) {
    expect_same_match(a.matches[i], b.matches[i], where + " match " + std::to_string(i + 1));
  }
  EXPECT_EQ(a.uncertain(), b.uncertain()) << where;
}

// Same tables, chains and rules in the same order, every field equal.
void expect_same(const Ruleset& direct, const Ruleset& parsed) {
  ASSERT_EQ(direct.tables.size(), parsed.tables.size());
  for (size_t t = 0; t < direct.tables.size(); ++t) {
    const Table& a = direct.tables[t];
    const Table& b = parsed.tables[t];
    ASSERT_EQ(a.name, b.name);
    ASSERT_EQ(a.chains.size(), b.chains.size()) << a.name;
    for (size_t c = 0; c < a.chains.size(); ++c) {
      const Chain& x = a.chains[c];
      const Chain& y = b.chains[c];
      ASSERT_EQ(x.name, y.name) << a.name << " chain " << c;
      EXPECT_EQ(x.builtin, y.builtin) << x.name;
      EXPECT_EQ(x.policy, y.policy) << x.name;
      ASSERT_EQ(x.rules.size(), y.rules.size()) << x.name;
      for (size_t r = 0; r < x.rules.size(); ++r) {
        expect_same_rule(
            x.rules[r], y.rules[r],
            a.name + " " + x.name + " rule " + std::to_string(r + 1) + ": " + y.rules[r].text);
      }
    }
  }
}

struct RuleSet {
  const char* name;
  std::string load;  // commands run inside the namespace, loading the rules
  size_t min_rules;
};

class DirectRead : public ::testing::TestWithParam<RuleSet> {};

TEST_P(DirectRead, EqualsParsingIptablesLegacySave) {
  if (!netdoctor::testing::can_build_namespaces()) GTEST_SKIP() << "needs root";
  DirectNetns ns;
  ASSERT_TRUE(ns.ok()) << "cannot create a network namespace";
  ASSERT_EQ(ns.exec("sh -c '" + GetParam().load + "'"), 0) << GetParam().load;
  const std::string tables = ns.output("cat /proc/net/ip_tables_names");
  auto parsed = parse_iptables_save(ns.output("iptables-legacy-save"));
  ASSERT_TRUE(parsed) << parsed.error().message();
  auto handle = ns.open();
  ASSERT_TRUE(handle) << handle.error().message();
  auto direct = netns::run_in(*handle, read_legacy_iptc);
  ASSERT_TRUE(direct) << direct.error().message();
  EXPECT_GE(direct->rule_count(), GetParam().min_rules);
  expect_same(*direct, *parsed);
  // Every rule was decoded (an undecoded one would differ from iptables-save's text anyway).
  EXPECT_EQ(to_iptables_save(*direct).find("--nd-undecoded"), std::string::npos);
  // Reading is read-only: no table appeared.
  EXPECT_EQ(ns.output("cat /proc/net/ip_tables_names"), tables);
}

INSTANTIATE_TEST_SUITE_P(
    RuleSets, DirectRead,
    ::testing::Values(RuleSet{"generated_and_varied",
                              "awk -v services=50 -v endpoints=3 -f " + kSource +
                                  "/bench/gen_rules.awk | iptables-legacy-restore && "
                                  "iptables-legacy-restore --noflush < " +
                                  kTestdata + "varied-legacy.restore",
                              600},
                      // 2,000 Services: 13 MB of entries, which the reader gives back to
                      // the kernel 2 MiB at a time while it reads (nd_ipt_release); the
                      // KUBE-SEP chains go first, before the KUBE-SVC rules that name them.
                      RuleSet{"large_kube_proxy",
                              "awk -v services=2000 -v endpoints=3 -f " + kSource +
                                  "/bench/gen_rules.awk | iptables-legacy-restore",
                              22000},
                      RuleSet{"lab_kube_proxy",
                              "iptables-legacy-restore < " + kTestdata + "kube-proxy-legacy.save",
                              60},
                      RuleSet{"kube_proxy_fixture",
                              "iptables-legacy-restore < " + kTestdata + "kube-proxy.restore", 60},
                      RuleSet{"flannel_node",
                              "iptables-legacy-restore < " + kTestdata + "flannel-node.save", 10}),
    [](const ::testing::TestParamInfo<RuleSet>& p) { return std::string(p.param.name); });

// A match or target the reader does not decode is kept by name and makes the rule uncertain,
// never guessed at.
TEST(DirectReadUndecoded, UnknownMatchesAndTargetsAreUncertain) {
  if (!netdoctor::testing::can_build_namespaces()) GTEST_SKIP() << "needs root";
  DirectNetns ns;
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(ns.exec("iptables-legacy -A OUTPUT -m owner --uid-owner 0 -j ACCEPT"), 0);
  ASSERT_EQ(ns.exec("iptables-legacy -A OUTPUT -p tcp -m tcp --dport 80 --tcp-flags SYN,RST SYN "
                    "-j TCPMSS --clamp-mss-to-pmtu"),
            0);
  auto handle = ns.open();
  ASSERT_TRUE(handle);
  auto direct = netns::run_in(*handle, read_legacy_iptc);
  ASSERT_TRUE(direct) << direct.error().message();
  const Chain* out = direct->chain("filter", "OUTPUT");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->rules.size(), 2u);
  const Rule& owner = out->rules[0];
  ASSERT_EQ(owner.matches.size(), 1u);
  EXPECT_EQ(owner.matches[0].module, "owner");
  EXPECT_EQ(owner.matches[0].kind, MatchKind::kUnknown);
  EXPECT_EQ(owner.target.kind, TargetKind::kAccept);
  EXPECT_EQ(owner.text, "-m owner --nd-undecoded -j ACCEPT");
  EXPECT_TRUE(owner.uncertain());
  const Rule& mss = out->rules[1];
  EXPECT_EQ(mss.target.name, "TCPMSS");
  EXPECT_EQ(mss.target.kind, TargetKind::kUnknown);
  ASSERT_EQ(mss.matches.size(), 1u);
  EXPECT_EQ(mss.matches[0].dports, (std::vector<PortRange>{{80, 80}}));
  // --tcp-flags is decoded (as iptables-save prints it) but not understood by the model.
  EXPECT_EQ(mss.matches[0].unknown_options, (std::vector<std::string>{"--tcp-flags"}));
  EXPECT_EQ(mss.text, "-p tcp -m tcp --dport 80 --tcp-flags SYN,RST SYN -j TCPMSS --nd-undecoded");
  EXPECT_TRUE(mss.uncertain());
}

}  // namespace
}  // namespace netdoctor::rules
