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

namespace netdoctor::probes {

struct DiagnoseOptions {
  std::vector<report::Layer> layers;  // empty: every layer
  std::chrono::milliseconds timeout{1000};
};

struct DiagnoseContext {
  netns::RunMode mode = netns::RunMode::kNode;
  std::string node;
  const netns::Discovery* discovery = nullptr;
  const inventory::Inventory* inventory = nullptr;  // may be null
};

[[nodiscard]] report::Report diagnose(const std::vector<SourcePod>& sources,
                                      const DiagnoseContext& context,
                                      const DiagnoseOptions& options);

}  // namespace netdoctor::probes
