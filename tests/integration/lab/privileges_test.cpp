// netdoctor with exactly the capabilities it needs, and with each of them missing (issue 10):
// CAP_SYS_ADMIN (setns), CAP_SYS_PTRACE (other processes' namespace links and files),
// CAP_NET_RAW (ICMP, packet capture) and CAP_NET_ADMIN (reading iptables/nftables). Each run
// is root (uid 0) with the bounding set cut down by setpriv, so the exec gives netdoctor those
// capabilities and no other. With the four, a full diagnosis of the healthy lab says what full
// root says. Without SYS_ADMIN or SYS_PTRACE nothing can be entered: exit 3, one line naming
// it. Without NET_RAW or NET_ADMIN the run goes on: the checks that need it are `skip` with
// the capability in their reason, the others pass, and the exit status follows the checks.
// Runs inside lab_fault_tests (the lab is up, under its lock).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "chaos_util.h"

namespace netdoctor {
namespace {
using namespace netdoctor::chaos;  // NOLINT(google-build-using-namespace): the tests' helpers

const std::vector<std::string> kNeeded = {"sys_admin", "sys_ptrace", "net_raw", "net_admin"};

// netdoctor ARGS on node1, as root with only `caps` in the bounding set (all when empty).
Outcome netdoctor_with(const std::vector<std::string>& caps, const std::string& args) {
  std::string setpriv;
  if (!caps.empty()) {
    setpriv = "setpriv --bounding-set -all";
    for (const auto& c : caps) setpriv += ",+" + c;
    setpriv += " --inh-caps -all -- ";
  }
  return run("ip netns exec " + kNode1 + " " + setpriv + std::string(ND_BINARY) + " " + args,
             std::chrono::seconds(60));
}

// A full diagnosis of client-a on node1 (every layer, an egress target).
Outcome diagnose_with(const std::vector<std::string>& caps, const std::string& inventory) {
  return netdoctor_with(caps, "diagnose -o json --timeout 1s --deadline 10s --inventory " +
                                  inventory +
                                  " --from default/client-a --egress http://203.0.113.10/");
}

std::vector<std::string> without(const std::string& cap) {
  std::vector<std::string> out;
  for (const auto& c : kNeeded) {
    if (c != cap) out.push_back(c);
  }
  return out;
}

std::map<std::string, std::string> statuses(const json& report) {
  std::map<std::string, std::string> out;
  for (const auto& c : all_checks(report)) {
    out[c["id"].get<std::string>() + " " + c.value("source", "")] = c["status"];
  }
  return out;
}

class ChaosPrivileges : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sh("command -v setpriv >/dev/null"), 0) << "setpriv (util-linux) is missing";
    ASSERT_EQ(sh(kLab + " heal >/dev/null"), 0);
    inventory_ = lab_inventory("privileges-inventory.json");
  }
  void TearDown() override { std::remove(inventory_.c_str()); }
  std::string inventory_;
};

TEST_F(ChaosPrivileges, TheFourCapabilitiesGiveTheVerdictOfFullRoot) {
  const Outcome root = diagnose_with({}, inventory_);
  const json full = expect_clear_end(root, 10000);
  const Outcome four = diagnose_with(kNeeded, inventory_);
  const json least = expect_clear_end(four, 10000);
  ASSERT_TRUE(full.is_object() && least.is_object());
  EXPECT_EQ(root.status, 0) << describe(root);
  EXPECT_EQ(four.status, 0) << describe(four);
  EXPECT_EQ(least["verdict"], full["verdict"]);
  EXPECT_EQ(least["root_cause"], full["root_cause"]);
  // Check by check: the same checks, the same statuses.
  EXPECT_EQ(statuses(least), statuses(full)) << four.out;
}

TEST_F(ChaosPrivileges, MissingSysAdminOrSysPtraceIsExit3NamingIt) {
  for (const std::string cap : {"sys_admin", "sys_ptrace"}) {
    const Outcome r = diagnose_with(without(cap), inventory_);
    SCOPED_TRACE("without " + cap);
    expect_clear_end(r, 10000);
    EXPECT_EQ(r.status, 3) << describe(r);
    std::string name = "CAP_" + cap;
    for (auto& ch : name) ch = static_cast<char>(std::toupper(ch));
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
  }
}

