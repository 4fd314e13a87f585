#include "report/root_cause.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <algorithm>

#include "report/catalogue.h"
#include "report/explains.h"
#include "sample_reports.h"

namespace netdoctor::report {
namespace {

using fixtures::make_check;
using fixtures::with_subjects;

const Check& check_at(const Report& report, Layer layer, size_t index) {
  return report.layers.at(static_cast<size_t>(layer)).checks.at(index);
}

TEST(RootCause, NoneWhenNothingFailed) {
  Report report = make_report();
  add_check(report, Layer::kDns,
            make_check("dns.a", "p", Status::kWarn, "dns-search-path-slow", "s"));
  add_check(report, Layer::kEgress, make_check("egress.layer", "p", Status::kSkip, "", "s"));
  report.root_cause = RootCause{};  // a stale one from an earlier call goes away
  assign_root_cause(report);
  EXPECT_FALSE(report.root_cause.has_value());
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by, "");
}

TEST(RootCause, LowestFailingLayerWins) {
  Report report = make_report();
  add_check(report, Layer::kDns,
            make_check("dns.a", "p", Status::kFail, "dns-name-not-found", "d"));
  add_check(report, Layer::kPod, make_check("pod.ok", "p", Status::kPass, "", "fine"));
  add_check(report, Layer::kPod,
            make_check("pod.route", "p", Status::kFail, "pod-no-default-route", "no default route",
                       {"ip route: 10.244.1.0/24 dev eth0"}));
  add_check(report, Layer::kPod, make_check("pod.addr", "p", Status::kFail, "pod-no-address", "x"));
  assign_root_cause(report);
  ASSERT_TRUE(report.root_cause.has_value());
  const RootCause& cause = *report.root_cause;
  EXPECT_EQ(cause.layer, Layer::kPod);
  EXPECT_EQ(cause.code, "pod-no-default-route");
  EXPECT_EQ(cause.summary, "no default route");
  EXPECT_THAT(cause.evidence, ::testing::ElementsAre("ip route: 10.244.1.0/24 dev eth0"));
  EXPECT_EQ(cause.check_id, "pod.route");
  EXPECT_EQ(cause.remedy, find_code("pod-no-default-route")->remedy);
}

TEST(RootCause, ExplainsHigherFailuresOfTheSameSourceOnly) {
  Report report = make_report();
  add_check(report, Layer::kCrossNode,
            make_check("cross-node.route", "a", Status::kFail, "route-missing", ""));
  add_check(report, Layer::kCrossNode,
            make_check("cross-node.mtu", "a", Status::kFail, "mtu-blackhole", ""));
  add_check(report, Layer::kService,
            make_check("service.ip", "a", Status::kFail, "endpoint-unreachable", ""));
  add_check(report, Layer::kService,
            make_check("service.ip", "b", Status::kFail, "hairpin-broken", ""));
  add_check(report, Layer::kDns,
            make_check("dns.name", "a", Status::kWarn, "dns-search-path-slow", ""));
  add_check(report, Layer::kDns, make_check("dns.server", "a", Status::kPass, "", ""));
  assign_root_cause(report);
  // The same layer's other failure is a finding of its own.
  EXPECT_EQ(check_at(report, Layer::kCrossNode, 0).explained_by, "");
  EXPECT_EQ(check_at(report, Layer::kCrossNode, 1).explained_by, "");
  EXPECT_EQ(check_at(report, Layer::kService, 0).explained_by, "cross-node.route");
  EXPECT_EQ(check_at(report, Layer::kService, 1).explained_by, "");  // another source
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by, "");      // a warning
  EXPECT_EQ(check_at(report, Layer::kDns, 1).explained_by, "");      // a pass
}

