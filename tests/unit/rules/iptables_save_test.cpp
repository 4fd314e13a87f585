#include "rules/iptables_save.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/rule_parser.h"

namespace netdoctor::rules {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/rules/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(IptablesSave, ParsesRecordedLegacyDump) {
  auto rs = parse_iptables_save(read_fixture("kube-proxy-legacy.save"));
  ASSERT_TRUE(rs) << rs.error().message();
  ASSERT_NE(rs->find("nat"), nullptr);
  ASSERT_NE(rs->find("filter"), nullptr);
  const Chain* pre = rs->chain("nat", "PREROUTING");
  ASSERT_NE(pre, nullptr);
  EXPECT_TRUE(pre->builtin);
  EXPECT_EQ(pre->policy, "ACCEPT");
  ASSERT_EQ(pre->rules.size(), 1u);
  EXPECT_EQ(pre->rules[0].target.kind, TargetKind::kChain);
  EXPECT_EQ(pre->rules[0].target.name, "KUBE-SERVICES");
  EXPECT_EQ(pre->rules[0].comment(), "kubernetes service portals");

  const Chain* svc = rs->chain("nat", "KUBE-SVC-4SW47YFZTEDKD3PK");
  ASSERT_NE(svc, nullptr);
  EXPECT_FALSE(svc->builtin);
  ASSERT_EQ(svc->rules.size(), 3u);
  const Rule& masq = svc->rules[0];
  EXPECT_TRUE(masq.src.present);
  EXPECT_TRUE(masq.src.negated);
  EXPECT_EQ(masq.src.cidr.to_string(), "10.0.0.0/8");
  EXPECT_EQ(masq.dst.cidr.to_string(), "172.30.0.44/32");
  EXPECT_EQ(masq.protocol, "tcp");
  const Match* ports = masq.find(MatchKind::kPorts);
  ASSERT_NE(ports, nullptr);
  ASSERT_EQ(ports->dports.size(), 1u);
  EXPECT_EQ(ports->dports[0], (PortRange{80, 80}));
  const Match* stat = svc->rules[1].find(MatchKind::kStatistic);
  ASSERT_NE(stat, nullptr);
  EXPECT_EQ(stat->stat_mode, "random");
  EXPECT_DOUBLE_EQ(stat->probability, 0.5);
  EXPECT_EQ(svc->rules[1].position, 2);
  EXPECT_FALSE(svc->rules[1].uncertain());

  const Chain* mark = rs->chain("nat", "KUBE-MARK-MASQ");
  ASSERT_NE(mark, nullptr);
  EXPECT_EQ(mark->rules[0].target.kind, TargetKind::kMark);
  EXPECT_EQ(mark->rules[0].target.xmark_value, 0x4000u);
  EXPECT_EQ(mark->rules[0].target.xmark_mask, 0x4000u);

