#include "rules/services.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/compare.h"
#include "rules/iptables_save.h"

namespace netdoctor::rules {
namespace {

std::vector<ServiceRule> load_services(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/rules/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto rs = parse_iptables_save(ss.str(), name);
  EXPECT_TRUE(rs) << rs.error().message();
  return rs ? services_from_iptables(*rs, Backend::kIptablesLegacy) : std::vector<ServiceRule>{};
}

const ServiceRule* find(const std::vector<ServiceRule>& s, const std::string& ip) {
  for (const ServiceRule& r : s) {
    if (r.ip == ip) return &r;
  }
  return nullptr;
}

// Rules the model does not decode in a Service's chains (u32, string, an unknown target) are
// listed as uncertain; the endpoints are still recovered.
TEST(Services, UndecodedRulesInTheServiceChainsAreUncertain) {
  const std::string text =
      "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n"
      ":KUBE-SEP-A - [0:0]\n"
      "-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment \"default/web:http cluster "
      "IP\" -m tcp --dport 80 -j KUBE-SVC-A\n"
      "-A KUBE-SVC-A -m u32 --u32 \"0x0>>0x16&0x3c@0x0=0x1\" -j RETURN\n"
      "-A KUBE-SVC-A -m string --string \"x\" --algo bm -j RETURN\n"
      "-A KUBE-SVC-A -m comment --comment \"default/web:http -> 10.244.1.4:80\" -j KUBE-SEP-A\n"
      "-A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.244.1.4:80\n"
      "COMMIT\n";
  auto rs = parse_iptables_save(text, "uncertain.save");
  ASSERT_TRUE(rs) << rs.error().message();
  const auto s = services_from_iptables(*rs, Backend::kIptablesLegacy);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].endpoints.size(), 1u);
  ASSERT_EQ(s[0].uncertain.size(), 2u);
  EXPECT_NE(s[0].uncertain[0].find("nat KUBE-SVC-A #1: "), std::string::npos) << s[0].uncertain[0];
  EXPECT_NE(s[0].uncertain[0].find("u32"), std::string::npos) << s[0].uncertain[0];
  EXPECT_NE(s[0].uncertain[1].find("nat KUBE-SVC-A #2: "), std::string::npos) << s[0].uncertain[1];
}

TEST(Services, FromKubeProxyRules) {
  auto s = load_services("kube-proxy-legacy.save");
  // 9 KUBE-SERVICES entries of nat plus the REJECT of svc6 in filter.
  ASSERT_EQ(s.size(), 10u);
  const ServiceRule* svc1 = find(s, "172.30.0.41");
  ASSERT_NE(svc1, nullptr);
  EXPECT_EQ(svc1->name, "ns1/svc1:p80");
  EXPECT_EQ(svc1->ns(), "ns1");
  EXPECT_EQ(svc1->service(), "svc1");
  EXPECT_EQ(svc1->port_name(), "p80");
  EXPECT_EQ(svc1->port, 80);
  EXPECT_EQ(svc1->protocol, "tcp");
  EXPECT_EQ(svc1->chain, "KUBE-SVC-XPGD46QRK7WJZT7O");
  ASSERT_EQ(svc1->endpoints.size(), 1u);
  EXPECT_EQ(svc1->endpoints[0].address, "10.180.0.1:80");
  EXPECT_DOUBLE_EQ(svc1->endpoints[0].probability, 1.0);
  EXPECT_TRUE(svc1->endpoints[0].hairpin_masquerade);
  EXPECT_TRUE(svc1->masquerade_off_cluster);
  EXPECT_EQ(svc1->cluster_cidr, "10.0.0.0/8");

  const ServiceRule* svc4 = find(s, "172.30.0.44");
  ASSERT_NE(svc4, nullptr);
  ASSERT_EQ(svc4->endpoints.size(), 2u);
  EXPECT_DOUBLE_EQ(svc4->endpoints[0].probability, 0.5);
  EXPECT_DOUBLE_EQ(svc4->endpoints[1].probability, 0.5);

  const ServiceRule* svc3 = find(s, "172.30.0.43");
  ASSERT_NE(svc3, nullptr);
  EXPECT_EQ(svc3->node_ports, (std::vector<int>{3003}));

  const ServiceRule* ext = find(s, "192.168.99.22");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->kind, "external IP");
  ASSERT_EQ(ext->endpoints.size(), 1u);
  EXPECT_EQ(ext->endpoints[0].address, "10.180.0.2:80");

  // Session affinity: the --rcheck rule repeats the endpoint and must not count twice.
  const ServiceRule* svc5 = find(s, "172.30.0.45");
  ASSERT_NE(svc5, nullptr);
  ASSERT_EQ(svc5->endpoints.size(), 1u);
  EXPECT_DOUBLE_EQ(svc5->endpoints[0].probability, 1.0);

  const ServiceRule* svc6 = find(s, "172.30.0.46");
  ASSERT_NE(svc6, nullptr);
  EXPECT_TRUE(svc6->rejects);
  EXPECT_TRUE(svc6->endpoints.empty());
  EXPECT_EQ(svc6->name, "ns6/svc6:p80");
}

