#include "probes/net/resolver.h"

#include <gtest/gtest.h>

#include <chrono>

#include "fake_dns_server.h"

namespace netdoctor::probes::dns {
namespace {

using namespace std::chrono_literals;
using testing::FakeDnsServer;
using testing::Reply;

DnsQuery ask(const FakeDnsServer& s, std::string name, Transport t = Transport::kUdp) {
  DnsQuery q;
  q.name = std::move(name);
  q.servers = {{s.ip(), s.port()}};
  q.transport = t;
  return q;
}

DnsAnswer one(const DnsQuery& q, std::chrono::milliseconds timeout = 500ms) {
  auto answers = resolve_all({q}, timeout);
  EXPECT_EQ(answers.size(), 1u);
  return answers.at(0);
}

TEST(Resolver, AnswersWithARecordsOverUdp) {
  FakeDnsServer s;
  s.script("kubernetes.default.svc.cluster.local", Reply::kAnswer, {"10.96.0.1", "10.96.0.2"});
  auto a = one(ask(s, "kubernetes.default.svc.cluster.local"));
  EXPECT_EQ(a.outcome, Outcome::kAnswer) << a.detail;
  EXPECT_EQ(a.addresses, (std::vector<std::string>{"10.96.0.1", "10.96.0.2"}));
  EXPECT_EQ(s.udp_queries(), 1);
  EXPECT_EQ(s.tcp_queries(), 0);
  EXPECT_LT(a.elapsed, 100ms);
}

// Without ARES_FLAG_NOCHECKRESP, SERVFAIL and REFUSED would both be ECONNREFUSED.
TEST(Resolver, TellsRcodesApart) {
  FakeDnsServer s;
  s.script("nx.test", Reply::kNxDomain);
  s.script("servfail.test", Reply::kServFail);
  s.script("refused.test", Reply::kRefused);
  s.script("nodata.test", Reply::kNoData);
  auto answers = resolve_all(
      {ask(s, "nx.test"), ask(s, "servfail.test"), ask(s, "refused.test"), ask(s, "nodata.test")},
      500ms);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].outcome, Outcome::kNxDomain);
  EXPECT_EQ(answers[1].outcome, Outcome::kServFail);
  EXPECT_EQ(answers[2].outcome, Outcome::kRefused);
  EXPECT_EQ(answers[3].outcome, Outcome::kNoData);
  for (const auto& a : answers) EXPECT_TRUE(server_answered(a.outcome));
}