TEST(RootCause, NodeWideFindingExplainsEverySource) {
  Report report = make_report();
  add_check(report, Layer::kNode,
            make_check("node.ip-forward", "", Status::kFail, "ip-forward-disabled", ""));
  add_check(report, Layer::kCrossNode,
            make_check("cross-node.ping", "a", Status::kFail, "remote-pod-unreachable", ""));
  add_check(report, Layer::kEgress,
            make_check("egress.http", "b", Status::kFail, "egress-unreachable", ""));
  assign_root_cause(report);
  EXPECT_EQ(report.root_cause->code, "ip-forward-disabled");
  EXPECT_EQ(check_at(report, Layer::kCrossNode, 0).explained_by, "node.ip-forward");
  EXPECT_EQ(check_at(report, Layer::kEgress, 0).explained_by, "node.ip-forward");
}

TEST(RootCause, FirstFailureInLayerOrderNotInsertionOrder) {
  Report report;
  add_check(report, Layer::kDns, make_check("dns.a", "p", Status::kFail, "dns-name-not-found", ""));
  add_check(report, Layer::kNode,
            make_check("node.a", "p", Status::kFail, "forward-policy-drop", ""));
  std::swap(report.layers[0], report.layers[1]);  // a caller that did not keep the order
  assign_root_cause(report);
  EXPECT_EQ(report.root_cause->check_id, "node.a");
  EXPECT_EQ(report.root_cause->layer, Layer::kNode);
}

TEST(RootCause, FailureWithoutCodeHasNoRemedy) {
  Report report = make_report();
  add_check(report, Layer::kPod, make_check("pod.x", "p", Status::kFail, "", "odd"));
  assign_root_cause(report);
  ASSERT_TRUE(report.root_cause.has_value());
  EXPECT_EQ(report.root_cause->remedy, "");
}

TEST(RootCause, KeepsAnExistingExplanation) {
  Report report = make_report();
  add_check(report, Layer::kPod, make_check("pod.x", "p", Status::kFail, "pod-link-down", ""));
  Check explained = make_check("dns.x", "p", Status::kFail, "dns-server-unreachable", "");
  explained.explained_by = "service.y";
  add_check(report, Layer::kDns, explained);
  assign_root_cause(report);
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by, "service.y");
}

TEST(RootCause, SampleFaultyReport) {
  Report report = fixtures::faulty_report();
  ASSERT_TRUE(report.root_cause.has_value());
  EXPECT_EQ(report.root_cause->code, "route-missing");
  EXPECT_EQ(check_at(report, Layer::kService, 0).explained_by, "cross-node.route");
  EXPECT_EQ(check_at(report, Layer::kService, 2).explained_by, "");
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by, "cross-node.route");
}

// A missing masquerade breaks the API server (outside the pod network) and egress alike: the
// lower apiserver layer names the egress finding as its cause, and that finding is the root.
TEST(RootCause, StatedCauseInAHigherLayerWins) {
  Report report = make_report();
  Check api = make_check("apiserver.clusterip", "a", Status::kFail, "apiserver-unreachable", "x",
                         {"TCP connect: timeout"});
  api.causes = causes_for("apiserver-unreachable", When::kNotMasqueraded);
  ASSERT_EQ(api.causes.size(), 1u);
  add_check(report, Layer::kApiserver, api);
  add_check(report, Layer::kEgress,
            make_check("egress.http://example.test/", "a", Status::kFail, "egress-no-snat", "y",
                       {"no masquerade rule"}));
  assign_root_cause(report);
  ASSERT_TRUE(report.root_cause.has_value());
  EXPECT_EQ(report.root_cause->code, "egress-no-snat");
  EXPECT_EQ(report.root_cause->layer, Layer::kEgress);
  EXPECT_EQ(check_at(report, Layer::kApiserver, 0).explained_by, "egress.http://example.test/");
  EXPECT_THAT(check_at(report, Layer::kApiserver, 0).causes,
              ::testing::ElementsAre(Cause{"egress-no-snat", "egress.http://example.test/"}));
}

