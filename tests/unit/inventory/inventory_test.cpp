// Parsing of a recorded kubectl List of a two-node kind cluster, and the lookups on it.
#include "inventory/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace netdoctor::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

std::string fixture(const std::string& name) {
  return std::string(ND_TESTDATA) + "/inventory/" + name;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Inventory> loaded = load_inventory(fixture("cluster.json"));
    ASSERT_TRUE(loaded) << loaded.error().message();
    inv_ = std::move(*loaded);
  }
  Inventory inv_;
};

TEST_F(ClusterTest, CountsEveryKeptObject) {
  EXPECT_EQ(inv_.nodes.size(), 2u);
  EXPECT_EQ(inv_.pods.size(), 8u);
  EXPECT_EQ(inv_.services.size(), 5u);
  EXPECT_EQ(inv_.slices.size(), 5u);
}

TEST_F(ClusterTest, ParsesNodes) {
  const Node* worker = inv_.find_node("kind-worker");
  ASSERT_NE(worker, nullptr);
  EXPECT_EQ(worker->name, "kind-worker");
  EXPECT_THAT(worker->internal_ips, ElementsAre("172.18.0.3"));
  EXPECT_EQ(worker->hostname, "kind-worker");
  EXPECT_THAT(worker->pod_cidrs, ElementsAre("10.244.1.0/24"));
  EXPECT_EQ(inv_.find_node_by_ip("172.18.0.2"), &inv_.nodes[0]);
  EXPECT_EQ(inv_.find_node_by_ip("172.18.0.9"), nullptr);
  EXPECT_EQ(inv_.find_node("kind-worker2"), nullptr);
}

TEST_F(ClusterTest, ParsesPods) {
  const Pod* web = inv_.find_pod("default", "web-7d4b9c8f6-2xkqp");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->ns, "default");
  EXPECT_EQ(web->node, "kind-worker");
  EXPECT_EQ(web->ip, "10.244.1.4");
  EXPECT_THAT(web->ips, ElementsAre("10.244.1.4"));
  EXPECT_EQ(web->host_ip, "172.18.0.3");
  EXPECT_FALSE(web->host_network);
  EXPECT_EQ(web->phase, "Running");
  EXPECT_THAT(web->labels, ElementsAre(Pair("app", "web"), Pair("pod-template-hash", "7d4b9c8f6")));
  EXPECT_EQ(web->display_name(), "default/web-7d4b9c8f6-2xkqp");
  EXPECT_EQ(inv_.find_pod("kube-system", "web-7d4b9c8f6-2xkqp"), nullptr);
}

TEST_F(ClusterTest, HostNetworkPodKeepsNodeAddress) {
  const Pod* proxy = inv_.find_pod("kube-system", "kube-proxy-t5l2j");
  ASSERT_NE(proxy, nullptr);
  EXPECT_TRUE(proxy->host_network);
  EXPECT_EQ(proxy->ip, "172.18.0.3");
}

TEST_F(ClusterTest, PodByIpSkipsHostNetworkAndPrefersRunning) {
  // The finished Job pod migrate-... had 10.244.1.4 before web-...-2xkqp got it.
  const Pod* pod = inv_.find_pod_by_ip("10.244.1.4");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->name, "web-7d4b9c8f6-2xkqp");
  EXPECT_EQ(inv_.find_pod_by_ip("172.18.0.3"), nullptr);
  EXPECT_EQ(inv_.find_pod_by_ip("10.244.9.9"), nullptr);
  EXPECT_EQ(inv_.find_pod_by_ip(""), nullptr);
  ASSERT_NE(inv_.find_pod_by_ip("10.244.0.2"), nullptr);
  EXPECT_EQ(inv_.find_pod_by_ip("10.244.0.2")->name, "coredns-5d78c9869d-8fvxl");
}

TEST_F(ClusterTest, ParsesServices) {
  const Service* dns = inv_.find_service("kube-system", "kube-dns");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->type, "ClusterIP");
  EXPECT_EQ(dns->cluster_ip, "10.96.0.10");
  EXPECT_THAT(dns->cluster_ips, ElementsAre("10.96.0.10"));
  EXPECT_FALSE(dns->headless);
  ASSERT_EQ(dns->ports.size(), 3u);
  EXPECT_EQ(dns->ports[0].name, "dns");
  EXPECT_EQ(dns->ports[0].port, 53);
  EXPECT_EQ(dns->ports[0].protocol, "UDP");
  EXPECT_EQ(dns->ports[0].target_port, "53");
  EXPECT_EQ(dns->ports[1].protocol, "TCP");
  EXPECT_THAT(dns->selector, ElementsAre(Pair("k8s-app", "kube-dns")));

  const Service* web = inv_.find_service("default", "web");
  ASSERT_NE(web, nullptr);
  ASSERT_EQ(web->ports.size(), 1u);
  EXPECT_EQ(web->ports[0].port, 80);
  EXPECT_EQ(web->ports[0].target_port, "http");

  const Service* api = inv_.find_service("default", "kubernetes");
  ASSERT_NE(api, nullptr);
  EXPECT_THAT(api->selector, IsEmpty());
  EXPECT_EQ(api->ports[0].target_port, "6443");
}

