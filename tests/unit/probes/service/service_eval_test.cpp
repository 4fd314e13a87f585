#include "probes/service/service_eval.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;
using testing::fill_healthy;
using testing::lab_facts;
using testing::probe;

const Check* find(const std::vector<Check>& checks, const std::string& id) {
  for (const auto& c : checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

bool mentions(const Check& c, const std::string& text) {
  for (const auto& e : c.evidence) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

ServiceTarget& target(ServiceFacts& f, const std::string& name) {
  for (auto& t : f.targets) {
    if (t.name == name) return t;
  }
  ADD_FAILURE() << "no target " << name;
  return f.targets.front();
}

TEST(ServiceEval, HealthyLabHasNoFailure) {
  for (const char* rules : {"node1.iptables-legacy-save.txt", "node1.iptables-nft-save.txt"}) {
    // Every default pod has EMPTY_SERVICE_HOST: the kubelet links every Service of the namespace.
    auto f =
        lab_facts(rules, "inventory.json", "10.244.1.3",
                  {{"EMPTY_SERVICE_HOST", "10.96.100.20"}, {"WEB_SERVICE_HOST", "10.96.100.10"}});
    fill_healthy(f);
    const auto checks = evaluate_service_layer(f);
    for (const auto& c : checks) EXPECT_NE(c.status, Status::kFail) << rules << " " << c.id;
    const Check* empty = find(checks, "service.clusterip:default/empty:http");
    ASSERT_NE(empty, nullptr);
    EXPECT_EQ(empty->status, Status::kWarn);
    EXPECT_EQ(empty->code, "service-no-endpoints");
    const Check* dns = find(checks, "service.clusterip:kube-system/kube-dns:dns");
    ASSERT_NE(dns, nullptr);
    EXPECT_EQ(dns->status, Status::kSkip);
    EXPECT_EQ(find(checks, "service.rules:default/web:http")->status, Status::kPass);
    EXPECT_EQ(find(checks, "service.endpoint:10.244.2.3:80")->status, Status::kPass);
  }
}

TEST(ServiceEval, KubeDnsRulesMissing) {
  auto f = lab_facts("node1.iptables-legacy-save.kube-dns-rules-missing.txt", "inventory.json");
  fill_healthy(f);
  target(f, "kube-system/kube-dns:dns-tcp").via_cluster_ip = {
      probe("10.96.0.10:53", ConnectOutcome::kTimeout)};
  const auto checks = evaluate_service_layer(f);
  for (const char* port : {"dns", "dns-tcp"}) {
    const Check* c = find(checks, std::string("service.rules:kube-system/kube-dns:") + port);
    ASSERT_NE(c, nullptr) << port;
    EXPECT_EQ(c->status, Status::kFail);
    EXPECT_EQ(c->code, "service-rules-missing");
    EXPECT_TRUE(mentions(*c, "10.96.0.10:53/"));
  }
  const Check* via = find(checks, "service.clusterip:kube-system/kube-dns:dns-tcp");
  EXPECT_EQ(via->code, "service-rules-missing");
  EXPECT_EQ(via->explained_by, "service.rules:kube-system/kube-dns:dns-tcp");
}

TEST(ServiceEval, EndpointsStaleNamesTheSepChainAndTheSlices) {
  auto f = lab_facts("node1.iptables-legacy-save.endpoints-stale.txt", "inventory.json");
  fill_healthy(f);
  const auto checks = evaluate_service_layer(f);
  const Check* c = find(checks, "service.rules:default/web:http");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, Status::kFail);
  EXPECT_EQ(c->code, "endpoints-stale");
  EXPECT_TRUE(mentions(*c, "KUBE-SEP-VHBGM3R6WWTGMILE: DNAT to 10.244.2.250:80"));
  EXPECT_TRUE(mentions(*c, "10.244.1.4:80, 10.244.2.3:80"));
  EXPECT_TRUE(mentions(*c, "lacks ready endpoint 10.244.2.3:80"));
}

TEST(ServiceEval, NoEndpointsFailsForAPodThatUsesIt) {
  auto f = lab_facts(
      "node1.iptables-legacy-save.service-no-endpoints.txt", "inventory.service-no-endpoints.json",
      "10.244.1.3", {{"WEB_SERVICE_HOST", "10.96.100.10"}, {"EMPTY_SERVICE_HOST", "10.96.100.20"}});
  fill_healthy(f);
  const auto checks = evaluate_service_layer(f);
  const Check* web = find(checks, "service.clusterip:default/web:http");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->status, Status::kFail);
  EXPECT_EQ(web->code, "service-no-endpoints");
  EXPECT_TRUE(mentions(*web, "WEB_SERVICE_HOST=10.96.100.10"));
  EXPECT_TRUE(mentions(*web, "rejects 10.96.100.10:80/tcp"));
  EXPECT_EQ(find(checks, "service.rules:default/web:http")->status, Status::kPass);
  // Nothing its selector matches runs: a Service nobody backs is a warning.
  EXPECT_EQ(find(checks, "service.clusterip:default/empty:http")->status, Status::kWarn);
}

TEST(ServiceEval, NoEndpointsWithoutReferenceIsAWarning) {
  auto f = lab_facts("node1.iptables-legacy-save.service-no-endpoints.txt",
                     "inventory.service-no-endpoints.json");
  fill_healthy(f);
  const auto checks = evaluate_service_layer(f);
  const Check* web = find(checks, "service.clusterip:default/web:http");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->status, Status::kWarn);
  EXPECT_EQ(web->code, "service-no-endpoints");
}