// The ClusterIP fails while its endpoints answer: the node or service layer's failure explains
// it, and a cause nobody carries changes nothing.
TEST(RootCause, ServiceCauseLinksToTheServicePath) {
  Report report = make_report();
  add_check(report, Layer::kService,
            make_check("service.rules:kube-system/kube-dns:dns", "", Status::kFail,
                       "service-rules-missing", "x"));
  Check dns = make_check("dns.service-udp", "a", Status::kFail, "dns-server-unreachable", "y");
  dns.causes = causes_for("dns-server-unreachable", When::kServicePathBroken);
  add_check(report, Layer::kDns, dns);
  Check egress = make_check("egress.x", "a", Status::kFail, "egress-unreachable", "z");
  egress.causes = {{"mtu-blackhole", ""}};
  add_check(report, Layer::kEgress, egress);
  assign_root_cause(report);
  EXPECT_EQ(report.root_cause->code, "service-rules-missing");
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by,
            "service.rules:kube-system/kube-dns:dns");
  // The layer model would also explain egress.x by the lower service finding; its own cause,
  // carried by no check, stays unlinked.
  EXPECT_EQ(check_at(report, Layer::kEgress, 0).causes.front(), (Cause{"mtu-blackhole", ""}));
}

// Without masquerade the cluster DNS cannot forward either: the upstream failure and the
// outside name that does not resolve are consequences of the missing masquerade.
TEST(RootCause, MissingMasqueradeExplainsUpstreamDnsFailures) {
  Report report = make_report();
  add_check(report, Layer::kDns,
            make_check("dns.upstream", "a", Status::kFail, "dns-upstream-failure", "x"));
  add_check(
      report, Layer::kEgress,
      make_check("egress.http://example.test/", "a", Status::kFail, "egress-dns-failure", "y"));
  add_check(report, Layer::kEgress,
            make_check("egress.http://203.0.113.10/", "a", Status::kFail, "egress-no-snat", "z"));
  assign_root_cause(report);
  EXPECT_EQ(report.root_cause->code, "egress-no-snat");
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by, "egress.http://203.0.113.10/");
  EXPECT_EQ(check_at(report, Layer::kEgress, 0).explained_by, "egress.http://203.0.113.10/");
}

// Without a masquerade finding, the upstream failure stays the root cause.
TEST(RootCause, UpstreamFailureAloneIsItsOwnRootCause) {
  Report report = make_report();
  add_check(report, Layer::kDns,
            make_check("dns.upstream", "a", Status::kFail, "dns-upstream-failure", "x"));
  add_check(
      report, Layer::kEgress,
      make_check("egress.http://example.test/", "a", Status::kFail, "egress-dns-failure", "y"));
  assign_root_cause(report);
  EXPECT_EQ(report.root_cause->code, "dns-upstream-failure");
  EXPECT_EQ(check_at(report, Layer::kEgress, 0).explained_by, "dns.upstream");
}

}  // namespace
}  // namespace netdoctor::report

