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
// are tasks of one pool of at most `options.parallel` threads (and at most kMaxLayerThreads,
// probes/limits.h); the probes they start run on the run's namespace pool (scene.pool). The
// tasks own the scene together with diagnose(), so a layer the deadline leaves behind can finish
// after diagnose() returned; tasks and probes not started by then never start. A thread that
// cannot be started is a skip of the tasks it would have run, never an abort.
[[nodiscard]] report::Report diagnose(const std::vector<SourcePod>& sources,
                                      const DiagnoseContext& context,
                                      const DiagnoseOptions& options);

// True once a diagnosis returned while one of its layers was still running: a process that
// exits then should do so without running static destructors under that layer (std::_Exit).
[[nodiscard]] bool layers_left_running();

// The diagnoses of this process still alive: a diagnosis is alive until its layer tasks, its
// probes and its threads are all gone and its scene is freed, which a deadline can leave for
// after diagnose() returned. `serve` starts no run while one is (two runs' scenes at once).
struct RunActivity {
  std::size_t runs = 0;             // diagnoses not yet freed
  std::size_t layer_tasks = 0;      // their layer tasks not finished (queued or running)
  std::size_t namespace_tasks = 0;  // probes queued or running on namespace pools
  std::size_t threads = 0;          // layer threads and namespace pool threads alive
};
[[nodiscard]] RunActivity run_activity();

}  // namespace netdoctor::probes
