#include "dns_util.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "testnet_util.h"

namespace netdoctor::testing {
namespace {

constexpr int kLockWaitSeconds = 900;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Starts `lab lock -- sh -c 'echo locked; exec cat'`; returns its pid once it holds the lock.
pid_t start_holder(int& stdin_fd, std::string& error) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    error = "pipe failed";
    return -1;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    const std::string wait = std::to_string(kLockWaitSeconds);
    ::execl(ND_LAB, ND_LAB, "lock", "--wait", wait.c_str(), "--", "sh", "-c",
            "echo locked; exec cat >/dev/null", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd = in[1];
  pollfd p{out[0], POLLIN, 0};
  char buf[16] = {};
  const bool ready = ::poll(&p, 1, (kLockWaitSeconds + 10) * 1000) == 1 &&
                     ::read(out[0], buf, sizeof buf - 1) > 0 &&
                     std::string(buf).starts_with("locked");
  ::close(out[0]);
  if (!ready) {
    error = "could not take the lab lock (tests/lab/lab lock)";
    ::close(stdin_fd);
    stdin_fd = -1;
    ::waitpid(pid, nullptr, 0);
    return -1;
  }
  return pid;
}

}  // namespace

DnsLab::DnsLab() {
  if (const char* outer = std::getenv("NDLAB_LOCK_PID"); outer && *outer) {
    lock_pid_ = outer;
  } else {
    holder_ = start_holder(holder_stdin_, error_);
    if (holder_ < 0) return;
    lock_pid_ = std::to_string(holder_);
  }
  std::string out;
  if (lab("up", &out) != 0) {
    error_ = "tests/lab/lab up failed: " + out;
    return;
  }
  up_ = true;
}

DnsLab::~DnsLab() {
  if (up_ || holder_ >= 0) {
    std::string out;
    if (lab("down", &out) != 0) std::cerr << "tests/lab/lab down failed: " << out << "\n";
  }
  if (holder_stdin_ >= 0) ::close(holder_stdin_);  // cat exits, the lock is released
  if (holder_ >= 0) ::waitpid(holder_, nullptr, 0);
}

int DnsLab::lab(const std::string& args, std::string* out) const {
  int status = 0;
  std::string text =
      sh_output("NDLAB_LOCK_PID=" + lock_pid_ + " " + ND_LAB + " " + args + " 2>&1", &status);
  if (out) *out = std::move(text);
  return status;
}

probes::SourcePod DnsLab::pod(const std::string& ns, const std::string& name) const {
  probes::SourcePod s;
  s.display = s.pod = ns + "/" + name;
  std::string pid;
  lab("pid " + ns + "/" + name, &pid);
  std::string ip;
  lab("ip " + ns + "/" + name, &ip);
  s.ip = trim(ip);
  std::ifstream f("/run/netdoctor-lab/pods/" + ns + "_" + name + "/netns");
  std::string netns;
  std::getline(f, netns);
  s.netns.path = "/var/run/netns/" + trim(netns);
  s.netns.pids = {static_cast<pid_t>(std::atoi(trim(pid).c_str()))};
  return s;
}

std::string DnsLab::inventory_json() const {
  int status = 0;
  // Standard error stays out of the JSON.
  std::string out = sh_output("NDLAB_LOCK_PID=" + lock_pid_ + " " + ND_LAB + " inventory", &status);
  return status == 0 ? out : std::string();
}

}  // namespace netdoctor::testing