  const Chain* fsvc = rs->chain("filter", "KUBE-SERVICES");
  ASSERT_NE(fsvc, nullptr);
  EXPECT_EQ(fsvc->rules[0].target.kind, TargetKind::kReject);
  EXPECT_EQ(fsvc->rules[0].target.reject_with, "icmp-port-unreachable");
  const Chain* fw = rs->chain("filter", "KUBE-FIREWALL");
  const Match* ct = fw->rules[0].find(MatchKind::kConntrack);
  ASSERT_NE(ct, nullptr);
  EXPECT_TRUE(ct->extra().states_negated);
  EXPECT_EQ(ct->extra().states, (std::vector<std::string>{"RELATED", "ESTABLISHED", "DNAT"}));
}

TEST(IptablesSave, LegacyAndNftDumpsGiveTheSameModel) {
  auto legacy = parse_iptables_save(read_fixture("kube-proxy-legacy.save"));
  auto nft = parse_iptables_save(read_fixture("kube-proxy-nft.save"));
  ASSERT_TRUE(legacy && nft);
  EXPECT_EQ(legacy->rule_count(), nft->rule_count());
  for (const Table& t : legacy->tables) {
    const Table* other = nft->find(t.name);
    ASSERT_NE(other, nullptr) << t.name;
    for (const Chain& c : t.chains) {
      const Chain* oc = other->find(c.name);
      ASSERT_NE(oc, nullptr) << c.name;
      ASSERT_EQ(c.rules.size(), oc->rules.size()) << c.name;
      for (size_t i = 0; i < c.rules.size(); ++i) EXPECT_EQ(c.rules[i].text, oc->rules[i].text);
    }
  }
}

TEST(IptablesSave, RoundTripsThroughItsPrinter) {
  auto rs = parse_iptables_save(read_fixture("kube-proxy-legacy.save"));
  ASSERT_TRUE(rs);
  auto again = parse_iptables_save(to_iptables_save(*rs));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(to_iptables_save(*again), to_iptables_save(*rs));
}

TEST(IptablesSave, QuotedCommentsWithEscapes) {
  auto rs = parse_iptables_save(
      "*filter\n:INPUT ACCEPT [0:0]\n"
      "-A INPUT -m comment --comment \"say \\\"hi\\\" -j DROP\" -j ACCEPT\n"
      "-A INPUT -m comment --comment 'single quoted' -j ACCEPT\nCOMMIT\n");
  ASSERT_TRUE(rs) << rs.error().message();
  const Chain* in = rs->chain("filter", "INPUT");
  EXPECT_EQ(in->rules[0].comment(), "say \"hi\" -j DROP");
  EXPECT_EQ(in->rules[0].target.kind, TargetKind::kAccept);
  EXPECT_EQ(in->rules[1].comment(), "single quoted");
  EXPECT_EQ(quote_value("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(quote_value("kube-proxy_1"), "kube-proxy_1");
}

TEST(IptablesSave, UnknownMatchesAndTargetsAreKeptAndUncertain) {
  auto rs = parse_iptables_save(
      "*filter\n:FORWARD DROP [5:300]\n:DOCKER - [0:0]\n"
      "-A FORWARD -m nfacct --nfacct-name x -j ACCEPT\n"
      "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n"
      "-A FORWARD -o docker0 -j DOCKER\n"
      "-A FORWARD -j NOSUCHCHAIN\nCOMMIT\n");
  ASSERT_TRUE(rs) << rs.error().message();
  const Chain* fwd = rs->chain("filter", "FORWARD");
  EXPECT_EQ(fwd->policy, "DROP");
  EXPECT_EQ(fwd->rules[0].matches[0].kind, MatchKind::kUnknown);
  EXPECT_EQ(fwd->rules[0].matches[0].module, "nfacct");
  EXPECT_TRUE(fwd->rules[0].uncertain());
  EXPECT_EQ(fwd->rules[0].text, "-m nfacct --nfacct-name x -j ACCEPT");
  EXPECT_TRUE(fwd->rules[1].uncertain());  // --tcp-flags and TCPMSS
  EXPECT_EQ(fwd->rules[1].target.kind, TargetKind::kUnknown);
  EXPECT_EQ(fwd->rules[2].target.kind, TargetKind::kChain);    // upper case, but a chain
  EXPECT_EQ(fwd->rules[3].target.kind, TargetKind::kUnknown);  // no such chain
}

TEST(IptablesSave, ParsesEveryKnownMatch) {
  auto rs = parse_iptables_save(
      "*mangle\n:PREROUTING ACCEPT [0:0]\n"
      "-A PREROUTING -i cni+ ! -o eth0 -p udp -m multiport --dports 53,8000:8080 "
      "-m addrtype ! --src-type LOCAL -m state --state NEW,ESTABLISHED "
      "-m mark ! --mark 0x4000/0x4000 -m statistic --mode nth --every 3 --packet 1 "
      "-m recent --rcheck --seconds 10 --name X --rsource -m physdev --physdev-is-bridged "
      "-m set --match-set kube src -m length --length 100:200 -m pkttype --pkt-type unicast "
      "-j MARK --set-mark 0x1/0xff\nCOMMIT\n");
  ASSERT_TRUE(rs) << rs.error().message();
  const Rule& r = rs->chain("mangle", "PREROUTING")->rules[0];
  EXPECT_TRUE(r.in.matches("cni0"));
  EXPECT_FALSE(r.in.matches("eth0"));
  EXPECT_TRUE(r.out.negated);
  const Match* mp = r.find(MatchKind::kMultiport);
  ASSERT_NE(mp, nullptr);
  EXPECT_EQ(mp->dports, (std::vector<PortRange>{{53, 53}, {8000, 8080}}));
  EXPECT_TRUE(r.find(MatchKind::kAddrtype)->extra().src_type_negated);
  EXPECT_EQ(r.find(MatchKind::kState)->extra().states.size(), 2u);
  EXPECT_TRUE(r.find(MatchKind::kMark)->mark_negated);
  EXPECT_EQ(r.find(MatchKind::kStatistic)->every, 3);
  EXPECT_EQ(r.find(MatchKind::kRecent)->extra().recent_command, "--rcheck");
  EXPECT_NE(r.find(MatchKind::kPhysdev), nullptr);
  EXPECT_NE(r.find(MatchKind::kSet), nullptr);
  EXPECT_EQ(r.find(MatchKind::kLength)->extra().length, (PortRange{100, 200}));
  EXPECT_EQ(r.find(MatchKind::kPkttype)->extra().pkttype, "unicast");
  EXPECT_EQ(r.target.xmark_value, 1u);
  EXPECT_EQ(r.target.xmark_mask, 0xffu);
  EXPECT_FALSE(r.uncertain());
}

TEST(IptablesSave, ImplicitProtocolMatch) {
  auto rs = parse_iptables_save(
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j "
      "ACCEPT\nCOMMIT\n");
  ASSERT_TRUE(rs) << rs.error().message();
  const Match* m = rs->chain("filter", "INPUT")->rules[0].find(MatchKind::kPorts);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->dports[0].low, 22);
}

struct BadInput {
  const char* text;
  const char* error;
};

class IptablesSaveErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(IptablesSaveErrors, NameTheLine) {
  auto rs = parse_iptables_save(GetParam().text, "dump");
  ASSERT_FALSE(rs);
  EXPECT_EQ(rs.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(rs.error().context, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, IptablesSaveErrors,
    ::testing::Values(
        BadInput{"*nat\n:PREROUTING ACCEPT [0:0]\n", "dump:2: table \"nat\" has no COMMIT"},
        BadInput{"-A INPUT -j ACCEPT\n", "dump:1: \"-A INPUT -j ACCEPT\" outside a table"},
        BadInput{"*filter\n-A INPUT -j ACCEPT\nCOMMIT\n",
                 "dump:2: rule for undeclared chain \"INPUT\""},
        BadInput{"*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n",
                 "dump:2: chain \"INPUT\" has an unknown policy \"MAYBE\""},
        BadInput{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.300 -j DROP\nCOMMIT\n",
                 "dump:3: bad address \"10.0.0.300\""},
        BadInput{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"x -j DROP\n",
                 "dump:3: unterminated quote"},
        BadInput{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --dport 80 -j DROP\nCOMMIT\n",
                 "dump:3: option --dport without a match module"},
        BadInput{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j\nCOMMIT\n", "dump:3: -j needs a value"},
        BadInput{"COMMIT\n", "dump:1: COMMIT outside a table"},
        BadInput{"*filter\n:INPUT ACCEPT [0:0]\n-I INPUT -j DROP\nCOMMIT\n",
                 "dump:3: unsupported line \"-I INPUT -j DROP\""},
        BadInput{"*filter\nCOMMIT\n*filter\nCOMMIT\n", "dump:3: table \"filter\" appears twice"}));

TEST(IptablesSave, EmptyInputIsAnEmptyRuleset) {
  auto rs = parse_iptables_save("# nothing\n\n");
  ASSERT_TRUE(rs);
  EXPECT_TRUE(rs->tables.empty());
}

// Truncating a real dump at every byte must give a ruleset or an error, never a crash.
TEST(IptablesSave, EveryPrefixOfADumpIsHandled) {
  std::string text = read_fixture("kube-proxy-legacy.save");
  ASSERT_FALSE(text.empty());
  int errors = 0;
  for (size_t n = 0; n < text.size(); n += 7) {
    if (!parse_iptables_save(std::string_view(text).substr(0, n))) ++errors;
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace netdoctor::rules
