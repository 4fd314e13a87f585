#include "probes/egress/egress_eval.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace netdoctor::probes {
namespace {

using report::Status;

bool has(const report::Check& c, const std::string& needle) {
  return std::any_of(c.evidence.begin(), c.evidence.end(),
                     [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}

EgressFacts facts(const std::string& url) {
  EgressFacts f;
  f.source = "default/client-a";
  f.url_text = url;
  auto u = parse_egress_url(url);
  EXPECT_TRUE(u);
  if (u) f.url = *u;
  f.resolved_needed = !f.url.host_is_ip;
  f.target_ip = f.url.host_is_ip ? f.url.host : "203.0.113.10";
  f.pod_route = "default via 10.244.1.1 dev eth0";
  return f;
}

ProbeOutcome failed(Phase phase, const std::string& detail) {
  ProbeOutcome p;
  p.ran = true;
  p.phase = phase;
  p.detail = detail;
  return p;
}

TEST(EgressEval, AnsweredIsPass) {
  auto f = facts("http://203.0.113.10/");
  f.probe.ran = f.probe.ok = true;
  f.probe.http_status = 200;
  f.snat = {SnatState::kMasqueraded, "masquerade: ... FLANNEL-POSTRTG"};
  const auto c = evaluate_egress(f);
  EXPECT_EQ(c.id, "egress.http://203.0.113.10/");
  EXPECT_EQ(c.status, Status::kPass);
  EXPECT_NE(c.summary.find("HTTP 200"), std::string::npos);
  EXPECT_TRUE(has(c, "FLANNEL-POSTRTG"));
}

TEST(EgressEval, NameThatDoesNotResolveIsDnsFailure) {
  auto f = facts("http://example.test/");
  f.dns = dns::DnsAnswer{};
  f.dns->outcome = dns::Outcome::kServFail;
  const auto c = evaluate_egress(f);
  EXPECT_EQ(c.status, Status::kFail);
  EXPECT_EQ(c.code, "egress-dns-failure");
  EXPECT_NE(c.summary.find("SERVFAIL"), std::string::npos) << c.summary;
}

TEST(EgressEval, FailureWithoutMasqueradeIsNoSnat) {
  auto f = facts("tcp://203.0.113.10:80");
  f.probe = failed(Phase::kConnect, "no answer within 500 ms");
  f.snat = {SnatState::kNotMasqueraded, "masquerade: no rule ..."};
  const auto c = evaluate_egress(f);
  EXPECT_EQ(c.code, "egress-no-snat");
  EXPECT_TRUE(has(c, "masquerade: no rule"));
  EXPECT_FALSE(has(c, "cause: "));  // it is the finding, not explained by another
  EXPECT_TRUE(has(c, "TCP connect"));
}

TEST(EgressEval, FailureWithMasqueradeIsUnreachableWithThePhase) {
  auto f = facts("tcp://203.0.113.99:80");
  f.probe = failed(Phase::kConnect, "no answer within 500 ms");
  f.snat = {SnatState::kMasqueraded, "masquerade: FLANNEL-POSTRTG"};
  const auto c = evaluate_egress(f);
  EXPECT_EQ(c.code, "egress-unreachable");
  EXPECT_NE(c.summary.find("TCP connect failed"), std::string::npos) << c.summary;
  EXPECT_FALSE(has(c, "cause: egress-no-snat"));
}

TEST(EgressEval, NoRouteInThePodIsTheRoutePhase) {
  auto f = facts("http://203.0.113.10/");
  f.pod_route = "";
  f.probe = failed(Phase::kConnect, "network unreachable");
  const auto c = evaluate_egress(f);
  EXPECT_EQ(c.code, "egress-unreachable");
  EXPECT_NE(c.summary.find("route phase, in the pod"), std::string::npos);
}

TEST(EgressEval, BadUrlIsAFailedCheckNamingIt) {
  EgressFacts f;
  f.source = "default/client-a";
  f.url_text = "gopher://x";
  f.url_error = parse_egress_url(f.url_text).error().message();
  const auto c = evaluate_egress(f);
  EXPECT_EQ(c.status, Status::kFail);
  EXPECT_EQ(c.code, "egress-unreachable");
  EXPECT_NE(c.summary.find("gopher"), std::string::npos);
}

TEST(EgressEval, ProxyVariablesAreReportedMasked) {
  const auto vars = proxy_variables({{"HTTPS_PROXY", "http://u:secret@proxy:3128"},
                                     {"no_proxy", ".svc,10.0.0.0/8"},
                                     {"PATH", "/bin"}});
  ASSERT_EQ(vars.size(), 2u);
  EXPECT_EQ(vars[0], "HTTPS_PROXY=http://***@proxy:3128");
  EXPECT_EQ(vars[1], "no_proxy=.svc,10.0.0.0/8");
  auto f = facts("http://203.0.113.10/");
  f.probe.ran = f.probe.ok = true;
  f.proxy_env = vars;
  EXPECT_TRUE(has(evaluate_egress(f), "HTTPS_PROXY=http://***@proxy:3128"));
}

// The userinfo is everything before the last '@': a password with '@' in it, a bare token, a
// value without a scheme, every proxy variable in either case.
TEST(EgressEval, ProxyCredentialsAreDroppedWhole) {
  const auto vars = proxy_variables({{"HTTP_PROXY", "http://alice:s3cr@t@proxy:3128"},
                                     {"https_proxy", "http://TOKEN-abc123@proxy:8080"},
                                     {"ALL_PROXY", "alice:pw@proxy:3128"},
                                     {"all_proxy", "socks5://bob:p/a?s#s@socks:1080"},
                                     {"NO_PROXY", "carol:x@internal,.svc"}});
  const std::vector<std::string> want{
      "ALL_PROXY=***@proxy:3128", "HTTP_PROXY=http://***@proxy:3128", "NO_PROXY=***@internal,.svc",
      "all_proxy=socks5://***@socks:1080", "https_proxy=http://***@proxy:8080"};
  EXPECT_EQ(vars, want);
  for (const auto& v : vars) {
    for (const char* secret : {"alice", "s3cr", "TOKEN", "abc123", "bob", "p/a", "carol"}) {
      EXPECT_EQ(v.find(secret), std::string::npos) << v;
    }
  }
}

// One huge value is not copied whole into every egress check of the pod.
TEST(EgressEval, HugeProxyValueIsCut) {
  const auto vars = proxy_variables({{"NO_PROXY", std::string(1 << 20, 'a')}});
  ASSERT_EQ(vars.size(), 1u);
  EXPECT_LT(vars[0].size(), 400u);
  EXPECT_NE(vars[0].find("(1048576 bytes)"), std::string::npos) << vars[0];
}

}  // namespace
}  // namespace netdoctor::probes
