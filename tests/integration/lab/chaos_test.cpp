// Chaos on the lab (issue 10, hardening): the node changes under netdoctor's feet or hands it
// something odd, and every run must still end with a clear answer: a valid report (exit 0 or
// 1), or one line on standard error with exit 2 or 3. Never a signal, never a hang, and always
// within its --deadline (the wall time is asserted). Cases: a pod's namespace and process
// vanish mid-run; a process that exits between discovery and entry; an inventory naming pods
// that are nowhere; 10,000 extra Services in the node's rules (peak RSS printed); a 1 MiB
// resolv.conf; rule extensions netdoctor does not decode in a Service's chain.
// Runs inside lab_fault_tests (the lab is up, under its lock); each test leaves it healed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "chaos_util.h"

namespace netdoctor {
namespace {
using namespace netdoctor::chaos;  // NOLINT(google-build-using-namespace): the tests' helpers

// A pod the test wires to node1's bridge itself (the lab's pods stay untouched): a netns with
// a veth on cni0, an address of node1's pod CIDR no lab pod has, and one process in it (its
// root is the host's, so its resolv.conf names a server nobody in the lab answers: the DNS
// layer waits for its timeouts). Everything goes in the destructor, also on failure.
class ChaosPod {
 public:
  ChaosPod(int n, bool with_process = true)
      : netns_("ndchaos-" + std::to_string(::getpid()) + "-" + std::to_string(n)),
        veth_("vchaos" + std::to_string(n)),
        ip_("10.244.1." + std::to_string(200 + n)) {
    const std::string in_node = "ip -n " + kNode1 + " ";
    const std::string in_pod = "ip -n " + netns_ + " ";
    ok_ = sh("set -e; ip netns add " + netns_ + "; " + in_node + "link add " + veth_ +
             " type veth peer name eth0 netns " + netns_ + "; " + in_node + "link set " + veth_ +
             " master cni0 up; " + in_pod + "link set lo up; " + in_pod + "addr add " + ip_ +
             "/24 dev eth0; " + in_pod + "link set eth0 up; " + in_pod +
             "route add default via 10.244.1.1") == 0;
    if (ok_ && with_process) start_process();
  }
  ~ChaosPod() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    sh("ip -n " + kNode1 + " link del " + veth_ + " 2>/dev/null; ip netns del " + netns_ +
       " 2>/dev/null");
  }
  ChaosPod(const ChaosPod&) = delete;
  ChaosPod& operator=(const ChaosPod&) = delete;

  void start_process() {
    const std::string pid =
        sh_output("ip netns exec " + netns_ + " sleep 300 </dev/null >/dev/null 2>&1 & echo $!");
    pid_ = std::atoi(pid.c_str());
    // ip netns exec enters the namespace, then execs sleep under the same pid.
    struct stat want {
    }, have{};
    const std::string path = "/var/run/netns/" + netns_;
    for (int i = 0; i < 200; ++i) {
      if (::stat(path.c_str(), &want) == 0 &&
          ::stat(("/proc/" + std::to_string(pid_) + "/ns/net").c_str(), &have) == 0 &&
          want.st_ino == have.st_ino) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ok_ = false;
  }
  // The pod vanishes: its process killed, its node-side veth and its namespace deleted.
  void vanish() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    pid_ = -1;
    sh("ip -n " + kNode1 + " link del " + veth_ + "; ip netns del " + netns_);
  }
  void kill_process() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    pid_ = -1;
  }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] int pid() const { return pid_; }
  [[nodiscard]] std::string path() const { return "/var/run/netns/" + netns_; }
  [[nodiscard]] const std::string& ip() const { return ip_; }

 private:
  std::string netns_, veth_, ip_;
  int pid_ = -1;
  bool ok_ = false;
};

class Chaos : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sh(kLab + " heal >/dev/null"), 0);
    inventory_ = lab_inventory("inventory.json");
  }
  void TearDown() override {
    std::remove(inventory_.c_str());
    sh(kLab + " heal >/dev/null");
  }
  std::string inventory_;
};

