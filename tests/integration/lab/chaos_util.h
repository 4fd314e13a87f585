// Helpers of the chaos and privilege lab tests (chaos_test.cpp, privileges_test.cpp): run a
// netdoctor command in its own process group and learn how it ended (exit status or signal,
// wall time, peak RSS, output), and hold it to the hardening's promise (expect_clear_end).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../testnet_util.h"

namespace netdoctor::chaos {
using json = nlohmann::json;
using netdoctor::testing::sh;
using netdoctor::testing::sh_output;
using Clock = std::chrono::steady_clock;

inline const std::string kLab = ND_LAB;
inline const std::string kNode1 = "ndlab-node1";

inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "chaos-" + std::to_string(::getpid()) + "-" + name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One run of a shell command in its own process group, with what the hardening asks about:
// how it ended (exit status or signal), its output, its wall time and its peak RSS.
struct Outcome {
  int status = -1;     // exit status; -1 when it ended by a signal
  int signal = 0;      // the signal that ended it
  bool hung = false;   // killed by us after `limit`
  std::string out;     // standard output
  std::string err;     // standard error
  long ms = 0;         // wall time
  long maxrss_kb = 0;  // peak resident set of the process (netdoctor: sh and ip exec it)
};

class Child {
 public:
  explicit Child(const std::string& command)
      : out_(temp_path("out-" + std::to_string(serial()))),
        err_(temp_path("err-" + std::to_string(serial()))) {
    start_ = Clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (o < 0 || e < 0) ::_exit(126);
      ::dup2(o, 1);
      ::dup2(e, 2);
      // `exec` so that the shell's process is netdoctor's (ip netns exec execs it as well).
      ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::remove(out_.c_str());
    std::remove(err_.c_str());
  }

  // Waits for the end, at most `limit` (then kills it: a hang).
  Outcome wait(std::chrono::milliseconds limit) {
    Outcome r;
    int st = 0;
    rusage ru{};
    while (true) {
      const pid_t got = ::wait4(pid_, &st, WNOHANG, &ru);
      if (got == pid_) break;
      if (Clock::now() - start_ > limit) {
        r.hung = true;
        ::kill(-pid_, SIGKILL);
        ::wait4(pid_, &st, 0, &ru);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    reaped_ = true;
    r.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
    if (WIFEXITED(st)) r.status = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) r.signal = WTERMSIG(st);
    r.maxrss_kb = ru.ru_maxrss;
    r.out = slurp(out_);
    r.err = slurp(err_);
    return r;
  }

 private:
  static int serial() {
    static int n = 0;
    return ++n;
  }
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string out_, err_;
  Clock::time_point start_;
};

inline Outcome run(const std::string& command,
                   std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  Child c(command);
  return c.wait(limit);
}

inline std::string nd_on_node1(const std::string& args) {
  return "ip netns exec " + kNode1 + " " + std::string(ND_BINARY) + " " + args;
}

// Validates a report against the published schema (docs/report.schema.json).
inline bool valid_report(const std::string& text) {
  const std::string src = ND_SOURCE_DIR;
  const std::string path = temp_path("report.json");
  std::ofstream(path) << text;
  const int rc = sh("/usr/bin/python3 " + src + "/tests/schema/validate_report.py " + src +
                    "/docs/report.schema.json " + path);
  std::remove(path.c_str());
  return rc == 0;
}

inline std::string describe(const Outcome& r) {
  std::ostringstream s;
  s << "status " << r.status << ", signal " << r.signal << (r.hung ? ", HUNG" : "") << ", " << r.ms
    << " ms\nstderr: " << r.err << "\nstdout: " << r.out.substr(0, 4000);
  return s.str();
}

// The hardening's promise for one run: it ended by itself, without a signal, within
// `deadline_ms` (plus start-up and the report's writing), with either a valid JSON report (0/1)
// or exactly one line "netdoctor: ..." on standard error (2/3). Returns the report, if any.
inline json expect_clear_end(const Outcome& r, long deadline_ms, bool json_report = true) {
  EXPECT_FALSE(r.hung) << "hung: " << describe(r);
  EXPECT_EQ(r.signal, 0) << "crashed: " << describe(r);
  EXPECT_LT(r.ms, deadline_ms + 1500) << "did not end within its deadline: " << describe(r);
  if ((r.status == 0 || r.status == 1) && !json_report) return {};
  if (r.status == 0 || r.status == 1) {
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << describe(r);
    if (j.is_discarded()) return {};
    EXPECT_TRUE(valid_report(r.out)) << "the report does not match the schema";
    EXPECT_EQ(r.status == 0, j["verdict"] == "healthy") << describe(r);
    return j;
  }
  EXPECT_TRUE(r.status == 2 || r.status == 3) << describe(r);
  EXPECT_EQ(r.err.rfind("netdoctor: ", 0), 0u) << describe(r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << describe(r);
  return {};
}

inline std::vector<json> all_checks(const json& report) {
  std::vector<json> out;
  for (const auto& l : report.value("layers", json::array())) {
    for (const auto& c : l.value("checks", json::array())) {
      json x = c;
      x["layer"] = l["layer"];
      out.push_back(x);
    }
  }
  return out;
}

// The lab's inventory, written to a temporary file.
inline std::string lab_inventory(const std::string& name) {
  const std::string path = temp_path(name);
  EXPECT_EQ(sh(kLab + " inventory > " + path), 0);
  return path;
}

}  // namespace netdoctor::chaos
