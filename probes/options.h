// What a diagnosis is asked to do: the flags `diagnose` and `serve` share, read by the scheduler
// (probes/diagnose.h) and handed to every layer.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "report/model.h"

namespace netdoctor::probes {

struct DiagnoseOptions {
  std::vector<report::Layer> layers;  // empty: every layer
  std::chrono::milliseconds timeout{1000};
  std::vector<std::string> egress_urls;  // --egress targets
  std::vector<std::string> to;           // --to: extra pod IPs to reach (other nodes' pods)
  // The whole diagnosis ends by then: a layer still probing is reported as skipped ("did not
  // finish within the deadline") and left to end on its own. Zero: no deadline.
  std::chrono::milliseconds deadline{0};
  // Probe tasks (a layer's work for one source, or its node-wide part) running at once.
  std::size_t parallel = 32;
  // Called when a layer starts (done = false) and ends (done = true), from a worker thread;
  // may be called after diagnose() returned, for a layer the deadline left behind.
  std::function<void(report::Layer layer, bool done)> on_layer;

  [[nodiscard]] bool selected(report::Layer layer) const;
};

}  // namespace netdoctor::probes