// 1. The source pod's process is killed and its veth and namespace deleted while probes wait
// for their timeouts (DNS to a server nobody answers, an egress address nobody has).
TEST_F(Chaos, PodNamespaceVanishesMidRun) {
  for (const int delay_ms : {300, 1200}) {
    ChaosPod pod(1);
    ASSERT_TRUE(pod.ok());
    Child c(nd_on_node1("diagnose -o json --timeout 2s --deadline 6s --inventory " + inventory_ +
                        " --from pid:" + std::to_string(pod.pid()) +
                        " --egress http://203.0.113.99/"));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    pod.vanish();
    const Outcome r = c.wait(std::chrono::seconds(30));
    SCOPED_TRACE("vanished after " + std::to_string(delay_ms) + " ms");
    const json j = expect_clear_end(r, 6000);
    std::printf("[chaos] pod vanishing after %d ms: exit %d, %ld ms\n", delay_ms, r.status, r.ms);
    if (delay_ms >= 1200) {
      // Discovery and the source's resolution are long done: the run reports.
      ASSERT_TRUE(j.is_object()) << describe(r);
      EXPECT_EQ(j["sources"][0]["ip"], pod.ip());
    }
  }
}

// 2. A process that exited before netdoctor looked (pid:N), a pod namespace without any
// process (the pod's files are out of reach), and a pod whose process is killed at several
// points of the first second of the run: discovery, the source's resolution, the layers.
TEST_F(Chaos, ProcessExitsBetweenDiscoveryAndEntry) {
  const std::string gone = sh_output("sh -c 'echo $$'");
  const Outcome r = run(nd_on_node1("diagnose -o json --timeout 500ms --inventory " + inventory_ +
                                    " --from pid:" + gone.substr(0, gone.find('\n'))));
  expect_clear_end(r, 5000);
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_NE(r.err.find("pid:" + gone.substr(0, gone.find('\n'))), std::string::npos) << r.err;

  {
    ChaosPod pod(2, false);
    ASSERT_TRUE(pod.ok());
    const Outcome e =
        run(nd_on_node1("diagnose -o json --timeout 500ms --deadline 5s --inventory " + inventory_ +
                        " --from " + pod.path()));
    const json j = expect_clear_end(e, 5000);
    ASSERT_TRUE(j.is_object()) << describe(e);
    // Without a process the pod's resolv.conf cannot be read: the DNS layer says so.
    bool said = false;
    for (const auto& c : all_checks(j)) {
      if (c["layer"] == "dns" &&
          c["summary"].get<std::string>().find("resolv.conf") != std::string::npos) {
        said = true;
      }
    }
    EXPECT_TRUE(said) << e.out;
  }

  for (const int delay_ms : {0, 20, 60, 150, 400}) {
    ChaosPod pod(3);
    ASSERT_TRUE(pod.ok());
    Child c(nd_on_node1("diagnose -o json --timeout 1s --deadline 5s --inventory " + inventory_ +
                        " --from pid:" + std::to_string(pod.pid())));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    pod.kill_process();
    const Outcome k = c.wait(std::chrono::seconds(30));
    SCOPED_TRACE("process killed after " + std::to_string(delay_ms) + " ms");
    expect_clear_end(k, 5000);
    std::printf("[chaos] process killed after %d ms: exit %d, %ld ms, %s", delay_ms, k.status, k.ms,
                k.status >= 2 ? k.err.c_str() : "report\n");
  }
}

