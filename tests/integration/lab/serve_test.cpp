// `netdoctor serve` on the lab's node1: /metrics is scraped from inside the node's namespace
// and parsed; a fault injected shows up in the metrics within one interval (plus the runs'
// time) and goes away when healed; SIGTERM ends it with status 0. Over 100 runs its memory
// stays under 50 MB and its descriptors and threads do not grow. Runs inside lab_fault_tests,
// whose environment brings the lab up under its lock; every test leaves the lab healed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../../unit/cli/prometheus_text.h"
#include "../testnet_util.h"

namespace netdoctor {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using netdoctor::testing::parse_prometheus;
using netdoctor::testing::PromText;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

const std::string kLab = ND_LAB;
// A sanitizer build (this binary and the netdoctor it runs are built alike): ASan keeps freed
// memory in its quarantine (256 MB) and both ASan and TSan add shadow memory, so the resident
// size then says nothing about netdoctor's own.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ND_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ND_SANITIZED 1
#endif
#endif
#ifdef ND_SANITIZED
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

constexpr int kPort = 19464;  // inside ndlab-node1's namespace: nothing else listens there

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// /report.json needs this bearer token (--report-token-file).
const std::string kReportToken = "lab-report-token";

// netdoctor serve in ndlab-node1 (`ip netns exec` execs it: the child's pid is netdoctor's).
// The destructor kills it when a test failed before stopping it.
class Serve {
 public:
  Serve(const std::string& inventory, const std::string& interval) {
    log_ = ::testing::TempDir() + "serve-" + std::to_string(::getpid()) + ".log";
    token_ = ::testing::TempDir() + "serve-token-" + std::to_string(::getpid());
    std::ofstream(token_) << kReportToken << "\n";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::freopen(log_.c_str(), "w", stderr);
      (void)f;
      const std::string listen = "127.0.0.1:" + std::to_string(kPort);
      ::execlp("ip", "ip", "netns", "exec", "ndlab-node1", ND_BINARY, "serve", "--listen",
               listen.c_str(), "--interval", interval.c_str(), "--timeout", "500ms", "--inventory",
               inventory.c_str(), "--report-token-file", token_.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Serve() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::remove(log_.c_str());
    std::remove(token_.c_str());
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // SIGTERM, then the exit status (-1 when it did not end within 15 s).
  int terminate() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 150; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  std::string log_;
  std::string token_;
};

// A GET from inside node1; `headers` are curl arguments (-H '...').
std::string get(const std::string& path, int* status = nullptr, const std::string& headers = "") {
  return sh_output("ip netns exec ndlab-node1 curl -s --max-time 5 " + headers +
                       " http://127.0.0.1:" + std::to_string(kPort) + path,
                   status);
}

double runs(const PromText& p) {
  double n = 0;
  for (const auto* s : p.find("netdoctor_runs_total")) n += s->value;
  return n;
}

// Scrapes every 100 ms until `done` holds or `limit` seconds passed; the last scrape.
template <class Pred>
PromText scrape_until(Pred done, double limit) {
  const auto start = Clock::now();
  PromText p;
  while (seconds_since(start) < limit) {
    p = parse_prometheus(get("/metrics"));
    if (p.error.empty() && done(p)) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return p;
}

std::string root_cause_code(const PromText& p) {
  auto rc = p.find("netdoctor_root_cause");
  return rc.size() == 1 ? rc[0]->labels.at("code") : std::string();
}

std::string lab_inventory(const std::string& name) {
  const std::string path = ::testing::TempDir() + name + std::to_string(::getpid()) + ".json";
  EXPECT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + path), 0);
  return path;
}

TEST(LabServe, MetricsFollowAFaultAndItsHealing) {
  const std::string inventory = lab_inventory("serve-inventory-");
  Serve serve(inventory, "1s");
  PromText p =
      scrape_until([](const PromText& x) { return x.value("netdoctor_healthy") == 1; }, 20);
  ASSERT_EQ(p.value("netdoctor_healthy"), 1) << serve.log();
  EXPECT_TRUE(p.find("netdoctor_root_cause").empty());
  EXPECT_GE(*p.value("netdoctor_sources"), 3);  // coredns-0, client-a, web-1
  EXPECT_EQ(p.value("netdoctor_last_run_success"), 1);
  EXPECT_GT(*p.value("netdoctor_probe_duration_seconds_count", {{"layer", "dns"}}), 0);
  const double healthy_run = *p.value("netdoctor_last_run_duration_seconds");

  // The fault: the metrics must say so within the interval plus the run that was under way
  // when it came and the run that sees it.
  ASSERT_EQ(sh(kLab + " fault dns-server-down >/dev/null"), 0);
  const auto injected = Clock::now();
  p = scrape_until([](const PromText& x) { return root_cause_code(x) == "dns-server-unreachable"; },
                   15);
  const double noticed = seconds_since(injected);
  ASSERT_EQ(root_cause_code(p), "dns-server-unreachable") << get("/metrics");
  const double faulty_run = *p.value("netdoctor_last_run_duration_seconds");
  std::printf(
      "[ serve    ] fault noticed after %.2f s (interval 1 s, healthy run %.2f s, faulty "
      "run %.2f s)\n",
      noticed, healthy_run, faulty_run);
  EXPECT_LE(noticed, 1.0 + healthy_run + faulty_run + 0.5);
  EXPECT_EQ(p.value("netdoctor_root_cause", {{"layer", "dns"}}), 1);
  EXPECT_EQ(p.value("netdoctor_healthy"), 0);
  EXPECT_EQ(p.value("netdoctor_layer_status", {{"layer", "dns"}, {"status", "fail"}}), 1);
  EXPECT_GE(*p.value("netdoctor_findings",
                     {{"layer", "dns"}, {"code", "dns-server-unreachable"}, {"status", "fail"}}),
            1);
  const auto failing =
      p.find("netdoctor_check_status",
             {{"layer", "dns"}, {"code", "dns-server-unreachable"}, {"status", "fail"}});
  ASSERT_FALSE(failing.empty());
  EXPECT_EQ(failing[0]->value, 1);
  // /report.json is the same report as `diagnose -o json`, for the holder of the token only.
  EXPECT_EQ(get("/report.json", nullptr, "-o /dev/null -w '%{http_code}'"), "401");
  const json report =
      json::parse(get("/report.json", nullptr, "-H 'Authorization: Bearer " + kReportToken + "'"),
                  nullptr, false);
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["schema"], "netdoctor.report/v1");
  EXPECT_EQ(report["verdict"], "faulty");
  EXPECT_EQ(report["root_cause"]["code"], "dns-server-unreachable");

