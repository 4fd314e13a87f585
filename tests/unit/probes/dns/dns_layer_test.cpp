// The layer's parts end to end without a namespace: context from an inventory and a resolv.conf,
// the plan, real c-ares questions to scripted servers on loopback, and the checks.
#include "probes/dns/dns_layer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "../net/fake_dns_server.h"
#include "probes/dns/dns_eval.h"

namespace netdoctor::probes::dns {
namespace {

using namespace std::chrono_literals;
using report::Status;
using testing::FakeDnsServer;
using testing::Reply;

inventory::Inventory cluster() {
  inventory::Inventory inv;
  inventory::Service dns;
  dns.ns = "kube-system";
  dns.name = "kube-dns";
  dns.cluster_ip = "10.96.0.10";
  dns.ports = {{"dns", 53, "UDP", "53"}, {"dns-tcp", 53, "TCP", "53"}};
  inv.services.push_back(dns);
  inventory::EndpointSlice s;
  s.ns = "kube-system";
  s.name = "kube-dns-abc";
  s.service = "kube-dns";
  s.address_type = "IPv4";
  s.ports = {{"dns", 5353, "UDP"}, {"dns-tcp", 5354, "TCP"}};
  s.endpoints = {{{"10.244.1.2"}, true, "node1", "kube-system/coredns-0"},
                 {{"10.244.2.2"}, false, "node2", "kube-system/coredns-1"}};
  inv.slices.push_back(s);
  inventory::Pod p;
  p.ns = "kube-system";
  p.name = "coredns-0";
  p.ip = "10.244.1.2";
  p.ips = {p.ip};
  p.phase = "Running";
  inv.pods.push_back(p);
  return inv;
}

SourcePod client() {
  SourcePod s;
  s.display = "team-a/client";
  s.pod = "team-a/client";
  return s;
}

PodResolv read(std::string text) {
  return {ResolvState::kRead, "", std::move(text)};
}

TEST(DnsLayer, ContextFromInventoryAndResolvConf) {
  const auto inv = cluster();
  DnsLayerOptions o;
  const auto c = build_context(
      client(), read("search team-a.svc.k8s.corp svc.k8s.corp k8s.corp\nnameserver 10.96.0.10\n"),
      &inv, o);
  EXPECT_EQ(c.cluster_domain, "k8s.corp");
  EXPECT_EQ(c.cluster_name(), "kubernetes.default.svc.k8s.corp");
  EXPECT_EQ(c.dns_service, "kube-system/kube-dns");
  EXPECT_EQ(c.dns_ip, "10.96.0.10");
  ASSERT_EQ(c.endpoints.size(), 1u);  // only the ready one
  EXPECT_EQ(c.endpoints[0].pod, "kube-system/coredns-0");
  EXPECT_EQ(c.endpoints[0].udp_port, 5353);
  EXPECT_EQ(c.endpoints[0].tcp_port, 5354);
  EXPECT_EQ(c.outside_names, std::vector<std::string>{"example.test"});
}

TEST(DnsLayer, WithoutInventoryTheFirstNameserverIsTheDnsService) {
  DnsLayerOptions o;
  o.outside_names = {"api.example.test"};
  const auto c =
      build_context(client(), read("nameserver 10.1.2.3\nnameserver 10.1.2.4\n"), nullptr, o);
  EXPECT_EQ(c.dns_ip, "10.1.2.3");
  EXPECT_TRUE(c.dns_service.empty());
  EXPECT_TRUE(c.cluster_domain.empty());  // never assumed
  EXPECT_EQ(c.outside_names, std::vector<std::string>{"api.example.test"});
  // No cluster name to ask: only outside names are planned.
  for (const auto& p : plan_queries(c)) {
    EXPECT_TRUE(p.role == Role::kUpstreamService || p.role == Role::kOutsideSearch ||
                p.role == Role::kOutsideDirect || p.role == Role::kSearchDomain);
  }
}

TEST(DnsLayer, NoProcessMeansNoResolvConfButTheInventorysDnsService) {
  EXPECT_EQ(read_pod_resolv(netns::PodReader({})).state, ResolvState::kNoProcess);
  const auto inv = cluster();
  DnsLayerOptions o;
  o.cluster_domain = "cluster.local";
  const auto c = build_context(client(), read_pod_resolv(netns::PodReader({})), &inv, o);
  EXPECT_EQ(c.dns_ip, "10.96.0.10");
  EXPECT_EQ(c.cluster_name(), "kubernetes.default.svc.cluster.local");
}

TEST(DnsLayer, ReadsItsOwnResolvConfThroughProc) {
  // This process stands in for a pod: /proc/self/root is "/", the file may or may not exist.
  const auto r = read_pod_resolv(netns::pod_reader({::getpid()}));
  EXPECT_TRUE(r.state == ResolvState::kRead || r.state == ResolvState::kMissing) << r.detail;
}

TEST(DnsLayer, OutsideNamesFromEgressUrls) {
  EXPECT_EQ(outside_names_from_urls({"http://example.test/", "https://user@www.example.test:8443/x",
                                     "tcp://db.example.test:5432", "http://203.0.113.10/",
                                     "https://[2001:db8::1]/", "example.test"}),
            (std::vector<std::string>{"example.test", "www.example.test", "db.example.test"}));
}

TEST(DnsLayer, PlanIsBoundedWhateverTheInventoryHolds) {
  auto c = build_context(client(), read("search team-a.svc.cluster.local\nnameserver 10.96.0.10\n"),
                         nullptr, {});
  c.dns_service = "kube-system/kube-dns";
  for (int i = 0; i < 100; ++i) c.endpoints.push_back({"10.244.0." + std::to_string(i)});
  for (int i = 0; i < 100; ++i) c.outside_names.push_back("n" + std::to_string(i) + ".test");
  EXPECT_LE(plan_queries(c).size(), 40u);
}

// The ClusterIP, the endpoint and the upstream as scripted servers on loopback.
struct Lab {
  FakeDnsServer service{"127.0.0.10"};
  FakeDnsServer endpoint{"127.0.0.11"};

