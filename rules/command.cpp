#include "rules/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/fd.h"

extern char** environ;

namespace netdoctor::rules {

namespace {

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* env = std::getenv("PATH");
  std::string path = std::string(env ? env : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    std::string dir =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// Owns a posix_spawn_file_actions_t.
struct FileActions {
  posix_spawn_file_actions_t fa;
  FileActions() { posix_spawn_file_actions_init(&fa); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

Result<void> make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail_errno(errno, "cannot create a pipe");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return {};
}

// Reads both pipes until they close or the deadline passes; false on timeout.
bool drain(Fd& out, Fd& err, CommandOutput& result,
           std::chrono::steady_clock::time_point deadline) {
  while (out.valid() || err.valid()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p[2] = {{out.valid() ? out.get() : -1, POLLIN, 0},
                   {err.valid() ? err.get() : -1, POLLIN, 0}};
    if (poll(p, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    Fd* fds[2] = {&out, &err};
    std::string* bufs[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n > 0)
        bufs[i]->append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR)
        fds[i]->reset();
    }
  }
  return true;
}

}  // namespace

Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) {
  if (argv.empty()) return fail(ErrorCode::kInvalidInput, "no command to run");
  std::string program = find_program(argv[0]);
  if (program.empty()) return fail(ErrorCode::kNotFound, "cannot find \"" + argv[0] + "\" in PATH");
  Fd out_r, out_w, err_r, err_w;
  if (auto r = make_pipe(out_r, out_w); !r) return tl::unexpected(r.error());
  if (auto r = make_pipe(err_r, err_w); !r) return tl::unexpected(r.error());
  FileActions actions;
  posix_spawn_file_actions_addopen(&actions.fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions.fa, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions.fa, err_w.get(), 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions.fa, nullptr, args.data(), environ);
  if (rc != 0) return fail_errno(rc, "cannot run \"" + program + "\"");
  out_w.reset();
  err_w.reset();
  CommandOutput result;
  bool finished = drain(out_r, err_r, result, std::chrono::steady_clock::now() + timeout);
  if (!finished) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return fail(ErrorCode::kTimeout, "\"" + argv[0] + "\" did not finish within " +
                                         std::to_string(timeout.count()) + " ms");
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace netdoctor::rules
