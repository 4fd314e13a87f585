#include "rules/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "core/fd.h"

namespace netdoctor::rules {

namespace {

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const std::string path = kCommandPath;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = path.find(':', start);
    const std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
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
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno(errno, "cannot create a pipe");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return {};
}

enum class Drained { kDone, kTimeout, kTooLong };

// Writes the input and reads both pipes until they close, the deadline passes or an output
// grows past `max`.
Drained drain(Fd& in, const std::string& input, Fd& out, Fd& err, CommandOutput& result,
              std::size_t max, std::chrono::steady_clock::time_point deadline) {
  std::size_t written = 0;
  if (input.empty()) in.reset();
  while (out.valid() || err.valid()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Drained::kTimeout;
    pollfd p[3] = {{out.valid() ? out.get() : -1, POLLIN, 0},
                   {err.valid() ? err.get() : -1, POLLIN, 0},
                   {in.valid() ? in.get() : -1, POLLOUT, 0}};
    if (::poll(p, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return Drained::kTimeout;
    }
    Fd* fds[2] = {&out, &err};
    std::string* bufs[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n > 0) {
        bufs[i]->append(buf, static_cast<std::size_t>(n));
        if (bufs[i]->size() > max) return Drained::kTooLong;
      } else if (n == 0 || errno != EINTR) {
        fds[i]->reset();
      }
    }
    if (p[2].fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      // SIGPIPE is ignored by the process (main): a reader that went away is EPIPE here.
      const ssize_t n = ::write(in.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EINTR && errno != EAGAIN) || written == input.size()) in.reset();
    }
  }
  return Drained::kDone;
}

}  // namespace

Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  const CommandOptions& options) {
  if (argv.empty()) return fail(ErrorCode::kInvalidInput, "no command to run");
  const std::string program = find_program(argv[0]);
  if (program.empty()) {
    return fail(ErrorCode::kNotFound,
                "cannot find \"" + argv[0] + "\" in " + std::string(kCommandPath));
  }
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (auto r = make_pipe(in_r, in_w); !r) return tl::unexpected(r.error());
  if (auto r = make_pipe(out_r, out_w); !r) return tl::unexpected(r.error());
  if (auto r = make_pipe(err_r, err_w); !r) return tl::unexpected(r.error());
  FileActions actions;
  posix_spawn_file_actions_adddup2(&actions.fa, in_r.get(), 0);
  posix_spawn_file_actions_adddup2(&actions.fa, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions.fa, err_w.get(), 2);
  // Descriptors opened elsewhere without O_CLOEXEC (a library's socket) stay here.
  posix_spawn_file_actions_addclosefrom_np(&actions.fa, 3);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string path_var = std::string("PATH=") + kCommandPath;
  std::string locale_var = "LC_ALL=C";
  char* env[] = {path_var.data(), locale_var.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &actions.fa, nullptr, args.data(), env);
  if (rc != 0) return fail_errno(rc, "cannot run \"" + program + "\"");
  in_r.reset();
  // Written as far as the pipe takes it, between reads: never blocked on a child that waits
  // for its output to be read.
  ::fcntl(in_w.get(), F_SETFL, ::fcntl(in_w.get(), F_GETFL) | O_NONBLOCK);
  out_w.reset();
  err_w.reset();
  CommandOutput result;
  const Drained drained = drain(in_w, options.input, out_r, err_r, result, options.max_output,
                                std::chrono::steady_clock::now() + options.timeout);
  if (drained != Drained::kDone) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (drained == Drained::kTimeout) {
    return fail(ErrorCode::kTimeout, "\"" + argv[0] + "\" did not finish within " +
                                         std::to_string(options.timeout.count()) + " ms");
  }
  if (drained == Drained::kTooLong) {
    return fail(ErrorCode::kInvalidInput, "\"" + argv[0] + "\" wrote more than " +
                                              std::to_string(options.max_output) +
                                              " bytes: stopped");
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace netdoctor::rules
