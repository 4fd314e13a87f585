#include "probes/apiserver/apiserver_eval.h"
#include "report/explains.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

namespace netdoctor::probes {
namespace {

using report::Status;

bool has(const report::Check& c, const std::string& needle) {
  return std::any_of(c.evidence.begin(), c.evidence.end(),
                     [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}

ApiFacts target(ApiTargetKind kind, const std::string& id, const std::string& ip, int port) {
  ApiFacts f;
  f.target = {kind, id, ip, ip, port, "test"};
  f.result.ip = ip;
  return f;
}

HttpResult answered(long status, const std::string& body = {}) {
  HttpResult r;
  r.http_status = status;
  r.body = body;
  r.times = {0, 500, 3000, 3500, 4000};
  return r;
}

HttpResult transport(int code, int os_errno, const std::string& error, PhaseTimes t = {}) {
  HttpResult r;
  r.curl_code = code;
  r.os_errno = os_errno;
  r.error = error;
  r.times = t;
  return r;
}

ApiPodFacts pod_with(std::vector<ApiFacts> targets) {
  ApiPodFacts p;
  p.source = "default/client-a";
  p.ca_subjects = {"CN = ndlab-cluster-ca"};
  p.targets = std::move(targets);
  return p;
}

TEST(ApiserverEval, HealthyTargetsPass) {
  auto cip = target(ApiTargetKind::kClusterIp, "apiserver.clusterip", "10.96.0.1", 443);
  cip.result.http = {answered(200, "ok"), answered(200, "{\"gitVersion\": \"v1.30.2\"}")};
  const auto checks = evaluate_apiserver(pod_with({cip}));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].status, Status::kPass);
  EXPECT_TRUE(has(checks[0], "GET /version: HTTP 200 (v1.30.2)"));
  EXPECT_TRUE(has(checks[0], "TLS 2.5 ms"));
}

// A busy API server (every pod of the node asking at once) times out once and answers when
// asked again: a warning with both requests, never a root cause.
TEST(ApiserverEval, ATimeoutThatAnswersWhenAskedAgainIsIntermittent) {
  auto ep = target(ApiTargetKind::kEndpoint, "apiserver.endpoint:172.30.0.2", "172.30.0.2", 6443);
  ep.result.first_attempt = "Connection timed out after 502 milliseconds";
  ep.result.http = {answered(200, "ok"), answered(200, "{}")};
  const auto c = evaluate_apiserver(pod_with({ep}))[0];
  EXPECT_EQ(c.status, Status::kWarn);
  EXPECT_EQ(c.code, "intermittent");
  EXPECT_TRUE(has(c, "the first request timed out (Connection timed out after 502 milliseconds)"));
  // Asked again and still silent: the failure stands, with both requests in its evidence.
  ep.result.http = {transport(CURLE_OPERATION_TIMEDOUT, 0, "Operation timed out after 1300 ms",
                              {0, 400, 0, 0, 0})};
  const auto f = evaluate_apiserver(pod_with({ep}))[0];
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.code, "apiserver-unreachable");
  EXPECT_TRUE(has(f, "asked again"));
}

TEST(ApiserverEval, RefusedIsUnreachableWithThePhase) {
  auto ep = target(ApiTargetKind::kEndpoint, "apiserver.endpoint:172.30.0.2", "172.30.0.2", 6443);
  ep.result.http = {transport(CURLE_COULDNT_CONNECT, ECONNREFUSED, "Failed to connect")};
  const auto c = evaluate_apiserver(pod_with({ep}))[0];
  EXPECT_EQ(c.code, "apiserver-unreachable");
  EXPECT_NE(c.summary.find("TCP connect failed (refused"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("172.30.0.2:6443"), std::string::npos);
}

TEST(ApiserverEval, UntrustedCertificateNamesBothSides) {
  auto ep = target(ApiTargetKind::kEndpoint, "apiserver.endpoint:172.30.0.2", "172.30.0.2", 6443);
  ep.result.http = {transport(CURLE_PEER_FAILED_VERIFICATION, 0, "unable to get local issuer",
                              {0, 400, 0, 0, 2000})};
  ep.result.chain = {{"CN = kube-apiserver", "CN = rogue-ca"}};
  const auto c = evaluate_apiserver(pod_with({ep}))[0];
  EXPECT_EQ(c.code, "apiserver-tls-untrusted");
  EXPECT_TRUE(has(c, "subject CN = kube-apiserver; issuer CN = rogue-ca"));
  EXPECT_TRUE(has(c, "pod CA expects issuer: CN = ndlab-cluster-ca"));
}

TEST(ApiserverEval, RejectedTokenIsUnauthorized) {
  auto cip = target(ApiTargetKind::kClusterIp, "apiserver.clusterip", "10.96.0.1", 443);
  cip.result.http = {answered(401), answered(200)};
  const auto c = evaluate_apiserver(pod_with({cip}))[0];
  EXPECT_EQ(c.code, "apiserver-unauthorized");
  EXPECT_NE(c.summary.find("HTTP 401"), std::string::npos);
  EXPECT_EQ(verdict_of(cip), ApiVerdict::kUnauthorized);
}

TEST(ApiserverEval, ClusterIpFailingWhileTheEndpointAnswersIsTheService) {
  auto cip = target(ApiTargetKind::kClusterIp, "apiserver.clusterip", "10.96.0.1", 443);
  cip.result.http = {transport(CURLE_OPERATION_TIMEDOUT, 0, "Connection timed out")};
  auto ep = target(ApiTargetKind::kEndpoint, "apiserver.endpoint:172.30.0.2", "172.30.0.2", 6443);
  ep.result.http = {answered(200), answered(200)};
  auto pod = pod_with({cip, ep});
  pod.snat = {SnatState::kNotMasqueraded, "masquerade: none"};
  const auto checks = evaluate_apiserver(pod);
  EXPECT_EQ(checks[0].code, "apiserver-unreachable");
  EXPECT_TRUE(has(checks[0], "the endpoint answers directly (172.30.0.2:6443)"));
  EXPECT_TRUE(has(checks[0], "cause: service"));
  EXPECT_FALSE(has(checks[0], "cause: egress-no-snat"));
  EXPECT_EQ(checks[0].causes,
            report::causes_for("apiserver-unreachable", report::When::kServicePathBroken));
  EXPECT_EQ(std::count(checks[0].causes.begin(), checks[0].causes.end(),
                       report::Cause{"egress-no-snat", ""}),
            0);
  EXPECT_EQ(checks[0].subjects, std::vector<std::string>{"10.96.0.1"});
  EXPECT_EQ(checks[1].status, Status::kPass);
}

TEST(ApiserverEval, NothingAnsweringWithoutMasqueradeIsNoSnat) {
  auto cip = target(ApiTargetKind::kClusterIp, "apiserver.clusterip", "10.96.0.1", 443);
  cip.result.http = {transport(CURLE_OPERATION_TIMEDOUT, 0, "Connection timed out")};
  auto ep = target(ApiTargetKind::kEndpoint, "apiserver.endpoint:172.30.0.2", "172.30.0.2", 6443);
  ep.result.http = {transport(CURLE_OPERATION_TIMEDOUT, 0, "Connection timed out")};
  auto pod = pod_with({cip, ep});
  pod.snat = {SnatState::kNotMasqueraded, "masquerade: no rule"};
  for (const auto& c : evaluate_apiserver(pod)) {
    EXPECT_EQ(c.code, "apiserver-unreachable");
    EXPECT_TRUE(has(c, "cause: egress-no-snat")) << c.id;
    EXPECT_FALSE(has(c, "cause: service"));
    EXPECT_EQ(c.causes, (std::vector<report::Cause>{{"egress-no-snat", ""}})) << c.id;
  }
}

TEST(ApiserverEval, NameThatDoesNotResolveIsTheDnsPhase) {
  ApiFacts name;
  name.target = {ApiTargetKind::kDnsName,
                 "apiserver.dns-name",
                 "kubernetes.default.svc.cluster.local",
                 "",
                 443,
                 "test"};
  name.result.dns = dns::DnsAnswer{};
  name.result.dns->outcome = dns::Outcome::kNxDomain;
  const auto c = evaluate_apiserver(pod_with({name}))[0];
  EXPECT_EQ(c.code, "apiserver-unreachable");
  EXPECT_NE(c.summary.find("DNS phase: NXDOMAIN"), std::string::npos) << c.summary;
}

TEST(ApiserverEval, GitVersionFromTheBody) {
  std::ifstream in(std::string(ND_TESTDATA) + "/apiserver/version.json");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(git_version(s.str()), "v1.30.2");
  EXPECT_EQ(git_version("garbage"), "");
  EXPECT_EQ(git_version("{\"gitVersion\""), "");
}

}  // namespace
}  // namespace netdoctor::probes