TEST_F(ClusterTest, HeadlessServiceIsKeptWithoutClusterIp) {
  const Service* headless = inv_.find_service("default", "web-headless");
  ASSERT_NE(headless, nullptr);
  EXPECT_TRUE(headless->headless);
  EXPECT_EQ(headless->cluster_ip, "");
  EXPECT_THAT(headless->cluster_ips, IsEmpty());
  EXPECT_EQ(inv_.find_service_by_cluster_ip("None"), nullptr);
}

TEST_F(ClusterTest, ServiceByClusterIp) {
  const Service* service = inv_.find_service_by_cluster_ip("10.96.120.15");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->display_name(), "default/web");
  EXPECT_EQ(inv_.find_service_by_cluster_ip("10.96.0.2"), nullptr);
  EXPECT_EQ(inv_.find_service_by_cluster_ip(""), nullptr);
}

TEST_F(ClusterTest, ParsesEndpointSlices) {
  std::vector<const EndpointSlice*> slices = inv_.slices_of("default", "web");
  ASSERT_EQ(slices.size(), 1u);
  const EndpointSlice& slice = *slices[0];
  EXPECT_EQ(slice.name, "web-hx6r2");
  EXPECT_EQ(slice.service, "web");
  EXPECT_EQ(slice.address_type, "IPv4");
  EXPECT_FALSE(slice.from_endpoints);
  ASSERT_EQ(slice.ports.size(), 1u);
  EXPECT_EQ(slice.ports[0].name, "http");
  EXPECT_EQ(slice.ports[0].port, 8080);
  EXPECT_EQ(slice.ports[0].protocol, "TCP");
  ASSERT_EQ(slice.endpoints.size(), 3u);
  EXPECT_THAT(slice.endpoints[0].addresses, ElementsAre("10.244.1.4"));
  EXPECT_TRUE(slice.endpoints[0].ready);
  EXPECT_EQ(slice.endpoints[0].node, "kind-worker");
  EXPECT_EQ(slice.endpoints[0].target_pod, "default/web-7d4b9c8f6-2xkqp");
  EXPECT_EQ(slice.endpoints[1].node, "kind-control-plane");
  EXPECT_FALSE(slice.endpoints[2].ready);
}

TEST_F(ClusterTest, EndpointIpsAreTheReadyOnes) {
  EXPECT_THAT(inv_.endpoint_ips("default", "web"), ElementsAre("10.244.1.4", "10.244.0.5"));
  EXPECT_THAT(inv_.endpoint_ips("kube-system", "kube-dns"),
              ElementsAre("10.244.0.2", "10.244.0.3"));
  EXPECT_THAT(inv_.endpoint_ips("default", "kubernetes"), ElementsAre("172.18.0.2"));
}

TEST_F(ClusterTest, ServiceWithoutEndpointsHasAnEmptySlice) {
  // kubectl prints "endpoints": null and "ports": null for such a slice.
  std::vector<const EndpointSlice*> slices = inv_.slices_of("default", "orphan");
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_THAT(slices[0]->endpoints, IsEmpty());
  EXPECT_THAT(slices[0]->ports, IsEmpty());
  EXPECT_THAT(inv_.endpoint_ips("default", "orphan"), IsEmpty());
  EXPECT_THAT(inv_.slices_of("default", "missing"), IsEmpty());
}

TEST_F(ClusterTest, KubernetesSliceHasNoTargetPod) {
  std::vector<const EndpointSlice*> slices = inv_.slices_of("default", "kubernetes");
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0]->endpoints.size(), 1u);
  EXPECT_EQ(slices[0]->endpoints[0].target_pod, "");
  EXPECT_EQ(slices[0]->endpoints[0].node, "");
}

