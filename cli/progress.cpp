#include "cli/progress.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace netdoctor::cli {

std::string ProgressLine::text() const {
  std::lock_guard lock(mu_);
  std::string line =
      "netdoctor: " + std::to_string(done_) + "/" + std::to_string(total_) + " layers done";
  if (!running_.empty()) {
    line += " · running:";
    bool first = true;
    for (report::Layer l : running_) {
      line += first ? " " : ", ";
      line += report::to_string(l);
      first = false;
    }
  }
  return line;
}

void ProgressLine::update(report::Layer layer, bool done) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    if (done) {
      running_.erase(layer);
      ++done_;
    } else {
      running_.insert(layer);
    }
  }
  const std::string line = text();
  std::lock_guard lock(mu_);
  if (finished_) return;
  std::fprintf(out_, "\r\033[K%s", line.c_str());
  std::fflush(out_);
}

void ProgressLine::finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
}

bool progress_wanted(const std::string& output) {
  return output != "json" && ::isatty(STDERR_FILENO) == 1 &&
         std::getenv("NETDOCTOR_NO_PROGRESS") == nullptr;
}

std::function<void(report::Layer, bool)> progress_callback(std::shared_ptr<ProgressLine> line) {
  return [line = std::move(line)](report::Layer layer, bool done) { line->update(layer, done); };
}

}  // namespace netdoctor::cli
