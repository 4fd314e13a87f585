// Bounded work (issue #21): what a tenant's Services and EndpointSlices can make netdoctor do.
// A namespace-built node whose pod network routes the documentation ranges (192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24) and a ClusterIP into a "sink" namespace of the test's own
// that drops them without a word: every connect there times out. Packets never leave the
// test's namespaces.
//
// - A Service with 5,000 endpoints: the netdoctor process's thread count (read from
//   /proc/PID/status while it runs) stays within the run's thread bound, the run ends well
//   within its deadline, and the report says what the bound cut (a skip, never a failure).
// - serve with a --deadline shorter than its layers: the run cut by the deadline leaves layer
//   tasks behind; serve starts no run while they live (netdoctor_runs_skipped_total rises),
//   never has two runs alive, and its threads stay bounded.
//
// ND_BOUNDS_BINARY=/path/to/netdoctor runs another build (e.g. one before the bound) for its
// figures; the assertions are about this one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../unit/cli/prometheus_text.h"
#include "probes/limits.h"
#include "testnet_util.h"

namespace netdoctor {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using netdoctor::testing::can_build_namespaces;
using netdoctor::testing::parse_prometheus;
using netdoctor::testing::PromText;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;
using netdoctor::testing::TestNet;

#define REQUIRE_ROOT() \
  if (!can_build_namespaces()) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN"

std::string binary() {
  const char* other = std::getenv("ND_BOUNDS_BINARY");
  return other != nullptr && *other != '\0' ? other : ND_BINARY;
}

// Threads the process runs now (0 once it is gone).
int threads_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

// The sink: a namespace behind the test node that takes the documentation ranges and the
// ClusterIP and answers nothing (forwarding off: a packet not for it is dropped silently).
class Sink {
 public:
  explicit Sink(const TestNet& net) : name_(net.node() + "-sink") {
    const std::string& node = net.node();
    std::string script =
        "set -e; ip netns add " + name_ + "; ip -n " + name_ + " link set lo up; ip -n " + node +
        " link add vsink type veth peer name" + " eth0 netns " + name_ + "; ip -n " + node +
        " addr add 10.251.0.1/30 dev vsink; ip -n " + node + " link set vsink up; ip -n " + name_ +
        " addr add 10.251.0.2/30 dev eth0; ip -n " + name_ + " link set eth0 up;";
    for (const char* net_range :
         {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "10.96.0.0/16"}) {
      script += "ip -n " + node + " route add " + net_range + " via 10.251.0.2;";
    }
    ok_ = sh(script) == 0;
  }
  ~Sink() { sh("ip netns del " + name_ + " 2>/dev/null"); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  std::string name_;
  bool ok_ = false;
};

json pod(const std::string& name, const std::string& ip) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", name}}}}},
          {"spec", {{"nodeName", "node-1"}}},
          {"status", {{"phase", "Running"}, {"podIP", ip}, {"podIPs", {{{"ip", ip}}}}}}};
}

// A selector-less Service whose EndpointSlices a tenant wrote: `slices` slices of `per_slice`
// ready endpoints each, every slice on a port of its own so that `slices * per_slice` endpoints
// fit on the documentation ranges.
void add_service(json& items, const std::string& name, const std::string& cluster_ip, int slices,
                 int per_slice) {
  items.push_back({{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata", {{"name", name}, {"namespace", "default"}}},
                   {"spec",
                    {{"clusterIP", cluster_ip},
                     {"type", "ClusterIP"},
                     {"ports", {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}}}}}}});
  const char* ranges[] = {"198.51.100.", "203.0.113.", "192.0.2."};
  for (int s = 0; s < slices; ++s) {
    json endpoints = json::array();
    for (int e = 0; e < per_slice; ++e) {
      const std::string ip = ranges[s % 3] + std::to_string(1 + e % 254);
      endpoints.push_back({{"addresses", {ip}}, {"conditions", {{"ready", true}}}});
    }
    items.push_back({{"apiVersion", "discovery.k8s.io/v1"},
                     {"kind", "EndpointSlice"},
                     {"metadata",
                      {{"name", name + "-" + std::to_string(s)},
                       {"namespace", "default"},
                       {"labels", {{"kubernetes.io/service-name", name}}}}},
                     {"addressType", "IPv4"},
                     {"endpoints", endpoints},
                     {"ports", {{{"name", "http"}, {"port", 8000 + s}, {"protocol", "TCP"}}}}});
  }
}