// Without `cap`: every check whose status differs from the full-root run's is a skip naming
// the capability, the checks listed by id prefix are among them, the run exits as the full-root
// run did (0 on the healthy lab), and standard error warns naming the capability.
void expect_degraded(const Outcome& r, const json& full, const std::string& cap_name,
                     const std::set<std::string>& must_skip) {
  const json j = expect_clear_end(r, 10000);
  ASSERT_TRUE(j.is_object()) << describe(r);
  EXPECT_EQ(r.status, 0) << "a missing " << cap_name << " is no failure: " << describe(r);
  EXPECT_EQ(j["verdict"], full["verdict"]);
  const auto before = statuses(full);
  std::set<std::string> skipped;
  for (const auto& c : all_checks(j)) {
    const std::string id = c["id"];
    const auto it = before.find(id + " " + c.value("source", ""));
    if (it != before.end() && it->second == c["status"]) continue;
    EXPECT_EQ(c["status"], "skip") << c.dump();
    EXPECT_NE(c.value("summary", "").find(cap_name), std::string::npos)
        << "changed for another reason than " << cap_name << ": " << c.dump();
    skipped.insert(id.substr(0, id.find(':')));
  }
  EXPECT_NE(r.err.find("warning: missing capability " + cap_name), std::string::npos) << r.err;
  for (const auto& id : must_skip) {
    EXPECT_TRUE(skipped.count(id)) << id << " is not skipped without " << cap_name << ": " << r.out;
  }
  std::printf("[chaos] without %s: exit %d, %ld ms, skipped naming it:", cap_name.c_str(), r.status,
              r.ms);
  for (const auto& s : skipped) std::printf(" %s", s.c_str());
  std::printf("\n");
}

TEST_F(ChaosPrivileges, MissingNetRawSkipsTheIcmpAndCaptureChecksNamingIt) {
  const json full = expect_clear_end(diagnose_with({}, inventory_), 10000);
  expect_degraded(diagnose_with(without("net_raw"), inventory_), full, "CAP_NET_RAW",
                  {"same-node.ping", "cross-node.ping"});
}

TEST_F(ChaosPrivileges, MissingNetAdminSkipsTheRuleChecksNamingIt) {
  const json full = expect_clear_end(diagnose_with({}, inventory_), 10000);
  expect_degraded(diagnose_with(without("net_admin"), inventory_), full, "CAP_NET_ADMIN",
                  {"node.layer", "service.rules"});
}

// `services` and `trace` are the rules and nothing else: without CAP_NET_ADMIN, exit 3.
TEST_F(ChaosPrivileges, MissingNetAdminIsExit3ForServicesAndTrace) {
  for (const std::string& args :
       {"services -o json --inventory " + inventory_,
        "trace --inventory " + inventory_ + " --from default/client-a --to 10.96.100.10:80/tcp"}) {
    const Outcome r = netdoctor_with(without("net_admin"), args);
    SCOPED_TRACE(args);
    expect_clear_end(r, 10000, false);
    EXPECT_EQ(r.status, 3) << describe(r);
    EXPECT_NE(r.err.find("CAP_NET_ADMIN"), std::string::npos) << r.err;
    // With the four, both work.
    const Outcome four = netdoctor_with(kNeeded, args);
    EXPECT_EQ(four.status, 0) << describe(four);
  }
}

// Started as full root, a running netdoctor keeps the five capabilities it uses and no other
// (bounding set included), and no exec can give it more (no_new_privs).
TEST_F(ChaosPrivileges, ARunningProcessKeepsOnlyWhatItUses) {
  const std::string pid = sh_output("ip netns exec " + kNode1 + " " + std::string(ND_BINARY) +
                                    " serve --listen 127.0.0.1:19475 --interval 1h --inventory " +
                                    inventory_ + " >/dev/null 2>&1 & echo $!");
  ASSERT_FALSE(pid.empty());
  const std::string id = pid.substr(0, pid.find('\n'));
  // `ip netns exec` execs netdoctor: the same pid, once its name says so.
  std::string status;
  for (int i = 0; i < 100; ++i) {
    status = slurp("/proc/" + id + "/status");
    if (status.find("Name:\tnetdoctor") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past main()'s first lines
  status = slurp("/proc/" + id + "/status");
  sh("kill " + id + " 2>/dev/null");
  // CAP_DAC_READ_SEARCH (2), NET_ADMIN (12), NET_RAW (13), SYS_PTRACE (19), SYS_ADMIN (21).
  EXPECT_NE(status.find("CapBnd:\t0000000000283004"), std::string::npos) << status;
  EXPECT_NE(status.find("CapEff:\t0000000000283004"), std::string::npos) << status;
  EXPECT_NE(status.find("CapInh:\t0000000000000000"), std::string::npos) << status;
  EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos) << status;
}

}  // namespace
}  // namespace netdoctor