// Above 1000 endpoints kube-proxy writes SEP rules without comments; the structure suffices.
TEST(Services, WithoutCommentsFromStructureAlone) {
  auto rs = parse_iptables_save(
      "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-1 - [0:0]\n"
      ":KUBE-SEP-2 - [0:0]\n:KUBE-SEP-3 - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n"
      "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-A\n"
      "-A KUBE-SVC-A -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1\n"
      "-A KUBE-SVC-A -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2\n"
      "-A KUBE-SVC-A -j KUBE-SEP-3\n"
      "-A KUBE-SEP-1 -p udp -m udp -j DNAT --to-destination 10.244.0.2:53\n"
      "-A KUBE-SEP-2 -p udp -m udp -j DNAT --to-destination 10.244.0.3:53\n"
      "-A KUBE-SEP-3 -p udp -m udp -j DNAT --to-destination 10.244.1.2:53\nCOMMIT\n");
  ASSERT_TRUE(rs) << rs.error().message();
  auto s = services_from_iptables(*rs, Backend::kIptablesNft);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s[0].name.empty());
  EXPECT_EQ(s[0].protocol, "udp");
  EXPECT_EQ(s[0].backend, Backend::kIptablesNft);
  ASSERT_EQ(s[0].endpoints.size(), 3u);
  for (const EndpointRule& e : s[0].endpoints) EXPECT_NEAR(e.probability, 1.0 / 3, 1e-6);
  EXPECT_EQ(s[0].endpoints[2].address, "10.244.1.2:53");
}

inventory::Inventory inventory_for_svc1_svc4() {
  inventory::Inventory inv;
  auto service = [](const std::string& ns, const std::string& name, const std::string& ip) {
    inventory::Service s;
    s.ns = ns, s.name = name, s.cluster_ip = ip, s.cluster_ips = {ip};
    s.ports.push_back(inventory::ServicePort{"p80", 80, "TCP", "80"});
    return s;
  };
  auto slice = [](const std::string& ns, const std::string& svc,
                  std::vector<std::pair<std::string, bool>> eps) {
    inventory::EndpointSlice sl;
    sl.ns = ns, sl.name = svc + "-abc", sl.service = svc, sl.address_type = "IPv4";
    sl.ports.push_back(inventory::EndpointPort{"p80", 80, "TCP"});
    for (auto& [ip, ready] : eps) sl.endpoints.push_back(inventory::Endpoint{{ip}, ready, "", ""});
    return sl;
  };
  inv.services = {service("ns1", "svc1", "172.30.0.41"), service("ns4", "svc4", "172.30.0.44"),
                  service("ns7", "svc7", "172.30.0.47")};
  // svc1: the rules' endpoint is gone and another is ready; svc4: 10.180.0.5 not ready.
  inv.slices = {slice("ns1", "svc1", {{"10.180.0.9", true}}),
                slice("ns4", "svc4", {{"10.180.0.4", true}, {"10.180.0.5", false}})};
  return inv;
}

TEST(Compare, FindsMissingServicesAndStaleOrMissingEndpoints) {
  auto s = load_services("kube-proxy-legacy.save");
  auto diffs = compare_with_inventory(s, inventory_for_svc1_svc4());
  std::vector<std::string> summaries;
  for (const ServiceDiff& d : diffs) summaries.push_back(d.summary);
  EXPECT_EQ(summaries,
            (std::vector<std::string>{
                "ns1/svc1 (172.30.0.41:80/tcp) leads to 10.180.0.1:80, which no EndpointSlice "
                "lists as ready",
                "ns1/svc1 (172.30.0.41:80/tcp) lacks ready endpoint 10.180.0.9:80",
                "ns4/svc4 (172.30.0.44:80/tcp) leads to 10.180.0.5:80, which no EndpointSlice "
                "lists as ready",
                "no proxy rule for ns7/svc7 (172.30.0.47:80/tcp)"}));
  EXPECT_EQ(diffs[0].kind, DiffKind::kEndpointStale);
  EXPECT_EQ(diffs[1].kind, DiffKind::kEndpointMissing);
  EXPECT_EQ(diffs[3].kind, DiffKind::kServiceMissing);
}

TEST(Compare, ARejectImplementsAServiceWithoutEndpoints) {
  auto s = load_services("kube-proxy-legacy.save");
  inventory::Inventory inv;
  inventory::Service svc;
  svc.ns = "ns6", svc.name = "svc6", svc.cluster_ip = "172.30.0.46",
  svc.cluster_ips = {"172.30.0.46"};
  svc.ports.push_back(inventory::ServicePort{"p80", 80, "TCP", "80"});
  inv.services.push_back(svc);
  EXPECT_TRUE(compare_with_inventory(s, inv).empty());
}

}  // namespace
}  // namespace netdoctor::rules