// 3. The inventory names pods that are nowhere: one on node1 and one on node2, with IPs no
// namespace has. Naming one is bad input (exit 2, one line); diagnosing a real pod with them in
// the inventory reports, and does not blame the node or the overlay for them.
TEST_F(Chaos, InventoryNamesPodsThatDoNotExist) {
  json inv = json::parse(slurp(inventory_));
  json ghosts = json::array();
  for (const auto& item : inv["items"]) {
    if (item["kind"] != "Pod") continue;
    const std::string name = item["metadata"]["name"];
    if (name != "client-a" && name != "client-b") continue;
    json g = item;
    const bool one = name == "client-a";
    const std::string ip = one ? "10.244.1.250" : "10.244.2.250";
    g["metadata"]["name"] = one ? "ghost-1" : "ghost-2";
    g["metadata"]["uid"] =
        one ? "00000000-0000-4000-8000-0000000000g1" : "00000000-0000-4000-8000-0000000000g2";
    g["status"]["podIP"] = ip;
    g["status"]["podIPs"] = json::array({{{"ip", ip}}});
    ghosts.push_back(g);
  }
  ASSERT_EQ(ghosts.size(), 2u);
  // The ghosts come first: whoever picks "one pod per other node" meets them.
  for (auto& g : ghosts) inv["items"].insert(inv["items"].begin(), g);
  std::ofstream(inventory_) << inv.dump();

  const Outcome named = run(nd_on_node1("diagnose -o json --timeout 500ms --inventory " +
                                        inventory_ + " --from default/ghost-1"));
  expect_clear_end(named, 5000);
  EXPECT_EQ(named.status, 2) << describe(named);
  EXPECT_NE(named.err.find("default/ghost-1"), std::string::npos) << named.err;

  const Outcome r = run(nd_on_node1("diagnose -o json --timeout 500ms --inventory " + inventory_ +
                                    " --from default/client-a"));
  const json j = expect_clear_end(r, 5000);
  ASSERT_TRUE(j.is_object()) << describe(r);
  std::printf("[chaos] ghost pods: exit %d, %ld ms, root cause %s\n", r.status, r.ms,
              j["root_cause"].dump().c_str());
  if (j["root_cause"].is_object()) {
    // The lab is healthy: only the ghosts fail. Whatever names them must not be a fault of
    // the node, its routes or the overlay.
    const std::string code = j["root_cause"]["code"];
    for (const char* wrong :
         {"route-missing", "overlay-fdb-missing", "underlay-blocked", "mtu-blackhole",
          "ip-forward-disabled", "forward-policy-drop", "filter-drop"}) {
      EXPECT_NE(code, wrong) << j["root_cause"].dump(2);
    }
  }
  // Every check that failed is about a ghost.
  for (const auto& c : all_checks(j)) {
    if (c["status"] != "fail") continue;
    const std::string text = c.dump();
    EXPECT_TRUE(text.find("ghost") != std::string::npos || text.find(".250") != std::string::npos)
        << "a real pod or path failed: " << c.dump(2);
  }
}

// Loads `services` kube-proxy Services (bench/gen_rules.awk, 3 endpoints each) into node1's
// nat table beside the lab's own rules: the generated chains and KUBE-SERVICES rules are added
// with --noflush, their ClusterIPs moved to 10.100.0.0/16 so no lab Service is shadowed.
bool load_bench_services(int services) {
  const std::string src = ND_SOURCE_DIR;
  const std::string rules = temp_path("bench.rules");
  const std::string script =
      "set -e; awk -v services=" + std::to_string(services) + " -v endpoints=3 -f " + src +
      "/bench/gen_rules.awk | awk '"
      "/^\\*filter/ { exit } "
      "/^:(PREROUTING|INPUT|OUTPUT|POSTROUTING|KUBE-SERVICES|KUBE-NODEPORTS|KUBE-POSTROUTING|"
      "KUBE-MARK-MASQ) / { next } "
      "/^-A (PREROUTING|OUTPUT|POSTROUTING|KUBE-POSTROUTING|KUBE-MARK-MASQ) / { next } "
      "/addrtype --dst-type LOCAL -j KUBE-NODEPORTS/ { next } "
      "{ gsub(/-d 10\\.96\\./, \"-d 10.100.\"); print }' > " +
      rules + "; ip netns exec " + kNode1 + " iptables-legacy-restore --noflush < " + rules;
  const int rc = sh(script);
  std::remove(rules.c_str());
  return rc == 0;
}

