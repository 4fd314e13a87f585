#include "probes/service/service_select.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace netdoctor::probes {
namespace {

using testing::lab_facts;

const ServiceTarget* find(const ServiceFacts& f, const std::string& name) {
  for (const auto& t : f.targets) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(ServiceSelect, ServiceHostVariableIsTheKubeletsName) {
  EXPECT_EQ(service_host_variable("kube-dns"), "KUBE_DNS_SERVICE_HOST");
  EXPECT_EQ(service_host_variable("web"), "WEB_SERVICE_HOST");
}

TEST(ServiceSelect, HealthyLabHasEveryServiceWithRulesAndNoDiff) {
  const auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json");
  ASSERT_EQ(f.targets.size(), 5u);
  // kube-dns and kubernetes first: every pod depends on them.
  EXPECT_EQ(f.targets[0].service, "default/kubernetes");
  EXPECT_EQ(f.targets[1].service, "kube-system/kube-dns");
  EXPECT_EQ(f.targets[2].service, "kube-system/kube-dns");
  const auto* web = find(f, "default/web:http");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->ip, "10.96.100.10");
  EXPECT_EQ(web->endpoints, (std::vector<std::string>{"10.244.1.4:80", "10.244.2.3:80"}));
  ASSERT_TRUE(web->rule.has_value());
  EXPECT_EQ(web->rule->endpoints.size(), 2u);
  EXPECT_EQ(web->selected_pods, (std::vector<std::string>{"default/web-1", "default/web-2"}));
  for (const auto& t : f.targets) EXPECT_TRUE(t.diffs.empty()) << t.name;
  const auto* empty = find(f, "default/empty:http");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->endpoints.empty());
  ASSERT_TRUE(empty->rule.has_value());
  EXPECT_TRUE(empty->rule->rejects);
}

TEST(ServiceSelect, EnvironmentReferenceNeedsTheClusterIp) {
  auto f = lab_facts("node1.iptables-legacy-save.txt", "inventory.json", "10.244.1.3",
                     {{"WEB_SERVICE_HOST", "10.96.100.10"}, {"EMPTY_SERVICE_HOST", "10.1.1.1"}});
  EXPECT_EQ(find(f, "default/web:http")->reference,
            "WEB_SERVICE_HOST=10.96.100.10 in the pod's environment");
  EXPECT_TRUE(find(f, "default/empty:http")->reference.empty());
}

TEST(ServiceSelect, CapCountsServicesKubeDnsAndKubernetesFirst) {
  const auto rules = testing::rule_services("lab/node1.iptables-legacy-save.txt");
  const auto inv = testing::lab_inventory();
  SelectInput in;
  in.inventory = &inv;
  in.rules = &rules;
  in.max_services = 2;
  const auto targets = select_targets(in);
  for (const auto& t : targets) {
    const bool first = t.service == "default/kubernetes" || t.service == "kube-system/kube-dns";
    EXPECT_EQ(t.probe, first) << t.name;
  }
}

TEST(ServiceSelect, ToNamesAServiceFirst) {
  const auto inv = testing::lab_inventory();
  SelectInput in;
  in.inventory = &inv;
  in.to_services = {"default/empty"};
  in.max_services = 1;
  const auto targets = select_targets(in);
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets[0].name, "default/empty:http");
  EXPECT_TRUE(targets[0].named_by_user);
  EXPECT_EQ(targets[0].reference, "--to");
  EXPECT_TRUE(targets[0].probe);
  EXPECT_FALSE(targets[1].probe);
}

TEST(ServiceSelect, ToAcceptsAClusterIpWithPort) {
  const auto inv = testing::lab_inventory();
  SelectInput in;
  in.inventory = &inv;
  in.to_services = {"10.96.100.20:80"};
  const auto targets = select_targets(in);
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets[0].name, "default/empty:http");
  EXPECT_TRUE(targets[0].named_by_user);
}

TEST(ServiceSelect, WithoutInventoryTheRulesAreTheServices) {
  const auto rules = testing::rule_services("lab/node1.iptables-legacy-save.txt");
  SelectInput in;
  in.rules = &rules;
  const auto targets = select_targets(in);
  ASSERT_EQ(targets.size(), 5u);
  bool web = false;
  for (const auto& t : targets) {
    if (t.name != "default/web:http") continue;
    web = true;
    EXPECT_EQ(t.service, "default/web");
    EXPECT_EQ(t.endpoints, (std::vector<std::string>{"10.244.1.4:80", "10.244.2.3:80"}));
  }
  EXPECT_TRUE(web);
}

TEST(ServiceSelect, NftBackendDumpGivesTheSameServices) {
  const auto rules =
      testing::rule_services("lab/node1.iptables-nft-save.txt", rules::Backend::kIptablesNft);
  const auto inv = testing::lab_inventory();
  SelectInput in;
  in.inventory = &inv;
  in.rules = &rules;
  const auto targets = select_targets(in);
  ASSERT_EQ(targets.size(), 5u);
  for (const auto& t : targets) {
    EXPECT_TRUE(t.diffs.empty()) << t.name;
    EXPECT_TRUE(t.rule.has_value()) << t.name;
  }
}

TEST(ServiceSelect, OddRulesNeverCrash) {
  const auto rules = testing::rule_services("service/odd-rules.save");
  const auto inv = testing::lab_inventory();
  SelectInput in;
  in.inventory = &inv;
  in.rules = &rules;
  const auto targets = select_targets(in);
  EXPECT_EQ(targets.size(), 5u);
  SelectInput only_rules;
  only_rules.rules = &rules;
  (void)select_targets(only_rules);
}

}  // namespace
}  // namespace netdoctor::probes
