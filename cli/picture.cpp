#include "cli/picture.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "cli/session.h"
#include "report/path.h"
#include "rules/command.h"

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
    const int e = errno;
    print_error(err, "cannot write the picture to " + file + ": " + std::strerror(e) +
                         (e == EACCES ? " (netdoctor keeps no CAP_DAC_OVERRIDE: write it where "
                                        "root may without it, such as /tmp)"
                                      : ""));
    return false;
  }
  return true;
}

// Pipes DOT into `dot -Tsvg -o FILE` (spawned as every child is: rules/command.h); false when
// dot is missing or fails.
bool render_svg(const std::string& dot, const std::string& file) {
  rules::CommandOptions options;
  options.timeout = std::chrono::seconds(30);
  options.max_output = std::size_t{1} << 20;
  options.input = dot;
  auto r = rules::run_command({"dot", "-Tsvg", "-o", file}, options);
  return r && r->exit_status == 0;
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