// 4. A node with 10,000 more Services (30,000 endpoints, ~110,000 rules): a full diagnosis of
// a pod ends within its deadline, its service checks stay few (capped), the lab's Services
// still pass, and the run's peak RSS is printed.
TEST_F(Chaos, TenThousandServicesOnTheNode) {
  const std::string args = "diagnose -o json --timeout 1s --deadline 10s --inventory " +
                           inventory_ + " --from default/client-a --egress http://203.0.113.10/";
  const Outcome lab = run(nd_on_node1(args));
  const json baseline = expect_clear_end(lab, 10000);
  ASSERT_TRUE(baseline.is_object()) << describe(lab);
  const auto t0 = Clock::now();
  ASSERT_TRUE(load_bench_services(10000));
  const long load_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  const std::string count =
      sh_output("ip netns exec " + kNode1 + " iptables-legacy-save -t nat | grep -c 'bench/svc-'");
  EXPECT_GT(std::atol(count.c_str()), 10000 * 7) << "the bench rules are not loaded";

  const Outcome r = run(nd_on_node1(args));
  const json j = expect_clear_end(r, 10000);
  std::printf(
      "[chaos] 10,000 extra Services (%ld rules mention them, loaded in %ld ms): exit %d, "
      "%ld ms, peak RSS %ld KiB (the lab alone: %ld ms, %ld KiB)\n",
      std::atol(count.c_str()), load_ms, r.status, r.ms, r.maxrss_kb, lab.ms, lab.maxrss_kb);
  ASSERT_TRUE(j.is_object()) << describe(r);
  EXPECT_EQ(r.status, 0) << describe(r);
  // The Services only the rules know (not in the inventory, named by nobody) add no check: the
  // service layer's checks are those of the lab alone, with the same statuses.
  std::map<std::string, std::string> with, without;
  for (const auto& c : all_checks(j)) {
    if (c["layer"] == "service") with[c["id"].get<std::string>()] = c["status"];
  }
  for (const auto& c : all_checks(baseline)) {
    if (c["layer"] == "service") without[c["id"].get<std::string>()] = c["status"];
  }
  EXPECT_EQ(with, without) << r.out;
  EXPECT_LT(with.size(), 100u) << "service checks are not capped";
}

// The status of every check of the layers that do not read the pod's resolv.conf.
std::map<std::string, std::string> path_statuses(const json& report) {
  std::map<std::string, std::string> out;
  for (const auto& c : all_checks(report)) {
    if (c["layer"] == "same-node" || c["layer"] == "cross-node" || c["layer"] == "service") {
      out[c["id"].get<std::string>()] = c["status"];
    }
  }
  return out;
}

// 5. A resolv.conf of about a megabyte in client-a (the lab bind-mounts the state dir's file
// into the pod's mount namespace; it is rewritten in place, and `lab heal` writes it back):
// 1 MiB and more of comment lines (more than netdoctor reads: the head is judged and the
// check says the rest was not), and one search line that makes the file 1,000,000 bytes
// (judged whole: far beyond what older glibc keeps). The DNS layer names the problem, the
// other layers give what they give on the healthy lab, within the deadline.
TEST_F(Chaos, ResolvConfOfOneMegabyte) {
  const std::string where = sh_output("cat /run/netdoctor-lab/pods/default_client-a/resolv-path");
  const std::string file = where.substr(0, where.find('\n'));
  ASSERT_FALSE(file.empty());
  const std::string original = slurp(file);
  ASSERT_NE(original.find("nameserver"), std::string::npos);
  const std::string args = "diagnose -o json --timeout 500ms --deadline 5s --inventory " +
                           inventory_ + " --from default/client-a";
  const Outcome healthy = run(nd_on_node1(args));
  const json baseline = expect_clear_end(healthy, 5000);
  ASSERT_TRUE(baseline.is_object()) << describe(healthy);
  for (const bool one_line : {false, true}) {
    {
      std::ofstream out(file, std::ios::in | std::ios::trunc);  // same inode
      if (one_line) {
        out << "nameserver 10.96.0.10\noptions ndots:5\n"
            << "search default.svc.cluster.local svc.cluster.local cluster.local";
        for (int i = 0; out.tellp() < 1000000 - 20; ++i) out << " d" << i << ".example.test";
        out << "\n";
      } else {
        out << original;
        while (out.tellp() < (1 << 20) + 4096) out << "# padding to a mebibyte, line after line\n";
      }
    }
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    const Outcome r = run(nd_on_node1(args));
    SCOPED_TRACE(one_line ? "one search line" : "comment lines");
    const json j = expect_clear_end(r, 5000);
    ASSERT_TRUE(j.is_object()) << describe(r);
    std::printf("[chaos] resolv.conf of %ld bytes (%s): exit %d, %ld ms, root cause %s\n",
                static_cast<long>(st.st_size), one_line ? "one search line" : "comment lines",
                r.status, r.ms, j["root_cause"].dump().c_str());
    EXPECT_EQ(path_statuses(j), path_statuses(baseline)) << r.out;
    json resolv;
    for (const auto& c : all_checks(j)) {
      if (c["id"] == "dns.resolv-conf") resolv = c;
    }
    ASSERT_TRUE(resolv.is_object()) << r.out;
    EXPECT_EQ(resolv["status"], "warn") << resolv.dump(2);
    EXPECT_EQ(resolv.value("code", ""), "dns-resolv-conf-invalid") << resolv.dump(2);
    EXPECT_NE(resolv.dump().find(one_line ? "search domains" : "larger than 1048576 bytes"),
              std::string::npos)
        << resolv.dump(2);
    // Apart from that warning the pod resolves as before: no root cause.
    EXPECT_TRUE(j["root_cause"].is_null()) << j["root_cause"].dump(2);
  }
}