TEST(ServiceEval, EndpointUnreachableNamesTheEndpointAndItsChain) {
  auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json");
  fill_healthy(f);
  f.endpoint_pods["10.244.2.3"] = "default/web-2 on node2";
  f.endpoints["10.244.2.3:80"] = probe("10.244.2.3:80", ConnectOutcome::kRefused);
  target(f, "default/web:http").via_cluster_ip[1] =
      probe("10.96.100.10:80", ConnectOutcome::kRefused);
  const auto checks = evaluate_service_layer(f);
  const Check* ep = find(checks, "service.endpoint:10.244.2.3:80");
  ASSERT_NE(ep, nullptr);
  EXPECT_EQ(ep->status, Status::kFail);
  EXPECT_EQ(ep->code, "endpoint-unreachable");
  EXPECT_TRUE(mentions(*ep, "refused (Connection refused)"));
  EXPECT_TRUE(mentions(*ep, "default/web:http: KUBE-SEP-"));
  EXPECT_TRUE(mentions(*ep, "default/web-2 on node2"));
  const Check* via = find(checks, "service.clusterip:default/web:http");
  EXPECT_EQ(via->status, Status::kFail);
  EXPECT_EQ(via->code, "endpoint-unreachable");
  EXPECT_EQ(via->explained_by, "service.endpoint:10.244.2.3:80");
  EXPECT_EQ(
      via->causes,
      (std::vector<report::Cause>{{"endpoint-unreachable", "service.endpoint:10.244.2.3:80"}}));
  EXPECT_EQ(ep->subjects, std::vector<std::string>{"10.244.2.3"});
  EXPECT_NE(std::find(via->subjects.begin(), via->subjects.end(), "10.96.100.10"),
            via->subjects.end());
  EXPECT_NE(std::find(via->subjects.begin(), via->subjects.end(), "10.244.2.3"),
            via->subjects.end());
  // web-2 failing is not a hairpin problem of anyone.
  for (const auto& c : checks) EXPECT_NE(c.code, "hairpin-broken") << c.id;
}

// A dead CoreDNS or API server is the dns / apiserver layer's finding: here it only warns, so
// the root cause stays with the layer that explains it.
TEST(ServiceEval, DeadKubeDnsOrApiServerBackendOnlyWarns) {
  auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json");
  fill_healthy(f);
  f.endpoints["10.244.1.2:53"] = probe("10.244.1.2:53", ConnectOutcome::kRefused);
  f.endpoints["172.30.0.2:6443"] = probe("172.30.0.2:6443", ConnectOutcome::kTimeout);
  target(f, "kube-system/kube-dns:dns-tcp").via_cluster_ip[0] =
      probe("10.96.0.10:53", ConnectOutcome::kRefused);
  target(f, "default/kubernetes:https").via_cluster_ip[0] =
      probe("10.96.0.1:443", ConnectOutcome::kTimeout);
  const auto checks = evaluate_service_layer(f);
  for (const auto& c : checks) EXPECT_NE(c.status, Status::kFail) << c.id;
  const Check* dns = find(checks, "service.endpoint:10.244.1.2:53");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->status, Status::kWarn);
  EXPECT_EQ(dns->code, "endpoint-unreachable");
  EXPECT_EQ(find(checks, "service.endpoint:172.30.0.2:6443")->status, Status::kWarn);
  EXPECT_EQ(find(checks, "service.clusterip:default/kubernetes:https")->status, Status::kWarn);
}