namespace netdoctor::report {
namespace {

// A path finding explains only the failures behind the destinations it cuts off.
TEST(RootCauseDependency, RouteMissingExplainsWhatLiesInTheRemoteCidrOnly) {
  Report report = make_report();
  add_check(
      report, Layer::kCrossNode,
      with_subjects(fixtures::make_check("cross-node.ping:default/client-b", "a", Status::kFail,
                                         "route-missing",
                                         "the node has no route to 10.244.2.0/24 (pods of node2)"),
                    {"10.244.2.2", "10.244.2.0/24", "default/client-b", "node:node2"}));
  add_check(report, Layer::kService,
            with_subjects(fixtures::make_check("service.endpoint:10.244.2.3:80", "a", Status::kFail,
                                               "endpoint-unreachable",
                                               "endpoint 10.244.2.3:80 does not answer"),
                          {"10.244.2.3"}));
  add_check(report, Layer::kService,
            with_subjects(fixtures::make_check("service.endpoint:10.244.1.4:80", "a", Status::kFail,
                                               "endpoint-unreachable",
                                               "endpoint 10.244.1.4:80 does not answer"),
                          {"10.244.1.4"}));
  add_check(report, Layer::kDns,
            with_subjects(fixtures::make_check("dns.endpoint-udp:10.244.2.9", "a", Status::kFail,
                                               "dns-server-unreachable", "no answer",
                                               {"udp 10.244.2.9:53: timeout"}),
                          {"10.244.2.9"}));
  add_check(report, Layer::kApiserver,
            fixtures::make_check("apiserver.clusterip", "a", Status::kFail, "apiserver-unreachable",
                                 "the API server does not answer"));
  assign_root_cause(report);
  ASSERT_TRUE(report.root_cause.has_value());
  EXPECT_EQ(report.root_cause->code, "route-missing");
  const auto& svc = report.layers.at(static_cast<size_t>(Layer::kService)).checks;
  EXPECT_EQ(svc.at(0).explained_by, "cross-node.ping:default/client-b");
  EXPECT_EQ(svc.at(1).explained_by, "") << "10.244.1.4 is not behind the missing route";
  EXPECT_EQ(report.layers.at(static_cast<size_t>(Layer::kDns)).checks.at(0).explained_by,
            "cross-node.ping:default/client-b");
  // Names no address: it may depend on the route, so it is taken as explained.
  EXPECT_EQ(report.layers.at(static_cast<size_t>(Layer::kApiserver)).checks.at(0).explained_by,
            "cross-node.ping:default/client-b");
}

TEST(RootCauseDependency, NodeFindingsExplainEverythingAbove) {
  Report report = make_report();
  add_check(report, Layer::kNode,
            fixtures::make_check("node.bridge-nf", "", Status::kFail, "bridge-nf-disabled",
                                 "bridged traffic skips iptables"));
  add_check(report, Layer::kDns,
            fixtures::make_check("dns.service-udp", "a", Status::kFail, "dns-server-unreachable",
                                 "10.96.0.10 does not answer"));
  assign_root_cause(report);
  EXPECT_EQ(report.layers.at(static_cast<size_t>(Layer::kDns)).checks.at(0).explained_by,
            "node.bridge-nf");
}

}  // namespace
}  // namespace netdoctor::report

