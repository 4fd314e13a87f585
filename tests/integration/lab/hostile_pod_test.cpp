// A hostile container in the lab's default/client-a: secrets in its proxy variables, terminal
// controls in them and in its resolv.conf, a search domain of 40 KB. Every output of netdoctor
// run on node1 from that container (diagnose -o text -v, json, markdown, dot, the --picture
// files, pods, services, explain, and serve's /metrics and /report.json) is searched: no secret
// and no raw control may appear, the proxy settings are reported masked and the search domain
// as invalid. Runs inside lab_fault_tests, whose environment brings the lab up under its lock.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "../testnet_util.h"
#include "core/text.h"

namespace netdoctor {
namespace {

using json = nlohmann::json;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;

const std::string kLab = ND_LAB;
constexpr int kPort = 19465;  // inside ndlab-node1: serve_test uses 19464

const std::vector<std::string> kEnvironment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                               "HOSTNAME=client-a",
                                               "HTTP_PROXY=http://alice:s3cr@t@proxy:3128",
                                               "https_proxy=http://TOKEN-abc123@proxy:8080",
                                               "ALL_PROXY=carol:hunter2@socks:1080",
                                               "NO_PROXY=.svc,\xc2\x9b"
                                               "31mcorp\xe2\x80\xae"
                                               "lan\x1b[2J"};
const std::vector<std::string> kSecrets = {"alice",  "s3cr",  "TOKEN-abc123",
                                           "abc123", "carol", "hunter2"};

std::string temp(const std::string& name) {
  return ::testing::TempDir() + "hostile-" + std::to_string(::getpid()) + "-" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A process joining client-a's network namespace in a mount namespace of its own (a container,
// to netdoctor) with the hostile environment and its own /etc/resolv.conf bind-mounted. Killed
// by the destructor; its mounts go with its mount namespace.
class HostileContainer {
 public:
  HostileContainer() {
    resolv_ = temp("resolv.conf");
    std::ofstream(resolv_) << "search default.svc.cluster.local svc.cluster.local cluster.local "
                              "evil\x1b]0;pwned\x07\xe2\x80\xae.example "
                           << std::string(40000, 'a')
                           << "\nnameserver 10.96.0.10\noptions ndots:5\n";
    int status = -1;
    const std::string main_pid = sh_output(kLab + " pid client-a", &status);
    if (status != 0) return;
    const std::string target = main_pid.substr(0, main_pid.find('\n'));
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<std::string> args = {
          "nsenter",
          "-t",
          target,
          "-n",
          "-m",
          "-u",
          "--",
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          "mount --bind \"$1\" /etc/resolv.conf && shift && exec env -i "
          "\"$@\" sleep 600",
          "sh",
          resolv_};
      args.insert(args.end(), kEnvironment.begin(), kEnvironment.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("nsenter", argv.data());
      ::_exit(127);
    }
    // Ready once the exec chain reached sleep (its mounts are in place by then).
    for (int i = 0; i < 100 && !ready(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~HostileContainer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::remove(resolv_.c_str());
  }
  HostileContainer(const HostileContainer&) = delete;
  HostileContainer& operator=(const HostileContainer&) = delete;

  [[nodiscard]] bool ready() const {
    return pid_ > 0 && slurp("/proc/" + std::to_string(pid_) + "/comm") == "sleep\n";
  }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string resolv_;
};

struct Output {
  std::string name;
  std::string text;
};

// netdoctor serve on node1 from the hostile container; the destructor stops it.
class Serve {
 public:
  Serve(const std::string& inventory, pid_t from) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::freopen("/dev/null", "w", stderr);
      (void)f;
      const std::string listen = "127.0.0.1:" + std::to_string(kPort);
      const std::string ref = "pid:" + std::to_string(from);
      ::execlp("ip", "ip", "netns", "exec", "ndlab-node1", ND_BINARY, "serve", "--listen",
               listen.c_str(), "--interval", "1s", "--timeout", "500ms", "--inventory",
               inventory.c_str(), "--from", ref.c_str(), "--egress", "http://203.0.113.10/",
               "--report-auth", "none", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Serve() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Serve(const Serve&) = delete;
  Serve& operator=(const Serve&) = delete;

  // The path's body once it answers 200 (within `seconds`), else what came last.
  static std::string get(const std::string& path, int seconds = 30) {
    std::string body;
    for (int i = 0; i < seconds * 5; ++i) {
      int status = -1;
      body = sh_output("ip netns exec ndlab-node1 curl -sf --max-time 5 http://127.0.0.1:" +
                           std::to_string(kPort) + path,
                       &status);
      if (status == 0) return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return body;
  }

 private:
  pid_t pid_ = -1;
};

// Runs a command; its standard output and its standard error are two outputs.
void run(std::vector<Output>& out, const std::string& name, const std::string& command) {
  const std::string err_file = temp("stderr");
  out.push_back({name, sh_output(command + " 2>" + err_file)});
  out.push_back({name + " (stderr)", slurp(err_file)});
  std::remove(err_file.c_str());
}

// Every output, the -o json report first.
std::vector<Output> every_output(const std::string& inventory, pid_t from) {
  const std::string nd = "ip netns exec ndlab-node1 " + std::string(ND_BINARY) + " ";
  const std::string diagnose = nd + "diagnose --timeout 500ms --inventory " + inventory +
                               " --from pid:" + std::to_string(from) +
                               " --egress http://203.0.113.10/ --egress http://example.test/";
  std::vector<Output> out;
  const std::string dot_file = temp("path.dot"), mmd_file = temp("path.mmd");
  run(out, "diagnose -o json", diagnose + " -o json");
  run(out, "diagnose -v", diagnose + " -v");
  run(out, "diagnose -o markdown", diagnose + " -o markdown");
  run(out, "diagnose -o dot --picture .dot", diagnose + " -o dot --picture " + dot_file);
  run(out, "diagnose --picture .mmd", diagnose + " --picture " + mmd_file);
  out.push_back({"picture .dot", slurp(dot_file)});
  out.push_back({"picture .mmd", slurp(mmd_file)});
  std::remove(dot_file.c_str());
  std::remove(mmd_file.c_str());
  run(out, "pods", nd + "pods --inventory " + inventory);
  run(out, "pods -o json", nd + "pods -o json --inventory " + inventory);
  run(out, "services", nd + "services --inventory " + inventory);
  run(out, "explain", nd + "explain egress-no-snat");
  Serve serve(inventory, from);
  out.push_back({"serve /report.json", Serve::get("/report.json")});
  out.push_back({"serve /metrics", Serve::get("/metrics")});
  return out;
}

TEST(LabHostilePod, NoSecretNorControlInAnyOutput) {
  const std::string inventory = temp("inventory.json");
  ASSERT_EQ(sh(kLab + " heal >/dev/null && " + kLab + " inventory > " + inventory), 0);
  std::vector<Output> outputs;
  {
    HostileContainer hostile;
    ASSERT_TRUE(hostile.ready()) << "the hostile container did not start";
    outputs = every_output(inventory, hostile.pid());
  }
  std::remove(inventory.c_str());
  for (const Output& o : outputs) {
    SCOPED_TRACE(o.name);
    if (o.name.find("stderr") == std::string::npos) {
      EXPECT_FALSE(o.text.empty());
    }
    for (const std::string& secret : kSecrets) {
      EXPECT_EQ(o.text.find(secret), std::string::npos) << "shows " << secret << ":\n" << o.text;
    }
    EXPECT_EQ(terminal_safe(o.text, true), o.text) << "a raw control:\n" << o.text;
    EXPECT_EQ(o.text.find(std::string(300, 'a')), std::string::npos) << "the search domain whole";
  }

  // What the pod has is still reported: its proxy settings masked, its search domain invalid.
  const auto j = json::parse(outputs[0].text, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << outputs[0].text;
  std::string evidence;
  for (const auto& layer : j["layers"]) {
    for (const auto& c : layer["checks"]) {
      for (const auto& e : c["evidence"]) evidence += e.get<std::string>() + "\n";
      if (c["id"] == "dns.resolv-conf") {
        EXPECT_EQ(c["status"], "warn") << c.dump(2);
        EXPECT_EQ(c["code"], "dns-resolv-conf-invalid");
      }
    }
  }
  EXPECT_NE(evidence.find("HTTP_PROXY=http://***@proxy:3128"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("https_proxy=http://***@proxy:8080"), std::string::npos);
  EXPECT_NE(evidence.find("ALL_PROXY=***@socks:1080"), std::string::npos);
  EXPECT_NE(evidence.find("(40000 bytes): longer than 253 bytes"), std::string::npos) << evidence;
  // The served report is the same document.
  const auto served = json::parse(outputs[outputs.size() - 2].text, nullptr, false);
  ASSERT_FALSE(served.is_discarded()) << outputs[outputs.size() - 2].text;
  EXPECT_EQ(served["schema"], "netdoctor.report/v1");
}

}  // namespace
}  // namespace netdoctor
