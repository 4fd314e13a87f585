// The apiserver and egress layers against the lab (tests/lab): healthy, each fault named with
// its code and phase, and the healthy layers well under 200 ms. Runs in the lab_fault_tests
// binary, whose environment brings the lab up under the lab's lock; every test heals first.
//
// It runs `netdoctor diagnose --layers apiserver,egress` on node1 from default/client-a. While
// diagnose.cpp does not run these layers yet, the tests skip saying so (a skip, never a pass).
// ND_APIEGRESS_BINARY may name another binary with the same options, for development.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "../testnet_util.h"

namespace netdoctor {
namespace {

using json = nlohmann::json;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

const std::string kLabCmd = ND_LAB;
// Only lab addresses: the internet namespace's host and an address on its network nobody has.
const std::string kHttpIp = "http://203.0.113.10/";
const std::string kHttpName = "http://example.test/";
const std::string kSilentTcp = "tcp://203.0.113.99:80";

std::string binary() {
  const char* over = std::getenv("ND_APIEGRESS_BINARY");
  return over && *over ? over : ND_BINARY;
}

class ApiEgress : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inventory_ =
        ::testing::TempDir() + "apiegress-inventory-" + std::to_string(::getpid()) + ".json";
    ASSERT_EQ(sh(kLabCmd + " inventory > " + inventory_), 0);
  }
  static void TearDownTestSuite() {
    std::remove(inventory_.c_str());
    sh(kLabCmd + " heal >/dev/null");  // leave the lab healthy for whoever comes next
  }

  // Heals, injects `fault` (when given), runs both layers and returns their checks by id.
  json run(const std::string& fault) {
    EXPECT_EQ(sh(kLabCmd + " heal >/dev/null"), 0);
    if (!fault.empty()) {
      EXPECT_EQ(sh(kLabCmd + " fault " + fault + " >/dev/null"), 0);
    }
    int status = -1;
    const std::string out = sh_output(
        "ip netns exec ndlab-node1 " + binary() + " diagnose -o json --timeout 500ms --inventory " +
            inventory_ + " --from default/client-a --layers apiserver,egress --egress " + kHttpIp +
            " --egress " + kHttpName + " --egress " + kSilentTcp,
        &status);
    json report = json::parse(out, nullptr, false);
    EXPECT_FALSE(report.is_discarded()) << out;
    json checks = json::object();
    if (report.is_discarded()) return checks;
    root_cause_ = report["root_cause"].is_object() ? report["root_cause"]["code"] : json();
    for (const auto& layer : report["layers"]) {
      const bool ours = layer["layer"] == "apiserver" || layer["layer"] == "egress";
      for (const auto& c : layer["checks"]) {
        if (ours && c["summary"].get<std::string>().find("not implemented") != std::string::npos) {
          wired_ = false;
        }
        checks[c["id"].get<std::string>()] = c;
      }
    }
    return checks;
  }

  static bool evidence_has(const json& check, const std::string& needle) {
    for (const auto& e : check["evidence"]) {
      if (e.get<std::string>().find(needle) != std::string::npos) return true;
    }
    return false;
  }

  static std::string inventory_;
  bool wired_ = true;
  json root_cause_;  // the report's root-cause code, null when healthy
};
std::string ApiEgress::inventory_;

#define SKIP_UNLESS_WIRED()                                                                   \
  do {                                                                                        \
    if (!wired_) GTEST_SKIP() << "diagnose.cpp does not run the apiserver/egress layers yet"; \
  } while (0)

TEST_F(ApiEgress, HealthyPassesWellUnder200ms) {
  const json c = run("");
  SKIP_UNLESS_WIRED();
  for (const char* id :
       {"apiserver.clusterip", "apiserver.dns-name", "apiserver.endpoint:172.30.0.2"}) {
    ASSERT_TRUE(c.contains(id)) << c.dump(2);
    EXPECT_EQ(c[id]["status"], "pass") << c[id].dump(2);
    EXPECT_LT(c[id]["duration_ms"].get<int>(), 200) << c[id].dump(2);
  }
  for (const std::string& url : {kHttpIp, kHttpName}) {
    ASSERT_TRUE(c.contains("egress." + url)) << c.dump(2);
    EXPECT_EQ(c["egress." + url]["status"], "pass") << c["egress." + url].dump(2);
    EXPECT_LT(c["egress." + url]["duration_ms"].get<int>(), 200);
  }
  EXPECT_TRUE(evidence_has(c["egress." + kHttpIp], "FLANNEL-POSTRTG"))
      << c["egress." + kHttpIp].dump(2);
}