TEST(Resolver, TruncatedUdpAnswerIsRetriedOverTcp) {
  FakeDnsServer s;
  s.script("big.test", Reply::kTruncate, {"192.0.2.7"});
  auto a = one(ask(s, "big.test"));
  EXPECT_EQ(a.outcome, Outcome::kAnswer) << a.detail;
  EXPECT_EQ(a.addresses, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(s.udp_queries(), 1);
  EXPECT_EQ(s.tcp_queries(), 1);
}

TEST(Resolver, TcpTransportUsesTcpOnly) {
  FakeDnsServer s;
  s.script("a.test", Reply::kAnswer, {"192.0.2.1"});
  s.script("nx.test", Reply::kNxDomain);
  auto answers =
      resolve_all({ask(s, "a.test", Transport::kTcp), ask(s, "nx.test", Transport::kTcp)}, 500ms);
  EXPECT_EQ(answers[0].outcome, Outcome::kAnswer) << answers[0].detail;
  EXPECT_EQ(answers[1].outcome, Outcome::kNxDomain);
  EXPECT_EQ(s.udp_queries(), 0);
  EXPECT_EQ(s.tcp_queries(), 2);
}

// Silence is asked once more (glibc's attempts:2), so it costs two timeouts, not more.
TEST(Resolver, SilenceTimesOutWithinTwoTimeouts) {
  FakeDnsServer s;
  s.fallback(Reply::kSilent);
  for (auto t : {Transport::kUdp, Transport::kTcp}) {
    const int before = s.udp_queries() + s.tcp_queries();
    const auto start = std::chrono::steady_clock::now();
    auto a = one(ask(s, "quiet.test", t), 200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(a.outcome, Outcome::kTimeout) << to_string(t) << ": " << a.detail;
    EXPECT_EQ(a.attempts, 2);
    EXPECT_GE(took, 390ms);
    EXPECT_LT(took, 700ms);
    EXPECT_EQ(s.udp_queries() + s.tcp_queries() - before, 2) << to_string(t);
  }
}

// Every question is in flight at once: ten silent servers cost one timeout (and its one
// confirmation), not ten.
TEST(Resolver, QuestionsRunConcurrently) {
  FakeDnsServer quiet;
  quiet.fallback(Reply::kSilent);
  FakeDnsServer good;
  good.fallback(Reply::kAnswer);
  good.script("ok.test", Reply::kAnswer, {"192.0.2.9"});
  std::vector<DnsQuery> qs;
  for (int i = 0; i < 5; ++i) qs.push_back(ask(quiet, "q" + std::to_string(i) + ".test"));
  for (int i = 0; i < 5; ++i) qs.push_back(ask(quiet, "t.test", Transport::kTcp));
  qs.push_back(ask(good, "ok.test"));
  const auto start = std::chrono::steady_clock::now();
  auto answers = resolve_all(qs, 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 900ms);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(answers[i].outcome, Outcome::kTimeout);
  EXPECT_EQ(answers[10].outcome, Outcome::kAnswer);
  EXPECT_LT(answers[10].elapsed, 100ms);
}

TEST(Resolver, ClosedPortIsConnectionRefusedNotTimeout) {
  std::uint16_t port = 0;
  {
    FakeDnsServer gone;  // takes a free port, then frees it
    port = gone.port();
  }
  for (auto t : {Transport::kUdp, Transport::kTcp}) {
    DnsQuery q;
    q.name = "x.test";
    q.servers = {{"127.0.0.1", port}};
    q.transport = t;
    auto a = one(q, 1000ms);
    EXPECT_EQ(a.outcome, Outcome::kConnRefused) << to_string(t) << ": " << a.detail;
    EXPECT_LT(a.elapsed, 500ms);
  }
}

// ndots 5 puts the search domains first, as a pod's resolver does.
TEST(Resolver, SearchGoesThroughTheDomainsInOrder) {
  FakeDnsServer s;
  s.script("kubernetes.default.svc.cluster.local", Reply::kAnswer, {"10.96.0.1"});
  DnsQuery q = ask(s, "kubernetes.default");
  q.search = true;
  q.ndots = 5;
  q.domains = {"default.svc.cluster.local", "svc.cluster.local", "cluster.local"};
  auto a = one(q);
  EXPECT_EQ(a.outcome, Outcome::kAnswer) << a.detail;
  EXPECT_EQ(s.asked(), (std::vector<std::string>{"kubernetes.default.default.svc.cluster.local",
                                                 "kubernetes.default.svc.cluster.local"}));
}

TEST(Resolver, SearchEndsWithTheNameItselfWhenNoDomainHasIt) {
  FakeDnsServer s;
  DnsQuery q = ask(s, "example.test");
  q.search = true;
  q.ndots = 5;
  q.domains = {"a.local", "b.local"};
  EXPECT_EQ(one(q).outcome, Outcome::kNxDomain);
  EXPECT_EQ(s.asked(), (std::vector<std::string>{"example.test.a.local", "example.test.b.local",
                                                 "example.test"}));
}

// lookups "b": the prober's /etc/hosts must not answer for the pod.
TEST(Resolver, DoesNotUseTheProbersHostsFile) {
  FakeDnsServer s;
  s.script("localhost", Reply::kNxDomain);
  auto q = ask(s, "localhost");
  EXPECT_EQ(one(q).outcome, Outcome::kNxDomain);
  q.search = true;
  EXPECT_EQ(one(q).outcome, Outcome::kNxDomain);
  EXPECT_EQ(s.udp_queries(), 2);
}

TEST(Resolver, SecondServerAnswersWhenTheFirstRefuses) {
  std::uint16_t closed = 0;
  {
    FakeDnsServer gone;
    closed = gone.port();
  }
  FakeDnsServer s;
  s.script("a.test", Reply::kAnswer, {"192.0.2.3"});
  DnsQuery q = ask(s, "a.test");
  q.servers.insert(q.servers.begin(), DnsServer{"127.0.0.1", closed});
  EXPECT_EQ(one(q).outcome, Outcome::kAnswer);
}

TEST(Resolver, BadServerOrNoServerIsNotAskedAndDoesNotHang) {
  DnsQuery q;
  q.name = "a.test";
  q.servers = {{"not-an-ip", 53}};
  auto a = one(q);
  EXPECT_EQ(a.outcome, Outcome::kBadQuery);
  EXPECT_NE(a.detail.find("not-an-ip"), std::string::npos);
  q.servers.clear();
  EXPECT_EQ(one(q).outcome, Outcome::kBadQuery);
  EXPECT_TRUE(resolve_all({}, 100ms).empty());
}

}  // namespace
}  // namespace netdoctor::probes::dns
