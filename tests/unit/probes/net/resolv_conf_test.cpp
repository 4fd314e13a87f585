#include "probes/net/resolv_conf.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

namespace netdoctor::probes::dns {
namespace {

using Strings = std::vector<std::string>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/dns/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ResolvConf, KubeletClusterFirst) {
  auto rc = parse_resolv_conf(fixture("kubelet-clusterfirst.conf"));
  EXPECT_EQ(rc.nameservers, Strings{"10.96.0.10"});
  EXPECT_EQ(rc.search,
            (Strings{"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}));
  EXPECT_EQ(rc.ndots, 5);
  EXPECT_TRUE(rc.ndots_set);
  EXPECT_TRUE(rc.problems.empty());
  EXPECT_TRUE(rc.has_directive);
  EXPECT_FALSE(rc.crlf);
}

TEST(ResolvConf, CrlfLineEndingsAreReadAndNoted) {
  auto rc = parse_resolv_conf(fixture("crlf.conf"));
  EXPECT_TRUE(rc.crlf);
  EXPECT_EQ(rc.nameservers, Strings{"10.96.0.10"});
  ASSERT_EQ(rc.search.size(), 4u);
  EXPECT_EQ(rc.search[3], "corp.example.com");  // no "\r" kept
  EXPECT_EQ(rc.ndots, 5);
}

TEST(ResolvConf, OddButLegalInputAsGlibcReadsIt) {
  auto rc = parse_resolv_conf(fixture("odd.conf"));
  // Duplicates kept in order (glibc uses the first three); IPv6 with and without zone.
  EXPECT_EQ(rc.nameservers,
            (Strings{"10.96.0.10", "10.96.0.10", "fd00:10:96::a", "fe80::1%eth0", "10.96.0.11"}));
  // The last search/domain line wins; glibc's first 6 are kept, all 7 counted.
  EXPECT_EQ(rc.search.size(), 6u);
  EXPECT_EQ(rc.search_count, 7u);
  EXPECT_EQ(rc.search.front(), "a.svc.cluster.local");
  // Options on several lines add up; ndots is capped at 15.
  EXPECT_EQ(rc.ndots, 15);
  EXPECT_EQ(rc.timeout_s, 2);
  EXPECT_EQ(rc.attempts, 3);
  EXPECT_TRUE(rc.rotate);
  // An indented line, a capitalised keyword, a name as nameserver, ndots:99.
  ASSERT_EQ(rc.problems.size(), 4u);
  EXPECT_NE(rc.problems[0].find("line 8: starts with a blank"), std::string::npos)
      << rc.problems[0];
  EXPECT_NE(rc.problems[1].find("line 9: not a resolv.conf directive"), std::string::npos);
  EXPECT_NE(rc.problems[2].find("\"cluster-dns\" is not an IP address"), std::string::npos);
  EXPECT_NE(rc.problems[3].find("ndots:99 is capped at 15"), std::string::npos);
}

// A node's systemd-resolved stub copied into a pod (dnsPolicy Default on such a node).
TEST(ResolvConf, SystemdStubHasNoClusterDomain) {
  auto rc = parse_resolv_conf(fixture("systemd-stub.conf"));
  EXPECT_EQ(rc.nameservers, Strings{"127.0.0.53"});
  EXPECT_EQ(rc.search, Strings{"corp.example"});
  EXPECT_EQ(cluster_domain_from_search(rc.search), "");
  EXPECT_TRUE(rc.problems.empty());
}

TEST(ResolvConf, DomainLineIsASearchListOfOne) {
  auto rc = parse_resolv_conf("search a b c\ndomain corp.example extra\n");
  EXPECT_EQ(rc.search, Strings{"corp.example"});
}

TEST(ResolvConf, EmptyAndCommentOnlyFilesHaveNoDirective) {
  EXPECT_FALSE(parse_resolv_conf("").has_directive);
  auto rc = parse_resolv_conf("# nothing here\n\n   \n;\n");
  EXPECT_FALSE(rc.has_directive);
  EXPECT_TRUE(rc.nameservers.empty());
  EXPECT_TRUE(rc.problems.empty());
  EXPECT_EQ(rc.ndots, 1);
}

TEST(ResolvConf, KeywordWithoutArgumentOrBadNumbers) {
  auto rc = parse_resolv_conf("nameserver\nnameserver \noptions ndots:x timeout: attempts:-1\n");
  EXPECT_TRUE(rc.nameservers.empty());
  EXPECT_EQ(rc.ndots, 0);  // glibc's atoi("x")
  EXPECT_EQ(rc.problem_count, 5u);
}

// A hostile or corrupt file: one linear pass, bounded memory, printable evidence.
TEST(ResolvConf, OneMegabyteOfGarbage) {
  std::mt19937 rng(42);
  std::string junk(1 << 20, '\0');
  for (auto& c : junk) c = static_cast<char>(rng() & 0xff);
  junk += "\nnameserver 10.96.0.10\n";
  const auto start = std::chrono::steady_clock::now();
  auto rc = parse_resolv_conf(junk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(rc.nameservers, Strings{"10.96.0.10"});
  EXPECT_LE(rc.problems.size(), 20u);
  EXPECT_GT(rc.problem_count, 20u);
  for (const auto& p : rc.problems) {
    for (char c : p) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "unprintable byte in: " << p;
    EXPECT_LT(p.size(), 120u);
  }
}

// The head of a file cut at the read limit: the cut last line is not judged, the rest is.
TEST(ResolvConf, TruncatedHeadDropsTheCutLine) {
  const auto rc = parse_resolv_conf_head("nameserver 10.96.0.10\nsearch a.example b.exa", true);
  EXPECT_TRUE(rc.truncated);
  EXPECT_EQ(rc.nameservers, Strings{"10.96.0.10"});
  EXPECT_TRUE(rc.search.empty());
  const auto whole = parse_resolv_conf_head("nameserver 10.96.0.10\nsearch a.example", false);
  EXPECT_FALSE(whole.truncated);
  EXPECT_EQ(whole.search, Strings{"a.example"});
  EXPECT_TRUE(parse_resolv_conf_head("no newline at all", true).nameservers.empty());
}

TEST(ResolvConf, ThousandsOfNameserversAreBounded) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "nameserver 10.0." + std::to_string(i % 250) + ".1\n";
  text += "search";
  for (int i = 0; i < 5000; ++i) text += " d" + std::to_string(i) + ".example";
  auto rc = parse_resolv_conf(text);
  EXPECT_EQ(rc.nameservers.size(), 64u);
  EXPECT_EQ(rc.search.size(), kGlibcMaxSearch);
  EXPECT_EQ(rc.search_count, 5000u);
}

// One search domain of a megabyte: not a name (RFC 1035: at most 253 bytes), reported and cut,
// never kept whole, and the valid ones around it are kept.
TEST(ResolvConf, OverlongSearchDomainIsInvalidAndNotKept) {
  const std::string huge(1 << 20, 'a');
  auto rc = parse_resolv_conf("search default.svc.cluster.local " + huge + " cluster.local\n");
  EXPECT_EQ(rc.search, (Strings{"default.svc.cluster.local", "cluster.local"}));
  EXPECT_EQ(rc.search_count, 2u);
  EXPECT_EQ(rc.invalid_search_count, 1u);
  ASSERT_EQ(rc.invalid_search.size(), 1u);
  EXPECT_LT(rc.invalid_search[0].size(), 150u);
  EXPECT_NE(rc.invalid_search[0].find("(1048576 bytes): longer than 253 bytes"), std::string::npos)
      << rc.invalid_search[0];
}

TEST(ResolvConf, DomainNameLengthLimits) {
  const std::string label63(63, 'a');
  // 253 bytes (three labels of 63 and one of 61, dots between): valid, also with a final dot.
  const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name253.size(), 253u);
  EXPECT_EQ(invalid_domain_name(name253), "");
  EXPECT_EQ(invalid_domain_name(name253 + "."), "");
  EXPECT_NE(invalid_domain_name(name253 + "c"), "");
  EXPECT_NE(invalid_domain_name(label63 + "a.example"), "");  // a 64-byte label
  EXPECT_EQ(invalid_domain_name("cluster.local"), "");
  auto rc = parse_resolv_conf("domain " + label63 + "a.example\n");
  EXPECT_TRUE(rc.search.empty());
  EXPECT_EQ(rc.invalid_search_count, 1u);
}

// The last search line replaces an earlier one's invalid entries too; evidence names at most 3.
TEST(ResolvConf, InvalidEntriesFollowTheLastSearchLine) {
  const std::string bad(300, 'x');
  auto rc = parse_resolv_conf("search " + bad + "\nsearch a.example\n");
  EXPECT_EQ(rc.invalid_search_count, 0u);
  EXPECT_TRUE(rc.invalid_search.empty());
  rc = parse_resolv_conf("search " + bad + " " + bad + " " + bad + " " + bad + " " + bad + "\n");
  EXPECT_EQ(rc.invalid_search_count, 5u);
  EXPECT_EQ(rc.invalid_search.size(), kMaxInvalidSearch);
}

TEST(ResolvConf, ClusterDomainComesFromTheSearchList) {
  EXPECT_EQ(cluster_domain_from_search(
                {"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}),
            "cluster.local");
  EXPECT_EQ(cluster_domain_from_search({"corp.example", "team-a.svc.k8s.corp.", "svc.k8s.corp"},
                                       "team-a"),
            "k8s.corp");
  // The pod's own namespace wins over another <ns>.svc entry.
  EXPECT_EQ(cluster_domain_from_search({"x.svc.other.local", "team-a.svc.mine.local"}, "team-a"),
            "mine.local");
  EXPECT_EQ(cluster_domain_from_search({"svc.only.local"}), "only.local");
  // Never assumed: no svc entry, no domain.
  EXPECT_EQ(cluster_domain_from_search({"corp.example", "cluster.local"}), "");
  EXPECT_EQ(cluster_domain_from_search({}), "");
  EXPECT_EQ(cluster_domain_from_search({"svc.", ".svc.x"}), "");
}

TEST(ResolvConf, IpAddressLiterals) {
  EXPECT_TRUE(is_ip_address("10.96.0.10"));
  EXPECT_TRUE(is_ip_address("::1"));
  EXPECT_TRUE(is_ip_address("fe80::1%eth0"));
  EXPECT_FALSE(is_ip_address("10.96.0.256"));
  EXPECT_FALSE(is_ip_address("kube-dns"));
  EXPECT_FALSE(is_ip_address(""));
}

}  // namespace
}  // namespace netdoctor::probes::dns