TEST(InventoryEndpoints, CoreEndpointsBecomeSlices) {
  Result<Inventory> inv = load_inventory(fixture("cluster-endpoints.json"));
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(inv->slices.size(),
            4u);  // kubernetes, web (2 subsets), orphan; the ConfigMap is ignored
  std::vector<const EndpointSlice*> web = inv->slices_of("default", "web");
  ASSERT_EQ(web.size(), 2u);
  EXPECT_TRUE(web[0]->from_endpoints);
  EXPECT_EQ(web[0]->name, "web");
  EXPECT_EQ(web[0]->service, "web");
  ASSERT_EQ(web[0]->endpoints.size(), 3u);
  EXPECT_THAT(web[0]->endpoints[0].addresses, ElementsAre("10.244.0.5"));
  EXPECT_EQ(web[0]->endpoints[0].node, "kind-control-plane");
  EXPECT_EQ(web[0]->endpoints[0].target_pod, "default/web-7d4b9c8f6-9mzlw");
  EXPECT_TRUE(web[0]->endpoints[1].ready);
  EXPECT_FALSE(web[0]->endpoints[2].ready);  // from notReadyAddresses
  EXPECT_THAT(web[0]->endpoints[2].addresses, ElementsAre("10.244.1.9"));
  ASSERT_EQ(web[1]->ports.size(), 1u);
  EXPECT_EQ(web[1]->ports[0].name, "admin");
  EXPECT_EQ(web[1]->ports[0].port, 9090);
  // The same pod serves both subsets; it is listed once.
  EXPECT_THAT(inv->endpoint_ips("default", "web"), ElementsAre("10.244.0.5", "10.244.1.4"));
  std::vector<const EndpointSlice*> orphan = inv->slices_of("default", "orphan");
  ASSERT_EQ(orphan.size(), 1u);
  EXPECT_THAT(orphan[0]->endpoints, IsEmpty());
}

TEST(InventoryEndpoints, SlicesWinOverEndpointsOfTheSameService) {
  const char* text = R"({"kind": "List", "items": [
    {"kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
     "subsets": [{"addresses": [{"ip": "10.244.1.4"}]}]},
    {"kind": "EndpointSlice", "metadata": {"name": "web-abc", "namespace": "default",
       "labels": {"kubernetes.io/service-name": "web"}},
     "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.4"]}]},
    {"kind": "Endpoints", "metadata": {"name": "db", "namespace": "default"},
     "subsets": [{"addresses": [{"ip": "10.244.1.7"}]}]}]})";
  Result<Inventory> inv = parse_inventory(text, "both.json");
  ASSERT_TRUE(inv) << inv.error().message();
  ASSERT_EQ(inv->slices.size(), 2u);
  EXPECT_EQ(inv->slices[0].name, "web-abc");
  EXPECT_EQ(inv->slices[1].name, "db");
}

TEST(InventoryParse, SingleObject) {
  const char* text = R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "client", "namespace": "team-a"},
    "spec": {"nodeName": "n1"},
    "status": {"podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}, {"ip": "fd00:10:244:1::5"}]}})";
  Result<Inventory> inv = parse_inventory(text, "pod.json");
  ASSERT_TRUE(inv) << inv.error().message();
  ASSERT_EQ(inv->pods.size(), 1u);
  EXPECT_EQ(inv->pods[0].display_name(), "team-a/client");
  EXPECT_THAT(inv->pods[0].ips, ElementsAre("10.244.1.5", "fd00:10:244:1::5"));
  EXPECT_EQ(inv->find_pod_by_ip("fd00:10:244:1::5"), &inv->pods[0]);
}

TEST(InventoryParse, TypedListItemsMayOmitKind) {
  const char* text = R"({"kind": "NodeList", "items": [
    {"metadata": {"name": "n1"}, "spec": {"podCIDR": "10.244.3.0/24"},
     "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.3"},
                              {"type": "ExternalIP", "address": "203.0.113.3"}]}}]})";
  Result<Inventory> inv = parse_inventory(text, "nodes.json");
  ASSERT_TRUE(inv) << inv.error().message();
  ASSERT_EQ(inv->nodes.size(), 1u);
  EXPECT_THAT(inv->nodes[0].pod_cidrs, ElementsAre("10.244.3.0/24"));
  EXPECT_THAT(inv->nodes[0].internal_ips, ElementsAre("10.0.0.3"));
}

TEST(InventoryParse, DefaultsAndOtherKinds) {
  const char* text = R"({"kind": "List", "items": [
    {"kind": "ConfigMap", "metadata": {}},
    {"kind": "Service", "metadata": {"name": "db"},
     "spec": {"clusterIP": "10.96.7.7", "ports": [{"port": 5432}]}},
    {"kind": "Service", "metadata": {"name": "ext", "namespace": "x"},
     "spec": {"type": "ExternalName", "externalName": "db.example.com"}}],
    "unknown": {"fields": [1, 2, 3]}})";
  Result<Inventory> inv = parse_inventory(text, "defaults.json");
  ASSERT_TRUE(inv) << inv.error().message();
  ASSERT_EQ(inv->services.size(), 2u);
  const Service& db = inv->services[0];
  EXPECT_EQ(db.ns, "default");
  EXPECT_EQ(db.type, "ClusterIP");
  EXPECT_THAT(db.cluster_ips, ElementsAre("10.96.7.7"));
  EXPECT_EQ(db.ports[0].protocol, "TCP");
  EXPECT_EQ(db.ports[0].target_port, "5432");
  EXPECT_EQ(inv->services[1].type, "ExternalName");
  EXPECT_EQ(inv->services[1].cluster_ip, "");
}

