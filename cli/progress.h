// The live progress line of `diagnose` on a terminal: "netdoctor: 5/8 layers done · running:
// dns, apiserver, egress", rewritten in place on stderr and erased before the report. Only
// when stderr is a terminal and the report is not JSON (nothing of it ever reaches a pipe).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include "report/model.h"

namespace netdoctor::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* out, std::size_t layers) : out_(out), total_(layers) {}
  void update(report::Layer layer, bool done);
  void finish();                           // erases the line; later updates print nothing
  [[nodiscard]] std::string text() const;  // the current line, for tests

 private:
  mutable std::mutex mu_;
  std::FILE* out_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::set<report::Layer> running_;
  bool finished_ = false;
};

// Whether `diagnose` should show it: stderr is a terminal, the output is not JSON, and
// NETDOCTOR_NO_PROGRESS is unset.
[[nodiscard]] bool progress_wanted(const std::string& output);

// A callback for probes::DiagnoseOptions::on_layer that keeps `line` alive.
[[nodiscard]] std::function<void(report::Layer, bool)> progress_callback(
    std::shared_ptr<ProgressLine> line);

}  // namespace netdoctor::cli