  // Healed: back to healthy, the root cause gone.
  ASSERT_EQ(sh(kLab + " heal >/dev/null"), 0);
  const auto healed = Clock::now();
  p = scrape_until([](const PromText& x) { return x.value("netdoctor_healthy") == 1; }, 15);
  const double recovered = seconds_since(healed);
  ASSERT_EQ(p.value("netdoctor_healthy"), 1) << get("/metrics");
  std::printf("[ serve    ] healing noticed after %.2f s\n", recovered);
  EXPECT_LE(recovered, 1.0 + 2 * faulty_run + 0.5);
  EXPECT_TRUE(p.find("netdoctor_root_cause").empty());
  EXPECT_TRUE(
      p.find("netdoctor_check_status", {{"status", "fail"}, {"code", "dns-server-unreachable"}})
          .empty());
  EXPECT_GE(*p.value("netdoctor_runs_total", {{"result", "faulty"}}), 1);
  EXPECT_EQ(get("/healthz"), "ok\n");

  EXPECT_EQ(serve.terminate(), 0) << serve.log();
  EXPECT_NE(serve.log().find("SIGTERM: stopping after"), std::string::npos) << serve.log();
  int status = 0;
  get("/healthz", &status);
  EXPECT_NE(status, 0) << "still listening after SIGTERM";
  std::remove(inventory.c_str());
}

struct Usage {
  long rss_kb = 0;
  long hwm_kb = 0;
  long fds = 0;
  long threads = 0;
};

long count_entries(const std::string& dir) {
  long n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

long status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key + ":")) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// Descriptors and threads come and go during a run (probe sockets, namespace files, layer
// threads): the steady state is the smallest of samples spread over more than one interval,
// which is longer than a run, so some samples fall between runs. RSS is the largest sample.
Usage sample(pid_t pid) {
  Usage u{0, 0, LONG_MAX, LONG_MAX};
  const std::string proc = "/proc/" + std::to_string(pid);
  for (int i = 0; i < 30; ++i) {
    u.fds = std::min(u.fds, count_entries(proc + "/fd"));
    u.threads = std::min(u.threads, count_entries(proc + "/task"));
    u.rss_kb = std::max(u.rss_kb, status_kb(pid, "VmRSS"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  u.hwm_kb = status_kb(pid, "VmHWM");
  return u;
}

TEST(LabServe, StaysSmallOverAHundredRuns) {
  const std::string inventory = lab_inventory("serve-rss-inventory-");
  // A healthy run of node1's three pods takes about 250 ms: 400 ms leaves idle time.
  Serve serve(inventory, "400ms");
  const auto start = Clock::now();
  PromText p = scrape_until([](const PromText& x) { return runs(x) >= 10; }, 30);
  ASSERT_GE(runs(p), 10) << serve.log();
  ASSERT_TRUE(std::filesystem::read_symlink("/proc/" + std::to_string(serve.pid()) + "/exe")
                  .string()
                  .ends_with("netdoctor"));
  const Usage at10 = sample(serve.pid());
  p = scrape_until([](const PromText& x) { return runs(x) >= 100; }, 100);
  ASSERT_GE(runs(p), 100) << serve.log();
  const Usage at100 = sample(serve.pid());
  const double elapsed = seconds_since(start);
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "error"}}), 0) << serve.log();
  // The healthy lab, with its small-backlog backend (default/slow: Python, backlog 5): no run
  // may find a failure netdoctor's own probes caused.
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "faulty"}}), 0) << serve.log();
  EXPECT_EQ(p.value("netdoctor_healthy"), 1);
  std::printf(
      "[ serve    ] %g runs in %.1f s; run 10: RSS %ld kB, HWM %ld kB, %ld fds, %ld "
      "threads; run %g: RSS %ld kB, HWM %ld kB, %ld fds, %ld threads\n",
      runs(p), elapsed, at10.rss_kb, at10.hwm_kb, at10.fds, at10.threads, runs(p), at100.rss_kb,
      at100.hwm_kb, at100.fds, at100.threads);
  ::testing::Test::RecordProperty("rss_kb_at_100", static_cast<int>(at100.rss_kb));
  ::testing::Test::RecordProperty("hwm_kb_at_100", static_cast<int>(at100.hwm_kb));
  if (kSanitized) {
    std::printf("[ serve    ] sanitizer build: the 50 MB bound on RSS is not checked\n");
  } else {
    EXPECT_LT(at100.hwm_kb, 50 * 1024);
    EXPECT_LT(at100.rss_kb, 50 * 1024);
  }
  EXPECT_LE(at100.fds, at10.fds);
  // The namespace pool's threads come and go with a run: a sample can catch one or two. A leak
  // of one per run would be 90 more.
  EXPECT_LE(at100.threads, at10.threads + 2);
  EXPECT_EQ(serve.terminate(), 0) << serve.log();
  std::remove(inventory.c_str());
}

}  // namespace
}  // namespace netdoctor