TEST(InventoryParse, EmptyListIsAnEmptyInventory) {
  Result<Inventory> inv = parse_inventory(R"({"apiVersion":"v1","kind":"List","items":[]})", "e");
  ASSERT_TRUE(inv);
  EXPECT_THAT(inv->pods, IsEmpty());
  inv = parse_inventory(R"({"kind":"List","items":null})", "e");
  ASSERT_TRUE(inv);
}

TEST(InventoryParse, NotReadyWhenConditionSaysSo) {
  const char* text = R"({"kind": "EndpointSlice", "metadata": {"name": "s", "namespace": "n",
      "labels": {"kubernetes.io/service-name": "svc"}}, "addressType": "IPv4",
      "ports": [{"port": null}],
      "endpoints": [{"addresses": ["10.1.1.1"]},
                    {"addresses": ["10.1.1.2"], "conditions": {"ready": false}},
                    {"addresses": ["10.1.1.3"], "conditions": {}},
                    {"addresses": ["10.1.1.4"], "topology": {"kubernetes.io/hostname": "n4"}}]})";
  Result<Inventory> inv = parse_inventory(text, "slice.json");
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_THAT(inv->endpoint_ips("n", "svc"), ElementsAre("10.1.1.1", "10.1.1.3", "10.1.1.4"));
  EXPECT_EQ(inv->slices[0].ports[0].port, 0);
  EXPECT_EQ(inv->slices[0].endpoints[3].node, "n4");
}

TEST(InventoryParse, FqdnSlicesGiveNoEndpointIps) {
  const char* text = R"({"kind": "EndpointSlice", "metadata": {"name": "s", "namespace": "n",
      "labels": {"kubernetes.io/service-name": "svc"}}, "addressType": "FQDN",
      "endpoints": [{"addresses": ["db.example.com"]}]})";
  Result<Inventory> inv = parse_inventory(text, "fqdn.json");
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_THAT(inv->endpoint_ips("n", "svc"), IsEmpty());
}

// The endpoints the proxy rules of one Service port should lead to: ready, IPv4 (or Endpoints,
// which name no address type), the port of the same name and protocol, each once, in order.
TEST(InventoryEndpoints, ReadyEndpointsOfOnePort) {
  Inventory inv;
  Service web{.ns = "default", .name = "web"};
  const ServicePort http{.name = "http", .port = 80, .protocol = "TCP"};
  EndpointSlice v4{.ns = "default", .name = "web-a", .service = "web", .address_type = "IPv4"};
  v4.ports = {{.name = "http", .port = 8080, .protocol = "tcp"},
              {.name = "admin", .port = 9090, .protocol = "TCP"},
              {.name = "http", .port = 8081, .protocol = "UDP"}};
  v4.endpoints = {{.addresses = {"10.244.1.4"}},
                  {.addresses = {"10.244.1.5"}, .ready = false},
                  {.addresses = {"10.244.0.3", "10.244.1.4"}}};
  EndpointSlice v6{.ns = "default", .name = "web-b", .service = "web", .address_type = "IPv6"};
  v6.ports = {{.name = "http", .port = 8080, .protocol = "TCP"}};
  v6.endpoints = {{.addresses = {"fd00::4"}}};
  EndpointSlice from_endpoints{.ns = "default", .name = "web", .service = "web"};
  from_endpoints.ports = {{.name = "http", .port = 8080, .protocol = "TCP"},
                          {.name = "http", .port = 0, .protocol = "TCP"}};
  from_endpoints.endpoints = {{.addresses = {"10.244.2.7", "10.244.0.3"}}};
  EndpointSlice other{.ns = "other", .name = "web-c", .service = "web", .address_type = "IPv4"};
  other.ports = {{.name = "http", .port = 8080, .protocol = "TCP"}};
  other.endpoints = {{.addresses = {"10.244.3.3"}}};
  inv.slices = {v4, v6, from_endpoints, other};
  EXPECT_THAT(inv.ready_endpoints(web, http),
              ElementsAre("10.244.1.4:8080", "10.244.0.3:8080", "10.244.2.7:8080"));
  EXPECT_THAT(inv.ready_endpoints(web, {.name = "admin", .port = 90, .protocol = "tcp"}),
              ElementsAre("10.244.1.4:9090", "10.244.0.3:9090"));
  EXPECT_THAT(inv.ready_endpoints(web, {.name = "metrics", .port = 91}), IsEmpty());
  web.name = "db";
  EXPECT_THAT(inv.ready_endpoints(web, http), IsEmpty());
}

}  // namespace
}  // namespace netdoctor::inventory
