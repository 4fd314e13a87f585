// The dns layer on the lab (tests/lab): healthy passes fast, and each DNS fault gives its
// finding, in about one timeout. Needs root; the lab is brought up once for the suite, under
// the lab's lock, healed after every test and brought down at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include "dns_util.h"
#include "inventory/inventory.h"
#include "probes/dns/dns_eval.h"
#include "probes/dns/dns_layer.h"

namespace netdoctor::probes {
namespace {

using namespace std::chrono_literals;
using report::Check;
using report::Status;

constexpr auto kTimeout = 500ms;
// A silent question is asked once more (glibc's attempts:2): silence costs two timeouts.
constexpr auto kSilence = 2 * kTimeout + 300ms;

struct LayerRun {
  std::vector<Check> checks;
  std::chrono::milliseconds took{0};

  [[nodiscard]] const Check& at(const std::string& id) const {
    auto it =
        std::find_if(checks.begin(), checks.end(), [&](const Check& c) { return c.id == id; });
    if (it == checks.end()) throw std::runtime_error("no check " + id);
    return *it;
  }
  [[nodiscard]] std::vector<std::string> not_passing() const {
    std::vector<std::string> out;
    for (const auto& c : checks) {
      if (c.status == Status::kFail || c.status == Status::kWarn) {
        out.push_back(c.id + "=" + c.code.str() + " (" + c.summary + ")");
      }
    }
    return out;
  }
};

bool has_evidence(const Check& c, std::string_view text) {
  return std::any_of(c.evidence.begin(), c.evidence.end(),
                     [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

class DnsLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    lab_ = std::make_unique<testing::DnsLab>();
    if (!lab_->error().empty()) return;
    auto inv = inventory::parse_inventory(lab_->inventory_json(), "lab inventory");
    if (inv) inventory_ = std::make_unique<inventory::Inventory>(std::move(*inv));
  }
  static void TearDownTestSuite() {
    inventory_.reset();
    lab_.reset();  // lab down, lock released
  }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the lab builds network namespaces";
    if (lab_->error().find("missing:") != std::string::npos) {
      GTEST_SKIP() << "the lab's tools are not installed: " << lab_->error();
    }
    ASSERT_TRUE(lab_->error().empty()) << lab_->error();
    ASSERT_TRUE(inventory_) << "cannot parse `lab inventory`";
  }
  void TearDown() override {
    if (lab_ && lab_->error().empty()) {
      std::string out;
      EXPECT_EQ(lab_->lab("heal", &out), 0) << out;
    }
  }

  void fault(const std::string& name) {
    std::string out;
    ASSERT_EQ(lab_->lab("fault " + name, &out), 0) << out;
  }

  static LayerRun run(const SourcePod& src, DnsLayerOptions o = {}) {
    o.timeout = kTimeout;
    const auto start = std::chrono::steady_clock::now();
    LayerRun r;
    r.checks = run_dns_layer(src, inventory_.get(), o);
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    // The whole result goes to the test log: what a person would read in the report.
    std::cout << "dns layer from " << src.display << ": " << r.took.count() << " ms\n";
    for (const auto& c : r.checks) {
      std::cout << "  " << report::to_string(c.status) << " " << c.id << " [" << c.code << "] "
                << c.summary << "\n";
      for (const auto& e : c.evidence) std::cout << "      " << e << "\n";
    }
    return r;
  }
  static LayerRun run(const std::string& name) { return run(lab_->pod("default", name)); }

  static inline std::unique_ptr<testing::DnsLab> lab_;
  static inline std::unique_ptr<inventory::Inventory> inventory_;
};

TEST_F(DnsLabTest, HealthyPassesFastFromBothNodes) {
  for (const char* pod : {"client-a", "client-b"}) {
    const auto r = run(pod);
    EXPECT_TRUE(r.not_passing().empty()) << ::testing::PrintToString(r.not_passing());
    EXPECT_EQ(r.at("dns.service-udp").status, Status::kPass);
    EXPECT_EQ(r.at("dns.service-tcp").status, Status::kPass);
    EXPECT_EQ(r.at("dns.endpoint-udp:10.244.1.2").status, Status::kPass);
    EXPECT_EQ(r.at("dns.endpoint-tcp:10.244.1.2").status, Status::kPass);
    EXPECT_EQ(r.at("dns.cluster-name").status, Status::kPass);
    EXPECT_EQ(r.at("dns.short-name").status, Status::kPass);
    EXPECT_EQ(r.at("dns.upstream").status, Status::kPass);
    EXPECT_NE(r.at("dns.upstream").summary.find("203.0.113.10"), std::string::npos);
    // No query waited for its timeout; half of it, not a speed budget (TSan took 113 ms here).
    EXPECT_LT(r.took, kTimeout / 2) << "a healthy layer costs its slowest answer";
  }
}

TEST_F(DnsLabTest, DnsServerDownIsTheServerInOneTimeout) {
  fault("dns-server-down");
  const auto r = run("client-a");
  const auto& svc = r.at("dns.service-udp");
  EXPECT_EQ(svc.status, Status::kFail);
  EXPECT_EQ(svc.code, "dns-server-unreachable");
  EXPECT_TRUE(has_evidence(svc, probes::dns::kCauseServer)) << svc.summary;
  EXPECT_EQ(r.at("dns.endpoint-udp:10.244.1.2").code, "dns-server-unreachable");
  EXPECT_EQ(r.at("dns.cluster-name").code, "dns-server-unreachable");
  EXPECT_EQ(r.at("dns.resolv-conf").status, Status::kPass);
  EXPECT_LT(r.took, kSilence);
}

TEST_F(DnsLabTest, KubeDnsRulesMissingIsTheServicePathOnNode1Only) {
  fault("kube-dns-rules-missing");
  const auto a = run("client-a");
  for (const char* id : {"dns.service-udp", "dns.service-tcp", "dns.cluster-name"}) {
    EXPECT_EQ(a.at(id).code, "dns-server-unreachable") << id;
    EXPECT_TRUE(has_evidence(a.at(id), probes::dns::kCauseService))
        << id << ": " << a.at(id).summary;
  }
  EXPECT_NE(a.at("dns.service-udp").summary.find("endpoints answer directly"), std::string::npos);
  EXPECT_EQ(a.at("dns.endpoint-udp:10.244.1.2").status, Status::kPass);
  EXPECT_EQ(a.at("dns.upstream").status, Status::kPass);  // judged through the endpoint
  EXPECT_LT(a.took, kSilence);
  // node2's proxy rules are intact.
  const auto b = run("client-b");
  EXPECT_TRUE(b.not_passing().empty()) << ::testing::PrintToString(b.not_passing());
}

TEST_F(DnsLabTest, UpstreamFailureFailsOnlyTheUpstream) {
  fault("dns-upstream-failure");
  const auto r = run("client-a");
  const auto& up = r.at("dns.upstream");
  EXPECT_EQ(up.status, Status::kFail);
  EXPECT_EQ(up.code, "dns-upstream-failure");
  EXPECT_TRUE(has_evidence(up, "example.test")) << up.summary;
  for (const auto& c : r.checks) {
    if (c.id != "dns.upstream") {
      EXPECT_NE(c.status, Status::kFail) << c.id << ": " << c.summary;
    }
  }
  EXPECT_LT(r.took, kSilence);
}

TEST_F(DnsLabTest, WrongNameserverIsTheResolvConfOfThatPodOnly) {
  fault("dns-resolv-conf-invalid");
  const auto a = run("client-a");
  const auto& rc = a.at("dns.resolv-conf");
  EXPECT_EQ(rc.status, Status::kFail);
  EXPECT_EQ(rc.code, "dns-resolv-conf-invalid");
  EXPECT_TRUE(has_evidence(rc, "nameserver 10.96.0.100")) << rc.summary;
  EXPECT_EQ(a.at("dns.cluster-name").code, "dns-resolv-conf-invalid");
  EXPECT_EQ(a.at("dns.service-udp").status, Status::kPass);
  EXPECT_LT(a.took, kSilence);
  EXPECT_TRUE(run("client-b").not_passing().empty());
}

TEST_F(DnsLabTest, MissingNameIsNameNotFound) {
  fault("dns-name-not-found");
  const auto r = run("client-a");
  EXPECT_EQ(r.at("dns.service-udp").code, "dns-name-not-found");
  EXPECT_EQ(r.at("dns.cluster-name").code, "dns-name-not-found");
}

// The field notes' classic: bridge-nf off breaks the ClusterIP only for pods beside the DNS pod.
TEST_F(DnsLabTest, BridgeNfOffLooksLikeABrokenServicePathOnTheDnsPodsNode) {
  fault("bridge-nf-disabled");
  const auto a = run("client-a");
  EXPECT_EQ(a.at("dns.service-udp").code, "dns-server-unreachable");
  EXPECT_TRUE(has_evidence(a.at("dns.service-udp"), probes::dns::kCauseService));
  EXPECT_EQ(a.at("dns.endpoint-udp:10.244.1.2").status, Status::kPass);
}

TEST_F(DnsLabTest, PodWithoutProcessAsksTheInventorysDnsService) {
  auto src = lab_->pod("default", "client-a");
  src.netns.pids.clear();
  DnsLayerOptions o;
  o.cluster_domain = "cluster.local";
  const auto r = run(src, o);
  EXPECT_EQ(r.at("dns.resolv-conf").status, Status::kSkip);
  EXPECT_EQ(r.at("dns.cluster-name").status, Status::kSkip);
  EXPECT_EQ(r.at("dns.service-udp").status, Status::kPass);
  EXPECT_EQ(r.at("dns.upstream").status, Status::kPass);
}

}  // namespace
}  // namespace netdoctor::probes