// coredns-0 behind its own Service with dnsmasq stopped: its own server is dead, no hairpin.
TEST(ServiceEval, DeadSelfIsNoHairpin) {
  auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json", "10.244.1.2");
  fill_healthy(f);
  f.endpoints["10.244.1.2:53"] = probe("10.244.1.2:53", ConnectOutcome::kRefused);
  for (auto& p : target(f, "kube-system/kube-dns:dns-tcp").via_cluster_ip) {
    p = probe("10.96.0.10:53", ConnectOutcome::kRefused);
  }
  const auto checks = evaluate_service_layer(f);
  const Check* hp = find(checks, "service.hairpin:kube-system/kube-dns:dns-tcp");
  ASSERT_NE(hp, nullptr);
  EXPECT_EQ(hp->status, Status::kSkip);
}

ServiceFacts hairpin_facts(std::optional<bool> flag) {
  auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json", "10.244.1.4");
  f.source = "default/web-1";
  fill_healthy(f);
  if (flag) f.hairpin_port = HairpinPort{"veth1234", "cni0", flag, ""};
  return f;
}

TEST(ServiceEval, HairpinBrokenWhenOnlyTheSelfPickFails) {
  auto f = hairpin_facts(false);
  auto& web = target(f, "default/web:http");
  web.via_cluster_ip[0] = probe("10.96.100.10:80", ConnectOutcome::kTimeout);
  web.via_cluster_ip[2] = probe("10.96.100.10:80", ConnectOutcome::kTimeout);
  web.via_cluster_ip_again = web.via_cluster_ip;
  const auto checks = evaluate_service_layer(f);
  const Check* hp = find(checks, "service.hairpin:default/web:http");
  ASSERT_NE(hp, nullptr);
  EXPECT_EQ(hp->status, Status::kFail);
  EXPECT_EQ(hp->code, "hairpin-broken");
  EXPECT_TRUE(mentions(*hp, "hairpin off on veth1234 (bridge cni0)"));
  EXPECT_TRUE(mentions(*hp, "2 of 4 connects"));
  const Check* via = find(checks, "service.clusterip:default/web:http");
  EXPECT_EQ(via->code, "hairpin-broken");
  EXPECT_EQ(via->explained_by, "service.hairpin:default/web:http");
}

TEST(ServiceEval, HairpinInferredInPodMode) {
  auto f = hairpin_facts(std::nullopt);
  auto& web = target(f, "default/web:http");
  web.via_cluster_ip[3] = probe("10.96.100.10:80", ConnectOutcome::kTimeout);
  web.via_cluster_ip_again = web.via_cluster_ip;
  web.via_cluster_ip_again[0] = probe("10.96.100.10:80", ConnectOutcome::kTimeout);
  const auto checks = evaluate_service_layer(f);
  const Check* hp = find(checks, "service.hairpin:default/web:http");
  ASSERT_NE(hp, nullptr);
  EXPECT_EQ(hp->code, "hairpin-broken");
  EXPECT_TRUE(mentions(*hp, "not visible from inside the pod"));
  EXPECT_TRUE(mentions(*hp, "asked again, 2 of 4 failed again"));
}