TEST_F(ApiEgress, SilentOutsideAddressIsUnreachableAtConnect) {
  const json c = run("");
  SKIP_UNLESS_WIRED();
  const json& silent = c["egress." + kSilentTcp];
  EXPECT_EQ(silent["status"], "fail") << silent.dump(2);
  EXPECT_EQ(silent["code"], "egress-unreachable");
  EXPECT_TRUE(evidence_has(silent, "failed phase: TCP connect")) << silent.dump(2);
}

TEST_F(ApiEgress, ApiserverDown) {
  const json c = run("apiserver-down");
  SKIP_UNLESS_WIRED();
  EXPECT_EQ(root_cause_, "apiserver-unreachable");
  for (const char* id : {"apiserver.clusterip", "apiserver.endpoint:172.30.0.2"}) {
    EXPECT_EQ(c[id]["code"], "apiserver-unreachable") << c[id].dump(2);
    EXPECT_NE(c[id]["summary"].get<std::string>().find("TCP connect"), std::string::npos);
  }
  EXPECT_EQ(c["egress." + kHttpIp]["status"], "pass");
}

TEST_F(ApiEgress, ApiserverTlsUntrusted) {
  const json c = run("apiserver-tls-untrusted");
  SKIP_UNLESS_WIRED();
  EXPECT_EQ(root_cause_, "apiserver-tls-untrusted");
  const json& ep = c["apiserver.endpoint:172.30.0.2"];
  EXPECT_EQ(ep["code"], "apiserver-tls-untrusted") << ep.dump(2);
  EXPECT_TRUE(evidence_has(ep, "server certificate 0: subject")) << ep.dump(2);
  EXPECT_TRUE(evidence_has(ep, "pod CA expects issuer")) << ep.dump(2);
  EXPECT_EQ(c["apiserver.clusterip"]["code"], "apiserver-tls-untrusted");
}

TEST_F(ApiEgress, ApiserverUnauthorized) {
  const json c = run("apiserver-unauthorized");
  SKIP_UNLESS_WIRED();
  EXPECT_EQ(root_cause_, "apiserver-unauthorized");
  for (const char* id :
       {"apiserver.clusterip", "apiserver.dns-name", "apiserver.endpoint:172.30.0.2"}) {
    EXPECT_EQ(c[id]["code"], "apiserver-unauthorized") << c[id].dump(2);
  }
}

TEST_F(ApiEgress, MissingMasqueradeIsEgressNoSnatAndExplainsTheApiserver) {
  const json c = run("egress-no-snat");
  SKIP_UNLESS_WIRED();
  EXPECT_EQ(root_cause_, "egress-no-snat");
  const json& http = c["egress." + kHttpIp];
  EXPECT_EQ(http["code"], "egress-no-snat") << http.dump(2);
  const json& ep = c["apiserver.endpoint:172.30.0.2"];
  EXPECT_EQ(ep["code"], "apiserver-unreachable") << ep.dump(2);
  EXPECT_TRUE(evidence_has(ep, "cause: egress-no-snat")) << ep.dump(2);
  EXPECT_TRUE(evidence_has(c["apiserver.clusterip"], "cause: egress-no-snat"));
}

TEST_F(ApiEgress, OutsideNameNotResolvableIsDnsFailure) {
  const json c = run("dns-upstream-failure");
  SKIP_UNLESS_WIRED();
  EXPECT_EQ(root_cause_, "egress-dns-failure");
  EXPECT_EQ(c["egress." + kHttpName]["code"], "egress-dns-failure")
      << c["egress." + kHttpName].dump(2);
  EXPECT_EQ(c["egress." + kHttpIp]["status"], "pass");
  EXPECT_EQ(c["apiserver.dns-name"]["status"], "pass");  // cluster names still resolve
}

}  // namespace
}  // namespace netdoctor