namespace netdoctor::report {
namespace {

// IPv6 subjects are judged like IPv4 ones: a missing route to a remote /64 explains only what
// lies in it.
TEST(RootCauseDependency, Ipv6NetworksCutOnlyWhatTheyContain) {
  Report report = make_report();
  add_check(report, Layer::kCrossNode,
            with_subjects(make_check("cross-node.ping:default/client-b", "a", Status::kFail,
                                     "route-missing", "no route"),
                          {"fd00:10:244:2::2", "fd00:10:244:2::/64"}));
  add_check(report, Layer::kService,
            with_subjects(
                make_check("service.endpoint:a", "a", Status::kFail, "endpoint-unreachable", "x"),
                {"fd00:10:244:2::3"}));
  add_check(report, Layer::kService,
            with_subjects(
                make_check("service.endpoint:b", "a", Status::kFail, "endpoint-unreachable", "x"),
                {"fd00:10:244:1::4", "10.244.2.3"}));
  assign_root_cause(report);
  const auto& svc = report.layers.at(static_cast<size_t>(Layer::kService)).checks;
  EXPECT_EQ(svc.at(0).explained_by, "cross-node.ping:default/client-b");
  EXPECT_EQ(svc.at(1).explained_by, "") << "another /64, and IPv4 is not inside an IPv6 network";
}

// A pod or node both name ties a check to a path finding even when their addresses differ.
TEST(RootCauseDependency, SharedPodSubjectMakesItDependent) {
  Report report = make_report();
  add_check(report, Layer::kSameNode,
            with_subjects(make_check("same-node.ping:default/web-1", "a", Status::kFail,
                                     "pod-unreachable", "x"),
                          {"10.244.1.4", "default/web-1"}));
  add_check(report, Layer::kService,
            with_subjects(make_check("service.clusterip:default/web", "a", Status::kFail,
                                     "endpoint-unreachable", "y"),
                          {"10.96.0.20", "default/web-1"}));
  add_check(report, Layer::kService,
            with_subjects(make_check("service.clusterip:default/db", "a", Status::kFail,
                                     "endpoint-unreachable", "z"),
                          {"10.96.0.30", "default/db-0"}));
  assign_root_cause(report);
  const auto& svc = report.layers.at(static_cast<size_t>(Layer::kService)).checks;
  EXPECT_EQ(svc.at(0).explained_by, "same-node.ping:default/web-1");
  EXPECT_EQ(svc.at(1).explained_by, "");
}

// Every explanation is recorded as a cause naming the explaining check.
TEST(RootCause, EveryExplanationIsACause) {
  Report report = fixtures::faulty_report();
  for (const LayerResult& layer : report.layers) {
    for (const Check& check : layer.checks) {
      if (check.explained_by.empty()) continue;
      EXPECT_TRUE(std::any_of(check.causes.begin(), check.causes.end(), [&](const Cause& c) {
        return c.check == check.explained_by;
      })) << check.id;
    }
  }
}

// The verdict is made from codes, layers, sources, causes and subjects only: the same checks
// with their summaries and evidence shuffled among them (or replaced with misleading prose that
// names other addresses and "cause:" lines) give the same root cause and explanations.
TEST(RootCause, ProseDoesNotChangeTheVerdict) {
  auto build = [](bool shuffled) {
    Report report = fixtures::faulty_report();
    Check api = make_check("apiserver.clusterip", "default/client", Status::kFail,
                           "apiserver-unreachable", "the API server does not answer");
    api.causes = causes_for("apiserver-unreachable", When::kServicePathBroken);
    add_check(report, Layer::kApiserver, api);
    Check up = make_check("dns.upstream", "default/client", Status::kFail, "dns-upstream-failure",
                          "example.test does not resolve upstream");
    add_check(report, Layer::kDns, up);
    add_check(report, Layer::kEgress,
              make_check("egress.http://203.0.113.10/", "default/client", Status::kFail,
                         "egress-no-snat", "no masquerade"));
    for (LayerResult& l : report.layers) {
      for (Check& c : l.checks) {
        c.explained_by.clear();
        std::erase_if(c.causes, [](const Cause& cause) { return !cause.check.empty(); });
      }
    }
    if (shuffled) {
      std::vector<std::pair<std::string, std::vector<std::string>>> prose;
      for (const LayerResult& l : report.layers) {
        for (const Check& c : l.checks) prose.emplace_back(c.summary, c.evidence);
      }
      std::rotate(prose.begin(), prose.begin() + 3, prose.end());
      std::size_t i = 0;
      for (LayerResult& l : report.layers) {
        for (Check& c : l.checks) {
          c.summary = prose[i].first + " 10.0.0.0/1 192.168.0.0/16 fd00::/8";
          c.evidence = prose[i].second;
          c.evidence.push_back("cause: service");
          c.evidence.push_back("cause: " + std::string(i % 2 ? "egress-no-snat" : "route-missing"));
          ++i;
        }
      }
    }
    assign_root_cause(report);
    return report;
  };
  const Report plain = build(false);
  const Report shuffled = build(true);
  ASSERT_TRUE(plain.root_cause.has_value());
  ASSERT_TRUE(shuffled.root_cause.has_value());
  EXPECT_EQ(plain.root_cause->check_id, "cross-node.route");
  EXPECT_EQ(shuffled.root_cause->check_id, plain.root_cause->check_id);
  EXPECT_EQ(shuffled.root_cause->code, plain.root_cause->code);
  std::size_t explained = 0;
  for (std::size_t l = 0; l < plain.layers.size(); ++l) {
    for (std::size_t i = 0; i < plain.layers[l].checks.size(); ++i) {
      const Check& a = plain.layers[l].checks[i];
      const Check& b = shuffled.layers[l].checks[i];
      EXPECT_EQ(a.explained_by, b.explained_by) << a.id;
      EXPECT_EQ(a.causes, b.causes) << a.id;
      if (!a.explained_by.empty()) ++explained;
    }
  }
  EXPECT_GE(explained, 4u) << "the report must exercise the layer model and stated causes";
  // The upstream failure is the missing masquerade's, by the table, not by any text.
  EXPECT_EQ(plain.layers[static_cast<size_t>(Layer::kDns)].checks.back().explained_by,
            "egress.http://203.0.113.10/");
}

// The node's missing masquerade is a warning alone (pod networks routed from outside need none)
// and the root cause once the cluster DNS's upstream failing confirms it.
TEST(RootCause, MasqueradeWarningAloneKeepsTheRunHealthy) {
  Report report = make_report();
  add_check(report, Layer::kNode,
            with_subjects(make_check("node.masquerade", "", Status::kWarn, "egress-no-snat", "m"),
                          {"10.244.1.2", "203.0.113.10"}));
  add_check(report, Layer::kDns, make_check("dns.upstream", "a", Status::kPass, "", "ok"));
  assign_root_cause(report);
  EXPECT_FALSE(report.root_cause.has_value());
  EXPECT_EQ(check_at(report, Layer::kNode, 0).status, Status::kWarn);
  EXPECT_EQ(exit_status(report), kExitHealthy);
}

TEST(RootCause, MasqueradeWarningConfirmedByTheDnsUpstreamIsTheRootCause) {
  Report report = make_report();
  add_check(report, Layer::kNode,
            with_subjects(make_check("node.masquerade", "", Status::kWarn, "egress-no-snat", "m"),
                          {"10.244.1.2", "203.0.113.10"}));
  add_check(report, Layer::kDns,
            with_subjects(make_check("dns.upstream", "a", Status::kFail, "dns-upstream-failure",
                                     "outside names fail"),
                          {"10.96.0.10", "10.244.1.2"}));
  add_check(report, Layer::kEgress,
            with_subjects(make_check("egress.http://203.0.113.10/", "a", Status::kFail,
                                     "egress-no-snat", "no snat"),
                          {"203.0.113.10"}));
  assign_root_cause(report);
  ASSERT_TRUE(report.root_cause.has_value());
  EXPECT_EQ(report.root_cause->check_id, "node.masquerade");
  EXPECT_EQ(report.root_cause->layer, Layer::kNode);
  EXPECT_EQ(check_at(report, Layer::kNode, 0).status, Status::kFail);
  EXPECT_THAT(check_at(report, Layer::kNode, 0).evidence,
              ::testing::Contains(::testing::HasSubstr("confirmed by")));
  EXPECT_EQ(check_at(report, Layer::kDns, 0).explained_by, "node.masquerade");
  EXPECT_EQ(check_at(report, Layer::kEgress, 0).explained_by, "node.masquerade");
}

TEST(RootCause, MasqueradeWarningIsNotConfirmedByAnotherDestination) {
  Report report = make_report();
  add_check(report, Layer::kNode,
            with_subjects(make_check("node.masquerade", "", Status::kWarn, "egress-no-snat", "m"),
                          {"192.0.2.1"}));
  // The API server is down: its check does not state the masquerade as its cause, and concerns
  // another address.
  add_check(report, Layer::kApiserver,
            with_subjects(make_check("apiserver.endpoint", "a", Status::kFail,
                                     "apiserver-unreachable", "down"),
                          {"172.30.0.2"}));
  assign_root_cause(report);
  ASSERT_TRUE(report.root_cause.has_value());
  EXPECT_EQ(report.root_cause->check_id, "apiserver.endpoint");
  EXPECT_EQ(check_at(report, Layer::kNode, 0).status, Status::kWarn);
}

}  // namespace
}  // namespace netdoctor::report