// A Service's own endpoint with a small accept queue: one ClusterIP connect's SYN is dropped
// in the burst, and every connect goes through when asked again. Not a hairpin, whether the
// flag is on or cannot be read: an intermittent warning with its counts, never a root cause.
TEST(ServiceEval, FailuresThatPassWhenAskedAgainAreNoHairpin) {
  for (std::optional<bool> flag : {std::optional<bool>(true), std::optional<bool>()}) {
    auto f = hairpin_facts(flag);
    auto& web = target(f, "default/web:http");
    web.via_cluster_ip_again = web.via_cluster_ip;
    web.via_cluster_ip[1] = probe("10.96.100.10:80", ConnectOutcome::kTimeout);
    const auto checks = evaluate_service_layer(f);
    for (const auto& c : checks) EXPECT_NE(c.status, Status::kFail) << c.id;
    const Check* hp = find(checks, "service.hairpin:default/web:http");
    ASSERT_NE(hp, nullptr);
    EXPECT_EQ(hp->status, Status::kPass);
    EXPECT_NE(hp->summary.find("none of 4 when asked again"), std::string::npos) << hp->summary;
    const Check* via = find(checks, "service.clusterip:default/web:http");
    ASSERT_NE(via, nullptr);
    EXPECT_EQ(via->status, Status::kWarn);
    EXPECT_EQ(via->code, "intermittent");
    EXPECT_TRUE(mentions(*via, "asked again: 4 connected"));
  }
}

// Failures nobody asked again (facts from elsewhere) are not judged a hairpin either.
TEST(ServiceEval, HairpinNotJudgedFromOneRound) {
  auto f = hairpin_facts(std::nullopt);
  target(f, "default/web:http").via_cluster_ip[3] =
      probe("10.96.100.10:80", ConnectOutcome::kTimeout);
  const auto checks = evaluate_service_layer(f);
  const Check* hp = find(checks, "service.hairpin:default/web:http");
  ASSERT_NE(hp, nullptr);
  EXPECT_EQ(hp->status, Status::kSkip);
}

// The same for any source: a ClusterIP whose failures pass when asked again warns.
TEST(ServiceEval, ClusterIpFailuresThatPassWhenAskedAgainWarn) {
  auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json");
  fill_healthy(f);
  auto& web = target(f, "default/web:http");
  web.via_cluster_ip_again = web.via_cluster_ip;
  for (auto& p : web.via_cluster_ip) p = probe("10.96.100.10:80", ConnectOutcome::kTimeout);
  const auto checks = evaluate_service_layer(f);
  const Check* via = find(checks, "service.clusterip:default/web:http");
  ASSERT_NE(via, nullptr);
  EXPECT_EQ(via->status, Status::kWarn);
  EXPECT_EQ(via->code, "intermittent");
  EXPECT_NE(via->summary.find("4 of 4 connects"), std::string::npos) << via->summary;
}

TEST(ServiceEval, HairpinOnAndConnectsPass) {
  const auto checks = evaluate_service_layer(hairpin_facts(true));
  const Check* hp = find(checks, "service.hairpin:default/web:http");
  ASSERT_NE(hp, nullptr);
  EXPECT_EQ(hp->status, Status::kPass);
  EXPECT_TRUE(mentions(*hp, "hairpin on for veth1234 (bridge cni0)"));
  // Only web-1 is an endpoint of web: no hairpin check for the other Services.
  EXPECT_EQ(find(checks, "service.hairpin:default/kubernetes:https"), nullptr);
}

TEST(ServiceEval, PodModeSkipsTheRulesAndProbesNotRunAreSkips) {
  ServiceFacts f;
  f.source = "default/client-a";
  ServiceTarget t;
  t.name = "default/web:http";
  t.service = "default/web";
  t.ip = "10.96.100.10";
  t.port = 80;
  t.endpoints = {"10.244.1.4:80"};
  t.via_cluster_ip = {{"10.96.100.10:80", std::nullopt, "cannot enter netns"}};
  f.targets.push_back(t);
  f.endpoints["10.244.1.4:80"] = {"10.244.1.4:80", std::nullopt, "cannot enter netns"};
  const auto checks = evaluate_service_layer(f);
  EXPECT_EQ(find(checks, "service.rules")->status, Status::kSkip);
  EXPECT_EQ(find(checks, "service.clusterip:default/web:http")->status, Status::kSkip);
  EXPECT_EQ(find(checks, "service.endpoint:10.244.1.4:80")->status, Status::kSkip);
  for (const auto& c : checks) EXPECT_NE(c.status, Status::kFail);
}

TEST(ServiceEval, NothingKnownIsASkip) {
  ServiceFacts f;
  f.source = "x";
  const auto checks = evaluate_service_layer(f);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[1].id, "service.layer");
  EXPECT_EQ(checks[1].status, Status::kSkip);
}

}  // namespace
}  // namespace netdoctor::probes
