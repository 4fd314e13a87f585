// The diagnosis: gathers the scene once, runs every selected layer's parts (probes/layer.h) as
// tasks of one bounded pool, and assembles the report. Layer logic lives in the layers' folders;
// this is only the scheduler.
#pragma once

#include <vector>

#include "probes/options.h"
#include "probes/scene.h"
#include "probes/sources.h"
#include "report/model.h"

namespace netdoctor::probes {

// Runs every selected layer at once: each layer's node-wide part and its part for every source
// are tasks of one pool of at most `options.parallel` threads. The tasks own the scene together
// with diagnose(), so a layer the deadline leaves behind can finish after diagnose() returned;
// tasks not started by then never start.
[[nodiscard]] report::Report diagnose(const std::vector<SourcePod>& sources,
                                      const DiagnoseContext& context,
                                      const DiagnoseOptions& options);

// True once a diagnosis returned while one of its layers was still running: a process that
// exits then should do so without running static destructors under that layer (std::_Exit).
[[nodiscard]] bool layers_left_running();

}  // namespace netdoctor::probes