  Lab() {
    for (auto* s : {&service, &endpoint}) {
      s->script("kubernetes.default.svc.cluster.local", Reply::kAnswer, {"10.96.0.1"});
      s->script("example.test", Reply::kAnswer, {"203.0.113.10"});
    }
  }
  DnsFacts facts(std::chrono::milliseconds timeout) {
    DnsFacts f;
    auto& c = f.context;
    c.source = "default/client-a";
    c.resolv_state = ResolvState::kRead;
    c.resolv = parse_resolv_conf(
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver " +
        service.ip() + "\noptions ndots:5\n");
    c.cluster_domain = "cluster.local";
    c.dns_service = "kube-system/kube-dns";
    c.dns_ip = service.ip();
    c.dns_udp_port = c.dns_tcp_port = service.port();
    c.have_inventory = true;
    c.endpoints = {{endpoint.ip(), "kube-system/coredns-0", endpoint.port(), endpoint.port()}};
    c.outside_names = {"example.test"};
    f.plan = plan_queries(c);
    // The pod's own nameserver listens on the Service's port here, not 53.
    for (auto& p : f.plan) {
      for (auto& s : p.query.servers) {
        if (s.ip == service.ip()) s.port = service.port();
      }
    }
    f.answers = resolve_all(
        [&] {
          std::vector<DnsQuery> qs;
          for (const auto& p : f.plan) qs.push_back(p.query);
          return qs;
        }(),
        timeout);
    return f;
  }
};

std::vector<std::string> failing(const std::vector<report::Check>& checks) {
  std::vector<std::string> out;
  for (const auto& c : checks) {
    if (c.status == Status::kFail || c.status == Status::kWarn)
      out.push_back(c.id + "=" + c.code.str());
  }
  return out;
}

TEST(DnsLayerPipeline, HealthyIsFastAndPasses) {
  Lab lab;
  const auto start = std::chrono::steady_clock::now();
  const auto checks = evaluate_dns(lab.facts(500ms));
  // No query waited for its 500 ms timeout. Half the timeout, not a speed budget: a sanitized
  // build on a loaded machine took 100.5 ms here.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_TRUE(failing(checks).empty()) << ::testing::PrintToString(failing(checks));
  EXPECT_GT(lab.service.tcp_queries(), 0);
  EXPECT_GT(lab.endpoint.tcp_queries(), 0);
}

TEST(DnsLayerPipeline, SilentServiceWithAnsweringEndpointTakesOneTimeout) {
  Lab lab;
  lab.service.fallback(Reply::kSilent);
  lab.service.script("kubernetes.default.svc.cluster.local", Reply::kSilent);
  lab.service.script("example.test", Reply::kSilent);
  const auto start = std::chrono::steady_clock::now();
  const auto checks = evaluate_dns(lab.facts(300ms));
  const auto took = std::chrono::steady_clock::now() - start;
  // One timeout and its confirmation (a silent question is asked once more).
  EXPECT_GE(took, 590ms);
  EXPECT_LT(took, 900ms);
  const auto it = std::find_if(checks.begin(), checks.end(),
                               [](const auto& c) { return c.id == "dns.service-udp"; });
  ASSERT_NE(it, checks.end());
  EXPECT_EQ(it->code, "dns-server-unreachable");
  EXPECT_NE(std::find(it->evidence.begin(), it->evidence.end(), kCauseService), it->evidence.end());
}

TEST(DnsLayerPipeline, UpstreamServfailAndTruncatedClusterAnswers) {
  Lab lab;
  for (auto* s : {&lab.service, &lab.endpoint}) {
    s->script("example.test", Reply::kServFail);
    s->script("kubernetes.default.svc.cluster.local", Reply::kTruncate, {"10.96.0.1"});
  }
  const auto checks = evaluate_dns(lab.facts(500ms));
  EXPECT_EQ(failing(checks), std::vector<std::string>{"dns.upstream=dns-upstream-failure"});
}

TEST(DnsLayerPipeline, RefusedUpstreamIsAnUpstreamFailureToo) {
  Lab lab;
  lab.service.script("example.test", Reply::kRefused);
  const auto checks = evaluate_dns(lab.facts(500ms));
  EXPECT_EQ(failing(checks), std::vector<std::string>{"dns.upstream=dns-upstream-failure"});
}

}  // namespace
}  // namespace netdoctor::probes::dns
