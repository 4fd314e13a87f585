// `--from` by address against namespaces made to carry a pod's address (issue #21): anyone who
// can make a network namespace can give it any address, so an address must not hand the
// diagnosis (and the reading of pod files as root) to whoever holds a copy of it. Runs inside
// lab_fault_tests, whose environment brings the lab up under its lock; every test removes the
// namespaces and processes it made, also on failure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "../testnet_util.h"

namespace netdoctor {
namespace {
using json = nlohmann::json;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

const std::string kLab = ND_LAB;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class FromByAddress : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sh(kLab + " heal >/dev/null"), 0);
    inventory_ = ::testing::TempDir() + "from-inventory-" + std::to_string(::getpid()) + ".json";
    ASSERT_EQ(sh(kLab + " inventory > " + inventory_), 0);
    ip_ = trim(sh_output(kLab + " ip default/client-a"));
    ASSERT_FALSE(ip_.empty());
  }
  void TearDown() override {
    for (const char* ns : {"ndlab-0-impostor", "ndlab-x-twin"}) {
      sh(std::string("ip netns del ") + ns + " 2>/dev/null");
    }
    if (!sleeper_.empty()) sh("kill " + sleeper_ + " 2>/dev/null");
    std::remove(inventory_.c_str());
  }

  // netdoctor on node1 over the pod layer only (the resolution is what is tested); stdout and
  // stderr together.
  std::string diagnose(const std::string& from, int* status, const std::string& extra = "") {
    return sh_output("ip netns exec ndlab-node1 " + std::string(ND_BINARY) +
                         " diagnose -o json --timeout 500ms --layers pod --inventory " +
                         inventory_ + " --from " + from + extra + " 2>&1",
                     status);
  }

  std::string inventory_;
  std::string ip_;       // default/client-a's address
  std::string sleeper_;  // pid of the process holding a namespace of another user namespace
};

// A namespace that is no pod of this node (a veth pair of its own, nothing to the node) carries
// client-a's address, and sorts before it by path: the pod is still the source.
TEST_F(FromByAddress, APodOfThisNodeComesBeforeAnotherNamespace) {
  ASSERT_EQ(sh("ip netns add ndlab-0-impostor && ip -n ndlab-0-impostor link add d0 type veth peer "
               "name d1 && "
               "ip -n ndlab-0-impostor addr add " +
               ip_ + "/32 dev d0 && ip -n ndlab-0-impostor link set d0 up"),
            0);
  for (const std::string& from : {std::string("default/client-a"), "ip:" + ip_}) {
    int status = -1;
    const std::string out = diagnose(from, &status);
    const json r = json::parse(out, nullptr, false);
    ASSERT_FALSE(r.is_discarded()) << from << ": " << out;
    ASSERT_EQ(r["sources"].size(), 1u) << out;
    EXPECT_EQ(r["sources"][0]["netns"], "/var/run/netns/ndlab-n1-client-a") << from;
  }
}

// A second pod-like namespace of node1 (its veth's peer in node1, no address on the peer)
// carries client-a's address: refused, both named.
TEST_F(FromByAddress, TwoPodsOfThisNodeWithTheAddressAreRefusedAndNamed) {
  ASSERT_EQ(sh("ip netns add ndlab-x-twin && ip -n ndlab-node1 link add ndx-twin type veth peer "
               "name eth0 netns ndlab-x-twin && ip -n ndlab-x-twin addr add " +
               ip_ + "/24 dev eth0 && ip -n ndlab-x-twin link set eth0 up"),
            0);
  for (const std::string& from : {std::string("default/client-a"), "ip:" + ip_}) {
    int status = -1;
    const std::string out = diagnose(from, &status);
    EXPECT_EQ(status, 2) << out;
    EXPECT_NE(out.find("2 network namespaces carry " + ip_), std::string::npos) << out;
    EXPECT_NE(out.find("/var/run/netns/ndlab-n1-client-a"), std::string::npos) << out;
    EXPECT_NE(out.find("/var/run/netns/ndlab-x-twin"), std::string::npos) << out;
  }
  // Named by path, the pod is diagnosed.
  int status = -1;
  const std::string out = diagnose("/var/run/netns/ndlab-n1-client-a", &status);
  EXPECT_EQ(status, 0) << out;
}

// A namespace made inside a new user namespace (as an unprivileged tenant can) is not taken by
// address unless --allow-userns.
TEST_F(FromByAddress, ANamespaceOfAnotherUserNamespaceNeedsAllowUserns) {
  const std::string addr = "10.244.1.250";
  sleeper_ =
      trim(sh_output("unshare --user --map-root-user --net sleep 60 >/dev/null 2>&1 & "
                     "echo $!"));
  ASSERT_FALSE(sleeper_.empty());
  // The sleeper's namespace exists once its /proc entry points elsewhere than ours.
  ASSERT_EQ(sh("for i in $(seq 50); do [ \"$(readlink /proc/" + sleeper_ +
               "/ns/user)\" != \"$(readlink /proc/self/ns/user)\" ] && exit 0; sleep 0.05; done; "
               "exit 1"),
            0);
  ASSERT_EQ(sh("nsenter -t " + sleeper_ +
               " --net sh -c 'ip link add d0 type veth peer name d1 && ip addr add " + addr +
               "/32 dev d0 && ip link set d0 up'"),
            0);
  int status = -1;
  std::string out = diagnose("ip:" + addr, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("owned by a user namespace other than the host's"), std::string::npos) << out;
  EXPECT_NE(out.find("/proc/" + sleeper_ + "/ns/net"), std::string::npos) << out;
  out = diagnose("ip:" + addr, &status, " --allow-userns");
  const json r = json::parse(out, nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << out;
  EXPECT_EQ(r["sources"][0]["ip"], addr) << out;
}

}  // namespace
}  // namespace netdoctor