std::string write_inventory(const json& items, const std::string& tag) {
  const std::string path =
      ::testing::TempDir() + "bounds-" + tag + "-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump();
  return path;
}

json node_item() {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", "node-1"}}},
          {"spec", {{"podCIDR", "10.250.0.0/24"}}},
          {"status", {{"addresses", {{{"type", "InternalIP"}, {"address", "10.250.0.1"}}}}}}};
}

// netdoctor inside the test node's namespace (`ip netns exec` execs it: the child is
// netdoctor), its standard output to `out`, standard error to `err`.
pid_t start_netdoctor(const TestNet& net, const std::vector<std::string>& args,
                      const std::string& out, const std::string& err) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (std::freopen(out.c_str(), "w", stdout) == nullptr) ::_exit(126);
    if (std::freopen(err.c_str(), "w", stderr) == nullptr) ::_exit(126);
    const std::string bin = binary();
    std::vector<const char*> argv{"ip", "netns", "exec", net.node().c_str(), bin.c_str()};
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    ::execvp("ip", const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const json* find_check(const json& report, const std::string& id) {
  for (const auto& layer : report["layers"]) {
    for (const auto& c : layer["checks"]) {
      if (c["id"] == id) return &c;
    }
  }
  return nullptr;
}

// The run's bound plus the threads around it: main, and the one thread that reads the node's
// rules before the layers start.
constexpr int kThreadCap = static_cast<int>(probes::kMaxRunThreads) + 2;

TEST(Bounds, AServiceWithFiveThousandEndpointsLeavesThreadsAndTimeBounded) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  Sink sink(net);
  ASSERT_TRUE(sink.ok());
  json items = json::array({node_item(), pod("client", net.pods()[0].ip)});
  add_service(items, "wide", "10.96.77.7", 20, 250);  // 5,000 endpoints
  const std::string inventory = write_inventory(items, "wide");
  const std::string out = ::testing::TempDir() + "bounds-wide.out";
  const std::string err = ::testing::TempDir() + "bounds-wide.err";

  const auto start = Clock::now();
  const pid_t pid = start_netdoctor(
      net,
      {"diagnose", "--from", "ip:" + net.pods()[0].ip, "--inventory", inventory, "--layers",
       "node,pod,same-node,service", "--timeout", "300ms", "--deadline", "60s", "-o", "json"},
      out, err);
  ASSERT_GT(pid, 0);
  int peak = 0;
  int status = 0;
  for (;;) {
    peak = std::max(peak, threads_of(pid));
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    if (std::chrono::duration<double>(Clock::now() - start).count() > 120.0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "netdoctor still ran after 120 s (peak " << peak << " threads)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "5,000-endpoint Service (" << binary() << "): peak " << peak << " threads, "
            << seconds << " s, exit " << WEXITSTATUS(status) << "\n";
  std::remove(inventory.c_str());
  const json r = json::parse(slurp(out), nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << slurp(err);

  EXPECT_LE(peak, kThreadCap);
  // Sixteen endpoints, each confirmed (0.3 s + 1.3 s), and two rounds of ClusterIP connects:
  // seconds, where 5,000 confirmed connects through the probe gate would take minutes.
  EXPECT_LT(seconds, 10.0);
  const json* limits = find_check(r, "service.limits");
  ASSERT_NE(limits, nullptr) << r.dump(1);
  EXPECT_EQ((*limits)["status"], "skip");
  EXPECT_NE((*limits)["evidence"].dump().find("16 of 5000"), std::string::npos) << limits->dump(1);
  std::size_t endpoint_checks = 0;
  for (const auto& layer : r["layers"]) {
    for (const auto& c : layer["checks"]) {
      const std::string id = c["id"];
      if (id.rfind("service.endpoint:", 0) == 0) ++endpoint_checks;
      EXPECT_LE(c["subjects"].size(), probes::kMaxEndpointsPerService + 2) << id;
    }
  }
  EXPECT_EQ(endpoint_checks, probes::kMaxEndpointsPerService);
  // A bound is never a finding: the limits check carries no code, so it cannot be a root cause.
  EXPECT_FALSE(limits->contains("code") && !(*limits)["code"].is_null() && (*limits)["code"] != "")
      << limits->dump(1);
  const json* clusterip = find_check(r, "service.clusterip:default/wide:http");
  ASSERT_NE(clusterip, nullptr);
  EXPECT_NE((*clusterip)["evidence"].dump().find("16 of 5000"), std::string::npos)
      << clusterip->dump(1);
}

double sample(const PromText& p, const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  double n = 0;
  for (const auto* s : p.find(name, labels)) n += s->value;
  return n;
}

TEST(Bounds, ServeWithADeadlineShorterThanItsLayersNeverHoldsTwoRuns) {
  REQUIRE_ROOT();
  TestNet net(1);
  ASSERT_TRUE(net.ok());
  Sink sink(net);
  ASSERT_TRUE(sink.ok());
  json items = json::array({node_item(), pod("client", net.pods()[0].ip)});
  add_service(items, "slow", "10.96.77.8", 1, 16);  // 16 silent endpoints: about 2 s a run
  const std::string inventory = write_inventory(items, "slow");
  const std::string out = ::testing::TempDir() + "bounds-serve.out";
  const std::string err = ::testing::TempDir() + "bounds-serve.err";
  const std::string port = "19466";

  const pid_t pid = start_netdoctor(
      net,
      {"serve", "--listen", "127.0.0.1:" + port, "--interval", "300ms", "--deadline", "200ms",
       "--timeout", "300ms", "--from", "ip:" + net.pods()[0].ip, "--inventory", inventory,
       "--layers", "node,pod,service"},
      out, err);
  ASSERT_GT(pid, 0);
  const auto start = Clock::now();
  int peak_threads = 0;
  double max_alive = 0, max_layer_tasks = 0, max_run_threads = 0, skipped = 0, runs = 0;
  int scrapes = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < 8.0) {
    peak_threads = std::max(peak_threads, threads_of(pid));
    int status = 0;
    const std::string text =
        sh_output("ip netns exec " + net.node() + " curl -s --max-time 2 http://127.0.0.1:" + port +
                      "/metrics",
                  &status);
    if (status == 0 && !text.empty()) {
      const PromText p = parse_prometheus(text);
      ASSERT_TRUE(p.error.empty()) << p.error;
      ++scrapes;
      max_alive = std::max(max_alive, sample(p, "netdoctor_runs_alive"));
      max_layer_tasks =
          std::max(max_layer_tasks, sample(p, "netdoctor_run_tasks_alive", {{"kind", "layer"}}));
      max_run_threads = std::max(max_run_threads, sample(p, "netdoctor_run_threads"));
      skipped = sample(p, "netdoctor_runs_skipped_total", {{"reason", "previous_run_alive"}});
      runs = sample(p, "netdoctor_runs_total");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::remove(inventory.c_str());
  const std::string log = slurp(err);
  std::cout << "serve, --deadline 200ms, layers of about 2 s (" << binary() << "): " << runs
            << " runs, " << skipped << " skipped, at most " << max_alive << " run alive, "
            << max_layer_tasks << " layer tasks, " << max_run_threads << " run threads, "
            << peak_threads << " process threads\n"
            << log;
  ASSERT_GT(scrapes, 10) << log;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  // The deadline cut runs: the intervals their leftovers outlived were skipped, and runs went
  // on once they ended.
  EXPECT_GT(skipped, 0) << log;
  EXPECT_GE(runs, 2) << log;
  EXPECT_NE(log.find("skipped: the last run's layers are still running"), std::string::npos);
  // Never two runs at once: at most one run's layer tasks (its three layers' node-wide parts
  // and parts for the one source, and the five unselected layers' node-wide skips).
  EXPECT_LE(max_alive, 1);
  EXPECT_LE(max_layer_tasks, 8 + 3);
  EXPECT_LE(max_run_threads, static_cast<double>(probes::kMaxRunThreads));
  EXPECT_LE(peak_threads, kThreadCap + 1);  // and the HTTP server's thread
}

}  // namespace
}  // namespace netdoctor
