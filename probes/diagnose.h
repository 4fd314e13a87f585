// Runs the selected layers' checks from each source pod and assembles the report.
#pragma once

#include <chrono>
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
};

struct DiagnoseContext {
  netns::RunMode mode = netns::RunMode::kNode;
  std::string node;
  const netns::Discovery* discovery = nullptr;
  const inventory::Inventory* inventory = nullptr;  // may be null
  // The node's proxy and filter rules; diagnose() reads them in node mode when left null.
  const rules::RuleSnapshot* rules = nullptr;
};

[[nodiscard]] report::Report diagnose(const std::vector<SourcePod>& sources,
                                      const DiagnoseContext& context,
                                      const DiagnoseOptions& options);

}  // namespace netdoctor::probes