// 6. Extensions netdoctor does not decode (u32, string, an unknown target) in the web
// Service's KUBE-SVC chain: the traffic passes (the rules never match it), the report says the
// rules' evaluation is uncertain and names no root cause; trace says "uncertain" too.
TEST_F(Chaos, UndecodedRuleExtensionsMakeTheEvaluationUncertain) {
  const std::string chain = sh_output(
      "ip netns exec " + kNode1 +
      " iptables-legacy-save -t nat | grep -- '-A KUBE-SERVICES .*default/web:http cluster IP' "
      "| grep -o 'KUBE-SVC-[A-Z0-9]*' | head -n1");
  const std::string svc = chain.substr(0, chain.find('\n'));
  ASSERT_FALSE(svc.empty());
  const std::string ipt = "ip netns exec " + kNode1 + " iptables-legacy -t nat ";
  ASSERT_EQ(
      sh(ipt + "-I " + svc + " 1 -m u32 --u32 '0>>22&0x3C@0=0x1' -j RETURN && " + ipt + "-I " +
         svc + " 2 -m string --string netdoctor-chaos --algo bm -j RETURN && " + ipt + "-I " + svc +
         " 3 -p sctp -m u32 --u32 '0>>22&0x3C@0=0x2' " + "-j NETMAP --to 10.244.9.0/24"),
      0);
  const Outcome r = run(nd_on_node1("diagnose -o json --timeout 500ms --deadline 5s --inventory " +
                                    inventory_ + " --from default/client-a --layers service"));
  const json j = expect_clear_end(r, 5000);
  ASSERT_TRUE(j.is_object()) << describe(r);
  EXPECT_EQ(r.status, 0) << describe(r);
  EXPECT_TRUE(j["root_cause"].is_null()) << j["root_cause"].dump(2);
  bool uncertain = false;
  for (const auto& c : all_checks(j)) {
    if (c["id"] == "service.rules:default/web:http" &&
        c.dump().find("uncertain") != std::string::npos)
      uncertain = true;
  }
  EXPECT_TRUE(uncertain) << "the web Service's rules check does not say the evaluation is "
                            "uncertain: "
                         << r.out;
  const Outcome t = run(nd_on_node1("trace --inventory " + inventory_ +
                                    " --from default/client-a --to 10.96.100.10:80/tcp"));
  expect_clear_end(t, 5000, false);
  EXPECT_NE(t.out.find("uncertain"), std::string::npos) << describe(t);
}

}  // namespace
}  // namespace netdoctor
