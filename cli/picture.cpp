#include "cli/picture.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "cli/session.h"
#include "report/path.h"

namespace netdoctor::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool write_text(const std::string& file, const std::string& text, std::ostream& err) {
  std::ofstream out(file, std::ios::trunc);
  out << text;
  if (!out.flush()) {
    print_error(err, "cannot write the picture to " + file + ": " + std::strerror(errno));
    return false;
  }
  return true;
}

// Pipes DOT into `dot -Tsvg -o FILE`; false when dot is missing or fails.
bool render_svg(const std::string& dot, const std::string& file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::dup2(fds[0], STDIN_FILENO);
    ::execlp("dot", "dot", "-Tsvg", "-o", file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  const char* p = dot.data();
  std::size_t left = dot.size();
  while (left > 0) {
    const ssize_t n = ::write(fds[1], p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(fds[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

bool write_picture(const report::Report& report, const std::string& file, std::ostream& err) {
  const auto hops = report::fault_path(report);
  if (hops.empty()) {
    print_error(err, "no path picture: the source pod's path is not known (pod mode?)");
    return false;
  }
  if (ends_with(file, ".mmd")) return write_text(file, report::path_mermaid(hops), err);
  const std::string dot = report::path_dot(hops);
  if (!ends_with(file, ".svg")) return write_text(file, dot, err);
  if (render_svg(dot, file)) return true;
  print_error(err, "cannot render SVG (is Graphviz's dot installed?): writing DOT to " + file +
                       ".dot instead");
  return write_text(file + ".dot", dot, err);
}

}  // namespace netdoctor::cli
