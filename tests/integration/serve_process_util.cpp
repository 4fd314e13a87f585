#include "serve_process_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

extern char** environ;

namespace netdoctor::testing {

ServeProcess::ServeProcess(const std::vector<std::string>& args,
                           const std::vector<std::string>& env) {
  log_ = "/tmp/nd-serve-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".log";
  std::vector<std::string> argv = {ND_BINARY, "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.emplace_back(*e);
  envp.insert(envp.end(), env.begin(), env.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : envp) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    std::FILE* f = std::freopen(log_.c_str(), "w", stderr);
    (void)f;
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  const std::regex listening("listening on port ([0-9]+)");
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::smatch m;
    const std::string text = log();
    if (std::regex_search(text, m, listening)) {
      port_ = std::stoi(m[1]);
      break;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::remove(log_.c_str());
}

std::string ServeProcess::log() const {
  std::ifstream in(log_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string ServeProcess::url(const std::string& path, bool tls) const {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

int ServeProcess::terminate() {
  if (pid_ <= 0) return -1;
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

EmptyInventory::EmptyInventory()
    : path_("/tmp/nd-empty-inventory-" + std::to_string(::getpid()) + ".json") {
  std::ofstream(path_) << R"({"apiVersion": "v1", "kind": "List", "items": []})"
                       << "\n";
}

EmptyInventory::~EmptyInventory() {
  std::remove(path_.c_str());
}

}  // namespace netdoctor::testing
