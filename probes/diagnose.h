// Runs the selected layers' checks from each source pod and assembles the report.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "netns/discover.h"
#include "netns/mode.h"
#include "probes/sources.h"
#include "report/model.h"
#include "rules/read.h"

namespace netdoctor::probes {

struct DiagnoseOptions {
  std::vector<report::Layer> layers;  // empty: every layer
  std::chrono::milliseconds timeout{1000};
  std::vector<std::string> egress_urls;  // --egress targets
  std::vector<std::string> to;           // --to: extra pod IPs to reach (other nodes' pods)
  // The whole diagnosis ends by then: a layer still probing is reported as skipped ("did not
  // finish within the deadline") and left to end on its own. Zero: no deadline.
  std::chrono::milliseconds deadline{0};
  // Per-source probe tasks running at once, over all layers.
  std::size_t parallel = 32;
  // Called when a layer starts (done = false) and ends (done = true), from the layer's thread;
  // may be called after diagnose() returned, for a layer the deadline left behind.
  std::function<void(report::Layer layer, bool done)> on_layer;
};

class TaskLimit;

struct DiagnoseContext {
  netns::RunMode mode = netns::RunMode::kNode;
  std::string node;
  const netns::Discovery* discovery = nullptr;
  const inventory::Inventory* inventory = nullptr;  // may be null
  // The node's proxy and filter rules; diagnose() reads them in node mode when left null.
  const rules::RuleSnapshot* rules = nullptr;
  // Why `rules` is null on a node (e.g. "... needs CAP_NET_ADMIN"); set by diagnose().
  std::string rules_error;
  // rules::services(*rules): set by diagnose(), filled before the layers that read it start.
  const std::vector<rules::ServiceRule>* rule_services = nullptr;
  TaskLimit* limit = nullptr;  // set by diagnose()
};

// Runs every selected layer at once, each on its own thread, and every source within a layer
// at once (bounded by `options.parallel`). The threads own copies of what they read, so a
// layer the deadline leaves behind can finish after diagnose() returned.
[[nodiscard]] report::Report diagnose(const std::vector<SourcePod>& sources,
                                      const DiagnoseContext& context,
                                      const DiagnoseOptions& options);

// True once a diagnosis returned while one of its layers was still running: a process that
// exits then should do so without running static destructors under that layer (std::_Exit).
[[nodiscard]] bool layers_left_running();

}  // namespace netdoctor::probes
